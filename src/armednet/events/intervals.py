"""Attack counts over irregular intervals: the calibration target.

Official tallies of attacks on foreign forces come as cumulative statements ("56 attacks
since 17 October"), so the honest data are counts over the intervals between consecutive
statements, not a weekly series. This module reads such a table and lays the intervals
onto the engine's weekly calendar.

The file is CSV with one row per interval and at least the columns

``first_day``
    first day counted (``YYYY-MM-DD``);
``interval_end_inclusive`` (or ``last_day``)
    last day counted;
``attacks``
    attacks in the interval (a non-negative integer).

Other columns (``days``, quality flags, sources) are kept. ``days``, when present, must
equal the interval's length. Intervals must not overlap.

Plausible ranges (anything outside is refused with its line): days between
:data:`FIRST_DATE` and :data:`LAST_DATE`; an interval at most :data:`MAX_INTERVAL_DAYS`
days long; at most :data:`MAX_ATTACKS_PER_DAY` attacks per day of the interval (the
2023-24 campaign peaked near 10 a day). The file must be a regular file of at most
:data:`MAX_BYTES` bytes with lines of at most :data:`MAX_LINE` characters.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError, Issue, ValidationFailed
from armednet.fileio import read_text_bounded

__all__ = ["FIRST_DATE", "LAST_DATE", "MAX_ATTACKS_PER_DAY", "MAX_BYTES",
           "MAX_INTERVAL_DAYS", "MAX_LINE", "IntervalCounts", "load_intervals",
           "overlap_matrix"]

MAX_BYTES = 10 * 1024 * 1024
"""Largest interval file read, in bytes."""
MAX_LINE = 10_000
"""Longest line, in characters (a row with a few source URLs is well under 1,000)."""
FIRST_DATE = dt.date(1900, 1, 1)
"""Earliest day an interval may count."""
LAST_DATE = dt.date(2100, 12, 31)
"""Latest day an interval may count."""
MAX_INTERVAL_DAYS = 7_300
"""Longest interval, in days (20 years: the longest an experiment simulates)."""
MAX_ATTACKS_PER_DAY = 1_000
"""Most attacks per day of an interval that are taken as a count rather than an error."""


@dataclass(frozen=True)
class IntervalCounts:
    """Observed counts over day intervals.

    Attributes
    ----------
    first_day, last_day : list of datetime.date
        Inclusive bounds of each interval.
    attacks : numpy.ndarray of float
        Observed counts.
    table : pandas.DataFrame
        The file as read (every column), one row per interval.
    source : str
        Where the data came from (the file name).
    """

    first_day: list[dt.date]
    last_day: list[dt.date]
    attacks: np.ndarray
    table: pd.DataFrame
    source: str

    @property
    def days(self) -> np.ndarray:
        return np.array([(b - a).days + 1 for a, b in zip(self.first_day, self.last_day,
                                                          strict=True)], dtype=float)

    def __len__(self) -> int:
        return len(self.attacks)


class _Bad(ValueError):
    """One cell is wrong: the column and what was expected."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column, self.message = column, message


def _date(row: dict[str, Any], column: str) -> dt.date:
    text = row.get(column)
    try:
        day = dt.date.fromisoformat(str(text or "").strip())
    except ValueError:
        raise _Bad(column, f"expected a date YYYY-MM-DD, got {_show(text)}") from None
    if not FIRST_DATE <= day <= LAST_DATE:
        raise _Bad(column, f"{day} is outside the plausible range {FIRST_DATE} .. {LAST_DATE}")
    return day


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(row: dict[str, Any], column: str, what: str) -> float:
    text = row.get(column)
    try:
        value = float(str(text).strip())
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0 and value.is_integer()):
        raise _Bad(column, f"expected {what}, got {_show(text)}")
    return value


def _interval(row: dict[str, Any], end_col: str) -> tuple[dt.date, dt.date, float]:
    a = _date(row, "first_day")
    b = _date(row, end_col)
    if b < a:
        raise _Bad(end_col, f"ends ({b}) before it starts ({a})")
    days = (b - a).days + 1
    if days > MAX_INTERVAL_DAYS:
        raise _Bad(end_col, f"an interval of {days:,} days; at most {MAX_INTERVAL_DAYS:,} "
                   "are plausible")
    n = _number(row, "attacks", "a non-negative integer")
    if n > MAX_ATTACKS_PER_DAY * days:
        raise _Bad("attacks", f"{n:g} attacks in {days} day(s) is more than the plausible "
                   f"{MAX_ATTACKS_PER_DAY:,} a day")
    if row.get("days") not in (None, ""):
        given = _number(row, "days", "a whole number of days")
        if given != days:
            raise _Bad("days", f"{row['days']} days, but {a} .. {b} is {days}")
    return a, b, n


def csv_rows(text: str, label: str) -> tuple[list[str], list[dict[str, Any]], list[int]]:
    """The header, the CSV rows as dicts and the line each starts on (shared by the CSV
    loaders of :mod:`armednet.events`).

    Raises
    ------
    ValidationFailed
        A column named twice, or text that is not CSV (at its line).
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows, lines = [], []
    line = 1
    try:
        header = list(reader.fieldnames or [])
        dup = sorted({c for c in header if header.count(c) > 1})
        if dup:
            raise ValidationFailed([Issue(label, 1, "", "column(s) named twice: "
                                          + ", ".join(repr(c) for c in dup))])
        line = reader.line_num + 1
        for row in reader:
            rows.append(row)
            lines.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ValidationFailed([Issue(label, line, "", f"not readable as CSV ({exc})")]
                               ) from None
    return header, rows, lines


def load_intervals(path: str | Path) -> IntervalCounts:
    """Read and validate an interval-count file.

    Raises
    ------
    ValidationFailed
        Every problem, as ``file:line: column: what was expected``.
    InputError
        If the file cannot be read (missing, not a regular file, larger than
        :data:`MAX_BYTES`, a line longer than :data:`MAX_LINE`, not UTF-8).
    """
    path = Path(path)
    label = str(path)
    text = read_text_bounded(path, MAX_BYTES, MAX_LINE, what="interval counts file",
                             encoding="utf-8-sig")
    _, rows, lines = csv_rows(text, label)
    if not rows:
        raise ValidationFailed([Issue(label, 1, "", "expected a header and at least one "
                                      "interval row")])
    header = set(rows[0])
    end_col = "interval_end_inclusive" if "interval_end_inclusive" in header else "last_day"
    missing = [c for c in ("first_day", end_col, "attacks") if c not in header]
    if missing:
        raise ValidationFailed([Issue(label, 1, "", "missing column(s) "
                                      f"{', '.join(missing)}; expected first_day, "
                                      "interval_end_inclusive (or last_day) and attacks")])
    issues: list[Issue] = []
    first: list[dt.date] = []
    last: list[dt.date] = []
    counts: list[float] = []
    for row, line in zip(rows, lines, strict=True):
        try:
            a, b, n = _interval(row, end_col)
        except _Bad as bad:
            issues.append(Issue(label, line, bad.column, bad.message))
            continue
        if last and a <= last[-1]:
            issues.append(Issue(label, line, "first_day", f"overlaps the previous interval "
                                f"(which ends {last[-1]}); intervals must be in order and "
                                "disjoint"))
        first.append(a)
        last.append(b)
        counts.append(n)
    if issues:
        raise ValidationFailed(issues)
    table = pd.DataFrame([{k: v for k, v in r.items() if k is not None} for r in rows])
    return IntervalCounts(first_day=first, last_day=last, attacks=np.array(counts),
                          table=table, source=label)


def overlap_matrix(intervals: IntervalCounts, start: dt.date, weeks: int) -> np.ndarray:
    """Days of each interval that fall in each simulated week, shape (intervals, weeks).

    Week ``w`` covers ``start + 7 w`` .. ``start + 7 w + 6``.

    Raises
    ------
    InputError
        If an interval starts before ``start`` or ends after the last simulated week.
    """
    end = start + dt.timedelta(days=7 * weeks - 1)
    out = np.zeros((len(intervals), weeks))
    for i, (a, b) in enumerate(zip(intervals.first_day, intervals.last_day, strict=True)):
        if a < start or b > end:
            raise InputError(f"{intervals.source}: interval {a} .. {b} is outside the "
                             f"simulated period {start} .. {end}")
        for d in range((a - start).days, (b - start).days + 1):
            out[i, d // 7] += 1
    return out
