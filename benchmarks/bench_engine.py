"""Speed benchmarks of the engine against the targets of issue 2, section 5, and issue 12.

Run from the repository root::

    python -m benchmarks.bench_engine            # full run, about two minutes
    python -m benchmarks.bench_engine --quick    # fewer repeats, shorter naive run

It prints one row per target, ``target | measured | pass/fail``, and writes the figures
with the date, the machine and its load to ``benchmarks/results/latest.json``:

(a) the default baseline (5,000 devices, 365 days, 30 replications): median wall time of
    ``sim.run`` over several runs after a warm-up, target ≤ 0.25 s (issue 12; it was 0.5 s);
(b) device-updates per second of ``sim.run`` against the naive one-process-per-device
    model (``benchmarks/naive_model.py``) on the same fleet: the baseline's classes scaled
    to 10,000 devices, every OTA-capable device enrolled from day 0 (so both do automated
    work), 1 replication; target ≥ 50x. A device-update is a (device, release) pair whose
    release falls in ``[0, horizon_days]``, counted the same way for both;
(c) 1,000,000 devices x 365 days x 1 replication in a child process, every OTA-capable
    device enrolled from day 0 (the busy case: every device does automated work):
    ``sim.run`` wall time ≤ 15 s and peak resident memory of the whole child ≤ 2 GiB;
(d) time linear in fleet size: 100k, 200k and 400k devices, enrolled as in (c)
    (1 replication, 365 days), fastest of 3 runs each (1 with ``--quick``). Pass if time
    grows no faster than the fleet: each ratio per doubling at most 2.5 (2.0 is linear;
    less means costs that do not grow with the fleet still weigh).

It also measures (e), not a speed target: the paired standard error of a few lever effects
(``PAIRED_LEVERS``: training coverage 0 -> 0.8 on the baseline and others; KPI on day 182,
30 replications, seed 7), beside the unpaired one; it says how many replications a lever
table needs. Run it alone
with ``--paired-only``.

It is a benchmark, not a test: timings depend on the machine and on what else runs on
it. docs/benchmarks.md explains the figures and keeps the latest ones.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import psutil

import sim
from benchmarks.naive_model import run_naive
from sim.results import ROLLING_DAYS

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
SEED = 7

# Targets of issue 2, section 5, and of issue 12 (a cheaper run: the baseline in a quarter second).
BASELINE_SECONDS = 0.25
SPEEDUP = 50.0
MILLION_SECONDS = 15.0
MILLION_BYTES = 2 * 1024**3
DOUBLING_RATIO_MAX = 2.5  # at most linear, with room for noise
BATCHED_REPLICATIONS = 30  # the scenarios' default
PAIRED_DAY = 182  # six months: the app's headline day


# ---------------------------------------------------------------------- scenarios


def scaled_scenario(
    devices: int, *, horizon_days: int | None = None, full_enrolment: bool = False, base: sim.Scenario | None = None
) -> sim.Scenario:
    """The baseline's device classes scaled to ``devices`` in total (largest remainder)."""
    sc = (base or sim.load_scenario(BASELINE)).model_copy(deep=True)
    classes = sc.fleet.device_classes
    counts = np.array([c.count for c in classes], dtype=float)
    exact = counts / counts.sum() * devices
    whole = np.floor(exact).astype(int)
    for i in np.argsort(whole - exact)[: devices - int(whole.sum())]:
        whole[i] += 1
    for cls, n in zip(classes, whole, strict=True):
        cls.count = int(n)
    if horizon_days is not None:
        sc.simulation.horizon_days = horizon_days
    if full_enrolment:
        cm = sc.levers.central_management
        cm.enrolled_share = 1.0
        cm.onboarding_days = 0.0
    return sc


def engine_device_updates(result: sim.Result) -> int:
    """Device-updates the engine released in ``[0, horizon]`` (one replication).

    ``release_ratio`` is a rolling ``ROLLING_DAYS``-day sum of device-updates released,
    divided by the fleet size; the sum over the whole horizon is recovered by adding the
    rolling sums every ``ROLLING_DAYS`` days back from the last day.
    """
    ratio = result.series["release_ratio_mean"].to_numpy()
    last = ratio.size - 1
    total = ratio[last::-ROLLING_DAYS].sum() * result.summary["devices"]
    return round(float(total))


# ---------------------------------------------------------------------- timing


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def median_time(fn: Callable[[], object], repeats: int, warmup: int = 1) -> tuple[float, list[float], object, float]:
    """Median wall time of ``fn`` over ``repeats`` runs after ``warmup`` untimed runs, all the
    wall times, the last result, and the median CPU time (less sensitive to other work on
    the machine)."""
    out = None
    for _ in range(warmup):
        out = fn()
    times, cpu = [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t, out = timed(fn)
        cpu.append(time.process_time() - c0)
        times.append(t)
    return statistics.median(times), times, out, statistics.median(cpu)


# ---------------------------------------------------------------------- the four targets


def bench_baseline(repeats: int) -> dict:
    scenario = sim.load_scenario(BASELINE)
    median, times, result, cpu = median_time(lambda: sim.run(scenario), repeats)
    return {
        "devices": scenario.fleet.device_count,
        "horizon_days": scenario.simulation.horizon_days,
        "replications": scenario.simulation.replications,
        "seconds_median": median,
        "seconds_all": times,
        "cpu_seconds_median": cpu,
        "compliance_end": result.summary["compliance_end"],
        "pass": median <= BASELINE_SECONDS,
    }


def bench_vs_naive(devices: int, horizon_days: int, engine_repeats: int, naive_repeats: int) -> dict:
    scenario = scaled_scenario(devices, horizon_days=horizon_days, full_enrolment=True)
    engine_s, engine_times, result, engine_cpu = median_time(
        lambda: sim.run(scenario, replications=1, seed=SEED), engine_repeats
    )
    engine_updates = engine_device_updates(result)
    naive_times, naive_updates, naive_compliance = [], [], []
    naive_cpu = []
    for i in range(naive_repeats):
        c0 = time.process_time()
        t, naive = timed(lambda i=i: run_naive(scenario, seed=SEED + i))
        naive_cpu.append(time.process_time() - c0)
        naive_times.append(t)
        naive_updates.append(naive.device_updates)
        naive_compliance.append(float(naive.compliance[1:].mean()))
    naive_rate = statistics.median(u / t for u, t in zip(naive_updates, naive_times, strict=True))
    engine_rate = engine_updates / engine_s
    # The same fleet with the default 30 replications: the engine simulates replications
    # side by side (they are more devices to it); the naive model runs them one after the
    # other at its per-update rate, so its rate is the one measured above.
    reps = BATCHED_REPLICATIONS
    batched_s, _, batched, _ = median_time(
        lambda: sim.run(scenario, replications=reps, seed=SEED), max(1, engine_repeats // 2)
    )
    batched_rate = engine_device_updates(batched) * reps / batched_s
    return {
        "batched_replications": reps,
        "batched_engine_seconds_median": batched_s,
        "batched_engine_device_updates_per_s": batched_rate,
        "batched_speedup": batched_rate / naive_rate,
        "batched_pass": batched_rate / naive_rate >= SPEEDUP,
        "devices": devices,
        "horizon_days": horizon_days,
        "replications": 1,
        "engine_seconds_median": engine_s,
        "engine_seconds_all": engine_times,
        "engine_cpu_seconds_median": engine_cpu,
        "engine_device_updates": engine_updates,
        "engine_device_updates_per_s": engine_rate,
        "engine_compliance_average": result.summary["compliance_average"],
        "naive_seconds_all": naive_times,
        "naive_device_updates": naive_updates,
        "naive_device_updates_per_s": naive_rate,
        "naive_compliance_average": naive_compliance,
        "naive_cpu_seconds_all": naive_cpu,
        "speedup": engine_rate / naive_rate,
        "speedup_cpu_time": (engine_updates / engine_cpu)
        / statistics.median(u / t for u, t in zip(naive_updates, naive_cpu, strict=True)),
        "pass": engine_rate / naive_rate >= SPEEDUP,
    }


def bench_million(devices: int, horizon_days: int) -> dict:
    """Run ``sim.run`` in a child process; its peak RSS from ``wait4`` and psutil polling."""
    cmd = [sys.executable, "-m", "benchmarks.bench_engine", "--child", str(devices), str(horizon_days)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    polled = 0
    child = psutil.Process(proc.pid)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        with contextlib.suppress(psutil.Error):  # the child may exit between the checks
            polled = max(polled, child.memory_info().rss)
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join()
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed with status {proc.returncode}")
    figures = json.loads(out[0])
    peak = usage.ru_maxrss * 1024  # kilobytes on Linux
    seconds = figures["seconds"]
    return {
        "devices": devices,
        "horizon_days": horizon_days,
        "replications": 1,
        "seconds": seconds,
        "device_updates": figures["device_updates"],
        "device_updates_per_s": figures["device_updates"] / seconds,
        "child_seconds_total": figures["total_seconds"],
        "peak_rss_bytes": peak,
        "peak_rss_polled_bytes": polled,
        "pass_time": seconds <= MILLION_SECONDS,
        "pass_memory": peak <= MILLION_BYTES,
    }


def child(devices: int, horizon_days: int) -> None:
    """In the child process: warm up on a small fleet, then time one big run."""
    start = time.perf_counter()
    scenario = scaled_scenario(devices, horizon_days=horizon_days, full_enrolment=True)
    sim.run(scaled_scenario(1000, horizon_days=30, full_enrolment=True), replications=1, seed=SEED)
    seconds, result = timed(lambda: sim.run(scenario, replications=1, seed=SEED))
    updates = engine_device_updates(result)  # type: ignore[arg-type]
    print(json.dumps({"seconds": seconds, "total_seconds": time.perf_counter() - start, "device_updates": updates}))


def bench_linearity(sizes: list[int], horizon_days: int, repeats: int) -> dict:
    """Fastest of ``repeats`` runs per size, the sizes taken in turn within each round so that
    a burst of load from other work on the machine does not land on one size only."""
    base = sim.load_scenario(BASELINE)
    scenarios = [scaled_scenario(n, horizon_days=horizon_days, full_enrolment=True, base=base) for n in sizes]
    warm_up = scaled_scenario(sizes[0], horizon_days=30, full_enrolment=True, base=base)
    sim.run(warm_up, replications=1, seed=SEED)
    runs: list[list[float]] = [[] for _ in sizes]
    for _ in range(repeats):
        for i, scenario in enumerate(scenarios):
            runs[i].append(timed(lambda s=scenario: sim.run(s, replications=1, seed=SEED))[0])
    times = [min(r) for r in runs]
    ratios = [b / a for a, b in itertools.pairwise(times)]
    slope = float(np.polyfit(np.log(sizes), np.log(times), 1)[0])
    return {
        "devices": sizes,
        "horizon_days": horizon_days,
        "replications": 1,
        "seconds": times,
        "seconds_all": runs,
        "seconds_per_million_devices": [t / n * 1e6 for t, n in zip(times, sizes, strict=True)],
        "ratio_per_doubling": ratios,
        "log_log_slope": slope,
        "pass": all(r <= DOUBLING_RATIO_MAX for r in ratios),
    }


def _set(path: str, value: object) -> Callable[[sim.Scenario], None]:
    def apply(sc: sim.Scenario) -> None:
        *parents, key = path.split(".")
        obj = sc
        for p in parents:
            obj = getattr(obj, p)
        setattr(obj, key, value)

    return apply


# (what, scenario file, change from, change to): (e) measures each lever effect below
PAIRED_LEVERS = [
    (
        "training coverage 0 -> 0.8",
        "baseline",
        _set("levers.training.coverage", 0.0),
        _set("levers.training.coverage", 0.8),
    ),
    ("technicians 3 -> 4", "baseline", _set("levers.technicians.count", 3), _set("levers.technicians.count", 4)),
    (
        "enrolled share 0.5 -> 0.6",
        "baseline",
        _set("levers.central_management.enrolled_share", 0.5),
        _set("levers.central_management.enrolled_share", 0.6),
    ),
    (
        "rollout waves [1] -> [0.05, 0.25, 0.70]",
        "case_study",
        _set("levers.central_management.waves", [1.0]),
        _set("levers.central_management.waves", [0.05, 0.25, 0.70]),
    ),
]


def bench_paired_se(replications: int = BATCHED_REPLICATIONS, day: int = PAIRED_DAY) -> list[dict]:
    """Lever effects on the KPI on ``day``: the mean paired difference over the same
    replications, its standard error, and the standard error the same difference would have
    if the two runs were independent (a measure of how much common random numbers help)."""
    out = []
    for what, name, before, after in PAIRED_LEVERS:
        a_sc = sim.load_scenario(ROOT / "scenarios" / f"{name}.yaml")
        b_sc = a_sc.model_copy(deep=True)
        before(a_sc)
        after(b_sc)
        a = sim.run(a_sc, replications=replications, seed=SEED).per_replication.iloc[day].to_numpy()
        b = sim.run(b_sc, replications=replications, seed=SEED).per_replication.iloc[day].to_numpy()
        diff = (b - a) * 100  # points
        n = diff.size
        paired = float(diff.std(ddof=1) / np.sqrt(n))
        unpaired = float(np.sqrt(a.var(ddof=1) / n + b.var(ddof=1) / n) * 100)
        out.append(
            {
                "lever": what,
                "scenario": name,
                "day": day,
                "replications": n,
                "effect_points": float(diff.mean()),
                "paired_se_points": paired,
                "unpaired_se_points": unpaired,
            }
        )
    return out


# ---------------------------------------------------------------------- report


def source() -> dict:
    """The commit measured, and whether ``sim/`` had uncommitted changes."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return run.stdout.strip()

    return {
        "commit": git("rev-parse", "--short", "HEAD") or None,
        "sim_modified": bool(git("status", "--porcelain", "--", "sim")),
    }


def machine() -> dict:
    model = platform.processor()
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {
        "cpu_model": model,
        "logical_cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "simpy": __import__("simpy").__version__,
        "platform": platform.platform(),
    }


def rows(fig: dict) -> list[tuple[str, str, str, bool]]:
    a, b, c, d = fig["baseline"], fig["vs_naive"], fig["million"], fig["linearity"]
    return [
        (
            f"(a) baseline {a['devices']:,} dev x {a['horizon_days']} d x {a['replications']} reps",
            f"<= {BASELINE_SECONDS} s",
            f"{a['seconds_median']:.2f} s (median of {len(a['seconds_all'])}; min {min(a['seconds_all']):.2f})",
            a["pass"],
        ),
        (
            f"(b) vs naive, {b['devices']:,} dev x {b['horizon_days']} d, full enrolment",
            f">= {SPEEDUP:.0f}x",
            f"{b['speedup']:.1f}x ({b['engine_device_updates_per_s']:,.0f}"
            f" vs {b['naive_device_updates_per_s']:,.0f} /s)",
            b["pass"],
        ),
        (
            f"(b) ... with {b['batched_replications']} replications (engine batches them)",
            f">= {SPEEDUP:.0f}x",
            f"{b['batched_speedup']:.1f}x ({b['batched_engine_device_updates_per_s']:,.0f}"
            f" vs {b['naive_device_updates_per_s']:,.0f} /s)",
            b["batched_pass"],
        ),
        (
            f"(c) {c['devices']:,} dev x {c['horizon_days']} d x 1 rep: time",
            f"<= {MILLION_SECONDS:.0f} s",
            f"{c['seconds']:.1f} s",
            c["pass_time"],
        ),
        (
            "(c) ... peak memory (child RSS)",
            f"<= {MILLION_BYTES / 1024**3:.0f} GiB",
            f"{c['peak_rss_bytes'] / 1024**2:,.0f} MiB",
            c["pass_memory"],
        ),
        (
            "(d) linear: " + " / ".join(f"{n // 1000}k" for n in d["devices"]) + " dev",
            f"<= x{DOUBLING_RATIO_MAX} per doubling",
            " / ".join(f"{t:.2f}" for t in d["seconds"])
            + " s; x"
            + ", x".join(f"{r:.2f}" for r in d["ratio_per_doubling"]),
            d["pass"],
        ),
    ]


def print_table(fig: dict) -> None:
    table = [("benchmark", "target", "measured", "result")]
    table += [(name, target, measured, "pass" if ok else "FAIL") for name, target, measured, ok in rows(fig)]
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    for i, r in enumerate(table):
        print(" | ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            print("-+-".join("-" * w for w in widths))


def print_paired(effects: list[dict]) -> None:
    print("\n(e) lever effects on the KPI, paired over the same replications (seed 7)")
    for e in effects:
        print(
            f"  {e['lever']:<42} {e['scenario']:<11} day {e['day']}, {e['replications']} reps: "
            f"{e['effect_points']:+6.2f} pts, paired SE {e['paired_se_points']:.2f}"
            f" (unpaired {e['unpaired_se_points']:.2f})"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats and a shorter naive run")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where to write the figures (default {RESULTS})")
    parser.add_argument("--paired-only", action="store_true", help="only measure (e), the paired standard error")
    parser.add_argument("--child", nargs=2, type=int, metavar=("DEVICES", "DAYS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return 0
    quick = args.quick
    if args.paired_only:
        load = os.getloadavg()
        print_paired(bench_paired_se())
        print(f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f}")
        return 0
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    fig = {
        "million": bench_million(1_000_000, 365),  # first, while the parent is still small
        "baseline": bench_baseline(repeats=3 if quick else 7),
        "vs_naive": bench_vs_naive(
            10_000, 90 if quick else 180, engine_repeats=3 if quick else 7, naive_repeats=1 if quick else 2
        ),
        "linearity": bench_linearity([100_000, 200_000, 400_000], 365, repeats=1 if quick else 3),
        "paired_se": bench_paired_se(),
    }
    report = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "quick": quick,
        "source": source(),
        "machine": machine(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
        "targets": [
            {"benchmark": name, "target": target, "measured": measured, "pass": ok}
            for name, target, measured, ok in rows(fig)
        ],
        **fig,
    }
    print_table(fig)
    print_paired(fig["paired_se"])
    print(
        f"\nload average before/after: {load_before[0]:.2f} / {report['load_average_after'][0]:.2f} "
        f"on {os.cpu_count()} CPUs; figures written to {args.json}"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
