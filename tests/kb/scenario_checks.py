"""Helpers shared by the bundled scenarios' tests."""

from __future__ import annotations

from armednet.kb.dates import earliest, parse_date
from armednet.kb.graph import KnowledgeGraph
from armednet.kb.schema import Scenario

SIX_LAYERS = ("military", "political", "economic", "state", "patronage", "civil_society")
"""The layers every bundled scenario's ties cover."""


def series_value(scenario: Scenario, series_id: str, day: str) -> float:
    """Value of a step series on a day: the last point dated on or before it."""
    series = next(s for s in scenario.series if s.id == series_id)
    assert series.interpolation == "step"
    at = parse_date(day)
    points = sorted(series.points, key=lambda p: earliest(p.date))
    before = [p for p in points if earliest(p.date) <= at]
    assert before, f"{series_id} has no value on {day}"
    return before[-1].value


def alias_index(kg: KnowledgeGraph) -> dict[str, str]:
    """Every node's name and aliases, case-folded, to its id; fails when one spelling
    names two nodes."""
    owner: dict[str, str] = {}
    for n in kg.nodes():
        for name in {n.name.casefold(), *(a.casefold() for a in n.aliases)}:
            assert owner.setdefault(name, n.id) == n.id, (name, owner[name], n.id)
    return owner
