"""Rolling-origin backtest: refit, forecast and score from several origins inside the data.

From each origin the model is fitted only to the intervals that end on or before it
(:func:`armednet.validation.calibration.calibrate`, with a small budget), forecasts the
weeks after it (:func:`armednet.validation.forecast.forecast_from_posterior`) and is scored
against the intervals observed in the following weeks, beside the four naive baselines of
:mod:`armednet.validation.baselines` built from the same history (Hyndman &
Athanasopoulos: evaluation on a rolling forecasting origin, "time series
cross-validation").

Which intervals are scored at horizon ``h``
------------------------------------------
Horizon ``h`` (``1 .. horizons``) is the window of days ``origin + 7(h - 1) + 1 ..
origin + 7h``. An interval is scored at horizon ``h`` when its first day is after the
origin and its last day lies in that window; an interval that straddles the origin (begun
before it, known only after it) is scored at no horizon from that origin, and neither is
one that ends after the last window. Each scored interval counts once, as a unit (a short
and a long interval weigh the same; CRPS grows with an interval's count, so long intervals
dominate mean CRPS). Forecast weeks are spread over their days as in
:func:`armednet.validation.scoring.interval_samples`.

Origins
-------
The nominal origins are every other Sunday from 19 November 2023 to 14 January 2024
(:data:`DEFAULT_ORIGINS`). The DoD counts come as statements on irregular days, so by
default (``snap=True``) each origin moves back to the last day of the last interval that
ends on or before it: the history is then complete up to the origin, and the next interval
starts the day after it (none straddles the origin, which would leave it unscored). Thus
the default origins are 17 Nov, 30 Nov, 13 Dec, 21 Dec 2023 and 9 Jan 2024. The forecast
covers the rest of the scenario week that holds the day after the origin and the whole
weeks after it (see :mod:`armednet.validation.forecast`).

References
----------
.. [1] R. J. Hyndman and G. Athanasopoulos, *Forecasting: Principles and Practice*, 3rd
   ed., OTexts, 2021, section 5.10 "Time series cross-validation". https://otexts.com/fpp3/
.. [2] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules, prediction, and
   estimation", J. Am. Stat. Assoc. 102(477), 2007. doi:10.1198/016214506000001437
.. [3] H. Hegre et al., "The 2023/24 VIEWS prediction challenge: predicting the number of
   fatalities in armed conflict, with uncertainty", 2024, arXiv:2407.11045 (the
   challenge's benchmarks include a "conflictology" model).
"""

from __future__ import annotations

import datetime as dt
import inspect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.events.intervals import IntervalCounts

__all__ = ["DEFAULT_ORIGINS", "AbcFit", "BacktestResult", "Fit", "backtest", "horizon_of",
           "save_backtest", "snap_origins"]

DEFAULT_ORIGINS = tuple(dt.date(2023, 11, 19) + dt.timedelta(days=14 * k) for k in range(5))
"""Nominal origins: 19 Nov, 3 Dec, 17 Dec, 31 Dec 2023 and 14 Jan 2024 (every other Sunday)."""

Fit = Callable[[Any, IntervalCounts, int], pd.DataFrame | None]
"""``fit(kg, history, seed)`` -> a weighted posterior table, or ``None`` for defaults."""


@dataclass
class BacktestResult:
    """What :func:`backtest` returns.

    Attributes
    ----------
    scores : pandas.DataFrame
        One row per origin, forecaster and scored interval: ``origin, horizon,
        forecaster, first_day, last_day, days, observed``, the scores of
        :func:`armednet.validation.scoring.score_samples`.
    table : pandas.DataFrame
        Means per ``origin, horizon, forecaster``: ``crps, log_score, cover50, cover90,
        n``.
    summary : pandas.DataFrame
        Means per forecaster over every scored unit, same columns.
    record : dict
        Tables, verdict, settings and provenance, as stored for the report.
    """

    scores: pd.DataFrame
    table: pd.DataFrame
    summary: pd.DataFrame
    record: dict[str, Any]


def horizon_of(first_day: dt.date, last_day: dt.date, origin: dt.date,
               horizons: int) -> int | None:
    """The horizon at which an interval is scored from ``origin``, or ``None``.

    Examples
    --------
    >>> o = dt.date(2023, 11, 19)
    >>> horizon_of(dt.date(2023, 11, 20), dt.date(2023, 11, 26), o, 4)
    1
    >>> horizon_of(dt.date(2023, 11, 24), dt.date(2023, 11, 27), o, 4)
    2
    >>> horizon_of(dt.date(2023, 11, 18), dt.date(2023, 11, 23), o, 4) is None  # straddles
    True
    """
    if first_day <= origin:
        return None
    h = -(-(last_day - origin).days // 7)
    return h if 1 <= h <= horizons else None


def snap_origins(data: IntervalCounts, origins: Sequence[dt.date]) -> list[dt.date]:
    """Each origin moved back to the last day of the last interval ending on or before it
    (duplicates dropped; origins before every interval are dropped)."""
    out = []
    for o in origins:
        ends = [b for b in data.last_day if b <= o]
        if ends and max(ends) not in out:
            out.append(max(ends))
    return sorted(out)


def _take(data: IntervalCounts, idx: Sequence[int]) -> IntervalCounts:
    table = data.table.iloc[list(idx)].reset_index(drop=True) if len(data.table) else \
        data.table
    return IntervalCounts([data.first_day[i] for i in idx], [data.last_day[i] for i in idx],
                          data.attacks[list(idx)], table, data.source)


@dataclass(frozen=True)
class AbcFit:
    """The default fit: :func:`~armednet.validation.calibration.calibrate` (its default
    priors) with a small budget, returning the weighted posterior."""

    particles: int = 1000
    generations: int = 4

    def __call__(self, kg: Any, history: IntervalCounts, seed: int) -> pd.DataFrame:
        from armednet.validation.calibration import calibrate

        # calibrate's own checks and forecast are not used here: keep them cheap
        extra: dict[str, Any] = {"predictive_runs": 10, "forecast_weeks": 1}
        accepted = inspect.signature(calibrate).parameters
        kwargs = {k: v for k, v in extra.items() if k in accepted}
        res = calibrate(kg, history, particles=self.particles, generations=self.generations,
                        seed=seed, **kwargs)
        return res.posterior

    def __str__(self) -> str:
        return f"ABC-SMC, {self.particles} particles, {self.generations} generations"


def _seed(seed: int, k: int) -> int:
    return int(np.random.SeedSequence([int(seed), 0xBAC7, k]).generate_state(1)[0] >> 1)


def _one_origin(kg: Any, data: IntervalCounts, origin: dt.date, horizons: int, fit: Fit,
                runs: int, seed: int, policy: Any) -> pd.DataFrame | None:
    from armednet.validation.baselines import baseline_forecasts, history_before
    from armednet.validation.forecast import forecast_from_posterior
    from armednet.validation.scoring import score_forecasts

    hz = [horizon_of(a, b, origin, horizons) for a, b in zip(data.first_day, data.last_day,
                                                             strict=True)]
    idx = [i for i, h in enumerate(hz) if h is not None]
    if not idx:
        return None
    past = history_before(data, origin)
    posterior = fit(kg, past, seed)
    fc = forecast_from_posterior(kg, posterior, after=origin, weeks=horizons, runs=runs,
                                 seed=seed + 1, policy=policy)
    forecasts = {"model": fc, **baseline_forecasts(past, fc, seed=seed + 2)}
    truth = _take(data, idx)
    scores = score_forecasts(forecasts, truth, seed=seed + 3)
    horizon = dict(zip(truth.first_day, (hz[i] for i in idx), strict=True))
    scores.insert(0, "origin", origin)
    scores.insert(1, "horizon", [horizon[a] for a in scores["first_day"]])
    return scores


def backtest(
    kg: Any,
    data: IntervalCounts,
    *,
    origins: Sequence[dt.date] | None = None,
    snap: bool = True,
    horizons: int = 4,
    particles: int = 1000,
    generations: int = 4,
    runs: int = 1000,
    seed: int = 0,
    policy: Any = "status-quo",
    fit: Fit | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of the model against the four baselines.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario.
    data : IntervalCounts
        Observed counts over intervals (:func:`armednet.events.intervals.load_intervals`).
    origins : sequence of datetime.date, optional
        Origins of the backtest's forecasts (default :data:`DEFAULT_ORIGINS`).
    snap : bool
        Move each origin back to the last day of the last interval ending on or before it
        (:func:`snap_origins`), so that no interval straddles an origin.
    horizons : int
        Weeks scored after each origin.
    particles, generations : int
        Budget of each refit (ABC-SMC; see :class:`AbcFit`).
    runs : int
        Draws of each forecast (and of each baseline).
    seed : int
        Seed: the same seed and inputs give the same tables.
    policy : str, path or mapping
        Policy of the forecasts (default: the status quo).
    fit : callable, optional
        ``fit(kg, history, seed) -> posterior or None`` replacing the ABC-SMC refit.
    progress : callable, optional
        ``progress(message, fraction_done)``.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InputError
        Bad settings, or no origin with intervals to score.
    """
    if horizons < 1 or runs < 2:
        raise InputError(f"horizons must be at least 1 and runs at least 2, got {horizons} "
                         f"and {runs}")
    from armednet.validation.scoring import summarize, verdict

    t0 = time.perf_counter()
    origins = sorted(origins or DEFAULT_ORIGINS)
    if snap:
        origins = snap_origins(data, origins)
    fit = fit or AbcFit(particles, generations)
    frames = []
    for k, origin in enumerate(origins):
        if progress is not None:
            progress(f"origin {origin}", k / len(origins))
        s = _one_origin(kg, data, origin, horizons, fit, runs, _seed(seed, k), policy)
        if s is not None:
            frames.append(s)
    if not frames:
        raise InputError(f"{data.source}: no interval to score after any origin "
                         f"({', '.join(str(o) for o in origins) or 'none inside the data'})")
    scores = pd.concat(frames, ignore_index=True)
    table = summarize(scores, by=("origin", "horizon", "forecaster")).sort_values(
        ["origin", "horizon"], kind="stable", ignore_index=True)
    summary = summarize(scores)
    by_horizon = summarize(scores, by=("horizon", "forecaster")).sort_values(
        ["horizon"], kind="stable")
    record = _record(kg, data, scores, table, summary, by_horizon, origins, horizons, runs,
                     seed, policy, fit, time.perf_counter() - t0, verdict(summary))
    if progress is not None:
        progress("done", 1.0)
    return BacktestResult(scores=scores, table=table, summary=summary, record=record)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = df.copy()
    for col in ("origin", "first_day", "last_day"):
        if col in out.columns:
            out[col] = [str(v) for v in out[col]]
    return [{str(k): v for k, v in r.items()} for r in out.to_dict(orient="records")]


def _record(kg: Any, data: IntervalCounts, scores: pd.DataFrame, table: pd.DataFrame,
            summary: pd.DataFrame, by_horizon: pd.DataFrame, origins: Sequence[dt.date],
            horizons: int, runs: int, seed: int, policy: Any, fit: Fit, seconds: float,
            sentence: str) -> dict[str, Any]:
    import hashlib

    from armednet import __version__
    from armednet.validation.scoring import LOG_SCORE_SMOOTHING, paired_differences

    try:
        digest: str | None = hashlib.sha256(Path(data.source).read_bytes()).hexdigest()
    except OSError:
        digest = None
    return {
        "method": "rolling-origin backtest: refit on the intervals ending by each origin, "
                  "forecast, score the intervals of the next weeks beside four baselines",
        "origins": [o.isoformat() for o in origins], "horizons": horizons,
        "summary": _records(summary), "table": _records(table),
        "by_horizon": _records(by_horizon), "verdict": sentence,
        "comparison": _records(paired_differences(scores)),
        "units": "intervals whose first day is after the origin and whose last day falls "
                 "in week h after it (days origin + 7(h-1) + 1 .. origin + 7h)",
        "log_score_smoothing": LOG_SCORE_SMOOTHING,
        "fit": str(fit) if isinstance(fit, AbcFit) else getattr(fit, "__name__", "custom"),
        "runs": runs, "policy": policy if isinstance(policy, str) else str(policy),
        "seed": int(seed), "data": data.source, "data_sha256": digest,
        "scenario": kg.scenario.scenario.id, "scenario_hash": kg.hash,
        "package_version": __version__, "seconds": seconds,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
        "n_units": int(len(scores) // max(1, scores["forecaster"].nunique())),
    }


def save_backtest(result: BacktestResult, db: str | Path) -> None:
    """Store the backtest's record in a results database (experiment id ``validation``,
    kind ``backtest``), where ``armednet report`` and the dashboard find it."""
    from armednet.experiments.store import open_store

    with open_store(db) as store:
        store.save_analysis("validation", "backtest", result.record)
