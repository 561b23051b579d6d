"""ABC-SMC with the OLCM kernel, on cheap analytic simulators (no engine).

Stated tolerances: on a toy Poisson model with two informative and three uninformative
parameters the final generation keeps an effective sample size of at least 30% of the
particles; on a one-parameter Poisson model (fixed seeds) the posterior median lies within
10% of the rate that generated the data, and the 90% interval holds it and spans under
20% of the prior range.
"""

from __future__ import annotations

import numpy as np
import pytest

from armednet.errors import InputError
from armednet.validation.abc import (
    DistanceFn,
    OLCMKernel,
    abc_smc,
    ess,
    olcm_covariances,
    resimulation_share,
)
from armednet.validation.patterns import deviance
from armednet.validation.priors import weighted_quantiles


def test_olcm_covariance_by_hand() -> None:
    x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    w = np.array([1.0, 2.0, 1.0, 4.0])  # not normalised: the function normalises
    dist = np.array([0.0, 1.0, 2.0, 5.0])
    covs = olcm_covariances(x, w, dist, tolerance=2.0, ridge=0.0)
    # the first three are within the tolerance: weights 1/4, 1/2, 1/4, mean (1/2, 1/2),
    # covariance [[1/4, -1/4], [-1/4, 3/4]]; the fourth particle is 2.5 away on each axis
    assert covs[3] == pytest.approx(np.array([[6.5, 6.0], [6.0, 7.0]]))
    assert covs[0] == pytest.approx(np.array([[0.5, 0.0], [0.0, 1.0]]))
    sub, ws = x[:3], np.array([0.25, 0.5, 0.25])
    for i in range(4):  # the definition: sum_k w_k (x_k - x_i)(x_k - x_i)^T
        brute = sum(wk * np.outer(xk - x[i], xk - x[i]) for wk, xk in zip(ws, sub,
                                                                        strict=True))
        assert covs[i] == pytest.approx(brute)


def test_reflected_kernel_is_a_density_and_matches_its_draws() -> None:
    rng = np.random.default_rng(0)
    x = rng.random((40, 1))
    k = OLCMKernel.build(x, np.ones(40), np.zeros(40), 1.0)
    assert len(k.informed) == 0  # spread over the prior: reflected, not truncated
    grid = np.linspace(0.0, 1.0, 2001)[:, None]
    dens = np.exp(k.log_density(grid)) / np.sqrt(2 * np.pi)
    assert np.trapezoid(dens, grid[:, 0]) == pytest.approx(1.0, abs=1e-3)
    draws = k.sample(20000, rng)
    assert draws.min() > 0.0 and draws.max() < 1.0
    hist, edges = np.histogram(draws[:, 0], bins=10, range=(0.0, 1.0), density=True)
    mids = (edges[:-1] + edges[1:]) / 2
    expect = np.exp(k.log_density(mids[:, None])) / np.sqrt(2 * np.pi)
    assert hist == pytest.approx(expect, rel=0.08)


def _toy(y: np.ndarray, scales: np.ndarray, reps: int, seed: int) -> DistanceFn:
    """Poisson counts y_j ~ Poisson(scale_j x_j) for the first len(scales) parameters;
    the other parameters do nothing. Distances: mean deviance per parameter block."""
    rng = np.random.default_rng(seed)
    per = len(y) // len(scales)

    def distance(unit: np.ndarray) -> np.ndarray:
        out = []
        for j, s in enumerate(scales):
            lam = s * unit[:, j]
            sims = rng.poisson(lam[:, None, None], (len(unit), reps, per)).mean(axis=1)
            out.append(deviance(y[j * per:(j + 1) * per], sims) / per)
        return np.column_stack(out)

    return distance


def test_ess_stays_above_30_percent_with_uninformative_parameters() -> None:
    y = np.concatenate([np.random.default_rng(1).poisson(8.0, 10),
                        np.random.default_rng(2).poisson(3.0, 10)]).astype(float)
    res = abc_smc(_toy(y, np.array([20.0, 10.0]), 3, 5), dims=5, particles=400,
                  generations=4, rng=np.random.default_rng(3), names=["a", "b"])
    done = [g for g in res.generations if g["complete"]]
    assert len(done) >= 3
    assert all(g["ess_share"] is not None for g in done)
    assert done[-1]["ess_share"] >= 0.3, done
    assert ess(res.weights) == pytest.approx(done[-1]["ess"])
    assert "median_a" in done[-1] and res.distances.shape == (400, 2)


def test_abc_recovers_a_poisson_rate() -> None:
    truth, scale = 6.0, 20.0
    y = np.random.default_rng(11).poisson(truth, 30).astype(float)
    dist = _toy(y, np.array([scale]), 3, 12)
    res = abc_smc(dist, dims=1, particles=400, generations=6, rng=np.random.default_rng(13))
    rate = scale * res.unit[:, 0]
    lo, med, hi = weighted_quantiles(rate, res.weights, [0.05, 0.5, 0.95])
    assert abs(med - truth) <= 0.1 * truth, (lo, med, hi)
    assert lo <= truth <= hi and hi - lo <= 0.2 * scale
    assert res.tolerance < res.generations[1]["tolerance"]
    share = resimulation_share(dist, res, 200, np.random.default_rng(14))
    assert 0.4 <= share["share"] <= 1.0 and share["draws"] == 200


def test_deterministic_distances_are_always_within_the_tolerance_again() -> None:
    def dist(unit: np.ndarray) -> np.ndarray:
        return np.abs(unit - 0.3)

    res = abc_smc(dist, dims=1, particles=100, generations=3, rng=np.random.default_rng(0),
                  noise_floor=None)
    assert resimulation_share(dist, res, 50, np.random.default_rng(1))["share"] == 1.0
    assert [g["tolerance"] for g in res.generations[1:]] == sorted(
        (g["tolerance"] for g in res.generations[1:]), reverse=True)


@pytest.mark.parametrize("kwargs", [{"particles": 1}, {"dims": 0}, {"quantile": 1.0},
                                    {"min_acceptance": 0.0}, {"noise_floor": 1.5}])
def test_bad_settings(kwargs: dict[str, float]) -> None:
    args = {"dims": 1, "particles": 10, "generations": 1, "quantile": 0.5,
            "min_acceptance": 0.02, "noise_floor": 0.7, **kwargs}
    with pytest.raises(InputError, match=r"must be|expected"):
        abc_smc(lambda u: u, rng=np.random.default_rng(0), **args)  # type: ignore[arg-type]
