"""Slider move to updated KPI chart in a real headless Chromium, and the CPU it costs (a benchmark, not a test).

Starts ``streamlit run app.py`` on a free loopback port with the default baseline scenario
(its own replications), opens it in Debian's Chromium through Playwright and times two
things, each step a setting not seen before (so every figure includes fresh simulations):

1. **One lever**: the "Devices under central update management" slider moved a step at a
   time with the keyboard. Measured from the key press to the KPI chart showing the new
   curve, and the CPU seconds the server and its pool's workers used in that time (the
   lever bars may still be computing then; their CPU is counted up to the chart only).
2. **Five levers already moved**: five other lever sliders are first moved by mouse (a
   click on each track, as a new user would), then the first slider is moved by mouse, a
   click at a new place on its track each time. Measured to the chart and to the page
   settling (every lever bar in).

It prints each figure, the medians beside the targets (``TARGETS``), and writes
benchmarks/results/app_latency.json with the date, machine and load average.

    python -m benchmarks.app_latency [--steps 10] [--replications N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import psutil
from playwright.sync_api import sync_playwright

from benchmarks.load_test import git
from tests.app_helpers import (
    ROOT,
    kpi_signature,
    launch_chromium,
    served_app,
    slider_input,
    wait_for_app,
    wait_for_kpi_change,
    wait_until_idle,
)

RESULTS = ROOT / "benchmarks" / "results" / "app_latency.json"
TARGETS = {"one_lever_chart_s": 0.6, "five_levers_chart_s": 1.0, "cpu_s_per_move": 0.5}
SLIDER = "Devices under central update management"
OTHER_SLIDERS = (  # moved by mouse before the five-lever measurements; all change the baseline's KPI
    "Staff trained",
    "How clear the update policy is",
    "Approval delay under the policy, days",
    "Hours of update work per technician per day",
    "Days between security audits (0 = none)",
)
SETTLE_MS = 300  # after the page settles, before the next move (the last deltas land)


def server_tree(url: str) -> psutil.Process:
    port = url.rsplit(":", 1)[1]
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "streamlit" in " ".join(child.cmdline()) and port in child.cmdline():
                return child
    raise RuntimeError(f"no streamlit process for {url}")


def cpu_seconds(server: psutil.Process) -> float:
    """CPU time of the server and every process it started (the pool's workers)."""
    total = 0.0
    for process in [server, *server.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += sum(process.cpu_times()[:2])
    return total


def click_track(page: Any, label: str, fraction: float) -> None:
    """Click the slider's track at ``fraction`` of its width, with the mouse (scrolled into view first)."""
    track = page.locator(f'[data-testid="stSlider"] [role="group"][aria-label="{label}"] > div').first
    track.scroll_into_view_if_needed()
    box = track.bounding_box()
    page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)


def timed(page: Any, server: psutil.Process, move: Any) -> tuple[float, float, float]:
    """Seconds to the chart, CPU seconds to the chart, seconds to the page settling, for one ``move()``."""
    wait_until_idle(page)
    page.wait_for_timeout(SETTLE_MS)
    before = kpi_signature(page)
    cpu0 = cpu_seconds(server)
    start = time.perf_counter()
    move()
    wait_for_kpi_change(page, before)
    chart = time.perf_counter() - start
    cpu = cpu_seconds(server) - cpu0
    wait_until_idle(page)
    return chart, cpu, time.perf_counter() - start


def figures(chart: float, cpu: float, settled: float) -> str:
    return f"chart {chart:.2f} s, {cpu:.2f} CPU-s, settled {settled:.2f} s"


def measure(steps: int, replications: int | None, log: Any = print) -> dict[str, list[float]]:
    query = f"/?replications={replications}" if replications else "/"
    out: dict[str, list[float]] = {
        k: [] for k in ("one_chart", "one_cpu", "one_settled", "five_chart", "five_cpu", "five_settled")
    }
    with served_app() as url, sync_playwright() as playwright:
        server = server_tree(url)
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url + query)
            wait_for_app(page)
            slider = slider_input(page, SLIDER)
            for _ in range(steps):

                def press() -> None:
                    slider.focus()
                    page.keyboard.press("ArrowRight")

                chart, cpu, settled = timed(page, server, press)
                for name, value in (("one_chart", chart), ("one_cpu", cpu), ("one_settled", settled)):
                    out[name].append(value)
                log(f"  one lever at {slider.input_value():>3}: {figures(chart, cpu, settled)}")
            for i, label in enumerate(OTHER_SLIDERS):
                timed(page, server, lambda label=label, i=i: click_track(page, label, 0.65 + 0.05 * i))
            log(f"  moved by mouse: {', '.join(f'{s} = {slider_input(page, s).input_value()}' for s in OTHER_SLIDERS)}")
            for step in range(steps):
                fraction = 0.9 - 0.6 * step / max(1, steps - 1)  # a new place each time
                chart, cpu, settled = timed(page, server, lambda f=fraction: click_track(page, SLIDER, f))
                for name, value in (("five_chart", chart), ("five_cpu", cpu), ("five_settled", settled)):
                    out[name].append(value)
                log(f"  five levers moved, first at {slider.input_value():>3}: {figures(chart, cpu, settled)}")
        finally:
            browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="moves timed in each part")
    parser.add_argument("--replications", type=int, default=None, help="override the scenario's replications")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON report")
    args = parser.parse_args()
    load_before = os.getloadavg()
    machine = (
        f"{platform.node()} · {platform.processor() or platform.machine()} · "
        f"{psutil.cpu_count(logical=True)} logical CPUs"
        f" · {psutil.virtual_memory().total / 2**30:.1f} GiB · Python {platform.python_version()}"
    )
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} · {machine} · load average {load_before[0]:.2f}")
    print(f"Baseline scenario, replications: {args.replications or 'scenario default'}; {args.steps} moves per part")
    timings = measure(args.steps, args.replications)
    median = {k: statistics.median(v) for k, v in timings.items()}
    rows = [
        ("one lever: slider -> chart, median", median["one_chart"], TARGETS["one_lever_chart_s"], "s"),
        ("one lever: CPU-s per move to the chart, median", median["one_cpu"], TARGETS["cpu_s_per_move"], "CPU-s"),
        ("one lever: slider -> page settled, median", median["one_settled"], None, "s"),
        ("five levers moved: slider -> chart, median", median["five_chart"], TARGETS["five_levers_chart_s"], "s"),
        (
            "five levers moved: CPU-s per move to the chart, median",
            median["five_cpu"],
            TARGETS["cpu_s_per_move"],
            "CPU-s",
        ),
        ("five levers moved: slider -> page settled, median", median["five_settled"], None, "s"),
    ]
    for name, value, target, unit in rows:
        verdict = "" if target is None else f"target ≤ {target} {unit}: {'meets' if value <= target else 'MISSES'}"
        print(f"{name:<56} {value:6.2f} {unit:<6} {verdict}")
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after}")
    report = {
        "date_utc": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "machine": machine,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "replications": args.replications or "scenario default",
        "targets": TARGETS,
        "medians": {k: round(v, 3) for k, v in median.items()},
        "measurements": {k: [round(x, 3) for x in v] for k, v in timings.items()},
    }
    path = os.path.abspath(args.output)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(json.dumps(report, indent=2) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
