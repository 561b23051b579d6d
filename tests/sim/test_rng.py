"""The counter-based random numbers of :mod:`armednet.sim.rng`.

Exact checks (Poisson inversion against scipy, the dense/column/cell uniforms agreeing bit
for bit, SplitMix64 against its published reference outputs), hypothesis properties, and
fixed-seed statistical checks (so they are deterministic: a failure is a real change, not
bad luck).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from armednet.sim.rng import (
    POISSON_NORMAL_THRESHOLD,
    _to_unit,
    poisson,
    run_keys,
    splitmix64,
    uniforms,
    uniforms_at,
    uniforms_cells,
)

LAM_GRID = (0.0, 1e-3, 0.05, 0.3, 1.0, 4.0, 12.0, 39.9)
UNIT = st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True)


def _keys(n: int = 64, seed: int = 2024) -> np.ndarray:
    return run_keys(seed, np.arange(n))


# --------------------------------------------------------------------------- splitmix64


def test_splitmix64_matches_reference_sequence() -> None:
    # First outputs of Vigna's splitmix64.c seeded with 0: the finaliser applied to
    # k * 0x9E3779B97F4A7C15 for k = 1, 2, 3.
    with np.errstate(over="ignore"):
        states = np.arange(1, 4, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    got = [int(v) for v in splitmix64(states)]
    assert got == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_splitmix64_leaves_its_input_alone() -> None:
    x = np.arange(10, dtype=np.uint64)
    before = x.copy()
    out = splitmix64(x)
    np.testing.assert_array_equal(x, before)
    assert out.dtype == np.uint64
    assert len(np.unique(out)) == x.size


# ----------------------------------------------------------------------------- poisson


@pytest.mark.parametrize("lam", LAM_GRID)
def test_poisson_inversion_equals_scipy_ppf_1d(lam: float) -> None:
    u = np.random.default_rng(101).random(50_000)
    got = poisson(np.full(u.shape, lam), u)
    np.testing.assert_array_equal(got, stats.poisson.ppf(u, lam))
    assert got.shape == u.shape


def test_poisson_inversion_equals_scipy_ppf_2d_mixed_rates() -> None:
    # Every rate of the grid in one call (one column each): elementwise rates, shape kept.
    u = np.random.default_rng(202).random((20_000, len(LAM_GRID)))
    lam = np.broadcast_to(np.array(LAM_GRID), u.shape).copy()
    got = poisson(lam, u)
    assert got.shape == u.shape
    np.testing.assert_array_equal(got, stats.poisson.ppf(u, lam))


def test_poisson_zero_and_negative_rates_give_zero() -> None:
    u = np.random.default_rng(3).random((50, 7))
    extremes = u.copy()
    extremes[0, 0], extremes[-1, -1] = 1e-300, 1.0 - 2.0**-53
    np.testing.assert_array_equal(poisson(np.zeros_like(u), extremes), 0.0)
    np.testing.assert_array_equal(poisson(np.full_like(u, -3.5), extremes), 0.0)
    assert poisson(np.zeros((2, 3)), np.full((2, 3), 0.5)).shape == (2, 3)
    # Negative rates are the rate 0 even beside positive ones in the same call.
    lam = np.where(np.arange(u.size).reshape(u.shape) % 2 == 0, -1.0, 4.0)
    expected = np.where(lam < 0, 0.0, stats.poisson.ppf(u, 4.0))
    np.testing.assert_array_equal(poisson(lam, u), expected)


def test_poisson_empty_input() -> None:
    assert poisson(np.zeros(0), np.zeros(0)).shape == (0,)
    assert poisson(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize("lam", [60.0, 500.0])
def test_poisson_normal_branch_moments(lam: float) -> None:
    assert lam > POISSON_NORMAL_THRESHOLD
    u = np.random.default_rng(303).random(200_000)
    k = poisson(np.full(u.shape, lam), u)
    assert k.shape == u.shape
    assert np.all(k >= 0)
    np.testing.assert_array_equal(k, np.round(k))
    # Tolerances: mean within 0.5% of lam (the standard error is sqrt(lam/n), 0.03% of lam
    # at lam = 60, so this is > 15 SE); variance within 2% of lam (SE about
    # lam * sqrt(2/n) = 0.3% of lam; rounding adds 1/12, < 0.2% of lam).
    assert abs(k.mean() - lam) < 0.005 * lam
    assert abs(k.var() - lam) < 0.02 * lam


def test_poisson_normal_branch_is_rounded_normal_by_inversion() -> None:
    # Above the threshold the draw is max(0, round(lam + sqrt(lam) z)) with z = Phi^-1(u).
    u = np.random.default_rng(4).random(1000)
    lam = np.linspace(41.0, 5000.0, 1000)
    expected = np.maximum(0.0, np.round(lam + np.sqrt(lam) * stats.norm.ppf(u)))
    np.testing.assert_array_equal(poisson(lam, u), expected)


def test_poisson_mixed_branches_match_separate_calls() -> None:
    # One call with small and large rates interleaved equals per-element calls: the
    # sweep/compaction and the normal-branch replacement do not mix elements up.
    rng = np.random.default_rng(5)
    lam = rng.choice([0.0, 0.2, 3.0, 39.9, 40.0, 40.5, 80.0, 1000.0], size=4000)
    u = rng.random(4000)
    together = poisson(lam, u)
    one_by_one = np.array([poisson(lam[i : i + 1], u[i : i + 1])[0] for i in range(0, 4000)])
    np.testing.assert_array_equal(together, one_by_one)


def _normal_branch_cdf_error(lam: float, n_grid: int = 1_000_000) -> float:
    """max_k |P(draw <= k) - Poisson CDF(k)|, the draw's CDF taken from the implementation
    on a deterministic grid of uniforms (exact up to 1/n_grid)."""
    u = (np.arange(n_grid) + 0.5) / n_grid
    k = poisson(np.full(n_grid, lam), u)
    ks = np.arange(0, int(k.max()) + 1)
    empirical = np.searchsorted(np.sort(k), ks, side="right") / n_grid
    return float(np.abs(empirical - stats.poisson.cdf(ks, lam)).max())


@pytest.mark.parametrize("lam", [45.0, 60.0, 500.0])
def test_poisson_normal_branch_cdf_error_as_documented(lam: float) -> None:
    # POISSON_NORMAL_THRESHOLD's docstring: "error in the CDF below 1e-2".
    assert _normal_branch_cdf_error(lam) < 1e-2 + 1e-6


@settings(deadline=None, max_examples=150)
@given(data=st.data(), n=st.integers(1, 40))
def test_poisson_whole_nonnegative_and_monotone_in_u(data: st.DataObject, n: int) -> None:
    lam_arr = data.draw(hnp.arrays(np.float64, n, elements=st.floats(0.0, 40.0)))
    u_arr = data.draw(hnp.arrays(np.float64, n, elements=UNIT))
    k = poisson(lam_arr, u_arr)
    assert k.shape == (n,)
    assert np.all(np.isfinite(k))
    assert np.all(k >= 0)
    np.testing.assert_array_equal(k, np.floor(k))

    lam = data.draw(st.floats(0.0, 40.0))
    u_sorted = np.sort(u_arr)
    k_sorted = poisson(np.full(n, lam), u_sorted)
    assert np.all(np.diff(k_sorted) >= 0)


@settings(deadline=None, max_examples=60)
@given(lam=st.floats(0.0, 2000.0), u=hnp.arrays(np.float64, st.integers(1, 30), elements=UNIT))
def test_poisson_monotone_in_u_on_both_branches(lam: float, u: np.ndarray) -> None:
    k = poisson(np.full(u.shape, lam), np.sort(u))
    assert np.all(k >= 0)
    np.testing.assert_array_equal(k, np.round(k))
    assert np.all(np.diff(k) >= 0)


# ---------------------------------------------------------------------------- uniforms


def test_uniforms_shape_range_and_reproducible() -> None:
    keys = _keys(200)
    a = uniforms(keys, 3, 5, 50)
    assert a.shape == (200, 50)
    assert a.dtype == np.float64
    assert np.all(a > 0.0)
    assert np.all(a < 1.0)
    b = uniforms(keys.copy(), 3, 5, 50)
    assert a.tobytes() == b.tobytes()  # bit-identical
    assert uniforms(keys, 0, 0, 0).shape == (200, 0)


def test_uniforms_do_not_modify_keys() -> None:
    keys = _keys(10)
    before = keys.copy()
    uniforms(keys, 1, 2, 5)
    uniforms_at(keys, 1, 2, np.arange(3))
    uniforms_cells(keys, 1, 2, np.array([0, 9]), np.array([4, 1]))
    np.testing.assert_array_equal(keys, before)


def test_uniforms_differ_across_week_stream_run_and_actor() -> None:
    keys = _keys(100)
    base = uniforms(keys, 7, 2, 30)
    for other in (uniforms(keys, 8, 2, 30), uniforms(keys, 7, 3, 30),
                  uniforms(keys, 2, 7, 30)):  # swapping week and stream is not the same
        assert not np.any(base == other)
    # all 100 * 30 numbers distinct (different runs and actors)
    assert len(np.unique(base)) == base.size


def test_uniforms_distinct_over_a_grid_of_counters() -> None:
    # (week, stream) pairs never share numbers: the first uniform for each pair differs.
    keys = _keys(4)
    firsts = np.array([uniforms(keys, w, s, 2).ravel() for w in range(104) for s in range(25)])
    assert len(np.unique(firsts[:, 0])) == firsts.shape[0]
    assert len(np.unique(firsts)) == firsts.size


def test_uniforms_rows_independent_of_batch() -> None:
    keys = _keys(50)
    full = uniforms(keys, 4, 1, 12)
    np.testing.assert_array_equal(uniforms(keys[17:23], 4, 1, 12), full[17:23])
    # and of the number of actors: the first columns do not depend on n
    np.testing.assert_array_equal(uniforms(keys, 4, 1, 5), full[:, :5])


@pytest.mark.parametrize(("week", "stream"), [(0, 0), (5, 11), (51, 3)])
def test_uniforms_at_column_j_is_actor_j(week: int, stream: int) -> None:
    keys = _keys(40)
    n = 25
    dense = uniforms(keys, week, stream, n)
    for j in range(n):
        col = uniforms_at(keys, week, stream, np.array([j]))
        assert col.shape == (40, 1)
        np.testing.assert_array_equal(col[:, 0], dense[:, j])
    # several actors at once, in any order and with repeats
    actors = np.array([24, 0, 7, 7, 3])
    np.testing.assert_array_equal(uniforms_at(keys, week, stream, actors), dense[:, actors])


@settings(deadline=None, max_examples=100)
@given(
    data=st.data(),
    n_runs=st.integers(1, 30),
    n_actors=st.integers(1, 20),
    week=st.integers(0, 520),
    stream=st.integers(0, 64),
)
def test_uniforms_cells_equal_dense(data: st.DataObject, n_runs: int, n_actors: int,
                                    week: int, stream: int) -> None:
    keys = run_keys(data.draw(st.integers(0, 2**32 - 1)), np.arange(n_runs))
    actors_all = np.array(
        data.draw(st.lists(st.integers(0, 10_000), min_size=n_actors, max_size=n_actors)),
        dtype=np.int64,
    )
    m = data.draw(st.integers(0, 50))
    rows = np.array(data.draw(st.lists(st.integers(0, n_runs - 1), min_size=m, max_size=m)),
                    dtype=np.int64)
    cols = np.array(data.draw(st.lists(st.integers(0, n_actors - 1), min_size=m, max_size=m)),
                    dtype=np.int64)
    dense = uniforms_at(keys, week, stream, actors_all)
    cells = uniforms_cells(keys, week, stream, rows, actors_all[cols])
    assert cells.shape == (m,)
    np.testing.assert_array_equal(cells, dense[rows, cols])


# ---------------------------------------------------------------------------- run_keys


def test_run_keys_offset_invariant() -> None:
    big = run_keys(42, np.arange(1000))
    assert big.dtype == np.uint64
    np.testing.assert_array_equal(run_keys(42, np.arange(300, 420)), big[300:420])
    np.testing.assert_array_equal(run_keys(42, np.array([999, 0, 5])), big[[999, 0, 5]])
    # and therefore so are the uniforms of a run simulated alone
    np.testing.assert_array_equal(uniforms(run_keys(42, np.array([613])), 9, 4, 6),
                                  uniforms(big, 9, 4, 6)[613:614])


@settings(deadline=None, max_examples=50)
@given(seed=st.integers(0, 2**63 - 1), start=st.integers(0, 10**9), length=st.integers(1, 50))
def test_run_keys_slice_of_larger_batch(seed: int, start: int, length: int) -> None:
    batch = run_keys(seed, np.arange(start, start + 3 * length))
    np.testing.assert_array_equal(run_keys(seed, np.arange(start + length, start + 2 * length)),
                                  batch[length : 2 * length])


def test_run_keys_distinct_across_seeds_and_runs() -> None:
    idx = np.arange(10_000)
    a, b, c = run_keys(0, idx), run_keys(1, idx), run_keys(12345, idx)
    assert not np.any(a == b)
    assert not np.any(a == c)
    assert len(np.unique(np.concatenate([a, b, c]))) == 3 * idx.size
    # same seed, same keys
    np.testing.assert_array_equal(run_keys(12345, idx), c)


# -------------------------------------------------------------------------- uniformity


def test_uniforms_pass_kolmogorov_smirnov() -> None:
    u = uniforms(run_keys(7, np.arange(1000)), 12, 3, 100).ravel()
    assert u.size == 100_000
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    # mean within 4 SE of 1/2; variance within 1% of 1/12
    assert abs(u.mean() - 0.5) < 4 * np.sqrt(1 / 12 / u.size)
    assert abs(u.var() - 1 / 12) < 0.01 / 12


def test_uniforms_uncorrelated_across_adjacent_counters() -> None:
    # 100,000 pairs each: the standard error of a correlation is 1/sqrt(1e5) = 0.0032,
    # so |r| < 0.01 is about 3 SE.
    keys = run_keys(11, np.arange(1000))
    base = uniforms(keys, 20, 6, 100)
    neighbours = {
        "next stream": uniforms(keys, 20, 7, 100),
        "next week": uniforms(keys, 21, 6, 100),
        "week and stream swapped": uniforms(keys, 6, 20, 100),
    }
    for name, other in neighbours.items():
        r = np.corrcoef(base.ravel(), other.ravel())[0, 1]
        assert abs(r) < 0.01, (name, r)
    wide = uniforms(keys, 20, 6, 101)
    r_actor = np.corrcoef(wide[:, :-1].ravel(), wide[:, 1:].ravel())[0, 1]
    assert abs(r_actor) < 0.01
    keys_wide = run_keys(11, np.arange(1001))
    tall = uniforms(keys_wide, 20, 6, 100)
    r_run = np.corrcoef(tall[:-1].ravel(), tall[1:].ravel())[0, 1]
    assert abs(r_run) < 0.01


def test_uniforms_top_bits_balanced() -> None:
    # Each of the top 8 bits of the 53 used is set about half the time (fixed seed):
    # catches a lost bit or a stuck shift in the float conversion.
    u = uniforms(run_keys(3, np.arange(500)), 1, 1, 200).ravel()
    top = np.floor(u * 256).astype(np.int64)
    for bit in range(8):
        share = np.mean((top >> bit) & 1)
        assert abs(share - 0.5) < 0.01, (bit, share)


# ----------------------------------------------------------------------- known defects
# Regression tests for defects found while writing these tests (all fixed).


def test_poisson_normal_branch_cdf_error_just_above_threshold() -> None:
    assert _normal_branch_cdf_error(np.nextafter(POISSON_NORMAL_THRESHOLD, np.inf)) < 1e-2


def test_to_unit_stays_below_one_at_the_top() -> None:
    z = np.array([np.iinfo(np.uint64).max], dtype=np.uint64)
    assert float(_to_unit(z)[0]) < 1.0


@pytest.mark.parametrize("lam", [4.0, 12.0])
def test_poisson_inversion_bounded_just_below_one(lam: float) -> None:
    u = np.array([1.0 - 2.0**-53])
    assert poisson(np.array([lam]), u)[0] <= stats.poisson.ppf(u, lam)[0] + 1


def test_uniform_pairs_are_uniform_independent_and_reproducible() -> None:
    from armednet.sim.rng import uniform_pairs_at

    keys = run_keys(11, np.arange(20_000))
    actors = np.array([0, 3, 7])
    hi, lo = uniform_pairs_at(keys, 5, 1, actors)
    hi2, lo2 = uniform_pairs_at(keys[100:200], 5, 1, actors)
    assert np.array_equal(hi[100:200], hi2) and np.array_equal(lo[100:200], lo2)
    for u in (hi, lo):
        assert u.shape == (20_000, 3)
        assert u.min() > 0.0 and u.max() < 1.0
        assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    # the two halves of one hash must not be correlated (tolerance: 4 standard errors)
    assert abs(np.corrcoef(hi.ravel(), lo.ravel())[0, 1]) < 4 / np.sqrt(hi.size)
    other_week = uniform_pairs_at(keys, 6, 1, actors)[0]
    assert not np.array_equal(hi, other_week)
