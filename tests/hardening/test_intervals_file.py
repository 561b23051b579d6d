"""The interval-count file of ``armednet calibrate --data``: bounded, regular files only,
plausible values (issue 17, item 3)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from armednet.errors import InputError, ValidationFailed
from armednet.events.intervals import load_intervals
from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.hardening.mutants import seed_intervals


def _write(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _issue(path: Path) -> str:
    with pytest.raises(ValidationFailed) as info:
        load_intervals(path)
    (issue,) = info.value.issues
    return str(issue)


def test_seed_table_loads(tmp_path: Path) -> None:
    data = load_intervals(_write(tmp_path / "i.csv", seed_intervals()))
    assert len(data) == 5 and data.attacks.tolist() == [0, 3, 6, 9, 12]


@pytest.mark.parametrize("column,value,expected", [
    ("days", "inf", "days: expected a whole number of days, got 'inf'"),
    ("days", "nan", "days: expected a whole number of days"),
    ("interval_end_inclusive", "9999-12-31", "9999-12-31 is outside the plausible range"),
    ("first_day", "0001-01-01", "0001-01-01 is outside the plausible range"),
    ("attacks", "1e20", "1e+20 attacks in 7 day(s) is more than the plausible 1,000 a day"),
    ("attacks", "inf", "attacks: expected a non-negative integer, got 'inf'"),
    ("attacks", "-3", "attacks: expected a non-negative integer"),
    ("attacks", "2.5", "attacks: expected a non-negative integer"),
])
def test_impossible_values_are_refused_with_line_and_column(
        tmp_path: Path, column: str, value: str, expected: str) -> None:
    rows = seed_intervals()
    rows[2][rows[0].index(column)] = value
    message = _issue(_write(tmp_path / "i.csv", rows))
    assert f"i.csv:3: {column}: " in message and expected in message


def test_a_huge_cell_is_refused_by_line_length(tmp_path: Path) -> None:
    rows = seed_intervals()
    rows[1][-1] = "x" * 140_000
    with pytest.raises(InputError, match=r"i\.csv:2: a line of 140,\d{3} characters"):
        load_intervals(_write(tmp_path / "i.csv", rows))


def test_a_huge_quoted_cell_over_many_lines_is_a_csv_error(tmp_path: Path) -> None:
    path = tmp_path / "i.csv"
    big = "\n".join(["y" * 1000] * 140)
    path.write_text(f"{','.join(seed_intervals()[0])}\n2023-10-17,2023-10-23,7,1,\"{big}\"\n")
    assert "not readable as CSV (field larger than field limit" in _issue(path)


def test_devices_pipes_and_folders_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_intervals("/dev/zero")
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        load_intervals(fifo)  # opened without waiting for a writer
    with pytest.raises(InputError, match="is a folder"):
        load_intervals(tmp_path)


def test_repeated_column_names_are_refused(tmp_path: Path) -> None:
    rows = seed_intervals()
    rows[0][-1] = "attacks"
    assert "column(s) named twice: 'attacks'" in _issue(_write(tmp_path / "i.csv", rows))


def test_cli_calibrate_refuses_dev_zero_and_impossible_rows(tmp_path: Path) -> None:
    proc = run_cli("calibrate", "--data", "/dev/zero", "--db", str(tmp_path / "c.duckdb"))
    assert_clean_usage_error(proc)
    assert "/dev/zero: not a regular file" in proc.stderr
    rows = seed_intervals()
    rows[1][2] = "inf"
    rows[2][1] = "9999-12-31"
    rows[3][3] = "1e20"
    data = _write(tmp_path / "i.csv", rows)
    proc = run_cli("calibrate", "--data", str(data), "--db", str(tmp_path / "c.duckdb"))
    assert_clean_usage_error(proc)
    assert "error: 3 problem(s) found" in proc.stderr
    assert not (tmp_path / "c.duckdb").exists()
