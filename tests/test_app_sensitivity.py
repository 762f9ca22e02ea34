"""'Which assumptions matter' in the Model & assumptions tab: nothing runs until asked; the
button draws the tornado chart of the Morris screening, ranked as sim.sensitivity ranks."""

from __future__ import annotations

import pytest
from app_helpers import make_app_test, plotted, scenarios_folder, values  # noqa: F401

import sim
from sim.sensitivity import sensitivity
from ui import sensitivity as sensitivity_ui

pytestmark = pytest.mark.usefixtures("scenarios_folder")

MODEL_TAB = "Model & assumptions"


def test_nothing_is_screened_until_asked():
    at = make_app_test()
    at.session_state["tab"] = MODEL_TAB
    at.run()
    assert not at.exception
    assert at.button(key=sensitivity_ui.RUN_KEY)
    assert not [c for c in at.get("plotly_chart") if (c.key or "") == sensitivity_ui.CHART_KEY]


@pytest.mark.slow
def test_the_button_draws_the_tornado_ranked_by_mu_star(monkeypatch: pytest.MonkeyPatch, scenarios_folder):  # noqa: F811
    monkeypatch.setattr(sensitivity_ui, "RUNS", 20)  # 2 trajectories: seconds, not a minute
    monkeypatch.setattr(sensitivity_ui, "REPLICATIONS", 2)
    at = make_app_test()
    at.session_state["tab"] = MODEL_TAB
    at.run()
    at.button(key=sensitivity_ui.RUN_KEY).click().run()
    assert not at.exception
    figure = plotted(at, sensitivity_ui.CHART_KEY)
    bars = {t["name"].split(":")[0]: t for t in figure["data"]}
    expected = sensitivity(
        sim.load_scenario(scenarios_folder / "baseline.yaml"), runs=20, replications=2, by_day=182, seed=7
    ).table
    # plotly draws horizontal bars bottom-up: the top bar is the first row of the ranking
    assert list(bars["μ*"]["y"])[::-1] == list(expected["label"])
    assert values(bars["μ*"]["x"])[::-1] == pytest.approx(list(expected["kpi_mu_star"] * 100))
    assert values(bars["σ"]["x"])[::-1] == pytest.approx(list(expected["kpi_sigma"] * 100))
    assert any(expected["label"].iloc[0].lower() in m.value for m in at.markdown)
