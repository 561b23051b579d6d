"""Evaluate one chunk of an experiment on the vectorised engine.

A chunk is one policy over a set of design points (a contiguous slice, or the points of one
network variant), with every replication of each point: one engine call per network
variant, whose parameter arrays run over all of the chunk's runs. Run ``i`` of the chunk is
the chunk's point ``i // R`` and replication ``i % R``; its random stream is
``group * R + replication``, where ``group`` is the point's stream group
(:func:`armednet.experiments.design.stream_groups`): rows of a design that sensitivity
estimators compare share their random numbers (common random numbers across rows), every
policy sees the same worlds and the same random numbers (common random numbers across
policies), and the result of a run does not depend on chunking, worker count or evaluator.

With network uncertainty each point carries a variant index; the chunk's runs are grouped
by variant and each group runs on :func:`armednet.kb.uncertainty.network_variant` of the
scenario (built once per worker and variant, then cached).
"""

from __future__ import annotations

import functools
import os
import socket
import time
import warnings
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
        ``[start, stop)``: the design points, or their span when ``point_index`` is given.
    replications : int
        Replications per point.
    design : numpy.ndarray
        Parameter values of the chunk's points, shape (points, parameters).
    names : tuple of str
        Parameter names (columns of ``design``; no ``dummy`` or ``network``).
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
        Parameter sets drawn per world (see :func:`armednet.sim.params.draw_parameter_sets`),
        keyed by the run's random stream.
    point_index : numpy.ndarray, optional
        The chunk's design points when they are not ``range(*points)``.
    groups : numpy.ndarray, optional
        Stream group of each of the chunk's points (default: the point itself, so that the
        streams are the global run indices).
    variant : numpy.ndarray, optional
        Network variant of each of the chunk's points (default: the scenario as written).
    draw : str
        What a network variant draws: ``both`` ties and estimates, ``ties`` or
        ``estimates``.
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
    point_index: np.ndarray | None = None
    groups: np.ndarray | None = None
    variant: np.ndarray | None = None
    draw: str = "both"

    def point_ids(self) -> np.ndarray:
        """The chunk's design points, in order."""
        if self.point_index is not None:
            return np.asarray(self.point_index, dtype=np.int64)
        return np.arange(self.points[0], self.points[1], dtype=np.int64)

    @property
    def n_runs(self) -> int:
        """Runs in the chunk."""
        return len(self.point_ids()) * self.replications

    def streams(self) -> np.ndarray:
        """The random stream of each run: ``group * replications + replication``."""
        groups = self.point_ids() if self.groups is None else np.asarray(self.groups)
        reps = self.replications
        return (np.repeat(groups.astype(np.int64), reps) * reps
                + np.tile(np.arange(reps, dtype=np.int64), len(groups)))


@functools.lru_cache(maxsize=4)
def _graph(scenario_hash: str, scenario_json: str) -> Any:
    from armednet.kb import KnowledgeGraph
    from armednet.kb.schema import Scenario

    return KnowledgeGraph(Scenario.model_validate_json(scenario_json))


@functools.lru_cache(maxsize=256)
def _variant_graph(scenario_hash: str, scenario_json: str, variant: int, seed: int,
                   draw: str = "both") -> Any:
    """Network variant ``variant`` of the scenario, built once per worker: ties kept by
    confidence and estimates drawn (``both``), ties only, or estimates only."""
    from armednet.kb import KnowledgeGraph
    from armednet.kb.uncertainty import PRESENCE, network_variant, tie_presence

    kg = _graph(scenario_hash, scenario_json)
    if draw == "estimates":  # every tie kept
        return network_variant(kg, variant, seed, presence=dict.fromkeys(PRESENCE, 1.0))
    if draw == "ties":  # the ties network_variant keeps, estimates as stated
        keep = tie_presence(kg, [variant], seed)[0]
        ties = [t for t, k in zip(kg.scenario.ties, keep, strict=True) if k]
        return KnowledgeGraph(kg.scenario.model_copy(update={"ties": ties}))
    return network_variant(kg, variant, seed)


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


def _run(task: ChunkTask, kg: Any, params: dict[str, Any], streams: np.ndarray,
         record: list[str]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One engine call: each outcome's value per run and each recorded series."""
    from armednet.errors import InputError
    from armednet.sim.engine import simulate
    from armednet.sim.policy import LeverWarning

    with warnings.catch_warnings():
        # the runner reports levers with nothing to act on once, not once per chunk
        warnings.simplefilter("ignore", LeverWarning)
        result = simulate(kg, policy=task.policy, runs=len(streams), weeks=task.weeks,
                          seed=task.seed, params=params, mechanisms=task.mechanisms or None,
                          record=record or "summary", streams=streams)
    values: dict[str, np.ndarray] = {}
    for o in task.outcomes:
        if o.aggregation == "summary":
            if o.variable not in result.summary.columns:
                raise InputError(f"outcome {o.name!r}: no summary column {o.variable!r}; "
                                 "available: " + ", ".join(map(str, result.summary.columns)))
            values[o.name] = result.summary[o.variable].to_numpy(dtype=float)
        else:
            values[o.name] = aggregate(_select(result.weekly, o.variable), o)
    series = {var: _select(result.weekly, var) for var in task.record}
    return values, series


def _params(task: ChunkTask, streams: np.ndarray) -> dict[str, Any]:
    """Parameter values per run: fixed ones, a posterior draw per stream, the design's."""
    params: dict[str, Any] = dict(task.fixed)
    if task.posterior is not None:  # one parameter set per world, by its random stream
        from armednet.sim.params import draw_parameter_sets

        params.update(draw_parameter_sets(task.posterior, streams, task.seed))
    for j, name in enumerate(task.names):
        params[name] = np.repeat(task.design[:, j], task.replications)
    return params


def evaluate_chunk(task: ChunkTask) -> ChunkRows:
    """Run one chunk on the engine and reduce it to outcome rows (a pure function)."""
    t0 = time.perf_counter()
    reps = task.replications
    ids = task.point_ids()
    streams = task.streams()
    params = _params(task, streams)
    # Record only the weekly variables that outcomes and stored trajectories need.
    needed = {o.variable.partition("[")[0] for o in task.outcomes if o.aggregation != "summary"}
    needed |= {v.partition("[")[0] for v in task.record}
    record = sorted(needed)
    if task.variant is None:
        values, series = _run(task, _graph(task.scenario_hash, task.scenario_json), params,
                              streams, record)
    else:
        variant = np.repeat(np.asarray(task.variant, dtype=np.int64), reps)
        values, series = {}, {}
        for v in np.unique(variant):  # one engine call per network variant
            at = np.flatnonzero(variant == v)
            sub = {k: (x[at] if isinstance(x, np.ndarray) and x.shape[:1] == variant.shape
                       else x) for k, x in params.items()}
            kg = _variant_graph(task.scenario_hash, task.scenario_json, int(v), task.seed,
                                task.draw)
            vals, ser = _run(task, kg, sub, streams[at], record)
            for name, x in vals.items():
                values.setdefault(name, np.empty(len(variant)))[at] = x
            for name, x in ser.items():
                series.setdefault(name, np.empty((len(variant), x.shape[1])))[at] = x
    point = np.repeat(ids, reps)
    rep = np.tile(np.arange(reps), len(ids))
    frames = [pd.DataFrame({"point": point, "policy": task.policy_name, "replication": rep,
                            "outcome": name, "value": v}) for name, v in values.items()]
    trajectories = [pd.DataFrame({"point": point, "policy": task.policy_name,
                                  "replication": rep, "variable": var, "values": list(x)})
                    for var, x in series.items()]
    return ChunkRows(
        outcomes=pd.concat(frames, ignore_index=True),
        trajectories=(pd.concat(trajectories, ignore_index=True) if trajectories else
                      pd.DataFrame(columns=["point", "policy", "replication", "variable",
                                            "values"])),
        seconds=time.perf_counter() - t0,
        worker=f"{socket.gethostname()}:{os.getpid()}",
    )
