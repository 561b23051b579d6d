"""Network analytics on the knowledge graph: who matters, through which ties, and what
removing them would change.

Every function takes a graph first (a :class:`~armednet.kb.KnowledgeGraph`, a NetworkX
graph or a prepared :class:`Net` from :func:`as_net`) and returns plain data (a pandas
Series or DataFrame, a float, or a small dataclass). On a knowledge graph every measure
covers the scenario's window unless told otherwise (``at=`` a date, a span or ``"all"``;
see :mod:`armednet.analysis.period`). Submodules are imported on first use,
so ``import armednet.analysis`` is cheap. See ``docs/analysis.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "GraphDiff",
    "Net",
    "OutsideWindowWarning",
    "Period",
    "WhatIf",
    "as_net",
    "betweenness",
    "brokerage_roles",
    "capture_index",
    "closeness",
    "command_reach",
    "degree",
    "detect_communities",
    "diff",
    "eigenvector",
    "fragmentation",
    "group_capture",
    "impact_measures",
    "kcore",
    "key_actor_report",
    "layer_brokerage",
    "measure_table",
    "measures_over_time",
    "modularity",
    "node_measure_over_time",
    "pagerank",
    "resilience_curve",
    "resolve_period",
    "revenue_channels",
    "sanction_exposure",
    "scenario_window",
    "state_capture",
    "state_embeddedness",
    "synthetic_graph",
    "what_if",
    "window_view",
]

_WHERE = {
    "Net": "_backend", "as_net": "_backend",
    "betweenness": "centrality", "closeness": "centrality", "degree": "centrality",
    "eigenvector": "centrality", "kcore": "centrality", "pagerank": "centrality",
    "detect_communities": "communities", "modularity": "communities",
    "brokerage_roles": "brokerage", "layer_brokerage": "brokerage",
    "state_embeddedness": "embeddedness",
    "capture_index": "capture", "group_capture": "capture", "state_capture": "capture",
    "revenue_channels": "sanctions", "sanction_exposure": "sanctions",
    "key_actor_report": "keyactors", "measure_table": "keyactors",
    "WhatIf": "whatif", "command_reach": "whatif", "fragmentation": "whatif",
    "impact_measures": "whatif", "what_if": "whatif",
    "resilience_curve": "resilience",
    "GraphDiff": "temporal", "diff": "temporal", "measures_over_time": "temporal",
    "node_measure_over_time": "temporal",
    "synthetic_graph": "synthetic",
    "OutsideWindowWarning": "period", "Period": "period", "scenario_window": "period",
    "window_view": "period", "resolve_period": "period",
}

if TYPE_CHECKING:
    from armednet.analysis._backend import Net, as_net
    from armednet.analysis.brokerage import brokerage_roles, layer_brokerage
    from armednet.analysis.capture import capture_index, group_capture, state_capture
    from armednet.analysis.centrality import (
        betweenness,
        closeness,
        degree,
        eigenvector,
        kcore,
        pagerank,
    )
    from armednet.analysis.communities import detect_communities, modularity
    from armednet.analysis.embeddedness import state_embeddedness
    from armednet.analysis.keyactors import key_actor_report, measure_table
    from armednet.analysis.period import OutsideWindowWarning, Period, scenario_window, window_view
    from armednet.analysis.period import resolve as resolve_period
    from armednet.analysis.resilience import resilience_curve
    from armednet.analysis.sanctions import revenue_channels, sanction_exposure
    from armednet.analysis.synthetic import synthetic_graph
    from armednet.analysis.temporal import (
        GraphDiff,
        diff,
        measures_over_time,
        node_measure_over_time,
    )
    from armednet.analysis.whatif import (
        WhatIf,
        command_reach,
        fragmentation,
        impact_measures,
        what_if,
    )


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(f"armednet.analysis.{_WHERE[name]}")
        value = getattr(module, "resolve" if name == "resolve_period" else name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'armednet.analysis' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
