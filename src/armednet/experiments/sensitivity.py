"""Global sensitivity analysis of experiment outcomes with SALib, above the noise.

Sobol indices need a Saltelli (``sobol``) design and Morris elementary effects a ``morris``
design; both are computed per policy on the mean outcome over replications (replications
averaged per row), on the unit hypercube of the design (Sobol indices do not change under a
monotone reparametrisation of each input, and Morris effects are then comparable across
parameters).

The model is stochastic. Rows that the estimators compare share their random numbers
(:func:`armednet.experiments.design.stream_groups`), and the design carries a ``dummy``
input that no mechanism reads. The dummy's indices, upper confidence bound included, are
the *noise floor* (:func:`noise_floor`): an index counts as a finding only when its lower
confidence bound lies above the floor and its value has settled as the base sample grew
(:func:`screen_indices`). Everything else is reported as within the noise. With common
random numbers a parameter no mechanism reads changes no run, so the dummy's indices are
zero and the floor is the bootstrap uncertainty of each index; without them (each row with
its own random numbers) the dummy would get a total index near the share of the outcome's
variance that is noise, and so would every parameter.

With replications, :func:`noise_share` estimates that share directly: the mean variance
between replications of a point over the variance of single runs (the total index of the
random numbers, Marrel et al. 2012). With network uncertainty the ``network`` input is one
group of all the scenario's uncertain ties and estimates; :func:`paired_tie_effects`
(Saltelli designs: pairs of worlds that differ only in their network) and
:func:`tie_effects` (other designs: worlds grouped by network) say which ties move an
outcome, and :func:`variance_share` estimates the network's share of variance in designs
without Sobol indices.

References
----------
.. [1] I. M. Sobol', "Global sensitivity indices for nonlinear mathematical models and
   their Monte Carlo estimates", Mathematics and Computers in Simulation 55, 2001.
.. [2] A. Saltelli, M. Ratto, T. Andres, F. Campolongo, J. Cariboni, D. Gatelli, M. Saisana
   and S. Tarantola, *Global Sensitivity Analysis: The Primer*, Wiley, 2008 (the dummy
   parameter and the screening of indices, ch. 3-4).
.. [3] A. Saltelli et al., "Variance based sensitivity analysis of model output", Computer
   Physics Communications 181, 2010.
.. [4] A. Marrel, B. Iooss, S. Da Veiga and M. Ribatet, "Global sensitivity analysis of
   stochastic computer models with joint metamodels", Statistics and Computing 22, 2012.
.. [5] M. D. Morris, Technometrics 33(2), 1991; F. Campolongo, J. Cariboni and A. Saltelli,
   Environmental Modelling & Software 22, 2007.
.. [6] K. M. Carley, "Dynamic network analysis", in *Dynamic Social Network Modeling and
   Analysis*, National Academies Press, 2003; G. Kossinets, "Effects of missing data in
   social networks", Social Networks 28(3), 2006 (uncertain and missing ties).
.. [7] J. Herman and W. Usher, SALib, JOSS 2(9), 2017.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.experiments.design import DUMMY

__all__ = ["morris_indices", "noise_floor", "noise_share", "paired_tie_effects",
           "screen_indices", "sobol_convergence", "sobol_indices", "tie_effects",
           "variance_share"]


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
    """Check that the indices have settled as the base sample grows.

    The indices are recomputed on the first quarter, half and all of the base samples.
    The analysis as a whole counts as converged when every total index moved by less than
    ``tolerance`` from half to full sample (a common rule of thumb; see Sarrazin et al.
    2016, Environmental Modelling & Software 79); :func:`screen_indices` judges each index
    against its own interval.

    Returns
    -------
    dict
        ``steps`` (base size -> ST per parameter), ``change`` (``{"ST": {parameter: |move|},
        "S1": {...}}`` from half to full sample, or None), ``max_change`` (of ST) and
        ``converged``.
    """
    d = unit.shape[1]
    block = 2 * d + 2 if second_order else d + 2
    n = len(unit) // block
    sizes = [s for s in (n // 4, n // 2, n) if s >= 4]
    full = {s: sobol_indices(unit, outcomes, outcome, policy, second_order, seed, s)
            for s in sizes}
    steps = {k: v["ST"].to_dict() for k, v in full.items()}
    if len(sizes) < 2:
        return {"steps": steps, "change": None, "max_change": None, "converged": False}
    last, before = full[sizes[-1]], full[sizes[-2]]
    d_st = (last["ST"] - before["ST"]).abs()
    d_s1 = (last["S1"] - before["S1"]).abs()
    return {"steps": steps, "change": {"ST": d_st.to_dict(), "S1": d_s1.to_dict()},
            "max_change": float(d_st.max()), "converged": bool(d_st.max() < tolerance)}


def noise_floor(indices: pd.DataFrame, dummy: str = DUMMY) -> dict[str, float] | None:
    """The noise floor of a set of indices: the dummy's upper confidence bounds.

    Parameters
    ----------
    indices : pandas.DataFrame
        :func:`sobol_indices` (``S1, S1_conf, ST, ST_conf``) or :func:`morris_indices`
        (``mu_star, mu_star_conf``), one row per input.
    dummy : str
        The row of the input no mechanism reads.

    Returns
    -------
    dict or None
        Per index (``S1``, ``ST`` or ``mu_star``), the dummy's value plus its confidence
        half-width; None when the design has no dummy.

    Examples
    --------
    >>> ix = pd.DataFrame({"S1": [0.5, 0.0], "S1_conf": [0.1, 0.02], "ST": [0.6, 0.01],
    ...                    "ST_conf": [0.1, 0.01]}, index=["a", "dummy"])
    >>> noise_floor(ix)
    {'S1': 0.02, 'ST': 0.02}
    """
    if dummy not in indices.index:
        return None
    row = {str(k): float(v) for k, v in indices.loc[dummy].to_dict().items()}
    keys = [k for k in ("S1", "ST", "mu_star") if k in indices.columns]
    return {k: max(row[k], 0.0) + row.get(f"{k}_conf", 0.0) for k in keys}


def screen_indices(indices: pd.DataFrame, floor: dict[str, float] | None,
                   change: dict[str, dict[str, float]] | None = None,
                   tolerance: float = 0.05) -> pd.DataFrame:
    """Which indices are findings: above the noise floor and converged.

    An index is *distinguishable* from the dummy when its lower confidence bound (value
    minus half-width) lies above the floor (the dummy's upper bound; zero without a dummy).
    It has *converged* when its estimate from half the base sample lies within the full
    sample's 95% interval or within ``tolerance`` of it (``change``, from
    :func:`sobol_convergence`): the interval has settled around the estimate. Morris
    effects have no such check. A parameter is *shown* when its total index (Sobol) or
    ``mu_star`` (Morris) is both; its first-order index is shown when that one is too.

    Parameters
    ----------
    indices : pandas.DataFrame
        :func:`sobol_indices` or :func:`morris_indices`.
    floor : dict or None
        :func:`noise_floor`.
    change : dict, optional
        ``{"ST": {parameter: |move|}, "S1": {...}}`` from half to full base sample; without
        it no Sobol index counts as converged.
    tolerance : float
        Moves below this always count as converged.

    Returns
    -------
    pandas.DataFrame
        ``indices`` with boolean columns ``above_floor``, ``converged``, ``shown`` (and
        ``S1_above_floor``, ``S1_converged``, ``S1_shown`` for Sobol); the dummy's row is
        never shown.

    Examples
    --------
    >>> ix = pd.DataFrame({"S1": [0.5, 0.02, 0.0], "S1_conf": [0.1, 0.03, 0.0],
    ...                    "ST": [0.6, 0.05, 0.0], "ST_conf": [0.1, 0.06, 0.0]},
    ...                   index=["a", "b", "dummy"])
    >>> moved = {"ST": {"a": 0.08, "b": 0.01, "dummy": 0.0}, "S1": {"a": 0.2}}
    >>> screen_indices(ix, noise_floor(ix), moved)[["shown", "S1_shown"]]
           shown  S1_shown
    a       True     False
    b      False     False
    dummy  False     False
    """
    out = indices.copy()
    key = "ST" if "ST" in out.columns else "mu_star"
    base = floor or {}

    def settled(k: str) -> pd.Series:
        if key == "mu_star":
            return pd.Series(True, index=out.index)
        if change is None:
            return pd.Series(False, index=out.index)
        moved = pd.Series(change.get(k, {}), dtype=float).reindex(out.index)
        return moved.fillna(np.inf) < np.maximum(tolerance, out[f"{k}_conf"])

    out["above_floor"] = (out[key] - out[f"{key}_conf"]) > base.get(key, 0.0)
    out["converged"] = settled(key)
    out["shown"] = out["above_floor"] & out["converged"] & (out.index != DUMMY)
    if key == "ST":
        out["S1_above_floor"] = (out["S1"] - out["S1_conf"]) > base.get("S1", 0.0)
        out["S1_converged"] = settled("S1")
        out["S1_shown"] = out["S1_above_floor"] & out["S1_converged"] & out["shown"]
    return out


def noise_share(outcomes: pd.DataFrame, outcome: str, policy: str) -> float | None:
    """Share of the variance of single runs that is random noise (replications needed).

    The mean, over design points, of the variance between a point's replications, over
    the variance of every run: the total index of the random numbers (Marrel et al.
    2012). None with a single replication.

    Examples
    --------
    >>> df = pd.DataFrame({"policy": "p", "point": [0, 0, 1, 1], "replication": [0, 1] * 2,
    ...                    "y": [1.0, 3.0, 11.0, 13.0]})
    >>> round(noise_share(df, "y", "p"), 3)
    0.058
    """
    g = outcomes[outcomes["policy"] == policy]
    if g.empty or outcome not in g.columns or g["replication"].nunique() < 2:
        return None
    total = float(g[outcome].var(ddof=1))
    if not np.isfinite(total) or total <= 0:
        return None
    within = float(g.groupby("point")[outcome].var(ddof=1).mean())
    return float(min(1.0, within / total))


def variance_share(y: np.ndarray, groups: np.ndarray) -> float | None:
    """Share of the variance of ``y`` carried by ``groups`` (a first-order index).

    The one-way random-effects estimate: the variance between group means, less what the
    variance within groups puts there by chance, over the total. Used for the network's
    share in designs without Sobol indices (each group a network variant).

    Examples
    --------
    >>> g = np.repeat(np.arange(20), 50)
    >>> y = g.astype(float) + np.random.default_rng(0).normal(0, 1, g.size)
    >>> round(variance_share(y, g), 2)
    0.97
    """
    y = np.asarray(y, dtype=float)
    labels, idx = np.unique(np.asarray(groups), return_inverse=True)
    k, n = len(labels), len(y)
    if k < 2 or n <= k:
        return None
    counts = np.bincount(idx)
    means = np.bincount(idx, weights=y) / counts
    msb = float((counts * (means - y.mean()) ** 2).sum() / (k - 1))
    msw = float(((y - means[idx]) ** 2).sum() / (n - k))
    n0 = (n - float((counts ** 2).sum()) / n) / (k - 1)
    between = max(0.0, (msb - msw) / n0)
    return between / (between + msw) if between + msw > 0 else None


def tie_effects(y: np.ndarray, variant: np.ndarray, presence: np.ndarray,
                labels: list[str], covariates: np.ndarray | None = None,
                level: float = 0.05) -> pd.DataFrame:
    """Which uncertain ties move an outcome: mean outcome with the tie minus without it.

    Worlds sharing a network variant share its ties, so the unit is the variant: the mean
    outcome of each variant's worlds, compared between the variants that keep tie ``k``
    and those that lack it, by Welch's t-test. The worlds' parameters are drawn
    independently of their network, so removing their linear effect first
    (``covariates``) takes noise out of the variant means without biasing the
    difference. The effect of a tie is marginal: it includes that of ties which, in the
    variants drawn, happen to be absent together with it. With many ties some are
    significant by chance: ``flag`` marks those whose p-value is below ``level`` divided
    by the number of ties tested (Bonferroni).

    Parameters
    ----------
    y : numpy.ndarray
        The outcome of each world.
    variant : numpy.ndarray
        The network variant of each world.
    presence : numpy.ndarray
        Boolean (variants, ties): row ``v`` says which ties variant ``v`` keeps
        (:func:`armednet.kb.uncertainty.tie_presence`), indexed by variant number.
    labels : list of str
        One label per tie (:func:`armednet.kb.uncertainty.tie_labels`).
    covariates : numpy.ndarray, optional
        The worlds' sampled parameters (worlds, parameters), removed by least squares.
    level : float
        Family-wise error rate of ``flag``.

    Returns
    -------
    pandas.DataFrame
        One row per tie kept by at least two variants and lacked by at least two:
        ``tie, with, without, effect, se, t, p, flag``, most significant first.

    Examples
    --------
    >>> pres = np.array([[True, True], [True, False], [False, True], [False, False]] * 2)
    >>> v = np.repeat(np.arange(8), 3)
    >>> y = np.where(pres[v, 0], 10.0, 0.0) + np.tile([0.0, 1.0, 2.0], 8) + 0.1 * v
    >>> tie_effects(y, v, pres, ["a", "b"])[["tie", "effect"]].round(1).to_dict("records")
    [{'tie': 'a', 'effect': 9.8}, {'tie': 'b', 'effect': -0.1}]
    """
    from scipy import stats

    y = np.asarray(y, dtype=float)
    variant = np.asarray(variant, dtype=np.int64)
    if covariates is not None and covariates.shape[1]:
        x = np.column_stack([np.ones(len(y)), covariates])
        y = y - x @ np.linalg.lstsq(x, y, rcond=None)[0] + y.mean()
    used, idx = np.unique(variant, return_inverse=True)
    means = np.bincount(idx, weights=y) / np.bincount(idx)
    pres = np.asarray(presence, dtype=bool)[used]
    n1 = pres.sum(axis=0)
    ok = (n1 >= 2) & (len(used) - n1 >= 2)
    rows = []
    for k in np.flatnonzero(ok):
        a, b = means[pres[:, k]], means[~pres[:, k]]
        va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
        se = float(np.sqrt(va + vb))
        effect = float(a.mean() - b.mean())
        if se > 0:
            df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
            t = effect / se
            p = float(2 * stats.t.sf(abs(t), df))
        else:
            t, p = (0.0, 1.0) if effect == 0 else (float(np.sign(effect) * np.inf), 0.0)
        rows.append({"tie": labels[k], "with": len(a), "without": len(b), "effect": effect,
                     "se": se, "t": t, "p": p})
    out = pd.DataFrame(rows, columns=["tie", "with", "without", "effect", "se", "t", "p"])
    out["flag"] = out["p"] < level / max(len(out), 1)
    order = np.lexsort((-out["t"].abs().to_numpy(), out["p"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def paired_tie_effects(delta: np.ndarray, variant_a: np.ndarray, variant_b: np.ndarray,
                       presence: np.ndarray, labels: list[str],
                       level: float = 0.05) -> pd.DataFrame:
    """Which uncertain ties move an outcome, from pairs of worlds that differ only in their
    network (a Saltelli design's ``A`` and ``AB_network`` rows).

    Each pair has the same parameters and the same random numbers, and two networks; in
    the pairs where tie ``k`` is in one network and not the other, ``delta`` signed by the
    tie's presence (``+`` when the second network has it) estimates the change in the
    outcome when the tie is there. The other ties that differ in a pair are drawn
    independently of tie ``k``, so they add noise, not bias: the effect is the average
    effect of the tie over the other ties and the parameters. The standard error is that
    of the mean over those pairs (independent base samples); ``t`` has ``pairs - 1``
    degrees of freedom and ``flag`` marks p-values below ``level`` divided by the number
    of ties tested (Bonferroni).

    Parameters
    ----------
    delta : numpy.ndarray
        ``f(AB_network) - f(A)`` per base sample.
    variant_a, variant_b : numpy.ndarray
        The network variant of the ``A`` and ``AB_network`` rows.
    presence : numpy.ndarray
        Boolean (variants, ties) (:func:`armednet.kb.uncertainty.tie_presence`).
    labels : list of str
        One label per tie.
    level : float
        Family-wise error rate of ``flag``.

    Returns
    -------
    pandas.DataFrame
        One row per tie that differs in at least three pairs: ``tie, pairs, effect, se, t,
        p, flag``, most significant first.

    Examples
    --------
    >>> pres = np.array([[True, False], [False, False], [True, True], [False, True]])
    >>> a, b = np.array([0, 1, 2, 3, 0, 1]), np.array([1, 0, 3, 2, 3, 2])
    >>> delta = 5.0 * (pres[b, 0].astype(int) - pres[a, 0].astype(int))
    >>> paired_tie_effects(delta, a, b, pres, ["x", "y"])[["tie", "pairs", "effect"]
    ...                                                  ].to_dict("records")  # y: 2 pairs
    [{'tie': 'x', 'pairs': 6, 'effect': 5.0}]
    """
    from scipy import stats

    pres = np.asarray(presence, dtype=np.int8)
    sign = pres[np.asarray(variant_b)] - pres[np.asarray(variant_a)]  # (pairs, ties)
    delta = np.asarray(delta, dtype=float)
    scale = float(np.abs(delta).max()) if len(delta) else 0.0
    delta = np.where(np.abs(delta) <= 1e-9 * max(scale, 1e-300), 0.0, delta)
    rows = []
    for k in np.flatnonzero((sign != 0).sum(axis=0) >= 3):
        at = sign[:, k] != 0
        x = delta[at] * sign[at, k]
        m = len(x)
        effect, se = float(x.mean()), float(x.std(ddof=1) / np.sqrt(m))
        if se > 1e-12 * max(scale, 1e-300):
            t = effect / se
            p = float(2 * stats.t.sf(abs(t), m - 1))
        else:
            t, p = (0.0, 1.0) if effect == 0 else (float(np.sign(effect) * np.inf), 0.0)
        rows.append({"tie": labels[k], "pairs": m, "effect": effect, "se": se, "t": t,
                     "p": p})
    out = pd.DataFrame(rows, columns=["tie", "pairs", "effect", "se", "t", "p"])
    out["flag"] = out["p"] < level / max(len(out), 1)
    order = np.lexsort((-out["t"].abs().to_numpy(), out["p"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


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
