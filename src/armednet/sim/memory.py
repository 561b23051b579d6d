"""How many runs can advance together: the chunk size from an estimate of memory per run.

A chunk's memory grows with its runs times the size of the network: every state variable
is an array over (runs, group slots), (runs, capture pairs), (runs, institutions) or
(runs, channels), the weekly step makes temporaries of the same shapes, the recorder keeps
per-run sums, and ``record="weekly"`` keeps (runs, weeks, slots) float32 arrays. A fixed
number of runs per chunk (``engine.DEFAULT_CHUNK``) that is right for a dozen groups
needs tens of GB at a few thousand slots, so :func:`chunk_size_for` caps the chunk so
that its estimated memory fits a budget. The estimate counts arrays (not Python objects)
with a margin for the temporaries of the weekly step, measured with
``benchmarks/bench_scale.py``; it need not be exact, only of the right order and on the
safe side.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from armednet.sim.init import ModelInputs, PolicySchedule

__all__ = ["CHUNK_MEMORY_BUDGET", "bytes_per_run", "chunk_size_for"]

CHUNK_MEMORY_BUDGET = 1 << 30
"""Default memory budget of one chunk, bytes (1 GiB: two chunks at once, one per core,
stay within a few GB)."""

_SLOT_ARRAYS = 80
"""(runs, slots) float64 arrays alive at once: state (about 15, with the mechanisms'
own), recorder sums (about 10) and the weekly step's temporaries and random numbers."""
_PAIR_ARRAYS = 8
"""(runs, pairs) arrays: capture and its growth, room and gain temporaries."""
_INST_ARRAYS = 16
"""(runs, institutions) arrays: accountability, room, free share, sums by institution."""
_CHANNEL_ARRAYS = 6
"""(runs, channels) arrays: channel amounts, sanction cuts and their spill."""
_LEADER_ARRAYS = 4
"""(runs, leaders) arrays: alive, killed, hazards."""


def bytes_per_run(inputs: ModelInputs, schedule: PolicySchedule | None = None,
                  record: Iterable[str] = ()) -> int:
    """Estimated bytes of memory per run of a chunk.

    Parameters
    ----------
    inputs : ModelInputs
        The scenario's inputs (every group slot counted, as if all were live).
    schedule : PolicySchedule, optional
        The policy, whose co-option adds capture pairs.
    record : iterable of str
        The weekly variables kept (``engine.resolve_record``); group variables cost
        ``weeks x slots x 4`` bytes each, the others ``weeks x 4``.

    Returns
    -------
    int

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> inp = SimpleNamespace(G=4, K=2, weeks=10, capture=np.eye(4, 2), chan_group=[0, 1],
    ...                       leader_ids=["a"])
    >>> bytes_per_run(inp)
    3072
    """
    from armednet.sim.init import capture_holders

    pairs = int((inputs.capture > 0).sum()) if schedule is None else capture_holders(
        inputs, schedule).P
    floats = (_SLOT_ARRAYS * inputs.G + _PAIR_ARRAYS * pairs + _INST_ARRAYS * inputs.K
              + _CHANNEL_ARRAYS * len(inputs.chan_group)
              + _LEADER_ARRAYS * len(inputs.leader_ids))
    weekly = 0
    names = set(record)
    if names:
        from armednet.sim.engine import WEEKLY_GROUP_VARIABLES

        per_group = len(names & set(WEEKLY_GROUP_VARIABLES))
        # float32 weeks x (slots per group variable + one per run variable), twice: the
        # chunk's arrays and their copy into the result
        weekly = 2 * 4 * inputs.weeks * (per_group * inputs.G + len(names) - per_group)
    return 8 * floats + weekly


def chunk_size_for(inputs: ModelInputs, schedule: PolicySchedule | None = None,
                   record: Iterable[str] = (), budget: int = CHUNK_MEMORY_BUDGET,
                   cap: int = 4096) -> int:
    """The number of runs per chunk: as many as fit ``budget`` bytes, at most ``cap``.

    Parameters
    ----------
    inputs, schedule, record
        As in :func:`bytes_per_run`.
    budget : int
        Bytes one chunk may use (default :data:`CHUNK_MEMORY_BUDGET`).
    cap : int
        Largest chunk (the engine's ``DEFAULT_CHUNK``: more runs per chunk stop paying).

    Returns
    -------
    int
        At least 1.
    """
    per_run = max(1, bytes_per_run(inputs, schedule, record))
    return max(1, min(int(cap), int(budget) // per_run))
