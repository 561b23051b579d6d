"""The compiled BFS sweep (betweenness and in-closeness at once) and the report built on it."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.analysis import as_net, betweenness, closeness, key_actor_report
from armednet.analysis._paths import sweep
from armednet.analysis.keyactors import measure_table
from armednet.analysis.synthetic import synthetic_graph

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def edge_lists(draw: st.DrawFn) -> tuple[int, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 24))
    pairs = [(u, v) for u in range(n) for v in range(n) if u != v]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=4 * n, unique=True)) if pairs else []
    src = np.array([u for u, _ in chosen], dtype=np.int64)
    dst = np.array([v for _, v in chosen], dtype=np.int64)
    return n, src, dst


@SETTINGS
@given(edge_lists(), st.integers(1, 3))
def test_sweep_matches_networkx(graph: tuple[int, np.ndarray, np.ndarray],
                                workers: int) -> None:
    n, src, dst = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    bc, dsum, reach = sweep(n, src, dst, workers)
    expected = nx.betweenness_centrality(g, normalized=False)
    np.testing.assert_allclose(bc, [expected[v] for v in range(n)], rtol=1e-12, atol=1e-12)
    dist = dict(nx.all_pairs_shortest_path_length(g))
    for t in range(n):
        into = [dist[s][t] for s in range(n) if s != t and t in dist[s]]
        assert dsum[t] == sum(into)
        assert reach[t] == len(into)


def test_sweep_does_not_depend_on_workers() -> None:
    net = as_net(synthetic_graph(600, ties_per_node=5.0, seed=3))
    s, d, _ = net.edges
    one = sweep(net.n, s, d, 1)
    for workers in (2, 5):
        for a, b in zip(one, sweep(net.n, s, d, workers), strict=True):
            assert np.array_equal(a, b)


@pytest.fixture(scope="module")
def synthetic() -> object:
    return synthetic_graph(500, ties_per_node=5.0, seed=2)


def test_report_pair_equals_networkx_and_igraph(synthetic: object) -> None:
    net = as_net(synthetic)
    table = measure_table(net, ["betweenness", "closeness"], workers=2)
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n))
    s, d, _ = net.edges
    g.add_edges_from(zip(s.tolist(), d.tolist(), strict=True))
    bc = nx.betweenness_centrality(g)
    cl = nx.closeness_centrality(g)
    np.testing.assert_allclose(table["betweenness"], [bc[v] for v in range(net.n)],
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(table["closeness"], [cl[v] for v in range(net.n)],
                               rtol=1e-9, atol=1e-12)
    # igraph: closeness exactly, betweenness up to summation order
    ig = net.igraph
    raw = np.asarray(ig.betweenness(directed=True)) / ((net.n - 1) * (net.n - 2))
    np.testing.assert_allclose(table["betweenness"], raw, rtol=1e-12, atol=1e-15)
    assert np.array_equal(table["closeness"].to_numpy(), closeness(net).to_numpy())
    # weighted betweenness still runs on igraph's Dijkstra
    assert betweenness(net, weighted=True, workers=2).notna().all()


@pytest.mark.parametrize("measures", [None, ["betweenness"], ["closeness", "kcore"]])
def test_measure_table_does_not_depend_on_workers(synthetic: object,
                                                  measures: list[str] | None) -> None:
    one = measure_table(synthetic, measures, workers=1)
    pd.testing.assert_frame_equal(one, measure_table(synthetic, measures, workers=2))
    pd.testing.assert_frame_equal(one, measure_table(synthetic, measures))  # all cores
    if measures is None or "betweenness" in measures:
        assert np.array_equal(one["betweenness"], betweenness(synthetic).to_numpy())


def _reference_report(table: pd.DataFrame, top: int, by_type: bool) -> pd.DataFrame:
    """The report's ranking with pandas (the implementation before the numpy one)."""
    wanted = [c for c in table.columns if c not in ("name", "type", "layer")]
    rows = []
    ids = table.index.to_numpy()
    for m in wanted:
        values = table[m].to_numpy(dtype=float)
        ranked = table.iloc[np.lexsort((ids.astype(str), -values))]
        ranked = ranked[ranked[m].to_numpy() > 0]
        scopes = [("all", ranked)]
        if by_type:
            scopes += [(str(t), part) for t, part in ranked.groupby("type", sort=True)]
        for scope, part in scopes:
            head = part.head(top)
            rows.append(pd.DataFrame({
                "measure": m, "scope": scope, "rank": np.arange(1, len(head) + 1),
                "node": head.index.to_numpy(), "name": head["name"].to_numpy(),
                "type": head["type"].to_numpy(), "layer": head["layer"].to_numpy(),
                "value": head[m].to_numpy(dtype=float),
            }))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize(("top", "by_type"), [(10, True), (3, False), (1, True)])
def test_report_ranking_equals_the_pandas_reference(synthetic: object, top: int,
                                                    by_type: bool) -> None:
    table = measure_table(synthetic)
    got = key_actor_report(synthetic, top=top, by_type=by_type)
    pd.testing.assert_frame_equal(got, _reference_report(table, top, by_type))
