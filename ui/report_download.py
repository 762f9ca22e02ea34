"""'Download board report': the what-if against the loaded scenario as an HTML file or a PDF.

Both files are made only when their button is clicked (``st.download_button`` with a
callable: nothing is built on a rerun), from the results and lever table already on the
page, by the ``report`` package (the same charts as the page, Jinja2 templates). The PDF
is printed by Debian's Chromium and takes a few seconds; without Chromium its button is
disabled and says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import report
from sim import Result, safe_scenario_filename

HTML_KEY = "download_report_html"
PDF_KEY = "download_report_pdf"
HTML_HELP = (
    "One self-contained page for the board: the headline, the KPI chart, which lever matters, cost and risk "
    "and the assumptions, against the loaded scenario. It opens offline in any browser."
)
PDF_HELP = "The same report as a PDF (A4), printed by Chromium when clicked: it takes a few seconds."


def file_stem(name: str) -> str:
    return safe_scenario_filename(name).removesuffix(".yaml") + "-board-report"


def board_report_buttons(whatif: Result, loaded: Result, effects: pd.DataFrame | None, plan: Any = None) -> None:
    """The two download buttons in a row; each builds its file when clicked. ``plan`` is a goal
    seek's Plan, or a function giving one (or None) when the button is clicked."""

    def page() -> str:
        return report.html(whatif, loaded, effects=effects, plan=plan() if callable(plan) else plan)

    stem = file_stem(whatif.scenario.name)
    has_chromium = Path(report.CHROMIUM).is_file()
    row = st.container(horizontal=True, key="board_report")
    row.download_button(
        "Download board report (HTML)",
        page,
        file_name=f"{stem}.html",
        mime="text/html",
        key=HTML_KEY,
        on_click="ignore",
        help=HTML_HELP,
    )
    row.download_button(
        "Download board report (PDF)",
        lambda: report.pdf(page()),
        file_name=f"{stem}.pdf",
        mime="application/pdf",
        key=PDF_KEY,
        on_click="ignore",
        disabled=not has_chromium,
        help=PDF_HELP if has_chromium else f"Needs Chromium at {report.CHROMIUM} on the server (Debian: chromium).",
    )
