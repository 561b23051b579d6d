"""Uncertainty about the network itself: plausible variants of a scenario.

A scenario states each tie with a ``confidence`` and each uncertain quantity as an
:class:`~armednet.kb.schema.Estimate` with a low and a high bound. The model's engine reads
central values only; :func:`network_variant` draws one plausible network instead: every tie
is kept with a probability that depends on its confidence (:data:`PRESENCE`), and every
estimate is drawn from a triangular distribution on ``[low, high]`` with its mode at the
stated value. Variants are numbered: variant ``v`` of a scenario under a seed is always the
same network, so experiments can make "which network" an uncertainty of its own (a variant
index per world) and analyses can recover which ties each world had
(:func:`tie_presence`).

Ties that define what the scenario is about are never dropped: ``leads`` ties (a group's
leadership is part of its identity in the model) and ties with ``confidence: high`` are
kept with probability :data:`PRESENCE` ``["high"]`` like any other, but nodes are never
removed, so every group, institution and person of the scenario exists in every variant.

References
----------
.. [1] K. M. Carley, "Dynamic network analysis", in *Dynamic Social Network Modeling and
   Analysis*, National Academies Press, 2003 (uncertain and missing ties in ORA).
.. [2] G. Kossinets, "Effects of missing data in social networks", Social Networks 28(3),
   2006.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from armednet.kb.graph import KnowledgeGraph
from armednet.kb.schema import Estimate

__all__ = ["PRESENCE", "network_variant", "tie_labels", "tie_presence"]

PRESENCE = {"high": 0.95, "medium": 0.8, "low": 0.5}
"""Probability that a tie of each confidence is present in a variant (judgment: a
high-confidence tie is well documented, a low-confidence one is as likely absent as
present)."""


def _rng(kg: KnowledgeGraph, variant: int, seed: int, stream: int) -> np.random.Generator:
    digest = hashlib.sha256(f"{kg.hash}|{seed}|{variant}|{stream}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def tie_labels(kg: KnowledgeGraph) -> list[str]:
    """A readable label per tie of the scenario, in file order: ``type:from->to``."""
    return [f"{t.type.value}:{t.from_}->{t.to}" for t in kg.scenario.ties]


def tie_presence(kg: KnowledgeGraph, variants: np.ndarray | list[int], seed: int = 0,
                 presence: dict[str, float] | None = None) -> np.ndarray:
    """Which ties each variant keeps: a boolean array (variants, ties) in file order.

    Examples
    --------
    >>> kg = KnowledgeGraph.load()
    >>> m = tie_presence(kg, [0, 1, 2])
    >>> m.shape == (3, len(kg.scenario.ties))
    True
    """
    probs = presence or PRESENCE
    p = np.array([probs[str(t.confidence.value)] for t in kg.scenario.ties])
    out = np.empty((len(variants), len(p)), dtype=bool)
    for i, v in enumerate(variants):
        out[i] = _rng(kg, int(v), seed, 0).random(len(p)) < p
    return out


def _draw(est: Estimate, rng: np.random.Generator) -> Estimate:
    if est.high <= est.low:
        return est
    value = float(rng.triangular(est.low, est.value, est.high))
    return est.model_copy(update={"value": value})


def _draw_estimates(obj: Any, rng: np.random.Generator) -> Any:
    """A copy of a pydantic record with every nested Estimate drawn (fields in order)."""
    updates: dict[str, Any] = {}
    for name in type(obj).model_fields:
        value = getattr(obj, name)
        if isinstance(value, Estimate):
            updates[name] = _draw(value, rng)
        elif hasattr(type(value), "model_fields"):
            updates[name] = _draw_estimates(value, rng)
    return obj.model_copy(update=updates) if updates else obj


def network_variant(kg: KnowledgeGraph, variant: int, seed: int = 0,
                    presence: dict[str, float] | None = None) -> KnowledgeGraph:
    """Variant ``variant`` of the scenario: ties kept by confidence, estimates drawn.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario as written.
    variant : int
        Variant number (>= 0). Variant numbers and the seed fix the network drawn.
    seed : int
        Experiment seed.
    presence : dict, optional
        Probability of presence per confidence level (default :data:`PRESENCE`).

    Returns
    -------
    KnowledgeGraph
        A new graph (the input is not modified) with its own hash.

    Examples
    --------
    >>> kg = KnowledgeGraph.load()
    >>> a, b = network_variant(kg, 3), network_variant(kg, 3)
    >>> a.hash == b.hash != kg.hash
    True
    """
    keep = tie_presence(kg, [variant], seed, presence)[0]
    rng = _rng(kg, variant, seed, 1)
    scen = kg.scenario
    nodes = [_draw_estimates(n, rng) for n in scen.nodes]
    ties = [_draw_estimates(t, rng) for t, k in zip(scen.ties, keep, strict=True) if k]
    return KnowledgeGraph(scen.model_copy(update={"nodes": nodes, "ties": ties}))
