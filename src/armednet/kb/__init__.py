"""The knowledge graph: a typed, time-bounded, sourced map of actors and ties.

Load a scenario with :func:`load_scenario` (a YAML file, a directory, or a bundled name)
and wrap it in a :class:`KnowledgeGraph` for views and conversion to NetworkX or igraph.
"""

from armednet.kb.bundled import DEFAULT_SCENARIO, bundled_scenarios
from armednet.kb.graph import KnowledgeGraph, node_layer, scenario_hash, tie_layer
from armednet.kb.loader import load_scenario, parse_documents, validate_scenario
from armednet.kb.schema import Node, Scenario, Tie
from armednet.kb.types import Confidence, Layer, NodeType, TieType

__all__ = [
    "DEFAULT_SCENARIO",
    "Confidence",
    "KnowledgeGraph",
    "Layer",
    "Node",
    "NodeType",
    "Scenario",
    "Tie",
    "TieType",
    "bundled_scenarios",
    "load_scenario",
    "node_layer",
    "parse_documents",
    "scenario_hash",
    "tie_layer",
    "validate_scenario",
]
