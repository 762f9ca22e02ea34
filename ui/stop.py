"""Stopping a long simulation from the page, and dropping one nobody waits for.

A run expected to be long (a large fleet, many runs or a long horizon) shows a "Stop the
simulation" button beside its progress bar from the start; any other run shows it as soon
as it has taken ``STOP_AFTER_SECONDS`` (the button is drawn from the progress updates, so
a run slow for a reason no estimate foresaw can be stopped too). Pressing it asks
Streamlit for a new script run, which interrupts the simulation at its next progress
update; the callback first records which settings were stopped, so the new run shows a
notice instead of starting the same work again. Changing any setting, or pressing
"Run it", simulates again.

When the browser tab goes (its websocket closes), Streamlit asks the session's script run
to stop; like Stop, that takes effect at the run's next progress update. So every long loop
reports progress often (the engine every 16 simulated days, in well under a second), and a
closed tab frees its core at once (tests/test_e2e_browser.py measures it).
"""

from __future__ import annotations

import contextvars
import hashlib
import time
from typing import Any

import streamlit as st

import sim
from sim import Scenario

STOPPED = "stopped_run"  # session key: the run (settings fingerprint) the user stopped
STOP_KEY = "stop_run"
RESUME_KEY = "resume_run"
# About 2 s of simulating on a 2-core machine; shorter runs finish before a click would land.
LONG_RUN_DEVICE_DAYS = 150_000_000
# Any run still going after this long gets the Stop button.
STOP_AFTER_SECONDS = 1.0


def run_id(scenario: Scenario, replications: int, seed: int) -> str:
    """A fingerprint of what one page run simulates."""
    text = f"{sim.dump_scenario(scenario)}\n{replications}\n{seed}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_long(scenario: Scenario, replications: int) -> bool:
    days = scenario.simulation.horizon_days + 1
    return scenario.fleet.device_count * replications * days >= LONG_RUN_DEVICE_DAYS


def was_stopped(run: str) -> bool:
    return st.session_state.get(STOPPED) == run


def _stop(run: str) -> None:
    st.session_state[STOPPED] = run


def _resume() -> None:
    st.session_state.pop(STOPPED, None)


def stop_button(slot: Any, run: str) -> None:
    """The Stop button, drawn in ``slot`` (empty the slot when the run is done)."""
    slot.button(
        "Stop the simulation",
        key=STOP_KEY,
        on_click=_stop,
        args=(run,),
        help="Stop this run; change a setting or press 'Run it' to simulate again.",
    )


def stopped_notice() -> None:
    st.info(
        "The simulation was stopped before it finished, so there are no figures for these settings. "
        "Lower *Simulated runs averaged* (Simulation settings) or the fleet size for a quicker run, "
        "change any setting, or run it as it is."
    )
    st.button("Run it", key=RESUME_KEY, on_click=_resume)


class Watch:
    """What one script run's progress updates check (``tick``): the time, to offer Stop once
    the run is slow."""

    def __init__(self, slot: Any, run: str, *, shown: bool) -> None:
        self.slot, self.run, self.shown = slot, run, shown
        self.started = time.monotonic()

    def tick(self) -> None:
        if self.slot is not None and not self.shown and time.monotonic() - self.started >= STOP_AFTER_SECONDS:
            self.shown = True
            stop_button(self.slot, self.run)

    def done(self) -> None:
        """The page's runs are over: no Stop button any more."""
        self.slot = None


_current: contextvars.ContextVar[Watch | None] = contextvars.ContextVar("stop_watch", default=None)


def watch(slot: Any, run: str, *, shown: bool) -> Watch:
    """Start watching this script run's simulations; ``shown``: the Stop button is already drawn."""
    w = Watch(slot, run, shown=shown)
    _current.set(w)
    return w


def tick() -> None:
    """Called at every progress update of a simulation (ui.results)."""
    w = _current.get()
    if w is not None:
        w.tick()
