"""The measurement model: exposure of statements to simulated weeks, reporting factors (a
reference fixed at 1, one factor shared by a party's claims), expected reports and the
deviance with one-sided lower bounds; on constructed statements with fixed seeds and, when
the shared folder is there, on the real Red Sea statements."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from armednet.errors import InputError
from armednet.events.statements import Statement, StatementSet, load_statements
from armednet.validation.claims_data import shared_data_dir
from armednet.validation.measurement import (
    DEFAULT_AUTHORITIES,
    Authority,
    expected_reports,
    factor_priors,
    fit_statements,
    last_reference_index,
    statement_exposure,
    statement_factors,
    statements_deviance,
)
from armednet.validation.patterns import PatternValue

REAL = shared_data_dir()
needs_real = pytest.mark.skipif(REAL is None, reason="shared data folder absent")
START = dt.date(2024, 1, 1)  # a Monday; week w covers START + 7w .. START + 7w + 6


def _day(offset: int) -> dt.date:
    return START + dt.timedelta(days=offset)


def _stmt(series: str, first: int, last: int, value: int, bound: str = "exact",
          value_type: str = "cumulative", line: int = 2) -> Statement:
    return Statement(series, value_type, _day(last), _day(first), value, bound, False, "", "",
                     "", line)


def _set(*statements: Statement) -> StatementSet:
    return StatementSet("test.csv", statements)


def _campaign() -> StatementSet:
    """Whole-week windows of the four Red Sea series over an 8-week simulation."""
    return _set(_stmt("US_WH_DOD", 0, 27, 8),                           # weeks 0-3
                _stmt("US_WH_DOD", 0, 55, 16, "at_least"),               # weeks 0-7
                _stmt("SANAA_CENTER", 28, 55, 8, value_type="period_total"),
                _stmt("HOUTHI_CLAIM", 0, 41, 24, "claimed"),             # weeks 0-5
                _stmt("HOUTHI_CLAIM_WEEKLY", 49, 55, 4, "claimed", "weekly"))


# --- exposure --------------------------------------------------------------------------------

def test_exposure_rows_sum_to_window_weeks() -> None:
    rng = np.random.default_rng(7)
    statements = []
    for _ in range(20):
        a = int(rng.integers(0, 60))
        statements.append(_stmt("X", a, a + int(rng.integers(0, 10)), 1))
    s = _set(*statements)
    e = statement_exposure(s, START, 10)
    assert e.shape == (20, 10)
    np.testing.assert_allclose(e.sum(axis=1), [x.days / 7 for x in s])
    assert e.min() >= 0 and e.max() <= 1


def test_exposure_of_partial_weeks() -> None:
    e = statement_exposure(_set(_stmt("X", 5, 15, 1)), START, 3)  # days 5-6, 7-13, 14-15
    np.testing.assert_allclose(e, [[2 / 7, 1.0, 2 / 7]])


@pytest.mark.parametrize(("first", "last"), [(-1, 5), (0, 21), (-3, 30)])
def test_exposure_refuses_windows_outside_the_simulation(first: int, last: int) -> None:
    s = _set(_stmt("X", first, last, 1, line=7))
    with pytest.raises(InputError, match=r"test.csv:7: .* outside the simulated period "
                                         r"2024-01-01 .. 2024-01-21"):
        statement_exposure(s, START, 3)


def test_exposure_needs_a_week() -> None:
    with pytest.raises(InputError, match="weeks must be at least 1"):
        statement_exposure(_set(_stmt("X", 0, 1, 1)), START, 0)


# --- authorities and factors -----------------------------------------------------------------

def test_default_authorities() -> None:
    by = {a.series_id: a for a in DEFAULT_AUTHORITIES}
    assert set(by) == {"US_WH_DOD", "SANAA_CENTER", "HOUTHI_CLAIM", "HOUTHI_CLAIM_WEEKLY"}
    assert [a.series_id for a in DEFAULT_AUTHORITIES if a.reference] == ["US_WH_DOD"]
    assert by["HOUTHI_CLAIM"].factor == by["HOUTHI_CLAIM_WEEKLY"].factor == "HOUTHI"
    assert {by[s].kind for s in ("HOUTHI_CLAIM", "HOUTHI_CLAIM_WEEKLY")} == {"claim"}
    assert all(a.note and a.source for a in DEFAULT_AUTHORITIES)
    priors = factor_priors()
    assert [(p.name, p.low, p.high, p.log) for p in priors] == [
        ("SANAA_CENTER", 0.4, 1.2, True), ("HOUTHI", 0.8, 3.0, True)]


def test_authority_checks() -> None:
    assert Authority("X", "count", 0.5, 2.0).factor == "X"
    with pytest.raises(InputError, match="kind must be one of count, claim"):
        Authority("X", "rumour", 1.0, 1.0)
    with pytest.raises(InputError, match="0 < low <= high"):
        Authority("X", "count", 2.0, 1.0)
    with pytest.raises(InputError, match="0 < low <= high"):
        Authority("X", "count", 0.0, 1.0)
    with pytest.raises(InputError, match="claims never anchor"):
        Authority("X", "claim", 1.0, 1.0, reference=True)
    with pytest.raises(InputError, match="claims never anchor"):
        Authority("X", "count", 0.5, 1.0, reference=True)


def test_shared_factor_needs_one_range_and_series_one_authority() -> None:
    s = _set(_stmt("A", 0, 6, 1))
    odd = (Authority("A", "claim", 1.0, 2.0, factor="P"), Authority("B", "claim", 1.0, 3.0,
                                                                     factor="P"))
    with pytest.raises(InputError, match="factor P is shared by A and B"):
        statement_factors(s, {"P": 1.5}, odd)
    twice = (Authority("A", "count", 1.0, 1.0), Authority("A", "count", 1.0, 2.0))
    with pytest.raises(InputError, match="authority A is given twice"):
        factor_priors(twice)


def test_shared_factor_applies_to_both_claim_series() -> None:
    f = statement_factors(_campaign(), {"HOUTHI": np.array([1.5, 2.5]),
                                        "SANAA_CENTER": np.array([0.5, 0.9])})
    np.testing.assert_allclose(f, [[1, 1, 0.5, 1.5, 1.5], [1, 1, 0.9, 2.5, 2.5]])


def test_missing_authority_or_factor_value() -> None:
    with pytest.raises(InputError, match="no authority for series ELSEWHERE"):
        statement_factors(_set(_stmt("ELSEWHERE", 0, 6, 1)), {})
    with pytest.raises(InputError, match="no value for the reporting factor HOUTHI"):
        statement_factors(_campaign(), {"SANAA_CENTER": 1.0})
    with pytest.raises(InputError, match="finite and positive"):
        statement_factors(_campaign(), {"SANAA_CENTER": 1.0, "HOUTHI": -1.0})
    with pytest.raises(InputError, match="one shape"):
        statement_factors(_campaign(), {"SANAA_CENTER": np.ones(2), "HOUTHI": np.ones(3)})


def test_last_reference_index() -> None:
    assert last_reference_index(_campaign()) == 1
    assert last_reference_index(_campaign().select("HOUTHI_CLAIM")) is None


# --- expected reports ------------------------------------------------------------------------

def test_expected_reports_match_a_loop() -> None:
    rng = np.random.default_rng(11)
    weekly = rng.poisson(3.0, size=(4, 5, 8)).astype(float)
    exposure = statement_exposure(_campaign(), START, 8)
    factors = rng.uniform(0.5, 2.0, size=(4, 5))
    out = expected_reports(weekly, exposure, factors)
    assert out.shape == (4, 5, 5)
    for d in range(4):
        for r in range(5):
            for n in range(5):
                assert out[d, r, n] == pytest.approx(
                    factors[d, n] * float(weekly[d, r] @ exposure[n]))
    np.testing.assert_allclose(expected_reports(weekly, exposure, factors[:1]),
                               expected_reports(weekly, exposure, np.repeat(factors[:1], 4, 0)))


@pytest.mark.parametrize(("weekly", "factors", "match"), [
    (np.ones((2, 3, 7)), np.ones((2, 5)), "exposure covers 8 weeks, the simulation 7"),
    (np.ones((2, 3, 8)), np.ones((3, 5)), "reporting factors of shape"),
    (np.ones((2, 3, 8)), np.ones((2, 4)), "reporting factors of shape"),
    (np.ones((3, 8)), np.ones((2, 5)), "weekly attacks: expected a non-empty array of 3"),
    (-np.ones((2, 3, 8)), np.ones((2, 5)), "finite, non-negative"),
    (np.full((2, 3, 8), np.nan), np.ones((2, 5)), "finite, non-negative"),
])
def test_expected_reports_errors(weekly: np.ndarray, factors: np.ndarray, match: str) -> None:
    with pytest.raises(InputError, match=match):
        expected_reports(weekly, statement_exposure(_campaign(), START, 8), factors)


# --- the deviance ----------------------------------------------------------------------------

def _weekly(rate: float, draws: int = 1, reps: int = 3, weeks: int = 8) -> np.ndarray:
    return np.full((draws, reps, weeks), rate)


def test_a_perfect_fit_has_no_distance_and_twice_the_attacks_has_more() -> None:
    """Two attacks a week, claims at twice the attacks: the campaign's statements exactly."""
    s = _campaign()
    values = {"HOUTHI": 2.0, "SANAA_CENTER": 1.0}
    fit = fit_statements(s, _weekly(2.0), START, values)
    np.testing.assert_allclose(fit.expected[0], [8, 16, 8, 24, 4])
    assert fit.distance[0] == pytest.approx(0.0, abs=1e-12)
    double = fit_statements(s, _weekly(4.0), START, values)
    assert double.distance[0] > 0.1
    # at_least 16 is reached by 32 (no contribution); every other statement is off
    assert double.deviances[0, 1] == 0.0 and np.all(double.deviances[0, [0, 2, 3, 4]] > 0)


def test_noisy_runs_with_the_right_mean_fit_better_than_the_wrong_mean() -> None:
    rng = np.random.default_rng(2024)
    right = rng.poisson(2.0, size=(1, 400, 8)).astype(float)
    wrong = rng.poisson(4.0, size=(1, 400, 8)).astype(float)
    values = {"HOUTHI": 2.0, "SANAA_CENTER": 1.0}
    near = fit_statements(_campaign(), right, START, values).distance[0]
    far = fit_statements(_campaign(), wrong, START, values).distance[0]
    assert near < 0.05 < far


def test_at_least_is_one_sided_exact_and_claimed_two_sided() -> None:
    expected = np.array([[[30.0, 30.0, 30.0]], [[70.0, 70.0, 70.0]]])  # 2 draws, 1 rep
    fit = statements_deviance([50, 50, 50], ["at_least", "exact", "claimed"], expected)
    below, above = fit.deviances
    assert below[0] > 0 and below[0] == pytest.approx(below[1])  # below the bound: counted
    assert above[0] == 0.0 and above[1] > 0 and above[2] == pytest.approx(above[1])
    at = statements_deviance([50], ["at_least"], np.full((1, 1, 1), 50.0))
    assert at.distance[0] == 0.0
    np.testing.assert_allclose(fit.distance, fit.deviances.mean(axis=1))


def test_shared_factor_moves_both_claim_series() -> None:
    """Claims at twice the attacks: the right shared factor fits both, a wrong one neither."""
    s = _campaign().select(["HOUTHI_CLAIM", "HOUTHI_CLAIM_WEEKLY"])
    fit = fit_statements(s, _weekly(2.0, draws=2), START, {"HOUTHI": np.array([2.0, 1.0])})
    np.testing.assert_allclose(fit.expected, [[24, 4], [12, 2]])
    assert np.all(fit.deviances[0] == 0) and np.all(fit.deviances[1] > 0)


def test_the_deviance_compares_the_replicates_mean() -> None:
    expected = np.array([[[0.0], [4.0]]])  # one draw, two replicates, mean 2
    assert statements_deviance([2], ["exact"], expected).distance[0] == pytest.approx(0.0)
    poisson = statements_deviance([2], ["exact"], expected * 3, dispersion=None)
    negbin = statements_deviance([2], ["exact"], expected * 3, dispersion=5.0)
    assert poisson.distance[0] > negbin.distance[0] > 0


def test_fit_as_a_pattern() -> None:
    rng = np.random.default_rng(3)
    weekly = rng.poisson(2.0, size=(3, 4, 8)).astype(float)
    fit = fit_statements(_campaign(), weekly, START, {"HOUTHI": np.ones(3),
                                                      "SANAA_CENTER": np.ones(3)})
    assert fit.reported.shape == (3, 4, 5) and fit.expected.shape == (3, 5)
    i = last_reference_index(_campaign())
    assert i is not None
    p = fit.pattern(i)
    assert isinstance(p, PatternValue) and p.observed == 16.0
    np.testing.assert_allclose(p.statistic, weekly.sum(axis=2))  # factor 1, weeks 0-7
    np.testing.assert_allclose(p.distance, fit.distance)


@pytest.mark.parametrize(("observed", "bounds", "match"), [
    ([1, 2], ["exact"], "2 observed values, 1 bounds"),
    ([1], ["roughly"], "unknown bound"),
    ([-1], ["exact"], "finite, non-negative"),
])
def test_deviance_errors(observed: list[int], bounds: list[str], match: str) -> None:
    with pytest.raises(InputError, match=match):
        statements_deviance(observed, bounds, np.ones((1, 1, 1)))


# --- the real statements ---------------------------------------------------------------------

@needs_real
def test_real_statements_against_a_steady_campaign() -> None:
    assert REAL is not None
    s = load_statements(REAL / "episodes" / "houthi-red-sea" / "cumulative.csv")
    start = dt.date(2023, 10, 30)  # the Monday before the claims' 1 Nov 2023
    e = statement_exposure(s, start, 23)
    np.testing.assert_allclose(e.sum(axis=1) * 7, [x.days for x in s])
    with pytest.raises(InputError, match="outside the simulated period"):
        statement_exposure(s, dt.date(2023, 11, 6), 23)
    with pytest.raises(InputError, match="outside the simulated period"):
        statement_exposure(s, start, 20)
    weekly = np.random.default_rng(5).poisson(3.5, size=(2, 20, 23)).astype(float)
    fit = fit_statements(s, weekly, start, {"SANAA_CENTER": np.array([0.8, 0.8]),
                                            "HOUTHI": np.array([1.5, 3.0])})
    assert fit.distance.shape == (2,) and np.all(np.isfinite(fit.distance))
    assert last_reference_index(s) == 2
