"""Scenario files: the planners' format, its validation, and safe loading and saving.

A scenario is a YAML file validated by the pydantic models below. Every field has a
default, a unit in its name or description, and a range; unknown keys are refused.
The defaults are documented, with their sources or marked as assumptions, in
``docs/reference/scenario-keys.md``.

Loading never executes anything from the file: YAML is read with a safe loader that
also refuses anchors and aliases (the "billion laughs" expansion), files are size
limited, and a request that would exhaust the machine (fleet x horizon x replications)
is refused with a message naming the limit.

The package holds one idea per module: ``schema`` (the pydantic models), ``limits``
(run-size limits and the work estimate), ``messages`` (problem wording), ``files``
(safe reading and version migration) and ``saving`` (atomic saves and safe file names).
Everything public is re-exported here.
"""

from __future__ import annotations

from sim.scenario.files import (
    OLD_BREACH_CHANCES,
    dump_scenario,
    load_scenario,
    parse_yaml,
    scenario_from_data,
)
from sim.scenario.limits import (
    LIMIT_REASONS,
    MAX_DEVICE_DAYS,
    MAX_DEVICE_REPLICATIONS,
    MAX_DEVICES,
    MAX_FILE_BYTES,
    MAX_FILE_NAME_STEM,
    MAX_HORIZON_DAYS,
    MAX_NESTING,
    MAX_NODES,
    MAX_NUMBER_DIGITS,
    MAX_QUEUE_WORK,
    MAX_RECORD_CELLS,
    MAX_RELEASE_APPROVALS,
    MAX_REPLICATIONS,
    MAX_WORK,
    MIN_AUDIT_INTERVAL_DAYS,
    MIN_CHECKIN_DAYS,
    MIN_HALF_LIFE_DAYS,
    MIN_REFRESHER_INTERVAL_DAYS,
    MIN_SLA_DAYS,
    SHARE_TOLERANCE,
    WORK_PER_APPROVAL,
    WORK_PER_RELEASE,
    check_limits,
    expected_release_approvals,
    expected_work,
    max_replications,
)
from sim.scenario.messages import (
    MAX_PROBLEM_CHARS,
    MAX_PROBLEMS_SHOWN,
    FieldProblem,
    RefusedNumber,
    ScenarioError,
)
from sim.scenario.saving import (
    resolve_in_folder,
    safe_scenario_filename,
    save_scenario,
)
from sim.scenario.schema import (
    SCHEMA_VERSION,
    SEVERITIES,
    Audits,
    CentralManagement,
    Costs,
    Department,
    DeviceClass,
    ExploitationRate,
    Fleet,
    HumanFactors,
    Kpi,
    Levers,
    ReportingChannel,
    Risk,
    Scenario,
    SeverityDays,
    SeverityMix,
    Share,
    Simulation,
    Technicians,
    Training,
    UpdatePolicy,
)

__all__ = [
    "LIMIT_REASONS",
    "MAX_DEVICES",
    "MAX_DEVICE_DAYS",
    "MAX_DEVICE_REPLICATIONS",
    "MAX_FILE_BYTES",
    "MAX_FILE_NAME_STEM",
    "MAX_HORIZON_DAYS",
    "MAX_NESTING",
    "MAX_NODES",
    "MAX_NUMBER_DIGITS",
    "MAX_PROBLEMS_SHOWN",
    "MAX_PROBLEM_CHARS",
    "MAX_QUEUE_WORK",
    "MAX_RECORD_CELLS",
    "MAX_RELEASE_APPROVALS",
    "MAX_REPLICATIONS",
    "MAX_WORK",
    "MIN_AUDIT_INTERVAL_DAYS",
    "MIN_CHECKIN_DAYS",
    "MIN_HALF_LIFE_DAYS",
    "MIN_REFRESHER_INTERVAL_DAYS",
    "MIN_SLA_DAYS",
    "OLD_BREACH_CHANCES",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "SHARE_TOLERANCE",
    "WORK_PER_APPROVAL",
    "WORK_PER_RELEASE",
    "Audits",
    "CentralManagement",
    "Costs",
    "Department",
    "DeviceClass",
    "ExploitationRate",
    "FieldProblem",
    "Fleet",
    "HumanFactors",
    "Kpi",
    "Levers",
    "RefusedNumber",
    "ReportingChannel",
    "Risk",
    "Scenario",
    "ScenarioError",
    "SeverityDays",
    "SeverityMix",
    "Share",
    "Simulation",
    "Technicians",
    "Training",
    "UpdatePolicy",
    "check_limits",
    "dump_scenario",
    "expected_release_approvals",
    "expected_work",
    "load_scenario",
    "max_replications",
    "parse_yaml",
    "resolve_in_folder",
    "safe_scenario_filename",
    "save_scenario",
    "scenario_from_data",
]
