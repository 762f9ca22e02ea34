"""The report as one self-contained HTML file: Jinja2 templates, the app's charts, plotly inline.

Every value reaches the template as plain text and is escaped there (``autoescape`` on, for
every template): a scenario's name or description comes from a file and never becomes
markup. The only markup that is not escaped is the chart code plotly writes (its JSON
escapes ``<`` and ``/``) and plotly's own JavaScript, inlined once, so the file opens
offline and makes no network request: no fonts, no CDN, no images from elsewhere.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
import plotly.graph_objects as go
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from report.content import Content
from ui import charts

TEMPLATES = Path(__file__).with_name("templates")
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False, "responsive": True}


@functools.cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,  # every template, whatever its name
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.cache
def plotly_js() -> Markup:
    return Markup(get_plotlyjs())  # noqa: S704 -- plotly's own bundle, inlined as its to_html does


def chart_html(fig: go.Figure, div_id: str) -> Markup:
    """A figure as a div and the script drawing it (plotly.js itself is in the page once)."""
    # plotly writes the data as JSON with "<" and "/" escaped, so no text in a chart can close the script
    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=CHART_CONFIG))  # noqa: S704


def figures(whatif: Any, loaded: Any, effects: Any, same: bool) -> dict[str, Markup]:
    """The report's charts, built by the app's chart functions (one theme)."""
    target = whatif.scenario.kpi.target
    out = {
        "kpi": chart_html(charts.kpi_over_time(whatif, None if same else loaded, target=target), "kpi-chart"),
        "cost": chart_html(charts.cost_by_lever(whatif), "cost-chart"),
        "loss": chart_html(
            charts.breach_loss({"What-if": whatif} if same else {"What-if": whatif, "Loaded scenario": loaded}),
            "loss-chart",
        ),
    }
    if effects is not None and not effects.empty:
        out["levers"] = chart_html(charts.lever_effects(effects, whatif.horizon_days), "lever-chart")
    return out


def render(content: Content, charts_html: dict[str, Markup]) -> str:
    return environment().get_template("report.html.j2").render(c=content, charts=charts_html, plotly_js=plotly_js())


__all__ = ["chart_html", "environment", "figures", "plotly_js", "render"]
