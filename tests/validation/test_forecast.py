"""Forecast objects: validation, quantiles, Parquet round trip, and the model's forecast from
a weighted posterior on a small generated scenario (weeks aligned to the origin, same seed
same draws, weights respected)."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.kb import KnowledgeGraph
from armednet.validation.forecast import QUANTILE_LEVELS, Forecast, forecast_from_posterior
from tests.factories import tiny_document, write_yaml

FEB5 = dt.date(2024, 2, 5)


@pytest.fixture(scope="module")
def tiny_kg(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path = write_yaml(tmp_path_factory.mktemp("fc") / "tiny.yaml", tiny_document())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return KnowledgeGraph.load(str(path))


def weeks(n: int, first: dt.date = FEB5) -> tuple[dt.date, ...]:
    return tuple(first + dt.timedelta(days=7 * k) for k in range(n))


def test_a_forecast_checks_its_samples_and_dates() -> None:
    f = Forecast(np.array([[1.0, 2.0]]), weeks(2), metadata={"origin": "2024-02-04"})
    assert f.samples.dtype == np.int64 and f.week == (1, 2) and f.origin == dt.date(2024, 2, 4)
    assert f.first_day == FEB5 and f.last_day == dt.date(2024, 2, 18) and f.name == "model"
    bad = [(np.array([1, 2]), weeks(2), "(draws, weeks)"),
           (np.array([[1, -1]]), weeks(2), "non-negative whole"),
           (np.array([[1, 0.5]]), weeks(2), "non-negative whole"),
           (np.array([[1, 2]]), weeks(3), "2 weeks of samples but 3 dates"),
           (np.array([[1, 2]]), (FEB5, FEB5 + dt.timedelta(days=8)), "consecutive")]
    for samples, dates, message in bad:
        with pytest.raises(InputError, match=message):
            Forecast(samples, dates)


def test_quantiles_are_whole_counts_of_the_draws() -> None:
    draws = np.column_stack([np.arange(100), np.full(100, 7)])
    q = Forecast(draws, weeks(2)).quantiles()
    assert q.columns.tolist() == ["week", "date", "mean", "q5", "q25", "q50", "q75", "q95"]
    assert q.loc[0, ["q5", "q25", "q50", "q75", "q95"]].tolist() == [4, 24, 49, 74, 94]
    assert q.loc[1, "q5":].tolist() == [7.0] * 5 and q.loc[0, "mean"] == 49.5
    assert Forecast(draws, weeks(2)).quantiles((0.025,)).columns[-1] == "q2.5"
    with pytest.raises(InputError, match="levels"):
        Forecast(draws, weeks(2)).quantiles((1.5,))


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    meta = {"forecaster": "model", "origin": "2024-01-30", "seed": 3, "scenario": "x"}
    f = Forecast(rng.poisson(4.0, size=(50, 3)), weeks(3, dt.date(2024, 1, 29)), (0, 1, 2),
                 meta)
    path = f.save(tmp_path / "sub" / "fc.parquet")
    assert [p.name for p in path.parent.iterdir()] == ["fc.parquet"]  # no temporary left
    g = Forecast.load(path)
    assert (g.samples == f.samples).all() and g.dates == f.dates and g.week == (0, 1, 2)
    assert g.metadata == meta and g.origin == dt.date(2024, 1, 30)
    table = pd.read_parquet(path)
    assert set(table["kind"]) == {"sample", "quantile"}
    assert len(table) == 50 * 3 + len(QUANTILE_LEVELS) * 3
    qs = table[table["kind"] == "quantile"].pivot(index="week", columns="level",
                                                  values="attacks")
    assert qs[0.5].tolist() == f.quantiles()["q50"].tolist()
    import pyarrow.parquet as pq

    raw = pq.read_schema(path).metadata[b"armednet.forecast"]
    assert json.loads(raw)["seed"] == 3


def test_load_names_the_file_that_is_not_a_forecast(tmp_path: Path) -> None:
    other = tmp_path / "posterior.parquet"
    pd.DataFrame({"attack_base_rate": [0.1], "weight": [1.0]}).to_parquet(other)
    with pytest.raises(InputError, match=f"{other}: not an armednet forecast"):
        Forecast.load(other)
    text = tmp_path / "fc.csv"
    text.write_text("week,attacks\n1,2\n")
    with pytest.raises(InputError, match=f"{text}: not a Parquet file"):
        Forecast.load(text)
    with pytest.raises(InputError, match="no such forecast file"):
        Forecast.load(tmp_path / "none.parquet")


def test_forecast_weeks_start_after_the_origin(tiny_kg: KnowledgeGraph) -> None:
    # the tiny scenario's weeks start on Mondays from 2 Oct 2023
    f = forecast_from_posterior(tiny_kg, after=dt.date(2024, 1, 30), weeks=3, runs=20, seed=1)
    assert f.samples.shape == (20, 4) and f.week == (0, 1, 2, 3)
    assert f.dates[0] == dt.date(2024, 1, 29) and f.dates[1] == FEB5  # week 0: 31 Jan in it
    aligned = forecast_from_posterior(tiny_kg, after=dt.date(2024, 2, 4), weeks=3, runs=20,
                                      seed=1)
    assert aligned.dates[0] == FEB5 and aligned.week == (1, 2, 3)
    meta = f.metadata
    assert meta["params_source"] == "defaults" and meta["origin"] == "2024-01-30"
    assert meta["scenario"] == "tiny" and meta["scenario_hash"] == tiny_kg.hash
    assert meta["policy"] == "status-quo" and meta["seed"] == 1 and meta["package_version"]
    with pytest.raises(InputError, match="before the scenario's start"):
        forecast_from_posterior(tiny_kg, after=dt.date(2023, 9, 1), weeks=2, runs=5)


def test_same_seed_same_draws_and_weights_are_respected(tiny_kg: KnowledgeGraph,
                                                        tmp_path: Path) -> None:
    after = dt.date(2023, 10, 15)
    high = pd.DataFrame({"attack_base_rate": [0.9], "weight": [1.0]})
    both = pd.DataFrame({"attack_base_rate": [0.01, 0.9], "weight": [0.0, 1.0]})
    a = forecast_from_posterior(tiny_kg, high, after=after, weeks=4, runs=200, seed=2)
    b = forecast_from_posterior(tiny_kg, both, after=after, weeks=4, runs=200, seed=2)
    assert (a.samples == b.samples).all()  # zero weight: never drawn
    low = forecast_from_posterior(tiny_kg, both.assign(weight=[1.0, 0.0]), after=after,
                                  weeks=4, runs=200, seed=2)
    assert low.samples.mean() < a.samples.mean()
    other = forecast_from_posterior(tiny_kg, high, after=after, weeks=4, runs=200, seed=3)
    assert not (other.samples == a.samples).all()
    path = tmp_path / "post.parquet"
    high.to_parquet(path)
    c = forecast_from_posterior(tiny_kg, path, after=after, weeks=4, runs=200, seed=2)
    assert (c.samples == a.samples).all()
    assert c.metadata["params_source"] == str(path) and len(c.metadata["params_sha256"]) == 64
    assert a.metadata["params_source"] == "table in memory"
    with pytest.raises(InputError, match="non-empty table"):
        forecast_from_posterior(tiny_kg, high.iloc[:0], after=after, weeks=2, runs=5)
