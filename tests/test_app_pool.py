"""The app on the shared worker pool: its figures equal sim.run's, and runs nobody waits for stop.

The pool's workers are separate processes, so "stopped" is measured as their CPU time
(psutil) after the page run let go, not the test process's.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import CancelledError

import psutil
import pytest
from app_helpers import FAST_REPLICATIONS, ROOT, kpi_curve, make_app_test, scenarios_folder  # noqa: F401

import sim
from ui import pool, results

BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _workers_cpu() -> float:
    total = 0.0
    for process in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            total += sum(process.cpu_times()[:2])
    return total


def _outcome(run: sim.runner.PendingRun) -> list[str]:
    names = []
    for future in run.futures:
        try:
            error = future.exception()
        except CancelledError:
            names.append("cancelled")
        else:
            names.append("finished" if error is None else type(error).__name__)
    return names


@pytest.mark.usefixtures("scenarios_folder")
def test_the_app_plots_what_sim_run_gives_for_the_same_seed():
    """The KPI curves the page draws (run on the pool, split over its workers) are sim.run's, to the last bit."""
    at = make_app_test({"enrolled_share": "80"}).run()
    assert not at.exception
    baseline = sim.load_scenario(BASELINE)
    reps, seed = int(FAST_REPLICATIONS), baseline.simulation.seed
    whatif = baseline.model_copy(deep=True)
    whatif.levers.central_management.enrolled_share = 0.8
    expected_whatif = sim.run(whatif, replications=reps, seed=seed).series["compliance_mean"].tolist()
    expected_loaded = sim.run(baseline, replications=reps, seed=seed).series["compliance_mean"].tolist()
    assert kpi_curve(at) == expected_whatif
    assert kpi_curve(at, "Loaded scenario") == expected_loaded
    assert expected_whatif[-1] > expected_loaded[-1] + 0.05  # the lever moved the curve: not the same run twice


@pytest.fixture
def shared() -> pool.SharedRuns:
    return pool.shared()


def _long_run() -> tuple[sim.Scenario, int]:
    """The baseline with daily audits of every device at 140 runs: three batches of a second or more
    each on an idle machine, so it cannot finish within the test's waits."""
    scenario = sim.load_scenario(BASELINE)
    scenario.levers.audits.interval_days = 1
    scenario.levers.audits.coverage = 1.0
    return scenario, 140


STOP_WITHIN_S = 3.0  # a run let go stops this soon (the long run would take about 10 CPU-s more)


def _stops(runs: list[sim.runner.PendingRun]) -> float:
    """Seconds until every batch of ``runs`` is over (at most STOP_WITHIN_S), then the workers'
    CPU share over the next second."""
    start = time.monotonic()
    while not all(run.done() for run in runs) and time.monotonic() - start < STOP_WITHIN_S:
        time.sleep(0.05)
    took = time.monotonic() - start
    assert all(run.done() for run in runs), f"still running {STOP_WITHIN_S} s after being let go"
    cpu = _workers_cpu()
    time.sleep(1.0)
    assert _workers_cpu() - cpu < 0.1, "the workers are not idle"
    return took


def test_a_run_nobody_waits_for_is_stopped_running_batches_included(shared: pool.SharedRuns):
    scenario, reps = _long_run()
    key = ("long", reps, 11)
    run = shared.hold(key, scenario, reps, 11)
    time.sleep(0.5)
    start = _workers_cpu()
    time.sleep(1.0)
    assert _workers_cpu() - start > 0.05  # the workers are simulating it (idle ones use none)
    shared.let_go(key, run)
    assert _stops([run]) >= pool.GRACE_S * 0.9  # not before the grace
    assert run.cancelled
    outcome = _outcome(run)
    # a batch that was running is stopped (batches already done by then may have finished:
    # on an idle machine a batch of this run takes about a second)
    assert "Interrupted" in outcome, outcome
    assert outcome.count("finished") < len(outcome), outcome  # stopped, not completed
    assert set(outcome) <= {"finished", "Interrupted", "cancelled"}
    assert shared.in_flight() == 0


def test_a_run_another_page_still_holds_goes_on(shared: pool.SharedRuns):
    """Two sessions wanting the same run share it; one letting go does not stop the other's."""
    scenario = sim.load_scenario(BASELINE)
    key = ("shared", 4, 12)
    first = shared.hold(key, scenario, 4, 12)
    second = shared.hold(key, scenario, 4, 12)
    assert first is second
    shared.let_go(key, first)
    time.sleep(pool.GRACE_S + 0.2)
    assert not first.cancelled
    result = second.result()
    shared.let_go(key, second)
    assert result.series.equals(sim.run(scenario, replications=4, seed=12).series)
    assert shared.in_flight() == 0


class _Interrupted(Exception):
    """Stands in for Streamlit's StopException, raised at a progress update after Stop or a closed tab."""


class _Slot:
    """The page's progress placeholder: raises at the fifth update (about 0.5 s of waiting), as
    Streamlit does at the first update after Stop was pressed or the tab closed; with
    ``started``, not before it says the runs are going (so a slow start on a busy machine
    cannot stop them before they began), at most after 30 s of waiting."""

    def __init__(self, started: Callable[[], bool] | None = None) -> None:
        self.updates = 0
        self.started = started

    def progress(self, fraction: float, text: str) -> None:
        self.updates += 1
        if self.updates >= 5 and (self.started is None or self.started() or self.updates >= 300):
            raise _Interrupted

    def empty(self) -> None:
        pass


def test_stop_during_a_page_run_cancels_every_run_it_submitted(shared: pool.SharedRuns):
    """A page run that submitted the what-if, the loaded scenario and a lever run, stopped while
    waiting for the first: all three are cancelled, and the workers go idle."""
    scenario, reps = _long_run()
    loaded = scenario.model_copy(deep=True)
    loaded.levers.central_management.enrolled_share = 0.9
    lever = scenario.model_copy(deep=True)
    lever.levers.audits.interval_days = 30
    start = _workers_cpu()
    slot = _Slot(started=lambda: _workers_cpu() - start > 0.1)
    held: list[sim.runner.PendingRun] = []

    def page_run() -> None:  # as app.py: want every run, then wait for the what-if
        with results.PageRuns() as runs:
            for sc in (scenario, loaded, lever):
                runs.want(sc, reps, 13)
            held.extend(runs.held.values())
            runs.get(scenario, reps, 13, slot, "Simulating the what-if…")

    with pytest.raises(_Interrupted):
        page_run()
    assert len(held) == 3
    assert _workers_cpu() - start > 0.1  # the runs had started
    _stops(held)
    for run in held:
        assert run.cancelled
        assert run.done()
        assert "finished" not in _outcome(run)
    assert shared.in_flight() == 0


@pytest.mark.usefixtures("scenarios_folder")
def test_a_cached_run_is_not_submitted_again():
    scenario = sim.load_scenario(BASELINE)
    with results.PageRuns() as runs:
        first = runs.get(scenario, 2, 14)
    with results.PageRuns() as runs:
        runs.want(scenario, 2, 14)
        assert runs.held == {}  # from the cache: nothing went to the pool
        assert runs.get(scenario, 2, 14).series.equals(first.series)


def test_the_page_run_after_a_new_setting_picks_up_a_run_the_last_one_started(shared: pool.SharedRuns):
    """Let go with the grace a rerun gets, then held again within it: the same run goes on, not a new one."""
    scenario = sim.load_scenario(BASELINE)
    key = ("rerun", 4, 15)
    first = shared.hold(key, scenario, 4, 15)
    shared.let_go(key, first, grace=pool.GRACE_S)
    again = shared.hold(key, scenario, 4, 15)
    time.sleep(pool.GRACE_S + 0.2)
    assert again is first
    assert not first.cancelled
    assert again.result().series.equals(sim.run(scenario, replications=4, seed=15).series)
    shared.let_go(key, again)
    assert shared.in_flight() == 0


@pytest.mark.slow
def test_with_a_dask_address_the_app_runs_on_that_cluster(monkeypatch: pytest.MonkeyPatch):
    """IOT_SIM_DASK_ADDRESS set: the shared pool is that cluster's executor, the same calls
    send the page's runs there (the cluster's workers do the tasks), with the same results."""
    from distributed import Client, LocalCluster

    scenario = sim.load_scenario(BASELINE)
    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        monkeypatch.setenv("IOT_SIM_DASK_ADDRESS", cluster.scheduler_address)
        pool.shared.clear()
        try:
            shared = pool.shared()
            assert shared.workers == 2
            with Client(cluster.scheduler_address) as watcher:
                before = sum(watcher.run(lambda dask_worker: dask_worker.state.executed_count).values())
                with results.PageRuns() as runs:
                    result = runs.get(scenario, 4, 16)
                after = sum(watcher.run(lambda dask_worker: dask_worker.state.executed_count).values())
        finally:
            client = getattr(shared.backend, "_client", None)
            pool.shared.clear()
            if client is not None:
                client.close()
    assert after - before >= 2  # the run went to the cluster as (at least) one batch per worker
    assert result.series.equals(sim.run(scenario, replications=4, seed=16).series)
