"""Error messages: one clear line per problem, naming the field path.

``ScenarioError`` carries the problems; ``FieldProblem`` is one problem at a path;
``_format_error`` words pydantic's validation errors for planners.
"""

from __future__ import annotations

import difflib
import math
import re
from typing import Any

from pydantic import BaseModel

MAX_PROBLEMS_SHOWN = 20  # a message lists at most this many problems, then says how many more
MAX_PROBLEM_CHARS = 300  # a problem line is cut here with "…" (a huge key must not make a huge message)


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


class RefusedNumber(str):
    """A number written in a form the scenario format refuses (YAML 1.1 base-60 or octal, digit
    separators, another base, too many characters). It is kept as text so validation names the
    field it was given for, with ``reason`` saying why."""

    reason: str

    def __new__(cls, text: str, reason: str) -> RefusedNumber:
        obj = super().__new__(cls, _cut(text, 40))
        obj.reason = reason
        return obj


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
    from sim.scenario.schema import Scenario  # the schema imports this module

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
        from sim.scenario.limits import LIMIT_REASONS  # the limits import this module

        reason = LIMIT_REASONS.get(tuple(p for p in loc if isinstance(p, str)))
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
