"""The board report: one self-contained HTML file, and a PDF of it, for a what-if against
the loaded scenario.

* ``html(whatif, loaded=None, *, effects=None, plan=None, created=None) -> str`` builds the
  page from results the caller has (the app passes its cached results and lever table);
* ``pdf(html_text, *, paper="A4") -> bytes`` prints it with Debian's Chromium;
* ``simulate(whatif, loaded=None, *, replications=None, seed=None, progress=None)`` runs
  what the report needs from scenario files (the command line's path): both scenarios with
  the same seed and replications, and the lever effects.

This package sits beside ``ui/`` and uses the app's chart functions (ui/charts.py: one
chart theme) and Jinja2 templates (report/templates/). ``sim`` never imports it; the
command line loads it only for ``python -m sim report``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from report import content as _content
from report import page as _page
from report.content import Content
from report.printing import CHROMIUM, PAPERS, ChromiumMissing, pdf
from report.runs import Inputs, simulate
from sim import Result


def html(
    whatif: Result,
    loaded: Result | None = None,
    *,
    effects: pd.DataFrame | None = None,
    plan: Any = None,
    created: dt.datetime | None = None,
) -> str:
    """The report as one HTML page (plotly's JavaScript inline, no network requests).

    ``loaded`` is the scenario the what-if is set against (same seed and replications;
    default: the what-if alone); ``effects`` the lever-effect table of ``sim.effects``;
    ``plan`` a ``sim.Plan`` from goal seek; ``created`` the date shown (default: now, UTC).
    """
    c = _content.content(whatif, loaded, effects=effects, plan=plan, created=created)
    return _page.render(c, _page.figures(whatif, loaded if loaded is not None else whatif, effects, c.same))


__all__ = ["CHROMIUM", "PAPERS", "ChromiumMissing", "Content", "Inputs", "html", "pdf", "simulate"]
