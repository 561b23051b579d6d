"""Dated counting statements: what several authorities said they had counted, and when.

A campaign's record often comes as statements rather than events: "27 attacks on
international commercial shipping" (a government, on a day), "34 commercial vessels
targeted since 1 January" (a think tank's quarterly review), "54 ships attacked" (the
attacking group's own leader). Each statement counts over a window, ``period_start`` ..
``statement_date`` inclusive, by its own authority's basis. This module reads such a table
as it stands: one :class:`Statement` per row, each keeping its series, window, bound and
source. It never splices two series into one, never turns cumulative statements into
intervals and never reads a party's claim as a count: relating the statements to
simulated attacks is the job of :mod:`armednet.validation.measurement`.

The file is CSV with one row per statement and at least the columns

``series_id``
    the counting authority's series (one series, one authority and one basis);
``value_type``
    ``cumulative`` (counted since ``period_start``, repeated as the count grows),
    ``period_total`` (one period's total) or ``weekly`` (a week's count);
``statement_date``, ``period_start``
    the window's last and first day (``YYYY-MM-DD``);
``cumulative_attacks``
    the count (a non-negative integer);
``bound``
    the source's wording: ``exact``, ``at_least`` or ``claimed``.

The columns ``date_precision`` (free text; a statement whose text mentions "approx" is
flagged :attr:`Statement.approx`), ``count_basis``, ``counting_authority`` and
``source_url`` are read when present; other columns are ignored. Beyond each cell's own
check, a series keeps one ``value_type``, and the ``exact`` values of a ``cumulative``
series must not decrease over time (a cumulative count cannot fall; ``at_least`` and
``claimed`` statements are not compared). Every problem is reported at once, as
``file:line: column: what was expected``.

The file must be a regular file of at most :data:`MAX_BYTES` bytes with lines of at most
:data:`MAX_LINE` characters. The shared data's ``houthi-red-sea/cumulative.csv`` is the
layout's first user.

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "statements.csv"
>>> _ = p.write_text(
...     "series_id,value_type,statement_date,cumulative_attacks,bound,period_start\\n"
...     "GOV,cumulative,2024-01-11,27,exact,2023-11-19\\n"
...     "GOV,cumulative,2024-03-21,50,at_least,2023-11-19\\n")
>>> s = load_statements(p)
>>> len(s), s.series_ids(), s.statements[1].bound, s.statements[1].line
(2, ('GOV',), 'at_least', 3)
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields
from itertools import pairwise
from pathlib import Path
from typing import Any

import pandas as pd

from armednet.errors import InputError, Issue, ValidationFailed
from armednet.events.intervals import FIRST_DATE, LAST_DATE, csv_rows
from armednet.fileio import read_text_bounded

__all__ = ["BOUNDS", "MAX_BYTES", "MAX_COUNT", "MAX_LINE", "OPTIONAL_COLUMNS",
           "REQUIRED_COLUMNS", "VALUE_TYPES", "Statement", "StatementSet", "load_statements"]

MAX_BYTES = 10 * 1024 * 1024
"""Largest statements file read, in bytes."""
MAX_LINE = 10_000
"""Longest line, in characters (a statement with its notes is well under 1,000)."""
MAX_COUNT = 10_000_000
"""Largest count taken as a count rather than an error."""
VALUE_TYPES = ("cumulative", "period_total", "weekly")
"""What a statement's count covers: everything since ``period_start``, one period's total,
or one week."""
BOUNDS = ("exact", "at_least", "claimed")
"""The source's wording of a count: a count, a lower bound ("at least"), or a party's claim."""
REQUIRED_COLUMNS = ("series_id", "value_type", "statement_date", "cumulative_attacks",
                    "bound", "period_start")
"""Columns every statements file has."""
OPTIONAL_COLUMNS = ("date_precision", "count_basis", "counting_authority", "source_url")
"""Columns read when present (empty otherwise)."""

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_COUNT = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Statement:
    """One dated counting statement.

    Attributes
    ----------
    series_id : str
        The series (authority and basis) it belongs to.
    value_type : str
        One of :data:`VALUE_TYPES`.
    day : datetime.date
        The statement's date: the last day its count covers.
    period_start : datetime.date
        The first day its count covers.
    value : int
        The count.
    bound : str
        One of :data:`BOUNDS`.
    approx : bool
        Whether the date's precision is given as approximate.
    basis : str
        What was counted, in the source's words.
    authority : str
        Who counted (or claimed).
    source_url : str
        Where the statement was read.
    line : int
        The 1-based line of the file its row starts on.
    """

    series_id: str
    value_type: str
    day: dt.date
    period_start: dt.date
    value: int
    bound: str
    approx: bool
    basis: str
    authority: str
    source_url: str
    line: int

    @property
    def days(self) -> int:
        """Days in the statement's window, ``period_start`` .. ``day`` inclusive."""
        return (self.day - self.period_start).days + 1


@dataclass
class StatementSet:
    """The statements of a file, in file order.

    Attributes
    ----------
    source : str
        Where they came from (the file name).
    statements : tuple of Statement
    """

    source: str
    statements: tuple[Statement, ...]

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Statement]:
        return iter(self.statements)

    def series_ids(self) -> tuple[str, ...]:
        """The series present, in order of first appearance."""
        return tuple(dict.fromkeys(s.series_id for s in self.statements))

    def select(self, series_ids: str | Iterable[str]) -> StatementSet:
        """The statements of the named series (file order kept).

        Raises
        ------
        InputError
            If a name is not a series of the set.
        """
        wanted = {series_ids} if isinstance(series_ids, str) else set(series_ids)
        unknown = sorted(wanted - set(self.series_ids()))
        if unknown:
            raise InputError(f"{self.source}: no series {', '.join(unknown)}; the series are "
                             f"{', '.join(self.series_ids()) or 'none'}", params=("series_ids",))
        return StatementSet(self.source,
                            tuple(s for s in self.statements if s.series_id in wanted))

    def until(self, day: dt.date) -> StatementSet:
        """The statements made on or before ``day`` (a cut-off: later ones are held out)."""
        return StatementSet(self.source, tuple(s for s in self.statements if s.day <= day))

    def to_frame(self) -> pd.DataFrame:
        """One row per statement, one column per :class:`Statement` field."""
        names = [f.name for f in fields(Statement)]
        return pd.DataFrame([[getattr(s, n) for n in names] for s in self.statements],
                            columns=names)


class _Bad(ValueError):
    """One cell is wrong: the column and what was expected."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _date(row: dict[str, Any], column: str) -> dt.date:
    text = str(row.get(column) or "").strip()
    try:
        if not _ISO_DAY.fullmatch(text):
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(column, f"expected a date YYYY-MM-DD, got {_show(row.get(column))}"
                   ) from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise _Bad(column, f"{day} is outside the plausible range {FIRST_DATE} .. {LAST_DATE}")
    return day


def _choice(row: dict[str, Any], column: str, allowed: tuple[str, ...]) -> str:
    text = str(row.get(column) or "").strip()
    if text not in allowed:
        raise _Bad(column, f"expected one of {', '.join(allowed)}, got {_show(row.get(column))}")
    return text


def _count(row: dict[str, Any]) -> int:
    column = "cumulative_attacks"
    text = str(row.get(column) or "").strip()
    if not _COUNT.fullmatch(text) or int(text) > MAX_COUNT:
        raise _Bad(column, f"expected a count (an integer 0 .. {MAX_COUNT:,}), got "
                   f"{_show(row.get(column))}")
    return int(text)


def _statement(row: dict[str, Any], line: int) -> Statement:
    series = str(row.get("series_id") or "").strip()
    if not series:
        raise _Bad("series_id", "expected the name of the series, got an empty cell")
    value_type = _choice(row, "value_type", VALUE_TYPES)
    day = _date(row, "statement_date")
    start = _date(row, "period_start")
    if start > day:
        raise _Bad("period_start", f"{start} is after the statement_date {day}; the count "
                   "covers period_start .. statement_date")
    value = _count(row)
    bound = _choice(row, "bound", BOUNDS)

    def text(column: str) -> str:
        return str(row.get(column) or "").strip()

    return Statement(series_id=series, value_type=value_type, day=day, period_start=start,
                     value=value, bound=bound, approx="approx" in text("date_precision").lower(),
                     basis=text("count_basis"), authority=text("counting_authority"),
                     source_url=text("source_url"), line=line)


def _series_issues(statements: list[Statement], label: str) -> list[Issue]:
    """A series with two value types; a cumulative series whose exact count falls."""
    issues: list[Issue] = []
    first: dict[str, Statement] = {}
    for s in statements:
        seen = first.setdefault(s.series_id, s)
        if seen.value_type != s.value_type:
            issues.append(Issue(label, s.line, "value_type", f"series {s.series_id} is "
                                f"{seen.value_type} on line {seen.line}, {s.value_type} here; "
                                "one series has one value_type (never splice two series)"))
    exact = sorted((s for s in statements if s.value_type == "cumulative"
                    and s.bound == "exact" and first[s.series_id].value_type == "cumulative"),
                   key=lambda s: (s.series_id, s.day, s.line))
    for a, b in pairwise(exact):
        if a.series_id == b.series_id and b.value < a.value:
            issues.append(Issue(label, b.line, "cumulative_attacks", f"exact cumulative count "
                                f"{b.value} on {b.day} is below the exact {a.value} on {a.day} "
                                f"(line {a.line}); a cumulative count cannot decrease"))
    return issues


def load_statements(path: str | Path) -> StatementSet:
    """Read and validate a file of dated counting statements (see the module).

    Parameters
    ----------
    path : str or Path
        The CSV file.

    Returns
    -------
    StatementSet
        One :class:`Statement` per row, in file order.

    Raises
    ------
    ValidationFailed
        Every problem, as ``file:line: column: what was expected`` (a missing column, an
        unknown ``value_type`` or ``bound``, a date that is not ``YYYY-MM-DD``, a
        ``period_start`` after the ``statement_date``, a count that is not a non-negative
        integer, a series with two value types, a cumulative series whose exact count
        falls).
    InputError
        If the file cannot be read (missing, not a regular file, larger than
        :data:`MAX_BYTES`, a line longer than :data:`MAX_LINE`, not UTF-8).
    """
    label = str(path)
    text = read_text_bounded(Path(path), MAX_BYTES, MAX_LINE, what="statements file",
                             encoding="utf-8-sig")
    header, rows, lines = csv_rows(text, label)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed([Issue(label, 1, "", f"missing column(s) {', '.join(missing)}; "
                                      f"expected {', '.join(REQUIRED_COLUMNS)}")])
    if not rows:
        raise ValidationFailed([Issue(label, 1, "", "expected a header and at least one "
                                      "statement row")])
    issues: list[Issue] = []
    statements: list[Statement] = []
    for row, line in zip(rows, lines, strict=True):
        if None in row or None in row.values():  # too many cells, or too few
            cells = sum(v is not None for k, v in row.items() if k is not None)
            loose: dict[Any, Any] = dict(row)  # DictReader keeps surplus cells under None
            extra = loose.get(None) or ()
            issues.append(Issue(label, line, "", f"{cells + len(extra)} cells, "
                                f"but the header names {len(header)} columns"))
            continue
        try:
            statements.append(_statement(row, line))
        except _Bad as bad:
            issues.append(Issue(label, line, bad.column, bad.message))
    issues += _series_issues(statements, label)
    if issues:
        raise ValidationFailed(sorted(issues, key=lambda i: i.line or 0))
    return StatementSet(source=label, statements=tuple(statements))
