"""Plotly figures shared by the HTML report and the dashboard.

Every function takes plain data (frames, arrays, dicts) and returns a
``plotly.graph_objects.Figure``; none reads files or the store.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LAYER_COLOURS", "POLICY_COLOURS", "fan_chart", "fan_quantiles", "network_figure",
           "outcome_distributions", "sobol_bars"]

LAYER_COLOURS = {
    "military": "#c0392b", "political": "#2e86c1", "economic": "#d4ac0d", "state": "#7d3c98",
    "patronage": "#e67e22", "civil_society": "#27ae60", "international": "#7f8c8d",
}
POLICY_COLOURS = ["#34495e", "#c0392b", "#8e44ad", "#d68910", "#2471a3", "#1e8449",
                  "#a04000", "#5d6d7e", "#117a65", "#b03a2e"]


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def fan_quantiles(series: np.ndarray) -> dict[str, np.ndarray]:
    """Weekly median and the 50% and 90% bands of an array (runs, weeks)."""
    q = np.quantile(series, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
    return {"q05": q[0], "q25": q[1], "median": q[2], "q75": q[3], "q95": q[4]}


def fan_chart(bands: dict[str, dict[str, np.ndarray]], dates: list[Any] | None = None,
              title: str = "Attacks on foreign forces per week",
              yaxis: str = "attacks per week") -> Any:
    """One median line with 50% and 90% bands per policy.

    Parameters
    ----------
    bands : dict
        Policy -> output of :func:`fan_quantiles`.
    dates : list, optional
        The x axis (week start dates); week numbers when omitted.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (policy, q) in enumerate(bands.items()):
        colour = POLICY_COLOURS[i % len(POLICY_COLOURS)]
        x = list(dates) if dates is not None else list(range(len(q["median"])))
        for lo, hi, alpha, label in (("q05", "q95", 0.12, "90%"), ("q25", "q75", 0.25, "50%")):
            fig.add_trace(go.Scatter(
                x=x + x[::-1], y=np.concatenate([q[hi], q[lo][::-1]]), fill="toself",
                fillcolor=_rgba(colour, alpha), line={"width": 0}, hoverinfo="skip",
                legendgroup=policy, showlegend=False, name=f"{policy} {label}"))
        fig.add_trace(go.Scatter(x=x, y=q["median"], mode="lines", name=policy,
                                 legendgroup=policy, line={"color": colour, "width": 2}))
    fig.update_layout(title=title, yaxis_title=yaxis, template="plotly_white", height=420,
                      margin={"l": 50, "r": 20, "t": 50, "b": 40})
    return fig


def outcome_distributions(outcomes: pd.DataFrame, names: list[str]) -> Any:
    """Box plots of each outcome's per-run values, one box per policy."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=max(1, len(names)), subplot_titles=names)
    policies = list(dict.fromkeys(outcomes["policy"]))
    for j, name in enumerate(names, start=1):
        for i, p in enumerate(policies):
            v = outcomes.loc[outcomes["policy"] == p, name]
            fig.add_trace(go.Box(y=v, name=p, marker_color=POLICY_COLOURS[i % 10],
                                 showlegend=False, boxpoints=False), row=1, col=j)
    fig.update_layout(template="plotly_white", height=380,
                      margin={"l": 40, "r": 20, "t": 40, "b": 40})
    return fig


def sobol_bars(indices: list[dict[str, Any]], title: str) -> Any:
    """First-order and total Sobol indices with their confidence intervals."""
    import plotly.graph_objects as go

    rows = sorted(indices, key=lambda r: -r["ST"])
    names = [r["parameter"] for r in rows]
    fig = go.Figure([
        go.Bar(name="S1", x=names, y=[r["S1"] for r in rows],
               error_y={"type": "data", "array": [r["S1_conf"] for r in rows]}),
        go.Bar(name="ST", x=names, y=[r["ST"] for r in rows],
               error_y={"type": "data", "array": [r["ST_conf"] for r in rows]}),
    ])
    fig.update_layout(barmode="group", title=title, template="plotly_white", height=360,
                      margin={"l": 40, "r": 20, "t": 50, "b": 100})
    return fig


def network_figure(kg: Any, size_by: dict[str, float] | None = None, seed: int = 7) -> Any:
    """The knowledge graph with nodes coloured by layer and sized by a measure.

    The layout is a seeded spring layout of the undirected graph, so the picture is
    reproducible.
    """
    import networkx as nx
    import plotly.graph_objects as go

    g = nx.Graph()
    for n in kg.nodes():
        g.add_node(n.id)
    for t in kg.ties():
        if t.from_ in g and t.to in g:
            g.add_edge(t.from_, t.to)
    pos = nx.spring_layout(g, seed=seed, k=1.6 / max(1, len(g)) ** 0.5)
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in g.edges():
        ex += [pos[a][0], pos[b][0], None]
        ey += [pos[a][1], pos[b][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", hoverinfo="skip",
                               line={"color": "#bbb", "width": 0.6}, showlegend=False))
    size_by = size_by or {}
    top = max(size_by.values(), default=0.0) or 1.0
    by_layer: dict[str, list[Any]] = {}
    for n in kg.nodes():
        by_layer.setdefault(str(kg.node_layer(n.id)), []).append(n)
    for layer, nodes in by_layer.items():
        fig.add_trace(go.Scatter(
            x=[pos[n.id][0] for n in nodes], y=[pos[n.id][1] for n in nodes], mode="markers",
            name=layer, text=[f"{n.name} ({n.type})" for n in nodes], hoverinfo="text",
            marker={"size": [8 + 22 * (size_by.get(n.id, 0.0) / top) ** 0.5 for n in nodes],
                    "color": LAYER_COLOURS.get(layer, "#555"), "line": {"width": 0.5,
                                                                        "color": "#fff"}}))
    fig.update_layout(template="plotly_white", height=560, showlegend=True,
                      xaxis={"visible": False}, yaxis={"visible": False},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return fig
