"""What-if and resilience on the handmade graph, and the C3 test (military removal)."""

from __future__ import annotations

import numpy as np
import pytest

from armednet.analysis import (
    as_net,
    fragmentation,
    impact_measures,
    resilience_curve,
    state_embeddedness,
    synthetic_graph,
    what_if,
)
from armednet.errors import InputError
from tests.analysis.handmade import hand_graph


def test_impact_measures_by_hand() -> None:
    m = impact_measures(hand_graph())
    net = m.loc["network"]
    assert net["fragmentation"] == 0.0
    assert net["largest_component"] == 12
    assert net["command_reach"] == 1  # ldr -> grp
    assert net["state_capture"] == pytest.approx(0.23)
    assert m.loc["grp", "embeddedness_weight"] == pytest.approx(4.5)


def test_what_if_removing_the_leader() -> None:
    kg = hand_graph()
    res = what_if(kg, remove=["ldr"])
    after = res.after.loc["network"]
    assert after["fragmentation"] == pytest.approx(1 - 72 / 110)  # jud and p2 cut off
    assert after["largest_component"] == 9
    assert after["command_reach"] == 0
    assert after["state_capture"] == pytest.approx(0.21)
    assert res.delta.loc["grp", "embeddedness_weight"] == pytest.approx(-1.5)
    assert res.summary().loc["command_reach"].tolist() == [1.0, 0.0, -1.0]
    assert len(kg.nodes()) == 12  # input untouched


def test_what_if_cutting_tie_types() -> None:
    res = what_if(hand_graph(), cut_ties=["holds_office_in"])
    assert res.after.loc["network", "state_capture"] == 0.0
    assert res.after.loc["grp", "embeddedness_weight"] == pytest.approx(4.5 - 2.5)


@pytest.mark.parametrize(("kwargs", "near"), [
    ({"remove": ["ldrr"]}, "ldr"), ({"cut_ties": ["fund"]}, "funds")])
def test_what_if_unknown_names(kwargs: dict, near: str) -> None:
    with pytest.raises(InputError, match=near):
        what_if(hand_graph(), **kwargs)


def test_fragmentation_by_hand() -> None:
    assert fragmentation(hand_graph().without(["grp"])) == pytest.approx(
        1 - (3 * 2 + 3 * 2) / (11 * 10))  # {ldr, jud, p2}, {party, cs, co}, 5 isolates


def test_degree_strategy_removes_the_hub_first() -> None:
    curve = resilience_curve(hand_graph(), "degree", steps=2)
    assert curve["step"].tolist() == [0, 1, 2]
    assert curve.loc[1, "removed"] == "grp"
    assert curve.loc[1, "state_capture"] == 0.0
    assert curve.loc[1, "embeddedness_weight"] == 0.0
    assert curve.loc[0, "largest_component_share"] == 1.0


def test_leaders_first_and_random_seeded() -> None:
    kg = hand_graph()
    assert resilience_curve(kg, "leaders").loc[1, "removed"] == "ldr"
    a = resilience_curve(kg, "random", steps=5, seed=3)["removed"].tolist()
    b = resilience_curve(kg, "random", steps=5, seed=3)["removed"].tolist()
    assert a == b
    with pytest.raises(InputError, match="betweenness"):
        resilience_curve(kg, "betweeness")


def test_betweenness_strategy_runs_on_synthetic() -> None:
    curve = resilience_curve(synthetic_graph(150, seed=2), "betweenness", steps=5)
    assert len(curve) == 6
    assert curve["nodes"].tolist() == [150, 149, 148, 147, 146, 145]
    assert (np.diff(curve["largest_component"]) <= 0).all()


# -- claim C3: removing the military layer vs the group's political and economic power -------
def _military_curve(leader_layer: str):
    return resilience_curve(hand_graph(leader_layer), "military")


def test_c3_military_removal_leaves_embeddedness_when_leaders_are_political() -> None:
    curve = _military_curve("political")
    assert curve["removed"].tolist()[1:] == ["cmdr", "ff"]
    first, last = curve.iloc[0], curve.iloc[-1]
    assert last["embeddedness_weight"] == first["embeddedness_weight"] == pytest.approx(4.5)
    assert last["state_capture"] == first["state_capture"] == pytest.approx(0.23)
    assert last["state_ties"] == first["state_ties"]


def test_c3_military_removal_cuts_embeddedness_when_leaders_span_layers() -> None:
    curve = _military_curve("military")
    assert "ldr" in curve["removed"].tolist()
    last = curve.iloc[-1]
    assert last["embeddedness_weight"] == pytest.approx(3.0)  # loses the leader's 1.5
    assert last["state_capture"] == pytest.approx(0.21)  # loses the judiciary seat
    kg = hand_graph("military")
    net = as_net(kg)
    military = [i for i, layer in zip(net.ids, net.node_layer, strict=True)
                if layer == "military" and i != "grp"]
    after = state_embeddedness(kg.without(military)).loc["grp"]
    assert after["via_leaders"] == 0.0
    assert after["weight"] == pytest.approx(3.0)
