"""Speed and memory of the technicians' queue at the largest team the schema allows.

Run from the repository root::

    python -m benchmarks.bench_queue             # 1 and 30 replications
    python -m benchmarks.bench_queue --quick     # 1 replication only

Issue 16: ``?technicians=10000&technician_hours=24`` on the baseline used to run for
over 150 s with gigabytes of memory, because each work day read a window of the ticket
logs sized by the day's budget over the shortest job (millions of entries), not by the
tickets queued (a few thousand at most). The target is that the largest team costs about
what a small one does: the baseline with 10,000 technicians x 24 h takes at most
``TIME_RATIO`` times the wall time of the same run with 5 technicians x 6 h (1.5x for one
replication; 2x for 30, where the large team really does more: it serves every ticket on
the day it opens, so it performs many more manual updates), and its peak resident memory
is at most ``EXTRA_MIB`` more.

Each case runs in its own child process (so peak memory is the case's own), fastest of
``--repeats`` runs after one warm-up. It prints ``case | measured | target | pass/fail``.
It is a benchmark, not a test: timings depend on the machine and its load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
TIME_RATIO = {1: 1.5, 30: 2.0}  # largest team / small team, wall time, by replications
EXTRA_MIB = 100.0  # largest team - small team, peak resident memory

CHILD = r"""
import json, resource, sys, time
import sim
sc = sim.load_scenario(open(sys.argv[1]).read())
count, hours, reps, repeats = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
sc.levers.technicians.count = count
sc.levers.technicians.hours_per_day = hours
sim.run(sc, replications=1, seed=7)  # warm-up (imports, first allocations)
best = float("inf")
for _ in range(repeats):
    t0 = time.perf_counter()
    res = sim.run(sc, replications=reps, seed=7)
    best = min(best, time.perf_counter() - t0)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB
s = res.summary
print(json.dumps({"seconds": best, "peak_mib": peak, "kpi_end": s["compliance_end"],
                  "backlog_end": s.get("technician_backlog_end")}))
"""


def measure(count: int, hours: float, reps: int, repeats: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(BASELINE), str(count), str(hours), str(reps), str(repeats)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        timeout=1800,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1 replication only")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per case (fastest kept)")
    args = ap.parse_args(argv)
    ok = True
    print(f"{'case':<44} {'measured':>22} {'target':>22}  result")
    for reps in (1,) if args.quick else (1, 30):
        small = measure(5, 6.0, reps, args.repeats)
        large = measure(10_000, 24.0, reps, args.repeats)
        ratio = large["seconds"] / small["seconds"]
        extra = large["peak_mib"] - small["peak_mib"]
        kpis = f"{small['kpi_end']:.3f} / {large['kpi_end']:.3f}"
        max_ratio = TIME_RATIO[reps]
        rows = [
            (f"{reps} rep, 5 technicians x 6 h: wall time", f"{small['seconds']:.2f} s", "(reference)", None),
            (f"{reps} rep, 10,000 x 24 h: wall time", f"{large['seconds']:.2f} s", "", None),
            (f"{reps} rep, time ratio (10,000 / 5)", f"{ratio:.2f}x", f"<= {max_ratio}x", ratio <= max_ratio),
            (f"{reps} rep, 5 technicians: peak memory", f"{small['peak_mib']:.0f} MiB", "(reference)", None),
            (f"{reps} rep, 10,000 x 24 h: peak memory", f"{large['peak_mib']:.0f} MiB", "", None),
            (
                f"{reps} rep, extra memory (10,000 - 5)",
                f"{extra:+.0f} MiB",
                f"<= {EXTRA_MIB:.0f} MiB",
                extra <= EXTRA_MIB,
            ),
            (f"{reps} rep, KPI at horizon (5 / 10,000)", kpis, "", None),
        ]
        for name, measured, target, passed in rows:
            flag = "" if passed is None else ("pass" if passed else "FAIL")
            ok &= passed is not False
            print(f"{name:<44} {measured:>22} {target:>22}  {flag}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
