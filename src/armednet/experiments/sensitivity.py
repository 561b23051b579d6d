"""Global sensitivity analysis of experiment outcomes with SALib.

Sobol indices need a Saltelli (``sobol``) design and Morris elementary effects a ``morris``
design; both are computed per policy on the mean outcome over replications, on the unit
hypercube of the design (Sobol indices do not change under a monotone reparametrisation of
each input, and Morris effects are then comparable across parameters).

References
----------
Sobol' (2001), Global sensitivity indices for nonlinear mathematical models, Mathematics and
Computers in Simulation 55. Saltelli et al. (2010), Computer Physics Communications 181.
Morris (1991), Technometrics 33(2). Campolongo, Cariboni & Saltelli (2007), Environmental
Modelling & Software 22. Herman & Usher (2017), SALib, JOSS 2(9).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError

__all__ = ["morris_indices", "sobol_convergence", "sobol_indices"]


def _problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _point_means(outcomes: pd.DataFrame, outcome: str, policy: str, n_points: int) -> np.ndarray:
    g = outcomes[outcomes["policy"] == policy]
    if g.empty:
        raise InputError(f"no results for policy {policy!r}")
    if outcome not in g.columns:
        raise InputError(f"unknown outcome {outcome!r}")
    means = g.groupby("point")[outcome].mean()
    if len(means) < n_points:
        raise InputError("the experiment is incomplete: run it to the end before a "
                         "sensitivity analysis")
    y = means.reindex(range(n_points))
    if y.isna().any():
        raise InputError(f"outcome {outcome!r} is undefined at {int(y.isna().sum())} design "
                         "points (e.g. no attack while the trigger was off); sensitivity "
                         "indices need a value everywhere")
    return y.to_numpy(dtype=float)


def sobol_indices(unit: pd.DataFrame, outcomes: pd.DataFrame, outcome: str, policy: str,
                  second_order: bool = False, seed: int = 0,
                  base: int | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices with 95% bootstrap confidence intervals.

    Parameters
    ----------
    unit : pandas.DataFrame
        The Saltelli design on the unit hypercube (index ``point``).
    outcomes : pandas.DataFrame
        Wide outcomes of the experiment.
    outcome, policy : str
        What to analyse.
    second_order : bool
        Whether the design included second-order points.
    seed : int
        Seed of the bootstrap.
    base : int, optional
        Use only the first ``base`` base samples (for convergence checks).

    Returns
    -------
    pandas.DataFrame
        One row per parameter: ``S1, S1_conf, ST, ST_conf``.
    """
    from SALib.analyze import sobol

    names = list(unit.columns)
    d = len(names)
    block = 2 * d + 2 if second_order else d + 2
    y = _point_means(outcomes, outcome, policy, len(unit))
    if len(y) % block:
        raise InputError("the design is not a Saltelli design (use design method sobol)")
    if base is not None:
        y = y[: base * block]
    if np.allclose(y, y[0]):
        return pd.DataFrame({"S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0},
                            index=pd.Index(names, name="parameter"))
    res = sobol.analyze(_problem(names), y, calc_second_order=second_order,
                        conf_level=0.95, seed=seed)
    return pd.DataFrame({"S1": res["S1"], "S1_conf": res["S1_conf"], "ST": res["ST"],
                         "ST_conf": res["ST_conf"]}, index=pd.Index(names, name="parameter"))


def sobol_convergence(unit: pd.DataFrame, outcomes: pd.DataFrame, outcome: str, policy: str,
                      second_order: bool = False, seed: int = 0,
                      tolerance: float = 0.05) -> dict[str, Any]:
    """Check that total-order indices have settled as the base sample grows.

    The indices are recomputed on the first quarter, half and all of the base samples.
    The analysis counts as converged when every ST moved by less than ``tolerance`` from
    half to full sample (a common rule of thumb; see Sarrazin et al. 2016, Environmental
    Modelling & Software 79).

    Returns
    -------
    dict
        ``steps`` (base size -> ST per parameter), ``max_change`` and ``converged``.
    """
    d = unit.shape[1]
    block = 2 * d + 2 if second_order else d + 2
    n = len(unit) // block
    sizes = [s for s in (n // 4, n // 2, n) if s >= 4]
    steps = {s: sobol_indices(unit, outcomes, outcome, policy, second_order, seed, s)["ST"]
             for s in sizes}
    if len(sizes) < 2:
        return {"steps": {k: v.to_dict() for k, v in steps.items()}, "max_change": None,
                "converged": False}
    change = float((steps[sizes[-1]] - steps[sizes[-2]]).abs().max())
    return {"steps": {k: v.to_dict() for k, v in steps.items()}, "max_change": change,
            "converged": bool(change < tolerance)}


def morris_indices(unit: pd.DataFrame, outcomes: pd.DataFrame, outcome: str, policy: str,
                   levels: int = 4, seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects: ``mu``, ``mu_star`` (with 95% CI) and ``sigma``."""
    from SALib.analyze import morris

    names = list(unit.columns)
    y = _point_means(outcomes, outcome, policy, len(unit))
    res = morris.analyze(_problem(names), unit.to_numpy(dtype=float), y, num_levels=levels,
                         conf_level=0.95, seed=seed)
    return pd.DataFrame({"mu": res["mu"], "mu_star": res["mu_star"],
                         "mu_star_conf": res["mu_star_conf"], "sigma": res["sigma"]},
                        index=pd.Index(names, name="parameter"))
