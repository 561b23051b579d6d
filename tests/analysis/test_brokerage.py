"""Gould-Fernandez role counts against a brute-force count over all two-paths."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armednet.analysis import as_net, brokerage_roles, layer_brokerage
from armednet.analysis._backend import Net
from armednet.analysis.brokerage import _groups, _role_counts
from armednet.analysis.synthetic import synthetic_graph
from armednet.kb import KnowledgeGraph


def brute_force(g: nx.DiGraph, group: dict[str, str]) -> dict[str, dict[str, int]]:
    roles = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")
    out = {v: dict.fromkeys(roles, 0) for v in g}
    for a, b, c in itertools.permutations(g.nodes, 3):
        if not (g.has_edge(a, b) and g.has_edge(b, c)) or g.has_edge(a, c):
            continue
        ga, gb, gc = group[a], group[b], group[c]
        if ga == gb == gc:
            role = "coordinator"
        elif ga == gc:
            role = "itinerant"
        elif ga == gb:
            role = "representative"
        elif gb == gc:
            role = "gatekeeper"
        else:
            role = "liaison"
        out[b][role] += 1
    return out


@st.composite
def layered_digraphs(draw: st.DrawFn) -> nx.DiGraph:
    n = draw(st.integers(3, 12))
    layers = ["military", "political", "economic", "state"]
    g = nx.DiGraph()
    for i in range(n):
        g.add_node(f"n{i}", layer=draw(st.sampled_from(layers)), type="person")
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    for u, v in draw(st.lists(st.sampled_from(pairs), max_size=4 * n, unique=True)):
        g.add_edge(f"n{u}", f"n{v}")
    return g


@settings(max_examples=80, deadline=None)
@given(layered_digraphs())
def test_roles_match_brute_force(g: nx.DiGraph) -> None:
    layer = nx.get_node_attributes(g, "layer")
    expected = brute_force(g, layer)
    got = brokerage_roles(g)
    for v, counts in expected.items():
        for role, k in counts.items():
            assert got.loc[v, role] == k, (v, role)
        cross = counts["representative"] + counts["gatekeeper"] + counts["liaison"]
        assert got.loc[v, "cross_layer"] == cross
        assert got.loc[v, "total"] == sum(counts.values())


@settings(max_examples=40, deadline=None)
@given(layered_digraphs())
def test_layer_brokerage_counts_paths_joining_military_to_rest(g: nx.DiGraph) -> None:
    mil = {v: d["layer"] == "military" for v, d in g.nodes(data=True)}
    expected = dict.fromkeys(g, 0)
    for a, b, c in itertools.permutations(g.nodes, 3):
        if g.has_edge(a, b) and g.has_edge(b, c) and not g.has_edge(a, c) and mil[a] != mil[c]:
            expected[b] += 1
    assert layer_brokerage(g).to_dict() == expected


def test_handmade_roles() -> None:
    g = nx.DiGraph()
    for v, layer in {"cmd": "military", "grp": "military", "mp": "political",
                     "min": "state", "bank": "economic"}.items():
        g.add_node(v, layer=layer)
    g.add_edges_from([("cmd", "grp"), ("grp", "mp"), ("mp", "min"), ("bank", "mp")])
    r = brokerage_roles(g)
    assert r.loc["grp", "representative"] == 1  # cmd -> grp -> mp
    assert r.loc["mp", "gatekeeper"] == 0
    assert r.loc["mp", "liaison"] == 2  # grp -> mp -> min, bank -> mp -> min
    assert r.loc["mp", "total"] == 2
    g.add_edge("grp", "min")  # closes grp -> mp -> min
    assert brokerage_roles(g).loc["mp", "liaison"] == 1


# -- the memory-bounded count against a straightforward one, on multigraphs ------------------
def reference_role_counts(g: nx.MultiDiGraph, group: dict[str, str]
                          ) -> dict[str, list[int]]:
    """Per broker, open two-paths ``a -> b -> c`` by role: loop over in- and out-neighbours
    of each node of the collapsed digraph (parallel ties count once, self-loops none)."""
    succ = {v: {w for w in g.successors(v) if w != v} for v in g}
    pred = {v: {w for w in g.predecessors(v) if w != v} for v in g}
    roles = ("coordinator", "itinerant", "representative", "gatekeeper", "liaison")
    out = {v: [0] * 5 for v in g}
    for b in g:
        for a in pred[b]:
            for c in succ[b]:
                if a == c or c in succ[a]:
                    continue
                ga, gb, gc = group[a], group[b], group[c]
                if ga == gb == gc:
                    role = "coordinator"
                elif ga == gc:
                    role = "itinerant"
                elif ga == gb:
                    role = "representative"
                elif gb == gc:
                    role = "gatekeeper"
                else:
                    role = "liaison"
                out[b][roles.index(role)] += 1
    return out


@st.composite
def layered_multigraphs(draw: st.DrawFn) -> nx.MultiDiGraph:
    n = draw(st.integers(1, 14))
    groups = draw(st.integers(1, 4))
    g = nx.MultiDiGraph()
    for i in range(n):
        g.add_node(f"n{i}", layer=f"g{draw(st.integers(0, groups - 1))}", type="person")
    ties = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1),
                                   st.sampled_from([0.0, 0.5, 1.0])), max_size=6 * n))
    for u, v, w in ties:  # parallel ties, both directions, zero weights, self-loops
        g.add_edge(f"n{u}", f"n{v}", weight=w)
    return g


def _assert_matches_reference(net: Net, chunk: int | None = None) -> None:
    groups = _groups(net, None)
    got = _role_counts(net, groups) if chunk is None else _role_counts(net, groups, chunk)
    g = nx.MultiDiGraph()
    g.add_nodes_from(net.ids)
    g.add_edges_from((net.ids[s], net.ids[d]) for s, d in zip(net.src, net.dst, strict=True))
    group = dict(zip(net.ids, net.node_layer, strict=True))
    expected = reference_role_counts(g, group)
    assert got.tolist() == [expected[v] for v in net.ids]


@settings(max_examples=150, deadline=None)
@given(layered_multigraphs(), st.sampled_from([None, 1, 3, 50]))
def test_chunked_counts_match_reference_on_multigraphs(g: nx.MultiDiGraph,
                                                       chunk: int | None) -> None:
    _assert_matches_reference(as_net(g), chunk)


@pytest.mark.parametrize("name", ["iraq-2024", "red-sea-2024"])
@pytest.mark.parametrize("at", [None, "all"])
def test_counts_match_reference_on_bundled_scenarios(name: str, at: str | None) -> None:
    _assert_matches_reference(as_net(KnowledgeGraph.load(name), at=at))


@pytest.mark.parametrize("seed", [0, 1])
def test_counts_match_reference_on_synthetic_graphs(seed: int) -> None:
    net = as_net(synthetic_graph(400, ties_per_node=5.0, seed=seed))
    _assert_matches_reference(net, chunk=997)  # several chunks


def test_wedge_chunks_do_not_change_counts_on_a_hub() -> None:
    # a star of mutual ties around a hub plus a ring: many wedges, few triangles
    g = nx.DiGraph()
    for i in range(60):
        g.add_node(f"n{i}", layer=["military", "political", "economic"][i % 3])
    for i in range(1, 60):
        g.add_edges_from([("n0", f"n{i}"), (f"n{i}", "n0"),
                          (f"n{i}", f"n{i % 59 + 1}")])
    net = as_net(g)
    groups = _groups(net, None)
    whole = _role_counts(net, groups, chunk=10**9)
    for chunk in (1, 17, 500):
        assert np.array_equal(_role_counts(net, groups, chunk=chunk), whole)
    _assert_matches_reference(net)
