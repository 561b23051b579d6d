"""Small helpers shared by the kernels."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

__all__ = ["active_max", "at", "bools", "clip01", "empty2", "flag", "free_room", "jit", "param"]

jit = nb.njit(cache=True, nogil=True)
"""The decorator of every kernel: compiled on first call, cached on disk, releases the
GIL."""


@jit
def at(v: np.ndarray, r: int) -> float:
    """A parameter array of shape (runs, 1) or (1, 1) at run ``r``."""
    return v[r, 0] if v.shape[0] > 1 else v[0, 0]


@jit
def clip01(x: float) -> float:
    """``np.clip(x, 0, 1)`` for one value (NaN stays NaN)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@jit
def free_room(Xp: np.ndarray, r: int, pair_k: np.ndarray, room: np.ndarray) -> None:
    """``room[k] = max(1 - capture of institution k, 0)`` for run ``r``, the capture summed
    over its pairs in pair order (as :meth:`armednet.sim.state.CaptureLayout.by_inst`)."""
    for k in range(room.shape[0]):
        room[k] = 0.0
    for p in range(pair_k.shape[0]):
        room[pair_k[p]] += Xp[r, p]
    for k in range(room.shape[0]):
        x = 1.0 - room[k]
        room[k] = 0.0 if x < 0.0 else x


@jit
def active_max(v: np.ndarray, r: int, slots: np.ndarray, active: np.ndarray) -> float:
    """The largest ``v[r, g] * active[r, g]`` over ``slots`` (-inf for none)."""
    best = -np.inf
    for i in range(slots.shape[0]):
        g = slots[i]
        best = max(best, v[r, g] * (1.0 if active[r, g] else 0.0))
    return best


def param(p: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Parameter ``name``, a C-contiguous float64 (runs, 1) or (1, 1) array: the engine's
    chunks hold them so (:func:`armednet.sim.engine._setup_chunk`), so this is a lookup
    (it runs some eighty times a week)."""
    return p[name]


def empty2() -> np.ndarray:
    """A (0, 0) float array: what a kernel receives for an optional (runs, groups) input
    that is absent (numba needs one type per argument)."""
    return np.zeros((0, 0))


def flag(x: Any) -> np.ndarray:
    """An optional (runs, groups) input as an array (``empty2()`` for None)."""
    return empty2() if x is None else np.asarray(x, dtype=np.float64)


def bools(x: np.ndarray) -> np.ndarray:
    """A bool array as uint8 without a copy (numba indexes both; this keeps one type)."""
    return x.view(np.uint8)
