"""What a board report says: the headline, the cards, the tables, in words, from results.

``content(...)`` turns a what-if's result, the loaded scenario's result (same seed and
replications), the optional lever-effect table (``sim.effects``) and the optional goal-seek
``Plan`` into plain values for the template: strings and numbers only, no markup, so the
template's autoescaping covers everything that came from a file. The wording follows the
app's headline (ui/page.py): both take the shared phrases from ui/wording.py and the
helpers for money and lever effects from ui/charts.py, so a figure reads the same in the
app and on paper.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

import sim
from report import assumptions
from sim import Result
from ui import charts, figures, text, wording

HALF_YEAR_DAY = 182


def pct(x: float | None, digits: int = 0) -> str:
    return "–" if x is None else f"{x:.{digits}%}"


money = wording.money  # $296 k, $1.2 M, $850; negative amounts with a minus sign


def signed_money(x: float) -> str:
    return ("+" if x >= 0 else "-") + charts.usd_short(x)


@dataclass(frozen=True)
class Card:
    """One headline figure: its label, the big value, the KPI band (if any) and two small lines."""

    label: str
    value: str
    band: str | None = None
    detail: str = ""
    change: str = ""
    spread: str = ""  # the range 9 runs in 10 fall in


@dataclass(frozen=True)
class Sentence:
    """The ten-second read as pieces: (text, emphasised) pairs, escaped one by one."""

    parts: tuple[tuple[str, bool], ...]

    @property
    def plain(self) -> str:
        return "".join(t for t, _ in self.parts)


@dataclass
class Content:
    title: str
    whatif_name: str
    whatif_description: str
    loaded_name: str
    loaded_description: str
    same: bool  # the what-if is the loaded scenario (nothing to compare)
    sentence: Sentence
    kpi_cards: list[Card]
    money_cards: list[Card]
    breach_basis: str
    breach_caveat: str
    effects: list[list[str]] | None
    effects_note: str
    cost_rows: list[list[str]]
    plan: dict[str, Any] | None
    changed: list[assumptions.Row]
    from_defaults: list[assumptions.Row]
    fleet: dict[str, list[list[str]]]
    run: dict[str, str] = field(default_factory=dict)


def _run_range(result: Result, day: int) -> tuple[float, float]:
    series = result.series
    row = series.iloc[min(day, len(series) - 1)]
    return float(row["compliance_p05"]), float(row["compliance_p95"])


def kpi_cards(whatif: Result, loaded: Result) -> list[Card]:
    """KPI today, at 6 months and at the horizon (each with its band and the 5–95% range of
    runs), and when the target is reached and held."""
    w, b = whatif.summary, loaded.summary
    cards = []
    points = [("Today", 0, w["compliance_start"], b["compliance_start"])]
    if whatif.horizon_days >= HALF_YEAR_DAY:
        points.append(("In 6 months", HALF_YEAR_DAY, w["compliance_at_day_182"], b["compliance_at_day_182"]))
    points.append(
        (wording.horizon_label(whatif.horizon_days), whatif.horizon_days, w["compliance_end"], b["compliance_end"])
    )
    for label, day, value, base in points:
        low, high = _run_range(whatif, day)
        cards.append(
            Card(
                label=label,
                value=figures.kpi_text(value),
                band=sim.band(value),
                detail=f"{figures.kpi_text(value, 1)} on average",
                spread=f"9 runs in 10: {low * 100:.1f}–{high * 100:.1f}%",
                change="" if day == 0 else wording.points_change(value, base) or "",
            )
        )
    days, base_days, first = w["days_to_target"], b["days_to_target"], w["first_day_at_target"]
    target = whatif.scenario.kpi.target
    detail = ""
    if first is not None and first != days:
        detail = f"First reached after {wording.time_to_target(first).lower()}, then dipped below."
    cards.append(
        Card(
            label=f"Reaches and holds the {target:.0%} target",
            value=wording.time_to_target(days, never="Not held" if first is not None else "Not reached"),
            detail=detail,
            change="" if days == base_days else f"loaded: {wording.time_to_target(base_days, never='never').lower()}",
        )
    )
    return cards


def money_cards(whatif: Result, loaded: Result) -> list[Card]:
    """Programme cost, expected breach loss (with its 5–95% range of runs), device-days overdue
    and mean time to patch, each with its change against the loaded scenario."""
    w, b = whatif.summary, loaded.summary

    def change(key: str, fmt: Callable[[float], str]) -> str:
        return wording.change(w[key], b[key], fmt) or ""

    return [
        Card("Programme cost", money(w["programme_cost"]), change=change("programme_cost", charts.usd_short)),
        Card(
            "Expected breach loss",
            money(w["expected_breach_loss"]),
            detail=f"90% of runs {money(w['expected_breach_loss_p05'])}–{money(w['expected_breach_loss_p95'])}",
            change=change("expected_breach_loss", charts.usd_short),
        ),
        Card(
            "Device-days overdue",
            f"{w['overdue_device_days']:,.0f}",
            change=change("overdue_device_days", lambda x: f"{x:,.0f}"),
        ),
        Card(
            "Mean time to patch",
            "–" if w["mean_time_to_patch_days"] is None else f"{w['mean_time_to_patch_days']:.0f} days",
            change=change("mean_time_to_patch_days", lambda x: f"{x:.0f} days"),
        ),
    ]


def breach_basis(whatif: Result, loaded: Result) -> str:
    """The breaches a year and the 5–95% range behind the breach-loss figure, as the app says it."""
    return wording.breach_basis(whatif, loaded)


def sentence(whatif: Result, loaded: Result, effects: pd.DataFrame | None) -> Sentence:
    """Where the KPI goes, what it costs and which lever matters most, in one sentence."""
    w, b = whatif.summary, loaded.summary
    parts: list[tuple[str, bool]] = [
        (figures.kpi_text(w["compliance_start"]), True),
        (" of devices are updated on time today; with these settings ", False),
    ]
    if w["compliance_at_day_182"] is not None:
        parts += [(figures.kpi_text(w["compliance_at_day_182"]), True), (" in 6 months and ", False)]
    parts += [
        (figures.kpi_text(w["compliance_end"]), True),
        (f" {wording.horizon_label(whatif.horizon_days).lower()} ({figures.band_name(w['compliance_end'])})", False),
    ]
    if abs(w["compliance_end"] - b["compliance_end"]) >= 0.0005:
        parts.append((f", against {figures.kpi_text(b['compliance_end'])} for the loaded scenario", False))
    parts.append((f". The programme costs {money(w['programme_cost'])}", False))
    parts += wording.top_lever(effects)
    parts.append((".", False))
    return Sentence(tuple(parts))


def effect_rows(effects: pd.DataFrame) -> list[list[str]]:
    """The lever bars as table rows, as the app's table shows them: each effect with its 95%
    interval in points, then the change in programme cost."""
    rows = []
    for _, row in effects.iterrows():
        cells = [str(row["lever"]), str(row["setting"])]
        for column in ("average", "at_6_months", "at_horizon"):
            m, lo, hi = (row[column] * 100, row[f"{column}_low"] * 100, row[f"{column}_high"] * 100)
            words = charts.effect_text(m, lo, hi)
            cells.append(words if words == "no clear effect" else f"{words}, {lo:+.1f} to {hi:+.1f}")
        cells.append(charts.cost_change_words(row["cost_change"]))
        rows.append(cells)
    return rows


def cost_rows(whatif: Result, loaded: Result) -> list[list[str]]:
    """Money and risk, what-if against loaded: cost, loss, both, and the breaches behind the loss."""
    w, b = whatif.summary, loaded.summary
    return [
        ["Programme cost", f"${w['programme_cost']:,.0f}", f"${b['programme_cost']:,.0f}"],
        ["Expected breach loss", f"${w['expected_breach_loss']:,.0f}", f"${b['expected_breach_loss']:,.0f}"],
        [
            "Cost + expected loss",
            f"${w['programme_cost'] + w['expected_breach_loss']:,.0f}",
            f"${b['programme_cost'] + b['expected_breach_loss']:,.0f}",
        ],
        ["Expected breaches a year", f"{w['breaches_per_year']:.4f}", f"{b['breaches_per_year']:.4f}"],
        [
            "Chance of at least one breach over the horizon",
            f"{w['breach_probability']:.2%}",
            f"{b['breach_probability']:.2%}",
        ],
        [
            "Breach loss, 5th–95th percentile of runs",
            f"${w['expected_breach_loss_p05']:,.0f}–${w['expected_breach_loss_p95']:,.0f}",
            f"${b['expected_breach_loss_p05']:,.0f}–${b['expected_breach_loss_p95']:,.0f}",
        ],
    ]


def plan_content(plan: Any) -> dict[str, Any]:
    """A goal-seek plan (``sim.seek``'s ``Plan``) as a heading and rows: each moved lever
    before → after, then the cost and the KPI the requirement is checked on."""
    conf = f"{plan.confidence:.0%} of runs"
    when = f"day {plan.by_day}" + (" and kept to the horizon" if plan.sustained else "")
    if plan.reachable:
        heading = f"The cheapest plan found reaches {plan.target:.1%} by {when} in at least {conf}."
    else:
        heading = (
            f"No plan found reaches {plan.target:.1%} by {when} in {conf}; the best found reaches "
            f"{plan.kpi_lower:.1%} in {conf}."
        )
    rows = [[c.label, c.before_text, c.after_text] for c in plan.changes] or [["(no lever needs to move)", "", ""]]
    rows += [
        ["Programme cost", f"${plan.loaded_cost:,.0f}", f"${plan.cost:,.0f}"],
        [f"KPI on day {plan.by_day}, mean", pct(plan.loaded_kpi_mean, 1), pct(plan.kpi_mean, 1)],
        [f"KPI on day {plan.by_day}, in {conf} at least", pct(plan.loaded_kpi_lower, 1), pct(plan.kpi_lower, 1)],
    ]
    loss = plan.breach.get("expected_breach_loss")
    note = (
        f"Cost change {signed_money(plan.cost_change)} over the horizon; {plan.share_meeting:.0%} of the runs reach "
        f"the target. {plan.runs:,} runs searched with seed {plan.seed}; the plan was checked with "
        f"{plan.replications} replications."
    )
    if loss is not None:
        note += f" Expected breach loss with the plan: {money(loss)}."
    if plan.stopped:
        note += " The search was stopped early: the best plan so far, not checked again."
    return {"heading": heading, "rows": rows, "note": note, "reachable": plan.reachable}


def content(
    whatif: Result,
    loaded: Result | None = None,
    *,
    effects: pd.DataFrame | None = None,
    plan: Any = None,
    created: dt.datetime | None = None,
) -> Content:
    """Everything the report shows, from results the caller already has. ``loaded`` defaults
    to the what-if itself (a report on one scenario); both must share seed and replications."""
    loaded = whatif if loaded is None else loaded
    if (whatif.seed, whatif.replications) != (loaded.seed, loaded.replications):
        raise ValueError(
            "the what-if and the loaded scenario must be simulated with the same seed and replications "
            f"(got seed {whatif.seed} × {whatif.replications} and seed {loaded.seed} × {loaded.replications})"
        )
    created = created or dt.datetime.now(dt.UTC)
    ws, ls = whatif.scenario, loaded.scenario
    same = sim.dump_scenario(ws) == sim.dump_scenario(ls)
    effect_reps = int(effects["replications"].iloc[0]) if effects is not None and not effects.empty else None
    run = {
        "date": created.strftime("%Y-%m-%d %H:%M UTC"),
        "seed": str(whatif.seed),
        "replications": str(whatif.replications),
        "horizon": f"{whatif.horizon_days:,} days",
        "devices": f"{whatif.summary['devices']:,}",
        "effect_replications": "" if effect_reps is None else str(effect_reps),
        "version": f"schema {sim.SCHEMA_VERSION}",
    }
    return Content(
        title=f"Board report: {ws.name}",
        whatif_name=ws.name,
        whatif_description=ws.description,
        loaded_name=ls.name,
        loaded_description=ls.description,
        same=same,
        sentence=sentence(whatif, loaded, effects),
        kpi_cards=kpi_cards(whatif, loaded),
        money_cards=money_cards(whatif, loaded),
        breach_basis=breach_basis(whatif, loaded),
        breach_caveat=text.BREACH_CAVEAT,
        effects=None if effects is None or effects.empty else effect_rows(effects),
        effects_note=text.SENSITIVITY_NOTE.format(reps=effect_reps) if effect_reps else "",
        cost_rows=cost_rows(whatif, loaded),
        plan=None if plan is None else plan_content(plan),
        changed=[] if same else assumptions.differences(ls, ws),
        from_defaults=assumptions.from_defaults(ws),
        fleet=assumptions.fleet_tables(ws),
        run=run,
    )


__all__ = ["Card", "Content", "Sentence", "content"]
