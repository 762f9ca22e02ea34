"""The what-if app: `streamlit run app.py`.

This file only lays out the page; the controls, charts, scenario files and session state
live in ``ui/``. It opens on the bundled baseline (or the scenario and lever settings in
the link) and shows results at once.
"""

from __future__ import annotations

import streamlit as st

from ui import controls, inventory, page, results, stop, text
from ui import goal as goal_ui
from ui import scenario_files as files
from ui import sensitivity as sensitivity_ui
from ui import state as ss
from ui.report_download import board_report_buttons

st.set_page_config(page_title=text.TITLE, page_icon="🛡️", layout="wide")

folder = files.scenarios_dir()
ss.init(folder)

with st.sidebar:
    st.selectbox(
        "Scenario", ss.choices(folder), key=ss.CHOICE, on_change=ss.on_pick, args=(folder,), help="Files in scenarios/"
    )
    if ss.LOAD_ERROR in st.session_state:
        page.show_scenario_error("That file was not opened", st.session_state[ss.LOAD_ERROR])
    st.file_uploader(
        "Upload a scenario file",
        type=["yaml", "yml"],
        key="upload",
        on_change=ss.on_upload,
        max_upload_size=1,
        help=text.UPLOAD_HELP,
    )
    if ss.UPLOAD_ERROR in st.session_state:
        page.show_scenario_error("That file was not loaded", st.session_state[ss.UPLOAD_ERROR])
    inventory.inventory_section()
    st.button("Reset to scenario", on_click=ss.on_reset, key="reset", help="Put every control back to the loaded file.")
    loaded = ss.loaded()
    shown = controls.lever_controls(loaded)
    edits = controls.assumption_controls(loaded)
    replications, seed = controls.simulation_settings()

whatif, problems = controls.build_whatif(loaded, shown, edits)
replications, too_many_runs = controls.runs_allowed(replications, whatif, loaded)
ss.write_params(shown, loaded)

st.title(text.TITLE)
st.caption(f"Loaded scenario: **{text.plain(loaded.name)}** · {loaded.fleet.device_count:,} devices · {text.INTRO}")
page.notices(st.session_state[ss.NOTICES], too_many_runs)
if ss.is_upload():
    st.caption(text.UPLOAD_LINK_NOTE)
if problems:
    listed = "\n".join(f"- {text.plain(p)}" for p in problems)
    st.error(f"Some edited assumptions were not used (the loaded file's values apply):\n{listed}")

run = stop.run_id(whatif, replications, seed)
if stop.was_stopped(run):
    stop.stopped_notice()
    with st.sidebar:
        page.save_section(whatif, folder, replications, seed)
    st.stop()

summary_slot = st.empty()
progress_slot = st.empty()
stop_slot = st.empty()
long_run = stop.is_long(whatif, replications) or stop.is_long(loaded, replications)
if long_run:
    stop.stop_button(stop_slot, run)
watch = stop.watch(stop_slot, run, shown=long_run)  # Stop for any run that turns out slow
loaded_shown = ss.lv.loaded_widget_values(loaded)
with results.PageRuns() as runs:  # the runs this page needs, on the shared pool
    runs.want(whatif, replications, seed)
    runs.want(loaded, replications, seed)
    whatif_result = runs.get(whatif, replications, seed, progress_slot, "Simulating the what-if…")
    loaded_result = runs.get(loaded, replications, seed, progress_slot, "Simulating the loaded scenario…")
    page.kpi_cards(whatif_result, loaded_result)
    chart_column, advice_column = page.first_screen_columns()
    with chart_column:
        page.kpi_chart(whatif_result, loaded_result, show_loaded=whatif != loaded)
    page.money_row(whatif_result, loaded_result)

    effects = None
    if shown != loaded_shown:  # the lever bars follow the chart, with the progress bar meanwhile
        # asked for only now: the chart's runs have every core to themselves
        results.want_lever_runs(runs, whatif, loaded, shown, loaded_shown, replications, seed)
        effects = results.lever_effects(
            whatif, loaded, shown, loaded_shown, replications, seed, progress_slot, runs=runs
        )
watch.done()
stop_slot.empty()
summary_slot.markdown(page.summary_sentence(whatif_result, loaded_result, effects))
page.lever_section(effects, whatif.simulation.horizon_days, replications)
page.csv_download(whatif_result, whatif.name)
board_report_buttons(whatif_result, loaded_result, effects, plan=goal_ui.found_plan(whatif, loaded))
# deferred: after the what-if's own figures, computed once per loaded scenario; the goal seek's line under it
with advice_column, page.top_levers_panel(loaded, replications, seed, progress_slot):
    goal_ui.first_screen_line(whatif, loaded)

# Only the open tab is computed (each tab holds several charts), to keep slider changes quick.
goal, fleet, operations, cost, compare, model = st.tabs(page.TABS, key=page.TAB_KEY, on_change="rerun")
if goal.open:
    with goal:
        goal_ui.goal_tab(whatif, loaded, folder, replications, seed)
if fleet.open:
    with fleet:
        page.fleet_tab(whatif_result)
if operations.open:
    with operations:
        page.operations_tab(whatif_result)
if cost.open:
    with cost:
        page.cost_tab(whatif_result, loaded_result)
if compare.open:
    with compare:
        page.compare_tab(ss.choices(folder), folder, replications, seed)
if model.open:
    with model:
        page.model_tab(whatif, loaded)
        sensitivity_ui.assumptions_section(whatif, seed)

with st.sidebar:
    page.save_section(whatif, folder, replications, seed)
