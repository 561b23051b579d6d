"""End-to-end tests of ``armednet events`` (the real command, in a subprocess)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.events.fakes import write_acled, write_acled_json, write_csv, write_ged


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2, no traceback, and exactly one ``error:`` line naming what was expected."""
    assert_clean_usage_error(proc)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def test_import_prints_the_balance_and_reimport_adds_nothing(tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv")
    db = tmp_path / "s.duckdb"
    proc = run_cli("events", "import", str(fake.path), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert (f"{fake.path} (acled): read {fake.read} = loaded {fake.loaded} + rejected "
            f"{fake.rejected}") in proc.stdout
    again = run_cli("events", "import", str(fake.path), "--db", str(db))
    assert again.returncode == 0 and "already imported" in again.stdout
    log = json.loads(run_cli("events", "rejects", "--db", str(db), "--json").stdout)
    assert log["total"] == fake.rejected and len(log["imports"]) == 1


def test_import_several_files_json(tmp_path: Path) -> None:
    a = write_acled(tmp_path / "a.csv", classic=False)
    g = write_ged(tmp_path / "g.csv", hdx=True)
    db = tmp_path / "s.duckdb"
    proc = run_cli("events", "import", str(a.path), str(g.path), "--db", str(db), "--json")
    assert proc.returncode == 0, proc.stderr
    files = json.loads(proc.stdout)["files"]
    assert [(f["format"], f["rows_read"], f["rows_loaded"]) for f in files] == [
        ("acled-api", a.read, a.loaded), ("ucdp-ged-hdx", g.read, g.loaded)]
    text = run_cli("events", "import", str(write_acled_json(tmp_path / "j.json").path),
                   str(write_acled(tmp_path / "b.csv", id_offset=500).path), "--db", str(db))
    assert text.returncode == 0 and "total: read" in text.stdout


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["no-such-file.csv"], ["no-such-file.csv", "no such file"]),
        (["{acled}", "--format", "acled2"], ["unknown format 'acled2'", "acled-weekly"]),
        (["{acled}", "--format", "ucdp-ged"], ["{acled}", "needs column(s) id"]),
        (["{acled}", "--format", "acled-api-json"], ["{acled}", "expects JSON"]),
        (["{other}"], ["{other}", "unknown event-file layout", "event_id_cnty"]),
        (["{broken}"], ["{broken}", "invalid JSON"]),
        (["{acled}", "{broken}"], ["{broken}", "invalid JSON"]),
        (["{dir}"], ["is a directory"]),
    ],
)
def test_import_errors(tmp_path: Path, args: list[str], needles: list[str]) -> None:
    files = {"acled": write_acled(tmp_path / "a.csv").path,
             "other": write_csv(tmp_path / "other.csv", ["x", "y"], [["1", "2"]]),
             "broken": tmp_path / "broken.json", "dir": tmp_path}
    files["broken"].write_text('{"data": [{"event_id_cnty": "X1"}')
    db = tmp_path / "new.duckdb"
    proc = run_cli("events", "import", *[a.format(**files) for a in args], "--db", str(db))
    _one_line_error(proc, *[n.format(**files) for n in needles])
    assert not db.exists() and not Path(str(db) + ".wal").exists()  # nothing half-written


def test_corrupt_and_directory_databases(tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv")
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database\n" * 100)
    _one_line_error(run_cli("events", "import", str(fake.path), "--db", str(corrupt)),
                    str(corrupt), "cannot open the database")
    assert corrupt.read_bytes() == b"this is not a database\n" * 100
    _one_line_error(run_cli("events", "import", str(fake.path), "--db", str(tmp_path)),
                    str(tmp_path), "is a directory")
    _one_line_error(run_cli("events", "series", "--db", str(tmp_path / "none.duckdb")),
                    "no such database")


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[Path]:
    """A store held open for writing by another process until the test ends."""
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
    yield db
    assert holder.stdin is not None
    holder.stdin.close()
    holder.wait(timeout=60)


def test_locked_database(locked_db: Path, tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv")
    _one_line_error(run_cli("events", "import", str(fake.path), "--db", str(locked_db)),
                    str(locked_db), "cannot open the database", "lock")


def test_match_series_and_rejects(tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", n=42, start=dt.date(2023, 10, 16))  # 3 weeks
    db = tmp_path / "s.duckdb"
    assert run_cli("events", "import", str(fake.path), "--db", str(db)).returncode == 0
    _one_line_error(run_cli("events", "series", "--db", str(db), "--by", "actor"),
                    "events match")
    proc = run_cli("events", "match", "--db", str(db), "--json", "--generic")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["scenario"] == "iraq-2024" and summary["counts"]["matched"] >= 3
    assert {g["actor"] for g in summary["generic"]} >= {"Militia (Pro-Iran)"}
    out = tmp_path / "ff.csv"
    proc = run_cli("events", "series", "--db", str(db), "--foreign-forces", "--start",
                   "2023-10-02", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    lines = out.read_text().splitlines()
    assert lines[:3] == ["week,attacks_on_foreign_forces", "2023-10-02,", "2023-10-09,"]
    assert lines[3].startswith("2023-10-16,") and len(lines) == 6
    proc = run_cli("events", "series", "--db", str(db), "--foreign-forces", "--start",
                   "2023-10-02", "--json")
    attacks = json.loads(proc.stdout)["series"]["attacks_on_foreign_forces"]
    assert attacks[:2] == [None, None] and all(isinstance(v, int) for v in attacks[2:])
    proc = run_cli("events", "series", "--db", str(db), "--by", "type", "--type", "Battles",
                   "--json")
    assert list(json.loads(proc.stdout)["series"]) == ["Battles"]
    proc = run_cli("events", "rejects", "--db", str(db), "--limit", "3")
    assert proc.returncode == 0 and "8 rejected records (showing 3)" in proc.stdout
    _one_line_error(run_cli("events", "series", "--db", str(db), "--start", "tomorrow"),
                    "--start: expected a date")
