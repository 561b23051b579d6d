"""Small, generated scenario documents for tests (no shared data copied)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

_BASE: dict[str, Any] = {
    "scenario": {
        "id": "tiny",
        "name": "Tiny test scenario",
        "description": "Two groups, one leader, one ministry, one bank.",
        "start": "2023-10-02",
        "foreign_force": "us-forces",
    },
    "sources": [
        {"id": "src-a", "author": "Test Author", "title": "A test source", "date": "2024"},
        {"id": "src-b", "author": "Other Author", "title": "Another source"},
    ],
    "nodes": [
        {"id": "group-a", "type": "armed_group", "name": "Group A", "aliases": ["GA"],
         "start": 2007, "confidence": "high", "sources": ["src-a"],
         "group": {"orientation": 0.9, "founding_year": 2007, "ideology": "religious",
                   "size": {"value": 5000, "low": 2000, "high": 10000},
                   "legitimacy": 0.3,
                   "campaign": {"member": True, "sources": ["src-a"]}}},
        {"id": "group-b", "type": "armed_group", "name": "Group B", "start": "2003-05",
         "sources": ["src-b"],
         "group": {"orientation": 0.2, "founding_year": 2003, "ideology": "religious",
                   "size": {"value": 10000, "low": 8000, "high": 20000},
                   "legitimacy": 0.5,
                   "campaign": {"member": True, "sources": ["src-b"]}}},
        {"id": "leader-a", "type": "person", "name": "Leader A", "layer": "military",
         "sources": ["src-a"], "end": "2024-02-07"},
        {"id": "ministry", "type": "state_institution", "name": "Ministry of X",
         "sources": ["src-a"],
         "institution": {"kind": "ministry", "budget_share": 0.1, "accountability": 0.3}},
        {"id": "bank", "type": "business", "name": "Bank Y", "sources": ["src-b"],
         "business": {"kind": "bank", "sanctionable": True}},
        {"id": "us", "type": "state", "name": "United States", "sources": ["src-a"]},
        {"id": "us-forces", "type": "foreign_force", "name": "U.S. forces",
         "sources": ["src-a"]},
    ],
    "ties": [
        {"type": "leads", "from": "leader-a", "to": "group-a", "share": 0.6,
         "sources": ["src-a"], "end": "2024-02-07"},
        {"type": "allied_with", "from": "group-a", "to": "group-b", "sources": ["src-a"],
         "start": 2014},
        {"type": "holds_office_in", "from": "group-b", "to": "ministry", "share": 0.4,
         "sources": ["src-b"], "start": 2018},
        {"type": "funds", "from": "bank", "to": "group-a", "channel": "bank",
         "sources": ["src-b"]},
        {"type": "sanctioned_by", "from": "bank", "to": "us", "sources": ["src-a"],
         "start": "2024-01-22"},
        {"type": "attacks", "from": "group-a", "to": "us-forces", "sources": ["src-a"],
         "start": "2023-10-17", "end": "2024-01-30"},
    ],
    "series": [
        {"id": "gaza_war_intensity", "description": "Regional trigger", "unit": "index",
         "points": [{"date": "2023-10-07", "value": 1.0},
                    {"date": "2023-11-24", "value": 0.0}],
         "sources": ["src-a"]},
    ],
    "events": [
        {"id": "strike-1", "date": "2024-02-02", "kind": "strike", "actor": "us",
         "targets": ["group-a"], "intensity": 85, "description": "Strikes",
         "sources": ["src-a"]},
    ],
}


def tiny_document() -> dict[str, Any]:
    """A fresh copy of a valid one-file scenario document."""
    return copy.deepcopy(_BASE)


def write_yaml(path: Path, doc: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path
