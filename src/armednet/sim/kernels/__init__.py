"""Compiled weekly steps: one numba kernel per mechanism, the NumPy steps' counterparts.

Each module here mirrors the mechanism module of the same name in
:mod:`armednet.sim.mechanisms` and defines a function of the same name as its step
(``kernels.attacks.step_attacks`` for ``mechanisms.attacks.step_attacks``), with the same
signature ``step(state, ctx)`` and the same effect on the state and ``ctx.scratch``: a thin
Python wrapper that reads the switches and the parameters and calls one compiled loop over
runs and groups, so that a week costs a few calls instead of hundreds of small NumPy
operations. Random numbers are drawn inside the loops from the same counters
(:mod:`armednet.sim.kernels._rng`). The NumPy steps stay the reference: a test runs both on
the same states, week by week, on both bundled scenarios and every policy preset
(``tests/sim/test_kernels.py``).

Nothing is compiled on import; numba compiles a kernel on its first call and caches it on
disk (``cache=True``), so later processes load it. Loading costs a process about 0.8 s
once (importing numba, initialising LLVM, ~7 ms per kernel): :func:`warm_up` starts it in
a background thread, which :func:`armednet.sim.engine.prepare` does while it reads the
scenario, so that the cost overlaps with work the engine does anyway.

numba keys each cached kernel by its own source file only: after editing a helper that
kernels inline (``_rng.py``, ``_util.py``), delete the cache (``*.nbi`` and ``*.nbc`` files
in ``__pycache__``) so that the kernels are compiled again with it.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from armednet.sim.mechanisms._base import Context
    from armednet.sim.state import State

__all__ = ["available", "kernel_for", "pipeline", "wait_warm", "warm_up"]

Step = Callable[["State", "Context"], None]


def available() -> bool:
    """Whether numba is installed (the ``numba`` backend needs it)."""
    return importlib.util.find_spec("numba") is not None


def kernel_for(step: Step) -> Step | None:
    """The compiled counterpart of a mechanism's NumPy ``step``, or None if it has none."""
    module = step.__module__.rsplit(".", 1)[-1]
    name = f"{__name__}.{module}"
    if importlib.util.find_spec(name) is None:
        return None
    found: Step | None = getattr(importlib.import_module(name), step.__name__, None)
    return found


def pipeline(steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """``steps`` with each replaced by its kernel where there is one."""
    return tuple(kernel_for(s) or s for s in steps)


_WARM: list[threading.Thread] = []
_WARM_LOCK = threading.Lock()


def _load() -> None:
    import numpy as np

    from armednet.sim.kernels._util import at
    from armednet.sim.mechanisms import PIPELINE

    at(np.zeros((1, 1)), 0)  # numba's one-time start-up (LLVM), then one small kernel
    for step in PIPELINE:
        kernel_for(step)


def warm_up() -> None:
    """Start loading numba and the kernel modules in a background thread (once per
    process; a no-op without numba). The engine's first kernel call waits for it
    (:func:`wait_warm`)."""
    if not available():
        return
    with _WARM_LOCK:
        if not _WARM:
            t = threading.Thread(target=_load, name="armednet-kernels", daemon=True)
            t.start()
            _WARM.append(t)


def wait_warm() -> None:
    """Wait for :func:`warm_up`'s thread, if one was started (so that no thread is left
    running when the caller forks, for instance)."""
    if _WARM:
        _WARM[0].join()
