"""Many runs at once: ``run_many`` against one run after another, and a 200-point sweep (a benchmark, not a test).

1. **8 baseline runs** (scenarios/baseline.yaml at its 30 replications and seed): one
   after another with ``sim.run``, then together with ``sim.run_many`` on the local process
   pool (warmed up first, as in a server or a long CLI session). Target: ≥ 1.7× faster on 2
   cores. The results are checked to be the same.
2. **A sweep of 200 baseline points at 10 replications** (audit interval 0-190 days in 20
   steps × training coverage 0-90% in 10 steps, ``sim.sweep``): wall time on the local pool
   and on a Dask ``LocalCluster`` of 2 worker processes (one thread each) started here.

    python -m benchmarks.bench_many [--skip-dask] [--skip-sweep]

Prints each figure beside its target with the date, machine and load average, and writes
benchmarks/results/bench_many.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time
from datetime import UTC, datetime

import psutil

import sim
from benchmarks.machine import description, stamp
from sim import runner
from sim.sweep import Vary, sweep
from tests.app_helpers import ROOT

RESULTS = ROOT / "benchmarks" / "results" / "bench_many.json"
TARGET_SPEEDUP = 1.7
RUNS = 8
SWEEP = (
    Vary("levers.audits.interval_days", tuple(range(0, 200, 10))),
    Vary("levers.training.coverage", tuple(round(0.1 * i, 1) for i in range(10))),
)
SWEEP_REPLICATIONS = 10


def cpu_seconds() -> float:
    """CPU time of this process and its children (the pool's workers)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


def eight_runs(baseline: sim.Scenario) -> dict:
    pool = runner.local_pool()
    sim.run_many([baseline], replications=2, executor=pool)  # warm: workers started and imported
    start, cpu = time.perf_counter(), cpu_seconds()
    one_by_one = [sim.run(baseline) for _ in range(RUNS)]
    sequential, sequential_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    start, cpu = time.perf_counter(), cpu_seconds()
    many = sim.run_many([baseline] * RUNS, executor=pool)
    parallel, parallel_cpu = time.perf_counter() - start, cpu_seconds() - cpu
    same = all(a.series.equals(b.series) for a, b in zip(one_by_one, many, strict=True))
    return {
        "sequential_s": round(sequential, 2),
        "run_many_s": round(parallel, 2),
        "speedup": round(sequential / parallel, 2),
        # CPU seconds of all processes: equal work means the pool adds no overhead, and a
        # wall-time speedup below the cores then comes from other work on the machine
        "sequential_cpu_s": round(sequential_cpu, 2),
        "run_many_cpu_s": round(parallel_cpu, 2),
        "same_results": same,
        "workers": pool._max_workers,
    }


def timed_sweep(baseline: sim.Scenario, executor) -> float:
    start = time.perf_counter()
    table = sweep(baseline, SWEEP, replications=SWEEP_REPLICATIONS, seed=1, executor=executor)
    assert len(table) == 200, len(table)
    return round(time.perf_counter() - start, 1)


def dask_sweep(baseline: sim.Scenario) -> float:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        executor = runner.dask_executor(cluster.scheduler_address)
        try:
            sim.run_many([baseline], replications=2, seed=1, executor=executor)  # warm the workers
            return timed_sweep(baseline, executor)
        finally:
            Client.current().close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-dask", action="store_true", help="leave out the Dask LocalCluster sweep")
    parser.add_argument("--skip-sweep", action="store_true", help="only the 8 runs (no sweep at all)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    machine = description()
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} · {machine} · load average {load_before}")
    baseline = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    eight = eight_runs(baseline)
    verdict = "meets" if eight["speedup"] >= TARGET_SPEEDUP else "MISSES"
    print(
        f"{RUNS} baseline runs: one after another {eight['sequential_s']} s, run on the pool of "
        f"{eight['workers']} {eight['run_many_s']} s: {eight['speedup']}x (target ≥ {TARGET_SPEEDUP}x: {verdict}); "
        f"same results: {eight['same_results']}; CPU-s {eight['sequential_cpu_s']} vs {eight['run_many_cpu_s']}"
    )
    local = None if args.skip_sweep else timed_sweep(baseline, runner.local_pool())
    if local is not None:
        print(f"sweep of 200 baseline points at {SWEEP_REPLICATIONS} replications, local pool: {local} s")
    cluster = None if args.skip_dask or args.skip_sweep else dask_sweep(baseline)
    if cluster is not None:
        print(
            f"sweep of 200 baseline points at {SWEEP_REPLICATIONS} replications, "
            f"Dask LocalCluster (2 workers): {cluster} s"
        )
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after}")
    report = stamp(machine, load_before, load_after) | {
        "eight_runs": eight,
        "target_speedup": TARGET_SPEEDUP,
        "sweep_200_points_local_s": local,
        "sweep_200_points_dask_2_workers_s": cluster,
    }
    output = RESULTS.with_name("bench_many_runs.json") if args.skip_sweep else RESULTS
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {output}")


if __name__ == "__main__":
    main()
