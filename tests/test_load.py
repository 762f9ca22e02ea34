"""Load: 20 browser sessions move sliders at once for half a minute; no errors, every session answered, memory bounded.

Runs ``benchmarks.load_test.run_load_test`` (the real app under ``streamlit run`` on a
loopback port, 20 tabs in Debian's headless Chromium) and checks what it saw. There are
no timing assertions: on a shared 2-core machine an answer takes tens of seconds under
this load, so a session may make only one or two moves; it must get an answer to them.
The suite moves sliders for 30 s (opening 20 pages takes longer than that); the load
benchmark (``python -m benchmarks.load_test``) keeps the full minute and its timings.

The memory bounds, stated from measured sizes rather than guessed:

- the result cache holds at most ``MAX_CACHED_RUNS`` results, each no bigger than the
  baseline's pickled result at its own replications (+25% for other scenarios' tables);
- the server's peak RSS stays below its RSS with every session open, plus a full cache,
  plus one run in flight per session (each run's peak allocation is measured with
  tracemalloc), plus 100 MB of allocator slack (``benchmarks.load_test`` computes it).

An earlier check also compared the peak of the minute's last third with its middle third
(at most 250 MB higher). It failed once in CI (871 against 608 MB) on a run that ended at
280 MB, below the RSS with the sessions open: those peaks are set by how many runs happen
to overlap, not by anything retained, so the check is gone; the thirds are still reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import CHROMIUM

from benchmarks.hostile_links import BUSY_CORES, IDLE_CORES, run_hostile_links
from benchmarks.load_test import max_cached_runs, run_load_test

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

SESSIONS = 20
SECONDS = 30  # the benchmark's minute, halved to keep the suite quick


def test_twenty_sessions_moving_sliders_at_once():
    """No page shows an error, every session's moves are answered, the cache and the server's memory stay bounded."""
    assert Path(CHROMIUM).exists(), "Debian's chromium package is required (.ci/run installs it)"
    result = run_load_test(sessions=SESSIONS, seconds=SECONDS, log=lambda _: None)
    sessions = result["sessions"]

    assert len(sessions) == SESSIONS
    assert {s["session"]: s["errors"] for s in sessions if s["errors"]} == {}
    for s in sessions:
        assert s["moves"] >= 1, s
        assert s["reruns_completed"] >= 2, s  # the page's first run and at least one answered move

    memory = {k: v for k, v in result["memory_mb"].items() if k != "samples"}
    cache = result["result_cache"]
    assert cache["misses"] is not None, result["result_cache"]["metric_errors"]
    assert cache["peak_mb"] <= max_cached_runs() * memory["result_entry_mb"] * 1.25, cache

    expected = memory["after_sessions_opened"] + max_cached_runs() * memory["result_entry_mb"]
    expected += SESSIONS * memory["run_peak_mb"] + 100
    assert memory["bound"] == pytest.approx(expected, abs=0.1), memory
    assert memory["peak"] <= memory["bound"], memory
    assert memory["bounded"], memory


def test_tabs_closed_on_a_lever_maxima_link_leave_the_server_idle():
    """Six tabs on a link with every lever at its most expensive simulate (the server busy),
    show no exception, and once closed leave the server idle within a second. The CPU is the
    server's with its pool's worker processes (``ServerSampler.tree``): cancelled runs must
    stop in the workers too, not only the page runs waiting for them."""
    result = run_hostile_links(tabs=6, log=lambda _: None)

    assert result["exceptions_shown"] == 0, result
    assert result["server_alive"], result
    assert result["server_cores_while_open"] >= BUSY_CORES, result
    assert result["server_cores_after_close"] < IDLE_CORES, result
    # the request was cut to what the work bound admits, and the page says so
    assert any("is more than one request may compute" in notice for notice in result["notices"]), result["notices"]
