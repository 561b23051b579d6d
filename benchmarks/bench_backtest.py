"""Benchmark: the rolling-origin backtest of the model against four naive baselines.

Refits the bundled scenario to the Department of Defense counts that end by each origin
(every other Sunday, 19 Nov 2023 - 14 Jan 2024, each moved back to the last statement day
on or before it), forecasts 1-4 weeks ahead and scores the intervals observed in those
weeks beside the pre-war rate, the last interval's rate, the mean of the last 4 weeks and
the empirical distribution of the last 8 weeks. Prints the
table (mean CRPS, log score, 50% and 90% coverage per forecaster) and the wall time; target:
a few minutes on two cores. With ``--db FILE`` the record is stored as the analysis
``("validation", "backtest")``, which ``armednet report`` and the dashboard show.

Run with ``make bench`` or ``python benchmarks/bench_backtest.py [--particles N] [--db F]``.
Needs the shared data (``../shared/data`` beside the repository, or
``$ARMEDNET_SHARED_DATA``); skips with a message without it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

TARGET_S = 300.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=1000)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--db", type=Path, default=None, help="store the record here")
    ap.add_argument("--strict", action="store_true", help="fail when over the target time")
    args = ap.parse_args(argv)
    root = Path(os.environ.get("ARMEDNET_SHARED_DATA",
                               Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = root / "attacks-us-forces-iraq-syria" / "intervals.csv"
    if not path.exists():
        print(f"skipped: {path} not found (the backtest needs the shared data)")
        return 0
    from armednet.events.intervals import load_intervals
    from armednet.kb import KnowledgeGraph
    from armednet.validation.backtest import backtest, save_backtest

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scenario warnings are the authoring tools' job
        kg = KnowledgeGraph.load()
    t0 = time.perf_counter()
    res = backtest(kg, load_intervals(path), particles=args.particles,
                   generations=args.generations, runs=args.runs, seed=args.seed)
    secs = time.perf_counter() - t0
    rec = res.record
    print(f"rolling-origin backtest: origins {', '.join(rec['origins'])}; horizons 1-"
          f"{rec['horizons']} weeks; fit {rec['fit']}; {args.runs} draws per forecast")
    print(f"{rec['n_units']} scored intervals (first day after the origin, last day within "
          f"the horizon)")
    s = res.summary
    print(f"{'forecaster':<15}{'CRPS':>8}{'log score':>11}{'50% cover':>11}{'90% cover':>11}"
          f"{'n':>5}")
    for r in s.itertuples():
        print(f"{r.forecaster:<15}{r.crps:>8.3f}{r.log_score:>11.3f}{r.cover50:>11.0%}"
              f"{r.cover90:>11.0%}{r.n:>5}")
    by_h = res.scores.groupby(["horizon", "forecaster"], sort=False)["crps"].mean().unstack()
    print("mean CRPS by horizon (weeks):")
    print(by_h[list(s["forecaster"])].sort_index().round(3).to_string())
    print(rec["verdict"])
    print(f"wall time {secs:.1f} s; target <= {TARGET_S:.0f} s: "
          f"{'met' if secs <= TARGET_S else 'MISSED'}")
    if args.db is not None:
        save_backtest(res, args.db)
        print(f"stored as ('validation', 'backtest') in {args.db}")
    return 1 if (args.strict and secs > TARGET_S) else 0


if __name__ == "__main__":
    sys.exit(main())
