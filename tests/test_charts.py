"""Chart builders are pure: a Result in, a plotly Figure out, with the numbers of the Result."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from ui import charts


@pytest.fixture(scope="module")
def small() -> sim.Result:
    scenario = sim.Scenario(name="Small")  # one class of 1,500 cameras, schema defaults
    return sim.run(scenario, replications=3, seed=11)


@pytest.fixture(scope="module")
def automated() -> sim.Result:
    data = sim.Scenario(name="Automated").model_dump()
    data["levers"]["central_management"]["enrolled_share"] = 0.9
    data["levers"]["audits"]["interval_days"] = 30
    return sim.run(sim.Scenario.model_validate(data), replications=3, seed=11)


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_kpi_over_time_plots_mean_band_and_loaded(small, automated):
    fig = charts.kpi_over_time(automated, small, target=0.95)
    mean = _trace(fig, "What-if")
    np.testing.assert_allclose(mean.y, automated.series["compliance_mean"])
    np.testing.assert_allclose(mean.x[-1], automated.horizon_days / charts.DAYS_PER_MONTH)
    band = _trace(fig, "What-if: 90% of runs")
    n = len(automated.series)
    np.testing.assert_allclose(band.y[:n], automated.series["compliance_p95"])
    np.testing.assert_allclose(band.y[n:], automated.series["compliance_p05"][::-1])
    np.testing.assert_allclose(_trace(fig, "Loaded scenario").y, small.series["compliance_mean"])
    assert "devices updated on time" in mean.hovertemplate


def test_kpi_over_time_bands_benchmarks_and_other_target(small):
    fig = charts.kpi_over_time(small, target=0.9)
    rects = sorted((s.y0, s.y1) for s in fig.layout.shapes if s.type == "rect")
    assert rects == [(0.0, 0.8), (0.8, 0.95), (0.95, 1.0)]
    dashed = sorted(s.y0 for s in fig.layout.shapes if s.type == "line")
    assert dashed == [0.85, 0.9, 0.95]
    texts = {a.text for a in fig.layout.annotations}
    assert {"Global average 85%", "Top quartile 95%", "Target 90%", "Excellent", "Good", "Poor"} <= texts
    assert [t.name for t in fig.data] == ["What-if: 90% of runs", "What-if"]  # no loaded curve given
    low = float(small.series["compliance_p05"].min())
    assert fig.layout.yaxis.range[0] == pytest.approx(max(0.0, min(0.6, low - 0.05)))
    assert fig.layout.yaxis.range[1] == 1.0


def test_lever_effects_sorted_bars_with_intervals_in_points():
    table = pd.DataFrame(
        {
            "lever": ["Technicians", "Staff trained"],
            "group": ["Technicians", "Training"],
            "setting": ["4 → 10", "0% → 100%"],
            "average": [0.08, 0.001],
            "average_low": [0.07, -0.004],
            "average_high": [0.09, 0.006],
            "at_6_months": [0.10, 0.01],
            "at_6_months_low": [0.08, 0.005],
            "at_6_months_high": [0.12, 0.015],
            "at_horizon": [0.12, -0.02],
            "at_horizon_low": [0.10, -0.05],
            "at_horizon_high": [0.14, 0.01],
            "clear": [True, False],
            "replications": [30, 30],
            "cost_change": [98_550.0, 0.0],
        }
    )
    fig = charts.lever_effects(table, 365)
    horizon = _trace(fig, "At 12 months")
    assert list(horizon.x) == pytest.approx([-2.0, 12.0])  # reversed: biggest drawn on top
    assert list(horizon.text) == ["no clear effect", "+12.0 pts (±2.0)"]
    assert list(horizon.error_x.array) == pytest.approx([3.0, 2.0])  # up to the interval's high end
    assert list(horizon.error_x.arrayminus) == pytest.approx([3.0, 2.0])
    assert horizon.y[1].startswith("Technicians")
    assert "4 → 10 · costs $99 k more" in horizon.y[1]
    assert "no cost change" in horizon.y[0]
    assert list(_trace(fig, "At 6 months").x) == pytest.approx([1.0, 10.0])
    assert list(_trace(fig, "At 6 months").text) == ["+1.0 pts (±0.5)", "+10.0 pts (±2.0)"]
    assert list(_trace(fig, "Average over 12 months").text) == ["no clear effect", "+8.0 pts (±1.0)"]


def test_by_group_and_time_to_patch(small):
    fig = charts.by_group(small.by_class, "device_class", "By class")
    today, end = fig.data
    # horizontal bars (issue 15): names down the side, read across at any width
    assert today.orientation == end.orientation == "h"
    assert [y.replace("<br>", " ") for y in today.y] == list(small.by_class["device_class"])
    assert charts.wrapped("Medical and industrial sensors") == "Medical and<br>industrial<br>sensors"
    np.testing.assert_allclose(end.x, small.by_class["compliance_end"])
    ttp = charts.time_to_patch(small.by_class, "device_class", "Days")
    assert ttp.data[0].orientation == "h"
    np.testing.assert_allclose(ttp.data[0].x, small.by_class["mean_time_to_patch_days"])


def test_cost_by_lever_stacks_to_programme_cost(automated):
    fig = charts.cost_by_lever(automated)
    names = {t.name for t in fig.data}
    assert "Central update management" in names
    assert "Security audits" in names
    assert "Training" not in names  # nothing spent on it
    total = sum(t.y[-1] for t in fig.data)
    assert total == pytest.approx(automated.summary["programme_cost"])
    assert all(t.stackgroup == "cost" for t in fig.data)


def test_compare_kpi_one_colour_each(small, automated):
    fig = charts.compare_kpi({"a.yaml": small, "b.yaml": automated}, target=0.95)
    lines = [t for t in fig.data if t.mode == "lines"]
    assert [t.name for t in lines] == ["a.yaml", "b.yaml"]
    assert lines[0].line.color != lines[1].line.color
    assert not [t for t in fig.data if t.fill == "toself"]  # no bands when overlaid


def test_on_time_by_month_and_metric_over_time(small):
    fig = charts.on_time_by_month(small)
    assert len(fig.data[0].x) == 12
    assert fig.data[0].y[0] == pytest.approx(small.series["on_time_rate_mean"].loc[30], nan_ok=True)
    backlog = charts.metric_over_time({"What-if": small}, "technician_backlog", title="t", y_title="y")
    np.testing.assert_allclose(_trace(backlog, "What-if").y, small.series["technician_backlog_mean"])


def test_time_to_patch_over_time_draws_the_average_and_the_90_percent_mark(automated):
    fig = charts.time_to_patch_over_time(automated)
    average, p90 = _trace(fig, "Average"), _trace(fig, "90% installed within")
    np.testing.assert_allclose(average.y, automated.series["time_to_patch_days_mean"].to_numpy(), equal_nan=True)
    np.testing.assert_allclose(p90.y, automated.series["time_to_patch_p90_days_mean"].to_numpy(), equal_nan=True)
    both = ~np.isnan(np.asarray(average.y, dtype=float)) & ~np.isnan(np.asarray(p90.y, dtype=float))
    assert both.sum() > 30
    assert np.isnan(np.asarray(average.y, dtype=float)).any()  # days without installs stay gaps, not zeros


def test_one_theme(small, automated):
    figures = [
        charts.kpi_over_time(small),
        charts.cost_by_lever(automated),
        charts.breach_loss({"x": small}),
        charts.group_lines(small.class_series, "t", small.horizon_days),
    ]
    for fig in figures:
        assert fig.layout.font.family == charts.FONT["family"]
        assert fig.layout.template.layout.paper_bgcolor == "white"


def test_legend_rows_get_room_under_the_title(small, automated):
    """A legend that wraps gets one more row of top margin (and height) per extra row, so it
    never grows over the title; plotly wraps into columns as wide as the widest entry."""
    cost = charts.cost_by_lever(automated)
    names = [t.name for t in cost.data]
    assert "Central update management" in names
    # widest entry 45 + 6 x 26 = 201 px: one column in a 360 px plot area, a row per lever
    assert charts.legend_rows(cost) == len(names)
    extra = charts.LEGEND_ROW_PX * (len(names) - 1)
    assert cost.layout.margin.t == 60 + extra
    assert cost.layout.height == 380 + extra
    assert (cost.layout.title.yref, cost.layout.title.y, cost.layout.title.yanchor) == ("container", 1, "top")

    three = pd.DataFrame({"day": [0, 1] * 3, "group": ["A", "A", "B", "B", "C", "C"], "compliance": [0.7] * 6})
    short = charts.group_lines(three.pivot(index="day", columns="group", values="compliance"), "t", 1)
    assert charts.legend_rows(short) == 1  # 3 x (45 + 6) px fit on one row
    assert short.layout.margin.t == 60
    assert charts.legend_rows(charts.on_time_by_month(small)) == 0  # no named traces, no legend


def test_money_words():
    assert [charts.usd_short(x) for x in (850, 9_999.6, 12_400, 296_000, 999_600, 1_234_567, -5e6)] == [
        "$850",
        "$10 k",
        "$12 k",
        "$296 k",
        "$1.0 M",
        "$1.2 M",
        "$5.0 M",
    ]
    assert charts.cost_change_words(138_000) == "costs $138 k more"
    assert charts.cost_change_words(-12_000) == "saves $12 k"
    assert charts.cost_change_words(0.2) == "no cost change"


@pytest.mark.parametrize(
    ("days", "ticks"),
    [
        (365, list(range(13))),
        (730, list(range(0, 25, 3))),
        (100, [0, 1, 2, 3]),
        (2555, list(range(0, 85, 12))),
        (3650, list(range(0, 121, 12))),
    ],
)
def test_month_axis_ends_on_the_horizon(days: int, ticks: list[int]) -> None:
    fig = charts.go.Figure()
    charts._month_axis(fig, days)
    assert list(fig.layout.xaxis.tickvals) == ticks
    assert fig.layout.xaxis.ticktext[0] == "Today"
    assert fig.layout.xaxis.range[1] == pytest.approx(max(days / charts.DAYS_PER_MONTH, ticks[-1]))
