"""Scenario files for the app: where they live, safe names, saving and uploads.

The folder is ``scenarios/`` next to ``app.py`` unless the environment variable
``IOT_SIM_SCENARIOS_DIR`` names another (the tests use a temporary folder, so they never
write into the repository). Saving derives a safe file name from the name the planner
typed, refuses to overwrite unless asked to, and writes atomically through
``sim.save_scenario``. Uploaded bytes are only ever parsed as data by
``sim.load_scenario`` (a safe YAML loader and the schema); nothing in them is executed.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

import sim
from sim import Scenario, ScenarioError

ENV_DIR = "IOT_SIM_SCENARIOS_DIR"
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_SCENARIO = "baseline.yaml"
SUFFIXES = (".yaml", ".yml")
MAX_UPLOAD_BYTES = 1_000_000  # same limit as the engine's MAX_FILE_BYTES and server.maxUploadSize
MAX_STEM = 60
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


def scenarios_dir() -> Path:
    """The folder the app lists and saves scenario files in."""
    configured = os.environ.get(ENV_DIR, "").strip()
    return Path(configured).expanduser() if configured else DEFAULT_DIR


def list_scenarios(folder: Path | None = None) -> list[Path]:
    """Every scenario file in the folder, by name (baseline first)."""
    folder = folder or scenarios_dir()
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=lambda p: (p.name != DEFAULT_SCENARIO, p.name.lower()))


def safe_file_name(name: str) -> str:
    """A file name made from a scenario's display name: lower-case letters, digits, '-' and '_'.

    'Q3 plan: 80% enrolled!' -> 'q3-plan-80-enrolled.yaml'. Path separators, dots and
    anything outside ASCII are dropped, so the result always lands inside the folder.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^a-z0-9_]+", "-", ascii_name.lower()).strip("-_")[:MAX_STEM].strip("-_")
    if not stem or stem in _WINDOWS_RESERVED:
        stem = f"scenario-{stem}" if stem else "scenario"
    return stem + ".yaml"


def save_as(scenario: Scenario, name: str, folder: Path | None = None, *, overwrite: bool = False) -> Path:
    """Save ``scenario`` under the display ``name`` into the folder; returns the path written.

    Raises ``FileExistsError`` when that file exists and ``overwrite`` is false, and
    ``ValueError`` when the name is blank.
    """
    name = name.strip()
    if not name:
        raise ValueError("Scenario name: type a name before saving")
    folder = folder or scenarios_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_file_name(name)
    if target.exists() and not overwrite:
        raise FileExistsError(str(target))
    return sim.save_scenario(renamed(scenario, name), target)


def renamed(scenario: Scenario, name: str) -> Scenario:
    """A copy of ``scenario`` carrying a new display name."""
    return scenario.model_copy(update={"name": name.strip()[:120] or scenario.name}, deep=True)


def read_upload(file_name: str, data: bytes) -> tuple[Scenario, str]:
    """Validate an uploaded scenario file; returns the scenario and its YAML text.

    Raises ``ScenarioError`` whose ``problems`` name the field at fault; the file's own
    name is its ``source``.
    """
    source = Path(file_name).name or "uploaded file"
    if Path(source).suffix.lower() not in SUFFIXES:
        raise ScenarioError(["(file name): a scenario file ends in .yaml or .yml"], source)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError([f"(file size): {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,}"], source)
    try:
        scenario = sim.load_scenario(bytes(data))
    except ScenarioError as exc:
        raise ScenarioError(exc.problems, source) from None
    return scenario, sim.dump_scenario(scenario)
