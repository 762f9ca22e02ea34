"""Morris screening of the uncertain assumptions on a small scenario with a known answer.

Every device is enrolled and nobody installs by hand (no technicians), so the automated
install failure rate, made high here, decides the KPI; the breach cost cannot move the
KPI at all (it only prices overdue devices), and manual errors have nothing to act on.
"""

from __future__ import annotations

import json

import pytest

import sim
from sim.cli import main
from sim.sensitivity import scaled, sensitivity

DECISIVE = """
schema_version: 1
name: Failures decide
simulation: {horizon_days: 120, replications: 4, seed: 5}
fleet:
  initial_compliance: 0.5
  device_classes:
    - {name: Sensors, count: 300, release_interval_days: 20, release_cadence: fixed, ota_capable: 1.0,
       install_failure_rate: 0.3, silent_failure_share: 0.9, manual_minutes: 30}
  departments:
    - {name: Facilities, share: 1.0, approval_delay_days: 2}
levers:
  central_management: {enrolled_share: 1.0, onboarding_days: 5, retries: 0}
  update_policy: {clarity: 1.0}
  technicians: {count: 0}
"""


@pytest.fixture(scope="module")
def screening():
    return sensitivity(sim.load_scenario(DECISIVE), by_day=90, runs=40, replications=4)


def test_morris_ranks_a_decisive_assumption_above_an_inert_one(screening) -> None:
    table = screening.table
    assert table.index[0] == "install_failure_rate"
    assert table.loc["install_failure_rate", "kpi_mu_star"] > 0.02  # more than 2 points per unit of the factor
    assert table.loc["breach_cost", "kpi_mu_star"] == 0.0
    assert table.loc["manual_error_rate", "kpi_mu_star"] == 0.0
    # the breach cost is inert for the KPI but not for the loss it prices
    assert table.loc["breach_cost", "loss_mu_star"] > 0
    assert screening.runs == screening.trajectories * (len(table) + 1)


def test_scaling_caps_shares_at_one() -> None:
    sc = scaled(sim.load_scenario(DECISIVE), {"silent_failure_share": 2.0, "breach_cost": 0.5})
    assert sc.fleet.device_classes[0].silent_failure_share == 1.0
    assert sc.costs.breach_cost == pytest.approx(2_220_000)


def test_too_few_runs_are_refused() -> None:
    with pytest.raises(sim.ScenarioError, match="runs: 5 are too few"):
        sensitivity(sim.load_scenario(DECISIVE), by_day=90, runs=5)


def test_cli_prints_mu_star_and_sigma(tmp_path, capsys) -> None:
    path = tmp_path / "decisive.yaml"
    path.write_text(DECISIVE)
    args = ["sensitivity", str(path), "--by-day", "90", "--runs", "20", "--replications", "2"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "mu*" in out
    assert "sigma" in out
    lines = [line for line in out.splitlines() if "pts" in line]
    assert lines[0].lstrip().startswith("Automated install failure rate")
    assert main([*args, "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["assumptions"][0]["assumption"] == "install_failure_rate"
    assert data["trajectories"] == 2
