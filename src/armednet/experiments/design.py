"""Sampling designs over the uncertainty space, and the random streams of their rows.

Every design is drawn on the unit hypercube first (so sensitivity analysis and PRIM can
work on a common scale) and then mapped through each uncertainty's quantile function.
Designs are deterministic functions of the spec and its seed.

Besides the spec's uncertainties a design may hold two columns of its own:

- ``network`` (when the spec has ``network: {variants: V}``): the index of the plausible
  network a world runs on, ``floor(u * V)``; one input standing for all the ties and
  estimates of the scenario (a Sobol group).
- ``dummy`` (Sobol and Morris designs, unless ``design.dummy`` is false): an input no
  mechanism reads, removed before the engine runs. Its indices are the noise floor of the
  sensitivity analysis (Saltelli et al. 2008, ch. 4; Marrel et al. 2012).

Common random numbers across the rows of a design
-------------------------------------------------
Sensitivity estimators compare rows that differ in one input: ``A`` and ``AB_j`` in a
Saltelli design, consecutive points of a Morris trajectory. If each row drew its own random
numbers, every such difference would carry the simulation noise, and a parameter no
mechanism reads would get a large total index. So rows that are compared share their random
streams: every point has a *stream group* (:func:`stream_groups`), and run ``(point, r)``
draws from stream ``group * replications + r``. In a Saltelli design the rows built from
base sample ``i``'s ``A`` matrix (``A``, ``AB_1 .. AB_d``) form one group and the rows built
from its ``B`` matrix (``BA_j``, ``B``) another; in a Morris design each trajectory is a
group; in other designs every point is its own group (the streams are the global run
indices). Groups are independent draws, so base samples stay independent (the bootstrap of
the indices and the claims' intervals rely on it), and the indices are those of the model
with its random numbers as one more input that is never swapped: noise counts in the
variance but not in the differences.

References
----------
McKay, Beckman & Conover (1979), Latin hypercube sampling. Saltelli et al. (2010),
Variance based sensitivity analysis of model output, Computer Physics Communications 181.
Saltelli et al. (2008), *Global Sensitivity Analysis: The Primer*, Wiley. Marrel, Iooss,
Da Veiga & Ribatet (2012), Global sensitivity analysis of stochastic computer models with
joint metamodels, Statistics and Computing 22. Morris (1991), Factorial sampling plans for
preliminary computational experiments. Herman & Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from armednet.experiments.spec import Design, ExperimentSpec, Uncertainty

__all__ = ["DUMMY", "NETWORK", "DesignMatrix", "design_columns", "independent_worlds",
           "make_design", "salib_problem", "stream_groups", "transform"]

DUMMY = "dummy"
"""Name of the design column no mechanism reads (the noise floor of sensitivity indices)."""

NETWORK = "network"
"""Name of the design column holding each world's network variant."""


@dataclass(frozen=True)
class DesignMatrix:
    """The sampled design.

    Attributes
    ----------
    unit : pandas.DataFrame
        Points on the unit hypercube, one row per design point (index ``point``), one
        column per input (the spec's uncertainties, then ``network`` and ``dummy`` when
        present).
    values : pandas.DataFrame
        The same points in parameter units (``network``: the variant index).
    method : str
        The design method.
    groups : numpy.ndarray, optional
        Stream group of each point (:func:`stream_groups`); default: the point itself.
    """

    unit: pd.DataFrame
    values: pd.DataFrame
    method: str
    groups: np.ndarray | None = None

    @property
    def n_points(self) -> int:
        return len(self.unit)

    @property
    def parameters(self) -> list[str]:
        """The columns that are model parameters (what the engine receives)."""
        return [str(c) for c in self.values.columns if c not in (DUMMY, NETWORK)]

    def stream_groups(self) -> np.ndarray:
        """The stream group of every point."""
        if self.groups is None:
            return np.arange(self.n_points, dtype=np.int64)
        return self.groups


def salib_problem(uncertainties: list[Uncertainty] | list[str]) -> dict[str, object]:
    """A SALib problem on the unit hypercube, one variable per uncertainty (or name)."""
    names = [u if isinstance(u, str) else u.name for u in uncertainties]
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def transform(u: np.ndarray, unc: Uncertainty) -> np.ndarray:
    """Map unit-interval values ``u`` to parameter values through the quantile function."""
    u = np.clip(u, 0.0, 1.0)
    if unc.dist == "uniform":
        return unc.low + u * (unc.high - unc.low)
    if unc.dist == "loguniform":
        return np.exp(np.log(unc.low) + u * (np.log(unc.high) - np.log(unc.low)))
    if unc.dist == "triangular":
        assert unc.mode is not None
        c = (unc.mode - unc.low) / (unc.high - unc.low)
        return np.asarray(stats.triang.ppf(u, c, loc=unc.low, scale=unc.high - unc.low))
    assert unc.mean is not None and unc.sd is not None
    a, b = (unc.low - unc.mean) / unc.sd, (unc.high - unc.mean) / unc.sd
    return np.asarray(stats.truncnorm.ppf(u, a, b, loc=unc.mean, scale=unc.sd))


def _unit_points(design: Design, names: list[str], seed: int) -> np.ndarray:
    d = len(names)
    if design.method == "baseline" or d == 0:
        return np.empty((1, 0))
    if design.method == "lhs":
        from scipy.stats import qmc

        return np.asarray(qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(
            design.n))
    if design.method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(salib_problem(names), design.n,
                                       calc_second_order=design.second_order,
                                       scramble=True, seed=seed))
    if design.method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(salib_problem(names), design.n,
                                        num_levels=design.levels, seed=seed))
    grid = (np.arange(design.levels) + 0.5) / design.levels
    return np.array(list(itertools.product(grid, repeat=d)))


def stream_groups(method: str, n_points: int, d: int, second_order: bool = False
                  ) -> np.ndarray:
    """The stream group of each point of a design: rows that are compared share one.

    Parameters
    ----------
    method : str
        Design method.
    n_points, d : int
        Number of points and of design columns (every input, ``dummy`` included).
    second_order : bool
        Whether a Saltelli design has ``BA`` rows.

    Returns
    -------
    numpy.ndarray
        One integer per point: Saltelli, ``2 * base + side`` (side 0 for ``A`` and
        ``AB_j``, 1 for ``BA_j`` and ``B``); Morris, the trajectory; otherwise the point.

    Examples
    --------
    >>> stream_groups("sobol", 8, 2).tolist()   # blocks of A, AB_1, AB_2, B
    [0, 0, 0, 1, 2, 2, 2, 3]
    >>> stream_groups("morris", 6, 2).tolist()  # trajectories of d + 1 points
    [0, 0, 0, 1, 1, 1]
    """
    points = np.arange(n_points, dtype=np.int64)
    if method == "sobol" and d:
        block = 2 * d + 2 if second_order else d + 2
        side = (points % block > d).astype(np.int64)
        return 2 * (points // block) + side
    if method == "morris" and d:
        return points // (d + 1)
    return points


def independent_worlds(points: np.ndarray | pd.Index, method: str, d: int,
                       second_order: bool = False,
                       replication: np.ndarray | pd.Index | None = None) -> np.ndarray:
    """Mask of the rows of a frame (one per run) that count as independent worlds.

    A world is independent of the others when its parameters and its random numbers are
    both drawn independently. In a Saltelli design the ``A`` and ``B`` rows of each base
    sample are (they have their own values and their own stream groups); the ``AB_j`` and
    ``BA_j`` rows repeat them but for one input, and share their random numbers. In a
    Morris design each trajectory's first point is. In other designs every point is.
    Replications of a point share its parameters, so only the first counts (a
    conservative count for an interval): only replication 0 is kept.

    Parameters
    ----------
    points : array of int
        The ``point`` of each row.
    method : str
        Design method.
    d : int
        Number of design columns (every input, ``dummy`` and ``network`` included).
    second_order : bool
        Whether a Saltelli design has ``BA`` rows.
    replication : array of int, optional
        The ``replication`` of each row (default: all 0).

    Returns
    -------
    numpy.ndarray of bool
        True for the rows that count.

    Examples
    --------
    >>> independent_worlds([0, 1, 2, 3, 4], "sobol", 2).tolist()
    [True, False, False, True, True]
    """
    pts = np.asarray(points, dtype=np.int64)
    first = (np.ones(len(pts), dtype=bool) if replication is None
             else np.asarray(replication) == 0)
    if method == "sobol" and d:
        block = 2 * d + 2 if second_order else d + 2
        pos = pts % block
        return first & ((pos == 0) | (pos == block - 1))
    if method == "morris" and d:
        return first & (pts % (d + 1) == 0)
    return first


def design_columns(spec: ExperimentSpec) -> list[str]:
    """The columns of the design of ``spec``: its uncertainties, then ``network`` and
    ``dummy`` when the spec has them."""
    if spec.design.method == "baseline":
        return []
    names = [u.name for u in spec.uncertainties]
    if spec.network is not None:
        names.append(NETWORK)
    if spec.design.dummy and spec.design.method in ("sobol", "morris"):
        names.append(DUMMY)
    return names


def make_design(spec: ExperimentSpec) -> DesignMatrix:
    """Sample the design of ``spec`` (deterministic in ``spec.seed``).

    Examples
    --------
    >>> from armednet.experiments.spec import ExperimentSpec
    >>> spec = ExperimentSpec(name="x", levers=["status-quo"],
    ...     outcomes=[{"name": "a", "variable": "attacks"}],
    ...     uncertainties=[{"name": "p", "low": 0, "high": 2}], design={"n": 5})
    >>> dm = make_design(spec)
    >>> dm.n_points, bool(((dm.values["p"] >= 0) & (dm.values["p"] <= 2)).all())
    (5, True)
    """
    # A baseline design ignores the uncertainties: every parameter keeps its default.
    names = design_columns(spec)
    unit = _unit_points(spec.design, names, spec.seed)
    index = pd.RangeIndex(len(unit), name="point")
    unit_df = pd.DataFrame(unit, columns=names, index=index)
    by_name = {u.name: u for u in spec.uncertainties}
    values: dict[str, np.ndarray] = {}
    for i, name in enumerate(names):
        if name == NETWORK:
            assert spec.network is not None
            v = spec.network.variants
            values[name] = np.minimum(np.floor(unit[:, i] * v), v - 1)
        elif name == DUMMY:
            values[name] = unit[:, i]
        else:
            values[name] = transform(unit[:, i], by_name[name])
    groups = stream_groups(spec.design.method, len(unit), len(names), spec.design.second_order)
    return DesignMatrix(unit=unit_df, values=pd.DataFrame(values, index=index),
                        method=spec.design.method, groups=groups)
