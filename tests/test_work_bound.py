"""Every run's work is bounded before it starts (docs/reference/limits.md, "Size of a run").

``sim.scenario.expected_work`` estimates what a run costs, in device-day equivalents, by the
setting that drives it; ``check_limits`` refuses a run over ``MAX_WORK`` with a message naming
that setting. The hypothesis test makes valid scenarios at and near every numeric bound of the
schema and checks each is either refused with a message naming a setting, or admitted and
projected (from its progress, with the run cut short) to cost no more than the estimate
allows, measured against the baseline's own cost per unit on this machine.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import sim
from sim.model import Interrupted
from sim.scenario import (
    MAX_WORK,
    Scenario,
    ScenarioError,
    check_limits,
    dump_scenario,
    expected_work,
    max_replications,
    scenario_from_data,
)

SLOWER = 5.0  # a run may cost this many times the baseline's seconds per unit (the worst shapes measured 3x)
SETUP_S = 1.0  # plus this much for what every run pays once (imports warm, arrays laid out)
SAMPLE_CPU_S = 0.4  # each generated run is cut short after this much CPU time


def _data(baseline: Scenario) -> dict[str, Any]:
    import yaml

    return yaml.safe_load(dump_scenario(baseline))


def _set(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` (``fleet.device_classes[].count``: every class) in ``data``."""
    *heads, last = path.split(".")
    nodes = [data]
    for head in heads:
        if head.endswith("[]"):
            nodes = [item for node in nodes for item in node[head[:-2]]]
        else:
            nodes = [node[head] for node in nodes]
    for node in nodes:
        node[last] = value


def _numeric_bounds() -> dict[str, tuple[float, float, bool]]:
    """Every numeric field of the schema: path -> (minimum, maximum, whole number)."""
    schema = Scenario.model_json_schema()
    defs = schema["$defs"]
    out: dict[str, tuple[float, float, bool]] = {}

    def walk(node: dict[str, Any], path: str) -> None:
        for key, prop in node.get("properties", {}).items():
            ref = prop.get("$ref") or prop.get("items", {}).get("$ref")
            here = f"{path}{key}" + ("[]" if "items" in prop else "")
            if ref:
                walk(defs[ref.split("/")[-1]], here + ".")
            elif prop.get("type") in ("integer", "number") and "maximum" in prop:
                out[here] = (prop["minimum"], prop["maximum"], prop["type"] == "integer")

    walk(schema, "")
    # shares that must sum to 1 are refused at their bounds for the sum, not for size
    return {p: b for p, b in out.items() if "severity_mix" not in p and not p.endswith(".share")}


BOUNDS = _numeric_bounds()


@st.composite
def at_bounds(draw: st.DrawFn) -> dict[str, Any]:
    """Settings at or near their schema bounds: path -> value, for a random subset of fields."""
    chosen = draw(st.lists(st.sampled_from(sorted(BOUNDS)), min_size=1, max_size=8, unique=True))
    out = {}
    for path in chosen:
        lo, hi, whole = BOUNDS[path]
        near = [lo, hi, lo + (hi - lo) * 0.001, hi - (hi - lo) * 0.001]
        value = draw(st.sampled_from(near))
        out[path] = round(value) if whole else float(value)
    return out


def _projected_cpu_seconds(scenario: Scenario) -> float:
    """CPU seconds the whole run would take, projected from its progress and cut short."""
    start = time.process_time()
    seen = [0.0, 0.0]

    def progress(done: float) -> None:
        spent = time.process_time() - start
        if done > 0:
            seen[:] = [done, spent]
            if spent > SAMPLE_CPU_S and done < 1:
                raise Interrupted

    try:
        sim.run(scenario, progress=progress)
    except Interrupted:
        return seen[1] / seen[0]
    return time.process_time() - start


@pytest.fixture(scope="module")
def seconds_per_unit() -> float:
    baseline = sim.load_scenario("scenarios/baseline.yaml")
    sim.run(baseline, replications=2)  # warm
    start = time.process_time()
    sim.run(baseline)
    return (time.process_time() - start) / sum(expected_work(baseline, baseline.simulation.replications).values())


WORST = {  # the shapes timed in docs/reference/limits.md, each at the schema's extremes somewhere
    "simulation.horizon_days": 3650,
    "levers.audits.interval_days": 1.0,
    "levers.training.refresher_interval_days": 1.0,
    "levers.training.half_life_days": 1.0,
    "levers.central_management.checkin_days": 1 / 1440,
    "levers.technicians.count": 10000,
    "levers.technicians.hours_per_day": 24.0,
    "fleet.device_classes[].manual_minutes": 1.0,
    "fleet.device_classes[].install_failure_rate": 1.0,
}


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@example(WORST)
@example({**WORST, "fleet.device_classes[].release_interval_days": 1.0})
@example({"fleet.device_classes[].count": 1_000_000, "fleet.device_classes[].release_interval_days": 1.0})
@example({"fleet.device_classes[].count": 0, "fleet.device_classes[].release_interval_days": 1.0})
@example({"simulation.replications": 1000, "fleet.device_classes[].release_interval_days": 1.0})
@given(settings_at_bounds=at_bounds())
def test_every_run_at_the_schema_bounds_is_refused_by_name_or_costs_what_its_estimate_says(
    baseline: Scenario, seconds_per_unit: float, settings_at_bounds: dict[str, Any]
) -> None:
    data = _data(baseline)
    for path, value in settings_at_bounds.items():
        _set(data, path, value)
    try:
        scenario = scenario_from_data(copy.deepcopy(data))
    except ScenarioError as exc:
        refused = exc.problems
    else:
        refused = []
    if refused:  # refused before running: every problem names a field path of the schema
        assert all(p.split(":")[0].split(".")[0] in data for p in refused), refused
        return
    work = sum(expected_work(scenario, scenario.simulation.replications).values())
    assert work <= MAX_WORK
    projected = _projected_cpu_seconds(scenario)
    allowed = SLOWER * seconds_per_unit * work + SETUP_S
    assert projected <= allowed, f"{settings_at_bounds}: projected {projected:.1f} s, allowed {allowed:.1f} s"


def _fleet(baseline: Scenario, count: int, interval: float, **levers: Any) -> dict[str, Any]:
    data = _data(baseline)
    first = data["fleet"]["device_classes"][0]
    data["fleet"]["device_classes"] = [{**first, "count": count, "release_interval_days": interval}]
    data["simulation"]["replications"] = 1
    for path, value in levers.items():
        _set(data, path.replace("__", "."), value)
    return data


def test_daily_releases_on_a_million_devices_are_refused_naming_the_class_cadence(baseline: Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(_fleet(baseline, 1_000_000, 1.0))
    (problem,) = info.value.problems
    assert problem.startswith("fleet.device_classes[0].release_interval_days: the run would cost about ")
    assert "88% comes from this setting: 1,000,000 IP cameras get a release every 1 day(s); raise it" in problem


def test_daily_audits_on_a_million_devices_are_refused_naming_the_audits(baseline: Scenario) -> None:
    with pytest.raises(ScenarioError) as info:
        scenario_from_data(_fleet(baseline, 1_000_000, 365.0, levers__audits__interval_days=1.0))
    (problem,) = info.value.problems
    assert problem.startswith("levers.audits.interval_days: the run would cost about ")
    assert "comes from this setting: audit less often" in problem


def test_the_same_fleet_auditing_monthly_is_admitted(baseline: Scenario) -> None:
    scenario = scenario_from_data(_fleet(baseline, 1_000_000, 365.0, levers__audits__interval_days=30.0))
    check_limits(scenario, 1)


def test_a_replications_override_is_refused_naming_the_setting_that_drives_the_work(baseline: Scenario) -> None:
    scenario = scenario_from_data(_fleet(baseline, 2_000, 1.0))
    admitted = max_replications(scenario)
    assert sum(expected_work(scenario, admitted).values()) <= MAX_WORK
    assert sum(expected_work(scenario, admitted + 1).values()) > MAX_WORK
    with pytest.raises(ScenarioError) as info:
        sim.run(scenario, replications=admitted + 1)
    assert info.value.problems[0].startswith("fleet.device_classes[0].release_interval_days: ")


def test_the_presets_and_the_million_device_benchmark_are_admitted(baseline: Scenario) -> None:
    check_limits(baseline, 200)
    data = _data(baseline)
    for cls in data["fleet"]["device_classes"]:
        cls["count"] *= 200  # 1,000,000 devices with the baseline's release cadences
    data["simulation"]["replications"] = 1
    check_limits(scenario_from_data(data), 1)
