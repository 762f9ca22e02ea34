"""Session state: which scenario is loaded, control values, uploads, and the link (query string).

The loaded scenario is kept as YAML text in ``st.session_state`` (``LOADED_YAML``) with the
choice it came from. Loading a scenario, or "Reset to scenario", writes every control's
value into session state before the controls are drawn, so the controls never carry a
``value=`` of their own. On a session's first run, lever settings in the URL override the
loaded scenario's; a value that cannot be used is dropped with a notice naming it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

import sim
from sim import Scenario, ScenarioError
from ui import levers as lv
from ui import scenario_files as files

LOADED_YAML = "loaded_yaml"
CHOICE = "scenario_choice"
UPLOADS = "uploads"
NOTICES = "notices"
LOAD_ERROR = "load_error"
UPLOAD_ERROR = "upload_error"
EDITOR_REVISION = "editor_revision"
REPLICATIONS = "replications"
SEED = "seed"
UPLOAD_PREFIX = "uploaded: "
PARAM_SCENARIO = "scenario"
PENDING_LOAD = "pending_load"  # a file just saved, loaded on the next run (before the picker is drawn)

# Assumption controls that are not levers: key -> (path in the scenario, shown as percent?)
ASSUMPTIONS: dict[str, tuple[tuple[str, ...], bool]] = {
    "manual_error_rate": (("human_factors", "manual_error_rate"), True),
    "disable_rate_per_month": (("human_factors", "disable_rate_per_month"), True),
    "kpi_target": (("kpi", "target"), True),
    "management_per_device_month": (("costs", "management_per_device_month"), False),
    "audit_per_device": (("costs", "audit_per_device"), False),
    "training_per_person": (("costs", "training_per_person"), False),
    "staff": (("costs", "staff"), False),
    "technician_hour": (("costs", "technician_hour"), False),
    "reporting_channel_per_month": (("costs", "reporting_channel_per_month"), False),
    "breach_cost": (("costs", "breach_cost"), False),
}


def loaded() -> Scenario:
    return sim.load_scenario(st.session_state[LOADED_YAML])


def choices(folder: Path) -> list[str]:
    """The scenario picker's options: the folder's files, then this session's uploads."""
    return [p.name for p in files.list_scenarios(folder)] + [UPLOAD_PREFIX + n for n in st.session_state[UPLOADS]]


def read_choice(choice: str, folder: Path) -> Scenario:
    if choice.startswith(UPLOAD_PREFIX):
        return sim.load_scenario(st.session_state[UPLOADS][choice.removeprefix(UPLOAD_PREFIX)])
    return sim.load_scenario(folder / Path(choice).name)


def assumption_shown(key: str, scenario: Scenario) -> float:
    path, percent = ASSUMPTIONS[key]
    value = lv.get_value(scenario, path)
    return round(float(value) * 100, 2) if percent else value


def set_controls(scenario: Scenario, *, keep_settings: bool = False) -> None:
    """Put every control at the scenario's value (used on load and on reset).

    ``keep_settings`` leaves the simulation settings (runs, seed) as they are: they are
    the session's, taken from the first scenario opened (or the link), so every file
    picked afterwards runs with the same precision and random events.
    """
    state = st.session_state
    state[LOADED_YAML] = sim.dump_scenario(scenario)
    for key, value in lv.loaded_widget_values(scenario).items():
        state[key] = value
    for key in ASSUMPTIONS:
        state[key] = assumption_shown(key, scenario)
    if not keep_settings or REPLICATIONS not in state:
        state[REPLICATIONS] = scenario.simulation.replications
        state[SEED] = scenario.simulation.seed
    state[EDITOR_REVISION] = state.get(EDITOR_REVISION, 0) + 1  # fresh data editors


def init(folder: Path) -> None:
    """First run of a session: load the scenario named in the URL (or the baseline) and its levers."""
    state = st.session_state
    if LOADED_YAML in state:
        if PENDING_LOAD in state and state[PENDING_LOAD] in choices(folder):
            state[CHOICE] = state.pop(PENDING_LOAD)
            on_pick(folder)
        state.pop(PENDING_LOAD, None)
        return
    state[UPLOADS] = {}
    state[NOTICES] = []
    params = st.query_params.to_dict()
    options = choices(folder)
    wanted = params.get(PARAM_SCENARIO, files.DEFAULT_SCENARIO)
    if wanted not in options:
        if PARAM_SCENARIO in params:
            state[NOTICES].append(f"The link names a scenario file '{wanted}' that is not here; showing the default.")
        wanted = files.DEFAULT_SCENARIO if files.DEFAULT_SCENARIO in options else (options[0] if options else "")
    scenario = Scenario()
    if wanted:
        try:
            scenario = read_choice(wanted, folder)
        except ScenarioError as exc:
            state[NOTICES].append(f"Could not open {wanted}: " + "; ".join(exc.problems))
            wanted = ""
    state[CHOICE] = wanted
    set_controls(scenario)
    apply_params(params, scenario)


def apply_params(params: dict[str, str], scenario: Scenario) -> None:
    """Set controls from a link's query parameters; refuse bad values with a notice naming them."""
    state = st.session_state
    for name, raw in params.items():
        if name == PARAM_SCENARIO:
            continue
        if name in (REPLICATIONS, SEED):
            lo, hi = lv.field_bounds(("simulation", name))
            try:
                number = lv.plain_number(raw)
                if not number.is_integer():
                    raise ValueError
                value = int(number)
                if not (lo or 0) <= value <= (hi if hi is not None else value):
                    raise ValueError
            except ValueError:
                state[NOTICES].append(
                    f"Link setting '{name}={raw}' is not a whole number from {lo or 0:,.0f} to {hi:,.0f}; "
                    "using the scenario's value."
                )
                continue
            state[name] = value
            continue
        lever = lv.BY_KEY.get(name)
        if lever is None:
            state[NOTICES].append(f"Link setting '{name}' is not a lever this app knows; ignored.")
            continue
        try:
            value = lv.parse_param(lever, raw, scenario)
        except ValueError as exc:
            state[NOTICES].append(
                f"Link setting '{name}={raw}' ({lever.label}) {exc}; using the scenario's value "
                f"{lv.describe(lever, state[name])}."
            )
            continue
        if lever.kind == "stages" and value not in lv.stage_options(scenario):
            state[NOTICES].append(f"Link setting '{name}={raw}' is not one of the offered rollout stages; ignored.")
            continue
        state[name] = value


def is_upload() -> bool:
    """Whether the loaded scenario is an uploaded file (which a link cannot name)."""
    return str(st.session_state.get(CHOICE, "")).startswith(UPLOAD_PREFIX)


def write_params(shown: dict[str, lv.WidgetValue], scenario: Scenario) -> None:
    """Put the loaded file and every moved lever into the URL, so a link reopens this what-if."""
    state = st.session_state
    params: dict[str, Any] = {}
    choice = state.get(CHOICE, "")
    if is_upload():  # a link cannot carry the file: lever settings alone would open another scenario
        if st.query_params.to_dict():
            st.query_params.clear()
        return
    if choice:
        params[PARAM_SCENARIO] = choice
    loaded_shown = lv.loaded_widget_values(scenario)
    for lever in lv.LEVERS:
        if shown[lever.key] != loaded_shown[lever.key]:
            params[lever.key] = lv.format_param(lever, shown[lever.key])
    if state[REPLICATIONS] != scenario.simulation.replications:
        params[REPLICATIONS] = str(state[REPLICATIONS])
    if state[SEED] != scenario.simulation.seed:
        params[SEED] = str(state[SEED])
    if params != st.query_params.to_dict():
        st.query_params.from_dict(params)


# --------------------------------------------------------------------------- callbacks


def on_pick(folder: Path) -> None:
    """The scenario picker changed: load that scenario."""
    state = st.session_state
    try:
        scenario = read_choice(state[CHOICE], folder)
    except ScenarioError as exc:
        state[LOAD_ERROR] = exc
        return
    state.pop(LOAD_ERROR, None)
    state[NOTICES] = []  # what the opening link said no longer applies
    set_controls(scenario, keep_settings=True)


def on_reset() -> None:
    """'Reset to scenario': every lever and assumption back to the loaded file's value."""
    st.session_state[NOTICES] = []
    set_controls(loaded(), keep_settings=True)


def on_upload() -> None:
    """A file was uploaded: validate it; a good one becomes the loaded scenario."""
    state = st.session_state
    upload = state.get("upload")
    if upload is None:
        state.pop(UPLOAD_ERROR, None)
        return
    try:
        scenario, text = files.read_upload(upload.name, upload.getvalue())
    except ScenarioError as exc:
        state[UPLOAD_ERROR] = exc
        return
    state.pop(UPLOAD_ERROR, None)
    state[NOTICES] = []
    name = Path(upload.name).name
    state[UPLOADS][name] = text
    state[CHOICE] = UPLOAD_PREFIX + name
    set_controls(scenario, keep_settings=True)
