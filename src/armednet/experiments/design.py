"""Sampling designs over the uncertainty space.

Every design is drawn on the unit hypercube first (so sensitivity analysis and PRIM can
work on a common scale) and then mapped through each uncertainty's quantile function.
Designs are deterministic functions of the spec and its seed.

References
----------
McKay, Beckman & Conover (1979), Latin hypercube sampling. Saltelli et al. (2010),
Variance based sensitivity analysis of model output. Morris (1991), Factorial sampling plans
for preliminary computational experiments. Herman & Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from armednet.experiments.spec import Design, ExperimentSpec, Uncertainty

__all__ = ["DesignMatrix", "make_design", "salib_problem", "transform"]


@dataclass(frozen=True)
class DesignMatrix:
    """The sampled design.

    Attributes
    ----------
    unit : pandas.DataFrame
        Points on the unit hypercube, one row per design point (index ``point``), one
        column per uncertainty.
    values : pandas.DataFrame
        The same points in parameter units.
    method : str
        The design method.
    """

    unit: pd.DataFrame
    values: pd.DataFrame
    method: str

    @property
    def n_points(self) -> int:
        return len(self.unit)


def salib_problem(uncertainties: list[Uncertainty]) -> dict[str, object]:
    """A SALib problem on the unit hypercube, one variable per uncertainty."""
    return {"num_vars": len(uncertainties), "names": [u.name for u in uncertainties],
            "bounds": [[0.0, 1.0]] * len(uncertainties)}


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


def _unit_points(design: Design, uncertainties: list[Uncertainty], seed: int) -> np.ndarray:
    d = len(uncertainties)
    if design.method == "baseline" or d == 0:
        return np.empty((1, 0))
    if design.method == "lhs":
        from scipy.stats import qmc

        return np.asarray(qmc.LatinHypercube(d=d, seed=np.random.default_rng(seed)).random(
            design.n))
    if design.method == "sobol":
        from SALib.sample import sobol

        return np.asarray(sobol.sample(salib_problem(uncertainties), design.n,
                                       calc_second_order=design.second_order,
                                       scramble=True, seed=seed))
    if design.method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(salib_problem(uncertainties), design.n,
                                        num_levels=design.levels, seed=seed))
    grid = (np.arange(design.levels) + 0.5) / design.levels
    return np.array(list(itertools.product(grid, repeat=d)))


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
    uncs = [] if spec.design.method == "baseline" else spec.uncertainties
    unit = _unit_points(spec.design, uncs, spec.seed)
    names = [u.name for u in uncs]
    index = pd.RangeIndex(len(unit), name="point")
    unit_df = pd.DataFrame(unit, columns=names, index=index)
    values = pd.DataFrame({u.name: transform(unit[:, i], u) for i, u in enumerate(uncs)},
                          index=index)
    return DesignMatrix(unit=unit_df, values=values, method=spec.design.method)
