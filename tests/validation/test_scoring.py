"""Scores of sample forecasts: closed forms, calibration diagnostics, interval totals, truth.

Stated tolerances (all with fixed seeds):

* point-mass CRPS equals ``|x - y|`` exactly;
* the exact Poisson CRPS (a sum over the pmf) matches scoringrules' closed form to 1e-6,
  and the sample CRPS of 20,000 Poisson draws matches it within 0.05 (about four Monte
  Carlo standard errors);
* the smoothed sample log score of 200,000 Poisson draws matches ``-log pmf`` within 0.1
  nats for counts in the bulk (``y <= 8`` at mean 4);
* over 2,000 calibrated units, 50% and 90% coverage lie within 0.03 of the exact coverage
  of the Poisson's own central intervals (above nominal for counts), and the PIT
  histogram's bins lie within 25% of flat.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from armednet.errors import InputError, ValidationFailed
from armednet.events.intervals import IntervalCounts
from armednet.validation.forecast import Forecast
from armednet.validation.scoring import (
    LOG_SCORE_SMOOTHING,
    coverage,
    crps,
    interval_samples,
    load_truth,
    log_score,
    pit_histogram,
    randomized_pit,
    score_forecasts,
    summarize,
    verdict,
)


def poisson_crps_exact(mu: float, y: int) -> float:
    """CRPS of Poisson(mu) at y: sum_k (F(k) - 1{y <= k})^2 over k up to a far quantile."""
    k = np.arange(int(stats.poisson.ppf(1 - 1e-12, mu)) + 50)
    return float(np.sum((stats.poisson.cdf(k, mu) - (k >= y)) ** 2))


def test_crps_of_a_point_mass_is_the_absolute_error() -> None:
    x = np.array([[5, 0, 2]] * 4)
    assert crps([3, 0, 7], x).tolist() == [2.0, 0.0, 5.0]
    assert crps([3], np.array([[5]])).tolist() == [2.0]  # one draw


@pytest.mark.parametrize(("mu", "y"), [(0.7, 0), (0.7, 4), (4.0, 4), (12.0, 3), (12.0, 20)])
def test_sample_crps_matches_the_closed_form_poisson_crps(mu: float, y: int) -> None:
    import scoringrules as sr

    exact = poisson_crps_exact(mu, y)
    assert float(sr.crps_poisson(float(y), mu)) == pytest.approx(exact, abs=1e-6)
    draws = np.random.default_rng(1).poisson(mu, size=(20_000, 1))
    assert float(crps([y], draws)[0]) == pytest.approx(exact, abs=0.05)


def test_log_score_matches_the_poisson_pmf_in_the_bulk() -> None:
    ys = np.arange(9)
    draws = np.random.default_rng(2).poisson(4.0, size=(200_000, 1)).repeat(len(ys), axis=1)
    got = log_score(ys, draws)
    assert np.allclose(got, -stats.poisson.logpmf(ys, 4.0), atol=0.1)


def test_log_score_smoothing_is_what_the_docs_say() -> None:
    draws = np.array([[2], [2], [4], [4]])  # mean 3: kernel geometric with mean 4
    theta = 1.0 / 5.0
    eps = LOG_SCORE_SMOOTHING
    unseen = float(log_score([9], draws)[0])
    assert unseen == pytest.approx(-np.log(eps * theta * (1 - theta) ** 9))
    seen = float(log_score([2], draws)[0])
    assert seen == pytest.approx(-np.log((1 - eps) * 0.5 + eps * theta * (1 - theta) ** 2))
    assert np.isfinite(log_score([1000], draws)).all()
    with pytest.raises(InputError, match="smoothing"):
        log_score([1], draws, smoothing=0.0)


def test_coverage_of_a_point_mass_and_of_a_ladder() -> None:
    assert coverage([3, 4], np.array([[3, 3]] * 5), 0.9).tolist() == [True, False]
    ladder = np.arange(100)[:, None]  # 0..99: 90% interval [4, 94], 50% interval [24, 74]
    assert coverage([4, 94, 3, 95], ladder.repeat(4, axis=1), 0.9).tolist() == [
        True, True, False, False]
    assert coverage([24, 74, 23, 75], ladder.repeat(4, axis=1), 0.5).tolist() == [
        True, True, False, False]
    with pytest.raises(InputError, match="level"):
        coverage([1], ladder, 1.0)


def test_calibrated_forecasts_cover_and_have_flat_pit() -> None:
    rng = np.random.default_rng(3)
    mu = rng.uniform(0.5, 15.0, size=2000)
    y, x = rng.poisson(mu), rng.poisson(mu, size=(500, 2000))
    for level in (0.5, 0.9):
        cover = coverage(y, x, level).mean()
        lo, hi = stats.poisson.ppf((1 - level) / 2, mu), stats.poisson.ppf((1 + level) / 2, mu)
        exact = np.mean(stats.poisson.cdf(hi, mu) - stats.poisson.cdf(lo - 1, mu))
        assert exact >= level and cover == pytest.approx(exact, abs=0.03), (level, cover)
    hist = pit_histogram(y, x)
    assert hist.sum() == pytest.approx(len(y))
    assert np.all(np.abs(hist - len(y) / 10) <= 0.25 * len(y) / 10), hist
    u = randomized_pit(y, x, seed=4)
    assert stats.kstest(u, "uniform").pvalue > 0.001
    assert randomized_pit(y, x, seed=4).tolist() == u.tolist()


def test_too_narrow_forecasts_give_a_u_shaped_pit() -> None:
    rng = np.random.default_rng(5)
    y = rng.negative_binomial(2, 2 / (2 + 8.0), size=1000)  # mean 8, variance 40
    x = rng.poisson(8.0, size=(500, 1000))
    hist = pit_histogram(y, x)
    assert hist[0] > 2 * hist[4] and hist[-1] > 2 * hist[5]


def test_pit_histogram_puts_certain_misses_in_the_end_bins() -> None:
    x = np.array([[3, 3]] * 10)
    assert pit_histogram([0, 9], x).tolist() == [1.0] + [0.0] * 8 + [1.0]


# -- interval totals ------------------------------------------------------------------------
def _forecast(samples: np.ndarray, first: dt.date = dt.date(2024, 2, 5)) -> Forecast:
    dates = tuple(first + dt.timedelta(days=7 * k) for k in range(samples.shape[1]))
    return Forecast(samples, dates, metadata={"origin": str(first - dt.timedelta(days=1))})


def test_interval_totals_keep_the_weekly_counts() -> None:
    rng = np.random.default_rng(6)
    f = _forecast(rng.poisson(10.0, size=(4000, 3)))
    d0 = f.first_day
    first = [d0, d0 + dt.timedelta(days=3), d0 + dt.timedelta(days=10)]
    last = [d0 + dt.timedelta(days=2), d0 + dt.timedelta(days=9), d0 + dt.timedelta(days=20)]
    tot = interval_samples(f, first, last, seed=1)
    assert tot.shape == (4000, 3)
    assert (tot.sum(axis=1) == f.samples.sum(axis=1)).all()  # every attack lands once
    # a 3-day piece of a week: Binomial(n, 3/7), so its mean is 3/7 of the week's
    assert tot[:, 0].mean() == pytest.approx(f.samples[:, 0].mean() * 3 / 7, rel=0.03)
    week = interval_samples(f, [d0 + dt.timedelta(days=7)], [d0 + dt.timedelta(days=13)])
    assert (week[:, 0] == f.samples[:, 1]).all()  # a forecast week is scored as itself
    assert (interval_samples(f, first, last, seed=1) == tot).all()
    with pytest.raises(InputError, match="outside"):
        interval_samples(f, [d0], [d0 + dt.timedelta(days=21)])


def _truth(rows: list[tuple[str, str, int]]) -> IntervalCounts:
    a = [dt.date.fromisoformat(r[0]) for r in rows]
    b = [dt.date.fromisoformat(r[1]) for r in rows]
    import pandas as pd

    return IntervalCounts(a, b, np.array([float(r[2]) for r in rows]), pd.DataFrame(),
                          "truth.csv")


def test_score_forecasts_scores_only_units_after_the_origin_inside_the_weeks() -> None:
    rng = np.random.default_rng(7)
    good = _forecast(rng.poisson(7.0, size=(1000, 2)))
    bad = _forecast(np.zeros((1000, 2), dtype=int))
    truth = _truth([("2024-02-01", "2024-02-04", 3),   # before the first week: left out
                    ("2024-02-05", "2024-02-08", 4), ("2024-02-09", "2024-02-18", 10),
                    ("2024-02-19", "2024-02-20", 2)])  # after the last week: left out
    s = score_forecasts({"model": good, "zero": bad}, truth)
    assert len(s) == 4 and set(s["forecaster"]) == {"model", "zero"}
    assert s["first_day"].astype(str).tolist()[:2] == ["2024-02-05", "2024-02-09"]
    table = summarize(s)
    assert table["forecaster"].tolist() == ["model", "zero"]
    assert table["n"].tolist() == [2, 2]
    assert table.loc[1, "crps"] == pytest.approx(7.0)  # point mass at 0: |0 - 4|, |0 - 10|
    assert verdict(table).startswith("The model beats the baselines on CRPS")
    assert verdict(table.iloc[::-1], model="zero").startswith(
        "The zero does not beat the baselines")
    with pytest.raises(InputError, match="no row lies after the forecast's origin"):
        score_forecasts({"model": good}, _truth([("2024-01-01", "2024-01-02", 1)]))


# -- truth files ----------------------------------------------------------------------------
def test_load_truth_detects_intervals_and_weeks(tmp_path: Path) -> None:
    iv = tmp_path / "iv.csv"
    iv.write_text("first_day,interval_end_inclusive,attacks\n2024-02-05,2024-02-08,3\n")
    t = load_truth(iv)
    assert t.last_day == [dt.date(2024, 2, 8)] and t.attacks.tolist() == [3.0]
    for col in ("week_start", "date"):
        wk = tmp_path / f"{col}.csv"
        wk.write_text(f"{col},attacks\n2024-02-05,3\n2024-02-12,0\n2024-02-26,5\n")
        t = load_truth(wk)
        assert t.first_day[2] == dt.date(2024, 2, 26)
        assert t.last_day[0] == dt.date(2024, 2, 11) and t.attacks.tolist() == [3, 0, 5]


def test_bad_truth_files_name_file_line_and_column(tmp_path: Path) -> None:
    wk = tmp_path / "weeks.csv"
    wk.write_text("date,attacks\n2024-02-05,3\n2024-02-09,1\nsoon,2\n2024-03-04,-1\n")
    with pytest.raises(ValidationFailed) as info:
        load_truth(wk)
    text = str(info.value)
    for part in (f"{wk}:3: date: 2024-02-09 is less than seven days", f"{wk}:4: date",
                 f"{wk}:5: attacks"):
        assert part in text
    other = tmp_path / "other.csv"
    other.write_text("day,count\n2024-02-05,3\n")
    with pytest.raises(InputError, match="found columns day, count"):
        load_truth(other)
    with pytest.raises(InputError, match="no such file"):
        load_truth(tmp_path / "none.csv")
