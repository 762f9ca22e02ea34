"""The comparison tables: best value per row, and only the parameters that differ."""

from __future__ import annotations

import pandas as pd

import sim
from ui import page


def test_best_columns_higher_or_lower_is_better():
    table = pd.DataFrame(
        {
            "a": [0.7, 0.8, 0.9, None, 20.0, 40.0, 1000.0, 5.0, 9.0, 0.01],
            "b": [0.7, 0.9, 0.85, 120, None, 30.0, 2000.0, 4.0, 9.0, 0.02],
        },
        index=[label for _, label, *_ in page.SUMMARY_ROWS],
    )
    best = page.best_columns(table)
    assert best["Updated on time, today"] == []  # where they start is not an outcome
    assert best["Updated on time, in 6 months"] == ["b"]
    table.loc["Mean days to patch", "a"] = 30.0
    assert page.best_columns(table)["Mean days to patch"] == ["a", "b"]  # a tie marks both
    table.loc["Mean days to patch", "a"] = 40.0
    assert best["Updated on time, at the horizon"] == ["a"]
    assert best["Days until the target is reached and held"] == ["b"]  # never reaching it is worst
    assert best["Mean days to patch"] == ["b"]
    assert best["Device-days overdue"] == ["a"]
    assert best["Expected breaches a year"] == ["a"]
    assert best["Days until the target is first reached"] == ["a"]


def test_differing_parameters_only(baseline: sim.Scenario):
    other = baseline.model_copy(deep=True)
    other.levers.technicians.count = 9
    other.levers.central_management.enrolled_share = 0.8
    other.fleet.device_classes[1].count = 900
    other.name = "Other"
    diff = page.differing_parameters({"base": baseline, "other": other})
    assert sorted(diff.index) == [
        "Devices under central update management",  # levers by their control's name and unit
        "Technicians",
        "fleet.device_classes[Building controllers].count",  # the rest by their key in the file
    ]
    assert diff.loc["Technicians"].tolist() == [str(baseline.levers.technicians.count), "9"]
    assert diff.loc["Devices under central update management"].tolist() == ["0%", "80%"]


def test_missing_figures_read_never_only_for_the_target():
    nan = float("nan")
    assert page._cell("Days until the target is reached and held", nan, "{:,.0f}") == "never"
    assert page._cell("Updated on time, in 6 months", nan, "{:.1%}") == "–"  # a run shorter than 6 months
    assert page._cell("Mean days to patch", 12.345, "{:,.1f}") == "12.3"
