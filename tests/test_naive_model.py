"""The benchmark's yardstick agrees with the engine, so the speed comparison is fair.

``benchmarks/naive_model.py`` runs one SimPy process per device per update; the engine
keeps device state in arrays. On a case with a closed-form answer both must give it, and
both must count device-updates the same way.
"""

from __future__ import annotations

import math

import pytest

import sim
from benchmarks.bench_engine import engine_device_updates
from benchmarks.naive_model import run_naive

RELEASE_INTERVAL = 10.0  # T, days between releases (fixed cadence)
CHECKIN = 5.0  # m, mean days between device check-ins (exponential)
SLA = 7.0  # S, days allowed for the one severity used
HORIZON = 400
DEVICES = 2000
WARM_UP = 30  # days left out of the average: the day-0 state is not yet in steady state

CLOSED_FORM = 1 - (CHECKIN / RELEASE_INTERVAL) * math.exp(-SLA / CHECKIN) * (1 - math.exp(-RELEASE_INTERVAL / CHECKIN))


@pytest.fixture
def steady_automation() -> sim.Scenario:
    """Every device enrolled from day 0, no failures, no approval delay, one wave, one severity."""
    return sim.load_scenario(
        f"""
simulation: {{horizon_days: {HORIZON}, replications: 1, seed: 11}}
kpi: {{sla_days: {{critical: {SLA}, high: 30, medium: 60, low: 90}}}}
fleet:
  initial_compliance: 1.0
  device_classes:
    - name: Sensors
      count: {DEVICES}
      release_interval_days: {RELEASE_INTERVAL}
      release_cadence: fixed
      severity_mix: {{critical: 1.0, high: 0.0, medium: 0.0, low: 0.0}}
      ota_capable: 1.0
      install_failure_rate: 0.0
      faulty_release_share: 0.0
  departments:
    - {{name: Everyone, share: 1.0, approval_delay_days: 0}}
human_factors: {{manual_error_rate: 0.0, disable_rate_per_month: 0.0}}
levers:
  central_management: {{enrolled_share: 1.0, onboarding_days: 0, checkin_days: {CHECKIN}, waves: [1.0]}}
  update_policy: {{clarity: 1.0, approval_delay_days: 0}}
"""
    )


def test_closed_form_compliance_naive_and_engine(steady_automation: sim.Scenario) -> None:
    """Time-average compliance is 1 − (m/T)·e^(−S/m)·(1 − e^(−T/m)) in both models."""
    naive = run_naive(steady_automation, seed=3).compliance[WARM_UP:].mean()
    engine = sim.run(steady_automation).series["compliance_mean"].to_numpy()[WARM_UP:].mean()
    assert naive == pytest.approx(CLOSED_FORM, abs=0.015)
    assert engine == pytest.approx(CLOSED_FORM, abs=0.015)
    assert naive == pytest.approx(engine, abs=0.015)


def test_both_count_device_updates_the_same_way(steady_automation: sim.Scenario) -> None:
    """A device-update is a (device, release) pair released in [0, horizon]: with a fixed
    cadence of 10 days over 400 days that is 40 or 41 releases per device, in both models."""
    possible = {40 * DEVICES, 41 * DEVICES}
    assert run_naive(steady_automation, seed=3).device_updates in possible
    assert engine_device_updates(sim.run(steady_automation)) in possible
