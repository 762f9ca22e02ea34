"""The simulations a report rests on, from scenario files (the command line's path; the app
passes the results it already has).

The what-if and the loaded scenario run with one seed and one number of replications (the
what-if's own unless given), so they differ only by their settings; each lever that differs
between them is then run alone from the same base (``sim.effects``), as the app does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from sim import Result, Scenario, effects, run_many


@dataclass(frozen=True)
class Inputs:
    """The results a report is built from."""

    whatif: Result
    loaded: Result
    effects: pd.DataFrame | None


def simulate(
    whatif: Scenario,
    loaded: Scenario | None = None,
    *,
    replications: int | None = None,
    seed: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Inputs:
    """Run the what-if and the loaded scenario (default: the what-if alone) with the same seed
    and replications, then the lever effects when levers differ."""
    reps = whatif.simulation.replications if replications is None else int(replications)
    seed = whatif.simulation.seed if seed is None else int(seed)
    if loaded is None:
        (result,) = run_many([whatif], replications=reps, seed=seed, progress=progress)
        return Inputs(result, result, None)
    whatif_result, loaded_result = run_many([whatif, loaded], replications=reps, seed=seed, progress=progress)
    table = effects.lever_effects(whatif, loaded, reps, seed) if effects.moved_levers(whatif, loaded) else None
    return Inputs(whatif_result, loaded_result, table)


__all__ = ["Inputs", "simulate"]
