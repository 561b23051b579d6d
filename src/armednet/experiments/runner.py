"""Run an experiment: plan its chunks, evaluate the missing ones, commit each atomically.

Running the same spec against the same scenario and database again resumes it: the
experiment id is a hash of both, committed chunks are skipped, and the final tables hold
exactly one row per (point, policy, replication, outcome).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.experiments.design import DesignMatrix, make_design
from armednet.experiments.evaluate import ChunkTask, evaluate_chunk
from armednet.experiments.evaluators import Evaluator, make_evaluator
from armednet.experiments.spec import ExperimentSpec, spec_hash
from armednet.experiments.store import open_store

__all__ = ["Plan", "Progress", "plan_experiment", "run_experiment"]

#: Runs per engine call: large enough for the vectorised engine to be efficient, small
#: enough that a killed process loses little work.
TARGET_RUNS_PER_CHUNK = 1024


@dataclass(frozen=True)
class Progress:
    """Progress report passed to the runner's callback after each committed chunk."""

    done: int
    total: int
    runs_done: int
    runs_total: int
    elapsed: float
    chunk: int


@dataclass
class Plan:
    """A resolved experiment: its id, scenario, design, policies and chunks."""

    experiment_id: str
    spec: ExperimentSpec
    kg: Any
    design: DesignMatrix
    policies: dict[str, Any]
    chunk_points: int
    tasks: list[ChunkTask]

    @property
    def runs_total(self) -> int:
        return self.design.n_points * self.spec.replications * len(self.policies)


def _check_parameters(spec: ExperimentSpec) -> None:
    from armednet.sim.params import PARAMETERS

    names = [u.name for u in spec.uncertainties] + list(spec.params)
    unknown = [n for n in names if n not in PARAMETERS]
    if unknown:
        import difflib

        hints = []
        for n in unknown:
            near = difflib.get_close_matches(n, list(PARAMETERS), n=3, cutoff=0.5)
            hints.append(f"{n!r}" + (f" (did you mean {', '.join(near)}?)" if near else ""))
        raise InputError("unknown model parameter(s): " + "; ".join(hints)
                         + ". `armednet simulate --list-params` lists them.")


def _check_outcomes(spec: ExperimentSpec) -> None:
    from armednet.sim.engine import SUMMARY_COLUMNS, WEEKLY_GROUP_VARIABLES, WEEKLY_VARIABLES

    weekly: tuple[str, ...] = (*WEEKLY_VARIABLES, *WEEKLY_GROUP_VARIABLES)
    summary: tuple[str, ...] = SUMMARY_COLUMNS
    for i, o in enumerate(spec.outcomes):
        name = o.variable.partition("[")[0]
        if o.aggregation == "summary":
            if name in SUMMARY_COLUMNS or name.startswith("power_"):
                continue
            pool, what = summary, "summary column"
        elif name in weekly:
            continue
        else:
            pool, what = weekly, "weekly variable"
        import difflib

        near = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(near)}?" if near else f"expected one of {', '.join(pool)}"
        raise InputError(f"outcomes[{i}] ({o.name}): {name!r} is not a {what}; {hint}")


def _resolve_policies(spec: ExperimentSpec, base: Path | None) -> dict[str, Any]:
    from armednet.sim.policy import resolve_policy

    out: dict[str, Any] = {}
    for lever in spec.levers:
        if lever.file is not None:
            path = Path(lever.file)
            if not path.is_absolute() and base is not None:
                path = base / path
            out[lever.name] = resolve_policy(str(path))
        else:
            out[lever.name] = resolve_policy(str(lever.preset))
    return out


def _load_posterior(spec: ExperimentSpec, spec_dir: Path | None) -> tuple[Any, str]:
    """The spec's parameter-set table and its content hash (part of the experiment id, so
    that a changed posterior file is a changed experiment)."""
    if spec.posterior is None:
        return None, ""
    import hashlib

    from armednet.sim.params import RESERVED_COLUMNS, load_parameter_sets

    path = Path(spec.posterior)
    if not path.is_absolute() and spec_dir is not None:
        path = spec_dir / path
    table = load_parameter_sets(path)
    taken = {u.name for u in spec.uncertainties} | set(spec.params)
    clash = sorted(c for c in table.columns if c in taken and c not in RESERVED_COLUMNS)
    if clash:
        raise InputError(f"posterior {path}: {', '.join(clash)} also uncertain or fixed in "
                         "the spec; a parameter comes from one place only")
    return table, hashlib.sha256(path.read_bytes()).hexdigest()


def plan_experiment(spec: ExperimentSpec, spec_dir: Path | None = None,
                    kg: Any = None) -> Plan:
    """Resolve a spec into chunks without running anything."""
    from armednet.kb import KnowledgeGraph

    _check_parameters(spec)
    _check_outcomes(spec)
    if kg is None:
        base_scenario = spec.scenario
        if base_scenario and spec_dir is not None and (spec_dir / base_scenario).exists():
            base_scenario = str(spec_dir / base_scenario)
        kg = KnowledgeGraph.load(base_scenario)
    policies = _resolve_policies(spec, spec_dir)
    posterior, posterior_sha = _load_posterior(spec, spec_dir)
    design = make_design(spec)
    reps = spec.replications
    chunk_points = spec.chunk_points or max(1, TARGET_RUNS_PER_CHUNK // reps)
    scenario_json = kg.scenario.model_dump_json(by_alias=True)
    names = tuple(design.values.columns)
    values = design.values.to_numpy(dtype=float)
    if values.shape[1] == 0:
        values = np.zeros((design.n_points, 0))
    tasks = []
    chunk = 0
    for pname, policy in policies.items():
        for start in range(0, design.n_points, chunk_points):
            stop = min(start + chunk_points, design.n_points)
            tasks.append(ChunkTask(
                chunk=chunk, scenario_json=scenario_json, scenario_hash=kg.hash,
                policy_name=pname, policy=policy, points=(start, stop), replications=reps,
                design=values[start:stop], names=names, fixed=dict(spec.params),
                seed=spec.seed, weeks=spec.weeks, mechanisms=dict(spec.mechanisms),
                outcomes=tuple(spec.outcomes), record=tuple(spec.record),
                posterior=posterior))
            chunk += 1
    return Plan(experiment_id=spec_hash(spec, kg.hash + posterior_sha), spec=spec, kg=kg,
                design=design,
                policies=policies, chunk_points=chunk_points, tasks=tasks)


def _design_long(design: DesignMatrix) -> pd.DataFrame:
    if design.unit.shape[1] == 0:
        return pd.DataFrame({"point": [], "name": [], "unit": [], "value": []})
    unit = design.unit.reset_index().melt(id_vars="point", var_name="name", value_name="unit")
    val = design.values.reset_index().melt(id_vars="point", var_name="name", value_name="value")
    return unit.merge(val, on=["point", "name"])


def _metadata(plan: Plan) -> dict[str, Any]:
    from armednet import __version__
    from armednet.sim.params import PARAMETERS

    spec = plan.spec
    params = {name: p.default for name, p in PARAMETERS.items()}
    params.update(spec.params)
    return {
        "experiment_id": plan.experiment_id, "name": spec.name,
        "description": spec.description, "spec": spec.canonical_json(),
        "scenario_id": plan.kg.scenario.scenario.id, "scenario_hash": plan.kg.hash,
        "package_version": __version__, "seed": spec.seed,
        "design_method": spec.design.method, "n_points": plan.design.n_points,
        "n_policies": len(plan.policies), "replications": spec.replications,
        "weeks": spec.weeks, "n_chunks": len(plan.tasks),
        "params": json.dumps(params, sort_keys=True), "created": dt.datetime.now(),
    }


def _refuse_changed_spec(store: Any, plan: Plan) -> None:
    """An unfinished experiment of the same name with another spec means the spec (or the
    scenario) was edited mid-run: stop rather than quietly start a second experiment."""
    for other in store.unfinished_namesakes(plan.spec.name, plan.experiment_id):
        old, new = other["spec"], plan.spec.model_dump(mode="json")
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        what = (f"fields changed: {', '.join(changed)}" if changed
                else "the scenario changed")
        raise InputError(
            f"experiment {plan.spec.name!r} in {store.path} is unfinished "
            f"({other['chunks_done']}/{other['n_chunks']} chunks, id {other['experiment_id']}) "
            f"and was started with a different spec or scenario ({what}). Run the original "
            "spec to resume it, or give the new spec another name.")


def run_experiment(
    spec: ExperimentSpec,
    db: str | Path,
    evaluator: str | Evaluator = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    spec_dir: Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    on_start: Callable[[Plan, int], None] | None = None,
) -> str:
    """Run (or resume) ``spec``, storing results in the DuckDB file ``db``.

    Parameters
    ----------
    spec : ExperimentSpec
        The experiment.
    db : path
        Results database (created if missing).
    evaluator : {"local", "dask", "sequential"} or Evaluator
        Where chunks run.
    scheduler, workers : optional
        Dask scheduler address; number of local workers.
    spec_dir : Path, optional
        Directory that relative scenario and policy paths in the spec are resolved against.
    progress : callable, optional
        Called with a :class:`Progress` after each committed chunk.
    on_start : callable, optional
        Called with the plan and the number of chunks already done, before running.

    Returns
    -------
    str
        The experiment id.
    """
    plan = plan_experiment(spec, spec_dir)
    with open_store(db) as store:
        _refuse_changed_spec(store, plan)
        store.register(_metadata(plan), _design_long(plan.design))
        done = store.done_chunks(plan.experiment_id)
        todo = [t for t in plan.tasks if t.chunk not in done]
        if on_start is not None:
            on_start(plan, len(done))
        t0 = time.perf_counter()
        runs_per = {t.chunk: (t.points[1] - t.points[0]) * t.replications for t in plan.tasks}
        runs_done = sum(runs_per[c] for c in done)
        n_done = len(done)
        if todo:
            ev = (make_evaluator(evaluator, scheduler, workers)
                  if isinstance(evaluator, str) else evaluator)
            if isinstance(evaluator, str) and evaluator != "dask" and len(todo) == 1:
                ev = make_evaluator("sequential")
            with ev:
                results: Iterator[tuple[ChunkTask, Any]] = ev.imap_unordered(evaluate_chunk,
                                                                              todo)
                store_seconds = 0.0
                for task, rows in results:
                    # CPU time of the commit: what the store costs, not time spent
                    # waiting for a core the workers are using
                    t_commit = time.process_time()
                    store.commit_chunk(plan.experiment_id, task.chunk, task.policy_name,
                                       task.points, rows)
                    store_seconds += time.process_time() - t_commit
                    n_done += 1
                    runs_done += runs_per[task.chunk]
                    if progress is not None:
                        progress(Progress(n_done, len(plan.tasks), runs_done, plan.runs_total,
                                          time.perf_counter() - t0, task.chunk))
            store.finish(plan.experiment_id, time.perf_counter() - t0, ev.name, store_seconds)
    return plan.experiment_id
