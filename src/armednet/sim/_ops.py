"""Fast, reproducible array primitives for the engine's weekly step.

numpy reduces short trailing axes slowly (``a.sum(axis=1)`` on a (2048, 14) array costs
four times an ``einsum``) and BLAS matrix products round differently for different array
shapes, which would make results depend on the chunk size. These helpers use ``einsum``
(no BLAS; each output element sums its own inputs in a fixed order) and contiguous
transposes, so that results are fast and do not depend on how many runs share a chunk.
Tests (``tests/sim/test_engine.py``) check the chunk invariance.
"""

from __future__ import annotations

import numpy as np

__all__ = ["at_rows", "rowmax", "rowsum", "weighted_rowsum"]


def rowsum(a: np.ndarray) -> np.ndarray:
    """Sum over the last axis.

    Examples
    --------
    >>> rowsum(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [3.0, 7.0]
    """
    return np.einsum("...g->...", a)


def weighted_rowsum(a: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``(a * w).sum(axis=-1)`` without the temporary."""
    return np.einsum("...g,...g->...", a, w)


def rowmax(a: np.ndarray) -> np.ndarray:
    """Maximum over the last axis of a 2-D array (runs, actors), shape (runs,)."""
    return np.ascontiguousarray(a.T).max(axis=0)


def at_rows(v: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """A parameter array of shape (runs, 1) or (1, 1) at the given runs, shape (len(rows),)
    (a (1, 1) value broadcasts).

    Examples
    --------
    >>> at_rows(np.array([[1.0], [2.0], [3.0]]), np.array([2, 0])).tolist()
    [3.0, 1.0]
    >>> at_rows(np.array([[5.0]]), np.array([1, 1])).tolist()
    [5.0, 5.0]
    """
    return v[rows, 0] if v.shape[0] > 1 else np.broadcast_to(v[0], (len(rows),))
