"""Scenario discovery: where in the uncertainty space does a policy fail or a claim not hold?

We use the Patient Rule Induction Method (PRIM) as implemented in the EMA Workbench, on the
design's parameter values and a boolean "case of interest" per world (for example "the claim
fails" or "attacks exceed a threshold"). Among the boxes of the peeling trajectory we report
the densest one whose coverage is at least ``min_coverage`` (Bryant & Lempert 2010 suggest
trading density against coverage; a coverage floor is a simple, stated rule).

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

__all__ = ["prim_box"]


def prim_box(x: pd.DataFrame, y: np.ndarray, min_coverage: float = 0.5,
             threshold: float = 0.8, peel_alpha: float = 0.05) -> dict[str, Any] | None:
    """Find a box of parameter space where ``y`` (bool per row of ``x``) is concentrated.

    Parameters
    ----------
    x : pandas.DataFrame
        Parameter values, one row per world.
    y : numpy.ndarray of bool
        Case of interest per world.
    min_coverage : float
        Smallest share of all cases of interest that the chosen box must hold.
    threshold, peel_alpha : float
        PRIM's density threshold and peeling fraction.

    Returns
    -------
    dict or None
        ``None`` when there are no cases of interest (or no uncertainty); else the box:
        ``limits`` (parameter -> [low, high], restricted parameters only), ``coverage``,
        ``density``, ``mass``, ``n`` and the base rate ``base_density``.
    """
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
    limits = {str(c): [float(lims[c].iloc[0]), float(lims[c].iloc[1])]
              for c in lims.columns
              if not np.allclose(lims[c].to_numpy(dtype=float), full[c].to_numpy(dtype=float))}
    row = traj.loc[i]
    return {"limits": limits, "coverage": float(row["coverage"]),
            "density": float(row["density"]), "mass": float(row["mass"]),
            "n": int(row["n"]), "base_density": base}
