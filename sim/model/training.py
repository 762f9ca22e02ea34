"""Training and the human hazards it moderates, as closed-form functions of time.

The trained share of staff ramps linearly from ``start_day`` to ``coverage`` over
``ramp_days``; after the ramp it decays with ``half_life_days`` and is restored to
``coverage`` by each refresher (every ``refresher_interval_days`` after the ramp).
The training effect is ``effectiveness x trained share``. It lowers manual errors and
the rate at which staff switch off automatic updates, and raises the reporting rate.

Hazards are integrated once on the daily grid so the engine can decide events by
comparing each device's exponential threshold with the cumulative hazard.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Training

DAYS_PER_MONTH = 365.25 / 12


def trained_share(t: np.ndarray | float, training: Training) -> np.ndarray:
    """Share of staff currently trained at time(s) ``t`` (days)."""
    t = np.asarray(t, dtype=float)
    level = np.zeros_like(t)
    if training.coverage <= 0:
        return level
    start, ramp = training.start_day, training.ramp_days
    ramp_end = start + ramp
    if ramp > 0:
        during = (t >= start) & (t < ramp_end)
        level[during] = training.coverage * (t[during] - start) / ramp  # only where it is < coverage
    after = t >= ramp_end
    since = t - ramp_end
    if training.refresher_interval_days > 0:
        since = np.mod(np.maximum(since, 0.0), training.refresher_interval_days)
    decayed = training.coverage * np.power(0.5, np.maximum(since, 0.0) / training.half_life_days)
    return np.where(after, decayed, level)


def training_effect(t: np.ndarray | float, training: Training) -> np.ndarray:
    """Effect in [0, 1]: the cut in manual errors and in drift, at time(s) ``t``."""
    return training.effectiveness * trained_share(t, training)


def training_sessions(horizon_days: int, training: Training) -> tuple[float, list[float]]:
    """People-sessions as shares of staff: (initial share trained, [refresher days])."""
    if training.coverage <= 0 or training.start_day > horizon_days:
        return 0.0, []
    refreshers: list[float] = []
    if training.refresher_interval_days > 0:
        day = training.start_day + training.ramp_days + training.refresher_interval_days
        while day <= horizon_days:
            refreshers.append(day)
            day += training.refresher_interval_days
    return training.coverage, refreshers


def cumulative_hazard(rate_per_day: np.ndarray) -> np.ndarray:
    """H[t] = integral of the rate from 0 to t on the daily grid (midpoint rule); H[0] = 0."""
    return np.concatenate([[0.0], np.cumsum(rate_per_day)])
