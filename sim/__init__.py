"""IoT security-update programme simulator.

The public API:

* ``load_scenario(path_or_yaml_text) -> Scenario`` reads and validates a scenario file;
* ``dump_scenario(scenario) -> str`` and ``save_scenario(scenario, path)`` write one
  (atomically: a temp file renamed over the target);
* ``run(scenario, *, replications=None, seed=None, progress=None) -> Result`` simulates it;
  ``Result.summary`` holds the headline figures, ``Result.series`` the daily KPI and its
  companions as a pandas DataFrame, ``Result.replication_summary`` one row per
  replication, ``Result.to_dict()`` the JSON form;
* ``run_many(scenarios, *, replications=None, seed=None, executor=None, progress=None)``
  runs many at once (a local process pool, or a Dask cluster), each result equal to
  ``run``'s;
* ``paired_difference(a, b, metric) -> Difference`` is ``b − a`` over the same
  replications with its 95% interval (same seed: exact common random numbers);
* ``import_inventory(path_or_bytes, *, base=None, profile=None, ...) -> InventoryImport``
  reads a device inventory (CSV or JSON lines) into a scenario with its import report
  (``sim.inventory``).

Also re-exported for the app and the CLI: ``scenario_from_data``, ``check_limits``,
``max_replications``, ``safe_scenario_filename``, ``resolve_in_folder`` and the
``DeviceClass`` and ``Department`` models (the rest of ``sim.scenario`` stays inside).

``sim`` never imports a user interface; ``python -m sim`` is its command line.
"""

from sim.compare import Difference, best_columns, describe_changes, paired_difference, parameter_rows, summary_table
from sim.model import Interrupted
from sim.results import BANDS, Result, band
from sim.runner import run, run_many
from sim.scenario import (
    SCHEMA_VERSION,
    SEVERITIES,
    Department,
    DeviceClass,
    Scenario,
    ScenarioError,
    check_limits,
    dump_scenario,
    load_scenario,
    max_replications,
    resolve_in_folder,
    safe_scenario_filename,
    save_scenario,
    scenario_from_data,
)

# The goal seek (Optuna), the sensitivity screening (SALib) and the inventory import are imported when first used,
# so that ``import sim`` and the app do not load them.
_LAZY = {
    "Frontier": "sim.goal",
    "Plan": "sim.goal",
    "frontier": "sim.goal",
    "seek": "sim.goal",
    "sensitivity": "sim.sensitivity",
    "import_inventory": "sim.inventory",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


__all__ = [
    "BANDS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "Department",
    "DeviceClass",
    "Difference",
    "Frontier",
    "Interrupted",
    "Plan",
    "Result",
    "Scenario",
    "ScenarioError",
    "band",
    "best_columns",
    "check_limits",
    "describe_changes",
    "dump_scenario",
    "frontier",
    "import_inventory",
    "load_scenario",
    "max_replications",
    "paired_difference",
    "parameter_rows",
    "resolve_in_folder",
    "run",
    "run_many",
    "safe_scenario_filename",
    "save_scenario",
    "scenario_from_data",
    "seek",
    "sensitivity",
    "summary_table",
]
