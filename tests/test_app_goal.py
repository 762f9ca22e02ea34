"""The "What does it take?" tab: what the search will do, the search on the baseline, the
plan in words and on the frontier chart, "Apply this plan" and "Save as scenario".

The search runs with the page's 3 replications and a small run budget over three levers,
so it takes seconds rather than the minute of the default; the plan is then read back
from the search's cache (the same ``sim.frontier`` result the page drew) to check that the
words, the chart and the sliders all show that plan.
"""

from __future__ import annotations

import pytest
from app_helpers import FAST_REPLICATIONS, ROOT, kpi_curve, make_app_test, plotted, scenarios_folder, values  # noqa: F401

import sim
from sim.goal import DEFAULT_BUDGET_RUNS, DEFAULT_LEVERS
from ui import goal, page
from ui import levers as lv

pytestmark = pytest.mark.usefixtures("scenarios_folder")

LEVERS = ["enrolled_share", "policy_clarity", "prioritize_critical"]
BUDGET = 30  # the fewest sim.frontier accepts for three levers


def _control_value(at, key: str):
    kind = lv.BY_KEY[key].kind
    if kind == "toggle":
        return at.toggle(key=key).value
    if key == "technicians":
        return at.number_input(key=key).value
    return at.slider(key=key).value


def test_the_tab_comes_first_and_says_what_the_search_will_do():
    """Before any search: the tab is the first, with the defaults (95%, month 6, 9 in 10 runs,
    the levers with a cost) and a note of the runs it will make and roughly how long."""
    assert page.TABS[0] == "What does it take?"
    at = make_app_test().run()
    assert not at.exception
    assert at.number_input(key=goal.TARGET_KEY).value == 95.0
    assert at.number_input(key=goal.MONTHS_KEY).value == 6
    assert at.select_slider(key=goal.CONFIDENCE_KEY).value == 0.9
    assert at.multiselect(key=goal.LEVERS_KEY).value == list(DEFAULT_LEVERS)
    note = next(i.value for i in at.info if "Find the cheapest plan" in i.value)
    assert f"up to {DEFAULT_BUDGET_RUNS} simulations over the 9 levers" in note
    assert f"again with {FAST_REPLICATIONS}" in note
    assert [c for c in at.get("plotly_chart") if (c.key or "") == goal.CHART_KEY] == []
    assert goal.FIRST_SCREEN_HINT in [c.value for c in at.caption]  # the first screen points at the tab


def test_rough_duration_grows_with_the_budget_and_the_fleet():
    baseline = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    small = goal.Settings(0.95, 182, 0.9, tuple(LEVERS), 40, 30, 7)
    large = goal.Settings(0.95, 182, 0.9, tuple(LEVERS), 400, 30, 7)
    assert goal.estimate_seconds(baseline, large) > 3 * goal.estimate_seconds(baseline, small)
    data = baseline.model_dump()
    for device_class in data["fleet"]["device_classes"]:
        device_class["count"] *= 2
    doubled = sim.Scenario.model_validate(data)
    assert goal.estimate_seconds(doubled, small) == pytest.approx(2 * goal.estimate_seconds(baseline, small))
    assert goal.duration_words(5) == "a few seconds"
    assert goal.duration_words(44) == "about 40 seconds"
    assert goal.duration_words(150) == "about 2 minutes"


@pytest.mark.slow
def test_search_on_the_baseline_shows_the_plan_applies_it_and_saves_it(scenarios_folder):  # noqa: F811
    at = make_app_test().run()
    at.multiselect(key=goal.LEVERS_KEY).set_value(LEVERS)
    at.number_input(key=goal.BUDGET_KEY).set_value(BUDGET)
    at.run()
    before = kpi_curve(at)
    at.button(key=goal.SEARCH_KEY).click().run()
    assert not at.exception

    # the plan the page shows is the cached search's chosen plan
    baseline = sim.load_scenario(scenarios_folder / "baseline.yaml")
    settings = goal.Settings(0.95, 182, 0.9, tuple(LEVERS), BUDGET, int(FAST_REPLICATIONS), baseline.simulation.seed)
    front = goal._search_cached(sim.dump_scenario(goal.search_base(baseline, baseline)), settings.to_json())
    plan = goal.chosen_plan(front)
    assert plan.reachable
    assert plan.kpi_lower >= 0.95
    assert plan.changes, "the baseline needs some lever moved to reach 95% by month 6"
    sentence = goal.plan_sentence(plan)
    assert [s.value for s in at.success] == [sentence]
    assert "95% by month 6 in 3 of 3 runs" in sentence
    assert goal.charts.usd_short(plan.cost) in sentence

    # the frontier chart: the best plans, the plan and the loaded scenario marked
    figure = plotted(at, goal.CHART_KEY)
    traces = {t["name"]: t for t in figure["data"]}
    assert values(traces["The plan"]["x"]) == [pytest.approx(plan.cost)]
    assert values(traces["The plan"]["y"]) == [pytest.approx(plan.kpi_lower)]
    assert values(traces["Loaded scenario"]["x"]) == [pytest.approx(plan.loaded_cost)]
    costs = values(traces["Best plans found"]["x"])
    kpis = values(traces["Best plans found"]["y"])
    assert costs == sorted(costs)  # non-dominated: each dearer plan reaches more
    assert kpis == sorted(kpis)
    assert plan.cost in costs

    # the board report's downloads get this plan (they call goal.found_plan when clicked)
    found = at.session_state[goal.FOUND]
    assert [p.settings for p in found.values()] == [plan.settings]

    # Apply: the sliders move to the plan, and the page's KPI curve is the plan's
    at.button(key=goal.APPLY_KEY).click().run()
    assert not at.exception
    for key in LEVERS:
        assert _control_value(at, key) == plan.settings[key], key
    after = kpi_curve(at)
    assert after[182] >= 0.95 > before[182]
    # the first screen's "what it takes" line now gives the plan, with its own Apply
    assert [m.value for m in at.markdown if m.value.startswith("**What it takes**")] == [
        f"**What it takes** (cheapest plan found): {goal.text.plain(sentence)}"
    ]
    assert at.button(key=goal.FIRST_SCREEN_APPLY_KEY).proto.label == "Apply this plan"
    assert [s.value for s in at.success] == [sentence]  # the search result stays (it is cached)

    # Save as scenario: a file in the scenarios folder with the plan's levers
    at.text_input(key=goal.SAVE_NAME_KEY).set_value("Cheapest 95 percent").run()
    at.button(key=goal.SAVE_KEY).click().run()
    assert not at.exception
    saved = sim.load_scenario(scenarios_folder / "cheapest-95-percent.yaml")
    assert lv.loaded_widget_values(saved) == lv.loaded_widget_values(plan.scenario)
    assert saved.simulation.replications == int(FAST_REPLICATIONS)
    assert "cheapest-95-percent.yaml" in at.selectbox(key="scenario_choice").options


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("enrolled_share", 80.0, "enrol 80% of devices in central update management"),
        ("audit_interval_days", 30, "audit monthly"),
        ("audit_interval_days", 45, "audit every 45 days"),
        ("audit_interval_days", 0, "stop the audits"),
        ("training_coverage", 60.0, "train 60% of staff"),
        ("reporting_enabled", True, "open a reporting channel"),
        ("technicians", 1, "1 technician"),
        ("technicians", 4, "4 technicians"),
        ("retries", 3, "automatic retries after a failed install: 3"),
    ],
)
def test_each_lever_reads_as_an_instruction(key, value, words):
    assert goal.lever_words(key, value) == words


def test_a_file_with_a_shorter_horizon_brings_the_month_within_it(scenarios_folder):  # noqa: F811
    """The month box cannot ask for a day past the horizon: opening a 90-day file moves it to month 2."""
    data = sim.load_scenario(scenarios_folder / "baseline.yaml").model_dump(mode="json")
    data["simulation"]["horizon_days"] = 90
    sim.save_scenario(sim.Scenario.model_validate(data), scenarios_folder / "quarter.yaml")
    at = make_app_test().run()
    at.selectbox(key="scenario_choice").set_value("quarter.yaml").run()
    assert not at.exception
    assert at.number_input(key=goal.MONTHS_KEY).value == 2
    note = next(i.value for i in at.info if "Find the cheapest plan" in i.value)
    assert "up to 120 simulations" in note
