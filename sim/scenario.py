"""Scenario files: the planners' format, its validation, and safe loading and saving.

A scenario is a YAML file validated by the pydantic models below. Every field has a
default, a unit in its name or description, and a range; unknown keys are refused.
The defaults are documented, with their sources or marked as assumptions, in
``docs/reference/scenario-keys.md``.

Loading never executes anything from the file: YAML is read with a safe loader that
also refuses anchors and aliases (the "billion laughs" expansion), files are size
limited, and a request that would exhaust the machine (fleet x horizon x replications)
is refused with a message naming the limit.
"""

from __future__ import annotations

import contextlib
import difflib
import math
import os
import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 1
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")

# Limits that protect the machine (docs/reference/limits.md explains each).
MAX_FILE_BYTES = 1_000_000
MAX_DEVICES = 1_000_000  # admits the engine's 1,000,000-device benchmark
MAX_HORIZON_DAYS = 3650
MAX_REPLICATIONS = 1000
MAX_DEVICE_REPLICATIONS = 2_000_000  # devices x replications held in memory at once
MAX_DEVICE_DAYS = 400_000_000  # devices x replications x days simulated per request
SHARE_TOLERANCE = 0.01

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ScenarioError(ValueError):
    """A scenario that cannot be read or is invalid; ``problems`` are 'field.path: message' lines."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        head = f"{source}: " if source else ""
        if len(problems) == 1:
            text = head + problems[0]
        else:
            text = head + f"{len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(text)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, frozen=False)


def _check_shares(values: dict[str, float] | list[float], what: str) -> None:
    total = sum(values.values()) if isinstance(values, dict) else sum(values)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} must sum to 1 (±{SHARE_TOLERANCE}); they sum to {total:.4g}")


class Simulation(_Model):
    horizon_days: int = Field(365, ge=1, le=MAX_HORIZON_DAYS, description="days simulated")
    replications: int = Field(30, ge=1, le=MAX_REPLICATIONS, description="independent runs averaged")
    seed: int = Field(7, ge=0, le=2**32 - 1, description="random seed; same seed = same results")


class SeverityDays(_Model):
    critical: float = Field(14, gt=0, le=365, description="days")
    high: float = Field(30, gt=0, le=365, description="days")
    medium: float = Field(60, gt=0, le=365, description="days")
    low: float = Field(90, gt=0, le=365, description="days")


class Kpi(_Model):
    target: Share = Field(0.95, description="KPI target (share of devices)")
    sla_days: SeverityDays = Field(default_factory=SeverityDays, description="designated timeframe per severity, days")


class SeverityMix(_Model):
    critical: Share = 0.15
    high: Share = 0.35
    medium: Share = 0.35
    low: Share = 0.15

    @model_validator(mode="after")
    def _sums_to_one(self) -> SeverityMix:
        _check_shares(self.model_dump(), "severity shares")
        return self


class DeviceClass(_Model):
    name: str = Field("IP cameras", min_length=1, max_length=80)
    count: int = Field(1500, ge=0, le=MAX_DEVICES, description="devices")
    release_interval_days: float = Field(45, ge=1, le=100_000, description="mean days between vendor updates")
    release_cadence: Literal["poisson", "fixed"] = "poisson"
    severity_mix: SeverityMix = Field(default_factory=SeverityMix)
    ota_capable: Share = Field(0.95, description="share updatable over the air")
    install_failure_rate: Share = Field(0.05, description="per automated attempt")
    silent_failure_share: Share = Field(0.30, description="share of failed attempts nobody is told about")
    manual_minutes: float = Field(25, ge=1, le=1440, description="technician minutes per manual update")


class Department(_Model):
    name: str = Field("Facilities", min_length=1, max_length=80)
    share: Share = Field(1.0, description="share of every device class in this department")
    approval_delay_days: float = Field(12, ge=0, le=365, description="own approval delay, days")


class Fleet(_Model):
    initial_compliance: Share = Field(0.70, description="share compliant on day 0")
    device_classes: list[DeviceClass] = Field(default_factory=lambda: [DeviceClass()], min_length=1, max_length=50)
    departments: list[Department] = Field(default_factory=lambda: [Department()], min_length=1, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Fleet:
        _check_shares([d.share for d in self.departments], "department shares")
        for kind, items in (("device class", self.device_classes), ("department", self.departments)):
            names = [i.name for i in items]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise ValueError(f"{kind} names must be unique; repeated: {', '.join(dupes)}")
        total = sum(c.count for c in self.device_classes)
        if total > MAX_DEVICES:
            raise ValueError(
                f"the fleet has {total:,} devices; the limit is {MAX_DEVICES:,} "
                "(it keeps one request from exhausting the machine's memory)"
            )
        return self

    @property
    def device_count(self) -> int:
        return sum(c.count for c in self.device_classes)


class HumanFactors(_Model):
    manual_error_rate: Share = Field(0.08, description="manual updates skipped or botched, untrained staff")
    disable_rate_per_month: Share = Field(
        0.01, description="enrolled devices whose auto-update is switched off, per month"
    )


class CentralManagement(_Model):
    enrolled_share: Share = Field(0.0, description="share of OTA-capable devices enrolled at the end of onboarding")
    onboarding_days: float = Field(60, ge=0, le=MAX_HORIZON_DAYS, description="days to enrol them all")
    checkin_days: float = Field(1.0, gt=0, le=365, description="mean days between device check-ins")
    waves: list[Share] = Field(default_factory=lambda: [0.05, 0.25, 0.70], min_length=1, max_length=10)
    wave_gap_days: float = Field(2, ge=0, le=60, description="days between rollout waves")
    retries: int = Field(2, ge=0, le=10, description="automatic retries after a reported failure")

    @field_validator("waves")
    @classmethod
    def _waves_sum(cls, v: list[float]) -> list[float]:
        _check_shares(v, "wave shares")
        return v


class Audits(_Model):
    interval_days: float = Field(0, ge=0, le=MAX_HORIZON_DAYS, description="days between audits; 0 = no audits")
    coverage: Share = Field(1.0, description="share of the fleet each audit examines")
    detection_rate: Share = Field(0.9, description="chance an audit finds a given broken device")


class ReportingChannel(_Model):
    enabled: bool = False
    report_rate_per_day: Share = Field(0.03, description="chance per day a broken device is reported")


class Training(_Model):
    coverage: Share = Field(0.0, description="share of staff trained")
    start_day: float = Field(0, ge=0, le=MAX_HORIZON_DAYS, description="day training starts")
    ramp_days: float = Field(30, ge=0, le=MAX_HORIZON_DAYS, description="days to train everyone in scope")
    half_life_days: float = Field(150, gt=0, le=10_000, description="days for the effect to halve")
    refresher_interval_days: float = Field(0, ge=0, le=MAX_HORIZON_DAYS, description="0 = no refreshers")
    effectiveness: Share = Field(0.6, description="cut in errors and drift when everyone is trained")


class UpdatePolicy(_Model):
    clarity: Share = Field(0.2, description="1 = one policy for all departments; 0 = each its own")
    approval_delay_days: float = Field(2, ge=0, le=365, description="approval delay under the policy, days")
    prioritize_critical: bool = False


class Technicians(_Model):
    count: int = Field(2, ge=0, le=10_000)
    hours_per_day: float = Field(6, ge=0, le=24, description="hours of update work per technician per day")


class Levers(_Model):
    central_management: CentralManagement = Field(default_factory=CentralManagement)
    audits: Audits = Field(default_factory=Audits)
    reporting_channel: ReportingChannel = Field(default_factory=ReportingChannel)
    training: Training = Field(default_factory=Training)
    update_policy: UpdatePolicy = Field(default_factory=UpdatePolicy)
    technicians: Technicians = Field(default_factory=Technicians)


class BreachProbability(_Model):
    critical: Share = 0.02
    high: Share = 0.005
    medium: Share = 0.001
    low: Share = 0.0002


class Costs(_Model):
    management_per_device_month: float = Field(1.0, ge=0, le=1e6, description="USD per enrolled device-month")
    audit_per_device: float = Field(1.5, ge=0, le=1e6, description="USD per device audited")
    training_per_person: float = Field(120, ge=0, le=1e6, description="USD per person per session")
    staff: int = Field(200, ge=0, le=10_000_000, description="people in scope of training")
    technician_hour: float = Field(45, ge=0, le=1e6, description="USD per technician hour, loaded")
    reporting_channel_per_month: float = Field(500, ge=0, le=1e9, description="USD per month while enabled")
    breach_cost: float = Field(4_440_000, ge=0, le=1e12, description="USD per breach")
    breach_probability_per_overdue_device_year: BreachProbability = Field(default_factory=BreachProbability)


class Scenario(_Model):
    schema_version: int = Field(SCHEMA_VERSION, description="format version of this file")
    name: str = Field("Untitled scenario", min_length=1, max_length=120)
    description: str = Field("", max_length=10_000)
    simulation: Simulation = Field(default_factory=Simulation)
    kpi: Kpi = Field(default_factory=Kpi)
    fleet: Fleet = Field(default_factory=Fleet)
    human_factors: HumanFactors = Field(default_factory=HumanFactors)
    levers: Levers = Field(default_factory=Levers)
    costs: Costs = Field(default_factory=Costs)

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, v: int) -> int:
        if v != SCHEMA_VERSION:
            raise ValueError(f"this program reads schema_version {SCHEMA_VERSION}; the file has {v}")
        return v

    @model_validator(mode="after")
    def _within_limits(self) -> Scenario:
        check_limits(self, self.simulation.replications)
        return self


def check_limits(scenario: Scenario, replications: int) -> None:
    """Refuse a request whose size would exhaust memory or hold the machine for minutes."""
    devices = scenario.fleet.device_count
    held = devices * replications
    if held > MAX_DEVICE_REPLICATIONS:
        raise ValueError(
            f"devices x replications = {held:,} exceeds the limit of {MAX_DEVICE_REPLICATIONS:,} "
            "(memory held at once); lower simulation.replications or the fleet size"
        )
    work = held * (scenario.simulation.horizon_days + 1)
    if work > MAX_DEVICE_DAYS:
        raise ValueError(
            f"devices x replications x days = {work:,} exceeds the limit of {MAX_DEVICE_DAYS:,} "
            "(about a minute of computing); shorten simulation.horizon_days or lower replications"
        )


# --------------------------------------------------------------------------- loading


class _NoAliasSafeLoader(yaml.SafeLoader):
    """A safe loader that also refuses anchors and aliases (no exponential expansion)."""

    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise yaml.YAMLError(f"anchors and aliases (&name / *name) are not allowed (line {mark.line + 1})")
        return super().compose_node(parent, index)


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that owns the last key of ``loc`` (for 'did you mean')."""
    model: Any = Scenario
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        ann = field.annotation
        args = getattr(ann, "__args__", None)
        if args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            ann = args[0]
        model = ann
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    path = _loc_to_path(loc)
    kind = err.get("type", "")
    msg = err.get("msg", "invalid")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        owner = _model_at(loc)
        hint = ""
        if owner is not None:
            close = difflib.get_close_matches(key, list(owner.model_fields), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else "; known keys here: " + ", ".join(owner.model_fields)
        return f"{path}: unknown key '{key}'{hint}"
    msg = msg.removeprefix("Value error, ")
    if kind in {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}:
        got = err.get("input")
        msg = msg.replace("Input should be", "must be") + f" (got {got!r})"
    elif msg.startswith("Input should be"):
        msg = msg.replace("Input should be", "must be", 1) + f" (got {err.get('input')!r})"
    return f"{path}: {msg}"


def _migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older file up to SCHEMA_VERSION; refuse a newer one."""
    version = data.get("schema_version", SCHEMA_VERSION)
    if isinstance(version, bool) or not isinstance(version, int):
        raise ScenarioError([f"schema_version: must be a whole number (got {version!r})"])
    if version > SCHEMA_VERSION:
        raise ScenarioError(
            [
                f"schema_version: the file is version {version}, written by a newer program; "
                f"this program reads schema_version {SCHEMA_VERSION}"
            ]
        )
    if version < 0:
        raise ScenarioError([f"schema_version: must be ≥ 0 (got {version})"])
    if version == 0:
        # Version 0 (drafts before the first release) called the enrolment share
        # `levers.central_management.enrolled`; everything else is unchanged.
        data = dict(data)
        cm = (data.get("levers") or {}).get("central_management") or {}
        if isinstance(cm, dict) and "enrolled" in cm:
            cm = dict(cm)
            cm["enrolled_share"] = cm.pop("enrolled")
            data["levers"] = {**data["levers"], "central_management": cm}
        data["schema_version"] = SCHEMA_VERSION
    return data


def parse_yaml(text: str | bytes) -> Any:
    """Parse YAML text safely: no tags that build objects, no anchors or aliases."""
    if isinstance(text, bytes):
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError([f"file is {len(text):,} bytes; the limit is {MAX_FILE_BYTES:,}"])
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ScenarioError([f"not a text file (not UTF-8: {exc.reason} at byte {exc.start})"]) from None
    if len(text.encode("utf-8", "ignore")) > MAX_FILE_BYTES:
        raise ScenarioError([f"file is larger than the limit of {MAX_FILE_BYTES:,} bytes"])
    if "\x00" in text:
        raise ScenarioError(["not a text file (contains NUL bytes)"])
    try:
        return yaml.load(text, Loader=_NoAliasSafeLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as exc:
        detail = str(exc).splitlines()
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or (detail[0] if detail else "unreadable")
        raise ScenarioError([f"not valid YAML: {problem}{where}"]) from None
    except RecursionError:
        raise ScenarioError(["not valid YAML: nested too deeply"]) from None


def scenario_from_data(data: Any, source: str | None = None) -> Scenario:
    """Validate already-parsed data (a mapping) into a Scenario."""
    if data is None:
        raise ScenarioError(["the file is empty; a scenario needs at least a name"], source)
    if not isinstance(data, dict):
        raise ScenarioError([f"(top level): must be a mapping of keys, got {type(data).__name__}"], source)
    try:
        data = _migrate(data)
        return Scenario.model_validate(data)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    except ValidationError as exc:
        problems = [_format_error(e) for e in exc.errors(include_url=False)]
        raise ScenarioError(problems, source) from None
    except RecursionError:
        raise ScenarioError(["(top level): nested too deeply"], source) from None


def load_scenario(path_or_text: str | os.PathLike[str] | bytes) -> Scenario:
    """Load a scenario from a file path, or from YAML text (a str containing a newline or ':')."""
    source: str | None = None
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and path_or_text.endswith((".yaml", ".yml"))
    ):
        path = Path(path_or_text)
        source = str(path)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ScenarioError([f"file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,}"], source)
            raw: str | bytes = path.read_bytes()
        except FileNotFoundError:
            raise ScenarioError(["no such file"], source) from None
        except IsADirectoryError:
            raise ScenarioError(["is a folder, not a scenario file"], source) from None
        except PermissionError:
            raise ScenarioError(["cannot be read (permission denied)"], source) from None
    else:
        raw = path_or_text
    try:
        data = parse_yaml(raw)
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    return scenario_from_data(data, source)


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


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write atomically: a temp file in the same folder, flushed, then renamed over the target."""
    target = Path(path)
    text = dump_scenario(scenario)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target
