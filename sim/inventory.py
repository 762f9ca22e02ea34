"""Inventory import: a device inventory (CSV or JSON lines) turned into a scenario.

Planners start from an export of their device-management or asset tool, not from a
made-up fleet. ``import_inventory`` reads such an export and builds a scenario on a base
scenario (by default ``scenarios/baseline.yaml``): the device classes with their counts and
over-the-air share, the enrolled share from the managed flag, the departments (or sites)
with their shares, and the day-0 KPI from each device's last update date or installed
version against the designated timeframe. Everything the file does not say comes from the
base scenario, and the ``ImportReport`` says which fields did.

Columns are read by their canonical names (``device_id``, ``device_type``, ``department``
or ``site``, ``managed``, ``ota_capable``, ``last_update``, ``firmware_version``,
``latest_firmware_version``, ``criticality``) or through a mapping profile for a known
export (YAML files in ``sim/inventory_profiles/``, each citing the documentation its column
names come from), with ``mapping`` overrides (``--map COLUMN=FIELD``). How each field maps
to the scenario, and what is approximated, is in docs/how-to/import-your-inventory.md.

Bad input is refused whole, with every bad row named by its row number and column; with
``skip_bad_rows`` a few bad rows (at most ``MAX_SKIPPED_SHARE`` of them) are left out and
counted. Reading the file (limits, CSV and JSON lines, profiles) is ``sim.inventory_files``;
every cell is read as text and nothing in the file is executed. Its text reaches the
scenario only as names, which the app shows as plain text.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.inventory_files import (
    DEFAULT_PROFILE,
    FIELDS,
    MAX_INVENTORY_BYTES,
    MAX_INVENTORY_COLUMNS,
    MAX_INVENTORY_ROWS,
    InventoryError,
    Profile,
    _quoted,
    _Table,
    list_profiles,
    load_profile,
    read_table,
)
from sim.results import band
from sim.scenario import (
    SEVERITIES,
    Department,
    Scenario,
    ScenarioError,
    load_scenario,
    scenario_from_data,
)
from sim.scenario.messages import _cut

__all__ = [
    "FIELDS",
    "MAX_INVENTORY_BYTES",
    "MAX_INVENTORY_COLUMNS",
    "MAX_INVENTORY_ROWS",
    "MAX_SKIPPED_SHARE",
    "ClassFound",
    "ImportReport",
    "InventoryError",
    "InventoryImport",
    "Profile",
    "format_report",
    "import_inventory",
    "list_profiles",
    "load_profile",
    "match_type",
    "parse_mapping",
    "parse_types",
    "read_table",
]

MAX_SKIPPED_SHARE = 0.10  # --skip-bad-rows leaves out at most this share of the rows (assumption: "a few")
MAX_NAME_CHARS = 80  # a device type or department becomes a name in the scenario (the schema's limit)
MAX_DEPARTMENTS = 20  # the schema's limit; more are merged into OTHER_DEPARTMENTS
OTHER_DEPARTMENTS = "Other departments"
UNASSIGNED = "Unassigned"  # the department of a device whose department cell is empty
ROWS_LISTED = 10  # row numbers listed in a message about many rows

DEFAULT_BASE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

REQUIRED: tuple[str, ...] = ("device_id", "device_type")
BOOLEAN_FIELDS: tuple[str, ...] = ("managed", "ota_capable")
FIELD_ALIASES = {"site": "department"}  # --map COLUMN=site reads the column as the department
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "t", "managed", "enrolled"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f", "unmanaged", "not enrolled"})
CRITICALITY_WORDS = {s: s for s in SEVERITIES} | {"normal": "medium"}

# Device types are matched to the base scenario's classes by the head noun of the class name
# (its last word: "IP cameras" -> camera); these words name the same kind of device.
SYNONYMS = {
    "cctv": "camera",
    "nvr": "camera",
    "dvr": "camera",
    "webcam": "camera",
    "plc": "controller",
    "rtu": "controller",
    "hvac": "controller",
    "bms": "controller",
    "thermostat": "controller",
    "router": "gateway",
    "rfid": "reader",
    "badge": "reader",
}


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class ClassFound:
    """One device class of the imported scenario."""

    name: str
    devices: int
    types: dict[str, int]  # inventory device types counted in this class
    ota_share: float  # share over the air (known rows; unknown ones at the base's share)
    managed_share: float | None  # share of the class's devices managed (None: no managed column)
    day0_share: float | None  # share updated within the timeframe on day 0 (None: not known)


@dataclass(frozen=True)
class ImportReport:
    """What the import found and what it took from the base scenario."""

    source: str
    profile: str
    base: str
    rows: int  # data rows in the file
    devices: int  # devices imported
    skipped_rows: int  # rows left out (--skip-bad-rows)
    skipped: tuple[str, ...]  # the problems of the rows left out
    columns: dict[str, str]  # canonical field -> the file's column read for it
    classes: tuple[ClassFound, ...]
    departments: dict[str, float]  # department -> share of the devices
    managed_share: float | None  # share of all devices managed (None: from the base)
    ota_share: float  # share of all devices over the air
    enrolled_share: float  # the scenario's levers.central_management.enrolled_share
    day0_kpi: float  # the scenario's fleet.initial_compliance
    day0_known: int  # devices whose day-0 state the file told
    as_of: date | None  # the inventory date the ages are counted to
    timeframe_days: float  # the designated timeframe for a device without a criticality
    from_defaults: tuple[str, ...]  # what came from the base scenario, in words
    notes: tuple[str, ...]  # approximations made, in words
    dropped_classes: tuple[str, ...]  # base classes with no device in the inventory

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (JSON-ready)."""
        return {
            "source": self.source,
            "profile": self.profile,
            "base": self.base,
            "rows": self.rows,
            "devices": self.devices,
            "skipped_rows": self.skipped_rows,
            "skipped": list(self.skipped),
            "columns": dict(self.columns),
            "classes": [c.__dict__ | {"types": dict(c.types)} for c in self.classes],
            "departments": dict(self.departments),
            "managed_share": self.managed_share,
            "ota_share": self.ota_share,
            "enrolled_share": self.enrolled_share,
            "day0_kpi": self.day0_kpi,
            "day0_known": self.day0_known,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "timeframe_days": self.timeframe_days,
            "from_defaults": list(self.from_defaults),
            "notes": list(self.notes),
            "dropped_classes": list(self.dropped_classes),
        }


@dataclass(frozen=True)
class InventoryImport:
    """The scenario built from the inventory, and the report of the import."""

    scenario: Scenario
    report: ImportReport


# --------------------------------------------------------------------------- columns


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """``COLUMN=FIELD`` texts (``--map``) as {column: field}; the field must be a canonical one."""
    mapping: dict[str, str] = {}
    for item in items:
        column, sep, target = item.rpartition("=")
        target = FIELD_ALIASES.get(target.strip(), target.strip())
        if not sep or not column.strip():
            raise InventoryError([f"--map {_quoted(item)}: write COLUMN=FIELD, e.g. 'Asset tag=device_id'"])
        if target not in FIELDS:
            raise InventoryError(
                [f"--map {_quoted(item)}: unknown field {_quoted(target)}; the fields are {', '.join(FIELDS)}"]
            )
        mapping[column.strip()] = target
    return mapping


def _resolve_columns(frame: pd.DataFrame, profile: Profile, mapping: Mapping[str, str]) -> dict[str, str]:
    """canonical field -> the file's column, from --map first, then the profile's candidates."""
    by_key = {_key(c): c for c in frame.columns}
    chosen: dict[str, str] = {}
    for column, target in mapping.items():
        actual = by_key.get(_key(column))
        if actual is None:
            raise InventoryError(
                [f"--map {_quoted(column)}={target}: the file has no column {_quoted(column)}; {_has(frame)}"]
            )
        chosen[target] = actual
    for target, candidates in profile.columns.items():
        if target in chosen:
            continue
        for candidate in candidates:
            actual = by_key.get(_key(candidate))
            if actual is not None and actual not in chosen.values():
                chosen[target] = actual
                break
    missing = [f for f in REQUIRED if f not in chosen]
    if missing:
        problems = []
        for f in missing:
            wanted = " or ".join(_quoted(c) for c in profile.columns.get(f, [f]))
            problems.append(
                f"column {wanted} ({f}) is missing: {_has(frame)}; name the column with --map COLUMN={f}"
                + ("" if profile.name != DEFAULT_PROFILE else ", or choose the --profile of the tool that exported it")
            )
        raise InventoryError(problems)
    return chosen


def _has(frame: pd.DataFrame) -> str:
    names = [_quoted(str(c)) for c in frame.columns[:15]]
    more = f" and {len(frame.columns) - 15} more" if len(frame.columns) > 15 else ""
    return f"the file's columns are {', '.join(names)}{more}"


# --------------------------------------------------------------------------- device types


def _tokens(text: str) -> list[str]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    singular = [w[:-1] if w.endswith("s") and len(w) > 3 and not w.endswith("ss") else w for w in words]
    return [SYNONYMS.get(w, w) for w in singular]


def _head(class_name: str) -> str:
    tokens = _tokens(class_name)
    return tokens[-1] if tokens else ""


def match_type(device_type: str, class_names: Sequence[str], types: Mapping[str, str] | None = None) -> list[str]:
    """The base classes a device type could belong to: the one named in ``types`` (a
    ``--type TYPE=CLASS`` mapping), the one of the same name, else those whose head noun (the
    last word of the class name, e.g. "camera" for "IP cameras") is a word of the type."""
    key = _key(device_type)
    for given, cls in (types or {}).items():
        if _key(given) == key:
            return [cls]
    for name in class_names:
        if _key(name) == key:
            return [name]
    words = set(_tokens(device_type))
    return [name for name in class_names if _head(name) in words]


def _check_types(types: Mapping[str, str], class_names: Sequence[str]) -> dict[str, str]:
    out = {}
    for given, cls in types.items():
        match = [n for n in class_names if _key(n) == _key(cls)]
        if not match:
            raise InventoryError(
                [
                    f"--type {_quoted(given)}={_quoted(cls)}: the base scenario has no class {_quoted(cls)}; "
                    f"its classes are {', '.join(class_names)}"
                ]
            )
        out[given] = match[0]
    return out


def parse_types(items: Sequence[str]) -> dict[str, str]:
    """``TYPE=CLASS`` texts (``--type``) as {device type: class name}."""
    out: dict[str, str] = {}
    for item in items:
        given, sep, cls = item.rpartition("=")
        if not sep or not given.strip() or not cls.strip():
            raise InventoryError([f"--type {_quoted(item)}: write TYPE=CLASS, e.g. 'PLC=Building controllers'"])
        out[given.strip()] = cls.strip()
    return out


# --------------------------------------------------------------------------- cells


@dataclass
class _Problems:
    """Row problems: (row index, message) in file order, plus problems about the whole file."""

    rows: dict[int, list[str]] = field(default_factory=dict)

    def add(self, index: int, message: str) -> None:
        self.rows.setdefault(index, []).append(message)


def _where(table: _Table, index: int, column: str, target: str) -> str:
    named = f"column {_quoted(column)}" + ("" if column == target else f" ({target})")
    return f"{table.labels[index]}, {named}"


def _parse_booleans(
    table: _Table, column: str, target: str, words: Mapping[str, bool], problems: _Problems
) -> np.ndarray:
    """Each row's flag as 1.0 / 0.0, NaN where the cell is empty (unknown)."""
    out = np.full(len(table.frame), np.nan)
    for i, raw in enumerate(table.frame[column].tolist()):
        text = raw.strip().lower()
        if not text:
            continue
        if text in words:
            out[i] = float(words[text])
        elif not words and text in TRUE_WORDS:
            out[i] = 1.0
        elif not words and text in FALSE_WORDS:
            out[i] = 0.0
        else:
            known = ", ".join(sorted(words)) if words else "true/false, yes/no, 1/0"
            problems.add(
                i, f"{_where(table, i, column, target)}: {_quoted(raw)} is not a yes/no value (expected {known})"
            )
    return out


def _parse_dates(table: _Table, column: str, date_format: str | None, problems: _Problems) -> pd.Series:
    """Each row's date (a day, UTC), NaT where the cell is empty."""
    texts = table.frame[column].str.strip()
    blank = texts == ""
    if date_format in ("epoch_ms", "epoch_s"):
        numbers = pd.to_numeric(texts.where(~blank), errors="coerce")
        unit = "ms" if date_format == "epoch_ms" else "s"
        limit = 4_102_444_800 * (1000 if unit == "ms" else 1)  # 2100-01-01
        numbers = numbers.where((numbers >= 0) & (numbers < limit))
        parsed = pd.to_datetime(numbers, unit=unit, utc=True, errors="coerce")
    elif date_format:
        parsed = pd.to_datetime(texts.where(~blank), format=date_format, utc=True, errors="coerce")
    else:
        parsed = pd.to_datetime(texts.where(~blank), format="ISO8601", utc=True, errors="coerce")
    parsed = parsed.dt.tz_convert(None).dt.normalize()
    too_early = (parsed < pd.Timestamp("1970-01-01")).to_numpy()
    unreadable = (parsed.isna() & ~blank).to_numpy()
    expected = (
        f"a date in the format {date_format}"
        if date_format
        else "a date such as 2026-11-30 (ISO 8601, optionally with a time; a profile's date_format reads others)"
    )
    for i in np.flatnonzero(unreadable | too_early):
        raw = table.frame[column].iloc[i]
        why = "is before 1970" if too_early[i] else f"is not {expected}"
        problems.add(int(i), f"{_where(table, int(i), column, 'last_update')}: {_quoted(raw)} {why}")
    bad = pd.Series(unreadable | too_early, index=parsed.index)
    return parsed.where(~bad)


def _text_names(table: _Table, column: str, target: str, problems: _Problems) -> list[str]:
    names = [re.sub(r"\s+", " ", v).strip() for v in table.frame[column].tolist()]
    for i, name in enumerate(names):
        if len(name) > MAX_NAME_CHARS:
            problems.add(
                i,
                f"{_where(table, i, column, target)}: {len(name)} characters; a {target.replace('_', ' ')} "
                f"is at most {MAX_NAME_CHARS} (it becomes a name in the scenario)",
            )
        elif not name.isprintable():
            problems.add(i, f"{_where(table, i, column, target)}: holds control characters")
    return names


# --------------------------------------------------------------------------- the import


def import_inventory(
    source: str | os.PathLike[str] | bytes,
    *,
    base: Scenario | str | os.PathLike[str] | None = None,
    profile: str | os.PathLike[str] | Profile | None = None,
    mapping: Mapping[str, str] | None = None,
    types: Mapping[str, str] | None = None,
    skip_bad_rows: bool = False,
    as_of: date | None = None,
    timeframe_days: float | None = None,
    source_name: str | None = None,
) -> InventoryImport:
    """Read a device inventory into a scenario built on ``base`` (default scenarios/baseline.yaml).

    ``source`` is a file path or the file's bytes (an upload; ``source_name`` names it in
    messages). ``profile`` is a shipped profile's name, a profile file or a ``Profile``;
    ``mapping`` ({column: field}) overrides it; ``types`` ({device type: class}) places types
    the head-noun rule does not. ``as_of`` is the inventory's date (default: the newest last
    update in the file); ``timeframe_days`` the designated timeframe of a device without a
    criticality (default: the base's ``kpi.sla_days.high``). Raises ``InventoryError`` (a
    ``ScenarioError``) naming the row and column of every bad row.
    """
    name = source_name or ("uploaded file" if isinstance(source, bytes | bytearray) else str(source))
    try:
        return _import(source, name, base, profile, mapping or {}, types or {}, skip_bad_rows, as_of, timeframe_days)
    except ScenarioError as exc:
        raise InventoryError(exc.problems, exc.source or name) from None


def _import(
    source: str | os.PathLike[str] | bytes,
    name: str,
    base: Scenario | str | os.PathLike[str] | None,
    profile: str | os.PathLike[str] | Profile | None,
    mapping: Mapping[str, str],
    types: Mapping[str, str],
    skip_bad_rows: bool,
    as_of: date | None,
    timeframe_days: float | None,
) -> InventoryImport:
    base_label = (
        str(base) if isinstance(base, str | os.PathLike) else (base.name if base else "scenarios/baseline.yaml")
    )
    if not isinstance(base, Scenario):
        base = load_scenario(Path(base) if base is not None else DEFAULT_BASE)
    prof = profile if isinstance(profile, Profile) else load_profile(profile)
    class_names = [c.name for c in base.fleet.device_classes]
    types = _check_types(types, class_names)
    if timeframe_days is not None and not (1 <= timeframe_days <= 3650):
        raise InventoryError([f"--timeframe-days must be from 1 to 3,650 days (got {timeframe_days:g})"])

    table = read_table(source, prof)
    frame = table.frame
    columns = _resolve_columns(frame, prof, mapping)
    problems = _Problems()
    n = len(frame)

    # identifiers and device types
    ids = [v.strip() for v in frame[columns["device_id"]].tolist()]
    first_seen: dict[str, int] = {}
    for i, device_id in enumerate(ids):
        if not device_id:
            problems.add(i, f"{_where(table, i, columns['device_id'], 'device_id')}: empty; every device needs an id")
        elif device_id in first_seen:
            problems.add(
                i,
                f"{_where(table, i, columns['device_id'], 'device_id')}: duplicate id {_quoted(device_id)} "
                f"(first on {table.labels[first_seen[device_id]]})",
            )
        else:
            first_seen[device_id] = i
    type_names = _text_names(table, columns["device_type"], "device_type", problems)
    type_class: list[str | None] = [None] * n
    unknown: dict[str, list[int]] = {}
    ambiguous: dict[str, tuple[list[int], list[str]]] = {}
    cache: dict[str, list[str]] = {}
    for i, type_name in enumerate(type_names):
        if not type_name:
            problems.add(
                i, f"{_where(table, i, columns['device_type'], 'device_type')}: empty; every device needs a type"
            )
            continue
        if type_name not in cache:
            cache[type_name] = match_type(type_name, class_names, types)
        found = cache[type_name]
        if len(found) == 1:
            type_class[i] = found[0]
        elif not found:
            unknown.setdefault(type_name, []).append(i)
        else:
            ambiguous.setdefault(type_name, ([], found))[0].append(i)
    for type_name, rows in unknown.items():
        _add_type_problem(
            table,
            problems,
            rows,
            columns["device_type"],
            type_name,
            f"is not one of the scenario's classes ({', '.join(class_names)})",
            class_names[0],
        )
    for type_name, (rows, found) in ambiguous.items():
        _add_type_problem(
            table, problems, rows, columns["device_type"], type_name, f"could be any of {', '.join(found)}", found[0]
        )

    # departments
    dept_column = columns.get("department")
    departments = _text_names(table, dept_column, "department", problems) if dept_column else None

    # flags
    flags: dict[str, np.ndarray] = {}
    for target in BOOLEAN_FIELDS:
        if target in columns:
            words = prof.values.get(target, {})
            flags[target] = _parse_booleans(table, columns[target], target, words, problems)
        elif target in prof.constants:
            flags[target] = np.full(n, float(prof.constants[target]))

    # day 0: dates, versions, criticality
    dates = (
        _parse_dates(table, columns["last_update"], prof.date_format, problems) if "last_update" in columns else None
    )
    criticality: list[str | None] = [None] * n
    if "criticality" in columns:
        col = columns["criticality"]
        for i, raw in enumerate(frame[col].tolist()):
            text = raw.strip().lower()
            if not text:
                continue
            if text in CRITICALITY_WORDS:
                criticality[i] = CRITICALITY_WORDS[text]
            else:
                problems.add(
                    i,
                    f"{_where(table, i, col, 'criticality')}: {_quoted(raw)} is not a criticality "
                    f"(expected {', '.join(CRITICALITY_WORDS)})",
                )
    if dates is not None and as_of is not None:
        late = dates > pd.Timestamp(as_of)
        for i in np.flatnonzero(late.to_numpy()):
            problems.add(
                int(i),
                f"{_where(table, int(i), columns['last_update'], 'last_update')}: "
                f"{dates.iloc[i].date().isoformat()} is after the inventory date {as_of.isoformat()}",
            )

    # bad rows: refuse, or skip a few
    skipped: list[str] = []
    if problems.rows:
        bad = sorted(problems.rows)
        messages = [m for i in bad for m in problems.rows[i]]
        if not skip_bad_rows:
            raise InventoryError(_dedupe(messages))
        if len(bad) > MAX_SKIPPED_SHARE * n:
            raise InventoryError(
                [
                    f"{len(bad):,} of {n:,} rows are bad, more than {MAX_SKIPPED_SHARE:.0%} "
                    "(MAX_SKIPPED_SHARE): --skip-bad-rows leaves out a few bad rows, not a column in another "
                    "format; fix the file or map the columns (--map, --profile)",
                    *_dedupe(messages),
                ]
            )
        skipped = _dedupe(messages)
    keep = np.ones(n, dtype=bool)
    keep[list(problems.rows)] = False
    if not keep.any():
        raise InventoryError(["no device is left once the bad rows are skipped"])

    return _build(
        base=base,
        base_label=base_label,
        prof=prof,
        source=name,
        rows=n,
        keep=keep,
        columns=columns,
        type_class=type_class,
        type_names=type_names,
        departments=departments,
        flags=flags,
        dates=dates,
        versions=(
            (frame[columns["firmware_version"]].tolist(), frame[columns["latest_firmware_version"]].tolist())
            if "firmware_version" in columns and "latest_firmware_version" in columns
            else None
        ),
        criticality=criticality,
        as_of=as_of,
        timeframe_days=timeframe_days,
        skipped=tuple(skipped),
        skipped_rows=int((~keep).sum()),
    )


def _add_type_problem(
    table: _Table, problems: _Problems, rows: list[int], column: str, type_name: str, why: str, example: str
) -> None:
    """One message per unknown device type, on its first row, listing the rows it is on;
    every row is marked bad (so --skip-bad-rows counts each)."""
    listed = ", ".join(table.labels[i].split()[-1] for i in rows[:ROWS_LISTED])
    more = f" and {len(rows) - ROWS_LISTED:,} more" if len(rows) > ROWS_LISTED else ""
    kind = table.kind + ("s" if len(rows) > 1 else "")
    named = f"column {_quoted(column)}" + ("" if column == "device_type" else " (device_type)")
    on = f" on {len(rows):,} {kind}" if len(rows) > 1 else ""
    message = (
        f"{kind} {listed}{more}, {named}: unknown device type {_quoted(type_name)}{on}: it {why}; "
        f"place it in a class with --type '{type_name}=CLASS' (e.g. --type '{type_name}={example}')"
    )
    problems.add(rows[0], message)
    for i in rows[1:]:
        problems.rows.setdefault(i, [])


def _dedupe(messages: list[str]) -> list[str]:
    return list(dict.fromkeys(messages))


def _round(value: float) -> float:
    return round(float(value), 4)


def _build(
    *,
    base: Scenario,
    base_label: str,
    prof: Profile,
    source: str,
    rows: int,
    keep: np.ndarray,
    columns: dict[str, str],
    type_class: list[str | None],
    type_names: list[str],
    departments: list[str] | None,
    flags: dict[str, np.ndarray],
    dates: pd.Series | None,
    versions: tuple[list[str], list[str]] | None,
    criticality: list[str | None],
    as_of: date | None,
    timeframe_days: float | None,
    skipped: tuple[str, ...],
    skipped_rows: int,
) -> InventoryImport:
    idx = np.flatnonzero(keep)
    n = idx.size
    classes = [type_class[i] for i in idx]
    base_classes = {c.name: c for c in base.fleet.device_classes}
    from_defaults: list[str] = []
    notes: list[str] = []

    # over the air: the file's flag, or the class's share in the base
    base_ota = np.array([base_classes[c].ota_capable for c in classes])  # type: ignore[index]
    ota_flag = flags.get("ota_capable", np.full(rows, np.nan))[idx]
    p_ota = np.where(np.isnan(ota_flag), base_ota, ota_flag)
    if "ota_capable" not in flags:
        from_defaults.append("ota_capable: each class's over-the-air share from the base scenario")
    elif np.isnan(ota_flag).any():
        from_defaults.append(f"ota_capable: {int(np.isnan(ota_flag).sum()):,} empty cells at the class's base share")

    # managed -> enrolled share of the over-the-air devices
    cm = base.levers.central_management
    managed_flag = flags.get("managed", np.full(rows, np.nan))[idx] if "managed" in flags else None
    if managed_flag is not None:
        p_managed = np.where(np.isnan(managed_flag), cm.enrolled_share, managed_flag)
        if np.isnan(managed_flag).any():
            from_defaults.append(
                f"managed: {int(np.isnan(managed_flag).sum()):,} empty cells at the base's enrolled share "
                f"({cm.enrolled_share:.0%})"
            )
        ota_total = float(p_ota.sum())
        enrolled = float((p_ota * p_managed).sum()) / ota_total if ota_total > 0 else 0.0
        not_ota = int(((managed_flag == 1) & (ota_flag == 0)).sum())
        if not_ota:
            notes.append(
                f"{not_ota:,} managed devices cannot be updated over the air: the model enrols only over-the-air "
                "devices, so they count as not enrolled (their updates are manual)"
            )
        managed_share: float | None = (
            float(np.nansum(managed_flag) + np.isnan(managed_flag).sum() * cm.enrolled_share) / n
        )
        onboarding = 0.0 if enrolled > 0 else cm.onboarding_days
        if enrolled > 0:
            notes.append(
                "the managed devices are under central management on day 0 (levers.central_management."
                "onboarding_days = 0); the enrolled share is one share for every class (the schema has no "
                "per-class enrolment), so each class gets the fleet's share in expectation"
            )
    else:
        enrolled, onboarding, managed_share = cm.enrolled_share, cm.onboarding_days, None
        from_defaults.append(
            f"managed: the base scenario's enrolled share ({cm.enrolled_share:.0%} of over-the-air devices)"
        )

    # day 0: on the latest version, or updated within the timeframe
    sla = base.kpi.sla_days
    default_timeframe = float(timeframe_days if timeframe_days is not None else sla.high)
    state = np.full(n, np.nan)  # 1 compliant, 0 not, NaN unknown
    used_as_of: date | None = None
    if dates is not None:
        kept_dates = dates.iloc[idx].reset_index(drop=True)
        used_as_of = kept_dates.max().date() if as_of is None and kept_dates.notna().any() else as_of
        if used_as_of is not None:
            age = (pd.Timestamp(used_as_of) - kept_dates).dt.days.to_numpy(dtype=float)
            window = np.array(
                [getattr(sla, criticality[i]) if criticality[i] else default_timeframe for i in idx], dtype=float
            )
            known = ~np.isnan(age)
            state[known] = (age[known] <= window[known]).astype(float)
    if versions is not None:
        installed, latest = versions
        for k, i in enumerate(idx):
            have, newest = installed[i].strip().lower(), latest[i].strip().lower()
            if have and newest and have == newest:
                state[k] = 1.0
            elif have and newest and np.isnan(state[k]):
                state[k] = 0.0
    known_day0 = ~np.isnan(state)
    if dates is None and versions is None:
        from_defaults.append(
            f"day-0 KPI: the base scenario's {base.fleet.initial_compliance:.1%} (the file has no last_update "
            "and no installed and latest versions)"
        )
    elif not known_day0.all():
        from_defaults.append(
            f"day-0 state of {int((~known_day0).sum()):,} devices with no date or version: the base scenario's "
            f"{base.fleet.initial_compliance:.1%}"
        )
    p_day0 = np.where(known_day0, state, base.fleet.initial_compliance)
    day0 = float(p_day0.mean())
    if known_day0.any():
        notes.append(
            "day-0 compliance is one fleet-wide share in the schema (fleet.initial_compliance); each device "
            "starts compliant with that chance, so the classes' own day-0 shares (in this report) are not kept"
        )

    # classes
    class_order = [c for c in base_classes if c in set(classes)]
    found: list[ClassFound] = []
    new_classes = []
    cls_arr = np.array(classes, dtype=object)
    kept_types = [type_names[i] for i in idx]
    for cname in class_order:
        mask = cls_arr == cname
        count = int(mask.sum())
        type_counts = Counter(t for t, m in zip(kept_types, mask, strict=True) if m)
        ota_share = float(p_ota[mask].mean())
        day0_known = known_day0[mask]
        found.append(
            ClassFound(
                name=cname,
                devices=count,
                types=dict(type_counts.most_common()),
                ota_share=ota_share,
                managed_share=float(
                    np.where(np.isnan(managed_flag[mask]), cm.enrolled_share, managed_flag[mask]).mean()
                )
                if managed_flag is not None
                else None,
                day0_share=float(state[mask][day0_known].mean()) if day0_known.any() else None,
            )
        )
        new_classes.append(
            base_classes[cname].model_copy(update={"count": count, "ota_capable": _round(ota_share)}).model_dump()
        )
    dropped = tuple(c for c in base_classes if c not in class_order)

    # departments
    dept_shares: dict[str, float]
    base_depts = {_key(d.name): d for d in base.fleet.departments}
    mean_delay = sum(d.share * d.approval_delay_days for d in base.fleet.departments)
    if departments is not None:
        spelling: dict[str, str] = {}  # departments differing only in case or spacing are one
        names = [spelling.setdefault(_key(departments[i]), departments[i]) or UNASSIGNED for i in idx]
        counted = Counter(names).most_common()
        if len(counted) > MAX_DEPARTMENTS:
            head, tail = counted[: MAX_DEPARTMENTS - 1], counted[MAX_DEPARTMENTS - 1 :]
            notes.append(
                f"{len(counted):,} departments: the {len(tail):,} smallest are merged into '{OTHER_DEPARTMENTS}' "
                f"(the schema allows {MAX_DEPARTMENTS})"
            )
            counted = [*head, (OTHER_DEPARTMENTS, sum(c for _, c in tail))]
        shares = _shares([c for _, c in counted])
        dept_shares = {dname: share for (dname, _), share in zip(counted, shares, strict=True)}
        new_depts = []
        new_delay = []
        for (dname, _), share in zip(counted, shares, strict=True):
            known = base_depts.get(_key(dname))
            delay = known.approval_delay_days if known else round(mean_delay, 1)
            if not known:
                new_delay.append(dname)
            new_depts.append(Department(name=dname, share=share, approval_delay_days=delay).model_dump())
        if new_delay:
            from_defaults.append(
                f"approval_delay_days of {len(new_delay):,} department(s) not in the base scenario "
                f"({', '.join(new_delay[:5])}{'…' if len(new_delay) > 5 else ''}): the base's share-weighted "
                f"average, {mean_delay:.1f} days"
            )
    else:
        new_depts = [d.model_dump() for d in base.fleet.departments]
        dept_shares = {d.name: d.share for d in base.fleet.departments}
        from_defaults.append("departments: the base scenario's departments and shares")

    stem = Path(source).stem if source else "inventory"
    data = base.model_dump()
    data["name"] = _cut(f"Inventory: {stem}", 120)
    data["description"] = _cut(
        f"Imported from the inventory {Path(source).name} ({n:,} devices"
        + (f", as of {used_as_of.isoformat()}" if used_as_of else "")
        + f") on the base scenario '{base.name}' with the profile '{prof.name}'. Taken from the base: "
        + "; ".join(from_defaults or ["nothing"])
        + ". Approximations: "
        + ("; ".join(notes) if notes else "none")
        + ". See docs/how-to/import-your-inventory.md.",
        10_000,
    )
    data["fleet"] = {
        "initial_compliance": _round(day0),
        "device_classes": new_classes,
        "departments": new_depts,
    }
    data["levers"]["central_management"]["enrolled_share"] = _round(enrolled)
    data["levers"]["central_management"]["onboarding_days"] = onboarding
    scenario = scenario_from_data(data)

    report = ImportReport(
        source=source,
        profile=prof.name,
        base=base_label,
        rows=rows,
        devices=n,
        skipped_rows=skipped_rows,
        skipped=skipped,
        columns=dict(columns.items()),
        classes=tuple(found),
        departments=dept_shares,
        managed_share=managed_share,
        ota_share=float(p_ota.mean()),
        enrolled_share=scenario.levers.central_management.enrolled_share,
        day0_kpi=scenario.fleet.initial_compliance,
        day0_known=int(known_day0.sum()),
        as_of=used_as_of,
        timeframe_days=default_timeframe,
        from_defaults=tuple(from_defaults),
        notes=tuple(notes),
        dropped_classes=dropped,
    )
    return InventoryImport(scenario, report)


def _shares(counts: list[int]) -> list[float]:
    """Counts as shares, rounded to 4 decimals (their sum is within the schema's tolerance of 1)."""
    total = sum(counts)
    return [round(c / total, 4) for c in counts]


# --------------------------------------------------------------------------- text


def format_report(report: ImportReport) -> str:
    """The report as plain text (the CLI prints it; docs show it)."""
    lines = [
        f"Imported {report.devices:,} devices from {report.source} "
        f"(profile {report.profile}; base {report.base})"
        + (f"; {report.skipped_rows:,} bad rows skipped" if report.skipped else "")
    ]
    used = ", ".join(f"{f} <- {_quoted(c)}" for f, c in report.columns.items())
    lines.append(f"  columns: {used}")
    if report.as_of:
        lines.append(
            f"  inventory date {report.as_of.isoformat()}; timeframe {report.timeframe_days:g} days "
            "(or the SLA of the device's criticality)"
        )
    lines.append("")
    header = ("Device class", "devices", "over the air", "managed", "on time, day 0")
    rows = []
    for c in report.classes:
        rows.append(
            (
                c.name,
                f"{c.devices:,}",
                f"{c.ota_share:.1%}",
                "base" if c.managed_share is None else f"{c.managed_share:.1%}",
                "base" if c.day0_share is None else f"{c.day0_share:.1%}",
            )
        )
    rows.append(
        (
            "All devices",
            f"{report.devices:,}",
            f"{report.ota_share:.1%}",
            "base" if report.managed_share is None else f"{report.managed_share:.1%}",
            f"{report.day0_kpi:.1%}",
        )
    )
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, *rows]:
        lines.append(
            "  " + f"{r[0]:<{widths[0]}}" + "".join(f"  {v:>{w}}" for v, w in zip(r[1:], widths[1:], strict=True))
        )
    for c in report.classes:
        types = ", ".join(f"{t} ({k:,})" for t, k in list(c.types.items())[:6])
        more = f" and {len(c.types) - 6} more" if len(c.types) > 6 else ""
        lines.append(f"    {c.name}: {types}{more}")
    if report.dropped_classes:
        lines.append(f"  Not in the inventory (left out): {', '.join(report.dropped_classes)}")
    depts = ", ".join(f"{d} {share:.1%}" for d, share in report.departments.items())
    lines += ["", f"  Departments: {depts}"]
    managed = "from the base scenario" if report.managed_share is None else f"{report.managed_share:.1%} of devices"
    lines.append(f"  Managed: {managed}; enrolled share {report.enrolled_share:.1%} of the over-the-air devices")
    lines.append(
        f"  Day-0 KPI: {report.day0_kpi:.1%} updated within the timeframe ({band(report.day0_kpi).capitalize()}); "
        f"{report.day0_known:,} of {report.devices:,} devices known from the file"
    )
    if report.from_defaults:
        lines += ["", "  From the base scenario:"] + [f"    - {t}" for t in report.from_defaults]
    if report.notes:
        lines += ["", "  Approximations:"] + [f"    - {t}" for t in report.notes]
    if report.skipped:
        lines += ["", f"  Skipped rows ({report.skipped_rows:,}):"] + [f"    - {t}" for t in report.skipped[:20]]
        if len(report.skipped) > 20:
            lines.append(f"    - ... and {len(report.skipped) - 20} more")
    return "\n".join(lines) + "\n"
