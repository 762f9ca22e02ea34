"""Stopping a long simulation from the page.

A long run (a large fleet, many runs or a long horizon) shows a "Stop the simulation"
button beside its progress bar. Pressing it asks Streamlit for a new script run, which
interrupts the simulation at its next progress update; the callback first records which
settings were stopped, so the new run shows a notice instead of starting the same work
again. Changing any setting, or pressing "Run it", simulates again.
"""

from __future__ import annotations

import hashlib
from typing import Any

import streamlit as st

import sim
from sim import Scenario

STOPPED = "stopped_run"  # session key: the run (settings fingerprint) the user stopped
STOP_KEY = "stop_run"
RESUME_KEY = "resume_run"
# About 2 s of simulating on a 2-core machine; shorter runs finish before a click would land.
LONG_RUN_DEVICE_DAYS = 150_000_000


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
