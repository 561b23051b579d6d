"""Map the actor strings of event data to knowledge-graph nodes.

Every distinct actor string of the store (``actor1``, ``actor2`` and each associated actor) is
compared with the names, aliases and ids of the scenario's nodes, in this order:

1. **exact**: the normalised string equals a normalised name or alias (see
   :func:`normalise_name`: case folded, diacritics, ʿ ʾ ’ ' and Arabic short vowels removed,
   Arabic letter variants unified, ACLED period qualifiers such as ``(2022-)`` dropped,
   punctuation to spaces). One node: ``matched`` (score 100); several: ``ambiguous``.
2. **generic**: strings naming a kind of actor rather than an actor (``Militia (Pro-Iran)``,
   ``Unidentified Armed Group (Iraq)``, ``Civilians (Iraq)``, ``Protesters``...; see
   :data:`GENERIC_PATTERNS`) are never fuzzy-matched: status ``generic``. An analyst who does
   want one mapped adds it as an alias, and step 1 then matches it.
3. **fuzzy**: rapidfuzz scores on the normalised strings without particles (``al``, ``the``,
   ``of`` ...): ``score = (token_sort_ratio + token_set_ratio) / 2``, the best alias per node.
   A best score of at least :data:`MATCH_THRESHOLD` (90) with the runner-up node at least
   :data:`AMBIGUITY_MARGIN` (5) points behind is ``matched``; a runner-up within the margin
   makes it ``ambiguous``; below the threshold it is ``unmatched``, with the candidates
   scoring at least :data:`SUGGEST_THRESHOLD` (60) listed for the analyst.

Ambiguous and unmatched strings go to the review table ``event_actor_review``, most frequent
first; the analyst settles them by adding the string to the right node's ``aliases``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    import duckdb

    from armednet.kb.graph import KnowledgeGraph

__all__ = [
    "AMBIGUITY_MARGIN",
    "GENERIC_PATTERNS",
    "MATCH_THRESHOLD",
    "SUGGEST_THRESHOLD",
    "ActorMatch",
    "ActorMatcher",
    "MatchSummary",
    "is_generic",
    "match_store",
    "normalise_name",
    "review",
]

MATCH_THRESHOLD = 90.0
"""Fuzzy score (0-100) from which the best candidate is accepted."""
AMBIGUITY_MARGIN = 5.0
"""A runner-up node this close to an accepted best makes the match ambiguous."""
SUGGEST_THRESHOLD = 60.0
"""Candidates scoring at least this are listed in the review table."""

_APOSTROPHES = dict.fromkeys(map(ord, "ʿʾ’‘`'´ʻʼ′‛"), None)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه",
                                 "ؤ": "و", "ئ": "ي", "ک": "ك", "ی": "ي"})
_PERIOD = re.compile(r"\(\s*\d{4}\s*-\s*(\d{4})?\s*\)")
_NON_WORD = re.compile(r"[\W_]+")
_PARTICLES = frozenset({"al", "el", "ad", "ar", "as", "an", "the", "of", "in", "and", "wa",
                        "wal", "de", "la", "le"})

GENERIC_PATTERNS: tuple[str, ...] = (
    r"^unidentified\b",
    r"^unknown\b",
    r"^militia \(pro-",
    r"^(civilians|protesters|rioters|students|farmers|teachers|journalists|women|children|"
    r"lawyers|health workers|aid workers|refugees/idps|refugees|idps|prisoners|migrants|"
    r"fishers|fishermen|settlers|labou?r group|muslim group|christian group|jewish group|"
    r"sunni muslim group|shia muslim group|private security forces|government regime|"
    r"armed group|armed men|gunmen|militants|insurgents|civilians \w+)\b( \(.*\))?$",
    r"\b(ethnic|tribal|religious|communal|clan) (group|militia)\b",
    r"^(police|military) forces$",
)
"""Regular expressions (on the case-folded string) of actor strings that name a kind of
actor, not an actor; they are never fuzzy-matched."""

_GENERIC = [re.compile(p) for p in GENERIC_PATTERNS]


def normalise_name(text: str) -> str:
    """Normalise an actor name for comparison.

    Case folded; Latin diacritics, ʿayn/hamza marks and apostrophes removed; Arabic short
    vowels and tatweel removed and letter variants unified (أ إ آ ٱ -> ا, ى -> ي, ة -> ه,
    ؤ -> و, ئ -> ي); ACLED period qualifiers like ``(2022-)`` dropped; dots removed
    (``U.S.`` -> ``us``); other punctuation to single spaces.

    Examples
    --------
    >>> normalise_name("Kata'ib Ḥizballāh")
    'kataib hizballah'
    >>> normalise_name("Military Forces of the United States (2021-)")
    'military forces of the united states'
    >>> normalise_name("U.S. forces")
    'us forces'
    >>> normalise_name("كتائب حزب الله") == normalise_name("كَتائِب حِزب اللّه")
    True
    """
    t = unicodedata.normalize("NFKC", text)
    t = _ARABIC_MARKS.sub("", t).translate(_ARABIC_LETTERS)
    t = t.translate(_APOSTROPHES)
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    t = unicodedata.normalize("NFKC", t).casefold()
    t = _PERIOD.sub(" ", t).replace(".", "")
    return " ".join(_NON_WORD.sub(" ", t).split())


def _fuzzy_key(normalised: str) -> str:
    words = [w for w in normalised.split() if w not in _PARTICLES]
    return " ".join(words) if words else normalised


def is_generic(actor: str) -> bool:
    """True if the string names a kind of actor (see :data:`GENERIC_PATTERNS`).

    Examples
    --------
    >>> is_generic("Militia (Pro-Iran)"), is_generic("Kataib Hizballah")
    (True, False)
    """
    t = " ".join(actor.casefold().split())
    return any(p.search(t) for p in _GENERIC)


@dataclass(frozen=True)
class ActorMatch:
    """The result of matching one actor string.

    Attributes
    ----------
    actor : str
        The string as found in the events.
    status : str
        ``matched``, ``ambiguous``, ``unmatched`` or ``generic``.
    node_id : str or None
        The node, when matched.
    score : float
        0-100 (100 for exact alias matches; the best fuzzy score otherwise).
    method : str
        ``exact``, ``fuzzy``, ``generic`` or ``none``.
    candidates : tuple of (node_id, score)
        Best candidate nodes, best first (at most five).
    """

    actor: str
    status: str
    node_id: str | None
    score: float
    method: str
    candidates: tuple[tuple[str, float], ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return {"actor": self.actor, "status": self.status, "node_id": self.node_id,
                "score": round(self.score, 1), "method": self.method,
                "candidates": [[n, round(s, 1)] for n, s in self.candidates]}


class ActorMatcher:
    """Matches actor strings against the names and aliases of a set of nodes.

    Parameters
    ----------
    names : mapping of node id to names
        Every name, alias (and, usefully, the id) of each node.
    threshold, margin, suggest : float
        See :data:`MATCH_THRESHOLD`, :data:`AMBIGUITY_MARGIN`, :data:`SUGGEST_THRESHOLD`.

    Examples
    --------
    >>> m = ActorMatcher({"kh": ["Kataib Hezbollah", "KH"], "aah": ["Asaib Ahl al-Haq"]})
    >>> m.match("Kata'ib Hizballah").node_id
    'kh'
    >>> m.match("Militia (Pro-Iran)").status
    'generic'
    """

    def __init__(self, names: dict[str, Sequence[str]], threshold: float = MATCH_THRESHOLD,
                 margin: float = AMBIGUITY_MARGIN, suggest: float = SUGGEST_THRESHOLD) -> None:
        self.threshold, self.margin, self.suggest = threshold, margin, suggest
        self._exact: dict[str, set[str]] = {}
        keys: dict[tuple[str, str], None] = {}
        for node_id, node_names in names.items():
            for name in node_names:
                norm = normalise_name(name)
                if not norm:
                    continue
                self._exact.setdefault(norm, set()).add(node_id)
                keys[(node_id, _fuzzy_key(norm))] = None
        self._choice_nodes = [k[0] for k in keys]
        self._choices = [k[1] for k in keys]

    @classmethod
    def from_graph(cls, kg: KnowledgeGraph, **kwargs: float) -> ActorMatcher:
        """A matcher over every node of a knowledge graph (name, aliases and id)."""
        names = {n.id: [n.name, *n.aliases, n.id.replace("-", " ").replace("_", " ")]
                 for n in kg.nodes()}
        return cls(names, **kwargs)

    def match(self, actor: str) -> ActorMatch:
        """Match one string (see the module docstring for the rules)."""
        return self.match_many([actor])[0]

    def match_many(self, actors: Iterable[str]) -> list[ActorMatch]:
        """Match many strings at once (fuzzy scores computed as one matrix)."""
        actors = list(actors)
        out: list[ActorMatch | None] = [None] * len(actors)
        fuzzy_idx: list[int] = []
        for i, actor in enumerate(actors):
            norm = normalise_name(actor)
            hits = self._exact.get(norm)
            if hits:
                cands = tuple((n, 100.0) for n in sorted(hits))
                if len(hits) == 1:
                    out[i] = ActorMatch(actor, "matched", cands[0][0], 100.0, "exact", cands)
                else:
                    out[i] = ActorMatch(actor, "ambiguous", None, 100.0, "exact", cands)
            elif is_generic(actor):
                out[i] = ActorMatch(actor, "generic", None, 0.0, "generic")
            elif not norm or not self._choices:
                out[i] = ActorMatch(actor, "unmatched", None, 0.0, "none")
            else:
                fuzzy_idx.append(i)
        if fuzzy_idx:
            scores = self._scores([_fuzzy_key(normalise_name(actors[i])) for i in fuzzy_idx])
            for row, i in zip(scores, fuzzy_idx, strict=True):
                out[i] = self._decide(actors[i], row)
        return [m for m in out if m is not None]

    def _scores(self, queries: list[str]) -> Any:
        from rapidfuzz import fuzz, process

        sort = process.cdist(queries, self._choices, scorer=fuzz.token_sort_ratio,
                             dtype="float32", workers=1)
        tset = process.cdist(queries, self._choices, scorer=fuzz.token_set_ratio,
                             dtype="float32", workers=1)
        return (sort + tset) / 2.0

    def _decide(self, actor: str, row: Any) -> ActorMatch:
        best: dict[str, float] = {}
        for node_id, score in zip(self._choice_nodes, row.tolist(), strict=True):
            if score > best.get(node_id, -1.0):
                best[node_id] = float(score)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        top_node, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        cands = tuple((n, s) for n, s in ranked[:5] if s >= self.suggest)
        if top >= self.threshold:
            if top - second < self.margin:
                return ActorMatch(actor, "ambiguous", None, top, "fuzzy", cands)
            return ActorMatch(actor, "matched", top_node, top, "fuzzy", cands)
        return ActorMatch(actor, "unmatched", None, top, "fuzzy" if cands else "none", cands)


@dataclass(frozen=True)
class MatchSummary:
    """What :func:`match_store` did.

    Attributes
    ----------
    scenario : str
        The scenario id.
    counts : dict
        Distinct actor strings per status.
    events : dict
        Actor appearances (string x event) per status.
    review : list of dict
        The head of the review table (most frequent first).
    """

    scenario: str
    counts: dict[str, int]
    events: dict[str, int]
    review: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "counts": self.counts, "events": self.events,
                "review": self.review}


MATCH_SCHEMA = """
CREATE TABLE IF NOT EXISTS event_actor_matches (
  scenario VARCHAR NOT NULL,
  scenario_hash VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  normalised VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  node_id VARCHAR,
  node_type VARCHAR,
  score DOUBLE NOT NULL,
  method VARCHAR NOT NULL,
  candidates VARCHAR NOT NULL,
  appearances BIGINT NOT NULL,
  matched_at TIMESTAMP NOT NULL,
  PRIMARY KEY (scenario, actor)
);
CREATE TABLE IF NOT EXISTS event_actor_review (
  scenario VARCHAR NOT NULL,
  actor VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  appearances BIGINT NOT NULL,
  best_node VARCHAR,
  best_score DOUBLE NOT NULL,
  candidates VARCHAR NOT NULL,
  suggestion VARCHAR NOT NULL,
  PRIMARY KEY (scenario, actor)
);
"""
"""DDL of the matching tables (idempotent)."""

ACTOR_APPEARANCES_SQL = """
WITH a AS (
  SELECT actor1 AS actor FROM events WHERE actor1 IS NOT NULL
  UNION ALL SELECT actor2 FROM events WHERE actor2 IS NOT NULL
  UNION ALL SELECT trim(unnest(string_split(assoc_actor1, ';'))) FROM events
    WHERE assoc_actor1 IS NOT NULL
  UNION ALL SELECT trim(unnest(string_split(assoc_actor2, ';'))) FROM events
    WHERE assoc_actor2 IS NOT NULL
)
SELECT actor, count(*) AS n FROM a WHERE actor <> '' GROUP BY actor ORDER BY n DESC, actor
"""


def _suggestion(m: ActorMatch) -> str:
    if m.status == "ambiguous":
        nodes = ", ".join(n for n, _ in m.candidates[:3])
        return f"candidates {nodes}: add {m.actor!r} to the aliases of the right one"
    if m.candidates:
        return (f"closest {m.candidates[0][0]} ({m.candidates[0][1]:.0f}): if it is that node, "
                f"add {m.actor!r} to its aliases")
    return "no close node: add a node, or add the string to an existing node's aliases"


def match_store(con: duckdb.DuckDBPyConnection, kg: KnowledgeGraph, head: int = 20,
                matcher: ActorMatcher | None = None) -> MatchSummary:
    """Match every actor string of the store to a scenario; write the results.

    Replaces this scenario's rows of ``event_actor_matches`` (every string, with status,
    node, score, method, candidates and number of appearances) and ``event_actor_review``
    (ambiguous and unmatched strings with a suggestion), in one transaction.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        A writable store holding imported events.
    kg : KnowledgeGraph
        The scenario whose nodes are matched.
    head : int
        Review rows returned in the summary.
    matcher : ActorMatcher, optional
        Defaults to :meth:`ActorMatcher.from_graph`.

    Raises
    ------
    InputError
        If the store holds no events.
    """
    rows = con.execute(ACTOR_APPEARANCES_SQL).fetchall()
    if not rows:
        raise InputError("the store holds no events with actors (import event files first)")
    matcher = matcher or ActorMatcher.from_graph(kg)
    actors = [str(r[0]) for r in rows]
    appearances = {str(r[0]): int(r[1]) for r in rows}
    results = matcher.match_many(actors)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    scenario = kg.name
    types = {n.id: str(n.type) for n in kg.nodes()}
    match_rows = [
        (scenario, kg.hash, m.actor, normalise_name(m.actor), m.status, m.node_id,
         types.get(m.node_id) if m.node_id else None, m.score,
         m.method, json.dumps(m.as_dict()["candidates"]), appearances[m.actor], now)
        for m in results
    ]
    review_rows = [
        (scenario, m.actor, m.status, appearances[m.actor],
         m.candidates[0][0] if m.candidates else None, m.score,
         json.dumps(m.as_dict()["candidates"]), _suggestion(m))
        for m in results if m.status in ("ambiguous", "unmatched")
    ]
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(MATCH_SCHEMA)
        con.execute("DELETE FROM event_actor_matches WHERE scenario = ?", [scenario])
        con.execute("DELETE FROM event_actor_review WHERE scenario = ?", [scenario])
        _insert_many(con, "event_actor_matches", match_rows, 12)
        _insert_many(con, "event_actor_review", review_rows, 8)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    counts = {s: 0 for s in ("matched", "ambiguous", "unmatched", "generic")}
    events = dict(counts)
    for m in results:
        counts[m.status] += 1
        events[m.status] += appearances[m.actor]
    return MatchSummary(scenario, counts, events, review(con, scenario, head))


def _insert_many(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple[Any, ...]],
                 width: int) -> None:
    if not rows:
        return
    import pyarrow as pa

    cols = list(zip(*rows, strict=True))
    names = [d[0] for d in con.execute(f"SELECT * FROM {table} LIMIT 0").description]
    assert len(names) == width
    tbl = pa.table({n: pa.array(list(c)) if any(v is not None for v in c)
                    else pa.nulls(len(c), pa.string()) for n, c in zip(names, cols, strict=True)})
    con.register("_ev_match_rows", tbl)
    try:
        con.execute(f"INSERT INTO {table} SELECT * FROM _ev_match_rows")
    finally:
        con.unregister("_ev_match_rows")


def review(con: duckdb.DuckDBPyConnection, scenario: str | None = None,
           limit: int | None = 20) -> list[dict[str, Any]]:
    """The review table (ambiguous and unmatched strings), most frequent first."""
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    if "event_actor_review" not in have:
        return []
    sql = ("SELECT scenario, actor, status, appearances, best_node, best_score, suggestion "
           "FROM event_actor_review")
    params: list[Any] = []
    if scenario is not None:
        sql += " WHERE scenario = ?"
        params.append(scenario)
    sql += " ORDER BY appearances DESC, actor"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    keys = ("scenario", "actor", "status", "appearances", "best_node", "best_score",
            "suggestion")
    return [dict(zip(keys, r, strict=True)) for r in con.execute(sql, params).fetchall()]
