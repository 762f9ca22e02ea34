"""Many runs at once (sim.run_many): a local process pool by default, a Dask distributed
cluster when given one; every result equal to ``sim.run``'s, bit for bit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import sim
from sim import runner

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenarios() -> list[sim.Scenario]:
    base = sim.load_scenario(ROOT / "scenarios" / "baseline.yaml")
    case = sim.load_scenario(ROOT / "scenarios" / "case_study.yaml")
    short = [
        s.model_copy(update={"simulation": s.simulation.model_copy(update={"horizon_days": 120})}) for s in (base, case)
    ]
    return short


def _same(a: sim.Result, b: sim.Result) -> None:
    assert a.per_replication.equals(b.per_replication)
    assert a.replication_summary.equals(b.replication_summary)
    assert a.series.equals(b.series)
    assert a.summary.keys() == b.summary.keys()
    for key, value in a.summary.items():
        assert value == b.summary[key] or (value != value and b.summary[key] != b.summary[key]), key


def test_run_many_on_the_local_process_pool_equals_run(scenarios: list[sim.Scenario]) -> None:
    one_by_one = [sim.run(s, replications=6, seed=5) for s in scenarios]
    many = sim.run_many(scenarios, replications=6, seed=5)
    assert [r.scenario.name for r in many] == [s.name for s in scenarios]  # order kept
    for a, b in zip(one_by_one, many, strict=True):
        _same(a, b)
    assert isinstance(runner.default_executor(), runner.ProcessPoolExecutor)


def test_run_many_splits_a_scenario_into_batches_and_joins_them(scenarios, monkeypatch) -> None:
    """With a small batch limit one scenario becomes several tasks; the joined result is
    still the one-call result, and progress reaches 1."""
    whole = sim.run(scenarios[1], replications=6, seed=5)
    monkeypatch.setattr(runner, "BATCH_DEVICES", 10_000)  # 5,000 devices: 2 replications a batch
    seen: list[float] = []
    with ThreadPoolExecutor(2) as pool:
        (joined,) = sim.run_many([scenarios[1]], replications=6, seed=5, executor=pool, progress=seen.append)
    _same(whole, joined)
    assert seen == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_a_bad_scenario_is_refused_before_anything_runs(scenarios) -> None:
    with pytest.raises(sim.ScenarioError, match="replications"):
        sim.run_many(scenarios, replications=0)


def test_the_cluster_address_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("IOT_SIM_DASK_ADDRESS", raising=False)
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    assert runner.cluster_address() is None
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://127.0.0.1:1")
    assert runner.cluster_address() == "tcp://127.0.0.1:1"
    monkeypatch.setenv("IOT_SIM_DASK_ADDRESS", "tcp://127.0.0.1:2")
    assert runner.cluster_address() == "tcp://127.0.0.1:2"


@pytest.mark.slow
def test_run_many_on_a_dask_cluster_equals_run(scenarios: list[sim.Scenario]) -> None:
    """A real Dask cluster on loopback (two worker processes): the same results."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None) as cluster:
        executor = runner.dask_executor(cluster.scheduler_address)
        try:
            many = sim.run_many(scenarios, replications=4, seed=3, executor=executor)
        finally:
            Client.current().close()
    for s, b in zip(scenarios, many, strict=True):
        _same(sim.run(s, replications=4, seed=3), b)


def test_submit_spreads_one_run_over_the_workers_and_equals_run(scenarios) -> None:
    """``parts``: one run split into at least that many batches (so every worker takes a
    share), never more than there are replications; the joined result is ``run``'s."""
    assert runner._batches(30, 5_000, parts=2) == [range(0, 15), range(15, 30)]
    assert runner._batches(1, 5_000, parts=2) == [range(0, 1)]
    assert len(runner._batches(30, 100_000, parts=2)) == 15  # the size limit (2 replications a batch) still rules
    with ThreadPoolExecutor(2) as pool:
        pending = runner.submit(scenarios[0], replications=5, seed=4, executor=pool, parts=2)
        assert len(pending.futures) == 2
        _same(sim.run(scenarios[0], replications=5, seed=4), pending.result())
