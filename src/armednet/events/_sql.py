"""SQL that turns one raw layout (every cell text) into the normalised events columns.

Internal to :mod:`armednet.events.store`. Each builder returns the select list of one
normalisation query over a relation ``s`` holding the raw columns (lower-case names) and
``_row`` (the record's 1-based position), plus the raw text of the fields the validation
checks (``_date_raw``, ``_lat_raw``, ``_lon_raw``, ``_year_raw``, ``_c1`` .. ``_c7``) and
``_codebook``, the first coded value outside its codebook (NULL when every code is known).

The code tables follow the ACLED codebook (``inter`` 0-8 or their labels, ``interaction``
two such digits, ``time_precision`` 1-3, ``geo_precision`` 1-3, ``year`` the year of
``event_date``) and the UCDP GED codebook 23.1 (``type_of_violence`` 1-3, ``where_prec``
1-7, ``date_prec`` 1-5, ``event_clarity`` 1-2, ``year`` the year of ``date_start``, ``-1``
for unknown counts); see :mod:`armednet.events.formats` for the references. A record with a
value outside them is rejected (:data:`CODEBOOK_REASON`); what UCDP's own releases carry
although the codebook rules it out (a ``best`` estimate below ``low`` or above ``high``) is
loaded and named in the ``flags`` column instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["CODEBOOK_REASON", "EVENT_COLUMNS", "FLAGS", "HELPER_COLUMNS", "YEAR_REASON",
           "build_select", "reason_expr"]

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("event_id", "VARCHAR NOT NULL"),
    ("dataset", "VARCHAR NOT NULL"),
    ("event_date", "DATE NOT NULL"),
    ("date_end", "DATE"),
    ("date_precision", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("sub_event_type", "VARCHAR"),
    ("disorder_type", "VARCHAR"),
    ("actor1", "VARCHAR"),
    ("assoc_actor1", "VARCHAR"),
    ("actor1_type", "VARCHAR"),
    ("actor2", "VARCHAR"),
    ("assoc_actor2", "VARCHAR"),
    ("actor2_type", "VARCHAR"),
    ("interaction", "VARCHAR"),
    ("civilian_targeting", "BOOLEAN"),
    ("country", "VARCHAR"),
    ("admin1", "VARCHAR"),
    ("admin2", "VARCHAR"),
    ("admin3", "VARCHAR"),
    ("location", "VARCHAR"),
    ("latitude", "DOUBLE"),
    ("longitude", "DOUBLE"),
    ("geo_precision", "INTEGER"),
    ("fatalities_best", "BIGINT"),
    ("fatalities_low", "BIGINT"),
    ("fatalities_high", "BIGINT"),
    ("event_count", "BIGINT NOT NULL"),
    ("notes", "VARCHAR"),
    ("source", "VARCHAR"),
    ("source_file", "VARCHAR NOT NULL"),
    ("source_row", "BIGINT NOT NULL"),
    ("import_hash", "VARCHAR NOT NULL"),
    ("flags", "VARCHAR"),
)
"""Columns of the ``events`` table, with their DuckDB types (``flags`` came last, so that
stores made before it gain it by ``ALTER TABLE``)."""

CODEBOOK_REASON = "outside the codebook"
"""Reject reason (the part before ``:``) of a coded value the codebook does not know."""

YEAR_REASON = "year contradicts the date"
"""Reject reason of a ``year`` cell that is not the year of the event's (first) date."""

FLAGS = {"best below low": "UCDP GED: the best estimate of deaths is below the low one",
         "best above high": "UCDP GED: the best estimate of deaths is above the high one"}
"""Flags a loaded event may carry (``;``-separated in ``events.flags``): values the codebook
rules out but the source's own releases contain (GED 23.1 and its special releases hold
some), so that they are kept, and marked, rather than rejected."""

ACLED_INTER = {"1": "State forces", "2": "Rebel group", "3": "Political militia",
               "4": "Identity militia", "5": "Rioters", "6": "Protesters", "7": "Civilians",
               "8": "External/Other forces"}
"""ACLED's numeric actor-type codes (classic exports) and the labels of the 2023 schema."""

UCDP_VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict",
                 "3": "One-sided violence"}
ACLED_PRECISION = {"1": "day", "2": "week", "3": "month"}
UCDP_PRECISION = {"1": "day", "2": "days", "3": "week", "4": "month", "5": "year"}


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def ident(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _case(expr: str, mapping: dict[str, str], default: str) -> str:
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} ELSE {default} END)"


def _num(expr: str) -> str:
    """Text -> finite DOUBLE, or NULL."""
    return f"(CASE WHEN isfinite(try_cast({expr} AS DOUBLE)) THEN try_cast({expr} AS DOUBLE) END)"


def _int(expr: str) -> str:
    """Text -> whole number (``3``, ``3.0``), or NULL (``3.5``, ``x``, overflow)."""
    d = f"try_cast({expr} AS DOUBLE)"
    return (f"(CASE WHEN {d} = floor({d}) AND abs({d}) < 1e15 THEN CAST({d} AS BIGINT) END)")


DATE_FORMATS = ("%d %B %Y", "%d-%B-%Y", "%d %b %Y", "%d-%b-%Y")
"""Day-month-year spellings accepted beside ISO dates (``02 June 2023``, ``17-January-2015``,
``2 Jun 2023``). Slashed dates (``6/2/2023``) are refused: day/month and month/day cannot be
told apart, and a wrong date would pass silently."""


def _date(expr: str) -> str:
    fmts = "[" + ", ".join(lit(f) for f in DATE_FORMATS) + "]"
    # The spellings are disjoint (the day-month-year ones need a month name, the casts a
    # numeric month), so the order of the attempts changes no result, only the speed: a
    # failed attempt costs several times a successful one. ISO text (``2023-06-02``, a ``-``
    # fifth) tries the casts first, other text the day-month-year spellings.
    casts = [f"try_cast({expr} AS DATE)", f"try_cast(try_cast({expr} AS TIMESTAMP) AS DATE)"]
    named = f"CAST(try_strptime({expr}, {fmts}) AS DATE)"
    return (f"(CASE WHEN substr({expr}, 5, 1) = '-' THEN coalesce({', '.join(casts)}, {named})"
            f" ELSE coalesce({named}, {', '.join(casts)}) END)")


class Col:
    """Builds the cleaned text expression of a raw column (NULL when the file lacks it)."""

    def __init__(self, columns: Iterable[str]) -> None:
        self.have = set(columns)

    def __call__(self, name: str) -> str:
        if name not in self.have:
            return "CAST(NULL AS VARCHAR)"
        return f"nullif(trim(s.{ident(name)}), '')"


def _code(expr: str) -> str:
    """A numeric code in its plain spelling (``3.0`` -> ``3``), other text unchanged."""
    return f"coalesce(CAST({_int(expr)} AS VARCHAR), {expr})"


def _inter(expr: str) -> str:
    code = _code(expr)
    return f"nullif({_case(code, ACLED_INTER, code)}, '0')"


Check = tuple[str, str, str, str]
"""One codebook check: the field's name, its raw text, the SQL condition that holds for a
known code, and what the codebook allows (for the message)."""


def _outside(checks: list[Check]) -> str:
    """The reject reason of the first check that fails (NULL when all pass or are empty).

    One small ``CASE`` per check, the first non-NULL taken by ``coalesce``: DuckDB
    evaluates that about three times faster than one ``CASE`` with a ``WHEN`` per check.
    """
    reasons = [
        f"(CASE WHEN {raw} IS NOT NULL AND NOT coalesce({ok}, false) THEN "
        f"{lit(f'{CODEBOOK_REASON}: {name} = ')} || left({raw}, 40) || {lit(f' ({said})')} END)"
        for name, raw, ok, said in checks]
    return f"coalesce({', '.join(reasons)})" if len(reasons) > 1 else f"({reasons[0]})"


def _in_range(name: str, raw: str, low: int, high: int, said: str) -> Check:
    return (name, raw, f"{_int(raw)} BETWEEN {low} AND {high}", f"{said} {low}-{high}")


def _acled_codes(col: Col) -> str:
    labels = "(" + "|".join(ACLED_INTER.values()) + ")"  # RE2: no metacharacters in them
    checks: list[Check] = []
    for name in ("inter1", "inter2"):
        x = col(name)
        checks.append((name, x, f"({_int(x)} BETWEEN 0 AND 8 OR regexp_full_match({x}, "
                       f"{lit(labels)}, 'i'))", "ACLED's actor types are 0-8 or their labels"))
    x = col("interaction")
    pair = labels + "(-" + labels + "| only)"
    checks.append(("interaction", x,
                   f"(CASE WHEN {_int(x)} IS NOT NULL THEN regexp_full_match({_code(x)}, "
                   f"'[1-8][0-8]?') ELSE regexp_full_match({x}, {lit(pair)}, 'i') END)",
                   "ACLED's interaction is two actor types, 10-88, or their labels"))
    checks.append(_in_range("time_precision", col("time_precision"), 1, 3,
                            "ACLED's time precision is"))
    checks.append(_in_range("geo_precision", col("geo_precision"), 1, 3,
                            "ACLED's geo precision is"))
    return _outside(checks)


def _ged_codes(col: Col) -> str:
    return _outside([
        _in_range("type_of_violence", col("type_of_violence"), 1, 3,
                  "UCDP's types of violence are"),
        _in_range("where_prec", col("where_prec"), 1, 7, "UCDP's location precision is"),
        _in_range("date_prec", col("date_prec"), 1, 5, "UCDP's date precision is"),
        _in_range("event_clarity", col("event_clarity"), 1, 2, "UCDP's event clarity is"),
    ])


def _ged_flags(col: Col) -> str:
    low, best, high = (_ged_count(col(c)) for c in ("low", "best", "high"))
    return (f"nullif(concat_ws('; ', CASE WHEN {best} < {low} THEN 'best below low' END, "
            f"CASE WHEN {best} > {high} THEN 'best above high' END), '')")


def _interaction(expr: str) -> str:
    first = _case(f"substr({expr}, 1, 1)", ACLED_INTER, "NULL")
    second = _case(f"substr({expr}, 2, 1)", ACLED_INTER, "NULL")
    return (f"(CASE WHEN regexp_full_match({expr}, '[1-8][0-8]?') THEN {first} || "
            f"coalesce('-' || {second}, ' only') ELSE {expr} END)")


def _acled(col: Col) -> dict[str, str]:
    return {
        "event_id": col("event_id_cnty"),
        "event_date": _date(col("event_date")),
        "date_end": _date(col("event_date")),
        "date_precision": _case(col("time_precision"), ACLED_PRECISION, "NULL"),
        "event_type": col("event_type"),
        "sub_event_type": col("sub_event_type"),
        "disorder_type": col("disorder_type"),
        "actor1": col("actor1"),
        "assoc_actor1": col("assoc_actor_1"),
        "actor1_type": _inter(col("inter1")),
        "actor2": col("actor2"),
        "assoc_actor2": col("assoc_actor_2"),
        "actor2_type": _inter(col("inter2")),
        "interaction": _interaction(col("interaction")),
        "civilian_targeting": (f"({col('civilian_targeting')} IS NOT NULL)"
                               if "civilian_targeting" in col.have
                               else "CAST(NULL AS BOOLEAN)"),
        "country": col("country"),
        "admin1": col("admin1"),
        "admin2": col("admin2"),
        "admin3": col("admin3"),
        "location": col("location"),
        "latitude": _num(col("latitude")),
        "longitude": _num(col("longitude")),
        "geo_precision": f"try_cast({_int(col('geo_precision'))} AS INTEGER)",
        "fatalities_best": _int(col("fatalities")),
        "fatalities_low": "CAST(NULL AS BIGINT)",
        "fatalities_high": "CAST(NULL AS BIGINT)",
        "event_count": "CAST(1 AS BIGINT)",
        "notes": col("notes"),
        "source": col("source"),
        "flags": "CAST(NULL AS VARCHAR)",
        "_date_raw": col("event_date"),
        "_lat_raw": col("latitude"),
        "_lon_raw": col("longitude"),
        "_year_raw": col("year"),
        "_codebook": _acled_codes(col),
        **_counts(col("fatalities")),
    }


def _acled_weekly(col: Col) -> dict[str, str]:
    week = _date(col("week"))
    key = ("concat_ws('|', 'W', " + f"coalesce(strftime({week}, '%Y-%m-%d'), {col('week')}), "
           + ", ".join(f"coalesce({col(c)}, '')" for c in (
               "country", "admin1", "event_type", "sub_event_type", "disorder_type")) + ")")
    return {
        "event_id": f"(CASE WHEN {col('week')} IS NOT NULL THEN {key} END)",
        "event_date": _date(col("week")),
        "date_end": f"(CAST({_date(col('week'))} AS DATE) + 6)",
        "date_precision": "'week'",
        "event_type": col("event_type"),
        "sub_event_type": col("sub_event_type"),
        "disorder_type": col("disorder_type"),
        "actor1": "CAST(NULL AS VARCHAR)",
        "assoc_actor1": "CAST(NULL AS VARCHAR)",
        "actor1_type": "CAST(NULL AS VARCHAR)",
        "actor2": "CAST(NULL AS VARCHAR)",
        "assoc_actor2": "CAST(NULL AS VARCHAR)",
        "actor2_type": "CAST(NULL AS VARCHAR)",
        "interaction": "CAST(NULL AS VARCHAR)",
        "civilian_targeting": "CAST(NULL AS BOOLEAN)",
        "country": col("country"),
        "admin1": col("admin1"),
        "admin2": "CAST(NULL AS VARCHAR)",
        "admin3": "CAST(NULL AS VARCHAR)",
        "location": "CAST(NULL AS VARCHAR)",
        "latitude": _num(col("centroid_latitude")),
        "longitude": _num(col("centroid_longitude")),
        "geo_precision": "CAST(NULL AS INTEGER)",
        "fatalities_best": _int(col("fatalities")),
        "fatalities_low": "CAST(NULL AS BIGINT)",
        "fatalities_high": "CAST(NULL AS BIGINT)",
        "event_count": _int(col("events")),
        "notes": "CAST(NULL AS VARCHAR)",
        "source": "CAST(NULL AS VARCHAR)",
        "flags": "CAST(NULL AS VARCHAR)",
        "_date_raw": col("week"),
        "_lat_raw": col("centroid_latitude"),
        "_lon_raw": col("centroid_longitude"),
        "_year_raw": "CAST(NULL AS VARCHAR)",
        "_codebook": "CAST(NULL AS VARCHAR)",
        **_counts(col("fatalities"), col("events")),
    }


_N_COUNTS = 7

HELPER_COLUMNS = ("_date_raw", "_lat_raw", "_lon_raw", "_year_raw", "_codebook",
                  *(f"_c{i}" for i in range(1, _N_COUNTS + 1)))
"""The select list's columns that only :func:`reason_expr` reads (not to be stored)."""


def _counts(*exprs: str) -> dict[str, str]:
    """Raw text of the count fields the validation checks, as ``_c1`` .. ``_c7``."""
    padded = [*exprs, *["CAST(NULL AS VARCHAR)"] * (_N_COUNTS - len(exprs))]
    return {f"_c{i}": e for i, e in enumerate(padded, start=1)}


def _ged_count(expr: str) -> str:
    """GED counts: -1 means unknown (NULL)."""
    return f"(CASE WHEN {expr} = '-1' THEN NULL ELSE {_int(expr)} END)"


def _ged_first(expr: str) -> str:
    return f"nullif(trim(split_part({expr}, ',', 1)), '')"


def _ged_rest(expr: str) -> str:
    rest = f"(CASE WHEN strpos({expr}, ',') > 0 THEN substr({expr}, strpos({expr}, ',') + 1) END)"
    return f"nullif(trim(regexp_replace({rest}, '\\s*,\\s*', '; ', 'g')), '')"


def _ged_side_type(side: str, violence: str, which: str) -> str:
    gov = f"({side} ILIKE 'Government of %')"
    if which == "a":
        return (f"(CASE WHEN {side} IS NULL THEN NULL WHEN {gov} THEN 'State forces' "
                f"ELSE 'Non-state group' END)")
    return (f"(CASE WHEN {side} IS NULL THEN NULL WHEN {violence} = '3' THEN 'Civilians' "
            f"WHEN {gov} THEN 'State forces' ELSE 'Non-state group' END)")


def _ged(col: Col) -> dict[str, str]:
    violence = col("type_of_violence")
    return {
        "event_id": col("id"),
        "event_date": _date(col("date_start")),
        "date_end": _date(col("date_end")),
        "date_precision": _case(col("date_prec"), UCDP_PRECISION, "NULL"),
        "event_type": _case(violence, UCDP_VIOLENCE, violence),
        "sub_event_type": "CAST(NULL AS VARCHAR)",
        "disorder_type": "'Political violence'",
        "actor1": _ged_first(col("side_a")),
        "assoc_actor1": _ged_rest(col("side_a")),
        "actor1_type": _ged_side_type(col("side_a"), violence, "a"),
        "actor2": _ged_first(col("side_b")),
        "assoc_actor2": _ged_rest(col("side_b")),
        "actor2_type": _ged_side_type(col("side_b"), violence, "b"),
        "interaction": col("dyad_name"),
        "civilian_targeting": f"({violence} = '3')",
        "country": col("country"),
        "admin1": col("adm_1"),
        "admin2": col("adm_2"),
        "admin3": "CAST(NULL AS VARCHAR)",
        "location": col("where_coordinates"),
        "latitude": _num(col("latitude")),
        "longitude": _num(col("longitude")),
        "geo_precision": f"try_cast({_int(col('where_prec'))} AS INTEGER)",
        "fatalities_best": _ged_count(col("best")),
        "fatalities_low": _ged_count(col("low")),
        "fatalities_high": _ged_count(col("high")),
        "event_count": "CAST(1 AS BIGINT)",
        "notes": col("source_headline"),
        "source": col("source_office"),
        "flags": _ged_flags(col),
        "_date_raw": col("date_start"),
        "_lat_raw": col("latitude"),
        "_lon_raw": col("longitude"),
        "_year_raw": col("year"),
        "_codebook": _ged_codes(col),
        **_counts(*(col(c) for c in ("best", "low", "high", "deaths_a", "deaths_b",
                                     "deaths_civilians", "deaths_unknown"))),
    }


_BUILDERS: dict[str, Callable[[Col], dict[str, str]]] = {
    "acled": _acled, "acled-api": _acled, "acled-api-json": _acled,
    "acled-weekly": _acled_weekly, "ucdp-ged": _ged, "ucdp-ged-hdx": _ged,
}


def build_select(format_name: str, columns: Iterable[str], dataset: str) -> str:
    """The select list normalising layout ``format_name`` (raw relation aliased ``s``)."""
    exprs = _BUILDERS[format_name](Col(columns))
    exprs = {"dataset": lit(dataset), **exprs}
    return ",\n  ".join(f"{e} AS {ident(k)}" for k, e in exprs.items())


def reason_expr(dataset: str) -> str:
    """Why a normalised row is rejected (NULL when it is fine), over relation ``n``."""
    minus_one_ok = dataset == "ucdp-ged"
    cs = [f"_c{i}" for i in range(1, _N_COUNTS + 1)]
    unknown = "{x} <> '-1' AND " if minus_one_ok else ""
    bad_count = " OR ".join(
        f"({x} IS NOT NULL AND {unknown.format(x=x)}{_int(x)} IS NULL)" for x in cs)
    neg_count = " OR ".join(f"({unknown.format(x=x)}{_int(x)} < 0)" for x in cs)
    return f"""(CASE
  WHEN event_id IS NULL THEN 'missing event id'
  WHEN _date_raw IS NULL THEN 'missing date'
  WHEN event_date IS NULL THEN 'bad date: ' || left(_date_raw, 40)
  WHEN event_date < DATE '1900-01-01' OR event_date > current_date + 400
    THEN 'date out of range: ' || left(_date_raw, 40)
  WHEN date_end IS NULL OR date_end < event_date THEN 'bad end date'
  WHEN (_lat_raw IS NULL) <> (_lon_raw IS NULL) THEN 'incomplete coordinates'
  WHEN _lat_raw IS NOT NULL AND (latitude IS NULL OR longitude IS NULL)
    THEN 'unparseable coordinates: ' || left(_lat_raw, 20) || ', ' || left(_lon_raw, 20)
  WHEN abs(latitude) > 90 OR abs(longitude) > 180
    THEN 'coordinates out of range: ' || latitude || ', ' || longitude
  WHEN coalesce({bad_count}, false) THEN 'bad count: not a whole number'
  WHEN coalesce({neg_count}, false) THEN 'bad count: negative'
  WHEN event_count IS NULL THEN 'missing event count'
  WHEN length(event_id) > 200 THEN 'event id too long'
  WHEN _codebook IS NOT NULL THEN _codebook
  WHEN _year_raw IS NOT NULL AND coalesce({_int("_year_raw")} <> year(event_date), true)
    THEN {lit(YEAR_REASON + ": ")} || left(_year_raw, 20) || ', date ' || event_date
END)"""
