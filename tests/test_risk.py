"""Risk in money (sim/risk.py): open vulnerabilities priced as loss events, checked
against the closed form on a fleet that never patches, and against published rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import modified, one_class

import sim
from sim.model import Draws
from sim.model.releases import draw_releases
from sim.risk import breach_figures

CRITICAL_ONLY = {"critical": 1.0, "high": 0.0, "medium": 0.0, "low": 0.0}


def _never_patched(**risk: float) -> sim.Scenario:
    """Nobody installs anything: no central management, no technicians; every device starts
    missing the newest release whose deadline has passed."""
    return one_class(
        count=500,
        interval=20,
        cadence="poisson",
        mix=CRITICAL_ONLY,
        fleet={"initial_compliance": 0.0},
        costs={"breach_cost": 2_000_000},
        risk={
            "exploit_delay_days": risk.get("delay", 5.0),
            "exploitation_rate_per_vulnerability_year": {"critical": risk.get("rate", 0.3)},
        },
        simulation={"horizon_days": 200, "replications": 6, "seed": 5},
    )


def test_a_fleet_that_never_patches_matches_the_closed_form() -> None:
    """Every device lacks every release from the newest overdue one on day 0, so on day t
    the open vulnerabilities are the n(t) releases k ≥ k0 with release day + delay ≤ t, and
    expected breaches = Σ_{t=1..H} 1 − exp(−rate · n(t) / 365.25)."""
    sc = _never_patched(rate=0.3, delay=5.0)
    result = sim.run(sc)
    rel = draw_releases(sc, Draws(sc.simulation.seed), list(range(6)))
    days = np.arange(1, 201)
    expected = []
    for r in range(6):
        k0 = int(np.flatnonzero(rel.deadline[r] <= 0).max())
        opens = rel.day[r, k0 : rel.count[r]] + 5.0
        n = (opens[None, :] <= days[:, None]).sum(axis=1)
        expected.append((-np.expm1(-0.3 * n / 365.25)).sum())
    s = result.summary
    assert s["expected_breaches"] == pytest.approx(np.mean(expected), rel=1e-9)
    assert s["expected_breach_loss"] == pytest.approx(np.mean(expected) * 2_000_000, rel=1e-9)
    # n(t) grows by one release every 20 days: about 2 + t/20 open on day t
    assert s["expected_breaches"] == pytest.approx(0.3 * (2 + 100 / 20) * 200 / 365.25, rel=0.35)
    assert s["breaches_per_year"] == pytest.approx(s["expected_breaches"] * 365.25 / 200)


def test_the_exploit_delay_counts_from_release_not_from_the_deadline() -> None:
    """A longer exploit delay leaves each vulnerability closed for longer: fewer breaches."""
    soon = sim.run(_never_patched(delay=0.0)).summary["expected_breaches"]
    later = sim.run(_never_patched(delay=30.0)).summary["expected_breaches"]
    assert later < soon
    # 30 days later, one and a half releases (gaps of mean 20 days) fewer are open each day
    assert soon - later == pytest.approx(0.3 * 1.5 * 170 / 365.25, rel=0.5)


def test_installing_closes_the_vulnerability() -> None:
    """The same fleet, all enrolled and checking in daily: far fewer open vulnerabilities."""
    base = _never_patched()
    managed = sim.run(modified(base, levers={"central_management": {"enrolled_share": 1.0}})).summary
    assert managed["expected_breaches"] < 0.1 * sim.run(base).summary["expected_breaches"]


def test_breach_probability_never_exceeds_one_and_breaches_at_most_one_a_day() -> None:
    sc = _never_patched(rate=100.0, delay=0.0)
    s = sim.run(sc).summary
    assert 0.999 < s["breach_probability"] <= 1.0
    assert s["expected_breaches"] <= 200
    exposure = np.full((201, 3, 4), 1e6)
    figures = breach_figures(sc, exposure)
    assert np.all(figures.breach_probability <= 1.0)
    assert np.all(figures.daily_chance <= 1.0)
    assert figures.expected_breaches == pytest.approx([200.0] * 3)


def test_the_probability_of_at_least_one_is_one_minus_exp_of_the_total_rate() -> None:
    sc = _never_patched()
    exposure = np.zeros((366, 1, 4))
    exposure[1:, 0, 0] = 2.0  # two critical vulnerabilities open all year
    figures = breach_figures(sc, exposure)
    total = 0.3 * 2 * 365 / 365.25
    assert figures.breach_probability[0] == pytest.approx(1 - math.exp(-total))
    assert figures.expected_breaches[0] == pytest.approx(365 * -math.expm1(-0.3 * 2 / 365.25))
