"""Outputs of the engine as tables: summaries with intervals, tidy frames, Parquet files.

:func:`summary_table` condenses per-run summaries into medians and intervals;
:func:`tidy_weekly` and :func:`tidy_groups` turn the weekly :class:`xarray.Dataset` into
long pandas frames; :func:`write_parquet` streams an :class:`~armednet.sim.engine.Ensemble`
chunk by chunk into Parquet files, so the number of runs is bounded by disk, not memory.
Every file carries the run's metadata (scenario hash, policy, parameters, seed, package
version) as the Parquet key ``armednet``, and is written to a temporary file that is
renamed only when complete.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from armednet.sim.engine import WEEKLY_GROUP_VARIABLES, WEEKLY_VARIABLES

if TYPE_CHECKING:
    import pyarrow as pa
    import xarray as xr

    from armednet.sim.engine import Ensemble

__all__ = [
    "METADATA_KEY",
    "WEEKLY_COLUMNS",
    "read_metadata",
    "summary_table",
    "survival",
    "tidy_groups",
    "tidy_weekly",
    "weekly_columns",
    "write_parquet",
]

METADATA_KEY = b"armednet"
"""Parquet key-value metadata key holding the run's metadata as JSON."""


def summary_table(summary: pd.DataFrame, level: float = 0.9,
                  columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Median, central interval and mean of each per-run outcome.

    Parameters
    ----------
    summary : pandas.DataFrame
        Per-run summaries (``SimulationResult.summary``).
    level : float
        Coverage of the central interval (0.9 gives the 5% and 95% quantiles).
    columns : sequence of str, optional
        Outcomes to include (default: every column but ``run``).

    Returns
    -------
    pandas.DataFrame
        Indexed by outcome, columns ``median, low, high, mean, n`` (``n`` counts runs where
        the outcome is defined; e.g. the time to resumption needs a cease-fire).

    Examples
    --------
    >>> df = pd.DataFrame({"run": [0, 1, 2], "attacks": [1.0, 2.0, 3.0]})
    >>> float(summary_table(df).loc["attacks", "median"])
    2.0
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    cols = [c for c in (columns or summary.columns) if c != "run"]
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    data = summary[cols].astype(float)
    q = data.quantile([lo, 0.5, hi])
    out = pd.DataFrame({"median": q.loc[0.5], "low": q.loc[lo], "high": q.loc[hi],
                        "mean": data.mean(), "n": data.notna().sum()})
    out.index.name = "outcome"
    return out


def _dates(ds: xr.Dataset) -> np.ndarray:
    return np.asarray(ds["date"].values)


def tidy_weekly(ds: xr.Dataset, variables: Sequence[str] | None = None) -> pd.DataFrame:
    """Run-level weekly variables as a long frame: ``run, week, date, variable, value``."""
    names = list(variables or [v for v in WEEKLY_VARIABLES if v in ds.data_vars])
    runs, weeks = ds["run"].values, ds["week"].values
    R, T = len(runs), len(weeks)
    frames = [pd.DataFrame({"run": np.repeat(runs, T), "week": np.tile(weeks, R),
                            "date": np.tile(_dates(ds), R), "variable": v,
                            "value": np.asarray(ds[v].values, dtype=float).ravel()})
              for v in names]
    return pd.concat(frames, ignore_index=True)


def tidy_groups(ds: xr.Dataset, variables: Sequence[str] | None = None,
                active_only: bool = True) -> pd.DataFrame:
    """Per-group weekly variables as a long frame:
    ``run, week, date, group, variable, value``.

    With ``active_only`` the splinter slots that never formed in a run are left out.
    """
    names = list(variables or [v for v in WEEKLY_GROUP_VARIABLES if v in ds.data_vars])
    runs, weeks, groups = ds["run"].values, ds["week"].values, ds["group"].values
    R, T, G = len(runs), len(weeks), len(groups)
    keep = np.ones((R, T, G), dtype=bool)
    if active_only and "military" in ds.data_vars:
        formed = ~np.char.endswith(groups.astype(str), "~splinter")[None, :] | (
            np.asarray(ds["military"].values).max(axis=1) > 0)
        keep = np.broadcast_to(formed[:, None, :], (R, T, G))
    base = {"run": np.broadcast_to(runs[:, None, None], (R, T, G))[keep],
            "week": np.broadcast_to(weeks[None, :, None], (R, T, G))[keep],
            "date": np.broadcast_to(_dates(ds)[None, :, None], (R, T, G))[keep],
            "group": np.broadcast_to(groups[None, None, :], (R, T, G))[keep]}
    frames = [pd.DataFrame({**base, "variable": v,
                            "value": np.asarray(ds[v].values, dtype=float)[keep]})
              for v in names]
    return pd.concat(frames, ignore_index=True)


def survival(summary: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Survival curves: the share of runs in which each scenario group is still alive.

    Parameters
    ----------
    summary : pandas.DataFrame
        ``SimulationResult.summary`` (columns ``end_week_<group>`` from the endings
        mechanisms).
    weeks : int
        Horizon of the runs.

    Returns
    -------
    pandas.DataFrame
        Index ``week`` (0 .. weeks - 1), one column per group: the share of runs in which the
        group has not ended by the end of that week. Every run is followed to the horizon, so
        this is the empirical survival function (no censoring before it).

    Examples
    --------
    >>> df = pd.DataFrame({"end_week_a": [2.0, np.nan], "end_week_b": [np.nan, np.nan]})
    >>> survival(df, 4)["a"].tolist()
    [1.0, 1.0, 0.5, 0.5]
    """
    cols = [c for c in summary.columns if c.startswith("end_week_")]
    w = np.arange(weeks)
    out = {c.removeprefix("end_week_"): (~(summary[c].to_numpy()[:, None] <= w)).mean(axis=0)
           for c in cols}
    return pd.DataFrame(out, index=pd.Index(w, name="week"))


WEEKLY_COLUMNS = ("run", "week", "date", "variable", "group", "value")
"""Columns of a weekly Parquet file (long form, like the experiment exports): one row per
run, week, variable and group slot (``group`` empty for run-level variables)."""


def weekly_columns(group_ids: Sequence[str] | None = None,
                   recorded: Sequence[str] | None = None) -> list[str]:
    """Column names of a weekly Parquet file (:data:`WEEKLY_COLUMNS`; the arguments are
    kept for callers of the wide layout and ignored)."""
    return list(WEEKLY_COLUMNS)


def _weekly_tables(weekly: dict[str, np.ndarray], runs: np.ndarray, start: np.datetime64,
                   group_ids: Sequence[str]) -> Iterator[pa.Table]:
    """One chunk's weekly arrays in long form, one table per variable (memory stays at one
    variable's rows), ordered by group, run and week (long stretches of equal values, e.g.
    empty splinter slots, compress well). Variable and group are dictionary-encoded;
    ``group`` is null for run-level variables."""
    import pyarrow as pa

    R, T = next(iter(weekly.values())).shape[:2]
    names = [v for v in (*WEEKLY_VARIABLES, *WEEKLY_GROUP_VARIABLES) if v in weekly]
    run = np.repeat(runs.astype(np.int64), T)
    week = np.tile(np.arange(T, dtype=np.int32), R)
    date = (start + week.astype(np.int64) * np.timedelta64(7, "D")).astype("datetime64[ms]")
    var_dict, grp_dict = pa.array(names), pa.array(list(group_ids), type=pa.string())
    for code, v in enumerate(names):
        arr = weekly[v]
        n = arr.shape[2] if arr.ndim == 3 else 1
        grp = (np.repeat(np.arange(n, dtype=np.int32), R * T) if arr.ndim == 3
               else np.full(R * T, -1, dtype=np.int32))
        yield pa.table({
            "run": np.tile(run, n), "week": np.tile(week, n), "date": np.tile(date, n),
            "variable": pa.DictionaryArray.from_arrays(
                np.full(n * R * T, code, dtype=np.int16), var_dict),
            "group": pa.DictionaryArray.from_arrays(pa.array(grp, mask=grp < 0), grp_dict),
            "value": (np.moveaxis(arr, 2, 0) if arr.ndim == 3 else arr).reshape(-1).astype(
                np.float32, copy=False)})


def _with_meta(table: pa.Table, meta: dict[str, Any]) -> pa.Table:
    md = dict(table.schema.metadata or {})
    md[METADATA_KEY] = json.dumps(meta, default=str).encode()
    return table.replace_schema_metadata(md)


def write_parquet(ensemble: Ensemble, path: str | Path, weekly_path: str | Path | None = None,
                  progress: Callable[[float, float], None] | None = None) -> pd.DataFrame:
    """Run ``ensemble`` and stream its per-run summaries (and optionally its weekly
    trajectories) into Parquet files, one row group per chunk.

    Parameters
    ----------
    ensemble : Ensemble
        From :func:`armednet.sim.engine.prepare` (with ``record="weekly"`` when
        ``weekly_path`` is given).
    path : path
        Summary file: one row per run.
    weekly_path : path, optional
        Weekly file in long form: one row per run, week, variable and group slot
        (:data:`WEEKLY_COLUMNS`), like the experiment exports.
    progress : callable, optional
        Passed to :meth:`Ensemble.chunks`.

    Returns
    -------
    pandas.DataFrame
        The per-run summaries (small: one row per run).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from armednet.fileio import atomic_path

    if weekly_path is not None and not ensemble.record:
        raise ValueError("weekly_path needs an ensemble that records weekly variables")
    meta = ensemble.metadata
    start = np.datetime64(ensemble.inputs.start, "D")
    gids = ensemble.inputs.group_ids
    summaries: list[pd.DataFrame] = []
    with atomic_path(Path(path)) as tmp_summary:
        if weekly_path is None:
            for chunk in ensemble.chunks(progress):
                summaries.append(chunk.summary)
        else:
            with atomic_path(Path(weekly_path)) as tmp_weekly:
                writer: pq.ParquetWriter | None = None
                try:
                    for chunk in ensemble.chunks(progress):
                        summaries.append(chunk.summary)
                        assert chunk.weekly is not None
                        for part in _weekly_tables(chunk.weekly,
                                                   chunk.summary["run"].to_numpy(), start,
                                                   gids):
                            table = _with_meta(part, meta)
                            if writer is None:
                                writer = pq.ParquetWriter(tmp_weekly, table.schema)
                            writer.write_table(table)
                finally:
                    if writer is not None:
                        writer.close()
        summary = pd.concat(summaries, ignore_index=True)
        table = _with_meta(pa.Table.from_pandas(summary, preserve_index=False), meta)
        pq.write_table(table, tmp_summary)
    return summary


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata armednet stored in a Parquet file it wrote."""
    import pyarrow.parquet as pq

    md = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in md:
        from armednet.errors import InputError

        raise InputError(f"{path}: not an armednet results file (no '{METADATA_KEY.decode()}' "
                         "metadata)")
    return dict(json.loads(md[METADATA_KEY]))
