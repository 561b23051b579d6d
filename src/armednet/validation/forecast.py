"""Forecasts as first-class objects: predictive samples per week, with their provenance.

A :class:`Forecast` holds draws of the weekly attack count for consecutive weeks after an
origin (the last observed day), the first day of each week, and metadata saying how it
was made (scenario and its hash, policy, seed, where the parameters came from and their
hash, package version, origin, creation time). It can be summarised by quantiles, saved to
and loaded from Parquet, and scored (:mod:`armednet.validation.scoring`) against what
happened and against naive baselines (:mod:`armednet.validation.baselines`).

:func:`forecast_from_posterior` makes the model's forecast: it draws parameter sets from a
weighted posterior (for example ``armednet calibrate``'s), simulates the scenario under a
policy up to the horizon and keeps the weeks after the origin.

Weeks
-----
Weeks are the scenario's weeks (week ``w`` covers ``start + 7 w .. start + 7 w + 6``).
Week ``h = 1, 2, ...`` of a forecast is the ``h``-th whole week that starts after the
origin. When the day after the origin falls inside a scenario week, that week is kept too,
as week ``0``, so that counts over intervals that start the day after the origin can be
scored (its samples are the whole week's attacks; scoring spreads them over its days).

References
----------
.. [1] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules, prediction, and
   estimation", J. Am. Stat. Assoc. 102(477), 2007. doi:10.1198/016214506000001437
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError

__all__ = ["QUANTILE_LEVELS", "Forecast", "forecast_from_posterior"]

QUANTILE_LEVELS = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Default quantile levels: the median and the 50% and 90% central intervals."""

_META_KEY = b"armednet.forecast"
_FORMAT = "armednet-forecast/1"


def _level_name(level: float) -> str:
    return f"q{100 * level:g}"


@dataclass(frozen=True)
class Forecast:
    """Predictive samples of weekly attack counts after an origin.

    Attributes
    ----------
    samples : numpy.ndarray of int64, shape (draws, weeks)
        Draws of each week's count (each row one simulated world).
    dates : tuple of datetime.date
        First day of each week (consecutive, seven days apart).
    week : tuple of int
        Week number of each column: ``h``-th whole week after the origin, ``0`` for a
        partial week that contains the day after the origin (see the module notes).
    metadata : dict
        Provenance: ``forecaster``, ``origin`` (ISO date, the last observed day),
        ``scenario``, ``scenario_hash``, ``policy``, ``seed``, ``params_source``,
        ``params_sha256``, ``package_version``, ``created`` and any other keys.

    Examples
    --------
    >>> import datetime as dt
    >>> f = Forecast(np.array([[0, 2], [1, 3], [2, 4]]),
    ...              (dt.date(2024, 2, 5), dt.date(2024, 2, 12)),
    ...              metadata={"origin": "2024-02-04"})
    >>> f.draws, len(f), f.origin, f.last_day
    (3, 2, datetime.date(2024, 2, 4), datetime.date(2024, 2, 18))
    >>> f.quantiles((0.5,))["q50"].tolist()
    [1.0, 3.0]
    """

    samples: np.ndarray
    dates: tuple[dt.date, ...]
    week: tuple[int, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        s = np.asarray(self.samples)
        if s.ndim != 2 or s.shape[0] < 1 or s.shape[1] < 1:
            raise InputError(f"forecast samples must be a (draws, weeks) array with at least "
                             f"one of each, got shape {s.shape}")
        if not np.all(np.isfinite(s)) or s.min() < 0 or not np.all(s == np.round(s)):
            raise InputError("forecast samples must be non-negative whole counts")
        object.__setattr__(self, "samples", s.astype(np.int64, copy=False))
        dates = tuple(d if type(d) is dt.date else pd.Timestamp(d).date() for d in self.dates)
        if len(dates) != s.shape[1]:
            raise InputError(f"forecast has {s.shape[1]} weeks of samples but {len(dates)} "
                             "dates")
        if any((b - a).days != 7 for a, b in itertools.pairwise(dates)):
            raise InputError("forecast weeks must be consecutive (dates seven days apart)")
        object.__setattr__(self, "dates", dates)
        week = tuple(int(w) for w in self.week) or tuple(range(1, len(dates) + 1))
        if len(week) != len(dates):
            raise InputError(f"forecast has {len(dates)} weeks but {len(week)} week numbers")
        object.__setattr__(self, "week", week)
        object.__setattr__(self, "metadata", dict(self.metadata))

    def __len__(self) -> int:
        return int(self.samples.shape[1])

    @property
    def draws(self) -> int:
        """Number of draws (rows of :attr:`samples`)."""
        return int(self.samples.shape[0])

    @property
    def origin(self) -> dt.date:
        """The last observed day (``metadata["origin"]``; else the day before week 1)."""
        if self.metadata.get("origin"):
            return dt.date.fromisoformat(str(self.metadata["origin"])[:10])
        return self.dates[0] - dt.timedelta(days=1)

    @property
    def first_day(self) -> dt.date:
        """First day covered by the samples."""
        return self.dates[0]

    @property
    def last_day(self) -> dt.date:
        """Last day covered by the samples."""
        return self.dates[-1] + dt.timedelta(days=6)

    @property
    def name(self) -> str:
        """The forecaster's name (``metadata["forecaster"]``, default ``"model"``)."""
        return str(self.metadata.get("forecaster", "model"))

    def quantiles(self, levels: Sequence[float] = QUANTILE_LEVELS) -> pd.DataFrame:
        """Quantiles of each week's count, one row per week.

        Quantiles are those of the empirical distribution of the draws (the smallest count
        whose share of draws at or below it reaches the level: ``numpy.quantile`` with
        ``method="inverted_cdf"``), so they are whole counts.

        Returns
        -------
        pandas.DataFrame
            Columns ``week``, ``date``, ``mean`` and one column per level named ``q5``,
            ``q25``, ``q50`` ... (``q`` and the level in percent).
        """
        lv = [float(q) for q in levels]
        if any(not 0.0 <= q <= 1.0 for q in lv):
            raise InputError(f"quantile levels must lie in [0, 1], got {list(levels)}")
        q = np.quantile(self.samples, lv, axis=0, method="inverted_cdf").astype(float)
        out = pd.DataFrame({"week": list(self.week), "date": list(self.dates),
                            "mean": self.samples.mean(axis=0)})
        for j, level in enumerate(lv):
            out[_level_name(level)] = q[j]
        return out

    def save(self, path: str | Path) -> Path:
        """Write the forecast to one Parquet file (atomically).

        The table is long: rows with ``kind == "sample"`` hold ``week, date, draw,
        attacks``; rows with ``kind == "quantile"`` hold ``week, date, level, attacks``
        (the :meth:`quantiles` at :data:`QUANTILE_LEVELS`, for readers that want only
        those). The metadata is JSON in the schema metadata under ``armednet.forecast``.

        Returns
        -------
        Path
            ``path``.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from armednet.fileio import atomic_path

        n, m = self.samples.shape
        q = self.quantiles(QUANTILE_LEVELS)
        k = len(QUANTILE_LEVELS)
        weeks = np.asarray(self.week, dtype=np.int32)
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        table = pa.table({
            "kind": pa.array(["sample"] * (n * m) + ["quantile"] * (k * m)),
            "week": pa.array(np.concatenate([np.tile(weeks, n), np.tile(weeks, k)])),
            "date": pa.array(np.concatenate([np.tile(dates, n), np.tile(dates, k)])),
            "draw": pa.array(np.concatenate([np.repeat(np.arange(n), m), np.zeros(k * m)])
                             .astype(np.int32),
                             mask=np.arange(n * m + k * m) >= n * m),
            "level": pa.array(np.concatenate([np.zeros(n * m),
                                              np.repeat(QUANTILE_LEVELS, m)]),
                              mask=np.arange(n * m + k * m) < n * m),
            "attacks": pa.array(np.concatenate([
                self.samples.reshape(-1).astype(float),
                np.concatenate([q[_level_name(lv)].to_numpy() for lv in QUANTILE_LEVELS])])),
        })
        meta = {"format": _FORMAT, **self.metadata}
        table = table.replace_schema_metadata({_META_KEY: json.dumps(meta, default=str)})
        target = Path(path)
        with atomic_path(target) as tmp:
            pq.write_table(table, tmp)
        return target

    @classmethod
    def load(cls, path: str | Path) -> Forecast:
        """Read a forecast written by :meth:`save`.

        Raises
        ------
        InputError
            If the file is missing, unreadable or not an armednet forecast.
        """
        import pyarrow.parquet as pq

        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: no such forecast file")
        try:
            table = pq.read_table(p)
        except Exception as exc:  # pyarrow raises several types for a bad file
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{p}: not a Parquet file ({first})") from None
        raw = (table.schema.metadata or {}).get(_META_KEY)
        if raw is None or not {"kind", "week", "date", "draw", "attacks"} <= set(
                table.column_names):
            raise InputError(f"{p}: not an armednet forecast (no forecast metadata or "
                             "columns kind, week, date, draw, attacks); write one with "
                             "Forecast.save")
        meta = json.loads(raw)
        meta.pop("format", None)
        df = table.select(["kind", "week", "date", "draw", "attacks"]).to_pandas()
        s = df[df["kind"] == "sample"]
        if s.empty:
            raise InputError(f"{p}: the forecast holds no samples")
        wide = s.pivot(index="draw", columns="week", values="attacks").sort_index()
        if wide.isna().to_numpy().any():
            raise InputError(f"{p}: the forecast's samples are incomplete (missing draws)")
        weeks = [int(w) for w in wide.columns]
        date_of = s.drop_duplicates("week").set_index("week")["date"]
        dates = tuple(pd.Timestamp(date_of[w]).date() for w in weeks)
        return cls(wide.to_numpy(), dates, tuple(weeks), meta)


def _sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _parameter_table(posterior: pd.DataFrame | str | Path | None
                     ) -> tuple[pd.DataFrame | None, str, str | None]:
    """The posterior table, where it came from and its hash."""
    if posterior is None:
        return None, "defaults", None
    if isinstance(posterior, str | Path):
        from armednet.sim.params import load_parameter_sets

        path = Path(posterior)
        return load_parameter_sets(path), str(path), _sha256_file(path)
    if not isinstance(posterior, pd.DataFrame) or posterior.empty:
        raise InputError("posterior must be a non-empty table of parameter sets, a file "
                         "name or None")
    digest = hashlib.sha256(pd.util.hash_pandas_object(posterior, index=False)
                            .to_numpy().tobytes()).hexdigest()
    return posterior, "table in memory", digest


def forecast_from_posterior(
    kg: Any,
    posterior: pd.DataFrame | str | Path | None = None,
    *,
    after: dt.date,
    weeks: int,
    runs: int = 2000,
    seed: int = 0,
    policy: str | Path | Mapping[str, Any] = "status-quo",
) -> Forecast:
    """The model's forecast of weekly attacks after ``after``, integrating over a posterior.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario (its start must precede ``after``).
    posterior : pandas.DataFrame, path or None
        Weighted parameter sets (a column per parameter and ``weight``, as
        ``armednet calibrate`` writes), or a file of them; ``None`` runs every parameter at
        its default. Each run draws one set by weight
        (:func:`armednet.sim.params.draw_parameter_sets`: reproducible by run index).
    after : datetime.date
        The origin: the last observed day.
    weeks : int
        Whole weeks forecast after the origin (plus, when the day after the origin falls
        inside a week, that week, as week 0).
    runs : int
        Draws (simulated runs).
    seed : int
        Seed of the runs and of the parameter draws.
    policy : str, path or mapping
        The policy simulated (default the status quo: only the scenario's scheduled
        actions).

    Returns
    -------
    Forecast

    Raises
    ------
    InputError
        Bad posterior, an origin before the scenario's start, bad sizes.

    Examples
    --------
    >>> import datetime as dt
    >>> from armednet.kb import KnowledgeGraph
    >>> f = forecast_from_posterior(KnowledgeGraph.load(), after=dt.date(2024, 1, 30),
    ...                             weeks=4, runs=50, seed=1)  # doctest: +SKIP
    >>> f.samples.shape, f.dates[1]  # doctest: +SKIP
    ((50, 5), datetime.date(2024, 2, 5))
    """
    from armednet import __version__
    from armednet.kb.dates import earliest
    from armednet.sim.engine import simulate
    from armednet.sim.params import draw_parameter_sets

    if weeks < 1 or runs < 1:
        raise InputError(f"weeks and runs must be at least 1, got {weeks} and {runs}")
    start = earliest(str(kg.scenario.scenario.start))
    day = (after - start).days + 1  # scenario day number of the first forecast day
    if day < 0:
        raise InputError(f"the origin {after} is before the scenario's start {start}")
    first_whole = -(-day // 7)
    first = day // 7  # the week holding the day after the origin (== first_whole if whole)
    horizon = first_whole + weeks
    table, source, digest = _parameter_table(posterior)
    params = draw_parameter_sets(table, np.arange(runs), seed) if table is not None else None
    res = simulate(kg, policy, runs=runs, weeks=horizon, seed=seed, params=params,
                   record=["attacks"])
    assert res.weekly is not None
    samples = np.rint(np.asarray(res.weekly["attacks"].values)[:, first:horizon])
    dates = tuple(start + dt.timedelta(days=7 * w) for w in range(first, horizon))
    week = tuple(w - first_whole + 1 for w in range(first, horizon))
    meta = {
        "forecaster": "model", "origin": after.isoformat(),
        "scenario": kg.scenario.scenario.id, "scenario_hash": kg.hash,
        "policy": policy if isinstance(policy, str) else str(policy),
        "seed": int(seed), "runs": int(runs), "params_source": source,
        "params_sha256": digest, "package_version": __version__,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    }
    return Forecast(samples, dates, week, meta)
