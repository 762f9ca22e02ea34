"""The engine's shortcuts give exactly what the plain numpy calls they replace give.

Each helper here stands in for a numpy call on the model's hot path (a sort, a binary
search, a count along an axis); the daily series must stay the same to the last bit, so
each is compared with the plain call on random and awkward inputs, exactly.
"""

from __future__ import annotations

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
