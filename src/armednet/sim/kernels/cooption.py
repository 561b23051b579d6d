"""Kernel of :func:`armednet.sim.mechanisms.cooption.step_cooption`.

The co-option schedule stays in its lever windows: each event's weeks, intensity and stored
pairs are flattened once per schedule (cached) and the kernel sums the week's intensities
from the events active in it, in lever order, as :meth:`CooptSchedule.week` does.
"""

from __future__ import annotations

import numpy as np

from armednet.sim.init import CooptSchedule
from armednet.sim.kernels._util import at, clip01, free_room, jit, param
from armednet.sim.mechanisms._base import Context
from armednet.sim.state import CaptureLayout, State

__all__ = ["step_cooption"]

_Events = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int, np.ndarray]
_cache: dict[int, tuple[CooptSchedule, CaptureLayout, int, _Events]] = {}


def _events(coopt: CooptSchedule, lay: CaptureLayout) -> _Events:
    """The schedule's events as arrays: weeks (E, T) bool, intensities (E,), offsets
    (E + 1,) into the pairs, and each pair's stored index (``P + j`` for the ``j``-th
    (group, institution) the state does not store); the number of those; and the group
    slot of each stored pair."""
    hit = _cache.get(id(coopt))
    if hit is not None and hit[0] is coopt and hit[1] is lay and hit[2] == len(coopt.events):
        return hit[3]
    E = len(coopt.events)
    weeks = np.zeros((E, coopt.T), dtype=np.bool_)
    c = np.zeros(E)
    off = np.zeros(E + 1, dtype=np.intp)
    keys = lay.pair_slot * lay.K + lay.pair_k  # increasing (holder-major)
    parts = []
    for i, (w, x, g, k) in enumerate(coopt.events):
        weeks[i], c[i], off[i + 1] = w, x, off[i] + len(g)
        parts.append(g * lay.K + k)
    want = np.concatenate(parts) if parts else np.zeros(0, dtype=np.intp)
    at_ = np.searchsorted(keys, want)
    stored = at_ < len(keys)
    stored[stored] = keys[at_[stored]] == want[stored]
    missing, inv = np.unique(want[~stored], return_inverse=True)
    pair = np.where(stored, at_, 0).astype(np.intp)
    pair[~stored] = lay.P + inv
    out: _Events = (weeks, c, off, pair, len(missing), lay.pair_slot)
    if len(_cache) > 8:
        _cache.clear()
    _cache[id(coopt)] = (coopt, lay, E, out)
    return out


@jit
def _week(t: int, weeks: np.ndarray, c: np.ndarray, off: np.ndarray, pair: np.ndarray,
          n_pairs: int) -> np.ndarray:
    cp = np.zeros(n_pairs)
    for e in range(c.shape[0]):
        if weeks[e, t] and c[e] != 0.0:
            for i in range(off[e], off[e + 1]):
                cp[pair[i]] += c[e]
    return cp



@jit
def _cooption(Xp: np.ndarray, A: np.ndarray, H: np.ndarray, B: np.ndarray,
              pair_k: np.ndarray, pair_slot: np.ndarray, t: int, weeks: np.ndarray,
              c: np.ndarray, off: np.ndarray, pair: np.ndarray, n_missing: int,
              rate: np.ndarray, pacification: np.ndarray) -> int:
    """Apply the week's co-option; 0 if nothing is co-opted, -1 if an unstored pair is."""
    R, P = Xp.shape
    K = A.shape[1]
    G = H.shape[1]
    cp = _week(t, weeks, c, off, pair, P + n_missing)
    some = False
    for i in range(P + n_missing):
        if cp[i] != 0.0:
            some = True
            if i >= P:
                return -1
    if not some:
        return 0
    # by group in (group, institution) order: the pairs' stored order
    strength = np.zeros(G)
    for p in range(P):
        strength[pair_slot[p]] += cp[p]
    for g in range(G):
        if strength[g] > 1.0:
            strength[g] = 1.0
    room = np.empty(K)
    f = np.empty(K)
    total = np.empty(K)
    gain = np.empty(P)
    for r in range(R):
        kc = at(rate, r)
        free_room(Xp, r, pair_k, room)
        for k in range(K):
            total[k] = 0.0
            f[k] = kc * (1.0 - A[r, k]) * room[k]
        for p in range(P):
            gain[p] = cp[p] * f[pair_k[p]]
            total[pair_k[p]] += gain[p]
        for p in range(P):
            k = pair_k[p]
            x = gain[p]
            if total[k] > room[k]:  # the room rule
                x = x * (room[k] / total[k])
            Xp[r, p] = clip01(Xp[r, p] + x)
        hb = at(pacification, r) * B[r]
        for g in range(G):
            H[r, g] = clip01(H[r, g] - hb * strength[g] * H[r, g])
    return 1


def step_cooption(s: State, ctx: Context) -> None:
    """Apply this week's co-option (the schedule's pairs of the week, by index) (compiled)."""
    if "cooption" not in ctx.on:
        return
    coopt = ctx.policy.coopt
    if not coopt.events:
        return
    lay = s.layout
    weeks, c, off, pair, n_missing, pair_slot = _events(coopt, lay)
    done = _cooption(s.Xp, s.A, s.H, s.B, lay.pair_k, pair_slot, ctx.t, weeks, c, off,
                     pair, n_missing, param(ctx.p, "coopt_rate"),
                     param(ctx.p, "coopt_pacification"))
    if done < 0:
        raise ValueError("co-option of a (group, institution) pair the state does not store")
