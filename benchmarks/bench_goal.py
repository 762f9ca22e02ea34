"""Goal seek on the baseline: wall time with the default budget of runs, and the plan.

Run from the repository root::

    python -m benchmarks.bench_goal                # one core, then a local pool of 2
    python -m benchmarks.bench_goal --workers 2    # the pool only

``sim.seek`` on ``scenarios/baseline.yaml`` with target 0.95 by day 182 in 9 runs of 10 and
the default budget (``sim.goal.DEFAULT_BUDGET_RUNS``). The target of issue 13 is at most
60 s on this 2-core machine with the local pool. For each setting it prints the wall time,
the runs used, the plan's cost and KPI, and a fresh ``sim.run`` of the saved plan with the
file's seed and with another seed (share of its 30 replications at or above 95% on day
182). It is a benchmark, not a test: timings depend on what else runs on the machine.
"""

from __future__ import annotations

import argparse
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

import sim
from sim.goal import DEFAULT_BUDGET_RUNS

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"


def share_meeting(scenario: sim.Scenario, seed: int, day: int = 182, target: float = 0.95) -> float:
    kpi = sim.run(scenario, seed=seed).per_replication.loc[day].to_numpy()
    return float(np.mean(kpi >= target - 1e-12))


def bench(workers: int) -> None:
    scenario = sim.load_scenario(BASELINE)
    start = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers, initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN)) as pool:
            plan = sim.seek(scenario, target=0.95, by_day=182, executor=pool)
    else:
        plan = sim.seek(scenario, target=0.95, by_day=182)
    wall = time.perf_counter() - start
    print(f"workers {workers}: {wall:.1f} s wall, {plan.runs} runs (budget {DEFAULT_BUDGET_RUNS})")
    print(
        f"  reachable {plan.reachable}; cost ${plan.cost:,.0f} (loaded ${plan.loaded_cost:,.0f}); KPI day 182 mean "
        f"{plan.kpi_mean:.1%}, 10% point {plan.kpi_lower:.1%}"
    )
    for change in plan.changes:
        print(f"    {change.label}: {change.before_text} -> {change.after_text}")
    own, other = share_meeting(plan.scenario, plan.seed), share_meeting(plan.scenario, plan.seed + 1)
    print(
        f"  fresh run: {own:.0%} of 30 replications at or above 95% (seed {plan.seed}), "
        f"{other:.0%} (seed {plan.seed + 1})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, help="only this pool size (default: 1, then 2)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    for workers in [args.workers] if args.workers else [1, 2]:
        bench(workers)


if __name__ == "__main__":
    main()
