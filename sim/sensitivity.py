"""Which assumptions matter: Morris screening over the numbers nobody has published.

Several inputs of a scenario are assumptions rather than facts a planner knows: how often
an automated install fails and how often nobody is told, how often staff botch a manual
update or switch auto-update off, how often a broken device is reported, how much
training helps and how fast it fades, and the breach figures. ``sensitivity`` varies each
from half to twice the scenario's own value (shares capped at 1) with SALib's Morris
method: trajectories that move one assumption at a time across a four-level grid (x0.5,
x1, x1.5, x2), every point simulated with the same seed and replications, so a change in
the output comes from the assumption moved. Each assumption gets μ* (the mean absolute
elementary effect: how much the output moves when it does) and σ (their spread: a large
σ means the effect depends on the other assumptions), for the KPI on ``by_day`` and for
the expected breach loss over the horizon. docs/background/goal-seek.md describes it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.runner import run
from sim.scenario import SEVERITIES, Scenario, ScenarioError

NUM_LEVELS = 4  # grid levels per assumption: x0.5, x1, x1.5, x2 of the file's value
DEFAULT_RUNS = 100  # simulations in all: 10 trajectories over the nine assumptions
REPLICATIONS = 8  # replications per simulated point (the same seed everywhere)
FACTOR_RANGE = (0.5, 2.0)  # each assumption from half to twice the file's value


@dataclass(frozen=True)
class Assumption:
    """An uncertain input: where it lives in a scenario dump and whether it is a share."""

    key: str
    label: str
    paths: Callable[[dict[str, Any]], list[tuple[dict[str, Any], str]]]
    share: bool = True


def _classes(field: str) -> Callable[[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    return lambda data: [(c, field) for c in data["fleet"]["device_classes"]]


def _at(*path: str) -> Callable[[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    def find(data: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
        node = data
        for part in path[:-1]:
            node = node[part]
        return [(node, path[-1])]

    return find


ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption(
        "install_failure_rate", "Automated install failure rate (every class)", _classes("install_failure_rate")
    ),
    Assumption("silent_failure_share", "Share of failures nobody is told about", _classes("silent_failure_share")),
    Assumption("manual_error_rate", "Manual updates botched (untrained)", _at("human_factors", "manual_error_rate")),
    Assumption(
        "disable_rate_per_month", "Auto-update switched off (drift)", _at("human_factors", "disable_rate_per_month")
    ),
    Assumption(
        "report_rate_per_day",
        "Daily chance a broken device is reported",
        _at("levers", "reporting_channel", "report_rate_per_day"),
    ),
    Assumption("training_effectiveness", "Training effectiveness", _at("levers", "training", "effectiveness")),
    Assumption(
        "training_half_life_days",
        "Days for training's effect to halve",
        _at("levers", "training", "half_life_days"),
        False,
    ),
    Assumption(
        "exploitation_rate",
        "Loss events a year per open vulnerability (every severity)",
        lambda data: [(data["risk"]["exploitation_rate_per_vulnerability_year"], s) for s in SEVERITIES],
    ),
    Assumption("breach_cost", "Cost of one breach", _at("costs", "breach_cost"), False),
)
BY_KEY = {a.key: a for a in ASSUMPTIONS}


@dataclass(frozen=True)
class Sensitivity:
    """Morris screening results: one row per assumption, most influential on the KPI first.

    ``table`` columns: ``kpi_mu_star``, ``kpi_mu``, ``kpi_sigma``, ``kpi_mu_star_conf``
    (KPI on ``by_day`` as a share, per unit of the factor) and the same with ``loss_`` for
    the expected breach loss in dollars; ``label`` names the assumption.
    """

    table: pd.DataFrame
    by_day: int
    trajectories: int
    runs: int
    replications: int
    seed: int
    factor_range: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        rows = [{"assumption": key, **{k: _plain(v) for k, v in row.items()}} for key, row in self.table.iterrows()]
        return {
            "method": "morris",
            "by_day": self.by_day,
            "trajectories": self.trajectories,
            "runs": self.runs,
            "replications": self.replications,
            "seed": self.seed,
            "factor_range": list(self.factor_range),
            "assumptions": rows,
        }


def _plain(v: Any) -> Any:
    return float(v) if isinstance(v, np.floating | float) else v


def scaled(scenario: Scenario, factors: dict[str, float]) -> Scenario:
    """``scenario`` with each named assumption multiplied by its factor (shares capped at 1)."""
    data = scenario.model_dump()
    for key, factor in factors.items():
        assumption = BY_KEY[key]
        for node, field in assumption.paths(data):
            value = node[field] * factor
            node[field] = min(value, 1.0) if assumption.share else value
    return Scenario.model_validate(data)


def sensitivity(
    scenario: Scenario,
    *,
    method: str = "morris",
    runs: int = DEFAULT_RUNS,
    by_day: int = 182,
    replications: int = REPLICATIONS,
    seed: int | None = None,
    assumptions: list[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> Sensitivity:
    """Rank the uncertain assumptions by their effect on the KPI on ``by_day`` and on the
    expected breach loss (Morris screening; ``runs`` simulations of ``replications`` each).

    ``assumptions`` restricts the list (keys of ``ASSUMPTIONS``); ``progress`` is called
    with the fraction done, and raising ``sim.Interrupted`` from it stops the screening.
    """
    if method != "morris":
        raise ScenarioError([f"method: only 'morris' is offered (got {method!r})"])
    keys = [a.key for a in ASSUMPTIONS] if assumptions is None else list(dict.fromkeys(assumptions))
    unknown = [k for k in keys if k not in BY_KEY]
    if unknown or not keys:
        raise ScenarioError(
            [f"assumptions: unknown {', '.join(map(repr, unknown)) or '(none)'}; known: {', '.join(BY_KEY)}"]
        )
    horizon = scenario.simulation.horizon_days
    if not (isinstance(by_day, int) and 0 <= by_day <= horizon):
        raise ScenarioError([f"by_day: must be a whole day from 0 to the horizon, {horizon} (got {by_day!r})"])
    per_trajectory = len(keys) + 1
    trajectories = runs // per_trajectory
    if trajectories < 2:
        raise ScenarioError(
            [
                f"runs: {runs} are too few; Morris needs at least 2 trajectories of {per_trajectory} runs "
                f"({2 * per_trajectory})"
            ]
        )
    seed = scenario.simulation.seed if seed is None else int(seed)
    # SALib (and the scipy.stats it loads, ~0.4 s) only when a screening is asked for, not when the app starts
    from SALib.analyze import morris as morris_analyze
    from SALib.sample import morris as morris_sample

    problem = {"num_vars": len(keys), "names": keys, "bounds": [list(FACTOR_RANGE)] * len(keys)}
    X = morris_sample.sample(problem, trajectories, num_levels=NUM_LEVELS, seed=seed)
    kpi = np.empty(len(X))
    loss = np.empty(len(X))
    for i, row in enumerate(X):
        result = run(scaled(scenario, dict(zip(keys, row, strict=True))), replications=replications, seed=seed)
        kpi[i] = float(result.per_replication.loc[by_day].mean())
        loss[i] = float(result.summary["expected_breach_loss"])
        if progress is not None:
            progress((i + 1) / len(X))
    columns: dict[str, Any] = {"label": [BY_KEY[k].label for k in keys]}
    for name, y in (("kpi", kpi), ("loss", loss)):
        si = morris_analyze.analyze(problem, X, y, num_levels=NUM_LEVELS, seed=seed)
        for stat in ("mu_star", "mu", "sigma", "mu_star_conf"):
            columns[f"{name}_{stat}"] = np.asarray(si[stat], dtype=float)
    table = pd.DataFrame(columns, index=pd.Index(keys, name="assumption"))
    table = table.sort_values(["kpi_mu_star", "loss_mu_star"], ascending=False, kind="stable")
    return Sensitivity(
        table=table,
        by_day=by_day,
        trajectories=trajectories,
        runs=len(X),
        replications=replications,
        seed=seed,
        factor_range=FACTOR_RANGE,
    )


__all__ = ["ASSUMPTIONS", "Assumption", "Sensitivity", "scaled", "sensitivity"]
