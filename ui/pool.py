"""The worker pool every session of the app shares, and the runs in flight on it.

One pool per server process (``st.cache_resource``): ``sim.runner.WorkerPool``, one spawned
worker per core with one BLAS thread each, so however many sessions move sliders the server
computes at most that many batches at once; the rest wait in its queue. With
``IOT_SIM_DASK_ADDRESS`` (or Dask's ``DASK_SCHEDULER_ADDRESS``) set, the runs go to that Dask
cluster instead, through the same calls (``sim.runner.dask_executor``).

A run is held by the page runs waiting for it (``hold``), keyed by what it simulates, so two
sessions asking for the same run while it is going share it. When its last holder lets go
(the page run ended, was interrupted by a new setting, by Stop or by a closed tab) an
unfinished run is cancelled: its waiting batches are dropped and its running ones stop at
their next progress update. A page run interrupted by a new setting lets go with a grace of
``GRACE_S``, so the page run that follows picks up a lever run the previous one started
instead of starting it again; a stopped one (a closed tab, ``st.stop``) lets go at once.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Hashable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass

import streamlit as st

from sim import Scenario, runner

GRACE_S = 0.5  # a run let go by a page run interrupted by a new setting is cancelled this long after


@dataclass
class _Held:
    run: runner.PendingRun
    holders: int = 0


class SharedRuns:
    """The pool (or Dask cluster) and the runs going on it, held by the page runs that wait for them."""

    def __init__(self, backend: runner.WorkerPool | Executor, workers: int) -> None:
        self.backend, self.workers = backend, workers
        self._runs: dict[Hashable, _Held] = {}
        self._lock = threading.Lock()

    def hold(self, key: Hashable, scenario: Scenario, replications: int, seed: int) -> runner.PendingRun:
        """The run ``key`` (submitted now unless it is already going). When no other run is
        going it is split over the workers, to come back soonest; when the pool is busy it goes
        as one batch, since splitting costs more work in all (each batch pays the day loop's
        fixed cost) and the other workers have runs of their own to do."""
        with self._lock:
            held = self._runs.get(key)
            if held is None or held.run.cancelled:
                busy = any(not other.run.done() for other in self._runs.values())
                parts = 1 if busy else self.workers
                run = runner.submit(scenario, replications=replications, seed=seed, executor=self.backend, parts=parts)
                held = self._runs[key] = _Held(run)
            held.holders += 1
            return held.run

    def let_go(self, key: Hashable, run: runner.PendingRun, grace: float = GRACE_S) -> None:
        """One holder no longer waits for ``run``; with none left it is forgotten, and cancelled
        after ``grace`` seconds (at once for 0) if it is still going and nobody has held it again."""
        with self._lock:
            held = self._runs.get(key)
            if held is None or held.run is not run:
                return
            held.holders -= 1
            if held.holders > 0:
                return
            if run.done():
                del self._runs[key]
                return
            if grace <= 0:
                del self._runs[key]
        if grace <= 0:
            run.cancel()
            return
        timer = threading.Timer(grace, self._drop_if_unheld, (key, run))
        timer.daemon = True
        timer.start()

    def _drop_if_unheld(self, key: Hashable, run: runner.PendingRun) -> None:
        with self._lock:
            held = self._runs.get(key)
            if held is None or held.run is not run or held.holders > 0:
                return
            del self._runs[key]
        run.cancel()

    def in_flight(self) -> int:
        """Runs submitted and not yet forgotten (finished runs are forgotten when let go)."""
        with self._lock:
            return len(self._runs)


def _cluster_workers(executor: Executor) -> int:
    client = getattr(executor, "_client", None)
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:  # an executor without a Dask client: one part per run
        return 1


@st.cache_resource(show_spinner=False)
def shared() -> SharedRuns:
    """The server's one pool (created by the first page run that needs it)."""
    if multiprocessing.parent_process() is not None:
        # This process was spawned by another (a worker re-reading the app as its main
        # script): it computes on its own thread and never starts processes of its own.
        return SharedRuns(ThreadPoolExecutor(1), 1)
    address = runner.cluster_address()
    if address:
        executor = runner.dask_executor(address)
        return SharedRuns(executor, _cluster_workers(executor))
    pool = runner.WorkerPool()
    return SharedRuns(pool, pool.workers)
