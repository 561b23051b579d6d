"""The events store: normalised event tables in an embedded DuckDB file.

One DuckDB file holds, beside other modules' tables:

``events``
    One row per event (or per week x admin1 x sub-event type for ACLED's weekly aggregated
    files, with ``event_count`` > 1), in one layout whatever the source (see
    :data:`armednet.events._sql.EVENT_COLUMNS` and ``docs/events.md``). ``source_row`` is the
    record's number in its file (1 = the first record after the header and any HXL row);
    ``flags`` names what a loaded event holds that its codebook rules out but its source
    carries (:data:`armednet.events._sql.FLAGS`).
``event_rejects``
    Every record that was read but not loaded, with the reason, its record number, the line
    it starts on (malformed CSV records) and its raw content.
``event_imports``
    One row per imported file: its SHA-256, path, layout, rows read, loaded, rejected and
    flagged, and the dates it covers (first and last day of its valid records, duplicates
    included).

DuckDB reads a CSV file itself (``read_csv`` with every column as text) and the
normalisation is one SQL statement, so a million-row export imports in seconds; DuckDB's
memory is capped during the import (:data:`IMPORT_MEMORY_LIMIT`, spilling to disk beyond
it). A file with a malformed record (wrong number of fields, broken quoting, bytes that are
not UTF-8), or one DuckDB's reader gives up on, is read again with Python's ``csv`` module,
which numbers every record and sets the malformed ones aside with their line and text [1]_.

Coded values are checked against the ACLED and UCDP codebooks: a value outside them (an
``inter1`` of 99, a ``time_precision`` of 7, a ``year`` that is not the date's) rejects the
record with its reason; see :mod:`armednet.events._sql`.

Each file is imported in one transaction: a failure leaves the database as it was. Every
record is either loaded or rejected (``rows_read == rows_loaded + rows_rejected``); importing
a file whose hash is already recorded adds nothing, and an event whose id is already stored
(same dataset) is rejected as a duplicate.

References
----------
.. [1] Y. Shafranovich, "Common Format and MIME Type for Comma-Separated Values (CSV)
   Files", RFC 4180 (2005).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError
from armednet.events._sql import (
    EVENT_COLUMNS,
    HELPER_COLUMNS,
    build_select,
    ident,
    lit,
    reason_expr,
)
from armednet.events.formats import (
    MAX_LINE_CHARS,
    Detected,
    bounded_lines,
    detect_format,
    load_json_records,
)

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
_ADDED_COLUMNS = {"events": [("flags", "VARCHAR")],
                  "event_imports": [("first_date", "DATE"), ("last_date", "DATE"),
                                    ("rows_flagged", "BIGINT")]}
"""Columns added since the first release: added to older stores, never required of them."""

SCHEMA_SQL = (
    "CREATE TABLE IF NOT EXISTS events (\n  "
    + ",\n  ".join(f"{name} {typ}" for name, typ in EVENT_COLUMNS)
    + "\n);\n"
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
  armednet_version VARCHAR NOT NULL,
  first_date DATE,
  last_date DATE,
  rows_flagged BIGINT
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
    flags : dict
        Loaded events carrying each flag (see :data:`armednet.events._sql.FLAGS`), most
        frequent first; an event may carry several.
    rows_flagged : int
        Loaded events carrying at least one flag.
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
    flags: dict[str, int] = field(default_factory=dict)
    rows_flagged: int = 0
    already_imported: bool = False
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for ``--json``)."""
        return {
            "path": self.path, "format": self.format, "file_hash": self.file_hash,
            "rows_read": self.rows_read, "rows_loaded": self.rows_loaded,
            "rows_rejected": self.rows_rejected, "reasons": self.reasons,
            "rows_flagged": self.rows_flagged, "flags": self.flags,
            "already_imported": self.already_imported, "seconds": round(self.seconds, 3),
        }

    def summary(self) -> str:
        """One line: ``path (format): read N = loaded L + rejected R (reasons)``.

        Flagged events, when there are any, follow: ``; flagged F (flags)``.
        """
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
        if self.rows_flagged:
            text += f"; flagged {self.rows_flagged:,} of the loaded (" + "; ".join(
                f"{f}: {n:,}" for f, n in self.flags.items()) + ")"
        return head + text


def connect(db: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) a DuckDB database file (``":memory:"`` for a throw-away store).

    Raises
    ------
    InputError
        If a read-only open is asked for a missing file, or DuckDB cannot open the file
        (locked by another process, not a database, unwritable directory).
    """
    import duckdb

    if str(db) == ":memory:":
        return duckdb.connect(":memory:")
    db = Path(db)
    if read_only and not db.is_file():
        raise InputError(f"{db}: no such database (import event files first)")
    if db.is_dir():
        raise InputError(f"{db}: is a directory, expected a DuckDB database file")
    try:
        con = duckdb.connect(str(db), read_only=read_only)
    except duckdb.Error as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{db}: cannot open the database ({first})") from None
    return con


_TABLES = {"events": [c for c in _EVENT_COLS if c != "flags"],
           "event_rejects": ["import_hash", "source_file", "source_row", "source_line",
                             "reason", "raw"],
           "event_imports": ["file_hash", "path", "format", "dataset", "rows_read",
                             "rows_loaded", "rows_rejected"]}


def _check_tables(con: duckdb.DuckDBPyConnection, db: str | Path) -> set[str]:
    """The events tables present; InputError if one of them is not armednet's."""
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'main'").fetchall()
    have: dict[str, set[str]] = {}
    for table, column in rows:
        have.setdefault(str(table), set()).add(str(column))
    for table, needed in _TABLES.items():
        if table in have:
            missing = [c for c in needed if c not in have[table]]
            if missing:
                raise InputError(
                    f"{db}: holds a table {table!r} that is not an armednet events table "
                    f"(no column {', '.join(missing[:5])}); use another --db file")
    return set(have)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the events tables if they are missing (and add columns added since)."""
    con.execute(SCHEMA_SQL)
    con.execute("; ".join(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {name} {typ}"
                          for table, added in _ADDED_COLUMNS.items() for name, typ in added))


def open_store(db: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open a store; a read-only open needs the events tables to exist.

    Raises
    ------
    InputError
        If the file cannot be opened, holds tables of the same names that are not armednet's,
        or (read-only) is missing or holds no imported events.
    """
    con = connect(db, read_only=read_only)
    try:
        have = _check_tables(con, db)
        if read_only:
            if "events" not in have:
                raise InputError(f"{db}: holds no events table (import event files first)")
        else:
            ensure_schema(con)
    except BaseException as exc:
        con.close()
        import duckdb

        if isinstance(exc, duckdb.Error):
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"{db}: cannot use the database ({first})") from None
        raise
    return con


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes (hex)."""
    h = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            while chunk := fh.read(1 << 22):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return h.hexdigest()


def _version() -> str:
    try:
        from armednet import __version__

        return str(__version__)
    except ImportError:  # pragma: no cover
        return "unknown"


_MAX_FIELD = MAX_LINE_CHARS
"""Longest record (DuckDB) and field and line (Python reader) accepted, in bytes/characters."""
_BATCH = 65_536
"""Records per Arrow batch in the Python CSV reader."""
_RAW_CHARS = 4000
"""Characters of a malformed record kept in ``event_rejects.raw``."""


IMPORT_MEMORY_LIMIT = 2**30
"""DuckDB's memory limit (bytes) while importing into a store file: the import's temporary
tables spill to ``<db>.tmp`` beyond it, so a million-row export stays well under 2 GiB of
resident memory (a lower limit already set on the connection is kept)."""

_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10,
          "mib": 2**20, "gib": 2**30, "tib": 2**40, "bytes": 1}


def _size(text: str) -> float | None:
    m = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]*)\s*", text)
    if not m or m.group(2).lower() not in _UNITS:
        return None
    return float(m.group(1)) * _UNITS[m.group(2).lower()]


@contextlib.contextmanager
def _memory_cap(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Lower DuckDB's memory limit to :data:`IMPORT_MEMORY_LIMIT` for a file-backed store."""
    paths = con.execute("SELECT path FROM duckdb_databases() "
                        "WHERE database_name = current_database()").fetchall()
    old = str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
    current = _size(old)
    if not paths or paths[0][0] is None or (current is not None
                                            and current <= IMPORT_MEMORY_LIMIT):
        yield
        return
    con.execute(f"SET memory_limit = '{int(IMPORT_MEMORY_LIMIT)}B'")
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            con.execute("RESET memory_limit")
            now = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
            if str(now) != old:
                con.execute(f"SET memory_limit = {lit(old)}")


def _duckdb_csv_source(path: Path, columns: list[str], skip: int, delimiter: str,
                       numbered: bool = False, positional: bool = False) -> str:
    """A relation of ``_row`` and the text columns of a CSV file, read by DuckDB.

    ``numbered``: the file's first column already holds the record number (the clean copy
    written by :func:`_python_csv`); otherwise records are numbered in file order, or, with
    ``positional``, not at all (the relation has no ``_row``: see :func:`_normalise`).
    """
    types = ([("_row", "BIGINT")] if numbered else []) + [(c, "VARCHAR") for c in columns]
    cols = "{" + ", ".join(f"{lit(c)}: {lit(t)}" for c, t in types) + "}"
    read = (
        f"read_csv({lit(str(path))}, columns = {cols}, header = false, skip = {skip}, "
        f"auto_detect = false, delim = {lit(delimiter)}, quote = '\"', escape = '\"', "
        f"strict_mode = true, null_padding = false, store_rejects = true, "
        f"rejects_table = '_ev_rej_errors', rejects_scan = '_ev_rej_scans', "
        f"max_line_size = {_MAX_FIELD})"
    )
    if numbered or positional:
        return f"(SELECT * FROM {read})"
    return f"(SELECT row_number() OVER () AS _row, * FROM {read})"


def _normalise(con: duckdb.DuckDBPyConnection, source: str, det: Detected,
               columns: list[str], create: bool, positional: bool = False) -> None:
    """Normalise the raw relation ``source`` (``_row`` + text columns) into ``_ev_norm``.

    ``_ev_norm`` is a view of the table ``_ev_norm_t``. With ``positional`` (``create``
    only), ``source`` has no ``_row``: a record's number is its position in ``_ev_norm_t``
    (``rowid + 1``), since a table created from a scan keeps the scan's order while
    ``preserve_insertion_order`` is on. That spares ``row_number() OVER ()``, which would
    run the whole read and normalisation on one thread.
    """
    if positional and not create:  # pragma: no cover - a bug
        raise ValueError("positional numbering needs a new table")
    dataset = det.format.dataset
    select = build_select(det.format.name, columns, dataset)
    head = "CREATE TEMP TABLE _ev_norm_t AS" if create else "INSERT INTO _ev_norm_t"
    row = "" if positional else "s._row AS _row, "
    con.execute(f"""{head}
WITH s AS (SELECT * FROM {source}),
n AS (SELECT {row}{select}, s AS _rec FROM s),
r AS (SELECT * EXCLUDE (_rec), {reason_expr(dataset)} AS _bad, _rec FROM n)
SELECT * EXCLUDE (_rec, {", ".join(HELPER_COLUMNS)}),
  CASE WHEN _bad IS NOT NULL THEN
    regexp_replace(CAST(to_json(_rec) AS VARCHAR), '^[{{]"_row":[0-9]+,?', '{{') END AS _raw
FROM r""")
    if create:
        con.execute("CREATE TEMP VIEW _ev_norm AS SELECT "
                    + ("rowid + 1 AS _row, *" if positional else "*") + " FROM _ev_norm_t")


def _arrow_batch(rows: list[int], records: list[list[str]] | None,
                 columns: dict[str, list[str | None]] | None, names: list[str]) -> Any:
    """An Arrow table of ``_row`` and text columns, from records or from columns."""
    import pyarrow as pa

    arrays = {"_row": pa.array(rows, type=pa.int64())}
    if records is not None:
        transposed = list(zip(*records, strict=True)) if records else [()] * len(names)
        for name, cells in zip(names, transposed, strict=True):
            arrays[name] = pa.array(list(cells), type=pa.string())
    else:
        assert columns is not None
        for name in names:
            arrays[name] = pa.array(columns[name], type=pa.string())
    return pa.table(arrays)


def _load_batch(con: duckdb.DuckDBPyConnection, table: Any, det: Detected,
                names: list[str], create: bool) -> None:
    con.register("_ev_batch", table)
    try:
        _normalise(con, "_ev_batch", det, names, create)
    finally:
        con.unregister("_ev_batch")


def _duckdb_csv(con: duckdb.DuckDBPyConnection, det: Detected, source: str,
                positional: bool = False) -> bool:
    """Normalise a CSV relation read by DuckDB into ``_ev_norm`` (see :func:`_normalise`).

    Returns False, leaving nothing behind, if DuckDB found a malformed record or its parser
    gave up on the file (it does on some mixed line endings).
    """
    import duckdb

    try:
        _normalise(con, source, det, list(det.columns), create=True, positional=positional)
        row = con.execute("SELECT count(*) FROM _ev_rej_errors").fetchall()[0]
    except duckdb.Error:
        _cleanup(con)
        return False
    if row is not None and int(row[0]) > 0:
        _cleanup(con)
        return False
    return True


_CSV_ERRORS = {"unexpected end of data": "unterminated quoted field",
               "expected after": "text after a closing quote"}


def _csv_error(exc: csv.Error) -> str:
    text = str(exc)
    for key, said in _CSV_ERRORS.items():
        if key in text:
            return said
    return text


def _python_csv(con: duckdb.DuckDBPyConnection, det: Detected,
                malformed: list[tuple[int, int, str, str]]) -> None:
    """Read a CSV file that DuckDB's reader did not take whole, with Python's ``csv``.

    Python's reader (strict RFC 4180 quoting, any line ending) numbers every record and
    sets the malformed ones aside (wrong number of fields, broken quoting, bytes that are not
    UTF-8), appending ``(row, first line, reason, raw text)`` to ``malformed``. The
    well-formed records are written, numbered and fully quoted, to a temporary clean copy
    that DuckDB reads at full speed.
    """
    import tempfile

    names = list(det.columns)
    width = len(names)
    spans: list[tuple[int, int, int, str]] = []  # row, first line, last line, reason
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, _MAX_FIELD))
    try:
        with tempfile.TemporaryDirectory(prefix="armednet-events-") as tmp:
            clean = Path(tmp) / "clean.csv"
            with det.path.open("r", encoding="utf-8-sig", errors="surrogateescape",
                               newline="") as fh, \
                    clean.open("w", encoding="utf-8", newline="") as out:
                reader = csv.reader(bounded_lines(fh, det.path), delimiter=det.delimiter,
                                    strict=True)
                writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
                writer.writerow(["_row", *names])
                consumed = skipped = row = 0
                while True:
                    reason: str | None = None
                    rec: list[str] = []
                    try:
                        rec = next(reader)
                    except StopIteration:
                        break
                    except csv.Error as exc:
                        reason = _csv_error(exc)
                    first, consumed = consumed + 1, reader.line_num
                    if reason is None and not rec:
                        continue  # a blank line is no record (DuckDB skips them too)
                    if skipped < det.skip_lines:
                        skipped += 1
                        continue
                    row += 1
                    if reason is None and len(rec) != width:
                        reason = f"expected {width} fields, found {len(rec)}"
                    if reason is None:
                        try:
                            writer.writerow([row, *rec])
                        except UnicodeEncodeError:
                            reason = "not UTF-8 text"
                    if reason is not None:
                        spans.append((row, first, consumed, reason))
            source = _duckdb_csv_source(clean, names, 1, ",", numbered=True)
            if not _duckdb_csv(con, det, source):  # pragma: no cover - a DuckDB failure
                _arrow_csv(con, det, clean)
        if spans:
            texts = _line_spans(det.path, [(f, last) for _, f, last, _ in spans])
            for (r, f, _, reason), text in zip(spans, texts, strict=True):
                malformed.append((r, f, f"malformed CSV record: {reason}", text))
    except OSError as exc:
        raise InputError(f"{det.path}: cannot read ({exc.strerror or exc})") from None
    finally:
        csv.field_size_limit(old_limit)


def _arrow_csv(con: duckdb.DuckDBPyConnection, det: Detected,
               clean: Path) -> None:  # pragma: no cover - only if DuckDB fails on clean CSV
    """Load the clean copy through Arrow batches (slow, but needs no CSV parser in DuckDB)."""
    names = list(det.columns)
    created = False
    with clean.open("r", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, strict=True)
        next(reader)
        while True:
            chunk = [rec for _, rec in zip(range(_BATCH), reader, strict=False)]
            if not chunk and created:
                break
            rows = [int(rec[0]) for rec in chunk]
            table = _arrow_batch(rows, [rec[1:] for rec in chunk], None, names)
            _load_batch(con, table, det, names, not created)
            created = True
            if len(chunk) < _BATCH:
                break


def _line_spans(path: Path, spans: list[tuple[int, int]]) -> list[str]:
    """The raw text of line ranges (1-based, inclusive, ascending), non-UTF-8 bytes escaped.

    Lines are split as Python's ``csv`` module saw them (on ``\n``, ``\r\n`` and ``\r``).
    """
    out: list[str] = []
    pending = iter(spans)
    span = next(pending, None)
    parts: list[str] = []
    size = 0
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        for number, line in enumerate(bounded_lines(fh, path), start=1):
            while span is not None and number > span[1]:
                out.append("".join(parts))
                parts, size = [], 0
                span = next(pending, None)
            if span is None:
                break
            if number >= span[0] and size < _RAW_CHARS:
                parts.append(line)
                size += len(line)
    while span is not None:
        out.append("".join(parts))
        parts = []
        span = next(pending, None)
    return [t.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            [:_RAW_CHARS] for t in out]


def _json(con: duckdb.DuckDBPyConnection, det: Detected,
          bad: list[tuple[int, int, str, str]]) -> None:
    """Normalise an ACLED API JSON file (every value as text)."""
    import json

    records = load_json_records(det.path)
    columns: dict[str, list[str | None]] = {}
    order: list[int] = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            bad.append((i, 0, "not a JSON object",
                        json.dumps(rec, ensure_ascii=False)[:_RAW_CHARS]))
            continue
        k = len(order)
        order.append(i)
        for key, value in rec.items():
            name = str(key).strip().lower()
            if name == "_row":
                continue
            cells = columns.setdefault(name, [None] * k)
            cells.extend([None] * (k - len(cells)))
            if value is None or isinstance(value, str):
                cells.append(value)
            elif isinstance(value, dict | list):
                cells.append(json.dumps(value, ensure_ascii=False))
            else:
                cells.append(str(value))
        for cells in columns.values():
            cells.extend([None] * (k + 1 - len(cells)))
    names = list(columns)
    _load_batch(con, _arrow_batch(order, None, columns, names), det, names, create=True)


def _reason_group(reason: str) -> str:
    return reason.split(":", 1)[0]


def import_file(
    con: duckdb.DuckDBPyConnection, path: str | Path, fmt: str | None = None,
    detected: Detected | None = None,
) -> ImportResult:
    """Import one event file into the store, in one transaction.

    CSV files are read by DuckDB; a file with a malformed record (or one DuckDB's reader
    gives up on, such as mixed line endings) is read again with Python's ``csv`` module, which
    numbers every record and rejects the malformed ones with their line number and text.

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
        ``rows_read == rows_loaded + rows_rejected``.

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
    found = con.execute(
        "SELECT format, rows_read, rows_loaded, rows_rejected, coalesce(rows_flagged, 0) "
        "FROM event_imports WHERE file_hash = ?", [digest]).fetchall()
    prior = found[0] if found else None
    if prior is not None:
        return ImportResult(shown, str(prior[0]), digest, int(prior[1]), int(prior[2]),
                            int(prior[3]), rows_flagged=int(prior[4]), already_imported=True,
                            seconds=time.perf_counter() - t0)

    source_file = str(path.resolve())
    _cleanup(con)
    try:
        with _memory_cap(con):
            read, loaded, rejected, reasons, seconds = _import(con, det, digest, source_file,
                                                               t0)
    finally:
        _cleanup(con)
    flagged, flags = _flag_counts(con, digest)
    return ImportResult(shown, det.format.name, digest, read, loaded, rejected,
                        dict(reasons.most_common()), dict(flags.most_common()), flagged,
                        seconds=seconds)


def _flag_counts(con: duckdb.DuckDBPyConnection, digest: str) -> tuple[int, Counter[str]]:
    """Loaded events of one import that carry a flag, and the events carrying each flag."""
    rows = con.execute("SELECT flags, count(*) FROM events WHERE import_hash = ? AND "
                       "flags IS NOT NULL GROUP BY flags", [digest]).fetchall()
    flags: Counter[str] = Counter()
    for text, n in rows:
        for flag in str(text).split("; "):
            flags[flag] += int(n)
    return sum(int(n) for _, n in rows), flags


def _import(con: duckdb.DuckDBPyConnection, det: Detected, digest: str, source_file: str,
            t0: float) -> tuple[int, int, int, Counter[str], float]:
    path = det.path
    dataset = det.format.dataset
    bad: list[tuple[int, int, str, str]] = []
    in_transaction = False
    ordered = str(con.execute("SELECT current_setting('preserve_insertion_order')")
                  .fetchall()[0][0]).lower() == "true"
    try:
        if det.format.kind == "json":
            _json(con, det, bad)
        elif not _duckdb_csv(con, det, _duckdb_csv_source(
                det.path, list(det.columns), det.skip_lines, det.delimiter,
                positional=ordered), positional=ordered):
            _python_csv(con, det, bad)
        con.execute("BEGIN TRANSACTION")
        in_transaction = True
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
        if bad:
            import pyarrow as pa

            rows, lines, reasons_, raws = zip(*bad, strict=True)
            con.register("_ev_bad", pa.table({
                "row": pa.array(rows, pa.int64()),
                "line": pa.array([ln or None for ln in lines], pa.int64()),
                "reason": pa.array(reasons_, pa.string()),
                "raw": pa.array(raws, pa.string())}))
            con.execute(f"INSERT INTO event_rejects SELECT {lit(digest)}, "
                        f"{lit(source_file)}, row, line, reason, raw FROM _ev_bad")
        counts = con.execute(
            "SELECT (SELECT count(*) FROM _ev_norm), "
            "(SELECT count(*) FROM events WHERE import_hash = ?), "
            "(SELECT count(*) FROM event_rejects WHERE import_hash = ?)",
            [digest, digest]).fetchall()[0]
        assert counts is not None
        read = int(counts[0]) + len(bad)
        loaded, rejected = int(counts[1]), int(counts[2])
        if read != loaded + rejected:  # pragma: no cover - a bug, never the user's fault
            raise RuntimeError(f"{path}: read {read} != loaded {loaded} + rejected {rejected}")
        reasons_rows = con.execute(
            "SELECT reason, count(*) FROM event_rejects WHERE import_hash = ? GROUP BY reason",
            [digest]).fetchall()
        reasons: Counter[str] = Counter()
        for reason, n in reasons_rows:
            reasons[_reason_group(str(reason))] += int(n)
        first, last = con.execute(
            "SELECT min(event_date), max(coalesce(date_end, event_date)) FROM _ev_norm "
            "WHERE _bad IS NULL").fetchall()[0]
        seconds = time.perf_counter() - t0
        con.execute(
            "INSERT INTO event_imports (file_hash, path, format, dataset, rows_read, "
            "rows_loaded, rows_rejected, imported_at, seconds, armednet_version, first_date, "
            "last_date, rows_flagged) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "(SELECT count(*) FROM events WHERE import_hash = ? AND flags IS NOT NULL))",
            [digest, source_file, det.format.name, dataset, read, loaded,
             rejected, dt.datetime.now(dt.UTC).replace(tzinfo=None), seconds, _version(),
             first, last, digest])
        con.execute("COMMIT")
        in_transaction = False
    except BaseException as exc:
        if in_transaction:
            con.execute("ROLLBACK")
        _translate(exc, path)
        raise
    return read, loaded, rejected, reasons, seconds


def _translate(exc: BaseException, path: Path) -> None:
    """Turn DuckDB's complaints about the input file or the disk into an InputError."""
    import duckdb

    if isinstance(exc, duckdb.Error) and not isinstance(exc, duckdb.InternalException):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, duckdb.IOException | duckdb.InvalidInputException |
                      duckdb.ConversionException | duckdb.OutOfMemoryException):
            raise InputError(f"{path}: cannot import ({first})") from None


def _cleanup(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the import's temporary tables and views (best effort)."""
    for stmt in ("DROP VIEW IF EXISTS _ev_norm", "DROP TABLE IF EXISTS _ev_norm_t",
                 "DROP TABLE IF EXISTS _ev_dup",
                 "DROP TABLE IF EXISTS _ev_rej_errors", "DROP TABLE IF EXISTS _ev_rej_scans"):
        with contextlib.suppress(Exception):
            con.execute(stmt)
    for view in ("_ev_batch", "_ev_bad"):
        with contextlib.suppress(Exception):
            con.unregister(view)


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
    """The import log, oldest first (``rows_flagged`` is 0 for stores made before flags)."""
    have = {str(r[0]) for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
        "AND table_name = 'event_imports'").fetchall()}
    flagged = "coalesce(rows_flagged, 0)" if "rows_flagged" in have else "0"
    rows = con.execute(
        "SELECT path, format, dataset, rows_read, rows_loaded, rows_rejected, imported_at, "
        f"file_hash, first_date, last_date, {flagged} FROM event_imports "
        "ORDER BY imported_at, rowid").fetchall()  # rowid: insertion order on a tie
    keys = ("path", "format", "dataset", "rows_read", "rows_loaded", "rows_rejected",
            "imported_at", "file_hash", "first_date", "last_date", "rows_flagged")
    return [dict(zip(keys, r, strict=True)) for r in rows]
