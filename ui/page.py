"""Sections of the main page: headline figures, charts, tabs, scenario files and comparison.

Each function draws one part of the page from results the caller already has (or runs
them through the cache in ``ui.results``); ``app.py`` only decides the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import sim
from sim import Result, Scenario, ScenarioError, safe_scenario_filename
from ui import charts, results, text
from ui import levers as lv
from ui import scenario_files as files
from ui import state as ss
from ui.controls import runs_allowed

MAX_LISTED = 20  # notices and problems listed at most, then "… and N more"

BAND_BADGE = {"excellent": ("Excellent", "green"), "good": ("Good", "orange"), "poor": ("Poor", "red")}
KPI_CHART_KEY = "kpi_chart"
TAB_KEY = "tab"
TABS = ("What does it take?", "Fleet", "Operations", "Cost & risk", "Compare scenarios", "Model & assumptions")
BEST_STYLE = "background-color: rgba(46,125,50,0.18); font-weight: 600"


def _pct(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


def _pts(new: float | None, old: float | None) -> str | None:
    if new is None or old is None:
        return None
    diff = (new - old) * 100
    return f"{diff:+.1f} pts vs loaded" if abs(diff) >= 0.05 else None


def _money(x: float) -> str:
    if abs(x) >= 1e6:
        return f"${x / 1e6:,.1f} M"
    if abs(x) >= 1e3:
        return f"${x / 1e3:,.0f} k"
    return f"${x:,.0f}"


def _time_to_target(days: int | None, *, never: str = "Not reached") -> str:
    """When the target is first reached, in months: 'Already met' on day 0, ``never`` if not at all."""
    if days is None:
        return never
    return "Already met" if days == 0 else f"{days / charts.DAYS_PER_MONTH:.1f} months"


def horizon_label(days: int) -> str:
    months = round(days / charts.DAYS_PER_MONTH)
    return f"In {months} months" if months != 12 else "In 12 months"


# The headline cards on laptop screens: four cards a row leave each about 150 px below
# 1,300 px of window, so labels and changes wrap instead of being cut off, and figures shrink.
CARD_STYLE = """<style>
@media (max-width: 1400px) {
  [data-testid="stMetricLabel"] div, [data-testid="stMetricLabel"] p { white-space: normal !important; }
  [data-testid="stMetricValue"] { font-size: 1.9rem !important; }
  [data-testid="stMetricDelta"] div, [data-testid="stMetricDelta"] p {
    white-space: normal !important; text-overflow: clip !important;
  }
}
@media (max-width: 1200px) {
  [data-testid="stMetricValue"] { font-size: 1.5rem !important; }
}
</style>"""


def headline(whatif: Result, loaded: Result) -> None:
    """KPI today → in 6 months → at the horizon, with bands and change vs the loaded file; then money and risk."""
    w, b = whatif.summary, loaded.summary
    kpi_points = [
        ("Today", w["compliance_start"], b["compliance_start"]),
        ("In 6 months", w["compliance_at_day_182"], b["compliance_at_day_182"]),
        (horizon_label(whatif.horizon_days), w["compliance_end"], b["compliance_end"]),
    ]
    st.html(CARD_STYLE)
    st.markdown("**Devices updated on time** (the KPI)")
    columns = st.columns(4)
    for column, (label, value, base) in zip(columns, kpi_points, strict=False):
        name = sim.band(value)
        badge = f" :{BAND_BADGE[name][1]}-badge[{BAND_BADGE[name][0]}]" if name else ""
        column.metric(
            f"{label}{badge}",
            _pct(value),
            delta=_pts(value, base) if label != "Today" else None,
            border=True,
            help="Devices updated on time: the share that installed every update whose deadline has passed.",
        )
    with columns[3]:
        days = w["days_to_target"]
        target = whatif.scenario.kpi.target
        base_days = b["days_to_target"]
        first = w["first_day_at_target"]
        dips = (
            f" It first reached the target after {_time_to_target(first).lower()}, then dipped below it."
            if first is not None and first != days
            else ""
        )
        st.metric(
            f"Reaches and holds the {target:.0%} target",
            _time_to_target(days, never="Not held" if first is not None else "Not reached"),
            delta=None if days == base_days else f"loaded: {_time_to_target(base_days, never='never').lower()}",
            delta_color="off",
            delta_arrow="off",
            border=True,
            help="From when the average run stays at or above the target to the end of the simulated period; "
            "'Not reached' means it is below the target at the end." + dips,
        )
    money = st.columns(4)
    figures = (
        (
            "Device-days overdue",
            w["overdue_device_days"],
            b["overdue_device_days"],
            lambda x: f"{x:,.0f}",
            "Days devices spent with an update past its deadline, added up over the fleet.",
        ),
        (
            "Expected breach loss",
            w["expected_breach_loss"],
            b["expected_breach_loss"],
            _money,
            "Expected breaches from open vulnerabilities × cost of a breach. Each vendor release is a "
            "vulnerability, open from a few days after release on the devices still lacking it; the rates "
            "are assumptions calibrated to published breach rates (Model & assumptions tab), so use it to "
            "compare options, not as a forecast. The line below gives the breaches it rests on.",
        ),
        (
            "Programme cost",
            w["programme_cost"],
            b["programme_cost"],
            _money,
            "Management, audits, reporting channel, training and technician hours over the horizon.",
        ),
        (
            "Mean time to patch",
            w["mean_time_to_patch_days"],
            b["mean_time_to_patch_days"],
            lambda x: "–" if x is None else f"{x:.0f} days",
            "Average days from an update's release to its install, over the updates installed by the "
            "end; updates still missing then are not counted, so a fleet falling behind can look quick.",
        ),
    )
    for column, (label, value, base, fmt, help_text) in zip(money, figures, strict=True):
        delta = None
        if value is not None and base is not None and abs(value - base) > 1e-9 * max(1.0, abs(base)):
            delta = f"{fmt(value - base) if value >= base else '-' + fmt(base - value).lstrip('-')} vs loaded"
            if value >= base:
                delta = "+" + delta
        column.metric(label, fmt(value), delta=delta, delta_color="inverse", border=True, help=help_text)
    st.caption(breach_basis(whatif, loaded))


def _breaches(summary: dict, horizon_days: int) -> str:
    over = "in the year" if horizon_days == 365 else f"over {horizon_days:,} days"
    return (
        f"{summary['breaches_per_year']:.3f} IoT-origin breaches a year expected, a "
        f"{summary['breach_probability']:.1%} chance of at least one {over}"
    )


def breach_basis(whatif: Result, loaded: Result) -> str:
    """The breaches a year behind the breach-loss figure, for a sanity check beside the money."""
    w, b = whatif.summary, loaded.summary
    cost = whatif.scenario.costs.breach_cost
    words = (
        f"Breach loss basis: {_breaches(w, whatif.horizon_days)}, at {_money(cost)} each "
        f"(5–95% of runs: {_money(w['expected_breach_loss_p05'])}–{_money(w['expected_breach_loss_p95'])})"
    )
    if abs(w["expected_breaches"] - b["expected_breaches"]) > 1e-12:
        words += f"; loaded scenario: {_breaches(b, loaded.horizon_days)}"
    return words + "."


def summary_sentence(whatif: Result, loaded: Result, effects: pd.DataFrame | None) -> str:
    """One plain sentence saying where the KPI goes, for the ten-second read."""
    w, b = whatif.summary, loaded.summary
    horizon = horizon_label(whatif.horizon_days).lower()
    band_name = BAND_BADGE[w["band_end"]][0] if w["band_end"] else "–"
    sentence = (
        f"**{_pct(w['compliance_start'])}** of devices are updated on time today; with these settings "
        f"**{_pct(w['compliance_at_day_182'])}** in 6 months and **{_pct(w['compliance_end'])}** {horizon} "
        f"({band_name})"
    )
    if abs(w["compliance_end"] - b["compliance_end"]) >= 0.0005:
        sentence += f", against {_pct(b['compliance_end'])} for the loaded scenario"
    sentence += f". The programme costs {_money(w['programme_cost'])}"
    if effects is not None and not effects.empty:
        top = effects.iloc[0]
        cost = charts.cost_change_words(top["cost_change"])
        if top["clear"]:
            change = top["average"] * 100
            half = (top["average_high"] - top["average_low"]) * 50
            sentence += (
                f"; the lever that matters most here is **{top['lever'].lower()}** "
                f"({change:+.1f} ± {half:.1f} pts on average; {cost})"
            )
        else:
            sentence += "; no lever moved has a clear effect on the KPI"
    return sentence + "."


def kpi_chart(whatif: Result, loaded: Result, *, show_loaded: bool) -> None:
    fig = charts.kpi_over_time(whatif, loaded if show_loaded else None, target=whatif.scenario.kpi.target)
    st.plotly_chart(fig, key=KPI_CHART_KEY, config={"displaylogo": False})


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
            title="Blind spots: devices that look updated but are not",
            y_title="Devices",
        ),
        key="ops_blind",
    )
    right.plotly_chart(charts.on_time_by_month(result), key="ops_on_time")
    left.plotly_chart(
        charts.metric_over_time(
            one,
            "release_ratio",
            title="Updates released per device (last 30 days)",
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
            title=f"Out of service after a faulty update ({broken:,.0f} breakages over the period)",
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


# --------------------------------------------------------------------------- scenario files


def save_section(whatif: Scenario, folder: Path, replications: int, seed: int) -> None:
    """Name box, save into the scenarios folder (confirm before overwriting), download.

    The file records the simulation settings in use, so it reproduces the figures shown.
    """
    state = st.session_state
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
    target = safe_scenario_filename(name) if name.strip() else None
    if target:
        st.caption(f"File: {text.plain(target)}")
    if st.button("Save to scenarios folder", key="save", disabled=not name.strip()):
        try:
            path = _save(whatif, name, folder, overwrite=False)
        except FileExistsError:
            state["confirm_overwrite"] = target
            state.pop("save_message", None)
        else:
            if path:
                state["save_message"] = f"Saved as {path.name}."
                state.pop("confirm_overwrite", None)
                st.rerun()  # so the scenario picker above lists the new file
    pending = state.get("confirm_overwrite")
    if pending and pending == target:
        st.warning(f"{text.plain(pending)} already exists. Overwrite it?")
        yes, no = st.columns(2)
        if yes.button("Overwrite", key="confirm_overwrite_yes", type="primary"):
            path = _save(whatif, name, folder, overwrite=True)
            if path:
                state["save_message"] = f"Replaced {path.name}."
                state.pop("confirm_overwrite", None)
                st.rerun()
        if no.button("Cancel", key="confirm_overwrite_no"):
            state.pop("confirm_overwrite", None)
            st.rerun()
    if state.get("save_message"):
        st.success(text.plain(state["save_message"]))
    scenario = files.renamed(whatif, name) if name.strip() else whatif
    st.download_button(  # the file is written when clicked (no stored copy a rerun can remove)
        "Download as a scenario file",
        lambda: sim.dump_scenario(scenario),
        file_name=target or safe_scenario_filename(whatif.name),
        mime="application/x-yaml",
        key="download_scenario",
        on_click="ignore",
    )


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


SUMMARY_ROWS: tuple[tuple[str, str, str, bool], ...] = (
    # (summary key, label, format, higher is better)
    ("compliance_start", "Updated on time, today", "{:.1%}", True),
    ("compliance_at_day_182", "Updated on time, in 6 months", "{:.1%}", True),
    ("compliance_end", "Updated on time, at the horizon", "{:.1%}", True),
    ("days_to_target", "Days until the target is reached and held", "{:,.0f}", False),
    ("first_day_at_target", "Days until the target is first reached", "{:,.0f}", False),
    ("mean_time_to_patch_days", "Mean days to patch", "{:,.1f}", False),
    ("overdue_device_days", "Device-days overdue", "{:,.0f}", False),
    ("programme_cost", "Programme cost ($)", "{:,.0f}", False),
    ("expected_breach_loss", "Expected breach loss ($)", "{:,.0f}", False),
    ("breaches_per_year", "Expected breaches a year", "{:.4f}", False),
)


def compare_table(named: dict[str, Result]) -> pd.DataFrame:
    """Summary figures side by side: one row per figure, one column per scenario (NaN where
    a figure has no value, e.g. a target never reached)."""
    return pd.DataFrame(
        {name: [r.summary.get(key) for key, *_ in SUMMARY_ROWS] for name, r in named.items()},
        index=[label for _, label, *_ in SUMMARY_ROWS],
        dtype=float,
    )


def best_columns(table: pd.DataFrame) -> dict[str, list[str]]:
    """For each row, the scenario(s) with the best value (never reaching the target is worst)."""
    best: dict[str, list[str]] = {}
    for (key, label, _fmt, higher), (_, row) in zip(SUMMARY_ROWS, table.iterrows(), strict=True):
        values = pd.to_numeric(row, errors="coerce")
        if values.notna().sum() == 0 or key == "compliance_start":  # where they start is no outcome
            best[label] = []
            continue
        target = values.max() if higher else values.min()
        best[label] = [c for c, v in values.items() if pd.notna(v) and abs(v - target) <= 1e-12 * max(1, abs(target))]
    return best


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario dump as 'dotted.key' -> value; list items named by their 'name' when they have one."""
    out: dict[str, Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(data, list) and data and all(isinstance(v, dict) for v in data):
        for i, value in enumerate(data):
            label = value.get("name", i)
            out.update(flatten({k: v for k, v in value.items() if k != "name"}, f"{prefix}[{label}]"))
    else:
        out[prefix] = data
    return out


def differing_parameters(scenarios: dict[str, Scenario]) -> pd.DataFrame:
    """Only the parameters whose values differ between the scenarios (names and descriptions
    left out). Levers are named and shown as their controls show them ('80%', 'on'); other
    settings by their key in the file."""
    flat = {
        name: {k: v for k, v in flatten(sc.model_dump(mode="json")).items() if k not in ("name", "description")}
        for name, sc in scenarios.items()
    }
    by_path = {lever.field_path: lever for lever in lv.LEVERS}
    keys = list(dict.fromkeys(k for f in flat.values() for k in f))
    rows = {}
    for key in keys:
        values = [f.get(key, "—") for f in flat.values()]
        if not any(v != values[0] for v in values[1:]):
            continue
        lever = by_path.get(key)
        if lever is not None:
            rows[lever.label] = [lv.describe(lever, lv.to_widget(lever, v)) for v in values]
        else:
            rows[key] = [
                v if not isinstance(v, list) else lv.stages_text(v) if key.endswith("waves") else str(v) for v in values
            ]
    return pd.DataFrame(rows, index=list(flat)).T if rows else pd.DataFrame(columns=list(flat))


TARGET_ROWS = {label for key, label, *_ in SUMMARY_ROWS if key in ("days_to_target", "first_day_at_target")}


def _cell(label: str, value: float, fmt: str) -> str:
    """A summary figure as the compare table shows it: a target never reached is 'never',
    any other missing figure (say, the 6-month KPI of a 90-day run) a dash."""
    if pd.isna(value):
        return "never" if label in TARGET_ROWS else "–"
    return fmt.format(value)


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
    replications, notice = runs_allowed(replications, *scenarios.values())
    if notice:
        st.warning(text.plain(notice))
    slot = st.empty()
    named = {
        name: results.simulate(sc, replications, seed, slot, f"Simulating {name}…") for name, sc in scenarios.items()
    }
    targets = {sc.kpi.target for sc in scenarios.values()}
    st.plotly_chart(charts.compare_kpi(named, target=targets.pop() if len(targets) == 1 else None), key="compare_chart")
    table = compare_table(named)
    best = best_columns(table)
    formats = {label: fmt for _, label, fmt, _ in SUMMARY_ROWS}

    def highlight(row: pd.Series) -> list[str]:
        return [BEST_STYLE if c in best[row.name] else "" for c in row.index]

    # shown as text: the grid draws a missing number as "None", whatever the Styler says
    shown = pd.DataFrame(
        {c: [_cell(label, v, formats[label]) for label, v in table[c].items()] for c in table},
        index=table.index,
    )
    styled = shown.style.apply(highlight, axis=1)
    st.markdown("**Summary** (best in green)")
    st.dataframe(styled, key="compare_summary")
    st.markdown("**Parameters that differ**")
    diff = differing_parameters(scenarios)
    if diff.empty:
        st.caption("The files have the same parameters.")
    else:
        st.dataframe(diff.astype(str), key="compare_diff")


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
