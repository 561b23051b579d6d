"""Every standard measure agrees with NetworkX to 1e-9 on random weighted digraphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.analysis import (
    as_net,
    betweenness,
    closeness,
    degree,
    eigenvector,
    kcore,
    pagerank,
)

TOL = 1e-9
WEIGHTS = [1.0, 0.5, 0.25, 0.125]  # exact reciprocals, so path-length ties are exact


@st.composite
def digraphs(draw: st.DrawFn, min_nodes: int = 3, max_nodes: int = 14) -> nx.DiGraph:
    n = draw(st.integers(min_nodes, max_nodes))
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=4 * n, unique=True))
    g = nx.DiGraph()
    g.add_nodes_from(f"n{i}" for i in range(n))
    for u, v in chosen:
        w = draw(st.sampled_from(WEIGHTS))
        g.add_edge(f"n{u}", f"n{v}", weight=w, distance=1.0 / w)
    return g


def _close(series, expected: dict) -> None:
    got = series.to_dict()
    assert set(got) == set(expected)
    for k, v in expected.items():
        assert got[k] == pytest.approx(v, abs=TOL, rel=TOL), k


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(digraphs())
def test_degree(g: nx.DiGraph) -> None:
    _close(degree(g, "in"), dict(g.in_degree()))
    _close(degree(g, "out"), dict(g.out_degree()))
    _close(degree(g, "all", weighted=True), dict(g.degree(weight="weight")))


@SETTINGS
@given(digraphs(), st.booleans())
def test_betweenness(g: nx.DiGraph, normalized: bool) -> None:
    _close(betweenness(g, normalized=normalized),
           nx.betweenness_centrality(g, normalized=normalized))
    _close(betweenness(g, weighted=True, normalized=normalized),
           nx.betweenness_centrality(g, normalized=normalized, weight="distance"))


@SETTINGS
@given(digraphs())
def test_closeness(g: nx.DiGraph) -> None:
    _close(closeness(g), nx.closeness_centrality(g))
    _close(closeness(g, weighted=True), nx.closeness_centrality(g, distance="distance"))
    _close(closeness(g, mode="out"), nx.closeness_centrality(g.reverse()))


@SETTINGS
@given(digraphs(), st.sampled_from([0.85, 0.5]))
def test_pagerank(g: nx.DiGraph, damping: float) -> None:
    _close(pagerank(g, damping=damping),
           nx.pagerank(g, alpha=damping, weight="weight", tol=1e-15, max_iter=10_000))
    _close(pagerank(g, damping=damping, weighted=False),
           nx.pagerank(g, alpha=damping, weight=None, tol=1e-15, max_iter=10_000))


@SETTINGS
@given(digraphs())
def test_kcore(g: nx.DiGraph) -> None:
    _close(kcore(g), nx.core_number(g))


@st.composite
def strongly_connected(draw: st.DrawFn) -> nx.DiGraph:
    g = draw(digraphs(min_nodes=3, max_nodes=12))
    nodes = list(g.nodes)
    for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=True):  # a cycle through all
        if not g.has_edge(a, b):
            g.add_edge(a, b, weight=1.0, distance=1.0)
    return g


@settings(max_examples=40, deadline=None)
@given(strongly_connected())
def test_eigenvector_directed(g: nx.DiGraph) -> None:
    _close(eigenvector(g), nx.eigenvector_centrality_numpy(g, weight="weight"))
    _close(eigenvector(g, weighted=False), nx.eigenvector_centrality_numpy(g))


@settings(max_examples=40, deadline=None)
@given(strongly_connected())
def test_eigenvector_symmetrised(g: nx.DiGraph) -> None:
    und = nx.Graph()
    und.add_nodes_from(g)
    for u, v, w in g.edges(data="weight"):
        prev = und.get_edge_data(u, v, {"weight": 0.0})["weight"]
        und.add_edge(u, v, weight=prev + w)
    _close(eigenvector(g, directed=False), nx.eigenvector_centrality_numpy(und, weight="weight"))


def test_multi_edges_collapse_by_summed_weight() -> None:
    g = nx.MultiDiGraph()
    g.add_edge("a", "b", key="t1", weight=0.5, type="funds")
    g.add_edge("a", "b", key="t2", weight=0.5, type="patron_of")
    g.add_edge("a", "c", key="t3", weight=0.25, type="funds")
    g.add_edge("c", "b", key="t4", weight=1.0, type="funds")
    net = as_net(g)
    s, d, w = net.edges
    assert sorted(zip(s.tolist(), d.tolist(), w.tolist(), strict=True)) == [(0, 1, 1.0),
        (0, 2, 0.25), (2, 1, 1.0)]
    # degree counts every tie, as MultiDiGraph.degree does
    assert degree(g).to_dict() == {"a": 3.0, "b": 3.0, "c": 2.0}
    # a->b has length 1/(0.5+0.5)=1, a->c->b has 4+1: c is on no weighted shortest path
    assert betweenness(g, weighted=True, normalized=False).to_dict() == {
        "a": 0.0, "b": 0.0, "c": 0.0}
    assert np.isclose(eigenvector(g, directed=False).sum(), eigenvector(g, directed=False)
                      .abs().sum())


@pytest.fixture(scope="module")
def synthetic() -> nx.DiGraph:
    """A generated 600-node scenario as the collapsed weighted digraph the measures use."""
    from armednet.analysis.synthetic import synthetic_graph

    net = as_net(synthetic_graph(600, ties_per_node=5.0, seed=3))
    s, d, w = net.edges
    g = nx.DiGraph()
    g.add_nodes_from(net.ids)
    g.add_weighted_edges_from((net.ids[a], net.ids[b], x)
                              for a, b, x in zip(s, d, w, strict=True))
    return g


@pytest.mark.parametrize("weighted", [True, False])
def test_pagerank_on_a_generated_graph(synthetic: nx.DiGraph, weighted: bool) -> None:
    # hub-heavy, with dangling nodes; NetworkX run to a tight tolerance (its default, 1e-6
    # on the L1 change, leaves errors of about 1e-5 per node at 10k nodes)
    expected = nx.pagerank(synthetic, weight="weight" if weighted else None, tol=1e-13,
                           max_iter=10_000)
    got = pagerank(synthetic, weighted=weighted).to_dict()
    assert max(abs(got[v] - x) for v, x in expected.items()) < 1e-9
    assert sum(got.values()) == pytest.approx(1.0, abs=1e-12)


def test_pagerank_near_one_damping_falls_back_to_exact_solve(synthetic: nx.DiGraph) -> None:
    from armednet.analysis.centrality import _pagerank

    net = as_net(synthetic)
    short = _pagerank(net, 0.85, True, max_iter=3)  # not converged: PRPACK
    assert np.allclose(short, _pagerank(net, 0.85, True), atol=1e-9)


@pytest.mark.parametrize("mode", ["in", "out", "all"])
def test_closeness_on_a_generated_graph(synthetic: nx.DiGraph, mode: str) -> None:
    # many strongly connected components: the reach counts come from the condensation
    g = {"in": synthetic, "out": synthetic.reverse(), "all": synthetic.to_undirected()}[mode]
    _close(closeness(synthetic, mode=mode), nx.closeness_centrality(g))
