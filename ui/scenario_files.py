"""Scenario files for the app: where they live, safe names, saving and uploads.

The folder is ``scenarios/`` next to ``app.py`` unless the environment variable
``IOT_SIM_SCENARIOS_DIR`` names another (the tests use a temporary folder, so they never
write into the repository). Saving uses the engine's rules, so there is one of each:
``sim.safe_scenario_filename`` makes the file name from the name the planner
typed, ``resolve_in_folder`` keeps it inside the folder, and ``sim.save_scenario`` writes
atomically and, unless an overwrite was confirmed, never replaces an existing file (the
check and the write are one step, so two sessions saving the same name cannot both win).
Uploaded bytes are only ever parsed as data by ``sim.load_scenario`` (a safe YAML loader
and the schema); nothing in them is executed.
"""

from __future__ import annotations

import os
from pathlib import Path

import sim
from sim import Scenario, ScenarioError, resolve_in_folder, safe_scenario_filename

ENV_DIR = "IOT_SIM_SCENARIOS_DIR"
DEFAULT_DIR = Path(__file__).resolve().parents[1] / "scenarios"
DEFAULT_SCENARIO = "baseline.yaml"
SUFFIXES = (".yaml", ".yml")
MAX_UPLOAD_BYTES = 1_000_000  # same limit as the engine's MAX_FILE_BYTES and server.maxUploadSize
# The bundled presets (docs/presets/): the app never replaces them, so a shared server keeps
# its reference scenarios whatever a visitor saves.
PRESETS = frozenset(
    {
        "baseline.yaml",
        "case_study.yaml",
        "global_average.yaml",
        "top_quartile.yaml",
        "automation_without_audits.yaml",
        "automation_with_audits.yaml",
        "no_clear_policy.yaml",
    }
)


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


def save_as(scenario: Scenario, name: str, folder: Path | None = None, *, overwrite: bool = False) -> Path:
    """Save ``scenario`` under the display ``name`` into the folder; returns the path written.

    The file name is ``safe_scenario_filename(name)``. Raises ``FileExistsError`` when that
    file exists and ``overwrite`` is false, ``ValueError`` when the name is blank,
    ``ScenarioError`` (a ValueError) when the file name is a bundled preset's or resolves
    outside the folder (a symbolic link there pointing elsewhere), and ``OSError`` when the
    folder cannot be written.
    """
    name = name.strip()
    if not name:
        raise ValueError("Scenario name: type a name before saving")
    folder = folder or scenarios_dir()
    file_name = safe_scenario_filename(name)
    if file_name in PRESETS:
        raise ScenarioError(
            [f"Scenario name: {file_name} is a bundled preset, which is kept as it is; choose another name"]
        )
    folder.mkdir(parents=True, exist_ok=True)
    target = resolve_in_folder(folder, file_name)
    if target.name in PRESETS:  # the name typed is not a preset's, but a link in the folder points at one
        raise ScenarioError(
            [
                f"Scenario name: {file_name} leads to the bundled preset {target.name}, which is kept as it is; "
                "choose another name"
            ]
        )
    return sim.save_scenario(renamed(scenario, name), target, overwrite=overwrite)


def savable_filename(name: str) -> str:
    """The file name offered for a download of a scenario called ``name``: its safe file
    name, or, where that is a bundled preset's (which the folder keeps as it is), the same
    name with '-what-if' added, so the file can be saved back into the folder."""
    file_name = safe_scenario_filename(name)
    return file_name if file_name not in PRESETS else file_name.removesuffix(".yaml") + "-what-if.yaml"


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
