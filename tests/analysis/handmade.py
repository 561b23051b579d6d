"""A small handmade scenario whose measures are computed by hand in the tests."""

from __future__ import annotations

from typing import Any

from armednet.kb import KnowledgeGraph
from armednet.kb.schema import Scenario

S = ["s"]


def _n(nid: str, ntype: str, **extra: Any) -> dict[str, Any]:
    return {"id": nid, "type": ntype, "name": nid.upper(), "sources": S, **extra}


def _t(ttype: str, a: str, b: str, **extra: Any) -> dict[str, Any]:
    return {"type": ttype, "from": a, "to": b, "sources": S, **extra}


def hand_document(leader_layer: str = "political") -> dict[str, Any]:
    """One group ``grp`` with a leader ``ldr``, a commander ``cmdr`` and a wing party.

    By hand (see tests): 10 outside ties, 5 reach the state, state weight 4.5 (direct 2,
    via the leader 1.5, via the wing 1); state capture 0.2*0.3 + 0.1*0.2 + 0.3*0.5 = 0.23;
    revenue 50 (budget) + 20 (bank) + 30 (patron) + 0.5 (unsanctionable business).
    """
    inst = {"accountability": 0.5}
    return {
        "scenario": {"id": "hand", "name": "Hand", "description": "Handmade",
                     "start": "2024-01-01"},
        "sources": [{"id": "s", "author": "A", "title": "T"}],
        "nodes": [
            _n("grp", "armed_group", group={
                "orientation": 0.5, "founding_year": 2000, "ideology": "religious",
                "size": {"value": 100, "low": 50, "high": 200}, "legitimacy": 0.5}),
            _n("ldr", "person", layer=leader_layer),
            _n("cmdr", "person", layer="military"),
            _n("party", "party"),
            _n("p2", "party"),
            _n("min", "state_institution",
               institution={"kind": "ministry", "budget_share": 0.2, **inst}),
            _n("jud", "state_institution",
               institution={"kind": "judiciary", "budget_share": 0.1, **inst}),
            _n("cs", "state_institution",
               institution={"kind": "civil_service", "budget_share": 0.3, **inst}),
            _n("bank", "business", business={"kind": "bank"}),
            _n("co", "business", business={"kind": "company", "sanctionable": False}),
            _n("ff", "foreign_force"),
            _n("iran", "state"),
        ],
        "ties": [
            _t("leads", "ldr", "grp", share=0.6),
            _t("commands", "cmdr", "grp"),
            _t("wing_of", "party", "grp"),
            _t("holds_office_in", "grp", "min", share=0.3),
            _t("holds_office_in", "ldr", "jud", share=0.2, weight=0.5),
            _t("holds_office_in", "party", "cs", share=0.5),
            _t("member_of", "ldr", "p2"),
            _t("attacks", "grp", "ff"),
            _t("funds", "min", "grp", channel="state_budget",
               amount={"value": 50, "low": 40, "high": 60}),
            _t("funds", "bank", "grp", channel="bank",
               amount={"value": 20, "low": 10, "high": 30}),
            _t("funds", "co", "party", channel="business", weight=0.5),
            _t("funds", "iran", "grp", channel="patron",
               amount={"value": 30, "low": 20, "high": 40}),
        ],
    }


def hand_graph(leader_layer: str = "political") -> KnowledgeGraph:
    return KnowledgeGraph(Scenario.model_validate(hand_document(leader_layer)))
