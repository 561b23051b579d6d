"""The counter-based random numbers of :mod:`armednet.sim.rng` as scalar numba functions.

Kernels draw their uniforms where they use them instead of receiving (runs, actors) arrays:
the integer hashing is the same SplitMix64 arithmetic in ``uint64``, so every uniform is
bit-identical to :func:`armednet.sim.rng.uniforms_at` and friends (tested). Poisson
variates use the same inversion of the CDF as :func:`armednet.sim.rng.poisson`; its
``exp`` comes from LLVM's libm rather than numpy's vectorised one, which differ in the
last bit for about 5% of arguments, so a count can differ only when a uniform falls
within a few ulps of a CDF step (probability of order 1e-16 per draw). Rates above
:data:`~armednet.sim.rng.POISSON_NORMAL_THRESHOLD` are not inverted here:
:func:`poisson1` returns -1 for them and the caller draws them with the numpy function
(rare; it needs scipy's ``ndtri``).
"""

from __future__ import annotations

import numba as nb
import numpy as np

# the constants of the NumPy functions themselves, so that the two cannot drift apart
from armednet.sim.rng import (
    _ACTOR,
    _LOW32,
    _M1,
    _M2,
    _STREAM,
    _TAIL,
    _TWO32,
    _TWO52,
    _WEEK,
    POISSON_NORMAL_THRESHOLD,
)

__all__ = ["hash_at", "pair_at", "poisson1", "salt", "uniform_at", "unit52"]

_BIG = float(POISSON_NORMAL_THRESHOLD)

_jit = nb.njit(cache=True, nogil=True)


@_jit
def _mix(z: np.uint64) -> np.uint64:
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


@_jit
def salt(week: int, stream: int) -> np.uint64:
    """The counter salt of ``(week, stream)`` (as :func:`armednet.sim.rng._salt`)."""
    return (np.uint64(week + 1) * _WEEK) ^ (np.uint64(stream + 1) * _STREAM)


@_jit
def hash_at(key: np.uint64, s: np.uint64, actor: int) -> np.uint64:
    """The mixed counter of ``(run key, salt, actor)``; ``actor`` is the original slot or
    index (what :func:`armednet.sim.rng.uniforms_at` receives)."""
    return _mix(_mix(key ^ s) + (np.uint64(actor) + np.uint64(1)) * _ACTOR)


@_jit
def unit52(z: np.uint64) -> float:
    """Top 52 bits of a hash as a float in (0, 1)."""
    return (float(z >> np.uint64(12)) + 0.5) * _TWO52


@_jit
def uniform_at(key: np.uint64, s: np.uint64, actor: int) -> float:
    """The uniform of :func:`armednet.sim.rng.uniforms_at` for one run and actor."""
    return unit52(hash_at(key, s, actor))


@_jit
def pair_at(key: np.uint64, s: np.uint64, actor: int) -> tuple[float, float]:
    """The two uniforms of :func:`armednet.sim.rng.uniform_pairs_at` for one run and
    actor (high and low 32 bits of one hash)."""
    z = hash_at(key, s, actor)
    hi = (float(z >> np.uint64(32)) + 0.5) * _TWO32
    lo = (float(z & _LOW32) + 0.5) * _TWO32
    return hi, lo


@_jit
def poisson1(lam: float, u: float) -> float:
    """A Poisson variate of rate ``lam`` by inversion of the CDF at ``u``, as
    :func:`armednet.sim.rng.poisson`; -1.0 for ``lam`` above the normal threshold (the
    caller draws those with the numpy function)."""
    if lam > _BIG:
        return -1.0
    if lam < 0.0:
        lam = 0.0
    p = np.exp(-lam)
    cdf = p
    k = 0.0
    j = 0.0
    while u > cdf:
        if p <= _TAIL and not lam > j:  # far tail: the CDF's rounding, not a count
            break
        k += 1.0
        j += 1.0
        p *= lam
        p *= 1.0 / j
        cdf += p
    return k
