"""Every lever has a control, and moving it moves the plotted KPI the way the mechanism says.

Each case starts from the baseline (optionally with other levers set first, e.g. audits
only matter once devices are enrolled), then moves one lever. Runs share a seed, so the
difference is the lever's. The KPI compared is the time-average of the plotted what-if
curve over the year, which is less noisy than a single day with three replications.
"""

from __future__ import annotations

import pytest
from app_helpers import ROOT, kpi_average, kpi_curve, make_app_test, plotted, scenarios_folder, values  # noqa: F401

from ui import levers as lv

pytestmark = pytest.mark.usefixtures("scenarios_folder")

UP, DOWN, FLAT = +1, -1, 0
CASES = [
    # (levers set first, lever moved, new value, expected direction of the KPI)
    ({}, "enrolled_share", 80.0, UP),
    ({"enrolled_share": 80.0}, "onboarding_days", 5, UP),
    ({"enrolled_share": 80.0}, "waves", "100", UP),
    ({"enrolled_share": 80.0}, "checkin_hours", 168.0, DOWN),
    ({"enrolled_share": 80.0, "technician_hours": 1.0}, "retries", 0, DOWN),  # retries save scarce hands
    ({"enrolled_share": 80.0}, "console_visibility", 100.0, UP),  # silent failures seen at check-in
    ({"enrolled_share": 80.0}, "audit_interval_days", 30, UP),
    ({"enrolled_share": 80.0, "audit_interval_days": 30}, "audit_coverage", 20.0, DOWN),
    ({"enrolled_share": 80.0, "audit_interval_days": 30}, "audit_detection", 20.0, DOWN),
    ({}, "reporting_enabled", True, UP),
    ({"enrolled_share": 80.0, "reporting_enabled": True}, "report_rate", 20.0, UP),
    ({}, "training_coverage", 100.0, UP),
    ({"training_coverage": 100.0}, "training_start_day", 300, DOWN),
    ({"training_coverage": 100.0}, "refresher_interval_days", 60, UP),
    ({}, "policy_clarity", 100.0, UP),
    ({"policy_clarity": 100.0}, "approval_delay_days", 30, DOWN),
    # prioritising critical updates reorders the queue: it cuts overdue-critical devices about
    # fourfold but leaves the all-severity KPI where it was (-0.1 ± 1.5 pts, 30 paired runs)
    ({}, "prioritize_critical", True, FLAT),
    ({}, "technicians", 10, UP),
    ({}, "technician_hours", 2.0, DOWN),
]


def _set(at, key: str, value) -> None:
    kind = lv.BY_KEY[key].kind
    if kind == "toggle":
        at.toggle(key=key).set_value(value)
    elif kind == "stages":
        at.selectbox(key=key).set_value(value)
    elif kind == "checkin":
        at.select_slider(key=key).set_value(value)
    elif key in ("technicians", "audit_interval_days"):
        at.number_input(key=key).set_value(value)
    else:
        at.slider(key=key).set_value(value)


def test_every_lever_has_a_control_with_help():
    """One control per lever in the catalogue, each with a one-line help text."""
    at = make_app_test().run()
    drawn = {
        w.key: w for kind in ("slider", "toggle", "selectbox", "number_input", "select_slider") for w in at.get(kind)
    }
    for lever in lv.LEVERS:
        assert lever.key in drawn, lever.key
        assert drawn[lever.key].help == lever.help
        assert "\n" not in lever.help
        assert len(lever.help) < 110
    assert {c[1] for c in CASES} == set(lv.BY_KEY), "every lever has a direction test"


@pytest.mark.parametrize(("before", "key", "value", "direction"), CASES, ids=[c[1] for c in CASES])
def test_moving_a_lever_moves_the_kpi(before, key, value, direction):
    at = make_app_test().run()
    for other, other_value in before.items():
        _set(at, other, other_value)
    at.run()
    assert not at.exception
    start = kpi_average(at)
    _set(at, key, value)
    at.run()
    assert not at.exception
    after = kpi_average(at)
    if direction == FLAT:
        assert abs(after - start) < 0.02, f"{key}: {start:.4f} -> {after:.4f}"
    else:
        assert (after - start) * direction > 0.001, f"{key}: {start:.4f} -> {after:.4f}"


def test_more_enrolment_raises_kpi_at_horizon_and_draws_lever_bars():
    """80% enrolment lifts the year-end KPI; the loaded curve and a lever bar appear."""
    at = make_app_test().run()
    before = kpi_curve(at)[-1]
    at.slider(key="enrolled_share").set_value(80.0).run()
    figure = plotted(at)
    assert kpi_curve(at)[-1] > before + 0.02
    assert kpi_curve(at, "Loaded scenario")[-1] == pytest.approx(before)
    bars = plotted(at, "lever_chart")["data"]
    horizon_bar = next(b for b in bars if b["name"].startswith("At 12"))
    assert len(horizon_bar["y"]) == 1
    assert "Devices under central update management" in horizon_bar["y"][0]
    assert values(horizon_bar["x"])[0] == pytest.approx((kpi_curve(at)[-1] - before) * 100)
    assert figure["layout"]["title"]["text"].startswith("Devices updated on time")


def test_lever_bars_sorted_by_size():
    """With two levers moved, the bigger effect at the horizon is listed first (drawn on top)."""
    at = make_app_test().run()
    at.slider(key="enrolled_share").set_value(80.0)
    at.slider(key="training_coverage").set_value(100.0)
    at.run()
    bars = plotted(at, "lever_chart")["data"]
    horizon = next(b for b in bars if b["name"].startswith("At 12"))
    sizes = [abs(x) for x in values(horizon["x"])]
    assert len(sizes) == 2
    assert sizes == sorted(sizes)  # plotly draws bottom-up: the biggest is last, on top


def test_lever_bars_and_sentence_say_what_each_lever_costs():
    """Under each lever's name the chart says what it adds to the programme's cost over the
    horizon (the lever alone, same seed), and the headline sentence gives the top lever's."""
    import sim
    from ui import charts

    at = make_app_test().run()
    at.number_input(key="audit_interval_days").set_value(30)
    at.slider(key="enrolled_share").set_value(80.0)
    at.run()
    assert not at.exception
    base = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    audited = base.model_copy(deep=True)
    audited.levers.audits.interval_days = 30
    before, after = (sim.run(s, replications=3, seed=7).summary["programme_cost"] for s in (base, audited))
    assert after - before == pytest.approx(12 * 5000 * 1.5, rel=0.02)  # 12 full audits at $1.50 a device
    labels = plotted(at, "lever_chart")["data"][0]["y"]
    audit_label = next(y for y in labels if y.startswith("Days between security audits"))
    assert f"costs {charts.usd_short(after - before)} more" in audit_label
    sentence = next(
        m.value for m in at.markdown if "changed from the loaded scenario, the one that matters most" in m.value
    )
    assert "devices under central update management" in sentence
    assert "more)" in sentence  # enrolling devices costs management fees
