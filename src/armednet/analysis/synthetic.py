"""A seeded generator of synthetic scenarios with the bundled scenario's type mix.

Used by the benchmarks (10,000 nodes, 50,000 ties) and by tests. The graph is built to
look like the real thing at scale: armed groups with leaders, commanders and wings; parties
and persons holding office in institutions; money flowing from budgets, banks, businesses
and patrons; alliances, rivalries and affiliations drawn with preferential attachment so
that there are hubs. Every tie respects :data:`armednet.kb.types.TIE_ENDPOINTS` and no tie
joins a node to itself, so the result passes :func:`armednet.kb.validate_scenario`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from armednet.kb.types import TIE_ENDPOINTS, NodeType, TieType

if TYPE_CHECKING:
    from armednet.kb.graph import KnowledgeGraph
    from armednet.kb.schema import Scenario

__all__ = ["TYPE_MIX", "synthetic_document", "synthetic_graph", "synthetic_scenario"]

TYPE_MIX: dict[str, float] = {
    "armed_group": 0.06,
    "umbrella": 0.005,
    "person": 0.40,
    "party": 0.06,
    "state": 0.01,
    "state_institution": 0.06,
    "business": 0.25,
    "civil_society": 0.14,
    "foreign_force": 0.015,
}
"""Share of each node type (close to the bundled scenario's mix)."""

_KINDS = ["ministry", "parliament", "judiciary", "security", "civil_service", "executive",
          "commission", "treasury"]
_SYMMETRIC = frozenset({"allied_with", "affiliated_with", "rival_of", "protects", "opposes"})
_ELITE = frozenset({"armed_group", "umbrella", "party", "state", "foreign_force"})
_BIZ = ["bank", "company", "airline", "exchange", "charity"]


def synthetic_document(n_nodes: int = 200, ties_per_node: float = 5.0, seed: int = 0
                       ) -> dict[str, Any]:
    """A synthetic scenario as a plain document (the YAML authoring format as a dict).

    Parameters
    ----------
    n_nodes : int
        Number of nodes (at least 30).
    ties_per_node : float
        Ties per node; the document has about ``ties_per_node * n_nodes`` ties.
    seed : int
        Seed of the generator's own random stream (same seed, same document).

    Returns
    -------
    dict
        With keys ``scenario``, ``sources``, ``nodes`` and ``ties``.
    """
    n_nodes = max(int(n_nodes), 30)
    rng = np.random.default_rng(seed)
    counts = {t: max(1, round(share * n_nodes)) for t, share in TYPE_MIX.items()}
    counts["state"] = max(counts["state"], 2)
    counts["person"] += n_nodes - sum(counts.values())
    nodes: list[dict[str, Any]] = []
    by_type: dict[str, list[str]] = {}
    src = ["syn"]
    for ntype, k in counts.items():
        ids = [f"{ntype.replace('_', '-')}-{i}" for i in range(k)]
        by_type[ntype] = ids
        for i, nid in enumerate(ids):
            node: dict[str, Any] = {"id": nid, "type": ntype, "name": nid.title(),
                                    "sources": src}
            if ntype == "armed_group":
                size = float(rng.integers(200, 20000))
                node["group"] = {
                    "orientation": round(float(rng.random()), 3),
                    "founding_year": int(rng.integers(1980, 2020)), "ideology": "religious",
                    "size": {"value": size, "low": size / 2, "high": size * 2},
                    "legitimacy": round(float(rng.random()), 3)}
            elif ntype == "state_institution":
                node["institution"] = {"kind": _KINDS[i % len(_KINDS)],
                                       "budget_share": 0.0,
                                       "accountability": round(float(rng.random()), 3)}
            elif ntype == "business":
                kind = _BIZ[int(rng.integers(len(_BIZ)))]
                node["business"] = {"kind": kind, "sanctionable": bool(rng.random() < 0.8)}
            elif ntype == "person" and i % 5 < 2:
                node["layer"] = "military"  # commanders and fighters' officers
            nodes.append(node)
    # budget shares of institutions sum to 0.9
    inst = [n for n in nodes if n["type"] == "state_institution"]
    raw = rng.pareto(1.5, len(inst)) + 1
    for n, b in zip(inst, raw / raw.sum() * 0.9, strict=True):
        n["institution"]["budget_share"] = round(float(b), 6)
    node_type = {n["id"]: n["type"] for n in nodes}
    persons = by_type["person"]
    military_p = [p for i, p in enumerate(persons) if i % 5 < 2]
    political_p = [p for i, p in enumerate(persons) if i % 5 >= 2]
    # preferential-attachment weights (hubs)
    pop = {nid: float(x) for nid, x in zip(node_type, rng.pareto(1.2, len(node_type)) + 1,
                                           strict=True)}

    cdf: dict[int, tuple[list[str], np.ndarray]] = {}

    def pick(pool: list[str], k: int = 1) -> list[str]:
        key = id(pool)
        if key not in cdf:
            c = np.cumsum([pop[x] for x in pool])
            cdf[key] = (pool, c / c[-1])
        idx = np.searchsorted(cdf[key][1], rng.random(k), side="right")
        return [pool[min(int(i), len(pool) - 1)] for i in idx]

    ties: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()

    def tie(ttype: str, a: str, b: str, **extra: Any) -> None:
        if a == b or (a, ttype, b) in seen:
            return
        seen.add((a, ttype, b))
        t = {"id": f"t{len(ties)}", "type": ttype, "from": a, "to": b, "sources": src,
             "weight": round(float(rng.choice([0.25, 0.5, 0.75, 1.0])), 2)}
        t.update(extra)
        ties.append(t)

    groups = by_type["armed_group"]
    for g in groups:
        for leader in rng.choice(political_p + military_p, size=int(rng.integers(1, 3))):
            tie("leads", str(leader), g, share=round(float(rng.uniform(0.2, 0.8)), 3))
        for cmd in rng.choice(military_p, size=int(rng.integers(2, 6))):
            tie("commands", str(cmd), g)
        tie("member_of", g, pick(by_type["umbrella"])[0])
        if rng.random() < 0.5:
            tie("integrated_into", g, pick(by_type["state_institution"])[0],
                share=round(float(rng.uniform(0.01, 0.2)), 3))
        tie("attacks", g, pick(by_type["foreign_force"])[0])
        tie("funds", pick(by_type["state"])[0], g, channel="patron",
            amount={"value": 10.0, "low": 5.0, "high": 20.0})
    for p in by_type["party"]:
        if rng.random() < 0.6:
            tie("wing_of", p, pick(groups)[0])
    for b in by_type["business"]:
        if rng.random() < 0.25:
            tie("wing_of", b, pick(groups)[0])
        if rng.random() < 0.3:
            tie("funds", b, pick(groups)[0], channel="business" if "bank" not in b else "bank",
                amount={"value": 2.0, "low": 1.0, "high": 4.0})
        if rng.random() < 0.1:
            tie("sanctioned_by", b, pick(by_type["state"])[0])
    payees = groups + by_type["party"]
    for inst_id in by_type["state_institution"]:
        for g in pick(payees, 3):
            tie("funds", inst_id, g, channel="state_budget",
                amount={"value": 5.0, "low": 2.0, "high": 9.0})
    for p in political_p:
        if rng.random() < 0.4:
            tie("holds_office_in", p, pick(by_type["state_institution"])[0],
                share=round(float(rng.uniform(0.005, 0.05)), 4))
        if rng.random() < 0.5:
            tie("member_of", p, pick(by_type["party"])[0])
    # fill with typed relations between preferentially attached ends
    filler = [("allied_with", 3.0), ("affiliated_with", 4.0), ("rival_of", 1.0),
              ("funds", 1.5), ("owns", 1.0), ("protects", 0.7), ("opposes", 0.7),
              ("patron_of", 0.5), ("holds_office_in", 0.8), ("member_of", 0.8),
              ("commands", 0.5), ("sanctioned_by", 0.3)]
    names = [f for f, _ in filler]
    probs = np.array([w for _, w in filler])
    probs /= probs.sum()
    pools: dict[str, tuple[list[str], list[str]]] = {}
    for ttype in names:
        a_types, b_types = TIE_ENDPOINTS[TieType(ttype)]
        a_pool = [x for x in node_type if NodeType(node_type[x]) in a_types]
        b_pool = [x for x in node_type if NodeType(node_type[x]) in b_types]
        if ttype in _SYMMETRIC:  # alliances and rivalries point into the elite core
            b_pool = [x for x in b_pool if node_type[x] in _ELITE]
        pools[ttype] = (a_pool, b_pool)
    target = int(ties_per_node * n_nodes)
    batch = 4096
    while len(ties) < target:
        kinds = rng.choice(len(names), size=batch, p=probs)
        for k in kinds:
            if len(ties) >= target:
                break
            ttype = names[int(k)]
            a_pool, b_pool = pools[ttype]
            extra: dict[str, Any] = {}
            if ttype == "holds_office_in":
                extra["share"] = round(float(rng.uniform(0.005, 0.05)), 4)
            elif ttype == "funds":
                extra["channel"] = "illicit"
            tie(ttype, pick(a_pool)[0], pick(b_pool)[0], **extra)
    return {
        "scenario": {"id": f"synthetic-{n_nodes}", "name": f"Synthetic ({n_nodes} nodes)",
                     "description": "Seeded synthetic graph with the bundled type mix.",
                     "start": "2024-01-01"},
        "sources": [{"id": "syn", "author": "armednet", "title": "Synthetic generator"}],
        "nodes": nodes,
        "ties": ties,
    }


def synthetic_scenario(n_nodes: int = 200, ties_per_node: float = 5.0, seed: int = 0
                       ) -> Scenario:
    """A validated synthetic :class:`~armednet.kb.schema.Scenario` (see
    :func:`synthetic_document` for the parameters)."""
    from armednet.kb.schema import Scenario

    return Scenario.model_validate(synthetic_document(n_nodes, ties_per_node, seed))


def synthetic_graph(n_nodes: int = 200, ties_per_node: float = 5.0, seed: int = 0
                    ) -> KnowledgeGraph:
    """A synthetic :class:`~armednet.kb.KnowledgeGraph` (see :func:`synthetic_document`).

    Examples
    --------
    >>> kg = synthetic_graph(100, seed=1)
    >>> len(kg.nodes()), len(kg.ties()) >= 450
    (100, True)
    """
    from armednet.kb.graph import KnowledgeGraph

    return KnowledgeGraph(synthetic_scenario(n_nodes, ties_per_node, seed))
