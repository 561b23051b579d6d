"""The one registry of model parameters.

Each parameter is declared inside the mechanism that reads it (its :class:`Mechanism`
record in :mod:`armednet.sim.mechanisms`); :data:`PARAMETERS` collects them.
``docs/model.md``'s tables are rendered from it by :mod:`armednet.sim.docs`.

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from armednet.errors import InputError
from armednet.sim.mechanisms import registry
from armednet.sim.mechanisms._base import Parameter

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["PARAMETERS", "UNCERTAINTY", "Parameter", "PriorDraws", "SetDraws", "defaults",
           "draw_parameter_sets",
           "draw_prior", "load_parameter_sets", "resolve_params"]


def _collect() -> dict[str, Parameter]:
    out: dict[str, Parameter] = {}
    for mech in registry():
        for p in mech.parameters:
            if p.name in out:
                raise RuntimeError(f"parameter {p.name} declared twice")
            out[p.name] = p
    return out


PARAMETERS: dict[str, Parameter] = _collect()
"""Every model parameter by name (from the mechanisms that declare them)."""


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


RESERVED_COLUMNS = ("weight", "draw", "log_weight")
"""Columns of a parameter-set table that are not parameters."""


def load_parameter_sets(path: str | Path) -> pd.DataFrame:
    """Read a table of parameter sets (a posterior from ``armednet calibrate``, or any
    Parquet or CSV file with one column per parameter and one row per set).

    An optional ``weight`` column gives each set's probability (normalised); other
    columns must be model parameters.

    Raises
    ------
    InputError
        Unreadable file, unknown columns, non-finite or inadmissible values.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: parameter-set file not found")
    try:
        table = pd.read_csv(path) if path.suffix.lower() == ".csv" else pd.read_parquet(path)
    except Exception as exc:  # pyarrow and pandas raise many types for bad files
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: not a Parquet or CSV table of parameter sets ({first})"
                         ) from None
    if table.empty:
        raise InputError(f"{path}: holds no parameter sets")
    for col in table.columns:
        if col in RESERVED_COLUMNS:
            continue
        if col not in PARAMETERS:
            near = difflib.get_close_matches(str(col), list(PARAMETERS), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"{path}: column {col!r} is not a model parameter{hint}")
    if "weight" in table.columns:
        w = table["weight"].to_numpy(dtype=float)
        if not np.all(np.isfinite(w)) or w.min() < 0 or w.sum() <= 0:
            raise InputError(f"{path}: weights must be finite, >= 0 and not all 0")
    # resolve_params checks every value against the parameter's admissible limits
    cols = [c for c in table.columns if c not in RESERVED_COLUMNS]
    resolve_params({c: table[c].to_numpy(dtype=float) for c in cols}, runs=len(table))
    return table


def draw_parameter_sets(table: pd.DataFrame, run_index: np.ndarray,
                        seed: int) -> dict[str, np.ndarray]:
    """Assign one parameter set to each run (by weight when the table has ``weight``).

    The set of run ``k`` depends only on ``seed`` and ``k`` (counter-based draws), so a
    slice of an ensemble gets the same sets as the whole.

    Returns
    -------
    dict of str to ndarray
        Parameter name -> values of shape ``(len(run_index),)``, for
        :func:`armednet.sim.engine.simulate`'s ``params``.
    """
    from armednet.sim.rng import run_keys, uniforms

    n = len(table)
    w = (table["weight"].to_numpy(dtype=float) if "weight" in table.columns
         else np.ones(n))
    cdf = np.cumsum(w) / w.sum()
    u = uniforms(run_keys(seed, np.asarray(run_index)), week=-1, stream=PARAMETER_STREAM,
                 n=1)[:, 0]
    pick = np.minimum(np.searchsorted(cdf, u, side="right"), n - 1)
    return {c: table[c].to_numpy(dtype=float)[pick] for c in table.columns
            if c not in RESERVED_COLUMNS}


PARAMETER_STREAM = 97
"""Random stream that assigns parameter sets to runs (distinct from the model's streams)."""
PRIOR_STREAM = 98
"""Random stream of parameter draws from the documented ranges (:func:`draw_prior`)."""

UNCERTAINTY = {
    "none": "random draws at fixed parameters",
    "prior": "parameter ranges (docs/model.md) and random draws",
    "posterior": "calibrated posterior parameter sets and random draws",
}
"""What an interval covers, by kind of uncertainty (every table and figure says which)."""


def draw_prior(run_index: np.ndarray, seed: int,
               names: list[str] | None = None) -> dict[str, np.ndarray]:
    """Draw each parameter per run from its documented range: uniform on ``[low, high]``,
    log-uniform where the range spans ten times or more (``low > 0``).

    The values of run ``k`` depend only on ``seed`` and ``k`` (counter-based draws).

    Examples
    --------
    >>> d = draw_prior(np.arange(4), seed=1, names=["rent_rate"])
    >>> bool(((d["rent_rate"] >= 0.002) & (d["rent_rate"] <= 0.3)).all())
    True
    """
    from armednet.sim.rng import run_keys, uniforms

    chosen = list(PARAMETERS) if names is None else names
    u = uniforms(run_keys(seed, np.asarray(run_index)), week=-1, stream=PRIOR_STREAM,
                 n=len(PARAMETERS))
    out = {}
    for j, name in enumerate(PARAMETERS):
        if name not in chosen:
            continue
        p = PARAMETERS[name]
        if p.low > 0 and p.high / p.low >= 10:
            out[name] = np.exp(np.log(p.low) + u[:, j] * (np.log(p.high) - np.log(p.low)))
        else:
            out[name] = p.low + u[:, j] * (p.high - p.low)
    return out


@dataclass(frozen=True, eq=False)
class PriorDraws:
    """Parameters drawn per run from their documented ranges (:func:`draw_prior`), drawn
    chunk by chunk when the engine needs them: ``simulate(..., draws=PriorDraws(seed))``
    keeps memory bounded whatever the number of runs (a table of every run's ~80
    parameters costs 640 bytes a run: 6.4 GB at 10 million).

    Attributes
    ----------
    seed : int
        Seed of the draws (the values of run ``k`` depend only on it and ``k``).
    exclude : frozenset of str
        Parameters not drawn (e.g. fixed by the user).
    """

    seed: int
    exclude: frozenset[str] = frozenset()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n in PARAMETERS if n not in self.exclude)

    def __call__(self, run_index: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the runs ``run_index`` (global indices)."""
        return draw_prior(run_index, self.seed, list(self.names))

    def describe(self) -> dict[str, dict[str, Any]]:
        """For each drawn parameter, the bounds of its draws and how it is drawn (what
        the stored metadata records)."""
        how = f"per run from its range (seed {self.seed})"
        return {n: {"min": PARAMETERS[n].low, "max": PARAMETERS[n].high, "drawn": how}
                for n in self.names}

    def validate(self) -> None:
        """Nothing to check: every range lies within the parameter's admissible limits
        (:class:`Parameter` checks it)."""


@dataclass(frozen=True, eq=False)
class SetDraws:
    """One parameter set per run from a table (:func:`draw_parameter_sets`), drawn chunk
    by chunk like :class:`PriorDraws`.

    Attributes
    ----------
    table : pandas.DataFrame
        The sets (:func:`load_parameter_sets`).
    seed : int
        Seed of the assignment of sets to runs.
    """

    table: pd.DataFrame
    seed: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.table.columns if c not in RESERVED_COLUMNS)

    def __call__(self, run_index: np.ndarray) -> dict[str, np.ndarray]:
        """The values of the runs ``run_index`` (global indices)."""
        return draw_parameter_sets(self.table, run_index, self.seed)

    def describe(self) -> dict[str, dict[str, Any]]:
        """For each parameter, the bounds of its sets and how it is drawn."""
        how = f"one of {len(self.table)} parameter sets per run (seed {self.seed})"
        return {n: {"min": float(self.table[n].min()), "max": float(self.table[n].max()),
                    "drawn": how} for n in self.names}

    def validate(self) -> None:
        """Check every set against the parameters' admissible limits.

        Raises
        ------
        InputError
            A value outside its parameter's limits, or an unknown parameter.
        """
        resolve_params({c: self.table[c].to_numpy(dtype=float) for c in self.names},
                       runs=len(self.table))
