"""Sweeps: a grid of scenarios that differ in a few settings, run with common random numbers.

``parse_vary("levers.audits.interval_days=0,30,90")`` reads one varied setting: a list of
values, or ``start:stop:count`` for ``count`` evenly spaced values from ``start`` to
``stop``; ``fleet.device_classes[].count`` sets every class, ``[0]`` one of them.
``sweep`` builds every combination (each checked like a file, errors naming the
setting), runs them all with the same seed and replications through ``run_many``, and
returns one row per point: the varied settings, then the summary figures with their 95%
intervals of the mean.
"""

from __future__ import annotations

import copy
import itertools
import math
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.results import Result
from sim.runner import run_many
from sim.scenario import Scenario, ScenarioError, scenario_from_data

MAX_POINTS = 1000  # scenarios in one sweep
MAX_STEPS = 1000  # values in one start:stop:count range
FIGURES = (  # (summary key, column) in each row; the KPI figures get _lo and _hi from their intervals
    ("compliance_average", "kpi_average"),
    ("compliance_at_day_182", "kpi_day_182"),
    ("compliance_end", "kpi_end"),
    ("days_to_target", "days_to_target"),
    ("programme_cost", "programme_cost"),
    ("breaches_per_year", "breaches_per_year"),
    ("expected_breach_loss", "expected_breach_loss"),
)
_PATH = re.compile(r"^[a-z_]+(\[\d*\])?(\.[a-z_]+(\[\d*\])?)*$")


@dataclass(frozen=True)
class Vary:
    """One varied setting: its dotted path and its values."""

    path: str
    values: tuple[Any, ...]


def _value(text: str) -> Any:
    word = text.strip()
    if word.lower() in ("true", "false"):
        return word.lower() == "true"
    try:
        return int(word)
    except ValueError:
        pass
    try:
        number = float(word)
    except ValueError:
        raise ValueError(f"{word!r} is not a number or true/false") from None
    if not math.isfinite(number):
        raise ValueError(f"{word!r} is not a finite number")
    return number


def parse_vary(text: str) -> Vary:
    """``PATH=v1,v2,...`` or ``PATH=start:stop:count``; a clear ValueError otherwise."""
    path, sep, values = text.partition("=")
    path = path.strip()
    if not sep or not path or not values.strip():
        raise ValueError(f"--vary {text!r}: write PATH=VALUES, e.g. levers.audits.interval_days=0,30,90")
    if not _PATH.match(path):
        raise ValueError(f"--vary {path!r}: not a setting path (e.g. levers.training.coverage)")
    try:
        if ":" in values:
            parts = values.split(":")
            if len(parts) != 3:
                raise ValueError("a range is start:stop:count")
            start, stop, count = _value(parts[0]), _value(parts[1]), _value(parts[2])
            if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_STEPS:
                raise ValueError(f"the count must be a whole number from 1 to {MAX_STEPS:,}")
            grid = np.linspace(float(start), float(stop), count)
            whole = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, stop))
            out = (
                tuple(int(np.rint(v)) for v in grid)
                if whole and np.allclose(grid, np.round(grid))
                else tuple(float(f"{v:.12g}") for v in grid)
            )
        else:
            out = tuple(_value(v) for v in values.split(","))
    except ValueError as exc:
        raise ValueError(f"--vary {path}: {exc}") from None
    return Vary(path, out)


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` in the scenario's data; ``name[]`` sets every item of a list."""
    node: Any = data
    parts = path.split(".")
    for i, part in enumerate(parts):
        name, _, index = part.partition("[")
        last = i == len(parts) - 1
        if not isinstance(node, dict) or name not in node:
            raise ScenarioError([f"{path}: no setting {name!r} there"])
        if not index:
            if last:
                node[name] = value
            else:
                node = node[name]
            continue
        items = node[name]
        if not isinstance(items, list):
            raise ScenarioError([f"{path}: {name} is not a list"])
        picked = items if index == "]" else [items[int(index[:-1])]] if int(index[:-1]) < len(items) else None
        if picked is None:
            raise ScenarioError([f"{path}: {name} has {len(items)} entries"])
        rest = ".".join(parts[i + 1 :])
        for item in picked:
            if rest:
                _set(item, rest, value)
            else:
                raise ScenarioError([f"{path}: give a setting inside each entry of {name}"])
        return


def grid(scenario: Scenario, varies: Sequence[Vary]) -> list[tuple[dict[str, Any], Scenario]]:
    """Every combination of the varied values, as (settings, checked scenario)."""
    size = math.prod(len(v.values) for v in varies)
    if size > MAX_POINTS:
        raise ScenarioError([f"the sweep has {size:,} points; the limit is {MAX_POINTS:,}: vary fewer values"])
    base = scenario.model_dump(mode="json")
    points = []
    for combo in itertools.product(*(v.values for v in varies)):
        data = copy.deepcopy(base)
        settings = {}
        for vary, value in zip(varies, combo, strict=True):
            _set(data, vary.path, value)
            settings[vary.path] = value
        where = ", ".join(f"{k}={v}" for k, v in settings.items())
        points.append((settings, scenario_from_data(data, source=f"the sweep point {where}")))
    return points


def table(points: Sequence[dict[str, Any]], results: Sequence[Result]) -> pd.DataFrame:
    """One row per point: the varied settings, then the figures (KPI ones with _lo, _hi)."""
    rows = []
    for settings, result in zip(points, results, strict=True):
        row: dict[str, Any] = dict(settings)
        for key, column in FIGURES:
            row[column] = result.summary.get(key)
            ci = result.summary.get(f"{key}_ci95")
            if key.startswith("compliance"):
                row[f"{column}_lo"], row[f"{column}_hi"] = ci if ci else (None, None)
        rows.append(row)
    return pd.DataFrame(rows)


def sweep(
    scenario: Scenario,
    varies: Sequence[Vary],
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[float], None] | None = None,
) -> pd.DataFrame:
    """Run the grid of ``varies`` around ``scenario`` (same seed and replications for every
    point) and return ``table`` of it."""
    reps = scenario.simulation.replications if replications is None else int(replications)
    seed = scenario.simulation.seed if seed is None else int(seed)
    points = grid(scenario, varies)
    results = run_many([sc for _, sc in points], replications=reps, seed=seed, executor=executor, progress=progress)
    return table([settings for settings, _ in points], results)


__all__ = ["FIGURES", "MAX_POINTS", "Vary", "grid", "parse_vary", "sweep", "table"]
