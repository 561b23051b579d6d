"""Map the actor strings of event data to knowledge-graph nodes.

Every distinct actor string of the store (``actor1``, ``actor2`` and each associated actor) is
compared with the names, aliases and ids of the scenario's nodes, in this order:

1. **exact**: the normalised string equals a normalised name or alias (see
   :func:`normalise_name`: case folded, diacritics, ayn/hamza marks, apostrophes and Arabic
   short vowels removed,
   Arabic letter variants unified, ACLED period qualifiers such as ``(2022-)`` dropped,
   punctuation to spaces). One node: ``matched`` (score 100); several: ``ambiguous``.
2. **generic**: strings naming a kind of actor rather than an actor (``Militia (Pro-Iran)``,
   ``Unidentified Armed Group (Iraq)``, ``Civilians (Iraq)``, ``Protesters``...; see
   :data:`GENERIC_PATTERNS`) are never fuzzy-matched: status ``generic``. An analyst who does
   want one mapped adds it as an alias, and step 1 then matches it.
3. **fuzzy**: rapidfuzz [1]_ scores on the normalised strings without particles (``al``,
   ``the``, ``of`` ...): ``score = (token_sort_ratio + token_set_ratio) / 2``, the best alias
   per node. Two guards keep look-alike names apart:

   - *places*: an alias naming a country (``Police Forces of Iraq``) is not a candidate for a
     string naming only other countries (``Police Forces of Iran``), see :func:`places`;
   - *acronyms*: strings and aliases shorter than :data:`MIN_FUZZY_LENGTH` characters
     (``KH``, ``HTS``, ``SDF``) are only matched exactly.

   A best score of at least :data:`MATCH_THRESHOLD` (90) with the runner-up node at least
   :data:`AMBIGUITY_MARGIN` (5) points behind is ``matched``; a runner-up within the margin
   makes it ``ambiguous``; below the threshold it is ``unmatched``, with the candidates
   scoring at least :data:`SUGGEST_THRESHOLD` (60) listed for the analyst.

Ambiguous and unmatched strings go to the review table ``event_actor_review``, most frequent
first; the analyst settles them by adding the string to the right node's ``aliases`` in the
scenario and matching again (see ``docs/events.md``).

References
----------
.. [1] M. Bachmann, "RapidFuzz: rapid fuzzy string matching", https://github.com/rapidfuzz/RapidFuzz.
.. [2] ACLED, "Actor names and categories", ACLED Codebook (2023), section 4.
.. [3] J. Pouliquen et al., "Multilingual person name recognition and transliteration",
   CORELA (2005): vowel-less keys for Arabic names in Latin script.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
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
    "MIN_FUZZY_LENGTH",
    "SUGGEST_THRESHOLD",
    "ActorMatch",
    "ActorMatcher",
    "MatchSummary",
    "generic_actors",
    "is_generic",
    "match_store",
    "normalise_name",
    "places",
    "review",
    "skeleton",
]

MATCH_THRESHOLD = 90.0
"""Fuzzy score (0-100) from which the best candidate is accepted."""
AMBIGUITY_MARGIN = 5.0
"""A runner-up node this close to an accepted best makes the match ambiguous."""
SUGGEST_THRESHOLD = 60.0
"""Candidates scoring at least this are listed in the review table."""
MIN_FUZZY_LENGTH = 5
"""Strings and aliases shorter than this (acronyms such as ``KH``, ``SDF``) match only
exactly."""

# ayn, hamza, curly quotes, backtick, apostrophe, acute accent, turned comma, prime
_APOSTROPHES = dict.fromkeys(
    map(ord, "\u02bf\u02be\u2019\u2018`'\u00b4\u02bb\u02bc\u2032\u201b"), None)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ALEF, _YEH, _HEH, _WAW, _KAF = "\u0627", "\u064a", "\u0647", "\u0648", "\u0643"
_ARABIC_LETTERS = str.maketrans({
    "\u0623": _ALEF, "\u0625": _ALEF, "\u0622": _ALEF, "\u0671": _ALEF,  # hamza/madda/wasla
    "\u0649": _YEH, "\u0626": _YEH, "\u06cc": _YEH,  # alef maksura, yeh hamza, Farsi yeh
    "\u0629": _HEH,  # teh marbuta
    "\u0624": _WAW,  # waw hamza
    "\u06a9": _KAF,  # keheh
})
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

    Case folded; Latin diacritics, ayn/hamza marks and apostrophes removed; Arabic short
    vowels and tatweel removed and letter variants unified (alef with hamza, madda or wasla
    to bare alef; alef maksura and Farsi yeh to yeh; teh marbuta to heh; waw and yeh with
    hamza to waw and yeh; keheh to kaf); ACLED period qualifiers like ``(2022-)`` dropped
    [2]_; dots removed (``U.S.`` -> ``us``); other punctuation to single spaces.

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


_DIGRAPHS = (("dh", "d"), ("th", "t"), ("ph", "f"), ("ou", "u"), ("q", "k"), ("ck", "k"))
_VOWELS = re.compile(r"(?<=\w)[aeiouy]+")
_DOUBLES = re.compile(r"(\w)\1+")


def skeleton(key: str) -> str:
    """The consonant skeleton of a (normalised) name, for transliteration variants.

    Arabic script leaves short vowels unwritten, so romanisations of one name differ mostly
    in vowels, doubled letters and a few digraphs [3]_: vowels after a word's first letter are
    dropped, doubled letters collapsed, ``dh th ph ou q ck`` read ``d t f u k k``.

    Examples
    --------
    >>> skeleton("kataib hizballah") == skeleton("kataeb hezbollah")
    True
    >>> skeleton("falih fayyadh") == skeleton("faleh fayad")
    True
    """
    out = []
    for word in key.split():
        for a, b in _DIGRAPHS:
            word = word.replace(a, b)
        out.append(_DOUBLES.sub(r"\1", _VOWELS.sub("", word)))
    return " ".join(out)


_COUNTRY_NAMES = (
    "afghanistan albania algeria andorra angola argentina armenia australia austria "
    "azerbaijan bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan "
    "bolivia botswana brazil brunei bulgaria burundi cambodia cameroon canada chad chile "
    "china colombia comoros congo croatia cuba cyprus czechia denmark djibouti dominica "
    "ecuador egypt eritrea estonia eswatini ethiopia fiji finland france gabon gambia "
    "georgia germany ghana greece grenada guatemala guinea guyana haiti honduras hungary "
    "iceland india indonesia iran iraq ireland israel italy jamaica japan jordan kazakhstan "
    "kenya kiribati kosovo kuwait kyrgyzstan laos latvia lebanon lesotho liberia libya "
    "liechtenstein lithuania luxembourg madagascar malawi malaysia maldives mali malta "
    "mauritania mauritius mexico micronesia moldova monaco mongolia montenegro morocco "
    "mozambique myanmar burma namibia nauru nepal netherlands nicaragua niger nigeria norway "
    "oman pakistan palau palestine panama paraguay peru philippines poland portugal qatar "
    "romania russia rwanda samoa senegal serbia seychelles singapore slovakia slovenia "
    "somalia somaliland spain sudan suriname sweden switzerland syria taiwan tajikistan "
    "tanzania thailand togo tonga tunisia turkey turkiye turkmenistan tuvalu uganda ukraine "
    "uruguay uzbekistan vanuatu vatican venezuela vietnam yemen zambia zimbabwe"
)
_COUNTRIES = _COUNTRY_NAMES.split()
_MULTI_WORD_COUNTRIES = (
    "united states", "united states of america", "united kingdom", "united arab emirates",
    "saudi arabia", "south sudan", "south africa", "north korea", "south korea", "sri lanka",
    "new zealand", "el salvador", "costa rica", "sierra leone", "burkina faso",
    "central african republic", "democratic republic of congo", "republic of congo",
    "ivory coast", "cote divoire", "bosnia and herzegovina", "north macedonia", "macedonia",
    "czech republic", "dominican republic", "equatorial guinea", "guinea bissau",
    "papua new guinea", "east timor", "timor leste", "cape verde", "solomon islands",
    "marshall islands", "trinidad and tobago", "western sahara", "hong kong",
)
_DEMONYMS = {
    "iraqi": "iraq", "syrian": "syria", "iranian": "iran", "lebanese": "lebanon",
    "israeli": "israel", "palestinian": "palestine", "jordanian": "jordan", "yemeni": "yemen",
    "saudi": "saudi arabia", "turkish": "turkey", "turkiye": "turkey", "egyptian": "egypt",
    "kuwaiti": "kuwait", "qatari": "qatar", "emirati": "united arab emirates",
    "bahraini": "bahrain", "omani": "oman", "american": "united states",
    "us": "united states", "usa": "united states", "united states of america":
    "united states", "british": "united kingdom", "uk": "united kingdom", "french": "france",
    "russian": "russia", "afghan": "afghanistan", "pakistani": "pakistan", "libyan": "libya",
    "sudanese": "sudan", "somali": "somalia", "burma": "myanmar", "czechia": "czech republic",
    "ivory coast": "cote divoire", "macedonia": "north macedonia", "timor leste": "east timor",
}
_PLACES: dict[str, str] = {
    **{c: c for c in _COUNTRIES}, **{c: c for c in _MULTI_WORD_COUNTRIES}, **_DEMONYMS}
_PLACE_WORDS = max(len(k.split()) for k in _PLACES)


def places(normalised: str) -> frozenset[str]:
    """The countries a normalised actor string names (names and common demonyms).

    Longest names first, so ``south sudan`` is not also ``sudan``.

    Examples
    --------
    >>> sorted(places("police forces of iraq"))
    ['iraq']
    >>> sorted(places("us forces in iraq and syria"))
    ['iraq', 'syria', 'united states']
    >>> sorted(places("military forces of south sudan"))
    ['south sudan']
    """
    words = normalised.split()
    found: set[str] = set()
    i = 0
    while i < len(words):
        for n in range(min(_PLACE_WORDS, len(words) - i), 0, -1):
            place = _PLACES.get(" ".join(words[i:i + n]))
            if place is not None:
                found.add(place)
                i += n
                break
        else:
            i += 1
    return frozenset(found)


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

    def __init__(self, names: Mapping[str, Sequence[str]], threshold: float = MATCH_THRESHOLD,
                 margin: float = AMBIGUITY_MARGIN, suggest: float = SUGGEST_THRESHOLD) -> None:
        self.threshold, self.margin, self.suggest = threshold, margin, suggest
        self._exact: dict[str, set[str]] = {}
        keys: dict[tuple[str, str], frozenset[str]] = {}
        for node_id, node_names in names.items():
            for name in node_names:
                norm = normalise_name(name)
                if not norm:
                    continue
                self._exact.setdefault(norm, set()).add(node_id)
                key = _fuzzy_key(norm)
                if len(key) >= MIN_FUZZY_LENGTH:
                    keys[(node_id, key)] = places(norm)
        self._choice_nodes = [k[0] for k in keys]
        self._choices = [k[1] for k in keys]
        self._skeletons = [skeleton(k[1]) for k in keys]
        self._choice_places = list(keys.values())

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
            norms = [normalise_name(actors[i]) for i in fuzzy_idx]
            scores = self._scores([_fuzzy_key(n) for n in norms])
            for row, i, norm in zip(scores, fuzzy_idx, norms, strict=True):
                out[i] = self._decide(actors[i], norm, row)
        return [m for m in out if m is not None]

    def _scores(self, queries: list[str]) -> Any:
        from rapidfuzz import fuzz, process

        def pair(q: list[str], c: list[str]) -> Any:
            sort = process.cdist(q, c, scorer=fuzz.token_sort_ratio, dtype="float32",
                                 workers=1)
            tset = process.cdist(q, c, scorer=fuzz.token_set_ratio, dtype="float32",
                                 workers=1)
            return (sort + tset) / 2.0

        plain = pair(queries, self._choices)
        bones = pair([skeleton(q) for q in queries], self._skeletons)
        return (plain + bones) / 2.0

    def _decide(self, actor: str, norm: str, row: Any) -> ActorMatch:
        mine = places(norm)
        short = len(_fuzzy_key(norm)) < MIN_FUZZY_LENGTH
        best: dict[str, float] = {}
        for node_id, score, where in zip(self._choice_nodes, row.tolist(),
                                         self._choice_places, strict=True):
            if mine and where and not (mine & where):
                continue  # the alias names other countries
            if score > best.get(node_id, -1.0):
                best[node_id] = float(score)
        if not best:
            return ActorMatch(actor, "unmatched", None, 0.0, "none")
        ranked = sorted(best.items(), key=lambda kv: (-kv[1], kv[0]))
        top_node, top = ranked[0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        cands = tuple((n, s) for n, s in ranked[:5] if s >= self.suggest)
        if top >= self.threshold and not short:
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
    if m.status == "ambiguous" and m.method == "exact":
        nodes = ", ".join(n for n, _ in m.candidates)
        return f"{m.actor!r} is a name or alias of several nodes ({nodes}): keep it on one"
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
    names = [str(r[0]) for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
        "ORDER BY ordinal_position", [table]).fetchall()]
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


def generic_actors(con: duckdb.DuckDBPyConnection, scenario: str | None = None,
                   limit: int | None = 20) -> list[dict[str, Any]]:
    """The generic labels of the last match (``Militia (Pro-Iran)`` ...), most frequent first.

    They are left unmapped on purpose: a label such as ``Militia (Pro-Iran)`` covers several
    groups. An analyst who decides that, in a scenario, it stands for one node adds it to that
    node's aliases, and the next match maps it exactly.
    """
    have = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    if "event_actor_matches" not in have:
        return []
    sql = "SELECT scenario, actor, appearances FROM event_actor_matches WHERE status = 'generic'"
    params: list[Any] = []
    if scenario is not None:
        sql += " AND scenario = ?"
        params.append(scenario)
    sql += " ORDER BY appearances DESC, actor"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    keys = ("scenario", "actor", "appearances")
    return [dict(zip(keys, r, strict=True)) for r in con.execute(sql, params).fetchall()]
