"""Dated counting statements: the real Red Sea file (when the shared folder is there), every
error on a constructed file, and properties on generated files (valid rows load and round-trip
through ``to_frame``; a broken cell is reported with its line and column)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.errors import InputError, UnreadableFile, ValidationFailed
from armednet.events.statements import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Statement,
    StatementSet,
    load_statements,
)
from armednet.validation.claims_data import shared_data_dir

REAL = shared_data_dir()
needs_real = pytest.mark.skipif(REAL is None, reason="shared data folder absent")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
HEADER = ",".join(REQUIRED_COLUMNS)

_SETTINGS = settings(max_examples=int(os.environ.get("ARMEDNET_EVENTS_EXAMPLES", "25")),
                     deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "statements.csv"
    path.write_text("\n".join((header, *rows)) + "\n", encoding="utf-8")
    return path


def _issues(path: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as err:
        load_statements(path)
    return [str(i) for i in err.value.issues]


# --- the real file ---------------------------------------------------------------------------

@needs_real
def test_real_red_sea_statements() -> None:
    assert REAL is not None
    s = load_statements(REAL / "episodes" / "houthi-red-sea" / "cumulative.csv")
    assert len(s) == 8
    assert s.series_ids() == ("US_WH_DOD", "SANAA_CENTER", "HOUTHI_CLAIM",
                              "HOUTHI_CLAIM_WEEKLY")
    (sanaa,) = s.select("SANAA_CENTER").statements
    assert (sanaa.period_start, sanaa.day) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    assert (sanaa.value_type, sanaa.value, sanaa.bound, sanaa.line) == (
        "period_total", 34, "exact", 5)
    us = s.select("US_WH_DOD").statements
    assert [x.bound for x in us] == ["exact", "at_least", "at_least"]
    assert [x.approx for x in us] == [False, True, False]
    assert {x.bound for x in s.select(["HOUTHI_CLAIM", "HOUTHI_CLAIM_WEEKLY"])} == {"claimed"}
    assert len(s.until(dt.date(2024, 2, 29))) == 3
    frame = s.to_frame()
    assert list(frame["line"]) == list(range(2, 10))


# --- the set's methods -----------------------------------------------------------------------

def _stmt(series: str, day: dt.date, value: int, line: int) -> Statement:
    return Statement(series, "cumulative", day, dt.date(2024, 1, 1), value, "exact", False,
                     "attacks", "someone", "https://example.org", line)


def test_select_until_len_and_frame() -> None:
    s = StatementSet("x.csv", (_stmt("A", dt.date(2024, 1, 10), 3, 2),
                               _stmt("B", dt.date(2024, 1, 20), 5, 3),
                               _stmt("A", dt.date(2024, 2, 1), 9, 4)))
    assert len(s) == 3 and s.series_ids() == ("A", "B")
    assert [x.line for x in s.select("A")] == [2, 4]
    assert [x.line for x in s.select(["B", "A"])] == [2, 3, 4]
    assert [x.line for x in s.until(dt.date(2024, 1, 20))] == [2, 3]
    assert len(s.until(dt.date(2023, 12, 31))) == 0
    assert s.statements[0].days == 10
    frame = s.to_frame()
    assert frame.shape == (3, 11) and list(frame["value"]) == [3, 5, 9]
    with pytest.raises(InputError, match="no series C; the series are A, B"):
        s.select(["C"])


# --- every error, with its line and column ---------------------------------------------------

GOOD = "GOV,cumulative,2024-01-11,27,exact,2023-11-19"


@pytest.mark.parametrize(("row", "column", "expected"), [
    ("GOV,daily,2024-01-11,27,exact,2023-11-19", "value_type", "expected one of cumulative"),
    ("GOV,cumulative,2024-01-11,27,about,2023-11-19", "bound", "expected one of exact"),
    ("GOV,cumulative,11/01/2024,27,exact,2023-11-19", "statement_date", "YYYY-MM-DD"),
    ("GOV,cumulative,2024-02-30,27,exact,2023-11-19", "statement_date", "YYYY-MM-DD"),
    ("GOV,cumulative,20240111,27,exact,2023-11-19", "statement_date", "YYYY-MM-DD"),
    ("GOV,cumulative,2024-01-11,27,exact,", "period_start", "YYYY-MM-DD"),
    ("GOV,cumulative,1850-01-11,27,exact,1850-01-01", "statement_date", "plausible range"),
    ("GOV,cumulative,2024-01-11,27,exact,2024-01-12", "period_start", "is after the statement"),
    ("GOV,cumulative,2024-01-11,-3,exact,2023-11-19", "cumulative_attacks", "expected a count"),
    ("GOV,cumulative,2024-01-11,2.5,exact,2023-11-19", "cumulative_attacks", "expected a count"),
    ("GOV,cumulative,2024-01-11,many,exact,2023-11-19", "cumulative_attacks", "a count"),
    ("GOV,cumulative,2024-01-11,,exact,2023-11-19", "cumulative_attacks", "expected a count"),
    (",cumulative,2024-01-11,27,exact,2023-11-19", "series_id", "name of the series"),
])
def test_bad_cell_names_file_line_and_column(tmp_path: Path, row: str, column: str,
                                             expected: str) -> None:
    path = _write(tmp_path, GOOD, row)
    (issue,) = _issues(path)
    assert issue.startswith(f"{path}:3: {column}:") and expected in issue


def test_every_bad_row_is_reported_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, "GOV,weird,2024-01-11,27,exact,2023-11-19", GOOD,
                  "GOV,cumulative,2024-01-11,x,exact,2023-11-19")
    assert [i.split(" ")[0] for i in _issues(path)] == [f"{path}:2:", f"{path}:4:"]


def test_too_many_or_too_few_cells(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD + ",extra", "GOV,cumulative,2024-01-11")
    assert _issues(path) == [f"{path}:2: 7 cells, but the header names 6 columns",
                             f"{path}:3: 3 cells, but the header names 6 columns"]


def test_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "GOV,cumulative,2024-01-11,27,2023-11-19",
                  header="series_id,value_type,statement_date,cumulative_attacks,period_start")
    (issue,) = _issues(path)
    assert issue.startswith(f"{path}:1:") and "missing column(s) bound" in issue


def test_header_only_and_duplicate_column(tmp_path: Path) -> None:
    assert "at least one statement row" in _issues(_write(tmp_path))[0]
    path = _write(tmp_path, GOOD + ",x", header=HEADER + ",bound")
    assert "column(s) named twice: 'bound'" in _issues(path)[0]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        load_statements(tmp_path / "absent.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        load_statements(tmp_path / "bin.csv")


def test_cumulative_order_is_by_date_not_by_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "GOV,cumulative,2024-03-01,40,exact,2023-11-19", GOOD)
    assert [s.value for s in load_statements(path)] == [40, 27]


def test_decrease_flags_the_later_statement(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, "GOV,cumulative,2024-03-01,20,exact,2023-11-19")
    (issue,) = _issues(path)
    assert issue.startswith(f"{path}:3: cumulative_attacks:")
    assert "exact cumulative count 20 on 2024-03-01 is below the exact 27 on 2024-01-11 " \
           "(line 2)" in issue


def test_what_may_fall(tmp_path: Path) -> None:
    """An at_least or claimed figure below an earlier exact one, a weekly count that falls
    and two series that differ are not errors."""
    path = _write(tmp_path, GOOD,
                  "GOV,cumulative,2024-02-01,20,at_least,2023-11-19",
                  "GOV,cumulative,2024-02-02,21,claimed,2023-11-19",
                  "OTHER,cumulative,2024-02-03,3,exact,2023-11-19",
                  "W,weekly,2024-02-07,9,claimed,2024-02-01",
                  "W,weekly,2024-02-14,2,exact,2024-02-08")
    assert len(load_statements(path)) == 6


def test_one_series_one_value_type(tmp_path: Path) -> None:
    path = _write(tmp_path, GOOD, "GOV,weekly,2024-01-18,5,exact,2024-01-12")
    (issue,) = _issues(path)
    assert issue.startswith(f"{path}:3: value_type:") and "never splice" in issue


def test_optional_columns_and_approx(tmp_path: Path) -> None:
    path = _write(tmp_path, '"GOV","cumulative","2024-01-11","27","exact","2023-11-19",'
                  '"Approx. (on/after)","attacks, on ships","A ""quoted"" body",'
                  '"https://example.org"', header=",".join(COLUMNS))
    (s,) = load_statements(path).statements
    assert (s.approx, s.basis, s.authority, s.source_url) == (
        True, "attacks, on ships", 'A "quoted" body', "https://example.org")
    assert load_statements(_write(tmp_path, GOOD)).statements[0].approx is False


# --- properties on generated files -----------------------------------------------------------

_TEXT = st.text(alphabet=st.sampled_from('ab ,;"\n\'é1'), max_size=12)
_DAY = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 12, 31))
_TYPES = {"A": "cumulative", "B": "period_total", "C": "weekly"}


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 8))):
        series = draw(st.sampled_from(sorted(_TYPES)))
        day = draw(_DAY)
        rows.append({
            "series_id": series, "value_type": _TYPES[series], "statement_date": day,
            "cumulative_attacks": draw(st.integers(0, 500)),
            "bound": draw(st.sampled_from(["exact", "at_least", "claimed"])),
            "period_start": day - dt.timedelta(days=draw(st.integers(0, 400))),
            "date_precision": draw(st.one_of(_TEXT, st.sampled_from(["approx", "APPROX x"]))),
            "count_basis": draw(_TEXT), "counting_authority": draw(_TEXT),
            "source_url": draw(_TEXT)})
    # an exact cumulative count never falls: take the running maximum over time
    exact = sorted((i for i, r in enumerate(rows) if r["series_id"] == "A"
                    and r["bound"] == "exact"), key=lambda i: (rows[i]["statement_date"], i))
    top = 0
    for i in exact:
        top = max(top, int(rows[i]["cumulative_attacks"]))
        rows[i]["cumulative_attacks"] = top
    return rows


def _write_rows(path: Path, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Write the rows as CSV; the line each row starts on."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    lines = []
    for r in rows:
        lines.append(out.getvalue().count("\n") + 1)
        writer.writerow([str(r[c]) for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")
    return lines


@_SETTINGS
@given(_rows())
def test_valid_rows_load_and_round_trip(rows: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.csv"
        lines = _write_rows(path, rows)
        s = load_statements(path)
    frame = s.to_frame()
    assert len(s) == len(rows) == len(frame)
    assert list(frame["line"]) == lines
    assert list(frame["series_id"]) == [r["series_id"] for r in rows]
    assert list(frame["value_type"]) == [r["value_type"] for r in rows]
    assert list(frame["day"]) == [r["statement_date"] for r in rows]
    assert list(frame["period_start"]) == [r["period_start"] for r in rows]
    assert list(frame["value"]) == [r["cumulative_attacks"] for r in rows]
    assert list(frame["bound"]) == [r["bound"] for r in rows]
    assert list(frame["approx"]) == ["approx" in r["date_precision"].lower() for r in rows]
    assert list(frame["basis"]) == [r["count_basis"].strip() for r in rows]
    assert list(frame["authority"]) == [r["counting_authority"].strip() for r in rows]
    assert list(frame["source_url"]) == [r["source_url"].strip() for r in rows]


_MUTATIONS = [("value_type", "daily"), ("bound", "roughly"), ("statement_date", "2024-13-01"),
              ("statement_date", "yesterday"), ("period_start", "2024/01/01"),
              ("cumulative_attacks", "-3"), ("cumulative_attacks", "2.5"),
              ("cumulative_attacks", ""), ("series_id", " "), ("period_start", "after")]


@_SETTINGS
@given(_rows(), st.data())
def test_a_broken_cell_names_its_line_and_column(rows: list[dict[str, Any]],
                                                 data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(rows) - 1))
    column, bad = data.draw(st.sampled_from(_MUTATIONS))
    if bad == "after":  # a window that ends before it starts
        bad = str(rows[i]["statement_date"] + dt.timedelta(days=1))
    rows[i] = {**rows[i], column: bad}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.csv"
        lines = _write_rows(path, rows)
        with pytest.raises(ValidationFailed) as err:
            load_statements(path)
    (issue,) = err.value.issues
    assert (issue.file, issue.line, issue.path) == (str(path), lines[i], column)
    assert str(issue).startswith(f"{path}:{lines[i]}: {column}: ")
