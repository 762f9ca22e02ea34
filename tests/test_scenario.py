"""Scenario files: round trips, migration, versions, suggestions, limits, safe names, saving.

These pin down the contract of the ``sim/scenario/`` package: what loads, what is refused and in
which words, and that saving never replaces a file the planner did not mean to replace.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.scenario import (
    MAX_DEVICE_DAYS,
    MAX_DEVICE_REPLICATIONS,
    MAX_DEVICES,
    MAX_FILE_BYTES,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    SCHEMA_VERSION,
    Scenario,
    ScenarioError,
    check_limits,
    dump_scenario,
    load_scenario,
    resolve_in_folder,
    safe_scenario_filename,
    save_scenario,
)

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = sorted((ROOT / "scenarios").glob("*.yaml"))


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(text)
    return info.value.problems


# --------------------------------------------------------------------------- round trips


def test_there_are_bundled_scenarios() -> None:
    assert (ROOT / "scenarios" / "baseline.yaml") in BUNDLED


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_dump_then_load_gives_the_same_scenario(path: Path) -> None:
    """load(dump(s)) == s for every bundled scenario (the list grows; it is globbed)."""
    scenario = load_scenario(path)
    assert load_scenario(dump_scenario(scenario)) == scenario


@pytest.mark.parametrize("path", BUNDLED, ids=[p.name for p in BUNDLED])
def test_save_then_load_gives_the_same_scenario(path: Path, tmp_path: Path) -> None:
    """load(save(s)) == s, through a real file."""
    scenario = load_scenario(path)
    saved = save_scenario(scenario, tmp_path / path.name)
    assert saved == tmp_path / path.name
    assert load_scenario(saved) == scenario
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temp file left behind


def test_text_and_bytes_load_like_the_file(baseline: Scenario) -> None:
    text = (ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8")
    assert load_scenario(text) == baseline
    assert load_scenario(text.encode("utf-8")) == baseline
    assert load_scenario(str(ROOT / "scenarios" / "baseline.yaml")) == baseline


def test_numbers_in_exponent_form_are_numbers() -> None:
    """YAML 1.1 would read 4e6 as text; a planner means 4,000,000."""
    scenario = load_scenario("name: x\ncosts: {breach_cost: 4e6, technician_hour: 4.5E1}\n")
    assert scenario.costs.breach_cost == 4_000_000.0
    assert scenario.costs.technician_hour == 45.0


# --------------------------------------------------------------------------- versions


def test_version_0_is_migrated() -> None:
    """Version 0 named the enrolment share `enrolled`; it loads as `enrolled_share`."""
    scenario = load_scenario(
        "schema_version: 0\nname: Old draft\nlevers:\n  central_management: {enrolled: 0.4, onboarding_days: 30}\n"
    )
    assert scenario.schema_version == SCHEMA_VERSION == 2
    assert scenario.levers.central_management.enrolled_share == 0.4
    assert scenario.levers.central_management.onboarding_days == 30


def test_version_0_with_both_names_is_refused() -> None:
    problems = _problems(
        "schema_version: 0\nname: x\nlevers:\n  central_management: {enrolled: 0.4, enrolled_share: 0.5}\n"
    )
    assert problems == [
        "levers.central_management: a version 0 file names the enrolment share 'enrolled'; "
        "this one has both 'enrolled' and 'enrolled_share'"
    ]


def test_version_0_with_a_broken_levers_section_gets_a_message() -> None:
    assert _problems("schema_version: 0\nname: x\nlevers: 5\n") == [
        "levers: must be a mapping of keys (key: value lines) (got 5)"
    ]


def test_newer_version_is_refused_naming_the_version_this_program_reads() -> None:
    assert _problems("schema_version: 3\nname: x\n") == [
        "schema_version: the file is version 3, written by a newer program; this program reads schema_version 2"
    ]


def test_version_1_breach_chances_at_their_defaults_are_dropped() -> None:
    """Version 1 priced risk per overdue device-year; its default figures give way to the
    version 2 risk section's defaults."""
    scenario = load_scenario(
        "schema_version: 1\nname: Old\ncosts:\n  breach_cost: 1e6\n  breach_probability_per_overdue_device_year:"
        " {critical: 0.02, high: 0.005, medium: 0.001, low: 0.0002}\n"
    )
    assert scenario.schema_version == 2
    assert scenario.costs.breach_cost == 1e6
    assert scenario.risk.exploitation_rate_per_vulnerability_year.critical == 0.01


def test_version_1_changed_breach_chances_are_refused_with_what_replaced_them() -> None:
    problems = _problems(
        "schema_version: 1\nname: Old\ncosts:\n  breach_probability_per_overdue_device_year: {critical: 0.05}\n"
    )
    assert len(problems) == 1
    assert problems[0].startswith("costs.breach_probability_per_overdue_device_year: replaced in schema_version 2")
    assert "risk.exploitation_rate_per_vulnerability_year" in problems[0]


def test_version_2_does_not_know_the_old_breach_chances() -> None:
    problems = _problems("name: x\ncosts:\n  breach_probability_per_overdue_device_year: {critical: 0.02}\n")
    assert problems[0].startswith("costs.breach_probability_per_overdue_device_year")


@pytest.mark.parametrize(("value", "shown"), [("true", "true"), ("'1'", "'1'"), ("1.0", "1.0"), ("-1", None)])
def test_odd_versions_are_refused(value: str, shown: str | None) -> None:
    problems = _problems(f"schema_version: {value}\nname: x\n")
    expected = f"schema_version: must be a whole number (got {shown})" if shown else "schema_version: must be ≥ 0"
    assert problems[0].startswith(expected)


# --------------------------------------------------------------------------- messages


def test_unknown_key_suggests_the_close_one() -> None:
    assert _problems("name: x\nsimulation: {horizon_day: 30}\n") == [
        "simulation.horizon_day: unknown key 'horizon_day'; did you mean 'horizon_days'?"
    ]


def test_unknown_key_in_a_list_item_suggests_the_close_one() -> None:
    assert _problems("name: x\nfleet:\n  device_classes:\n    - {name: a, cont: 5}\n") == [
        "fleet.device_classes[0].cont: unknown key 'cont'; did you mean 'count'?"
    ]


def test_unknown_key_with_nothing_close_lists_the_known_keys() -> None:
    problem = _problems("name: x\nkpi: {zzzz: 1}\n")[0]
    assert problem == "kpi.zzzz: unknown key 'zzzz'; known keys here: target, sla_days"


def test_every_problem_is_listed_with_its_path() -> None:
    problems = _problems("name: x\nlevers:\n  audits: {interval_days: -1, coverage: 2}\n")
    assert problems == [
        "levers.audits.interval_days: must be ≥ 0 (got -1)",
        "levers.audits.coverage: must be ≤ 1 (got 2)",
    ]


def test_a_message_shows_at_most_twenty_problems() -> None:
    classes = "".join(f"    - {{name: c{i}, count: -1}}\n" for i in range(30))
    with pytest.raises(ScenarioError) as info:
        load_scenario(f"name: x\nfleet:\n  device_classes:\n{classes}")
    text = str(info.value)
    assert len(info.value.problems) == 30
    assert info.value.problems[29] == "fleet.device_classes[29].count: must be ≥ 0 (got -1)"
    assert text.startswith("30 problems\n")
    assert text.count("\n  - ") == 21
    assert text.endswith("  - ... and 10 more")


def test_too_long_lists_are_named() -> None:
    waves = ", ".join(["0.1"] * 11)
    assert _problems(f"name: x\nlevers:\n  central_management: {{waves: [{waves}]}}\n") == [
        "levers.central_management.waves: must have at most 10 items, not 11 (got a list of 11 items)"
    ]


def test_the_file_is_named_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text("name: x\nlevers:\n  technicians: {count: -2}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert str(info.value) == f"{path}: levers.technicians.count: must be ≥ 0 (got -2)"
    assert info.value.source == str(path)


def test_shares_not_summing_to_one_report_the_sum() -> None:
    problems = _problems("name: x\nfleet:\n  departments:\n    - {name: a, share: 0.6}\n    - {name: b, share: 0.6}\n")
    assert problems == ["fleet.departments: department shares must sum to 1 (±0.01); they sum to 1.2"]


def test_shares_within_the_tolerance_are_accepted() -> None:
    scenario = load_scenario(
        "name: x\nfleet:\n  departments:\n    - {name: a, share: 0.333}\n    - {name: b, share: 0.333}\n"
        "    - {name: c, share: 0.333}\n"
    )
    assert len(scenario.fleet.departments) == 3


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (".nan", "must be a finite number (got nan)"),
        (".inf", "must be a finite number (got inf)"),
        ("-.inf", "must be a finite number (got -inf)"),
        ("1e400", "must be a finite number (got inf)"),
        ("'nan'", "must be a finite number (got 'nan')"),
        ("'0.5'", "must be a number, not text (got '0.5'); write numbers without quotes"),
        ("true", "must be a number, not true/false (got true)"),
        ("[0.5]", "must be a number (got a list of 1 item)"),
    ],
)
def test_numbers_must_be_finite_numbers(value: str, message: str) -> None:
    problems = _problems(f"name: x\nfleet: {{initial_compliance: {value}}}\n")
    assert len(problems) == 1
    assert problems[0].startswith(f"fleet.initial_compliance: {message}")


def test_non_finite_numbers_are_refused_in_code_too() -> None:
    """allow_inf_nan=False holds for scenarios built in code (the app), not only files."""
    with pytest.raises(ValueError, match="finite number"):
        Scenario.model_validate({"costs": {"breach_cost": float("inf")}})


def test_whole_numbers_must_be_whole_in_files() -> None:
    assert _problems("name: x\nfleet:\n  device_classes:\n    - {name: a, count: 10.5}\n") == [
        "fleet.device_classes[0].count: must be a whole number (got 10.5)"
    ]


def test_non_text_keys_are_named() -> None:
    assert _problems("name: x\n1: 2\n") == ["(top level): the key 1 must be text (a name such as 'count')"]


# --------------------------------------------------------------------------- limits


def _fleet(count: int, replications: int, horizon: int, **device: object) -> str:
    extra = "".join(f", {k}: {v}" for k, v in device.items())
    return (
        f"name: big\nsimulation: {{horizon_days: {horizon}, replications: {replications}}}\n"
        f"fleet:\n  device_classes:\n    - {{name: sensors, count: {count}{extra}}}\n"
    )


def test_the_million_device_benchmark_is_admitted() -> None:
    """1,000,000 devices x 1 replication x 365 days: the engine's benchmark fits the limits."""
    scenario = load_scenario(_fleet(MAX_DEVICES, 1, 365))
    assert scenario.fleet.device_count == 1_000_000
    check_limits(scenario, 1)


def test_fleet_limit_says_which_limit_and_why() -> None:
    problems = _problems(_fleet(MAX_DEVICES + 1, 1, 365))
    assert problems == [
        "fleet.device_classes[0].count: must be ≤ 1,000,000 (got 1000001); the fleet limit is 1,000,000 "
        "devices; it keeps one request from exhausting the machine's memory"
    ]


def test_horizon_limit_says_which_limit_and_why() -> None:
    problems = _problems(_fleet(10, 1, MAX_HORIZON_DAYS + 1))
    assert problems == [
        "simulation.horizon_days: must be ≤ 3650 (got 3651); the horizon limit is 3,650 days (ten years); "
        "longer runs hold the machine for minutes"
    ]


def test_device_replication_limit_says_which_limit_and_why() -> None:
    problems = _problems(_fleet(100_000, 21, 30))
    assert problems == [
        f"simulation.replications: devices x replications = 2,100,000 exceeds the limit of "
        f"{MAX_DEVICE_REPLICATIONS:,} (every device of every replication is simulated; it bounds the run's "
        "time and memory); lower simulation.replications or the fleet size"
    ]


def test_device_day_limit_says_which_limit_and_why() -> None:
    problems = _problems(_fleet(1_000_000, 2, 365))
    assert problems == [
        f"simulation.replications: devices x replications x days = 732,000,000 exceeds the limit of "
        f"{MAX_DEVICE_DAYS:,} (about a minute of computing); shorten simulation.horizon_days or lower replications"
    ]


def test_release_approval_limit_says_which_limit_and_why() -> None:
    problem = _problems(_fleet(1, 1000, 365, release_interval_days=1))[0]
    assert problem.startswith("simulation.replications: replications x departments x releases = about 457,000")
    assert "over the limit of 250,000 (each is handled one at a time" in problem


def test_replication_override_beyond_the_limit_is_refused(baseline: Scenario) -> None:
    """run(..., replications=N) checks the limits too (check_limits is what it calls)."""
    with pytest.raises(ValueError, match=f"1,001 replications exceeds the limit of {MAX_REPLICATIONS:,}"):
        check_limits(baseline, MAX_REPLICATIONS + 1)
    with pytest.raises(ScenarioError, match="exceeds the limit"):
        sim.run(baseline, replications=MAX_REPLICATIONS + 1)


def test_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"name: x\n#" + b"x" * MAX_FILE_BYTES)
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.problems == [
        f"the file is {MAX_FILE_BYTES + 9:,} bytes; the limit is 1,000,000 (scenario files are a few "
        "kilobytes; the limit keeps a huge file from tying up the machine)"
    ]


# --------------------------------------------------------------------------- safe file names

HOSTILE_NAMES = [
    ("Q3 plan: 80% enrolled!", "q3-plan-80-enrolled.yaml"),
    ("../../etc/passwd", "etc-passwd.yaml"),
    ("..", "scenario.yaml"),
    (".", "scenario.yaml"),
    ("", "scenario.yaml"),
    ("   ", "scenario.yaml"),
    ("/etc/shadow", "etc-shadow.yaml"),
    ("C:\\Windows\\System32\\cmd.exe", "c-windows-system32-cmd-exe.yaml"),
    ("\\\\server\\share\\x", "server-share-x.yaml"),
    (".hidden", "hidden.yaml"),
    (".bashrc.yaml", "bashrc.yaml"),
    ("CON", "con-scenario.yaml"),
    ("nul", "nul-scenario.yaml"),
    ("com1.yaml", "com1-scenario.yaml"),
    ("LPT9", "lpt9-scenario.yaml"),
    ("Plan.YAML", "plan.yaml"),
    ("plan.yml", "plan.yaml"),
    ("Überwachung café", "uberwachung-cafe.yaml"),
    ("名前", "scenario.yaml"),
    ("a\x00b\nc\td", "a-b-c-d.yaml"),
    ("x" * 500, "x" * 64 + ".yaml"),
    ("-_-", "scenario.yaml"),
    ("／etc／passwd", "etc-passwd.yaml"),  # fullwidth solidus
]


@pytest.mark.parametrize(("name", "expected"), HOSTILE_NAMES)
def test_safe_scenario_filename(name: str, expected: str, tmp_path: Path) -> None:
    """Hostile user text becomes one safe, visible .yaml name inside the folder."""
    result = safe_scenario_filename(name)
    assert result == expected
    assert resolve_in_folder(tmp_path, result) == tmp_path.resolve() / expected


@pytest.mark.parametrize(
    ("filename", "why"),
    [
        ("", "is empty"),
        ("../x.yaml", "path separator"),
        ("a/b.yaml", "path separator"),
        ("a\\b.yaml", "path separator"),
        ("/etc/passwd", "path separator"),
        ("..", "must not start with a dot"),
        (".", "must not start with a dot"),
        (".hidden.yaml", "must not start with a dot"),
        ("CON.yaml", "reserved device name"),
        ("nul", "reserved device name"),
        ("C:x.yaml", "':'"),
        ("a\nb.yaml", "control characters"),
        ("x" * 75 + ".yaml", "longer than"),
    ],
)
def test_resolve_in_folder_refuses_escapes(filename: str, why: str, tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        resolve_in_folder(tmp_path, filename)
    assert info.value.problems[0].startswith("file name:")
    assert why in info.value.problems[0]


def test_resolve_in_folder_refuses_a_symlink_out(tmp_path: Path) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "escape.yaml").symlink_to(tmp_path / "outside.yaml")
    with pytest.raises(ScenarioError, match="points outside the scenarios folder"):
        resolve_in_folder(folder, "escape.yaml")
    assert resolve_in_folder(folder, "plan.yaml") == folder.resolve() / "plan.yaml"


# --------------------------------------------------------------------------- saving


def test_overwrite_false_refuses_an_existing_file(baseline: Scenario, tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("name: the planner's own file\n", encoding="utf-8")
    with pytest.raises(FileExistsError):
        save_scenario(baseline, target, overwrite=False)
    assert target.read_text(encoding="utf-8") == "name: the planner's own file\n"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.yaml"]


def test_overwrite_false_writes_a_new_file(baseline: Scenario, tmp_path: Path) -> None:
    target = save_scenario(baseline, tmp_path / "new.yaml", overwrite=False)
    assert load_scenario(target) == baseline
    assert [p.name for p in tmp_path.iterdir()] == ["new.yaml"]


def test_overwrite_is_the_default(baseline: Scenario, tmp_path: Path) -> None:
    target = tmp_path / "plan.yaml"
    target.write_text("name: old\n", encoding="utf-8")
    save_scenario(baseline, target)
    assert load_scenario(target) == baseline


def test_saving_keeps_the_file_permissions(baseline: Scenario, tmp_path: Path) -> None:
    """The temp file is private while written; the saved file keeps the old file's mode."""
    target = tmp_path / "plan.yaml"
    target.write_text("name: old\n", encoding="utf-8")
    target.chmod(0o640)
    save_scenario(baseline, target)
    assert target.stat().st_mode & 0o777 == 0o640


# --------------------------------------------------------------------------- documentation


def _schema_keys(model: type, section: str = "Top level") -> list[tuple[str, str]]:
    """(section of the reference, key) for every field of the schema. Nested models get their
    own section (``levers.audits``, ``fleet.device_classes``); a per-severity table
    (``sla_days``, ``severity_mix``) is one row, written ``sla_days.critical`` / ...."""
    from typing import get_args

    from pydantic import BaseModel

    from sim.scenario import SEVERITIES

    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        sub = [a for a in (ann, *get_args(ann)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if sub and set(sub[0].model_fields) == set(SEVERITIES):
            out.append((section, f"{name}.critical"))
            continue
        if get_args(ann) or not sub:
            out.append((section, name))  # a plain value, or a list that has its own row
        if sub:
            child = name if section == "Top level" else f"{section}.{name}"
            out += _schema_keys(sub[0], child)
    return out


def test_every_scenario_key_has_a_row_in_the_reference() -> None:
    """docs/reference/scenario-keys.md has a row for every key of the schema, in its section."""
    doc = (ROOT / "docs" / "reference" / "scenario-keys.md").read_text(encoding="utf-8")
    sections = {}
    for part in doc.replace("\n### ", "\n## ").split("\n## ")[1:]:
        title, _, body = part.partition("\n")
        sections[title.strip()] = body
    keys = _schema_keys(Scenario)
    assert len(keys) >= 55  # the walk reaches every section
    missing = [f"{section}: {key}" for section, key in keys if f"| `{key}`" not in sections.get(section, "")]
    assert missing == []


def test_a_percentage_where_a_share_is_expected_gets_a_hint() -> None:
    assert _problems("name: x\nkpi: {target: 95}\n") == [
        "kpi.target: must be ≤ 1 (got 95); shares are written as fractions: 0.95 for 95%"
    ]
    assert _problems("name: x\nfleet: {initial_compliance: 1.2}\n") == [
        "fleet.initial_compliance: must be ≤ 1 (got 1.2)"
    ]


def test_every_value_in_the_schema_says_what_it_is() -> None:
    """Every field that holds a value has a description (its unit or meaning), which the app
    shows as help and docs/reference/scenario-keys.md expands."""
    from typing import get_args

    from pydantic import BaseModel

    def bare(model: type[BaseModel], prefix: str = "") -> list[str]:
        out = []
        for name, info in model.model_fields.items():
            sub = [
                a
                for a in (info.annotation, *get_args(info.annotation))
                if isinstance(a, type) and issubclass(a, BaseModel)
            ]
            if sub:
                out += bare(sub[0], f"{prefix}{name}.")
            elif not info.description:
                out.append(prefix + name)
        return out

    assert bare(Scenario) == []


def test_severity_shares_message_lists_the_values_and_the_defaults_filled_in() -> None:
    assert _problems("name: x\nfleet: {device_classes: [{name: a, severity_mix: {critical: 0.5, high: 0.5}}]}\n") == [
        "fleet.device_classes[0].severity_mix: severity shares must sum to 1 (±0.01); they sum to 1.5: "
        "critical 0.5, high 0.5, medium 0.35 (default), low 0.15 (default)"
    ]


def test_department_shares_are_reported_with_the_other_problems() -> None:
    """The share sum is a whole-fleet check, which the schema runs only once every class and
    department is valid; it is also checked on the raw file, so one round shows every problem."""
    text = (
        "name: x\nfleet:\n  device_classes: [{name: a, count: -3}]\n"
        "  departments: [{name: A, share: 0.5}, {name: B, share: 0.2}]\n"
    )
    assert _problems(text) == [
        "fleet.device_classes[0].count: must be ≥ 0 (got -3)",
        "fleet.departments: department shares must sum to 1 (±0.01); they sum to 0.7",
    ]
    only = "name: x\nfleet:\n  departments: [{name: A, share: 0.5}, {name: B, share: 0.2}]\n"
    assert _problems(only) == ["fleet.departments: department shares must sum to 1 (±0.01); they sum to 0.7"]
