"""Policy comparison over the same sampled worlds.

Every policy of an experiment runs on the same design points and replications with common
random numbers, so runs pair up: world ``(point, replication)`` under policy A against the
same world under policy B. That pairing gives the probability that one policy beats another
and each policy's regret. Shares are over every world; their intervals count only the
worlds that are independent draws (:func:`armednet.experiments.design.independent_worlds`).

References
----------
Lempert, Popper & Bankes (2003), Shaping the Next One Hundred Years, RAND (regret-based
robustness). Kwakkel (2017), The Exploratory Modeling Workbench, Environmental Modelling &
Software 96.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from armednet.errors import InputError

__all__ = ["beats", "policy_table", "regret", "worlds"]

_KEYS = ["point", "replication"]


def _check(df: pd.DataFrame, outcome: str) -> None:
    if outcome not in df.columns:
        names = [c for c in df.columns if c not in ("policy", *_KEYS)]
        raise InputError(f"unknown outcome {outcome!r}; expected one of: {', '.join(names)}")


def policy_table(df: pd.DataFrame, outcomes: list[str] | None = None,
                 level: float = 0.90) -> pd.DataFrame:
    """Median, mean and central ``level`` interval of each outcome under each policy.

    Parameters
    ----------
    df : pandas.DataFrame
        Wide outcomes (``policy, point, replication`` and one column per outcome), as from
        :meth:`armednet.experiments.store.ResultStore.outcomes`.
    outcomes : list of str, optional
        Which outcomes (default: all).
    level : float
        Interval coverage (0.90 gives the 5% and 95% quantiles).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, policy): ``n, mean, median, low, high``.
    """
    outcomes = outcomes or [c for c in df.columns if c not in ("policy", *_KEYS)]
    q = (1 - level) / 2
    rows = []
    for name in outcomes:
        _check(df, name)
        for policy, g in df.groupby("policy", sort=False):
            v = g[name].to_numpy(dtype=float)
            rows.append({"outcome": name, "policy": policy, "n": len(v),
                         "mean": float(np.mean(v)), "median": float(np.median(v)),
                         "low": float(np.quantile(v, q)), "high": float(np.quantile(v, 1 - q))})
    return pd.DataFrame(rows)


def worlds(df: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """One row per world (``point, replication``), one column per policy."""
    _check(df, outcome)
    return df.pivot_table(index=_KEYS, columns="policy", values=outcome, aggfunc="first")


def wilson_interval(p: float, n: int, z: float = 1.6448536269514722) -> tuple[float, float]:
    """Wilson score interval (90% by default) for a share ``p`` of ``n`` independent trials.

    Examples
    --------
    >>> lo, hi = wilson_interval(0.5, 100)
    >>> round(lo, 3), round(hi, 3)
    (0.419, 0.581)
    """
    if n <= 0:
        return 0.0, 1.0
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(0.0, centre - half)), float(min(1.0, centre + half))


def beats(df: pd.DataFrame, outcome: str, a: str, b: str,
          lower_is_better: bool = True, n_independent: int | None = None) -> dict[str, float]:
    """Share of paired worlds in which policy ``a`` does better than ``b`` on ``outcome``.

    Ties count half, so the two shares of a pair sum to one.

    Parameters
    ----------
    n_independent : int, optional
        How many of the worlds are independent draws, for the interval; default: all of
        them. A Saltelli design's ``AB_j`` rows repeat its ``A`` rows but for one input and
        share their random numbers, and replications of a point share its parameters, so
        only the ``A`` and ``B`` rows of replication 0 count
        (:func:`armednet.experiments.design.independent_worlds`).

    Returns
    -------
    dict
        ``p_better`` (ties counted half), ``p_strictly_better``, ``p_tie``, ``n``,
        ``n_independent`` and a Wilson 90% interval for ``p_better`` (``low``, ``high``)
        over the independent worlds.
    """
    w = worlds(df, outcome)
    for name in (a, b):
        if name not in w.columns:
            raise InputError(f"unknown policy {name!r}; expected one of: {', '.join(w.columns)}")
    pair = w[[a, b]].dropna()
    diff = pair[a].to_numpy() - pair[b].to_numpy()
    if not lower_is_better:
        diff = -diff
    n = len(diff)
    if n == 0:
        raise InputError(f"no worlds where both {a!r} and {b!r} were run")
    better, tie = float(np.mean(diff < 0)), float(np.mean(diff == 0))
    p = better + tie / 2
    n_ind = min(n, n_independent) if n_independent else n
    lo, hi = wilson_interval(p, n_ind)
    return {"p_better": p, "p_strictly_better": better, "p_tie": tie, "n": float(n),
            "n_independent": float(n_ind), "low": lo, "high": hi}


def regret(df: pd.DataFrame, outcome: str, lower_is_better: bool = True) -> pd.DataFrame:
    """Regret of each policy: how much worse it does than the best policy of each world.

    Returns
    -------
    pandas.DataFrame
        One row per policy: ``mean``, ``median``, ``p90`` and ``max`` regret, and ``p_best``
        (share of worlds where the policy is the best, ties shared).
    """
    w = worlds(df, outcome).dropna()
    x = w.to_numpy(dtype=float)
    best = x.min(axis=1, keepdims=True) if lower_is_better else x.max(axis=1, keepdims=True)
    r = np.abs(x - best)
    is_best = r == 0
    share = is_best / is_best.sum(axis=1, keepdims=True)
    return pd.DataFrame({"policy": list(w.columns), "mean": r.mean(axis=0),
                         "median": np.median(r, axis=0), "p90": np.quantile(r, 0.9, axis=0),
                         "max": r.max(axis=0), "p_best": share.mean(axis=0)})
