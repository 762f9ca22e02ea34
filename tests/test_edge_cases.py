"""Edge cases run and give sensible figures instead of errors or NaNs (issue 5).

Zero devices in a class (or a department), zero technicians, a 100% install failure rate,
a horizon of one day and a single replication: each runs, and its figures are the ones the
mechanism implies, checked as numbers.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest

import sim
from tests.helpers import one_class


def _json_ok(result: sim.Result) -> dict:
    """The JSON form has no NaN or infinity (allow_nan=False would raise)."""
    return json.loads(json.dumps(result.to_dict(), allow_nan=False))


def test_a_class_with_zero_devices() -> None:
    """An empty class adds nothing: the KPI is the other class's, its own figures are null."""
    only = one_class(count=400, interval=30, sla=14, levers={"technicians": {"count": 2, "hours_per_day": 6}})
    data = only.model_dump()
    empty = {**data["fleet"]["device_classes"][0], "name": "retired", "count": 0}
    data["fleet"]["device_classes"].append(empty)
    with_empty = sim.Scenario.model_validate(data)
    a, b = sim.run(only, seed=3), sim.run(with_empty, seed=3)
    assert b.summary["devices"] == 400
    comp = b.series["compliance_mean"].to_numpy()
    assert np.isfinite(comp).all()
    assert comp.min() >= 0
    assert comp.max() <= 1
    rows = {row["device_class"]: row for row in _json_ok(b)["by_class"]}
    assert rows["retired"]["devices"] == 0
    assert rows["retired"]["compliance_end"] is None
    assert rows["retired"]["mean_time_to_patch_days"] is None
    assert rows["sensors"]["compliance_end"] == pytest.approx(a.summary["compliance_end"], abs=0.1)


def test_a_fleet_of_zero_devices_is_vacuously_compliant() -> None:
    result = sim.run(one_class(count=0, interval=30, sla=14))
    assert result.summary["devices"] == 0
    assert (result.series["compliance_mean"] == 1.0).all()
    assert result.summary["overdue_device_days"] == 0.0
    assert result.summary["mean_time_to_patch_days"] is None
    _json_ok(result)


def test_a_department_with_zero_share() -> None:
    scenario = one_class(
        count=300,
        fleet={
            "departments": [
                {"name": "everyone", "share": 1.0, "approval_delay_days": 0},
                {"name": "nobody", "share": 0.0, "approval_delay_days": 0},
            ]
        },
    )
    result = sim.run(scenario)
    rows = {row["department"]: row for row in _json_ok(result)["by_department"]}
    assert rows["nobody"]["devices"] == 0
    assert rows["nobody"]["compliance_end"] is None
    assert rows["everyone"]["devices"] == 300
    assert math.isfinite(result.summary["compliance_end"])


def test_zero_technicians_and_no_enrolment_backlog_never_shrinks() -> None:
    """Nobody works the queue: the backlog only grows and compliance falls to 0."""
    result = sim.run(one_class(count=500, interval=30, sla=14), seed=5)
    backlog = result.series["technician_backlog_mean"].to_numpy()
    assert (np.diff(backlog) >= 0).all()
    assert backlog[-1] == 500  # every device waits for a technician
    assert result.series["technician_utilisation_mean"].max() == 0.0
    assert result.summary["compliance_start"] == 1.0
    assert result.summary["compliance_end"] == 0.0
    assert result.summary["mean_time_to_patch_days"] is None


def test_technicians_with_zero_hours_are_no_technicians() -> None:
    none = sim.run(one_class(count=300, sla=14), seed=2)
    idle = sim.run(one_class(count=300, sla=14, levers={"technicians": {"count": 4, "hours_per_day": 0}}), seed=2)
    assert idle.series["technician_utilisation_mean"].max() == 0.0
    np.testing.assert_array_equal(idle.series["compliance_mean"].to_numpy(), none.series["compliance_mean"].to_numpy())


def test_full_failure_rate_with_full_enrolment_installs_nothing() -> None:
    """Every automated attempt fails (loudly): no automated install succeeds; without
    technicians nothing is patched and the given-up attempts pile up as tickets."""
    levers = {"central_management": {"enrolled_share": 1.0, "onboarding_days": 0, "retries": 2}}
    failing = one_class(count=400, interval=30, sla=14, device={"install_failure_rate": 1.0}, levers=levers)
    working = one_class(count=400, interval=30, sla=14, levers=levers)
    bad, good = sim.run(failing, seed=9), sim.run(working, seed=9)
    assert bad.summary["mean_time_to_patch_days"] is None  # not one install, in any replication
    assert bad.summary["compliance_end"] == 0.0
    assert bad.summary["technician_backlog_end"] == 400
    assert bad.summary["blind_spot_devices_end"] == 0  # loud failures are known, not blind
    assert good.summary["compliance_end"] > 0.95
    assert good.summary["mean_time_to_patch_days"] < 5


def test_full_silent_failure_rate_leaves_blind_spots() -> None:
    levers = {"central_management": {"enrolled_share": 1.0, "onboarding_days": 0}}
    scenario = one_class(
        count=400,
        interval=30,
        sla=14,
        device={"install_failure_rate": 1.0, "silent_failure_share": 1.0},
        levers=levers,
    )
    result = sim.run(scenario, seed=9)
    assert result.summary["compliance_end"] == 0.0
    assert result.summary["blind_spot_devices_end"] == 400  # all look updated, none is
    assert result.summary["technician_backlog_end"] == 0


def test_horizon_of_one_day() -> None:
    result = sim.run(one_class(count=200, interval=30, sla=14, simulation={"horizon_days": 1}))
    assert list(result.series.index) == [0, 1]
    assert result.summary["compliance_at_day_182"] is None
    assert result.summary["compliance_start"] == 1.0
    assert 0.0 <= result.summary["compliance_end"] <= 1.0
    assert result.summary["compliance_average"] == result.series["compliance_mean"].iloc[1]
    _json_ok(result)


def test_one_replication_has_no_spread() -> None:
    result = sim.run(one_class(count=200, sla=14, simulation={"replications": 1}))
    assert result.replications == 1
    series = result.series
    np.testing.assert_array_equal(series["compliance_p05"].to_numpy(), series["compliance_mean"].to_numpy())
    np.testing.assert_array_equal(series["compliance_p95"].to_numpy(), series["compliance_mean"].to_numpy())
    assert result.summary["compliance_end_p05"] == result.summary["compliance_end_p95"]


@pytest.mark.parametrize("initial", [0.0, 1.0])
def test_initial_compliance_extremes(initial: float) -> None:
    result = sim.run(one_class(count=300, sla=14, fleet={"initial_compliance": initial}))
    assert result.summary["compliance_start"] == initial


def test_a_vanishingly_small_enrolled_share_enrols_nobody_without_overflow() -> None:
    """A share of 5e-324 (the smallest float) is valid input: nobody is enrolled (a device's draw is never below it),
    no overflow warning, and the result is the no-enrolment result exactly."""
    levers = {"central_management": {"enrolled_share": 5e-324, "onboarding_days": 60}}
    tiny = one_class(count=300, interval=30, sla=14, levers=levers)
    none = tiny.model_copy(
        update={
            "levers": tiny.levers.model_copy(
                update={"central_management": tiny.levers.central_management.model_copy(update={"enrolled_share": 0.0})}
            )
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = sim.run(tiny, replications=3, seed=5)
    b = sim.run(none, replications=3, seed=5)
    assert a.summary["compliance_end"] == b.summary["compliance_end"]
    assert np.isfinite(a.series["compliance_mean"].to_numpy()).all()
