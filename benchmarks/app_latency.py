"""Slider change to updated KPI chart, measured in a real headless Chromium (a benchmark, not a test).

Starts ``streamlit run app.py`` on a free loopback port with the default baseline
scenario (its own replications), opens it in Debian's Chromium through Playwright, and
moves the "Devices under central update management" slider one step at a time with the
keyboard. Each step is a setting not seen before, so every measurement includes a fresh
simulation (no cache hit). The time runs from the key press to the moment the KPI chart
in the page shows the new curve. It prints each figure, the median and the worst beside
the 1 s target.

    python benchmarks/app_latency.py [--steps 10] [--replications N]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.app_helpers import (  # noqa: E402
    kpi_signature,
    launch_chromium,
    served_app,
    slider_input,
    wait_for_app,
    wait_for_kpi_change,
    wait_until_idle,
)

TARGET_SECONDS = 1.0
SLIDER = "Devices under central update management"


def measure(steps: int, replications: int | None) -> list[float]:
    query = f"/?replications={replications}" if replications else "/"
    timings = []
    with served_app() as url, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url + query)
            wait_for_app(page)
            slider = slider_input(page, SLIDER)
            for _ in range(steps):
                wait_until_idle(page)
                page.wait_for_timeout(300)  # let the previous run's lever bars settle
                before = kpi_signature(page)
                slider.focus()
                start = time.perf_counter()
                page.keyboard.press("ArrowRight")
                wait_for_kpi_change(page, before)
                timings.append(time.perf_counter() - start)
                print(f"  slider at {slider.input_value():>3}%: chart updated in {timings[-1]:.2f} s", flush=True)
        finally:
            browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="slider steps to time")
    parser.add_argument("--replications", type=int, default=None, help="override the scenario's replications")
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {cpu} · "
        f"{psutil.cpu_count(logical=True)} logical CPUs · {psutil.virtual_memory().total / 2**30:.1f} GiB · "
        f"Python {platform.python_version()}"
    )
    reps = args.replications or "scenario default"
    print(f"Baseline scenario, replications: {reps}; {args.steps} slider steps")
    timings = measure(args.steps, args.replications)
    median, worst = statistics.median(timings), max(timings)
    verdict = "meets" if median <= TARGET_SECONDS else "MISSES"
    print(
        f"slider change -> updated chart: median {median:.2f} s, worst {worst:.2f} s "
        f"(target {TARGET_SECONDS:.1f} s: {verdict})"
    )


if __name__ == "__main__":
    main()
