"""Scenario discovery: where in the uncertainty space does a policy fail or a claim not hold?

We use the Patient Rule Induction Method (PRIM) as implemented in the EMA Workbench, on the
design's parameter values and a boolean "case of interest" per world (for example "the claim
fails" or "attacks exceed a threshold"). Among the boxes of the peeling trajectory we report
the densest one whose coverage is at least ``min_coverage`` (Bryant & Lempert 2010 suggest
trading density against coverage; a coverage floor is a simple, stated rule). Peeling
restricts every dimension a little; we then keep only the restrictions that matter, by
Bryant & Lempert's quasi-p-value (a one-sided binomial test of the box's density against
the box without that restriction, Bonferroni-corrected over the restricted dimensions), and
report the box's statistics with those alone.

References
----------
Friedman & Fisher (1999), Bump hunting in high-dimensional data, Statistics and Computing 9.
Bryant & Lempert (2010), Thinking inside the box, Technological Forecasting & Social Change 77.
Kwakkel (2017), The Exploratory Modeling Workbench, Environmental Modelling & Software 96.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["prim_box", "quasi_p_values"]


def prim_box(x: pd.DataFrame, y: np.ndarray, min_coverage: float = 0.5,
             threshold: float = 0.8, peel_alpha: float = 0.05,
             significance: float = 0.05) -> dict[str, Any] | None:
    """Find a box of parameter space where ``y`` (bool per row of ``x``) is concentrated.

    Parameters
    ----------
    x : pandas.DataFrame
        Parameter values, one row per world. A design's ``dummy`` column (no mechanism
        reads it) and ``network`` column (variant numbers are labels, not an order) are
        left out.
    y : numpy.ndarray of bool
        Case of interest per world.
    min_coverage : float
        Smallest share of all cases of interest that the chosen box must hold.
    threshold, peel_alpha : float
        PRIM's density threshold and peeling fraction.
    significance : float
        Family-wise level: a restriction is kept when its quasi-p-value is below
        ``significance`` divided by the number of restricted dimensions (Bonferroni).

    Returns
    -------
    dict or None
        ``None`` when there are no cases of interest (or no uncertainty); else the box:
        ``limits`` (parameter -> [low, high], significant restrictions only), ``qp`` (their
        quasi-p-values), ``coverage``, ``density``, ``mass``, ``n`` and the base rate
        ``base_density``. With no significant restriction, ``limits`` is empty: the cases of
        interest are spread over the whole space.
    """
    from armednet.experiments.design import DUMMY, NETWORK

    x = x.drop(columns=[c for c in (DUMMY, NETWORK) if c in x.columns])
    y = np.asarray(y, dtype=bool)
    if x.shape[1] == 0 or not y.any():
        return None
    base = float(y.mean())
    if y.all():
        return {"limits": {}, "coverage": 1.0, "density": 1.0, "mass": 1.0, "n": len(y),
                "base_density": 1.0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import logging

        from ema_workbench.analysis import prim

        logging.getLogger("EMA").setLevel(logging.WARNING)
        p = prim.Prim(x.reset_index(drop=True).astype(float), y, threshold=threshold,
                      peel_alpha=peel_alpha)
        box = p.find_box()
    traj = box.peeling_trajectory
    ok = traj[traj["coverage"] >= min_coverage]
    if ok.empty:
        ok = traj
    i = int(ok.sort_values(["density", "coverage"], ascending=False).index[0])
    lims = box.box_lims[i]
    full = box.box_lims[0]
    limits = {str(c): (float(lims[c].iloc[0]), float(lims[c].iloc[1]))
              for c in lims.columns
              if not np.allclose(lims[c].to_numpy(dtype=float), full[c].to_numpy(dtype=float))}
    qp = quasi_p_values(x, y, limits)
    # Bonferroni: one test per restricted dimension.
    cut = significance / max(len(limits), 1)
    kept = {d: list(v) for d, v in limits.items() if qp[d] < cut}
    inside = _inside(x, kept)
    n, k = int(inside.sum()), int(y[inside].sum())
    return {"limits": kept, "qp": {d: qp[d] for d in kept}, "coverage": k / int(y.sum()),
            "density": k / n if n else 0.0, "mass": n / len(y), "n": n,
            "base_density": base}


def _inside(x: pd.DataFrame, limits: dict[str, Any]) -> np.ndarray:
    mask = np.ones(len(x), dtype=bool)
    for d, (lo, hi) in limits.items():
        v = x[d].to_numpy(dtype=float)
        mask &= (v >= lo) & (v <= hi)
    return mask


def quasi_p_values(x: pd.DataFrame, y: np.ndarray,
                   limits: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Quasi-p-value of each restriction of a box (Bryant & Lempert 2010).

    For each restricted dimension, the probability of finding at least the box's number of
    cases of interest among its points if their density were that of the box without the
    restriction (one-sided binomial test). Small values mean the restriction matters.

    Examples
    --------
    >>> x = pd.DataFrame({"a": np.linspace(0, 1, 200), "b": np.tile([0.0, 1.0], 100)})
    >>> y = x["a"].to_numpy() > 0.5
    >>> qp = quasi_p_values(x, y, {"a": (0.5, 1.0), "b": (0.0, 1.0)})
    >>> qp["a"] < 1e-6, qp["b"] > 0.5
    (True, True)
    """
    from scipy.stats import binom

    y = np.asarray(y, dtype=bool)
    inside = _inside(x, limits)
    n, k = int(inside.sum()), int(y[inside].sum())
    out = {}
    for d in limits:
        rest = {e: v for e, v in limits.items() if e != d}
        wider = _inside(x, rest)
        p = float(y[wider].mean()) if wider.any() else 0.0
        out[d] = float(binom.sf(k - 1, n, p)) if n else 1.0
    return out
