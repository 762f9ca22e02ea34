"""The headline's words, shared by the app's page (ui/page.py) and the board report
(report/content.py), so both say the same thing the same way.

Plain text only: no Streamlit, no Jinja2, no markup. Money reads the same in both
(``money``: $850, $296 k, $1.2 M); KPI shares are printed by ``ui.figures.kpi_text``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from sim import Result
from ui import charts


def money(amount: float) -> str:
    """$850, $296 k, $1.2 M (the unit chosen after rounding: $999,600 is $1.0 M); a minus sign
    for a negative amount."""
    return ("-" if amount < 0 else "") + charts.usd_short(amount)


def horizon_label(days: int) -> str:
    """'In 12 months': the horizon in whole months."""
    return f"In {round(days / charts.DAYS_PER_MONTH)} months"


def time_to_target(days: int | None, *, never: str = "Not reached") -> str:
    """When the target is first reached, in months: 'Already met' on day 0, ``never`` if not at all."""
    if days is None:
        return never
    return "Already met" if days == 0 else f"{days / charts.DAYS_PER_MONTH:.1f} months"


def points_change(new: float | None, old: float | None) -> str | None:
    """A KPI's change against the loaded scenario in points, or None when it rounds to nothing."""
    if new is None or old is None:
        return None
    diff = (new - old) * 100
    return f"{diff:+.1f} pts vs loaded" if abs(diff) >= 0.05 else None


def change(value: float | None, base: float | None, fmt: Callable[[float], str]) -> str | None:
    """'+<fmt of the difference> vs loaded' (or '-…'), None when either is missing or they are equal."""
    if value is None or base is None or abs(value - base) <= 1e-9 * max(1.0, abs(base)):
        return None
    return ("+" if value >= base else "-") + fmt(abs(value - base)) + " vs loaded"


def breaches(summary: dict[str, Any], horizon_days: int) -> str:
    over = "in the year" if horizon_days == 365 else f"over {horizon_days:,} days"
    return (
        f"{summary['breaches_per_year']:.3f} IoT-origin breaches a year expected, a "
        f"{summary['breach_probability']:.1%} chance of at least one {over}"
    )


def breach_basis(whatif: Result, loaded: Result) -> str:
    """The breaches a year and the 5–95% range of runs behind the breach-loss figure."""
    w, b = whatif.summary, loaded.summary
    words = (
        f"Breach loss basis: {breaches(w, whatif.horizon_days)}, at {money(whatif.scenario.costs.breach_cost)} each "
        f"(5–95% of runs: {money(w['expected_breach_loss_p05'])}–{money(w['expected_breach_loss_p95'])})"
    )
    if abs(w["expected_breaches"] - b["expected_breaches"]) > 1e-12:
        words += f"; loaded scenario: {breaches(b, loaded.horizon_days)}"
    return words + "."


def top_lever(effects: pd.DataFrame | None) -> list[tuple[str, bool]]:
    """The summary sentence's clause on the changed lever that matters most, as (text,
    emphasised) pieces; none without a lever table. It names the levers changed from the
    loaded scenario, not every lever (the panel beside the chart ranks those)."""
    if effects is None or effects.empty:
        return []
    top = effects.iloc[0]
    if not top["clear"]:
        return [("; no lever moved has a clear effect on the KPI", False)]
    cost = charts.cost_change_words(top["cost_change"])
    half = (top["average_high"] - top["average_low"]) * 50
    return [
        (
            "; of the levers changed from the loaded scenario, the one that matters most is "
            if len(effects) > 1
            else "; the lever changed from the loaded scenario is ",
            False,
        ),
        (str(top["lever"]).lower(), True),
        (f" ({top['average'] * 100:+.1f} ± {half:.1f} pts on average; {cost})", False),
    ]


def markdown(parts: list[tuple[str, bool]]) -> str:
    """(text, emphasised) pieces as Markdown, the emphasised ones in bold."""
    return "".join(f"**{t}**" if bold else t for t, bold in parts)
