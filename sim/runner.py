"""Running scenarios: replications in batches, common random numbers, many runs at once.

``run`` splits the replications into batches that keep the device arrays cache-sized,
simulates each batch, and summarises all replications together. Every random draw is
keyed by the seed, the mechanism and what it is about, replication number included
(sim/model/draws.py), so the same scenario and seed always give the same result, a
replication's result does not depend on how many replications run or how they are
batched, and two scenarios run with the same seed share every draw their differences do
not touch (exact common random numbers).

``run_many`` runs several scenarios at once on any ``concurrent.futures.Executor``: by
default a local process pool sized to the machine's cores, or a Dask distributed cluster
when one is given (``dask_executor``, ``IOT_SIM_DASK_ADDRESS`` or Dask's own
``DASK_SCHEDULER_ADDRESS``). Each task is one batch of one scenario: the scenario, the
replication numbers and the seed go out, the batch's daily record (numpy arrays) comes
back, and the results are summarised here, so they equal ``run``'s to the last bit.
"""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import fields

import numpy as np

from sim.model import Draws, FleetModel, Interrupted, Record
from sim.results import Result, summarise
from sim.scenario import FieldProblem, Scenario, ScenarioError, check_limits

BATCH_DEVICES = 250_000  # device-replications simulated together (cache-friendly size)


def _batches(replications: int, devices: int, at_least: int = 1) -> list[range]:
    """Split replications into the fewest batches of at most BATCH_DEVICES device-replications
    (one replication at least), and at least ``at_least`` of them while there are
    replications enough, as even in size as possible."""
    per = max(1, min(replications, BATCH_DEVICES // max(devices, 1)))
    n = min(replications, max(-(-replications // per), at_least))
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


def checked_run_size(scenario: Scenario, replications: int | None, seed: int | None) -> tuple[int, int]:
    """The replications and seed a run will use (the file's unless given), after checking
    the run-size limits; a ScenarioError naming the field otherwise."""
    reps = scenario.simulation.replications if replications is None else int(replications)
    seed = scenario.simulation.seed if seed is None else int(seed)
    if reps < 1:
        raise ScenarioError(["replications: must be ≥ 1"])
    try:
        check_limits(scenario, reps)
    except FieldProblem as exc:
        raise ScenarioError([f"{exc.path}: {exc}"]) from None
    return reps, seed


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
    reps, seed = checked_run_size(scenario, replications, seed)
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


def simulate_batch(scenario: Scenario, start: int, stop: int, seed: int) -> Record:
    """One batch of replications ``start``..``stop - 1`` of ``scenario``: what a worker runs."""
    return FleetModel(scenario, range(start, stop), Draws(seed)).run()


_POOL: ProcessPoolExecutor | None = None


def local_pool() -> ProcessPoolExecutor:
    """The process pool shared by every ``run_many`` call of this process: one worker per
    core, started by spawning (no forked state), closed when the process exits."""
    global _POOL
    if _POOL is None:
        _POOL = ProcessPoolExecutor(max_workers=os.cpu_count() or 1, mp_context=multiprocessing.get_context("spawn"))
        atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
    return _POOL


def cluster_address() -> str | None:
    """The Dask scheduler to use: ``IOT_SIM_DASK_ADDRESS``, else Dask's own
    ``DASK_SCHEDULER_ADDRESS`` setting (environment or config), else None (local pool)."""
    address = os.environ.get("IOT_SIM_DASK_ADDRESS") or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        return address
    try:
        import dask

        return dask.config.get("scheduler-address", default=None)
    except ImportError:
        return None


def dask_executor(address: str) -> Executor:
    """An executor that sends runs to the Dask distributed cluster at ``address``."""
    from distributed import Client

    return Client(address).get_executor()


def default_executor() -> Executor:
    address = cluster_address()
    return dask_executor(address) if address else local_pool()


def run_many(
    scenarios: Sequence[Scenario],
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[float], None] | None = None,
    split: int = 1,
) -> list[Result]:
    """Simulate every scenario, in parallel; results in the same order, each equal to
    ``run(scenario, replications=..., seed=...)`` bit for bit.

    ``replications`` and ``seed`` override each file's own. ``executor`` is any
    ``concurrent.futures.Executor`` (default: ``default_executor()``). ``progress`` is
    called with the share of batches done; raising ``Interrupted`` from it cancels the
    batches not yet started and stops. ``split`` cuts each scenario's replications into
    at least that many batches, so a few scenarios still keep every worker busy.
    """
    plans = [(sc, *checked_run_size(sc, replications, seed)) for sc in scenarios]  # every scenario checked first
    tasks = [
        (i, sc, batch.start, batch.stop, s)
        for i, (sc, reps, s) in enumerate(plans)
        for batch in _batches(reps, sc.fleet.device_count, split)
    ]
    if not tasks:
        return []
    pool = default_executor() if executor is None else executor
    futures: list[Future[Record]] = [pool.submit(simulate_batch, sc, a, b, s) for _, sc, a, b, s in tasks]
    records: list[list[Record]] = [[] for _ in plans]
    try:
        for n, (task, future) in enumerate(zip(tasks, futures, strict=True)):
            records[task[0]].append(future.result())
            if progress is not None:
                progress((n + 1) / len(tasks))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return [summarise(sc, _concat(recs), reps, s) for (sc, reps, s), recs in zip(plans, records, strict=True)]


__all__ = ["Interrupted", "cluster_address", "dask_executor", "default_executor", "local_pool", "run", "run_many"]
