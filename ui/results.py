"""Running scenarios for the page: on the shared pool, cached, with a progress bar; lever-by-lever effects.

The runs a page needs are submitted (``PageRuns.want``) to the pool the server's sessions
share (``ui.pool``): the what-if first, split over the workers when they are free so it
comes back soonest, and the loaded scenario; once the KPI chart is drawn, each moved
lever's paired run (asked for earlier, they took cores from the chart's runs). The page
waits for them in the order it draws them (``PageRuns.get``), so the headline and the KPI
chart appear as soon as the what-if and the loaded scenario are in, and the lever bars
follow (the progress bar says "Working out which lever matters…" meanwhile). A page run that ends
or is interrupted (a new setting, Stop, a closed tab) lets go of its runs; runs nobody
waits for any more are cancelled, running batches included (``ui.pool``).

Results are cached with ``st.cache_data`` keyed on the scenario's YAML text, the
replications and the seed, shared by every session, so moving a slider back, switching tabs
or reopening a scenario costs nothing and a cached run is never submitted; the cache holds
at most ``MAX_CACHED_RUNS`` results. The results equal ``sim.run``'s for the same seed, bit
for bit (sim.runner splits the replications into batches without changing any draw).

"Which lever matters" runs one extra simulation per lever that moved, each from the same
base and with the same seed (exact common random numbers), so a bar is that lever's own
effect: the paired difference over the same replications, with its 95% interval
(``sim.paired_difference``). These runs use at most ``SENSITIVITY_REPLICATIONS``
replications (docs/reference/kpi.md gives the intervals that buys); the headline
figures always use the full setting.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable
from concurrent.futures import BrokenExecutor
from typing import Any

import pandas as pd
import streamlit as st

import sim
from sim import Result, Scenario, effects, runner
from ui import levers as lv
from ui import pool, stop

MAX_CACHED_RUNS = 64
SENSITIVITY_REPLICATIONS = effects.SENSITIVITY_REPLICATIONS
LEVER_LABEL = "Working out which lever matters…"
POLL_S = 0.1  # while waiting, the progress bar is updated (and Stop or a closed tab noticed) this often

Key = tuple[str, int, int]  # (scenario YAML, replications, seed)


class _NotCached(Exception):
    """Raised inside the cached function by ``PageRuns.want`` so a miss is submitted, not stored."""


@st.cache_data(max_entries=MAX_CACHED_RUNS, show_spinner=False)
def _simulate_cached(scenario_yaml: str, replications: int, seed: int, _produce: Callable[[], Result]) -> Result:
    return _produce()


class PageRuns:
    """The runs one page run needs, on the shared pool: ``want`` each (submits what is not
    cached), then ``get`` each in the order the page draws them. Use as a context manager:
    on leaving, the page run lets go of every run it still holds."""

    def __init__(self) -> None:
        self.shared = pool.shared()
        self.done: dict[Key, Result] = {}
        self.held: dict[Key, runner.PendingRun] = {}
        self.scenarios: dict[Key, Scenario] = {}
        self._yaml: dict[int, tuple[Scenario, str]] = {}  # by id(scenario): each scenario dumped once
        self.lever_plan: tuple[Scenario, list[tuple[lv.Lever, Scenario]]] | None = None

    def __enter__(self) -> PageRuns:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
        # Interrupted by a new setting: the next page run may want the same runs, so they get
        # a grace; stopped (a closed tab, Stop's st.stop) or failed: nobody will, cancel now.
        rerun = exc_type is not None and exc_type.__name__ == "RerunException"
        self.close(grace=pool.GRACE_S if rerun else 0.0)

    def close(self, grace: float = 0.0) -> None:
        """Let go of every run still held; those nobody else holds are cancelled after ``grace`` s."""
        held, self.held = self.held, {}
        for key, run in held.items():
            self.shared.let_go(key, run, grace)

    def key(self, scenario: Scenario, replications: int, seed: int) -> Key:
        known = self._yaml.get(id(scenario))
        if known is None or known[0] is not scenario:
            known = self._yaml[id(scenario)] = (scenario, sim.dump_scenario(scenario))
        return known[1], int(replications), int(seed)

    def want(self, scenario: Scenario, replications: int, seed: int) -> Key:
        """Ask for this run: taken from the cache if there, else submitted to the pool now."""
        key = self.key(scenario, replications, seed)
        self.scenarios[key] = scenario
        if key in self.done or key in self.held:
            return key

        def submit_only() -> Result:
            self._hold(key)
            raise _NotCached

        with contextlib.suppress(_NotCached):
            self.done[key] = _simulate_cached(*key, submit_only)
        return key

    def _hold(self, key: Key) -> runner.PendingRun:
        if key not in self.held:
            self.held[key] = self.shared.hold(key, self.scenarios[key], key[1], key[2])
        return self.held[key]

    def get(
        self, scenario: Scenario, replications: int, seed: int, progress_slot: Any = None, label: str = "Simulating…"
    ) -> Result:
        """The run's result, waiting for it if need be; a wait shows a progress bar in ``progress_slot``."""
        key = self.want(scenario, replications, seed)
        if key not in self.done:
            hook = _progress_hook(progress_slot, label)
            try:
                self.done[key] = _simulate_cached(*key, lambda: self._wait(key, hook))
            finally:
                if progress_slot is not None:
                    progress_slot.empty()
        return self.done[key]

    def _wait(self, key: Key, hook: Callable[[float], None] | None) -> Result:
        for attempt in range(2):
            run = self._hold(key)
            while not run.wait(POLL_S):
                if hook is not None:
                    hook(run.fraction())  # lets Streamlit stop this page run here
            try:
                return run.result()
            except BrokenExecutor:  # a worker died (killed, out of memory): a fresh pool, one more try
                if attempt:
                    raise
                self.held.pop(key, None)
                pool.shared.clear()
                self.shared = pool.shared()
        raise AssertionError("unreachable")


def _progress_hook(progress_slot: Any, label: str) -> Callable[[float], None] | None:
    if progress_slot is None:
        return None
    # The bar lives outside the cached function; updating it from a copy of the caller's
    # context keeps those updates out of the cache's element replay.
    outer = contextvars.copy_context()

    def hook(fraction: float) -> None:
        outer.run(stop.tick)
        outer.run(progress_slot.progress, min(1.0, max(0.0, fraction)), text=label)

    return hook


def simulate(
    scenario: Scenario, replications: int, seed: int, progress_slot: Any = None, label: str = "Simulating…"
) -> Result:
    """The scenario's result (cached); a miss runs on the shared pool and shows a progress bar in ``progress_slot``."""
    with PageRuns() as runs:
        return runs.get(scenario, replications, seed, progress_slot, label)


def clear_cache() -> None:
    _simulate_cached.clear()


with_loaded_levers = effects.with_loaded_levers
EFFECTS = effects.EFFECTS


def lever_runs(
    whatif: Scenario, loaded: Scenario, shown: dict[str, lv.WidgetValue], loaded_shown: dict[str, lv.WidgetValue]
) -> tuple[Scenario, list[tuple[lv.Lever, Scenario]]]:
    """The base (the what-if with the loaded levers) and, for each lever that moved, the base
    with that lever alone set as in the what-if (``sim.effects.lever_scenarios``)."""
    return effects.lever_scenarios(whatif, loaded, shown, loaded_shown)


def want_lever_runs(
    runs: PageRuns,
    whatif: Scenario,
    loaded: Scenario,
    shown: dict[str, lv.WidgetValue],
    loaded_shown: dict[str, lv.WidgetValue],
    replications: int,
    seed: int,
) -> None:
    """Submit the lever-effect runs (``lever_effects`` then collects them)."""
    reps = min(int(replications), SENSITIVITY_REPLICATIONS)
    runs.lever_plan = base, paired = lever_runs(whatif, loaded, shown, loaded_shown)
    for scenario in (base, *(sc for _, sc in paired)):
        runs.want(scenario, reps, seed)


def lever_effects(
    whatif: Scenario,
    loaded: Scenario,
    shown: dict[str, lv.WidgetValue],
    loaded_shown: dict[str, lv.WidgetValue],
    replications: int,
    seed: int,
    progress_slot: Any = None,
    runs: PageRuns | None = None,
) -> pd.DataFrame:
    """For each lever that moved: its effect on the KPI, that lever alone, with 95% intervals.

    The table is ``sim.effects.effect_table``'s (its docstring gives the columns).
    The runs go to the shared pool together (through ``runs``, the page's, when given);
    those not yet cached show progress in ``progress_slot``, whose updates also let
    Streamlit stop a stale page run as soon as the user moves another control.
    """
    if runs is None:
        with PageRuns() as own:
            return lever_effects(whatif, loaded, shown, loaded_shown, replications, seed, progress_slot, own)
    reps = min(int(replications), SENSITIVITY_REPLICATIONS)
    if runs.lever_plan is None:
        want_lever_runs(runs, whatif, loaded, shown, loaded_shown, replications, seed)
    base, paired = runs.lever_plan
    base_result = runs.get(base, reps, seed, progress_slot, LEVER_LABEL)
    paired_results = [(lever, runs.get(scenario, reps, seed, progress_slot, LEVER_LABEL)) for lever, scenario in paired]
    return effects.effect_table(base_result, paired_results, shown, loaded_shown)


def kpi_at(result: Result, day: int) -> float:
    return float(result.series["compliance_mean"].iloc[min(day, len(result.series) - 1)])
