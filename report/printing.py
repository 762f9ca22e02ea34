"""The report as a PDF, printed by Debian's Chromium (/usr/bin/chromium) through Playwright.

Playwright drives the system browser given by ``executable_path``; no browser is ever
downloaded. The page is laid out at the printable width of the paper with print styles
on, so plotly draws every chart at the width it will have on paper; every request the
page might make is refused (the report needs none), and the PDF is printed once every
chart has been drawn. Each page's footer carries the page number.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--no-sandbox",  # CI and containers run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
MM_PER_INCH = 25.4
CSS_PX_PER_INCH = 96
PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}  # width, height in mm
MARGIN_MM = {"top": 12.0, "right": 12.0, "bottom": 16.0, "left": 12.0}
DRAW_TIMEOUT_MS = 60_000
FOOTER = (
    '<div style="width:100%;font-size:8px;color:#5a5d6b;padding:0 12mm;display:flex;justify-content:space-between;">'
    "<span>IoT device security updates · board report</span>"
    '<span>Page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>'
)
ALL_CHARTS_DRAWN = "() => [...document.querySelectorAll('.plotly-graph-div')].every(d => d.querySelector('.main-svg'))"


class ChromiumMissing(RuntimeError):
    """The PDF needs Debian's Chromium, which is not installed where it was looked for."""


def printable_width_px(paper: str = "A4") -> int:
    """The width between the side margins, in CSS pixels."""
    width_mm = PAPERS[paper][0] - MARGIN_MM["left"] - MARGIN_MM["right"]
    return round(width_mm / MM_PER_INCH * CSS_PX_PER_INCH)


def pdf(html: str, *, paper: str = "A4", chromium: str = CHROMIUM) -> bytes:
    """Print ``html`` (a whole report page) to PDF bytes on ``paper`` ('A4' or 'Letter')."""
    if paper not in PAPERS:
        raise ValueError(f"paper must be one of {', '.join(PAPERS)} (got {paper!r})")
    if not Path(chromium).is_file():
        raise ChromiumMissing(
            f"the PDF is printed by Chromium at {chromium}, which is not installed "
            "(on Debian: apt-get install chromium); the HTML report needs no browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": printable_width_px(paper), "height": 1000})
            page.route("**/*", lambda route: route.abort())  # the report needs nothing from anywhere
            page.emulate_media(media="print")
            page.set_content(html, wait_until="load")
            page.wait_for_function(ALL_CHARTS_DRAWN, timeout=DRAW_TIMEOUT_MS)
            return page.pdf(
                format=paper,
                print_background=True,
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
                margin={side: f"{mm}mm" for side, mm in MARGIN_MM.items()},
            )
        finally:
            browser.close()


__all__ = ["CHROMIUM", "PAPERS", "ChromiumMissing", "pdf", "printable_width_px"]
