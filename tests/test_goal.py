"""Goal seek and the cost-KPI frontier on small scenarios with known answers.

The scenario below has one lever that matters: with no technicians and a clear policy,
only enrolled devices are updated, so the KPI on day 90 rises with the enrolled share
and the cost (management per enrolled device-month) rises linearly with it. The answer
is found independently by a bisection over the share with ``sim.run`` and the same seed.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import sim
from sim import levers as lv
from sim.cli import main

SMALL = """
schema_version: 1
name: One lever
simulation: {horizon_days: 120, replications: 10, seed: 3}
kpi: {target: 0.8}
fleet:
  initial_compliance: 0.5
  device_classes:
    - {name: Sensors, count: 400, release_interval_days: 30, release_cadence: fixed, ota_capable: OTA,
       install_failure_rate: 0.02, silent_failure_share: 0.3, manual_minutes: 30}
  departments:
    - {name: Facilities, share: 1.0, approval_delay_days: 2}
levers:
  central_management: {enrolled_share: 0.0, onboarding_days: 10}
  update_policy: {clarity: 1.0}
  technicians: {count: 0}
"""
BY_DAY = 90
TARGET = 0.8
ONE = ["enrolled_share"]


def small(ota: float = 1.0) -> sim.Scenario:
    return sim.load_scenario(SMALL.replace("OTA", str(ota)))


def kpi_on_day(scenario: sim.Scenario, enrolled_percent: float) -> np.ndarray:
    """Per-replication KPI on BY_DAY with the enrolled share set, the file's replications and seed."""
    data = scenario.model_dump()
    data["levers"]["central_management"]["enrolled_share"] = enrolled_percent / 100
    result = sim.run(sim.Scenario.model_validate(data))
    return result.per_replication.loc[BY_DAY].to_numpy()


def bisect_percent(scenario: sim.Scenario, passes) -> int:
    """The smallest whole percentage whose per-replication KPI passes (assumes it rises with the share)."""
    lo, hi = 0, 100
    assert passes(kpi_on_day(scenario, hi))
    while lo < hi:
        mid = (lo + hi) // 2
        if passes(kpi_on_day(scenario, mid)):
            hi = mid
        else:
            lo = mid + 1
    return lo


def lower_passes(kpi: np.ndarray) -> bool:
    return float(np.quantile(kpi, 0.1)) >= TARGET


def mean_passes(kpi: np.ndarray) -> bool:
    return float(kpi.mean()) >= TARGET


@pytest.fixture(scope="module")
def one_lever_plan() -> sim.Plan:
    return sim.seek(small(), target=TARGET, by_day=BY_DAY, levers=ONE, budget_runs=40)


def test_one_lever_seek_returns_the_smallest_sufficient_share(one_lever_plan: sim.Plan) -> None:
    """With one lever whose cost is linear, the plan is the bisection's answer within a slider step."""
    answer = bisect_percent(small(), lower_passes)
    plan = one_lever_plan
    assert plan.reachable
    assert abs(plan.settings["enrolled_share"] - answer) <= lv.slider_step(lv.BY_KEY["enrolled_share"])
    assert plan.kpi_lower >= TARGET
    assert plan.replications == 10
    assert plan.runs <= 40
    assert [c.key for c in plan.changes] == ["enrolled_share"]
    assert plan.changes[0].before == 0.0
    # the plan's figures are those of a fresh run of its scenario
    fresh = sim.run(plan.scenario)
    assert fresh.summary["programme_cost"] == pytest.approx(plan.cost)
    assert float(np.quantile(fresh.per_replication.loc[BY_DAY], 0.1)) == pytest.approx(plan.kpi_lower)


def test_requirement_is_the_lower_bound_not_the_mean(one_lever_plan: sim.Plan) -> None:
    """The share whose mean KPI meets the target but whose 10% point does not is not chosen."""
    by_mean = bisect_percent(small(), mean_passes)
    by_bound = bisect_percent(small(), lower_passes)
    assert by_mean < by_bound - 1  # the scenario separates the two
    assert not lower_passes(kpi_on_day(small(), by_mean))
    assert one_lever_plan.settings["enrolled_share"] > by_mean
    assert one_lever_plan.kpi_mean > one_lever_plan.kpi_lower


def test_unreachable_target_reports_the_best_kpi() -> None:
    """With 70% of devices updatable over the air, 90% is out of reach: the plan says so and
    gives the best lower bound found, that of enrolling everything."""
    scenario = small(ota=0.7)
    plan = sim.seek(scenario, target=0.9, by_day=BY_DAY, levers=ONE, budget_runs=40)
    assert not plan.reachable
    best = float(np.quantile(kpi_on_day(scenario, 100), 0.1))
    assert best < 0.9
    assert plan.kpi_lower == pytest.approx(best, abs=0.01)
    assert plan.cost > 0


def test_same_seed_same_plan_with_or_without_an_executor(one_lever_plan: sim.Plan) -> None:
    with ThreadPoolExecutor(2) as pool:
        again = sim.seek(small(), target=TARGET, by_day=BY_DAY, levers=ONE, budget_runs=40, executor=pool)
    assert again.settings == one_lever_plan.settings
    assert again.cost == one_lever_plan.cost
    assert again.kpi_lower == one_lever_plan.kpi_lower
    assert again.kpi_mean == one_lever_plan.kpi_mean
    assert again.share_meeting == one_lever_plan.share_meeting
    assert again.runs == one_lever_plan.runs


def test_the_cli_runs_the_search_on_a_local_pool_of_one_worker_per_core(monkeypatch) -> None:
    """The CLI's default executor: a process pool sized to the cores; --workers 1 runs here."""
    from concurrent.futures import ProcessPoolExecutor

    from sim import cli

    monkeypatch.delenv("IOT_SIM_DASK_ADDRESS", raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    monkeypatch.setattr(cli.os, "cpu_count", lambda: 3)
    with cli._pool(None) as pool:
        assert isinstance(pool, ProcessPoolExecutor)
        assert pool._max_workers == 3
    with cli._pool(1) as pool:
        assert pool is None


def test_a_lever_that_changes_nothing_stays_where_the_file_had_it() -> None:
    """Audit coverage does nothing without audits: a plan never moves it."""
    plan = sim.seek(small(), target=TARGET, by_day=BY_DAY, levers=[*ONE, "audit_coverage"], budget_runs=60)
    assert plan.reachable
    assert plan.settings["audit_coverage"] == 100.0  # the file's (default) coverage
    assert [c.key for c in plan.changes] == ["enrolled_share"]


def test_frontier_is_non_dominated_and_holds_the_cheapest_feasible_plan() -> None:
    front = sim.frontier(small(), target=TARGET, by_day=BY_DAY, levers=ONE, budget_runs=60, points=8)
    assert len(front.plans) >= 3
    costs = [p.cost for p in front.plans]
    lows = [p.kpi_lower for p in front.plans]
    for i, a in enumerate(front.plans):
        for b in front.plans[i + 1 :]:
            assert not (b.cost <= a.cost and b.kpi_lower >= a.kpi_lower)  # b does not dominate a
    assert costs == sorted(costs)
    assert lows == sorted(lows)
    cheapest = front.cheapest_meeting(TARGET)
    assert cheapest is not None
    answer = bisect_percent(small(), lower_passes)
    assert abs(cheapest.settings["enrolled_share"] - answer) <= 1.0
    assert front.loaded.cost == 0.0
    table = front.to_frame()
    assert list(table["programme_cost"]) == costs


def test_stopping_returns_the_best_plan_so_far() -> None:
    seen: list[int] = []

    def stop_after_twelve(status) -> None:
        seen.append(status.runs)
        if status.runs >= 12:
            raise sim.Interrupted

    plan = sim.seek(small(), target=TARGET, by_day=BY_DAY, levers=ONE, budget_runs=40, progress=stop_after_twelve)
    assert plan.stopped
    assert plan.runs < 40
    assert 0 <= plan.settings["enrolled_share"] <= 100
    assert plan.replications == 8  # screening figures only


def test_a_frontier_stopped_in_its_first_runs_keeps_what_it_screened() -> None:
    """Stopped while trying each lever at its strongest (the first runs after the loaded
    settings): the plans screened so far come back, marked stopped, not an exception."""

    def stop_after_two(status) -> None:
        if status.runs >= 2:
            raise sim.Interrupted

    levers = [*ONE, "technicians"]
    front = sim.frontier(small(), target=TARGET, by_day=BY_DAY, levers=levers, budget_runs=60, progress=stop_after_two)
    assert front.stopped
    assert front.runs < 3  # the loaded settings and each lever at its strongest were not all screened
    assert front.plans
    assert all(p.stopped and p.replications == 8 for p in front.plans)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"target": 1.5}, "target"),
        ({"by_day": 500}, "by_day"),
        ({"confidence": 1.0}, "confidence"),
        ({"levers": ["enroled_share"]}, "levers"),
        ({"budget_runs": 3}, "budget_runs"),
        ({"bounds": {"enrolled_share": (50, 20)}}, "bounds.enrolled_share"),
    ],
)
def test_bad_arguments_name_the_problem(kwargs: dict, field: str) -> None:
    with pytest.raises(sim.ScenarioError, match=field):
        sim.seek(small(), **{"levers": ONE, "by_day": BY_DAY, **kwargs})


def test_cli_seek_prints_the_plan_and_saves_it(tmp_path, capsys) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL.replace("OTA", "1.0"))
    saved = tmp_path / "plan.yaml"
    args = [str(path), "--target", "0.8", "--by-day", "90", "--levers", "enrolled_share", "--runs", "40"]
    assert main(["seek", *args, "--save", str(saved)]) == 0
    out = capsys.readouterr().out
    assert "Devices under central update management" in out
    assert "0% ->" in out
    assert "Programme cost" in out
    plan = sim.load_scenario(saved)
    assert plan.levers.central_management.enrolled_share > 0.8
    assert main(["seek", *args, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["reachable"] is True
    assert data["kpi"]["lower"] >= 0.8
    assert data["changes"][0]["lever"] == "enrolled_share"
    assert data["settings"]["enrolled_share"] == pytest.approx(plan.levers.central_management.enrolled_share * 100)


def test_cli_seek_refuses_an_unknown_lever(tmp_path, capsys) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL.replace("OTA", "1.0"))
    assert main(["seek", str(path), "--levers", "enrolled,technicians"]) == 2
    assert "--levers: unknown lever 'enrolled'" in capsys.readouterr().err
