"""Benchmark: the key-actor report on 10,000 nodes / 50,000 ties, armednet vs NetworkX.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--nodes N] [--skip-networkx]``.
Prints the time of the full key-actor report with :mod:`armednet.analysis` (in-process
and with 2 worker processes), the time of the same report computed with NetworkX alone
(the pure-NetworkX implementation below), their ratio, and the time of a 100-step
resilience curve. Targets (issue 3): report <= 5 s, >= 10x faster than NetworkX,
resilience <= 30 s. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import defaultdict
from typing import Any

import networkx as nx
import pandas as pd


def _eigenvector(und: nx.Graph) -> dict[Any, float]:
    try:
        return dict(nx.eigenvector_centrality_numpy(und, weight="weight"))
    except nx.AmbiguousSolution:  # disconnected: NetworkX's power iteration instead
        return dict(nx.eigenvector_centrality(und, weight="weight", max_iter=10_000))


def networkx_report(g: nx.MultiDiGraph, top: int = 10) -> pd.DataFrame:
    """The key-actor report computed with NetworkX (and plain Python) only."""
    simple = nx.DiGraph()
    simple.add_nodes_from(g.nodes(data=True))
    for u, v, d in g.edges(data=True):
        w = d.get("weight", 1.0)
        if simple.has_edge(u, v):
            simple[u][v]["weight"] += w
        else:
            simple.add_edge(u, v, weight=w)
    und = nx.Graph()
    und.add_nodes_from(simple)
    for u, v, w in simple.edges(data="weight"):
        prev = und.get_edge_data(u, v, {"weight": 0.0})["weight"]
        und.add_edge(u, v, weight=prev + w)
    layer = nx.get_node_attributes(g, "layer")
    brok: dict[Any, float] = defaultdict(float)
    cross: dict[Any, float] = defaultdict(float)
    for b in simple:
        for a, c in itertools.product(simple.predecessors(b), simple.successors(b)):
            if a != c and not simple.has_edge(a, c):
                brok[b] += 1
                if layer[a] != layer[c]:
                    cross[b] += 1
    measures = {
        "degree_in": dict(g.in_degree()),
        "degree_out": dict(g.out_degree()),
        "strength": dict(g.degree(weight="weight")),
        "betweenness": nx.betweenness_centrality(simple),
        "closeness": nx.closeness_centrality(simple),
        "eigenvector": _eigenvector(und),
        "pagerank": nx.pagerank(simple, weight="weight"),
        "kcore": nx.core_number(simple),
        "brokerage": {v: brok[v] for v in g},
        "cross_layer_brokerage": {v: cross[v] for v in g},
    }
    types = nx.get_node_attributes(g, "type")
    rows = []
    for m, values in measures.items():
        ranked = sorted(((-x, str(v)) for v, x in values.items() if x > 0))
        scopes: dict[str, list[str]] = defaultdict(list)
        for _negx, v in ranked:
            if len(scopes["all"]) < top:
                scopes["all"].append(v)
            if len(scopes[types[v]]) < top:
                scopes[types[v]].append(v)
        for scope, nodes in scopes.items():
            rows += [{"measure": m, "scope": scope, "rank": i + 1, "node": v,
                      "value": values[v]} for i, v in enumerate(nodes)]
    return pd.DataFrame(rows)


def main() -> None:
    from armednet.analysis import as_net, key_actor_report, resilience_curve
    from armednet.analysis.synthetic import synthetic_graph

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--skip-networkx", action="store_true")
    args = ap.parse_args()
    t = time.perf_counter()
    kg = synthetic_graph(args.nodes, ties_per_node=5.0, seed=0)
    print(f"synthetic graph: {len(kg.nodes())} nodes, {len(kg.ties())} ties "
          f"({time.perf_counter() - t:.1f} s to generate)")
    times = {}
    for workers in (1, 2):
        t = time.perf_counter()
        report = key_actor_report(kg, top=10, workers=workers)  # includes conversion
        times[workers] = time.perf_counter() - t
        print(f"armednet key-actor report, workers={workers}: {times[workers]:.2f} s "
              f"({len(report)} rows)")
    best = min(times.values())
    if not args.skip_networkx:
        g = kg.to_networkx()
        t = time.perf_counter()
        nx_report = networkx_report(g, top=10)
        nx_time = time.perf_counter() - t
        print(f"NetworkX key-actor report: {nx_time:.2f} s ({len(nx_report)} rows)")
        print(f"speed-up: {nx_time / best:.1f}x (best armednet), "
              f"{nx_time / times[1]:.1f}x (armednet in one process)")
    net = as_net(kg)
    for strategy, workers in (("degree", 1), ("military", 1), ("betweenness", 2)):
        t = time.perf_counter()
        curve = resilience_curve(net, strategy, steps=100, workers=workers)
        print(f"resilience curve, {strategy}, {len(curve) - 1} steps, workers={workers}: "
              f"{time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
