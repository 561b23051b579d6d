"""Issue 17, item 5 and the importers' part of item 3: codes outside the ACLED and UCDP
codebooks are rejected with a reason (or flagged, where UCDP's own releases carry them) and
counted in the import summary; every event file read is a bounded regular file.

Fixtures are generated (``tests.events.fakes``); no real data is copied.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from armednet.errors import InputError
from armednet.events import formats
from armednet.events.formats import bounded_lines, check_event_file, detect_format
from armednet.events.store import import_file, imports, open_store
from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.events.fakes import ACLED_COLUMNS, GED_COLUMNS, acled_row, ged_row, write_csv

_DAY = dt.date(2024, 1, 5)

ACLED_BAD = {
    "inter1 = 99": {"inter1": "99"},
    "inter2 = Aliens": {"inter2": "Aliens"},
    "interaction = 99": {"interaction": "99"},
    "time_precision = 7": {"time_precision": "7"},
    "geo_precision = -1": {"geo_precision": "-1"},
    "geo_precision = 0": {"geo_precision": "0"},
    "geo_precision = 2147483648": {"geo_precision": "2147483648"},  # past a 32-bit integer
}
"""ACLED patches, by the part of the reject reason that names the value."""


def _acled(tmp: Path, classic: bool = True) -> tuple[Path, int]:
    rows = [acled_row(i, _DAY, classic) for i in range(4)]
    for k, patch in enumerate(ACLED_BAD.values()):
        row = acled_row(100 + k, _DAY, classic)
        row.update(patch)
        rows.append(row)
    wrong_year = acled_row(200, _DAY, classic)
    wrong_year["year"] = "2023"
    rows.append(wrong_year)
    path = write_csv(tmp / f"acled-{classic}.csv", ACLED_COLUMNS,
                     [[r[c] for c in ACLED_COLUMNS] for r in rows])
    return path, 4


def _reasons(con: object) -> list[str]:
    return [str(r[0]) for r in con.execute(  # type: ignore[attr-defined]
        "SELECT reason FROM event_rejects ORDER BY source_row").fetchall()]


@pytest.mark.parametrize("classic", [True, False])
def test_acled_codes_outside_the_codebook_are_rejected(tmp_path: Path, classic: bool) -> None:
    path, good = _acled(tmp_path, classic)
    with open_store(":memory:") as con:
        res = import_file(con, path)
        reasons = _reasons(con)
    assert (res.rows_read, res.rows_loaded) == (good + len(ACLED_BAD) + 1, good)
    for needle, reason in zip(ACLED_BAD, reasons, strict=False):
        assert reason.startswith(f"outside the codebook: {needle} ("), reason
    assert reasons[-1] == "year contradicts the date: 2023, date 2024-01-05"
    assert res.reasons == {"outside the codebook": len(ACLED_BAD),
                           "year contradicts the date": 1}
    assert "outside the codebook: 7; year contradicts the date: 1" in res.summary()


def test_acled_json_numbers_are_checked_like_text(tmp_path: Path) -> None:
    records: list[dict[str, object]] = []
    for i, (key, value) in enumerate([("inter1", 99), ("time_precision", 7),
                                      ("geo_precision", -2), ("year", 1999),
                                      ("inter1", 3), ("geo_precision", 2.0)]):
        rec: dict[str, object] = dict(acled_row(i, _DAY, classic=False))
        rec[key] = value
        records.append(rec)
    path = tmp_path / "api.json"
    path.write_text(json.dumps({"status": 200, "data": records}), encoding="utf-8")
    with open_store(":memory:") as con:
        res = import_file(con, path)
        types = con.execute("SELECT actor1_type FROM events ORDER BY source_row").fetchall()
    assert (res.rows_loaded, res.rows_rejected) == (2, 4)
    assert types == [("Political militia",), ("Political militia",)]


def _ged(tmp: Path) -> Path:
    rows = [ged_row(i, _DAY) for i in range(3)]
    patches: list[dict[str, str]] = [
        {"where_prec": "9"}, {"date_prec": "0"}, {"type_of_violence": "4"},
        {"event_clarity": "3"}, {"deaths_a": "-3"}, {"deaths_civilians": "2.5"},
        {"year": "2023"},
        # kept: -1 is UCDP's unknown; best outside [low, high] is in UCDP's own releases
        {"deaths_b": "-1"}, {"best": "5", "low": "7", "high": "9"},
        {"best": "5", "low": "1", "high": "4"}, {"best": "5", "low": "6", "high": "4"},
    ]
    for k, patch in enumerate(patches):
        row = ged_row(300 + k, _DAY)
        row.update(patch)
        rows.append(row)
    return write_csv(tmp / "ged.csv", GED_COLUMNS, [[r[c] for c in GED_COLUMNS] for r in rows])


def test_ged_codes_rejected_and_inconsistent_estimates_flagged(tmp_path: Path) -> None:
    with open_store(":memory:") as con:
        res = import_file(con, _ged(tmp_path))
        reasons = _reasons(con)
        flags = con.execute("SELECT flags FROM events WHERE flags IS NOT NULL "
                            "ORDER BY source_row").fetchall()
        unknown = con.execute("SELECT count(*) FROM events WHERE event_id = '500307'"
                              ).fetchall()
    assert [r.split(" (")[0] for r in reasons[:4]] == [
        "outside the codebook: where_prec = 9", "outside the codebook: date_prec = 0",
        "outside the codebook: type_of_violence = 4", "outside the codebook: event_clarity = 3"]
    assert reasons[4:] == ["bad count: negative", "bad count: not a whole number",
                           "year contradicts the date: 2023, date 2024-01-05"]
    assert unknown == [(1,)]
    assert flags == [("best below low",), ("best above high",),
                     ("best below low; best above high",)]
    assert (res.rows_loaded, res.rows_rejected, res.rows_flagged) == (7, 7, 3)
    assert res.flags == {"best below low": 2, "best above high": 2}
    assert res.summary().endswith(
        "; flagged 3 of the loaded (best below low: 2; best above high: 2)")


def test_cli_summary_counts_rejects_and_flags(tmp_path: Path) -> None:
    acled, _ = _acled(tmp_path)
    ged = _ged(tmp_path)
    db = tmp_path / "s.duckdb"
    proc = run_cli("events", "import", str(acled), str(ged), "--db", str(db))
    assert proc.returncode == 0, proc.stderr
    assert "rejected 8 (outside the codebook: 7; year contradicts the date: 1)" in proc.stdout
    assert "flagged 3 of the loaded (best below low: 2; best above high: 2)" in proc.stdout
    assert "total: read 26 = loaded 11 + rejected 15; flagged 3 (2 files)" in proc.stdout
    log = json.loads(run_cli("events", "rejects", "--db", str(db), "--json").stdout)
    assert [i["rows_flagged"] for i in log["imports"]] == [0, 3]
    again = json.loads(run_cli("events", "import", str(ged), "--db", str(db), "--json").stdout)
    assert again["files"][0]["already_imported"] and again["files"][0]["rows_flagged"] == 3


def test_a_store_made_before_flags_gains_them(tmp_path: Path) -> None:
    db = tmp_path / "old.duckdb"
    with open_store(db) as con:
        con.execute("ALTER TABLE events DROP COLUMN flags; "
                    "ALTER TABLE event_imports DROP COLUMN rows_flagged")
    with open_store(db, read_only=True) as con:
        assert imports(con) == []
    with open_store(db) as con:
        assert import_file(con, _ged(tmp_path)).rows_flagged == 3


# --- bounded, regular files only ------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_is_refused_without_opening_it(tmp_path: Path) -> None:
    fifo = tmp_path / "events.csv"
    os.mkfifo(fifo)  # opening it would wait for a writer forever
    with pytest.raises(InputError, match=r"is a named pipe \(FIFO\), not a regular file"):
        detect_format(fifo)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this platform")
def test_a_device_is_refused_with_exit_2(tmp_path: Path) -> None:
    proc = run_cli("events", "import", "/dev/zero", "--db", str(tmp_path / "s.duckdb"),
                   timeout=60)
    assert_clean_usage_error(proc)
    assert proc.stderr.strip() == ("error: /dev/zero: is a character device, not a regular "
                                   "file; expected an ACLED or UCDP event file")
    assert not (tmp_path / "s.duckdb").exists()


def test_a_directory_and_an_oversized_json_are_refused(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="is a directory"):
        check_event_file(tmp_path)
    path = tmp_path / "big.json"
    path.write_text(json.dumps([acled_row(i, _DAY, classic=False) for i in range(50)]))
    monkeypatch.setattr(formats, "MAX_JSON_BYTES", 1000)
    with pytest.raises(InputError, match=r"more than the limit of 1,000 bytes for a JSON"):
        detect_format(path)


def test_a_line_beyond_the_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("a,b\n" + "x" * 100 + "\nshort\n", newline="")
    with path.open(newline="") as fh:
        lines = bounded_lines(fh, path, limit=10)
        assert next(lines) == "a,b\n"
        with pytest.raises(InputError, match="line 2 is longer than 10 characters"):
            next(lines)


def test_a_record_longer_than_eight_mib_leaves_the_store_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(ACLED_COLUMNS) + "\n")
        fh.write("x" * (formats.MAX_LINE_CHARS + 10) + "\n")
    with open_store(":memory:") as con:
        with pytest.raises(InputError, match="line 2 is longer than 8,388,608 characters"):
            import_file(con, path)
        assert con.execute("SELECT count(*) FROM event_imports").fetchall() == [(0,)]


@pytest.mark.parametrize(("text", "said"), [
    ("[" * 100_000, "nested too deeply"),
    ('[{"event_id_cnty": ' + "9" * 5000 + "}]", "a number with more than 4,300 digits"),
])
def test_hostile_json_is_a_clean_error(tmp_path: Path, text: str, said: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(InputError, match=said):
        detect_format(path)
