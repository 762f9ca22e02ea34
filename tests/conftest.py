"""Shared fixtures: the bundled scenarios and small scenarios built in code."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import sim

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def baseline() -> sim.Scenario:
    return sim.load_scenario(SCENARIOS / "baseline.yaml")


@pytest.fixture(autouse=True)
def _main_module_kept() -> Iterator[None]:
    """Put back the interpreter's ``__main__`` after each test. Streamlit's script runner (under
    AppTest too) installs the page script as ``__main__`` and leaves it there; a process spawned
    afterwards (a Dask nanny's worker, say) would then start by running the app."""
    main = sys.modules.get("__main__")
    yield
    if main is not None:
        sys.modules["__main__"] = main
