"""The technicians' queue inside whole runs: long jobs are served, the work a day costs
follows what is queued, urgency follows the worst release a visit installs, and audits do
not send technicians to devices that have nothing approved to install."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from helpers import modified, one_class

import sim
from sim.model import CRITICAL, Draws, FleetModel


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
    release's unfinished work weigh little; a replication sees 30 or 31 releases in 1,800
    days depending on its random phase, hence the 3.5% tolerance)."""
    for technicians, count, minutes in ((1, 20, 480), (2, 40, 480), (3, 100, 30)):
        result = sim.run(long_jobs(count, technicians, 6, minutes, horizon=1800))
        expected = count * minutes / 60 / (technicians * 6 * 60)
        simulated = result.series["technician_utilisation_mean"].iloc[1:].mean()
        assert simulated == pytest.approx(expected, rel=0.035), (technicians, count, minutes)


def test_a_job_gets_at_most_one_technicians_day_per_day() -> None:
    """Ten technicians and one 480-minute job: with 6-hour days it takes two days however
    large the team (nobody works two shifts on one job), with 8-hour days one."""
    six = sim.run(long_jobs(1, 10, 6)).summary["mean_time_to_patch_days"]
    eight = sim.run(long_jobs(1, 10, 8)).summary["mean_time_to_patch_days"]
    assert six - eight == pytest.approx(1.0, abs=1e-9)


def _two_classes(finder: dict[str, Any], prioritize: bool) -> sim.Scenario:
    """Two enrolled classes whose every install fails silently, one with only low updates,
    one with only critical ones: all their tickets come from the finder (audits or reports)."""

    def device(name: str, severity: str) -> dict[str, Any]:
        return {
            "name": name,
            "count": 500,
            "release_interval_days": 30,
            "release_cadence": "fixed",
            "severity_mix": {s: float(s == severity) for s in ("critical", "high", "medium", "low")},
            "ota_capable": 1.0,
            "install_failure_rate": 1.0,
            "silent_failure_share": 1.0,
            "manual_minutes": 30,
        }

    sc = one_class(
        simulation={"horizon_days": 365, "replications": 4, "seed": 5},
        levers={
            "central_management": {"enrolled_share": 1.0},
            "update_policy": {"clarity": 1.0, "approval_delay_days": 0, "prioritize_critical": prioritize},
            "technicians": {"count": 2, "hours_per_day": 6},
            **finder,
        },
    )
    return modified(sc, fleet={"device_classes": [device("low", "low"), device("critical", "critical")]})


@pytest.mark.parametrize(
    "finder",
    [
        {"audits": {"interval_days": 30, "coverage": 1.0, "detection_rate": 1.0}},
        {"reporting_channel": {"enabled": True, "report_rate_per_day": 0.2}},
    ],
    ids=["audits", "reports"],
)
def test_a_found_device_missing_a_critical_update_is_urgent(finder: dict[str, Any]) -> None:
    """Prioritising critical updates moves the tickets that audits and reports open for the
    critical class ahead: its time to patch falls by a quarter or more and the low class
    waits longer. (When audit and report tickets were never urgent, the lever changed
    nothing here.)"""
    fifo = sim.run(_two_classes(finder, prioritize=False)).by_class.set_index("device_class")
    first = sim.run(_two_classes(finder, prioritize=True)).by_class.set_index("device_class")
    ttp = "mean_time_to_patch_days"
    assert first.loc["critical", ttp] < 0.75 * fifo.loc["critical", ttp]
    assert first.loc["low", ttp] > fifo.loc["low", ttp]
    assert first.loc["critical", "compliance_average"] > fifo.loc["critical", "compliance_average"] + 0.15


def _count_visits(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Count technician visits, and those with nothing to do: nothing approved left to
    install, no stuck agent, no botched update, automatic updates on."""
    counts = {"visits": 0, "wasted": 0}
    original = FleetModel._manual_update

    def spy(self: FleetModel, idx: np.ndarray, t: int) -> None:
        nothing = self.approved[self.rcd[idx]] <= self.installed[idx]
        nothing &= ~self.stuck[idx] & ~self.botched[idx] & ~self.disabled[idx]
        counts["visits"] += idx.size
        counts["wasted"] += int(nothing.sum())
        original(self, idx, t)

    monkeypatch.setattr(FleetModel, "_manual_update", spy)
    return counts


def test_audits_do_not_ticket_devices_overdue_only_on_unapproved_releases(monkeypatch: pytest.MonkeyPatch) -> None:
    """Approval takes 25 days and the SLA is 14: devices fall overdue before their
    department approves the release. A weekly audit finds them; ticketing them would send
    technicians who install nothing (36% of visits before the fix). Now no visit is wasted,
    and the devices are still patched once the approval opens their tickets."""
    counts = _count_visits(monkeypatch)
    sc = one_class(
        count=500,
        interval=30,
        sla=14,
        fleet={"departments": [{"name": "slow", "share": 1.0, "approval_delay_days": 25}]},
        simulation={"horizon_days": 365, "replications": 4, "seed": 3},
        levers={
            "update_policy": {"clarity": 0.0},
            "audits": {"interval_days": 7, "coverage": 1.0, "detection_rate": 1.0},
            "technicians": {"count": 4, "hours_per_day": 6},
        },
    )
    result = sim.run(sc)
    assert counts["visits"] > 15_000  # about 500 devices x 12 releases x 4 replications, less releases overtaken
    assert counts["wasted"] == 0
    no_audit = sim.run(modified(sc, levers={"audits": {"interval_days": 0}}))
    assert result.summary["compliance_average"] == pytest.approx(no_audit.summary["compliance_average"], abs=1e-12)


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


def test_urgency_follows_the_worst_missing_release_not_the_newest() -> None:
    """A device that lacks a critical release and a newer low one (retries ran out on the
    low one) gets an urgent ticket; one that lacks only the low one does not."""
    sc = one_class(
        count=10,
        interval=30,
        mix={"critical": 0.5, "high": 0.0, "medium": 0.0, "low": 0.5},
        simulation={"horizon_days": 365, "replications": 1, "seed": 2},
        levers={"update_policy": {"prioritize_critical": True}},
    )
    model = FleetModel(sc, range(1), Draws(2))
    sev = model.rel.severity[0]
    # a critical release k followed by a low one: release k + 1 is the newest the devices need
    k = next(i for i in range(1, sev.size - 1) if sev[i] == CRITICAL and sev[i + 1] == sim.SEVERITIES.index("low"))
    model.approved[:] = k + 1
    model.installed[:2] = [k - 1, k]  # device 0 lacks k (critical) and k + 1; device 1 only k + 1
    model._open_tickets(np.array([0, 1]), 1, np.zeros(2, dtype=bool))
    assert model.queue.urgent[:2].tolist() == [True, False]
