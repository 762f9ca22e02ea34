"""Reading scenario files safely: YAML without code, anchors or surprises; older versions migrated.

Loading never executes anything from the file: YAML is read with a safe loader that
also refuses anchors and aliases (the "billion laughs" expansion), number forms are
checked, files are size limited, and an older schema version is migrated.
"""

from __future__ import annotations

import math
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.limits import MAX_FILE_BYTES, MAX_NESTING, MAX_NODES, MAX_NUMBER_DIGITS
from sim.scenario.messages import FieldProblem, RefusedNumber, ScenarioError, _cut, _format_error, _shown
from sim.scenario.schema import SCHEMA_VERSION, Department, Scenario, _check_shares

# --------------------------------------------------------------------------- loading


def _number_form_problem(text: str) -> str | None:
    """Why a number as written is refused, or None for a plain decimal number."""
    body = text.lstrip("+-")
    if len(text) > MAX_NUMBER_DIGITS:
        return f"a number written with {len(text):,} characters is too long to be a setting"
    if "_" in body:
        return "digit separators ('_') are not allowed; write the digits alone (1000, not 1_000)"
    if ":" in body:
        return "YAML 1.1 reads 1:00 as a base-60 number (60); write the number in plain digits"
    if body[:2].lower() in {"0x", "0o", "0b"}:
        return "numbers in another base (0x, 0o, 0b) are not allowed; write it in plain decimal digits"
    if len(body) > 1 and body[0] == "0" and body[1].isdigit():
        return (
            f"a whole number with a leading zero is octal in YAML 1.1 ({text} would not mean "
            f"{text.lstrip('+-0') or 0}); drop the zero"
        )
    return None


class _SafeFileLoader(yaml.CSafeLoader):
    """libyaml's safe loader (C parser and scanner, so a large file parses fast) that also
    refuses duplicate keys (the later one would silently win), every tag that is not plain
    data, and numbers in forms a planner would not mean. Anchors, aliases, nesting and the
    size of the file are checked on the parser's events first (``_check_events``)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # complex keys are refused by the base class ("unhashable key")
                key = self.construct_object(key_node, deep=False)
                if key in seen:
                    mark = key_node.start_mark
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {_cut(repr(key), 80)}; each key may appear only once", mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_refused_tag(self, node: Any) -> Any:
        tag = str(node.tag).replace("tag:yaml.org,2002:", "!!")
        raise yaml.constructor.ConstructorError(
            None,
            None,
            f"the tag '{_cut(tag, 60)}' is not allowed (scenario files hold plain values only)",
            node.start_mark,
        )

    def construct_plain_text(self, node: Any) -> Any:
        return self.construct_scalar(node)

    def construct_checked_int(self, node: Any) -> Any:
        text = str(node.value)
        problem = _number_form_problem(text)
        if problem:
            return RefusedNumber(text, problem)
        return int(text)

    def construct_checked_float(self, node: Any) -> Any:
        text = str(node.value)
        problem = _number_form_problem(text)
        if problem and not problem.startswith("a whole number"):
            return RefusedNumber(text, problem)
        value = super().construct_yaml_float(node)
        return 0.0 if value == 0 else value  # -0 is stored as 0


# Tags that are not plain data are refused with a clear message (the safe loader already
# builds no objects; this only words the refusal). Dates stay text: no field is a date, and
# a date such as 2024-02-30 would otherwise fail inside the YAML reader.
_SafeFileLoader.add_constructor(None, _SafeFileLoader.construct_refused_tag)
_SafeFileLoader.add_constructor("tag:yaml.org,2002:timestamp", _SafeFileLoader.construct_plain_text)
_SafeFileLoader.add_constructor("tag:yaml.org,2002:binary", _SafeFileLoader.construct_refused_tag)
_SafeFileLoader.add_constructor("tag:yaml.org,2002:int", _SafeFileLoader.construct_checked_int)
_SafeFileLoader.add_constructor("tag:yaml.org,2002:float", _SafeFileLoader.construct_checked_float)
# YAML 1.1 reads 4e6 (no dot) as text; planners mean a number, as YAML 1.2 does.
_SafeFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$"),
    list("-+.0123456789"),
)


def _check_events(text: str) -> None:
    """Walk libyaml's parse events once, refusing before anything is built: anchors and
    aliases (the "billion laughs" expansion), more than one document, nesting deeper than
    MAX_NESTING and more than MAX_NODES values. Stops at the first problem, so a hostile
    file is refused after reading only as far as it needs."""
    depth = nodes = documents = 0
    for event in yaml.parse(text, Loader=yaml.CSafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1
            raise yaml.YAMLError(f"anchors and aliases (&name / *name) are not allowed (line {line})")
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise yaml.YAMLError(
                    "the file holds more than one YAML document (a second '---'); a scenario file holds one"
                )
        elif isinstance(event, yaml.ScalarEvent | yaml.MappingStartEvent | yaml.SequenceStartEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise yaml.YAMLError(
                    f"more than {MAX_NODES:,} values (line {event.start_mark.line + 1}); "
                    "a scenario file holds a few hundred"
                )
            if not isinstance(event, yaml.ScalarEvent):
                depth += 1
                if depth > MAX_NESTING:
                    raise yaml.YAMLError(
                        f"nested too deeply (more than {MAX_NESTING} levels; a scenario needs 5) "
                        f"(line {event.start_mark.line + 1})"
                    )
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            depth -= 1


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file up to SCHEMA_VERSION; refuse a newer one."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, RefusedNumber):
        raise ScenarioError([f"schema_version: {version.reason} (got {str(version)!r})"])
    if isinstance(version, bool) or not isinstance(version, int):
        raise ScenarioError([f"schema_version: must be a whole number (got {_shown(version)})"])
    if version > SCHEMA_VERSION:
        raise ScenarioError(
            [
                f"schema_version: the file is version {_shown(version)}, written by a newer program; "
                f"this program reads schema_version {SCHEMA_VERSION}"
            ]
        )
    if version < 0:
        raise ScenarioError([f"schema_version: must be ≥ 0 (got {_shown(version)})"])
    if version == 0:
        # Version 0 (drafts before the first release) called the enrolment share
        # `levers.central_management.enrolled`; everything else is unchanged.
        data = dict(data)
        levers = data.get("levers")
        cm = levers.get("central_management") if isinstance(levers, dict) else None
        if isinstance(cm, dict) and "enrolled" in cm:
            cm = dict(cm)
            if "enrolled_share" in cm:
                raise ScenarioError(
                    [
                        "levers.central_management: a version 0 file names the enrolment share "
                        "'enrolled'; this one has both 'enrolled' and 'enrolled_share'"
                    ]
                )
            cm["enrolled_share"] = cm.pop("enrolled")
            data["levers"] = {**levers, "central_management": cm}
        version = 1
    if version == 1:
        data = _migrate_breach_chances(data)
    if version < SCHEMA_VERSION:
        data = {**data, "schema_version": SCHEMA_VERSION}
    return data


OLD_BREACH_CHANCES = {"critical": 0.02, "high": 0.005, "medium": 0.001, "low": 0.0002}


def _migrate_breach_chances(data: dict[str, Any]) -> dict[str, Any]:
    """Version 1 priced risk by overdue device-years
    (``costs.breach_probability_per_overdue_device_year``); version 2 counts open
    vulnerabilities (``risk``). The old figures cannot be converted: a file that kept
    the old defaults loses the key, one that changed them is refused with what to do."""
    data = dict(data)
    costs = data.get("costs")
    key = "breach_probability_per_overdue_device_year"
    if not isinstance(costs, dict) or key not in costs:
        return data
    old = costs[key]
    if isinstance(old, dict) and all(k in OLD_BREACH_CHANCES and old[k] == OLD_BREACH_CHANCES[k] for k in old):
        data["costs"] = {k: v for k, v in costs.items() if k != key}
        return data
    raise ScenarioError(
        [
            f"costs.{key}: replaced in schema_version 2 by "
            "risk.exploitation_rate_per_vulnerability_year (loss events a year per open vulnerability, "
            "counted from release + risk.exploit_delay_days; docs/background/risk.md); "
            "changed per-device figures cannot be converted: delete this key and, to change the "
            "risk, set the new one"
        ]
    )


def _too_big(size: int) -> ScenarioError:
    return ScenarioError(
        [
            f"the file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} "
            "(scenario files are a few kilobytes; the limit keeps a huge file from tying up the machine)"
        ]
    )


def parse_yaml(text: str | bytes) -> Any:
    """Parse YAML text safely: no tags that build objects, no anchors or aliases, no duplicate keys."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise _too_big(len(text))
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError(
                [f"not a text file: it is not UTF-8 ({exc.reason} at byte {exc.start}); save it as UTF-8 text"]
            ) from None
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_FILE_BYTES:
        raise _too_big(size)
    if "\x00" in text:
        raise ScenarioError(["not a text file (it contains NUL bytes, as binary files do)"])
    try:
        _check_events(text)
        return yaml.load(text, Loader=_SafeFileLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        detail = str(exc).splitlines()
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or (detail[0] if detail else "unreadable")
        if "another document" in problem:
            problem = "the file holds more than one YAML document (a second '---'); a scenario file holds one"
        elif "determine a constructor" in problem:  # a tag on a key, raised before our constructor runs
            problem = "a tag (!!...) that is not plain data is not allowed"
        if not mark and str(exc).startswith(("anchors", "nested", "more than", "the file holds")):
            problem = str(exc)
        raise ScenarioError([f"not valid YAML: {problem}{where}"]) from None
    except RecursionError:
        raise ScenarioError(["not valid YAML: nested too deeply"]) from None
    except (ValueError, OverflowError, TypeError) as exc:  # e.g. an integer with thousands of digits
        raise ScenarioError([f"not valid YAML: a value cannot be read ({_short_text(str(exc))})"]) from None


def _short_text(text: str, limit: int = 100) -> str:
    text = text.splitlines()[0] if text else "unknown"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def scenario_from_data(data: Any, source: str | None = None, *, strict: bool = False) -> Scenario:
    """Validate already-parsed data (a mapping) into a Scenario.

    ``strict=True`` (used for files) takes values only in their own type: no true/false
    or quoted text where a number is expected, no 1500.0 for a whole number. The default
    is lenient for data built in code (the app's controls may hand over numpy numbers).
    """
    if data is None:
        raise ScenarioError(["the file is empty; a scenario needs at least a name"], source)
    if not isinstance(data, dict):
        raise ScenarioError(
            [f"(top level): a scenario file must be a mapping of keys (key: value lines), not {_shown(data)}"],
            source,
        )
    try:
        data = _migrate(data)
        return Scenario.model_validate(data, strict=strict)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    except ValidationError as exc:
        problems = [_format_error(e) for e in exc.errors(include_url=False)]
        problems += [p for p in _raw_share_problems(data) if p not in problems]
        raise ScenarioError(problems, source) from None
    except RecursionError:
        raise ScenarioError(["(top level): nested too deeply"], source) from None


def _raw_share_problems(data: dict[str, Any]) -> list[str]:
    """The department-share sum, checked on the raw data: the schema checks it only once
    every department and device class is valid, so a file with other problems would show
    this one only in a second round."""
    fleet = data.get("fleet")
    depts = fleet.get("departments") if isinstance(fleet, dict) else None
    if not isinstance(depts, list) or not depts or not all(isinstance(d, dict) for d in depts):
        return []
    default = Department.model_fields["share"].default
    shares = [d.get("share", default) for d in depts]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in shares):
        return []
    try:
        _check_shares([float(v) for v in shares], "department shares", "fleet.departments")
    except FieldProblem as problem:
        return [f"{problem.path}: {problem}"]
    return []


def _read_file(path: Path) -> bytes:
    """The bytes of a scenario file, refusing folders, devices, pipes and oversized files."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ScenarioError(["no such file"]) from None
    except OSError as exc:
        raise ScenarioError([f"cannot be read ({exc.strerror or exc})"]) from None
    if stat.S_ISDIR(info.st_mode):
        raise ScenarioError(["is a folder, not a scenario file"])
    if not stat.S_ISREG(info.st_mode):
        raise ScenarioError(["is not a regular file (a device, pipe or socket), so it is not read"])
    if info.st_size > MAX_FILE_BYTES:
        raise _too_big(info.st_size)
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)  # the file may have grown since stat
    except PermissionError:
        raise ScenarioError(["cannot be read (permission denied)"]) from None
    except OSError as exc:
        raise ScenarioError([f"cannot be read ({exc.strerror or exc})"]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _too_big(len(raw))
    return raw


def load_scenario(path_or_text: str | os.PathLike[str] | bytes, *, replications: int | None = None) -> Scenario:
    """Load a scenario from a file path, or from YAML text (a str containing a newline or ':').

    ``replications``, if given, replaces the file's ``simulation.replications`` before the
    file is checked, so the run-size limits apply to the count that will run (a large fleet
    whose file asks for 30 replications can still be run once).

    Raises ``ScenarioError`` naming the file (for a path) and the field path of every problem.
    """
    source: str | None = None
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        source = str(path)
        try:
            raw: str | bytes = _read_file(path)
        except ScenarioError as exc:
            raise ScenarioError(exc.problems, source) from None
    else:
        raw = path_or_text
    try:
        data = parse_yaml(raw)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    if replications is not None and isinstance(data, dict):
        settings = data.get("simulation", {})
        if isinstance(settings, dict):  # anything else is refused as it stands
            data = {**data, "simulation": {**settings, "replications": replications}}
    return scenario_from_data(data, source, strict=True)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def dump_scenario(scenario: Scenario) -> str:
    """The scenario as YAML text, keys in the documented order."""
    data = _plain(scenario.model_dump(mode="json"))
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
