"""The claims' tests against data: exact rate ratios, the truce, the strikes' event study
and the MMP splits, on constructed files and (when the shared folder is there) the real
ones."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armednet.validation import claims_data as cd

REAL = cd.shared_data_dir()
needs_real = pytest.mark.skipif(REAL is None, reason="shared data folder absent")

INTERVALS = """first_day,interval_end_inclusive,days,attacks
2023-10-27,2023-11-09,14,28
2023-11-10,2023-11-23,14,28
2023-11-24,2023-11-27,4,0
2023-11-28,2023-11-28,1,1
2023-11-29,2023-11-30,2,0
2023-12-01,2023-12-14,14,14
2023-12-15,2023-12-28,14,14
2023-12-29,2024-01-30,33,10
"""
EVENTS = """event_id,date,event_kind,country
EV1,2023-11-10,us_strike,Iraq
EV2,2023-12-20,us_strike,Syria
EV3,2024-01-17,us_strike; designation,Yemen
EV4,2024-02-02,us_strike,Iraq;Syria
EV5,2023-11-24,ceasefire,Gaza
"""
SPLITS = """unique_id,type,group1_id,group2_id,date,description,group1_name,group2_name
1,spl,1,2,2007-04-00,Following the assassination of its leader two factions arose.,A,B
2,spl,1,2,2007-04-00,A duplicate row of the same split.,A,B
3,spl,3,4,1997-00-00,B split in protest over the ceasefire.,C,D
4,spl,5,6,1990-00-00,,E,F
5,all,1,3,2001-00-00,After the death of a leader they allied.,A,C
6,spl,7,8,2001-00-00,Members left over ideology.,G,H
"""


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    attacks = tmp_path / "attacks-us-forces-iraq-syria"
    mmp = tmp_path / "relations" / "mmp"
    attacks.mkdir(parents=True)
    mmp.mkdir(parents=True)
    (attacks / "intervals.csv").write_text(INTERVALS)
    (attacks / "key_events.csv").write_text(EVENTS)
    (mmp / "Militant-Group-Relationships-clean.csv").write_text(SPLITS)
    return tmp_path


def test_rate_ratio_matches_the_closed_form() -> None:
    # x1 = 0 of n = 10: the Clopper-Pearson upper limit is 1 - 0.05 ** (1 / 10)
    est, lo, hi = cd.poisson_rate_ratio(0, 1.0, 10, 1.0)
    p = 1 - 0.05 ** 0.1
    assert (est, lo) == (0.0, 0.0) and hi == pytest.approx(p / (1 - p))
    # swapping the two rates inverts the interval
    a = cd.poisson_rate_ratio(3, 2.0, 9, 5.0)
    b = cd.poisson_rate_ratio(9, 5.0, 3, 2.0)
    assert a[1] == pytest.approx(1 / b[2]) and a[2] == pytest.approx(1 / b[1])
    assert a[1] < a[0] < a[2]
    with pytest.raises(ValueError):
        cd.poisson_rate_ratio(0, 1.0, 0, 1.0)


def test_truce_against_the_surrounding_weeks(folder: Path) -> None:
    t = cd.truce_test(folder)
    # truce: 1 attack in 7 days; around: 56 in 28 days before, 28 in 28 days after
    assert t.counts.startswith("1 attack(s) in 7 truce days vs 84 in 56 days")
    assert t.estimate == pytest.approx((1 / 7) / (84 / 56))
    assert t.low < t.estimate < t.high < 1 and t.says.startswith("attacks fell")


def test_strike_windows_use_whole_intervals_before_the_cutoff(folder: Path) -> None:
    rows = cd.strike_windows(folder)
    # Yemen and after-cut-off strikes are left out
    assert [r["event"] for r in rows] == ["EV1", "EV2"]
    ev1, ev2 = rows
    # EV1 falls on an interval's first day: before = 27 Oct - 9 Nov; that interval ends the
    # day before, and the truce intervals after it are left out
    assert (ev1["before_attacks"], ev1["before_days"]) == (28, 14)
    assert (ev1["after_attacks"], ev1["after_days"]) == (0, 0) and "ratio" not in ev1
    # EV2 lies inside 15-28 Dec, which is left out; after = 29 Dec - 30 Jan (33 days)
    assert (ev2["before_attacks"], ev2["before_days"]) == (14, 14)
    assert (ev2["after_attacks"], ev2["after_days"]) == (10, 33)
    study = cd.strike_event_study(folder)
    assert study.estimate == pytest.approx((10 / 33) / (14 / 14))
    assert "1 of 2 strikes" in study.counts


def test_splits_deduplicated_and_coded(folder: Path) -> None:
    rows = cd.split_table(folder)
    assert [(r["parent"], r["splinter"]) for r in rows] == [("A", "B"), ("C", "D"),
                                                             ("G", "H")]
    assert [r["leader_loss"] for r in rows] == [True, False, False]
    assert [r["peace"] for r in rows] == [False, True, False]
    t = cd.split_test(folder)
    assert t.estimate == pytest.approx(1 / 3) and t.low < 1 / 3 < t.high
    assert "1 of 3 splits; 1 name a cease-fire" in t.counts


def test_folder_lookup_and_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    assert cd.shared_data_dir(tmp_path / "absent") is None
    monkeypatch.setenv(cd.DATA_ENV, str(tmp_path))
    assert cd.shared_data_dir() == tmp_path.resolve()
    tests = cd.data_tests(tmp_path)
    assert tests is not None
    for claim in ("C1", "C2", "C7"):
        assert tests[claim][0]["note"].startswith("not computed"), claim
    monkeypatch.setenv(cd.DATA_ENV, str(tmp_path / "absent"))
    assert cd.data_tests() is None


@needs_real
def test_real_truce() -> None:
    assert REAL is not None
    t = cd.truce_test(REAL)
    assert t.counts == "1 attack(s) in 7 truce days vs 85 in 49 days around"
    assert t.estimate == pytest.approx((1 / 7) / (85 / 49))
    assert 0 < t.low < t.estimate < t.high < 1


@needs_real
def test_real_strikes_stop_at_the_cutoff() -> None:
    assert REAL is not None
    rows = cd.strike_windows(REAL)
    days = [dt.date.fromisoformat(r["day"]) for r in rows]
    assert len(rows) == 9 and max(days) < cd.CUTOFF
    study = cd.strike_event_study(REAL)
    assert study.low < 1 < study.high  # no clear change after the strikes
    assert all(a <= cd.CUTOFF for a, *_ in cd._intervals(REAL))


@needs_real
def test_real_splits() -> None:
    assert REAL is not None
    t = cd.split_test(REAL)
    assert t.counts.startswith("4 of 78 splits")
    found = {r["parent"] for r in cd.split_table(REAL) if r["leader_loss"]}
    assert "1920s Revolution Brigades" in found
    records = cd.data_tests(REAL)
    assert records is not None and {"C1", "C2", "C7"} <= set(records)
    assert all("summary" in r for rs in records.values() for r in rs)
