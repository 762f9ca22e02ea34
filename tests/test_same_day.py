"""Time within a day: an install is never dated before the release it installs.

The day process applies a day's events at the day's end, but each event keeps its own
moment: a rollout wave offers a release at its moment, a device's check-in happens at its
own moment. A check-in due earlier in the day than a wave must see what was offered then,
not the release the wave brings later that day (docs/background/model.md, "Time within
a day").
"""

from __future__ import annotations

import numpy as np
import pytest
from helpers import one_class

from sim.model import Draws, FleetModel


def _install_log(scenario, replications: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Every automated or manual install of a run: its moment and its release's day."""
    model = FleetModel(scenario, range(replications), Draws(seed))
    moments, release_days = [], []
    install = model._install

    def logged(idx: np.ndarray, new: np.ndarray, when: np.ndarray) -> None:
        step = new > model.installed[idx]
        moments.append(np.asarray(when, dtype=float)[step])
        release_days.append(model.rel.day[model.rc[idx[step]], new[step]])
        install(idx, new, when)

    model._install = logged
    model.run()
    return np.concatenate(moments), np.concatenate(release_days)


@pytest.mark.parametrize("retries", [0, 3])
def test_no_install_is_dated_before_its_release_with_zero_delays(retries: int) -> None:
    """Zero approval delay, one wave, every device enrolled from day 0, a check-in every
    half day and loud failures with retries: releases arrive at random moments of a day
    (Poisson cadence) while check-ins for earlier releases are pending that same day."""
    scenario = one_class(
        count=500,
        interval=7.0,
        cadence="poisson",
        device={"install_failure_rate": 0.3},
        levers={
            "central_management": {"enrolled_share": 1.0, "checkin_days": 0.5, "retries": retries},
        },
        simulation={"horizon_days": 180},
    )
    moments, release_days = _install_log(scenario, replications=4)
    fresh = release_days >= 0  # releases from before day 0 were out long before any install
    early = moments[fresh] < release_days[fresh]
    assert fresh.sum() > 20_000  # the case is busy: many installs of releases in the run
    assert early.sum() == 0, (
        f"{early.sum()} of {fresh.sum()} installs ({early.mean():.2%}) are dated before their release"
    )


def test_no_install_is_dated_before_its_release_with_onboarding_during_the_run() -> None:
    """Devices coming on board during the run, on days when releases are approved."""
    scenario = one_class(
        count=500,
        interval=5.0,
        cadence="poisson",
        levers={
            "central_management": {"enrolled_share": 1.0, "onboarding_days": 120, "checkin_days": 0.3},
        },
        simulation={"horizon_days": 150},
    )
    moments, release_days = _install_log(scenario, replications=4)
    fresh = release_days >= 0
    early = moments[fresh] < release_days[fresh]
    assert fresh.sum() > 5_000
    assert early.sum() == 0, (
        f"{early.sum()} of {fresh.sum()} installs ({early.mean():.2%}) are dated before their release"
    )
