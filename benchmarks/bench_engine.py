"""Benchmark: the vectorised engine against the Mesa reference, its random-number floor, and
100,000 runs on both cores.

On the bundled scenario, 104 weeks, for the status quo and the strikes preset:

- **against Mesa**: CPU time per run (``time.process_time``, steadier than wall time on a
  shared machine) of the engine in one process at 100, 1,000 and 10,000 runs, against the
  reference's (:func:`armednet.sim.reference.simulate_reference`, one Mesa model per run,
  timed on ``--reference-runs`` runs and taken per run: its cost is linear in the runs).
  Targets (issue 18): at least 300x at 1,000 runs and 1,000x at 10,000, for every preset.
  Timed for each ``--backend`` (default: the compiled kernels, ``numba``, held to the
  targets, then the NumPy reference for comparison).
- **against the floor**: the engine's CPU time against drawing only the random variates it
  consumes, with its own functions (:mod:`armednet.sim.rng`): the uniforms of every
  ``ctx.uniform`` call (whole streams, pairs and single cells) and the Poisson variates at
  the rates the engine asked for. The calls are counted by running the engine once with
  those functions wrapped (:func:`count_draws`); the replay (:func:`draw_floor`) makes the
  same calls, week by week and chunk by chunk, at the same sizes. Target: within 2x.
  (The kernels draw the same numbers inside their loops without these arrays, so they
  can go below this floor; the NumPy path cannot.)
- **100,000 runs x 104 weeks** with ``armednet simulate`` (its default: every core), wall
  time of the whole command including start-up. Target: 20 s.

Loading the scenario and a small warm-up run are not timed; each CPU time is the best of
``--repeat`` (as timeit). Run with ``make bench`` or ``python benchmarks/bench_engine.py
[--reference-runs N] [--repeat N] [--skip-cli] [--strict]``. Each figure is printed with its
target and met/MISSED; with ``--strict`` a missed target exits with status 1.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

__all__ = ["DrawLog", "count_draws", "draw_floor", "main"]

WEEKS = 104
POLICIES = ("status-quo", "strikes")
ENGINE_RUNS = (100, 1_000, 10_000)
RATIO_TARGETS = {1_000: 300.0, 10_000: 1_000.0}
"""Engine at least this many times faster per run than Mesa, by ensemble size."""
FLOOR_TARGET = 2.0
"""Engine within this factor of drawing its random variates alone."""
CLI_RUNS = 100_000
CLI_TARGET_S = 20.0
"""``armednet simulate --runs 100000 --weeks 104`` (both cores) in at most this many
seconds."""


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _cpu(fn: Callable[[], Any], repeat: int) -> float:
    """Best CPU time of ``repeat`` calls of ``fn`` (this process only)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        fn()
        best = min(best, time.process_time() - t)
    return best


@dataclass
class DrawLog:
    """The random draws of one engine run, week by week: ``(kind, stream, width, extra)``
    per call, per-run widths (``extra`` holds the Poisson rates, or cells per run)."""

    runs: int
    weeks: list[list[tuple[str, int, int, Any]]] = field(default_factory=list)

    def per_run_week(self) -> dict[str, float]:
        """Variates per run-week by kind (uniforms, pairs count two, cells, Poisson)."""
        out = {"uniform": 0.0, "poisson": 0.0}
        for week in self.weeks:
            for kind, _, width, extra in week:
                if kind == "poisson":
                    out["poisson"] += np.size(extra) / self.runs
                elif kind == "cells":
                    out["uniform"] += float(extra)
                else:
                    out["uniform"] += width * (2 if kind == "pairs" else 1)
        return {k: v / max(len(self.weeks), 1) for k, v in out.items()}


def count_draws(kg: Any, policy: str, runs: int = 256, weeks: int = WEEKS) -> DrawLog:
    """Run the engine with its random functions wrapped, logging every draw.

    The engine's ``ctx.uniform`` goes through :mod:`armednet.sim.engine`'s imported
    ``uniforms``, ``uniforms_at``, ``uniform_pairs_at`` and ``uniforms_cells``; Poisson
    variates through each mechanism module's imported ``poisson``.
    """
    from armednet.sim import engine, rng

    log = DrawLog(runs=runs)
    week_of: dict[int, list[tuple[str, int, int, Any]]] = {}

    def at(t: int) -> list[tuple[str, int, int, Any]]:
        if t not in week_of:
            week_of[t] = []
        return week_of[t]

    def w_uniforms(keys: Any, t: int, stream: int, n: int) -> Any:
        at(t).append(("uniform", stream, int(n), None))
        return rng.uniforms(keys, t, stream, n)

    def w_at(keys: Any, t: int, stream: int, actors: Any) -> Any:
        at(t).append(("uniform", stream, len(actors), None))
        return rng.uniforms_at(keys, t, stream, actors)

    def w_pairs(keys: Any, t: int, stream: int, actors: Any) -> Any:
        at(t).append(("pairs", stream, len(actors), None))
        return rng.uniform_pairs_at(keys, t, stream, actors)

    def w_cells(keys: Any, t: int, stream: int, rows: Any, actors: Any) -> Any:
        at(t).append(("cells", stream, 0, len(rows) / len(keys)))
        return rng.uniforms_cells(keys, t, stream, rows, actors)

    current = [0]

    def w_poisson(lam: Any, u: Any) -> Any:
        week_of.setdefault(current[0], []).append(("poisson", 0, 0, np.array(lam, copy=True)))
        return rng.poisson(lam, u)

    patches: list[tuple[Any, str, Any]] = [
        (engine, "uniforms", w_uniforms), (engine, "uniforms_at", w_at),
        (engine, "uniform_pairs_at", w_pairs), (engine, "uniforms_cells", w_cells)]
    for name in sorted(sys.modules):  # the mechanisms are imported with the engine
        mod = sys.modules[name]
        if name.startswith("armednet.sim.mechanisms.") and getattr(
                mod, "poisson", None) is rng.poisson:
            patches.append((mod, "poisson", w_poisson))
    saved = [(obj, name, getattr(obj, name)) for obj, name, _ in patches]
    tick = engine._Recorder.week

    def week(self: Any, t: int, *a: Any) -> None:  # Poisson draws of week t come before
        tick(self, t, *a)
        current[0] = t + 1

    try:
        for obj, name, fn in patches:
            setattr(obj, name, fn)
        engine._Recorder.week = week  # type: ignore[method-assign,assignment]
        # the NumPy reference steps call these functions; the kernels draw the same
        # numbers inside their loops
        engine.simulate(kg, policy, runs=runs, weeks=weeks, seed=0, backend="numpy")
    finally:
        for obj, name, fn in saved:
            setattr(obj, name, fn)
        engine._Recorder.week = tick  # type: ignore[method-assign]
    log.weeks = [week_of.get(t, []) for t in range(weeks)]
    return log


def draw_floor(log: DrawLog, runs: int, seed: int = 0) -> None:
    """Draw what the engine draws for ``runs`` runs: the logged calls, week by week, in
    the engine's chunks, with the logged Poisson rates tiled over the runs."""
    from armednet.sim.engine import DEFAULT_CHUNK, plan_workers
    from armednet.sim.rng import (
        poisson,
        run_keys,
        uniform_pairs_at,
        uniforms,
        uniforms_at,
        uniforms_cells,
    )

    _, bounds = plan_workers(runs, DEFAULT_CHUNK, 1)
    for a, b in itertools.pairwise(bounds):
        keys = run_keys(seed, np.arange(a, b))
        R = b - a
        # the engine's rates, tiled over the chunk's runs (the engine computes its own)
        rates = [[np.resize(x, (R, *np.shape(x)[1:])) for k, _, _, x in week if k == "poisson"]
                 for week in log.weeks]
        # the uniforms behind the Poisson variates are among the calls replayed below
        u_of: dict[tuple[int, ...], np.ndarray] = {}
        for lam in (lam for week in rates for lam in week):
            if lam.shape not in u_of:
                u_of[lam.shape] = uniforms(keys, 0, 99, int(np.prod(lam.shape[1:]))
                                           ).reshape(lam.shape)
        for t, week in enumerate(log.weeks):
            for kind, stream, width, extra in week:
                if kind == "uniform":
                    uniforms_at(keys, t, stream, np.arange(width))
                elif kind == "pairs":
                    uniform_pairs_at(keys, t, stream, np.arange(width))
                elif kind == "cells":
                    n = round(extra * R)
                    if n:
                        uniforms_cells(keys, t, stream, np.arange(n) % R, np.zeros(n, int))
            for lam in rates[t]:
                poisson(lam, u_of[lam.shape])


def _against_mesa(kg: Any, args: argparse.Namespace) -> tuple[bool, dict[str, float]]:
    from armednet.sim.engine import simulate
    from armednet.sim.reference import simulate_reference

    ok = True
    at_10k: dict[str, float] = {}
    for policy in POLICIES:
        ref = _cpu(partial(simulate_reference, kg, policy, runs=args.reference_runs,
                           weeks=WEEKS, seed=0), args.repeat)
        ref_run = ref / args.reference_runs
        print(f"\n{policy}: Mesa reference {1e3 * ref_run:.1f} ms CPU per run "
              f"({args.reference_runs} runs)")
        for n in ENGINE_RUNS:
            for backend in args.backends:
                eng = _cpu(partial(simulate, kg, policy, runs=n, weeks=WEEKS, seed=0,
                                   workers=1, backend=backend), args.repeat)
                main_backend = backend == args.backends[0]
                if n == 10_000 and main_backend:
                    at_10k[policy] = eng
                ratio = ref_run / (eng / n)
                target = RATIO_TARGETS.get(n) if main_backend else None
                verdict = (f"target >= {target:,.0f}x -> {_verdict(ratio >= target)}"
                           if target else "(no target)")
                ok &= target is None or ratio >= target
                print(f"  {backend:5} {n:>6,} runs: {eng:6.2f} s CPU = {1e3 * eng / n:.3f} ms "
                      f"per run; {ratio:7.1f}x Mesa per run  {verdict}")
    return ok, at_10k


def _against_floor(kg: Any, args: argparse.Namespace, at_10k: dict[str, float]) -> bool:
    ok = True
    n = 10_000
    print()
    for policy in POLICIES:
        log = count_draws(kg, policy)
        per = log.per_run_week()
        floor = _cpu(partial(draw_floor, log, n), args.repeat)
        ratio = at_10k[policy] / floor
        ok &= ratio <= FLOOR_TARGET
        print(f"{policy}: {per['uniform']:.1f} uniforms + {per['poisson']:.1f} Poisson "
              f"variates per run-week; drawing them alone for {n:,} runs x {WEEKS} weeks: "
              f"{floor:.2f} s CPU; engine {at_10k[policy]:.2f} s = {ratio:.1f}x the floor  "
              f"target <= {FLOOR_TARGET:.0f}x -> {_verdict(ratio <= FLOOR_TARGET)}")
    return ok


def _cli_run() -> bool:
    import os

    cmd = [sys.executable, "-m", "armednet", "simulate", "--runs", str(CLI_RUNS), "--weeks",
           str(WEEKS), "--json"]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        raise SystemExit("bench_engine: armednet simulate failed")
    ok = wall <= CLI_TARGET_S
    print(f"\narmednet simulate --runs {CLI_RUNS:,} --weeks {WEEKS} ({os.cpu_count()} cores, "
          f"default workers): {wall:.1f} s wall  target <= {CLI_TARGET_S:.0f} s -> "
          f"{_verdict(ok)}")
    return ok


def main(argv: list[str] | None = None) -> int:
    """Time the engine, the reference and the floor; print figures against targets.

    Returns
    -------
    int
        0, or 1 with ``--strict`` when a target is missed.
    """
    from armednet.kb import KnowledgeGraph
    from armednet.sim.engine import simulate
    from armednet.sim.reference import simulate_reference

    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--reference-runs", type=int, default=20,
                    help="Mesa runs timed per preset (its time is taken per run)")
    ap.add_argument("--repeat", type=int, default=3,
                    help="time each figure this many times and keep the best")
    ap.add_argument("--skip-cli", action="store_true",
                    help=f"skip the {CLI_RUNS:,}-run command")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    ap.add_argument("--backend", action="append", dest="backends", choices=("numba", "numpy"),
                    help="engine backend to time (repeatable; the first is held to the "
                         "targets; default: numba, then the NumPy reference)")
    args = ap.parse_args(argv)
    args.backends = args.backends or ["numba", "numpy"]

    kg = KnowledgeGraph.load()
    for backend in args.backends:  # warm-up: imports, caches, compiled kernels
        simulate(kg, runs=8, weeks=4, backend=backend)
    simulate_reference(kg, runs=1, weeks=4)
    print(f"scenario {kg.scenario.scenario.id}, {WEEKS} weeks; CPU times "
          f"(time.process_time), best of {args.repeat}; engine in one process, backends "
          f"{', '.join(args.backends)} (targets on {args.backends[0]})")
    ok, at_10k = _against_mesa(kg, args)
    ok &= _against_floor(kg, args, at_10k)
    if not args.skip_cli:
        ok &= _cli_run()
    if args.strict and not ok:
        print("bench_engine: TARGET MISSED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
