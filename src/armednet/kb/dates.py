"""Dates with year, month or day precision.

Facts about armed groups are often known only to the year ("founded 2007") or month.
A :data:`PartialDate` keeps the precision the source gave: ``"2007"``, ``"2014-06"`` or
``"2024-02-07"``. For comparisons a partial start date means its earliest day and a
partial end date its latest day, so a tie that ended "2019" is still active on
31 December 2019.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

__all__ = [
    "PartialDate",
    "earliest",
    "latest",
    "normalize_partial_date",
    "parse_date",
    "precision",
]

_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def normalize_partial_date(value: Any) -> str:
    """Return the canonical text of a partial date, or raise ``ValueError``.

    Accepts an ``int`` year, a ``datetime.date`` or a string ``YYYY``, ``YYYY-MM`` or
    ``YYYY-MM-DD`` (YAML turns ``2024-02-07`` into a date and ``2007`` into an int).
    """
    if isinstance(value, bool):
        raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("expected a date as YYYY, YYYY-MM or YYYY-MM-DD")
    text = value.strip()
    m = _PATTERN.match(text)
    if not m:
        raise ValueError(f"expected a date as YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    year, month, day = m.groups()
    if not 1800 <= int(year) <= 2200:
        raise ValueError(f"year {year} is outside 1800..2200")
    if month is not None and not 1 <= int(month) <= 12:
        raise ValueError(f"month {month} is not in 01..12")
    if day is not None:
        try:
            dt.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValueError(f"{text} is not a calendar date") from exc
    return text


PartialDate = Annotated[str, BeforeValidator(normalize_partial_date)]
"""A date as ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (validated and normalised)."""


def precision(value: str) -> str:
    """Return ``"year"``, ``"month"`` or ``"day"`` for a normalised partial date."""
    return {4: "year", 7: "month", 10: "day"}[len(value)]


def earliest(value: str) -> dt.date:
    """First day covered by a partial date."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 1
    day = parts[2] if len(parts) > 2 else 1
    return dt.date(year, month, day)


def latest(value: str) -> dt.date:
    """Last day covered by a partial date."""
    parts = [int(p) for p in value.split("-")]
    year = parts[0]
    month = parts[1] if len(parts) > 1 else 12
    day = parts[2] if len(parts) > 2 else calendar.monthrange(year, month)[1]
    return dt.date(year, month, day)


def parse_date(value: str | dt.date) -> dt.date:
    """Parse a user-supplied point in time (``YYYY[-MM[-DD]]``) to its first day.

    Raises
    ------
    ValueError
        If the text is not a date in one of the accepted forms.
    """
    if isinstance(value, dt.date):
        return value
    return earliest(normalize_partial_date(value))
