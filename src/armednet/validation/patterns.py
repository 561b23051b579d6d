"""The patterns the calibration fits: several documented summaries, each with its distance.

Pattern-oriented modelling (Grimm et al. 2005) fits an agent model to several patterns at
once, each weak alone. Each function below takes simulated outputs as arrays of shape
``(draws, replicates, ...)`` (every parameter draw simulated ``replicates`` times) and
returns a :class:`PatternValue`: the pattern's statistic per run (its posterior predictive
distribution, next to the observed value) and a distance per draw.

Every distance is a deviance: twice the log-likelihood ratio of the observation under a
perfect fit and under the draw's replicate mean, divided by the pattern's number of
observations. A deviance per observation is about 1 when the model reproduces the pattern
whatever the pattern's scale (22 intervals of about ten attacks, one rate of 0.7 a week or
one yes-or-no fact), so the sum of the patterns' distances weighs each pattern equally and
none dominates by its scale. Averaging the replicates before the deviance is taken makes
the distance an estimate of the draw's fit rather than of one lucky run.

References
----------
.. [1] V. Grimm, E. Revilla, U. Berger et al., "Pattern-oriented modeling of agent-based
   complex systems: lessons from ecology", Science 310(5750), 2005.
   doi:10.1126/science.1116681
.. [2] P. McCullagh and J. A. Nelder, *Generalized Linear Models*, 2nd ed., Chapman & Hall,
   1989 (deviances of the Poisson, negative binomial and binomial families).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from armednet.errors import InputError

__all__ = ["NB_DISPERSION", "PATTERNS", "PREWAR_RATE", "PREWAR_WEEKS", "PatternValue",
           "deviance", "dispersion_check", "interval_counts", "lethal_attacks", "nb_deviance",
           "prewar_rate",
           "strikes_did_not_stop", "truce_zeros"]

NB_DISPERSION = 20.0
"""Negative binomial dispersion ``k`` (variance ``mu + mu^2 / k``) of the interval counts.

On the DoD intervals outside the Gaza truce, a constant rate leaves Pearson's chi-square at
1.7 times its degrees of freedom (p = 0.04) and the maximum-likelihood ``k`` is 19
(:func:`dispersion_check`): the counts are mildly over-dispersed against Poisson, partly
because statements that are ``approx`` or ``at_least`` move attacks between neighbouring
intervals, which no model of the attacks can reproduce. ``k`` is fixed at 20 rather than
fitted per draw, so that a draw cannot explain its misfit away as noise."""

PREWAR_RATE = 0.7
"""Attacks on U.S. forces a week before the war: CENTCOM counted 78 from January 2021 to
March 2023 (``/work/shared/data/README.md``)."""

PREWAR_WEEKS = 26
"""Weeks of the no-war counterfactual compared with :data:`PREWAR_RATE`: the pattern
weighs as much as half a year of counts (about 18 attacks), less than the source's 27
months, because the rate comes from one statement, a different count and a period before
the scenario's start."""

PATTERNS: dict[str, dict[str, str]] = {
    "intervals": {
        "description": "Attacks on U.S. forces in Iraq and Syria over the DoD's intervals "
                       "between statements, 17 Oct 2023 - 30 Jan 2024 (statistic: total).",
        "source": "DoD statements (intervals.csv)",
        "distance": "negative binomial deviance (k = dispersion) per interval, averaged",
    },
    "prewar": {
        "description": "Attacks a week with no regional trigger and no strikes (the same "
                       "parameter draw, diplomacy lever at 1 from the start).",
        "source": "CENTCOM: 78 attacks Jan 2021 - Mar 2023, about 0.7 a week",
        "distance": "Poisson deviance of 0.7 x weeks against the simulated count",
    },
    "truce": {
        "description": "Attacks in the zero-attack intervals during the Gaza truce "
                       "(24-27 and 29-30 Nov 2023 in the DoD data).",
        "source": "DoD statements (intervals.csv); truce dates from key_events.csv",
        "distance": "negative binomial deviance of the observed zeros, per interval",
    },
    "lethal": {
        "description": "Attacks that killed U.S. personnel in the window: one (the drone "
                       "attack on Tower 22, 28 Jan 2024; earlier attacks wounded, none "
                       "killed).",
        "source": "key_events.csv (us_casualties: EV024 three killed; EV002-EV022 injuries "
                  "only)",
        "distance": "Poisson deviance of the observed count against the replicates' mean",
    },
    "strikes": {
        "description": "U.S. strikes before 30 Jan 2024 did not stop the attacks: attacks "
                       "in the two weeks after each strike's week and no group in a "
                       "cease-fire for two or more group-weeks before 28 Jan 2024 "
                       "(statistic: 1 when both hold).",
        "source": "DoD statements (intervals.csv); scenario strike events",
        "distance": "binomial deviance of the observed outcome, -2 log P",
    },
}
"""What each pattern measures, its source and its distance (for the record and docs)."""


@dataclass(frozen=True)
class PatternValue:
    """A pattern evaluated on a batch of simulated draws.

    Attributes
    ----------
    statistic : numpy.ndarray
        Shape (draws, replicates): the pattern's statistic in every simulated run.
    distance : numpy.ndarray
        Shape (draws,): deviance per observation of the draw (replicates averaged).
    observed : float
        The statistic's observed value.
    """

    statistic: np.ndarray
    distance: np.ndarray
    observed: float


def deviance(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Poisson deviance with a half-count correction, summed over the last axis.

    ``2 sum [(y + 1/2) log((y + 1/2) / (c + 1/2)) - (y - c)]``: zero only when every count
    matches.

    Examples
    --------
    >>> float(deviance(np.array([3.0, 0.0]), np.array([[3.0, 0.0]]))[0])
    0.0
    >>> bool(deviance(np.array([3.0]), np.array([[9.0]]))[0] > 0)
    True
    """
    y = np.asarray(observed, dtype=float) + 0.5
    c = np.asarray(simulated, dtype=float) + 0.5
    return np.asarray(2.0 * (y * np.log(y / c) - (y - c)).sum(axis=-1))


def nb_deviance(observed: np.ndarray, simulated: np.ndarray,
                dispersion: float | None) -> np.ndarray:
    """Negative binomial deviance with a half-count correction, per element.

    ``2 [(y + 1/2) log((y + 1/2) / (c + 1/2)) - (y + 1/2 + k) log((y + 1/2 + k) /
    (c + 1/2 + k))]``; the Poisson deviance when ``dispersion`` is None (``k`` infinite).

    Examples
    --------
    >>> d = nb_deviance(np.array([10.0]), np.array([20.0]), 5.0)
    >>> bool(0 < d[0] < nb_deviance(np.array([10.0]), np.array([20.0]), None)[0])
    True
    """
    y = np.asarray(observed, dtype=float) + 0.5
    c = np.asarray(simulated, dtype=float) + 0.5
    if dispersion is None:
        return np.asarray(2.0 * (y * np.log(y / c) - (y - c)))
    if not dispersion > 0:
        raise InputError(f"dispersion must be positive, got {dispersion}")
    k = float(dispersion)
    return np.asarray(2.0 * (y * np.log(y / c) - (y + k) * np.log((y + k) / (c + k))))


def _check(sim: np.ndarray, ndim: int, what: str) -> np.ndarray:
    arr = np.asarray(sim, dtype=float)
    if arr.ndim != ndim or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"{what}: expected an array of {ndim} dimensions (draws, "
                         f"replicates{', ...' if ndim > 2 else ''}), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or arr.min() < 0:
        raise InputError(f"{what}: simulated counts must be finite and non-negative")
    return arr


def interval_counts(observed: np.ndarray, simulated: np.ndarray,
                    dispersion: float | None = NB_DISPERSION) -> PatternValue:
    """The counts over the observed intervals.

    Measures how well the draw reproduces the DoD's attack counts between consecutive
    statements. Source: DoD statements (``intervals.csv``). Distance: the negative
    binomial deviance (:func:`nb_deviance`) between each observed count and the mean of the
    draw's replicates, averaged over intervals. Statistic: total attacks over the
    intervals.

    Parameters
    ----------
    observed : ndarray, shape (intervals,)
    simulated : ndarray, shape (draws, replicates, intervals)
    dispersion : float or None
        ``k``; None for the Poisson deviance.
    """
    sim = _check(simulated, 3, "interval counts")
    y = np.asarray(observed, dtype=float)
    if sim.shape[2] != y.shape[0] or y.shape[0] == 0:
        raise InputError(f"interval counts: {y.shape[0]} observed intervals but simulated "
                         f"counts for {sim.shape[2]}")
    dist = nb_deviance(y, sim.mean(axis=1), dispersion).mean(axis=-1)
    return PatternValue(sim.sum(axis=2), dist, float(y.sum()))


def prewar_rate(weekly: np.ndarray, rate: float = PREWAR_RATE) -> PatternValue:
    """The attack rate before the war.

    Measures the draw's weekly attacks in a world without the regional trigger (and
    without the strikes that answered the war), against CENTCOM's count of about 0.7 a week
    from January 2021 to March 2023. Distance: the Poisson deviance between ``rate x
    weeks`` and the replicates' mean count over the simulated weeks. Statistic: attacks a
    week.

    Parameters
    ----------
    weekly : ndarray, shape (draws, replicates, weeks)
        Simulated weekly attacks in the no-war arm.
    rate : float
        Observed attacks a week.
    """
    sim = _check(weekly, 3, "pre-war weekly attacks")
    if not rate >= 0:
        raise InputError(f"pre-war rate must be non-negative, got {rate}")
    weeks = sim.shape[2]
    total = sim.sum(axis=2)
    dist = deviance(np.array([rate * weeks]), total.mean(axis=1)[:, None])
    return PatternValue(total / weeks, dist, float(rate))


def lethal_attacks(simulated: np.ndarray, observed: float = 1.0) -> PatternValue:
    """The number of attacks that killed foreign personnel.

    Measures whether the draw's escalation process (``lethal_attack_prob``) gives about as
    many lethal attacks as the record: one in the DoD window (Tower 22, 28 January 2024;
    ``key_events.csv`` lists injuries for the earlier attacks and no deaths). Distance: the
    Poisson deviance of the observed count against the replicates' mean. Statistic: lethal
    attacks in the window.

    Parameters
    ----------
    simulated : ndarray, shape (draws, replicates)
        Lethal attacks in the window of each run.
    observed : float
        Lethal attacks in the record.
    """
    sim = _check(simulated, 2, "lethal attacks")
    dist = deviance(np.array([observed]), sim.mean(axis=1)[:, None])
    return PatternValue(sim, dist, float(observed))


def truce_zeros(simulated: np.ndarray,
                dispersion: float | None = NB_DISPERSION) -> PatternValue:
    """No attacks in the truce intervals.

    Measures whether the draw leaves the days of the Gaza truce without attacks, as the
    DoD counted (0 attacks over 24-27 and 29-30 November 2023). Distance: the negative
    binomial deviance of an observed 0 against the replicates' mean count, per interval
    (about ``-2 log P(0)``). Statistic: attacks in the truce intervals together (0 when the
    pattern holds; the share of runs at 0 is the probability of the zeros).

    Parameters
    ----------
    simulated : ndarray, shape (draws, replicates, truce intervals)
    dispersion : float or None
    """
    sim = _check(simulated, 3, "truce interval counts")
    dist = nb_deviance(np.zeros(sim.shape[2]), sim.mean(axis=1), dispersion).mean(axis=-1)
    return PatternValue(sim.sum(axis=2), dist, 0.0)


def strikes_did_not_stop(attacks: np.ndarray, ceasefires: np.ndarray,
                         strike_weeks: list[int], last_week: int, quiet_until: int,
                         observed: bool = True, after: int = 2) -> PatternValue:
    """Strikes before 30 January 2024 did not stop the attacks.

    Holds in a run when (a) after every scheduled strike of week ``s``, the run has
    attacks in weeks ``s + 1 .. s + after`` (cut at ``last_week``, the last week with
    data), and (b) no lasting cease-fire starts before 28 January 2024: the run's
    ``ceasefires`` (groups in a cease-fire at the end of a week) add up to at most one
    group-week over weeks ``0 .. quiet_until`` (the last week ending on or before 28
    January). A cease-fire declared in that last week cannot be judged lasting inside the
    window and is allowed. Source: the DoD intervals (attacks went on after every strike,
    and no interval but the truce's is 0); no group declared a suspension before 30
    January 2024. Distance: the binomial deviance of the observed outcome, ``-2 log p``
    with ``p = (runs matching + 1/2) / (replicates + 1)``. Statistic: 1 when it holds.

    Parameters
    ----------
    attacks, ceasefires : ndarray, shape (draws, replicates, weeks)
        The engine's recorded ``attacks`` and ``ceasefires``.
    strike_weeks : list of int
        Weeks of the scheduled strikes before the cut-off.
    last_week, quiet_until : int
        Last week with data; last week ending on or before 28 January 2024.
    observed : bool
        Whether the pattern held in the data.
    after : int
        Weeks after a strike's week in which attacks must go on.
    """
    att = _check(attacks, 3, "weekly attacks")
    cf = _check(ceasefires, 3, "weekly cease-fires")
    if att.shape != cf.shape:
        raise InputError(f"attacks {att.shape} and cease-fires {cf.shape} differ in shape")
    if not 0 <= quiet_until <= last_week < att.shape[2]:
        raise InputError(f"weeks: expected 0 <= quiet_until ({quiet_until}) <= last_week "
                         f"({last_week}) < simulated weeks ({att.shape[2]})")
    held = cf[:, :, :quiet_until + 1].sum(axis=2) <= 1.0
    for s in strike_weeks:
        if s + 1 <= last_week:
            held &= att[:, :, s + 1:min(s + after, last_week) + 1].sum(axis=2) > 0
    reps = att.shape[1]
    p = (held.sum(axis=1) + 0.5) / (reps + 1.0)
    dist = -2.0 * np.log(p if observed else 1.0 - p)
    return PatternValue(held.astype(float), dist, float(observed))


def dispersion_check(observed: np.ndarray, days: np.ndarray) -> dict[str, float]:
    """Over-dispersion of interval counts against a Poisson process with a constant rate.

    Parameters
    ----------
    observed, days : ndarray, shape (intervals,)
        Counts and lengths of the intervals to check (e.g. those outside the truce).

    Returns
    -------
    dict
        ``rate_per_week``, Pearson's ``chi2`` and its ``df``, ``p_value`` (upper tail),
        ``phi`` (chi2 / df, about 1 for Poisson counts) and the maximum-likelihood
        negative binomial dispersion ``nb_k`` (large: close to Poisson).

    Examples
    --------
    >>> dispersion_check(np.array([7.0, 7.0, 7.0]), np.array([7.0, 7.0, 7.0]))["chi2"]
    0.0
    """
    from scipy import optimize, stats

    y, d = np.asarray(observed, dtype=float), np.asarray(days, dtype=float)
    if len(y) < 2 or len(y) != len(d) or d.min() <= 0 or y.sum() <= 0:
        raise InputError("dispersion check: needs two or more intervals of positive length "
                         "and some attacks")
    mu = y.sum() / d.sum() * d
    chi2 = float(((y - mu) ** 2 / mu).sum())
    df = len(y) - 1

    def nll(log_k: float) -> float:
        k = np.exp(log_k)
        return float(-stats.nbinom.logpmf(y, k, k / (k + mu)).sum())

    best = optimize.minimize_scalar(nll, bounds=(-3.0, 12.0), method="bounded")
    return {"rate_per_week": float(7 * y.sum() / d.sum()), "chi2": chi2, "df": float(df),
            "p_value": float(stats.chi2.sf(chi2, df)), "phi": chi2 / df,
            "nb_k": float(np.exp(best.x))}
