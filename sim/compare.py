"""Comparing two results: paired differences over the same replications, with intervals.

Two scenarios run with the same seed share every random draw their differences do not
touch (exact common random numbers, sim/model/draws.py), so replication ``i`` of one and
replication ``i`` of the other differ only by what the scenarios change. The difference
of a figure is therefore measured replication by replication, and its 95% interval is
Student's t over those paired differences: far narrower than comparing two means, since
the fleet-to-fleet noise both share cancels. docs/reference/kpi.md describes it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.levers import LEVERS, describe, stages_text, to_widget
from sim.results import Result, mean_interval
from sim.scenario import Scenario


@dataclass(frozen=True)
class Difference:
    """``b − a`` of one figure over paired replications: the mean, its interval, how many."""

    metric: str
    mean: float
    low: float
    high: float
    replications: int
    confidence: float = 0.95

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    @property
    def clear(self) -> bool:
        """Whether the interval leaves out zero (a clear effect, in either direction)."""
        return self.low > 0 or self.high < 0

    def to_dict(self) -> dict[str, float | int | bool | str | None]:
        """JSON-ready: a figure with no value (e.g. day 182 of a shorter run) is null."""

        def number(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "metric": self.metric,
            "mean": number(self.mean),
            "low": number(self.low),
            "high": number(self.high),
            "replications": self.replications,
            "confidence": self.confidence,
            "clear": self.clear,
        }


def _values(result: Result, metric: str, day: int | None) -> np.ndarray:
    if day is None:
        return result.replication_summary[metric].to_numpy(dtype=float)
    if metric != "compliance":
        raise ValueError(f"a day is given for the daily KPI only, 'compliance' (got {metric!r})")
    rows = result.per_replication
    return rows.iloc[min(int(day), len(rows) - 1)].to_numpy(dtype=float)


def paired_difference(
    a: Result, b: Result, metric: str, *, day: int | None = None, confidence: float = 0.95
) -> Difference:
    """``b − a`` for ``metric`` (a column of ``Result.replication_summary``; or, with
    ``day``, ``"compliance"``: the KPI on that day), paired by replication. Both results
    must come from the same seed and replications."""
    if a.seed != b.seed or a.replications != b.replications:
        raise ValueError(
            "paired differences need the same seed and replications "
            f"(got seed {a.seed} × {a.replications} and seed {b.seed} × {b.replications})"
        )
    diff = _values(b, metric, day) - _values(a, metric, day)
    if day is not None:
        metric = f"compliance_on_day_{day}"
    interval = mean_interval(diff, confidence)
    n = int(np.isfinite(diff).sum())
    if interval is None:
        return Difference(metric, math.nan, math.nan, math.nan, 0, confidence)
    return Difference(metric, float(np.nanmean(diff)), interval[0], interval[1], n, confidence)


# --------------------------------------------------------------------------- the comparison table
# One builder for the command line's `compare` and the app's Compare tab: the same rows, names
# and units in both (months where the app's headline gives months).

DAYS_PER_MONTH = 365.25 / 12

SUMMARY_ROWS: tuple[tuple[str, str, str, bool], ...] = (
    # (summary key, label, kind of figure, higher is better)
    ("compliance_start", "KPI on day 0", "pct", True),
    ("compliance_average", "KPI averaged over the horizon", "pct", True),
    ("compliance_at_day_182", "KPI at 6 months (day 182)", "pct", True),
    ("compliance_end", "KPI at the horizon", "pct", True),
    ("band_end", "Band at the horizon", "text", True),
    ("days_to_target", "Target reached and held from", "days", False),
    ("first_day_at_target", "Target first reached", "days", False),
    ("mean_time_to_patch_days", "Mean time to patch", "dayf", False),
    ("p90_time_to_patch_days", "90th percentile time to patch", "dayf", False),
    ("overdue_device_days", "Overdue device-days", "int", False),
    ("blind_spot_devices_end", "Blind-spot devices at the horizon", "int", False),
    ("technician_backlog_end", "Technician backlog at the horizon", "int", False),
    ("devices_broken_by_faulty_releases", "Devices broken by faulty releases", "int", False),
    ("programme_cost", "Programme cost", "usd", False),
    ("expected_breach_loss", "Expected breach loss", "usd", False),
    ("breaches_per_year", "Expected breaches a year", "rate", False),
    ("breach_probability", "Chance of a breach over the horizon", "pct", False),
)
BAND_ORDER = {"poor": 0, "good": 1, "excellent": 2}
# figures with one value per replication: the change between two files gets a paired interval
PAIRED = (
    "compliance_average",
    "compliance_at_day_182",
    "compliance_end",
    "overdue_device_days",
    "programme_cost",
    "expected_breach_loss",
)


def months(days: float) -> str:
    return f"{days / DAYS_PER_MONTH:.1f} months"


def fmt(value: Any, kind: str) -> str:
    """A summary figure as the comparison prints it; a day of reaching the target in months."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "not reached" if kind == "days" else "n/a"
    if kind == "pct":
        return f"{value * 100:.1f}%"
    if kind == "days":
        return f"{months(value)} (day {value})"
    if kind == "dayf":
        return f"{value:.1f} days"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "usd":
        return f"${value:,.0f}"
    if kind == "rate":
        return f"{value:.4f}"
    return str(value).capitalize()


def change(a: Any, b: Any, kind: str, half: str = "") -> str:
    """How the second scenario differs from the first, in the row's unit ('' if not
    comparable); ``half`` is the half-width of its 95% interval, already formatted, or
    'unclear' when that interval takes in zero."""
    pm = f" ± {half}" if half and half != "unclear" else ""
    if kind == "text" and a != b:
        return f"{fmt(a, kind)} → {fmt(b, kind)}"
    if kind == "pct" and a is not None and b is not None:
        return f"{(b - a) * 100:+.1f}{pm} pts" + (" (unclear)" if half == "unclear" else "")
    if kind == "days":
        if a is None and b is not None:
            return f"reached after {months(b)}"
        if a is not None and b is None:
            return "no longer reached"
        return "" if a is None else f"{(b - a) / DAYS_PER_MONTH:+.1f} months"
    if kind == "rate" and a is not None and b is not None:
        return f"{b - a:+.4f}" + (f" ({(b - a) / a:+.0%})" if a else "")
    if kind in ("dayf", "int", "usd") and a is not None and b is not None:
        moved = f"{b - a:+,.1f} days" if kind == "dayf" else f"{b - a:+,.0f}"
        if kind == "usd":
            moved = f"{'+' if b >= a else '-'}${abs(b - a):,.0f}"
        relative = f"{(b - a) / a:+.0%}" if a else ""
        if half == "unclear":
            relative = ", ".join(x for x in (relative, "unclear") if x)
        return moved + pm + (f" ({relative})" if relative else "")
    return ""


def interval_text(a: Result, b: Result, key: str, kind: str) -> str:
    """The half-width of the paired 95% interval of b − a, formatted in the row's unit,
    where the figure has one value per replication; 'unclear' when that interval takes in
    zero; '' where there is none."""
    if key not in PAIRED or a.replications < 2:
        return ""
    d = paired_difference(a, b, key)
    if not math.isfinite(d.half_width) or d.half_width == 0:
        return ""
    if not d.clear:
        return "unclear"
    return {"pct": f"{d.half_width * 100:.1f}", "usd": f"${d.half_width:,.0f}", "int": f"{d.half_width:,.0f}"}[kind]


CHANGE = "change"


def summary_table(results: Sequence[Result], labels: Sequence[str]) -> pd.DataFrame:
    """The comparison as text: one row per figure (``SUMMARY_ROWS``' labels), one column per
    scenario (``labels``), and with exactly two a last column, ``change``, from the first to
    the second with its paired 95% interval."""
    table = pd.DataFrame(
        {
            label: [fmt(r.summary.get(key), kind) for key, _, kind, _ in SUMMARY_ROWS]
            for label, r in zip(labels, results, strict=True)
        },
        index=[label for _, label, _, _ in SUMMARY_ROWS],
    )
    if len(results) == 2:
        a, b = results
        table[CHANGE] = [
            change(a.summary.get(key), b.summary.get(key), kind, interval_text(a, b, key, kind))
            for key, _, kind, _ in SUMMARY_ROWS
        ]
    return table


def best_columns(results: Sequence[Result], labels: Sequence[str]) -> dict[str, list[str]]:
    """For each row of ``summary_table``, the scenario(s) with the best value: never reaching
    the target is worst; the KPI on day 0 is where they start, no outcome, so none is best."""
    best: dict[str, list[str]] = {}
    for key, label, kind, higher in SUMMARY_ROWS:
        raw = [r.summary.get(key) for r in results]
        if kind == "text":
            raw = [BAND_ORDER.get(v) if isinstance(v, str) else None for v in raw]
        values = [float(v) if v is not None and math.isfinite(float(v)) else None for v in raw]
        known = [v for v in values if v is not None]
        if not known or key == "compliance_start":
            best[label] = []
            continue
        target = max(known) if higher else min(known)
        best[label] = [
            lab
            for lab, v in zip(labels, values, strict=True)
            if v is not None and abs(v - target) <= 1e-12 * max(1, abs(target))
        ]
    return best


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario dump as 'dotted.key' -> value; list items named by their 'name' when they have one."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            label = value.get("name", i)
            out.update(flatten({k: v for k, v in value.items() if k != "name"}, f"{prefix}[{label}]"))
    else:
        out[prefix] = data
    return out


_SECTION_NAMES = {
    "levers": "",
    "central_management": "Central management",
    "audits": "Audits",
    "reporting_channel": "Reporting channel",
    "training": "Training",
    "update_policy": "Update policy",
    "technicians": "Technicians",
    "fleet": "Fleet",
    "device_classes": "device class",
    "departments": "department",
    "human_factors": "People",
    "costs": "Costs",
    "kpi": "KPI",
    "simulation": "Simulation",
    "risk": "Risk",
    "releases": "Releases",
}


def parameter_name(key: str) -> str:
    """A friendly name for a scenario key that is not a lever control:
    'levers.training.ramp_days' -> 'Training: ramp days',
    'fleet.device_classes[Cameras].count' -> 'Fleet, device class Cameras: count'."""
    parts = re.findall(r"[^.\[\]]+|\[[^\]]*\]", key)
    words: list[str] = []
    for part in parts[:-1]:
        if part.startswith("["):
            words[-1] = f"{words[-1]} {part[1:-1]}".strip()
        else:
            named = _SECTION_NAMES.get(part, part.replace("_", " ").capitalize())
            if named:
                words.append(named if not words or named.isupper() else named[0].lower() + named[1:])
    last = parts[-1]
    leaf = last[1:-1] if last.startswith("[") else last.replace("_", " ")
    return f"{', '.join(words)}: {leaf}" if words else leaf.capitalize()


def parameter_rows(scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Only the parameters whose values differ between the scenarios (names and descriptions
    left out), as text: levers by their control's name and unit ('80%', 'on'), other settings
    by a friendly name of their key. One row per parameter, one column per scenario."""
    flat = {
        name: {k: v for k, v in flatten(sc.model_dump(mode="json")).items() if k not in ("name", "description")}
        for name, sc in scenarios.items()
    }
    by_path = {lever.field_path: lever for lever in LEVERS}
    keys = list(dict.fromkeys(k for f in flat.values() for k in f))
    rows: dict[str, list[str]] = {}
    for key in keys:
        values = [f.get(key, "—") for f in flat.values()]
        if not any(v != values[0] for v in values[1:]):
            continue
        lever = by_path.get(key)
        if lever is not None:
            rows[lever.label] = [describe(lever, to_widget(lever, v)) if v != "—" else v for v in values]
        else:
            rows[parameter_name(key)] = [
                stages_text(v) if isinstance(v, list) and key.endswith("waves") else _value_text(v) for v in values
            ]
    return pd.DataFrame(rows, index=list(flat)).T if rows else pd.DataFrame(columns=list(flat))


def _value_text(value: Any) -> str:
    """A setting as text: numbers without float noise (30.0 -> '30', 0.1 -> '0.1')."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def describe_changes(loaded: Scenario, changed: Scenario, limit: int = 12) -> str:
    """A description for a scenario file saved from ``changed``: what it starts from and
    every parameter set differently from ``loaded`` (at most ``limit`` listed)."""
    rows = parameter_rows({"from": loaded, "to": changed})
    if rows.empty:
        return f"The settings of '{loaded.name}', unchanged."
    listed = [f"{name} {row['from']} → {row['to']}" for name, row in rows.head(limit).iterrows()]
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"Starts from '{loaded.name}' with these changes: " + "; ".join(listed) + more + "."


__all__ = [
    "SUMMARY_ROWS",
    "Difference",
    "best_columns",
    "describe_changes",
    "paired_difference",
    "parameter_name",
    "parameter_rows",
    "summary_table",
]
