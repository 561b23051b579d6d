"""Benchmark: the default calibration on the Department of Defense counts.

Target (the calibration issue): ``armednet calibrate`` with its defaults finishes within 10
minutes on the reference machine (2 cores), with an effective sample size of at least 30%
of the particles in the final generation. Prints the effective sample size per generation,
which parameters the data informed (posterior over prior 90% width), each pattern's
observed value against its posterior predictive, the share of re-simulated final
particles within the final tolerance, the coverage of the posterior predictive and the
forecast's probability of a lull, as a record of what the run gave.

Run with ``make bench`` or ``python benchmarks/bench_calibration.py [--particles N]``.
Needs the shared data (``../shared/data`` or ``$ARMEDNET_SHARED_DATA``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

TARGET_S = 600.0
TARGET_ESS = 0.3


def _report(rec: dict[str, Any]) -> None:
    print("generation  tolerance  noise floor  proposals  acceptance  ESS    ESS share")
    for g in rec["generations"]:
        floor = "-" if g.get("noise_floor") is None else f"{g['noise_floor']:.3f}"
        ess = "-" if g["ess"] is None else f"{g['ess']:.0f}"
        share = "-" if g["ess_share"] is None else f"{g['ess_share']:.0%}"
        print(f"{g['generation']:>10}  {g['tolerance']:>9.3f}  {floor:>11}  "
              f"{g['proposals']:>9}  {g['acceptance']:>10.0%}  {ess:>5}  {share:>9}"
              + ("" if g["complete"] else "  (abandoned)"))
    print("\nparameter                 scale   prior width  posterior width  ratio  informed")
    for r in rec["informed"]:
        print(f"{r['parameter']:<24}  {r['scale']:<6}  {r['prior_width']:>11.3g}  "
              f"{r['posterior_width']:>15.3g}  {r['ratio']:>5.2f}  "
              f"{'yes' if r['informed'] else 'no'}")
    print("\npattern     observed  median      5%     95%  P(=obs)  distance")
    for p in rec["patterns"]:
        s = p["simulated"]
        eq = "-" if p["p_equal_observed"] is None else f"{p['p_equal_observed']:.0%}"
        print(f"{p['name']:<10}  {p['observed']:>8.3g}  {s['median']:>6.3g}  "
              f"{s['low']:>6.3g}  {s['high']:>6.3g}  {eq:>7}  {p['distance_median']:>8.2f}")


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
    runs = int(res.generations["proposals"].sum()) * rec["resimulation"]["replicates"]
    _report(rec)
    rs = rec["resimulation"]
    print(f"\nre-simulation: {rs['share']:.0%} of {rs['draws']} final particles within the "
          f"final tolerance {rs['tolerance']:.3f} ({rs['replicates']} replicates a draw)")
    print(f"calibration: {args.particles} particles, {len(done) - 1} generations, "
          f"about {runs:,} simulated runs, {secs:.1f} s; target <= {TARGET_S:.0f} s: "
          f"{'met' if secs <= TARGET_S else 'MISSED'}; final ESS {rec['ess_share']:.0%} "
          f"(target >= {TARGET_ESS:.0%}: {'met' if rec['ess_share'] >= TARGET_ESS else 'MISSED'})")
    print(f"posterior predictive coverage (90% intervals): {rec['coverage']:.0%}; forecast "
          f"P(lull) {rec['forecast']['p_lull']:.0%}")
    missed = secs > TARGET_S or rec["ess_share"] < TARGET_ESS
    return 1 if (args.strict and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
