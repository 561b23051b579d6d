"""The importers on the real files of ../shared/data/events (read in place, never copied).

Expected counts come from ``shared/data/README.md``; sums are recomputed here from the raw
files with Python's ``csv``/``json`` modules, independently of the importer.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from armednet.errors import InputError
from armednet.events.formats import detect_format
from armednet.events.matching import match_store
from armednet.events.series import weekly_counts
from armednet.events.store import ImportResult, import_file, open_store
from armednet.kb import KnowledgeGraph

# file -> (layout, records, columns in the header)
FILES: dict[str, tuple[str, int, int]] = {
    "acled/mena-2024-01.api.json": ("acled-api-json", 4046, 0),
    "acled/mena-2024-01.csv": ("acled-api", 4046, 31),
    "acled/syria-battles-2017-2023.csv": ("acled", 23348, 31),
    "acled/yemen-weekly-aggregated.csv": ("acled-weekly", 30152, 13),
    "ucdp/ged-iraq-hdx.csv": ("ucdp-ged-hdx", 7473, 45),
    "ucdp/ged-sample-1000.csv": ("ucdp-ged", 1000, 49),
    "ucdp/ged-syria-2016-2019.csv": ("ucdp-ged", 16566, 41),
}

_STORES: dict[tuple[str, str], tuple[duckdb.DuckDBPyConnection, ImportResult]] = {}


def _events(shared_data: Path) -> Path:
    return shared_data / "events"


def _alone(shared_data: Path, name: str) -> tuple[duckdb.DuckDBPyConnection, ImportResult]:
    """A store (kept for the session, in memory) holding only this file."""
    key = (str(shared_data), name)
    if key not in _STORES:
        con = open_store(":memory:")
        _STORES[key] = (con, import_file(con, _events(shared_data) / name))
    return _STORES[key]


def _raw(path: Path, skip_hxl: bool = False) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return rows[1:] if skip_hxl else rows


@pytest.mark.parametrize("name", list(FILES))
def test_detected_and_balanced(shared_data: Path, name: str) -> None:
    layout, records, width = FILES[name]
    det = detect_format(_events(shared_data) / name)
    assert det.format.name == layout and len(det.columns) == width
    assert det.hxl == (layout == "ucdp-ged-hdx")
    con, res = _alone(shared_data, name)
    assert (res.format, res.rows_read, res.rows_loaded, res.rows_rejected) == (
        layout, records, records, 0)
    assert con.execute("SELECT count(*), count(DISTINCT source_row), min(source_row), "
                       "max(source_row) FROM events").fetchone() == (records, records, 1,
                                                                     records)


def test_acled_csv_and_api_json_give_the_same_events(shared_data: Path) -> None:
    cols = "* EXCLUDE (source_file, import_hash)"
    a, _ = _alone(shared_data, "acled/mena-2024-01.csv")
    b, _ = _alone(shared_data, "acled/mena-2024-01.api.json")
    rows_a = a.execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall()
    rows_b = b.execute(f"SELECT {cols} FROM events ORDER BY event_id").fetchall()
    assert rows_a == rows_b
    raw = json.loads((_events(shared_data) / "acled/mena-2024-01.api.json").read_text())
    assert a.execute("SELECT sum(fatalities_best), min(event_date), max(event_date) "
                     "FROM events").fetchone() == (
        sum(int(r["fatalities"]) for r in raw["data"]), dt.date(2024, 1, 1),
        dt.date(2024, 1, 30))
    # the 2023 schema: text interaction codes pass through
    assert a.execute("SELECT actor1, assoc_actor1, actor1_type, actor2_type, interaction "
                     "FROM events WHERE event_id = 'PSE44662'").fetchone() == (
        "Al Aqsa Martyrs Brigade", "Hamas Movement; PIJ: Palestinian Islamic Jihad",
        "Political militia", "External/Other forces",
        "Political militia-External/Other forces")


def test_acled_classic_export(shared_data: Path) -> None:
    con, _ = _alone(shared_data, "acled/syria-battles-2017-2023.csv")
    raw = _raw(_events(shared_data) / "acled/syria-battles-2017-2023.csv")
    assert con.execute("SELECT sum(fatalities_best) FROM events").fetchone() == (
        sum(int(r["fatalities"]) for r in raw),)
    row = con.execute(
        "SELECT event_date, date_precision, actor1, assoc_actor1, actor1_type, actor2, "
        "actor2_type, interaction, country, admin1, admin2, admin3, location, latitude, "
        "longitude, fatalities_best, source_row FROM events WHERE event_id = 'SYR113811'"
    ).fetchone()
    assert row == (dt.date(2023, 6, 2), "day", "Military Forces of Syria (2000-) 5th Assault "
                   "Corps", "Military Forces of Syria (2000-) 8th Brigade", "State forces",
                   "Unidentified Armed Group (Syria)", "Political militia",
                   "State forces-Political militia", "Syria", "Dara", "Dara", "Busra Esh Sham",
                   "Maaraba", 32.5459, 36.4257, 0, 1)
    # numeric codes: every inter1 code of the file became a label
    assert con.execute("SELECT count(*) FROM events WHERE actor1_type SIMILAR TO '[0-9]+' OR "
                       "interaction SIMILAR TO '[0-9]+'").fetchone() == (0,)
    precision = dict(con.execute("SELECT date_precision, count(*) FROM events GROUP BY 1")
                     .fetchall())
    raw_precision = {"day": 0, "week": 0, "month": 0}
    for r in raw:
        raw_precision[{"1": "day", "2": "week", "3": "month"}[r["time_precision"]]] += 1
    assert precision == {k: v for k, v in raw_precision.items() if v}


def test_acled_weekly_aggregated(shared_data: Path) -> None:
    con, _ = _alone(shared_data, "acled/yemen-weekly-aggregated.csv")
    raw = _raw(_events(shared_data) / "acled/yemen-weekly-aggregated.csv")
    events, deaths, saturdays, spans = con.execute(
        "SELECT sum(event_count), sum(fatalities_best), count(*) FILTER (WHERE "
        "dayofweek(event_date) = 6), count(DISTINCT date_end - event_date) FROM events"
    ).fetchone()
    assert events == sum(int(r["EVENTS"]) for r in raw)
    assert deaths == sum(int(r["FATALITIES"]) for r in raw)
    assert saturdays == len(raw) and spans == 1  # ACLED weeks run Saturday to Friday
    frame = weekly_counts(con, "type", start="2015-01-03", end="2015-12-31")
    in_2015 = [r for r in raw if r["WEEK"].endswith("2015")]
    assert int(frame.to_numpy().sum()) == sum(int(r["EVENTS"]) for r in in_2015)


def test_ged_hdx_tag_row_and_values(shared_data: Path) -> None:
    con, _ = _alone(shared_data, "ucdp/ged-iraq-hdx.csv")
    raw = _raw(_events(shared_data) / "ucdp/ged-iraq-hdx.csv", skip_hxl=True)
    assert con.execute("SELECT sum(fatalities_best), sum(fatalities_low), "
                       "sum(fatalities_high) FROM events").fetchone() == tuple(
        sum(int(r[k]) for r in raw) for k in ("best", "low", "high"))
    assert con.execute("SELECT count(*) FROM events WHERE event_id LIKE '#%' OR "
                       "event_id IS NULL").fetchone() == (0,)
    row = con.execute(
        "SELECT event_date, date_end, date_precision, event_type, actor1, actor1_type, "
        "actor2, actor2_type, interaction, admin1, location, fatalities_best, source "
        "FROM events WHERE event_id = '114064'").fetchone()
    assert row == (dt.date(2014, 1, 24), dt.date(2014, 1, 25), "days", "State-based conflict",
                   "Government of Iraq", "State forces", "IS", "Non-state group",
                   "Government of Iraq - IS", "Al Anbār province", "Al Fallūjah town", 8,
                   "Agence France Presse")
    # multi-valued sides: the first party is the actor, the others are associated
    multi = [r for r in raw if "," in r["side_a"]]
    assert con.execute("SELECT count(*) FROM events WHERE assoc_actor1 IS NOT NULL"
                       ).fetchone() == (len(multi),)
    coalition = con.execute(
        "SELECT DISTINCT assoc_actor1 FROM events WHERE actor1 = 'Government of Australia'"
    ).fetchall()
    assert coalition == [("Government of United Kingdom; Government of United States of "
                          "America",)]


@pytest.mark.parametrize("name", ["ucdp/ged-sample-1000.csv", "ucdp/ged-syria-2016-2019.csv"])
def test_ged_standard_layouts(shared_data: Path, name: str) -> None:
    con, _ = _alone(shared_data, name)
    raw = _raw(_events(shared_data) / name)
    assert con.execute("SELECT sum(fatalities_best) FROM events").fetchone() == (
        sum(int(r["best"]) for r in raw),)
    for side, n in (("1", "side_a"), ("2", "side_b")):
        assert con.execute(f"SELECT count(*) FROM events WHERE assoc_actor{side} IS NOT NULL"
                           ).fetchone() == (sum("," in r[n] for r in raw),)
    unknown_sources = sum(r["number_of_sources"] == "-1" for r in raw)
    if name.endswith("sample-1000.csv"):
        assert unknown_sources == 326  # -1 = unknown: a count, not an error
        angola = con.execute("SELECT event_date, country, actor1, actor2, fatalities_best, "
                             "date_precision FROM events WHERE event_id = '21300'").fetchone()
        assert angola is not None and angola[1:4] == ("Angola", "Government of Angola",
                                                      "UNITA")
    violence = dict(con.execute("SELECT event_type, count(*) FROM events GROUP BY 1")
                    .fetchall())
    assert sum(violence.values()) == len(raw)
    assert set(violence) <= {"State-based conflict", "Non-state conflict",
                             "One-sided violence"}


def test_all_files_in_one_store(shared_data: Path, tmp_path: Path) -> None:
    """Overlaps between files are duplicates with a reason; re-importing adds nothing."""
    con = open_store(tmp_path / "all.duckdb")
    try:
        results = {name: import_file(con, _events(shared_data) / name) for name in FILES}
        dups = {n: r.reasons.get("duplicate event id", 0) for n, r in results.items()}
        assert dups == {"acled/mena-2024-01.api.json": 0, "acled/mena-2024-01.csv": 4046,
                        "acled/syria-battles-2017-2023.csv": 0,
                        "acled/yemen-weekly-aggregated.csv": 0, "ucdp/ged-iraq-hdx.csv": 0,
                        "ucdp/ged-sample-1000.csv": 18, "ucdp/ged-syria-2016-2019.csv": 42}
        for r in results.values():
            assert r.rows_read == r.rows_loaded + r.rows_rejected
            assert set(r.reasons) <= {"duplicate event id"}
        before = con.execute("SELECT (SELECT count(*) FROM events), "
                             "(SELECT count(*) FROM event_rejects)").fetchone()
        again = import_file(con, _events(shared_data) / "ucdp/ged-iraq-hdx.csv")
        assert again.already_imported and again.rows_loaded == 7473
        assert con.execute("SELECT (SELECT count(*) FROM events), "
                           "(SELECT count(*) FROM event_rejects)").fetchone() == before
        datasets = dict(con.execute("SELECT dataset, count(*) FROM events GROUP BY 1")
                        .fetchall())
        assert datasets == {"acled": 4046 + 23348, "acled-weekly": 30152,
                            "ucdp-ged": 7473 + 1000 - 18 + 16566 - 42}
    finally:
        con.close()


@pytest.mark.parametrize(
    ("name", "fmt", "match"),
    [
        ("ucdp/ged-sample-1000.csv", "ucdp-ged-hdx", "expects an HXL tag row"),
        ("acled/mena-2024-01.csv", "acled-weekly", "needs column"),
        ("acled/mena-2024-01.api.json", "acled", "looks like JSON"),
        ("acled/yemen-weekly-aggregated.csv", "ucdp-ged", "needs column"),
    ],
)
def test_format_overrides_on_real_files(shared_data: Path, name: str, fmt: str,
                                        match: str) -> None:
    with pytest.raises(InputError, match=match) as info:
        detect_format(_events(shared_data) / name, fmt)
    assert name.split("/")[-1] in str(info.value)


def test_hdx_file_read_as_plain_ged(shared_data: Path) -> None:
    det = detect_format(_events(shared_data) / "ucdp/ged-iraq-hdx.csv", "ucdp-ged")
    with open_store(":memory:") as con:
        res = import_file(con, det.path, detected=det)
    assert (res.format, res.rows_read, res.rows_rejected) == ("ucdp-ged", 7473, 0)


def test_matching_real_actor_strings(shared_data: Path) -> None:
    con, _ = _alone(shared_data, "acled/mena-2024-01.csv")
    match_store(con, KnowledgeGraph.load())
    got: dict[str, Any] = {r[0]: r[1:] for r in con.execute(
        "SELECT actor, status, node_id FROM event_actor_matches").fetchall()}
    assert got["Hezbollah"] == ("matched", "hezbollah")
    assert got["Military Forces of Israel (2022-)"] == ("matched", "israel")
    assert got["Military Forces of Yemen (2017-) Houthi"] == ("matched", "houthis")
    assert got["Military Forces of the United States (2021-)"] == ("matched",
                                                                    "us-forces-iraq-syria")
    for actor in ("Police Forces of Iran (1989-)", "Military Forces of France (2017-)"):
        if actor in got:
            assert got[actor][0] != "matched", actor
    review = con.execute("SELECT count(*) FROM event_actor_review WHERE status NOT IN "
                         "('ambiguous', 'unmatched')").fetchone()
    assert review == (0,)
