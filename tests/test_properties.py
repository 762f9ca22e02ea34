"""Properties that must hold for every valid scenario, checked on scenarios hypothesis makes.

Functional tests in the pydesrap sense: whole runs of generated scenarios (1-3 device
classes of 0-300 devices, 1-3 departments, any lever within its range, 1-120 days, 1-3
replications) must give finite figures, shares within [0, 1], and the same series twice for
the same seed. Under common random numbers (same seed), improving one lever (more audits,
more enrolment, more training, more technicians) must not lower the mean KPI by more than
``TOLERANCE`` (0.02, two percentage points of time-averaged compliance).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.scenario import SEVERITIES, Scenario

TOLERANCE = 0.02  # the mean KPI may fall by at most this much when one lever improves
SHARE_SERIES = ("compliance", "on_time_rate", "technician_utilisation")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MONOTONE = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

share = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def shares(draw: st.DrawFn, n: int) -> list[float]:
    """``n`` shares summing to 1 (whole-number weights, so the sum is exact enough)."""
    weights = draw(st.lists(st.integers(1, 20), min_size=n, max_size=n))
    return [w / sum(weights) for w in weights]


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    min_count: int = 0,
    max_count: int = 300,
    max_failure: float = 1.0,
    max_drift: float = 0.3,
    **fixed: Any,
) -> dict[str, Any]:
    """A valid small scenario as data; ``fixed`` overrides top-level sections (keys within a
    section), ``max_failure`` caps the automated install failure rate and its silent share,
    ``max_drift`` the monthly rate at which staff switch auto-update off."""
    n_classes = draw(st.integers(1, 3))
    classes = []
    for i in range(n_classes):
        mix = draw(shares(len(SEVERITIES)))
        classes.append(
            {
                "name": f"class {i}",
                "count": draw(st.integers(min_count, max_count)),
                "release_interval_days": draw(st.floats(5, 120)),
                "release_cadence": draw(st.sampled_from(["poisson", "fixed"])),
                "severity_mix": dict(zip(SEVERITIES, mix, strict=True)),
                "ota_capable": draw(share),
                "install_failure_rate": draw(st.floats(0, max_failure)),
                "silent_failure_share": draw(st.floats(0, max_failure)),
                "manual_minutes": draw(st.floats(1, 120)),
            }
        )
    n_depts = draw(st.integers(1, 3))
    depts = [
        {"name": f"dept {i}", "share": s, "approval_delay_days": draw(st.floats(0, 60))}
        for i, s in enumerate(draw(shares(n_depts)))
    ]
    data = {
        "name": "generated",
        "simulation": {
            "horizon_days": draw(st.integers(1, 120)),
            "replications": draw(st.integers(1, 3)),
            "seed": draw(st.integers(0, 2**32 - 1)),
        },
        "fleet": {"initial_compliance": draw(share), "device_classes": classes, "departments": depts},
        "human_factors": {"manual_error_rate": draw(share), "disable_rate_per_month": draw(st.floats(0, max_drift))},
        "levers": {
            "central_management": {
                "enrolled_share": draw(share),
                "onboarding_days": draw(st.floats(0, 120)),
                "checkin_days": draw(st.floats(0.1, 10)),
                "waves": draw(shares(draw(st.integers(1, 3)))),
                "wave_gap_days": draw(st.floats(0, 10)),
                "retries": draw(st.integers(0, 5)),
            },
            "audits": {
                "interval_days": draw(st.sampled_from([0, 7, 30, 90])),
                "coverage": draw(share),
                "detection_rate": draw(share),
            },
            "reporting_channel": {"enabled": draw(st.booleans()), "report_rate_per_day": draw(st.floats(0, 0.2))},
            "training": {
                "coverage": draw(share),
                "start_day": draw(st.floats(0, 60)),
                "ramp_days": draw(st.floats(0, 60)),
                "half_life_days": draw(st.floats(10, 400)),
                "refresher_interval_days": draw(st.sampled_from([0, 30, 90])),
                "effectiveness": draw(share),
            },
            "update_policy": {
                "clarity": draw(share),
                "approval_delay_days": draw(st.floats(0, 30)),
                "prioritize_critical": draw(st.booleans()),
            },
            "technicians": {"count": draw(st.integers(0, 5)), "hours_per_day": draw(st.floats(0, 8))},
        },
    }
    for section, values in fixed.items():
        data[section] = {**data[section], **values} if isinstance(values, dict) else values
    return data


def _mean_kpi(result: sim.Result) -> float:
    """Time average of the mean compliance over days 1..horizon (day 0 is the same for both)."""
    comp = result.series["compliance_mean"].to_numpy()
    return float(comp[1:].mean()) if comp.size > 1 else float(comp[0])


def _set(data: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = Scenario.model_validate(data).model_dump(mode="json")
    node = out
    *parents, leaf = path.split(".")
    for key in parents:
        node = node[key]
    node[leaf] = value
    return out


# --------------------------------------------------------------------------- any valid scenario


@FAST
@given(scenarios())
def test_results_are_finite_shares_in_range_and_deterministic(data: dict[str, Any]) -> None:
    """Finite numbers; compliance, on-time rate and utilisation within [0, 1]; same seed, same series."""
    scenario = Scenario.model_validate(data)
    first = sim.run(scenario)
    again = sim.run(scenario)
    series = first.series
    assert len(series) == scenario.simulation.horizon_days + 1
    for column in series.columns:
        values = series[column].to_numpy(dtype=float)
        if column.startswith(("on_time_rate", "time_to_patch")):
            # no deadline in the window, or no install that day: no value (never an infinity)
            values = values[~np.isnan(values)]
        assert np.isfinite(values).all(), column
        if column.startswith("time_to_patch"):
            assert (values >= 0).all(), column
    for name in SHARE_SERIES:
        for stat in ("mean", "p05", "p95"):
            values = series[f"{name}_{stat}"].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            assert (values >= 0).all(), f"{name}_{stat}"
            assert (values <= 1 + 1e-9).all(), f"{name}_{stat}"
    for key, value in first.summary.items():
        if isinstance(value, float):
            assert math.isfinite(value), key
    assert first.summary["days_to_target"] is None or 0 <= first.summary["days_to_target"] <= len(series)
    pd.testing.assert_frame_equal(first.series, again.series)
    pd.testing.assert_frame_equal(first.per_replication, again.per_replication)
    assert first.summary == again.summary


# --------------------------------------------------------------------------- levers under CRN


def _moderate(**options: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Mid-sized fleets, enough replications and days for the lever to matter beyond noise."""
    return scenarios(min_count=150, max_count=300, simulation={"horizon_days": 120, "replications": 3}, **options)


def _not_lower(data: dict[str, Any], path: str, low: Any, high: Any) -> None:
    worse = sim.run(Scenario.model_validate(_set(data, path, low)))
    better = sim.run(Scenario.model_validate(_set(data, path, high)))
    assert _mean_kpi(better) >= _mean_kpi(worse) - TOLERANCE, (path, _mean_kpi(worse), _mean_kpi(better))


@MONOTONE
@given(_moderate())
def test_more_audits_never_lower_the_kpi(data: dict[str, Any]) -> None:
    """Audits every 30 days versus none."""
    _not_lower(data, "levers.audits.interval_days", 0, 30)


MONTHLY_AUDITS = {"audits": {"interval_days": 30, "coverage": 1.0, "detection_rate": 0.9}}


@MONOTONE
@given(
    _moderate(max_failure=0.3, max_drift=0.02, levers=MONTHLY_AUDITS),
    st.floats(0, 0.5),
    st.floats(0.5, 1.0),
    st.floats(0.1, 2.0),
)
def test_more_enrolment_never_lowers_the_kpi(data: dict[str, Any], low: float, high: float, checkin: float) -> None:
    """More of the OTA-capable devices under central management, in a programme that audits
    monthly, with install failures and their silent share at most 30% each (the bundled
    classes have 3-10% and 20-50%), staff switching auto-update off on at most 2% of
    enrolled devices a month (the default is 1%), and devices checking in at least every
    two days on average (the default is daily).

    Outside these conditions the property does not hold, by design: automation trusted
    without audits, while it fails silently or staff switch it off, is one of the KPI's named
    pitfalls, and a device that checks in weekly is slower than a technician with time to
    spare. Hypothesis found all three (100% silent failures; 25% a month switched off, no
    audits, against a technician who keeps up; a 6-day check-in against a technician who
    patches the same day); the tests below pin the first and the last.
    """
    data = _set(data, "levers.central_management.checkin_days", checkin)
    _not_lower(data, "levers.central_management.enrolled_share", low, high)


def test_enrolment_with_silent_failures_and_no_audits_is_the_pitfall() -> None:
    """Why the enrolment property caps failures: every automated install failing silently,
    no audits, five technicians: full enrolment drops the mean KPI from about 0.99 to 0.58."""
    data = {
        "name": "pitfall",
        "simulation": {"horizon_days": 120, "replications": 3},
        "fleet": {
            "initial_compliance": 0.5,
            "device_classes": [
                {
                    "name": "a",
                    "count": 300,
                    "release_interval_days": 10,
                    "ota_capable": 1.0,
                    "install_failure_rate": 1.0,
                    "silent_failure_share": 1.0,
                }
            ],
            "departments": [{"name": "d", "share": 1, "approval_delay_days": 0}],
        },
        "levers": {"technicians": {"count": 5, "hours_per_day": 8}},
    }
    manual = _mean_kpi(sim.run(Scenario.model_validate(_set(data, "levers.central_management.enrolled_share", 0.0))))
    trusted = _mean_kpi(sim.run(Scenario.model_validate(_set(data, "levers.central_management.enrolled_share", 1.0))))
    assert manual > 0.95
    assert trusted < 0.7


def test_weekly_check_in_is_slower_than_an_idle_technician() -> None:
    """Why the enrolment property bounds the check-in: 150 devices that a technician patches
    on the day each update is approved, and 150 OTA devices that, once enrolled, wait for a
    check-in averaging 8 days. Updates come every 5 days, critical ones due in 14, and an
    exponential check-in misses 14 days with chance e^(-14/8), about 17%: enrolling them
    lowers the mean KPI from about 0.98 to about 0.95."""
    cls = {"release_interval_days": 5, "severity_mix": dict.fromkeys(SEVERITIES, 0.25), "install_failure_rate": 0.0}
    data = {
        "name": "slow check-in",
        "simulation": {"horizon_days": 120, "replications": 3, "seed": 0},
        "fleet": {
            "initial_compliance": 0.0,
            "device_classes": [
                {"name": "ota", "count": 150, "ota_capable": 1.0, "manual_minutes": 1, **cls},
                {"name": "manual", "count": 150, "ota_capable": 0.0, "manual_minutes": 1, **cls},
            ],
            "departments": [{"name": "d", "share": 1, "approval_delay_days": 0}],
        },
        "human_factors": {"manual_error_rate": 0.0, "disable_rate_per_month": 0.0},
        "levers": {
            "central_management": {"onboarding_days": 0, "checkin_days": 8.0, "waves": [1.0], "retries": 0},
            "update_policy": {"clarity": 0.0, "approval_delay_days": 0.0},
            "technicians": {"count": 1, "hours_per_day": 1.0},
        },
    }
    path = "levers.central_management.enrolled_share"
    manual = _mean_kpi(sim.run(Scenario.model_validate(_set(data, path, 0.0))))
    automated = _mean_kpi(sim.run(Scenario.model_validate(_set(data, path, 1.0))))
    assert manual == pytest.approx(0.98, abs=0.01)
    assert automated == pytest.approx(0.95, abs=0.01)
    assert manual - automated > TOLERANCE, (manual, automated)


@MONOTONE
@given(_moderate(), st.floats(0, 0.5), st.floats(0.5, 1.0))
def test_more_training_never_lowers_the_kpi(data: dict[str, Any], low: float, high: float) -> None:
    _not_lower(data, "levers.training.coverage", low, high)


@MONOTONE
@given(_moderate(max_failure=0.5), st.integers(0, 2), st.integers(3, 6))
def test_more_technicians_never_lower_the_kpi(data: dict[str, Any], low: int, high: int) -> None:
    """Up to half of automated installs failing (and up to half of those silently). Beyond
    that the property is not true of the model, and rightly: when every install fails and
    half fail silently (nothing audits or reports), a technician who comes later installs the
    newest release, covering a silent failure of the next one, while one who comes at once
    installs the older release and the next one's silent failure stays. 150 such devices,
    1 technician-hour a day: 14.8% averaged KPI with 1 technician, 12.4% with 3 (no audits,
    no reports); with no silent failures the same fleet goes 73.9% -> 95.0%."""
    _not_lower(data, "levers.technicians.count", low, high)
