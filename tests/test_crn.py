"""Exact common random numbers: every draw is keyed by what it is about (sim/model/draws.py).

A replication's result does not depend on how many replications run or how they are
batched; changing the rollout stages does not move the fleet; adding a technician does
not move any enrolled device's check-in or install-outcome draws; the hash's uniforms
look uniform.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

import sim
import sim.runner
from sim.model import Draws, FleetModel, Mechanism
from tests.helpers import modified, one_class

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture(scope="module")
def case_study() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "case_study.yaml")


def test_a_replication_does_not_depend_on_how_many_run_or_how_they_are_batched(
    case_study: sim.Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replication i's daily KPI is the same, to the last bit, in a 10- and a 30-replication
    run, and when the runner cuts the 30 into batches of 4 (5,000 devices each, so a
    batch limit of 20,000 device-replications gives 8 batches: 4, 4, ..., 2)."""
    ten_run = sim.run(case_study, replications=10, seed=7)
    thirty_run = sim.run(case_study, replications=30, seed=7)
    ten, thirty = ten_run.per_replication, thirty_run.per_replication
    assert list(ten.columns) == [f"rep_{i}" for i in range(10)]
    assert ten.equals(thirty[ten.columns])
    # each replication's own summary row too: KPI, cost and breach figures
    assert list(ten_run.replication_summary.index) == list(range(10))
    assert ten_run.replication_summary.equals(thirty_run.replication_summary.iloc[:10])
    assert sim.runner._batches(30, case_study.fleet.device_count) == [range(30)]  # one batch by default
    monkeypatch.setattr(sim.runner, "BATCH_DEVICES", 20_000)
    assert len(sim.runner._batches(30, case_study.fleet.device_count)) == 8
    batched_run = sim.run(case_study, replications=30, seed=7)
    assert batched_run.per_replication.equals(thirty)
    assert batched_run.replication_summary.equals(thirty_run.replication_summary)
    assert thirty_run.replication_summary["expected_breaches"].std() > 0
    # the replications do differ from each other (so the equality above says something)
    assert thirty.iloc[182].std() > 0.005


def _by_device(model: FleetModel, values: np.ndarray) -> np.ndarray:
    """Per-device values in the order (replication, class, device number), whatever the layout."""
    order = np.lexsort((model.dev_index, model.cls, model.rep))
    return values[order]


def test_changing_the_rollout_stages_leaves_the_fleet_and_day_0_alone(case_study: sim.Scenario) -> None:
    """Waves [1] against [0.05, 0.25, 0.70]: every device keeps its department, OTA
    capability, enrolment moment and day-0 state; day 0 of every replication is identical;
    the waves themselves do change (about 5% of devices in the first wave)."""
    one = modified(case_study, levers={"central_management": {"waves": [1.0]}})
    three = modified(case_study, levers={"central_management": {"waves": [0.05, 0.25, 0.70]}})
    a = FleetModel(one, range(5), Draws(7))
    b = FleetModel(three, range(5), Draws(7))
    for name in ("dept", "enrol_time", "installed", "dev_key"):
        assert np.array_equal(_by_device(a, getattr(a, name)), _by_device(b, getattr(b, name))), name
    sizes_b = b.group_sizes.reshape(5, b.C, b.D, 3)
    assert np.array_equal(a.group_sizes.reshape(5, a.C, a.D), sizes_b.sum(axis=3))
    first_wave = sizes_b[..., 0].sum() / sizes_b.sum()
    assert 0.04 < first_wave < 0.06
    ra = sim.run(one, replications=10, seed=7)
    rb = sim.run(three, replications=10, seed=7)
    assert ra.per_replication.iloc[0].equals(rb.per_replication.iloc[0])
    assert ra.series.iloc[0].equals(rb.series.iloc[0])
    assert not ra.per_replication.iloc[30].equals(rb.per_replication.iloc[30])  # staging does delay


class _Logged(FleetModel):
    """A model that logs every check-in it schedules and every device a technician visits."""

    def __init__(self, *args, **kwargs) -> None:
        self.checkins: dict[tuple[int, int, int], float] = {}
        self.visited: set[int] = set()
        super().__init__(*args, **kwargs)

    def _ident(self, idx: np.ndarray) -> np.ndarray:
        return self.rep[idx].astype(np.int64) * 10**7 + self.dev_index[idx]

    def _schedule_checkin(self, idx: np.ndarray, start: np.ndarray) -> None:
        super()._schedule_checkin(idx, start)
        for dev, rel, a, at in zip(
            self._ident(idx), self.attempt_rel[idx], self.attempt_no[idx] - 1, self.next_attempt[idx], strict=True
        ):
            self.checkins[(int(dev), int(rel), int(a))] = float(at)

    def _manual_update(self, idx: np.ndarray, t: int) -> None:
        self.visited.update(int(d) for d in self._ident(idx))
        super()._manual_update(idx, t)


def test_adding_a_technician_leaves_the_enrolled_devices_draws_alone() -> None:
    """Half the fleet enrolled, loud install failures with no retries (each failure opens a
    ticket), 1 or 4 technicians: every enrolled device no technician ever touched in either
    run checks in at exactly the same moments, for the same releases and attempts, in both
    (its check-in and outcome draws are its own); the technicians do change the devices
    they visit."""
    sc = one_class(
        count=1500,
        interval=20.0,
        cadence="poisson",
        device={"install_failure_rate": 0.3},
        fleet={"initial_compliance": 0.6},
        levers={
            "central_management": {"enrolled_share": 0.5, "onboarding_days": 30, "checkin_days": 3.0, "retries": 0},
            "technicians": {"count": 1, "hours_per_day": 4},
        },
        simulation={"horizon_days": 120},
    )
    more = modified(sc, levers={"technicians": {"count": 4}})
    runs = []
    for scenario in (sc, more):
        model = _Logged(scenario, range(3), Draws(7))
        model.run()
        runs.append(model)
    few, many = runs
    enrolled = {int(d) for d in few._ident(np.flatnonzero(few.enrolled))}
    assert enrolled == {int(d) for d in many._ident(np.flatnonzero(many.enrolled))}
    assert len(enrolled & many.visited) > 2 * len(enrolled & few.visited) > 0  # more technicians, more visits
    untouched = enrolled - few.visited - many.visited
    assert len(untouched) > 300

    def history(model: _Logged, dev: set[int]) -> dict:
        return {key: at for key, at in model.checkins.items() if key[0] in dev}

    h_few, h_many = history(few, untouched), history(many, untouched)
    assert len(h_few) > 1000
    assert h_few == h_many
    # and the devices the technicians did visit: their results differ between the runs
    assert not np.array_equal(_by_device(few, few.installed), _by_device(many, many.installed))


def test_keyed_draws_are_uniform_and_independent_across_mechanisms() -> None:
    """1e5 uniforms from fixed keys (device numbers 0..99,999 of one class): a KS test
    against the uniform distribution does not reject (p > 0.001); consecutive attempts of
    one device are as uniform; two mechanisms' draws for the same keys are uncorrelated
    (|r| < 0.015, about 5 standard errors at n = 1e5); exponentials have mean 1 within 1.5%;
    the same keys give the same draws."""
    draws = Draws(7)
    key = draws.key(0, 0, np.arange(100_000))
    u = Draws.uniform(key, Mechanism.CHECKIN, 3, 0)
    assert u.min() >= 0.0
    assert u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 0.001
    along = Draws.uniform(draws.key(0, 0, 17), Mechanism.CHECKIN, 3, np.arange(100_000))
    assert stats.kstest(along, "uniform").pvalue > 0.001
    other = Draws.uniform(key, Mechanism.OUTCOME, 3, 0)
    assert abs(np.corrcoef(u, other)[0, 1]) < 0.015
    assert abs(np.corrcoef(u, along)[0, 1]) < 0.015
    e = Draws.exponential(key, Mechanism.DRIFT, 0)
    assert e.mean() == pytest.approx(1.0, rel=0.015)
    assert np.array_equal(u, Draws.uniform(Draws(7).key(0, 0, np.arange(100_000)), Mechanism.CHECKIN, 3, 0))
    assert not np.array_equal(u, Draws.uniform(Draws(8).key(0, 0, np.arange(100_000)), Mechanism.CHECKIN, 3, 0))


def test_the_short_path_of_a_draw_gives_the_chain_to_the_last_bit() -> None:
    """``Draws.uniform`` takes a shorter, in-place path for 1-d keys with whole-number or
    1-d integer fields (the model's daily draws); it must give the chain's numbers exactly,
    negative fields and fields wider than 28 bits included."""
    from sim.model.draws import _field, _flat, mix, to_uniform

    draws, rng = Draws(11), np.random.default_rng(0)
    flat = 0
    for _ in range(500):
        n = int(rng.integers(0, 40))
        key = draws.key(int(rng.integers(0, 5)), int(rng.integers(0, 3)), np.arange(n))
        fields_ = []
        for _ in range(2):
            kind = int(rng.integers(0, 4))
            fields_.append(
                [
                    int(rng.integers(-5, 2**30)),
                    rng.integers(-3, 2**29, size=n).astype(np.int32),
                    rng.integers(0, 2**40, size=n).astype(np.int64),
                    np.int32(rng.integers(-2, 100)),
                ][kind]
            )
        mech = Mechanism(int(rng.integers(1, 20)))
        flat += _flat(key, *fields_)
        word = _field(int(mech), 8, 56) | _field(fields_[0], 28, 28) | _field(fields_[1], 28, 0)
        assert np.array_equal(Draws.uniform(key, mech, *fields_), to_uniform(mix(key, word)))
    assert flat == 500  # every case took the short path
