"""Which lever matters: each moved lever's own effect on the KPI, with 95% intervals.

A what-if differs from the loaded scenario in some levers. To say what each lever adds on
its own, the what-if's assumptions are simulated with every lever set back to the loaded
scenario's (the *base*), then once more per moved lever with only that lever set to the
what-if's value. All runs share the seed and the replications (exact common random
numbers), so each effect is a paired difference over the same replications with Student's
t interval (``sim.paired_difference``); at most ``SENSITIVITY_REPLICATIONS`` replications
are used. The app's "Which lever matters" and the board report both call
``lever_effects``; the app passes its cached ``simulate`` so nothing runs twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from sim import levers as lv
from sim.compare import paired_difference
from sim.results import Result
from sim.runner import run_many
from sim.scenario import Scenario, scenario_from_data

SENSITIVITY_REPLICATIONS = 30  # replications of every lever-effect run (docs/reference/kpi.md: the intervals)
HALF_YEAR_DAY = 182
EFFECTS = (  # (column, what it measures) of the lever-effect table, each with _low and _high
    ("average", "the KPI averaged over the horizon"),
    ("at_6_months", "the KPI on day 182 (or the horizon, if sooner)"),
    ("at_horizon", "the KPI on the last day"),
)
COLUMNS: tuple[str, ...] = (
    "lever",
    "group",
    "setting",
    *(c for name, _ in EFFECTS for c in (name, f"{name}_low", f"{name}_high")),
    "clear",
    "replications",
    "cost_change",
)

Simulate = Callable[[Scenario, int, int], Result]  # (scenario, replications, seed) -> result


def with_loaded_levers(whatif: Scenario, loaded: Scenario) -> Scenario:
    """The what-if's assumptions with every lever set back to the loaded scenario's."""
    data = whatif.model_dump(mode="json")
    data["levers"] = loaded.levers.model_dump(mode="json")
    return scenario_from_data(data)


def moved_levers(
    whatif: Scenario,
    loaded: Scenario,
    shown: Mapping[str, lv.WidgetValue] | None = None,
    loaded_shown: Mapping[str, lv.WidgetValue] | None = None,
) -> list[lv.Lever]:
    """The levers whose control value differs between the loaded scenario and the what-if.

    ``shown`` and ``loaded_shown`` are the controls' values (the app passes its sidebar's);
    by default they are read from the two scenarios."""
    loaded_shown = lv.loaded_widget_values(loaded) if loaded_shown is None else loaded_shown
    shown = lv.loaded_widget_values(whatif) if shown is None else shown
    return [lever for lever in lv.LEVERS if shown.get(lever.key, loaded_shown[lever.key]) != loaded_shown[lever.key]]


def lever_scenarios(
    whatif: Scenario,
    loaded: Scenario,
    shown: Mapping[str, lv.WidgetValue] | None = None,
    loaded_shown: Mapping[str, lv.WidgetValue] | None = None,
) -> tuple[Scenario, list[tuple[lv.Lever, Scenario]]]:
    """The base (the what-if with the loaded levers) and, for each lever that moved, the base
    with that lever alone set as in the what-if."""
    base = with_loaded_levers(whatif, loaded)
    alone = []
    for lever in moved_levers(whatif, loaded, shown, loaded_shown):
        data = base.model_dump(mode="json")
        lv.set_value(data, lever.path, lv.get_value(whatif, lever.path))
        alone.append((lever, scenario_from_data(data)))
    return base, alone


def effect_table(
    base_result: Result,
    paired: Sequence[tuple[lv.Lever, Result]],
    shown: Mapping[str, lv.WidgetValue],
    loaded_shown: Mapping[str, lv.WidgetValue],
) -> pd.DataFrame:
    """The lever-effect table (``COLUMNS``) from the base's result and each lever's own run,
    all with the same seed and replications: paired differences with 95% intervals, sorted
    by the size of the average change."""
    half_year = min(HALF_YEAR_DAY, base_result.scenario.simulation.horizon_days)
    rows = []
    for lever, result in paired:
        differences = {
            "average": paired_difference(base_result, result, "compliance_average"),
            "at_6_months": paired_difference(base_result, result, "compliance", day=half_year),
            "at_horizon": paired_difference(base_result, result, "compliance_end"),
        }
        row: dict[str, object] = {
            "lever": lever.label,
            "group": lever.group,
            "setting": f"{lv.describe(lever, loaded_shown[lever.key])} → {lv.describe(lever, shown[lever.key])}",
        }
        for name, d in differences.items():
            row.update({name: d.mean, f"{name}_low": d.low, f"{name}_high": d.high})
        row["clear"] = differences["average"].clear
        row["replications"] = result.replications
        row["cost_change"] = result.summary["programme_cost"] - base_result.summary["programme_cost"]
        rows.append(row)
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.reindex(table["average"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def lever_effects(
    whatif: Scenario,
    loaded: Scenario,
    replications: int,
    seed: int,
    *,
    shown: Mapping[str, lv.WidgetValue] | None = None,
    loaded_shown: Mapping[str, lv.WidgetValue] | None = None,
    simulate: Simulate | None = None,
) -> pd.DataFrame:
    """For each lever that moved: its effect on the KPI, that lever alone, with 95% intervals.

    Columns (``COLUMNS``): lever, group, setting (e.g. '0% → 80%'), then for each of
    ``EFFECTS`` (average, at_6_months, at_horizon) the paired mean change and its ``_low``
    and ``_high`` ends (shares, so 0.05 is five percentage points), ``clear`` (the interval
    of the average leaves out zero), ``replications`` and ``cost_change`` (programme cost
    over the horizon, dollars). Sorted by the size of the average change; empty when no
    lever moved.

    ``simulate(scenario, replications, seed)`` runs one scenario; by default every run
    goes at once through ``sim.run_many`` (the local process pool).
    """
    reps = min(int(replications), SENSITIVITY_REPLICATIONS)
    loaded_shown = lv.loaded_widget_values(loaded) if loaded_shown is None else loaded_shown
    shown = lv.loaded_widget_values(whatif) if shown is None else shown
    base, alone = lever_scenarios(whatif, loaded, shown, loaded_shown)
    if not alone:
        return pd.DataFrame(columns=list(COLUMNS))
    if simulate is None:
        base_result, *results = run_many([base, *(sc for _, sc in alone)], replications=reps, seed=seed)
    else:
        base_result = simulate(base, reps, seed)
        results = [simulate(scenario, reps, seed) for _, scenario in alone]
    paired = [(lever, result) for (lever, _), result in zip(alone, results, strict=True)]
    return effect_table(base_result, paired, shown, loaded_shown)


__all__ = [
    "COLUMNS",
    "EFFECTS",
    "SENSITIVITY_REPLICATIONS",
    "Simulate",
    "effect_table",
    "lever_effects",
    "lever_scenarios",
    "moved_levers",
    "with_loaded_levers",
]
