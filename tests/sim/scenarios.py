"""Generated scenarios for the engine's tests: small, synthetic, named for what they show.

``medium_document`` mimics the structure of the bundled scenario (transnational and
domestic groups, leaders, an umbrella, a patron, institutions with budgets, business and
bank channels, a trigger series, a scheduled strike, leadership strike and designation)
with made-up actors and round numbers; no real data is copied.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from tests.factories import write_yaml

SRC = ["src-a"]


def _group(gid: str, orientation: float, size: int, funds: float | None, legit: float,
           hostility: float, founded: int) -> dict[str, Any]:
    g: dict[str, Any] = {"orientation": orientation, "founding_year": founded,
                         "ideology": "religious",
                         "size": {"value": size, "low": size / 2, "high": size * 2},
                         "legitimacy": legit, "hostility": hostility,
                         # Every generated group attacks the foreign force, as the engine
                         # tests assume (campaign membership has no default).
                         "campaign": {"member": True, "sources": SRC}}
    if funds is not None:
        g["funds"] = {"value": funds, "low": funds / 2, "high": funds * 2}
    return {"id": gid, "type": "armed_group", "name": gid.title(), "sources": SRC, "group": g}


def medium_document(n_extra_groups: int = 0) -> dict[str, Any]:
    """A scenario with 6 (+ extra) groups, 8 institutions, 5 businesses and 2 leaders each
    for the larger groups."""
    nodes: list[dict[str, Any]] = [
        _group("trans-1", 0.9, 10000, 120, 0.3, 0.9, 2007),
        _group("trans-2", 0.85, 8000, 80, 0.3, 0.85, 2013),
        _group("trans-3", 0.8, 3000, 30, 0.2, 0.8, 2014),
        _group("dom-1", 0.2, 20000, 300, 0.5, 0.4, 1982),
        _group("dom-2", 0.3, 15000, 200, 0.4, 0.5, 2006),
        _group("dom-3", 0.1, 5000, None, 0.6, 0.1, 2014),
        {"id": "umbrella", "type": "umbrella", "name": "Umbrella", "sources": SRC},
        {"id": "patron", "type": "state_institution", "name": "Patron corps", "sources": SRC,
         "institution": {"kind": "security", "budget_share": 0.0, "accountability": 0.0}},
        {"id": "us", "type": "state", "name": "Foreign state", "sources": SRC},
        {"id": "force", "type": "foreign_force", "name": "Foreign force", "sources": SRC},
    ]
    for i in range(n_extra_groups):
        nodes.append(_group(f"extra-{i}", 0.5 + 0.04 * (i % 10), 2000 + 500 * i, 20.0, 0.3,
                            0.6, 2010))
    insts = [("interior", 0.08, 0.2), ("defense", 0.07, 0.25), ("oil", 0.15, 0.15),
             ("parliament", 0.01, 0.4), ("judiciary", 0.01, 0.3), ("civil-service", 0.1, 0.2),
             ("pmf-commission", 0.02, 0.1), ("finance", 0.05, 0.35)]
    for iid, budget, acc in insts:
        nodes.append({"id": iid, "type": "state_institution", "name": iid.title(),
                      "sources": SRC, "institution": {"kind": "ministry",
                                                      "budget_share": budget,
                                                      "accountability": acc}})
    for bid, kind, sanc in [("bank-1", "bank", True), ("bank-2", "bank", True),
                            ("airline", "airline", True), ("company-1", "company", True),
                            ("company-2", "company", False)]:
        nodes.append({"id": bid, "type": "business", "name": bid.title(), "sources": SRC,
                      "business": {"kind": kind, "sanctionable": sanc}})
    ties: list[dict[str, Any]] = []
    leaders = [("boss-t1", "trans-1", 0.6), ("deputy-t1", "trans-1", 0.3),
               ("boss-t2", "trans-2", 0.7), ("boss-d1", "dom-1", 0.7),
               ("deputy-d1", "dom-1", 0.2), ("boss-d2", "dom-2", 0.8)]
    for pid, gid, share in leaders:
        nodes.append({"id": pid, "type": "person", "name": pid.title(), "sources": SRC})
        ties.append({"type": "leads", "from": pid, "to": gid, "share": share, "sources": SRC})
    for a, b in [("trans-1", "trans-2"), ("trans-2", "trans-3"), ("trans-1", "trans-3"),
                 ("dom-1", "dom-2")]:
        ties.append({"type": "allied_with", "from": a, "to": b, "sources": SRC})
    for g in ["trans-1", "trans-2", "trans-3", "dom-1", "dom-2"]:
        ties.append({"type": "member_of", "from": g, "to": "umbrella", "sources": SRC})
        ties.append({"type": "patron_of", "from": "patron", "to": g, "sources": SRC,
                     "weight": 1.0 if g.startswith("trans") else 0.5,
                     "support": ["arming", "funding"]})
    offices = [("dom-1", "interior", 0.4), ("dom-1", "parliament", 0.2),
               ("dom-2", "civil-service", 0.2), ("dom-2", "parliament", 0.15),
               ("dom-2", "oil", 0.1), ("trans-1", "pmf-commission", 0.3),
               ("boss-d1", "defense", 0.1), ("dom-3", "pmf-commission", 0.2),
               ("trans-2", "judiciary", 0.05)]
    for who, inst, share in offices:
        ties.append({"type": "holds_office_in", "from": who, "to": inst, "share": share,
                     "sources": SRC})
    funds = [("bank-1", "trans-1", "bank", 40), ("airline", "trans-1", "business", 20),
             ("bank-2", "dom-2", "bank", 30), ("company-1", "dom-1", "business", 60),
             ("company-2", "dom-1", "business", 50), ("patron", "trans-1", "patron", 40),
             ("patron", "trans-2", "patron", 30), ("interior", "dom-1", "state_budget", 100)]
    for payer, payee, channel, amount in funds:
        ties.append({"type": "funds", "from": payer, "to": payee, "channel": channel,
                     "amount": {"value": amount, "low": amount / 2, "high": amount * 2},
                     "sources": SRC})
    ties.append({"type": "sanctioned_by", "from": "bank-1", "to": "us", "sources": SRC,
                 "start": "2020-06"})
    doc: dict[str, Any] = {
        "scenario": {"id": "medium", "name": "Medium synthetic scenario",
                     "description": "Synthetic groups, institutions and channels.",
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
             "targets": ["trans-1", "trans-2"], "intensity": 85, "description": "Strikes",
             "sources": SRC},
            {"id": "leader-strike", "date": "2024-02-07", "kind": "leadership_strike",
             "actor": "us", "targets": ["trans-1"], "killed": ["deputy-t1"],
             "description": "Leader killed", "sources": SRC},
            {"id": "designation", "date": "2024-01-22", "kind": "designation", "actor": "us",
             "targets": ["airline"], "description": "Airline designated", "sources": SRC},
        ],
    }
    return doc


def write_medium(path: Path, n_extra_groups: int = 0) -> Path:
    return write_yaml(path, copy.deepcopy(medium_document(n_extra_groups)))
