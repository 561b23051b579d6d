"""Actor matching: normalisation, exact/generic/fuzzy rules, the review table, settling it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from armednet.errors import InputError
from armednet.events.matching import (
    ActorMatcher,
    generic_actors,
    is_generic,
    match_store,
    normalise_name,
    places,
    review,
    skeleton,
)
from armednet.events.store import import_file, open_store
from armednet.kb import KnowledgeGraph
from tests.events.fakes import ACLED_COLUMNS, acled_row, write_csv
from tests.factories import tiny_document, write_yaml


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def matcher(kg: KnowledgeGraph) -> ActorMatcher:
    return ActorMatcher.from_graph(kg)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kata'ib Ḥizballāh", "kataib hizballah"),
        ("Kata\u02beib  Hizballah", "kataib hizballah"),
        ("Military Forces of Iraq (2022-)", "military forces of iraq"),
        ("Military Forces of the United States (2017-2021)",
         "military forces of the united states"),
        ("U.S. forces", "us forces"),
        ("Asa'ib Ahl al-Haq", "asaib ahl al haq"),
    ],
)
def test_normalise_name(text: str, expected: str) -> None:
    assert normalise_name(text) == expected


def test_arabic_spelling_variants() -> None:
    assert normalise_name("كتائب حزب الله") == normalise_name("كَتائِب حِزب اللّه")
    assert normalise_name("أنصار الله") == normalise_name("انصار الله")


def test_skeleton_and_places() -> None:
    assert skeleton("hizballah") == skeleton("hezbollah")
    assert skeleton("nujaba") == skeleton("nujabaa")
    assert skeleton("iran") != skeleton("iraq")
    assert places("police forces of iran") == {"iran"}
    assert places("military forces of the united states") == {"united states"}
    assert places("iraqi army") == {"iraq"}
    assert places("kataib hezbollah") == frozenset()


@pytest.mark.parametrize("actor", ["Militia (Pro-Iran)", "Unidentified Armed Group (Iraq)",
                                   "Civilians (Iraq)", "Protesters (Iraq)", "Rioters",
                                   "Police Forces", "Sunni Tribal Militia (Iraq)"])
def test_generic_labels(actor: str) -> None:
    assert is_generic(actor)


@pytest.mark.parametrize("actor", ["Kataib Hizballah", "Islamic Resistance in Iraq",
                                   "Military Forces of Iraq (2022-)", "Hezbollah"])
def test_named_actors_are_not_generic(actor: str) -> None:
    assert not is_generic(actor)


@pytest.mark.parametrize(
    ("actor", "node", "method"),
    [
        ("Islamic Resistance in Iraq", "islamic-resistance-in-iraq", "exact"),
        ("Kataib Hizballah", "kataib-hezbollah", "exact"),
        ("Kataib Hezbollah (Iraq)", "kataib-hezbollah", "exact"),
        ("Military Forces of Iraq (2024-)", "ministry-of-defence", "exact"),
        ("Kataeb Hezbollah", "kataib-hezbollah", "fuzzy"),
        ("Harakat al Nujabaa", "harakat-al-nujaba", "fuzzy"),
        ("Popular Mobilisation Forces (Iraq)", "popular-mobilization-forces", "fuzzy"),
    ],
)
def test_bundled_scenario_matches(matcher: ActorMatcher, actor: str, node: str,
                                  method: str) -> None:
    m = matcher.match(actor)
    assert (m.status, m.node_id, m.method) == ("matched", node, method)
    assert m.score >= 90 and m.candidates[0][0] == node


def test_generic_label_is_not_matched(matcher: ActorMatcher) -> None:
    m = matcher.match("Militia (Pro-Iran)")
    assert (m.status, m.node_id, m.method, m.score) == ("generic", None, "generic", 0.0)


@pytest.mark.parametrize(
    ("actor", "wrong"),
    [
        ("Police Forces of Iran (1989-)", "ministry-of-interior"),
        ("Military Forces of France (2017-)", "iran"),
        ("Islamic Resistance in Syria", "islamic-resistance-in-iraq"),
    ],
)
def test_other_countries_are_not_fuzzy_matches(matcher: ActorMatcher, actor: str,
                                               wrong: str) -> None:
    m = matcher.match(actor)
    assert m.status == "unmatched" and m.node_id is None
    assert wrong not in [n for n, _ in m.candidates]


def test_acronyms_match_only_exactly() -> None:
    m = ActorMatcher({"hts": ["Hayat Tahrir al-Sham", "HTS"], "houthis": ["Houthis"]})
    assert m.match("HTS").node_id == "hts"
    assert m.match("HTZ").status == "unmatched"
    assert m.match("Houthi").status == "unmatched"  # too short to be trusted fuzzily
    assert m.match("Hayat Tahrir al Sham (Syria)").node_id == "hts"


def test_ambiguous_fuzzy_and_exact() -> None:
    m = ActorMatcher({"a": ["Liwa Abu Fadl al-Abbas", "Abu Fadl"],
                      "b": ["Liwa Abu al-Fadl al-Abbas", "Abu Fadl"]})
    fuzzy = m.match("Liwa Abu Fadhl al Abbas")
    assert fuzzy.status == "ambiguous" and fuzzy.method == "fuzzy"
    assert {n for n, _ in fuzzy.candidates} == {"a", "b"}
    exact = m.match("Abu Fadl")
    assert (exact.status, exact.method, exact.node_id) == ("ambiguous", "exact", None)


def test_empty_matcher_and_empty_string() -> None:
    m = ActorMatcher({})
    assert m.match("Anything at all").status == "unmatched"
    assert ActorMatcher({"x": ["Xylophone Brigade"]}).match("---").status == "unmatched"


def _store(path: Path, pairs: list[tuple[str, str, str]]) -> duckdb.DuckDBPyConnection:
    """A store with one ACLED event per (actor1, assoc_actor_1, actor2)."""
    rows = []
    for i, (a1, assoc, a2) in enumerate(pairs):
        row = acled_row(i, dt.date(2023, 10, 17) + dt.timedelta(days=i), classic=False,
                        actor1=a1, actor2=a2, assoc1=assoc,
                        event_type="Explosions/Remote violence")
        rows.append([row[c] for c in ACLED_COLUMNS])
    con = open_store(path.with_suffix(".duckdb"))
    import_file(con, write_csv(path, ACLED_COLUMNS, rows))
    return con


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    us = "Military Forces of the United States (2021-)"
    c = _store(tmp_path / "e.csv", [
        ("Islamic Resistance in Iraq", "", us),
        ("Islamic Resistance in Iraq", "Kataib Hizballah; Harakat al Nujabaa", us),
        ("Militia (Pro-Iran)", "", us),
        ("Kataib Hizballah", "", "Civilians (Iraq)"),
        ("Saraya Awliya al-Dam", "", us),
        ("Saraya Awliya al-Dam", "", us),
        ("Military Forces of the United States (2021-)", "", "Kataib Hizballah"),
    ])
    yield c
    c.close()


def test_match_store_tables(con: duckdb.DuckDBPyConnection, kg: KnowledgeGraph) -> None:
    summary = match_store(con, kg)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT actor, status, node_id, node_type, appearances FROM event_actor_matches "
        "WHERE scenario = 'iraq-2024'").fetchall()}
    assert rows["Islamic Resistance in Iraq"] == ("matched", "islamic-resistance-in-iraq",
                                                  "umbrella", 2)
    assert rows["Kataib Hizballah"] == ("matched", "kataib-hezbollah", "armed_group", 3)
    assert rows["Harakat al Nujabaa"][:2] == ("matched", "harakat-al-nujaba")
    assert rows["Military Forces of the United States (2021-)"][2] == "foreign_force"
    assert rows["Militia (Pro-Iran)"][0] == "generic"
    assert rows["Saraya Awliya al-Dam"][0] == "unmatched"
    assert sum(summary.counts.values()) == len(rows)
    assert sum(summary.events.values()) == 7 + 7 + 2  # actor1, actor2, associated actors
    assert [r["actor"] for r in summary.review] == ["Saraya Awliya al-Dam"]
    assert summary.review[0]["appearances"] == 2
    assert "aliases" in summary.review[0]["suggestion"]
    assert rows["Civilians (Iraq)"][:2] == ("matched", "iraqi-public")  # a scenario alias
    assert [g["actor"] for g in generic_actors(con, "iraq-2024")] == ["Militia (Pro-Iran)"]


def test_match_again_replaces_rows(con: duckdb.DuckDBPyConnection, kg: KnowledgeGraph) -> None:
    match_store(con, kg)
    first = con.execute("SELECT count(*) FROM event_actor_matches").fetchall()
    match_store(con, kg)
    assert con.execute("SELECT count(*) FROM event_actor_matches").fetchall() == first
    assert len(review(con, "iraq-2024", limit=None)) == 1


def test_settle_review_with_scenario_aliases(con: duckdb.DuckDBPyConnection,
                                             tmp_path: Path) -> None:
    """The analyst's loop: match, read the review table, add aliases, match again."""
    doc = tiny_document()
    path = write_yaml(tmp_path / "tiny.yaml", doc)
    summary = match_store(con, KnowledgeGraph.load(str(path)))
    pending = {r["actor"] for r in review(con, "tiny", limit=None)}
    assert {"Islamic Resistance in Iraq", "Kataib Hizballah",
            "Saraya Awliya al-Dam"} <= pending
    assert summary.counts["matched"] == 0

    nodes = {n["id"]: n for n in doc["nodes"]}
    nodes["group-a"]["aliases"] = ["GA", "Kataib Hizballah", "Islamic Resistance in Iraq"]
    nodes["us-forces"]["aliases"] = ["Military Forces of the United States (2021-)"]
    nodes["group-b"]["aliases"] = ["Militia (Pro-Iran)"]  # a generic label, mapped on purpose
    write_yaml(path, doc)
    match_store(con, KnowledgeGraph.load(str(path)))
    pending = {r["actor"] for r in review(con, "tiny", limit=None)}
    assert "Kataib Hizballah" not in pending and "Islamic Resistance in Iraq" not in pending
    got = dict(con.execute("SELECT actor, node_id FROM event_actor_matches WHERE scenario = "
                           "'tiny' AND status = 'matched'").fetchall())
    assert got["Kataib Hizballah"] == "group-a"
    assert got["Militia (Pro-Iran)"] == "group-b"
    assert got["Military Forces of the United States (2021-)"] == "us-forces"


def test_match_store_needs_events(tmp_path: Path, kg: KnowledgeGraph) -> None:
    with open_store(tmp_path / "empty.duckdb") as c, \
            pytest.raises(InputError, match="no events"):
        match_store(c, kg)
