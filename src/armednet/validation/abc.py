"""ABC-SMC with the optimal local covariance kernel, for simulators that take batches.

The simulator is any function that maps a batch of parameter draws on the unit cube,
shape ``(draws, dims)``, to distances, shape ``(draws, patterns)``, in one call: the
engine (:mod:`armednet.validation.calibration`) or a cheap analytic model in the tests.
The prior is uniform on the unit cube (each parameter on its prior's scale), and particles
move on it: a proposal outside the cube is redrawn (from a parent drawn afresh), so the
proposal density is the kernel mixture restricted to the cube, known up to a constant that
the normalised weights do not need.

Generation 0 draws from the prior. Generation ``t`` sets its tolerance ``eps_t`` to a
quantile of the previous population's distances (the distance of a draw is the sum of its
pattern distances), perturbs parents drawn by weight with the optimal local covariance
matrix (OLCM) kernel of Filippi et al. (2013),

    Sigma_i = sum_k w~_k (x~_k - x_i)(x~_k - x_i)^T,

where ``x~_k`` are the previous particles whose distance is within ``eps_t`` and ``w~_k``
their normalised weights, keeps proposals within ``eps_t`` and weights them by prior over
proposal density, ``w_j ~ pi(x_j) / sum_i w_i N(x_j; x_i, Sigma_i)`` (Beaumont et al.
2009). The kernel is centred on each parent and as wide as the distance from it to the
region the next tolerance keeps. On the unit cube, in the directions the data do not
inform, the population stays uniform and the restricted kernel mixture nearly so, which
keeps the effective sample size high (on the logit scale each such direction would cost the
weights about a fifth of their effective sample size). At the end,
:func:`resimulation_share` simulates a sample of the final particles afresh and reports
the share whose new distance is within the final tolerance: how much of the acceptance
was the draws' fit rather than lucky noise.

References
----------
.. [1] S. Filippi, C. P. Barnes, J. Cornebise and M. P. H. Stumpf, "On optimality of
   kernels for approximate Bayesian computation using sequential Monte Carlo", Stat. Appl.
   Genet. Mol. Biol. 12(1), 2013. doi:10.1515/sagmb-2012-0069
.. [2] M. A. Beaumont, J.-M. Cornuet, J.-M. Marin and C. P. Robert, "Adaptive approximate
   Bayesian computation", Biometrika 96(4), 2009. doi:10.1093/biomet/asp052
.. [3] T. Toni, D. Welch, N. Strelkowa, A. Ipsen and M. P. H. Stumpf, "Approximate Bayesian
   computation scheme for parameter inference and model selection in dynamical systems",
   J. R. Soc. Interface 6, 2009. doi:10.1098/rsif.2008.0172
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from armednet.errors import InputError

__all__ = ["DistanceFn", "OLCMKernel", "SMCResult", "abc_smc", "ess", "olcm_covariances",
           "resimulation_share"]

DistanceFn = Callable[[np.ndarray], np.ndarray]
"""Unit-cube draws (n, dims) -> distances (n, patterns), simulated in one call."""

Progress = Callable[[str, float], None]


@dataclass
class SMCResult:
    """The final population of :func:`abc_smc`.

    Attributes
    ----------
    unit : numpy.ndarray
        Particles on the unit cube, shape (particles, dims).
    weights : numpy.ndarray
        Normalised importance weights.
    distances : numpy.ndarray
        Pattern distances of the particles, shape (particles, patterns).
    tolerance : float
        The final generation's tolerance (inf when only the prior generation ran).
    generations : list of dict
        Per generation: tolerance, proposals, accepted, acceptance, ess, ess_share,
        median distance (overall and per pattern), complete.
    """

    unit: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    tolerance: float
    generations: list[dict[str, Any]] = field(default_factory=list)


def ess(weights: np.ndarray) -> float:
    """Kish's effective sample size of normalised weights, ``1 / sum w^2``."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return float(1.0 / np.sum(w ** 2))


def olcm_covariances(x: np.ndarray, weights: np.ndarray, distance: np.ndarray,
                     tolerance: float, ridge: float = 1e-6) -> np.ndarray:
    """The OLCM kernel's covariance for every particle (Filippi et al. 2013, sec. 4.3).

    ``Sigma_i = sum_k w~_k (x~_k - x_i)(x~_k - x_i)^T`` over the particles ``x~_k`` whose
    distance is within ``tolerance`` (weights renormalised over them): the weighted
    covariance of that subset plus the outer product of its mean's offset from ``x_i``.
    When fewer than two particles are within the tolerance, the two closest are used.
    ``ridge`` times the population's weighted variances is added to the diagonal, so that
    every matrix is positive definite.

    Parameters
    ----------
    x : ndarray, shape (n, d)
        The population.
    weights, distance : ndarray, shape (n,)
        Its weights (any positive scale) and distances.
    tolerance : float
        The next generation's tolerance.
    ridge : float
        Share of the population's variances added to every diagonal.

    Returns
    -------
    ndarray, shape (n, d, d)

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [3.0]])
    >>> olcm_covariances(x, np.ones(3), np.array([0.0, 0.0, 9.0]), 1.0, ridge=0.0)[:, 0, 0]
    array([0.5, 0.5, 6.5])
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    keep = np.asarray(distance) <= tolerance
    if keep.sum() < 2:
        keep = np.zeros(len(x), dtype=bool)
        keep[np.argsort(distance)[:2]] = True
    ws = w[keep] / w[keep].sum()
    xs = x[keep]
    mean = ws @ xs
    c = (xs - mean).T @ ((xs - mean) * ws[:, None])
    off = mean[None, :] - x
    covs = c[None, :, :] + off[:, :, None] * off[:, None, :]
    pop = ((x - w @ x) ** 2 * w[:, None]).sum(axis=0)
    covs += np.diag(ridge * np.maximum(pop, 1e-12))[None, :, :]
    return np.asarray(covs)


@dataclass
class OLCMKernel:
    """The OLCM kernels of a population, as one proposal distribution on the unit cube.

    Directions the data inform (the population's weighted standard deviation below
    ``spread`` times the prior's, ``1 / sqrt(12)``) keep the full OLCM covariance between
    them; a proposal outside the cube there is redrawn from a parent drawn afresh
    (truncation). Each other direction keeps its OLCM variance and is reflected at 0 and
    1. The covariance is thus block-diagonal: the uninformed directions' correlations (near
    0 in a population still spread over its prior) are dropped, and in them a uniform
    population stays uniform under the kernels, as the prior is, so they cost the weights
    almost nothing (a finite population is not exactly uniform). The density is the
    kernel mixture restricted to the cube, known up to a constant that normalised weights
    do not need.

    Attributes
    ----------
    parents, weights : ndarray
        The population (n, d) on the unit cube and its normalised weights.
    informed : ndarray
        Indices of the informed directions (full covariance, truncated).
    chols : ndarray
        Cholesky factors of the informed block of each parent's covariance.
    sd : ndarray
        Each parent's standard deviation in the other directions (reflected).
    inside : float
        Share of the last draws whose informed part fell inside the cube.
    """

    parents: np.ndarray
    weights: np.ndarray
    informed: np.ndarray
    chols: np.ndarray
    sd: np.ndarray
    inside: float = 1.0

    @classmethod
    def build(cls, x: np.ndarray, weights: np.ndarray, distance: np.ndarray,
              tolerance: float, spread: float = 0.5) -> OLCMKernel:
        """Kernels of a population for the next tolerance (see :func:`olcm_covariances`)."""
        w = np.asarray(weights, dtype=float) / np.sum(weights)
        covs = olcm_covariances(x, w, distance, tolerance)
        sd_pop = np.sqrt(((x - w @ x) ** 2 * w[:, None]).sum(axis=0))
        inf = np.flatnonzero(sd_pop < spread / np.sqrt(12.0))
        un = np.setdiff1d(np.arange(x.shape[1]), inf)
        chols = np.linalg.cholesky(covs[:, inf][:, :, inf])
        sd = np.sqrt(np.diagonal(covs, axis1=1, axis2=2)[:, un])
        return cls(np.asarray(x, dtype=float), w, inf, chols, sd)

    @property
    def uninformed(self) -> np.ndarray:
        return np.setdiff1d(np.arange(self.parents.shape[1]), self.informed)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` proposals on the unit cube."""
        inf, un = self.informed, self.uninformed
        out: list[np.ndarray] = []
        got = tried = 0
        while got < n:
            m = int(min(max(2 * (n - got) * tried / max(got, 1), n - got, 64), 50 * n))
            pick = rng.choice(len(self.weights), size=m, p=self.weights)
            x = self.parents[pick].copy()
            x[:, inf] += np.einsum("ikl,il->ik", self.chols[pick],
                                   rng.standard_normal((m, len(inf))))
            x[:, un] += self.sd[pick] * rng.standard_normal((m, len(un)))
            r = np.mod(x[:, un], 2.0)
            x[:, un] = np.where(r > 1.0, 2.0 - r, r)  # reflected at 0 and 1
            x = x[((x[:, inf] > 0.0) & (x[:, inf] < 1.0)).all(axis=1)]
            out.append(x)
            got, tried = got + len(x), tried + m
        self.inside = got / tried
        return np.concatenate(out)[:n]

    def log_density(self, x: np.ndarray, block: int = 256) -> np.ndarray:
        """Log density of the proposals at ``x`` (up to a constant), shape (m,)."""
        inf, un = self.informed, self.uninformed
        inv = np.linalg.inv(self.chols)
        logdet = 2.0 * np.log(np.diagonal(self.chols, axis1=1, axis2=2)).sum(axis=1)
        logdet += 2.0 * np.log(self.sd).sum(axis=1)
        base = np.log(np.maximum(self.weights, 1e-300)) - 0.5 * logdet
        # images of each reflected coordinate: y + 2j and -y + 2j, j in {-1, 0, 1}
        images = np.concatenate([x[:, un, None] + 2.0 * np.arange(-1, 2),
                                 -x[:, un, None] + 2.0 * np.arange(-1, 2)], axis=2)
        parts = []
        for a in range(0, len(self.weights), block):  # blocks of parents: bounded memory
            b = slice(a, a + block)
            y = np.einsum("ikl,jil->jik", inv[b], x[:, None, inf] - self.parents[None, b, inf])
            q = -0.5 * (y ** 2).sum(axis=2)
            z = (images[:, None, :, :] - self.parents[None, b, un, None]) / \
                self.sd[None, b, :, None]
            q += np.log(np.exp(-0.5 * z ** 2).sum(axis=3)).sum(axis=2)
            parts.append(q + base[None, b])
        logk = np.concatenate(parts, axis=1)
        top = logk.max(axis=1, keepdims=True)
        return np.asarray(top[:, 0] + np.log(np.exp(logk - top).sum(axis=1)))


def _row(g: int, eps: float, proposed: int, accepted: int, n: int, w: np.ndarray | None,
         dist: np.ndarray | None, names: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {"generation": g, "tolerance": eps, "proposals": proposed,
                           "accepted": accepted, "acceptance": accepted / max(proposed, 1),
                           "ess": None, "ess_share": None, "median_distance": None,
                           "complete": w is not None}
    if w is not None and dist is not None:
        row.update(ess=ess(w), ess_share=min(ess(w) / n, 1.0),
                   median_distance=float(np.median(dist.sum(axis=1))))
        row.update({f"median_{k}": float(np.median(dist[:, j])) for j, k in enumerate(names)})
    return row


def _propose(distance: DistanceFn, kernel: OLCMKernel, eps: float, n: int,
             max_proposals: float, rng: np.random.Generator,
             tick: Callable[[int], None]) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Propose in batches until ``n`` are accepted or the budget is spent."""
    acc_x: list[np.ndarray] = []
    acc_d: list[np.ndarray] = []
    proposed = n_acc = 0
    batch = n
    while n_acc < n and proposed < max_proposals:
        x = kernel.sample(batch, rng)
        dd = np.asarray(distance(x), dtype=float).reshape(batch, -1)
        keep = dd.sum(axis=1) <= eps
        acc_x.append(x[keep])
        acc_d.append(dd[keep])
        proposed += batch
        n_acc += int(keep.sum())
        tick(n_acc)
        rate = max(n_acc / proposed, 1.0 / proposed)  # next batch: what is still missing
        batch = int(min(max(1.2 * (n - n_acc) / rate, n // 4, 16), 4 * n))
    return np.concatenate(acc_x)[:n], np.concatenate(acc_d)[:n], proposed, n_acc


def abc_smc(distance: DistanceFn, dims: int, particles: int, generations: int,
            rng: np.random.Generator, quantile: float = 0.5, min_acceptance: float = 0.02,
            noise_floor: float | None = 0.7, floor_draws: int = 200,
            names: list[str] | None = None,
            progress: Progress | None = None) -> SMCResult:
    """Run ABC-SMC with the OLCM kernel.

    Parameters
    ----------
    distance : callable
        ``distance(unit)`` -> (n, patterns) distances (see :data:`DistanceFn`).
    dims, particles, generations : int
        Parameters, population size and largest number of generations after the prior.
    rng : numpy.random.Generator
        The algorithm's own random draws (the simulator has its own).
    quantile : float
        Each tolerance is this quantile of the previous population's distances.
    min_acceptance : float
        Stop after a generation that accepts fewer than this share of its proposals; a
        generation that cannot reach ``particles`` acceptances within ``particles /
        min_acceptance`` proposals is abandoned, keeping the last full population.
    noise_floor : float or None
        Target share of re-simulated particles within the tolerance. Before each
        generation, ``floor_draws`` particles of the population (drawn by weight) are
        simulated twice afresh; among those whose first fresh distance is within a
        candidate tolerance, the share whose second one is too predicts the next
        population's re-simulation share. The tolerance never goes below the smallest
        candidate that keeps this prediction at ``noise_floor`` (the noise floor: below
        it acceptance rewards lucky simulation noise more than the parameters), and the
        generation that reaches the floor is the last. None: no floor.
    floor_draws : int
        Particles simulated (twice) per generation for the noise floor.
    names : list of str, optional
        Pattern names (for the per-generation medians).
    progress : callable, optional
        ``progress(message, fraction)``.

    Raises
    ------
    InputError
        Bad settings.
    """
    _check_settings(particles, dims, generations, quantile, min_acceptance, noise_floor)
    tick = progress or (lambda msg, frac: None)
    unit = rng.random((particles, dims))
    dist = np.asarray(distance(unit), dtype=float).reshape(particles, -1)
    names = names or [f"pattern_{j}" for j in range(dist.shape[1])]
    w = np.full(particles, 1.0 / particles)
    rows = [_row(0, float("inf"), particles, particles, particles, w, dist, names)]
    eps_final = float("inf")
    tick("generation 0 (prior)", 1.0 / (generations + 1))
    for g in range(1, generations + 1):
        eps = float(np.quantile(dist.sum(axis=1), quantile))
        floor = (_floor(distance, unit, w, noise_floor, floor_draws, rng)
                 if noise_floor is not None else -np.inf)
        if floor >= eps_final:  # the tolerance could not fall any more
            break
        eps = max(eps, floor)
        kernel = OLCMKernel.build(unit, w, dist.sum(axis=1), eps)
        x, d_new, proposed, n_acc = _propose(
            distance, kernel, eps, particles, particles / min_acceptance, rng,
            _ticker(tick, g, eps, particles, generations))
        extra = {"noise_floor": floor if np.isfinite(floor) else None,
                 "kernel_inside": kernel.inside, "informed_directions": len(kernel.informed)}
        row = _row(g, eps, proposed, n_acc, particles, None, None, names)
        row.update(extra)
        if n_acc < particles:  # too few acceptances: keep the last full population
            rows.append(row)
            break
        logw = -kernel.log_density(x)  # the prior density is 1 on the cube
        w = np.exp(logw - logw.max())
        w /= w.sum()
        unit, dist, eps_final = x, d_new, eps
        rows.append({**_row(g, eps, proposed, n_acc, particles, w, dist, names), **extra})
        if n_acc / proposed < min_acceptance or eps <= floor:
            break
    return SMCResult(unit=unit, weights=w, distances=dist, tolerance=eps_final,
                     generations=rows)


def _check_settings(particles: int, dims: int, generations: int, quantile: float,
                    min_acceptance: float, noise_floor: float | None) -> None:
    if particles < 2 or dims < 1 or generations < 0:
        raise InputError("abc_smc: expected particles >= 2, dims >= 1 and generations >= 0, "
                         f"got {particles}, {dims}, {generations}")
    for name, value in (("quantile", quantile), ("min_acceptance", min_acceptance),
                        ("noise_floor", noise_floor)):
        if value is not None and not 0 < value < 1:
            raise InputError(f"{name} must be in (0, 1), got {value}")


def _floor(distance: DistanceFn, unit: np.ndarray, w: np.ndarray, target: float,
           draws: int, rng: np.random.Generator) -> float:
    """Smallest tolerance at which the predicted re-simulation share reaches ``target``.

    Each of ``draws`` particles (drawn by weight) is simulated twice; at a tolerance
    ``e``, ``#(f1 <= e and f2 <= e) / #(f1 <= e)`` estimates ``E[a^2] / E[a]``, with
    ``a(theta)`` a particle's chance to fall within ``e``: the share of the next
    population (particles kept with probability ``a``) that a fresh run keeps again.
    """
    pick = rng.choice(len(w), size=min(draws, len(w)), p=w)
    fresh = np.asarray(distance(np.concatenate([unit[pick], unit[pick]])), dtype=float)
    total = fresh.reshape(2 * len(pick), -1).sum(axis=1)
    f1, f2 = total[:len(pick)], total[len(pick):]
    cand = np.unique(np.concatenate([f1, f2]))
    first = f1[None, :] <= cand[:, None]
    kept = first.sum(axis=1)
    share = (first & (f2[None, :] <= cand[:, None])).sum(axis=1) / np.maximum(kept, 1)
    ok = (share >= target) & (kept >= min(10, len(pick)))
    return float(cand[np.argmax(ok)]) if ok.any() else float(cand[-1])


def _ticker(tick: Progress, g: int, eps: float, n: int,
            generations: int) -> Callable[[int], None]:
    def report(k: int) -> None:
        tick(f"generation {g}: {min(k, n)}/{n} accepted (tolerance {eps:.2f})",
             (g + min(k / n, 1.0)) / (generations + 1))
    return report


def resimulation_share(distance: DistanceFn, result: SMCResult, draws: int,
                       rng: np.random.Generator) -> dict[str, Any]:
    """Simulate ``draws`` particles (drawn by weight) afresh; share within the tolerance.

    Returns
    -------
    dict
        ``share`` (of fresh distances within the final tolerance), ``draws``,
        ``tolerance``, ``median_distance`` (fresh) and ``median_accepted_distance``.
    """
    n = len(result.weights)
    pick = rng.choice(n, size=min(draws, n), p=result.weights)
    fresh = np.asarray(distance(result.unit[pick]), dtype=float).reshape(len(pick), -1)
    total = fresh.sum(axis=1)
    return {"share": float(np.mean(total <= result.tolerance)), "draws": len(pick),
            "tolerance": result.tolerance, "median_distance": float(np.median(total)),
            "median_accepted_distance": float(np.median(result.distances.sum(axis=1)))}
