"""Plausible variants of a scenario's network: deterministic, within the stated ranges,
ties kept at the documented rates, nodes never removed."""

from __future__ import annotations

import numpy as np
import pytest

from armednet.kb import KnowledgeGraph
from armednet.kb.schema import Estimate
from armednet.kb.uncertainty import PRESENCE, network_variant, tie_presence


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


def test_variants_are_deterministic_and_distinct(kg: KnowledgeGraph) -> None:
    assert network_variant(kg, 5, seed=1).hash == network_variant(kg, 5, seed=1).hash
    hashes = {network_variant(kg, v, seed=1).hash for v in range(6)}
    assert len(hashes) == 6
    assert network_variant(kg, 5, seed=2).hash != network_variant(kg, 5, seed=1).hash


def test_nodes_stay_and_ties_follow_the_presence_mask(kg: KnowledgeGraph) -> None:
    v = network_variant(kg, 2)
    assert [n.id for n in v.scenario.nodes] == [n.id for n in kg.scenario.nodes]
    keep = tie_presence(kg, [2])[0]
    kept = [t for t, k in zip(kg.scenario.ties, keep, strict=True) if k]
    assert [(t.type, t.from_, t.to) for t in v.scenario.ties] == [
        (t.type, t.from_, t.to) for t in kept]


def test_presence_rates_match_confidence(kg: KnowledgeGraph) -> None:
    m = tie_presence(kg, np.arange(400))
    conf = np.array([t.confidence.value for t in kg.scenario.ties])
    for level, p in PRESENCE.items():
        if (conf == level).sum() >= 5:
            # binomial standard error with at least 2,000 draws: 0.011 at most; 4 s.e.
            assert m[:, conf == level].mean() == pytest.approx(p, abs=0.045)


def test_estimates_are_drawn_within_their_ranges(kg: KnowledgeGraph) -> None:
    def estimates(graph: KnowledgeGraph) -> list[Estimate]:
        out = []
        for n in graph.scenario.nodes:
            if n.group is not None:
                out += [e for e in (n.group.size, n.group.fighters, n.group.funds) if e]
        return out

    base = estimates(kg)
    moved = 0
    for v in range(5):
        for a, b in zip(base, estimates(network_variant(kg, v)), strict=True):
            assert a.low <= b.value <= a.high
            moved += b.value != a.value
    assert moved > 0
