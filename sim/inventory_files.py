"""Reading device inventories safely: CSV and JSON lines as text cells, limits, export profiles.

``read_table`` turns an inventory file (a path or an upload's bytes) into a table of text
cells with a label for each row ("row 2" for CSV, where the header is row 1 as in a
spreadsheet; "line 2" for JSON lines), refusing a file over the size, row or column limits,
binary or non-UTF-8 files, and unreadable CSV or JSON with the line named. Every cell stays
text (pandas with ``dtype=str``; JSON through the standard library), so nothing in the file
is evaluated. ``load_profile`` reads a mapping profile (``sim/inventory_profiles/*.yaml``, or
a planner's own) with the safe YAML loader and validates it. ``sim.inventory`` maps the
table to a scenario.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.scenario import MAX_FILE_BYTES, ScenarioError, parse_yaml
from sim.scenario.messages import _cut, _printable

# Limits (docs/reference/limits.md): the same file size as a scenario file, and a row limit.
MAX_INVENTORY_BYTES = MAX_FILE_BYTES
MAX_INVENTORY_ROWS = 50_000  # devices in one file; 1 MB holds about 20,000 rows of a typical export
MAX_INVENTORY_COLUMNS = 500  # an Intune export has about 55

PROFILE_DIR = Path(__file__).resolve().parent / "inventory_profiles"
DEFAULT_PROFILE = "canonical"

FIELDS: tuple[str, ...] = (
    "device_id",
    "device_type",
    "department",
    "managed",
    "ota_capable",
    "last_update",
    "firmware_version",
    "latest_firmware_version",
    "criticality",
)


class InventoryError(ScenarioError):
    """An inventory that cannot be imported; ``problems`` name the row and column of each."""


def _quoted(name: str) -> str:
    return _printable(repr(_cut(name, 60)))


# --------------------------------------------------------------------------- profiles


class Profile(BaseModel):
    """A mapping profile: which column of a known export holds each canonical field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    source: str = Field(min_length=1, max_length=300, description="where the column names come from")
    columns: dict[str, list[str]] = Field(description="canonical field -> candidate columns, first present wins")
    values: dict[str, dict[str, bool]] = Field(default_factory=dict, description="words of a boolean column")
    constants: dict[str, bool] = Field(default_factory=dict, description="a boolean field true for every device")
    date_format: str | None = Field(None, max_length=60, description="strftime format, epoch_ms or epoch_s")
    json_records: str | None = Field(None, max_length=60, description="key of the list of devices in a JSON file")

    @field_validator("columns", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return {k: [c] if isinstance(c, str) else c for k, c in v.items()}
        return v

    @field_validator("columns", "values", "constants")
    @classmethod
    def _known_fields(cls, v: dict[str, Any]) -> dict[str, Any]:
        unknown = [k for k in v if k not in FIELDS]
        if unknown:
            raise ValueError(f"unknown field {', '.join(map(repr, unknown))}; the fields are {', '.join(FIELDS)}")
        return v

    @field_validator("values")
    @classmethod
    def _lower(cls, v: dict[str, dict[str, bool]]) -> dict[str, dict[str, bool]]:
        return {k: {str(word).strip().lower(): flag for word, flag in words.items()} for k, words in v.items()}


def list_profiles() -> list[str]:
    """The names of the shipped profiles (``canonical`` first)."""
    names = sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))
    return sorted(names, key=lambda n: n != DEFAULT_PROFILE)


def load_profile(name_or_path: str | os.PathLike[str] | None = None) -> Profile:
    """A shipped profile by name (``intune``, ``defender_iot``, ``mender``, ``hawkbit``,
    ``canonical``), or a profile file of one's own by path (same YAML layout)."""
    name = DEFAULT_PROFILE if name_or_path is None else str(name_or_path)
    path = PROFILE_DIR / f"{name}.yaml" if name in list_profiles() else Path(name)
    if path.suffix.lower() not in (".yaml", ".yml") or not path.is_file():
        raise InventoryError(
            [f"--profile: no profile {_quoted(name)}; the shipped profiles are {', '.join(list_profiles())}"]
        )
    try:
        data = parse_yaml(path.read_bytes())
        return Profile.model_validate(data)
    except ScenarioError as exc:
        raise InventoryError(exc.problems, str(path)) from None
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])) or '(top level)'}: {e['msg']}" for e in exc.errors()]
        raise InventoryError(problems, str(path)) from None


# --------------------------------------------------------------------------- reading


@dataclass
class _Table:
    frame: pd.DataFrame  # every cell as text
    labels: list[str]  # "row 2" (CSV, the header is row 1) or "line 2" (JSON lines), per row
    kind: str  # "row" or "line"


def _read_source(source: str | os.PathLike[str] | bytes) -> bytes:
    if isinstance(source, bytes | bytearray):
        raw = bytes(source)
    else:
        path = Path(source)
        try:
            info = path.stat()
        except FileNotFoundError:
            raise InventoryError(["no such file"], str(path)) from None
        except OSError as exc:
            raise InventoryError([f"cannot be read ({exc.strerror or exc})"], str(path)) from None
        if not stat.S_ISREG(info.st_mode):
            raise InventoryError(["is not a regular file (a folder, device, pipe or socket), so it is not read"])
        if info.st_size > MAX_INVENTORY_BYTES:
            raise InventoryError([_too_big(info.st_size)], str(path))
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_INVENTORY_BYTES + 1)
        except OSError as exc:
            raise InventoryError([f"cannot be read ({exc.strerror or exc})"], str(path)) from None
    if len(raw) > MAX_INVENTORY_BYTES:
        raise InventoryError([_too_big(len(raw))])
    return raw


def _too_big(size: int) -> str:
    return (
        f"the file is {size:,} bytes; the limit is {MAX_INVENTORY_BYTES:,} bytes (MAX_INVENTORY_BYTES, as for "
        "scenario files): export only the columns the import reads, or split the fleet into several files"
    )


def _decode(raw: bytes) -> str:
    if b"\x00" in raw:
        raise InventoryError(["not a text file (it contains NUL bytes, as binary files such as .xlsx do); export CSV"])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InventoryError(
            [f"not UTF-8 text ({exc.reason} at byte {exc.start}); save the export as CSV UTF-8"]
        ) from None


def _delimiter(header: str) -> str:
    """The delimiter of a CSV file, from its header line: the most frequent of , ; tab |."""
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _read_csv(text: str) -> _Table:
    header = text.split("\n", 1)[0]
    sep = _delimiter(header)
    names = next(csv.reader([header], delimiter=sep), [])
    names = [n.strip() for n in names]
    if len(names) > MAX_INVENTORY_COLUMNS:
        raise InventoryError(
            [f"the file has {len(names):,} columns; the limit is {MAX_INVENTORY_COLUMNS:,} (MAX_INVENTORY_COLUMNS)"]
        )
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise InventoryError([f"row 1 (header): column {_quoted(repeated[0])} appears more than once"])
    try:
        # header=None: the header row fixes the number of columns, so a row with more cells is
        # refused (with a header, pandas would quietly take the first cell as an index)
        raw = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skipinitialspace=True,
            skip_blank_lines=True,
            engine="c",
            nrows=MAX_INVENTORY_ROWS + 2,
        )
    except pd.errors.EmptyDataError:
        raise InventoryError(["the file is empty: it needs a header row and one row per device"]) from None
    except (pd.errors.ParserError, ValueError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else "unreadable"
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if fields:
            expected, line, saw = fields.groups()
            raise InventoryError(
                [
                    f"line {line}: {saw} cells, but the header has {expected} columns "
                    f"(a '{sep}' inside a cell needs the cell in double quotes)"
                ]
            ) from None
        match = re.search(r"line (\d+)", detail)
        where = f"line {match.group(1)}: " if match else ""
        raise InventoryError([f"{where}not valid CSV ({_cut(detail, 160)})"]) from None
    header_row = [str(c).strip() for c in raw.iloc[0].fillna("").tolist()]
    frame = raw.iloc[1:].fillna("").reset_index(drop=True)
    frame.columns = [name or f"(column {i + 1})" for i, name in enumerate(header_row)]
    return _Table(frame, [f"row {i + 2}" for i in range(len(frame))], "row")


def _flatten(record: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A JSON device record as flat text cells: nested objects as "parent.child", a list of
    {name, value[, scope]} attributes (Mender's layout) as "scope/name" columns."""
    out: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, f"{name}."))
        elif isinstance(value, list) and value and all(isinstance(v, dict) and "name" in v for v in value):
            for attr in value:
                scope = attr.get("scope")
                col = f"{scope}/{attr['name']}" if scope else str(attr["name"])
                out[col] = _cell(attr.get("value"))
        else:
            out[name] = _cell(value)
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _read_json(text: str, profile: Profile) -> _Table:
    stripped = text.lstrip()
    records: list[Any]
    labels: list[str]
    try:
        if stripped.startswith("[") or (stripped.startswith("{") and profile.json_records):
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                data = None
            if isinstance(data, dict) and profile.json_records and isinstance(data.get(profile.json_records), list):
                data = data[profile.json_records]
            if isinstance(data, list):
                records, labels = data, [f"record {i + 1}" for i in range(len(data))]
                return _json_table(records, labels, "record")
        records, labels = [], []
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InventoryError([f"line {number}: not valid JSON ({exc.msg}, column {exc.colno})"]) from None
            labels.append(f"line {number}")
            if len(records) > MAX_INVENTORY_ROWS:
                break
    except RecursionError:
        raise InventoryError(["not valid JSON: nested too deeply"]) from None
    return _json_table(records, labels, "line")


def _json_table(records: list[Any], labels: list[str], kind: str) -> _Table:
    rows = []
    for record, label in zip(records[: MAX_INVENTORY_ROWS + 1], labels, strict=False):
        if not isinstance(record, dict):
            raise InventoryError([f"{label}: each device must be a JSON object ({{...}}), not {type(record).__name__}"])
        rows.append(_flatten(record))
    frame = pd.DataFrame.from_records(rows).fillna("") if rows else pd.DataFrame()
    if frame.shape[1] > MAX_INVENTORY_COLUMNS:
        raise InventoryError(
            [f"the file has {frame.shape[1]:,} fields; the limit is {MAX_INVENTORY_COLUMNS:,} (MAX_INVENTORY_COLUMNS)"]
        )
    return _Table(frame.astype(str), labels[: len(rows)], kind)


def read_table(source: str | os.PathLike[str] | bytes, profile: Profile | None = None) -> _Table:
    """The inventory's cells as text, with each row's label for messages."""
    profile = profile or load_profile()
    text = _decode(_read_source(source))
    if not text.strip():
        raise InventoryError(["the file is empty: it needs a header row and one row per device"])
    table = _read_json(text, profile) if text.lstrip()[:1] in "{[" else _read_csv(text)
    if len(table.frame) > MAX_INVENTORY_ROWS:
        raise InventoryError(
            [
                f"the file has more than {MAX_INVENTORY_ROWS:,} devices; the limit is {MAX_INVENTORY_ROWS:,} rows "
                "(MAX_INVENTORY_ROWS): split the fleet into several files"
            ]
        )
    if table.frame.empty:
        raise InventoryError(["the file holds no devices (a header row and no data rows)"])
    return table
