"""Which levers to try first: each lever's effect on the loaded scenario, computed.

For the loaded scenario every lever gets one "try" setting, a plain step in the direction
that should help (switch it on, enrol or cover 90%, audit quarterly, two more technicians,
halve a delay: ``try_setting``). Each is simulated on its own from the loaded file with
the same seed (exact common random numbers), and its effect is the paired difference of
the KPI averaged over the horizon, with its 95% interval (``sim.paired_difference``), as
"Which lever matters" measures a moved lever. The table is cached per loaded scenario,
runs and seed for the server process (every visitor opening the same file shares it), so it
is computed once and the levers are ranked by it: the first screen names the strongest, and
the sidebar shows them first. Callers must not change the table they get.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import pandas as pd

import sim
from sim import Scenario, scenario_from_data
from ui import levers as lv
from ui import results

ADVICE_REPLICATIONS = 10  # runs per tried lever: enough to rank them (intervals come with each)
TOP = 3  # levers named on the first screen and shown first in the sidebar
LABEL = "Finding the levers with the largest effect…"


def try_setting(lever: lv.Lever, scenario: Scenario) -> lv.WidgetValue | None:
    """The setting tried for ``lever`` from the scenario's own, in display units; None where
    no step helps (already at its best, or a choice with no better direction)."""
    now = lv.to_widget(lever, lv.get_value(scenario, lever.path))
    lo, hi = lv.widget_range(lever, scenario)
    key = lever.key
    if lever.kind == "toggle":
        return None if now else True
    if key in ("enrolled_share", "training_coverage", "audit_coverage", "audit_detection"):
        wanted: Any = max(float(now), 90.0)
    elif key in ("console_visibility", "policy_clarity"):
        wanted = 100.0
    elif key == "report_rate":
        wanted = min(hi, max(float(now) * 2, 5.0))
    elif key in ("audit_interval_days", "refresher_interval_days"):
        wanted = 91 if now == 0 else max(7, round(now / 2))  # none -> quarterly, else twice as often
    elif key in ("onboarding_days", "approval_delay_days", "training_start_day"):
        wanted = round(now / 2)
    elif key == "technicians":
        wanted = int(now) + 2
    elif key == "technician_hours":
        wanted = min(hi, float(now) + 2)
    elif key == "retries":
        wanted = int(now) + 2
    else:  # rollout stages, check-in interval: choices with no single better direction
        return None
    if lever.kind in ("days", "count"):
        wanted = int(min(max(wanted, lo), hi))
    return None if wanted == now else wanted


MAX_CACHED = 32
_cache: OrderedDict[tuple[str, int, int], pd.DataFrame] = OrderedDict()
_lock = threading.Lock()


def _tries(scenario: Scenario) -> list[tuple[lv.Lever, lv.WidgetValue, Scenario]]:
    """Each lever with a try setting, that setting, and the loaded scenario with it alone."""
    tries = []
    for lever in lv.LEVERS:
        wanted = try_setting(lever, scenario)
        if wanted is None:
            continue
        data = scenario.model_dump(mode="json")
        lv.set_value(data, lever.path, lv.from_widget(lever, wanted))
        tries.append((lever, wanted, scenario_from_data(data)))
    return tries


def _effects(scenario: Scenario, replications: int, seed: int, progress_slot: Any = None) -> pd.DataFrame:
    """The ranking's table. Every run goes to the shared pool at once (``ui.results.PageRuns``),
    so the results are cached across sessions and visitors asking at the same moment share
    the runs in flight instead of computing them each."""
    shown = lv.loaded_widget_values(scenario)
    tries = _tries(scenario)
    with results.PageRuns() as runs:
        runs.want(scenario, replications, seed)
        for _, _, tried in tries:
            runs.want(tried, replications, seed)
        base = runs.get(scenario, replications, seed, progress_slot, LABEL)
        rows = []
        for lever, wanted, tried in tries:
            result = runs.get(tried, replications, seed, progress_slot, LABEL)
            d = sim.paired_difference(base, result, "compliance_average")
            rows.append(
                {
                    "key": lever.key,
                    "lever": lever.label,
                    "setting": f"{lv.describe(lever, shown[lever.key])} → {lv.describe(lever, wanted)}",
                    "value": wanted,
                    "average": d.mean,
                    "low": d.low,
                    "high": d.high,
                    "clear": d.clear,
                    "cost_change": result.summary["programme_cost"] - base.summary["programme_cost"],
                }
            )
    table = pd.DataFrame(
        rows, columns=["key", "lever", "setting", "value", "average", "low", "high", "clear", "cost_change"]
    )
    return table.sort_values("average", ascending=False, kind="stable").reset_index(drop=True)


def lever_ranking(scenario: Scenario, replications: int, seed: int, progress_slot: Any = None) -> pd.DataFrame:
    """Every lever with a try setting, best effect on the averaged KPI first.

    Cached for the server process (a pure function of the scenario, runs and seed). While it
    is computed a progress bar shows in ``progress_slot``; its updates also let Streamlit stop
    the computation as soon as the user moves a control (it is then not cached)."""
    reps = min(int(replications), ADVICE_REPLICATIONS)
    key = (sim.dump_scenario(scenario), reps, int(seed))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        table = _effects(scenario, reps, int(seed), progress_slot)
    finally:
        if progress_slot is not None:
            progress_slot.empty()
    with _lock:
        _cache[key] = table
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return table


def known_top(dumped: str, replications: int, seed: int) -> tuple[str, ...] | None:
    """The keys of the most effective levers of the scenario dumped as ``dumped`` (YAML
    text, as ``sim.dump_scenario`` writes it) if this server has ranked them already (for
    any visitor), else None; never runs anything."""
    key = (dumped, min(int(replications), ADVICE_REPLICATIONS), int(seed))
    with _lock:
        table = _cache.get(key)
    return None if table is None else tuple(top_levers(table)["key"])


def top_levers(ranking: pd.DataFrame, n: int = TOP) -> pd.DataFrame:
    """The ``n`` levers with a clear, positive effect, strongest first."""
    good = ranking[ranking["clear"] & (ranking["average"] > 0)]
    return good.head(n)
