"""Counter-based random numbers: results do not depend on chunking or evaluation order.

Every random number the model uses is a pure function of ``(key(run), week, stream,
actor)``: a run's 64-bit key comes from the experiment seed (through
:class:`numpy.random.SeedSequence`) and the run's *global* index; the counters are mixed in
with the SplitMix64 finaliser (Steele, Lea and Flood 2014), vectorised in ``uint64`` numpy
arithmetic. Hence run ``k`` gets the same numbers whether it is simulated alone
(``run_offset=k``), inside a batch, in any chunk, and under every policy (common random
numbers for paired policy comparisons).

Poisson variates are drawn by inversion of the CDF for rates up to
:data:`POISSON_NORMAL_THRESHOLD`, and by the rounded normal approximation
``max(0, round(lam + sqrt(lam) z))`` above it (both from one uniform per draw).

References
----------
.. [1] G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number
   generators", OOPSLA 2014. doi:10.1145/2660193.2660195
.. [2] J. K. Salmon, M. A. Moraes, R. O. Dror and D. E. Shaw, "Parallel random numbers: as
   easy as 1, 2, 3", SC 2011 (counter-based generators). doi:10.1145/2063384.2063405
"""

from __future__ import annotations

import numpy as np

__all__ = ["POISSON_NORMAL_THRESHOLD", "poisson", "run_keys", "splitmix64", "uniforms"]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_WEEK = np.uint64(0xD1B54A32D192ED03)
_STREAM = np.uint64(0xABC98388FB8FAC03)
_ACTOR = np.uint64(0x8CB92BA72F3D8DD7)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TWO53 = float(2.0**-53)

POISSON_NORMAL_THRESHOLD = 40.0
"""Rates above this use the normal approximation (error in the CDF below 1e-2)."""


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function applied elementwise to ``uint64`` values.

    Examples
    --------
    >>> int(splitmix64(np.array([0], dtype=np.uint64))[0])
    0
    >>> int(splitmix64(np.array([1], dtype=np.uint64))[0]) == 0x5692161D100B05E5
    True
    """
    z = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _S30)) * _M1
        z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


def run_keys(seed: int, run_index: np.ndarray) -> np.ndarray:
    """64-bit keys of runs ``run_index`` (global indices) under experiment ``seed``."""
    base = np.random.SeedSequence(int(seed)).generate_state(2, dtype=np.uint64)
    idx = np.asarray(run_index, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return splitmix64(base[0] ^ splitmix64(idx * _GAMMA + base[1]))


def uniforms(keys: np.ndarray, week: int, stream: int, n: int) -> np.ndarray:
    """Uniforms in (0, 1) of shape ``(len(keys), n)`` for ``(run, week, stream, actor)``.

    Parameters
    ----------
    keys : ndarray of uint64, shape (runs,)
        Run keys from :func:`run_keys`.
    week, stream : int
        Counters; every use of randomness in the model has its own stream id.
    n : int
        Number of actors (the counter along the second axis).
    """
    with np.errstate(over="ignore"):
        salt = (np.uint64(week + 1) * _WEEK) ^ (np.uint64(stream + 1) * _STREAM)
        actors = (np.arange(1, n + 1, dtype=np.uint64) * _ACTOR)[None, :]
        z = splitmix64(splitmix64(keys[:, None] ^ salt) + actors)
    return ((z >> _S11).astype(np.float64) + 0.5) * _TWO53


def poisson(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson variates with rates ``lam`` from uniforms ``u`` (same shape), as float.

    Inversion of the CDF below :data:`POISSON_NORMAL_THRESHOLD`, rounded normal above.

    Examples
    --------
    >>> poisson(np.array([0.0, 1.0, 1.0]), np.array([0.9, 0.1, 0.9])).tolist()
    [0.0, 0.0, 2.0]
    """
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    k = np.zeros(lam.shape)
    small = lam <= POISSON_NORMAL_THRESHOLD
    p = np.exp(-np.where(small, lam, 0.0))
    cdf = p.copy()
    todo = np.flatnonzero(small & (u > cdf))
    if todo.size:
        lam_f, u_f = lam.ravel()[todo], u.ravel()[todo]
        p_f, cdf_f = p.ravel()[todo], cdf.ravel()[todo]
        k_f = np.zeros(todo.size)
        idx = np.arange(todo.size)
        j = 0.0
        while idx.size:
            j += 1.0
            k_f[idx] = j
            p_f[idx] *= lam_f[idx] / j
            cdf_f[idx] += p_f[idx]
            idx = idx[(u_f[idx] > cdf_f[idx]) & (p_f[idx] > 0.0)]
        k.ravel()[todo] = k_f
    big = ~small
    if big.any():
        from scipy.special import ndtri

        z = ndtri(u[big])
        k[big] = np.maximum(0.0, np.round(lam[big] + np.sqrt(lam[big]) * z))
    return k
