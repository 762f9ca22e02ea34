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

``submit`` starts one run without waiting (a ``PendingRun``: its share done, its result,
``cancel``), split into at least as many batches as there are workers so one run uses them
all; the app uses it. On a ``WorkerPool`` (spawned workers sharing one stop flag per run)
``cancel`` also stops the run's batches already running, at their next progress update.
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing
import os
import sys
import threading
import time
import types
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import fields
from typing import Any

import numpy as np

from sim.model import Draws, FleetModel, Interrupted, Record
from sim.results import Result, summarise
from sim.scenario import FieldProblem, Scenario, ScenarioError, check_limits

BATCH_DEVICES = 250_000  # device-replications simulated together (cache-friendly size)


def _batches(replications: int, devices: int, parts: int = 1) -> list[range]:
    """Split replications into the fewest batches of at most BATCH_DEVICES device-replications
    (one replication at least), and into at least ``parts`` batches when there are that many
    replications (to spread one run over several workers), as even in size as possible."""
    per = max(1, min(replications, BATCH_DEVICES // max(devices, 1)))
    n = max(-(-replications // per), min(parts, replications))
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


# In a worker of a ``WorkerPool``: one stop flag per ticket, shared with the process that submits.
_STOP_FLAGS: Any = None


def _worker_start(flags: Any) -> None:
    global _STOP_FLAGS
    _STOP_FLAGS = flags


def _stopped(ticket: int | None) -> bool:
    return ticket is not None and _STOP_FLAGS is not None and bool(_STOP_FLAGS[ticket])


def _check_stop(ticket: int, _fraction: float) -> None:
    if _STOP_FLAGS[ticket]:
        raise Interrupted


def simulate_batch(scenario: Scenario, start: int, stop: int, seed: int, ticket: int | None = None) -> Record:
    """One batch of replications ``start``..``stop - 1`` of ``scenario``: what a worker runs.

    ``ticket``: in a ``WorkerPool`` worker, the stop flag to watch; once it is set the batch
    raises ``Interrupted`` at its next progress update (every 16 simulated days) or before
    it starts."""
    if _stopped(ticket):
        raise Interrupted
    model = FleetModel(scenario, range(start, stop), Draws(seed))
    if ticket is not None and _STOP_FLAGS is not None:
        model.progress = lambda f, t=ticket: _check_stop(t, f)
    return model.run()


BLAS_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


@contextlib.contextmanager
def _plain_spawning() -> Iterator[None]:
    """While workers are spawned: one BLAS thread each (set in the environment they start
    with), and no ``__main__`` file for them to re-run. A process started by spawning first
    re-runs the parent's main script; under ``streamlit run`` that is the app itself (Streamlit
    installs the page script as ``__main__``), which a worker must not draw."""
    saved_main = sys.modules.get("__main__")
    saved_env = {name: os.environ.get(name) for name in BLAS_THREADS}
    sys.modules["__main__"] = types.ModuleType("__main__")
    os.environ.update(dict.fromkeys(BLAS_THREADS, "1"))
    try:
        yield
    finally:
        if saved_main is not None:
            sys.modules["__main__"] = saved_main
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _warm_up() -> int:
    time.sleep(0.2)  # long enough for every worker to be started, not one worker taking two
    return os.getpid()


def spawned_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> ProcessPoolExecutor:
    """A process pool of ``workers`` spawned workers (no forked state), every one started now
    (so none is spawned later from a thread where ``_plain_spawning`` could not hold)."""
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=initializer, initargs=initargs)
    with _plain_spawning():
        started = [pool.submit(_warm_up) for _ in range(workers)]
    for future in started:
        future.result()
    return pool


_POOL: ProcessPoolExecutor | None = None


def local_pool() -> ProcessPoolExecutor:
    """The process pool shared by every ``run_many`` call of this process: one worker per
    core, started by spawning (no forked state), closed when the process exits."""
    global _POOL
    if _POOL is None:
        _POOL = spawned_pool(os.cpu_count() or 1)
        atexit.register(_POOL.shutdown, wait=False, cancel_futures=True)
    return _POOL


class WorkerPool:
    """A spawned process pool whose running batches can be stopped, not only the waiting ones.

    Each run submitted with a ticket (``ticket()``) watches that ticket's flag, shared with
    the workers through memory they inherit at start; ``stop(ticket)`` sets it, and every
    batch of that run still going raises ``Interrupted`` at its next progress update.
    ``TICKETS`` runs can be outstanding at once (each ticket is handed back with ``free``)."""

    TICKETS = 4096

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._flags = multiprocessing.get_context("spawn").RawArray("b", self.TICKETS)
        self._free = list(range(self.TICKETS - 1, -1, -1))
        self._lock = threading.Lock()
        self.executor = spawned_pool(self.workers, _worker_start, (self._flags,))

    def ticket(self) -> int:
        with self._lock:
            if not self._free:
                raise RuntimeError(f"more than {self.TICKETS:,} runs outstanding on this pool")
            number = self._free.pop()
        self._flags[number] = 0
        return number

    def stop(self, ticket: int) -> None:
        self._flags[ticket] = 1

    def free(self, ticket: int) -> None:
        with self._lock:
            self._free.append(ticket)

    def shutdown(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


class PendingRun:
    """One run submitted to an executor as batches: ``result()`` waits and summarises them
    (equal to ``run``'s result bit for bit); ``cancel()`` drops the batches not started and,
    on a ``WorkerPool``, stops the running ones."""

    def __init__(
        self,
        scenario: Scenario,
        replications: int,
        seed: int,
        futures: list[Future],
        pool: WorkerPool | None,
        ticket: int | None,
    ) -> None:
        self.scenario, self.replications, self.seed = scenario, replications, seed
        self.futures, self._pool, self._ticket = futures, pool, ticket
        self.cancelled = False
        self._lock = threading.Lock()
        for future in futures:
            future.add_done_callback(self._one_done)

    def _one_done(self, _future: Future) -> None:
        if self._pool is None or not all(f.done() for f in self.futures):
            return
        with self._lock:
            ticket, self._ticket = self._ticket, None
        if ticket is not None:
            self._pool.free(ticket)

    def fraction(self) -> float:
        """The share of its batches finished."""
        return sum(f.done() for f in self.futures) / len(self.futures)

    def done(self) -> bool:
        return all(f.done() for f in self.futures)

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for a batch to finish; whether all are done."""
        pending = [f for f in self.futures if not f.done()]
        if pending:
            wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return self.done()

    def result(self) -> Result:
        records = [f.result() for f in self.futures]
        return summarise(self.scenario, _concat(records), self.replications, self.seed)

    def cancel(self) -> None:
        self.cancelled = True
        for future in self.futures:
            future.cancel()
        with self._lock:
            ticket = self._ticket
            if ticket is not None and self._pool is not None:
                self._pool.stop(ticket)


def submit(
    scenario: Scenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    executor: Executor | WorkerPool | None = None,
    parts: int = 1,
) -> PendingRun:
    """Start ``run(scenario, replications=..., seed=...)`` on ``executor`` (a ``WorkerPool``,
    any ``concurrent.futures.Executor``, default ``default_executor()``) without waiting;
    the run is split into at least ``parts`` batches (so several workers share it) and the
    limits are checked first (a ScenarioError naming the field)."""
    reps, seed = checked_run_size(scenario, replications, seed)
    batches = _batches(reps, scenario.fleet.device_count, parts)
    pool = executor if isinstance(executor, WorkerPool) else None
    ticket = pool.ticket() if pool is not None else None
    target = pool.executor if pool is not None else (default_executor() if executor is None else executor)
    args = (ticket,) if ticket is not None else ()
    futures = [target.submit(simulate_batch, scenario, b.start, b.stop, seed, *args) for b in batches]
    return PendingRun(scenario, reps, seed, futures, pool, ticket)


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


__all__ = [
    "Interrupted",
    "PendingRun",
    "WorkerPool",
    "cluster_address",
    "dask_executor",
    "default_executor",
    "local_pool",
    "run",
    "run_many",
    "submit",
]
