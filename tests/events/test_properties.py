"""Property: any mutated ACLED/GED row is loaded or rejected, never an exception."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.events.store import import_file, open_store
from tests.events.fakes import ACLED_COLUMNS, GED_COLUMNS, _ged_row, acled_row, write_csv

_CELL = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", " ", "-1", "NaN", "inf", "1e400", "3.5", "-3", "0", "02 June 2023",
                     "2023-02-30", "30-February-2023", "N/A", '"', '""', "a,b", "x\ny",
                     "ʿAṣāʾib", "كتائب", "\x00", "9999-12-31", "1850-01-01"]),
)


@st.composite
def mutated_rows(draw: st.DrawFn, columns: list[str], make) -> list[list[str]]:
    n = draw(st.integers(min_value=1, max_value=8))
    rows = []
    for i in range(n):
        row = make(i)
        cells = [row[c] for c in columns]
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            j = draw(st.integers(min_value=0, max_value=len(cells) - 1))
            cells[j] = draw(_CELL)
        rows.append(cells)
    return rows


def _check(columns: list[str], rows: list[list[str]], raw_tail: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "f.csv", columns, rows, raw_tail)
        with open_store(Path(tmp) / "s.duckdb") as con:
            res = import_file(con, path)
            assert res.rows_read == res.rows_loaded + res.rows_rejected
            if not raw_tail and not any("\r" in c for r in rows for c in r):
                # well-quoted records: one record per row (a bare CR is a line break)
                assert res.rows_read == len(rows)
            n_events, n_rejects = con.execute(
                "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM event_rejects)"
            ).fetchone()
            assert (n_events, n_rejects) == (res.rows_loaded, res.rows_rejected)


_SETTINGS = settings(max_examples=30, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(rows=mutated_rows(ACLED_COLUMNS, lambda i: acled_row(i, dt.date(2023, 10, 17))),
       tail=st.lists(st.text(alphabet=st.sampled_from('ab,"\n1 '), max_size=20), max_size=2))
def test_acled_rows_loaded_or_rejected(rows: list[list[str]], tail: list[str]) -> None:
    _check(ACLED_COLUMNS, rows, tail)


@_SETTINGS
@given(rows=mutated_rows(GED_COLUMNS, lambda i: _ged_row(i, dt.date(2017, 3, 1), False)))
def test_ged_rows_loaded_or_rejected(rows: list[list[str]]) -> None:
    _check(GED_COLUMNS, rows, [])
