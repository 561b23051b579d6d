"""Small helpers shared by the kernels."""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np

__all__ = ["at", "bools", "clip01", "empty2", "flag", "jit", "param"]

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
