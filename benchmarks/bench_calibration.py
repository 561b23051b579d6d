"""Benchmark: the default calibration on the Department of Defense counts.

Target (the calibration issue): ``armednet calibrate`` with its defaults finishes within 10
minutes on the reference machine. Also prints the coverage of the posterior predictive and
the forecast's probability of a lull, as a record of what the run gave.

Run with ``make bench`` or ``python benchmarks/bench_calibration.py [--particles N]``.
Needs the shared data (``../shared/data`` or ``$ARMEDNET_SHARED_DATA``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

TARGET_S = 600.0


def main(argv: list[str] | None = None) -> int:
    from armednet.events.intervals import load_intervals
    from armednet.kb import KnowledgeGraph
    from armednet.validation.calibration import calibrate

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--particles", type=int, default=2000)
    ap.add_argument("--generations", type=int, default=8)
    ap.add_argument("--strict", action="store_true")
    args = ap.parse_args(argv)
    root = Path(os.environ.get("ARMEDNET_SHARED_DATA",
                               Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = root / "attacks-us-forces-iraq-syria" / "intervals.csv"
    if not path.exists():
        print(f"skipped: {path} not found")
        return 0
    kg = KnowledgeGraph.load()
    t0 = time.perf_counter()
    res = calibrate(kg, load_intervals(path), particles=args.particles,
                    generations=args.generations, seed=0)
    secs = time.perf_counter() - t0
    rec = res.record
    done = res.generations[res.generations["complete"]]
    print(f"calibration: {args.particles} particles, {len(done) - 1} generations, "
          f"{int(res.generations['proposals'].sum()):,} simulated runs, {secs:.1f} s; "
          f"target <= {TARGET_S:.0f} s: {'met' if secs <= TARGET_S else 'MISSED'}")
    print(f"posterior predictive coverage (90% intervals): {rec['coverage']:.0%}; effective "
          f"sample size {rec['ess']:.0f}; forecast P(lull) {rec['forecast']['p_lull']:.0%}")
    return 1 if (args.strict and secs > TARGET_S) else 0


if __name__ == "__main__":
    sys.exit(main())
