"""The results store: one embedded DuckDB file per project, exportable to Parquet.

Tables (all keyed by ``experiment_id``):

``experiments``
    one row per experiment: name, spec (JSON), scenario id and hash, package version, seed,
    design method, point/policy/replication counts, status, timings, and the levers that
    have nothing to act on in the scenario (``warnings``, JSON: policy -> messages).
``design_points``
    the design in long form: point, uncertainty name, unit-scale value and value.
``chunks``
    one row per committed chunk (policy x a slice of points), with its row count, seconds
    and worker. The primary key makes a chunk impossible to store twice.
``outcomes``
    long form: point, policy, replication, outcome name, value.
``trajectories``
    weekly series per run (a DOUBLE[] per recorded variable), for fan charts.
``analyses``
    cached analysis results (JSON) that reports and the dashboard read.

A chunk's rows and its ``chunks`` row are written in one transaction, so a killed process
(even ``kill -9``) leaves either the whole chunk or nothing; a rerun completes only the
missing chunks.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from armednet.errors import InputError

__all__ = ["ChunkRows", "ResultStore", "open_store"]

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS experiments (
        experiment_id VARCHAR PRIMARY KEY, name VARCHAR, description VARCHAR, spec JSON,
        scenario_id VARCHAR, scenario_hash VARCHAR, package_version VARCHAR, seed UBIGINT,
        design_method VARCHAR, n_points INTEGER, n_policies INTEGER, replications INTEGER,
        weeks INTEGER, n_chunks INTEGER, params JSON, created TIMESTAMP,
        finished TIMESTAMP, seconds DOUBLE, evaluator VARCHAR, store_seconds DOUBLE)""",
    # databases written before store_seconds and warnings existed
    "ALTER TABLE experiments ADD COLUMN IF NOT EXISTS store_seconds DOUBLE",
    "ALTER TABLE experiments ADD COLUMN IF NOT EXISTS warnings JSON",
    """CREATE TABLE IF NOT EXISTS design_points (
        experiment_id VARCHAR, point INTEGER, name VARCHAR, unit DOUBLE, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS chunks (
        experiment_id VARCHAR, chunk INTEGER, policy VARCHAR, point_start INTEGER,
        point_stop INTEGER, n_rows INTEGER, seconds DOUBLE, worker VARCHAR,
        committed TIMESTAMP, PRIMARY KEY (experiment_id, chunk))""",
    """CREATE TABLE IF NOT EXISTS outcomes (
        experiment_id VARCHAR, chunk INTEGER, point INTEGER, policy VARCHAR,
        replication INTEGER, outcome VARCHAR, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS trajectories (
        experiment_id VARCHAR, chunk INTEGER, point INTEGER, policy VARCHAR,
        replication INTEGER, variable VARCHAR, "values" DOUBLE[])""",
    """CREATE TABLE IF NOT EXISTS analyses (
        experiment_id VARCHAR, kind VARCHAR, created TIMESTAMP, result JSON,
        PRIMARY KEY (experiment_id, kind))""",
]


@dataclass
class ChunkRows:
    """What one evaluated chunk hands to the store.

    Attributes
    ----------
    outcomes : pandas.DataFrame
        Columns ``point, policy, replication, outcome, value``.
    trajectories : pandas.DataFrame
        Columns ``point, policy, replication, variable, values`` (a list per row).
    seconds : float
        Wall time spent evaluating the chunk.
    worker : str
        Which process evaluated it.
    """

    outcomes: pd.DataFrame
    trajectories: pd.DataFrame
    seconds: float
    worker: str


class ResultStore:
    """A connection to a results database (use :func:`open_store`)."""

    def __init__(self, path: Path, read_only: bool = False, create: bool = True) -> None:
        import duckdb

        self.path = Path(path)
        if (read_only or not create) and not self.path.exists():
            raise InputError(f"{self.path}: no such results database")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise InputError(f"{self.path}: cannot open the results database ({exc})") from None
        except duckdb.Error as exc:
            raise InputError(f"{self.path}: not a DuckDB results database ({exc})") from None
        if not read_only:
            for stmt in _SCHEMA:
                self.con.execute(stmt)
        elif not self._has_table("experiments"):
            raise InputError(f"{self.path}: holds no experiments (run `armednet experiment "
                             "run` first)")

    def _has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self.con.close()

    # -- experiments -----------------------------------------------------------------
    def register(self, meta: dict[str, Any], design: pd.DataFrame) -> bool:
        """Record an experiment and its design once; return True if it was new."""
        exists = self.con.execute("SELECT count(*) FROM experiments WHERE experiment_id = ?",
                                  [meta["experiment_id"]]).fetchone()
        if exists and exists[0]:
            return False
        cols = list(meta)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                f"INSERT INTO experiments ({', '.join(cols)}) VALUES "
                f"({', '.join('?' for _ in cols)})", [meta[c] for c in cols])
            if len(design):
                self.con.register("_design", design)
                self.con.execute(
                    "INSERT INTO design_points SELECT ?, point, name, unit, value FROM _design",
                    [meta["experiment_id"]])
                self.con.unregister("_design")
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        return True

    def experiments(self) -> pd.DataFrame:
        """One row per experiment with its progress."""
        return self.con.execute("""
            SELECT e.experiment_id, e.name, e.design_method, e.n_points, e.n_policies,
                   e.replications, e.weeks, e.seed, e.n_chunks,
                   count(c.chunk) AS chunks_done, e.created, e.finished, e.seconds,
                   e.scenario_id, e.scenario_hash, e.package_version
            FROM experiments e LEFT JOIN chunks c USING (experiment_id)
            GROUP BY ALL ORDER BY e.created""").df()

    def meta(self, experiment_id: str | None = None) -> dict[str, Any]:
        """The ``experiments`` row of one experiment (the latest when ``None``)."""
        ids = [r[0] for r in self.con.execute(
            "SELECT experiment_id FROM experiments ORDER BY created").fetchall()]
        if not ids:
            raise InputError(f"{self.path}: holds no experiments")
        if experiment_id is None:
            experiment_id = ids[-1]
        elif experiment_id not in ids:
            import difflib

            near = difflib.get_close_matches(experiment_id, ids, n=3, cutoff=0.3)
            raise InputError(f"unknown experiment {experiment_id!r}; "
                             + (f"did you mean {', '.join(near)}?" if near else
                                f"stored: {', '.join(ids[-5:])}"))
        df = self.con.execute("SELECT * FROM experiments WHERE experiment_id = ?",
                              [experiment_id]).df()
        row: dict[str, Any] = {str(k): v for k, v in df.iloc[0].to_dict().items()}
        for key in ("spec", "params", "warnings"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        return row

    def finish(self, experiment_id: str, seconds: float, evaluator: str,
               store_seconds: float = 0.0) -> None:
        """Record a run's wall time, evaluator and the time spent committing chunks."""
        self.con.execute("UPDATE experiments SET finished = ?, seconds = coalesce(seconds, 0) "
                         "+ ?, evaluator = ?, store_seconds = coalesce(store_seconds, 0) + ? "
                         "WHERE experiment_id = ?",
                         [dt.datetime.now(), seconds, evaluator, store_seconds, experiment_id])

    # -- chunks ------------------------------------------------------------------------
    def unfinished_namesakes(self, name: str, experiment_id: str) -> list[dict[str, Any]]:
        """Other experiments of the same name that are not complete (id, spec, progress)."""
        rows = self.con.execute("""
            SELECT e.experiment_id, e.spec, e.n_chunks, count(c.chunk)
            FROM experiments e LEFT JOIN chunks c USING (experiment_id)
            WHERE e.name = ? AND e.experiment_id <> ?
            GROUP BY ALL HAVING count(c.chunk) < e.n_chunks""", [name, experiment_id]).fetchall()
        return [{"experiment_id": r[0], "spec": json.loads(r[1]) if isinstance(r[1], str)
                 else r[1], "n_chunks": int(r[2]), "chunks_done": int(r[3])} for r in rows]

    def done_chunks(self, experiment_id: str) -> set[int]:
        rows = self.con.execute("SELECT chunk FROM chunks WHERE experiment_id = ?",
                                [experiment_id]).fetchall()
        return {int(r[0]) for r in rows}

    def commit_chunk(self, experiment_id: str, chunk: int, policy: str,
                     points: tuple[int, int], rows: ChunkRows) -> None:
        """Write one chunk atomically: all of its rows and its ``chunks`` entry, or nothing."""
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_out", rows.outcomes)
            con.execute("INSERT INTO outcomes SELECT ?, ?, point, policy, replication, outcome, "
                        "value FROM _out", [experiment_id, chunk])
            con.unregister("_out")
            if len(rows.trajectories):
                con.register("_traj", _arrow_trajectories(rows.trajectories))
                con.execute("INSERT INTO trajectories SELECT ?, ?, point, policy, replication, "
                            "variable, \"values\" FROM _traj", [experiment_id, chunk])
                con.unregister("_traj")
            con.execute("INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [experiment_id, chunk, policy, points[0], points[1],
                         len(rows.outcomes), rows.seconds, rows.worker, dt.datetime.now()])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise

    # -- reading -------------------------------------------------------------------------
    def design(self, experiment_id: str, unit: bool = False) -> pd.DataFrame:
        """The design as a wide frame (index ``point``, one column per uncertainty)."""
        col = "unit" if unit else "value"
        df = self.con.execute(f"SELECT point, name, {col} AS v FROM design_points "
                              "WHERE experiment_id = ?", [experiment_id]).df()
        if df.empty:
            return pd.DataFrame(index=pd.RangeIndex(0, name="point"))
        wide = df.pivot(index="point", columns="name", values="v").sort_index()
        wide.columns.name = None
        return wide

    def outcomes(self, experiment_id: str, wide: bool = True) -> pd.DataFrame:
        """Outcomes, one row per run (``point, policy, replication``) and one column per
        outcome when ``wide``; else the long table."""
        df = self.con.execute("SELECT point, policy, replication, outcome, value FROM outcomes "
                              "WHERE experiment_id = ? ORDER BY policy, point, replication, "
                              "outcome", [experiment_id]).df()
        if not wide:
            return df
        out = df.pivot_table(index=["policy", "point", "replication"], columns="outcome",
                             values="value", aggfunc="first").reset_index()
        out.columns.name = None
        return out

    def trajectories(self, experiment_id: str, variable: str = "attacks") -> pd.DataFrame:
        """Weekly series per run: columns ``point, policy, replication, values``."""
        return self.con.execute(
            "SELECT point, policy, replication, \"values\" FROM trajectories "
            "WHERE experiment_id = ? AND variable = ? ORDER BY policy, point, replication",
            [experiment_id, variable]).df()

    def save_analysis(self, experiment_id: str, kind: str, result: Any) -> None:
        self.con.execute("INSERT OR REPLACE INTO analyses VALUES (?, ?, ?, ?)",
                         [experiment_id, kind, dt.datetime.now(),
                          json.dumps(result, default=_json_default)])

    def analysis(self, experiment_id: str, kind: str) -> Any | None:
        row = self.con.execute("SELECT result FROM analyses WHERE experiment_id = ? AND kind = ?",
                               [experiment_id, kind]).fetchone()
        return json.loads(row[0]) if row else None

    def export_parquet(self, experiment_id: str, directory: Path) -> list[Path]:
        """Write each table of one experiment to ``directory/<table>.parquet`` (atomically)."""
        from armednet.fileio import atomic_path

        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for table in ("experiments", "design_points", "chunks", "outcomes", "trajectories",
                      "analyses"):
            target = directory / f"{table}.parquet"
            with atomic_path(target) as tmp:
                self.con.execute(
                    f"COPY (SELECT * FROM {table} WHERE experiment_id = $id) TO "
                    f"'{tmp.as_posix()}' (FORMAT parquet)", {"id": experiment_id})
            written.append(target)
        return written


def _arrow_trajectories(traj: pd.DataFrame) -> Any:
    """The trajectories as an Arrow table with a list column built from one flat array
    (DuckDB ingests it far faster than a pandas column of Python lists)."""
    import numpy as np
    import pyarrow as pa

    series = [np.asarray(v, dtype=np.float64) for v in traj["values"]]
    offsets = np.concatenate([[0], np.cumsum([len(v) for v in series])]).astype(np.int32)
    values = pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.concatenate(series)))
    return pa.table({"point": traj["point"].to_numpy(), "policy": traj["policy"].astype(str),
                     "replication": traj["replication"].to_numpy(),
                     "variable": traj["variable"].astype(str), "values": values})


def _json_default(obj: Any) -> Any:
    import numpy as np

    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (dt.date, dt.datetime, pd.Timestamp)):
        return obj.isoformat()
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


@contextmanager
def open_store(path: str | Path, read_only: bool = False,
               create: bool = True) -> Iterator[ResultStore]:
    """Open a results database; close it on exit.

    A missing file is created when writing (``create``, the default) and refused with an
    :class:`~armednet.errors.InputError` (exit 2 in the CLI) when reading (``read_only``)
    or with ``create=False``, for commands that write into an existing database only (an
    analysis stored beside its experiment): a mistyped path never leaves an empty database.
    """
    store = ResultStore(Path(path), read_only=read_only, create=create)
    try:
        yield store
    finally:
        store.close()
