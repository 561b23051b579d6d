"""Weekly series from the events store, on a simulation's calendar.

A calendar is a start date: week *k* covers ``[start + 7k, start + 7k + 7)``. Give a scenario's
start date and the weekly counts line up with the weeks of a simulation of that scenario;
without one, weeks start on a weekday (Monday by default) on or before the first event.
Counts sum ``event_count`` (1 per event; the number of events for ACLED weekly aggregated
rows, which are placed by their week's first day).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "ATTACK_EVENT_TYPES",
    "BY_CHOICES",
    "WEEKDAYS",
    "compare",
    "foreign_force_attacks",
    "weekly_counts",
]

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

BY_CHOICES: dict[str, str] = {
    "total": "'events'",
    "type": "coalesce(e.event_type, '(none)')",
    "sub_type": "coalesce(e.sub_event_type, '(none)')",
    "country": "coalesce(e.country, '(none)')",
    "target": "coalesce(e.actor2_type, '(none)')",
    "actor_name": "coalesce(e.actor1, '(none)')",
    "actor": "m.node_id",
}
"""Grouping keys of :func:`weekly_counts`: ``target`` is the target's actor type (ACLED
``inter2``; GED side B kind), ``actor`` the matched node of the acting side (actor 1 and its
associated actors; needs ``armednet events match``), ``actor_name`` the raw actor 1 string."""

ATTACK_EVENT_TYPES = ("Battles", "Explosions/Remote violence", "State-based conflict",
                      "Non-state conflict")
"""Event types counted as attacks by :func:`foreign_force_attacks`."""


def _as_date(value: str | dt.date | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what}: expected a date YYYY-MM-DD, got {value!r}") from None


def _dataset(con: duckdb.DuckDBPyConnection, dataset: str | None) -> str:
    have = [r[0] for r in con.execute(
        "SELECT DISTINCT dataset FROM events ORDER BY 1").fetchall()]
    if not have:
        raise InputError("the store holds no events (import event files first)")
    if dataset is None:
        if len(have) > 1:
            raise InputError(f"the store holds several datasets ({', '.join(have)}) whose "
                             "events overlap; choose one with --dataset")
        return str(have[0])
    if dataset not in have:
        raise InputError(f"no events of dataset {dataset!r} in the store "
                         f"(it holds: {', '.join(have)})")
    return dataset


def _scenario(con: duckdb.DuckDBPyConnection, scenario: str | None) -> str:
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables").fetchall()}
    have: list[str] = []
    if "event_actor_matches" in tables:
        have = [r[0] for r in con.execute(
            "SELECT DISTINCT scenario FROM event_actor_matches ORDER BY 1").fetchall()]
    if not have:
        raise InputError("no actor matches in the store: run `armednet events match` first")
    if scenario is None:
        if len(have) > 1:
            raise InputError(f"actors were matched to several scenarios ({', '.join(have)}); "
                             "name one")
        return str(have[0])
    if scenario not in have:
        raise InputError(f"no actor matches for scenario {scenario!r} (matched: "
                         f"{', '.join(have)}); run `armednet events match {scenario}`")
    return scenario


def _anchor(con: duckdb.DuckDBPyConnection, where: str, params: list[Any],
            start: dt.date | None, weekday: str) -> dt.date | None:
    if start is not None:
        return start
    wd = weekday.upper()[:3]
    if wd not in WEEKDAYS:
        raise InputError(f"weekday: expected one of {', '.join(WEEKDAYS)}, got {weekday!r}")
    row = con.execute(f"SELECT min(e.event_date) FROM events e WHERE {where}", params).fetchone()
    first = row[0] if row else None
    if first is None:
        return None
    return first - dt.timedelta(days=(first.weekday() - WEEKDAYS.index(wd)) % 7)


def _frame(rows: list[tuple[Any, ...]], anchor: dt.date | None, end: dt.date | None,
           columns: Sequence[str] | None = None) -> pd.DataFrame:
    import pandas as pd

    freq = f"W-{WEEKDAYS[anchor.weekday()]}" if anchor is not None else "W-MON"
    if anchor is None:
        index = pd.DatetimeIndex([], name="week", freq=freq)
        return pd.DataFrame(index=index, columns=list(columns or []), dtype="int64")
    df = pd.DataFrame(rows, columns=["week", "key", "n"])
    df["week"] = pd.to_datetime(df["week"])
    table = df.pivot_table(index="week", columns="key", values="n", aggfunc="sum",
                           fill_value=0) if len(df) else pd.DataFrame()
    last = pd.Timestamp(end) if end is not None else (
        table.index.max() if len(table) else pd.Timestamp(anchor))
    last_week = pd.Timestamp(anchor) + pd.Timedelta(days=7 * ((last - pd.Timestamp(anchor)).days
                                                              // 7))
    index = pd.date_range(pd.Timestamp(anchor), last_week, freq=freq, name="week")
    table = table.reindex(index, fill_value=0)
    if columns is not None:
        table = table.reindex(columns=list(columns), fill_value=0)
    elif len(table.columns):
        order = table.sum().sort_values(ascending=False, kind="stable").index
        table = table[order]
    table.columns = pd.Index([str(c) for c in table.columns], name=None)
    return table.astype("int64")


def weekly_counts(
    con: duckdb.DuckDBPyConnection, by: str = "type", *,
    start: str | dt.date | None = None, end: str | dt.date | None = None,
    weekday: str = "MON", dataset: str | None = None, scenario: str | None = None,
    country: str | None = None, event_types: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Weekly event counts, one column per group.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open store.
    by : str
        One of :data:`BY_CHOICES` (``type``, ``sub_type``, ``country``, ``target``,
        ``actor``, ``actor_name``, ``total``).
    start : date or str, optional
        First day of the first week (a scenario's start date); earlier events are left out.
        Default: the ``weekday`` on or before the first event.
    end : date or str, optional
        Last day counted (default: the last event).
    weekday : str
        Weekday weeks start on when ``start`` is not given.
    dataset : str, optional
        ``acled``, ``acled-weekly`` or ``ucdp-ged``; needed when the store holds several.
    scenario : str, optional
        For ``by="actor"``: the scenario whose matches are used (default: the only one).
    country : str, optional
        Only events in this country.
    event_types : sequence of str, optional
        Only these event types.

    Returns
    -------
    pandas.DataFrame
        Index: a weekly :class:`~pandas.DatetimeIndex` named ``week`` (week starts, with a
        ``W-<weekday>`` frequency, no gaps); columns: groups, largest total first; values:
        event counts (int64).

    Raises
    ------
    InputError
        Unknown ``by``, bad dates, several datasets without ``dataset``, or ``by="actor"``
        before matching.
    """
    if by not in BY_CHOICES:
        raise InputError(f"--by: expected one of {', '.join(BY_CHOICES)}, got {by!r}")
    start_d, end_d = _as_date(start, "--start"), _as_date(end, "--end")
    if start_d is not None and end_d is not None and end_d < start_d:
        raise InputError(f"--end {end_d} is before --start {start_d}")
    ds = _dataset(con, dataset)
    where = ["e.dataset = ?"]
    params: list[Any] = [ds]
    if start_d is not None:
        where.append("e.event_date >= ?")
        params.append(start_d)
    if end_d is not None:
        where.append("e.event_date <= ?")
        params.append(end_d)
    if country is not None:
        where.append("e.country = ?")
        params.append(country)
    if event_types:
        where.append("e.event_type IN (" + ", ".join("?" for _ in event_types) + ")")
        params.extend(event_types)
    where_sql = " AND ".join(where)
    anchor = _anchor(con, where_sql, params, start_d, weekday)
    if anchor is None:
        return _frame([], None, end_d)
    week = "(CAST(? AS DATE) + 7 * CAST(floor(datediff('day', CAST(? AS DATE), " \
           "e.event_date) / 7) AS INTEGER))"
    if by == "actor":
        sc = _scenario(con, scenario)
        sql = f"""
WITH sides AS (
  SELECT e.event_id, e.event_date, e.event_count, a.actor
  FROM events e,
    unnest(list_concat([e.actor1],
           string_split(regexp_replace(coalesce(e.assoc_actor1, ''), '\\s*;\\s*', ';', 'g'), ';'))) AS a(actor)
  WHERE {where_sql} AND a.actor IS NOT NULL AND a.actor <> ''
)
SELECT week, key, sum(n) FROM (
  SELECT DISTINCT s.event_id, m.node_id AS key,
         {week.replace('e.event_date', 's.event_date')} AS week, s.event_count AS n
  FROM sides s JOIN event_actor_matches m ON m.actor = s.actor
  WHERE m.scenario = ? AND m.status = 'matched'
) GROUP BY week, key"""
        rows = con.execute(sql, [*params, anchor, anchor, sc]).fetchall()
    else:
        sql = (f"SELECT {week} AS week, {BY_CHOICES[by]} AS key, sum(e.event_count) "
               f"FROM events e WHERE {where_sql} GROUP BY 1, 2")
        rows = con.execute(sql, [anchor, anchor, *params]).fetchall()
    return _frame(rows, anchor, end_d)


def foreign_force_attacks(
    con: duckdb.DuckDBPyConnection, *, targets: Sequence[str] | None = None,
    scenario: str | None = None, start: str | dt.date | None = None,
    end: str | dt.date | None = None, weekday: str = "MON", dataset: str | None = None,
    event_types: Sequence[str] = ATTACK_EVENT_TYPES,
) -> pd.Series:
    """Weekly attacks on foreign forces.

    An event counts when its target side (actor 2 or one of its associated actors) was
    matched to a target node and its type is one of ``event_types``. Each event counts once.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        An open store where ``armednet events match`` has run.
    targets : sequence of str, optional
        Node ids of the targets; default: every matched node of type ``foreign_force``.
    scenario, start, end, weekday, dataset
        As in :func:`weekly_counts`.
    event_types : sequence of str
        Event types counted as attacks (default :data:`ATTACK_EVENT_TYPES`).

    Returns
    -------
    pandas.Series
        Named ``attacks_on_foreign_forces``, on a weekly DatetimeIndex.
    """
    start_d, end_d = _as_date(start, "--start"), _as_date(end, "--end")
    ds = _dataset(con, dataset)
    sc = _scenario(con, scenario)
    if targets is None:
        node_filter, node_params = "m.node_type = 'foreign_force'", []
    else:
        if not targets:
            raise InputError("no target nodes given")
        node_filter = "m.node_id IN (" + ", ".join("?" for _ in targets) + ")"
        node_params = list(targets)
    where = ["e.dataset = ?"]
    params: list[Any] = [ds]
    if start_d is not None:
        where.append("e.event_date >= ?")
        params.append(start_d)
    if end_d is not None:
        where.append("e.event_date <= ?")
        params.append(end_d)
    if event_types:
        where.append("e.event_type IN (" + ", ".join("?" for _ in event_types) + ")")
        params.extend(event_types)
    where_sql = " AND ".join(where)
    anchor = _anchor(con, where_sql, params, start_d, weekday)
    import pandas as pd

    name = "attacks_on_foreign_forces"
    if anchor is None:
        return pd.Series([], index=pd.DatetimeIndex([], name="week"), name=name, dtype="int64")
    sql = f"""
WITH hit AS (
  SELECT DISTINCT e.dataset, e.event_id, e.event_date, e.event_count
  FROM events e,
    unnest(list_concat([e.actor2],
           string_split(regexp_replace(coalesce(e.assoc_actor2, ''), '\\s*;\\s*', ';', 'g'), ';'))) AS a(actor)
  JOIN event_actor_matches m ON m.actor = a.actor
  WHERE {where_sql} AND m.scenario = ? AND m.status = 'matched' AND {node_filter}
)
SELECT CAST(? AS DATE) + 7 * CAST(floor(datediff('day', CAST(? AS DATE), event_date) / 7)
       AS INTEGER) AS week, 'n' AS key, sum(event_count)
FROM hit GROUP BY 1, 2"""
    rows = con.execute(sql, [*params, sc, *node_params, anchor, anchor]).fetchall()
    frame = _frame(rows, anchor, end_d, columns=["n"])
    return frame["n"].rename(name)


def compare(observed: pd.Series, simulated: Any,
            quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Align a weekly observed series with simulated outputs on the same calendar.

    Parameters
    ----------
    observed : pandas.Series
        Weekly counts on a DatetimeIndex (e.g. from :func:`weekly_counts` with the
        scenario's start date).
    simulated : pandas.DataFrame
        Indexed by week start. Either quantiles already (every column label a number in
        (0, 1), e.g. ``0.05, 0.5, 0.95``) or draws (one column per run), from which the
        ``quantiles`` are computed.
    quantiles : sequence of float
        Quantiles to compute from draws; the outermost two make the predictive interval.

    Returns
    -------
    pandas.DataFrame
        On the weeks both cover: ``observed``, one ``qNN`` column per quantile (``q05``,
        ``q50``, ``q95``...), and ``inside`` (observed within the outer interval). ``attrs``
        hold ``coverage`` (share of weeks inside) and ``interval`` (its two levels).

    Raises
    ------
    InputError
        If either index is not dates, the calendars differ (weeks start on different days),
        the weeks do not overlap, or the quantile levels are not in (0, 1).

    Examples
    --------
    >>> import pandas as pd
    >>> weeks = pd.date_range("2023-10-02", periods=3, freq="W-MON")
    >>> obs = pd.Series([1, 5, 2], index=weeks)
    >>> sim = pd.DataFrame({0.05: [0, 0, 0], 0.5: [1, 2, 2], 0.95: [3, 4, 6]}, index=weeks)
    >>> compare(obs, sim)["inside"].tolist()
    [True, False, True]
    """
    import numpy as np
    import pandas as pd

    if not isinstance(simulated, pd.DataFrame):
        raise InputError("simulated: expected a DataFrame indexed by week start")
    for what, idx in (("observed", observed.index), ("simulated", simulated.index)):
        if not isinstance(idx, pd.DatetimeIndex):
            raise InputError(f"{what}: expected a weekly DatetimeIndex")
    if len(observed) == 0 or len(simulated) == 0:
        raise InputError("nothing to compare: a series is empty")
    obs_idx = observed.index.normalize()
    sim_idx = simulated.index.normalize()
    o_day, s_day = obs_idx[0], sim_idx[0]
    if (o_day - s_day).days % 7 != 0:
        raise InputError(
            f"calendars differ: observed weeks start on {o_day.day_name()}, simulated weeks "
            f"on {s_day.day_name()}; rebuild the observed series with start={s_day.date()}")

    def is_level(c: Any) -> bool:
        try:
            return 0.0 < float(c) < 1.0
        except (TypeError, ValueError):
            return False

    sim = simulated.copy()
    sim.index = sim_idx
    if all(is_level(c) for c in sim.columns) and len(sim.columns) >= 2:
        levels = sorted(float(c) for c in sim.columns)
        q = sim.rename(columns=lambda c: float(c))[levels]
    else:
        levels = sorted(float(x) for x in quantiles)
        if len(levels) < 2 or not all(0.0 < x < 1.0 for x in levels):
            raise InputError("quantiles: need at least two levels in (0, 1)")
        values = np.quantile(sim.to_numpy(dtype=float), levels, axis=1).T
        q = pd.DataFrame(values, index=sim.index, columns=levels)
    obs = pd.Series(observed.to_numpy(), index=obs_idx, name="observed")
    common = obs.index.intersection(q.index)
    if len(common) == 0:
        raise InputError(f"the observed weeks ({obs.index[0].date()}..{obs.index[-1].date()}) "
                         f"and simulated weeks ({q.index[0].date()}..{q.index[-1].date()}) "
                         "do not overlap")
    out = pd.DataFrame({"observed": obs.loc[common]}, index=common)
    out.index.name = "week"
    for lv in levels:
        out[f"q{round(lv * 100):02d}"] = q.loc[common, lv].to_numpy()
    lo, hi = out[f"q{round(levels[0] * 100):02d}"], out[f"q{round(levels[-1] * 100):02d}"]
    out["inside"] = (out["observed"] >= lo) & (out["observed"] <= hi)
    out.attrs["coverage"] = float(out["inside"].mean())
    out.attrs["interval"] = (levels[0], levels[-1])
    return out
