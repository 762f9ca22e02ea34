"""The "What does it take?" tab: the cheapest plan that reaches the KPI target, and the
trade-off between what the programme costs and where the KPI lands.

The user sets a target and a date, picks which levers may move and presses the search
button. The search is ``sim.frontier`` over those levers, from the what-if's assumptions
with the loaded file's lever settings (so moving a slider, or applying the plan, does not
start it again), on the local process pool (``sim.runner.default_executor``), with the
page's simulated runs and seed. Its plan is the frontier's cheapest plan whose KPI on the
day reaches the target in the chosen share of runs (if none does: the plan with the
highest KPI found, marked as not reachable). Results are cached with ``st.cache_data``
keyed by the scenario's YAML and the search settings.

It is the app's one long job: a progress bar with the best plan so far and a Stop button.
Pressing Stop (or any control) asks Streamlit for a new script run, which raises at the
next progress update; the hook turns that into ``sim.Interrupted`` so the search returns
the best plan it has so far (``stopped``), keeps it in session state, and lets the new run
go ahead. "Apply this plan" writes the plan's settings into the sliders' session state
(``ui.state`` keys every lever control by its lever key); "Save as scenario" writes the
plan's scenario into the scenarios folder through the page's save path.
"""

from __future__ import annotations

import contextvars
import dataclasses
import hashlib
import json
import math
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

import sim
from sim import Scenario, ScenarioError
from sim.goal import (
    DEFAULT_BUDGET_RUNS,
    DEFAULT_LEVERS,
    FRONTIER_POINTS,
    SCREEN_REPLICATIONS,
    Frontier,
    Plan,
    SearchStatus,
)
from ui import charts, pool, results, text
from ui import levers as lv
from ui import scenario_files as files

TARGET_KEY = "goal_target"  # percent
MONTHS_KEY = "goal_months"
CONFIDENCE_KEY = "goal_confidence"
LEVERS_KEY = "goal_levers"
BUDGET_KEY = "goal_budget"
SEARCH_KEY = "goal_search"
STOP_KEY = "goal_stop"
APPLY_KEY = "goal_apply"
FIRST_SCREEN_APPLY_KEY = "goal_apply_first_screen"
SAVE_NAME_KEY = "goal_save_name"
SAVE_KEY = "goal_save"
DOWNLOAD_KEY = "goal_download"
CHART_KEY = "goal_frontier_chart"
REQUESTED = "goal_requested"  # session: fingerprint of the search the user asked for
STOPPED = "goal_stopped"  # session: (fingerprint, Frontier) of a search stopped early
SAVED = "goal_saved_message"
APPLIED = "goal_applied"
FOUND = "goal_found"  # session: {search base YAML: Plan} of the last finished search, for the board report
STOP_PENDING = "goal_stop_pending"  # session: the search whose Stop was pressed, until its plan is in
STOP_WAIT_SECONDS = 60.0  # a batch of runs on a busy machine; the stopped run ends at its next update

DEFAULT_TARGET_PERCENT = 95.0  # the top-quartile figure (docs/reference/kpi.md)
DEFAULT_MONTHS = 6  # "within six months", the question the tab answers
CONFIDENCE_CHOICES = (0.5, 0.75, 0.9, 0.95)
DEFAULT_CONFIDENCE = 0.9  # 9 runs in 10, sim.goal's default
MIN_BUDGET_RUNS = 20
MAX_BUDGET_RUNS = 2_000
# Device-days one core simulates per second on this 2-core machine: 113 runs of the goal
# seek on the baseline (about 1,650 replications of 5,000 devices over 366 days) took 119 s
# in one process (docs/benchmarks.md, "Goal seek"). Only for the rough duration shown
# before a search.
DEVICE_DAYS_PER_CORE_SECOND = 25_000_000
MAX_CACHED_SEARCHES = 16

INTRO = (
    "**What is the cheapest programme that gets the KPI to the target by a date, and how sure are we?** "
    "The search tries lever settings on the loaded scenario (with the assumptions in the sidebar), "
    "simulating each, and keeps the cheapest whose KPI on the day reaches the target in the share of "
    "runs you ask for. Each plan is checked again with more runs before it is shown."
)
TARGET_HELP = "Share of devices updated within the designated timeframe the plan must reach (95% = top quartile)."
MONTHS_HELP = "The month by which the target must be reached (6 = day 182)."
CONFIDENCE_HELP = (
    "How sure the plan must be: the KPI on the day must reach the target in at least this share of the "
    "simulated runs (9 in 10 means the 10% point of the runs, not the average, reaches it)."
)
LEVERS_HELP = (
    "The plan may move only these levers; the others stay at the loaded file's settings. The default is the "
    "levers with a cost plus the policy's clarity and critical-first rule."
)
BUDGET_HELP = (
    "Simulations the search may run in all, each with its own runs. More finds cheaper plans more surely "
    "and takes longer."
)
FIRST_SCREEN_HINT = (
    "What does it take to reach the target? The *What does it take?* tab below finds the cheapest plan "
    "that gets there by a date, and how sure it is."
)
STOP_HELP = "Stop the search and show the best plan found so far."
NOT_RUN = (
    "Press **Find the cheapest plan** to search. The search runs up to {runs:,} simulations over the "
    "{levers} levers chosen: each candidate first with {screen} runs, then the most promising again with "
    "{check} (the *Simulated runs averaged* setting), on every core of this machine. It takes "
    "{duration}, and shows the best plan so far while it works; Stop keeps that plan."
)
STOPPED = (
    "The search was stopped: this is the best plan found so far, from the quick first look (fewer runs, "
    "not checked again). Press **Find the cheapest plan** to search in full."
)
STOPPED_EMPTY = "The search was stopped before it had tried any plan. Press **Find the cheapest plan** to search."
FRONTIER_NOTE = (
    "Each point is a plan no other plan found beats on both cost and KPI: to its right, plans cost more; above "
    "it, they reach a higher KPI. The KPI shown is the one reached in the share of runs asked for."
)
# A stopped search's result, by browser session, handed from the stopped script run to the next.
_handover: dict[str, tuple[str, Frontier | None]] = {}
_handover_lock = threading.Lock()
_hook: contextvars.ContextVar[Callable[[SearchStatus], None] | None] = contextvars.ContextVar(
    "goal_progress", default=None
)


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the user asked the search for (the cache's key, with the scenario's YAML)."""

    target: float
    by_day: int
    confidence: float
    levers: tuple[str, ...]
    budget_runs: int
    replications: int
    seed: int

    @property
    def screen_replications(self) -> int:
        return min(SCREEN_REPLICATIONS, self.replications)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, data: str) -> Settings:
        values = json.loads(data)
        return cls(**{**values, "levers": tuple(values["levers"])})


class _Stopped(Exception):
    """Raised out of the cached search so a stopped search is not cached."""

    def __init__(self, front: Frontier | None) -> None:
        super().__init__("stopped")
        self.front = front


# --------------------------------------------------------------------------- the search


def search_base(whatif: Scenario, loaded: Scenario) -> Scenario:
    """The scenario searched from: the what-if's assumptions with the loaded file's levers."""
    return results.with_loaded_levers(whatif, loaded)


def fingerprint(base: Scenario, settings: Settings) -> str:
    key = sim.dump_scenario(base) + settings.to_json()
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def _executor() -> Any:
    """The server's shared worker pool (``ui.pool``: local processes, or the Dask cluster named
    in the environment) on a machine with more than one core; on one core, none (the runs
    go one after another here)."""
    if (os.cpu_count() or 1) <= 1:
        return None
    backend = pool.shared().backend
    return getattr(backend, "executor", backend)


@st.cache_data(max_entries=MAX_CACHED_SEARCHES, show_spinner=False)
def _search_cached(scenario_yaml: str, settings_json: str) -> Frontier:
    hook = _hook.get()
    settings = Settings.from_json(settings_json)
    try:
        front = sim.frontier(
            sim.load_scenario(scenario_yaml),
            target=settings.target,
            by_day=settings.by_day,
            confidence=settings.confidence,
            levers=list(settings.levers),
            budget_runs=settings.budget_runs,
            seed=settings.seed,
            progress=hook,
            executor=_executor(),
            screen_replications=settings.screen_replications,
            check_replications=settings.replications,
        )
    except sim.Interrupted:  # stopped before any plan was screened
        raise _Stopped(None) from None
    if front.stopped:
        raise _Stopped(front)
    return front


def chosen_plan(front: Frontier) -> Plan:
    """The cheapest frontier plan that meets the target, else the one with the highest KPI."""
    return front.cheapest_meeting() or front.plans[-1]


def run_search(base: Scenario, settings: Settings) -> Frontier:
    """The search, cached; a miss shows progress with the best plan so far and a Stop button.

    A stop (the button, or any control moved) keeps the best plan so far in session state
    and lets Streamlit's new script run go ahead.
    """
    key = fingerprint(base, settings)
    bar, best, stop_slot = st.empty(), st.empty(), st.empty()
    outer = contextvars.copy_context()
    pending: list[ScriptControlException] = []
    drawn: list[bool] = []

    def report(status: SearchStatus) -> None:
        try:
            if not drawn:  # only a search that runs (not one from the cache) offers Stop
                drawn.append(True)
                outer.run(
                    stop_slot.button, "Stop the search", key=STOP_KEY, on_click=_on_stop, args=(key,), help=STOP_HELP
                )
            outer.run(bar.progress, status.fraction, text=f"Searching: {status.runs:,} of {status.budget_runs:,} runs")
            outer.run(best.caption, best_so_far(status))
        except ScriptControlException as exc:  # Stop, or another control: finish with what we have
            pending.append(exc)
            raise sim.Interrupted from None

    token = _hook.set(report)
    try:
        return _search_cached(sim.dump_scenario(base), settings.to_json())
    except _Stopped as stopped:
        with _handover_lock:  # this run's session state is cut off once Stop is pressed
            _handover[_session_id()] = (key, stopped.front)
        if pending:
            raise pending[0] from None
        raise
    finally:
        _hook.reset(token)
        bar.empty()
        best.empty()
        stop_slot.empty()


def best_so_far(status: SearchStatus) -> str:
    if status.best_settings is None or status.best_cost is None or status.best_kpi_lower is None:
        return "Best plan so far: none yet."
    meets = "meets the target" if status.feasible_found else "does not reach the target yet"
    return (
        f"Best plan so far ({meets}): {charts.usd_short(status.best_cost)}, KPI {status.best_kpi_lower:.0%} "
        "in the share of runs asked for (from the quick first look)."
    )


def estimate_seconds(base: Scenario, settings: Settings) -> float:
    """A rough duration: the device-days the runs simulate, at the measured rate, on the cores."""
    checks = FRONTIER_POINTS + 1 + 2 * len(settings.levers)
    screens = max(0, settings.budget_runs - checks)
    replications = screens * settings.screen_replications + checks * settings.replications
    device_days = replications * base.fleet.device_count * (base.simulation.horizon_days + 1)
    cores = max(1, min(os.cpu_count() or 1, 4))
    return device_days / DEVICE_DAYS_PER_CORE_SECOND / cores


def duration_words(seconds: float) -> str:
    if seconds < 20:
        return "a few seconds"
    if seconds < 90:
        return f"about {max(1, round(seconds / 10)) * 10:.0f} seconds"
    return f"about {round(seconds / 60):.0f} minutes"


# --------------------------------------------------------------------------- the plan in words


INTERVAL_WORDS = {7: "weekly", 14: "fortnightly", 30: "monthly", 60: "every two months", 90: "quarterly"}
INTERVAL_WORDS |= {180: "twice a year", 365: "yearly"}


def _every(days: lv.WidgetValue) -> str:
    return INTERVAL_WORDS.get(int(days), f"every {int(days)} days")


def lever_words(key: str, value: lv.WidgetValue) -> str:
    """One lever's setting as an instruction: 'enrol 80% of devices', 'audit monthly'."""
    lever = lv.BY_KEY[key]
    shown = lv.describe(lever, value)
    match key:
        case "enrolled_share":
            return f"enrol {shown} of devices in central update management"
        case "audit_interval_days":
            return "stop the audits" if not value else f"audit {_every(value)}"
        case "audit_coverage":
            return f"check {shown} of devices in each audit"
        case "reporting_enabled":
            return "open a reporting channel" if value else "close the reporting channel"
        case "training_coverage":
            return f"train {shown} of staff"
        case "refresher_interval_days":
            return "no refresher sessions" if not value else f"refresher sessions {_every(value)}"
        case "policy_clarity":
            return f"make the update policy {shown} clear"
        case "prioritize_critical":
            return "install critical updates first" if value else "stop putting critical updates first"
        case "technicians":
            return f"{value} technician{'s' if value != 1 else ''}"
    return f"{lever.label.lower()}: {shown}"


def _months_words(by_day: int) -> str:
    months = by_day / charts.DAYS_PER_MONTH
    return f"month {months:.0f}" if abs(months - round(months)) < 0.05 else f"day {by_day}"


def plan_sentence(plan: Plan) -> str:
    """The plan in business words, computed from the plan: what to do, what it achieves in
    how many runs, what it costs and the change from the loaded programme."""
    moves = [lever_words(c.key, c.after) for c in plan.changes]
    action = "Keep today's settings" if not moves else ", ".join(moves)
    action = action[0].upper() + action[1:]
    runs = round(plan.share_meeting * plan.replications)
    horizon = plan.scenario.simulation.horizon_days
    period = "a year" if horizon == 365 else f"over {horizon:,} days"
    change = plan.cost_change
    if abs(change) < 500:
        versus = "about the same as today"
    else:
        versus = f"{charts.usd_short(change)} {'more' if change > 0 else 'less'} than today"
    return (
        f"{action}: {plan.target:.0%} by {_months_words(plan.by_day)} in {runs} of {plan.replications} runs, "
        f"{charts.usd_short(plan.cost)} {period}, {versus}."
    )


def unreachable_sentence(plan: Plan) -> str:
    if plan.stopped:
        return (
            f"None of the plans tried so far reaches {plan.target:.0%} by {_months_words(plan.by_day)} in "
            f"{plan.confidence:.0%} of runs. The best reaches {plan.kpi_lower:.1%} in {plan.confidence:.0%} of runs "
            f"({plan.kpi_mean:.1%} on average), at {charts.usd_short(plan.cost)}."
        )
    return (
        f"No plan found reaches {plan.target:.0%} by {_months_words(plan.by_day)} in {plan.confidence:.0%} of runs "
        f"with these levers. The best found reaches {plan.kpi_lower:.1%} in {plan.confidence:.0%} of runs "
        f"({plan.kpi_mean:.1%} on average), at {charts.usd_short(plan.cost)}."
    )


# --------------------------------------------------------------------------- callbacks


def _on_search(key: str) -> None:
    st.session_state[REQUESTED] = key
    st.session_state.pop(STOPPED, None)
    st.session_state.pop(SAVED, None)
    st.session_state.pop(APPLIED, None)


def _on_stop(key: str) -> None:
    st.session_state.pop(REQUESTED, None)
    st.session_state.pop(STOPPED, None)
    st.session_state[STOP_PENDING] = key


def _session_id() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def _take_handover() -> bool:
    """Move a stopped search's result left by an earlier script run into session state."""
    with _handover_lock:
        left = _handover.pop(_session_id(), None)
    if left is not None:
        st.session_state[STOPPED] = left
    return left is not None


def wait_for_stopped_search(key: str) -> None:
    """Streamlit starts the new script run as soon as Stop is pressed (or another control
    moves), while the stopped run still waits for its current runs, and cuts that run off
    from session state; the stopped run leaves the best plan so far in ``_handover`` at its
    next progress update. Pick it up, waiting for it after Stop (at most ``STOP_WAIT_SECONDS``)."""
    state = st.session_state
    if _take_handover() or state.get(STOP_PENDING) != key:
        return
    deadline = time.monotonic() + STOP_WAIT_SECONDS
    with st.spinner("Stopping the search after its current runs…"):
        while time.monotonic() < deadline and not _take_handover():
            time.sleep(0.2)
    state.pop(STOP_PENDING, None)


def _on_apply(plan_yaml: str) -> None:
    """Move every lever control to the plan (each is keyed by its lever key)."""
    for key, value in lv.loaded_widget_values(sim.load_scenario(plan_yaml)).items():
        st.session_state[key] = value
    st.session_state[APPLIED] = True


# --------------------------------------------------------------------------- the tab


def _init_controls(scenario: Scenario) -> None:
    state = st.session_state
    state.setdefault(TARGET_KEY, DEFAULT_TARGET_PERCENT)
    state.setdefault(MONTHS_KEY, min(DEFAULT_MONTHS, _max_months(scenario)))
    if state[MONTHS_KEY] > _max_months(scenario):  # a file with a shorter horizon was opened
        state[MONTHS_KEY] = _max_months(scenario)
    state.setdefault(CONFIDENCE_KEY, DEFAULT_CONFIDENCE)
    state.setdefault(LEVERS_KEY, list(DEFAULT_LEVERS))
    state.setdefault(BUDGET_KEY, DEFAULT_BUDGET_RUNS)


def _max_months(scenario: Scenario) -> int:
    return max(1, math.floor(scenario.simulation.horizon_days / charts.DAYS_PER_MONTH + 1e-9))


def settings_controls(scenario: Scenario, replications: int, seed: int) -> Settings:
    """Target, date, confidence, levers that may move and the search's run budget."""
    _init_controls(scenario)
    target_col, months_col, confidence_col = st.columns(3)
    target = target_col.number_input("Target (%)", 50.0, 100.0, step=1.0, key=TARGET_KEY, format="%g", help=TARGET_HELP)
    months = months_col.number_input("By month", 1, _max_months(scenario), step=1, key=MONTHS_KEY, help=MONTHS_HELP)
    confidence = confidence_col.select_slider(
        "In how many runs",
        CONFIDENCE_CHOICES,
        key=CONFIDENCE_KEY,
        format_func=_confidence_words,
        help=CONFIDENCE_HELP,
    )
    chosen = st.multiselect(
        "Levers the plan may move",
        [lever.key for lever in lv.LEVERS],
        key=LEVERS_KEY,
        format_func=lambda key: lv.BY_KEY[key].label,
        help=LEVERS_HELP,
    )
    with st.expander("Search effort"):
        budget = st.number_input(
            "Simulations in all", MIN_BUDGET_RUNS, MAX_BUDGET_RUNS, step=10, key=BUDGET_KEY, help=BUDGET_HELP
        )
    by_day = min(scenario.simulation.horizon_days, math.floor(int(months) * charts.DAYS_PER_MONTH + 1e-9))
    return Settings(
        target=round(float(target) / 100, 6),
        by_day=by_day,
        confidence=float(confidence),
        levers=tuple(chosen),
        budget_runs=int(budget),
        replications=int(replications),
        seed=int(seed),
    )


def _confidence_words(confidence: float) -> str:
    return {0.5: "1 in 2", 0.75: "3 in 4", 0.9: "9 in 10", 0.95: "19 in 20"}.get(confidence, f"{confidence:.0%}")


def goal_tab(whatif: Scenario, loaded: Scenario, folder: Path, replications: int, seed: int) -> None:
    """The whole tab: settings, the search (or what it will do), the plan, the frontier."""
    st.markdown(INTRO)
    base = search_base(whatif, loaded)
    settings = settings_controls(base, replications, seed)
    key = fingerprint(base, settings)
    st.button(
        "Find the cheapest plan",
        key=SEARCH_KEY,
        type="primary",
        on_click=_on_search,
        args=(key,),
        disabled=not settings.levers,
    )
    state = st.session_state
    wait_for_stopped_search(key)
    stopped = state.get(STOPPED)
    if state.get(REQUESTED) == key:
        try:
            front = run_search(base, settings)
        except _Stopped:
            st.info(STOPPED_EMPTY)
            return
        except ScenarioError as exc:
            problems = "\n".join(f"- {text.plain(p)}" for p in exc.problems)
            st.error(f"The search cannot start:\n{problems}")
            return
        if not front.stopped:
            _remember(base, front)
    elif stopped is not None and stopped[0] == key:
        if stopped[1] is None:
            st.info(STOPPED_EMPTY)
            return
        front = stopped[1]
        st.warning(STOPPED)
    else:
        if not settings.levers:
            st.info("Choose at least one lever the plan may move.")
            return
        seconds = estimate_seconds(base, settings)
        st.info(
            NOT_RUN.format(
                runs=settings.budget_runs,
                screen=settings.screen_replications,
                check=settings.replications,
                levers=len(settings.levers),
                duration=duration_words(seconds),
            )
        )
        return
    show_result(front, folder)


def found_plan(whatif: Scenario, loaded: Scenario) -> Callable[[], Plan | None]:
    """A function that gives the plan this session's last finished search found for the
    page's what-if (None if none): the board report's downloads call it when clicked, which
    may be after a search that ran later in the same page run (it reads a dict kept in the
    session, not the session itself, which a download's callable cannot reach)."""
    found = st.session_state.setdefault(FOUND, {})
    key = sim.dump_scenario(search_base(whatif, loaded))
    return lambda: found.get(key)


def _remember(base: Scenario, front: Frontier) -> None:
    found = st.session_state.setdefault(FOUND, {})
    found.clear()  # one plan: the latest search's
    found[sim.dump_scenario(base)] = chosen_plan(front)


def first_screen_line(whatif: Scenario, loaded: Scenario) -> None:
    """The first screen's "what it takes": the plan of this session's last search for this
    what-if, in words, with "Apply"; before any search, where to find one."""
    plan = found_plan(whatif, loaded)()
    if plan is None:
        st.caption(FIRST_SCREEN_HINT)
        return
    words = plan_sentence(plan) if plan.reachable else unreachable_sentence(plan)
    st.markdown(f"**What it takes** (cheapest plan found): {text.plain(words)}")
    st.button(
        "Apply this plan",
        key=FIRST_SCREEN_APPLY_KEY,
        on_click=_on_apply,
        args=(sim.dump_scenario(plan.scenario),),
        help="Move the sidebar's levers to the plan, so the page shows it.",
    )


def show_result(front: Frontier, folder: Path) -> None:
    plan = chosen_plan(front)
    if front.stopped:
        st.subheader("Best plan so far")
    else:
        st.subheader("The plan" if plan.reachable else "Not reachable with these levers")
    if plan.reachable:
        st.success(plan_sentence(plan))
    else:
        st.warning(unreachable_sentence(plan))
    st.dataframe(change_table(plan), hide_index=True, key="goal_changes")
    st.caption(
        f"KPI on day {plan.by_day}: {plan.kpi_mean:.1%} on average, {plan.kpi_lower:.1%} or more in "
        f"{plan.confidence:.0%} of the {plan.replications} runs (seed {plan.seed}); "
        f"{front.runs:,} simulations in the search."
    )
    apply_col, _ = st.columns([1, 2])
    apply_col.button(
        "Apply this plan",
        key=APPLY_KEY,
        on_click=_on_apply,
        args=(sim.dump_scenario(plan.scenario),),
        help="Move the sidebar's levers to the plan, so the rest of the page shows it.",
    )
    if st.session_state.get(APPLIED):
        st.caption("The levers in the sidebar now show this plan; the headline figures above are its own.")
    save_plan(plan, folder)
    st.plotly_chart(charts.frontier(front, plan), key=CHART_KEY, config={"displaylogo": False})
    st.caption(FRONTIER_NOTE)


def change_table(plan: Plan) -> pd.DataFrame:
    rows = [{"Lever": c.label, "Today": c.before_text, "Plan": c.after_text} for c in plan.changes]
    rows.append(
        {"Lever": "Programme cost", "Today": charts.usd_short(plan.loaded_cost), "Plan": charts.usd_short(plan.cost)}
    )
    rows.append(
        {
            "Lever": f"KPI on day {plan.by_day}, in {plan.confidence:.0%} of runs",
            "Today": f"{plan.loaded_kpi_lower:.1%}",
            "Plan": f"{plan.kpi_lower:.1%}",
        }
    )
    return pd.DataFrame(rows)


def save_plan(plan: Plan, folder: Path) -> None:
    """A name box and 'Save as scenario' (the page's save path), and a download of the file."""
    from ui import page

    state = st.session_state
    state.setdefault(SAVE_NAME_KEY, f"Plan {plan.target:.0%} by day {plan.by_day}")
    name_col, save_col = st.columns([2, 1], vertical_alignment="bottom")
    name = name_col.text_input("Plan name", key=SAVE_NAME_KEY, on_change=lambda: state.pop(SAVED, None))
    if save_col.button("Save as scenario", key=SAVE_KEY, disabled=not name.strip()):
        try:
            path = page._save(plan.scenario, name, folder, overwrite=False)
        except FileExistsError:
            st.warning(f"{text.plain(sim.safe_scenario_filename(name))} already exists; choose another name.")
        else:
            if path:
                state[SAVED] = f"Saved as {path.name}; the Scenario list in the sidebar offers it."
                st.rerun()  # so the scenario picker lists the new file
    if state.get(SAVED):
        st.success(text.plain(state[SAVED]))
    st.download_button(
        "Download the plan as a scenario file",
        lambda: sim.dump_scenario(files.renamed(plan.scenario, name) if name.strip() else plan.scenario),
        file_name=sim.safe_scenario_filename(name or plan.scenario.name),
        mime="application/x-yaml",
        key=DOWNLOAD_KEY,
        on_click="ignore",
    )
