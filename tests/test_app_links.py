"""The URL carries the scenario and every moved lever; a link reopens the same what-if."""

from __future__ import annotations

import pytest
from app_helpers import ROOT, kpi_curve, make_app_test, scenarios_folder, shown  # noqa: F401

from ui import levers as lv

pytestmark = pytest.mark.usefixtures("scenarios_folder")


def test_query_params_round_trip():
    """Move levers, take the URL's parameters, open a new session with them: same controls, same curve."""
    at = make_app_test().run()
    at.slider(key="enrolled_share").set_value(75.0)
    at.toggle(key="reporting_enabled").set_value(True)
    at.selectbox(key="waves").set_value("10/90")
    at.number_input(key="technicians").set_value(6)
    at.select_slider(key="checkin_hours").set_value(12.0)
    at.run()
    params = dict(at.query_params)
    assert params == {
        "scenario": "baseline.yaml",
        "enrolled_share": "75",
        "reporting_enabled": "1",
        "waves": "10/90",
        "technicians": "6",
        "checkin_hours": "12",
        "replications": "3",
    }
    reopened = make_app_test(params).run()
    assert not reopened.exception
    assert reopened.slider(key="enrolled_share").value == 75.0
    assert reopened.toggle(key="reporting_enabled").value is True
    assert reopened.selectbox(key="waves").value == "10/90"
    assert reopened.number_input(key="technicians").value == 6
    assert reopened.select_slider(key="checkin_hours").value == 12.0
    assert kpi_curve(reopened) == pytest.approx(kpi_curve(at))
    assert not reopened.warning


def test_link_names_another_scenario():
    at = make_app_test({"scenario": "case_study.yaml", "training_coverage": "50"}).run()
    assert at.selectbox(key="scenario_choice").value == "case_study.yaml"
    assert at.slider(key="training_coverage").value == 50.0


@pytest.mark.parametrize(
    ("key", "raw", "words"),
    [
        ("technicians", "lots", "must be a number"),
        ("enrolled_share", "180", "between 0 and 100"),
        ("onboarding_days", "2.5", "whole number"),
        ("reporting_enabled", "maybe", "on or off"),
        ("waves", "50/20", "add up to 100"),
        ("audit_interval_days", "nan", "digits 0-9"),
        ("technicians", "٣", "digits 0-9"),  # an Arabic-Indic three
        ("enrolled_share", "1_0", "digits 0-9"),
        ("enrolled_share", "1e1", "digits 0-9"),
        ("waves", "٥/25/70", "percentages separated by '/'"),
        ("checkin_hours", "5", "must be one of 1, 4, 12, 24"),
    ],
)
def test_malformed_link_values_fall_back_with_a_notice(key: str, raw: str, words: str):
    """A bad value names the setting, says why, and leaves the scenario's value in place."""
    baseline_value = make_app_test().run().get(_widget_kind(key))
    at = make_app_test({key: raw}).run()
    assert not at.exception
    notices = " ".join(shown(w.value) for w in at.warning)
    assert f"'{key}={raw}'" in notices
    assert words in notices
    assert at.get(_widget_kind(key))[_index(at, key)].value == baseline_value[_index(at, key)].value
    assert key not in at.query_params  # the URL is rewritten without the bad value


def test_unknown_parameter_and_missing_scenario_are_reported():
    at = make_app_test({"scenario": "nope.yaml", "colour": "red"}).run()
    notices = " ".join(shown(w.value) for w in at.warning)
    assert "nope.yaml" in notices
    assert "'colour'" in notices
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"


def _widget_kind(key: str) -> str:
    kind = lv.BY_KEY[key].kind
    widgets = {"toggle": "toggle", "stages": "selectbox", "checkin": "select_slider"}
    return widgets.get(kind, "number_input" if key in ("technicians", "audit_interval_days") else "slider")


def _index(at, key: str) -> int:
    return [w.key for w in at.get(_widget_kind(key))].index(key)


def test_link_runs_and_seed_take_plain_digits_only():
    """replications=٣٠ or 1_0 (which Python's int() would read as 30 and 10) is refused with
    a notice; the scenario's own count stays."""
    from sim import load_scenario

    own = load_scenario(ROOT / "scenarios" / "baseline.yaml").simulation.replications
    for raw in ("٣٠", "1_0", "10.5"):
        at = make_app_test({"replications": raw}).run()
        assert not at.exception
        notices = " ".join(shown(w.value) for w in at.warning)
        assert f"'replications={raw}'" in notices
        assert "whole number" in notices
        assert at.session_state["replications"] == own


def test_parse_param_units():
    """Link values are in the units the controls show: percent for shares, whole days."""
    from sim import Scenario

    scenario = Scenario()
    assert lv.parse_param(lv.BY_KEY["enrolled_share"], "80", scenario) == 80.0
    assert lv.from_widget(lv.BY_KEY["enrolled_share"], 80.0) == pytest.approx(0.8)
    assert lv.parse_param(lv.BY_KEY["prioritize_critical"], "on", scenario) is True
    assert lv.parse_stages("5/25/70") == pytest.approx([0.05, 0.25, 0.70])
    assert lv.format_param(lv.BY_KEY["enrolled_share"], 80.0) == "80"
    checkin = lv.BY_KEY["checkin_hours"]  # the control shows hours, the scenario keeps days
    assert lv.to_widget(checkin, scenario.levers.central_management.checkin_days) == 24.0
    assert lv.parse_param(checkin, "12", scenario) == 12.0
    assert lv.from_widget(checkin, 12.0) == 0.5
    assert [lv.describe(checkin, h) for h in (1, 4, 24, 36, 168, 336, 720)] == [
        "1 hour",
        "4 hours",
        "1 day",
        "1.5 days",
        "1 week",
        "2 weeks",
        "30 days",
    ]
    assert [lv.hours_words(h) for h in (0.05, 0.5, 24.0002)] == ["3 minutes", "30 minutes", "1 day"]
    odd = scenario.model_copy(deep=True)
    odd.levers.central_management.checkin_days = 1.5  # a file's own value is offered too
    assert 36.0 in lv.checkin_options(odd)
    with pytest.raises(ValueError, match="between"):
        lv.parse_param(lv.BY_KEY["training_start_day"], str(scenario.simulation.horizon_days + 1), scenario)


def test_too_many_runs_for_the_fleet_are_lowered_with_a_notice(scenarios_folder):  # noqa: F811
    """A link (or the settings box) asking for more runs than the run-size limits admit for
    this fleet: the page says which limit and shows the most runs allowed, instead of failing."""
    import sim
    from sim.scenario import max_replications

    big = sim.load_scenario(scenarios_folder / "baseline.yaml")
    data = big.model_dump(mode="json")
    data["name"] = "Large estate"
    data["simulation"].update(horizon_days=30, replications=5)
    for cls in data["fleet"]["device_classes"]:
        cls["count"] *= 20  # 100,000 devices
    large = sim.scenario.scenario_from_data(data)
    sim.save_scenario(large, scenarios_folder / "large.yaml")
    cap = max_replications(large)
    assert cap == 20  # devices x replications <= 2,000,000

    at = make_app_test({"scenario": "large.yaml", "replications": "1000"}).run()
    assert not at.exception
    notices = [shown(w.value) for w in at.warning]
    assert any("Simulated runs averaged: 1,000" in n and "2,000,000" in n and "showing 20 runs" in n for n in notices)
    assert len(kpi_curve(at)) == 31  # the page still shows the KPI over the 30 days


def test_link_notices_come_as_one_list_and_go_when_the_user_moves_on():
    """Several refused link settings show as one warning listing each; picking another
    scenario or 'Reset to scenario' clears them (they described the opening link only)."""
    at = make_app_test({"enrolled_share": "abc", "technicians": "-3", "seed": "xyz"}).run()
    assert not at.exception
    assert len(at.warning) == 1
    warning = shown(at.warning[0].value)
    assert warning.startswith("While opening this page:")
    assert warning.count("\n- ") == 3
    assert "'enrolled_share=abc'" in warning
    assert "'technicians=-3'" in warning
    assert "a whole number from 0 to 4,294,967,295" in warning  # the seed's bounds, written out
    at.button(key="reset").click().run()
    assert not at.warning
    reopened = make_app_test({"technicians": "-3"}).run()
    assert len(reopened.warning) == 1
    reopened.selectbox(key="scenario_choice").set_value("case_study.yaml").run()
    assert not reopened.warning


def test_no_link_settings_while_an_uploaded_file_is_loaded():
    """A link cannot carry an uploaded file: while one is loaded the address bar holds no
    settings (they would reopen another scenario with these levers) and the page says why."""
    at = make_app_test().run()
    at.slider(key="enrolled_share").set_value(40.0).run()
    assert at.query_params["enrolled_share"] == "40"
    text = (ROOT / "scenarios" / "top_quartile.yaml").read_bytes()
    at.file_uploader(key="upload").set_value(("mine.yaml", text, "application/x-yaml")).run()
    assert not at.exception
    at.slider(key="training_coverage").set_value(90.0).run()
    assert dict(at.query_params) == {}
    assert any("uploaded file, which a link cannot carry" in shown(c.value) for c in at.caption)
