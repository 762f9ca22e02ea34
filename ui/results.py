"""Running scenarios for the page: cached results, a progress bar, lever-by-lever effects.

Results are cached with ``st.cache_data`` keyed on the scenario's YAML text, the
replications and the seed, so moving a slider back, switching tabs or reopening a
scenario costs nothing; the cache holds at most ``MAX_CACHED_RUNS`` results.

"Which lever matters" runs one extra simulation per lever that moved, each from the same
base and with the same seed (exact common random numbers), so a bar is that lever's own
effect: the paired difference over the same replications, with its 95% interval
(``sim.paired_difference``; the computation is ``sim.effects``, shared with the
board report). These runs use at most ``SENSITIVITY_REPLICATIONS``
replications (docs/reference/kpi.md gives the intervals that buys); the headline
figures always use the full setting.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

import sim
from sim import Result, Scenario, effects
from ui import levers as lv
from ui import stop

MAX_CACHED_RUNS = 64
SENSITIVITY_REPLICATIONS = effects.SENSITIVITY_REPLICATIONS
LEVER_LABEL = "Working out which lever matters…"
_progress_hook: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar(
    "progress_hook", default=None
)


@st.cache_data(max_entries=MAX_CACHED_RUNS, show_spinner=False)
def _simulate_cached(scenario_yaml: str, replications: int, seed: int) -> Result:
    hook = _progress_hook.get()
    return sim.run(sim.load_scenario(scenario_yaml), replications=replications, seed=seed, progress=hook)


def simulate(
    scenario: Scenario, replications: int, seed: int, progress_slot: Any = None, label: str = "Simulating…"
) -> Result:
    """The scenario's result (cached); a miss shows a progress bar in ``progress_slot``."""
    hook = None
    if progress_slot is not None:
        # The bar lives outside the cached function; updating it from a copy of the
        # caller's context keeps those updates out of the cache's element replay.
        outer = contextvars.copy_context()

        def hook(fraction: float) -> None:
            outer.run(stop.tick)
            outer.run(progress_slot.progress, min(1.0, max(0.0, fraction)), text=label)

    token = _progress_hook.set(hook)
    try:
        return _simulate_cached(sim.dump_scenario(scenario), int(replications), int(seed))
    finally:
        _progress_hook.reset(token)
        if progress_slot is not None:
            progress_slot.empty()


def clear_cache() -> None:
    _simulate_cached.clear()


with_loaded_levers = effects.with_loaded_levers
EFFECTS = effects.EFFECTS


def lever_effects(
    whatif: Scenario,
    loaded: Scenario,
    shown: dict[str, lv.WidgetValue],
    loaded_shown: dict[str, lv.WidgetValue],
    replications: int,
    seed: int,
    progress_slot: Any = None,
) -> pd.DataFrame:
    """For each lever that moved: its effect on the KPI, that lever alone, with 95% intervals
    (``sim.effects.lever_effects``, whose docstring gives the columns), every run through
    the cache. Runs not yet cached show progress in ``progress_slot``; its updates also let
    Streamlit stop a stale run as soon as the user moves another control.
    """
    return effects.lever_effects(
        whatif,
        loaded,
        replications,
        seed,
        shown=shown,
        loaded_shown=loaded_shown,
        simulate=lambda scenario, reps, s: simulate(scenario, reps, s, progress_slot, LEVER_LABEL),
    )


def kpi_at(result: Result, day: int) -> float:
    return float(result.series["compliance_mean"].iloc[min(day, len(result.series) - 1)])
