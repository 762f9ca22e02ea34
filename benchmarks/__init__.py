"""Speed benchmarks of the engine (issue 2, section 5): the naive yardstick model and the benchmark script."""
