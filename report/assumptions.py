"""The settings a report lists: what the what-if changes from the loaded scenario, and where
a scenario departs from the model's defaults, each in the words the app uses.

Levers are named and shown as the app's controls show them ('80%', 'on', '30 days'); other
settings by their key in the scenario file (docs/reference/scenario-keys.md explains each).
Everything returned is plain text; the template escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim import Scenario, scenario_from_data
from sim import levers as lv
from sim.compare import flatten

SKIPPED = ("name", "description")  # said in the report's heading, not in a table
LIST_SECTIONS = ("fleet.device_classes", "fleet.departments")  # shown as the fleet tables


@dataclass(frozen=True)
class Row:
    """One setting: its label and its value in two scenarios (``—`` where one has none)."""

    label: str
    before: str
    after: str


_BY_PATH = {lever.field_path: lever for lever in lv.LEVERS}


def value_text(key: str, value: Any) -> str:
    """A setting's value in words: a lever as its control shows it, lists of stages as '5/25/70'."""
    if value is None:
        return "none"
    lever = _BY_PATH.get(key)
    if lever is not None:
        return lv.describe(lever, lv.to_widget(lever, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.6g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, list):
        return ", ".join(value_text("", v) for v in value)
    return str(value)


def label(key: str) -> str:
    lever = _BY_PATH.get(key)
    return lever.label if lever is not None else key


def differences(before: Scenario, after: Scenario, *, skip_lists: bool = False) -> list[Row]:
    """Every setting whose value differs between ``before`` and ``after`` (names and
    descriptions left out; with ``skip_lists`` the per-device-class and per-department
    entries too), levers first, in the file's order."""
    a = flatten(before.model_dump(mode="json"))
    b = flatten(after.model_dump(mode="json"))
    rows: list[Row] = []
    for key in dict.fromkeys([*a, *b]):
        if key in SKIPPED or (skip_lists and key.startswith(LIST_SECTIONS)):
            continue
        if key in a and key in b and a[key] == b[key]:
            continue
        rows.append(
            Row(
                label(key),
                value_text(key, a[key]) if key in a else "—",
                value_text(key, b[key]) if key in b else "—",
            )
        )
    return sorted(rows, key=lambda r: r.label not in {lever.label for lever in lv.LEVERS})


def from_defaults(scenario: Scenario) -> list[Row]:
    """The scenario's settings that differ from the model's defaults (``before`` is the
    default); device classes and departments are left to the fleet tables."""
    return differences(scenario_from_data({}), scenario, skip_lists=True)


def fleet_tables(scenario: Scenario) -> dict[str, list[list[str]]]:
    """The fleet as two small tables: device classes (devices, over the air, install
    failures, silent share) and departments (share, approval delay)."""
    classes = [
        [
            c.name,
            f"{c.count:,}",
            f"{c.ota_capable:.0%}",
            f"{c.install_failure_rate:.1%}",
            f"{c.silent_failure_share:.0%}",
        ]
        for c in scenario.fleet.device_classes
    ]
    departments = [[d.name, f"{d.share:.0%}", f"{d.approval_delay_days:g} days"] for d in scenario.fleet.departments]
    return {"classes": classes, "departments": departments}


__all__ = ["Row", "differences", "flatten", "fleet_tables", "from_defaults", "label", "value_text"]
