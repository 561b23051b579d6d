"""The rolling-origin backtest: which intervals are scored at which horizon, baselines from
the history before each origin, reproducibility with a seed, and a tiny real run (ABC-SMC
refits on the DoD counts) that the report can read back from the store."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.events.intervals import IntervalCounts, load_intervals
from armednet.kb import KnowledgeGraph
from armednet.validation.backtest import (
    DEFAULT_ORIGINS,
    AbcFit,
    backtest,
    horizon_of,
    save_backtest,
    snap_origins,
)
from armednet.validation.baselines import BASELINES, baseline_forecasts, implied_weekly
from armednet.validation.forecast import Forecast
from tests.factories import tiny_document, write_yaml

COLUMNS = ["origin", "horizon", "forecaster", "crps", "log_score", "cover50", "cover90", "n"]


@pytest.fixture(scope="module")
def tiny_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path = write_yaml(tmp_path_factory.mktemp("bt") / "tiny.yaml", tiny_document())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KnowledgeGraph.load(str(path))


def generated_intervals(tmp_path: Path) -> IntervalCounts:
    """Counts over irregular, contiguous intervals from 17 Oct 2023 to 30 Jan 2024."""
    rng = np.random.default_rng(11)
    lengths = [8, 2, 4, 1, 6, 3, 5, 7, 4, 2, 9, 6, 3, 8, 5, 10, 4, 7, 3, 9]
    day = dt.date(2023, 10, 17)
    rows = []
    for n in lengths:
        end = min(day + dt.timedelta(days=n - 1), dt.date(2024, 1, 30))
        rows.append(f"{day},{end},{rng.poisson(1.5 * ((end - day).days + 1))}")
        day = end + dt.timedelta(days=1)
        if day > dt.date(2024, 1, 30):
            break
    path = tmp_path / "generated.csv"
    path.write_text("first_day,interval_end_inclusive,attacks\n" + "\n".join(rows) + "\n")
    return load_intervals(path)


def stub_fit(kg: Any, history: IntervalCounts, seed: int) -> pd.DataFrame:
    """A 'posterior' whose base rate follows the history's mean daily rate (no ABC)."""
    rate = float(history.attacks.sum() / history.days.sum()) * 7 / 20
    return pd.DataFrame({"attack_base_rate": [max(rate, 0.02)], "weight": [1.0]})


def test_horizons_follow_the_last_day_and_skip_straddling_intervals() -> None:
    o = dt.date(2023, 12, 13)
    d = dt.date
    assert horizon_of(d(2023, 12, 14), d(2023, 12, 20), o, 4) == 1
    assert horizon_of(d(2023, 12, 14), d(2023, 12, 21), o, 4) == 2   # ends in week 2
    assert horizon_of(d(2023, 12, 22), d(2024, 1, 10), o, 4) == 4
    assert horizon_of(d(2023, 12, 22), d(2024, 1, 11), o, 4) is None  # beyond week 4
    assert horizon_of(d(2023, 12, 13), d(2023, 12, 15), o, 4) is None  # starts at origin


def test_default_origins_snap_to_the_last_statement(shared_data: Path) -> None:
    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    assert [o.isoformat() for o in snap_origins(data, DEFAULT_ORIGINS)] == [
        "2023-11-17", "2023-11-30", "2023-12-13", "2023-12-21", "2024-01-09"]


def test_weekly_values_and_baselines_from_irregular_intervals() -> None:
    d = dt.date
    h = IntervalCounts([d(2024, 1, 1), d(2024, 1, 11), d(2024, 1, 15)],
                       [d(2024, 1, 10), d(2024, 1, 14), d(2024, 1, 28)],
                       np.array([10.0, 8.0, 0.0]), pd.DataFrame(), "h.csv")
    w = implied_weekly(h, 4, end=d(2024, 1, 14))
    assert w["attacks"].round(6).tolist() == [7.0, 11.0]  # 1/day, then 3 x 1 + 4 x 2
    assert w["covered_days"].tolist() == [7, 7]
    like = Forecast(np.zeros((4000, 2), dtype=int), (d(2024, 1, 15), d(2024, 1, 22)),
                    metadata={"origin": "2024-01-14"})
    b = baseline_forecasts(h, like, seed=1)
    assert list(b) == list(BASELINES)
    means = {k: f.samples.mean() for k, f in b.items()}
    assert means["pre-war rate"] == pytest.approx(0.7, rel=0.05)
    assert b["last interval"].metadata["rate"] == pytest.approx(14.0)  # 8 in 4 days
    assert b["last 4 weeks"].metadata["rate"] == pytest.approx(18 / 14 * 7)  # 14 days known
    assert set(np.unique(b["conflictology"].samples)) == {7, 11}
    assert all(f.dates == like.dates and f.origin == like.origin for f in b.values())
    assert (baseline_forecasts(h, like, seed=1)["conflictology"].samples
            == b["conflictology"].samples).all()
    with pytest.raises(InputError, match="no interval ends on or before 2023-12-31"):
        baseline_forecasts(h, Forecast(np.zeros((2, 1), dtype=int), (d(2024, 1, 1),),
                                       metadata={"origin": "2023-12-31"}))


def test_backtest_is_reproducible_and_scores_what_it_says(tiny_kg: KnowledgeGraph,
                                                          tmp_path: Path) -> None:
    data = generated_intervals(tmp_path)
    kw = {"fit": stub_fit, "runs": 200, "horizons": 3}
    a = backtest(tiny_kg, data, seed=5, **kw)
    assert a.table.columns.tolist() == COLUMNS
    assert set(a.table["forecaster"]) == {"model", *BASELINES}
    assert a.summary["forecaster"].tolist() == ["model", *BASELINES]
    s = a.scores
    for row in s.itertuples():
        assert row.first_day > row.origin
        assert horizon_of(row.first_day, row.last_day, row.origin, 3) == row.horizon
    # every interval that can be scored from an origin is scored, once per forecaster
    for origin in s["origin"].unique():
        want = sum(horizon_of(x, y, origin, 3) is not None
                   for x, y in zip(data.first_day, data.last_day, strict=True))
        assert (s["origin"] == origin).sum() == want * 5
    assert int(a.summary["n"].iloc[0]) == len(s) // 5 == a.record["n_units"]
    b = backtest(tiny_kg, data, seed=5, **kw)
    pd.testing.assert_frame_equal(a.table, b.table)
    c = backtest(tiny_kg, data, seed=6, **kw)
    assert not np.allclose(a.table["crps"], c.table["crps"])
    assert a.record["verdict"].startswith("The model")
    assert a.record["origins"] == [o.isoformat() for o in snap_origins(data, DEFAULT_ORIGINS)]


def test_backtest_needs_intervals_to_score(tiny_kg: KnowledgeGraph, tmp_path: Path) -> None:
    data = generated_intervals(tmp_path)
    with pytest.raises(InputError, match="no interval to score"):
        backtest(tiny_kg, data, origins=[dt.date(2024, 3, 1)], snap=False, fit=stub_fit,
                 runs=20)
    with pytest.raises(InputError, match="horizons"):
        backtest(tiny_kg, data, horizons=0)


def test_tiny_real_backtest_is_stored_for_the_report(shared_data: Path,
                                                     tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kg = KnowledgeGraph.load()
    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    origins = [dt.date(2023, 12, 13), dt.date(2024, 1, 9)]
    res = backtest(kg, data, origins=origins, fit=AbcFit(particles=20, generations=1),
                   runs=100, seed=1)
    assert res.record["fit"] == "ABC-SMC, 20 particles, 1 generations"
    assert set(res.table["origin"]) == set(origins)
    assert np.isfinite(res.table[["crps", "log_score"]].to_numpy()).all()
    save_backtest(res, tmp_path / "r.duckdb")
    from armednet.experiments.store import open_store

    with open_store(tmp_path / "r.duckdb", read_only=True) as store:
        rec = store.analysis("validation", "backtest")
    assert rec["summary"][0]["forecaster"] == "model" and rec["data_sha256"]
    assert len(rec["table"]) == len(res.table) and rec["verdict"] == res.record["verdict"]


def test_report_and_dashboard_show_the_forecast_skill(tiny_kg: KnowledgeGraph,
                                                      tiny_path: Path,
                                                      tmp_path: Path) -> None:
    import re

    from armednet.app.events import _skill_view, load_backtest
    from armednet.report.html import build_report, skill_sentences

    res = backtest(tiny_kg, generated_intervals(tmp_path), fit=stub_fit, runs=100,
                   horizons=2, seed=2)
    sentences = skill_sentences(res.record)
    assert len(sentences) == 4 and all(" baseline on CRPS (" in t for t in sentences)
    model = float(res.summary["crps"].iloc[0])
    for name, value, text in zip(res.summary["forecaster"][1:], res.summary["crps"][1:],
                                 sentences, strict=True):
        assert f"the {name} baseline" in text
        assert text.startswith("The model beats" if model < value else
                               "The model does not beat")
    db = tmp_path / "r.duckdb"
    save_backtest(res, db)  # a database with only a backtest is enough for a report
    text = build_report(tmp_path / "r.html", db=db, scenario=str(tiny_path)).read_text(
        encoding="utf-8")
    assert re.findall(r'<section id="([a-z-]+)">', text) == [
        "scenario", "key-actors", "calibration", "methods", "appendix"]
    body = text[text.index("id='forecast-skill'"):]
    assert 'id="skill-table"' in body and 'id="skill-by-horizon"' in body
    assert sentences[0].replace("'", "&#x27;") in body
    stored = load_backtest(db)
    assert stored is not None and stored["summary"] == res.record["summary"]
    assert load_backtest(None) is None
    ids = {getattr(c, "id", None) for c in _skill_view(res.record)}
    assert {"skill-table", "skill-verdict", "skill-by-horizon"} <= ids
