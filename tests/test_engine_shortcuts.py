"""The engine's shortcuts give exactly what the plain numpy calls they replace give.

Each helper here stands in for a numpy call on the model's hot path (a sort, a binary
search, a count along an axis); the daily series must stay the same to the last bit, so
each is compared with the plain call on random and awkward inputs, exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.model.fleet import _count_at_most
from sim.model.record import _count_per_row, _sorted_by, _sum_middle


def _awkward_values(rng: np.random.Generator, n: int) -> np.ndarray:
    """Times to patch with many exact repeats and values a combined sort key would merge."""
    pool = np.r_[rng.random(20) * 500, 0.0, 1e-12, 1e-13, 3.0, 3.0000000000000004, 2.0**40 + 0.25, 2.0**40 + 0.5]
    return rng.choice(pool, n)


@pytest.mark.parametrize("seed", range(40))
def test_sorted_by_gives_what_lexsort_gives(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    # odd seeds: mostly in group order, as installs come day by day
    group = np.sort(rng.integers(0, int(rng.integers(1, 12_000)), n)) if seed % 2 else rng.integers(0, 50, n)
    if seed % 5 == 0:
        group = group + 2**50  # too large for an exact combined key
    value = _awkward_values(rng, n) if seed % 3 else np.round(rng.random(n) * 100, 1)
    if n and seed % 7 == 0:
        value[0] = -0.0  # equal to 0.0, a different number
    if n and seed % 11 == 0:
        value[-1] = np.nan
    if n and seed % 13 == 0:
        value[-1] = np.inf
    order = np.lexsort((value, group))
    g, v = _sorted_by(group, value)
    np.testing.assert_array_equal(g, group[order])
    assert np.array_equal(v, value[order], equal_nan=True)
    assert np.array_equal(np.signbit(v), np.signbit(value[order]))


@pytest.mark.parametrize("seed", range(20))
def test_count_at_most_gives_what_searchsorted_gives(seed: int) -> None:
    rng = np.random.default_rng(seed)
    edges = np.cumsum(rng.choice([0.0, 0.1, 0.25, 1 / 3], int(rng.integers(1, 30))))  # repeats included
    x = np.r_[rng.random(1000) * edges[-1], edges, np.nextafter(edges, -np.inf), 0.0]
    np.testing.assert_array_equal(_count_at_most(edges, x), np.searchsorted(edges, x, side="right"))


@pytest.mark.parametrize("rows", [1, 3, 64, 65, 200])
def test_count_per_row_and_sum_middle_give_what_numpy_gives(rows: int) -> None:
    rng = np.random.default_rng(rows)
    flags = rng.random((rows, 37)) < 0.2
    np.testing.assert_array_equal(_count_per_row(flags), np.count_nonzero(flags, axis=1))
    for middle in (1, 3, 8, 9):
        a = rng.integers(0, 1000, (rows, middle, 5))
        np.testing.assert_array_equal(_sum_middle(a), a.sum(axis=1))


def test_how_often_installs_are_tallied_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Installs are tallied in batches at a day's end; the batch size must not move any
    figure, not even in the last bit. Audits every 2.5 days re-enable switched-off devices
    at half past a day, so some check-ins fall due after that day's attempts and are made
    the next day, dated the day before: a batch must not end between them."""
    from dataclasses import fields

    from sim.model import Draws, FleetModel
    from tests.helpers import one_class

    sc = one_class(
        count=3000,
        interval=7.0,
        cadence="poisson",
        device={"install_failure_rate": 0.2, "silent_failure_share": 0.3, "ota_capable": 0.8},
        human_factors={"disable_rate_per_month": 0.3},
        levers={
            "central_management": {"enrolled_share": 0.7, "onboarding_days": 20, "checkin_days": 0.7},
            "audits": {"interval_days": 2.5, "coverage": 1.0, "detection_rate": 1.0},
            "technicians": {"count": 2},
        },
        simulation={"horizon_days": 120, "replications": 2},
    )
    records = []
    for tally in (0, 10**9):  # tally every day, or only when the sums reach the record's totals
        monkeypatch.setattr("sim.model.record.TTP_TALLY_INSTALLS", tally)
        records.append(FleetModel(sc, range(2), Draws(3)).run())
    daily, rarely = records
    assert daily.patch_day_count.sum() > 1000
    for f in fields(daily):
        a, b = getattr(daily, f.name), getattr(rarely, f.name)
        assert np.array_equal(a, b, equal_nan=True), f.name


def _counted_on_the_day(model, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Day ``t``'s compliant counts, overdue counts and open vulnerabilities as the record
    once counted them at each day's end: a weighted count of the per-level table by
    (group, state) from the state table, and the exposure over the open releases alone."""
    from sim.model import N_SEV

    R, C, D, K = model.R, model.C, model.D, model.K
    table = model._state_table(t).reshape(-1, K + 1)
    n_rcd = model.levels.shape[0]
    key = np.arange(n_rcd)[:, None] * (N_SEV + 1) + table[model.rc_of_rcd]
    counts = np.bincount(key.reshape(-1), weights=model.levels.reshape(-1), minlength=n_rcd * (N_SEV + 1))
    counts = counts.reshape(R, C, D, N_SEV + 1).astype(np.int64)
    exp_from = model.rel.day + model.sc.risk.exploit_delay_days
    exp_key = (np.repeat(np.arange(R), C)[:, None] * N_SEV + np.maximum(model.rel.severity, 0)).reshape(-1)
    size = np.maximum(np.diff(model.rc_start), 1).astype(float)[:, None]
    per_rc = model.levels.reshape(R * C, D, K + 1).sum(axis=1)
    lo = 0
    while lo < K and not per_rc[:, lo].any():
        lo += 1
    first = np.where(np.isfinite(exp_from), exp_from, np.inf).min(axis=0)
    hi = int(np.searchsorted(np.minimum.accumulate(first[::-1])[::-1], t, side="right"))
    exposure = np.zeros((R, N_SEV))
    if hi > lo:
        running = np.cumsum(per_rc.reshape(-1)).reshape(R * C, K + 1)
        lacking = running[:, lo:hi] - np.concatenate([[0], running[:-1, -1]])[:, None]
        share = np.where(exp_from[:, lo:hi] <= t, lacking / size, 0.0)
        k = exp_key.reshape(R * C, K)[:, lo:hi].reshape(-1)
        exposure = np.bincount(k, weights=share.reshape(-1), minlength=R * N_SEV).reshape(R, N_SEV)
    return counts[..., 0], counts[..., 1:].sum(axis=(1, 2))[:, ::-1], exposure


@pytest.mark.parametrize("days_at_once", [1, 7, 64])
def test_kpi_counts_and_exposure_a_few_days_at_a_time_are_the_daily_counts(
    monkeypatch: pytest.MonkeyPatch, days_at_once: int
) -> None:
    """The record's counts by state and open vulnerabilities, worked out a few days at a
    time from kept copies of the per-level table, equal a count made at each day's end to
    the last bit (faulty releases, audits and enrolment move devices between levels)."""
    from sim.model import Draws, FleetModel
    from sim.scenario import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "case_study.yaml")
    sc.simulation.horizon_days = 150
    for cls in sc.fleet.device_classes:
        cls.faulty_release_share = 0.2
    sc.levers.audits.interval_days = 20.0
    model = FleetModel(sc, range(3), Draws(5))
    n_rcd = model.levels.shape[0]
    monkeypatch.setattr(model, "_kept_cap", days_at_once)
    model._kept = np.zeros((days_at_once, n_rcd, model.K + 1), dtype=model.levels.dtype)
    model._kept_cuts = np.zeros((days_at_once, *model._cuts.shape), dtype=np.int64)
    model.skip_quiet_days = False
    expected = {}
    record_day = model._record

    def record(t: int) -> None:
        record_day(t)
        expected[t] = _counted_on_the_day(model, t)

    monkeypatch.setattr(model, "_record", record)
    rec = model.run()
    assert len(expected) == model.T
    for t, (compliant, overdue, exposure) in expected.items():
        np.testing.assert_array_equal(rec.compliant_cd[t], compliant)
        np.testing.assert_array_equal(rec.overdue_sev[t], overdue)
        assert np.array_equal(rec.exposure[t], exposure), t
    assert rec.exposure.any()
    assert rec.overdue_sev.any()


def test_broken_devices_kept_as_the_flags_change_are_the_daily_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The record's broken devices per replication, kept as devices break and are mended,
    equal the broken flags counted at each day's end (faulty releases, retries, tickets
    and technicians' visits break and mend devices)."""
    from sim.model import Draws, FleetModel
    from sim.scenario import load_scenario

    sc = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml")
    sc.simulation.horizon_days = 200
    sc.levers.central_management.enrolled_share = 0.5
    for cls in sc.fleet.device_classes:
        cls.faulty_release_share = 0.3
    model = FleetModel(sc, range(3), Draws(3))
    model.skip_quiet_days = False
    counted = {}
    record_day = model._record

    def record(t: int) -> None:
        record_day(t)
        counted[t] = np.count_nonzero(model.broken.reshape(model.R, -1), axis=1)

    monkeypatch.setattr(model, "_record", record)
    rec = model.run()
    assert len(counted) == model.T
    for t, broken in counted.items():
        np.testing.assert_array_equal(rec.broken[t], broken)
    assert rec.broken.any()  # devices broke
    assert (np.diff(rec.broken, axis=0) < 0).any()  # and were mended
