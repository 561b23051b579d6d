"""The one registry of model parameters.

Each parameter is declared next to the mechanism that reads it (``PARAMS`` in each module
of :mod:`armednet.sim.mechanisms`); :data:`PARAMETERS` collects them. ``docs/model.md``'s
tables are rendered from it by :mod:`armednet.sim.docs`.

Examples
--------
>>> PARAMETERS["attack_base_rate"].unit
'attacks / week'
>>> resolve_params({"rent_rate": 0.05}, runs=3)["rent_rate"].shape
(3, 1)
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np

from armednet.errors import InputError
from armednet.sim.mechanisms import MODULES
from armednet.sim.mechanisms._base import Parameter

__all__ = ["PARAMETERS", "Parameter", "defaults", "resolve_params"]


def _collect() -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for module in MODULES:
        for p in getattr(module, "PARAMS", ()):
            if p.name in out:
                raise RuntimeError(f"parameter {p.name} declared twice")
            out[p.name] = p
    return out


PARAMETERS: dict[str, Parameter] = _collect()
"""Every model parameter by name."""


def defaults() -> dict[str, float]:
    """Default value of every parameter."""
    return {name: p.default for name, p in PARAMETERS.items()}


def resolve_params(params: Mapping[str, Any] | None, runs: int) -> dict[str, np.ndarray]:
    """Every parameter as a float array of shape ``(runs, 1)``.

    Parameters
    ----------
    params : mapping, optional
        Name -> scalar or array of shape ``(runs,)``; missing names take their defaults.
    runs : int
        Number of runs.

    Raises
    ------
    InputError
        Unknown names (with close matches), wrong shapes, non-finite values or values
        outside a parameter's admissible limits.
    """
    out: dict[str, np.ndarray] = {}
    given = dict(params or {})
    for name in given:
        if name not in PARAMETERS:
            near = difflib.get_close_matches(name, list(PARAMETERS), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"unknown model parameter {name!r}{hint}")
    for name, p in PARAMETERS.items():
        value = given.get(name, p.default)
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise InputError(f"parameter {name}: expected a number or an array of numbers, "
                             f"got {value!r}") from None
        if arr.ndim == 0:
            arr = np.full(runs, float(arr))
        elif arr.shape != (runs,):
            raise InputError(f"parameter {name}: expected a scalar or shape ({runs},), got "
                             f"shape {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise InputError(f"parameter {name}: values must be finite")
        if arr.min() < p.hard_low or arr.max() > p.hard_high:
            raise InputError(f"parameter {name}: values must lie in [{p.hard_low:g}, "
                             f"{p.hard_high:g}], got {arr.min():g} .. {arr.max():g}")
        out[name] = arr.reshape(runs, 1)
    return out
