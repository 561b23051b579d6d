"""The events store: normalised event tables in an embedded DuckDB file.

One DuckDB file holds, beside other modules' tables:

``events``
    One row per event (or per week x admin1 x sub-event type for ACLED's weekly aggregated
    files, with ``event_count`` > 1), in one layout whatever the source (see
    :data:`armednet.events._sql.EVENT_COLUMNS` and ``docs/events.md``).
``event_rejects``
    Every record that was read but not loaded, with the reason.
``event_imports``
    One row per imported file: its SHA-256, path, layout, and rows read, loaded and rejected.

DuckDB reads the CSV itself (``read_csv`` with every column as text) and the normalisation is
one SQL statement, so a million-row export imports in seconds and memory stays bounded. Each
file is imported in one transaction: a failure leaves the database as it was. Every record is
either loaded or rejected (``rows_read == rows_loaded + rows_rejected``); importing a file
whose hash is already recorded adds nothing, and an event whose id is already stored (same
dataset) is rejected as a duplicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError
from armednet.events._sql import EVENT_COLUMNS, build_select, ident, lit, reason_expr
from armednet.events.formats import Detected, detect_format

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ImportResult",
    "connect",
    "ensure_schema",
    "file_hash",
    "import_file",
    "import_files",
    "imports",
    "open_store",
    "rejects",
]

_EVENT_COLS = [name for name, _ in EVENT_COLUMNS]

SCHEMA_SQL = (
    "CREATE TABLE IF NOT EXISTS events (\n  "
    + ",\n  ".join(f"{name} {typ}" for name, typ in EVENT_COLUMNS)
    + ",\n  PRIMARY KEY (dataset, event_id)\n);\n"
    """CREATE TABLE IF NOT EXISTS event_rejects (
  import_hash VARCHAR NOT NULL,
  source_file VARCHAR NOT NULL,
  source_row BIGINT,
  source_line BIGINT,
  reason VARCHAR NOT NULL,
  raw VARCHAR
);
CREATE TABLE IF NOT EXISTS event_imports (
  file_hash VARCHAR PRIMARY KEY,
  path VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  dataset VARCHAR NOT NULL,
  rows_read BIGINT NOT NULL,
  rows_loaded BIGINT NOT NULL,
  rows_rejected BIGINT NOT NULL,
  imported_at TIMESTAMP NOT NULL,
  seconds DOUBLE NOT NULL,
  armednet_version VARCHAR NOT NULL
);
"""
)
"""DDL of the three import tables (idempotent)."""


@dataclass(frozen=True)
class ImportResult:
    """What importing one file did.

    Attributes
    ----------
    path : str
        The file.
    format : str
        Its layout (see :data:`armednet.events.formats.FORMATS`).
    file_hash : str
        SHA-256 of the file's bytes.
    rows_read, rows_loaded, rows_rejected : int
        Records read, loaded into ``events`` and written to ``event_rejects``;
        ``rows_read == rows_loaded + rows_rejected``.
    reasons : dict
        Rejected records by reason (the part before ``:``), most frequent first.
    already_imported : bool
        True if a file with the same hash was imported before: nothing was added and the
        counts are those of the earlier import.
    seconds : float
        Wall time.
    """

    path: str
    format: str
    file_hash: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    reasons: dict[str, int] = field(default_factory=dict)
    already_imported: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for ``--json``)."""
        return {
            "path": self.path, "format": self.format, "file_hash": self.file_hash,
            "rows_read": self.rows_read, "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected, "reasons": self.reasons,
            "already_imported": self.already_imported, "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One line: ``path (format): read N = loaded L + rejected R``."""
        head = f"{self.path} ({self.format}): "
        if self.already_imported:
            return head + (f"already imported (same SHA-256), nothing added; read "
                           f"{self.rows_read:,} = loaded {self.rows_loaded:,} + rejected "
                           f"{self.rows_rejected:,}")
        text = (f"read {self.rows_read:,} = loaded {self.rows_loaded:,} + rejected "
                f"{self.rows_rejected:,}")
        if self.reasons:
            text += " (" + "; ".join(f"{r}: {n:,}" for r, n in list(self.reasons.items())[:4])
            text += ")"
        return head + text


def connect(db: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) a DuckDB database file.

    Raises
    ------
    InputError
        If a read-only open is asked for a missing file, or DuckDB cannot open the file
        (locked by another process, not a database).
    """
    import duckdb

    db = Path(db)
    if read_only and not db.is_file():
        raise InputError(f"{db}: no such database (import event files first)")
    if db.exists() and db.is_dir():
        raise InputError(f"{db}: is a directory, expected a DuckDB database file")
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except (duckdb.IOException, duckdb.InvalidInputException,
            duckdb.SerializationException) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{db}: cannot open the database ({first})") from None
    return con


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the events tables if they are missing."""
    con.execute(SCHEMA_SQL)


def open_store(db: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a store; a read-only open needs the events tables to exist.

    Raises
    ------
    InputError
        If the file is missing or holds no imported events (read-only).
    """
    con = connect(db, read_only=read_only)
    if read_only:
        have = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables").fetchall()}
        if "events" not in have:
            con.close()
            raise InputError(f"{db}: holds no events table (import event files first)")
    else:
        ensure_schema(con)
    return con


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _version() -> str:
    try:
        from armednet import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return "unknown"


def _csv_source(det: Detected) -> str:
    cols = "{" + ", ".join(f"{lit(c)}: 'VARCHAR'" for c in det.columns) + "}"
    return (
        f"read_csv({lit(str(det.path))}, columns = {cols}, header = false, "
        f"skip = {det.skip_lines}, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', strict_mode = true, null_padding = false, all_varchar = true, "
        f"store_rejects = true, rejects_table = '_ev_rej_errors', "
        f"rejects_scan = '_ev_rej_scans', max_line_size = 8388608)"
    )


def _json_source(con: duckdb.DuckDBPyConnection, det: Detected,
                 bad: list[tuple[int, str, str]]) -> tuple[str, list[str]]:
    """Parse an ACLED API JSON file into a registered Arrow table of text columns."""
    import pyarrow as pa

    try:
        doc = json.loads(det.path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{det.path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{det.path}: invalid JSON at line {exc.lineno} column "
                         f"{exc.colno}: {exc.msg}") from None
    if isinstance(doc, dict):
        if "data" not in doc or not isinstance(doc["data"], list):
            raise InputError(f"{det.path}: JSON object without a 'data' list; expected the "
                             "ACLED API answer ({'data': [{event_id_cnty, event_date, ...}]})")
        records = doc["data"]
    elif isinstance(doc, list):
        records = doc
    else:
        raise InputError(f"{det.path}: expected a JSON object or list of events")
    columns: dict[str, list[str | None]] = {}
    order: list[int] = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            bad.append((i, "not a JSON object", json.dumps(rec, ensure_ascii=False)[:2000]))
            continue
        k = len(order)
        order.append(i)
        for key, value in rec.items():
            name = str(key).strip().lower()
            cells = columns.setdefault(name, [None] * k)
            cells.extend([None] * (k - len(cells)))
            if value is None or isinstance(value, str):
                cells.append(value)
            elif isinstance(value, (dict, list)):
                cells.append(json.dumps(value, ensure_ascii=False))
            else:
                cells.append(str(value))
        for cells in columns.values():
            cells.extend([None] * (k + 1 - len(cells)))
    if order and "event_id_cnty" not in columns:
        raise InputError(f"{det.path}: the JSON records have no 'event_id_cnty'; expected ACLED "
                         f"API events with {', '.join(det.format.required)}")
    arrays = {"_row": pa.array(order, type=pa.int64())}
    arrays.update({k: pa.array(v, type=pa.string()) for k, v in columns.items() if k != "_row"})
    con.register("_ev_json_src", pa.table(arrays))
    return "_ev_json_src", [k for k in columns if k != "_row"]


def _reason_group(reason: str) -> str:
    return reason.split(":", 1)[0]


def import_file(
    con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None,
    detected: Detected | None = None,
) -> ImportResult:
    """Import one event file into the store, in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open, writable store (see :func:`open_store`).
    path : str or Path
        The file.
    fmt : str, optional
        Layout name overriding detection.
    detected : Detected, optional
        A detection already made (skips reading the header again).

    Returns
    -------
    ImportResult

    Raises
    ------
    InputError
        If the file is unreadable or of unknown layout; the database is then unchanged.
    """
    t0 = time.perf_counter()
    path = Path(path)
    det = detected or detect_format(path, fmt)
    digest = file_hash(path)
    shown = str(path)
    prior = con.execute(
        "SELECT format, rows_read, rows_loaded, rows_rejected FROM event_imports "
        "WHERE file_hash = ?", [digest]).fetchone()
    if prior is not None:
        return ImportResult(shown, str(prior[0]), digest, int(prior[1]), int(prior[2]),
                            int(prior[3]), already_imported=True,
                            seconds=time.perf_counter() - t0)

    source_file = str(path.resolve())
    dataset = det.format.dataset
    json_bad: list[tuple[int, str, str]] = []
    con.execute("BEGIN TRANSACTION")
    try:
        if det.format.kind == "json":
            src, columns = _json_source(con, det, json_bad)
            raw_rel = f"SELECT * FROM {src}"
        else:
            columns = list(det.columns)
            con.execute("DROP TABLE IF EXISTS _ev_rej_errors; DROP TABLE IF EXISTS _ev_rej_scans")
            raw_rel = f"SELECT row_number() OVER () AS _row, * FROM {_csv_source(det)}"
        select = build_select(det.format.name, columns, dataset)
        con.execute(f"""
CREATE OR REPLACE TEMP TABLE _ev_norm AS
WITH s AS ({raw_rel}),
n AS (SELECT s._row AS _row, {select}, s AS _rec FROM s),
r AS (SELECT * EXCLUDE (_rec), {reason_expr(dataset)} AS _bad, _rec FROM n)
SELECT * EXCLUDE (_rec),
  CASE WHEN _bad IS NOT NULL THEN
    regexp_replace(CAST(to_json(_rec) AS VARCHAR), '^[{{]"_row":[0-9]+,?', '{{') END AS _raw
FROM r""")
        con.execute(f"""
CREATE OR REPLACE TEMP TABLE _ev_dup AS
SELECT k._row,
  CASE WHEN k._k > 1 THEN 'duplicate event id: repeated in this file'
       ELSE 'duplicate event id: already in the store' END AS reason
FROM (SELECT _row, event_id,
        row_number() OVER (PARTITION BY event_id ORDER BY _row) AS _k
      FROM _ev_norm WHERE _bad IS NULL) k
LEFT JOIN (SELECT event_id FROM events WHERE dataset = {lit(dataset)}) e
  ON k.event_id = e.event_id
WHERE k._k > 1 OR e.event_id IS NOT NULL""")
        cols = ", ".join(ident(c) for c in _EVENT_COLS)
        body = ", ".join(
            lit(source_file) if c == "source_file" else "_row" if c == "source_row"
            else lit(digest) if c == "import_hash" else f"n.{ident(c)}"
            for c in _EVENT_COLS)
        con.execute(f"""
INSERT INTO events ({cols})
SELECT {body} FROM _ev_norm n
WHERE n._bad IS NULL AND n._row NOT IN (SELECT _row FROM _ev_dup)""")
        con.execute(f"""
INSERT INTO event_rejects
SELECT {lit(digest)}, {lit(source_file)}, _row, NULL, _bad, _raw
FROM _ev_norm WHERE _bad IS NOT NULL
UNION ALL
SELECT {lit(digest)}, {lit(source_file)}, n._row, NULL, d.reason,
  CAST(to_json(struct_pack(event_id := n.event_id, event_date := n.event_date,
                           actor1 := n.actor1, actor2 := n.actor2,
                           country := n.country)) AS VARCHAR)
FROM _ev_norm n JOIN _ev_dup d ON n._row = d._row""")
        if det.format.kind == "csv":
            con.execute(f"""
INSERT INTO event_rejects
SELECT {lit(digest)}, {lit(source_file)}, NULL, line,
  'malformed CSV record: ' || lower(string_agg(DISTINCT error_type, ', ')),
  first(csv_line)
FROM _ev_rej_errors GROUP BY line""")
        for row, reason, raw in json_bad:
            con.execute("INSERT INTO event_rejects VALUES (?, ?, ?, NULL, ?, ?)",
                        [digest, source_file, row, reason, raw])
        read_sql = "SELECT (SELECT count(*) FROM _ev_norm)"
        if det.format.kind == "csv":
            read_sql += " + (SELECT count(DISTINCT line) FROM _ev_rej_errors)"
        counts = con.execute(
            f"SELECT ({read_sql}), (SELECT count(*) FROM events WHERE import_hash = ?), "
            "(SELECT count(*) FROM event_rejects WHERE import_hash = ?)",
            [digest, digest]).fetchone()
        assert counts is not None
        read = int(counts[0]) + len(json_bad)
        loaded, rejected = int(counts[1]), int(counts[2])
        if read != loaded + rejected:  # pragma: no cover - a bug, never the user's fault
            raise RuntimeError(f"{path}: read {read} != loaded {loaded} + rejected {rejected}")
        reasons_rows = con.execute(
            "SELECT reason, count(*) FROM event_rejects WHERE import_hash = ? GROUP BY reason",
            [digest]).fetchall()
        reasons: Counter[str] = Counter()
        for reason, n in reasons_rows:
            reasons[_reason_group(str(reason))] += int(n)
        seconds = time.perf_counter() - t0
        con.execute(
            "INSERT INTO event_imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [digest, source_file, det.format.name, dataset, read, loaded,
             rejected, dt.datetime.now(dt.UTC).replace(tzinfo=None), seconds, _version()])
        con.execute("COMMIT")
    except BaseException as exc:
        con.execute("ROLLBACK")
        _translate(exc, path)
        raise
    finally:
        _cleanup(con)
    return ImportResult(shown, det.format.name, digest, read, loaded, rejected,
                        dict(reasons.most_common()), seconds=seconds)


def _translate(exc: BaseException, path: Path) -> None:
    """Turn DuckDB's complaints about the input file into an InputError."""
    import duckdb

    if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InternalException):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, duckdb.IOException | duckdb.InvalidInputException |
                      duckdb.ConversionException):
            raise InputError(f"{path}: cannot import ({first})") from None


def _cleanup(con: duckdb.DuckDBPyConnection) -> None:
    for stmt in ("DROP TABLE IF EXISTS _ev_norm", "DROP TABLE IF EXISTS _ev_dup",
                 "DROP TABLE IF EXISTS _ev_rej_errors", "DROP TABLE IF EXISTS _ev_rej_scans"):
        try:
            con.execute(stmt)
        except Exception:  # noqa: BLE001 - best effort; the transaction is already settled
            pass
    try:
        con.unregister("_ev_json_src")
    except Exception:  # noqa: BLE001
        pass


def import_files(
    db: str | Path, paths: Iterable[str | Path], fmt: str | None = None,
    on_result: Callable[[ImportResult], None] | None = None,
    on_start: Callable[[Path, Detected], None] | None = None,
) -> list[ImportResult]:
    """Import several files into a store file, each in its own transaction.

    Every file's layout is detected before the database is touched, so a bad file named on
    the command line stops the run before anything is written. A database file created by a
    run that imports nothing is removed again.

    Parameters
    ----------
    db : str or Path
        The DuckDB file (created if missing).
    paths : iterable of str or Path
        Event files.
    fmt : str, optional
        Layout name applied to every file.
    on_result, on_start : callable, optional
        Called after / before each file (progress display).

    Returns
    -------
    list of ImportResult

    Raises
    ------
    InputError
        For an unreadable file or unknown layout.
    """
    db = Path(db)
    files = [Path(p) for p in paths]
    if not files:
        raise InputError("no event files given")
    detected = [detect_format(p, fmt) for p in files]
    existed = db.exists()
    results: list[ImportResult] = []
    con = open_store(db)
    try:
        for path, det in zip(files, detected, strict=True):
            if on_start is not None:
                on_start(path, det)
            res = import_file(con, path, detected=det)
            results.append(res)
            if on_result is not None:
                on_result(res)
    finally:
        con.close()
        if not existed and not any(r.rows_read and not r.already_imported for r in results):
            for extra in (db, db.with_name(db.name + ".wal")):
                extra.unlink(missing_ok=True)
    return results


def rejects(con: duckdb.DuckDBPyConnection, limit: int | None = 20,
            file: str | None = None) -> list[dict[str, Any]]:
    """Rejected records, most recent import first.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open store.
    limit : int, optional
        At most this many rows (None: all).
    file : str, optional
        Only rejects of files whose path contains this text.
    """
    sql = ("SELECT r.source_file, r.source_row, r.source_line, r.reason, r.raw "
           "FROM event_rejects r LEFT JOIN event_imports i ON r.import_hash = i.file_hash")
    params: list[Any] = []
    if file:
        sql += " WHERE r.source_file LIKE ?"
        params.append(f"%{file}%")
    sql += " ORDER BY i.imported_at DESC, r.source_file, r.source_row NULLS LAST, r.source_line"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    keys = ("file", "row", "line", "reason", "raw")
    return [dict(zip(keys, r, strict=True)) for r in con.execute(sql, params).fetchall()]


def imports(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """The import log, oldest first."""
    rows = con.execute(
        "SELECT path, format, dataset, rows_read, rows_loaded, rows_rejected, imported_at, "
        "file_hash FROM event_imports ORDER BY imported_at").fetchall()
    keys = ("path", "format", "dataset", "rows_read", "rows_loaded", "rows_rejected",
            "imported_at", "file_hash")
    return [dict(zip(keys, r, strict=True)) for r in rows]
