"""Importing generated files of every layout: counts, rejects, idempotence, transactions."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from armednet.errors import InputError
from armednet.events.store import import_file, import_files, open_store, rejects
from tests.events.fakes import (
    Fake,
    write_acled,
    write_acled_json,
    write_acled_weekly,
    write_csv,
    write_ged,
)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = open_store(tmp_path / "store.duckdb")
    yield c
    c.close()


WRITERS: dict[str, Callable[[Path], Fake]] = {
    "acled": lambda p: write_acled(p, classic=True),
    "acled-api": lambda p: write_acled(p, classic=False),
    "acled-api-json": write_acled_json,
    "acled-weekly": write_acled_weekly,
    "ucdp-ged": lambda p: write_ged(p, hdx=False),
    "ucdp-ged-hdx": lambda p: write_ged(p, hdx=True),
}


def _reason_groups(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0].split(":")[0] for r in con.execute("SELECT reason FROM event_rejects").fetchall()}


@pytest.mark.parametrize("name", list(WRITERS))
def test_import_counts_add_up_and_reasons_recorded(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str
) -> None:
    fake = WRITERS[name](tmp_path / "f.data")
    res = import_file(con, fake.path)
    assert res.format == name
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (
        fake.read, fake.loaded, fake.rejected)
    assert res.rows_read == res.rows_loaded + res.rows_rejected
    assert con.execute("SELECT count(*) FROM events").fetchone() == (fake.loaded,)
    assert _reason_groups(con) == fake.reasons
    assert set(res.reasons) == fake.reasons
    logged = con.execute(
        "SELECT rows_read, rows_loaded, rows_rejected, format FROM event_imports").fetchall()
    assert logged == [(fake.read, fake.loaded, fake.rejected, name)]


def test_acled_classic_normalised(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", classic=True, bad=False)
    import_file(con, fake.path)
    row = con.execute(
        "SELECT event_id, dataset, event_date, date_precision, actor1, actor1_type, actor2, "
        "actor2_type, interaction, latitude, fatalities_best, fatalities_low, event_count, "
        "source_row FROM events ORDER BY source_row LIMIT 1").fetchone()
    assert row == ("IRQ1000", "acled", dt.date(2023, 10, 17), "day",
                   "Islamic Resistance in Iraq", "Political militia",
                   "Military Forces of the United States (2021-)", "External/Other forces",
                   "Political militia-External/Other forces", 33.8, 0, None, 1, 1)


def test_classic_and_api_csv_give_the_same_events(tmp_path: Path) -> None:
    a = write_acled(tmp_path / "classic.csv", classic=True, bad=False)
    b = write_acled(tmp_path / "api.csv", classic=False, bad=False)
    cols = ("event_id, event_date, actor1, actor1_type, actor2, actor2_type, interaction, "
            "latitude, fatalities_best, civilian_targeting")
    out = []
    for i, fake in enumerate((a, b)):
        with open_store(tmp_path / f"s{i}.duckdb") as c:
            import_file(c, fake.path)
            out.append(c.execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall())
    assert out[0] == out[1]


def test_ged_counts_and_multi_valued_sides(con: duckdb.DuckDBPyConnection,
                                          tmp_path: Path) -> None:
    import_file(con, write_ged(tmp_path / "g.csv", bad=False).path)
    rows = con.execute(
        "SELECT event_id, actor2, assoc_actor2, actor2_type, event_type, fatalities_low, "
        "fatalities_best, source FROM events WHERE event_id IN ('500001', '500003', '500007') "
        "ORDER BY event_id").fetchall()
    assert rows[0][:5] == ("500001", "IS", None, "Non-state group", "State-based conflict")
    assert rows[1][1:3] == ("IS", "Kataib Hizballah")
    assert rows[2][5] is None and rows[2][6] == 2  # low = -1 -> unknown
    assert rows[0][7] == "Agence France Presse;Reuters"
    civ = con.execute("SELECT actor2_type, civilian_targeting, event_type FROM events "
                      "WHERE event_id = '500000'").fetchone()
    assert civ == ("Civilians", True, "One-sided violence")


def test_hdx_tag_row_is_not_an_event(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    res = import_file(con, write_ged(tmp_path / "h.csv", hdx=True, bad=False).path)
    assert res.rows_read == 20 and res.rows_rejected == 0
    assert con.execute("SELECT min(source_row) FROM events").fetchone() == (1,)


def test_weekly_rows_keep_their_event_counts(con: duckdb.DuckDBPyConnection,
                                             tmp_path: Path) -> None:
    import_file(con, write_acled_weekly(tmp_path / "w.csv", bad=False).path)
    total, first, span = con.execute(
        "SELECT sum(event_count), min(event_date), max(date_end - event_date) FROM events"
    ).fetchone()
    assert total == 2 * sum(1 + w for w in range(6))
    assert first == dt.date(2023, 10, 14) and span == 6


def test_reimport_same_file_adds_nothing(con: duckdb.DuckDBPyConnection,
                                         tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv")
    first = import_file(con, fake.path)
    before = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM "
                         "event_rejects), (SELECT count(*) FROM event_imports)").fetchone()
    again = import_file(con, fake.path)
    after = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM "
                        "event_rejects), (SELECT count(*) FROM event_imports)").fetchone()
    assert again.already_imported and before == after
    assert (again.rows_read, again.rows_loaded) == (first.rows_read, first.rows_loaded)
    assert "already imported" in again.summary()


def test_same_events_in_another_file_are_duplicates(con: duckdb.DuckDBPyConnection,
                                                    tmp_path: Path) -> None:
    import_file(con, write_acled(tmp_path / "a.csv", classic=False, bad=False).path)
    res = import_file(con, write_acled_json(tmp_path / "a.json", bad=False).path)
    assert res.rows_read == 24 and res.rows_loaded == 0 and res.rows_rejected == 24
    assert res.reasons == {"duplicate event id": 24}
    assert con.execute("SELECT count(*) FROM events").fetchone() == (24,)


def test_new_events_after_overlap_are_loaded(con: duckdb.DuckDBPyConnection,
                                             tmp_path: Path) -> None:
    import_file(con, write_acled(tmp_path / "a.csv", n=10, bad=False).path)
    res = import_file(con, write_acled(tmp_path / "b.csv", n=10, bad=False, id_offset=5).path)
    assert (res.rows_loaded, res.rows_rejected) == (5, 5)


def test_failed_import_leaves_db_unchanged(con: duckdb.DuckDBPyConnection,
                                           tmp_path: Path) -> None:
    import_file(con, write_acled(tmp_path / "a.csv").path)
    snapshot = con.execute("SELECT count(*) FROM events").fetchone()
    bad = tmp_path / "bad.json"
    bad.write_text('{"data": [{"event_id_cnty": "X1", "event_date": "2024-01-01"}, ')
    with pytest.raises(InputError, match="invalid JSON"):
        import_file(con, bad)
    assert con.execute("SELECT count(*) FROM events").fetchone() == snapshot
    assert con.execute("SELECT count(*) FROM event_imports").fetchone() == (1,)


def test_error_mid_import_rolls_back(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import armednet.events.store as store

    def boom() -> str:
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(store, "_version", boom)
    with pytest.raises(RuntimeError):
        import_file(con, write_acled(tmp_path / "a.csv").path)
    counts = con.execute("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM "
                         "event_rejects), (SELECT count(*) FROM event_imports)").fetchone()
    assert counts == (0, 0, 0)


def test_import_files_checks_every_file_first(tmp_path: Path) -> None:
    good = write_acled(tmp_path / "a.csv").path
    bad = write_csv(tmp_path / "x.csv", ["a", "b"], [["1", "2"]])
    db = tmp_path / "new.duckdb"
    with pytest.raises(InputError, match="unknown event-file layout"):
        import_files(db, [good, bad])
    assert not db.exists()


def test_rejects_listing(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    import_file(con, write_acled(tmp_path / "a.csv").path)
    rows = rejects(con, limit=None)
    assert len(rows) == 8
    malformed = [r for r in rows if r["reason"].startswith("malformed")]
    assert malformed[0]["row"] == 32 and malformed[0]["line"] == 33
    assert "IRQ99999" in malformed[0]["raw"]
    bad_date = next(r for r in rows if r["reason"].startswith("bad date"))
    raw = json.loads(bad_date["raw"])
    assert raw["event_date"] == "31 Smarch 2024" and "_row" not in raw
    assert bad_date["row"] == 26


def test_json_bare_list_and_missing_keys(con: duckdb.DuckDBPyConnection,
                                         tmp_path: Path) -> None:
    res = import_file(con, write_acled_json(tmp_path / "l.json", wrapped=False).path)
    assert res.rows_loaded == 24
    other = tmp_path / "other.json"
    other.write_text('{"data": [{"foo": 1}]}')
    with pytest.raises(InputError, match="event_id_cnty"):
        import_file(con, other)
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"rows": []}')
    with pytest.raises(InputError, match="without a 'data' list"):
        import_file(con, wrong)


def test_crlf_and_quoted_newlines(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", n=6, bad=False)
    text = fake.path.read_text().replace("targeted the base.", "targeted\nthe base.")
    fake.path.write_bytes(text.replace("\n", "\r\n").encode())
    res = import_file(con, fake.path)
    assert (res.rows_read, res.rows_loaded) == (6, 6)
    note = con.execute("SELECT notes FROM events LIMIT 1").fetchone()
    assert note is not None and "targeted" in note[0]


def test_non_utf8_bytes_are_rejected_not_fatal(con: duckdb.DuckDBPyConnection,
                                               tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", n=4, bad=False)
    with fake.path.open("ab") as fh:
        fh.write(b"IRQ5,\xff\xfe bad bytes" + b",x" * 29 + b"\n")
    res = import_file(con, fake.path)
    assert res.rows_read == res.rows_loaded + res.rows_rejected
    assert res.rows_loaded == 4 and res.rows_rejected == 1


def test_read_only_open_of_missing_db(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such database"):
        open_store(tmp_path / "none.duckdb", read_only=True)


def _rows(fake: Fake) -> list[str]:
    return fake.path.read_text(encoding="utf-8").splitlines(keepends=True)


def test_malformed_records_keep_file_numbering(con: duckdb.DuckDBPyConnection,
                                               tmp_path: Path) -> None:
    """A malformed record in the middle: later records keep their numbers in the file."""
    fake = write_acled(tmp_path / "a.csv", n=6, bad=False)
    lines = _rows(fake)
    lines.insert(3, "IRQ77,only,four,fields\n")  # becomes record 3 (line 4)
    fake.path.write_text("".join(lines), encoding="utf-8")
    res = import_file(con, fake.path)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (7, 6, 1)
    (bad,) = rejects(con, limit=None)
    assert (bad["row"], bad["line"]) == (3, 4)
    assert bad["reason"] == "malformed CSV record: expected 31 fields, found 4"
    assert bad["raw"] == "IRQ77,only,four,fields\n"
    ids = con.execute("SELECT source_row, event_id FROM events ORDER BY 1").fetchall()
    assert ids == [(1, "IRQ1000"), (2, "IRQ1001"), (4, "IRQ1002"), (5, "IRQ1003"),
                   (6, "IRQ1004"), (7, "IRQ1005")]


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        ('IRQ5,"unterminated,', "unterminated quoted field"),
        ('IRQ5,"closed"then text' + ",x" * 29, "text after a closing quote"),
    ],
)
def test_broken_quoting_is_rejected(con: duckdb.DuckDBPyConnection, tmp_path: Path,
                                    tail: str, reason: str) -> None:
    fake = write_acled(tmp_path / "a.csv", n=5, bad=False)
    with fake.path.open("a", encoding="utf-8") as fh:
        fh.write(tail + "\n")
    res = import_file(con, fake.path)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (6, 5, 1)
    (bad,) = rejects(con, limit=None)
    assert bad["reason"] == f"malformed CSV record: {reason}"
    assert bad["row"] == 6 and bad["line"] == 7 and bad["raw"].startswith("IRQ5,")


def test_bare_carriage_returns_end_records(con: duckdb.DuckDBPyConnection,
                                           tmp_path: Path) -> None:
    """Mixed line endings (DuckDB's reader gives up on them): every record still counted."""
    fake = write_acled(tmp_path / "a.csv", n=4, bad=False)
    lines = _rows(fake)
    lines[2] = lines[2].replace("\n", "\r")  # record 2 ends with a bare CR
    fake.path.write_text("".join(lines), encoding="utf-8")
    res = import_file(con, fake.path)
    assert (res.rows_read, res.rows_loaded, res.rows_rejected) == (4, 4, 0)


def test_non_utf8_record_raw_is_escaped(con: duckdb.DuckDBPyConnection,
                                        tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", n=3, bad=False)
    with fake.path.open("ab") as fh:
        fh.write(b"IRQ5,caf\xe9" + b",x" * 29 + b"\n")
    res = import_file(con, fake.path)
    assert (res.rows_loaded, res.rows_rejected) == (3, 1)
    (bad,) = rejects(con, limit=None)
    assert bad["reason"] == "malformed CSV record: not UTF-8 text"
    assert bad["raw"].startswith("IRQ5,caf\\xe9,x")


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_files_import_like_commas(tmp_path: Path, delimiter: str) -> None:
    out = []
    for name, delim in (("comma", ","), ("other", delimiter)):
        with open_store(":memory:") as c:
            res = import_file(c, write_acled(tmp_path / f"{name}.csv", delimiter=delim).path)
            out.append((res.rows_read, res.rows_loaded, sorted(res.reasons),
                        c.execute("SELECT * EXCLUDE (source_file, import_hash) FROM events "
                                  "ORDER BY event_id").fetchall()))
    assert out[0] == out[1]


def test_acled_with_hxl_row(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", hxl=True, bad=False)
    res = import_file(con, fake.path)
    assert (res.format, res.rows_read, res.rows_loaded) == ("acled", 24, 24)
    assert con.execute("SELECT count(*) FROM events WHERE event_id LIKE '#%'").fetchone() == (0,)


def test_slashed_dates_are_rejected_not_guessed(con: duckdb.DuckDBPyConnection,
                                                tmp_path: Path) -> None:
    fake = write_acled(tmp_path / "a.csv", n=2, bad=False)
    text = fake.path.read_text().replace("17 October 2023", "6/2/2023", 1)
    fake.path.write_text(text)
    res = import_file(con, fake.path)
    assert res.reasons == {"bad date": 1}
    assert rejects(con)[0]["reason"] == "bad date: 6/2/2023"


def test_old_acled_export_without_civilian_targeting(con: duckdb.DuckDBPyConnection,
                                                     tmp_path: Path) -> None:
    from tests.events.fakes import ACLED_COLUMNS, acled_row

    cols = [c for c in ACLED_COLUMNS if c != "civilian_targeting"]
    rows = [[acled_row(i, dt.date(2019, 5, 1))[c] for c in cols] for i in range(3)]
    res = import_file(con, write_csv(tmp_path / "old.csv", cols, rows))
    assert res.rows_loaded == 3
    assert con.execute("SELECT DISTINCT civilian_targeting FROM events").fetchall() == [(None,)]


def test_weekly_ids_follow_the_date_not_its_spelling(con: duckdb.DuckDBPyConnection,
                                                     tmp_path: Path) -> None:
    fake = write_acled_weekly(tmp_path / "w.csv", bad=False)
    import_file(con, fake.path)
    respelled = tmp_path / "w2.csv"
    respelled.write_text(fake.path.read_text().replace("-October-", " October "))
    assert "14 October 2023" in respelled.read_text()
    res = import_file(con, respelled)
    assert res.rows_loaded == 0 and res.reasons == {"duplicate event id": 12}


def test_ged_multi_valued_sides(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    from tests.events.fakes import GED_COLUMNS, ged_row

    row = ged_row(1, dt.date(2003, 3, 20))
    row["side_a"] = "Government of United States of America, Government of United Kingdom , " \
                    "Government of Australia"
    row["best"], row["low"], row["high"] = "-1", "-1", "12"
    import_file(con, write_csv(tmp_path / "g.csv", GED_COLUMNS,
                               [[row[c] for c in GED_COLUMNS]]))
    got = con.execute("SELECT actor1, assoc_actor1, actor1_type, fatalities_best, "
                      "fatalities_low, fatalities_high FROM events").fetchone()
    assert got == ("Government of United States of America",
                   "Government of United Kingdom; Government of Australia", "State forces",
                   None, None, 12)


def test_foreign_tables_with_our_names_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.duckdb"
    with duckdb.connect(str(db)) as c:
        c.execute("CREATE TABLE events (id INTEGER, what VARCHAR)")
    with pytest.raises(InputError, match="not an armednet events table"):
        open_store(db)
    with pytest.raises(InputError, match="not an armednet events table"):
        import_files(db, [write_acled(tmp_path / "a.csv").path])
    with duckdb.connect(str(db)) as c:
        assert c.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_memory_limit_is_restored(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as c:
        before = c.execute("SELECT current_setting('memory_limit')").fetchall()
        import_file(c, write_acled(tmp_path / "a.csv").path)
        assert c.execute("SELECT current_setting('memory_limit')").fetchall() == before


def test_unreadable_db_location(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot open the database"):
        import_files(tmp_path / "no" / "such" / "dir" / "s.duckdb",
                     [write_acled(tmp_path / "a.csv").path])


def test_import_files_removes_a_new_db_when_a_later_file_fails(tmp_path: Path) -> None:
    good = write_acled(tmp_path / "a.csv").path
    bad = tmp_path / "b.json"
    bad.write_text('{"data": [{"event_id_cnty": "X"}, ')
    db = tmp_path / "new.duckdb"
    with pytest.raises(InputError, match="invalid JSON"):
        import_files(db, [good, bad])
    assert not db.exists()


@pytest.mark.parametrize("ordered", [True, False])
def test_record_numbers_follow_the_file_in_a_large_file(tmp_path: Path, ordered: bool) -> None:
    """Records are numbered by their position in the file across DuckDB's parallel reader
    and row groups (``rowid`` of the normalised table), or, with insertion order off, by
    ``row_number()``: either way the same numbers, rejects included."""
    from tests.events.fakes import ACLED_COLUMNS, acled_row

    n = 150_000
    template = acled_row(0, dt.date(2023, 10, 17))
    template["event_id_cnty"] = "{id}"
    template["latitude"] = "{lat}"
    line = ",".join(
        f'"{v}"' if "," in v or '"' in v else v
        for v in (template[c].replace('"', '""') for c in ACLED_COLUMNS)) + "\n"
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(",".join(ACLED_COLUMNS) + "\n")
        for i in range(1, n + 1):
            fh.write(line.format(id=f"IRQ{i}", lat="N/A" if i % 9973 == 1 else "33.8"))
    with open_store(tmp_path / "s.duckdb") as c:
        c.execute("SET threads = 2")
        if not ordered:
            c.execute("SET preserve_insertion_order = false")
        res = import_file(c, path)
        bad = [i for i in range(1, n + 1) if i % 9973 == 1]
        assert (res.rows_read, res.rows_rejected) == (n, len(bad))
        wrong = c.execute("SELECT count(*) FROM events WHERE source_row <> "
                          "CAST(substr(event_id, 4) AS BIGINT)").fetchone()
        assert wrong == (0,)
        got = c.execute("SELECT source_row, reason, json_extract_string(raw, '$.event_id_cnty') "
                        "FROM event_rejects ORDER BY source_row").fetchall()
        assert got == [(i, "unparseable coordinates: N/A, 42.4412", f"IRQ{i}") for i in bad]
