"""Golden results: save every array of the daily record and every table of the result for
the presets and some variants, or compare a fresh run with what was saved, exactly.

    python -m benchmarks.golden save [DIR]      # at the reference commit
    python -m benchmarks.golden compare [DIR]   # after a change: every array equal to the bit

The default directory is /tmp/iot_sim_golden (the files are large, and not kept in git).
A change to the engine that is meant to give the same figures must pass ``compare`` with
no difference at all (``np.array_equal`` with NaN in the same places, pandas ``equals``).
"""

from __future__ import annotations

import pickle
import sys
from dataclasses import fields
from pathlib import Path

import numpy as np
import pandas as pd

import sim
import sim.runner
from sim.model import FleetModel, Record

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def _cases() -> list[tuple[str, sim.Scenario, int, bool]]:
    """(name, scenario, replications, skip quiet days)."""
    cases: list[tuple[str, sim.Scenario, int, bool]] = []
    for path in sorted(SCENARIOS.glob("*.yaml")):
        sc = sim.load_scenario(path)
        cases.append((path.stem, sc, sc.simulation.replications, True))
    base = sim.load_scenario(SCENARIOS / "baseline.yaml")
    case = sim.load_scenario(SCENARIOS / "case_study.yaml")

    def variant(name: str, src: sim.Scenario, edit, reps: int = 6, skip: bool = True) -> None:
        sc = src.model_copy(deep=True)
        edit(sc)
        cases.append((name, sc, reps, skip))

    def full(sc):
        sc.levers.central_management.enrolled_share = 1.0
        sc.levers.central_management.onboarding_days = 0.0

    variant("baseline_full_enrolment", base, full, reps=10)
    variant("baseline_training1", base, lambda sc: setattr(sc.levers.training, "coverage", 1.0))
    variant("baseline_audits30", base, lambda sc: setattr(sc.levers.audits, "interval_days", 30.0))
    variant("case_audits7.5", case, lambda sc: setattr(sc.levers.audits, "interval_days", 7.5))
    variant("case_audits2.5", case, lambda sc: setattr(sc.levers.audits, "interval_days", 2.5))
    variant("baseline_short", base, lambda sc: setattr(sc.simulation, "horizon_days", 20), reps=30)
    variant("case_short", case, lambda sc: setattr(sc.simulation, "horizon_days", 45))
    variant("baseline_10tech", base, lambda sc: setattr(sc.levers.technicians, "count", 10))

    def reporting(sc):
        sc.levers.reporting_channel.enabled = True
        sc.levers.central_management.console_visibility = 0.5
        sc.levers.update_policy.prioritize_critical = True

    variant("case_reporting_console_critical", case, reporting)

    def faulty(sc):
        for c in sc.fleet.device_classes:
            c.faulty_release_share = 0.2
        sc.levers.central_management.halt_failure_share = 0.05
        sc.levers.audits.interval_days = 45.0

    variant("case_faulty", case, faulty)
    variant("case_faulty_steps", case, faulty, skip=False)
    variant(
        "automation_with_audits_steps",
        sim.load_scenario(SCENARIOS / "automation_with_audits.yaml"),
        lambda sc: None,
        reps=8,
        skip=False,
    )

    from benchmarks.bench_engine import scaled_scenario

    b = scaled_scenario(10_000, horizon_days=180, full_enrolment=True)
    cases.append(("bench_b", b, 1, True))
    b2 = b.model_copy(deep=True)
    b2.levers.update_policy.prioritize_critical = not b2.levers.update_policy.prioritize_critical
    cases.append(("bench_b_flip_critical", b2, 3, True))
    quiet = scaled_scenario(3000, horizon_days=300, full_enrolment=True)  # most days quiet
    for c in quiet.fleet.device_classes:
        c.ota_capable = 1.0
        c.release_interval_days = 250
    quiet.levers.technicians.count = 0
    quiet.levers.audits.interval_days = 45.0
    quiet.human_factors.disable_rate_per_month = 0.0
    quiet.levers.central_management.console_visibility = 0.5
    quiet.levers.central_management.checkin_days = 0.5
    cases.append(("quiet_fleet", quiet, 1, True))
    cases.append(("quiet_fleet_steps", quiet, 1, False))
    return cases


def _run(sc: sim.Scenario, reps: int, skip: bool) -> tuple[Record, sim.Result]:
    captured: list[Record] = []
    orig = sim.runner._concat

    def grab(records):
        rec = orig(records)
        captured.append(rec)
        return rec

    sim.runner._concat = grab
    old_skip = FleetModel.skip_quiet_days
    FleetModel.skip_quiet_days = skip
    try:
        result = sim.run(sc, replications=reps, seed=11)
    finally:
        sim.runner._concat = orig
        FleetModel.skip_quiet_days = old_skip
    return captured[0], result


def _result_parts(result: sim.Result) -> dict:
    out = {}
    for name, value in vars(result).items():
        if isinstance(value, pd.DataFrame | dict | int | float):
            out[name] = value
    return out


def _equal(a, b) -> bool:
    if isinstance(a, pd.DataFrame):
        return (
            isinstance(b, pd.DataFrame)
            and a.equals(b)
            and list(a.columns) == list(b.columns)
            and a.index.equals(b.index)
        )
    if isinstance(a, np.ndarray):
        return (
            isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:
        return False


def main(argv: list[str]) -> int:
    mode = argv[0] if argv else "compare"
    folder = Path(argv[1] if len(argv) > 1 else "/tmp/iot_sim_golden")
    only = set(argv[2:])
    folder.mkdir(parents=True, exist_ok=True)
    bad = 0
    for name, sc, reps, skip in _cases():
        if only and name not in only:
            continue
        rec, result = _run(sc, reps, skip)
        arrays = {f.name: getattr(rec, f.name) for f in fields(Record)}
        parts = _result_parts(result)
        path = folder / f"{name}.pkl"
        if mode == "save":
            with path.open("wb") as fh:
                pickle.dump({"record": arrays, "result": parts}, fh)
            print(f"saved {name}")
            continue
        with path.open("rb") as fh:
            gold = pickle.load(fh)
        diffs = [k for k in gold["record"] if not _equal(gold["record"][k], arrays.get(k))]
        diffs += [f"result.{k}" for k in gold["result"] if not _equal(gold["result"][k], parts.get(k))]
        if diffs:
            bad += 1
            print(f"DIFFERENT {name}: {', '.join(diffs)}")
        else:
            print(f"same      {name}")
    if mode == "compare":
        print("ALL SAME" if not bad else f"{bad} CASES DIFFER")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
