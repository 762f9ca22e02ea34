"""The technicians' queue inside whole runs: long jobs are served, utilisation is the work
arriving over capacity, and the work a day costs follows what is queued."""

from __future__ import annotations

import tracemalloc

import pytest
from helpers import modified, one_class

import sim


def long_jobs(count: int, technicians: int, hours: float, minutes: float = 480, horizon: int = 360) -> sim.Scenario:
    return one_class(
        count=count,
        interval=60,
        device={"manual_minutes": minutes},
        simulation={"horizon_days": horizon, "replications": 4, "seed": 3},
        levers={"technicians": {"count": technicians, "hours_per_day": hours}},
    )


def test_a_job_longer_than_a_working_day_is_served() -> None:
    """1 technician x 6 h and 480-minute jobs (20 devices, a release every 60 days): each
    job takes two days, the technician is busy, and the KPI stays high. (Before work
    carried over, no such ticket was ever served: utilisation 0 and a KPI falling to 0.)"""
    result = sim.run(long_jobs(20, 1, 6))
    series = result.series
    assert series["technician_utilisation_mean"].iloc[1:].mean() > 0.4
    assert series["compliance_mean"].iloc[1:].mean() > 0.95
    assert series["compliance_mean"].iloc[-1] > 0.9


def test_with_enough_capacity_utilisation_is_work_arriving_over_capacity() -> None:
    """Closed form: every release sends each device one ticket, and with capacity to spare
    all of them are served, so mean utilisation = count x minutes / interval / (technicians
    x hours x 60): 20 x 480 / 60 / 360 = 0.444 (5 years, so the day-0 backlog and the last
    release's unfinished work weigh little)."""
    for technicians, count, minutes in ((1, 20, 480), (2, 40, 480), (3, 100, 30)):
        result = sim.run(long_jobs(count, technicians, 6, minutes, horizon=1800))
        expected = count * minutes / 60 / (technicians * 6 * 60)
        simulated = result.series["technician_utilisation_mean"].iloc[1:].mean()
        assert simulated == pytest.approx(expected, rel=0.02), (technicians, count, minutes)


def test_the_largest_team_costs_no_more_memory_than_a_small_one(baseline: sim.Scenario) -> None:
    """10,000 technicians x 24 h on the baseline (issue 16: the day's window was the budget
    over the shortest job, 99 MB of arrays and 5 s here for one replication): each day reads
    only the tickets queued, so the run's peak allocation is within 1 MB of 5 technicians'
    (about 4 MB) and the queue is empty at the horizon."""
    peaks = {}
    for count, hours in ((5, 6), (10_000, 24)):
        sc = modified(baseline, levers={"technicians": {"count": count, "hours_per_day": hours}})
        tracemalloc.start()
        try:
            result = sim.run(sc, replications=1)
            peaks[count] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert peaks[10_000] < peaks[5] + 1_000_000
    assert result.summary["technician_backlog_end"] == 0
