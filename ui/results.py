"""Running scenarios for the page: cached results, a progress bar, lever-by-lever effects.

Results are cached with ``st.cache_data`` keyed on the scenario's YAML text, the
replications and the seed, so moving a slider back, switching tabs or reopening a
scenario costs nothing; the cache holds at most ``MAX_CACHED_RUNS`` results.

"Which lever matters" runs one extra simulation per lever that moved, each from the same
base and with the same seed (exact common random numbers), so a bar is that lever's own
effect: the paired difference over the same replications, with its 95% interval
(``sim.paired_difference``). These runs use at most ``SENSITIVITY_REPLICATIONS``
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
from sim import Result, Scenario, scenario_from_data
from ui import levers as lv
from ui import stop

MAX_CACHED_RUNS = 64
SENSITIVITY_REPLICATIONS = 30
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


def with_loaded_levers(whatif: Scenario, loaded: Scenario) -> Scenario:
    """The what-if's assumptions with every lever set back to the loaded scenario's."""
    data = whatif.model_dump(mode="json")
    data["levers"] = loaded.levers.model_dump(mode="json")
    return scenario_from_data(data)


EFFECTS = (  # (column, what it measures) of the lever-effect table, each with _low and _high
    ("average", "the KPI averaged over the horizon"),
    ("at_6_months", "the KPI on day 182 (or the horizon, if sooner)"),
    ("at_horizon", "the KPI on the last day"),
)


def lever_effects(
    whatif: Scenario,
    loaded: Scenario,
    shown: dict[str, lv.WidgetValue],
    loaded_shown: dict[str, lv.WidgetValue],
    replications: int,
    seed: int,
    progress_slot: Any = None,
) -> pd.DataFrame:
    """For each lever that moved: its effect on the KPI, that lever alone, with 95% intervals.

    Columns: lever, group, setting (e.g. '0% → 80%'), then for each of ``EFFECTS``
    (average, at_6_months, at_horizon) the paired mean change and its ``_low`` and
    ``_high`` ends (shares, so 0.05 is five percentage points), ``clear`` (the interval
    of the average leaves out zero), ``replications`` and cost_change (programme cost over
    the horizon, dollars). Sorted by the size of the average change.
    Runs not yet cached show progress in ``progress_slot``; its updates also let
    Streamlit stop a stale run as soon as the user moves another control.
    """
    reps = min(int(replications), SENSITIVITY_REPLICATIONS)
    base = with_loaded_levers(whatif, loaded)
    base_result = simulate(base, reps, seed, progress_slot, LEVER_LABEL)
    half_year = min(182, base.simulation.horizon_days)
    rows = []
    for lever in lv.LEVERS:
        if shown.get(lever.key, loaded_shown[lever.key]) == loaded_shown[lever.key]:
            continue
        data = base.model_dump(mode="json")
        lv.set_value(data, lever.path, lv.get_value(whatif, lever.path))
        result = simulate(scenario_from_data(data), reps, seed, progress_slot, LEVER_LABEL)
        differences = {
            "average": sim.paired_difference(base_result, result, "compliance_average"),
            "at_6_months": sim.paired_difference(base_result, result, "compliance", day=half_year),
            "at_horizon": sim.paired_difference(base_result, result, "compliance_end"),
        }
        row = {
            "lever": lever.label,
            "group": lever.group,
            "setting": f"{lv.describe(lever, loaded_shown[lever.key])} → {lv.describe(lever, shown[lever.key])}",
        }
        for name, d in differences.items():
            row.update({name: d.mean, f"{name}_low": d.low, f"{name}_high": d.high})
        row["clear"] = differences["average"].clear
        row["replications"] = reps
        row["cost_change"] = result.summary["programme_cost"] - base_result.summary["programme_cost"]
        rows.append(row)
    columns = ["lever", "group", "setting"]
    for name, _ in EFFECTS:
        columns += [name, f"{name}_low", f"{name}_high"]
    columns += ["clear", "replications", "cost_change"]
    table = pd.DataFrame(rows, columns=columns)
    return table.reindex(table["average"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def kpi_at(result: Result, day: int) -> float:
    return float(result.series["compliance_mean"].iloc[min(day, len(result.series) - 1)])
