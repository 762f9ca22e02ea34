"""Running a scenario: replications in batches, common random numbers, one Result.

``run`` splits the replications into batches that keep the device arrays cache-sized,
simulates each batch, and summarises all replications together. Every random draw is
keyed by the seed, the mechanism and what it is about, replication number included
(sim/model/draws.py), so the same scenario and seed always give the same result, a
replication's result does not depend on how many replications run or how they are
batched, and two scenarios run with the same seed share every draw their differences do
not touch (exact common random numbers).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

import numpy as np

from sim.model import Draws, FleetModel, Interrupted, Record
from sim.results import Result, summarise
from sim.scenario import FieldProblem, Scenario, ScenarioError, check_limits

BATCH_DEVICES = 250_000  # device-replications simulated together (cache-friendly size)


def _batches(replications: int, devices: int) -> list[range]:
    """Split replications into the fewest batches of at most BATCH_DEVICES device-replications
    (one replication at least), as even in size as possible."""
    per = max(1, min(replications, BATCH_DEVICES // max(devices, 1)))
    n = -(-replications // per)
    per = -(-replications // n)
    return [range(i, min(i + per, replications)) for i in range(0, replications, per)]


def _concat(records: list[Record]) -> Record:
    if len(records) == 1:
        return records[0]
    out = {}
    for f in fields(Record):
        parts = [getattr(r, f.name) for r in records]
        per_rep_first = f.name.startswith("ttp") or f.name == "dept_sizes"
        out[f.name] = np.concatenate(parts, axis=0 if per_rep_first else 1)
    return Record(**out)


def run(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Result:
    """Simulate ``scenario``; ``replications`` and ``seed`` override the file's settings.

    ``progress`` (optional) is called with the fraction done; raising ``Interrupted``
    from it stops the run.
    """
    reps = scenario.simulation.replications if replications is None else int(replications)
    seed = scenario.simulation.seed if seed is None else int(seed)
    if reps < 1:
        raise ScenarioError(["replications: must be ≥ 1"])
    try:
        check_limits(scenario, reps)
    except FieldProblem as exc:
        raise ScenarioError([f"{exc.path}: {exc}"]) from None
    draws = Draws(seed)
    batches = _batches(reps, scenario.fleet.device_count)
    records = []
    for batch in batches:
        model = FleetModel(scenario, batch, draws)
        if progress is not None:
            done, share = batch.start / reps, len(batch) / reps
            model.progress = lambda f, d=done, s=share: progress(min(1.0, d + s * f))
        records.append(model.run())
    if progress is not None:
        progress(1.0)
    return summarise(scenario, _concat(records), reps, seed)


__all__ = ["Interrupted", "run"]
