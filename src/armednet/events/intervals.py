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
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from armednet.errors import InputError, Issue, ValidationFailed

__all__ = ["IntervalCounts", "load_intervals", "overlap_matrix"]


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


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text.strip())


def load_intervals(path: str | Path) -> IntervalCounts:
    """Read and validate an interval-count file.

    Raises
    ------
    ValidationFailed
        Every problem, as ``file:line: column: what was expected``.
    InputError
        If the file cannot be read.
    """
    path = Path(path)
    label = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read the interval counts ({exc})") from None
    rows = list(csv.DictReader(text.splitlines()))
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
    for i, row in enumerate(rows):
        line = i + 2
        try:
            a = _date(row["first_day"] or "")
        except ValueError:
            issues.append(Issue(label, line, "first_day", f"expected a date YYYY-MM-DD, got "
                                f"{row['first_day']!r}"))
            continue
        try:
            b = _date(row[end_col] or "")
        except ValueError:
            issues.append(Issue(label, line, end_col, f"expected a date YYYY-MM-DD, got "
                                f"{row[end_col]!r}"))
            continue
        if b < a:
            issues.append(Issue(label, line, end_col, f"ends ({b}) before it starts ({a})"))
            continue
        try:
            n = float(row["attacks"])
            if n < 0 or not n.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            issues.append(Issue(label, line, "attacks", "expected a non-negative integer, "
                                f"got {row['attacks']!r}"))
            continue
        if row.get("days"):
            try:
                if int(float(row["days"])) != (b - a).days + 1:
                    issues.append(Issue(label, line, "days", f"{row['days']} days, but "
                                        f"{a} .. {b} is {(b - a).days + 1}"))
            except ValueError:
                issues.append(Issue(label, line, "days", f"expected a number, got "
                                    f"{row['days']!r}"))
        if last and a <= last[-1]:
            issues.append(Issue(label, line, "first_day", f"overlaps the previous interval "
                                f"(which ends {last[-1]}); intervals must be in order and "
                                "disjoint"))
        first.append(a)
        last.append(b)
        counts.append(n)
    if issues:
        raise ValidationFailed(issues)
    return IntervalCounts(first_day=first, last_day=last, attacks=np.array(counts),
                          table=pd.DataFrame(rows), source=label)


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
