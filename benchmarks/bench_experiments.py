"""Benchmark: a Sobol experiment of at least 20,000 runs on the default scenario.

Targets (the experiments issue), on the reference machine (2 cores): the whole experiment
(104 weeks, local evaluator, both cores) within 3 minutes; the store's overhead (committing
chunks to DuckDB) under 10% of the run time; and the Dask LocalCluster result identical to
the local one. The Dask comparison runs a smaller experiment (the same spec with a smaller
base sample) under both evaluators, to keep ``make bench`` short.

Run with ``make bench`` or ``python benchmarks/bench_experiments.py [--n 512] [--strict]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main"]

RUN_TARGET_S = 180.0
OVERHEAD_TARGET = 0.10


def _spec(n: int, seed: int = 7):  # type: ignore[no-untyped-def]
    from armednet.experiments.spec import ExperimentSpec

    return ExperimentSpec.model_validate({
        "name": f"bench-sobol-{n}", "weeks": 104, "seed": seed,
        "design": {"method": "sobol", "n": n},
        "uncertainties": [
            {"name": "attack_base_rate", "low": 0.05, "high": 0.6},
            {"name": "trigger_sensitivity", "low": 2, "high": 30},
            {"name": "ceasefire_threshold", "low": 0.2, "high": 3},
            {"name": "cost_memory_decay", "low": 0.02, "high": 0.4},
            {"name": "rent_rate", "dist": "loguniform", "low": 0.002, "high": 0.3},
            {"name": "formal_revenue_share", "low": 0, "high": 1},
            {"name": "capture_growth", "low": 0, "high": 0.05},
            {"name": "cohesion_loss", "low": 0, "high": 1},
        ],
        "levers": ["status-quo", "strikes"],
        "outcomes": [{"name": "attacks", "variable": "attacks"},
                     {"name": "attacks_last_year", "variable": "attacks",
                      "window": [52, 104]},
                     {"name": "capture", "variable": "capture_final",
                      "aggregation": "summary"},
                     {"name": "spells", "variable": "ceasefire_spells",
                      "aggregation": "summary"}],
        "record": ["attacks"],
    })


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; print figures against targets (exit 1 on a miss with --strict)."""
    import pandas as pd

    from armednet.experiments.runner import plan_experiment, run_experiment
    from armednet.experiments.store import open_store

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1024, help="Saltelli base sample (power of 2)")
    ap.add_argument("--dask-n", type=int, default=64)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args(argv)

    spec = _spec(args.n)
    runs = plan_experiment(spec).runs_total
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        eid = run_experiment(spec, db, evaluator="local")
        wall = time.perf_counter() - t0
        with open_store(db, read_only=True) as s:
            chunks = s.con.execute("SELECT sum(seconds), count(*) FROM chunks WHERE "
                                   "experiment_id = ?", [eid]).fetchone()
            rows = s.con.execute("SELECT count(*) FROM outcomes WHERE experiment_id = ?",
                                 [eid]).fetchone()
            meta = s.meta(eid)
        assert chunks is not None and rows is not None
        eval_cpu, n_chunks = float(chunks[0]), int(chunks[1])
        overhead = float(meta["store_seconds"]) / float(meta["seconds"])
        print(f"Sobol experiment: {runs:,} runs (104 weeks, {n_chunks} chunks, "
              f"{int(rows[0]):,} outcome rows), local evaluator: {wall:.1f} s "
              f"({runs / wall:,.0f} runs/s)")
        print(f"target: >= 20,000 runs within {RUN_TARGET_S:.0f} s: "
              f"{_verdict(runs >= 20_000 and wall <= RUN_TARGET_S)}")
        print(f"store overhead (CPU time committing chunks to DuckDB): {overhead:.1%} of the "
              f"run time "
              f"(evaluation {eval_cpu:.1f} s of worker time on 2 workers); target < "
              f"{OVERHEAD_TARGET:.0%}: {_verdict(overhead < OVERHEAD_TARGET)}")

        small = _spec(args.dask_n)
        out = {}
        for ev in ("local", "dask"):
            path = Path(tmp) / f"{ev}.duckdb"
            t0 = time.perf_counter()
            e = run_experiment(small, path, evaluator=ev, workers=2)
            secs = time.perf_counter() - t0
            with open_store(path, read_only=True) as s:
                out[ev] = s.outcomes(e, wide=False).sort_values(
                    ["policy", "point", "replication", "outcome"]).reset_index(drop=True)
            print(f"{ev} evaluator, {len(out[ev]):,} outcome rows: {secs:.1f} s")
        same = out["local"].equals(out["dask"])
        try:
            pd.testing.assert_frame_equal(out["local"], out["dask"], check_exact=True)
        except AssertionError:
            same = False
        print(f"Dask LocalCluster result identical to local: {same}")
    ok = runs >= 20_000 and wall <= RUN_TARGET_S and overhead < OVERHEAD_TARGET and same
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
