"""Risk in money: loss event frequency × loss magnitude (the FAIR form).

The model records, for every day and replication, the open vulnerabilities by severity
(sim/model/record.py): each release is one vulnerability, open from its release day plus
``risk.exploit_delay_days``, counted as the share of its class's devices that still lack
it (a release missing on half the cameras counts 0.5). A vulnerability left open on every
device of a class gives ``risk.exploitation_rate_per_vulnerability_year[severity]`` loss
events a year; the day's rate ``λ`` is the sum over open vulnerabilities. The chance of a
loss event on a day is ``1 − exp(−λ / 365.25)`` (Poisson arrivals, at most one counted a
day), so:

* ``expected_breaches``: the sum of the daily chances over the horizon (days 1 to H);
* ``breach_probability``: the chance of at least one, ``1 − exp(−Σ λ / 365.25)``;
* ``expected_breach_loss``: expected breaches × ``costs.breach_cost``.

Each is computed per replication; the summary gives their mean and the 5th–95th
percentiles across replications (the spread the programme's randomness gives, not the
uncertainty of the rates themselves: sim/sensitivity.py varies those).
docs/background/risk.md derives the defaults.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.scenario import SEVERITIES, Scenario

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class BreachFigures:
    """Per replication (arrays of length R) and per day (arrays [T, R])."""

    daily_chance: np.ndarray  # (T, R) chance of a loss event that day (0 on day 0)
    expected_breaches: np.ndarray  # (R,) over the horizon
    breach_probability: np.ndarray  # (R,) at least one over the horizon
    expected_breach_loss: np.ndarray  # (R,) USD over the horizon


def rates(scenario: Scenario) -> np.ndarray:
    """Loss events a year per open vulnerability, in SEVERITIES order."""
    per = scenario.risk.exploitation_rate_per_vulnerability_year
    return np.array([getattr(per, s) for s in SEVERITIES], dtype=float)


def breach_figures(scenario: Scenario, exposure: np.ndarray) -> BreachFigures:
    """Price the open vulnerabilities ``exposure`` [day, replication, severity]."""
    lam = exposure @ rates(scenario) / DAYS_PER_YEAR  # (T, R) loss events expected that day
    lam[0] = 0.0  # day 0 is the starting state, not a day simulated
    chance = -np.expm1(-lam)
    expected = chance.sum(axis=0)
    probability = -np.expm1(-lam.sum(axis=0))
    return BreachFigures(
        daily_chance=chance,
        expected_breaches=expected,
        breach_probability=probability,
        expected_breach_loss=expected * scenario.costs.breach_cost,
    )


__all__ = ["DAYS_PER_YEAR", "BreachFigures", "breach_figures", "rates"]
