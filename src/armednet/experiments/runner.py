"""Run an experiment: plan its chunks, evaluate the missing ones, commit each atomically.

Running the same spec against the same scenario and database again resumes it: the
experiment id is a hash of both, committed chunks are skipped, and the final tables hold
exactly one row per (point, policy, replication, outcome).

Nothing is written before the experiment is known to run: the spec is checked against the
model (:func:`armednet.experiments.spec.check_spec`), the scenario, policies, posterior and
design are resolved, the design is checked against every parameter's hard limits, the
evaluator is started (a Dask scheduler is reached) and the first chunk is evaluated; only
then is the database opened for writing and the experiment registered. A failure to write
(disk full, permission denied) raises :class:`~armednet.errors.OutputError` naming the real
cause; the chunks committed before it are kept, and running again resumes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import ArmednetError, InputError, OutputError, io_failure
from armednet.experiments.design import NETWORK, DesignMatrix, make_design
from armednet.experiments.evaluate import ChunkTask, evaluate_chunk
from armednet.experiments.evaluators import Evaluator, make_evaluator
from armednet.experiments.spec import ExperimentSpec, spec_hash, validate_spec
from armednet.experiments.store import open_store

__all__ = ["Plan", "Progress", "plan_experiment", "run_experiment"]

#: Runs per engine call: large enough for the vectorised engine to be efficient, small
#: enough that a killed process loses little work.
TARGET_RUNS_PER_CHUNK = 1024

#: Largest parameter-set (posterior) file read, in bytes.
MAX_POSTERIOR_BYTES = 256 * 1024 * 1024


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
    warnings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def runs_total(self) -> int:
        return self.design.n_points * self.spec.replications * len(self.policies)


def _check_design(design: DesignMatrix, spec: ExperimentSpec) -> None:
    """Every design value and fixed parameter inside its parameter's hard limits (the spec
    check makes this hold; this is the engine's own check, run before anything is
    written rather than in a worker)."""
    from armednet.sim.params import PARAMETERS, resolve_params

    # columns that are not parameters (a design's noise-floor dummy, the network variant)
    # never reach the engine's parameters
    values = {str(name): design.values[name].to_numpy(dtype=float)
              for name in design.values.columns if str(name) in PARAMETERS}
    if design.n_points:
        resolve_params({**spec.params, **values}, runs=design.n_points)


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

    from armednet.fileio import read_bytes_bounded
    from armednet.sim.params import RESERVED_COLUMNS, load_parameter_sets

    path = Path(spec.posterior)
    if not path.is_absolute() and spec_dir is not None:
        path = spec_dir / path
    # a regular file of bounded size before the table reader sees it (no devices or pipes)
    content = read_bytes_bounded(path, MAX_POSTERIOR_BYTES, what="parameter-set file")
    table = load_parameter_sets(path)
    taken = {u.name for u in spec.uncertainties} | set(spec.params)
    clash = sorted(c for c in table.columns if c in taken and c not in RESERVED_COLUMNS)
    if clash:
        raise InputError(f"posterior {path}: {', '.join(clash)} also uncertain or fixed in "
                         "the spec; a parameter comes from one place only")
    return table, hashlib.sha256(content).hexdigest()


def plan_experiment(spec: ExperimentSpec, spec_dir: Path | None = None,
                    kg: Any = None) -> Plan:
    """Resolve a spec into chunks without running anything.

    Raises
    ------
    ValidationFailed
        If the spec does not fit the model (:func:`~armednet.experiments.spec.check_spec`).
    InputError
        If the scenario, a policy, the posterior or the design cannot be resolved.
    """
    from armednet.kb import KnowledgeGraph

    validate_spec(spec)
    if kg is None:
        base_scenario = spec.scenario
        if base_scenario and spec_dir is not None and (spec_dir / base_scenario).exists():
            base_scenario = str(spec_dir / base_scenario)
        kg = KnowledgeGraph.load(base_scenario)
    policies = _resolve_policies(spec, spec_dir)
    posterior, posterior_sha = _load_posterior(spec, spec_dir)
    design = make_design(spec)
    _check_design(design, spec)
    chunk_points = spec.chunk_points or max(1, TARGET_RUNS_PER_CHUNK // spec.replications)
    tasks = _tasks(spec, kg, design, policies, chunk_points, posterior)
    return Plan(experiment_id=spec_hash(spec, kg.hash + posterior_sha), spec=spec, kg=kg,
                design=design, policies=policies, chunk_points=chunk_points, tasks=tasks,
                warnings=_lever_warnings(kg, policies, spec))


def _point_sets(design: DesignMatrix, chunk_points: int) -> list[np.ndarray]:
    """The design points of each chunk of one policy: contiguous slices or, with network
    uncertainty, the points of one variant at a time (one engine call per variant)."""
    n = design.n_points
    if NETWORK not in design.values.columns:
        return [np.arange(a, min(a + chunk_points, n)) for a in range(0, n, chunk_points)]
    variant = design.values[NETWORK].to_numpy(dtype=np.int64)
    out = []
    for v in np.unique(variant):
        ids = np.flatnonzero(variant == v)
        out += [ids[a:a + chunk_points] for a in range(0, len(ids), chunk_points)]
    return out


def _tasks(spec: ExperimentSpec, kg: Any, design: DesignMatrix, policies: dict[str, Any],
           chunk_points: int, posterior: Any) -> list[ChunkTask]:
    """The chunks of an experiment: every policy over the same point sets, in order."""
    scenario_json = kg.scenario.model_dump_json(by_alias=True)
    names = tuple(design.parameters)
    values = design.values[list(names)].to_numpy(dtype=float).reshape(design.n_points,
                                                                      len(names))
    groups = design.stream_groups()
    variant = (design.values[NETWORK].to_numpy(dtype=np.int64)
               if NETWORK in design.values.columns else None)
    sets = _point_sets(design, chunk_points)
    tasks: list[ChunkTask] = []
    for pname, policy in policies.items():
        for ids in sets:
            contiguous = bool(len(ids) and ids[-1] - ids[0] + 1 == len(ids))
            tasks.append(ChunkTask(
                chunk=len(tasks), scenario_json=scenario_json, scenario_hash=kg.hash,
                policy_name=pname, policy=policy, points=(int(ids[0]), int(ids[-1]) + 1),
                replications=spec.replications, design=values[ids], names=names,
                fixed=dict(spec.params), seed=spec.seed, weeks=spec.weeks,
                mechanisms=dict(spec.mechanisms), outcomes=tuple(spec.outcomes),
                record=tuple(spec.record), posterior=posterior,
                point_index=None if contiguous else ids, groups=groups[ids],
                variant=None if variant is None else variant[ids],
                draw=spec.network.draw if spec.network is not None else "both"))
    return tasks


def _lever_warnings(kg: Any, policies: dict[str, Any], spec: ExperimentSpec
                    ) -> dict[str, list[str]]:
    """Levers with nothing to act on in the scenario, by policy (the engine's
    :class:`~armednet.sim.policy.LeverWarning` messages, collected once)."""
    import warnings

    from armednet.sim.engine import prepare
    from armednet.sim.policy import LeverWarning

    out: dict[str, list[str]] = {}
    for name, policy in policies.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LeverWarning)
            ens = prepare(kg, policy, runs=1, weeks=spec.weeks,
                          mechanisms=spec.mechanisms or None)
        if ens.metadata.get("warnings"):
            out[name] = [str(w) for w in ens.metadata["warnings"]]
    return out


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
        "warnings": json.dumps(plan.warnings, sort_keys=True),
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


_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")
"""Address schemes of ``dask.distributed`` (without importing it)."""


def _check_scheduler(evaluator: str | Evaluator, scheduler: str | None) -> None:
    """A scheduler address goes with the Dask evaluator and reads ``[scheme://]host:port``.

    Raises
    ------
    InputError
        Otherwise, with what was expected.
    """
    if scheduler is None:
        return
    if evaluator != "dask":
        name = evaluator if isinstance(evaluator, str) else evaluator.name
        raise InputError(f"a scheduler address ({scheduler}) needs the dask evaluator, "
                         f"not {name}")
    scheme, sep, location = scheduler.strip().partition("://")
    if not sep:
        scheme, location = "tcp", scheduler.strip()
    problem = ""
    if scheme not in _SCHEMES:
        problem = f"unknown scheme {scheme!r}; known: {', '.join(_SCHEMES)}"
    elif scheme != "inproc":
        host, colon, port = location.rpartition(":")
        if not colon or not host or not port.isdigit():
            problem = "no host:port"
        elif not 0 < int(port) < 65536:
            problem = f"port {port} is not in 1..65535"
    if problem:
        raise InputError(f"{scheduler!r} is not a Dask scheduler address ({problem}); "
                         "expected tcp://HOST:PORT")


def _stored_chunks(db: Path, plan: Plan) -> set[int]:
    """The chunks of ``plan`` already in ``db``, read without writing (nothing when the
    file does not exist or holds no experiments); refuses a changed spec."""
    if not db.exists():
        return set()
    try:
        with open_store(db, read_only=True) as store:
            _refuse_changed_spec(store, plan)
            return store.done_chunks(plan.experiment_id)
    except InputError as exc:
        if "holds no experiments" in str(exc):  # a new or empty database
            return set()
        raise


def _start(ev: Evaluator, stack: ExitStack, scheduler: str | None) -> None:
    """Enter the evaluator (a Dask evaluator reaches its scheduler here)."""
    try:
        stack.enter_context(ev)
    except ArmednetError:
        raise
    except Exception as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        where = f"the Dask scheduler at {scheduler}" if scheduler else f"the {ev.name} evaluator"
        raise InputError(f"cannot reach {where} ({first})") from None


def _stored(db: Path, what: str, fn: Callable[[], Any]) -> Any:
    """Run a store write; an I/O failure becomes an :class:`OutputError` naming its cause."""
    try:
        return fn()
    except Exception as exc:
        cause = io_failure(exc)
        if cause is None:
            raise
        raise OutputError(f"{db}: cannot {what}: {cause}. The chunks committed before are "
                          "kept; run the same command again to resume.") from exc


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

    Nothing is written until the spec, scenario, policies and design are checked, the
    evaluator has started and the first chunk is evaluated (see the module docstring).

    Parameters
    ----------
    spec : ExperimentSpec
        The experiment.
    db : path
        Results database (created if missing, with its folder).
    evaluator : {"local", "dask", "sequential"} or Evaluator
        Where chunks run.
    scheduler, workers : optional
        Dask scheduler address (dask evaluator only); number of local workers.
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

    Raises
    ------
    InputError
        A spec that does not fit the model, an unknown evaluator, a bad or unreachable
        scheduler, or a database that cannot be opened.
    OutputError
        If results cannot be written (disk full, permission denied).
    """
    db = Path(db)
    if db.is_dir():
        raise OutputError(f"{db}: is a folder; give the name of a database file (in it, or "
                          "elsewhere)")
    _check_scheduler(evaluator, scheduler)
    plan = plan_experiment(spec, spec_dir)
    done = _stored_chunks(db, plan)
    todo = [t for t in plan.tasks if t.chunk not in done]
    if on_start is not None:
        on_start(plan, len(done))
    if isinstance(evaluator, str):
        kind = "sequential" if evaluator != "dask" and len(todo) <= 1 else evaluator
        ev = make_evaluator(kind, scheduler, workers)
    else:
        ev = evaluator
    t0 = time.perf_counter()
    with ExitStack() as stack:
        results: Iterator[tuple[ChunkTask, Any]] = iter(())
        if todo:
            _start(ev, stack, scheduler)
            results = ev.imap_unordered(evaluate_chunk, todo)
            # the first chunk proves the spec runs before a row is written
            results = itertools.chain([next(results)], results)
        store = stack.enter_context(_writable_store(db))
        _refuse_changed_spec(store, plan)
        _stored(db, "register the experiment",
                lambda: store.register(_metadata(plan), _design_long(plan.design)))
        store_seconds = _commit_all(store, plan, results, progress, t0)
        if todo:
            _stored(db, "record the run's time",
                    lambda: store.finish(plan.experiment_id, time.perf_counter() - t0,
                                         ev.name, store_seconds))
    return plan.experiment_id


@contextmanager
def _writable_store(db: Path) -> Iterator[Any]:
    """The results store opened for writing (its folder created if missing); a failure
    to create or open it for lack of space or permission is an :class:`OutputError`."""
    from armednet.fileio import make_parents

    make_parents(db)
    try:
        cm = open_store(db)
        store = cm.__enter__()
    except InputError as exc:
        cause = io_failure(exc)
        if cause is None:
            raise
        raise OutputError(f"{db}: cannot open the results database for writing: "
                          f"{cause}") from None
    try:
        yield store
    finally:
        cm.__exit__(None, None, None)


def _commit(store: Any, plan: Plan, task: ChunkTask, rows: Any) -> None:
    _stored(store.path, f"store chunk {task.chunk}",
            lambda: store.commit_chunk(plan.experiment_id, task.chunk, task.policy_name,
                                       task.points, rows))


def _commit_all(store: Any, plan: Plan, results: Iterator[tuple[ChunkTask, Any]],
                progress: Callable[[Progress], None] | None, t0: float) -> float:
    """Commit each evaluated chunk as it comes; return the CPU seconds spent committing."""
    done = store.done_chunks(plan.experiment_id)
    runs_per = {t.chunk: t.n_runs for t in plan.tasks}
    runs_done = sum(runs_per[c] for c in done)
    n_done = len(done)
    store_seconds = 0.0
    for task, rows in results:
        if task.chunk in done:  # committed meanwhile by another run of the same spec
            continue
        # CPU time of the commit: what the store costs, not time spent waiting for a
        # core the workers are using
        t_commit = time.process_time()
        _commit(store, plan, task, rows)
        store_seconds += time.process_time() - t_commit
        n_done += 1
        runs_done += runs_per[task.chunk]
        if progress is not None:
            progress(Progress(n_done, len(plan.tasks), runs_done, plan.runs_total,
                              time.perf_counter() - t0, task.chunk))
    return store_seconds
