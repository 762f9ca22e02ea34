"""Random draws: where every random number of a run comes from.

Each batch of replications has one generator per mechanism (approval delays, check-in
times, install outcomes, manual work, audits, hazard thresholds), so a change to one
lever leaves the draws of every other mechanism untouched (common random numbers).
Gamma quantiles come from one uniform each, so a department's approval delay uses one
draw whatever its spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

_NORMAL = NormalDist()


@dataclass
class Streams:
    """Independent random streams, one per mechanism, so that a change to one lever
    leaves the draws of every other mechanism untouched (common random numbers)."""

    approvals: np.random.Generator
    checkin: np.random.Generator
    outcomes: np.random.Generator
    manual: np.random.Generator
    audits: np.random.Generator
    hazards: np.random.Generator

    @classmethod
    def from_seed(cls, seq: np.random.SeedSequence) -> Streams:
        kids = seq.spawn(6)
        return cls(*(np.random.default_rng(k) for k in kids))


def gamma_ppf(u: float, shape: float, scale: float) -> float:
    """Gamma quantile by the Wilson-Hilferty approximation (exact enough for delays, and it
    keeps one uniform per department so clarity changes do not shift other draws)."""
    z = _NORMAL.inv_cdf(min(max(u, 1e-12), 1 - 1e-12))
    c = 1.0 / (9.0 * shape)
    x = shape * (1 - c + z * np.sqrt(c)) ** 3
    return max(x, 0.0) * scale
