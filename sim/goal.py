"""Goal seek: the cheapest lever settings that reach the KPI target, and the cost–KPI frontier.

``seek`` answers "what is the cheapest programme that gets us to 95% within six months,
and how sure are we?". The decision variables are the app's levers (``sim.levers``, with
the schema's bounds and each control's step, so a whole-number lever stays whole); the
objective is the programme cost over the horizon (optionally plus the expected breach
loss); the requirement is checked on the simulated output: the KPI on ``by_day`` must
reach the target in at least ``confidence`` of the replications, i.e. its
(1 − confidence) quantile over replications — the lower bound — is at least the target.

The search is Optuna's TPE sampler (seeded) with the requirement as a constraint. Every
candidate is simulated with the same seed, so candidates share their random draws
(common random numbers) and differ only through their settings; each is screened with
a few replications, then the cheapest that pass are checked again with the scenario's
own replication count before one is chosen, so a lucky draw is not picked. A moved
lever that changes nothing in the simulated figures (audit coverage with no audits, for
instance) is put back where the file had it. The same scenario and seed give the same
plan. ``frontier`` runs a two-objective study (cost down, lower bound up) and keeps the
plans no other plan beats on both. docs/background/goal-seek.md describes the method.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import optuna
import pandas as pd

from sim import levers as lv
from sim.results import Result
from sim.runner import Interrupted, run, run_many
from sim.scenario import MAX_REPLICATIONS, Scenario, ScenarioError, max_replications

# The levers a plan may move unless told otherwise: those with a cost in the model (the
# programme's spending) and the update policy's clarity and critical-first rule (policy
# choices the model does not price; without them no spending reaches 95% in six months on
# the baseline, since unclear approval delays alone make critical updates late). The
# others (approval delay, rollout stages, check-in interval, retries, onboarding time,
# audit depth, report rate, training start, technician hours) are technical settings the
# model does not price either, which a cost-minimising search would push to their limits
# for free; pass ``levers=`` to let them move too.
DEFAULT_LEVERS: tuple[str, ...] = (
    "enrolled_share",
    "audit_interval_days",
    "audit_coverage",
    "reporting_enabled",
    "training_coverage",
    "refresher_interval_days",
    "policy_clarity",
    "prioritize_critical",
    "technicians",
)
# A run is one simulation of one candidate (one ``sim.run`` call with its replications);
# the engine's time goes mostly into its daily steps, so a run with 8 replications takes
# about half as long as one with 30, not a quarter.
SCREEN_REPLICATIONS = 8  # replications per candidate while searching (its 10% point is between
# the lowest two; with 4 it is nearly the lowest alone, far below the 30-replication figure)
RECHECK = 5  # cheapest passing candidates checked again with the scenario's replications
BATCH = 4  # candidates asked of the sampler at once (the same with or without an executor)
DEFAULT_BUDGET_RUNS = 120  # runs in all: about a minute on the baseline with one core
FRONTIER_POINTS = 12  # frontier plans checked again with the scenario's replications
COUNT_SEARCH_FACTOR = 2  # a count lever (technicians) searches up to twice its loaded value ...
COUNT_SEARCH_MIN = 10  # ... or 10, whichever is larger, unless ``bounds`` says otherwise
# Interval levers (0 = none) are searched over intervals a programme would name: none,
# yearly, half-yearly, quarterly, every two months, monthly, fortnightly, weekly (and the
# loaded file's own); ``bounds`` turns one back into a day-by-day range.
INTERVAL_LEVERS: frozenset[str] = frozenset({"audit_interval_days", "refresher_interval_days"})
INTERVAL_CHOICES_DAYS: tuple[int, ...] = (365, 180, 90, 60, 30, 14, 7)
BREACH_KEYS: tuple[str, ...] = (
    "expected_breach_loss",
    "expected_breaches",
    "breach_probability",
    "expected_breach_loss_p05",
    "expected_breach_loss_p95",
)

Objective = Literal["cost", "cost+loss"]

optuna.logging.set_verbosity(optuna.logging.WARNING)  # one line per trial is noise here


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class LeverChange:
    """One lever's setting in the loaded scenario and in the plan, in the control's units."""

    key: str
    label: str
    before: lv.WidgetValue
    after: lv.WidgetValue

    @property
    def before_text(self) -> str:
        return lv.describe(lv.BY_KEY[self.key], self.before)

    @property
    def after_text(self) -> str:
        return lv.describe(lv.BY_KEY[self.key], self.after)


@dataclass(frozen=True)
class Plan:
    """Lever settings with what they achieve.

    ``kpi_lower`` is the (1 − confidence) quantile of the KPI on ``by_day`` over
    replications (the figure the requirement is checked on), ``kpi_upper`` the
    ``confidence`` quantile, ``share_meeting`` the share of replications at or above the
    target. ``reachable`` says whether the plan meets the target; a ``seek`` that finds
    no plan meeting it returns the plan with the highest lower bound it found, with
    ``reachable`` False. ``runs`` counts the simulations the search made.
    """

    settings: dict[str, lv.WidgetValue]
    scenario: Scenario
    target: float
    by_day: int
    confidence: float
    sustained: bool
    kpi_lower: float
    kpi_mean: float
    kpi_upper: float
    share_meeting: float
    cost: float
    objective: float
    breach: dict[str, float]
    changes: tuple[LeverChange, ...]
    loaded_cost: float
    loaded_kpi_lower: float
    loaded_kpi_mean: float
    replications: int
    seed: int
    runs: int
    reachable: bool
    stopped: bool = False

    @property
    def cost_change(self) -> float:
        return self.cost - self.loaded_cost

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: settings, requirement, KPI with its interval, cost, changes, runs."""
        return {
            "scenario": self.scenario.name,
            "target": self.target,
            "by_day": self.by_day,
            "confidence": self.confidence,
            "sustained": self.sustained,
            "reachable": self.reachable,
            "stopped": self.stopped,
            "kpi": {
                "lower": self.kpi_lower,
                "mean": self.kpi_mean,
                "upper": self.kpi_upper,
                "share_meeting_target": self.share_meeting,
            },
            "programme_cost": self.cost,
            "objective": self.objective,
            "breach": dict(self.breach),
            "loaded": {
                "programme_cost": self.loaded_cost,
                "kpi_lower": self.loaded_kpi_lower,
                "kpi_mean": self.loaded_kpi_mean,
            },
            "settings": dict(self.settings),
            "changes": [{"lever": c.key, "label": c.label, "before": c.before, "after": c.after} for c in self.changes],
            "replications": self.replications,
            "seed": self.seed,
            "runs": self.runs,
        }


@dataclass(frozen=True)
class Frontier:
    """The plans no other evaluated plan beats on both cost and the KPI's lower bound,
    cheapest first, with the loaded scenario evaluated the same way."""

    plans: tuple[Plan, ...]
    loaded: Plan
    runs: int
    stopped: bool = False

    def cheapest_meeting(self, target: float | None = None) -> Plan | None:
        """The cheapest frontier plan whose lower bound reaches ``target`` (default: the plans')."""
        for plan in self.plans:
            if plan.kpi_lower >= (plan.target if target is None else target) - 1e-12:
                return plan
        return None

    def to_frame(self) -> pd.DataFrame:
        """One row per plan: cost, KPI lower bound, mean and upper bound, and every searched lever."""
        rows = []
        for plan in self.plans:
            row: dict[str, Any] = {
                "programme_cost": plan.cost,
                "kpi_lower": plan.kpi_lower,
                "kpi_mean": plan.kpi_mean,
                "kpi_upper": plan.kpi_upper,
                "share_meeting_target": plan.share_meeting,
                "meets_target": plan.reachable,
            }
            row.update(plan.settings)
            rows.append(row)
        return pd.DataFrame(rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "runs": self.runs,
            "stopped": self.stopped,
            "loaded": self.loaded.to_dict(),
            "plans": [p.to_dict() for p in self.plans],
        }


@dataclass(frozen=True)
class SearchStatus:
    """What ``progress`` is told: the share of the budget of runs used and the best plan so
    far (its settings, cost and lower bound, from the screening replications)."""

    fraction: float
    runs: int
    budget_runs: int
    feasible_found: bool
    best_settings: dict[str, lv.WidgetValue] | None = None
    best_cost: float | None = None
    best_kpi_lower: float | None = None


Progress = Callable[[SearchStatus], None]


# --------------------------------------------------------------------------- measuring


@dataclass(frozen=True)
class Measure:
    """The figures of one simulated candidate that the search needs."""

    kpi: np.ndarray  # per replication: KPI on by_day (or its lowest from by_day on)
    cost: float
    breach: dict[str, float]

    def lower(self, confidence: float) -> float:
        return float(np.quantile(self.kpi, 1.0 - confidence))


def measure(
    scenario: Scenario,
    replications: int,
    seed: int,
    by_day: int,
    sustained: bool,
    progress: Callable[[float], None] | None = None,
) -> Measure:
    """Simulate ``scenario`` and keep the per-replication KPI on ``by_day`` and the cost."""
    result = run(scenario, replications=replications, seed=seed, progress=progress)
    return figures(result, by_day, sustained)


def figures(result: Result, by_day: int, sustained: bool) -> Measure:
    """The per-replication KPI on ``by_day`` (or its lowest from then on), cost and breach figures."""
    per_rep = result.per_replication
    kpi = per_rep.loc[by_day:].min(axis=0) if sustained else per_rep.loc[by_day]
    breach = {k: float(result.summary[k]) for k in BREACH_KEYS if result.summary.get(k) is not None}
    return Measure(kpi=kpi.to_numpy(dtype=float), cost=float(result.summary["programme_cost"]), breach=breach)


def _workers(executor: Any) -> int:
    """How many runs the executor takes at once: a local pool's size, else this machine's cores."""
    return int(getattr(executor, "_max_workers", 0) or os.cpu_count() or 1)


# --------------------------------------------------------------------------- search space


@dataclass(frozen=True)
class _Dimension:
    """How one lever is searched: an ordered list of settings (display units), from the
    weakest to the strongest, searched by index; rollout stages are an unordered choice."""

    lever: lv.Lever
    values: tuple[lv.WidgetValue, ...]
    ordered: bool = True
    strongest: int | None = None  # index of the setting that does most (None: no such thing)

    @property
    def weakest(self) -> int | None:
        """The index of the setting that does least (and costs least), at the other end."""
        if self.strongest is None:
            return None
        return 0 if self.strongest == len(self.values) - 1 else len(self.values) - 1

    def index(self, shown: lv.WidgetValue) -> int:
        """The index of ``shown``, or of the nearest setting for a number off the grid."""
        if shown in self.values:
            return self.values.index(shown)
        if not self.ordered or isinstance(shown, bool | str):
            return 0
        return int(np.argmin([abs(float(v) - float(shown)) for v in self.values]))


def _grid(lo: float, hi: float, step: float, integer: bool) -> tuple[lv.WidgetValue, ...]:
    count = math.floor((hi - lo) / step + 1e-9) + 1
    return tuple(round(lo + i * step) if integer else round(lo + i * step, 6) for i in range(count))


def _dimensions(
    scenario: Scenario, keys: Sequence[str], bounds: dict[str, tuple[float, float]] | None
) -> list[_Dimension]:
    bounds = bounds or {}
    horizon = scenario.simulation.horizon_days
    dims = []
    for key in keys:
        lever = lv.BY_KEY[key]
        loaded = lv.to_widget(lever, lv.get_value(scenario, lever.path))
        if key in bounds and lever.kind in ("toggle", "stages", "checkin"):
            raise ScenarioError([f"bounds.{key}: {lever.kind} levers have no numeric range"])
        if lever.kind == "toggle":
            dims.append(_Dimension(lever, (False, True), strongest=1))
        elif lever.kind == "stages":
            dims.append(_Dimension(lever, tuple(lv.stage_options(scenario)), ordered=False))
        elif lever.kind == "checkin":  # the shorter the interval, the sooner an update is seen
            hours = tuple(sorted(lv.checkin_options(scenario), reverse=True))
            dims.append(_Dimension(lever, hours, strongest=len(hours) - 1))
        elif key in INTERVAL_LEVERS and key not in bounds:
            # none, then ever shorter intervals (more audits or sessions, more cost and effect)
            every = sorted({d for d in INTERVAL_CHOICES_DAYS if d <= horizon} | {int(loaded)} - {0}, reverse=True)
            dims.append(_Dimension(lever, (0, *every), strongest=len(every)))
        else:
            lo, hi = lv.widget_range(lever, scenario)
            if lever.kind == "count":
                hi = min(hi, max(COUNT_SEARCH_FACTOR * float(loaded), COUNT_SEARCH_MIN))
            if key in bounds:
                b_lo, b_hi = (float(b) for b in bounds[key])
                top = lv.widget_range(lever, scenario)[1]
                if not lo <= b_lo <= b_hi <= top:
                    raise ScenarioError([f"bounds.{key}: must be in order, within {lo:g} to {top:g}"])
                lo, hi = b_lo, b_hi
            values = _grid(lo, hi, lv.slider_step(lever), lever.kind in ("days", "count"))
            # more of a share, a count or hours does more; for a number of days, fewer does
            strongest = 0 if lever.kind == "days" else len(values) - 1
            dims.append(_Dimension(lever, values, strongest=strongest))
    return dims


def _check_arguments(scenario: Scenario, target: float, by_day: int, confidence: float, keys: Sequence[str]) -> None:
    problems = []
    if not (isinstance(target, int | float) and 0 < target <= 1):
        problems.append(f"target: must be a share above 0 and at most 1 (got {target!r}; 0.95 means 95%)")
    horizon = scenario.simulation.horizon_days
    if not (isinstance(by_day, int) and 0 <= by_day <= horizon):
        problems.append(f"by_day: must be a whole day from 0 to the horizon, {horizon} (got {by_day!r})")
    if not (isinstance(confidence, int | float) and 0.5 <= confidence < 1):
        problems.append(f"confidence: must be at least 0.5 and below 1 (got {confidence!r}; 0.9 = 9 runs in 10)")
    unknown = [k for k in keys if k not in lv.BY_KEY]
    if unknown:
        names = ", ".join(lv.BY_KEY)
        problems.append(f"levers: unknown lever {', '.join(map(repr, unknown))}; the levers are {names}")
    elif not keys:
        problems.append("levers: name at least one lever that may move")
    if problems:
        raise ScenarioError(problems)


# --------------------------------------------------------------------------- the search


@dataclass(eq=False)  # compared by identity: one object per setting
class _Candidate:
    shown: dict[str, lv.WidgetValue]
    screen: Measure | None = None
    check: Measure | None = None


@dataclass
class _Search:
    """Shared machinery of ``seek`` and ``frontier``: the space, the evaluations, the budget."""

    base: Scenario
    dims: list[_Dimension]
    by_day: int
    target: float
    confidence: float
    sustained: bool
    objective_kind: Objective
    seed: int
    screen_reps: int
    check_reps: int
    budget_runs: int
    progress: Progress | None
    executor: Any
    loaded: dict[str, lv.WidgetValue] = field(init=False)
    candidates: dict[tuple[Any, ...], _Candidate] = field(default_factory=dict)
    runs: int = 0

    def __post_init__(self) -> None:
        self.loaded = lv.loaded_widget_values(self.base)

    # ---------------------------------------------------------------- scenarios and figures

    def key(self, shown: dict[str, lv.WidgetValue]) -> tuple[Any, ...]:
        return tuple(shown[d.lever.key] for d in self.dims)

    def scenario_for(self, shown: dict[str, lv.WidgetValue]) -> Scenario:
        data = self.base.model_dump()
        lv.apply_levers(self.base, shown, self.loaded, data)
        data["simulation"]["replications"] = self.check_reps
        data["simulation"]["seed"] = self.seed
        return Scenario.model_validate(data)

    def lower(self, m: Measure) -> float:
        return m.lower(self.confidence)

    def objective(self, m: Measure) -> float:
        loss = m.breach.get("expected_breach_loss", 0.0) if self.objective_kind == "cost+loss" else 0.0
        return m.cost + loss

    def feasible(self, m: Measure) -> bool:
        return self.lower(m) >= self.target - 1e-12

    def screened(self) -> list[_Candidate]:
        return [c for c in self.candidates.values() if c.screen is not None]

    # ---------------------------------------------------------------- evaluation

    def evaluate(self, shown_list: Sequence[dict[str, lv.WidgetValue]], stage: Literal["screen", "check"]) -> None:
        """Simulate every candidate not yet measured at this stage (through the executor if any)."""
        reps = self.screen_reps if stage == "screen" else self.check_reps
        todo: list[_Candidate] = []
        for shown in shown_list:
            cand = self.candidates.setdefault(self.key(shown), _Candidate(dict(shown)))
            if getattr(cand, stage) is None and cand not in todo:
                todo.append(cand)
        if not todo:
            self.report()
            return
        if self.executor is not None:
            # run_many on the executor, each candidate's replications cut into enough batches to
            # keep every worker busy (the trim checks one candidate at a time); results equal
            # run's bit for bit, so the plan is the same with or without the executor
            start = self.runs
            results = run_many(
                [self.scenario_for(c.shown) for c in todo],
                replications=reps,
                seed=self.seed,
                executor=self.executor,
                progress=lambda f: self.report(start + f * len(todo)),
                split=math.ceil(_workers(self.executor) / len(todo)),
            )
            for cand, result in zip(todo, results, strict=True):
                setattr(cand, stage, figures(result, self.by_day, self.sustained))
                self.runs += 1
            self.report()
            return
        for cand in todo:
            start = self.runs
            m = measure(
                self.scenario_for(cand.shown),
                reps,
                self.seed,
                self.by_day,
                self.sustained,
                progress=lambda f, s=start: self.report(s + f),
            )
            setattr(cand, stage, m)
            self.runs += 1
        self.report()

    def report(self, runs: float | None = None) -> None:
        if self.progress is None:
            return
        done = self.runs if runs is None else runs
        best = self.best_screened()
        m = best.screen if best is not None else None
        self.progress(
            SearchStatus(
                fraction=min(1.0, done / self.budget_runs),
                runs=int(done),
                budget_runs=self.budget_runs,
                feasible_found=m is not None and self.feasible(m),
                best_settings={d.lever.key: best.shown[d.lever.key] for d in self.dims} if best else None,
                best_cost=m.cost if m is not None else None,
                best_kpi_lower=self.lower(m) if m is not None else None,
            )
        )

    def best_screened(self) -> _Candidate | None:
        """The cheapest screened candidate that passes, else the one with the highest lower bound."""
        screened = self.screened()
        passing = [c for c in screened if self.feasible(c.screen)]  # type: ignore[arg-type]
        if passing:
            return min(passing, key=lambda c: self.objective(c.screen))  # type: ignore[arg-type]
        return max(screened, key=lambda c: self.lower(c.screen), default=None)  # type: ignore[arg-type]

    # ---------------------------------------------------------------- optuna

    def suggest(self, trial: optuna.Trial) -> dict[str, lv.WidgetValue]:
        shown = dict(self.loaded)
        for d in self.dims:
            if d.ordered:  # an index, so the sampler sees that neighbouring settings are alike
                shown[d.lever.key] = d.values[trial.suggest_int(d.lever.key, 0, len(d.values) - 1)]
            else:
                shown[d.lever.key] = trial.suggest_categorical(d.lever.key, list(d.values))
        return shown

    def params(self, shown: dict[str, lv.WidgetValue]) -> dict[str, Any]:
        return {d.lever.key: d.index(shown[d.lever.key]) if d.ordered else shown[d.lever.key] for d in self.dims}

    def initial_design(self) -> tuple[_Candidate | None, dict[str, float]]:
        """Screen the loaded settings with each lever alone at its strongest setting, then
        every lever at its strongest (is the target reachable at all?). Returns the latter
        and what each lever's strongest setting adds to the objective on its own."""
        base = {**self.loaded, **{d.lever.key: d.values[d.index(self.loaded[d.lever.key])] for d in self.dims}}
        strongest = {d.lever.key: d.values[d.strongest] for d in self.dims if d.strongest is not None}
        alone = {key: {**base, key: value} for key, value in strongest.items()}
        together = {**base, **strongest}
        self.evaluate([base, *alone.values(), together], "screen")
        ref = self.candidates[self.key(base)].screen
        assert ref is not None
        added = {}
        for key, shown in alone.items():
            m = self.candidates[self.key(shown)].screen
            assert m is not None
            added[key] = self.objective(m) - self.objective(ref)
        return self.candidates[self.key(together)], added

    def tell_known(self, study: optuna.Study, values: Callable[[Measure], Sequence[float]]) -> None:
        """Give the sampler every candidate screened outside it (no run is repeated)."""
        dists: dict[str, optuna.distributions.BaseDistribution] = {
            d.lever.key: optuna.distributions.IntDistribution(0, len(d.values) - 1)
            if d.ordered
            else optuna.distributions.CategoricalDistribution(list(d.values))
            for d in self.dims
        }
        for cand in self.screened():
            if all(cand.shown[d.lever.key] in d.values for d in self.dims):
                assert cand.screen is not None
                trial = optuna.trial.create_trial(
                    params=self.params(cand.shown), distributions=dists, values=list(values(cand.screen))
                )
                study.add_trial(trial)

    def screen_study(self, study: optuna.Study, values: Callable[[Measure], Sequence[float]], reserve: int) -> bool:
        """Ask the sampler for candidates in batches and screen them until the budget (less
        ``reserve`` runs for the checks) is spent. Returns True if stopped by ``Interrupted``."""
        self.tell_known(study, values)
        idle = 0
        while self.runs + BATCH <= self.budget_runs - reserve and idle < 20:
            trials = [study.ask() for _ in range(BATCH)]
            shown = [self.suggest(t) for t in trials]
            before = self.runs
            try:
                self.evaluate(shown, "screen")
            except (Interrupted, KeyboardInterrupt):
                for t in trials:
                    study.tell(t, state=optuna.trial.TrialState.FAIL)
                return True
            idle = idle + 1 if self.runs == before else 0  # the sampler keeps proposing known settings
            for t, s in zip(trials, shown, strict=True):
                m = self.candidates[self.key(s)].screen
                assert m is not None
                study.tell(t, values(m))
        return False

    # ---------------------------------------------------------------- plans

    def trim(self, cand: _Candidate, reserve: int) -> _Candidate:
        """Take effort away from a checked, passing candidate: each lever in turn, the one
        whose weakest setting saves most first, goes down to its weakest setting that still
        passes (bisection over its ordered settings, with the check's replications, so the
        result is exact for the requirement). Stops while ``reserve`` runs are left."""
        current = cand
        dims = [d for d in self.dims if d.weakest is not None and d.index(cand.shown[d.lever.key]) != d.weakest]
        probes = {d.lever.key: {**cand.shown, d.lever.key: d.values[d.weakest]} for d in dims}  # type: ignore[index]
        self.evaluate(list(probes.values())[: max(0, self.budget_runs - reserve - self.runs)], "check")

        def saving(d: _Dimension) -> float:
            m = self.candidates[self.key(probes[d.lever.key])].check
            return -math.inf if m is None else self.objective(current.check) - self.objective(m)  # type: ignore[arg-type]

        for d in sorted(dims, key=saving, reverse=True):
            here = d.index(current.shown[d.lever.key])
            step = 1 if d.weakest > here else -1  # type: ignore[operator]
            path = list(range(d.weakest, here - step, -step))  # type: ignore[arg-type]  # weakest ... here
            lo, hi = 0, len(path) - 1  # path[hi] passes
            weakest = self._known({**current.shown, d.lever.key: d.values[path[0]]})
            if weakest is not None:  # probed already (against an earlier plan if one lever moved since)
                lo, hi = (0, 0) if self.feasible(weakest.check) else (1, hi)  # type: ignore[arg-type]
            while lo < hi and self.runs + 1 <= self.budget_runs - reserve:
                mid = (lo + hi) // 2
                shown = {**current.shown, d.lever.key: d.values[path[mid]]}
                self.evaluate([shown], "check")
                m = self.candidates[self.key(shown)].check
                assert m is not None
                if self.feasible(m):
                    hi = mid
                else:
                    lo = mid + 1
            found = self._known({**current.shown, d.lever.key: d.values[path[hi]]})
            if found is not None and self.objective(found.check) < self.objective(current.check):  # type: ignore[arg-type]
                current = found
        return current

    def _known(self, shown: dict[str, lv.WidgetValue]) -> _Candidate | None:
        cand = self.candidates.get(self.key(shown))
        return cand if cand is not None and cand.check is not None else None

    def tidy(self, cand: _Candidate, reserve: int) -> _Candidate:
        """Put back every moved lever whose move changes nothing in the checked figures
        (audit coverage with no audits, refreshers with nobody trained)."""
        shown = dict(cand.shown)
        ref = cand.check
        assert ref is not None
        for d in self.dims:
            key = d.lever.key
            if shown[key] == self.loaded[key] or self.runs + 1 > self.budget_runs - reserve:
                continue
            trial = {**shown, key: self.loaded[key]}
            self.evaluate([trial], "check")
            m = self.candidates[self.key(trial)].check
            assert m is not None
            if m.cost == ref.cost and np.array_equal(m.kpi, ref.kpi):
                shown = trial
        return self.candidates[self.key(shown)]

    def plan(self, cand: _Candidate, loaded: Measure, *, stopped: bool = False) -> Plan:
        m = cand.check or cand.screen
        assert m is not None
        reps = self.check_reps if cand.check is not None else self.screen_reps
        changes = tuple(
            LeverChange(d.lever.key, d.lever.label, self.loaded[d.lever.key], cand.shown[d.lever.key])
            for d in self.dims
            if cand.shown[d.lever.key] != self.loaded[d.lever.key]
        )
        scenario = self.scenario_for(cand.shown)
        if changes:
            what = "; ".join(f"{c.label}: {c.before_text} -> {c.after_text}" for c in changes)
            sustained = " and kept to the horizon" if self.sustained else ""
            note = (
                f"Goal seek from '{self.base.name}' for {self.target:.0%} by day {self.by_day}{sustained} in "
                f"{self.confidence:.0%} of runs (seed {self.seed}). Changed: {what}."
            )
            description = (note + "\n\n" + self.base.description)[:10_000]
            name = ("Plan: " + self.base.name)[:120]
            scenario = scenario.model_copy(update={"name": name, "description": description})
        return Plan(
            settings={d.lever.key: cand.shown[d.lever.key] for d in self.dims},
            scenario=scenario,
            target=self.target,
            by_day=self.by_day,
            confidence=self.confidence,
            sustained=self.sustained,
            kpi_lower=self.lower(m),
            kpi_mean=float(m.kpi.mean()),
            kpi_upper=float(np.quantile(m.kpi, self.confidence)),
            share_meeting=float(np.mean(m.kpi >= self.target - 1e-12)),
            cost=m.cost,
            objective=self.objective(m),
            breach=dict(m.breach),
            changes=changes,
            loaded_cost=loaded.cost,
            loaded_kpi_lower=self.lower(loaded),
            loaded_kpi_mean=float(loaded.kpi.mean()),
            replications=reps,
            seed=self.seed,
            runs=self.runs,
            reachable=self.feasible(m),
            stopped=stopped,
        )


def _setup(
    scenario: Scenario,
    *,
    target: float | None,
    by_day: int,
    confidence: float,
    levers: Iterable[str] | None,
    bounds: dict[str, tuple[float, float]] | None,
    budget_runs: int,
    seed: int | None,
    sustained: bool,
    objective: Objective,
    screen_replications: int,
    check_replications: int | None,
    progress: Progress | None,
    executor: Any,
    reserve: int,
) -> _Search:
    keys = list(DEFAULT_LEVERS if levers is None else dict.fromkeys(levers))
    target = scenario.kpi.target if target is None else target
    _check_arguments(scenario, target, by_day, confidence, keys)
    if objective not in ("cost", "cost+loss"):
        raise ScenarioError([f"objective: must be 'cost' or 'cost+loss' (got {objective!r})"])
    check = scenario.simulation.replications if check_replications is None else int(check_replications)
    limit = min(max_replications(scenario), MAX_REPLICATIONS)
    if not 1 <= check <= limit:
        raise ScenarioError([f"check_replications: must be from 1 to {limit} for this scenario (got {check})"])
    if not 1 <= screen_replications <= check:
        raise ScenarioError([f"screen_replications: must be from 1 to the check's {check} (got {screen_replications})"])
    dims = _dimensions(scenario, keys, bounds)
    needed = reserve + len(dims) + 2 + BATCH * 3
    if budget_runs < needed:
        raise ScenarioError(
            [
                f"budget_runs: {budget_runs:,} runs are too few for {len(dims)} lever(s); at least {needed:,} are "
                "needed to try a few candidates and check the best"
            ]
        )
    return _Search(
        base=scenario,
        dims=dims,
        by_day=by_day,
        target=float(target),
        confidence=float(confidence),
        sustained=sustained,
        objective_kind=objective,
        seed=scenario.simulation.seed if seed is None else int(seed),
        screen_reps=screen_replications,
        check_reps=check,
        budget_runs=int(budget_runs),
        progress=progress,
        executor=executor,
    )


def seek(
    scenario: Scenario,
    *,
    target: float | None = None,
    by_day: int = 182,
    confidence: float = 0.9,
    levers: Iterable[str] | None = None,
    budget_runs: int = DEFAULT_BUDGET_RUNS,
    seed: int | None = None,
    progress: Progress | None = None,
    executor: Any = None,
    sustained: bool = False,
    objective: Objective = "cost",
    bounds: dict[str, tuple[float, float]] | None = None,
    screen_replications: int = SCREEN_REPLICATIONS,
    check_replications: int | None = None,
) -> Plan:
    """The cheapest lever settings whose KPI on ``by_day`` reaches ``target`` in at least
    ``confidence`` of the replications.

    ``target`` defaults to the scenario's ``kpi.target``; ``levers`` names the levers that
    may move (default ``DEFAULT_LEVERS``, those with a cost); ``bounds`` sets a numeric
    lever's range in the control's units (``{"technicians": (2, 10)}``). ``sustained`` asks
    the KPI to stay at the target from ``by_day`` to the horizon. ``objective="cost+loss"``
    adds the expected breach loss to the cost minimised. ``budget_runs`` is the number of
    simulations in all: candidates are screened with ``screen_replications`` each and the
    best checked with ``check_replications`` (default: the scenario's own count), all with
    ``seed`` (default: the scenario's). ``executor`` (anything with
    ``submit(fn, *args).result()``: a ``concurrent.futures`` pool, a Dask client) simulates
    a batch of candidates side by side; the plan is the same without it. ``progress``
    receives a ``SearchStatus``; raising ``Interrupted`` from it (or Ctrl-C) stops the
    search and returns the best plan so far, marked ``stopped``.
    """
    search = _setup(
        scenario,
        target=target,
        by_day=by_day,
        confidence=confidence,
        levers=levers,
        bounds=bounds,
        budget_runs=budget_runs,
        seed=seed,
        sustained=sustained,
        objective=objective,
        screen_replications=screen_replications,
        check_replications=check_replications,
        progress=progress,
        executor=executor,
        reserve=RECHECK + 1,
    )
    search.evaluate([search.loaded], "screen")
    loaded = search.candidates[search.key(search.loaded)]
    # after the search: the loaded settings and RECHECK candidates checked, then the trim
    checks = 1 + RECHECK + _trim_runs(search.dims) + len(search.dims)
    try:
        together, _ = search.initial_design()
    except (Interrupted, KeyboardInterrupt):
        return _stopped_plan(search, loaded)
    # Two objectives, the cost and the lower bound capped at the target: plans that fall
    # short but are cheap stay among the good ones the sampler learns from, and any plan
    # that passes is judged on cost alone.
    sampler = optuna.samplers.TPESampler(seed=search.seed)
    study = optuna.create_study(directions=["minimize", "maximize"], sampler=sampler)
    capped = lambda m: (search.objective(m), min(search.lower(m), search.target))  # noqa: E731
    if search.screen_study(study, capped, checks):
        return _stopped_plan(search, loaded)
    try:
        return _choose(search, loaded, together)
    except (Interrupted, KeyboardInterrupt):
        return _stopped_plan(search, loaded)


def _stopped_plan(search: _Search, loaded: _Candidate) -> Plan:
    """The best plan screened so far, marked as stopped (not checked with more replications)."""
    best = search.best_screened()
    assert best is not None
    assert loaded.screen is not None
    return search.plan(best, loaded.screen, stopped=True)


def _choose(search: _Search, loaded: _Candidate, together: _Candidate | None) -> Plan:
    """Check the cheapest passing candidates (and everything at its strongest) with the
    scenario's replications, take the cheapest that still passes and trim it; if none
    passes, the checked candidate with the highest lower bound."""
    screened = search.screened()
    passing = sorted(
        (c for c in screened if search.feasible(c.screen)),  # type: ignore[arg-type]
        key=lambda c: search.objective(c.screen),  # type: ignore[arg-type]
    )
    shortlist = passing[: RECHECK - 1]
    ranked = sorted(screened, key=lambda c: -search.lower(c.screen))  # type: ignore[arg-type]
    for extra in [together, *ranked]:  # the safest too, in case none of the cheapest holds up
        if len(shortlist) >= RECHECK:
            break
        if extra is not None and extra not in shortlist:
            shortlist.append(extra)
    search.evaluate([loaded.shown, *(c.shown for c in shortlist)], "check")
    confirmed = [c for c in shortlist if search.feasible(c.check)]  # type: ignore[arg-type]
    if confirmed:
        chosen = min(confirmed, key=lambda c: search.objective(c.check))  # type: ignore[arg-type]
        chosen = search.trim(chosen, len(search.dims))
    else:
        chosen = max(shortlist, key=lambda c: (search.lower(c.check), -search.objective(c.check)))  # type: ignore[arg-type]
    chosen = search.tidy(chosen, 0)
    assert loaded.check is not None
    return search.plan(chosen, loaded.check)


def _trim_runs(dims: Sequence[_Dimension]) -> int:
    """Runs the trim may take: a bisection over each ordered lever's settings."""
    return sum(math.ceil(math.log2(len(d.values))) for d in dims if d.weakest is not None)


def _non_dominated(
    items: Sequence[_Candidate], figures: Callable[[_Candidate], tuple[float, float]]
) -> list[_Candidate]:
    """The candidates no other beats on both (objective lower, lower bound higher), cheapest first."""
    ranked = sorted(items, key=lambda c: (figures(c)[0], -figures(c)[1]))
    out: list[_Candidate] = []
    best_kpi = -math.inf
    for c in ranked:
        if figures(c)[1] > best_kpi + 1e-12:
            out.append(c)
            best_kpi = figures(c)[1]
    return out


def _spread(front: list[_Candidate], points: int) -> list[_Candidate]:
    """At most ``points`` candidates spread evenly along the front (both ends kept)."""
    if len(front) <= points:
        return list(front)
    picks = np.unique(np.round(np.linspace(0, len(front) - 1, points)).astype(int))
    return [front[i] for i in picks]


def frontier(
    scenario: Scenario,
    *,
    target: float | None = None,
    by_day: int = 182,
    confidence: float = 0.9,
    levers: Iterable[str] | None = None,
    budget_runs: int = DEFAULT_BUDGET_RUNS,
    seed: int | None = None,
    progress: Progress | None = None,
    executor: Any = None,
    sustained: bool = False,
    objective: Objective = "cost",
    bounds: dict[str, tuple[float, float]] | None = None,
    points: int = FRONTIER_POINTS,
    screen_replications: int = SCREEN_REPLICATIONS,
    check_replications: int | None = None,
) -> Frontier:
    """The trade-off between cost and the KPI on ``by_day``: the non-dominated plans.

    A two-objective study (objective down, lower bound up) screens candidates as ``seek``
    does; up to ``points`` of its non-dominated candidates, spread from the cheapest to
    the best and always with the cheapest that passes ``target``, are checked with the
    scenario's replications, the cheapest that passes is trimmed as ``seek`` trims it,
    and the plans no other checked plan beats on both are returned, cheapest first. The
    other arguments mean what they mean for ``seek``.
    """
    search = _setup(
        scenario,
        target=target,
        by_day=by_day,
        confidence=confidence,
        levers=levers,
        bounds=bounds,
        budget_runs=budget_runs,
        seed=seed,
        sustained=sustained,
        objective=objective,
        screen_replications=screen_replications,
        check_replications=check_replications,
        progress=progress,
        executor=executor,
        reserve=points + 1,
    )
    search.evaluate([search.loaded], "screen")
    loaded = search.candidates[search.key(search.loaded)]
    try:
        search.initial_design()
    except (Interrupted, KeyboardInterrupt):  # stopped: the front of what was screened so far
        stopped = True
    else:
        study = optuna.create_study(
            directions=["minimize", "maximize"], sampler=optuna.samplers.TPESampler(seed=search.seed)
        )
        checks = points + 1 + _trim_runs(search.dims)
        stopped = search.screen_study(study, lambda m: (search.objective(m), search.lower(m)), checks)

    def figures(c: _Candidate) -> tuple[float, float]:
        m = c.check or c.screen
        assert m is not None
        return search.objective(m), search.lower(m)

    front = _non_dominated(search.screened(), figures)
    if not stopped:
        shortlist = _spread(front, points)
        cheapest_passing = next((c for c in front if search.feasible(c.screen)), None)  # type: ignore[arg-type]
        if cheapest_passing is not None and cheapest_passing not in shortlist:
            shortlist = sorted([*shortlist[: points - 1], cheapest_passing], key=figures)
        try:
            search.evaluate([loaded.shown, *(c.shown for c in shortlist)], "check")
            confirmed = [c for c in shortlist if search.feasible(c.check)]  # type: ignore[arg-type]
            if confirmed:  # the cheapest that passes, trimmed as seek trims it
                cheapest = min(confirmed, key=figures)
                shortlist.append(search.trim(cheapest, 0))
        except (Interrupted, KeyboardInterrupt):
            stopped = True
        if not stopped:
            front = _non_dominated(list({id(c): c for c in shortlist}.values()), figures)
    reference = loaded.check or loaded.screen
    assert reference is not None
    plans = tuple(search.plan(c, reference, stopped=stopped) for c in front)
    return Frontier(
        plans=plans, loaded=search.plan(loaded, reference, stopped=stopped), runs=search.runs, stopped=stopped
    )


__all__ = [
    "DEFAULT_LEVERS",
    "Frontier",
    "LeverChange",
    "Plan",
    "SearchStatus",
    "frontier",
    "measure",
    "seek",
]
