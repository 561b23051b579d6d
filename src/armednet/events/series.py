"""Weekly series from the events store, on a simulation's calendar.

A calendar is a start date: week *k* covers ``[start + 7k, start + 7k + 7)``. Give a scenario's
start date and the weekly counts line up with the weeks of a simulation of that scenario;
without one, weeks start on a weekday (Monday by default) on or before the first event.
Counts sum ``event_count`` (1 per event; the number of events for ACLED weekly aggregated
rows, which are placed by their week's first day). Weeks the imported files do not wholly
cover are missing values, not zeros: a file of January events says nothing about December.
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
    "simulated_weekly",
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


def _side(n: str) -> str:
    """SQL list of the actor strings of side ``n`` (actor and associated actors)."""
    return (f"list_concat([e.actor{n}], string_split(regexp_replace("
            f"coalesce(e.assoc_actor{n}, ''), '\\s*;\\s*', ';', 'g'), ';'))")


def _as_date(value: str | dt.date | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{what}: expected a date YYYY-MM-DD, got {value!r}",
                         params=(what,)) from None


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
    first = con.execute(f"SELECT min(e.event_date) FROM events e WHERE {where}",
                        params).fetchall()[0][0]
    if first is None:
        return None
    return first - dt.timedelta(days=(first.weekday() - WEEKDAYS.index(wd)) % 7)


def _coverage(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[dt.date, dt.date]]:
    """The date ranges the imported files of a dataset cover (first to last day of each)."""
    cols = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'event_imports'").fetchall()}
    first, last = (("i.first_date", "i.last_date") if "first_date" in cols
                   else ("CAST(NULL AS DATE)", "CAST(NULL AS DATE)"))
    rows = con.execute(f"""
SELECT coalesce({first}, e.first_day), coalesce({last}, e.last_day)
FROM event_imports i LEFT JOIN (
  SELECT import_hash, min(event_date) AS first_day,
         max(coalesce(date_end, event_date)) AS last_day
  FROM events GROUP BY import_hash) e ON e.import_hash = i.file_hash
WHERE i.dataset = ?""", [dataset]).fetchall()
    return sorted((a, b) for a, b in rows if a is not None and b is not None)


def _last_day(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> dt.date | None:
    day = con.execute(f"SELECT max(e.event_date) FROM events e WHERE {where}",
                      params).fetchall()[0][0]
    return day if isinstance(day, dt.date) else None


def _event_filter(dataset: str, start: dt.date | None, end: dt.date | None,
                  country: str | None, event_types: Sequence[str] | None
                  ) -> tuple[str, list[Any]]:
    """The SQL condition (on table alias ``e``) and its parameters for the common filters."""
    where = ["e.dataset = ?"]
    params: list[Any] = [dataset]
    for cond, value in (("e.event_date >= ?", start), ("e.event_date <= ?", end),
                        ("e.country = ?", country)):
        if value is not None:
            where.append(cond)
            params.append(value)
    if event_types:
        where.append("e.event_type IN (" + ", ".join("?" for _ in event_types) + ")")
        params.extend(event_types)
    return " AND ".join(where), params


def _frame(rows: list[tuple[Any, ...]], anchor: dt.date | None, end: dt.date | None,
           columns: Sequence[str] | None = None,
           coverage: Sequence[tuple[dt.date, dt.date]] = ()) -> pd.DataFrame:
    """Pivot ``(week, key, n)`` rows on a gap-free weekly index; weeks outside ``coverage``
    (not wholly inside the dates of one imported file) are missing (``<NA>``), not zero."""
    import pandas as pd

    freq = f"W-{WEEKDAYS[anchor.weekday()]}" if anchor is not None else "W-MON"
    if anchor is None:
        index = pd.DatetimeIndex([], name="week", freq=freq)
        return pd.DataFrame(index=index, columns=list(columns or []), dtype="Int64")
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
    table = table.astype("Int64")
    covered = [any(a <= w.date() and w.date() + dt.timedelta(days=6) <= b
                   for a, b in coverage) for w in index]
    table.loc[[not c for c in covered], :] = pd.NA
    return table


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
        ``W-<weekday>`` frequency, no gaps) up to ``end`` or the last event; columns: groups,
        largest total first; values: event counts (nullable ``Int64``). A week that is not
        wholly inside the dates of an imported file of the dataset (first to last day of its
        records) is missing (``<NA>``): no data is not zero events.

    Raises
    ------
    InputError
        Unknown ``by``, bad dates, several datasets without ``dataset``, or ``by="actor"``
        before matching.
    """
    if by not in BY_CHOICES:
        raise InputError(f"by: expected one of {', '.join(BY_CHOICES)}, got {by!r}",
                         params=("by",))
    start_d, end_d = _as_date(start, "start"), _as_date(end, "end")
    if start_d is not None and end_d is not None and end_d < start_d:
        raise InputError(f"end {end_d} is before start {start_d}", params=("end", "start"))
    ds = _dataset(con, dataset)
    where_sql, params = _event_filter(ds, start_d, end_d, country, event_types)
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
    unnest({_side('1')}) AS a(actor)
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
    return _frame(rows, anchor, end_d or _last_day(con, where_sql, params),
                  coverage=_coverage(con, ds))


def foreign_force_attacks(
    con: duckdb.DuckDBPyConnection, *, targets: Sequence[str] | None = None,
    scenario: str | None = None, start: str | dt.date | None = None,
    end: str | dt.date | None = None, weekday: str = "MON", dataset: str | None = None,
    country: str | None = None, event_types: Sequence[str] = ATTACK_EVENT_TYPES,
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
    scenario, start, end, weekday, dataset, country
        As in :func:`weekly_counts`.
    event_types : sequence of str
        Event types counted as attacks (default :data:`ATTACK_EVENT_TYPES`).

    Returns
    -------
    pandas.Series
        Named ``attacks_on_foreign_forces`` (nullable ``Int64``), on a weekly DatetimeIndex
        from the first week to ``end`` (default: the last event of the dataset that passes the
        date, country and type filters, so that quiet weeks count as zeros); weeks outside the
        dates the imported files cover are ``<NA>``, as in :func:`weekly_counts`.
    """
    start_d, end_d = _as_date(start, "start"), _as_date(end, "end")
    ds = _dataset(con, dataset)
    sc = _scenario(con, scenario)
    if targets is None:
        node_filter, node_params = "m.node_type = 'foreign_force'", []
    else:
        if not targets:
            raise InputError("no target nodes given")
        node_filter = "m.node_id IN (" + ", ".join("?" for _ in targets) + ")"
        node_params = list(targets)
    where_sql, params = _event_filter(ds, start_d, end_d, country, event_types)
    anchor = _anchor(con, where_sql, params, start_d, weekday)
    import pandas as pd

    name = "attacks_on_foreign_forces"
    if anchor is None:
        return pd.Series([], index=pd.DatetimeIndex([], name="week"), name=name, dtype="int64")
    sql = f"""
WITH hit AS (
  SELECT DISTINCT e.dataset, e.event_id, e.event_date, e.event_count
  FROM events e,
    unnest({_side('2')}) AS a(actor)
  JOIN event_actor_matches m ON m.actor = a.actor
  WHERE {where_sql} AND m.scenario = ? AND m.status = 'matched' AND {node_filter}
)
SELECT CAST(? AS DATE) + 7 * CAST(floor(datediff('day', CAST(? AS DATE), event_date) / 7)
       AS INTEGER) AS week, 'n' AS key, sum(event_count)
FROM hit GROUP BY 1, 2"""
    rows = con.execute(sql, [*params, sc, *node_params, anchor, anchor]).fetchall()
    # weeks without attacks up to the last event are zeros, not gaps
    frame = _frame(rows, anchor, end_d or _last_day(con, where_sql, params), columns=["n"],
                   coverage=_coverage(con, ds))
    return frame["n"].rename(name)


def simulated_weekly(weekly: Any, variable: str = "attacks") -> pd.DataFrame:
    """Simulated weekly values as a DataFrame for :func:`compare` (one column per run).

    Parameters
    ----------
    weekly : xarray.Dataset or xarray.DataArray
        Weekly trajectories with a ``date`` coordinate (week starts) along one dimension and,
        optionally, one more dimension of runs; e.g. the ``weekly`` Dataset of a simulation
        run with ``record="weekly"``, whose ``date`` is the scenario's start plus whole weeks.
    variable : str
        The variable, when ``weekly`` is a Dataset.

    Returns
    -------
    pandas.DataFrame
        Index: a DatetimeIndex named ``week``; columns: runs (a single ``value`` column
        without a run dimension).

    Raises
    ------
    InputError
        If the variable is missing, there is no ``date`` coordinate, or the values have more
        than two dimensions (select a group first).

    Examples
    --------
    >>> import numpy as np, pandas as pd, xarray as xr
    >>> dates = pd.date_range("2023-10-02", periods=3, freq="7D").to_numpy()
    >>> ds = xr.Dataset({"attacks": (("run", "week"), np.ones((2, 3)))},
    ...                 coords={"run": [0, 1], "date": ("week", dates)})
    >>> simulated_weekly(ds).shape
    (3, 2)
    """
    import pandas as pd

    da = weekly
    if hasattr(weekly, "data_vars"):
        if variable not in weekly.data_vars:
            have = ", ".join(map(str, weekly.data_vars))
            raise InputError(f"simulated: no variable {variable!r} (it has: {have})")
        da = weekly[variable]
    if not hasattr(da, "dims") or "date" not in getattr(da, "coords", {}):
        raise InputError("simulated: expected an xarray object with a 'date' coordinate")
    date = da.coords["date"]
    if len(date.dims) != 1:
        raise InputError("simulated: the 'date' coordinate must lie along one dimension")
    time_dim = date.dims[0]
    others = [d for d in da.dims if d != time_dim]
    if len(others) > 1:
        raise InputError(f"simulated: {variable!r} has dimensions {tuple(da.dims)}; select "
                         f"all but {time_dim!r} and one run dimension first (e.g. .sel(group=...))")
    index = pd.DatetimeIndex(pd.to_datetime(date.values), name="week")
    if not others:
        return pd.DataFrame({"value": da.values}, index=index)
    values = da.transpose(time_dim, others[0]).values
    runs = da.coords[others[0]].values if others[0] in da.coords else range(values.shape[1])
    return pd.DataFrame(values, index=index, columns=list(runs))


def _level_name(level: float) -> str:
    pct = level * 100
    return f"q{round(pct):02d}" if abs(pct - round(pct)) < 1e-9 else f"q{pct:04.1f}"


def compare(observed: pd.Series | pd.DataFrame, simulated: pd.Series | pd.DataFrame,
            quantiles: Sequence[float] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
    """Align a weekly observed series with simulated values on the same calendar.

    The function only needs pandas objects indexed by week start; use
    :func:`simulated_weekly` to turn a simulation's xarray output into one.

    Parameters
    ----------
    observed : pandas.Series or one-column DataFrame
        Weekly counts on a DatetimeIndex (e.g. from :func:`weekly_counts` or
        :func:`foreign_force_attacks` with the scenario's start date).
    simulated : pandas.Series or pandas.DataFrame
        Indexed by week start. A Series (or one-column DataFrame) is one simulated value per
        week (a single run, or a mean); a DataFrame is either quantiles already (every column
        label a number in (0, 1), e.g. ``0.05, 0.5, 0.95``) or draws (one column per run),
        from which the ``quantiles`` are computed (NaN ignored).
    quantiles : sequence of float
        Quantiles to compute from draws; the outermost two make the predictive interval.

    Returns
    -------
    pandas.DataFrame
        On the weeks both cover (weeks with a missing observation are left out and counted
        in ``attrs["unobserved_weeks"]``), indexed by ``week``: ``observed`` and either
        ``simulated`` and ``difference`` (simulated minus observed) for a single series, or one
        ``qNN`` column per quantile (``q05``, ``q50``, ``q95``; ``q02.5`` for 0.025) and
        ``inside`` (observed within the outer interval). ``attrs`` hold ``weeks``, ``mae``,
        ``bias`` (mean of simulated minus observed, against the median when quantiles are
        given) and, for intervals, ``coverage`` (share of weeks inside) and ``interval`` (its
        two levels).

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
    >>> compare(obs, pd.Series([1.0, 3.0, 2.0], index=weeks)).attrs["mae"]
    0.6666666666666666
    """
    import numpy as np
    import pandas as pd

    if isinstance(observed, pd.DataFrame):
        if observed.shape[1] != 1:
            raise InputError(f"observed: expected one series, got {observed.shape[1]} columns")
        observed = observed.iloc[:, 0]
    if not isinstance(observed, pd.Series):
        raise InputError("observed: expected a pandas Series indexed by week start")
    if not isinstance(simulated, pd.Series | pd.DataFrame):
        raise InputError("simulated: expected a pandas Series or DataFrame indexed by week "
                         "start (see simulated_weekly for xarray outputs)")
    for what, idx in (("observed", observed.index), ("simulated", simulated.index)):
        if not isinstance(idx, pd.DatetimeIndex):
            raise InputError(f"{what}: expected a weekly DatetimeIndex, got "
                             f"{type(idx).__name__}")
    if len(observed) == 0 or len(simulated) == 0:
        raise InputError("nothing to compare: a series is empty")
    obs_idx = pd.DatetimeIndex(observed.index).normalize()
    sim_idx = pd.DatetimeIndex(simulated.index).normalize()
    s_day = sim_idx[0]
    for what, idx in (("observed", obs_idx), ("simulated", sim_idx)):
        off = np.asarray((idx - s_day).days) % 7
        if off.any():
            day = idx[np.flatnonzero(off)[0]]
            raise InputError(
                f"calendars differ: {what} has a week starting on {day.day_name()} "
                f"{day.date()}, simulated weeks start on {s_day.day_name()}s; rebuild the "
                f"observed series with start={s_day.date()}")
    for what, idx in (("observed", obs_idx), ("simulated", sim_idx)):
        if idx.has_duplicates:
            raise InputError(f"{what}: the same week appears twice")

    def is_level(c: Any) -> bool:
        try:
            return 0.0 < float(c) < 1.0
        except (TypeError, ValueError):
            return False

    values = pd.Series(observed).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    obs = pd.Series(values, index=obs_idx, name="observed")
    sim = simulated.copy()
    sim.index = sim_idx
    if isinstance(sim, pd.DataFrame) and sim.shape[1] == 1 and not is_level(sim.columns[0]):
        sim = sim.iloc[:, 0]
    both = obs.index.intersection(sim.index).sort_values()
    common = both[obs.loc[both].notna().to_numpy()]
    if len(common) == 0:
        what = "weeks" if len(both) == 0 else "observed (non-missing) weeks"
        seen = obs.dropna().index if len(both) else obs.index
        span = (f"{seen.min().date()}..{seen.max().date()}" if len(seen) else "none")
        raise InputError(f"the {what} ({span}) and simulated weeks "
                         f"({sim.index.min().date()}..{sim.index.max().date()}) do not overlap")
    out = pd.DataFrame({"observed": obs.loc[common]}, index=common)
    out.index.name = "week"
    if isinstance(sim, pd.Series):
        out["simulated"] = sim.loc[common].to_numpy(dtype=float)
        out["difference"] = out["simulated"] - out["observed"]
        middle = out["simulated"]
    else:
        if all(is_level(c) for c in sim.columns) and len(sim.columns) >= 2:
            levels = sorted(float(c) for c in sim.columns)
            q = sim.rename(columns=lambda c: float(c))[levels].astype(float)
        else:
            levels = sorted(float(x) for x in quantiles)
            if len(levels) < 2 or not all(0.0 < x < 1.0 for x in levels):
                raise InputError("quantiles: need at least two levels in (0, 1)")
            values = np.nanquantile(sim.to_numpy(dtype=float), levels, axis=1).T
            q = pd.DataFrame(values, index=sim.index, columns=levels)
        for lv in levels:
            out[_level_name(lv)] = q.loc[common, lv].to_numpy()
        lo, hi = out[_level_name(levels[0])], out[_level_name(levels[-1])]
        out["inside"] = (out["observed"] >= lo) & (out["observed"] <= hi)
        out.attrs["coverage"] = float(out["inside"].mean())
        out.attrs["interval"] = (levels[0], levels[-1])
        mid = min(levels, key=lambda lv: abs(lv - 0.5))
        middle = out[_level_name(mid)]
    diff = middle - out["observed"]
    out.attrs["weeks"] = len(out)
    out.attrs["unobserved_weeks"] = len(both) - len(common)
    out.attrs["mae"] = float(diff.abs().mean())
    out.attrs["bias"] = float(diff.mean())
    return out
