"""Small scenarios built in code, for tests that pin one mechanism down at a time."""

from __future__ import annotations

import copy
from typing import Any

from sim.scenario import Scenario


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def one_class(
    *,
    count: int = 1000,
    interval: float = 30.0,
    cadence: str = "fixed",
    sla: float | None = None,
    mix: dict[str, float] | None = None,
    **overrides: Any,
) -> Scenario:
    """A one-class, one-department fleet with every human and failure effect switched off;
    ``overrides`` (nested dicts) switch on what a test is about."""
    device: dict[str, Any] = {
        "name": "sensors",
        "count": count,
        "release_interval_days": interval,
        "release_cadence": cadence,
        "ota_capable": 1.0,
        "install_failure_rate": 0.0,
        "silent_failure_share": 0.0,
        "faulty_release_share": 0.0,
        "manual_minutes": 30,
    }
    if mix is not None:
        device["severity_mix"] = mix
    device.update(overrides.pop("device", {}))
    data: dict[str, Any] = {
        "name": "test",
        "simulation": {"horizon_days": 365, "replications": 4, "seed": 11},
        "fleet": {
            "initial_compliance": 1.0,
            "device_classes": [device],
            "departments": [{"name": "only", "share": 1.0, "approval_delay_days": 0}],
        },
        "human_factors": {"manual_error_rate": 0.0, "disable_rate_per_month": 0.0},
        "levers": {
            "central_management": {"enrolled_share": 0.0, "onboarding_days": 0, "checkin_days": 1.0, "waves": [1.0]},
            "update_policy": {"clarity": 1.0, "approval_delay_days": 0},
            "technicians": {"count": 0, "hours_per_day": 6},
        },
    }
    if sla is not None:
        data["kpi"] = {"sla_days": {"critical": sla, "high": sla, "medium": sla, "low": sla}}
    return Scenario.model_validate(deep_merge(data, overrides))


def modified(scenario: Scenario, **changes: Any) -> Scenario:
    """A copy of ``scenario`` with nested changes applied (validated again)."""
    return Scenario.model_validate(deep_merge(scenario.model_dump(), changes))
