"""Which lever matters (sim.effects): each moved lever alone, paired over the same runs."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim import effects
from sim import levers as lv

SMALL = """
schema_version: 1
name: Two levers
simulation: {horizon_days: 200, replications: 6, seed: 11}
fleet:
  initial_compliance: 0.5
  device_classes:
    - {name: Sensors, count: 300, release_interval_days: 30, release_cadence: fixed, ota_capable: 1.0,
       install_failure_rate: 0.02, silent_failure_share: 0.3, manual_minutes: 30}
  departments:
    - {name: Facilities, share: 1.0, approval_delay_days: 2}
levers:
  central_management: {enrolled_share: 0.0, onboarding_days: 10}
  technicians: {count: 1}
"""


def scenarios() -> tuple[sim.Scenario, sim.Scenario]:
    loaded = sim.load_scenario(SMALL)
    data = loaded.model_dump(mode="json")
    data["levers"]["central_management"]["enrolled_share"] = 0.6
    data["levers"]["technicians"]["count"] = 3
    return sim.scenario_from_data(data), loaded


def test_moved_levers_are_those_whose_control_differs() -> None:
    whatif, loaded = scenarios()
    assert [lever.key for lever in effects.moved_levers(whatif, loaded)] == ["enrolled_share", "technicians"]
    assert effects.moved_levers(loaded, loaded) == []


@pytest.mark.slow  # a process pool, as the command line uses
def test_each_effect_is_the_paired_difference_of_that_lever_alone() -> None:
    whatif, loaded = scenarios()
    table = effects.lever_effects(whatif, loaded, replications=6, seed=5)
    assert list(table.columns) == list(effects.COLUMNS)
    assert set(table["lever"]) == {lv.BY_KEY["enrolled_share"].label, lv.BY_KEY["technicians"].label}
    # independently: the base (the what-if's assumptions, loaded levers) and one lever moved, with sim.run
    base = sim.run(loaded, replications=6, seed=5)
    data = loaded.model_dump(mode="json")
    data["levers"]["central_management"]["enrolled_share"] = 0.6
    alone = sim.run(sim.scenario_from_data(data), replications=6, seed=5)
    row = table.set_index("lever").loc[lv.BY_KEY["enrolled_share"].label]
    per_rep = alone.replication_summary["compliance_average"] - base.replication_summary["compliance_average"]
    assert row["average"] == pytest.approx(per_rep.mean(), abs=1e-12)
    day182 = alone.per_replication.loc[182] - base.per_replication.loc[182]
    assert row["at_6_months"] == pytest.approx(day182.mean(), abs=1e-12)
    assert row["average_low"] < row["average"] < row["average_high"]
    assert row["setting"] == "0% → 60%"
    assert row["cost_change"] == pytest.approx(alone.summary["programme_cost"] - base.summary["programme_cost"])
    assert row["average"] > 0.02
    assert bool(row["clear"])
    # biggest average effect first
    assert list(np.abs(table["average"])) == sorted(np.abs(table["average"]), reverse=True)


@pytest.mark.slow
def test_a_given_simulate_gives_the_same_table_and_replications_are_capped() -> None:
    whatif, loaded = scenarios()
    calls: list[tuple[int, int]] = []

    def simulate(scenario: sim.Scenario, reps: int, seed: int) -> sim.Result:
        calls.append((reps, seed))
        return sim.run(scenario, replications=reps, seed=seed)

    pooled = effects.lever_effects(whatif, loaded, replications=6, seed=5)
    own = effects.lever_effects(whatif, loaded, replications=6, seed=5, simulate=simulate)
    assert pooled.equals(own)
    assert calls == [(6, 5)] * 3  # the base, then each of the two levers
    calls.clear()
    effects.lever_effects(whatif, loaded, replications=500, seed=5, simulate=simulate)
    assert {reps for reps, _ in calls} == {effects.SENSITIVITY_REPLICATIONS}


def test_nothing_moved_gives_an_empty_table_without_simulating() -> None:
    _, loaded = scenarios()

    def simulate(*args: object) -> sim.Result:
        raise AssertionError("nothing should be simulated")

    table = effects.lever_effects(loaded, loaded, replications=6, seed=5, simulate=simulate)
    assert table.empty
    assert list(table.columns) == list(effects.COLUMNS)
