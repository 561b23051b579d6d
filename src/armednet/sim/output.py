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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
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
    "ROW_GROUP_ROWS",
    "WEEKLY_COLUMNS",
    "read_metadata",
    "stream_parquet",
    "summary_table",
    "summary_table_parquet",
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
    cols = [c for c in (columns or summary.columns) if c != "run"]
    return _table({c: summary[c].to_numpy(dtype=float) for c in cols}.items(), level)


def summary_table_parquet(path: str | Path, level: float = 0.9,
                          columns: Sequence[str] | None = None) -> pd.DataFrame:
    """:func:`summary_table` of a summary Parquet file, read one column at a time.

    The quantiles are exact (the same numbers as :func:`summary_table` of the whole
    frame); memory is one column of the file (8 bytes per run), so a file of any number
    of runs that fits one column in memory can be summarised.

    Parameters
    ----------
    path : path
        A summary file written by :func:`write_parquet` or :func:`stream_parquet`.
    level, columns
        As in :func:`summary_table`.
    """
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    cols = [c for c in (columns or pf.schema_arrow.names) if c != "run"]

    # one column at a time, each filled row group by row group into one array
    return _table(((c, _read_column(pf, c)) for c in cols), level)


def _read_column(pf: Any, name: str) -> np.ndarray:
    """Column ``name`` of a Parquet file as float64, read one row group at a time (memory:
    the array and one row group), nulls as NaN."""
    x = np.empty(pf.metadata.num_rows)
    at = 0
    for i in range(pf.num_row_groups):
        part = pf.read_row_group(i, columns=[name], use_threads=False).column(0).to_numpy()
        x[at:at + len(part)] = part
        at += len(part)
    return x


def _table(columns: Iterable[tuple[str, np.ndarray]], level: float) -> pd.DataFrame:
    """Median, interval, mean and count of each (name, values) column, NaN left out; the
    quantiles interpolate linearly between order statistics (pandas' and numpy's
    default)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    lo, hi = (1 - level) / 2, 1 - (1 - level) / 2
    rows: dict[str, list[float]] = {}
    for name, x in columns:
        x = x[~np.isnan(x)]  # a copy (the column is released): reordered in place below
        if len(x):
            mean = float(x.mean())
            q = np.quantile(x, [lo, 0.5, hi], overwrite_input=True)
            rows[name] = [float(q[1]), float(q[0]), float(q[2]), mean, len(x)]
        else:
            rows[name] = [np.nan, np.nan, np.nan, np.nan, 0]
    out = pd.DataFrame.from_dict(rows, orient="index",
                                 columns=["median", "low", "high", "mean", "n"])
    out["n"] = out["n"].astype(np.int64)
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


ROW_GROUP_ROWS = 65_536
"""Summary rows per Parquet row group: chunks are gathered up to this many rows before they
are written (a few MB; a row group per chunk of a 10-million-run ensemble would make
thousands of tiny row groups and a large footer)."""


def write_parquet(ensemble: Ensemble, path: str | Path, weekly_path: str | Path | None = None,
                  progress: Callable[[float, float], None] | None = None,
                  workers: int | None = None) -> pd.DataFrame:
    """Run ``ensemble`` and stream its per-run summaries (and optionally its weekly
    trajectories) into Parquet files as its chunks arrive; also return the summaries.

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
    workers : int, optional
        Passed to :meth:`Ensemble.chunks` (default: this process only).

    Returns
    -------
    pandas.DataFrame
        The per-run summaries (one row per run: use :func:`stream_parquet` when they would
        not fit in memory).
    """
    kept: list[pd.DataFrame] = []
    stream_parquet(ensemble, path, weekly_path, progress=progress, workers=workers,
                   keep=kept.append)
    return pd.concat(kept, ignore_index=True)


def stream_parquet(ensemble: Ensemble, path: str | Path, weekly_path: str | Path | None = None,
                   progress: Callable[[float, float], None] | None = None,
                   workers: int | None = None,
                   keep: Callable[[pd.DataFrame], None] | None = None) -> int:
    """Run ``ensemble``, writing each chunk's summaries (and weekly rows) as it arrives.

    Memory is bounded by a few chunks and a row group (:data:`ROW_GROUP_ROWS`), whatever
    the number of runs. Each file is written to a temporary file beside it, renamed only
    once complete: an error or an interrupt leaves no half-written result.

    Parameters
    ----------
    ensemble, path, weekly_path, progress, workers
        As in :func:`write_parquet`.
    keep : callable, optional
        Called with each chunk's summary frame (in run order).

    Returns
    -------
    int
        Runs written.

    Raises
    ------
    ValueError
        ``weekly_path`` for an ensemble that records no weekly variables.
    """
    from armednet.fileio import atomic_path

    if weekly_path is not None and not ensemble.record:
        raise ValueError("weekly_path needs an ensemble that records weekly variables")
    meta = ensemble.metadata
    start = np.datetime64(ensemble.inputs.start, "D")
    gids = ensemble.inputs.group_ids
    n = 0
    with ExitStack() as stack:
        summaries = stack.enter_context(_RowGroups(
            stack.enter_context(atomic_path(Path(path))), meta))
        weekly = (None if weekly_path is None else stack.enter_context(
            _RowGroups(stack.enter_context(atomic_path(Path(weekly_path))), meta, rows=0)))
        for chunk in ensemble.chunks(progress, workers=workers):
            summaries.add(chunk.summary)
            n += len(chunk.summary)
            if keep is not None:
                keep(chunk.summary)
            if weekly is not None:
                assert chunk.weekly is not None
                for part in _weekly_tables(chunk.weekly, chunk.summary["run"].to_numpy(),
                                           start, gids):
                    weekly.add_table(part)
    return n


class _RowGroups:
    """A Parquet file written table by table (a context manager): tables are gathered
    up to ``rows`` rows per row group (0: each table is one as it comes), cast to the
    first table's schema, which carries the run's metadata; closing writes the footer."""

    def __init__(self, path: Path, meta: dict[str, Any], rows: int | None = None) -> None:
        self.path, self.meta = path, meta
        self.rows = ROW_GROUP_ROWS if rows is None else rows
        self.writer: Any = None
        self.pending: list[pa.Table] = []
        self.n_pending = 0

    def __enter__(self) -> _RowGroups:
        return self

    def add(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa

        schema = None if self.writer is None else self.writer.schema
        self.add_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))

    def add_table(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, _with_meta(table, self.meta).schema)
        self.pending.append(table.cast(self.writer.schema, safe=False)
                            if table.schema != self.writer.schema else table)
        self.n_pending += table.num_rows
        if self.n_pending >= self.rows:
            self.flush()

    def flush(self) -> None:
        import pyarrow as pa

        if self.pending:
            table = pa.concat_tables(self.pending)
            self.pending, self.n_pending = [], 0
            self.writer.write_table(table, row_group_size=max(table.num_rows, 1))

    def __exit__(self, et: type[BaseException] | None, *exc: object) -> None:
        if self.writer is None:
            return
        try:
            if et is None:
                self.flush()
        finally:
            self.writer.close()


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata armednet stored in a Parquet file it wrote."""
    import pyarrow.parquet as pq

    md = pq.read_schema(path).metadata or {}
    if METADATA_KEY not in md:
        from armednet.errors import InputError

        raise InputError(f"{path}: not an armednet results file (no '{METADATA_KEY.decode()}' "
                         "metadata)")
    return dict(json.loads(md[METADATA_KEY]))
