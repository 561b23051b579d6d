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

Detection reads only the header and a few records, never the whole file.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from armednet.errors import InputError

__all__ = ["FORMATS", "Detected", "Format", "detect_format", "format_names"]


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
        The header, lower-cased and stripped (empty for JSON).
    skip_lines : int
        Lines before the first data record (header, plus the HXL tag row for HDX files).
    """

    path: Path
    format: Format
    columns: tuple[str, ...]
    skip_lines: int


_CLASSIC_DATE = re.compile(r"^\s*\d{1,2}[ -][A-Za-z]+[ -]\d{4}\s*$")
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}")
_SAMPLE_RECORDS = 50
_HEAD_BYTES = 1 << 20


def _read_head(path: Path) -> str:
    try:
        with path.open("rb") as fh:
            raw = fh.read(_HEAD_BYTES)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected an event file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return raw.decode("utf-8-sig", errors="replace")


def _records(head: str) -> list[list[str]]:
    """Parse the first records of a CSV head (the last, maybe cut, line is dropped)."""
    lines = head.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]
    out: list[list[str]] = []
    try:
        for rec in csv.reader(io.StringIO("".join(lines))):
            out.append(rec)
            if len(out) > _SAMPLE_RECORDS + 2:
                break
    except csv.Error:
        pass
    return out


def _expected_message(path: Path, columns: tuple[str, ...]) -> str:
    shown = ", ".join(columns[:12]) + (" ..." if len(columns) > 12 else "")
    wanted = "; ".join(f"{f.name}: {', '.join(f.required[:5])} ..." for f in FORMATS.values()
                       if f.name not in ("acled-api", "ucdp-ged-hdx"))
    return (f"{path}: unknown event-file layout (columns: {shown or 'none'}). Expected one of "
            f"{wanted}; or name the layout with --format ({', '.join(FORMATS)})")


def _is_hxl_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    return bool(cells) and all(c.startswith("#") for c in cells)


def detect_format(path: str | Path, fmt: str | None = None) -> Detected:
    """Find the layout of an event file from its header and first records.

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
        raise InputError(f"{path}: the file is empty")
    if stripped[0] in "[{":
        if fmt is not None and FORMATS[fmt].kind != "json":
            raise InputError(f"{path}: looks like JSON, but --format {fmt} is a CSV layout")
        return Detected(path, FORMATS["acled-api-json"], (), 0)
    if fmt is not None and FORMATS[fmt].kind == "json":
        raise InputError(f"{path}: --format {fmt} expects JSON, but the file is not JSON")

    records = _records(head)
    if not records:
        raise InputError(f"{path}: the file is empty")
    columns = tuple(c.strip().lower() for c in records[0])
    if len(set(columns)) != len(columns):
        dup = sorted({c for c in columns if columns.count(c) > 1})
        raise InputError(f"{path}: duplicate column(s) in the header: {', '.join(dup)}")
    body = records[1:]
    hxl = bool(body) and _is_hxl_row(body[0])
    if hxl:
        body = body[1:]

    def has(f: Format) -> bool:
        return all(c in columns for c in f.required)

    if fmt is not None:
        chosen = FORMATS[fmt]
        missing = [c for c in chosen.required if c not in columns]
        if missing:
            raise InputError(f"{path}: --format {fmt} needs column(s) {', '.join(missing)}; "
                             f"the header has: {', '.join(columns[:20])}")
        return Detected(path, chosen, columns, 2 if hxl else 1)

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
        name = "acled" if classic > modern else "acled-api"
        return Detected(path, FORMATS[name], columns, 1)
    if has(FORMATS["acled-weekly"]):
        return Detected(path, FORMATS["acled-weekly"], columns, 1)
    if has(FORMATS["ucdp-ged"]):
        if hxl:
            return Detected(path, FORMATS["ucdp-ged-hdx"], columns, 2)
        return Detected(path, FORMATS["ucdp-ged"], columns, 1)
    raise InputError(_expected_message(path, columns))
