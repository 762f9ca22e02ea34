"""Hostile links: tabs opened on a link with every lever at its most expensive, then closed.

A shared app must not be held by whoever sends a link. This opens ``--tabs`` tabs at once
(headless Debian Chromium, one per Streamlit session) on the baseline with every lever at
the most expensive value a link may set (``MAX_LINK``: 10,000 technicians working 24 hours,
daily audits of every device, daily refreshers, every device enrolled, ten retries, the
most replications allowed; each tab a different seed, so the result cache cannot share
them), waits until every tab is simulating, measures the server's CPU while they run, closes
every tab, and measures the server's CPU again from ``SETTLE_S`` after the close. "The
server" is the Streamlit process with every process it started: the simulations run in the
shared pool's worker processes (ui/pool.py), so their CPU and memory count too. The server
is *back to idle* when it then uses under ``IDLE_CORES`` of a core; its peak memory (RSS) is
sampled every second throughout.

    python -m benchmarks.hostile_links [--tabs 6] [--port N]

It prints the figures beside the targets and writes benchmarks/results/hostile_links.json;
``run_hostile_links`` returns the same report (tests/test_load.py uses it).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
from playwright.sync_api import sync_playwright

from benchmarks.load_test import ServerSampler, cpu_seconds, server_pid, serving, write_report
from benchmarks.machine import git, now_utc
from tests.app_helpers import ROOT, launch_chromium

RESULTS = ROOT / "benchmarks" / "results" / "hostile_links.json"
MAX_LINK = {  # the most expensive value a link may give each lever (the schema's bounds)
    "enrolled_share": "100",
    "onboarding_days": "0",
    "checkin_hours": "1",
    "retries": "10",
    "audit_interval_days": "1",
    "audit_coverage": "100",
    "audit_detection": "100",
    "reporting_enabled": "1",
    "report_rate": "100",
    "training_coverage": "100",
    "refresher_interval_days": "1",
    "prioritize_critical": "1",
    "technicians": "10000",
    "technician_hours": "24",
    "replications": "1000",
}
MEASURE_S = 3.0  # CPU is measured over this long, while the tabs run and after they close
SETTLE_S = 1.0  # the close is given this long to reach the server (a progress update)
IDLE_CORES = 0.15  # target: the server uses less than this share of a core once the tabs are closed
BUSY_CORES = 0.8  # sanity check: while the tabs run, the server uses at least this much
OPEN_TIMEOUT_MS = 120_000


def max_link(seed: int) -> str:
    return "/?" + "&".join(f"{k}={v}" for k, v in {**MAX_LINK, "seed": str(seed)}.items())


def run_hostile_links(tabs: int = 6, port: int | None = None, log: Any = print) -> dict[str, Any]:
    """Open ``tabs`` tabs on the lever-maxima link, close them mid-run, and report the server's CPU."""
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="hostile-links-") as tmp:
        folder = Path(tmp) / "scenarios"
        shutil.copytree(ROOT / "scenarios", folder)
        with serving(port, {"IOT_SIM_SCENARIOS_DIR": str(folder)}) as url, sync_playwright() as playwright:
            server = psutil.Process(server_pid(url))
            sampler = ServerSampler(url, server.pid)
            sampler.start()
            browser = launch_chromium(playwright)
            try:

                def cpu() -> float:
                    return cpu_seconds(sampler.tree())

                idle_before = cpu()
                time.sleep(MEASURE_S)
                idle_before = (cpu() - idle_before) / MEASURE_S
                log(f"server on {url}; opening {tabs} tabs on the lever-maxima link")
                pages = [browser.new_page(viewport={"width": 1440, "height": 1100}) for _ in range(tabs)]
                opened = time.monotonic()
                for i, page in enumerate(pages):
                    page.goto(url + max_link(seed=i + 1), wait_until="commit")
                for page in pages:
                    page.get_by_text("Simulating").first.wait_for(timeout=OPEN_TIMEOUT_MS)
                all_simulating_s = time.monotonic() - opened
                notices = [page.locator('[data-testid="stAlert"]').all_inner_texts() for page in pages]
                exceptions = sum(page.locator('[data-testid="stException"]').count() for page in pages)
                start = cpu()
                time.sleep(MEASURE_S)
                busy = (cpu() - start) / MEASURE_S
                rss_open = server.memory_info().rss / 2**20
                for page in pages:
                    page.close()
                time.sleep(SETTLE_S)
                start = cpu()
                time.sleep(MEASURE_S)
                after = (cpu() - start) / MEASURE_S
                alive = server.is_running()
            finally:
                browser.close()
                sampler.stop()
    peak = max((mb for _, mb in sampler.samples), default=None)
    return {
        "date": now_utc(),
        "machine": f"{platform.processor() or platform.machine()}, {psutil.cpu_count()} cores",
        "source": {"commit": git("rev-parse", "--short", "HEAD")},
        "load_average_before": [round(x, 2) for x in load_before],
        "tabs": tabs,
        "link": max_link(seed=1),
        "server_cores_idle_before": round(idle_before, 3),
        "seconds_until_every_tab_simulates": round(all_simulating_s, 1),
        "server_cores_while_open": round(busy, 2),
        "server_cores_after_close": round(after, 3),
        "seconds_from_close_to_measure": round(SETTLE_S, 1),
        "server_rss_mb_with_tabs_open": round(rss_open, 1),
        "server_rss_mb_peak": None if peak is None else round(peak, 1),
        "server_alive": alive,
        "exceptions_shown": exceptions,
        "notices": notices[0] if notices else [],
        "targets": {"idle_cores_after_close": IDLE_CORES, "busy_cores_while_open": BUSY_CORES},
    }


def table(result: dict[str, Any]) -> str:
    rows = [
        ("tabs on the lever-maxima link", f"{result['tabs']}", ""),
        ("server CPU before, cores", f"{result['server_cores_idle_before']:.3f}", ""),
        ("server CPU while the tabs run, cores", f"{result['server_cores_while_open']:.2f}", f"≥ {BUSY_CORES} (busy)"),
        (
            f"server CPU {SETTLE_S:g}-{SETTLE_S + MEASURE_S:g} s after closing, cores",
            f"{result['server_cores_after_close']:.3f}",
            f"< {IDLE_CORES} (idle)",
        ),
        ("server memory with the tabs open, MiB", f"{result['server_rss_mb_with_tabs_open']:.0f}", ""),
        ("server memory peak, MiB", f"{result['server_rss_mb_peak']}", ""),
        ("pages showing an exception", f"{result['exceptions_shown']}", "0"),
    ]
    width = max(len(r[0]) for r in rows)
    return "\n".join(f"{name:<{width}}  {value:>10}  {target}" for name, value, target in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tabs", type=int, default=6, help="tabs opened at once on the link")
    parser.add_argument("--port", type=int, default=None, help="loopback port for the app (default: a free one)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON report")
    args = parser.parse_args()
    result = run_hostile_links(args.tabs, args.port)
    write_report(result, table(result), args.output)


if __name__ == "__main__":
    main()
