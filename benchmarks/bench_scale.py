"""Benchmark: how the engine's time and memory per run grow with the size of the network.

Generated scenarios (:func:`scale_document`) with 12, 120 and 1,200 armed groups, each with
the structure of a real theatre at that size: as many state institutions as groups (at
least 8: ministries, provincial councils, commissions), one group in three holding one or
two offices, two alliances per group, one or two revenue channels per group (banks,
businesses, patron funding), two leaders for one group in four, a scheduled strike, a
leadership strike and a designation. Every size runs the same number of runs and weeks of
one policy (default ``combined``: co-option, accountability, civil society, sanctions,
strikes and diplomacy at once). Each size runs in a fresh subprocess, which reports the CPU
time per run (``time.process_time``, the simulation only: loading the scenario is not
timed) and its peak RSS (``ru_maxrss``). The growth exponent is the slope of log time per
run against log groups (1 = linear in the network).

Targets (issue 18, item 1): 120 groups at most 12x the time per run of 12 groups; 1,200
groups run within 8 GB.

Run with ``python benchmarks/bench_scale.py [--runs N] [--weeks N] [--sizes 12 120 1200]
[--policy NAME] [--strict]``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["main", "scale_document"]

RATIO_TARGET = 12.0
"""Time per run at 120 groups at most this many times the time at 12 groups."""
MEMORY_TARGET_GB = 8.0
"""1,200 groups run within this peak RSS."""

SRC = ["src-a"]


def _group(i: int, n: int) -> dict[str, Any]:
    size = 1000 + 400 * (i % 25)
    g: dict[str, Any] = {
        "orientation": round(0.1 + 0.8 * ((i * 7) % 10) / 9, 3), "founding_year": 1990 + i % 30,
        "ideology": "religious", "size": {"value": size, "low": size / 2, "high": size * 2},
        "legitimacy": round(0.2 + 0.05 * (i % 8), 2), "hostility": round(0.3 + 0.06 * (i % 10), 2),
        # half of the groups attack the foreign force
        "campaign": {"member": i % 2 == 0, "sources": SRC},
    }
    if i % 3 == 2:
        g["funds"] = {"value": 20.0 + i % 50, "low": 10.0, "high": 80.0}
    return {"id": f"g-{i}", "type": "armed_group", "name": f"Group {i}", "sources": SRC,
            "group": g}


def scale_document(n_groups: int) -> dict[str, Any]:
    """A synthetic scenario with ``n_groups`` groups whose ties grow linearly with it.

    Made-up actors and round numbers; the structure (institutions, offices, alliances,
    channels, leaders, events) follows the bundled scenario's mix.
    """
    n_inst = max(8, n_groups)
    nodes: list[dict[str, Any]] = [_group(i, n_groups) for i in range(n_groups)]
    nodes += [
        {"id": "umbrella", "type": "umbrella", "name": "Umbrella", "sources": SRC},
        {"id": "patron", "type": "state_institution", "name": "Patron corps", "sources": SRC,
         "institution": {"kind": "security", "budget_share": 0.0, "accountability": 0.0}},
        {"id": "us", "type": "state", "name": "Foreign state", "sources": SRC},
        {"id": "force", "type": "foreign_force", "name": "Foreign force", "sources": SRC},
    ]
    for k in range(n_inst):
        nodes.append({"id": f"inst-{k}", "type": "state_institution", "name": f"Inst {k}",
                      "sources": SRC, "institution": {
                          "kind": "ministry", "budget_share": round(0.5 / n_inst, 6),
                          "accountability": round(0.1 + 0.05 * (k % 6), 2)}})
    ties: list[dict[str, Any]] = []
    for i in range(n_groups):
        gid = f"g-{i}"
        for j in (i + 1, i + 7):  # two alliances per group
            if j < n_groups:
                ties.append({"type": "allied_with", "from": gid, "to": f"g-{j}",
                             "sources": SRC})
        if i % 2 == 0:
            ties.append({"type": "member_of", "from": gid, "to": "umbrella", "sources": SRC})
        if i % 3 == 0:  # one group in three holds one or two offices
            for k in {(i * 13) % n_inst, (i * 29 + 3) % n_inst}:
                ties.append({"type": "holds_office_in", "from": gid, "to": f"inst-{k}",
                             "share": 0.02, "sources": SRC})
        if i % 4 == 0:
            for r, share in (("boss", 0.6), ("deputy", 0.3)):
                pid = f"{r}-{i}"
                nodes.append({"id": pid, "type": "person", "name": pid, "sources": SRC})
                ties.append({"type": "leads", "from": pid, "to": gid, "share": share,
                             "sources": SRC})
        if i % 5 == 0:
            ties.append({"type": "patron_of", "from": "patron", "to": gid, "sources": SRC,
                         "weight": 0.5, "support": ["arming", "funding"]})
            ties.append({"type": "funds", "from": "patron", "to": gid, "channel": "patron",
                         "amount": {"value": 10, "low": 5, "high": 20}, "sources": SRC})
        bid = f"biz-{i}"
        kind = "bank" if i % 2 else "company"
        nodes.append({"id": bid, "type": "business", "name": bid, "sources": SRC,
                      "business": {"kind": kind, "sanctionable": i % 3 != 1}})
        ties.append({"type": "funds", "from": bid, "to": gid,
                     "channel": "bank" if kind == "bank" else "business",
                     "amount": {"value": 15, "low": 7, "high": 30}, "sources": SRC})
    return {
        "scenario": {"id": f"scale-{n_groups}", "name": f"Scale {n_groups}",
                     "description": "Synthetic network for the scale benchmark.",
                     "start": "2023-10-02", "foreign_force": "force"},
        "sources": [{"id": "src-a", "author": "Test", "title": "Synthetic"}],
        "nodes": nodes, "ties": ties,
        "series": [{"id": "gaza_war_intensity", "description": "trigger", "unit": "index",
                    "sources": SRC,
                    "points": [{"date": "2023-10-07", "value": 1.0},
                               {"date": "2024-11-25", "value": 0.5},
                               {"date": "2025-01-20", "value": 0.0}]}],
        "events": [
            {"id": "big-strike", "date": "2024-02-02", "kind": "strike", "actor": "us",
             "targets": ["g-0", "g-2"], "intensity": 85, "description": "Strikes",
             "sources": SRC},
            {"id": "leader-strike", "date": "2024-02-07", "kind": "leadership_strike",
             "actor": "us", "targets": ["g-0"], "killed": ["deputy-0"],
             "description": "Leader killed", "sources": SRC},
            {"id": "designation", "date": "2024-01-22", "kind": "designation", "actor": "us",
             "targets": ["biz-1"], "description": "Bank designated", "sources": SRC},
        ],
    }


def _one(n_groups: int, runs: int, weeks: int, policy: str) -> dict[str, Any]:
    """Time one size in this process (called in a fresh subprocess)."""
    import resource
    import time

    import yaml

    from armednet.kb import KnowledgeGraph
    from armednet.sim.engine import simulate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.yaml"
        path.write_text(yaml.safe_dump(scale_document(n_groups), sort_keys=False))
        kg = KnowledgeGraph.load(str(path))
        simulate(kg, policy, runs=2, weeks=2)  # warm-up: imports, caches
        t0 = time.process_time()
        res = simulate(kg, policy, runs=runs, weeks=weeks, seed=1)
        cpu = time.process_time() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"groups": n_groups, "ms_per_run": 1000.0 * cpu / runs, "peak_rss_gb": rss_kb / 2**20,
            "attacks_mean": float(res.summary["attacks"].mean())}


def main(argv: list[str] | None = None) -> int:
    """Run every size in a subprocess and print the figures against the targets.

    Returns
    -------
    int
        0, or 1 with ``--strict`` when a target is missed.
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16)
    ap.add_argument("--weeks", type=int, default=104)
    ap.add_argument("--sizes", type=int, nargs="+", default=[12, 120, 1200])
    ap.add_argument("--policy", default="combined")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)
    if args.one is not None:
        print(json.dumps(_one(args.one, args.runs, args.weeks, args.policy)))
        return 0
    rows = []
    print(f"policy {args.policy}, {args.runs} runs x {args.weeks} weeks per size")
    print(f"{'groups':>7} {'ms/run':>10} {'x 1st':>8} {'peak RSS GB':>12}")
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "--one", str(n), "--runs",
                              str(args.runs), "--weeks", str(args.weeks), "--policy",
                              args.policy], check=True, capture_output=True, text=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(f"{n:>7} {row['ms_per_run']:>10.2f} "
              f"{row['ms_per_run'] / rows[0]['ms_per_run']:>8.1f} {row['peak_rss_gb']:>12.3f}",
              flush=True)
    ok = True
    if len(rows) > 1:
        xs = [math.log(r["groups"]) for r in rows]
        ys = [math.log(r["ms_per_run"]) for r in rows]
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        slope = (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
                 / sum((x - mx) ** 2 for x in xs))
        print(f"growth exponent (slope of log time/run vs log groups): {slope:.2f}")
    by = {r["groups"]: r for r in rows}
    if 12 in by and 120 in by:
        ratio = by[120]["ms_per_run"] / by[12]["ms_per_run"]
        met = ratio <= RATIO_TARGET
        ok &= met
        print(f"120 vs 12 groups: x{ratio:.1f} (target <= x{RATIO_TARGET:.0f}): "
              f"{'met' if met else 'MISSED'}")
    if 1200 in by:
        met = by[1200]["peak_rss_gb"] <= MEMORY_TARGET_GB
        ok &= met
        print(f"1,200 groups peak RSS {by[1200]['peak_rss_gb']:.2f} GB (target <= "
              f"{MEMORY_TARGET_GB:.0f} GB): {'met' if met else 'MISSED'}")
    return 0 if ok or not args.strict else 1


if __name__ == "__main__":
    sys.exit(main())
