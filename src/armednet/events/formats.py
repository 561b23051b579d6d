"""Layouts of the event datasets armednet imports, and detection of a file's layout.

Six layouts are known (see ``docs/events.md``):

============================  ===============  ==================================================
name                          dataset          what identifies it
============================  ===============  ==================================================
``acled``                     ``acled``        classic export: 31 columns, ``event_id_cnty``,
                                               dates like ``02 June 2023``, numeric ``inter1``
``acled-api``                 ``acled``        2023+ API/export CSV: same columns, ISO dates,
                                               text interaction codes (``State forces``)
``acled-api-json``            ``acled``        the API's JSON answer (``{"data": [...]}``) or a
                                               bare list of event objects
``acled-weekly``              ``acled-weekly`` weekly aggregated: ``WEEK``, ``ADMIN1``,
                                               ``SUB_EVENT_TYPE``, ``EVENTS``, ``FATALITIES``
``ucdp-ged``                  ``ucdp-ged``     GED standard CSV (49 columns in release 23.1;
                                               ``id``, ``date_start``, ``side_a``, ``best``)
``ucdp-ged-hdx``              ``ucdp-ged``     GED as served by HDX: an HXL tag row (``#date``
                                               ...) under the header
============================  ===============  ==================================================

Detection reads only the header and the first records of a CSV file (an HXL tag row under the
header, as in files from HDX, is recognised and skipped in any CSV layout; ``;`` and tab
separators are recognised too); a JSON file is parsed whole, so that a broken one is refused
before any import starts.

References
----------
.. [1] ACLED, "Armed Conflict Location & Event Data Project (ACLED) Codebook" (2023; the
   2019 edition describes the classic export and its numeric ``inter`` codes).
.. [2] ACLED, "Aggregated data" user guide (weekly admin1 x sub-event type files).
.. [3] R. Sundberg and E. Melander, "Introducing the UCDP Georeferenced Event Dataset",
   Journal of Peace Research 50(4), 2013; M. Hoegbladh, "UCDP GED Codebook version 23.1",
   Uppsala University, 2023.
.. [4] Humanitarian Exchange Language (HXL) standard, https://hxlstandard.org/.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from armednet.errors import InputError

__all__ = ["FORMATS", "MAX_CSV_BYTES", "MAX_JSON_BYTES", "MAX_LINE_CHARS", "Detected",
           "Format", "bounded_lines", "check_event_file", "detect_format", "format_names",
           "load_json_records"]

MAX_CSV_BYTES = 8 * 2**30
"""Largest CSV event file read (8 GiB: ACLED's whole world export is about 3 GB)."""

MAX_JSON_BYTES = 256 * 2**20
"""Largest JSON event file read (256 MiB); JSON is parsed whole, in memory."""

MAX_LINE_CHARS = 8 * 2**20
"""Longest line of a CSV event file (8 Mi characters; DuckDB's reader has the same bound)."""

_KINDS = ((stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"))


def check_event_file(path: str | Path, json: bool | None = None) -> int:
    """Check that ``path`` is a regular file of a size an import can read; its size.

    Devices (``/dev/zero``), named pipes and sockets are refused before they are opened
    (opening a pipe would wait for a writer, reading a device would never end).

    Parameters
    ----------
    path : str or Path
        The file.
    json : bool, optional
        True for a JSON file (bounded by :data:`MAX_JSON_BYTES`), False for CSV
        (:data:`MAX_CSV_BYTES`); None checks only the larger bound.

    Returns
    -------
    int
        The file's size in bytes.

    Raises
    ------
    InputError
        If the file is missing, not a regular file, or too large.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, expected an event file")
    if not stat.S_ISREG(st.st_mode):
        kind = next((what for test, what in _KINDS if test(st.st_mode)), "not a regular file")
        raise InputError(f"{path}: is {kind}, not a regular file; expected an ACLED or UCDP "
                         "event file")
    limit = MAX_JSON_BYTES if json else MAX_CSV_BYTES
    if st.st_size > limit:
        what = "a JSON event file (parsed whole; export CSV instead)" if json else \
            "an event file"
        raise InputError(f"{path}: {st.st_size:,} bytes, more than the limit of {limit:,} "
                         f"bytes for {what}")
    return int(st.st_size)


def bounded_lines(fh: TextIO, path: str | Path,
                  limit: int = MAX_LINE_CHARS) -> Iterator[str]:
    """The lines of an open text file, refusing one longer than ``limit`` characters.

    Lines end as the file's ``newline`` setting says (``newline=""``: at ``\\n``, ``\\r\\n``
    or ``\\r``, kept); no line is ever held whole in memory beyond the limit.

    Raises
    ------
    InputError
        On the first line longer than ``limit`` (the message gives its number).
    """
    number = 0
    while line := fh.readline(limit + 1):
        number += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise InputError(f"{path}: line {number:,} is longer than {limit:,} characters; "
                             "expected an event file (one record per line or a few)")
        yield line


@dataclass(frozen=True, slots=True)
class Format:
    """One known file layout.

    Attributes
    ----------
    name : str
        The name used with ``--format``.
    dataset : str
        The dataset the rows belong to (``acled``, ``acled-weekly`` or ``ucdp-ged``); event ids
        are unique within a dataset.
    kind : str
        ``csv`` or ``json``.
    required : tuple of str
        Columns (lower case) a file must have to be read in this layout.
    description : str
        One line for messages and docs.
    """

    name: str
    dataset: str
    kind: str
    required: tuple[str, ...]
    description: str


_ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "actor1", "actor2", "country",
                   "latitude", "longitude", "fatalities")
_GED_REQUIRED = ("id", "date_start", "side_a", "side_b", "best", "type_of_violence",
                 "country", "date_end", "latitude", "longitude")

FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("acled", "acled", "csv", _ACLED_REQUIRED,
               "ACLED classic export (31 columns, '02 June 2023' dates, numeric inter codes)"),
        Format("acled-api", "acled", "csv", _ACLED_REQUIRED,
               "ACLED 2023+ API/export CSV (ISO dates, text interaction codes)"),
        Format("acled-api-json", "acled", "json", _ACLED_REQUIRED,
               "ACLED API JSON ({'data': [...]} or a list of event objects)"),
        Format("acled-weekly", "acled-weekly", "csv",
               ("week", "country", "admin1", "event_type", "sub_event_type", "events",
                "fatalities"),
               "ACLED weekly aggregated (admin1 x sub-event type x week)"),
        Format("ucdp-ged", "ucdp-ged", "csv", _GED_REQUIRED,
               "UCDP GED standard CSV (multi-valued cells, -1 for unknown counts)"),
        Format("ucdp-ged-hdx", "ucdp-ged", "csv", _GED_REQUIRED,
               "UCDP GED, HDX variant with an HXL tag row under the header"),
    )
}
"""Every known layout, by name."""


def format_names() -> list[str]:
    """The names accepted by ``--format``."""
    return list(FORMATS)


@dataclass(frozen=True, slots=True)
class Detected:
    """The layout of one file, as detected (or as named by the user).

    Attributes
    ----------
    path : Path
        The file.
    format : Format
        Its layout.
    columns : tuple of str
        The header, lower-cased and stripped (empty for JSON); an empty header cell is named
        ``column<i>`` (0-based position).
    skip_lines : int
        Records before the first data record: the header, plus the HXL tag row when there is
        one.
    delimiter : str
        The field separator (``,``; ``;`` or a tab when the header is only separated by those,
        as in files re-saved by spreadsheets in some locales).
    hxl : bool
        True when an HXL tag row (``#date``, ``#country+name`` ...) sits under the header; it
        is skipped, not counted as a record.
    """

    path: Path
    format: Format
    columns: tuple[str, ...]
    skip_lines: int
    delimiter: str = ","
    hxl: bool = False


_CLASSIC_DATE = re.compile(r"^\s*\d{1,2}[ -][A-Za-z]+[ -]\d{4}\s*$")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_SAMPLE_RECORDS = 50
_HEAD_BYTES = 1 << 20
_DELIMITERS = (",", ";", "\t")


_MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file; decompress it first"),
    (b"PK\x03\x04", "a ZIP archive or an Excel workbook; extract it or save it as CSV (UTF-8)"),
    (b"BZh", "a bzip2-compressed file; decompress it first"),
    (b"\xfd7zXZ\x00", "an xz-compressed file; decompress it first"),
    (b"PAR1", "a Parquet file; export it as CSV"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (.xls) workbook; save it as CSV (UTF-8)"),
    (b"\xff\xfe", "UTF-16 text; save it as UTF-8"),
    (b"\xfe\xff", "UTF-16 text; save it as UTF-8"),
)


def _read_head(path: Path) -> str:
    check_event_file(path)
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an event file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    for magic, what in _MAGIC:
        if raw.startswith(magic):
            raise InputError(f"{path}: {what}; expected a CSV or JSON text file")
    sample = raw[:4096]
    if sample and sample.count(0) > len(sample) // 10:  # a stray NUL is a bad cell, not this
        raise InputError(f"{path}: a binary file (NUL bytes); expected a CSV or JSON text file")
    return raw.decode("utf-8-sig", errors="replace")


def _sniff_delimiter(head: str) -> str:
    """``,`` unless the header line has a single comma-field and splits on ``;`` or a tab."""
    first = head.splitlines()[0] if head else ""

    def width(delim: str) -> int:
        try:
            return len(next(csv.reader([first], delimiter=delim), []))
        except csv.Error:
            return 0

    if width(",") > 1:
        return ","
    best = max(_DELIMITERS[1:], key=width)
    return best if width(best) >= 3 else ","


def _records(head: str, delimiter: str) -> list[list[str]]:
    """Parse the first records of a CSV head (the last, maybe cut, line is dropped)."""
    lines = head.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]
    out: list[list[str]] = []
    try:
        for rec in csv.reader(io.StringIO("".join(lines)), delimiter=delimiter):
            if not rec:
                continue
            out.append(rec)
            if len(out) > _SAMPLE_RECORDS + 2:
                break
    except csv.Error:
        pass
    return out


def _expected_message(path: Path, columns: tuple[str, ...]) -> str:
    cells = ["".join(ch if ch.isprintable() else "?" for ch in c[:40]) for c in columns[:12]]
    shown = ", ".join(cells) + (" ..." if len(columns) > 12 else "")
    wanted = "; ".join(f"{f.name}: {', '.join(f.required[:5])} ..." for f in FORMATS.values()
                       if f.name not in ("acled-api", "acled-api-json", "ucdp-ged-hdx"))
    return (f"{path}: unknown event-file layout (header: {shown or 'none'}). Expected a CSV "
            f"with the columns of {wanted}; or ACLED API JSON; or name the layout with "
            f"--format ({', '.join(FORMATS)})")


def _is_hxl_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def load_json_records(path: Path) -> list[Any]:
    """The event records of an ACLED API JSON file.

    The file is the API's answer (``{"status": 200, "data": [...]}``) or a bare list of event
    objects.

    Raises
    ------
    InputError
        If the file is not UTF-8 JSON of that shape; an API error answer (``"success":
        false``) is quoted in the message.
    """
    import json

    check_event_file(path, json=True)
    try:
        doc = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text; expected ACLED API JSON") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: "
                         f"{exc.msg}") from None
    except (RecursionError, ValueError) as exc:  # nesting too deep, an integer too long
        why = ("nested too deeply" if isinstance(exc, RecursionError)
               else "a number with more than 4,300 digits" if "digits" in str(exc)
               else str(exc)[:120])
        raise InputError(f"{path}: cannot read the JSON ({why}); expected ACLED API "
                         "JSON") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        data = doc.get("data")
        if isinstance(data, list):
            return data
        said = {k: doc[k] for k in ("status", "success", "error", "messages", "message")
                if k in doc}
        answer = f" (the file says: {json.dumps(said, ensure_ascii=False)[:200]})" if said \
            else ""
        raise InputError(f"{path}: JSON object without a 'data' list{answer}; expected the "
                         "ACLED API answer {\"data\": [{\"event_id_cnty\": ..., \"event_date\":"
                         " ...}, ...]} or a list of such events")
    raise InputError(f"{path}: expected a JSON object with a 'data' list or a list of ACLED "
                     f"events, found a JSON {type(doc).__name__}")


def _json_keys(path: Path, records: list[Any]) -> tuple[str, ...]:
    keys: dict[str, None] = {}
    objects = 0
    for rec in records:
        if isinstance(rec, dict):
            objects += 1
            for k in rec:
                keys.setdefault(str(k).strip().lower(), None)
    if records and not objects:
        raise InputError(f"{path}: the JSON holds no event objects; expected ACLED API "
                         "events ({\"event_id_cnty\": ..., \"event_date\": ...})")
    return tuple(keys)


def detect_format(path: str | Path, fmt: str | None = None) -> Detected:
    """Find the layout of an event file from its header and first records.

    CSV files are judged on their first megabyte; JSON files are parsed whole, so that an
    invalid or foreign JSON file is refused before any import starts.

    Parameters
    ----------
    path : str or Path
        The file.
    fmt : str, optional
        A layout name (see :data:`FORMATS`) that overrides detection; the file must still
        have that layout's required columns.

    Returns
    -------
    Detected

    Raises
    ------
    InputError
        If the file cannot be read, the name is unknown, or the layout is not one of
        :data:`FORMATS` (the message names the file and the columns expected).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "w.csv"
    >>> _ = p.write_text("WEEK,COUNTRY,ADMIN1,EVENT_TYPE,SUB_EVENT_TYPE,EVENTS,FATALITIES\\n")
    >>> detect_format(p).format.name
    'acled-weekly'
    """
    path = Path(path)
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; expected one of: {', '.join(FORMATS)}")
    head = _read_head(path)
    stripped = head.lstrip()
    if not stripped:
        raise InputError(f"{path}: the file is empty; expected an ACLED or UCDP event file")
    if stripped[0] in "[{":
        if fmt is not None and FORMATS[fmt].kind != "json":
            raise InputError(f"{path}: looks like JSON, but --format {fmt} is a CSV layout")
        chosen = FORMATS["acled-api-json"]
        keys = _json_keys(path, load_json_records(path))
        missing = [c for c in chosen.required if c not in keys]
        if keys and missing:
            raise InputError(f"{path}: the JSON events lack {', '.join(missing)}; expected "
                             f"ACLED API events with {', '.join(chosen.required)}")
        return Detected(path, chosen, (), 0)
    if fmt is not None and FORMATS[fmt].kind == "json":
        raise InputError(f"{path}: --format {fmt} expects JSON, but the file is not JSON")

    delimiter = _sniff_delimiter(stripped)
    records = _records(head, delimiter)
    if not records:
        raise InputError(f"{path}: the file is empty; expected an ACLED or UCDP event file")
    columns = tuple(c.strip().lower() or f"column{i}" for i, c in enumerate(records[0]))
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"{path}: duplicate column(s) in the header: {', '.join(dup)}")
    body = records[1:]
    hxl = bool(body) and _is_hxl_row(body[0])
    if hxl:
        body = body[1:]
    skip = 2 if hxl else 1

    def has(f: Format) -> bool:
        return all(c in columns for c in f.required)

    def found(name: str) -> Detected:
        return Detected(path, FORMATS[name], columns, skip, delimiter, hxl)

    if fmt is not None:
        chosen = FORMATS[fmt]
        missing = [c for c in chosen.required if c not in columns]
        if missing:
            raise InputError(f"{path}: --format {fmt} needs column(s) {', '.join(missing)}; "
                             f"the header has: {', '.join(columns[:20])}"
                             f"{' ...' if len(columns) > 20 else ''}")
        if fmt == "ucdp-ged-hdx" and not hxl:
            raise InputError(f"{path}: --format ucdp-ged-hdx expects an HXL tag row (#date, "
                             "#country+name ...) under the header, and this file has none; "
                             "use --format ucdp-ged")
        return found(fmt)

    if has(FORMATS["acled"]):
        date_i = columns.index("event_date")
        inter_i = columns.index("inter1") if "inter1" in columns else None
        classic = modern = 0
        for rec in body[:_SAMPLE_RECORDS]:
            if len(rec) != len(columns):
                continue
            inter = rec[inter_i].strip() if inter_i is not None else ""
            if _CLASSIC_DATE.match(rec[date_i]) or inter.isdigit():
                classic += 1
            elif _ISO_DATE.match(rec[date_i]) or inter:
                modern += 1
        return found("acled" if classic > modern else "acled-api")
    if has(FORMATS["acled-weekly"]):
        return found("acled-weekly")
    if has(FORMATS["ucdp-ged"]):
        return found("ucdp-ged-hdx" if hxl else "ucdp-ged")
    raise InputError(_expected_message(path, columns))
