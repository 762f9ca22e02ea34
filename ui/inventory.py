"""The sidebar's "Start from an inventory": upload an export, see what it holds, load it.

The upload is read by ``sim.inventory.import_inventory`` on the bundled baseline (the same
default as ``python -m sim import``), with the export format picked here. A good file shows
a summary (devices, managed share, day-0 KPI, the classes and departments found, what came
from the baseline); "Load as scenario" makes it the loaded scenario, as an uploaded
scenario file would be. A bad file shows one error listing each bad row and column. Text
from the file is shown as plain text (``ui.text.plain``) or in table cells, never as markup.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

import sim
from sim import ScenarioError, safe_scenario_filename
from sim.inventory import ImportReport, import_inventory, list_profiles, load_profile
from ui import page, text
from ui import scenario_files as files
from ui import state as ss

UPLOAD_KEY = "inventory_upload"
PROFILE_KEY = "inventory_profile"
SKIP_KEY = "inventory_skip_bad_rows"
RESULT = "inventory_result"  # (scenario file name, YAML text, ImportReport)
ERROR = "inventory_error"
LOADED_NOTE = "inventory_loaded"
SUFFIXES = ["csv", "txt", "json", "jsonl", "ndjson"]
HELP = (
    "An export of your device-management or asset tool (CSV or JSON lines, at most 1 MB): one row per device "
    "with its id and type, and if known its department, whether it is managed and updatable over the air, its "
    "last update and versions. The baseline scenario supplies everything the file does not say. "
    "Nothing in the file is run as code."
)


def _title(name: str) -> str:
    return load_profile(name).title


def inventory_section() -> None:
    """The sidebar's "Start from an inventory" expander."""
    state = st.session_state
    with st.expander("Start from an inventory", expanded=RESULT in state or ERROR in state):
        st.caption(HELP)
        st.selectbox("Export format", list_profiles(), key=PROFILE_KEY, format_func=_title, on_change=on_import)
        st.checkbox(
            "Skip a few bad rows",
            key=SKIP_KEY,
            on_change=on_import,
            help="Leave out bad rows (at most 10% of them) instead of refusing the file; they are counted.",
        )
        st.file_uploader(
            "Device inventory",
            type=SUFFIXES,
            key=UPLOAD_KEY,
            on_change=on_import,
            max_upload_size=1,
            help="CSV (comma, semicolon, tab or | separated) or JSON lines, at most 1 MB.",
        )
        if ERROR in state:
            page.show_scenario_error("That inventory was not imported", state[ERROR])
        if RESULT in state:
            _summary(state[RESULT][2])
            st.button("Load as scenario", key="inventory_load", on_click=on_load, type="primary")
        if LOADED_NOTE in state:
            st.success(f"Loaded as {text.plain(state[LOADED_NOTE])}.")


def _summary(report: ImportReport) -> None:
    skipped = f", {report.skipped_rows:,} bad rows skipped" if report.skipped_rows else ""
    st.markdown(f"**{report.devices:,} devices** in {len(report.classes)} classes{skipped}.")
    managed = "from the baseline" if report.managed_share is None else f"{report.managed_share:.1%}"
    st.markdown(
        f"Managed: **{managed}** · enrolled share {report.enrolled_share:.1%} of over-the-air devices  \n"
        f"Updated on time today (day-0 KPI): **{report.day0_kpi:.1%}** "
        f"({sim.band(report.day0_kpi).capitalize()})"
    )
    # Lists, not tables: the sidebar is narrow. Names from the file go through text.plain.
    classes = "\n".join(
        f"- {text.plain(c.name)}: {c.devices:,} devices, {c.ota_share:.0%} over the air "
        f"({text.plain(', '.join(c.types), limit=200)})"
        for c in report.classes
    )
    st.markdown(f"Device classes (types in the file):\n{classes}")
    departments = " · ".join(f"{text.plain(d, limit=80)} {share:.1%}" for d, share in report.departments.items())
    st.markdown(f"Departments: {departments}")
    if report.from_defaults:
        listed = "\n".join(f"- {text.plain(t)}" for t in report.from_defaults)
        st.caption(f"From the baseline:\n{listed}")


def _base() -> Path | None:
    """The baseline the import builds on: the folder's baseline.yaml (the engine's default if absent)."""
    path = files.scenarios_dir() / files.DEFAULT_SCENARIO
    return path if path.is_file() else None


def on_import() -> None:
    """The inventory, export format or skip option changed: import the file again."""
    state = st.session_state
    state.pop(LOADED_NOTE, None)
    upload = state.get(UPLOAD_KEY)
    if upload is None:
        state.pop(ERROR, None)
        state.pop(RESULT, None)
        return
    name = Path(upload.name).name or "inventory"
    try:
        result = import_inventory(
            bytes(upload.getvalue()),
            base=_base(),
            profile=state.get(PROFILE_KEY),
            skip_bad_rows=bool(state.get(SKIP_KEY)),
            source_name=name,
        )
    except ScenarioError as exc:
        state[ERROR] = exc
        state.pop(RESULT, None)
        return
    state.pop(ERROR, None)
    file_name = safe_scenario_filename(Path(name).stem)
    state[RESULT] = (file_name, sim.dump_scenario(result.scenario), result.report)


def on_load() -> None:
    """The "Load as scenario" button: the imported scenario becomes the loaded one, as an upload would."""
    state = st.session_state
    file_name, yaml_text, _ = state[RESULT]
    scenario = sim.load_scenario(yaml_text)
    state[ss.UPLOADS][file_name] = yaml_text
    state[ss.CHOICE] = ss.UPLOAD_PREFIX + file_name
    state[ss.NOTICES] = []
    state.pop(ss.LOAD_ERROR, None)
    ss.set_controls(scenario, keep_settings=True)
    state[LOADED_NOTE] = ss.UPLOAD_PREFIX + file_name
