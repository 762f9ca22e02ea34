"""'Which assumptions matter', in the Model & assumptions tab: a tornado chart of Morris
screening (``sim.sensitivity``) over the numbers nobody has published, computed when asked.

The screening moves each uncertain assumption (failure rates, drift, report rate,
training effect, breach figures, ...) between half and twice the what-if's value and
ranks them by μ*, the typical size of their effect on the KPI on day 182, with σ, how much
that effect depends on the others. It runs on request (a button), with a progress bar,
and is cached with ``st.cache_data`` keyed by the scenario's YAML and its settings.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable

import streamlit as st

import sim
from sim import Scenario
from sim.sensitivity import Sensitivity, sensitivity
from ui import charts, stop

RUN_KEY = "sensitivity_run"
REQUESTED = "sensitivity_requested"  # session: the YAML + settings last asked for
CHART_KEY = "sensitivity_chart"
RUNS = 100  # simulations: sim.sensitivity's default (10 trajectories over the assumptions)
REPLICATIONS = 8  # per simulation, sim.sensitivity's default
BY_DAY = 182  # six months, the KPI the goal seek asks about
MAX_CACHED = 8
INTRO = (
    "Which of the model's assumptions would change the answer? The screening moves each uncertain "
    "assumption between half and twice its value (Morris method, {runs} simulations of {reps} runs) and ranks "
    "them by their effect on the KPI in 6 months."
)
_hook: contextvars.ContextVar[Callable[[float], None] | None] = contextvars.ContextVar("sens_hook", default=None)


@st.cache_data(max_entries=MAX_CACHED, show_spinner=False)
def _screen_cached(scenario_yaml: str, runs: int, replications: int, by_day: int, seed: int) -> Sensitivity:
    scenario = sim.load_scenario(scenario_yaml)
    return sensitivity(scenario, runs=runs, replications=replications, by_day=by_day, seed=seed, progress=_hook.get())


def _request(key: str) -> None:
    st.session_state[REQUESTED] = key


def assumptions_section(whatif: Scenario, seed: int) -> None:
    """The heading, what the screening does, its button and (once asked for) the tornado chart."""
    st.subheader("Which assumptions matter")
    by_day = min(BY_DAY, whatif.simulation.horizon_days)
    scenario_yaml = sim.dump_scenario(whatif)
    key = f"{hashlib.sha256(scenario_yaml.encode()).hexdigest()[:16]}:{RUNS}:{REPLICATIONS}:{by_day}:{seed}"
    st.caption(INTRO.format(runs=RUNS, reps=REPLICATIONS))
    st.button("Find which assumptions matter", key=RUN_KEY, on_click=_request, args=(key,))
    if st.session_state.get(REQUESTED) != key:
        return
    slot = st.empty()
    outer = contextvars.copy_context()

    def hook(fraction: float) -> None:
        outer.run(stop.tick)
        outer.run(slot.progress, min(1.0, fraction), text="Screening the assumptions…")

    token = _hook.set(hook)
    try:
        result = _screen_cached(scenario_yaml, RUNS, REPLICATIONS, by_day, seed)
    finally:
        _hook.reset(token)
        slot.empty()
    st.plotly_chart(charts.tornado(result), key=CHART_KEY, config={"displaylogo": False})
    top = result.table.iloc[0]
    inert = [str(row.label) for row in result.table.itertuples() if row.kpi_mu_star < 1e-9]
    words = (
        f"The assumption that moves the KPI most is **{top['label'].lower()}** (μ* {top['kpi_mu_star'] * 100:.1f} "
        f"points, σ {top['kpi_sigma'] * 100:.1f})."
    )
    if inert:
        words += " No effect at all in this scenario: " + ", ".join(x.lower() for x in inert) + "."
    st.markdown(words)
    st.caption(
        f"{result.runs} simulations of {result.replications} runs each, seed {result.seed}. μ* is the typical "
        "size of an assumption's effect over its range; σ how much that effect changes with the other "
        "assumptions (large: it matters in some combinations only). docs/background/goal-seek.md."
    )
