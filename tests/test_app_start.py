"""The app opens on the bundled baseline and shows its results without a click."""

from __future__ import annotations

import re

import pytest
from app_helpers import ROOT, kpi_curve, make_app_test, plotted, scenarios_folder, shown  # noqa: F401

import sim

pytestmark = pytest.mark.usefixtures("scenarios_folder")


def test_opens_on_baseline_with_results():
    """No exception, the baseline is loaded, headline figures and the KPI chart are drawn at once."""
    at = make_app_test().run()
    assert not at.exception
    assert not at.error
    assert at.selectbox(key="scenario_choice").value == "baseline.yaml"
    baseline = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    expected = sim.run(baseline, replications=3)
    curve = kpi_curve(at)
    assert len(curve) == baseline.simulation.horizon_days + 1
    assert curve[-1] == pytest.approx(expected.summary["compliance_end"])
    labels = [m.label for m in at.metric]
    assert any("today" in label.lower() for label in labels)
    assert any("6 months" in label for label in labels)
    assert "Programme cost" in labels
    assert "Expected breach loss" in labels
    today = next(m for m in at.metric if "today" in m.label.lower())
    assert today.value == f"{expected.summary['compliance_start']:.0%}"


def test_kpi_chart_has_bands_benchmarks_and_target():
    """The KPI chart shades the three bands and draws dashed 85% / 95% lines, 95% marked as the target."""
    figure = plotted(make_app_test().run())
    shapes = figure["layout"]["shapes"]
    rects = sorted((s["y0"], s["y1"]) for s in shapes if s["type"] == "rect")
    assert rects == [(0.0, 0.8), (0.8, 0.95), (0.95, 1.0)]
    dashed = sorted(s["y0"] for s in shapes if s["type"] == "line" and s["line"]["dash"] == "dash")
    assert dashed == [0.85, 0.95]
    notes = " ".join(a["text"] for a in figure["layout"]["annotations"])
    assert "Global average 85%" in notes
    assert "Top quartile 95% = target" in notes


def test_unchanged_levers_show_no_lever_chart_and_no_loaded_curve():
    """Before any lever moves there is nothing to attribute: no lever bars, no second curve."""
    at = make_app_test().run()
    assert not [e for e in at.get("plotly_chart") if "lever_chart" in e.proto.id]
    assert any("Move a lever" in shown(i.value) for i in at.info)
    names = [t.get("name") for t in plotted(at)["data"]]
    assert "Loaded scenario" not in names


def test_reset_restores_the_loaded_scenario():
    """'Reset to scenario' puts moved levers back and the KPI returns to the loaded file's."""
    at = make_app_test().run()
    original = kpi_curve(at)
    at.slider(key="enrolled_share").set_value(80.0).run()
    assert kpi_curve(at) != original
    at.button(key="reset").click().run()
    assert at.slider(key="enrolled_share").value == 0.0
    assert kpi_curve(at) == pytest.approx(original)


def test_csv_download_offered():
    at = make_app_test().run()
    assert at.get("download_button")


def _chart_ids(at) -> str:
    return " ".join(e.proto.id for e in at.get("plotly_chart"))


@pytest.mark.parametrize(
    ("tab", "drawn", "not_drawn"),
    [
        ("Fleet", ["fleet_class", "fleet_dept", "ttp_class", "class_lines"], ["ops_backlog", "cost_levers"]),
        ("Operations", ["ops_backlog", "ops_utilisation", "ops_blind", "ops_on_time"], ["fleet_class"]),
        ("Cost & risk", ["cost_levers", "cost_breach"], ["fleet_class", "ops_backlog"]),
    ],
)
def test_only_the_open_tab_is_drawn(tab, drawn, not_drawn):
    """Each tab's charts appear when it is open; hidden tabs cost nothing on a slider change."""
    at = make_app_test()
    at.session_state["tab"] = tab
    at.run()
    assert not at.exception
    ids = _chart_ids(at)
    for key in drawn:
        assert key in ids
    for key in not_drawn:
        assert key not in ids


def test_model_tab_explains_in_plain_words():
    at = make_app_test()
    at.session_state["tab"] = "Model & assumptions"
    at.run()
    text = " ".join(shown(m.value) for m in at.markdown)
    assert "Security audits" in text
    assert "IBM Cost of a Data Breach" in text
    assert at.code[0].value.startswith("schema_version: 2")


def test_assumptions_explain_themselves_and_breach_loss_is_marked_illustrative():
    """Each assumption control's help is a business sentence (not the schema's unit), and the
    breach-loss card and the Cost & risk tab say the figure is for comparing, not forecasting."""
    from ui import controls, text

    at = make_app_test()
    at.session_state["tab"] = "Cost & risk"
    at.run()
    assert not at.exception
    inputs = {w.key: w for w in at.number_input}
    for key in controls.ASSUMPTION_LABELS:
        assert inputs[key].help == text.ASSUMPTION_HELP[key], key
    assert "IBM" in inputs["breach_cost"].help
    breach = next(m for m in at.metric if m.label == "Expected breach loss")
    assert "compare options, not as a forecast" in breach.help
    captions = [shown(c.value) for c in at.caption]
    assert any("not a forecast" in c and "about 0.016 breaches a year" in c for c in captions)
    # beside the money, the breaches it rests on, in the range published rates allow
    basis = next(c for c in captions if c.startswith("Breach loss basis:"))
    match = re.match(r"Breach loss basis: (\d\.\d{3}) IoT-origin breaches a year expected, a (\d+\.\d)% chance", basis)
    assert match, basis
    assert 0.002 <= float(match.group(1)) <= 0.2
    assert 0.2 <= float(match.group(2)) <= 20
