"""Benchmark: the key-actor report on 10,000 nodes / 50,000 ties, armednet vs NetworkX.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--nodes N] [--skip-networkx]
[--full-networkx] [--sample K] [--skip-resilience] [--large]``.

Prints, figures only (nothing is asserted):

* every measure of the report timed alone, armednet (on a fresh :class:`Net`: building the
  collapsed graph and the igraph view is included) against NetworkX (on a prepared
  ``nx.DiGraph``), with their ratio; PageRank also against igraph's PRPACK and ARPACK;
* the report's betweenness and closeness from one BFS sweep (as the report runs them),
  with 1 and 2 threads, against NetworkX's two;
* the full key-actor report (armednet with 1 and 2 threads, best of 3, from the knowledge
  graph and from a prepared ``Net``) against the same report in NetworkX alone
  (:func:`networkx_report`, on the prepared ``MultiDiGraph``; ``kg.to_networkx()`` timed
  apart), and their ratios like for like;
* 100-step resilience curves;
* with ``--large``: only the report on 100,000 nodes / 500,000 ties, its wall time and
  CPU time and peak resident memory.

NetworkX's betweenness and closeness take about half an hour at 10,000 nodes, so by
default they are timed on ``--sample`` sources (betweenness: ``k`` sampled sources;
closeness: the BFS of ``k`` sampled targets, as ``closeness_centrality`` runs them) and
scaled by ``n / k``: both are sums of independent per-source searches, so their time is
linear in the number of sources. ``--full-networkx`` runs them in full. Targets (issue 18):
report >= 100x NetworkX, every measure at least as fast as NetworkX's, the 100k report
within 4 GiB.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import resource
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import networkx as nx
import pandas as pd

_CLOCK: list[Callable[[], float]] = [time.perf_counter]


def _now() -> float:
    """Wall time, or this process's CPU time with ``--cpu`` (fairer on a loaded machine for
    single-threaded work)."""
    return _CLOCK[0]()


def _eigenvector(und: nx.Graph) -> dict[Any, float]:
    try:
        return dict(nx.eigenvector_centrality_numpy(und, weight="weight"))
    except nx.AmbiguousSolution:  # disconnected: NetworkX's power iteration instead
        return dict(nx.eigenvector_centrality(und, weight="weight", max_iter=10_000))


def _simple(g: nx.MultiDiGraph) -> tuple[nx.DiGraph, nx.Graph]:
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
    return simple, und


def _brokerage(simple: nx.DiGraph, layer: dict[Any, str]) -> tuple[dict, dict]:
    brok: dict[Any, float] = defaultdict(float)
    cross: dict[Any, float] = defaultdict(float)
    for b in simple:
        for a, c in itertools.product(simple.predecessors(b), simple.successors(b)):
            if a != c and not simple.has_edge(a, c):
                brok[b] += 1
                if layer[a] != layer[c]:
                    cross[b] += 1
    return {v: brok[v] for v in simple}, {v: cross[v] for v in simple}


def _scaled(n: int, sample: int | None, run: Callable[[list[Any] | None], dict]
            ) -> tuple[dict, float]:
    """Run ``run`` on all sources (sample None) or on ``sample`` of them, time scaled."""
    t = _now()
    if sample is None or sample >= n:
        return run(None), _now() - t
    values = run(random.Random(0).sample(range(n), sample))
    return values, (_now() - t) * n / sample


def networkx_measures(g: nx.MultiDiGraph, simple: nx.DiGraph, und: nx.Graph,
                      sample: int | None = None) -> tuple[dict[str, dict], dict[str, float]]:
    """Every report measure with NetworkX (and plain Python): values and seconds each.

    With ``sample``, betweenness and closeness run on that many sources and their time is
    scaled to all ``n`` (their values are then estimates; only the timing matters here).
    """
    nodes = list(simple)
    rev = simple.reverse(copy=False)

    def betw(chosen: list[int] | None) -> dict:
        if chosen is None:
            return nx.betweenness_centrality(simple)
        return nx.betweenness_centrality_subset(simple, [nodes[i] for i in chosen], nodes,
                                                normalized=True)

    def close(chosen: list[int] | None) -> dict:
        if chosen is None:
            return nx.closeness_centrality(simple)
        n = len(nodes)
        out = dict.fromkeys(nodes, 0.0)
        for i in chosen:  # the body of nx.closeness_centrality for one node
            sp = nx.single_source_shortest_path_length(rev, nodes[i])
            tot = sum(sp.values())
            if tot > 0.0 and n > 1:
                out[nodes[i]] = (len(sp) - 1.0) / tot * (len(sp) - 1.0) / (n - 1)
        return out

    layer = nx.get_node_attributes(g, "layer")
    plain: dict[str, Callable[[], Any]] = {
        "degree_in": lambda: dict(g.in_degree()),
        "degree_out": lambda: dict(g.out_degree()),
        "strength": lambda: dict(g.degree(weight="weight")),
        "eigenvector": lambda: _eigenvector(und),
        "pagerank": lambda: nx.pagerank(simple, weight="weight"),
        "kcore": lambda: nx.core_number(simple),
        "brokerage": lambda: _brokerage(simple, layer),
    }
    values: dict[str, dict] = {}
    secs: dict[str, float] = {}
    values["betweenness"], secs["betweenness"] = _scaled(len(nodes), sample, betw)
    values["closeness"], secs["closeness"] = _scaled(len(nodes), sample, close)
    for m, f in plain.items():
        t = _now()
        values[m] = f()
        secs[m] = _now() - t
    values["brokerage"], values["cross_layer_brokerage"] = values["brokerage"]
    return values, secs


def rank_report(g: nx.MultiDiGraph, measures: dict[str, dict], top: int = 10) -> pd.DataFrame:
    """Top ``top`` per measure, overall and per node type (plain Python)."""
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


def networkx_report(g: nx.MultiDiGraph, top: int = 10, sample: int | None = None
                    ) -> tuple[pd.DataFrame, float, dict[str, float]]:
    """The key-actor report with NetworkX only: the table, total seconds, seconds per measure
    (betweenness and closeness scaled from ``sample`` sources when given)."""
    t = _now()
    simple, und = _simple(g)
    prep = _now() - t
    values, secs = networkx_measures(g, simple, und, sample)
    t = _now()
    table = rank_report(g, values, top)
    total = prep + sum(secs.values()) + _now() - t
    return table, total, secs


def armednet_measures(net: Any) -> dict[str, float]:
    """Seconds per report measure, each on a fresh copy of ``net`` (no cached views)."""
    from armednet.analysis import brokerage as b
    from armednet.analysis.centrality import _betweenness_closeness
    from armednet.analysis.keyactors import _measures

    funcs = _measures()
    secs: dict[str, float] = {}
    for m, f in funcs.items():
        fresh = dataclasses.replace(net)
        t = _now()
        if m == "brokerage":  # both brokerage columns come from one count
            b._role_counts(fresh, b._groups(fresh, None))
        elif m != "cross_layer_brokerage":
            f(fresh)
        secs[m] = _now() - t
    for workers in (1, 2):  # the report's pair: one BFS sweep for both
        fresh = dataclasses.replace(net)
        t = _now()
        _betweenness_closeness(fresh, workers)
        secs[f"betweenness+closeness ({workers} thr.)"] = _now() - t
    return secs


def igraph_pagerank(net: Any) -> dict[str, float]:
    """Seconds of igraph's PageRank (PRPACK and ARPACK) on the prepared igraph view."""
    g = net.igraph
    out = {}
    for impl in ("prpack", "arpack"):
        t = _now()
        g.pagerank(damping=0.85, directed=True, weights="weight", implementation=impl)
        out[impl] = _now() - t
    return out


def _fmt(x: float) -> str:
    return f"{x:9.3f} s" if x < 100 else f"{x:9.0f} s"


def per_measure(kg: Any, g: nx.MultiDiGraph | None, sample: int | None) -> float | None:
    """Print the per-measure table; return NetworkX's report time (or None)."""
    from armednet.analysis import as_net

    net = as_net(kg)
    ours = armednet_measures(net)
    nx_total = nx_secs = None
    if g is not None:
        _, nx_total, nx_secs = networkx_report(g, sample=sample)
    print(f"{'measure':28s} {'armednet':>11s} {'networkx':>11s} {'ratio':>9s}")
    for m, sec in ours.items():
        if m == "cross_layer_brokerage":
            continue
        name = "brokerage (both)" if m == "brokerage" else m
        if nx_secs is None:
            print(f"{name:28s} {_fmt(sec)}")
            continue
        both = m.startswith("betweenness+")
        ref = nx_secs["betweenness"] + nx_secs["closeness"] if both else nx_secs[m]
        scaled = "*" if sample and (both or m in ("betweenness", "closeness")) else " "
        print(f"{name:28s} {_fmt(sec)} {_fmt(ref)}{scaled} {ref / sec:8.1f}x")
    ig = igraph_pagerank(net)
    for impl, sec in ig.items():
        print(f"{'pagerank igraph ' + impl:28s} {_fmt(sec)}  (armednet is "
              f"{sec / ours['pagerank']:.1f}x faster)")
    if sample:
        print(f"* scaled from {sample} sources (linear in sources); --full-networkx for all")
    return nx_total


def report_ratio(kg: Any, nx_total: float | None, nx_convert: float | None,
                 repeat: int = 3, cpu: bool = False) -> None:
    """The whole report: best of ``repeat`` wall times (and their CPU time), from the
    knowledge graph (conversion included) and from a prepared :class:`Net`."""
    from armednet.analysis import as_net, key_actor_report

    times: dict[tuple[str, int], float] = {}
    for source in ("kg", "net"):
        for workers in (1, 2):
            best = cpu_best = float("inf")
            for _ in range(repeat):
                graph = kg if source == "kg" else as_net(kg)
                t, c = time.perf_counter(), time.process_time()
                report = key_actor_report(graph, top=10, workers=workers)
                best = min(best, time.perf_counter() - t)
                cpu_best = min(cpu_best, time.process_time() - c)
            # with --cpu, one thread's CPU time (two threads' CPU times add up: wall kept)
            times[source, workers] = cpu_best if cpu and workers == 1 else best
            print(f"armednet key-actor report from the {source}, workers={workers}: "
                  f"{best:.2f} s wall, {cpu_best:.2f} s CPU (best of {repeat}; "
                  f"{len(report)} rows)")
    if nx_total is not None and nx_convert is not None:
        print(f"NetworkX key-actor report: {nx_total:.1f} s from a prepared MultiDiGraph "
              f"(kg.to_networkx() {nx_convert:.2f} s more)")
        for workers in (1, 2):
            print(f"report speed-up, workers={workers}: "
                  f"{nx_total / times['net', workers]:.1f}x (both from prepared graphs), "
                  f"{(nx_total + nx_convert) / times['kg', workers]:.1f}x (both from the "
                  "knowledge graph)")


def resilience(kg: Any) -> None:
    from armednet.analysis import as_net, resilience_curve

    net = as_net(kg)
    for strategy, workers in (("degree", 1), ("military", 1), ("betweenness", 2)):
        t = time.perf_counter()
        curve = resilience_curve(net, strategy, steps=100, workers=workers)
        print(f"resilience curve, {strategy}, {len(curve) - 1} steps, workers={workers}: "
              f"{time.perf_counter() - t:.2f} s")


def _cpu_all() -> float:
    """CPU seconds of this process (all threads) and its finished children."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _rss_gib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 2**20  # ru_maxrss is in KiB on Linux


def large(nodes: int, workers: int) -> None:
    """The report on a large graph: wall time and peak resident memory."""
    from armednet.analysis import as_net, key_actor_report
    from armednet.analysis.synthetic import synthetic_graph

    t = time.perf_counter()
    kg = synthetic_graph(nodes, ties_per_node=5.0, seed=0)
    print(f"synthetic graph: {len(kg.nodes())} nodes, {len(kg.ties())} ties "
          f"({time.perf_counter() - t:.1f} s), peak RSS so far {_rss_gib(0):.2f} GiB")
    net = as_net(kg)
    del kg
    t, c = time.perf_counter(), _cpu_all()
    report = key_actor_report(net, top=10, workers=workers)
    wall = time.perf_counter() - t
    print(f"key-actor report, {nodes} nodes, workers={workers}: {wall:.1f} s wall, "
          f"{_cpu_all() - c:.0f} s CPU, the report alone ({len(report)} rows)")
    print(f"peak RSS: {_rss_gib(resource.RUSAGE_SELF):.2f} GiB this process (betweenness "
          f"and closeness run in threads), {_rss_gib(resource.RUSAGE_CHILDREN):.2f} GiB "
          "largest child process (none unless numba is missing)")


def main() -> None:
    from armednet.analysis.synthetic import synthetic_graph

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, default=None,
                    help="nodes (default 10,000; 100,000 with --large)")
    ap.add_argument("--skip-networkx", action="store_true")
    ap.add_argument("--full-networkx", action="store_true",
                    help="run NetworkX betweenness and closeness on every source")
    ap.add_argument("--sample", type=int, default=300,
                    help="sources for NetworkX betweenness/closeness (default 300)")
    ap.add_argument("--skip-resilience", action="store_true")
    ap.add_argument("--large", action="store_true",
                    help="only the report on 100,000 nodes / 500,000 ties: time, peak RSS")
    ap.add_argument("--workers", type=int, default=2, help="workers of the --large run")
    ap.add_argument("--cpu", action="store_true",
                    help="time NetworkX, each measure and the one-thread report by CPU time "
                         "instead of wall time (a loaded machine)")
    args = ap.parse_args()
    if args.large:
        large(args.nodes or 100_000, args.workers)
        return
    t = time.perf_counter()
    kg = synthetic_graph(args.nodes or 10_000, ties_per_node=5.0, seed=0)
    print(f"synthetic graph: {len(kg.nodes())} nodes, {len(kg.ties())} ties "
          f"({time.perf_counter() - t:.1f} s to generate)")
    if args.cpu:
        _CLOCK[0] = time.process_time
    t = _now()
    g = None if args.skip_networkx else kg.to_networkx()
    nx_convert = _now() - t
    nx_total = per_measure(kg, g, None if args.full_networkx else args.sample)
    report_ratio(kg, nx_total, nx_convert, cpu=args.cpu)
    if not args.skip_resilience:
        resilience(kg)


if __name__ == "__main__":
    main()
