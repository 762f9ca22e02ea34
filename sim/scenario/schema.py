"""The scenario schema: pydantic models of every section, with units, ranges and defaults.

The defaults are documented, with their sources or marked as assumptions, in
docs/reference/scenario-keys.md; unknown keys are refused.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.limits import (
    MAX_DEVICES,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MIN_AUDIT_INTERVAL_DAYS,
    MIN_CHECKIN_DAYS,
    MIN_HALF_LIFE_DAYS,
    MIN_REFRESHER_INTERVAL_DAYS,
    MIN_SLA_DAYS,
    SHARE_TOLERANCE,
    check_limits,
)
from sim.scenario.messages import FieldProblem

SCHEMA_VERSION = 2
SEVERITIES: tuple[str, ...] = ("critical", "high", "medium", "low")


Share = Annotated[float, Field(ge=0.0, le=1.0)]


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
