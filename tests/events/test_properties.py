"""Properties of the importers on generated files of every layout.

Whatever the cells hold, and whatever broken lines follow, an import either loads a record or
rejects it with a reason; ``read == loaded + rejected``; every record number from 1 to ``read``
is accounted for exactly once; importing the same file again adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.events.store import import_file, open_store
from tests.events.fakes import (
    ACLED_COLUMNS,
    ACLED_HXL,
    GED_COLUMNS,
    GED_HDX_COLUMNS,
    GED_HDX_TAGS,
    WEEKLY_COLUMNS,
    acled_row,
    ged_row,
    write_csv,
)

_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-1", "NaN", "inf", "1e400", "3.5", "-3", "0", "02 June 2023",
                     "2023-02-30", "30-February-2023", "6/2/2023", "N/A", '"', '""', "a,b",
                     "x\ny", "x\ry", "\r", "\r\n", "\u02bfA\u1e63\u0101\u02beib", "كتائب",
                     "\x00", "9999-12-31", "1850-01-01", "17-January-2015",
                     "99999999999999999999"]),
)
_TAIL = st.lists(st.text(alphabet=st.sampled_from('ab,;"\n\r1 \x00é'), max_size=30),
                 max_size=3)
_REASONS = {"missing event id", "missing date", "bad date", "date out of range",
            "bad end date", "incomplete coordinates", "unparseable coordinates",
            "coordinates out of range", "bad count", "missing event count", "event id too long",
            "duplicate event id", "malformed CSV record", "not a JSON object",
            "outside the codebook", "year contradicts the date"}

_SETTINGS = settings(max_examples=int(os.environ.get("ARMEDNET_EVENTS_EXAMPLES", "25")),
                     deadline=None, suppress_health_check=[HealthCheck.too_slow])
"""25 examples per layout keep the suite fast; set ARMEDNET_EVENTS_EXAMPLES for a long run."""


def _weekly_row(i: int) -> dict[str, str]:
    day = dt.date(2023, 10, 14) + dt.timedelta(weeks=i)
    return dict(zip([c.lower() for c in WEEKLY_COLUMNS], [
        day.strftime("%d-%B-%Y"), "Middle East", "Iraq", f"Admin {i}", "Battles",
        "Armed clash", str(1 + i), str(i % 3), "12263.0", "Political violence", "3674.0",
        "33.3", "44.4"], strict=True))


_DAY = dt.date(2023, 10, 17)
LAYOUTS: dict[str, tuple[list[str], Callable[[int], dict[str, str]], list[str] | None]] = {
    "acled": (ACLED_COLUMNS, lambda i: acled_row(i, _DAY), None),
    "acled-api": (ACLED_COLUMNS, lambda i: acled_row(i, _DAY, classic=False), None),
    "acled-hdx": (ACLED_COLUMNS, lambda i: acled_row(i, _DAY),
                  [ACLED_HXL.get(c, "") for c in ACLED_COLUMNS]),
    "acled-weekly": ([c.lower() for c in WEEKLY_COLUMNS], _weekly_row, None),
    "ucdp-ged": (GED_COLUMNS, lambda i: ged_row(i, dt.date(2017, 3, 1)), None),
    "ucdp-ged-hdx": (GED_HDX_COLUMNS, lambda i: ged_row(i, dt.date(2017, 3, 1), hdx=True),
                     [GED_HDX_TAGS.get(c, "") for c in GED_HDX_COLUMNS]),
}


@st.composite
def mutated_rows(draw: st.DrawFn, layout: str) -> list[list[str]]:
    columns, make, _ = LAYOUTS[layout]
    n = draw(st.integers(min_value=0, max_value=8))
    rows = []
    for i in range(n):
        row = make(i)
        cells = [row[c] for c in columns]
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            j = draw(st.integers(min_value=0, max_value=len(cells) - 1))
            cells[j] = draw(_CELL)
        if draw(st.booleans()) and i:
            cells = list(rows[-1])  # a repeated record: a duplicate event id
        rows.append(cells)
    return rows


def _accounted(con: duckdb.DuckDBPyConnection, read: int) -> None:
    """Every record number 1..read is loaded or rejected, exactly once, with a reason."""
    loaded = [r[0] for r in con.execute("SELECT source_row FROM events").fetchall()]
    rejected = con.execute("SELECT source_row, reason FROM event_rejects").fetchall()
    rows = sorted(loaded + [r[0] for r in rejected])
    assert rows == list(range(1, read + 1))
    for _, reason in rejected:
        assert reason and reason.split(":", 1)[0] in _REASONS, reason


def _check_file(path: Path, expected_records: int | None) -> None:
    with open_store(":memory:") as con:
        res = import_file(con, path)
        assert res.rows_read == res.rows_loaded + res.rows_rejected
        if expected_records is not None:
            assert res.rows_read == expected_records
        counts = con.execute(
            "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_rejects)"
        ).fetchone()
        assert counts == (res.rows_loaded, res.rows_rejected)
        _accounted(con, res.rows_read)
        assert set(res.reasons) <= _REASONS
        again = import_file(con, path)
        assert again.already_imported
        assert con.execute("SELECT count(*) FROM events").fetchone() == (res.rows_loaded,)


def _check(layout: str, rows: list[list[str]], tail: list[str]) -> None:
    columns, _, hxl = LAYOUTS[layout]
    body = ([hxl] if hxl else []) + rows
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "f.csv", columns, body, tail)
        clean = not tail and not any("\r" in c for r in rows for c in r)
        # well-quoted records without a bare CR (a line break) are one record each
        _check_file(path, len(rows) if clean else None)


@_SETTINGS
@given(rows=mutated_rows("acled"), tail=_TAIL)
def test_acled_classic(rows: list[list[str]], tail: list[str]) -> None:
    _check("acled", rows, tail)


@_SETTINGS
@given(rows=mutated_rows("acled-api"), tail=_TAIL)
def test_acled_api_csv(rows: list[list[str]], tail: list[str]) -> None:
    _check("acled-api", rows, tail)


@_SETTINGS
@given(rows=mutated_rows("acled-hdx"), tail=_TAIL)
def test_acled_with_hxl_row(rows: list[list[str]], tail: list[str]) -> None:
    _check("acled-hdx", rows, tail)


@_SETTINGS
@given(rows=mutated_rows("acled-weekly"), tail=_TAIL)
def test_acled_weekly(rows: list[list[str]], tail: list[str]) -> None:
    _check("acled-weekly", rows, tail)


@_SETTINGS
@given(rows=mutated_rows("ucdp-ged"), tail=_TAIL)
def test_ucdp_ged(rows: list[list[str]], tail: list[str]) -> None:
    _check("ucdp-ged", rows, tail)


@_SETTINGS
@given(rows=mutated_rows("ucdp-ged-hdx"), tail=_TAIL)
def test_ucdp_ged_hdx(rows: list[list[str]], tail: list[str]) -> None:
    _check("ucdp-ged-hdx", rows, tail)


_JSON_VALUE = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _CELL,
                        st.lists(st.integers(), max_size=2),
                        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


@st.composite
def json_records(draw: st.DrawFn) -> list[Any]:
    records: list[Any] = []
    for i in range(draw(st.integers(min_value=1, max_value=8))):
        if draw(st.integers(min_value=0, max_value=9)) == 0:
            records.append(draw(st.one_of(st.integers(), st.text(max_size=5),
                                          st.lists(st.integers(), max_size=2))))
            continue
        rec: dict[str, Any] = dict(acled_row(i, _DAY, classic=False))
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            key = draw(st.sampled_from([*ACLED_COLUMNS, "extra"]))
            if draw(st.booleans()):
                rec[key] = draw(_JSON_VALUE)
            else:
                rec.pop(key, None)
        records.append(rec)
    records.append(dict(acled_row(99, _DAY, classic=False)))  # detection needs the columns
    return records


@_SETTINGS
@given(records=json_records(), wrapped=st.booleans())
def test_acled_api_json(records: list[Any], wrapped: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.json"
        doc: Any = {"status": 200, "success": True, "data": records} if wrapped else records
        path.write_text(json.dumps(doc), encoding="utf-8")
        _check_file(path, len(records))
