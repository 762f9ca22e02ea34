"""Sections of the main page: headline figures, charts, tabs, scenario files and comparison.

Each function draws one part of the page from results the caller already has (or runs
them through the cache in ``ui.results``); ``app.py`` only decides the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import sim
from sim import Result, Scenario, ScenarioError, safe_scenario_filename
from ui import advice, charts, controls, docs_pages, figures, results, text, wording
from ui import scenario_files as files
from ui import state as ss

MAX_LISTED = 20  # notices and problems listed at most, then "… and N more"

BAND_BADGE = {"excellent": ("Excellent", "green"), "good": ("Good", "orange"), "poor": ("Poor", "red")}
KPI_CHART_KEY = "kpi_chart"
TAB_KEY = "tab"
TABS = ("What does it take?", "Fleet", "Operations", "Cost & risk", "Compare scenarios", "Model & assumptions")
BEST_STYLE = "background-color: rgba(46,125,50,0.18); font-weight: 600"


# The headline cards on laptop screens: four cards a row leave each about 150 px below
# 1,300 px of window, so labels and changes wrap instead of being cut off, and figures shrink.
CARD_STYLE = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.2rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 1.9rem; padding-top: 0; }
[data-testid="stMetric"] { padding-top: 0.2rem; padding-bottom: 0.2rem; }
@media (max-width: 1400px) {
  [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p { white-space: normal !important; }
  [data-testid="stMetricValue"] div, [data-testid="stMetricValue"] p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  }
  [data-testid="stMetricValue"] { font-size: 1.9rem !important; }
  [data-testid="stMetricDelta"] div, [data-testid="stMetricDelta"] p {
    white-space: normal !important; text-overflow: clip !important;
  }
}
@media (max-width: 1200px) {
  [data-testid="stMetricValue"] { font-size: 1.5rem !important; }
}
@media (max-width: 1300px) {  /* the levers panel goes under the KPI chart, which keeps the width */
  .st-key-first_screen [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
  .st-key-first_screen [data-testid="stColumn"] { flex: 1 1 100% !important; width: 100% !important; }
}
</style>"""


def kpi_cards(whatif: Result, loaded: Result) -> None:
    """KPI today → in 6 months → at the horizon, with bands and change vs the loaded file, and
    when the target is reached and held."""
    w, b = whatif.summary, loaded.summary
    kpi_points = [
        ("Today", w["compliance_start"], b["compliance_start"]),
        ("In 6 months", w["compliance_at_day_182"], b["compliance_at_day_182"]),
        (wording.horizon_label(whatif.horizon_days), w["compliance_end"], b["compliance_end"]),
    ]
    st.html(CARD_STYLE)
    st.markdown("**Devices updated on time** (the KPI)")
    columns = st.columns(4)
    for column, (label, value, base) in zip(columns, kpi_points, strict=False):
        name = sim.band(value)
        badge = f" :{BAND_BADGE[name][1]}-badge[{BAND_BADGE[name][0]}]" if name else ""
        column.metric(
            f"{label}{badge}",
            figures.kpi_text(value),
            delta=wording.points_change(value, base) if label != "Today" else None,
            border=True,
            help="Devices updated on time: the share that installed every update whose deadline has passed. "
            "The band is decided on the exact figure; a decimal is shown where rounding would cross a band edge.",
        )
    with columns[3]:
        days = w["days_to_target"]
        target = whatif.scenario.kpi.target
        base_days = b["days_to_target"]
        first = w["first_day_at_target"]
        dips = (
            f" It first reached the target after {wording.time_to_target(first).lower()}, then dipped below it."
            if first is not None and first != days
            else ""
        )
        st.metric(
            f"Holds the {target:.0%} target from",
            wording.time_to_target(days, never="Not held" if first is not None else "Not reached"),
            delta=None if days == base_days else f"loaded: {wording.time_to_target(base_days, never='never').lower()}",
            delta_color="off",
            delta_arrow="off",
            border=True,
            help="From when the average run stays at or above the target to the end of the simulated period; "
            "'Not reached' means it is below the target at the end." + dips,
        )


def money_row(whatif: Result, loaded: Result) -> None:
    """Overdue time, blind spots and money, each card saying what it is measured against."""
    for column, card in zip(st.columns(4), money_cards(whatif, loaded), strict=True):
        with column.container(border=True):
            st.metric(card.label, card.value, delta=card.delta, delta_color="inverse", help=card.help)
            st.caption(card.basis)
    st.caption(breach_basis(whatif, loaded))


@dataclass(frozen=True)
class Card:
    """A headline card: its figure, the change against the loaded scenario, and its basis."""

    label: str
    value: str
    delta: str | None
    basis: str
    help: str


def money_cards(whatif: Result, loaded: Result) -> list[Card]:
    """The second row of cards: time overdue per device, blind spots per 100 devices, the
    programme's cost and the expected breach loss, each with its basis written under it."""
    w, b = whatif.summary, loaded.summary
    devices, base_devices = int(w["devices"]), int(b["devices"])
    period = wording.horizon_label(whatif.horizon_days).lower().replace("in ", "over ", 1)
    overdue = figures.overdue_per_device(w["overdue_device_days"], devices)
    base_overdue = figures.overdue_per_device(b["overdue_device_days"], base_devices)
    blind = figures.per_hundred(w["blind_spot_devices_end"], devices)
    base_blind = figures.per_hundred(b["blind_spot_devices_end"], base_devices)
    cost = whatif.scenario.costs.breach_cost
    any_blind = blind > 0
    return [
        Card(
            "Days overdue per device",
            f"{overdue:,.0f} days",
            wording.change(overdue, base_overdue, lambda x: f"{x:,.0f} days"),
            f"Of {whatif.horizon_days:,} days, on average ({w['overdue_device_days']:,.0f} device-days "
            f"over {devices:,} devices); loaded scenario: {base_overdue:,.0f} days.",
            "Days devices spent with an update past its deadline, added up over the fleet and divided "
            "by the number of devices.",
        ),
        Card(
            "Blind spots per 100 devices",
            f"{blind:,.1f}",
            wording.change(blind, base_blind, lambda x: f"{x:,.1f}"),
            f"{w['blind_spot_devices_end']:,.0f} devices look updated but are not, {period}; "
            f"loaded scenario: {base_blind:,.1f} per 100." + (f" {BLIND_SPOT_CAUSE}" if any_blind else ""),
            "Devices whose automatic install failed silently (or whose update was switched off) while "
            "the console reports them up to date; audits and a console that reads the running version "
            "find them.",
        ),
        Card(
            "Programme cost",
            wording.money(w["programme_cost"]),
            wording.change(w["programme_cost"], b["programme_cost"], wording.money),
            f"Total {period}; loaded scenario: {wording.money(b['programme_cost'])}.",
            "Management, audits, reporting channel, training and technician hours over the horizon.",
        ),
        Card(
            "Expected breach loss",
            wording.money(w["expected_breach_loss"]),
            wording.change(w["expected_breach_loss"], b["expected_breach_loss"], wording.money),
            f"{w['breaches_per_year']:.3f} breaches a year × {wording.money(cost)} a breach, {period}; "
            "an assumption-based figure for comparing options, not a forecast.",
            "Expected breaches from open vulnerabilities × cost of a breach. Each vendor release is a "
            "vulnerability, open from a few days after release on the devices still lacking it; the rates "
            "are assumptions calibrated to published breach rates (Model & assumptions tab), so use it to "
            "compare options, not as a forecast. The line below the cards gives the breaches it rests on.",
        ),
    ]


BLIND_SPOT_CAUSE = (
    "They come from automatic installs that fail silently (more automation, more of them) and manual "
    "updates botched unseen; audits and a console that checks running versions find them."
)


def breach_basis(whatif: Result, loaded: Result) -> str:
    """The breaches a year behind the breach-loss figure, for a sanity check beside the money."""
    return wording.breach_basis(whatif, loaded)


def summary_sentence(whatif: Result, loaded: Result, effects: pd.DataFrame | None) -> str:
    """One plain sentence saying where the KPI goes, for the ten-second read."""
    w, b = whatif.summary, loaded.summary
    horizon = wording.horizon_label(whatif.horizon_days).lower()
    band_name = BAND_BADGE[w["band_end"]][0] if w["band_end"] else "–"
    sentence = (
        f"**{figures.kpi_text(w['compliance_start'])}** of devices are updated on time today; with these settings "
        f"**{figures.kpi_text(w['compliance_at_day_182'])}** in 6 months and "
        f"**{figures.kpi_text(w['compliance_end'])}** {horizon} ({band_name})"
    )
    if abs(w["compliance_end"] - b["compliance_end"]) >= 0.0005:
        sentence += f", against {figures.kpi_text(b['compliance_end'])} for the loaded scenario"
    sentence += f". The programme costs {wording.money(w['programme_cost'])}"
    return sentence + wording.markdown(wording.top_lever(effects)) + "."


def kpi_chart(whatif: Result, loaded: Result, *, show_loaded: bool) -> None:
    fig = charts.kpi_over_time(whatif, loaded if show_loaded else None, target=whatif.scenario.kpi.target)
    st.plotly_chart(fig, key=KPI_CHART_KEY, config={"displaylogo": False})
    st.caption(band_sentence(whatif))


def band_sentence(result: Result) -> str:
    """Why the shaded band is as wide as it is, in one sentence with this run's figures."""
    s = result.summary
    return (
        f"The line is the average of {result.replications} simulated runs; the shaded band holds 9 runs in 10 "
        f"(at the end {figures.kpi_text(s['compliance_end_p05'])} to {figures.kpi_text(s['compliance_end_p95'])}), "
        "wide because releases arrive at random and, in any one run, a release for a large device class that "
        "passes its deadline takes many devices below the line at once. Two settings are compared on the same "
        "random events, so their difference is far more certain than the band."
    )


GOAL_SLOT_KEY = "goal_slot"  # where the goal seek's "what it takes" line goes, once it exists


def first_screen_columns() -> tuple[Any, Any]:
    """The KPI chart's column and, beside it, the column for what to do about it."""
    return st.container(key="first_screen").columns([0.68, 0.32], gap="medium")


def top_levers_panel(loaded: Scenario, replications: int, seed: int, progress_slot: Any = None) -> Any:
    """The levers with the largest effect on the loaded scenario, computed (``ui.advice``),
    each with its effect, cost and a button that sets it; remembered for the sidebar's order.
    Returns the slot under them for the goal seek's "what it takes" line."""
    st.markdown("**Levers with the largest effect here**")
    ranking = advice.lever_ranking(loaded, replications, seed, progress_slot)
    top = advice.top_levers(ranking)
    keys = tuple(top["key"])
    state = st.session_state
    remembered = (sim.dump_scenario(loaded), keys)
    # the sidebar, drawn before the ranking was known, shows these first from the next run on
    # (no st.rerun here: a second page run at once would replace the download buttons the
    # first one drew, and a click in between found no file)
    state[controls.TOP_LEVERS_KEY] = remembered
    if top.empty:
        st.caption("No single lever step has a clear effect on this scenario's KPI.")
    for row in top.itertuples():
        half = (row.high - row.low) * 50
        st.markdown(
            f"**{row.lever}** {row.setting}: **{row.average * 100:+.1f}** ± {half:.1f} pts "
            f"on the KPI over the year; {charts.cost_change_words(row.cost_change)}"
        )
        st.button(
            f"Try: {row.setting}",
            key=f"try_{row.key}",
            on_click=_try_lever,
            args=(row.key, row.value),
            help="Set this lever in the sidebar; the page shows the result and what the lever alone does.",
        )
    reps = min(replications, advice.ADVICE_REPLICATIONS)
    st.caption(text.TOP_LEVERS_NOTE.format(reps=reps))
    return st.container(key=GOAL_SLOT_KEY)  # the goal seek's "what it takes" line goes here


def _try_lever(key: str, value: Any) -> None:
    st.session_state[key] = value


def lever_section(effects: pd.DataFrame | None, horizon_days: int, replications: int) -> None:
    st.subheader("Which lever matters")
    if effects is None or effects.empty:
        st.info(text.NO_LEVER_MOVED)
        return
    st.plotly_chart(charts.lever_effects(effects, horizon_days), key="lever_chart", config={"displaylogo": False})
    st.caption(text.SENSITIVITY_NOTE.format(reps=min(replications, results.SENSITIVITY_REPLICATIONS)))
    st.dataframe(effect_table(effects), hide_index=True)


def effect_table(effects: pd.DataFrame) -> pd.DataFrame:
    """The bars as a table: each effect with its 95% interval, in points, and the cost change."""
    out = pd.DataFrame({"Lever": effects["lever"], "Setting": effects["setting"]})
    for column, label in (("average", "Average"), ("at_6_months", "At 6 months"), ("at_horizon", "At the horizon")):
        out[label] = [
            charts.effect_text(m * 100, lo * 100, hi * 100)
            + ("" if not (lo > 0 or hi < 0) else f", {lo * 100:+.1f} to {hi * 100:+.1f}")
            for m, lo, hi in zip(effects[column], effects[f"{column}_low"], effects[f"{column}_high"], strict=True)
        ]
    out["Programme cost"] = [charts.cost_change_words(c) for c in effects["cost_change"]]
    return out


def fleet_tab(result: Result) -> None:
    left, right = st.columns(2)
    by_class = result.by_class
    by_dept = result.by_department
    left.plotly_chart(charts.by_group(by_class, "device_class", "Updated on time, by device class"), key="fleet_class")
    right.plotly_chart(charts.by_group(by_dept, "department", "Updated on time, by department"), key="fleet_dept")
    left.plotly_chart(charts.time_to_patch(by_class, "device_class", "Days to patch, by device class"), key="ttp_class")
    right.plotly_chart(charts.time_to_patch(by_dept, "department", "Days to patch, by department"), key="ttp_dept")
    left.plotly_chart(
        charts.group_lines(result.class_series, "Over time, by device class", result.horizon_days), key="class_lines"
    )
    right.plotly_chart(
        charts.group_lines(result.department_series, "Over time, by department", result.horizon_days),
        key="dept_lines",
    )


def operations_tab(result: Result) -> None:
    one = {"What-if": result}
    left, right = st.columns(2)
    left.plotly_chart(
        charts.metric_over_time(
            one, "technician_backlog", title="Technicians' backlog (devices waiting)", y_title="Devices waiting"
        ),
        key="ops_backlog",
    )
    right.plotly_chart(
        charts.metric_over_time(
            one,
            "technician_utilisation",
            title="Technicians' time in use",
            y_title="Share of hours",
            y_format=".0%",
            band=False,  # single runs swing between idle and full days: the band would fill the chart
        ),
        key="ops_utilisation",
    )
    left.plotly_chart(
        charts.metric_over_time(
            one,
            "blind_spot_devices",
            title="Blind spots: look updated, are not",
            y_title="Devices",
        ),
        key="ops_blind",
    )
    right.plotly_chart(charts.on_time_by_month(result), key="ops_on_time")
    left.plotly_chart(
        charts.metric_over_time(
            one,
            "release_ratio",
            title="Updates per device, last 30 days",
            y_title="Updates per device",
            y_format=".2f",
        ),
        key="ops_release_ratio",
    )
    right.plotly_chart(
        charts.metric_over_time(one, "enrolled_devices", title="Devices under central management", y_title="Devices"),
        key="ops_enrolled",
    )
    left.plotly_chart(charts.time_to_patch_over_time(result), key="ops_time_to_patch")
    broken = result.summary["devices_broken_by_faulty_releases"]
    right.plotly_chart(
        charts.metric_over_time(
            one,
            "broken_devices",
            title=f"Broken by faulty updates ({broken:,.0f} in all)",
            y_title="Devices",
        ),
        key="ops_broken",
    )


def cost_tab(whatif: Result, loaded: Result) -> None:
    left, right = st.columns(2)
    left.plotly_chart(charts.cost_by_lever(whatif), key="cost_levers")
    right.plotly_chart(charts.breach_loss({"What-if": whatif, "Loaded scenario": loaded}), key="cost_breach")
    table = pd.DataFrame(
        {
            "What-if": [whatif.summary["programme_cost"], whatif.summary["expected_breach_loss"]],
            "Loaded scenario": [loaded.summary["programme_cost"], loaded.summary["expected_breach_loss"]],
        },
        index=["Programme cost", "Expected breach loss"],
    )
    table.loc["Cost + expected loss"] = table.sum()
    st.dataframe(table.style.format("${:,.0f}"))
    basis = pd.DataFrame(
        {
            name: [
                r.summary["breaches_per_year"],
                r.summary["breach_probability"],
                r.summary["expected_breach_loss_p05"],
                r.summary["expected_breach_loss_p95"],
            ]
            for name, r in (("What-if", whatif), ("Loaded scenario", loaded))
        },
        index=[
            "Expected breaches a year",
            "Chance of at least one breach over the horizon",
            "Breach loss, 5th percentile of runs ($)",
            "Breach loss, 95th percentile of runs ($)",
        ],
    )
    st.dataframe(
        basis.style.format("{:.4f}", subset=pd.IndexSlice[basis.index[:1], :])
        .format("{:.2%}", subset=pd.IndexSlice[basis.index[1:2], :])
        .format("{:,.0f}", subset=pd.IndexSlice[basis.index[2:], :])
    )
    st.caption(text.BREACH_CAVEAT)


def model_tab(whatif: Scenario, loaded: Scenario) -> None:
    if loaded.description:
        st.markdown(f"**Loaded scenario: {text.plain(loaded.name)}.** {text.plain(loaded.description, 10_000)}")
    st.markdown(text.MECHANISMS)
    st.markdown(text.SOURCES)
    with st.expander("The what-if as a scenario file (YAML)"):
        st.code(sim.dump_scenario(whatif), language="yaml")
    documentation()


DOC_PAGE_KEY = "doc_page"


def documentation() -> None:
    """The project's documentation pages, one at a time, picked by title."""
    st.subheader("Documentation")
    titles = {path: title for title, path in docs_pages.PAGES}
    path = st.selectbox("Page", list(titles), format_func=titles.get, key=DOC_PAGE_KEY)
    with st.container(border=True, key="doc_text"):
        st.markdown(docs_pages.page_text(path))


# --------------------------------------------------------------------------- scenario files


DESCRIPTION_KEY = "save_description"
DESCRIPTION_DEFAULT_KEY = "save_description_default"


def save_section(whatif: Scenario, folder: Path, replications: int, seed: int) -> None:
    """Name box, description, save into the scenarios folder (confirm before overwriting), download.

    The file records the simulation settings in use, so it reproduces the figures shown,
    and a description of what it holds: by default written from what differs from the
    loaded file (``sim.describe_changes``), which the planner can rewrite. After a save
    the saved file becomes the loaded scenario, so the page's link names it.
    """
    state = st.session_state
    default = sim.describe_changes(ss.loaded(), whatif)
    if state.get(DESCRIPTION_DEFAULT_KEY) != default:
        if state.get(DESCRIPTION_KEY) in (None, state.get(DESCRIPTION_DEFAULT_KEY)):  # not rewritten by hand
            state[DESCRIPTION_KEY] = default
        state[DESCRIPTION_DEFAULT_KEY] = default
    data = whatif.model_dump(mode="json")
    data["simulation"].update(replications=replications, seed=seed)
    whatif = Scenario.model_validate(data)
    st.header("Save this what-if", help=text.SAVE_HELP)
    name = st.text_input(
        "Scenario name",
        key="save_name",
        placeholder="e.g. Q3 plan: 80% enrolled",
        on_change=lambda: state.pop("save_message", None),  # the last save's note is about another name
    )
    description = st.text_area(
        "Description",
        key=DESCRIPTION_KEY,
        max_chars=2_000,
        height=110,
        help="Saved in the file. Written from what you changed; rewrite it to say what the plan is for.",
    )
    target = safe_scenario_filename(name) if name.strip() else None
    if target:
        st.caption(
            f"File: {text.plain(target)}"
            + (" (a bundled preset's name: choose another)" if target in files.PRESETS else "")
        )
    whatif = whatif.model_copy(update={"description": description.strip()})
    if st.button("Save to scenarios folder", key="save", disabled=not name.strip()):
        try:
            path = _save(whatif, name, folder, overwrite=False)
        except FileExistsError:
            state["confirm_overwrite"] = target
            state.pop("save_message", None)
        else:
            if path:
                _saved(f"Saved as {path.name}", path)
    pending = state.get("confirm_overwrite")
    if pending and pending == target:
        st.warning(f"{text.plain(pending)} already exists. Overwrite it?")
        yes, no = st.columns(2)
        if yes.button("Overwrite", key="confirm_overwrite_yes", type="primary"):
            path = _save(whatif, name, folder, overwrite=True)
            if path:
                _saved(f"Replaced {path.name}", path)
        if no.button("Cancel", key="confirm_overwrite_no"):
            state.pop("confirm_overwrite", None)
            st.rerun()
    if state.get("save_message"):
        st.success(text.plain(state["save_message"]))
    scenario = files.renamed(whatif, name) if name.strip() else whatif
    st.download_button(  # the file is written when clicked (no stored copy a rerun can remove)
        "Download as a scenario file",
        lambda: sim.dump_scenario(scenario),
        file_name=files.savable_filename(name if name.strip() else whatif.name),
        mime="application/x-yaml",
        key="download_scenario",
        on_click="ignore",
    )


def _saved(message: str, path: Path) -> None:
    """After a save: the note, the saved file loaded on the next run (so the link names it),
    and a description written afresh for whatever is changed next."""
    state = st.session_state
    state["save_message"] = f"{message}; it is now the loaded scenario, and the page's link opens it."
    state.pop("confirm_overwrite", None)
    state.pop(DESCRIPTION_KEY, None)
    state.pop(DESCRIPTION_DEFAULT_KEY, None)
    state[ss.PENDING_LOAD] = path.name
    st.rerun()  # the scenario picker, drawn above, lists and loads the new file


def _save(whatif: Scenario, name: str, folder: Path, *, overwrite: bool) -> Path | None:
    """``files.save_as``, showing why a save failed (a name leading out of the folder, a
    folder that cannot be written) instead of raising; an existing file still raises
    ``FileExistsError`` so the caller can ask before overwriting."""
    try:
        return files.save_as(whatif, name, folder, overwrite=overwrite)
    except FileExistsError:
        raise
    except (ScenarioError, OSError) as exc:
        reason = "; ".join(exc.problems) if isinstance(exc, ScenarioError) else (exc.strerror or str(exc))
        st.error(f"Not saved: {text.plain(reason)}")
        return None


def notices(link_notices: Sequence[str], *others: str | None) -> None:
    """What the opening link asked for and could not be used, as one warning (a list when
    there are several), then any other notices."""
    if len(link_notices) == 1:
        st.warning(text.plain(link_notices[0]))
    elif link_notices:
        listed = "\n".join(f"- {text.plain(n)}" for n in link_notices[:MAX_LISTED])
        if len(link_notices) > MAX_LISTED:
            listed += f"\n- … and {len(link_notices) - MAX_LISTED} more"
        st.warning(f"While opening this page:\n{listed}")
    for notice in others:
        if notice:
            st.warning(text.plain(notice))


def show_scenario_error(title: str, error: ScenarioError) -> None:
    lines = "\n".join(f"- {text.plain(p)}" for p in error.problems[:MAX_LISTED])
    if len(error.problems) > MAX_LISTED:
        lines += f"\n- … and {len(error.problems) - MAX_LISTED} more"
    st.error(f"{title} ({text.plain(error.source or 'file')}):\n{lines}")


# --------------------------------------------------------------------------- compare


def compare_tab(options: Sequence[str], folder: Path, replications: int, seed: int) -> None:
    st.caption(text.COMPARE_HELP)
    chosen = st.multiselect("Scenario files to compare", list(options), key="compare_files")
    if len(chosen) < 2:
        st.info("Choose at least two scenario files.")
        return
    scenarios: dict[str, Scenario] = {}
    for choice in chosen:
        try:
            scenarios[choice] = ss.read_choice(choice, folder)
        except ScenarioError as exc:
            show_scenario_error("This file cannot be compared", exc)
    if len(scenarios) < 2:
        return
    # one number of runs for every file (same precision, same seed), within every file's limits
    replications, notice = controls.runs_allowed(replications, *scenarios.values())
    if notice:
        st.warning(text.plain(notice))
    slot = st.empty()
    named = {
        name: results.simulate(sc, replications, seed, slot, f"Simulating {name}…") for name, sc in scenarios.items()
    }
    targets = {sc.kpi.target for sc in scenarios.values()}
    st.plotly_chart(charts.compare_kpi(named, target=targets.pop() if len(targets) == 1 else None), key="compare_chart")
    labels = compare_labels(list(named))
    table = sim.summary_table(list(named.values()), labels)  # the same table as `python -m sim compare`
    best = sim.best_columns(list(named.values()), labels)

    def highlight(row: pd.Series) -> list[str]:
        return [BEST_STYLE if c in best[row.name] else "" for c in row.index]

    st.markdown(
        "**Summary** (best in green" + ("; the change is the second against the first" if len(named) == 2 else "") + ")"
    )
    st.dataframe(table.style.apply(highlight, axis=1), key="compare_summary")
    st.markdown("**Parameters that differ**")
    diff = sim.parameter_rows(dict(zip(labels, scenarios.values(), strict=True)))
    if diff.empty:
        st.caption("The files have the same parameters.")
    else:
        st.dataframe(diff, key="compare_diff")


def compare_labels(choices: Sequence[str]) -> list[str]:
    """Column names of the comparison: the file names without their suffix (as the command
    line's compare names them), an uploaded file marked as such."""
    labels = [
        ("uploaded " if c.startswith(ss.UPLOAD_PREFIX) else "") + Path(c.removeprefix(ss.UPLOAD_PREFIX)).stem
        for c in choices
    ]
    return labels if len(set(labels)) == len(labels) else list(choices)  # plan.yaml and plan.yml


def csv_download(result: Result, name: str) -> None:
    st.download_button(  # the file is written when clicked (no stored copy a rerun can remove)
        "Download results (CSV)",
        lambda: result.series.to_csv(float_format="%.6g"),
        file_name=f"{safe_scenario_filename(name).removesuffix('.yaml')}-results.csv",
        mime="text/csv",
        key="download_csv",
        on_click="ignore",
        help="Daily figures for the what-if: mean, 5th and 95th percentile of every measure.",
    )
