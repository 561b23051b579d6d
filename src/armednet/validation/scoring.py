"""Proper scores of count forecasts given as samples, per week or per irregular interval.

Every forecast here is a set of draws (Monte Carlo samples of its predictive distribution);
every observation a whole count. For a unit (a week, or an interval of days) with
observation ``y`` and draws ``x_1 .. x_M``:

CRPS
    ``CRPS(F, y) = E|X - y| - 1/2 E|X - X'|`` (Gneiting & Raftery 2007, eq. 21), by
    :func:`scoringrules.crps_ensemble` with the *fair* estimator (``E|X - X'|`` averaged
    over distinct pairs, ``1 / (M (M - 1))``), which is unbiased for the CRPS of the
    distribution the draws come from; it is computed in its probability-weighted-moment
    form (``estimator="pwm"``, identical to the fair estimator and ``O(M log M)``; Zamo &
    Naveau 2018). In attacks; lower is better.
Log score
    ``-log p(y)``; lower is better. The empirical pmf of the draws gives probability 0 to
    counts never drawn, so the pmf is smoothed by a stated mixture:
    ``p(y) = (1 - eps) * #{x_i = y} / M + eps * g(y)`` with ``eps = 0.001``
    (:data:`LOG_SCORE_SMOOTHING`) and ``g`` geometric on ``0, 1, 2, ...`` with mean
    ``xbar + 1`` (``xbar`` the draws' mean): ``g(y) = theta (1 - theta)^y``,
    ``theta = 1 / (xbar + 2)``. The same rule is applied to every forecaster, so
    comparisons are fair; it caps the penalty of a count that no draw reached.
Coverage
    Whether ``y`` lies in the central 50% (90%) interval ``[Q(0.25), Q(0.75)]``
    (``[Q(0.05), Q(0.95)]``), both ends included, with ``Q`` the empirical quantile
    (``numpy.quantile`` with ``method="inverted_cdf"``): for counts the intervals are
    whole numbers and cover at least their level, so well-calibrated coverage is at or a
    little above nominal.
PIT
    For counts the probability integral transform is randomised (Czado, Gneiting & Held
    2009): ``u ~ Uniform(P(y - 1), P(y))`` with ``P`` the predictive CDF (here the draws'
    empirical CDF). :func:`pit_histogram` gives the *expected* histogram of the randomised
    PIT (their non-randomised PIT histogram), which needs no random numbers; a calibrated
    forecast has a flat histogram, a U shape means too narrow, a hump too wide, a slope
    biased.

Interval totals
    The Department of Defense counts come over irregular intervals of days, while
    forecasts are weekly. :func:`interval_samples` turns weekly draws into draws of
    interval totals as the calibration does: each attack of a simulated week falls on one
    of the week's seven days uniformly at random, independently (a multinomial split of the
    week's count over its days); an interval's draw is the sum over its days. Weekly truth
    is scored the same way as seven-day intervals (a week that is a forecast week gets
    exactly that week's draws).

References
----------
.. [1] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules, prediction, and
   estimation", J. Am. Stat. Assoc. 102(477), 2007. doi:10.1198/016214506000001437
.. [2] C. Czado, T. Gneiting and L. Held, "Predictive model assessment for count data",
   Biometrics 65(4), 2009. doi:10.1111/j.1541-0420.2009.01191.x
.. [3] W. Wei and L. Held, "Calibration tests for count data", TEST 23, 2014.
   doi:10.1007/s11749-014-0380-8
.. [4] M. Zamo and P. Naveau, "Estimation of the continuous ranked probability score with
   limited information and applications to ensemble weather forecasts", Mathematical
   Geosciences 50, 2018. doi:10.1007/s11004-017-9709-7
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from armednet.errors import InputError, Issue, ValidationFailed

if TYPE_CHECKING:
    from armednet.events.intervals import IntervalCounts
    from armednet.validation.forecast import Forecast

__all__ = [
    "LOG_SCORE_SMOOTHING",
    "PIT_BINS",
    "coverage",
    "crps",
    "interval_samples",
    "load_truth",
    "log_score",
    "paired_differences",
    "pit_bounds",
    "pit_by",
    "pit_histogram",
    "pit_histogram_from_bounds",
    "randomized_pit",
    "scorable",
    "score_forecasts",
    "score_samples",
    "summarize",
    "verdict",
]

LOG_SCORE_SMOOTHING = 0.001
"""Weight ``eps`` of the geometric kernel mixed into the draws' pmf for the log score."""

PIT_BINS = 10
"""Bins of a PIT histogram."""


def _check(y: np.ndarray | Sequence[float], samples: np.ndarray) -> tuple[np.ndarray,
                                                                         np.ndarray]:
    yy = np.atleast_1d(np.asarray(y, dtype=float))
    x = np.asarray(samples, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[1] != yy.shape[0] or x.shape[0] < 1:
        raise InputError(f"samples must be (draws, units) with one unit per observation; "
                         f"got {x.shape} for {yy.shape[0]} observation(s)")
    return yy, x


def crps(y: np.ndarray | Sequence[float], samples: np.ndarray) -> np.ndarray:
    """CRPS of sample forecasts, one per unit (fair estimator; in counts).

    Parameters
    ----------
    y : array of shape (units,)
        Observations.
    samples : array of shape (draws, units)
        Draws of each unit's predictive distribution (at least two).

    Examples
    --------
    >>> crps([3], np.array([[5], [5], [5]])).tolist()  # a point mass: |x - y|
    [2.0]
    """
    import scoringrules as sr

    yy, x = _check(y, samples)
    if x.shape[0] < 2:
        return np.asarray(np.abs(x[0] - yy))
    return np.asarray(sr.crps_ensemble(yy, x, m_axis=0, estimator="pwm", backend="numpy"),
                      dtype=float)


def _pmf_at(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    return np.asarray((x == y[None, :]).mean(axis=0))


def log_score(y: np.ndarray | Sequence[float], samples: np.ndarray,
              smoothing: float = LOG_SCORE_SMOOTHING) -> np.ndarray:
    """Negative log probability of each observation under the smoothed pmf of the draws.

    ``p(y) = (1 - eps) * #{x_i = y} / M + eps * g(y)``, ``g`` geometric with mean
    ``xbar + 1`` (see the module notes); ``eps = smoothing``. In nats; lower is better.

    Examples
    --------
    >>> s = log_score([1, 9], np.array([[1, 1], [1, 2], [2, 2], [2, 2]]))
    >>> bool(s[0] < 1.0 < 6.0 < s[1])
    True
    """
    if not 0.0 < smoothing < 1.0:
        raise InputError(f"smoothing must lie in (0, 1), got {smoothing}")
    yy, x = _check(y, samples)
    theta = 1.0 / (x.mean(axis=0) + 2.0)
    g = theta * np.power(1.0 - theta, yy)
    p = (1.0 - smoothing) * _pmf_at(yy, x) + smoothing * g
    return np.asarray(-np.log(p))


def coverage(y: np.ndarray | Sequence[float], samples: np.ndarray,
             level: float) -> np.ndarray:
    """Whether each observation lies in the draws' central interval of ``level`` (ends in).

    Examples
    --------
    >>> coverage([0, 4], np.arange(11)[:, None].repeat(2, axis=1), 0.5).tolist()
    [False, True]
    """
    if not 0.0 < level < 1.0:
        raise InputError(f"level must lie in (0, 1), got {level}")
    yy, x = _check(y, samples)
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2], axis=0,
                         method="inverted_cdf")
    return np.asarray((yy >= lo) & (yy <= hi))


def pit_bounds(y: np.ndarray | Sequence[float], samples: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(P(y - 1), P(y))`` per unit, ``P`` the draws' empirical CDF."""
    yy, x = _check(y, samples)
    upper = (x <= yy[None, :]).mean(axis=0)
    lower = (x <= yy[None, :] - 1).mean(axis=0)
    return np.asarray(lower), np.asarray(upper)


def randomized_pit(y: np.ndarray | Sequence[float], samples: np.ndarray,
                   seed: int = 0) -> np.ndarray:
    """Randomised PIT values for counts (Czado, Gneiting & Held 2009), one per unit.

    ``u ~ Uniform(P(y - 1), P(y))``; uniform on (0, 1) for a calibrated forecast.
    """
    lower, upper = pit_bounds(y, samples)
    u = np.random.default_rng(seed).random(lower.shape)
    return np.asarray(lower + u * (upper - lower))


def pit_histogram(y: np.ndarray | Sequence[float], samples: np.ndarray,
                  bins: int = PIT_BINS) -> np.ndarray:
    """Expected counts per bin of the randomised PIT (the non-randomised PIT histogram).

    Unit ``i`` contributes ``F_i(j / J) - F_i((j - 1) / J)`` to bin ``j`` of ``J``, where
    ``F_i(u)`` is 0 below ``P(y - 1)``, 1 above ``P(y)`` and linear between (Czado et al.
    2009, section 2.1); the counts sum to the number of units.

    Examples
    --------
    >>> pit_histogram([2], np.array([[0], [1], [2], [3]]), bins=4).tolist()
    [0.0, 0.0, 1.0, 0.0]
    """
    lower, upper = pit_bounds(y, samples)
    return pit_histogram_from_bounds(lower, upper, bins)


def pit_histogram_from_bounds(lower: np.ndarray | Sequence[float],
                              upper: np.ndarray | Sequence[float],
                              bins: int = PIT_BINS) -> np.ndarray:
    """:func:`pit_histogram` from each unit's ``(P(y - 1), P(y))`` (e.g. the ``pit_low``
    and ``pit_high`` columns of :func:`score_samples`)."""
    if bins < 1:
        raise InputError(f"bins must be at least 1, got {bins}")
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)[:, None]
    width = hi - lo
    with np.errstate(divide="ignore", invalid="ignore"):
        ramp = np.where(width > 0, (edges - lo) / np.where(width > 0, width, 1.0),
                        (edges >= hi).astype(float))
    cdf = np.clip(ramp, 0.0, 1.0)  # (bins + 1, units)
    cdf[0], cdf[-1] = 0.0, 1.0  # F(0) = 0 and F(1) = 1 even for a PIT of exactly 0 or 1
    return np.asarray(np.diff(cdf, axis=0).sum(axis=1))


def pit_by(scores: pd.DataFrame, by: str = "forecaster",
           bins: int = PIT_BINS) -> dict[str, list[float]]:
    """PIT histogram (expected counts) of each group of a score table, in order of
    appearance."""
    return {str(name): pit_histogram_from_bounds(g["pit_low"].to_numpy(),
                                                      g["pit_high"].to_numpy(), bins).tolist()
            for name, g in scores.groupby(by, sort=False)}


def score_samples(y: np.ndarray | Sequence[float], samples: np.ndarray) -> pd.DataFrame:
    """Every score of each unit: ``crps, log_score, cover50, cover90, pit_low, pit_high``."""
    yy, x = _check(y, samples)
    lower, upper = pit_bounds(yy, x)
    return pd.DataFrame({"observed": yy, "crps": crps(yy, x), "log_score": log_score(yy, x),
                         "cover50": coverage(yy, x, 0.5), "cover90": coverage(yy, x, 0.9),
                         "mean": x.mean(axis=0), "pit_low": lower, "pit_high": upper})


def scorable(forecast: Forecast, truth: IntervalCounts) -> np.ndarray:
    """Which truth units a forecast can score: those that start after its origin and lie
    inside the days its weeks cover."""
    first, last = forecast.first_day, forecast.last_day
    return np.array([a > forecast.origin and a >= first and b <= last
                     for a, b in zip(truth.first_day, truth.last_day, strict=True)],
                    dtype=bool)


def interval_samples(forecast: Forecast, first_days: Sequence[dt.date],
                     last_days: Sequence[dt.date], seed: int = 0) -> np.ndarray:
    """Draws of the total count over each interval of days, shape (draws, intervals).

    Each week's count is spread over its seven days multinomially (every attack on a
    uniformly random day of its week, independently) and summed over each interval's days;
    intervals must be disjoint and inside the forecast's weeks.

    Raises
    ------
    InputError
        If an interval lies outside the forecast's weeks.
    """
    from armednet.events.intervals import IntervalCounts, overlap_matrix

    first, last = list(first_days), list(last_days)
    iv = IntervalCounts(first, last, np.zeros(len(first)), pd.DataFrame(), "intervals")
    days = overlap_matrix(iv, forecast.first_day, len(forecast))  # (intervals, weeks)
    rng = np.random.default_rng(seed)
    out = np.zeros((forecast.draws, len(first)), dtype=np.int64)
    for w in range(days.shape[1]):  # the forecast's weeks (a few dozen at most)
        cover = np.flatnonzero(days[:, w])
        if not len(cover):
            continue
        p = np.append(days[cover, w] / 7.0, max(0.0, 1.0 - days[cover, w].sum() / 7.0))
        split = rng.multinomial(forecast.samples[:, w], p / p.sum())
        out[:, cover] += split[:, :-1]
    return out


def score_forecasts(forecasts: Mapping[str, Forecast], truth: IntervalCounts,
                    seed: int = 0) -> pd.DataFrame:
    """Score several forecasts on the truth units every one of them can score.

    Parameters
    ----------
    forecasts : mapping of str to Forecast
        Forecaster name -> forecast.
    truth : IntervalCounts
        What happened (:func:`load_truth`); units are intervals of days.
    seed : int
        Seed of the multinomial split of weeks over days.

    Returns
    -------
    pandas.DataFrame
        One row per forecaster and unit: ``forecaster, first_day, last_day, days,
        observed``, the scores of :func:`score_samples`.

    Raises
    ------
    InputError
        If no truth unit can be scored by every forecast.
    """
    if not forecasts:
        raise InputError("no forecasts to score")
    mask = np.logical_and.reduce([scorable(f, truth) for f in forecasts.values()])
    if not mask.any():
        f = next(iter(forecasts.values()))
        raise InputError(f"{truth.source}: no row lies after the forecast's origin "
                         f"({f.origin}) and inside its weeks ({f.first_day} .. {f.last_day})")
    idx = np.flatnonzero(mask)
    a = [truth.first_day[i] for i in idx]
    b = [truth.last_day[i] for i in idx]
    y = truth.attacks[idx]
    frames = []
    for k, (name, f) in enumerate(forecasts.items()):
        draws = interval_samples(f, a, b, seed=seed + 7919 * k)
        s = score_samples(y, draws)
        s.insert(0, "forecaster", name)
        s.insert(1, "first_day", a)
        s.insert(2, "last_day", b)
        s.insert(3, "days", [(q - p).days + 1 for p, q in zip(a, b, strict=True)])
        frames.append(s)
    return pd.concat(frames, ignore_index=True)


def summarize(scores: pd.DataFrame, by: Sequence[str] = ("forecaster",)) -> pd.DataFrame:
    """Mean scores per group: ``crps, log_score, cover50, cover90, n`` (units scored).

    Groups keep the order in which they first appear.
    """
    keys = list(by)
    g = scores.groupby(keys, sort=False)
    out = g.agg(crps=("crps", "mean"), log_score=("log_score", "mean"),
                cover50=("cover50", "mean"), cover90=("cover90", "mean"),
                n=("crps", "size")).reset_index()
    out["n"] = out["n"].astype(int)
    return out


def paired_differences(scores: pd.DataFrame, model: str = "model") -> pd.DataFrame:
    """Mean CRPS difference, model minus each other forecaster, over the units both scored.

    ``se`` is the standard deviation of the per-unit differences over ``sqrt(n)``: a rough
    yardstick (units from one origin are not independent), so a difference within two of
    them is no clear win either way.

    Returns
    -------
    pandas.DataFrame
        ``forecaster, crps_diff, se, n`` (negative ``crps_diff``: the model is better).
    """
    keys = [c for c in ("origin", "first_day", "last_day") if c in scores.columns]
    own = scores[scores["forecaster"] == model].set_index(keys)["crps"]
    rows = []
    for name, g in scores[scores["forecaster"] != model].groupby("forecaster", sort=False):
        d = (own - g.set_index(keys)["crps"]).dropna().to_numpy()
        se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
        rows.append({"forecaster": name, "crps_diff": float(d.mean()) if len(d) else
                     float("nan"), "se": se, "n": len(d)})
    return pd.DataFrame(rows, columns=["forecaster", "crps_diff", "se", "n"])


def verdict(summary: pd.DataFrame, model: str = "model") -> str:
    """A plain sentence: does ``model`` beat every other forecaster on mean CRPS?

    Examples
    --------
    >>> s = pd.DataFrame({"forecaster": ["model", "pre-war rate"], "crps": [2.0, 3.0]})
    >>> verdict(s)
    'The model beats the baselines on CRPS (2 against pre-war rate 3).'
    """
    rows = summary.set_index("forecaster")["crps"]
    if model not in rows.index or len(rows) < 2:
        return "Nothing to compare the model with."
    own = float(rows[model])
    others = rows.drop(model)
    losses = [n for n, v in others.items() if own >= float(v)]
    detail = ", ".join(f"{n} {float(v):.3g}" for n, v in others.items())
    if not losses:
        return f"The {model} beats the baselines on CRPS ({own:.3g} against {detail})."
    if len(losses) == len(others):
        return (f"The {model} does not beat the baselines on CRPS ({own:.3g} against "
                f"{detail}).")
    return (f"The {model} does not beat the baselines on CRPS: it loses to "
            f"{', '.join(str(n) for n in losses)} ({own:.3g} against {detail}).")


# -- truth ----------------------------------------------------------------------------------
def load_truth(path: str | Path) -> IntervalCounts:
    """Observed counts to score against: intervals or weeks, detected from the header.

    * The intervals format of :func:`armednet.events.intervals.load_intervals`
      (``first_day``, ``interval_end_inclusive`` or ``last_day``, ``attacks``).
    * Weekly counts: a ``week_start`` (or ``date``) column with each week's first day and
      an ``attacks`` column; each row is the seven days from that day.

    Returns
    -------
    IntervalCounts
        One interval per row (weeks as seven-day intervals).

    Raises
    ------
    InputError, ValidationFailed
        Unreadable file, unknown layout, bad rows (as ``file:line: column: message``).
    """
    from armednet.events.intervals import IntervalCounts, load_intervals

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the counts ({exc})") from None
    rows = list(csv.DictReader(text.splitlines()))
    header = list(rows[0]) if rows else next(csv.reader(text.splitlines()), [])
    if "first_day" in header:
        return load_intervals(p)
    col = "week_start" if "week_start" in header else "date" if "date" in header else None
    if col is None or "attacks" not in header:
        raise InputError(f"{p}: expected the intervals format (first_day, "
                         "interval_end_inclusive, attacks) or weekly counts (week_start or "
                         f"date, attacks); found columns {', '.join(header) or 'none'}")
    issues: list[Issue] = []
    first: list[dt.date] = []
    counts: list[float] = []
    for i, row in enumerate(rows):
        line = i + 2
        try:
            d = dt.date.fromisoformat((row[col] or "").strip()[:10])
        except ValueError:
            issues.append(Issue(str(p), line, col, f"expected a date YYYY-MM-DD, got "
                                f"{row[col]!r}"))
            continue
        try:
            n = float(row["attacks"])
            if n < 0 or not n.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            issues.append(Issue(str(p), line, "attacks", "expected a non-negative integer, "
                                f"got {row['attacks']!r}"))
            continue
        if first and (d - first[-1]).days < 7:
            issues.append(Issue(str(p), line, col, f"{d} is less than seven days after the "
                                f"previous week ({first[-1]}); weeks must be in order and "
                                "not overlap"))
            continue
        first.append(d)
        counts.append(n)
    if not rows:
        issues.append(Issue(str(p), 1, "", "expected a header and at least one row"))
    if issues:
        raise ValidationFailed(issues)
    last = [d + dt.timedelta(days=6) for d in first]
    return IntervalCounts(first, last, np.array(counts), pd.DataFrame(rows), str(p))
