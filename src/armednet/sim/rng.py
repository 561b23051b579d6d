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

__all__ = [
    "POISSON_NORMAL_THRESHOLD",
    "poisson",
    "run_keys",
    "splitmix64",
    "uniform_pairs_at",
    "uniforms",
    "uniforms_at",
    "uniforms_cells",
]

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_WEEK = np.uint64(0xD1B54A32D192ED03)
_STREAM = np.uint64(0xABC98388FB8FAC03)
_ACTOR = np.uint64(0x8CB92BA72F3D8DD7)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S12 = np.uint64(12)
_S32 = np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = float(2.0**-32)
_TWO52 = float(2.0**-52)

POISSON_NORMAL_THRESHOLD = 50.0
"""Rates above this use the normal approximation (error in the CDF below 1e-2)."""
_TAIL = 2.0**-53
"""Past the mode, a term of the Poisson series below this ends the inversion: the rest of
the tail is below the resolution of the uniforms."""


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 output function applied elementwise to ``uint64`` values.

    Examples
    --------
    >>> int(splitmix64(np.array([0], dtype=np.uint64))[0])
    0
    >>> int(splitmix64(np.array([1], dtype=np.uint64))[0]) == 0x5692161D100B05E5
    True
    """
    return _mix_inplace(np.array(x, dtype=np.uint64))


def _mix_inplace(z: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser, overwriting ``z`` (uint64). In place, with one scratch
    array: temporaries cost more than the arithmetic on arrays of this size."""
    tmp = z >> _S30
    with np.errstate(over="ignore"):
        z ^= tmp
        z *= _M1
        np.right_shift(z, _S27, out=tmp)
        z ^= tmp
        z *= _M2
    np.right_shift(z, _S31, out=tmp)
    z ^= tmp
    return z


def _to_unit(z: np.ndarray) -> np.ndarray:
    """Top 52 bits of ``z`` as floats in [2**-53, 1 - 2**-53] (``z`` is overwritten).

    52 bits, not 53: ``2**53 - 0.5`` is not a double and would round up to give 1.0."""
    z >>= _S12
    f = z.astype(np.float64)
    f += 0.5
    f *= _TWO52
    return f


def run_keys(seed: int, run_index: np.ndarray) -> np.ndarray:
    """64-bit keys of runs ``run_index`` (global indices) under experiment ``seed``."""
    base = np.random.SeedSequence(int(seed)).generate_state(2, dtype=np.uint64)
    idx = np.asarray(run_index, dtype=np.uint64)
    with np.errstate(over="ignore"):
        return splitmix64(base[0] ^ splitmix64(idx * _GAMMA + base[1]))


def _salt(week: int, stream: int) -> np.uint64:
    with np.errstate(over="ignore"):
        return (np.uint64(week + 1) * _WEEK) ^ (np.uint64(stream + 1) * _STREAM)


def _hash_at(keys: np.ndarray, week: int, stream: int, actors: np.ndarray) -> np.ndarray:
    """The mixed 64-bit counters of ``(run, week, stream, actor)``, (runs, actors)."""
    with np.errstate(over="ignore"):
        cols = ((np.asarray(actors, dtype=np.uint64) + np.uint64(1)) * _ACTOR)[None, :]
        z = splitmix64(keys[:, None] ^ _salt(week, stream)) + cols
    return _mix_inplace(z)


def uniforms_at(keys: np.ndarray, week: int, stream: int, actors: np.ndarray) -> np.ndarray:
    """Like :func:`uniforms` for the actor indices ``actors`` only, shape
    ``(len(keys), len(actors))``: column ``j`` equals column ``actors[j]`` of
    ``uniforms(keys, week, stream, n)``."""
    return _to_unit(_hash_at(keys, week, stream, actors))


def uniform_pairs_at(keys: np.ndarray, week: int, stream: int,
                     actors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two independent arrays of uniforms like :func:`uniforms_at`, from the high and the
    low 32 bits of one hash (half the hashing; resolution ``2**-32``, ample for count
    draws)."""
    z = _hash_at(keys, week, stream, actors)
    hi = (z >> _S32).astype(np.float64)
    z &= _LOW32
    lo = z.astype(np.float64)
    for f in (hi, lo):
        f += 0.5
        f *= _TWO32
    return hi, lo


def uniforms_cells(keys: np.ndarray, week: int, stream: int, rows: np.ndarray,
                   actors: np.ndarray) -> np.ndarray:
    """The uniforms of :func:`uniforms` at the cells ``(rows[i], actors[i])`` only, shape
    ``(len(rows),)``: the same numbers, at a cost proportional to the number of cells (for
    decisions that can only happen in a few runs and actors)."""
    z = _mix_inplace(keys[rows] ^ _salt(week, stream))
    with np.errstate(over="ignore"):
        z += (np.asarray(actors, dtype=np.uint64) + np.uint64(1)) * _ACTOR
    return _to_unit(_mix_inplace(z))


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
    return uniforms_at(keys, week, stream, np.arange(n))


def poisson(lam: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Poisson variates with rates ``lam`` from uniforms ``u`` (same shape), as float.

    Inversion of the CDF below :data:`POISSON_NORMAL_THRESHOLD`, rounded normal above.

    Examples
    --------
    >>> poisson(np.array([0.0, 1.0, 1.0]), np.array([0.9, 0.1, 0.9])).tolist()
    [0.0, 0.0, 2.0]
    """
    lam = np.maximum(np.asarray(lam, dtype=np.float64), 0.0)
    shape = lam.shape
    flat_l = lam.reshape(-1)
    flat_u = np.asarray(u, dtype=np.float64).reshape(-1)
    big = None
    if flat_l.size and float(flat_l.max()) > POISSON_NORMAL_THRESHOLD:
        big = flat_l > POISSON_NORMAL_THRESHOLD
        flat_l = np.where(big, 0.0, flat_l)  # inverted as 0 here, replaced below
    # k = #{j >= 0 : u > F(j)}; u > F(j) implies u > F(j - 1), so k counts the steps j
    # at which a draw is still open. Sweep the whole arrays in place while many draws are
    # open (cheap), then follow the few long tails on compacted arrays.
    n = flat_l.size
    p = np.negative(flat_l)
    np.exp(p, out=p)
    cdf = p.copy()
    open_ = flat_u > cdf
    k8 = open_.view(np.uint8).copy()  # counts of the full sweeps (fewer than 255)
    n_open = int(np.count_nonzero(open_))
    j = 0.0
    while n_open > max(n // 16, 32) and j < 200.0:
        j += 1.0
        p *= flat_l
        p *= 1.0 / j
        cdf += p
        np.greater(flat_u, cdf, out=open_)
        k8 += open_.view(np.uint8)
        n_open = int(np.count_nonzero(open_))
    k = k8.astype(np.float64)
    if n_open:
        idx = np.flatnonzero(open_)
        l_f, u_f, p_f, cdf_f, k_f = flat_l[idx], flat_u[idx], p[idx], cdf[idx], k[idx]
        while True:
            j += 1.0
            p_f *= l_f
            p_f *= 1.0 / j
            cdf_f += p_f
            go = u_f > cdf_f
            if p_f.min() <= _TAIL:  # rounding can keep the summed CDF below a u next to 1
                go &= (p_f > _TAIL) | (l_f > j)  # stop in the far tail
            n_go = int(np.count_nonzero(go))
            if n_go == 0:
                break
            k_f += go
            if 2 * n_go < go.size:  # compact when fewer than half are still open
                k[idx] = k_f
                sel = np.flatnonzero(go)
                idx, l_f, u_f, p_f, cdf_f, k_f = (idx[sel], l_f[sel], u_f[sel], p_f[sel],
                                                  cdf_f[sel], k_f[sel])
        k[idx] = k_f
    if big is not None:
        from scipy.special import ndtri

        lb = lam.reshape(-1)[big]
        k[big] = np.maximum(0.0, np.round(lb + np.sqrt(lb) * ndtri(flat_u[big])))
    return k.reshape(shape)
