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
import errno
import math
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCHEMA_VERSION = 2
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")

# Limits that protect the machine (docs/reference/limits.md explains each).
MAX_FILE_BYTES = 1_000_000
MAX_DEVICES = 1_000_000  # admits the engine's 1,000,000-device benchmark
MAX_HORIZON_DAYS = 3650
MAX_REPLICATIONS = 1000
MAX_DEVICE_REPLICATIONS = 2_000_000  # devices x replications held in memory at once
MAX_DEVICE_DAYS = 400_000_000  # devices x replications x days simulated per request
MAX_RECORD_CELLS = 20_000_000  # days x replications x classes x departments kept in the daily record
MAX_RELEASE_APPROVALS = 250_000  # replications x departments x releases, each an event handled one by one
MAX_QUEUE_WORK = 20_000_000_000  # release approvals x replications x days: technician-queue bookkeeping
MAX_WORK = 600_000_000  # device-days of work a run may cost (expected_work; 10-15 s of one core, measured here)
WORK_PER_RELEASE = 6  # one device's share of one release (approval, waves, attempts) costs about 6 device-days
WORK_PER_APPROVAL = 900  # one department's approval of one release, an event of its own, costs about 900
SHARE_TOLERANCE = 0.01
MAX_PROBLEMS_SHOWN = 20  # a message lists at most this many problems, then says how many more
MAX_NESTING = 32  # levels of nested mappings/lists in a file (a scenario uses 5)
MAX_NUMBER_DIGITS = 100  # a whole number in a file has at most this many digits
MAX_FILE_NAME_STEM = 64  # characters before ".yaml" in a file name made from user text
MAX_NODES = 20_000  # values, lists and mappings in a file (the largest valid scenario has about 1,500)
MAX_PROBLEM_CHARS = 300  # a problem line is cut here with "…" (a huge key must not make a huge message)
MIN_AUDIT_INTERVAL_DAYS = 1.0  # audits at most daily: the model's clock has a day's resolution
MIN_REFRESHER_INTERVAL_DAYS = 1.0  # refresher sessions at most daily (the app's slider steps by a day)
MIN_HALF_LIFE_DAYS = 1.0  # a training effect that halves in under a day is no effect at daily resolution
MIN_CHECKIN_DAYS = 1 / 1440  # devices check in at most once a minute
MIN_SLA_DAYS = 1.0  # a designated timeframe shorter than a day cannot be told apart at daily resolution

Share = Annotated[float, Field(ge=0.0, le=1.0)]


class ScenarioError(ValueError):
    """A scenario that cannot be read or is invalid; ``problems`` are 'field.path: message' lines."""

    def __init__(self, problems: list[str], source: str | None = None):
        problems = [_cut(p, MAX_PROBLEM_CHARS) for p in problems]
        self.problems = problems
        self.source = source
        head = f"{_cut(_printable(source), MAX_PROBLEM_CHARS)}: " if source else ""
        if len(problems) == 1:
            text = head + problems[0]
        else:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            lines = [f"  - {p}" for p in shown]
            if len(problems) > len(shown):
                lines.append(f"  - ... and {len(problems) - len(shown)} more")
            text = head + f"{len(problems)} problems\n" + "\n".join(lines)
        super().__init__(text)


class FieldProblem(ValueError):
    """A ValueError raised by a whole-model check that belongs to a more precise field path
    (``path``), so the message names that field instead of the enclosing section."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


def _printable(text: str) -> str:
    """``text`` as is, or quoted with escapes if it holds control characters."""
    return text if text.isprintable() else repr(text)


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending "…" when something was left out."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _at_least_or_zero(value: float, minimum: float, off: str) -> float:
    """0 switches a periodic mechanism off; otherwise its interval is at least ``minimum``."""
    if 0 < value < minimum:
        unit = "day" if minimum == 1 else "days"
        raise ValueError(f"must be 0 ({off}) or at least {minimum:g} {unit} (got {value:g})")
    return value


class _Model(BaseModel):
    # allow_inf_nan=False: NaN and infinity (YAML .nan/.inf, 'nan' strings, 1.0e400) are refused
    # everywhere, so no non-finite number can reach the engine.
    model_config = ConfigDict(extra="forbid", validate_assignment=False, frozen=False, allow_inf_nan=False)


def _check_shares(values: dict[str, float] | list[float], what: str, path: str | None = None, detail: str = "") -> None:
    total = sum(values.values()) if isinstance(values, dict) else sum(values)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        message = f"{what} must sum to 1 (±{SHARE_TOLERANCE}); they sum to {total:.4g}{detail}"
        raise FieldProblem(path, message) if path else ValueError(message)


class Simulation(_Model):
    horizon_days: int = Field(365, ge=1, le=MAX_HORIZON_DAYS, description="days simulated")
    replications: int = Field(30, ge=1, le=MAX_REPLICATIONS, description="independent runs averaged")
    seed: int = Field(7, ge=0, le=2**32 - 1, description="random seed; same seed = same results")


class SeverityDays(_Model):
    critical: float = Field(14, ge=MIN_SLA_DAYS, le=365, description="days")
    high: float = Field(30, ge=MIN_SLA_DAYS, le=365, description="days")
    medium: float = Field(60, ge=MIN_SLA_DAYS, le=365, description="days")
    low: float = Field(90, ge=MIN_SLA_DAYS, le=365, description="days")


class Kpi(_Model):
    target: Share = Field(0.95, description="KPI target (share of devices)")
    sla_days: SeverityDays = Field(default_factory=SeverityDays, description="designated timeframe per severity, days")


class SeverityMix(_Model):
    critical: Share = Field(0.15, description="share of releases that are critical")
    high: Share = Field(0.35, description="share of releases that are high severity")
    medium: Share = Field(0.35, description="share of releases that are medium severity")
    low: Share = Field(0.15, description="share of releases that are low severity")

    @model_validator(mode="after")
    def _sums_to_one(self) -> SeverityMix:
        values = self.model_dump()
        given = self.model_fields_set
        parts = ", ".join(f"{k} {v:g}" + ("" if k in given else " (default)") for k, v in values.items())
        _check_shares(values, "severity shares", detail=f": {parts}")
        return self


class DeviceClass(_Model):
    name: str = Field("IP cameras", min_length=1, max_length=80, description="label of the device class")
    count: int = Field(1500, ge=0, le=MAX_DEVICES, description="devices")
    release_interval_days: float = Field(45, ge=1, le=100_000, description="mean days between vendor updates")
    release_cadence: Literal["poisson", "fixed"] = Field(
        "poisson", description="poisson: random gaps with the mean interval; fixed: exactly every interval"
    )
    severity_mix: SeverityMix = Field(default_factory=SeverityMix, description="shares of releases by severity")
    ota_capable: Share = Field(0.95, description="share updatable over the air")
    install_failure_rate: Share = Field(0.05, description="per automated attempt")
    silent_failure_share: Share = Field(0.30, description="share of failed attempts nobody is told about")
    faulty_release_share: Share = Field(
        0.02, description="share of releases that break the devices installing them automatically until fixed"
    )
    fix_release_days: float = Field(
        7, ge=0.5, le=365, description="days after a faulty release until the vendor's fix release"
    )
    manual_minutes: float = Field(25, ge=1, le=1440, description="technician minutes per manual update")


class Department(_Model):
    name: str = Field("Facilities", min_length=1, max_length=80, description="label of the department")
    share: Share = Field(1.0, description="share of every device class in this department")
    approval_delay_days: float = Field(12, ge=0, le=365, description="own approval delay, days")


class Fleet(_Model):
    initial_compliance: Share = Field(0.70, description="share compliant on day 0")
    device_classes: list[DeviceClass] = Field(default_factory=lambda: [DeviceClass()], min_length=1, max_length=50)
    departments: list[Department] = Field(default_factory=lambda: [Department()], min_length=1, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> Fleet:
        _check_shares([d.share for d in self.departments], "department shares", "fleet.departments")
        for kind, key, items in (
            ("device class", "device_classes", self.device_classes),
            ("department", "departments", self.departments),
        ):
            names = [i.name for i in items]
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                raise FieldProblem(f"fleet.{key}", f"{kind} names must be unique; repeated: {', '.join(dupes)}")
        total = sum(c.count for c in self.device_classes)
        if total > MAX_DEVICES:
            raise FieldProblem(
                "fleet.device_classes",
                f"the fleet has {total:,} devices; the limit is {MAX_DEVICES:,} "
                "(it keeps one request from exhausting the machine's memory)",
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
    checkin_days: float = Field(
        1.0, ge=MIN_CHECKIN_DAYS, le=365, description="mean days between device check-ins (at least one minute)"
    )
    waves: list[Share] = Field(
        default_factory=lambda: [0.05, 0.25, 0.70],
        min_length=1,
        max_length=10,
        description="shares of the enrolled devices in each rollout stage, in order",
    )
    wave_gap_days: float = Field(2, ge=0, le=60, description="days between rollout waves")
    retries: int = Field(2, ge=0, le=10, description="automatic retries after a reported failure")
    console_visibility: Share = Field(
        0.0,
        description="share of enrolled devices whose running version the console reads at each check-in, so a "
        "silent failure or switched-off auto-update shows at the next check-in (0 = the console trusts reports)",
    )
    halt_failure_share: Share = Field(
        0.2,
        description="a release's rollout halts when more than this share of the devices that tried it were broken "
        "by it (1 = never halts)",
    )

    @field_validator("waves")
    @classmethod
    def _waves_sum(cls, v: list[float]) -> list[float]:
        _check_shares(v, "wave shares")
        return v


class Audits(_Model):
    interval_days: float = Field(
        0, ge=0, le=MAX_HORIZON_DAYS, description="days between audits (at least 1); 0 = no audits"
    )
    coverage: Share = Field(1.0, description="share of the fleet each audit examines")
    detection_rate: Share = Field(0.9, description="chance an audit finds a given broken device")

    @field_validator("interval_days")
    @classmethod
    def _daily_at_most(cls, v: float) -> float:
        return _at_least_or_zero(v, MIN_AUDIT_INTERVAL_DAYS, "no audits")


class ReportingChannel(_Model):
    enabled: bool = Field(False, description="whether staff have a channel to report update problems")
    report_rate_per_day: Share = Field(0.01, description="chance per day a broken device is reported")


class Training(_Model):
    coverage: Share = Field(0.0, description="share of staff trained")
    start_day: float = Field(0, ge=0, le=MAX_HORIZON_DAYS, description="day training starts")
    ramp_days: float = Field(30, ge=0, le=MAX_HORIZON_DAYS, description="days to train everyone in scope")
    half_life_days: float = Field(
        150, ge=MIN_HALF_LIFE_DAYS, le=10_000, description="days for the effect to halve (at least 1)"
    )
    refresher_interval_days: float = Field(
        0, ge=0, le=MAX_HORIZON_DAYS, description="days between refresher sessions (at least 1); 0 = no refreshers"
    )
    effectiveness: Share = Field(0.2, description="cut in errors and drift when everyone is trained")

    @field_validator("refresher_interval_days")
    @classmethod
    def _weekly_at_most(cls, v: float) -> float:
        return _at_least_or_zero(v, MIN_REFRESHER_INTERVAL_DAYS, "no refreshers")


class UpdatePolicy(_Model):
    clarity: Share = Field(0.2, description="1 = one policy for all departments; 0 = each its own")
    approval_delay_days: float = Field(2, ge=0, le=365, description="approval delay under the policy, days")
    prioritize_critical: bool = Field(
        False, description="critical updates are approved at once and their tickets go to the priority queue"
    )


class Technicians(_Model):
    count: int = Field(2, ge=0, le=10_000, description="technicians (people) doing manual updates")
    hours_per_day: float = Field(6, ge=0, le=24, description="hours of update work per technician per day")


class Levers(_Model):
    central_management: CentralManagement = Field(default_factory=CentralManagement)
    audits: Audits = Field(default_factory=Audits)
    reporting_channel: ReportingChannel = Field(default_factory=ReportingChannel)
    training: Training = Field(default_factory=Training)
    update_policy: UpdatePolicy = Field(default_factory=UpdatePolicy)
    technicians: Technicians = Field(default_factory=Technicians)


class ExploitationRate(_Model):
    """Loss events a year from one vulnerability left open on every device of a class
    (docs/background/risk.md derives the defaults; they are assumptions)."""

    critical: float = Field(0.01, ge=0, le=100, description="loss events a year per open critical vulnerability")
    high: float = Field(0.0025, ge=0, le=100, description="loss events a year per open high-severity vulnerability")
    medium: float = Field(0.0005, ge=0, le=100, description="loss events a year per open medium-severity vulnerability")
    low: float = Field(0.0001, ge=0, le=100, description="loss events a year per open low-severity vulnerability")


class Risk(_Model):
    exploit_delay_days: float = Field(
        5.0, ge=0, le=3650, description="days from a release until its vulnerability is exploited (Mandiant 2024)"
    )
    exploitation_rate_per_vulnerability_year: ExploitationRate = Field(default_factory=ExploitationRate)


class Costs(_Model):
    management_per_device_month: float = Field(1.0, ge=0, le=1e6, description="USD per enrolled device-month")
    audit_per_device: float = Field(1.5, ge=0, le=1e6, description="USD per device audited")
    training_per_person: float = Field(120, ge=0, le=1e6, description="USD per person per session")
    staff: int = Field(200, ge=0, le=10_000_000, description="people in scope of training")
    technician_hour: float = Field(45, ge=0, le=1e6, description="USD per technician hour, loaded")
    reporting_channel_per_month: float = Field(500, ge=0, le=1e9, description="USD per month while enabled")
    monitoring_per_device_month: float = Field(
        0.25, ge=0, le=1e6, description="USD per enrolled device-month whose running version the console reads"
    )
    breach_cost: float = Field(4_440_000, ge=0, le=1e12, description="USD per breach")


class Scenario(_Model):
    schema_version: int = Field(SCHEMA_VERSION, description="format version of this file")
    name: str = Field("Untitled scenario", min_length=1, max_length=120, description="shown in summaries and the app")
    description: str = Field("", max_length=10_000, description="what the scenario represents, and its sources")
    simulation: Simulation = Field(default_factory=Simulation)
    kpi: Kpi = Field(default_factory=Kpi)
    fleet: Fleet = Field(default_factory=Fleet)
    human_factors: HumanFactors = Field(default_factory=HumanFactors)
    levers: Levers = Field(default_factory=Levers)
    costs: Costs = Field(default_factory=Costs)
    risk: Risk = Field(default_factory=Risk)

    @field_validator("name")
    @classmethod
    def _visible_name(cls, v: str) -> str:
        if not any(ch.isprintable() and not ch.isspace() for ch in v):
            raise ValueError("must contain at least one visible character (not only spaces)")
        return v

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


def expected_release_approvals(scenario: Scenario, replications: int) -> float:
    """Release approvals a run handles one at a time: every release of every device class,
    from the legacy release before day 0 to the horizon, per department and replication."""
    releases = sum(_releases_per_class(scenario))
    return replications * len(scenario.fleet.departments) * releases


def _releases_per_class(scenario: Scenario) -> list[float]:
    """Releases each device class is expected to get, from the legacy release before day 0
    to the horizon (the schedule starts early so the day-0 state has a history)."""
    sla = scenario.kpi.sla_days
    span = scenario.simulation.horizon_days + max(sla.critical, sla.high, sla.medium, sla.low) + 1
    return [span / c.release_interval_days + 1 for c in scenario.fleet.device_classes]


def _cadence_path(index: int) -> str:
    return f"fleet.device_classes[{index}].release_interval_days"


def expected_work(scenario: Scenario, replications: int) -> dict[str, float]:
    """What a run is expected to cost, in device-day equivalents, by the setting that drives it.

    A run's time is, to within a factor of about two, the sum of four kinds of work, each
    measured on this machine with every lever at its most expensive (docs/reference/limits.md):
    the daily step of every device (devices x replications x days, keyed to
    ``simulation.horizon_days``), each audit round's check of every device (keyed to
    ``levers.audits.interval_days``) and each release's handling for every device of its class
    (approval, rollout waves, install attempts: ``WORK_PER_RELEASE`` device-days per device and
    release, keyed to that class's ``release_interval_days``), plus each department's approval of
    each release, an event handled on its own (``WORK_PER_APPROVAL``, keyed to
    ``fleet.departments``). Technicians' work scales with the tickets queued, at most one per
    device a day, so it is inside the daily step.
    """
    devices = scenario.fleet.device_count
    days = scenario.simulation.horizon_days + 1
    work: dict[str, float] = {}  # the daily step goes last, so a lever that ties with it is named
    audits = scenario.levers.audits.interval_days
    if audits > 0:
        work["levers.audits.interval_days"] = float(devices) * replications * (days / audits)
    for i, (cls, releases) in enumerate(zip(scenario.fleet.device_classes, _releases_per_class(scenario), strict=True)):
        work[_cadence_path(i)] = float(cls.count) * replications * releases * WORK_PER_RELEASE
    work["fleet.departments"] = expected_release_approvals(scenario, replications) * WORK_PER_APPROVAL
    work["simulation.horizon_days"] = float(devices) * replications * days
    return work


_WORK_ADVICE = {
    "simulation.horizon_days": "shorten it, or lower simulation.replications or the fleet size",
    "levers.audits.interval_days": "audit less often, or lower simulation.replications",
    "fleet.departments": "each approves every release; use fewer, or lower simulation.replications",
}


def _check_work(scenario: Scenario, replications: int) -> None:
    work = expected_work(scenario, replications)
    total = sum(work.values())
    if total <= MAX_WORK:
        return
    driver = max(work, key=work.__getitem__)
    advice = dict(_WORK_ADVICE)
    for i, cls in enumerate(scenario.fleet.device_classes):
        advice[_cadence_path(i)] = (
            f"{cls.count:,} {_printable(_cut(cls.name, 30))} get a release every "
            f"{cls.release_interval_days:g} day(s); raise it, or lower simulation.replications"
        )
    raise FieldProblem(
        driver,
        f"the run would cost about {total / 1e6:,.0f} million device-days of work, over the limit of "
        f"{MAX_WORK / 1e6:,.0f} million (about 15 s of computing); {work[driver] / total:.0%} comes from "
        f"this setting: {advice[driver]}",
    )


def check_limits(scenario: Scenario, replications: int) -> None:
    """Refuse a request whose size would exhaust memory or hold the machine for minutes.

    Raises ``FieldProblem`` (a ValueError) whose message says which limit was hit, why it
    exists and what to lower; docs/reference/limits.md lists them all.
    """
    path = "simulation.replications"
    if replications > MAX_REPLICATIONS:
        raise FieldProblem(
            path,
            f"{replications:,} replications exceeds the limit of {MAX_REPLICATIONS:,} "
            "(more adds run time but no useful precision)",
        )
    devices = scenario.fleet.device_count
    days = scenario.simulation.horizon_days + 1
    held = devices * replications
    if held > MAX_DEVICE_REPLICATIONS:
        raise FieldProblem(
            path,
            f"devices x replications = {held:,} exceeds the limit of {MAX_DEVICE_REPLICATIONS:,} "
            "(every device of every replication is simulated; it bounds the run's time and memory); "
            "lower simulation.replications or the fleet size",
        )
    work = held * days
    if work > MAX_DEVICE_DAYS:
        raise FieldProblem(
            path,
            f"devices x replications x days = {work:,} exceeds the limit of {MAX_DEVICE_DAYS:,} "
            "(about a minute of computing); shorten simulation.horizon_days or lower replications",
        )
    cells = days * replications * len(scenario.fleet.device_classes) * len(scenario.fleet.departments)
    if cells > MAX_RECORD_CELLS:
        raise FieldProblem(
            path,
            f"days x replications x device classes x departments = {cells:,} exceeds the limit of "
            f"{MAX_RECORD_CELLS:,} (the daily record kept in memory); lower simulation.replications, "
            "shorten simulation.horizon_days or use fewer classes or departments",
        )
    approvals = expected_release_approvals(scenario, replications)
    if approvals > MAX_RELEASE_APPROVALS:
        raise FieldProblem(
            path,
            f"replications x departments x releases = about {approvals:,.0f} release approvals, over the "
            f"limit of {MAX_RELEASE_APPROVALS:,} (each is handled one at a time, so more holds the machine "
            "for minutes); lower simulation.replications, use fewer departments or raise "
            "release_interval_days",
        )
    queue = approvals * replications * (days + 1)
    if queue > MAX_QUEUE_WORK:
        raise FieldProblem(
            path,
            f"release approvals x replications x days = about {queue:,.0f}, over the limit of "
            f"{MAX_QUEUE_WORK:,} (the technicians' queue is updated for every replication at each "
            "approval, so more holds the machine for minutes); lower simulation.replications",
        )
    _check_work(scenario, replications)


def max_replications(scenario: Scenario) -> int:
    """The most replications ``check_limits`` admits for this scenario (0 if not even one).

    Every run-size limit grows with the number of replications, so a bisection finds it.
    """
    lo, hi = 0, MAX_REPLICATIONS
    while lo < hi:
        mid = (lo + hi + 1) // 2
        try:
            check_limits(scenario, mid)
        except ValueError:
            hi = mid - 1
        else:
            lo = mid
    return lo


# --------------------------------------------------------------------------- loading


class RefusedNumber(str):
    """A number written in a form the scenario format refuses (YAML 1.1 base-60 or octal, digit
    separators, another base, too many characters). It is kept as text so validation names the
    field it was given for, with ``reason`` saying why."""

    reason: str

    def __new__(cls, text: str, reason: str) -> RefusedNumber:
        obj = super().__new__(cls, _cut(text, 40))
        obj.reason = reason
        return obj


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


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + _cut(_printable(str(part)), 60)
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


def _shown(value: Any) -> str:
    """A short, readable rendering of an offending value, in YAML's words."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping of keys"
    if isinstance(value, (list, tuple, set)):
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    if isinstance(value, int) and abs(value) > 10**30:
        return "a number with more than 30 digits"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# Why the upper bounds that protect the machine exist, by field (list indices left out).
_LIMIT_REASONS: dict[tuple[str, ...], str] = {
    ("fleet", "device_classes", "count"): (
        f"the fleet limit is {MAX_DEVICES:,} devices; it keeps one request from exhausting the machine's memory"
    ),
    ("simulation", "horizon_days"): (
        f"the horizon limit is {MAX_HORIZON_DAYS:,} days (ten years); longer runs hold the machine for minutes"
    ),
    ("simulation", "replications"): (
        f"the limit is {MAX_REPLICATIONS:,} replications; more adds run time but no useful precision"
    ),
}

_TYPE_WORDS: dict[str, str] = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "model_type": "must be a mapping of keys (key: value lines)",
    "model_attributes_type": "must be a mapping of keys (key: value lines)",
    "dict_type": "must be a mapping of keys (key: value lines)",
    "list_type": "must be a list",
}
_BOUND_SIGNS = {"greater_than_equal": ("ge", "≥"), "less_than_equal": ("le", "≤"), "greater_than": ("gt", ">")}
_BOUND_SIGNS["less_than"] = ("lt", "<")


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and abs(value) >= 10_000 else str(value)


def _format_error(err: dict[str, Any]) -> str:
    loc = tuple(err.get("loc", ()))
    path = _loc_to_path(loc)
    kind = err.get("type", "")
    msg = str(err.get("msg", "invalid"))
    ctx = err.get("ctx") or {}
    got = err.get("input")
    if isinstance(got, RefusedNumber):
        return f"{path}: {got.reason} (got {str(got)!r})"
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        owner = _model_at(loc)
        hint = ""
        if owner is not None:
            close = difflib.get_close_matches(key, list(owner.model_fields), n=1, cutoff=0.5)
            hint = f"; did you mean '{close[0]}'?" if close else "; known keys here: " + ", ".join(owner.model_fields)
        return f"{path}: unknown key {_cut(_printable(repr(key)), 80)}{hint}"
    if kind == "invalid_key":
        return f"{_loc_to_path(loc[:-1])}: the key {_shown(got)} must be text (a name such as 'count')"
    if kind == "value_error" and isinstance(ctx.get("error"), FieldProblem):
        return f"{ctx['error'].path}: {ctx['error']}"
    number = _as_float(got) if isinstance(got, str) else got
    if kind == "finite_number" or (isinstance(number, float) and not math.isfinite(number)):
        return (
            f"{path}: must be a finite number (got {_shown(got)}); "
            ".nan, .inf and numbers too large to hold (such as 1.0e400) are refused"
        )
    if kind in _TYPE_WORDS:
        words = _TYPE_WORDS[kind]
        if isinstance(got, bool) and kind.split("_")[0] in {"int", "float"}:
            return f"{path}: {words}, not true/false (got {_shown(got)})"
        if isinstance(got, str) and kind.split("_")[0] in {"int", "float"}:
            hint = "; write numbers without quotes" if _as_float(got) is not None else ""
            return f"{path}: {words}, not text (got {_shown(got)}){hint}"
        return f"{path}: {words} (got {_shown(got)})"
    if kind in _BOUND_SIGNS:
        key, sign = _BOUND_SIGNS[kind]
        text = f"{path}: must be {sign} {_number(ctx.get(key, '?'))} (got {_shown(got)})"
        reason = _LIMIT_REASONS.get(tuple(p for p in loc if isinstance(p, str)))
        if (
            kind == "less_than_equal" and ctx.get(key) == 1 and isinstance(number, int | float) and 5 <= number <= 100
        ):  # a percentage, likely
            reason = f"shares are written as fractions: {number / 100:g} for {_number(number)}%"
        return text + (f"; {reason}" if reason and kind.startswith("less") else "")
    msg = msg.removeprefix("Value error, ")
    msg = re.sub(r"^(Input|String|List|Value) should (be|have)", lambda m: f"must {m.group(2)}", msg)
    msg = msg.replace(" after validation", "")
    if kind in {"literal_error", "string_too_short", "string_too_long", "too_short", "too_long"}:
        msg += f" (got {_shown(got)})"
    return f"{path}: {msg}"


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


# --------------------------------------------------------------------------- saving


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


def save_scenario(scenario: Scenario, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
    """Write atomically: a temp file in the same folder, flushed, then renamed over the target.

    A save that fails at any point leaves the previous file as it was (the temp file is
    removed). With ``overwrite=False`` an existing target is never replaced: the call
    raises ``FileExistsError`` instead (checked atomically where the file system allows).
    """
    target = Path(path)
    if not overwrite and target.exists():
        raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target))
    text = dump_scenario(scenario)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            _place_new(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(target.parent)
    return target


def _place_new(tmp: str, target: Path) -> None:
    """Move ``tmp`` to ``target`` only if ``target`` does not exist (no race window where
    the file system supports hard links)."""
    try:
        os.link(tmp, target)  # fails with FileExistsError if the target appeared meanwhile
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target)) from None
    except OSError:  # no hard links here (some network or FAT file systems): check, then rename
        if target.exists():
            raise FileExistsError(errno.EEXIST, "a file with this name exists already", str(target)) from None
        os.replace(tmp, target)
        return
    os.unlink(tmp)


# --------------------------------------------------------------------------- file names

_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in "0123456789¹²³"}
    | {f"lpt{i}" for i in "0123456789¹²³"}
)


def _is_reserved(name: str) -> bool:
    """Windows refuses these names whatever the extension (``nul.yaml`` is the NUL device)."""
    return name.split(".")[0].strip().rstrip(" .").lower() in _WINDOWS_RESERVED


def safe_scenario_filename(name: str) -> str:
    """A safe file name made from user text, always ending ``.yaml``.

    Letters are reduced to ASCII (accents dropped), lower-cased; every run of other
    characters (spaces, dots, slashes, backslashes, colons, control characters...) becomes
    one '-'; leading and trailing '-' and '_' are stripped, so the name never starts with a
    dot and holds no path. The stem is at most MAX_FILE_NAME_STEM characters; a blank
    result becomes 'scenario', and a Windows reserved name (CON, NUL, COM1...) gets
    '-scenario' appended. A trailing '.yaml' or '.yml' typed by the user is not doubled.

    >>> safe_scenario_filename("../../etc/passwd")
    'etc-passwd.yaml'
    >>> safe_scenario_filename("Q3 plan: 80% enrolled!")
    'q3-plan-80-enrolled.yaml'
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"\.(yaml|yml)\s*$", "", text.strip(), flags=re.IGNORECASE)
    stem = re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-_")
    stem = stem[:MAX_FILE_NAME_STEM].strip("-_")
    if not stem:
        stem = "scenario"
    elif _is_reserved(stem):
        stem = f"{stem}-scenario"
    return stem + ".yaml"


def resolve_in_folder(folder: str | os.PathLike[str], filename: str) -> Path:
    """The path of ``filename`` inside ``folder``; refuses anything that would escape it.

    ``filename`` must be a bare file name: not empty, no '/' or '\\\\', no drive or
    absolute path, not '.' or '..', no leading dot (hidden file), no control characters,
    not a Windows reserved name. The resolved path (symbolic links followed) must lie
    directly in the resolved folder. Raises ``ScenarioError`` (a ValueError) whose
    problem starts with 'file name:'.
    """

    def refuse(why: str) -> ScenarioError:
        return ScenarioError([f"file name: {_printable(repr(filename))} {why}"])

    if not isinstance(filename, str) or not filename.strip():
        raise ScenarioError(["file name: is empty"])
    if any(ch in filename for ch in "/\\") or os.sep in filename or (os.altsep and os.altsep in filename):
        raise refuse("must not contain a path separator ('/' or '\\')")
    if not filename.isprintable() or ":" in filename:
        raise refuse("must not contain control characters or ':'")
    if filename in {".", ".."} or filename.startswith("."):
        raise refuse("must not start with a dot (hidden files and '..' are refused)")
    if _is_reserved(filename):
        raise refuse("is a reserved device name on Windows")
    if len(filename) > MAX_FILE_NAME_STEM + 10:
        raise refuse(f"is longer than {MAX_FILE_NAME_STEM + 10} characters")
    base = Path(folder).resolve()
    candidate = (base / filename).resolve()
    if candidate.parent != base:
        raise refuse("points outside the scenarios folder")
    return candidate
