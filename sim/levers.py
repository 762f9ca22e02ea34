"""The improvement levers: one catalogue for the app's sidebar and the goal seek.

Each ``Lever`` names where its value lives in a ``Scenario``, how the sidebar shows it
(a percentage, a number of days, a count, an on/off switch or a choice of rollout
stages), its one-line help in business words with the pitfall it answers, and the short
name it carries in a link's query string. Ranges come from the scenario schema's own
field metadata (``ge``/``le``), so the app never repeats the engine's limits; day-valued
controls stop at the simulated horizon, since a later value has no effect inside it.

Everything here is a pure function of a scenario, so the same code builds the sidebar,
reads and writes query parameters, runs the "which lever matters" comparison and sets
the search space of ``sim.goal`` (``slider_step`` is the control's step, the finest
change a plan proposes).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
from pydantic import BaseModel

from sim.scenario import Scenario

Kind = Literal["percent", "days", "count", "hours", "toggle", "stages", "checkin"]
WidgetValue = float | int | bool | str

# Rollout-stage choices offered besides the loaded file's own stages (shares in percent);
# 5/25/70 is the engine's default, the others follow Mender's and Memfault's documented
# phased rollouts (docs/background cites them).
STAGE_PRESETS: tuple[str, ...] = ("100", "10/90", "5/25/70", "5/15/80", "1/9/40/50")
# Check-in interval choices in hours (the control's unit; the scenario keeps days), from the
# minutes of IoT update services to the monthly check of a neglected device; the loaded
# file's own value is always offered too.
CHECKIN_HOURS: tuple[float, ...] = (1.0, 4.0, 12.0, 24.0, 48.0, 72.0, 168.0, 336.0, 720.0)


@dataclass(frozen=True)
class Lever:
    """One lever control: where it lives, how it is shown, and what it means."""

    key: str
    path: tuple[str, ...]
    group: str
    label: str
    help: str
    kind: Kind

    @property
    def field_path(self) -> str:
        return ".".join(self.path)


GROUPS: tuple[str, ...] = (
    "Centralized update management",
    "Security audits",
    "Reporting channel",
    "Training",
    "Update policy",
    "Technicians",
)

_CM = ("levers", "central_management")
_AU = ("levers", "audits")
_RC = ("levers", "reporting_channel")
_TR = ("levers", "training")
_UP = ("levers", "update_policy")
_TE = ("levers", "technicians")

LEVERS: tuple[Lever, ...] = (
    Lever(
        "enrolled_share",
        (*_CM, "enrolled_share"),
        GROUPS[0],
        "Devices under central update management",
        "Share of over-the-air-capable devices updated automatically; answers slow, inconsistent hand patching.",
        "percent",
    ),
    Lever(
        "onboarding_days",
        (*_CM, "onboarding_days"),
        GROUPS[0],
        "Days to bring them on board",
        "How long enrolling devices takes; a long onboarding delays every benefit of automation.",
        "days",
    ),
    Lever(
        "waves",
        (*_CM, "waves"),
        GROUPS[0],
        "Rollout stages (% of devices per stage)",
        "Release to a small group first; a faulty update halts there instead of reaching every device.",
        "stages",
    ),
    Lever(
        "checkin_hours",
        (*_CM, "checkin_days"),
        GROUPS[0],
        "Devices look for updates every",
        "How often managed devices check in; answers updates that wait on devices that rarely call in.",
        "checkin",
    ),
    Lever(
        "retries",
        (*_CM, "retries"),
        GROUPS[0],
        "Automatic retries after a failed install",
        "Retries fix failed installs without a technician; answers failures that pile up as tickets.",
        "count",
    ),
    Lever(
        "console_visibility",
        (*_CM, "console_visibility"),
        GROUPS[0],
        "Devices whose running version the console checks",
        "The console reads what devices really run; answers failed updates that report success.",
        "percent",
    ),
    Lever(
        "audit_interval_days",
        (*_AU, "interval_days"),
        GROUPS[1],
        "Days between security audits (0 = none)",
        "Audits find devices that only look updated; answers trusting automation without checking it.",
        "days",
    ),
    Lever(
        "audit_coverage",
        (*_AU, "coverage"),
        GROUPS[1],
        "Share of devices each audit checks",
        "A partial audit leaves the rest unchecked; answers silent failures in the unaudited part.",
        "percent",
    ),
    Lever(
        "audit_detection",
        (*_AU, "detection_rate"),
        GROUPS[1],
        "Share of problems an audit catches",
        "A cursory audit misses broken devices; answers audits done as a formality.",
        "percent",
    ),
    Lever(
        "reporting_enabled",
        (*_RC, "enabled"),
        GROUPS[2],
        "Staff can report update problems",
        "A clear channel to report broken or switched-off updates; answers problems nobody hears about.",
        "toggle",
    ),
    Lever(
        "report_rate",
        (*_RC, "report_rate_per_day"),
        GROUPS[2],
        "Daily chance a broken device is reported",
        "How alert staff are to problems (training raises it); answers issues that go unreported.",
        "percent",
    ),
    Lever(
        "training_coverage",
        (*_TR, "coverage"),
        GROUPS[3],
        "Staff trained",
        "Trained staff botch fewer manual updates and switch off fewer auto-updates; answers untrained staff.",
        "percent",
    ),
    Lever(
        "training_start_day",
        (*_TR, "start_day"),
        GROUPS[3],
        "Training starts on day",
        "The later training starts, the longer mistakes continue; answers waiting to train.",
        "days",
    ),
    Lever(
        "refresher_interval_days",
        (*_TR, "refresher_interval_days"),
        GROUPS[3],
        "Days between refresher sessions (0 = none)",
        "Training fades within months without reminders; answers one-off training that wears off.",
        "days",
    ),
    Lever(
        "policy_clarity",
        (*_UP, "clarity"),
        GROUPS[4],
        "How clear the update policy is",
        "100% = one rule for every department; answers departments patching each in their own way.",
        "percent",
    ),
    Lever(
        "approval_delay_days",
        (*_UP, "approval_delay_days"),
        GROUPS[4],
        "Approval delay under the policy, days",
        "Days before an approved update starts rolling out; answers slow sign-off eating the deadline.",
        "days",
    ),
    Lever(
        "prioritize_critical",
        (*_UP, "prioritize_critical"),
        GROUPS[4],
        "Critical updates first",
        "Critical fixes skip approval and the queue; answers treating every update the same.",
        "toggle",
    ),
    Lever(
        "technicians",
        (*_TE, "count"),
        GROUPS[5],
        "Technicians",
        "People who install updates by hand; answers a backlog of devices nobody gets to.",
        "count",
    ),
    Lever(
        "technician_hours",
        (*_TE, "hours_per_day"),
        GROUPS[5],
        "Hours of update work per technician per day",
        "Time actually spent on updates; answers technicians pulled onto other work.",
        "hours",
    ),
)

BY_KEY: dict[str, Lever] = {lever.key: lever for lever in LEVERS}


# --------------------------------------------------------------------------- schema metadata


def _field(path: tuple[str, ...]) -> Any:
    model: type[BaseModel] = Scenario
    info = None
    for part in path:
        info = model.model_fields[part]
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
    return info


def field_bounds(path: tuple[str, ...]) -> tuple[float | None, float | None]:
    """The lower and upper bounds the scenario schema sets for a field (None if unbounded)."""
    lo = hi = None
    for meta in _field(path).metadata:
        if isinstance(meta, annotated_types.Ge | annotated_types.Gt):
            lo = meta.ge if isinstance(meta, annotated_types.Ge) else meta.gt
        if isinstance(meta, annotated_types.Le | annotated_types.Lt):
            hi = meta.le if isinstance(meta, annotated_types.Le) else meta.lt
    return lo, hi


def field_description(path: tuple[str, ...]) -> str:
    """The schema's own description of a field ('' if it has none)."""
    return _field(path).description or ""


# --------------------------------------------------------------------------- values


def get_value(scenario: Scenario, path: tuple[str, ...]) -> Any:
    obj: Any = scenario
    for part in path:
        obj = getattr(obj, part)
    return obj


def set_value(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set ``value`` at ``path`` in a scenario's ``model_dump()`` dictionary."""
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def stages_text(waves: Iterable[float]) -> str:
    """Rollout stages as the control shows them: '5/25/70' (percent of devices per stage)."""
    return "/".join(f"{w * 100:.4g}" for w in waves)


# A number in a link or a text field: plain ASCII digits with an optional sign and decimal
# point. Python's float() would also take "1_000", "1e400", "nan", "infinity" and other
# scripts' digits ("٣٠"), which nobody types on purpose and a reader would not recognise.
PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})")


def plain_number(text: str) -> float:
    """``text`` as a number if it is written plainly (``PLAIN_NUMBER``); ValueError otherwise."""
    text = str(text).strip()
    if not PLAIN_NUMBER.fullmatch(text):
        raise ValueError(f"not a plain number: {text[:40]!r}")
    return float(text)


def parse_stages(text: str) -> list[float]:
    """'5/25/70' -> [0.05, 0.25, 0.70]; raises ValueError with a readable reason."""
    parts = [p.strip() for p in str(text).split("/")]
    try:
        shares = [plain_number(p) / 100 for p in parts]
    except ValueError:
        raise ValueError("write the stages as percentages separated by '/', e.g. 5/25/70") from None
    if not shares or any(not math.isfinite(s) or s < 0 or s > 1 for s in shares):
        raise ValueError("each stage must be between 0 and 100 percent")
    if abs(sum(shares) - 1) > 0.01:
        raise ValueError(f"the stages must add up to 100 percent; they add up to {sum(shares) * 100:.4g}")
    return shares


def to_widget(lever: Lever, value: Any) -> WidgetValue:
    """A scenario value as its control shows it (shares become percentages)."""
    if lever.kind == "percent":
        return round(float(value) * 100, 1)
    if lever.kind in ("days", "count"):
        return round(float(value))
    if lever.kind == "hours":
        return float(value)
    if lever.kind == "checkin":
        return round(float(value) * 24, 4)
    if lever.kind == "toggle":
        return bool(value)
    return stages_text(value)


def from_widget(lever: Lever, shown: WidgetValue) -> Any:
    """A control's value back in the scenario's units."""
    if lever.kind == "percent":
        return float(shown) / 100
    if lever.kind == "count":
        return int(shown)
    if lever.kind in ("days", "hours"):
        return float(shown)
    if lever.kind == "checkin":
        return float(shown) / 24
    if lever.kind == "toggle":
        return bool(shown)
    return parse_stages(str(shown))


def widget_range(lever: Lever, scenario: Scenario) -> tuple[float, float]:
    """The control's range in display units, from the schema (days stop at the horizon)."""
    if lever.kind in ("toggle", "stages"):
        return 0.0, 1.0
    if lever.kind == "checkin":
        options = checkin_options(scenario)
        return options[0], options[-1]
    lo, hi = field_bounds(lever.path)
    lo = 0.0 if lo is None else float(lo)
    if lever.kind == "percent":
        return lo * 100, (1.0 if hi is None else float(hi)) * 100
    current = float(to_widget(lever, get_value(scenario, lever.path)))
    if lever.kind == "days":
        horizon = scenario.simulation.horizon_days
        top = horizon if hi is None else min(float(hi), horizon)
        return lo, max(top, current)
    return lo, float(hi) if hi is not None else max(current * 4, 10.0)


def slider_step(lever: Lever) -> float:
    """The step of a numeric lever's control in display units: one percentage point (half a
    point for the daily report rate, a small share), one day, one person, half an hour."""
    if lever.kind == "percent":
        return 0.5 if lever.key == "report_rate" else 1.0
    if lever.kind == "hours":
        return 0.5
    return 1.0


def stage_options(scenario: Scenario) -> list[str]:
    """The rollout-stage choices: the presets plus the loaded file's own stages."""
    own = stages_text(scenario.levers.central_management.waves)
    return list(dict.fromkeys([own, *STAGE_PRESETS]))


def checkin_options(scenario: Scenario) -> list[float]:
    """The check-in choices in hours: the offered ones plus the loaded file's own, in order."""
    own = to_widget(BY_KEY["checkin_hours"], scenario.levers.central_management.checkin_days)
    return sorted({*CHECKIN_HOURS, own})


def hours_words(hours: float) -> str:
    """A check-in interval in words: '1 hour', '12 hours', '3 days', '2 weeks', '1.5 days'."""
    if hours < 1:
        minutes = float(f"{hours * 60:.2g}")
        return "1 minute" if minutes == 1 else f"{minutes:g} minutes"
    if hours < 24:
        hours = float(f"{hours:.3g}")
        return "1 hour" if hours == 1 else f"{hours:g} hours"
    days = float(f"{hours / 24:.3g}")
    if days % 7 == 0 and days <= 28:
        weeks = round(days / 7)
        return "1 week" if weeks == 1 else f"{weeks} weeks"
    return "1 day" if days == 1 else f"{days:g} days"


def loaded_widget_values(scenario: Scenario) -> dict[str, WidgetValue]:
    """Every lever control's value for ``scenario``."""
    return {lever.key: to_widget(lever, get_value(scenario, lever.path)) for lever in LEVERS}


def apply_levers(
    base: Scenario, shown: dict[str, WidgetValue], loaded: dict[str, WidgetValue], data: dict[str, Any]
) -> list[str]:
    """Write into ``data`` (a scenario dump) every lever whose control moved from ``loaded``.

    A control left where the loaded scenario put it keeps the file's exact value (a share
    of 0.025 shown as 2.5% is not rounded). Returns the keys of the levers that moved.
    """
    moved = []
    for lever in LEVERS:
        value = shown.get(lever.key, loaded[lever.key])
        if value == loaded[lever.key]:
            continue
        set_value(data, lever.path, from_widget(lever, value))
        moved.append(lever.key)
    return moved


# --------------------------------------------------------------------------- links


def parse_param(lever: Lever, raw: str, scenario: Scenario) -> WidgetValue:
    """A query-string value for ``lever`` in display units; ValueError says why it is refused."""
    text = str(raw).strip()
    if lever.kind == "toggle":
        low = text.lower()
        if low in ("1", "true", "on", "yes"):
            return True
        if low in ("0", "false", "off", "no"):
            return False
        raise ValueError("must be on or off (1/0, true/false)")
    if lever.kind == "stages":
        parse_stages(text)
        return text
    try:
        number = plain_number(text)
    except ValueError:
        raise ValueError("must be a number written with the digits 0-9, such as 80 or 12.5") from None
    if lever.kind == "checkin":
        options = checkin_options(scenario)
        if round(number, 4) not in options:
            raise ValueError(f"must be one of {', '.join(f'{h:g}' for h in options)} (hours)")
        return round(number, 4)
    lo, hi = widget_range(lever, scenario)
    if number < lo or number > hi:
        raise ValueError(f"must be between {lo:g} and {hi:g}")
    if lever.kind in ("days", "count"):
        if not number.is_integer():
            raise ValueError("must be a whole number")
        return int(number)
    return round(number, 1) if lever.kind == "percent" else number


def format_param(lever: Lever, shown: WidgetValue) -> str:
    """A control's value as it appears in a link."""
    if lever.kind == "toggle":
        return "1" if shown else "0"
    if isinstance(shown, float) and shown.is_integer():
        return str(int(shown))
    return str(shown)


def describe(lever: Lever, shown: WidgetValue) -> str:
    """A control's value in words, for tables and notices: '80%', '30 days', 'on'."""
    if lever.kind == "percent":
        return f"{float(shown):g}%"
    if lever.kind == "days":
        return f"{shown} days"
    if lever.kind == "checkin":
        return hours_words(float(shown))
    if lever.kind == "hours":
        return f"{float(shown):g} h"
    if lever.kind == "toggle":
        return "on" if shown else "off"
    if lever.kind == "stages":
        return f"{shown} %"
    return str(shown)


__all__ = [
    "BY_KEY",
    "CHECKIN_HOURS",
    "GROUPS",
    "LEVERS",
    "PLAIN_NUMBER",
    "STAGE_PRESETS",
    "Kind",
    "Lever",
    "WidgetValue",
    "apply_levers",
    "checkin_options",
    "describe",
    "field_bounds",
    "field_description",
    "format_param",
    "from_widget",
    "get_value",
    "hours_words",
    "loaded_widget_values",
    "parse_param",
    "parse_stages",
    "plain_number",
    "set_value",
    "slider_step",
    "stage_options",
    "stages_text",
    "to_widget",
    "widget_range",
]
