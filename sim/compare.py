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
from dataclasses import dataclass

import numpy as np

from sim.results import Result, mean_interval


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


__all__ = ["Difference", "paired_difference"]
