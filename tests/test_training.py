"""The training curve: a linear ramp, exponential decay with a half-life, refreshers."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model.training import trained_share, training_effect, training_sessions
from sim.scenario import Training


def test_ramp_then_half_life_decay() -> None:
    tr = Training(coverage=0.8, start_day=10, ramp_days=20, half_life_days=150, effectiveness=0.5)
    share = trained_share(np.array([0, 10, 20, 30, 180, 330]), tr)
    np.testing.assert_allclose(share, [0, 0, 0.4, 0.8, 0.4, 0.2])
    assert training_effect(30, tr) == pytest.approx(0.4)


def test_refreshers_restore_the_trained_share() -> None:
    tr = Training(coverage=1.0, start_day=0, ramp_days=0, half_life_days=100, refresher_interval_days=50)
    share = trained_share(np.array([0, 49.999, 50, 100, 125]), tr)
    np.testing.assert_allclose(share, [1.0, 0.5**0.49999, 1.0, 1.0, 0.5**0.25], rtol=1e-6)
    assert training_sessions(365, tr) == (1.0, [50, 100, 150, 200, 250, 300, 350])


def test_no_training_has_no_effect() -> None:
    tr = Training(coverage=0.0)
    assert not trained_share(np.arange(100), tr).any()
    assert training_sessions(365, tr) == (0.0, [])
