"""The comparison table shared by `python -m sim compare` and the app's Compare tab (issue 15, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim import cli
from sim.compare import DAYS_PER_MONTH, fmt, parameter_name

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two() -> list[sim.Result]:
    files = ("baseline.yaml", "case_study.yaml")
    return [sim.run(sim.load_scenario(ROOT / "scenarios" / f), replications=4, seed=7) for f in files]


def test_rows_names_and_units(two: list[sim.Result]) -> None:
    """Band, blind-spot and backlog rows; the day a target is reached in months; a change column for two."""
    table = sim.summary_table(two, ["baseline", "case_study"])
    assert list(table.columns) == ["baseline", "case_study", "change"]
    base, case = (r.summary for r in two)
    assert table.loc["Band at the horizon"].tolist()[:2] == [
        base["band_end"].capitalize(),
        case["band_end"].capitalize(),
    ]
    assert table.loc["Blind-spot devices at the horizon", "case_study"] == f"{case['blind_spot_devices_end']:,.0f}"
    assert table.loc["Technician backlog at the horizon", "baseline"] == f"{base['technician_backlog_end']:,.0f}"
    day = case["first_day_at_target"]
    assert day is not None
    assert table.loc["Target first reached", "case_study"] == f"{day / DAYS_PER_MONTH:.1f} months (day {day})"
    assert table.loc["Target first reached", "change"] == f"reached after {day / DAYS_PER_MONTH:.1f} months"
    assert fmt(None, "days") == "not reached"
    assert table.loc["KPI at the horizon", "baseline"] == f"{base['compliance_end'] * 100:.1f}%"


def test_best_columns_higher_or_lower_is_better(two: list[sim.Result]) -> None:
    best = sim.best_columns(two, ["baseline", "case_study"])
    assert best["KPI on day 0"] == []  # where they start is no outcome
    assert best["KPI averaged over the horizon"] == ["case_study"]
    assert best["Overdue device-days"] == ["case_study"]  # fewer is better
    assert best["Programme cost"] == ["baseline"]  # cheaper is better
    assert best["Target first reached"] == ["case_study"]  # never reaching it is worst
    assert best["Blind-spot devices at the horizon"] == ["baseline"]


def test_parameters_by_friendly_names(baseline: sim.Scenario) -> None:
    other = baseline.model_copy(deep=True)
    other.levers.technicians.count = 9
    other.levers.central_management.enrolled_share = 0.8
    other.levers.training.ramp_days = 60
    other.fleet.device_classes[1].count = 900
    diff = sim.parameter_rows({"base": baseline, "other": other})
    name = baseline.fleet.device_classes[1].name
    assert sorted(diff.index) == sorted(
        [
            "Devices under central update management",  # levers by their control's name and unit
            "Technicians",
            f"Fleet, device class {name}: count",
            "Training: ramp days",  # not 'levers.training.ramp_days'
        ]
    )
    assert diff.loc["Devices under central update management"].tolist() == ["0%", "80%"]
    assert diff.loc["Training: ramp days"].tolist() == [f"{baseline.levers.training.ramp_days:g}", "60"]
    assert parameter_name("risk.exploitation_rate_per_vulnerability_year.critical") == (
        "Risk, exploitation rate per vulnerability year: critical"
    )


def test_description_says_what_changed(baseline: sim.Scenario) -> None:
    other = baseline.model_copy(deep=True)
    other.levers.technicians.count = 9
    words = sim.describe_changes(baseline, other)
    assert (
        words
        == f"Starts from '{baseline.name}' with these changes: Technicians {baseline.levers.technicians.count} → 9."
    )
    assert "manual" not in sim.describe_changes(baseline, other).lower().replace(baseline.name.lower(), "")


def test_cli_prints_the_shared_table(capsys: pytest.CaptureFixture[str], two: list[sim.Result]) -> None:
    files = [str(ROOT / "scenarios" / f) for f in ("baseline.yaml", "case_study.yaml")]
    assert cli.main(["compare", *files, "--replications", "4"]) == 0
    out = capsys.readouterr().out
    table = sim.summary_table(two, ["baseline", "case_study"])
    for label, cells in table.iterrows():
        line = next(line for line in out.splitlines() if line.startswith(label))
        assert line.split()[-len(" ".join(c for c in cells if c).split()) :] == " ".join(c for c in cells if c).split()


def test_compare_with_one_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["compare", str(ROOT / "scenarios" / "baseline.yaml"), "--replications", "1"]) == 0
    assert "only one file given, so there is nothing to compare it with" in capsys.readouterr().out


def test_cli_csv_has_no_float_noise(capsys: pytest.CaptureFixture[str]) -> None:
    """Six significant digits, as the app's download: no '386.04999999999995'."""
    assert cli.main(["run", str(ROOT / "scenarios" / "baseline.yaml"), "--replications", "3", "--csv", "-"]) == 0
    cells = [c for line in capsys.readouterr().out.splitlines()[1:] for c in line.split(",")]
    digits = [len(c.split("e")[0].replace(".", "").replace("-", "").lstrip("0")) for c in cells if c]
    assert max(digits) <= 6
    assert any("." in c for c in cells)  # still decimals where there are some
