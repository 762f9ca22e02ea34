"""Summaries over replications: the fast NaN-aware percentiles agree with numpy's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from sim.results import _nan_percentile


@pytest.mark.parametrize("q", [5, 50, 95])
def test_nan_percentile_matches_numpy_to_the_last_bit(q: float) -> None:
    rng = np.random.default_rng(3)
    a = rng.random((400, 30))
    a[rng.random(a.shape) < 0.3] = np.nan  # days on which some replications have no value
    a[7] = np.nan  # a day with no value at all
    a[8, 0], a[8, 1:] = 0.4, np.nan  # a day with one value
    a[9, :2] = [0.25, 0.75]
    a[9, 2:] = np.nan  # two values: the 5th percentile is 0.25 + 0.05 * 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = np.nanpercentile(a, q, axis=1)
    got = _nan_percentile(a, q)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.isnan(got[7])
    assert got[8] == 0.4
    assert got[9] == pytest.approx(0.25 + 0.5 * q / 100)
