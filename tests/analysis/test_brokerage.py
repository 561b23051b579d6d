"""Gould-Fernandez role counts against a brute-force count over all two-paths."""

from __future__ import annotations

import itertools

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from armednet.analysis import brokerage_roles, layer_brokerage


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
