"""Unit tests of the model's mechanisms, each on a small fleet where the answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers import modified, one_class

import sim


def kpi(result: sim.Result) -> np.ndarray:
    return result.series["compliance_mean"].to_numpy()


# ---------------------------------------------------------------- closed-form results


@pytest.mark.parametrize(("T", "m", "S"), [(30.0, 5.0, 7.0), (45.0, 10.0, 14.0)])
def test_time_average_compliance_matches_closed_form(T: float, m: float, S: float) -> None:
    """Fixed cadence T, exponential check-in with mean m, SLA S, no failures or delays:
    time-average compliance = 1 − (m/T)·e^(−S/m)·(1 − e^(−T/m))."""
    sc = one_class(
        count=2000,
        interval=T,
        sla=S,
        simulation={"horizon_days": 730, "replications": 10, "seed": 3},
        levers={"central_management": {"enrolled_share": 1.0, "checkin_days": m}},
    )
    result = sim.run(sc)
    simulated = kpi(result)[60:].mean()
    expected = 1 - (m / T) * math.exp(-S / m) * (1 - math.exp(-T / m))
    assert simulated == pytest.approx(expected, abs=0.004)
    # every install waits one exponential check-in, so the mean time to patch is m
    assert result.summary["mean_time_to_patch_days"] == pytest.approx(m, rel=0.03)


def test_technicians_drain_the_backlog_at_a_constant_rate() -> None:
    """No new releases, a day-0 backlog of the non-compliant devices and 2 technicians x
    5 h at 30 min per update: exactly 20 devices fixed per day until the backlog is gone."""
    sc = one_class(
        count=1000,
        interval=100_000,  # no release falls inside the 60-day horizon
        fleet={"initial_compliance": 0.4},
        simulation={"horizon_days": 60, "replications": 5},
        levers={"technicians": {"count": 2, "hours_per_day": 5}},
    )
    result = sim.run(sc)
    per_rep = result.per_replication.to_numpy()  # (days, reps)
    backlog0 = (1 - per_rep[0]) * 1000
    days = np.arange(61)[:, None]
    fixed = np.minimum(20 * days, backlog0[None, :])
    np.testing.assert_allclose(per_rep, per_rep[0] + fixed / 1000, atol=1e-12)
    backlog = result.series["technician_backlog_mean"].to_numpy()
    np.testing.assert_allclose(backlog, np.maximum(backlog0[None, :] - 20 * days, 0).mean(axis=1), atol=1e-9)
    assert result.series["technician_utilisation_mean"].iloc[1:25].min() == pytest.approx(1.0)


def test_drift_without_and_with_training_follows_the_exponential_law() -> None:
    """Staff switch off auto-update at rate λ·(1 − effect); nothing finds them, so the share
    disabled after t days is 1 − exp(−λ·(1 − effect)·t)."""
    base = one_class(
        count=4000,
        interval=100_000,
        simulation={"horizon_days": 365, "replications": 4},
        human_factors={"disable_rate_per_month": 0.1},
        levers={"central_management": {"enrolled_share": 1.0}},
    )
    months = 365 / (365.25 / 12)
    untrained = sim.run(base).series["blind_spot_devices_mean"].iloc[-1] / 4000
    assert untrained == pytest.approx(1 - math.exp(-0.1 * months), abs=0.015)
    trained_sc = modified(
        base,
        levers={"training": {"coverage": 1.0, "ramp_days": 0, "half_life_days": 10_000, "effectiveness": 0.6}},
    )
    trained = sim.run(trained_sc).series["blind_spot_devices_mean"].iloc[-1] / 4000
    assert trained == pytest.approx(1 - math.exp(-0.1 * 0.4 * months), abs=0.015)


def test_release_ratio_is_updates_released_per_device_per_30_days() -> None:
    """Fixed cadence of 30 days: exactly one update per device in every 30-day window."""
    sc = one_class(interval=30, simulation={"horizon_days": 200, "replications": 3})
    ratio = sim.run(sc).series["release_ratio_mean"].to_numpy()
    np.testing.assert_allclose(ratio[31:], 1.0)


# ---------------------------------------------------------------- mechanisms


def test_perfect_automation_keeps_compliance_near_one() -> None:
    sc = one_class(
        count=2000,
        interval=20,
        cadence="poisson",
        fleet={"initial_compliance": 0.7},
        levers={"central_management": {"enrolled_share": 1.0, "checkin_days": 0.2}},
    )
    k = kpi(sim.run(sc))
    assert k[0] == pytest.approx(0.7, abs=0.02)
    assert k[3] > 0.99  # the day-0 backlog is pushed out on enrolment
    assert k[3:].min() > 0.99


def test_no_technicians_and_no_enrolment_lets_compliance_fall_toward_zero() -> None:
    sc = one_class(interval=20, cadence="poisson", simulation={"horizon_days": 365})
    k = kpi(sim.run(sc))
    assert k[0] == pytest.approx(1.0)
    assert np.all(np.diff(k) <= 1e-12)  # nothing ever gets fixed
    assert k[-1] < 0.01


def test_approval_delay_and_waves_add_to_time_to_patch() -> None:
    """Approval delay 10 days (clear policy), two waves 4 days apart, check-in mean 0.5:
    mean time to patch = 10 + 4/2 + 0.5."""
    sc = one_class(
        count=2000,
        interval=25,
        levers={
            "central_management": {"enrolled_share": 1.0, "checkin_days": 0.5, "waves": [0.5, 0.5], "wave_gap_days": 4},
            "update_policy": {"clarity": 1.0, "approval_delay_days": 10},
        },
    )
    assert sim.run(sc).summary["mean_time_to_patch_days"] == pytest.approx(12.5, rel=0.03)


def test_enrolment_ramps_linearly_over_onboarding() -> None:
    sc = one_class(
        count=5000,
        device={"ota_capable": 0.8},
        levers={"central_management": {"enrolled_share": 0.5, "onboarding_days": 100}},
        simulation={"horizon_days": 150, "replications": 2},
    )
    enrolled = sim.run(sc).series["enrolled_devices_mean"].to_numpy()
    for day in (25, 50, 100, 150):
        assert enrolled[day] / 5000 == pytest.approx(0.8 * 0.5 * min(day, 100) / 100, abs=0.015)


def test_silent_failures_stay_hidden_until_an_audit_finds_them() -> None:
    """Every failed attempt is silent: the devices look updated and stay non-compliant.
    A monthly audit with full coverage and detection turns all of them into tickets."""
    base = one_class(
        count=2000,
        interval=15,
        device={"install_failure_rate": 0.3, "silent_failure_share": 1.0},
        levers={"central_management": {"enrolled_share": 1.0}, "technicians": {"count": 4, "hours_per_day": 6}},
        simulation={"horizon_days": 180, "replications": 3},
    )
    hidden = sim.run(base)
    blind = hidden.series["blind_spot_devices_mean"].to_numpy()
    assert blind[179] > 0.5 * 2000  # piles up: 30% of devices break at each release, none are found
    assert np.all(np.diff(blind) >= 0)
    audited_sc = modified(base, levers={"audits": {"interval_days": 30, "coverage": 1.0, "detection_rate": 1.0}})
    audited = sim.run(audited_sc)
    ablind = audited.series["blind_spot_devices_mean"].to_numpy()
    assert ablind[29] > 100
    assert ablind[30] == 0  # the audit on day 30 found every one of them
    assert kpi(audited)[150:].mean() > kpi(hidden)[150:].mean() + 0.3


def test_reporting_channel_finds_broken_devices_at_its_rate() -> None:
    """Devices broken on day ~1 and never fixed (no technicians): reported at rate r per
    day, so the share still unreported after t days is e^(−r·t)."""
    base = one_class(
        count=4000,
        interval=100_000,
        fleet={"initial_compliance": 0.0},
        device={"install_failure_rate": 1.0, "silent_failure_share": 1.0},
        levers={"central_management": {"enrolled_share": 1.0, "checkin_days": 0.01}},
        simulation={"horizon_days": 60, "replications": 2},
    )
    assert sim.run(base).series["blind_spot_devices_mean"].iloc[-1] == 4000
    reported = modified(base, levers={"reporting_channel": {"enabled": True, "report_rate_per_day": 0.05}})
    blind = sim.run(reported).series["blind_spot_devices_mean"].to_numpy()
    assert blind[41] / 4000 == pytest.approx(math.exp(-0.05 * 40), abs=0.02)


def test_training_lowers_manual_errors() -> None:
    """Technicians fix 20 devices a day; a botched update leaves the device behind. With
    an error rate of 0.5 about 10 a day get fixed; training (effect 0.8) cuts errors to 0.1."""
    base = one_class(
        count=2000,
        interval=100_000,
        fleet={"initial_compliance": 0.0},
        human_factors={"manual_error_rate": 0.5},
        levers={"technicians": {"count": 2, "hours_per_day": 5}},
        simulation={"horizon_days": 40, "replications": 4},
    )
    untrained = kpi(sim.run(base))
    trained_sc = modified(
        base, levers={"training": {"coverage": 1.0, "ramp_days": 0, "half_life_days": 10_000, "effectiveness": 0.8}}
    )
    trained = kpi(sim.run(trained_sc))
    assert untrained[40] * 2000 / 40 == pytest.approx(20 * 0.5, rel=0.08)
    assert trained[40] * 2000 / 40 == pytest.approx(20 * 0.9, rel=0.05)


def test_prioritising_critical_updates_shortens_their_time_to_patch(baseline: sim.Scenario) -> None:
    sc = modified(baseline, simulation={"replications": 8})
    fifo = sim.run(sc).summary
    prio = sim.run(modified(sc, levers={"update_policy": {"prioritize_critical": True}})).summary
    assert prio["mean_time_to_patch_critical_days"] < 0.6 * fifo["mean_time_to_patch_critical_days"]
    assert prio["mean_time_to_patch_low_days"] >= fifo["mean_time_to_patch_low_days"] - 1.0


def test_a_clear_policy_narrows_the_spread_between_departments() -> None:
    departments = [
        {"name": "fast", "share": 0.5, "approval_delay_days": 2},
        {"name": "slow", "share": 0.5, "approval_delay_days": 40},
    ]
    base = one_class(
        count=2000,
        interval=20,
        cadence="poisson",
        fleet={"departments": departments},
        levers={"central_management": {"enrolled_share": 1.0}, "update_policy": {"clarity": 0.0}},
        simulation={"horizon_days": 365, "replications": 4},
    )

    def spread(sc: sim.Scenario) -> float:
        avg = sim.run(sc).by_department["compliance_average"]
        return float(avg.max() - avg.min())

    vague = spread(base)
    clear = spread(modified(base, levers={"update_policy": {"clarity": 1.0, "approval_delay_days": 5}}))
    # slow department: exponential approval delays of mean 40 days against 14-90 day
    # deadlines; over 30 replications it averages 85% to the fast department's 100%
    assert vague > 0.1
    assert clear < 0.02


# ---------------------------------------------------------------- money


def test_programme_cost_adds_up_by_lever() -> None:
    sc = one_class(
        count=1000,
        levers={
            "central_management": {"enrolled_share": 1.0},
            "technicians": {"count": 3, "hours_per_day": 6},
            "audits": {"interval_days": 50, "coverage": 0.5},
            "reporting_channel": {"enabled": True},
            "training": {"coverage": 0.5, "refresher_interval_days": 100, "ramp_days": 30},
        },
        costs={
            "management_per_device_month": 2.0,
            "technician_hour": 40,
            "audit_per_device": 3.0,
            "reporting_channel_per_month": 600,
            "training_per_person": 100,
            "staff": 300,
        },
        simulation={"horizon_days": 300, "replications": 2},
    )
    series = sim.run(sc).series.iloc[-1]
    month = 365.25 / 12
    assert series["cost_technicians_mean"] == pytest.approx(300 * 3 * 6 * 40)
    assert series["cost_central_management_mean"] == pytest.approx(300 * 1000 * 2.0 / month)
    assert series["cost_reporting_channel_mean"] == pytest.approx(300 * 600 / month)
    assert series["cost_audits_mean"] == pytest.approx(6 * 1000 * 0.5 * 3.0, rel=0.05)  # days 50..300
    assert series["cost_training_mean"] == pytest.approx(150 * 100 * 3)  # initial + refreshers on days 130, 230
    total = sum(series[f"cost_{lever}_mean"] for lever in sim.model.LEVERS)
    assert series["programme_cost_mean"] == pytest.approx(total)


# ---------------------------------------------------------------- randomness


def test_same_scenario_and_seed_give_identical_results(baseline: sim.Scenario) -> None:
    a = sim.run(baseline, replications=3)
    b = sim.run(baseline, replications=3)
    assert a.series.equals(b.series)
    assert a.summary == b.summary
    c = sim.run(baseline, replications=3, seed=8)
    assert not np.allclose(kpi(a), kpi(c))


def test_common_random_numbers_isolate_the_changed_lever(baseline: sim.Scenario) -> None:
    """A change that cannot affect the fleet (a price) changes no KPI value; a first audit
    on day 60 changes nothing before day 60."""
    base = sim.run(baseline, replications=4)
    priced = sim.run(modified(baseline, costs={"technician_hour": 90}), replications=4)
    assert np.array_equal(kpi(base), kpi(priced))
    assert priced.summary["programme_cost"] > base.summary["programme_cost"]
    audited = sim.run(modified(baseline, levers={"audits": {"interval_days": 60}}), replications=4)
    assert np.array_equal(kpi(base)[:60], kpi(audited)[:60])
    assert not np.array_equal(kpi(base)[60:], kpi(audited)[60:])


def test_automation_clears_an_earlier_botched_manual_update() -> None:
    """Devices botched by hand and then enrolled: once automation installs their update,
    they are no longer counted as blind spots."""
    sc = one_class(
        count=2000,
        interval=100_000,
        fleet={"initial_compliance": 0.0},
        human_factors={"manual_error_rate": 1.0},
        levers={
            "technicians": {"count": 20, "hours_per_day": 8},
            "central_management": {"enrolled_share": 1.0, "onboarding_days": 30},
        },
        simulation={"horizon_days": 60, "replications": 2},
    )
    series = sim.run(sc).series
    assert series["blind_spot_devices_mean"].iloc[3] > 100  # botched by hand in the first days
    assert series["blind_spot_devices_mean"].iloc[-1] == 0
    assert series["compliance_mean"].iloc[-1] == 1.0


@pytest.mark.parametrize("share", [0.1, 0.9])
def test_scans_over_enrolled_devices_find_what_a_full_scan_finds(share: float) -> None:
    """Next attempts and drift thresholds are finite only on enrolled devices, so the engine
    looks at the enrolled ones alone while they are few (under a third); both ways agree."""
    from sim.model import Draws, FleetModel

    sc = one_class(
        count=3000,
        device={"install_failure_rate": 0.3, "silent_failure_share": 0.5},
        human_factors={"disable_rate_per_month": 0.2},
        levers={"central_management": {"enrolled_share": share, "onboarding_days": 60, "checkin_days": 5.0}},
        simulation={"horizon_days": 90, "replications": 2},
    )
    model = FleetModel(sc, range(2), Draws(5))
    model.run()
    assert (model.enrolled_idx.size * 3 < model.M) == (share < 0.3)
    assert np.array_equal(model.enrolled_idx, np.flatnonzero(model.enrolled))
    finite = np.isfinite(model.next_attempt) | np.isfinite(model.drift_threshold)
    assert finite.any()
    assert not (finite & ~model.enrolled).any()
    for limit in (90.5, 95.0, 120.0):
        expected = np.flatnonzero(model.next_attempt <= limit)
        assert limit < 100 or expected.size > 0
        assert np.array_equal(model._enrolled_at_most(model.next_attempt, limit), expected)
    for limit in (model.H_drift[-1], model.H_drift[-1] + 1.0):
        expected = np.flatnonzero(model.drift_threshold <= limit)
        assert limit == model.H_drift[-1] or expected.size > 0
        assert np.array_equal(model._enrolled_at_most(model.drift_threshold, limit), expected)


# ---------------------------------------------------------------- time to patch by day


def test_time_to_patch_by_install_day_with_a_fixed_approval_delay() -> None:
    """Automation with near-instant check-ins and a 5-day approval under a clear policy: every
    update installs 5 days (and a few minutes) after its release, so on each day with installs
    the mean and the 90th percentile are 5.0; technicians with time to spare, approval 3 days:
    a ticket opened on the approval day is served at that day's end, 3 to 4 days after release."""
    auto = one_class(
        count=300,
        interval=20.0,
        levers={
            "central_management": {"enrolled_share": 1.0, "checkin_days": 0.001},
            "update_policy": {"clarity": 1.0, "approval_delay_days": 5},
        },
    )
    series = sim.run(auto).series
    mean, p90 = series["time_to_patch_days_mean"], series["time_to_patch_p90_days_mean"]
    days = mean.dropna().index
    assert 15 <= len(days) <= 4 * 20  # about one install day per release and replication
    np.testing.assert_allclose(mean.dropna(), 5.0, atol=0.02)
    np.testing.assert_allclose(p90.dropna(), 5.0, atol=0.02)
    assert mean.iloc[:5].isna().all()  # nothing released on day 0 or later is due before day 5

    manual = one_class(
        count=50,
        interval=20.0,
        levers={"update_policy": {"clarity": 1.0, "approval_delay_days": 3}, "technicians": {"count": 5}},
    )
    result = sim.run(manual)
    per_day = result.series["time_to_patch_p90_days_p95"].dropna()
    assert per_day.size > 10
    assert ((per_day >= 3.0) & (per_day < 4.0)).all()
    low = result.series["time_to_patch_days_p05"].dropna()
    assert ((low >= 3.0) & (low < 4.0)).all()


def test_time_to_patch_by_day_adds_up_to_the_run_total(monkeypatch: pytest.MonkeyPatch) -> None:
    """The daily tallies cover the same device-updates as the run's mean time to patch,
    whether the installs are tallied every day or a few times a run."""
    from sim.model import Draws, FleetModel

    sc = one_class(
        count=2000,
        device={"install_failure_rate": 0.2, "silent_failure_share": 0.3},
        levers={"central_management": {"enrolled_share": 0.6, "onboarding_days": 30}, "technicians": {"count": 2}},
        simulation={"horizon_days": 120, "replications": 3},
    )
    records = []
    for buffer in (0, 10**9):  # tally every day, or once at the end
        monkeypatch.setattr("sim.model.record.TTP_BUFFER_INSTALLS", buffer)
        model = FleetModel(sc, range(3), Draws(1))
        records.append(model.run())
    daily, once = records
    assert daily.patch_day_count.sum() == daily.ttp_count.sum() > 1000
    assert daily.patch_day_sum.sum() == pytest.approx(daily.ttp_sum.sum())
    np.testing.assert_allclose(daily.patch_day_sum, once.patch_day_sum)
    np.testing.assert_allclose(daily.patch_day_p90, once.patch_day_p90, rtol=0, atol=1e-6)
