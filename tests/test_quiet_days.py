"""Quiet days: jumping the day loop to the next busy day changes no result, to the bit.

Each case runs twice with the same seed, once stepping every day
(``FleetModel.skip_quiet_days = False``) and once jumping over quiet days, and every
array of the daily record must be exactly equal (NaN where the other has NaN).
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest
from helpers import modified, one_class

import sim
from sim.model import Draws, FleetModel, Record

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
PRESETS = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def _record(scenario: sim.Scenario, reps: int, seed: int, *, skip: bool) -> tuple[Record, int]:
    model = FleetModel(scenario, range(reps), Draws(seed))
    model.skip_quiet_days = skip
    stepped = []
    record = model._record

    def counted(t: int) -> None:
        stepped.append(t)
        record(t)

    model._record = counted
    return model.run(), len(stepped)


def _assert_same(scenario: sim.Scenario, reps: int = 6, seed: int = 5) -> tuple[int, int]:
    """Both loops give the same record; returns the days stepped by each."""
    every, n_every = _record(scenario, reps, seed, skip=False)
    jumping, n_jumping = _record(scenario, reps, seed, skip=True)
    for f in fields(Record):
        a, b = getattr(every, f.name), getattr(jumping, f.name)
        assert a.shape == b.shape, f.name
        same = (a == b) | (np.isnan(a) & np.isnan(b)) if a.dtype.kind == "f" else a == b
        assert same.all(), f"{f.name}: {np.count_nonzero(~same)} of {same.size} cells differ"
    assert n_every == scenario.simulation.horizon_days + 1
    return n_every, n_jumping


@pytest.mark.slow
@pytest.mark.parametrize("name", PRESETS)
def test_every_preset_gives_the_same_record_with_and_without_quiet_day_jumps(name: str) -> None:
    _assert_same(sim.load_scenario(SCENARIOS / f"{name}.yaml"), reps=8, seed=7)


def test_the_summary_is_the_same_to_the_bit(monkeypatch: pytest.MonkeyPatch) -> None:
    sc = modified(sim.load_scenario(SCENARIOS / "case_study.yaml"), simulation={"horizon_days": 120})
    jumping = sim.run(sc, replications=4, seed=3)
    monkeypatch.setattr(FleetModel, "skip_quiet_days", False)
    every = sim.run(sc, replications=4, seed=3)
    assert jumping.summary == every.summary
    assert jumping.series.equals(every.series)
    assert jumping.replication_summary.equals(every.replication_summary)


# A fleet with long quiet stretches: rare releases, slow approvals, devices enrolled and
# failing now and then, few technicians.
QUIET = {"count": 300, "interval": 60.0, "cadence": "poisson"}


@pytest.mark.parametrize(
    "case",
    [
        {},  # nobody enrolled, no technicians: almost every day is quiet
        {"levers": {"central_management": {"enrolled_share": 1.0, "checkin_days": 2.0}}},
        {  # enrolment during the run, loud and silent failures, a small team
            "device": {"install_failure_rate": 0.2, "silent_failure_share": 0.5},
            "levers": {
                "central_management": {"enrolled_share": 0.8, "onboarding_days": 90, "console_visibility": 0.5},
                "technicians": {"count": 1, "hours_per_day": 2},
                "reporting_channel": {"enabled": True, "report_rate_per_day": 0.02},
                "audits": {"interval_days": 45.5, "coverage": 0.5},
            },
        },
        {  # staff switching auto-update off, training with refreshers, reports, no technicians
            "human_factors": {"disable_rate_per_month": 0.05, "manual_error_rate": 0.1},
            "levers": {
                "central_management": {"enrolled_share": 1.0},
                "training": {"coverage": 0.8, "refresher_interval_days": 50, "start_day": 10},
                "reporting_channel": {"enabled": True},
            },
        },
        {  # faulty releases halting a staged rollout, critical updates first
            "device": {"faulty_release_share": 0.5, "install_failure_rate": 0.05},
            "levers": {
                "central_management": {"enrolled_share": 1.0, "waves": [0.1, 0.3, 0.6], "wave_gap_days": 3.5},
                "update_policy": {"prioritize_critical": True},
                "technicians": {"count": 2, "hours_per_day": 4},
            },
        },
        {"simulation": {"horizon_days": 7}},  # a run shorter than the gaps between releases
        {  # every device watched by the console, no technicians to clear what it finds
            "device": {"install_failure_rate": 0.3, "silent_failure_share": 0.3},
            "levers": {
                "central_management": {
                    "enrolled_share": 0.5,
                    "onboarding_days": 200,
                    "checkin_days": 5,
                    "console_visibility": 1.0,
                },
            },
        },
        {  # check-ins every couple of minutes on a fixed cadence
            "cadence": "fixed",
            "levers": {"central_management": {"enrolled_share": 1.0, "checkin_days": 0.001}},
        },
    ],
    ids=["idle", "enrolled", "failures", "drift-training", "faulty-staged", "short", "console", "fast-checkin"],
)
def test_edge_cases_give_the_same_record_and_skip_days(case: dict) -> None:
    sc = one_class(**{**QUIET, **case})
    n_every, n_jumping = _assert_same(sc)
    if sc.simulation.horizon_days > 30 and not case.get("levers", {}).get("technicians"):
        assert n_jumping < n_every  # days were skipped
