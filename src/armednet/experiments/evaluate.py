"""Evaluate one chunk of an experiment on the vectorised engine.

A chunk is one policy over a contiguous slice of design points, with every replication of
each point: a single engine call whose parameter arrays run over all of the chunk's runs.
Run ``i`` of the chunk is design point ``start + i // R`` and replication ``i % R``; its
global run index ``point * R + replication`` keys the engine's counter-based random
streams, so every policy sees the same worlds and the same random numbers (common random
numbers), and the result of a run does not depend on chunking, worker count or evaluator.
"""

from __future__ import annotations

import functools
import os
import socket
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from armednet.experiments.spec import Outcome
from armednet.experiments.store import ChunkRows

__all__ = ["ChunkTask", "aggregate", "evaluate_chunk"]


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to evaluate one chunk (picklable, no file paths).

    Attributes
    ----------
    chunk : int
        Chunk number within the experiment.
    scenario_json : str
        The scenario as JSON (workers on other machines need no files).
    scenario_hash : str
        Its hash, the key of the worker-side cache of built graphs.
    policy_name : str
        The lever's name, stored with the results.
    policy : Any
        What :func:`armednet.sim.policy.resolve_policy` accepts (preset name or policy).
    points : tuple of int
        ``[start, stop)`` design points.
    replications : int
        Replications per point.
    design : numpy.ndarray
        Parameter values of the chunk's points, shape (points, uncertainties).
    names : tuple of str
        Uncertainty names (columns of ``design``).
    fixed : dict
        Parameters fixed for the whole experiment.
    seed, weeks : int
        Experiment seed and horizon.
    mechanisms : dict
        Mechanism switches.
    outcomes : tuple of Outcome
        Metrics to compute per run.
    record : tuple of str
        Weekly variables whose per-run series are stored.
    posterior : pandas.DataFrame, optional
        Parameter sets drawn per world (see :func:`armednet.sim.params.draw_parameter_sets`).
    """

    chunk: int
    scenario_json: str
    scenario_hash: str
    policy_name: str
    policy: Any
    points: tuple[int, int]
    replications: int
    design: np.ndarray
    names: tuple[str, ...]
    fixed: dict[str, float]
    seed: int
    weeks: int
    mechanisms: dict[str, bool] = field(default_factory=dict)
    outcomes: tuple[Outcome, ...] = ()
    record: tuple[str, ...] = ()
    posterior: pd.DataFrame | None = None


@functools.lru_cache(maxsize=4)
def _graph(scenario_hash: str, scenario_json: str) -> Any:
    from armednet.kb import KnowledgeGraph
    from armednet.kb.schema import Scenario

    return KnowledgeGraph(Scenario.model_validate_json(scenario_json))


def _select(weekly: Any, variable: str) -> np.ndarray:
    """A (run, week) array for ``variable`` or ``variable[actor]`` from the weekly Dataset.

    Variables with an actor dimension are summed over actors unless one is selected.
    """
    from armednet.errors import InputError

    name, _, actor = variable.partition("[")
    actor = actor.rstrip("]")
    if name not in weekly.data_vars:
        raise InputError(f"unknown outcome variable {name!r}; weekly outputs are: "
                         + ", ".join(sorted(map(str, weekly.data_vars))))
    da = weekly[name]
    extra = [d for d in da.dims if d not in ("run", "week")]
    if actor:
        if not extra:
            raise InputError(f"outcome variable {name!r} has no actor dimension")
        dim = extra[0]
        if actor not in list(da[dim].values):
            raise InputError(f"{actor!r} is not in {name}'s {dim} dimension")
        da = da.sel({dim: actor})
        extra = extra[1:]
    if extra:
        da = da.sum(dim=extra)
    return np.asarray(da.transpose("run", "week").values, dtype=float)


def aggregate(series: np.ndarray, outcome: Outcome) -> np.ndarray:
    """Reduce (run, week) series to one value per run as ``outcome`` says.

    Examples
    --------
    >>> from armednet.experiments.spec import Outcome
    >>> x = np.array([[0, 1, 3, 0], [0, 0, 0, 0.]])
    >>> aggregate(x, Outcome(name="t", variable="v", aggregation="time_to_event")).tolist()
    [1.0, 4.0]
    >>> aggregate(x, Outcome(name="s", variable="v", window=(2, 4))).tolist()
    [3.0, 0.0]
    """
    lo, hi = outcome.window or (0, series.shape[1])
    hi = min(hi, series.shape[1])
    x = series[:, lo:hi]
    agg = outcome.aggregation
    if agg == "total":
        return x.sum(axis=1)
    if agg == "mean":
        return x.mean(axis=1)
    if agg == "final":
        return x[:, -1].copy()
    if agg == "max":
        return x.max(axis=1)
    hit = x > outcome.threshold
    return np.where(hit.any(axis=1), hit.argmax(axis=1), x.shape[1]).astype(float)


def evaluate_chunk(task: ChunkTask) -> ChunkRows:
    """Run one chunk on the engine and reduce it to outcome rows (a pure function)."""
    from armednet.sim.engine import simulate

    t0 = time.perf_counter()
    kg = _graph(task.scenario_hash, task.scenario_json)
    start, stop = task.points
    reps = task.replications
    n_runs = (stop - start) * reps
    params: dict[str, Any] = dict(task.fixed)
    if task.posterior is not None:  # one parameter set per world, by its global run index
        from armednet.sim.params import draw_parameter_sets

        params.update(draw_parameter_sets(task.posterior, np.arange(start * reps, stop * reps),
                                          task.seed))
    for j, name in enumerate(task.names):
        params[name] = np.repeat(task.design[:, j], reps)
    # Record only the weekly variables that outcomes and stored trajectories need.
    needed = {o.variable.partition("[")[0] for o in task.outcomes if o.aggregation != "summary"}
    needed |= {v.partition("[")[0] for v in task.record}
    result = simulate(kg, policy=task.policy, runs=n_runs, weeks=task.weeks, seed=task.seed,
                      params=params, mechanisms=task.mechanisms or None,
                      run_offset=start * reps, record=sorted(needed) or "summary")
    point = np.repeat(np.arange(start, stop), reps)
    rep = np.tile(np.arange(reps), stop - start)
    frames = []
    for o in task.outcomes:
        if o.aggregation == "summary":
            if o.variable not in result.summary.columns:
                from armednet.errors import InputError

                raise InputError(f"outcome {o.name!r}: no summary column {o.variable!r}; "
                                 "available: " + ", ".join(map(str, result.summary.columns)))
            values = result.summary[o.variable].to_numpy(dtype=float)
        else:
            values = aggregate(_select(result.weekly, o.variable), o)
        frames.append(pd.DataFrame({"point": point, "policy": task.policy_name,
                                    "replication": rep, "outcome": o.name, "value": values}))
    trajectories = []
    for var in task.record:
        series = _select(result.weekly, var)
        trajectories.append(pd.DataFrame({
            "point": point, "policy": task.policy_name, "replication": rep, "variable": var,
            "values": list(series)}))
    return ChunkRows(
        outcomes=pd.concat(frames, ignore_index=True),
        trajectories=(pd.concat(trajectories, ignore_index=True) if trajectories else
                      pd.DataFrame(columns=["point", "policy", "replication", "variable",
                                            "values"])),
        seconds=time.perf_counter() - t0,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
