"""Simulate: the model's mechanisms, its parameters and policies, and the vectorised engine.

The public face of the package; names load on first use, so importing it does no work::

    from armednet.sim import simulate, PARAMETERS, MECHANISMS, resolve_policy
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armednet._lazy import lazy_getattr

if TYPE_CHECKING:
    from armednet.sim.engine import Ensemble, SimulationResult, prepare, simulate
    from armednet.sim.mechanisms import MECHANISMS, PIPELINE, Mechanism, Parameter
    from armednet.sim.output import (
        summary_table,
        survival,
        tidy_groups,
        tidy_weekly,
        write_parquet,
    )
    from armednet.sim.params import (
        PARAMETERS,
        defaults,
        draw_parameter_sets,
        load_parameter_sets,
        resolve_params,
    )
    from armednet.sim.policy import LEVER_KINDS, PRESETS, Policy, preset, resolve_policy

_EXPORTS = {
    "engine": ("Ensemble", "SimulationResult", "prepare", "simulate"),
    "mechanisms": ("MECHANISMS", "PIPELINE", "Mechanism", "Parameter"),
    "output": ("summary_table", "survival", "tidy_groups", "tidy_weekly", "write_parquet"),
    "params": ("PARAMETERS", "defaults", "draw_parameter_sets", "load_parameter_sets",
               "resolve_params"),
    "policy": ("LEVER_KINDS", "PRESETS", "Policy", "preset", "resolve_policy"),
}
__all__ = [
    "LEVER_KINDS",
    "MECHANISMS",
    "PARAMETERS",
    "PIPELINE",
    "PRESETS",
    "Ensemble",
    "Mechanism",
    "Parameter",
    "Policy",
    "SimulationResult",
    "defaults",
    "draw_parameter_sets",
    "load_parameter_sets",
    "prepare",
    "preset",
    "resolve_params",
    "resolve_policy",
    "simulate",
    "summary_table",
    "survival",
    "tidy_groups",
    "tidy_weekly",
    "write_parquet",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
