"""The in-memory knowledge graph: views, snapshots and lossless conversion."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armednet.errors import InputError
from armednet.kb import KnowledgeGraph, Layer, NodeType, load_scenario


@pytest.fixture
def kg(tiny_path: Path) -> KnowledgeGraph:
    return KnowledgeGraph(load_scenario(tiny_path))


def test_typed_access(kg: KnowledgeGraph) -> None:
    assert {n.id for n in kg.nodes(type="armed_group")} == {"group-a", "group-b"}
    assert kg.node_layer("leader-a") is Layer.MILITARY  # explicit override
    assert kg.node_layer("ministry") is Layer.STATE  # default by type
    allied = kg.ties(type="allied_with")[0]
    assert kg.tie_layer(allied) is Layer.MILITARY  # takes the 'to' node's layer
    assert [t.type.value for t in kg.ties(layer="economic")] == ["funds", "sanctioned_by"]


def test_unknown_names_raise_input_error(kg: KnowledgeGraph) -> None:
    with pytest.raises(InputError, match="close: group-a"):
        kg.node("group-aa")
    with pytest.raises(InputError, match="expected one of: military"):
        kg.layer_view("militery")
    with pytest.raises(InputError, match=r"^at: "):
        kg.snapshot("yesterday")


def test_snapshot_respects_partial_dates(kg: KnowledgeGraph) -> None:
    before = kg.snapshot("2024-02-07")
    after = kg.snapshot(dt.date(2024, 2, 8))
    assert before.has_node("leader-a") and not after.has_node("leader-a")
    assert any(t.type == "leads" for t in before.ties())
    assert not any(t.type == "leads" for t in after.ties())
    # started "2003-05": absent on 30 April 2003, present on 1 May 2003
    assert not kg.snapshot("2003-04-30").has_node("group-b")
    assert kg.snapshot("2003-05-01").has_node("group-b")
    # a tie only survives when both its ends do
    early = kg.snapshot("2005")
    ids = {n.id for n in early.nodes()}
    assert all(t.from_ in ids and t.to in ids for t in early.ties())
    assert early.at == dt.date(2005, 1, 1)


def test_layer_view_and_without(kg: KnowledgeGraph) -> None:
    state = kg.layer_view("state")
    assert {t.type.value for t in state.ties()} == {"holds_office_in"}
    assert {n.id for n in state.nodes()} == {"group-b", "ministry"}
    cut = kg.without(["group-a"])
    assert not cut.has_node("group-a")
    assert all("group-a" not in (t.from_, t.to) for t in cut.ties())
    assert len(kg.nodes()) == 7  # the original is untouched


def test_summary(kg: KnowledgeGraph) -> None:
    s = kg.summary()
    assert s["nodes"] == 7 and s["ties"] == 6
    assert s["sourced_share"] == 1.0
    assert s["nodes_by_type"]["armed_group"] == 2
    assert s["date_range"] == ["2003-05", "2024-02-07"]
    assert len(s["hash"]) == 64


def test_networkx_conversion_keeps_every_attribute(kg: KnowledgeGraph) -> None:
    g = kg.to_networkx()
    assert g.number_of_nodes() == 7 and g.number_of_edges() == 6
    a = g.nodes["group-a"]
    assert a["type"] == "armed_group" and a["layer"] == "military"
    assert a["group"]["size"] == {"value": 5000.0, "low": 2000.0, "high": 10000.0,
                                  "unit": None, "basis": None}
    assert a["aliases"] == ["GA"] and a["sources"] == ["src-a"]
    edge = g.edges["leader-a", "group-a", "leader-a--leads--group-a"]
    assert edge["share"] == 0.6 and edge["end"] == "2024-02-07" and edge["type"] == "leads"
    assert g.graph["scenario_hash"] == kg.hash


def test_igraph_conversion_matches_networkx(kg: KnowledgeGraph) -> None:
    nxg = kg.to_networkx()
    ig = kg.to_igraph()
    assert ig.is_directed() and ig.vcount() == 7 and ig.ecount() == 6
    for v in ig.vs:
        expected = dict(nxg.nodes[v["name"]])
        assert v["label"] == expected.pop("name")  # igraph's 'name' is the vertex id
        for key, value in expected.items():
            assert v[key] == value, key
    for e in ig.es:
        u, w = ig.vs[e.source]["name"], ig.vs[e.target]["name"]
        expected = nxg.edges[u, w, e["id"]]
        for key, value in expected.items():
            assert e[key] == value, key


def test_hash_ignores_layout_but_not_facts(tmp_path: Path, kg: KnowledgeGraph) -> None:
    from armednet.kb.export import to_json

    path = tmp_path / "same.json"
    path.write_text(to_json(kg), encoding="utf-8")
    assert KnowledgeGraph.load(str(path)).hash == kg.hash
    changed = path.read_text().replace('"share": 0.6', '"share": 0.7')
    path.write_text(changed, encoding="utf-8")
    assert KnowledgeGraph.load(str(path)).hash != kg.hash


def test_node_type_enum_values() -> None:
    assert {t.value for t in NodeType} >= {
        "armed_group", "umbrella", "person", "party", "state", "state_institution",
        "business", "civil_society", "foreign_force"}
