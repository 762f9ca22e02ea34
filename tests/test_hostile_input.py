"""Hostile but valid-looking scenario files: each kind is refused quickly with a message
naming the field, or bounded by the schema so the run it asks for stays small.

These pin down the file side of hostile input: numbers crafted to overflow or to read as
something other than they look, intervals so short a periodic mechanism would never stop,
files built to make the parser slow, names with nothing visible, huge messages, and a save
redirected onto a preset through a link in the scenarios folder.
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest

import sim
from sim.scenario import MAX_NODES, MAX_PROBLEM_CHARS, ScenarioError, load_scenario
from ui import scenario_files as files

ROOT = Path(__file__).resolve().parents[1]
BASELINE = (ROOT / "scenarios" / "baseline.yaml").read_text()


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(text)
    return info.value.problems


def _with(old: str, new: str) -> str:
    assert old in BASELINE
    return BASELINE.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("horizon_days: 365", "horizon_days: 1:00", "simulation.horizon_days", "base-60"),
        ("count: 1500", "count: 0100", "fleet.device_classes[0].count", "octal"),
        ("count: 1500", "count: 1_500", "fleet.device_classes[0].count", "digit separators"),
        ("count: 1500", "count: 0x5DC", "fleet.device_classes[0].count", "another base"),
        ("initial_compliance: 0.70", "initial_compliance: 0x" + "f" * 400, "fleet.initial_compliance", "too long"),
        ("initial_compliance: 0.70", "initial_compliance: 0." + "7" * 300, "fleet.initial_compliance", "too long"),
        ("seed: 7", "seed: 1_0.5", "simulation.seed", "digit separators"),
    ],
)
def test_crafted_numbers_are_refused_naming_the_field(old: str, new: str, field: str, words: str) -> None:
    """Each form is refused before any arithmetic, with the field and the reason, not read as another number."""
    problems = _problems(_with(old, new))
    assert any(p.startswith(field + ":") and words in p for p in problems), problems


def test_a_huge_negative_hexadecimal_schema_version_is_a_clear_message() -> None:
    problems = _problems(BASELINE.replace("schema_version: 2", "schema_version: -0x" + "9" * 5000))
    assert problems == [p for p in problems if p.startswith("schema_version:")]
    assert "too long" in problems[0]
    assert len(problems[0]) <= MAX_PROBLEM_CHARS


def test_minus_zero_is_stored_as_zero() -> None:
    text = _with("interval_days: 0,", "interval_days: -0.0,")
    value = load_scenario(text).levers.audits.interval_days
    assert value == 0
    assert str(value) == "0.0"


@pytest.mark.parametrize("name", ["' '", '"   \\t  "', '"\\u200b"'])
def test_a_name_with_nothing_visible_is_refused(name: str) -> None:
    problems = _problems(_with('name: "Baseline: manual patching"', f"name: {name}"))
    assert any(p.startswith("name:") and "visible character" in p for p in problems), problems


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("interval_days: 0,", "interval_days: 1.0e-9,", "levers.audits.interval_days", "at least 1 day"),
        (
            "refresher_interval_days: 0,",
            "refresher_interval_days: 1.0e-300,",
            "levers.training.refresher_interval_days",
            "at least 1 day",
        ),
        ("half_life_days: 150,", "half_life_days: 5.0e-324,", "levers.training.half_life_days", "≥ 1"),
        ("checkin_days: 1.0,", "checkin_days: 1.0e-12,", "levers.central_management.checkin_days", "≥"),
        ("critical: 14,", "critical: 1.0e-9,", "kpi.sla_days.critical", "≥ 1"),
    ],
)
def test_intervals_too_short_to_mean_anything_are_refused(old: str, new: str, field: str, words: str) -> None:
    """These validated before and then ran without end or without bound in memory."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # 5e-324 used to print a numpy RuntimeWarning
        problems = _problems(_with(old, new))
    assert any(p.startswith(field + ":") and words in p for p in problems), problems


def test_intervals_at_their_minimum_load() -> None:
    text = _with("interval_days: 0,", "interval_days: 1,")
    text = text.replace("refresher_interval_days: 0,", "refresher_interval_days: 1,")
    text = text.replace("half_life_days: 150,", "half_life_days: 1,")
    scenario = load_scenario(text)
    assert scenario.levers.audits.interval_days == 1
    assert scenario.levers.training.refresher_interval_days == 1


def _unknown_keys(n: int) -> str:
    return BASELINE + "".join(f"k{i}: {i}\n" for i in range(n))


@pytest.mark.parametrize(
    "text",
    [
        _unknown_keys(60_000),
        "a: [" + ",".join(["[1, 2, 3]"] * 90_000) + "]\n",
        "a: " + "[" * 10_000 + "]" * 10_000 + "\n",
    ],
    ids=["100k-unknown-keys", "dense-flow-list", "deep-nesting"],
)
def test_files_built_to_be_slow_to_parse_are_refused_at_once(text: str) -> None:
    """Under the 1 MB file limit; refused by the event check before any object is built.

    benchmarks/bench_parse.py measures the time against the 2 s budget; here a generous bound
    only catches a parser that walks the whole file again."""
    assert len(text.encode()) < 1_000_000
    started = time.perf_counter()
    problems = _problems(text)
    elapsed = time.perf_counter() - started
    assert any("more than" in p for p in problems), problems
    assert elapsed < 10


def test_a_large_valid_file_still_loads() -> None:
    """Fifty device classes, the schema's most, stay well under the node limit."""
    scenario = load_scenario(BASELINE)
    classes = [c.model_dump() for c in scenario.fleet.device_classes]
    data = scenario.model_dump()
    data["fleet"]["device_classes"] = [{**classes[i % 5], "name": f"class {i}", "count": 10} for i in range(50)]
    text = sim.dump_scenario(sim.Scenario.model_validate(data))
    nodes = text.count(":")
    assert nodes < MAX_NODES / 5
    assert len(load_scenario(text).fleet.device_classes) == 50


def test_a_very_long_key_gives_a_short_message() -> None:
    problems = _problems(BASELINE + "x" * 1000 + ": 1\n")  # libyaml refuses longer plain keys outright
    assert len(problems) == 1
    assert "unknown key" in problems[0]
    assert len(problems[0]) <= MAX_PROBLEM_CHARS
    assert "…" in problems[0]


def test_a_link_in_the_folder_cannot_make_a_save_replace_a_preset(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    preset = folder / "baseline.yaml"
    preset.write_text(BASELINE)
    (folder / "alias.yaml").symlink_to(preset)
    scenario = load_scenario(BASELINE)
    for overwrite in (False, True):
        with pytest.raises(ScenarioError, match=r"bundled preset baseline\.yaml"):
            files.save_as(scenario, "alias", folder, overwrite=overwrite)
    assert preset.read_text() == BASELINE
