"""What can go wrong with a release: faulty releases, the vendor's fix, and staged
rollouts that halt when a stage's failures pass a threshold (sim/model/rollout.py)."""

from __future__ import annotations

import pytest
from helpers import modified, one_class

import sim


def _fleet(waves: list[float], halt: float = 0.2, share: float = 1.0) -> sim.Scenario:
    """2,000 enrolled devices checking in twice a day; every release faulty (or ``share``)."""
    return one_class(
        count=2000,
        interval=30,
        device={"faulty_release_share": share, "fix_release_days": 7},
        levers={
            "central_management": {
                "enrolled_share": 1.0,
                "waves": waves,
                "wave_gap_days": 2,
                "checkin_days": 0.5,
                "halt_failure_share": halt,
            }
        },
        simulation={"horizon_days": 120, "replications": 4, "seed": 2},
    )


def test_a_staged_rollout_that_halts_breaks_fewer_devices_than_sending_to_all() -> None:
    """All at once, a faulty release reaches every device before anyone can stop it; in
    stages of 5/25/70% two days apart, the first stage's failures halt it."""
    at_once = sim.run(_fleet([1.0])).summary
    staged = sim.run(_fleet([0.05, 0.25, 0.70])).summary
    # four faulty releases in 120 days (every 30 days), each reaching all 2,000 at once
    assert at_once["devices_broken_by_faulty_releases"] == pytest.approx(4 * 2000, rel=0.01)
    # staged: about the first stage (5% = 100 devices) of each, and no more than a tenth
    assert staged["devices_broken_by_faulty_releases"] < 0.1 * at_once["devices_broken_by_faulty_releases"]
    assert staged["devices_broken_by_faulty_releases"] == pytest.approx(4 * 100, rel=0.15)


def test_without_a_halt_threshold_stages_only_delay_the_damage() -> None:
    never_halts = sim.run(_fleet([0.05, 0.25, 0.70], halt=1.0)).summary
    staged = sim.run(_fleet([0.05, 0.25, 0.70])).summary
    # nearly every device (the last stage goes out 4 days after release; a few are still
    # waiting for their check-in when the fix arrives on day 7, and take the fix instead)
    assert never_halts["devices_broken_by_faulty_releases"] == pytest.approx(4 * 2000, rel=0.06)
    assert never_halts["devices_broken_by_faulty_releases"] > 10 * staged["devices_broken_by_faulty_releases"]


def test_the_fix_release_repairs_the_broken_devices() -> None:
    """A broken device takes the vendor's fix a week later: few are broken at the end, and
    the fix (which holds the faulty release's security content) keeps the KPI up."""
    result = sim.run(_fleet([1.0]))
    broken = result.series["broken_devices_mean"]
    assert broken.max() > 1000  # most of the fleet, right after a faulty release
    # each is broken from its install until the fix a week later: about 7 days in every
    # 30-day release cycle, so on average under a third of the fleet
    assert broken.iloc[1:].mean() < 0.3 * 2000
    # the fix comes 7 days after, inside every SLA: the KPI stays high
    assert result.summary["compliance_average"] > 0.95


def test_no_faulty_releases_breaks_nothing_and_changes_nothing_else() -> None:
    clean = _fleet([1.0], share=0.0)
    s = sim.run(clean).summary
    assert s["devices_broken_by_faulty_releases"] == 0
    assert s["broken_devices_end"] == 0
    # with no faulty release, the halt threshold cannot matter
    other = sim.run(modified(clean, levers={"central_management": {"halt_failure_share": 0.0}}))
    assert other.per_replication.equals(sim.run(clean).per_replication)


def test_the_default_presets_break_a_few_devices_a_year() -> None:
    """2% of releases faulty (an assumption), staged rollouts halting at 20%: the case
    study's automation breaks a handful of devices a year, not the fleet."""
    s = sim.run(sim.load_scenario("scenarios/case_study.yaml"), replications=10, seed=7).summary
    assert 0 < s["devices_broken_by_faulty_releases"] < 200
