"""Sidebar controls: the levers, the fleet and model assumptions, and the simulation settings.

Every control reads its value from session state (``ui.state`` puts the loaded scenario's
values there), so the functions here only draw. ``build_whatif`` turns the controls'
values into a validated ``Scenario``; a problem (say, a device-class table whose shares do
not add up) comes back as readable "field: message" lines, and the page keeps the loaded
scenario's values for that part instead of failing.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

import sim
from sim import Department, DeviceClass, Scenario, ScenarioError, check_limits, max_replications, scenario_from_data
from ui import advice, text
from ui import levers as lv
from ui import state as ss

CLASS_COLUMNS = (
    "name",
    "count",
    "release_interval_days",
    "release_cadence",
    "ota_capable",
    "install_failure_rate",
    "silent_failure_share",
    "manual_minutes",
)
CLASS_LABELS = {
    "name": "Device class",
    "count": "Devices",
    "release_interval_days": "Days between updates",
    "release_cadence": "Release pattern",
    "ota_capable": "Updatable over the air",
    "install_failure_rate": "Install failure rate",
    "silent_failure_share": "Failures nobody is told of",
    "manual_minutes": "Minutes per manual update",
}
DEPARTMENT_COLUMNS = ("name", "share", "approval_delay_days")
DEPARTMENT_LABELS = {
    "name": "Department",
    "share": "Share of devices",
    "approval_delay_days": "Own approval delay, days",
}
SHARE_COLUMNS = {"ota_capable", "install_failure_rate", "silent_failure_share", "share"}
ASSUMPTION_LABELS = {
    "manual_error_rate": ("Manual updates botched by untrained staff (%)", "human_factors"),
    "disable_rate_per_month": ("Auto-updates switched off per month by untrained staff (%)", "human_factors"),
    "kpi_target": ("KPI target (%)", "kpi"),
    "management_per_device_month": ("Update management, $ per device per month", "costs"),
    "audit_per_device": ("Audit, $ per device checked", "costs"),
    "training_per_person": ("Training, $ per person per session", "costs"),
    "staff": ("Staff in scope of training (people)", "costs"),
    "technician_hour": ("Technician, $ per hour (loaded)", "costs"),
    "reporting_channel_per_month": ("Reporting channel, $ per month", "costs"),
    "breach_cost": ("Cost of one breach, $", "costs"),
}


TOP_LEVERS_KEY = "top_levers"  # (loaded scenario's YAML, keys of its most effective levers), from ui.advice
DEFAULT_FIRST = ("enrolled_share", "audit_interval_days", "technicians")  # until the ranking is computed


def first_levers(scenario: Scenario) -> tuple[str, ...]:
    """The levers drawn first: the loaded scenario's most effective, once ``ui.advice`` has
    ranked them (this session, or for an earlier visitor to this server with the same runs
    and seed), else a start that covers automation, audits and people."""
    state = st.session_state
    dumped = sim.dump_scenario(scenario)  # once: it is the key of both lookups
    known = state.get(TOP_LEVERS_KEY)
    if known and known[0] == dumped and known[1]:
        return tuple(known[1])
    reps, seed = state.get(ss.REPLICATIONS), state.get(ss.SEED)
    if reps is not None and seed is not None:  # (not yet on a session's first page run)
        ranked = advice.known_top(dumped, int(reps), int(seed))
        if ranked:
            return ranked
    return DEFAULT_FIRST


def lever_controls(scenario: Scenario) -> dict[str, lv.WidgetValue]:
    """Draw one control per lever: the most effective for this scenario first, the others
    one click away in an expander, by group; returns their values in display units."""
    st.header(text.SIDEBAR_LEVERS, help=text.SIDEBAR_LEVERS_HELP)
    shown: dict[str, lv.WidgetValue] = {}
    first = first_levers(scenario)
    st.caption(text.FIRST_LEVERS_NOTE)
    for key in first:
        shown[key] = _lever_control(lv.BY_KEY[key], scenario)
    with st.expander(f"All other levers ({len(lv.LEVERS) - len(first)})"):
        for group in lv.GROUPS:
            rest = [lever for lever in lv.LEVERS if lever.group == group and lever.key not in first]
            if not rest:
                continue
            st.markdown(f"**{group}**")
            for lever in rest:
                shown[lever.key] = _lever_control(lever, scenario)
    return shown


# Audits run from never to weekly: a slider over a year's days moves 1.6 days a pixel, so the
# interval is a number of days with the usual choices one click away.
INTERVAL_CHOICES: dict[str, dict[str, int]] = {
    "audit_interval_days": {"None": 0, "Yearly": 365, "Quarterly": 91, "Monthly": 30, "Weekly": 7},
}


def _pick_interval(lever_key: str) -> None:
    """A choice was clicked: put its days into the lever's number box."""
    picked = st.session_state.get(f"{lever_key}_choice")
    if picked is not None:
        st.session_state[lever_key] = INTERVAL_CHOICES[lever_key][picked]


def _interval_control(lever: lv.Lever, lo: float, hi: float) -> int:
    choices = INTERVAL_CHOICES[lever.key]
    state = st.session_state
    days = state.get(lever.key)
    state[f"{lever.key}_choice"] = next((name for name, d in choices.items() if d == days and lo <= d <= hi), None)
    st.segmented_control(
        lever.label,
        [name for name, d in choices.items() if lo <= d <= hi],
        key=f"{lever.key}_choice",
        on_change=_pick_interval,
        args=(lever.key,),
        help=lever.help,
    )
    return st.number_input(
        "Days between audits", int(lo), int(hi), step=1, key=lever.key, help=lever.help, label_visibility="collapsed"
    )


def _lever_control(lever: lv.Lever, scenario: Scenario) -> lv.WidgetValue:
    lo, hi = lv.widget_range(lever, scenario)
    if lever.key in INTERVAL_CHOICES:
        return _interval_control(lever, lo, hi)
    if lever.kind == "toggle":
        return st.toggle(lever.label, key=lever.key, help=lever.help)
    if lever.kind == "stages":
        return st.selectbox(lever.label, lv.stage_options(scenario), key=lever.key, help=lever.help)
    if lever.kind == "percent":
        step = 0.5 if hi - lo <= 100 and lever.key == "report_rate" else 1.0
        return st.slider(lever.label, lo, hi, step=step, key=lever.key, help=lever.help, format="%g%%")
    if lever.kind == "hours":
        return st.slider(lever.label, lo, hi, step=0.5, key=lever.key, help=lever.help, format="%g h")
    if lever.kind == "checkin":
        return st.select_slider(
            lever.label, lv.checkin_options(scenario), format_func=lv.hours_words, key=lever.key, help=lever.help
        )
    if lever.kind == "count" and hi - lo > 100:
        return st.number_input(lever.label, int(lo), int(hi), step=1, key=lever.key, help=lever.help)
    suffix = " days" if lever.kind == "days" else ""
    return st.slider(lever.label, int(lo), int(hi), step=1, key=lever.key, help=lever.help, format="%d" + suffix)


def simulation_settings() -> tuple[int, int]:
    """Replications and seed, with bounds from the scenario schema."""
    with st.expander("Simulation settings"):
        lo, hi = lv.field_bounds(("simulation", "replications"))
        reps = st.number_input(
            "Simulated runs averaged",
            int(lo or 1),
            int(hi or 1000),
            step=5,
            key=ss.REPLICATIONS,
            help=text.SIMULATION_SETTINGS_HELP["replications"],
        )
        lo, hi = lv.field_bounds(("simulation", "seed"))
        seed = st.number_input(
            "Random seed",
            int(lo or 0),
            int(hi or 2**32 - 1),
            step=1,
            key=ss.SEED,
            help=text.SIMULATION_SETTINGS_HELP["seed"],
        )
    return int(reps), int(seed)


def assumption_controls(scenario: Scenario) -> dict[str, Any]:
    """Fleet, people, KPI target and prices; returns the edited parts of the scenario."""
    st.header("Fleet and model assumptions", help=text.ASSUMPTIONS_HELP)
    edits: dict[str, Any] = {}
    edits["device_classes"] = _table_section(
        "classes",
        "Device classes",
        "Edit cells, add or delete rows. Shares are fractions (0.95 = 95%). "
        "Drag the sidebar's right edge to widen it and see every column.",
        _classes_frame(scenario),
        _column_config(CLASS_COLUMNS, CLASS_LABELS, DeviceClass),
    )
    edits["departments"] = _table_section(
        "departments",
        "Departments",
        "Shares of devices must add up to 1. Own delays apply when the update policy is unclear.",
        _departments_frame(scenario),
        _column_config(DEPARTMENT_COLUMNS, DEPARTMENT_LABELS, Department),
    )
    with st.expander("People and KPI target"):
        for key in ("manual_error_rate", "disable_rate_per_month", "kpi_target"):
            edits[key] = _assumption_input(key)
    with st.expander("Costs"):
        for key in ASSUMPTION_LABELS:
            if ASSUMPTION_LABELS[key][1] == "costs":
                edits[key] = _assumption_input(key)
    return edits


def _table_section(name: str, title: str, caption: str, frame: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """An editable table in an expander that is drawn only while open (the table editor is the
    heaviest part of a first page load); returns the table with the session's edits.

    The edits outlive a closed expander: the edited table is kept in the session
    (``{name}_table``) and, when the expander opens again, becomes the editor's starting
    data under a new key (an editor's own state holds edits relative to its starting data).
    A new loaded scenario (``ss.EDITOR_REVISION``) starts from its own table."""
    state = st.session_state
    revision = state[ss.EDITOR_REVISION]
    kept = state.get(f"{name}_table")
    if kept is None or kept[0] != revision:
        kept = (revision, 0, frame, frame)  # (revision, opening, starting data, edited table)
    section = st.expander(title, key=f"{name}_section", on_change=_next_opening, args=(name,))
    if not section.open:
        state[f"{name}_table"] = kept
        return kept[3]
    opening = state.get(f"{name}_opening", 0)
    if kept[1] != opening:  # opened again: start from the table as last edited
        start = kept[3].reset_index(drop=True)  # deleted rows leave gaps in the index
        kept = (revision, opening, start, start)
    with section:
        st.caption(caption)
        table = st.data_editor(
            kept[2],
            key=f"{name}_editor_{revision}_{opening}",
            num_rows="dynamic",
            hide_index=True,
            column_config=columns,
        )
    state[f"{name}_table"] = (revision, opening, kept[2], table)
    return table


def _next_opening(name: str) -> None:
    """The expander of table ``name`` opened or closed: its next editor gets a new key."""
    st.session_state[f"{name}_opening"] = st.session_state.get(f"{name}_opening", 0) + 1


def _assumption_input(key: str) -> float:
    label, _section = ASSUMPTION_LABELS[key]
    path, percent = ss.ASSUMPTIONS[key]
    lo, hi = lv.field_bounds(path)
    help_text = text.ASSUMPTION_HELP.get(key) or lv.field_description(path) or None
    if percent:
        return st.number_input(label, 0.0, 100.0, step=0.5, key=key, help=help_text, format="%g")
    if isinstance(st.session_state.get(key), int) and not isinstance(st.session_state.get(key), bool):
        return st.number_input(label, int(lo or 0), int(hi) if hi else None, step=1, key=key, help=help_text)
    return st.number_input(
        label, float(lo or 0), float(hi) if hi else None, key=key, help=help_text, format="%g", step=1.0
    )


def _column_config(columns: tuple[str, ...], labels: dict[str, str], model: Any) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for column in columns:
        info = model.model_fields[column]
        lo, hi = _bounds(info)
        help_text = info.description or None
        if column == "name":
            config[column] = st.column_config.TextColumn(
                labels[column], required=True, max_chars=80, help=help_text, width="medium"
            )
        elif column == "release_cadence":
            config[column] = st.column_config.SelectboxColumn(
                labels[column],
                options=["poisson", "fixed"],
                required=True,
                help="poisson = irregular; fixed = regular",
                width="small",
            )
        else:
            config[column] = st.column_config.NumberColumn(
                labels[column],
                min_value=lo,
                max_value=hi,
                format="percent" if column in SHARE_COLUMNS else None,
                step=0.01 if column in SHARE_COLUMNS else 1,
                help=help_text,
                width="small",  # the sidebar is narrow: show more columns at once
            )
    return config


def _bounds(info: Any) -> tuple[float | None, float | None]:
    lo = hi = None
    for meta in info.metadata:
        lo = getattr(meta, "ge", getattr(meta, "gt", lo))
        hi = getattr(meta, "le", getattr(meta, "lt", hi))
    return lo, hi


def _classes_frame(scenario: Scenario) -> pd.DataFrame:
    rows = [{c: getattr(dc, c) for c in CLASS_COLUMNS} for dc in scenario.fleet.device_classes]
    return pd.DataFrame(rows, columns=list(CLASS_COLUMNS))


def _departments_frame(scenario: Scenario) -> pd.DataFrame:
    rows = [{c: getattr(d, c) for c in DEPARTMENT_COLUMNS} for d in scenario.fleet.departments]
    return pd.DataFrame(rows, columns=list(DEPARTMENT_COLUMNS))


def _table_records(frame: pd.DataFrame, originals: list[Any], defaults: Any) -> list[dict[str, Any]]:
    """Rows of an edited table as scenario dictionaries; blank cells take the schema default."""
    by_name = {o.name: o.model_dump(mode="json") for o in originals}
    out = []
    for row in frame.to_dict(orient="records"):
        name = row.get("name")
        base = dict(by_name.get(name, defaults.model_dump(mode="json")))
        for column, value in row.items():
            if value is None or (isinstance(value, float) and math.isnan(value)):
                continue
            base[column] = int(value) if column == "count" else value
        out.append(base)
    return out


def build_whatif(
    loaded: Scenario, shown: dict[str, lv.WidgetValue], edits: dict[str, Any]
) -> tuple[Scenario, list[str]]:
    """The what-if scenario from the controls, and any problems with the edited assumptions.

    Levers are applied first; the edited assumptions are then checked against the
    schema; if they fail, the loaded file's assumptions are kept and the problems returned.
    """
    data = loaded.model_dump(mode="json")
    lv.apply_levers(loaded, shown, lv.loaded_widget_values(loaded), data)
    with_levers = scenario_from_data(data)
    if not edits:
        return with_levers, []
    edited = with_levers.model_dump(mode="json")
    edited["fleet"]["device_classes"] = _table_records(
        edits["device_classes"], loaded.fleet.device_classes, DeviceClass()
    )
    edited["fleet"]["departments"] = _table_records(edits["departments"], loaded.fleet.departments, Department())
    for key, (path, percent) in ss.ASSUMPTIONS.items():
        if key not in edits or edits[key] is None:
            continue
        if edits[key] == ss.assumption_shown(key, loaded):
            continue  # untouched: keep the file's exact value
        lv.set_value(edited, path, float(edits[key]) / 100 if percent else edits[key])
    try:
        return scenario_from_data(edited), []
    except ScenarioError as exc:
        return with_levers, exc.problems


def runs_allowed(replications: int, *scenarios: Scenario) -> tuple[int, str | None]:
    """``replications`` lowered to what the run-size limits admit for every scenario, and a
    notice naming the setting and the limit (``None`` when nothing was lowered)."""
    for scenario in scenarios:
        cap = max(1, max_replications(scenario))
        if replications > cap:
            try:
                check_limits(scenario, replications)
                reason = "it is over a run-size limit"
            except ValueError as exc:
                reason = str(exc).removeprefix("simulation.replications: ")
            notice = (
                f"Simulated runs averaged: {replications:,} is more than one request may compute for "
                f"this scenario ({reason}); showing {cap:,} runs instead."
            )
            return cap, notice
    return replications, None
