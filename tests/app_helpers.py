"""Helpers shared by the app tests, the real-browser test and benchmarks/app_latency.py.

``AppTest`` helpers read what the page plotted (the KPI chart's spec) so tests assert on
the figure a user sees. ``served_app`` runs ``streamlit run app.py`` on a free loopback
port and stops it afterwards; ``launch_chromium`` opens Debian's headless Chromium through
Playwright (never a downloaded browser); ``app_in_chromium`` gives both, on a private copy
of scenarios/ from ``copied_scenarios`` when asked.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# In the browser: a fingerprint of the KPI chart's what-if curve (changes when the chart does).
KPI_SIGNATURE_JS = """() => {
  const gd = document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const t = gd._fullData.find(d => d.name === 'What-if' && d.mode === 'lines');
  if (!t) return null;
  return Array.from(t.y).slice(-5).map(v => Number(v).toFixed(6)).join(',');
}"""


def shown(markdown: str) -> str:
    """The text a reader sees in a markdown element's source: backslash escapes removed
    (``ui.text.plain`` escapes every punctuation mark of text from files and links)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def plotted(at: Any, key: str = "kpi_chart") -> dict[str, Any]:
    """The plotly figure (as a dict) an AppTest run drew under ``key``."""
    for element in at.get("plotly_chart"):
        if key in element.proto.id or key in (element.key or ""):
            return json.loads(element.proto.spec)
    raise AssertionError(f"no plotly chart with key {key!r}; drew {[e.key for e in at.get('plotly_chart')]}")


def values(array: Any) -> list[Any]:
    """A figure's data array as a list, decoding plotly's base64 typed arrays."""
    import base64

    import numpy as np

    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"])).tolist()
    return list(array)


def trace_y(figure: dict[str, Any], name: str) -> list[float]:
    """The y values of the named line trace."""
    for trace in figure["data"]:
        if trace.get("name") == name and trace.get("mode") == "lines":
            return values(trace["y"])
    raise AssertionError(f"no line trace named {name!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served_app(env: dict[str, str] | None = None, timeout: float = 60) -> Iterator[str]:
    """Run the app with ``streamlit run`` on a free loopback port; yields its URL; stops it after."""
    port = free_port()
    log = open(ROOT / "artifacts" / f"streamlit-{port}.log", "w") if (ROOT / "artifacts").is_dir() else None  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(APP),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"streamlit exited with status {process.returncode}")
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"streamlit did not answer on {url} within {timeout} s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log:
            log.close()


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def clicked_download(page: Any, button: str, timeout_ms: float = 60_000) -> Any:
    """Click the button named ``button`` and wait for the file it downloads (Playwright's ``Download``)."""
    with page.expect_download(timeout=timeout_ms) as download:
        page.get_by_role("button", name=button).click()
    return download.value


def copied_scenarios(tmp_path: Path) -> dict[str, str]:
    """A private copy of scenarios/ under ``tmp_path`` (tests never write into the repository),
    as the environment ``served_app`` gives the app."""
    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    return {"IOT_SIM_SCENARIOS_DIR": str(folder)}


@contextlib.contextmanager
def app_in_chromium(env: dict[str, str] | None = None) -> Iterator[tuple[str, Any]]:
    """``served_app(env)`` and Debian's headless Chromium beside it: (the app's url, the
    browser); the browser is closed, then the server stopped."""
    from playwright.sync_api import sync_playwright

    with served_app(env) as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield url, browser
        finally:
            browser.close()


def wait_for_app(page: Any, timeout_ms: float = 120_000) -> None:
    """Wait until the page has drawn the KPI chart and finished running."""
    page.wait_for_function(f"() => ({KPI_SIGNATURE_JS})() !== null", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout_ms)


def kpi_signature(page: Any) -> str | None:
    return page.evaluate(KPI_SIGNATURE_JS)


def slider_input(page: Any, label: str) -> Any:
    """The keyboard-focusable range input of the slider labelled ``label`` (Streamlit 1.67 markup)."""
    return page.locator(f'[data-testid="stSlider"] input[type="range"][aria-label="{label}"]').first


def wait_for_kpi_change(page: Any, before: str | None, timeout_ms: float = 120_000) -> None:
    """Wait until the KPI chart's what-if curve differs from ``before``."""
    page.wait_for_function(
        f"(before) => {{ const s = ({KPI_SIGNATURE_JS})(); return s !== null && s !== before; }}",
        arg=before,
        timeout=timeout_ms,
    )


def wait_until_idle(page: Any, timeout_ms: float = 120_000, settle_s: float = 1.0) -> None:
    """Wait until the app has finished running (the 'running' indicator is gone) and stays
    so for ``settle_s``: a page run may end with ``st.rerun`` (the first screen's lever ranking
    reorders the sidebar), and a click in the gap would land on a page about to be replaced."""
    import time

    deadline = time.monotonic() + timeout_ms / 1000
    status = page.locator('[data-testid="stStatusWidget"]')
    while True:
        left_ms = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=left_ms)
        page.wait_for_timeout(settle_s * 1000)
        if status.count() == 0 or time.monotonic() > deadline:
            return


# --------------------------------------------------------------------------- AppTest fixtures


@pytest.fixture
def scenarios_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private copy of scenarios/ for the app (tests never write into the repository), fresh cache."""
    import streamlit as st

    folder = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios", folder)
    monkeypatch.setenv("IOT_SIM_SCENARIOS_DIR", str(folder))
    st.cache_data.clear()
    yield folder
    st.cache_data.clear()


FAST_REPLICATIONS = "3"  # small, so the suite stays quick; the same seed keeps comparisons fair


def make_app_test(query: dict[str, str] | None = None) -> Any:
    """An AppTest of app.py, opened as from a link with ``query`` (few replications by default)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params.update({"replications": FAST_REPLICATIONS, **(query or {})})
    return at


def kpi_curve(at: Any, name: str = "What-if") -> list[float]:
    """The plotted KPI curve (share of devices per day) of the named trace."""
    return trace_y(plotted(at), name)


def kpi_average(at: Any) -> float:
    """The time-average of the plotted what-if KPI after day 0."""
    y = kpi_curve(at)
    return sum(y[1:]) / (len(y) - 1)
