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
3. **Five levers dragged** (``drag``): in a fresh page, five levers moved one after another
   as a user drags with the mouse (press on the slider's handle, move, release), each timed
   from the release to the updated chart and to the page settled, with its CPU seconds.
4. **First load** (``first-load``): the page opened ``--visits`` times, each in a fresh
   browser context (no cached scripts or styles), timed from the navigation to the first KPI
   chart drawn and to the page settled (the most effective levers shown, nothing running).
   The first visit finds a server that has simulated nothing yet; the later ones find the
   results cached, as a second visitor does (the figure the first-chart target is for).

It prints each figure, the medians beside the targets (``TARGETS``), and writes
benchmarks/results/app_latency.json with the date, machine and load average.

    python -m benchmarks.app_latency [--parts moves,drag,first-load] [--steps 10] [--visits 6] [--replications N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import psutil

from benchmarks.machine import description, stamp
from tests.app_helpers import (
    KPI_SIGNATURE_JS,
    ROOT,
    app_in_chromium,
    kpi_signature,
    slider_input,
    wait_for_app,
    wait_for_kpi_change,
    wait_until_idle,
)

RESULTS = ROOT / "benchmarks" / "results" / "app_latency.json"
TARGETS = {"one_lever_chart_s": 0.6, "five_levers_chart_s": 1.0, "cpu_s_per_move": 0.5, "first_chart_s": 3.0}
PARTS = ("moves", "drag", "first-load")
SLIDER = "Devices under central update management"
OTHER_SLIDERS = (  # moved by mouse before the five-lever measurements; all change the baseline's KPI
    "Staff trained",
    "How clear the update policy is",
    "Approval delay under the policy, days",
    "Hours of update work per technician per day",
    "Training starts on day",  # after "Staff trained": with nobody trained it changes nothing
)
DRAGGED = (  # (slider label, share of the track to drag the handle to): five different levers
    ("Devices under central update management", 0.6),
    ("Hours of update work per technician per day", 0.8),
    ("Staff trained", 0.7),
    ("How clear the update policy is", 0.9),
    ("Devices whose running version the console checks", 0.8),
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


def visible_track(page: Any, label: str) -> Any:
    """The slider's track, "All other levers" opened first when the lever is not among the
    first shown, scrolled into view."""
    track = page.locator(f'[data-testid="stSlider"] [role="group"][aria-label="{label}"] > div').first
    if not track.is_visible():
        page.get_by_text("All other levers").first.click()
        track.wait_for(state="visible")
    track.scroll_into_view_if_needed()
    box = None
    while box != (box := track.bounding_box()):  # the expander opens with an animation
        page.wait_for_timeout(100)
    return track


def moved(page: Any, value: Any, before: str) -> bool:
    """Whether the slider input ``value`` leaves ``before`` within 2 s."""
    try:
        page.wait_for_function("([e, v]) => e.value !== v", arg=[value.element_handle(), before], timeout=2000)
    except Exception:  # Playwright's timeout
        return False
    return True


def click_track(page: Any, label: str, fraction: float) -> None:
    """Click the slider's track at ``fraction`` of its width, with the mouse; clicked again
    if the slider did not move (a click that lands while the sidebar is being redrawn)."""
    value = slider_input(page, label)
    before = value.input_value()
    for _ in range(3):
        track = visible_track(page, label)
        box = track.bounding_box()
        page.mouse.click(box["x"] + fraction * box["width"], box["y"] + box["height"] / 2)
        if moved(page, value, before):
            return
    raise RuntimeError(f"the slider {label!r} did not move when its track was clicked")


def timed(page: Any, server: psutil.Process, move: Any) -> tuple[float, float, float]:
    """Seconds to the chart, CPU seconds to the chart, seconds to the page settling, for one ``move()``."""
    wait_until_idle(page)
    page.wait_for_timeout(SETTLE_MS)
    before = kpi_signature(page)
    cpu0 = cpu_seconds(server)
    start = time.perf_counter()
    move()
    try:
        wait_for_kpi_change(page, before)
    except Exception:
        page.screenshot(path=str(ROOT / "artifacts" / "app-latency-timeout.png"))  # what the page showed
        raise
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
    with app_in_chromium() as (url, browser):
        server = server_tree(url)
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
            log(f"  moved by mouse: {label} = {slider_input(page, label).input_value()}")
        for step in range(steps):
            fraction = 0.9 - 0.6 * step / max(1, steps - 1)  # a new place each time
            chart, cpu, settled = timed(page, server, lambda f=fraction: click_track(page, SLIDER, f))
            for name, value in (("five_chart", chart), ("five_cpu", cpu), ("five_settled", settled)):
                out[name].append(value)
            log(f"  five levers moved, first at {slider.input_value():>3}: {figures(chart, cpu, settled)}")
    return out


def drag(page: Any, label: str, share: float) -> None:
    """Press the slider's handle, move it to ``share`` of the track, release (the lever is
    looked for in "All other levers" when it is not among the first shown); done again if
    the slider did not move (a press that lands while the sidebar is being redrawn)."""
    value = slider_input(page, label)
    before = value.input_value()
    for _ in range(3):
        track = visible_track(page, label)
        box = track.bounding_box()
        low, high, now = (float(value.get_attribute(a) or 0) for a in ("min", "max", "value"))
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] * (now - low) / ((high - low) or 1), y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * share, y, steps=8)
        page.mouse.up()
        if moved(page, value, before):
            return
    raise RuntimeError(f"the slider {label!r} did not move when dragged")


def drag_session(replications: int | None, log: Any = print) -> dict[str, list[float]]:
    """Five levers dragged one after another in a fresh page ("All other levers" opened)."""
    query = f"/?replications={replications}" if replications else "/"
    out: dict[str, list[float]] = {"drag_chart": [], "drag_cpu": [], "drag_settled": []}
    with app_in_chromium() as (url, browser):
        server = server_tree(url)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(url + query)
        page.get_by_text("Try:").first.wait_for(timeout=300_000)
        wait_until_idle(page, 300_000)
        for label, share in DRAGGED:
            chart, cpu, settled = timed(page, server, lambda label=label, share=share: drag(page, label, share))
            for name, value in (("drag_chart", chart), ("drag_cpu", cpu), ("drag_settled", settled)):
                out[name].append(value)
            log(f"  dragged {label}: {figures(chart, cpu, settled)}")
    return out


def first_loads(visits: int, replications: int | None, log: Any = print) -> dict[str, list[float]]:
    """First chart and page settled, in seconds, for each visit in a fresh browser context;
    the first visit on a server that has simulated nothing yet."""
    query = f"/?replications={replications}" if replications else "/"
    out: dict[str, list[float]] = {"first_chart_empty_cache": [], "first_settled_empty_cache": []}
    out |= {"first_chart": [], "first_settled": []}
    with app_in_chromium() as (url, browser):
        for visit in range(visits):
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            page = context.new_page()
            start = time.perf_counter()
            page.goto(url + query)
            page.wait_for_function(f"() => ({KPI_SIGNATURE_JS})() !== null", timeout=300_000)
            chart = time.perf_counter() - start
            page.get_by_text("Try:").first.wait_for(timeout=300_000)
            wait_until_idle(page, 300_000)
            settled = time.perf_counter() - start
            suffix = "_empty_cache" if visit == 0 else ""
            out["first_chart" + suffix].append(chart)
            out["first_settled" + suffix].append(settled)
            kind = "server cache empty" if visit == 0 else "results cached"
            log(f"  visit {visit + 1} ({kind}): first chart {chart:.2f} s, settled {settled:.2f} s")
            context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"which parts, comma-separated: {', '.join(PARTS)}")
    parser.add_argument("--steps", type=int, default=10, help="moves timed in each of the two 'moves' parts")
    parser.add_argument("--visits", type=int, default=6, help="first loads, each in a fresh browser context")
    parser.add_argument("--replications", type=int, default=None, help="override the scenario's replications")
    parser.add_argument("--output", default=str(RESULTS), help="where to write the JSON report")
    args = parser.parse_args()
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        parser.error(f"--parts: unknown part(s) {', '.join(unknown)}; choose from {', '.join(PARTS)}")
    load_before = os.getloadavg()
    machine = description(memory=True)
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M UTC} · {machine} · load average {load_before[0]:.2f}")
    print(f"Baseline scenario, replications: {args.replications or 'scenario default'}; parts: {', '.join(parts)}")
    timings: dict[str, list[float]] = {}
    if "moves" in parts:
        timings |= measure(args.steps, args.replications)
    if "drag" in parts:
        timings |= drag_session(args.replications)
    if "first-load" in parts:
        timings |= first_loads(max(2, args.visits), args.replications)
    median = {k: statistics.median(v) for k, v in timings.items() if v}
    rows = [  # (key, what, target, unit)
        ("one_chart", "one lever: slider -> chart", "one_lever_chart_s", "s"),
        ("one_cpu", "one lever: CPU-s per move to the chart", "cpu_s_per_move", "CPU-s"),
        ("one_settled", "one lever: slider -> page settled", None, "s"),
        ("five_chart", "five levers moved: slider -> chart", "five_levers_chart_s", "s"),
        ("five_cpu", "five levers moved: CPU-s per move to the chart", "cpu_s_per_move", "CPU-s"),
        ("five_settled", "five levers moved: slider -> page settled", None, "s"),
        ("drag_chart", "five levers dragged: release -> chart", "five_levers_chart_s", "s"),
        ("drag_cpu", "five levers dragged: CPU-s per drag to the chart", "cpu_s_per_move", "CPU-s"),
        ("drag_settled", "five levers dragged: release -> page settled", None, "s"),
        ("first_chart", "first load, results cached: first chart", "first_chart_s", "s"),
        ("first_settled", "first load, results cached: page settled", None, "s"),
        ("first_chart_empty_cache", "first load, server cache empty: first chart", None, "s"),
        ("first_settled_empty_cache", "first load, server cache empty: page settled", None, "s"),
    ]
    for key, what, target_key, unit in rows:
        if key not in median:
            continue
        value, target = median[key], TARGETS.get(target_key or "")
        verdict = "" if target is None else f"target ≤ {target} {unit}: {'meets' if value <= target else 'MISSES'}"
        print(f"{what + ', median':<58} {value:6.2f} {unit:<6} {verdict}")
    load_after = os.getloadavg()
    print(f"load average before {load_before}, after {load_after}")
    report = stamp(machine, load_before, load_after) | {
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
