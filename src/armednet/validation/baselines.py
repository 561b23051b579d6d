"""Naive baseline forecasts that every model forecast is scored against.

The VIEWS prediction challenges (Hegre et al. 2024/25) score each entry against simple
baselines, and many sophisticated models fail to beat them. armednet's four, each a
predictive distribution of weekly attack counts given as draws over the same weeks as the
forecast they are compared with (:class:`armednet.validation.forecast.Forecast`):

``pre-war rate``
    Poisson with 0.7 attacks a week (:data:`PREWAR_RATE`): CENTCOM counted 78 attacks on
    U.S. forces in Iraq and Syria from January 2021 to March 2023, about 0.7 a week (as
    cited in ``shared/data/README.md``, attacks-us-forces-iraq-syria).
``last interval``
    Poisson with 7 x the attacks per day of the last observed interval.
``last 4 weeks``
    Poisson with the mean of the weekly values of the last 4 weeks (28 days).
``conflictology``
    The empirical distribution of the weekly values of the last 8 weeks (rounded to whole
    counts): each forecast week is one of them, drawn uniformly and independently.

Weekly values from irregular intervals
--------------------------------------
The history is counts over irregular intervals of days. Each day gets its interval's
rate, ``attacks / days``; the value of a window of seven days is seven times the mean
daily rate over the days of the window that some interval covers (the plain sum of the
daily rates when all seven are covered, which is the usual case: the DoD intervals are
contiguous). Windows are counted back from the last observed day (the last day of the
last interval that ends on or before the forecast's origin): window ``k = 1, 2, ...``
covers ``end - 7k + 1 .. end - 7k + 7``. Windows no interval touches are left out; the
days between the last observed day and the origin, if any, are unknown at the origin and
not used.

References
----------
.. [1] H. Hegre et al., "The 2023/24 VIEWS prediction challenge: predicting the number of
   fatalities in armed conflict, with uncertainty", 2024, arXiv:2407.11045 (the
   challenge's benchmarks include a "conflictology" model).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.events.intervals import IntervalCounts
    from armednet.validation.forecast import Forecast

__all__ = ["BASELINES", "PREWAR_RATE", "baseline_forecasts", "history_before",
           "implied_weekly"]

PREWAR_RATE = 0.7
"""Attacks a week on U.S. forces in Iraq and Syria before the war (CENTCOM: 78 attacks,
January 2021 - March 2023)."""

BASELINES = ("pre-war rate", "last interval", "last 4 weeks", "conflictology")
"""Names of the baselines, in the order they are reported."""


def history_before(history: IntervalCounts, origin: dt.date) -> IntervalCounts:
    """The intervals of ``history`` that end on or before ``origin``.

    Raises
    ------
    InputError
        If none does.
    """
    from armednet.events.intervals import IntervalCounts

    keep = [i for i, b in enumerate(history.last_day) if b <= origin]
    if not keep:
        raise InputError(f"{history.source}: no interval ends on or before {origin}; the "
                         "baselines need the counts before the forecast's origin")
    table = history.table.iloc[keep].reset_index(drop=True) if len(history.table) else \
        history.table
    return IntervalCounts([history.first_day[i] for i in keep],
                          [history.last_day[i] for i in keep], history.attacks[keep],
                          table, history.source)


def _daily(history: IntervalCounts) -> dict[dt.date, float]:
    out: dict[dt.date, float] = {}
    for a, b, n in zip(history.first_day, history.last_day, history.attacks, strict=True):
        rate = float(n) / ((b - a).days + 1)
        for k in range((b - a).days + 1):
            out[a + dt.timedelta(days=k)] = rate
    return out


def implied_weekly(history: IntervalCounts, weeks: int,
                   end: dt.date | None = None) -> pd.DataFrame:
    """Weekly values implied by interval counts, for the ``weeks`` windows ending at ``end``.

    Parameters
    ----------
    history : IntervalCounts
        Counts over intervals of days.
    weeks : int
        Number of seven-day windows, counted back from ``end``.
    end : datetime.date, optional
        Last day of the latest window (default: the last observed day).

    Returns
    -------
    pandas.DataFrame
        Oldest first: ``week_start, week_end, covered_days, attacks`` (seven times the mean
        daily rate over the covered days; not a whole number in general). Windows with no
        covered day are left out.

    Examples
    --------
    >>> from armednet.events.intervals import IntervalCounts
    >>> h = IntervalCounts([dt.date(2024, 1, 1), dt.date(2024, 1, 11)],
    ...                    [dt.date(2024, 1, 10), dt.date(2024, 1, 14)],
    ...                    np.array([10.0, 8.0]), pd.DataFrame(), "example")
    >>> implied_weekly(h, 2)["attacks"].round(2).tolist()  # 3 + 8, then 7 x 1
    [7.0, 11.0]
    """
    if weeks < 1:
        raise InputError(f"weeks must be at least 1, got {weeks}")
    end = end or max(history.last_day)
    rates = _daily(history)
    rows = []
    for k in range(weeks, 0, -1):
        a = end - dt.timedelta(days=7 * k - 1)
        vals = [rates[d] for d in (a + dt.timedelta(days=j) for j in range(7)) if d in rates]
        if vals:
            rows.append({"week_start": a, "week_end": a + dt.timedelta(days=6),
                         "covered_days": len(vals), "attacks": 7.0 * float(np.mean(vals))})
    return pd.DataFrame(rows, columns=["week_start", "week_end", "covered_days", "attacks"])


def _like(like: Forecast, samples: np.ndarray, name: str, history: IntervalCounts,
          **extra: object) -> Forecast:
    from armednet.validation.forecast import Forecast

    meta = {"forecaster": name, "origin": like.origin.isoformat(), "baseline": True,
            "history": history.source, "history_end": max(history.last_day).isoformat(),
            **extra}
    return Forecast(samples, like.dates, like.week, meta)


def baseline_forecasts(history: IntervalCounts, like: Forecast, *, seed: int = 0,
                       draws: int | None = None, prewar_rate: float = PREWAR_RATE,
                       recent_weeks: int = 4, empirical_weeks: int = 8
                       ) -> dict[str, Forecast]:
    """The four baselines over the weeks of ``like``, from the counts before its origin.

    Parameters
    ----------
    history : IntervalCounts
        Counts over intervals; only those ending on or before ``like.origin`` are used.
    like : Forecast
        The forecast to compare with (its weeks, week numbers and origin are copied).
    seed : int
        Seed of the draws (each baseline has its own stream).
    draws : int, optional
        Draws per baseline (default: as many as ``like``).
    prewar_rate : float
        Weekly rate of the pre-war baseline.
    recent_weeks, empirical_weeks : int
        Windows of the ``last 4 weeks`` and ``conflictology`` baselines.

    Returns
    -------
    dict of str to Forecast
        Keyed by :data:`BASELINES` (names adjusted when the windows are changed).

    Raises
    ------
    InputError
        No history before the origin, bad settings.
    """
    if prewar_rate < 0 or recent_weeks < 1 or empirical_weeks < 1:
        raise InputError("prewar_rate must be >= 0 and the windows at least one week")
    past = history_before(history, like.origin)
    n = int(draws or like.draws)
    shape = (n, len(like))

    def rng(tag: int) -> np.random.Generator:
        return np.random.default_rng(np.random.SeedSequence([int(seed), 0xBA5E, tag]))

    last_rate = 7.0 * float(past.attacks[-1]) / float(past.days[-1])
    recent = implied_weekly(past, recent_weeks)
    recent_rate = float(7.0 * np.average(recent["attacks"] / 7.0,
                                         weights=recent["covered_days"]))
    emp = np.rint(implied_weekly(past, empirical_weeks)["attacks"].to_numpy())
    names = ("pre-war rate", "last interval", f"last {recent_weeks} weeks", "conflictology")
    return {
        names[0]: _like(like, rng(0).poisson(prewar_rate, shape), names[0], past,
                        rate=prewar_rate),
        names[1]: _like(like, rng(1).poisson(last_rate, shape), names[1], past,
                        rate=last_rate),
        names[2]: _like(like, rng(2).poisson(recent_rate, shape), names[2], past,
                        rate=recent_rate),
        names[3]: _like(like, rng(3).choice(emp, size=shape), names[3], past,
                        weekly_values=emp.tolist()),
    }
