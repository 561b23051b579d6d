"""Weekly series from the store, and their comparison with simulated values."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.events.matching import match_store
from armednet.events.series import (
    ATTACK_EVENT_TYPES,
    compare,
    foreign_force_attacks,
    simulated_weekly,
    weekly_counts,
)
from armednet.events.store import import_file, open_store
from armednet.kb import KnowledgeGraph
from tests.events.fakes import acled_row, write_acled, write_acled_weekly

START = dt.date(2023, 10, 16)  # a Monday
N = 42  # events i = 0..41 on START + i // 2 days: three whole weeks, 16 Oct to 5 Nov


def _expected(key: str, week_start: dt.date) -> Counter[tuple[dt.date, str]]:
    """Counts by (week start, key) computed from the generator, not the store."""
    out: Counter[tuple[dt.date, str]] = Counter()
    for i in range(N):
        day = START + dt.timedelta(days=i // 2)
        week = week_start + dt.timedelta(days=7 * ((day - week_start).days // 7))
        out[(week, acled_row(i, day)[key])] += 1
    return out


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = open_store(tmp_path / "s.duckdb")
    import_file(c, write_acled(tmp_path / "a.csv", n=N, bad=False, start=START).path)
    yield c
    c.close()


@pytest.mark.parametrize(("by", "key"), [("type", "event_type"), ("country", "country"),
                                         ("actor_name", "actor1")])
def test_weekly_counts_by_column(con: duckdb.DuckDBPyConnection, by: str, key: str) -> None:
    frame = weekly_counts(con, by)
    assert frame.index[0].date() == START and frame.index.freqstr == "W-MON"
    assert frame.index.name == "week" and (frame.dtypes == "Int64").all()
    assert len(frame) == 3 and not frame.isna().to_numpy().any()
    got = {(w.date(), c): int(frame.loc[w, c]) for w in frame.index for c in frame.columns
           if frame.loc[w, c]}
    assert got == dict(_expected(key, START))
    assert int(frame.to_numpy().sum()) == N


def test_weekly_counts_by_target_type(con: duckdb.DuckDBPyConnection) -> None:
    frame = weekly_counts(con, "target")
    assert set(frame.columns) == {"External/Other forces", "Civilians", "Rebel group",
                                  "(none)"}
    assert int(frame.to_numpy().sum()) == N


def _values(series: pd.Series) -> list[int | None]:
    return [None if pd.isna(v) else int(v) for v in series]


def test_calendar_of_a_scenario(con: duckdb.DuckDBPyConnection) -> None:
    """start= a scenario's start date: weeks line up with a simulation's; weeks the file
    does not cover are missing, not zero."""
    frame = weekly_counts(con, "total", start="2023-10-02", end="2023-11-12")
    assert [d.date() for d in frame.index] == [dt.date(2023, 10, 2) + dt.timedelta(weeks=k)
                                               for k in range(6)]
    assert _values(frame["events"]) == [None, None, 14, 14, 14, None]


def test_weekday_and_filters(con: duckdb.DuckDBPyConnection) -> None:
    tue = weekly_counts(con, "total", weekday="TUE")
    assert tue.index[0].date() == dt.date(2023, 10, 10)
    assert _values(tue["events"]) == [None, 14, 14, None]  # partial weeks are missing
    assert _values(weekly_counts(con, "total", end="2023-10-18")["events"]) == [6]
    battles = weekly_counts(con, "type", event_types=["Battles"])
    assert list(battles.columns) == ["Battles"] and int(battles.to_numpy().sum()) == 14
    assert weekly_counts(con, "total", country="Syria").empty


def test_quiet_weeks_inside_the_data_are_zero(con: duckdb.DuckDBPyConnection,
                                              tmp_path: Path) -> None:
    """Another file covering later weeks: the gap between the files is missing data."""
    later = write_acled(tmp_path / "b.csv", n=14, bad=False, start=dt.date(2023, 12, 4),
                        id_offset=1000)
    import_file(con, later.path)
    frame = weekly_counts(con, "total", event_types=["Riots"])  # no riots at all
    assert frame.empty
    total = weekly_counts(con, "total")
    assert _values(total["events"]) == [14, 14, 14, None, None, None, None, 14]
    violence = weekly_counts(con, "type", event_types=["Battles"], start=START)
    by_type = _expected("event_type", START)
    assert _values(violence["Battles"])[:3] == [
        by_type[(START + dt.timedelta(weeks=k), "Battles")] for k in range(3)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"by": "colour"}, "by: expected one of"),
        ({"start": "17/10/2023"}, "start: expected a date"),
        ({"start": "2023-10-20", "end": "2023-10-01"}, "before start"),
        ({"dataset": "ucdp-ged"}, "no events of dataset 'ucdp-ged'"),
        ({"weekday": "Funday"}, "weekday: expected one of"),
        ({"by": "actor"}, "run `armednet events match` first"),
    ],
)
def test_weekly_counts_errors(con: duckdb.DuckDBPyConnection, kwargs: dict[str, str],
                              match: str) -> None:
    with pytest.raises(InputError, match=match):
        weekly_counts(con, **kwargs)


def test_several_datasets_need_a_choice(con: duckdb.DuckDBPyConnection,
                                        tmp_path: Path) -> None:
    import_file(con, write_acled_weekly(tmp_path / "w.csv", bad=False).path)
    with pytest.raises(InputError, match="several datasets"):
        weekly_counts(con, "total")
    weekly = weekly_counts(con, "total", dataset="acled-weekly", start="2023-10-14")
    assert _values(weekly["events"]) == [2 * (1 + w) for w in range(6)]  # EVENTS summed


def test_by_actor_and_foreign_force_attacks(con: duckdb.DuckDBPyConnection) -> None:
    match_store(con, KnowledgeGraph.load())
    by_actor = weekly_counts(con, "actor", start=START)
    # actor1 cycles over 5 strings: Islamic Resistance in Iraq, Kataib Hizballah and Military
    # Forces of Iraq are nodes; Militia (Pro-Iran) and Unidentified Armed Group are generic
    assert set(by_actor.columns) == {"islamic-resistance-in-iraq", "kataib-hezbollah",
                                     "ministry-of-defence"}
    assert int(by_actor.to_numpy().sum()) == sum(1 for i in range(N) if i % 5 in (0, 1, 4))
    attacks = foreign_force_attacks(con, start=START)
    assert attacks.name == "attacks_on_foreign_forces" and attacks.dtype == "Int64"
    expected: Counter[dt.date] = Counter()
    for i in range(N):
        row = acled_row(i, START)
        if row["actor2"].startswith("Military Forces of the United States") and \
                row["event_type"] in ATTACK_EVENT_TYPES:
            expected[START + dt.timedelta(weeks=(i // 2) // 7)] += 1
    assert {w.date(): int(v) for w, v in attacks.items() if v} == dict(expected)
    none = foreign_force_attacks(con, targets=["iran"], start=START)
    assert _values(none) == [0, 0, 0]  # weeks of data without such attacks are zeros
    with pytest.raises(InputError, match="no target nodes"):
        foreign_force_attacks(con, targets=[])


def _weeks(start: str, n: int) -> pd.DatetimeIndex:
    return pd.date_range(start, periods=n, freq="7D")


def test_compare_with_quantiles_draws_and_a_series() -> None:
    weeks = _weeks("2023-10-02", 4)
    obs = pd.Series([0, 3, 10, 1], index=weeks)
    quant = pd.DataFrame({0.05: [0, 1, 1, 0], 0.5: [1, 3, 4, 2], 0.95: [2, 6, 8, 5]},
                         index=weeks)
    out = compare(obs, quant)
    assert out["inside"].tolist() == [True, True, False, True]
    assert out.attrs["coverage"] == 0.75 and out.attrs["interval"] == (0.05, 0.95)
    assert out.attrs["mae"] == pytest.approx((1 + 0 + 6 + 1) / 4)
    draws = pd.DataFrame(np.tile(np.arange(101.0), (4, 1)), index=weeks)
    out = compare(obs, draws, quantiles=(0.025, 0.5, 0.975))
    assert list(out.columns) == ["observed", "q02.5", "q50", "q97.5", "inside"]
    assert out["q50"].tolist() == [50.0] * 4
    single = compare(obs, pd.Series([1.0, 2.0, 3.0, 4.0], index=weeks))
    assert single["difference"].tolist() == [1.0, -1.0, -7.0, 3.0]
    assert single.attrs["bias"] == pytest.approx(-1.0)
    one_col = compare(obs.to_frame("n"), pd.DataFrame({"run0": [1.0, 2, 3, 4]}, index=weeks))
    assert one_col["simulated"].tolist() == [1.0, 2.0, 3.0, 4.0]


def test_compare_uses_common_weeks_only() -> None:
    obs = pd.Series([1, 2, 3], index=_weeks("2023-10-16", 3))
    sim = pd.Series([5.0] * 10, index=_weeks("2023-10-02", 10))
    out = compare(obs, sim)
    assert [d.date() for d in out.index] == [dt.date(2023, 10, 16), dt.date(2023, 10, 23),
                                             dt.date(2023, 10, 30)]


@pytest.mark.parametrize(
    ("obs", "sim", "match"),
    [
        (pd.Series([1], index=_weeks("2023-10-03", 1)), pd.Series([1.0], index=_weeks(
            "2023-10-02", 1)), "calendars differ.*start=2023-10-02"),
        (pd.Series([1], index=_weeks("2024-10-07", 1)), pd.Series([1.0, 2.0], index=_weeks(
            "2023-10-02", 2)), "do not overlap"),
        (pd.Series([1, 2], index=[0, 1]), pd.Series([1.0], index=_weeks("2023-10-02", 1)),
         "weekly DatetimeIndex"),
        (pd.DataFrame({"a": [1], "b": [2]}, index=_weeks("2023-10-02", 1)),
         pd.Series([1.0], index=_weeks("2023-10-02", 1)), "expected one series"),
        (pd.Series([], index=pd.DatetimeIndex([]), dtype=float),
         pd.Series([1.0], index=_weeks("2023-10-02", 1)), "empty"),
        (pd.Series([1], index=_weeks("2023-10-02", 1)), [1, 2, 3], "pandas Series or Data"),
    ],
)
def test_compare_errors(obs: object, sim: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        compare(obs, sim)  # type: ignore[arg-type]


def test_compare_with_the_simulation_engine(con: duckdb.DuckDBPyConnection) -> None:
    """Observed weekly attacks on the scenario's calendar against simulate(record="weekly")."""
    from armednet.sim.engine import simulate

    kg = KnowledgeGraph.load()
    start = str(kg.scenario.scenario.start)
    result = simulate(kg, runs=4, weeks=6, seed=1, record="weekly")
    assert result.weekly is not None
    sim = simulated_weekly(result.weekly, "attacks")
    assert sim.shape == (6, 4) and sim.index[0].date().isoformat() == start
    match_store(con, kg)
    observed = foreign_force_attacks(con, start=start, end="2023-11-12")
    assert _values(observed)[:2] == [None, None]  # before the data: missing, not zero
    out = compare(observed, sim)
    assert [d.date() for d in out.index] == [START + dt.timedelta(weeks=k) for k in range(3)]
    assert out.attrs["unobserved_weeks"] == 3
    assert out["observed"].sum() == observed.sum()
    assert {"q05", "q50", "q95", "inside"} <= set(out.columns)


def test_compare_only_missing_observations() -> None:
    obs = pd.Series([pd.NA, pd.NA], index=_weeks("2023-10-02", 2), dtype="Int64")
    with pytest.raises(InputError, match=r"observed \(non-missing\) weeks"):
        compare(obs, pd.Series([1.0, 2.0], index=_weeks("2023-10-02", 2)))


def test_simulated_weekly_errors() -> None:
    import xarray as xr

    dates = _weeks("2023-10-02", 3).to_numpy()
    ds = xr.Dataset({"attacks": (("run", "week", "group"), np.ones((2, 3, 2)))},
                    coords={"date": ("week", dates)})
    with pytest.raises(InputError, match="select"):
        simulated_weekly(ds)
    with pytest.raises(InputError, match="no variable 'deaths'"):
        simulated_weekly(ds, "deaths")
    one = simulated_weekly(ds["attacks"].isel(run=0, group=0))
    assert list(one.columns) == ["value"] and len(one) == 3
    with pytest.raises(InputError, match="'date' coordinate"):
        simulated_weekly(xr.DataArray(np.ones(3), dims=["week"]))
