"""Chart builders: pure functions from results to plotly figures, with one theme.

Nothing here touches Streamlit or runs a simulation, so every chart can be tested by
building it from a ``Result`` and reading the figure's data. Time runs in months on the
x-axis (executives plan in months); hover text says in words what a point means.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from sim import Result

if TYPE_CHECKING:  # the goal seek's types only (sim.goal imports Optuna)
    from sim.goal import Frontier, Plan
    from sim.sensitivity import Sensitivity

DAYS_PER_MONTH = 365.25 / 12

# One theme for every chart.
FONT = {"family": "Inter, 'Source Sans Pro', Arial, sans-serif", "size": 13, "color": "#262730"}
WHATIF_COLOUR = "#1f5fa8"
LOADED_COLOUR = "#7a7a7a"
BAND_COLOURS = {"excellent": "#2e7d32", "good": "#b26a00", "poor": "#c62828"}
BAND_FILLS = {"excellent": "rgba(46,125,50,0.09)", "good": "rgba(245,166,35,0.10)", "poor": "rgba(198,40,40,0.07)"}
BAND_LABELS = {"excellent": "Excellent", "good": "Good", "poor": "Poor"}
BAND_FLOORS = {"excellent": 0.95, "good": 0.80, "poor": 0.0}  # KPI Depot bands (docs/reference/kpi.md)
BENCHMARKS = ((0.85, "Global average 85%"), (0.95, "Top quartile 95%"))  # KPI Depot, illustrative
SERIES_COLOURS = ("#1f5fa8", "#d1495b", "#2a9d8f", "#e9a03b", "#6a4c93", "#4d908e", "#8d6e63", "#577590")
LEVER_COLOURS = {
    "central_management": "#1f5fa8",
    "audits": "#2a9d8f",
    "reporting_channel": "#e9a03b",
    "training": "#6a4c93",
    "technicians": "#d1495b",
}
LEVER_NAMES = {
    "central_management": "Central update management",
    "audits": "Security audits",
    "reporting_channel": "Reporting channel",
    "training": "Training",
    "technicians": "Technicians",
}


# The legend sits in a row above the plot, under the title. Plotly grows a legend that does
# not fit on one row upwards, over the title, so the top margin is sized for the rows the
# legend needs in the plot area of a half-width chart on a laptop screen (the narrowest the
# page draws); wider charts just get a little spare room.
NARROW_CHART_PX = 240  # the plot area of a half-width chart beside a sidebar in a 1,100 px window
LEGEND_ROW_PX = 22


def legend_rows(fig: go.Figure, width: int = NARROW_CHART_PX) -> int:
    """Rows a horizontal legend needs at ``width`` pixels.

    An entry is about 45 px of symbol and gap plus 6 px a character. When the entries do
    not fit on one row, plotly lays them out in columns as wide as the widest entry.
    """
    names = list(dict.fromkeys(t.name for t in fig.data if t.name and t.showlegend is not False))
    if not names:
        return 0
    widths = [45 + 6 * len(name) for name in names]
    if sum(widths) <= width:
        return 1
    columns = max(1, width // max(widths))
    return -(-len(names) // columns)


def themed(fig: go.Figure, *, title: str, y_title: str, y_format: str = "", height: int = 380) -> go.Figure:
    """Apply the app's one theme."""
    extra = LEGEND_ROW_PX * max(0, legend_rows(fig) - 1)
    fig.update_layout(
        template="plotly_white",
        font=FONT,
        title={
            "text": title,
            "x": 0,
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"t": 14},
            "font": {"size": 16},
        },
        height=height + extra,
        margin={"l": 10, "r": 10, "t": 60 + extra, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"size": 13}},
        modebar={"orientation": "v"},  # down the right edge: never over the title
        yaxis={"title": y_title, "tickformat": y_format, "automargin": True},
        xaxis={"automargin": True},
    )
    return fig


def _months(days: pd.Index) -> list[float]:
    return [d / DAYS_PER_MONTH for d in days]


def _month_axis(fig: go.Figure, horizon_days: int) -> None:
    months = horizon_days / DAYS_PER_MONTH
    step = 1 if months <= 12 else 3 if months <= 36 else 12
    last = int(months + 0.01 * (months / 12 + 1))  # 365 days is 11.99 months (3,650 days 119.9): end on 12, 120
    ticks = list(range(0, last + 1, step))
    fig.update_xaxes(
        title="Months from today",
        tickvals=ticks,
        ticktext=["Today" if m == 0 else f"{m}" for m in ticks],
        range=[0, max(months, last)],
    )


def _mean_band(
    fig: go.Figure, series: pd.DataFrame, metric: str, name: str, colour: str, *, band: bool, dash: str | None = None
) -> None:
    x = _months(series.index)
    if band:
        fig.add_trace(
            go.Scatter(
                x=x + x[::-1],
                y=list(series[f"{metric}_p95"]) + list(series[f"{metric}_p05"])[::-1],
                fill="toself",
                fillcolor=_rgba(colour, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                name=f"{name}: 90% of runs",
                showlegend=True,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=series[f"{metric}_mean"],
            customdata=list(zip(series.index, series[f"{metric}_p05"], series[f"{metric}_p95"], strict=True)),
            name=name,
            line={"color": colour, "width": 3 if band else 2, "dash": dash},
            mode="lines",
        )
    )


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def kpi_over_time(whatif: Result, loaded: Result | None = None, *, target: float | None = None) -> go.Figure:
    """The KPI over time: the what-if's mean with its 5–95% band against the loaded scenario.

    Band regions (Excellent / Good / Poor) are shaded, the benchmarks and the target are
    dashed lines. The what-if's mean is the trace named 'What-if'.
    """
    fig = go.Figure()
    # Shapes and labels are laid out as plain layout entries in one update: plotly's
    # add_hrect/add_hline helpers cost about 50 ms here, on every slider move.
    shapes: list[dict] = []
    notes: list[dict] = []
    for key in ("poor", "good", "excellent"):
        top = {"poor": 0.80, "good": 0.95, "excellent": 1.0}[key]
        shapes.append(
            {
                "type": "rect",
                "xref": "x domain",
                "x0": 0,
                "x1": 1,
                "yref": "y",
                "y0": BAND_FLOORS[key],
                "y1": top,
                "fillcolor": BAND_FILLS[key],
                "line": {"width": 0},
                "layer": "below",
            }
        )
        notes.append(
            {
                "x": 1.005,
                "xref": "paper",
                "y": top,
                "yref": "y",
                "yanchor": "top",
                "xanchor": "left",
                "text": BAND_LABELS[key],
                "showarrow": False,
                "font": {"color": BAND_COLOURS[key], "size": 12},
            }
        )
    if loaded is not None:
        _mean_band(fig, loaded.series, "compliance", "Loaded scenario", LOADED_COLOUR, band=False, dash="dot")
    _mean_band(fig, whatif.series, "compliance", "What-if", WHATIF_COLOUR, band=True)
    hover = (
        "Month %{x:.1f} (day %{customdata[0]}): <b>%{y:.1%}</b> of devices updated on time"
        "<br>9 runs in 10 between %{customdata[1]:.1%} and %{customdata[2]:.1%}<extra>%{fullData.name}</extra>"
    )
    fig.update_traces(hovertemplate=hover, selector={"mode": "lines"})
    for value, label in _levels(target):
        shape, note = _level_line(value, label, width=1.2)
        shapes.append(shape)
        notes.append(note)
    fig.update_layout(shapes=shapes, annotations=notes)
    lows = [float(whatif.series["compliance_p05"].min())]
    if loaded is not None:
        lows.append(float(loaded.series["compliance_mean"].min()))
    floor = max(0.0, min(0.6, min(lows) - 0.05))
    themed(fig, title="Devices updated on time (the KPI)", y_title="Share of devices", y_format=".0%", height=430)
    fig.update_layout(margin={"r": 80})  # room for the band names right of the plot
    fig.update_yaxes(range=[floor, 1.0])
    _month_axis(fig, whatif.horizon_days)
    return fig


def _levels(target: float | None) -> list[tuple[float, str]]:
    """The benchmark levels and the target, each once (a benchmark that is the target says so)."""
    lines = list(BENCHMARKS)
    if target is not None and all(abs(target - v) > 1e-9 for v, _ in lines):
        lines.append((target, f"Target {target:.0%}"))
    elif target is not None:
        lines = [(v, f"{label} = target" if abs(v - target) < 1e-9 else label) for v, label in lines]
    return lines


def _level_line(value: float, label: str, *, width: float) -> tuple[dict, dict]:
    """A dashed line across the plot at ``value`` and its label under the line's left end, as
    plain layout entries (plotly's add_hline costs ~15 ms a line, on every slider move)."""
    shape = {
        "type": "line",
        "xref": "x domain",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": value,
        "y1": value,
        "line": {"dash": "dash", "color": "#444", "width": width},
    }
    note = {
        "x": 0,
        "xref": "x domain",
        "y": value,
        "yref": "y",
        "yanchor": "top",
        "xanchor": "left",
        "text": label,
        "showarrow": False,
        "font": {"size": 11, "color": "#444"},
    }
    return shape, note


def effect_text(mean: float, low: float, high: float) -> str:
    """'+12.0 pts (±1.3)', or 'no clear effect' when the 95% interval takes in zero."""
    if not (low > 0 or high < 0):
        return "no clear effect"
    return f"{mean:+.1f} pts (±{(high - low) / 2:.1f})"


def lever_effects(table: pd.DataFrame, horizon_days: int) -> go.Figure:
    """'Which lever matters': KPI change per lever, averaged over the horizon, at 6 months
    and at the horizon, each with its 95% interval (paired over the same runs), biggest
    first; under each lever's name its setting and what it adds to the programme's cost."""
    ordered = table.iloc[::-1]  # plotly draws horizontal bars bottom-up
    months = round(horizon_days / DAYS_PER_MONTH)
    labels = [
        f"{row.lever}<br><span style='font-size:11px;color:#555'>{row.setting} · "
        f"{cost_change_words(row.cost_change)}</span>"
        for row in ordered.itertuples()
    ]
    fig = go.Figure()
    for column, name, colour in (
        ("at_horizon", f"At {months} months", "#6f93c6"),
        ("at_6_months", "At 6 months", "#b8cde8"),
        ("average", f"Average over {months} months", WHATIF_COLOUR),
    ):
        values = ordered[column].to_numpy(dtype=float) * 100
        low = ordered.get(f"{column}_low", ordered[column]).to_numpy(dtype=float) * 100
        high = ordered.get(f"{column}_high", ordered[column]).to_numpy(dtype=float) * 100
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                name=name,
                orientation="h",
                marker_color=colour,
                offsetgroup=column,
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": high - values,
                    "arrayminus": values - low,
                    "color": "#333",
                    "thickness": 1.2,
                    "width": 3,
                },
                text=[effect_text(v, lo, hi) for v, lo, hi in zip(values, low, high, strict=True)],
                textposition="none",  # drawn by the text trace below, clear of the whisker
                customdata=np.stack([low, high], axis=1),
                hovertemplate="%{y}<br>"
                + name
                + ": KPI %{x:+.1f} percentage points (95% interval %{customdata[0]:+.1f} to "
                "%{customdata[1]:+.1f})<extra></extra>",
            )
        )
        right = values >= 0
        fig.add_trace(  # each bar's figure, just past the end of its whisker
            go.Scatter(
                y=labels,
                x=np.where(right, np.maximum(high, 0), np.minimum(low, 0)),
                mode="text",
                orientation="h",
                text=[" " + t if r else t + " " for t, r in zip(fig.data[-1].text, right, strict=True)],
                textposition=["middle right" if r else "middle left" for r in right],
                textfont={"size": 11, "color": "#333"},
                offsetgroup=column,
                showlegend=False,
                hoverinfo="skip",
                cliponaxis=False,
                name=f"{name} (figures)",
            )
        )
    themed(
        fig,
        title="Which lever matters: KPI change from each lever alone, with 95% intervals",
        y_title="",
        height=max(280, 100 + 95 * len(table)),
    )
    fig.update_layout(barmode="group", scattermode="group", legend={"traceorder": "reversed"})
    ends = [table.get(f"{c}_{e}", table[c]) for c in ("average", "at_6_months", "at_horizon") for e in ("low", "high")]
    extent = [v * 100 for col in ends for v in col] or [0.0]
    pad = max(1.5, (max(extent) - min(extent)) * 0.30)  # room for the value labels
    fig.update_xaxes(
        title="Change in devices updated on time (percentage points)",
        zeroline=True,
        range=[min(0.0, min(extent)) - (pad if min(extent) < 0 else 0), max(0.0, max(extent)) + pad],
    )
    return fig


def usd_short(amount: float) -> str:
    """$296 k, $1.2 M, $850 (no sign); the unit is chosen after rounding ($999,600 is $1.0 M)."""
    amount = abs(amount)
    if amount >= 999_500:
        return f"${amount / 1e6:,.1f} M"
    if amount >= 9_999.5:
        return f"${amount / 1e3:,.0f} k"
    return f"${amount:,.0f}"


def cost_change_words(change: float) -> str:
    """A lever's effect on the programme's cost: 'costs $138 k more', 'saves $12 k', 'no cost change'."""
    if abs(change) < 0.5:
        return "no cost change"
    return f"costs {usd_short(change)} more" if change > 0 else f"saves {usd_short(change)}"


BAR_ROW_PX = 46  # height per group in the horizontal bar charts (two bars and their figures)


def _bar_height(rows: int) -> int:
    return max(260, 120 + BAR_ROW_PX * rows)


def wrapped(name: object, width: int = 16) -> str:
    """A group name broken into lines of about ``width`` characters (at spaces), so long names
    down the side of a half-width chart leave room for the bars."""
    words, lines = str(name).split(), [""]
    for word in words:
        if lines[-1] and len(lines[-1]) + 1 + len(word) > width:
            lines.append(word)
        else:
            lines[-1] = f"{lines[-1]} {word}".strip()
    return "<br>".join(lines)


def by_group(table: pd.DataFrame, label_column: str, title: str) -> go.Figure:
    """KPI today and at the horizon per device class or department, as horizontal bars: the
    names read across, however many groups there are and however narrow the chart."""
    fig = go.Figure()
    for column, name, colour in (
        ("compliance_start", "Today", "#9dbbe0"),
        ("compliance_end", "At the horizon", WHATIF_COLOUR),
    ):
        fig.add_trace(
            go.Bar(
                y=[wrapped(n) for n in table[label_column]],
                x=table[column],
                orientation="h",
                name=name,
                marker_color=colour,
                text=[f"{v:.0%}" for v in table[column]],
                textposition="outside",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.1%} updated on time (" + name.lower() + ")<extra></extra>",
            )
        )
    themed(fig, title=title, y_title="", height=_bar_height(len(table)))
    # the legend under the bars: long names at the left leave the plot too narrow above them
    fig.update_layout(
        barmode="group",
        margin={"t": 50, "b": 40},
        legend={"traceorder": "normal", "yref": "container", "y": 0, "yanchor": "bottom"},
    )
    fig.update_xaxes(range=[0, 1.15], tickformat=".0%")
    fig.update_yaxes(autorange="reversed")
    return fig


def time_to_patch(table: pd.DataFrame, label_column: str, title: str) -> go.Figure:
    """Mean days from release to install per device class or department, as horizontal bars."""
    days = table["mean_time_to_patch_days"]
    fig = go.Figure(
        go.Bar(
            y=[wrapped(n) for n in table[label_column]],
            x=days,
            orientation="h",
            marker_color=WHATIF_COLOUR,
            text=[("–" if pd.isna(v) else f"{v:.0f} d") for v in days],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}: updates installed %{x:.0f} days after release on average<extra></extra>",
        )
    )
    themed(fig, title=title, y_title="", height=_bar_height(len(table)) - 40)
    top = float(days.max()) if days.notna().any() else 1.0
    fig.update_xaxes(title="Days", range=[0, top * 1.3 or 1])
    fig.update_yaxes(autorange="reversed")
    return fig


def group_lines(frame: pd.DataFrame, title: str, horizon_days: int) -> go.Figure:
    """The KPI over time for each column of ``frame`` (device classes or departments)."""
    fig = go.Figure()
    for i, name in enumerate(frame.columns):
        fig.add_trace(
            go.Scatter(
                x=_months(frame.index),
                y=frame[name],
                name=str(name),
                mode="lines",
                line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)], "width": 2},
                hovertemplate=f"{name}<br>Month %{{x:.1f}}: %{{y:.1%}} updated on time<extra></extra>",
            )
        )
    themed(fig, title=title, y_title="Devices updated on time", y_format=".0%")
    _month_axis(fig, horizon_days)
    return fig


def metric_over_time(
    results: Mapping[str, Result],
    metric: str,
    *,
    title: str,
    y_title: str,
    y_format: str = "",
    hover_unit: str = "",
    band: bool = True,
) -> go.Figure:
    """One metric's mean (and 5–95% band for the first result) for one or more results."""
    fig = go.Figure()
    horizon = 0
    for i, (name, result) in enumerate(results.items()):
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        _mean_band(fig, result.series, metric, name, colour, band=band and i == 0)
        horizon = max(horizon, result.horizon_days)
    value = "%{y:" + (y_format or ",.0f") + "}"
    fig.update_traces(
        hovertemplate="%{fullData.name}<br>Month %{x:.1f} (day %{customdata[0]}): "
        + value
        + hover_unit
        + "<extra></extra>",
        selector={"mode": "lines"},
    )
    themed(fig, title=title, y_title=y_title, y_format=y_format)
    _month_axis(fig, horizon)
    return fig


def time_to_patch_over_time(result: Result) -> go.Figure:
    """Days from release to install for the updates installed each day: the average and the
    time within which 90% of them were installed (means over runs; gaps on days with none)."""
    series, x = result.series, _months(result.series.index)
    fig = go.Figure()
    for metric, name, colour, dash, words in (
        ("time_to_patch_days", "Average", WHATIF_COLOUR, None, "on average %{y:.0f} days after their release"),
        ("time_to_patch_p90_days", "90% installed within", "#c0504d", "dot", "90% of them within %{y:.0f} days"),
    ):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=series[f"{metric}_mean"],
                customdata=list(series.index),
                name=name,
                mode="lines",
                line={"color": colour, "width": 2, "dash": dash},
                hovertemplate="Updates installed on day %{customdata}: " + words + "<extra></extra>",
            )
        )
    themed(fig, title="Days from release to install", y_title="Days")
    _month_axis(fig, result.horizon_days)
    return fig


def compare_kpi(results: Mapping[str, Result], *, target: float | None = None) -> go.Figure:
    """Several scenarios' KPI curves overlaid, one colour each, with the benchmark lines."""
    fig = metric_over_time(
        results,
        "compliance",
        title="Devices updated on time, by scenario",
        y_title="Share of devices",
        y_format=".0%",
        band=False,
    )
    lines = [_level_line(value, label, width=1.0) for value, label in _levels(target)]
    fig.update_layout(shapes=[shape for shape, _ in lines], annotations=[note for _, note in lines])
    fig.update_layout(height=fig.layout.height + 50)  # taller than a half-width chart, legend rows kept
    return fig


def on_time_by_month(result: Result) -> go.Figure:
    """Share of updates installed by their deadline, month by month (trailing 30 days)."""
    days = list(range(30, result.horizon_days + 1, 30))
    rates = result.series["on_time_rate_mean"].reindex(days)
    fig = go.Figure(
        go.Bar(
            x=[f"M{d // 30}" for d in days],
            y=rates,
            marker_color=WHATIF_COLOUR,
            hovertemplate="Month %{x}: %{y:.0%} of updates due were installed in time<extra></extra>",
        )
    )
    themed(fig, title="Installed by the deadline, by month", y_title="On time", y_format=".0%")
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(title="Month")
    return fig


def cost_by_lever(result: Result) -> go.Figure:
    """Cumulative programme cost, stacked by lever."""
    fig = go.Figure()
    x = _months(result.series.index)
    for lever, name in LEVER_NAMES.items():
        column = f"cost_{lever}_mean"
        if column not in result.series or float(result.series[column].iloc[-1]) <= 0:
            continue
        fig.add_trace(
            go.Scatter(
                x=x,
                y=result.series[column],
                name=name,
                stackgroup="cost",
                line={"color": LEVER_COLOURS[lever], "width": 1},
                hovertemplate=name + "<br>Month %{x:.1f}: $%{y:,.0f} spent so far<extra></extra>",
            )
        )
    themed(fig, title="Programme cost so far, by lever", y_title="US dollars", y_format="$,.0f")
    _month_axis(fig, result.horizon_days)
    return fig


def breach_loss(results: Mapping[str, Result]) -> go.Figure:
    """Expected breach loss accumulated over time (overdue device-years × probability × cost)."""
    return metric_over_time(
        results,
        "expected_breach_loss",
        title="Expected breach loss so far",
        y_title="US dollars",
        y_format="$,.0f",
    )


# --------------------------------------------------------------------------- goal seek


PLAN_COLOUR = "#2e7d32"


def _plan_hover(plan: Plan) -> str:
    moved = "<br>".join(f"{c.label}: {c.before_text} → {c.after_text}" for c in plan.changes) or "no lever moved"
    return (
        f"{usd_short(plan.cost)} over the horizon; KPI on day {plan.by_day} {plan.kpi_lower:.1%} or more in "
        f"{plan.confidence:.0%} of runs ({plan.kpi_mean:.1%} on average)<br>{moved}"
    )


def _plan_marker(plan: Plan, name: str, hover_name: str, size: int, symbol: str, colour: str, edge: str) -> go.Scatter:
    """One plan as a single marked point, its hover text led by ``hover_name``."""
    return go.Scatter(
        x=[plan.cost],
        y=[plan.kpi_lower],
        mode="markers",
        marker={"size": size, "symbol": symbol, "color": colour, "line": {"width": 1, "color": edge}},
        name=name,
        text=[_plan_hover(plan)],
        hovertemplate=f"{hover_name}: %{{text}}<extra></extra>",
    )


def frontier(front: Frontier, chosen: Plan) -> go.Figure:
    """Cost against the KPI on the day (reached in the share of runs asked for): the plans no
    other beats on both as a line of points, the chosen plan and the loaded scenario marked,
    the target as a dashed line. Hover text lists each plan's lever changes."""
    loaded = front.loaded
    fig = go.Figure()
    plans = list(front.plans)
    fig.add_trace(
        go.Scatter(
            x=[p.cost for p in plans],
            y=[p.kpi_lower for p in plans],
            mode="lines+markers",
            line={"color": WHATIF_COLOUR, "width": 1.5, "shape": "hv"},
            marker={"size": 8, "color": WHATIF_COLOUR},
            name="Best plans found",
            text=[_plan_hover(p) for p in plans],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    fig.add_trace(_plan_marker(loaded, "Loaded scenario", "Loaded scenario", 13, "diamond", LOADED_COLOUR, "#333"))
    fig.add_trace(
        _plan_marker(
            chosen,
            "The plan" if chosen.reachable else "Highest KPI found",
            "The plan",
            17,
            "star",
            PLAN_COLOUR,
            "#1b4d1e",
        )
    )
    fig.add_hline(
        y=chosen.target,
        line={"color": BAND_COLOURS["excellent"], "dash": "dash", "width": 1},
        annotation_text=f"Target {chosen.target:.0%}",
        annotation_position="bottom right",
    )
    themed(
        fig,
        title=f"Cost against the KPI on day {chosen.by_day}, reached in {chosen.confidence:.0%} of runs",
        y_title="Devices updated on time",
        y_format=".0%",
        height=420,
    )
    fig.update_xaxes(title="Programme cost over the horizon (US dollars)", tickformat="$,.3s")
    return fig


def tornado(result: Sensitivity) -> go.Figure:
    """'Which assumptions matter': Morris μ* (bars) and σ (thin bars) of each assumption's
    effect on the KPI on the day, largest on top. SALib divides each elementary effect by
    the step in the normalised range, so a figure is the KPI change (in percentage points)
    across the assumption's whole range."""
    table = result.table.iloc[::-1]
    labels = list(table["label"])
    fig = go.Figure()
    for column, name, colour, width in (
        ("kpi_sigma", "σ: how much the effect varies with the other assumptions", "#b8cde8", 0.35),
        ("kpi_mu_star", "μ*: typical size of the effect", WHATIF_COLOUR, 0.6),
    ):
        values = table[column].to_numpy(dtype=float) * 100
        fig.add_trace(
            go.Bar(
                y=labels,
                x=values,
                name=name,
                orientation="h",
                marker_color=colour,
                width=width,
                hovertemplate="%{y}<br>" + name.split(":")[0] + " %{x:.2f} percentage points<extra></extra>",
            )
        )
    low, high = result.factor_range
    themed(
        fig,
        title=f"Which assumptions matter: effect on the KPI on day {result.by_day}",
        y_title="",
        height=max(300, 90 + 42 * len(table)),
    )
    fig.update_layout(barmode="overlay", legend={"traceorder": "reversed"})
    fig.update_xaxes(
        title=f"KPI change, points (assumption {low:g}× → {high:g}×)",
        rangemode="tozero",
    )
    return fig
