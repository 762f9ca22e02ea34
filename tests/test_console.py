"""What the console sees (sim/model/console.py): monitored devices' silent failures are
found at their next check-in; the rest stay blind spots for audits and reports."""

from __future__ import annotations

import math

import pytest
from helpers import one_class

import sim


def _fleet(visibility: float, **cm: float) -> sim.Scenario:
    """Every failure silent, 20% of installs fail, no audits or reports; two technicians."""
    return one_class(
        count=2000,
        interval=30,
        device={"install_failure_rate": 0.2, "silent_failure_share": 1.0},
        levers={
            "central_management": {"enrolled_share": 1.0, "console_visibility": visibility, **cm},
            "technicians": {"count": 2, "hours_per_day": 6},
        },
        simulation={"horizon_days": 365, "replications": 4, "seed": 9},
    )


def test_a_more_visible_console_finds_silent_failures_sooner() -> None:
    blind, half, full = (sim.run(_fleet(v)).summary for v in (0.0, 0.5, 1.0))
    # nothing finds them without monitoring: they pile up
    assert blind["blind_spot_devices_end"] > 1500
    # with every device monitored, each is found a check-in (a day) after it failed
    assert full["blind_spot_devices_end"] < 0.05 * blind["blind_spot_devices_end"]
    assert blind["blind_spot_devices_end"] > half["blind_spot_devices_end"] > full["blind_spot_devices_end"]
    # half the devices monitored: the unmonitored half still piles up (about half as many)
    assert half["blind_spot_devices_end"] == pytest.approx(blind["blind_spot_devices_end"] / 2, rel=0.15)
    assert blind["compliance_average"] < half["compliance_average"] < full["compliance_average"]


def test_a_failure_is_seen_one_check_in_later() -> None:
    """With every device monitored and check-ins every 4 days on average, a silently
    failed device is a blind spot for about 4 days: blind spots ≈ failures a day × 4."""
    slow = sim.run(_fleet(1.0, checkin_days=4.0))
    fast = sim.run(_fleet(1.0, checkin_days=1.0))
    ratio = slow.series["blind_spot_devices_mean"].iloc[60:].mean() / max(
        fast.series["blind_spot_devices_mean"].iloc[60:].mean(), 1e-9
    )
    assert ratio > 2  # four times the wait, several times the blind spots
    assert math.isfinite(ratio)


def test_monitoring_costs_per_monitored_enrolled_device() -> None:
    base, full = sim.run(_fleet(0.0)), sim.run(_fleet(1.0))
    cm_cost = (
        full.series["cost_central_management_mean"].iloc[-1] - base.series["cost_central_management_mean"].iloc[-1]
    )
    # 2,000 devices × $0.25 a month × 365 days ÷ (365.25 / 12) days a month
    assert cm_cost == pytest.approx(2000 * 0.25 * 365 / (365.25 / 12), rel=1e-6)
