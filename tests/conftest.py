"""Shared fixtures: the bundled scenarios and small scenarios built in code."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def baseline() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "baseline.yaml")
