"""Benchmark: the vectorised engine against the Mesa reference implementation.

On the bundled scenario, status-quo policy, 104 weeks: the engine's runs per second at
10,000 runs (:func:`armednet.sim.engine.simulate`), the reference's at 200 runs
(:func:`armednet.sim.reference.simulate_reference`, one Mesa model per run) and the ratio of
their times per run. Targets (the engine issue): the engine simulates 10,000 runs x 104 weeks
in at most 20 s, and is at least 100x faster per run than the reference, on the reference
machine (2 cores). Loading the scenario and a small warm-up run are not timed; each
implementation is timed ``--repeat`` times (default 5, as timeit), alternating, and the
best time of each is kept. Both run on one core.

Run with ``make bench`` or ``python benchmarks/bench_engine.py [--engine-runs N]
[--reference-runs N] [--weeks N] [--repeat N] [--strict]``. Figures are printed with their
targets and whether each is met; with ``--strict`` a missed target exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["main"]

ENGINE_TARGET_S = 20.0
"""Engine: 10,000 runs x 104 weeks in at most this many seconds."""
RATIO_TARGET = 100.0
"""Engine at least this many times faster per run than the reference."""


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    """Time both implementations, print figures against targets.

    Returns
    -------
    int
        0, or 1 with ``--strict`` when a target is missed.
    """
    from armednet.kb import KnowledgeGraph
    from armednet.sim.engine import simulate
    from armednet.sim.reference import simulate_reference

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine-runs", type=int, default=10_000)
    ap.add_argument("--reference-runs", type=int, default=200)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--policy", default="status-quo")
    ap.add_argument("--repeat", type=int, default=5,
                    help="time each implementation this many times and keep the best")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)

    kg = KnowledgeGraph.load()
    simulate(kg, args.policy, runs=8, weeks=4)  # warm-up: imports, caches
    simulate_reference(kg, args.policy, runs=1, weeks=4)

    # Best of --repeat timings for both, as timeit does: the minimum is the figure least
    # disturbed by other work on the machine.
    t_eng = t_ref = float("inf")
    for _ in range(args.repeat):
        t = time.perf_counter()
        eng = simulate(kg, args.policy, runs=args.engine_runs, weeks=args.weeks, seed=0)
        t_eng = min(t_eng, time.perf_counter() - t)
        t = time.perf_counter()
        ref = simulate_reference(kg, args.policy, runs=args.reference_runs,
                                 weeks=args.weeks, seed=0)
        t_ref = min(t_ref, time.perf_counter() - t)
    assert len(eng.summary) == args.engine_runs and len(ref) == args.reference_runs

    eng_rate = args.engine_runs / t_eng
    ref_rate = args.reference_runs / t_ref
    ratio = eng_rate / ref_rate
    # the time target is stated for 10,000 runs x 104 weeks: scale other sizes linearly
    eng_scaled = t_eng * (10_000 / args.engine_runs) * (104 / args.weeks)
    ok_time = eng_scaled <= ENGINE_TARGET_S
    ok_ratio = ratio >= RATIO_TARGET
    print(f"scenario {eng.metadata['scenario']}, policy {args.policy}, {args.weeks} weeks")
    print(f"engine:    {args.engine_runs:,} runs in {t_eng:.2f} s = {eng_rate:,.0f} runs/s "
          f"({1e3 / eng_rate:.3f} ms per run)")
    print(f"reference: {args.reference_runs:,} runs in {t_ref:.2f} s = {ref_rate:,.1f} runs/s "
          f"({1e3 / ref_rate:.1f} ms per run, Mesa, one model per run)")
    scaled = "" if (args.engine_runs, args.weeks) == (10_000, 104) else " (scaled)"
    print(f"target: engine 10,000 runs x 104 weeks in <= {ENGINE_TARGET_S:.0f} s: "
          f"{eng_scaled:.2f} s{scaled} -> {_verdict(ok_time)}")
    print(f"target: engine at least {RATIO_TARGET:.0f}x faster per run than the reference: "
          f"{ratio:.1f}x -> {_verdict(ok_ratio)}")
    if args.strict and not (ok_time and ok_ratio):
        print("bench_engine: TARGET MISSED")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
