"""Sweeps (sim/sweep.py and `python -m sim sweep`): the grid of varied settings, run with
the same seed and replications, one row per point, each equal to running that point."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from helpers import one_class

import sim
from sim import cli
from sim.sweep import Vary, grid, parse_vary, sweep


@pytest.fixture(scope="module")
def base() -> sim.Scenario:
    return one_class(
        count=300,
        interval=20,
        cadence="poisson",
        levers={"central_management": {"enrolled_share": 0.5}},
        simulation={"horizon_days": 200, "replications": 4, "seed": 3},
    )


def test_values_and_ranges_are_read_with_clear_messages() -> None:
    assert parse_vary("levers.audits.interval_days=0,30,90") == Vary("levers.audits.interval_days", (0, 30, 90))
    assert parse_vary("levers.training.coverage=0:1:5").values == (0.0, 0.25, 0.5, 0.75, 1.0)
    assert parse_vary("levers.technicians.count=1:9:5").values == (1, 3, 5, 7, 9)
    assert parse_vary("levers.reporting_channel.enabled=true,false").values == (True, False)
    with pytest.raises(ValueError, match="write PATH=VALUES"):
        parse_vary("levers.audits.interval_days")
    with pytest.raises(ValueError, match="'lots' is not a number"):
        parse_vary("levers.audits.interval_days=0,lots")
    with pytest.raises(ValueError, match="count must be a whole number"):
        parse_vary("levers.training.coverage=0:1:0")


def test_the_grid_is_every_combination_and_every_class_can_be_set(base: sim.Scenario) -> None:
    points = grid(
        base,
        [
            parse_vary("levers.central_management.enrolled_share=0.2,0.8"),
            parse_vary("fleet.device_classes[].count=100,200,300"),
        ],
    )
    assert len(points) == 6
    assert [s for s, _ in points][1] == {
        "levers.central_management.enrolled_share": 0.2,
        "fleet.device_classes[].count": 200,
    }
    assert points[5][1].fleet.device_classes[0].count == 300
    assert points[5][1].levers.central_management.enrolled_share == 0.8


def test_a_bad_value_is_refused_naming_the_setting_and_the_point(base: sim.Scenario) -> None:
    with pytest.raises(sim.ScenarioError) as info:
        grid(base, [parse_vary("levers.training.coverage=0.5,1.5")])
    text = str(info.value)
    assert "levers.training.coverage=1.5" in text
    assert "levers.training.coverage: must be ≤ 1" in text
    with pytest.raises(sim.ScenarioError, match="no setting 'coverag'"):
        grid(base, [parse_vary("levers.training.coverag=0.5")])


def test_each_row_is_what_running_that_point_gives(base: sim.Scenario) -> None:
    varies = [parse_vary("levers.central_management.enrolled_share=0.2,0.8")]
    with ThreadPoolExecutor(2) as pool:
        frame = sweep(base, varies, executor=pool)
    assert list(frame["levers.central_management.enrolled_share"]) == [0.2, 0.8]
    for (_settings, scenario), (_, row) in zip(grid(base, varies), frame.iterrows(), strict=True):
        s = sim.run(scenario).summary
        assert row["kpi_average"] == s["compliance_average"]
        assert [row["kpi_average_lo"], row["kpi_average_hi"]] == s["compliance_average_ci95"]
        assert row["programme_cost"] == s["programme_cost"]
        assert row["breaches_per_year"] == s["breaches_per_year"]
    assert frame["kpi_average"].iloc[1] > frame["kpi_average"].iloc[0]  # more enrolment, higher KPI


def test_the_cli_prints_a_row_per_point_and_writes_csv_and_json(base: sim.Scenario, tmp_path: Path, capsys) -> None:
    path = tmp_path / "base.yaml"
    sim.save_scenario(base, path)
    csv = tmp_path / "sweep.csv"
    args = ["sweep", str(path), "--vary", "levers.central_management.enrolled_share=0.2,0.8", "--csv", str(csv)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Same seed (3) and 4 replications at every point" in out
    lines = [line for line in out.splitlines() if line.strip().startswith(("0.2", "0.8"))]
    assert len(lines) == 2
    assert csv.read_text().splitlines()[0].startswith("levers.central_management.enrolled_share,kpi_average,")
    assert cli.main(["sweep", str(path), "--vary", "levers.technicians.count=0,2", "--json", "-"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [p["levers.technicians.count"] for p in data["points"]] == [0, 2]
    assert data["replications"] == 4


def test_the_cli_refuses_a_bad_vary_with_exit_status_2(base: sim.Scenario, tmp_path: Path, capsys) -> None:
    path = tmp_path / "base.yaml"
    sim.save_scenario(base, path)
    with pytest.raises(SystemExit) as info:
        cli.main(["sweep", str(path), "--vary", "levers.audits.interval_days"])
    assert info.value.code == 2
    assert "write PATH=VALUES" in capsys.readouterr().err
    assert cli.main(["sweep", str(path), "--vary", "levers.training.coverage=2"]) == 2
    assert "levers.training.coverage: must be ≤ 1" in capsys.readouterr().err
