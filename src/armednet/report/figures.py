"""Plotly figures shared by the HTML report and the dashboard.

Every function takes plain data (frames, arrays, dicts) and returns a
``plotly.graph_objects.Figure``; none reads files or the store. Plotly is imported inside
the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LAYER_COLOURS", "POLICY_COLOURS", "QUANTILES", "calibration_fit_figure",
           "fan_chart", "fan_panels", "fan_quantiles", "forecast_figure", "network_figure",
           "network_positions", "outcome_distributions", "skill_figure", "sobol_bars",
           "theatre_effects_figure", "theatre_forecast_figure"]

LAYER_COLOURS = {
    "military": "#c0392b", "political": "#2e86c1", "economic": "#d4ac0d", "state": "#7d3c98",
    "patronage": "#e67e22", "civil_society": "#27ae60", "international": "#7f8c8d",
}
"""One colour per layer of the knowledge graph (report and dashboard alike)."""

POLICY_COLOURS = ["#34495e", "#c0392b", "#8e44ad", "#d68910", "#2471a3", "#1e8449",
                  "#a04000", "#5d6d7e", "#117a65", "#b03a2e"]
"""Colours given to policies in the order they are plotted."""

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""The quantiles of a fan chart: the median and the 50% and 90% central bands."""

_MARGIN = {"l": 50, "r": 20, "t": 50, "b": 40}


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def fan_quantiles(series: np.ndarray) -> dict[str, np.ndarray]:
    """Weekly median and the 50% and 90% bands of an array of shape (runs, weeks).

    Parameters
    ----------
    series : numpy.ndarray
        One row per run, one column per week.

    Returns
    -------
    dict
        ``q05, q25, median, q75, q95``: arrays of one value per week (the
        :data:`QUANTILES` across runs, computed as :func:`numpy.quantile` does).
    """
    q = np.quantile(np.asarray(series, dtype=float), QUANTILES, axis=0)
    return {"q05": q[0], "q25": q[1], "median": q[2], "q75": q[3], "q95": q[4]}


def fan_chart(bands: Mapping[str, Mapping[str, np.ndarray]], dates: Sequence[Any] | None = None,
              title: str = "Attacks on foreign forces per week",
              yaxis: str = "attacks per week") -> Any:
    """One median line with 50% and 90% bands per policy.

    Parameters
    ----------
    bands : mapping
        Policy -> output of :func:`fan_quantiles`.
    dates : sequence, optional
        The x axis (week start dates); week numbers when omitted.
    title, yaxis : str
        Figure title and y-axis label.

    Returns
    -------
    plotly.graph_objects.Figure
        Per policy, two filled band traces (named ``"<policy> 90%"`` and ``"<policy> 50%"``)
        and one line trace named after the policy whose ``y`` is the weekly median.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (policy, q) in enumerate(bands.items()):
        colour = POLICY_COLOURS[i % len(POLICY_COLOURS)]
        n = len(q["median"])
        x = list(dates)[:n] if dates is not None else list(range(n))
        for lo, hi, alpha, label in (("q05", "q95", 0.12, "90%"), ("q25", "q75", 0.25, "50%")):
            fig.add_trace(go.Scatter(
                x=x + x[::-1], y=np.concatenate([q[hi], q[lo][::-1]]), fill="toself",
                mode="lines",
                fillcolor=_rgba(colour, alpha), line={"width": 0}, hoverinfo="skip",
                legendgroup=policy, showlegend=False, name=f"{policy} {label}"))
        fig.add_trace(go.Scatter(x=x, y=np.asarray(q["median"]), mode="lines", name=policy,
                                 legendgroup=policy, line={"color": colour, "width": 2}))
    fig.update_layout(title=title, yaxis_title=yaxis, template="plotly_white", height=420,
                      margin=_MARGIN, legend={"orientation": "h", "y": -0.15})
    return fig


def fan_panels(bands: Mapping[str, Mapping[str, np.ndarray]], dates: Sequence[Any],
               baseline: str = "status-quo", start: Any = None, end: Any = None,
               cols: int = 2, title: str = "Attacks on foreign forces per week",
               yaxis: str = "attacks per week") -> Any:
    """Small multiples: one panel per policy, each over the baseline's bands, on the
    calendar and clipped to ``start`` .. ``end``.

    Parameters
    ----------
    bands : mapping
        Policy -> output of :func:`fan_quantiles` (one value per week).
    dates : sequence
        The week start dates (ISO strings or dates), one per week.
    baseline : str
        The policy every panel is drawn against (grey); a panel of its own when it is the
        only policy, left out of the panels otherwise.
    start, end : date-like, optional
        The window shown (the scenario's); weeks outside it are dropped.
    cols : int
        Panels per row.
    title, yaxis : str
        Figure title and y-axis label.

    Returns
    -------
    plotly.graph_objects.Figure
        Per panel, the baseline's 90% band and median (named ``baseline``, shown in the
        legend once) and the policy's 90% and 50% bands (``"<policy> 90%"``,
        ``"<policy> 50%"``) and median (named after the policy); the panels share their y
        axis, and every x axis spans the window.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    when = pd.DatetimeIndex(pd.to_datetime([str(d) for d in dates]))
    lo_day = pd.Timestamp(str(start)) if start is not None else when.min()
    hi_day = pd.Timestamp(str(end)) if end is not None else when.max()
    keep = np.asarray((when >= lo_day) & (when <= hi_day))
    panels = [p for p in bands if p != baseline] or list(bands)
    rows = max(1, -(-len(panels) // cols))
    fig = make_subplots(rows=rows, cols=min(cols, len(panels)), shared_yaxes="all",
                        shared_xaxes="all", subplot_titles=[f"{p}" for p in panels],
                        vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.05)

    def add(policy: str, colour: str, row: int, col: int, legend: bool,
            fifty: bool) -> None:
        q = bands[policy]
        n = min(len(q["median"]), len(when))
        mask = keep[:n]

        def cut(values: Any) -> np.ndarray:
            return np.asarray(values, dtype=float)[:n][mask]

        x = [d.date().isoformat() for d in when[:n][mask]]
        levels = [("q05", "q95", 0.12, "90%")] + ([("q25", "q75", 0.25, "50%")] if fifty
                                                 else [])
        for lo, hi, alpha, label in levels:
            fig.add_trace(go.Scatter(
                x=x + x[::-1], y=np.concatenate([cut(q[hi]), cut(q[lo])[::-1]]),
                fill="toself", mode="lines", fillcolor=_rgba(colour, alpha),
                line={"width": 0}, hoverinfo="skip", legendgroup=policy, showlegend=False,
                name=f"{policy} {label}"), row=row, col=col)
        fig.add_trace(go.Scatter(x=x, y=cut(q["median"]), mode="lines", name=policy,
                                 legendgroup=policy, showlegend=legend,
                                 line={"color": colour, "width": 2 if fifty else 1.5}),
                      row=row, col=col)

    # the policies' colours, leaving out the greys that would pass for the baseline's
    colours = [c for c in POLICY_COLOURS if c not in ("#34495e", "#5d6d7e")]
    for i, policy in enumerate(panels):
        row, col = i // cols + 1, i % cols + 1
        if baseline in bands and policy != baseline:
            add(baseline, "#7f8c8d", row, col, i == 0, False)
        add(policy, colours[i % len(colours)], row, col, False, True)
    window = [lo_day.date().isoformat(), hi_day.date().isoformat()]
    fig.update_xaxes(range=window, type="date")
    # one y range for every panel, set explicitly (plotly.js leaves matched axes with
    # filled traces at a default range)
    tops = [float(np.nanmax(np.asarray(bands[p]["q95"], dtype=float)[:len(when)][
        keep[:len(bands[p]["q95"])]], initial=0.0)) for p in bands]
    fig.update_yaxes(range=[0.0, max(max(tops, default=0.0), 1.0) * 1.05])
    fig.update_layout(title=title, template="plotly_white", height=120 + 210 * rows,
                      margin=_MARGIN, legend={"orientation": "h", "y": 1.0, "x": 1.0,
                                              "xanchor": "right", "yanchor": "bottom"})
    fig.update_yaxes(title_text=yaxis, col=1)
    return fig


def outcome_distributions(outcomes: pd.DataFrame, names: Sequence[str], cols: int = 3,
                          policies: Sequence[str] | None = None) -> Any:
    """Box plots of each outcome's per-run values, one box per policy.

    Boxes are drawn from precomputed quantiles (box: 25%-75%, whiskers: 5%-95%, line: the
    median), so the figure stays small whatever the number of runs.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        One row per run, a ``policy`` column and one column per outcome.
    names : sequence of str
        Outcomes to show, one panel each.
    cols : int
        Panels per row.
    policies : sequence of str, optional
        Policies in plotting order (default: order of appearance).
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = [n for n in names if n in outcomes.columns]
    cols = max(1, min(cols, len(names) or 1))
    rows = max(1, -(-len(names) // cols))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(names),
                        vertical_spacing=min(0.12, 0.5 / rows), horizontal_spacing=0.06)
    order = list(policies) if policies is not None else list(dict.fromkeys(outcomes["policy"]))
    groups = {p: g for p, g in outcomes.groupby("policy", sort=False)}
    for j, name in enumerate(names):
        r, c = j // cols + 1, j % cols + 1
        for i, p in enumerate(order):
            if p not in groups:
                continue
            v = groups[p][name].to_numpy(dtype=float)
            v = v[np.isfinite(v)]
            if not len(v):
                continue
            q = np.quantile(v, QUANTILES)
            fig.add_trace(go.Box(
                x=[p], q1=[q[1]], median=[q[2]], q3=[q[3]], lowerfence=[q[0]],
                upperfence=[q[4]], name=p, marker_color=POLICY_COLOURS[i % 10],
                legendgroup=p, showlegend=j == 0, boxpoints=False), row=r, col=c)
    fig.update_layout(template="plotly_white", height=260 * rows + 90,
                      margin={**_MARGIN, "t": 90},
                      legend={"orientation": "h", "y": 1.0, "yanchor": "top", "x": 0,
                              "yref": "container"})
    fig.update_xaxes(showticklabels=False)
    return fig


def sobol_bars(indices: Sequence[Mapping[str, Any]], title: str, top: int = 15,
               floor: float | None = None) -> Any:
    """First-order and total Sobol indices with their confidence intervals.

    Only rows marked ``shown`` (above the noise floor and converged, see
    :func:`armednet.experiments.sensitivity.screen_indices`) are drawn when the rows carry
    that mark; a first-order bar only when its ``S1_shown`` is true. With nothing to show
    the figure says so instead of drawing bars.

    Parameters
    ----------
    indices : sequence of mapping
        Rows with ``parameter, S1, S1_conf, ST, ST_conf`` (and ``shown``, ``S1_shown``).
    title : str
        Figure title.
    top : int
        Show the parameters with the largest total index only.
    floor : float, optional
        The noise floor of the total index, drawn as a dashed line.
    """
    import plotly.graph_objects as go

    rows = [r for r in indices if r.get("shown", True)]
    rows = sorted(rows, key=lambda r: -float(r["ST"]))[:top]
    names = [r["parameter"] for r in rows]
    s1 = [r["S1"] if r.get("S1_shown", True) else None for r in rows]
    s1_conf = [r["S1_conf"] if r.get("S1_shown", True) else None for r in rows]
    fig = go.Figure([
        go.Bar(name="S1 (first order)", x=names, y=s1,
               error_y={"type": "data", "array": s1_conf}),
        go.Bar(name="ST (total)", x=names, y=[r["ST"] for r in rows],
               error_y={"type": "data", "array": [r["ST_conf"] for r in rows]}),
    ])
    if floor is not None and rows:
        fig.add_hline(y=floor, line_dash="dash", line_color="#777",
                      annotation_text="noise floor", annotation_position="top right")
    if not rows:
        fig.add_annotation(text="No index is distinguishable from the noise floor and "
                           "converged", showarrow=False, xref="paper", yref="paper",
                           x=0.5, y=0.5, font={"size": 14})
        fig.update_xaxes(visible=False)
        fig.update_yaxes(visible=False)
    fig.update_layout(barmode="group", title=title, template="plotly_white", height=360,
                      margin={"l": 40, "r": 20, "t": 50, "b": 110})
    return fig


def network_positions(kg: Any, seed: int = 7) -> dict[str, tuple[float, float]]:
    """A reproducible layout of the undirected graph: node id -> (x, y) in [-1, 1].

    Kamada-Kawai (distances follow path lengths) for up to 200 nodes, else a seeded spring
    layout. The same scenario always gets the same picture, and nodes keep their place when a
    view hides others.
    """
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(sorted(n.id for n in kg.nodes()))
    g.add_edges_from((t.from_, t.to) for t in kg.ties() if t.from_ in g and t.to in g)
    if not len(g):
        return {}
    if len(g) <= 200:
        start = nx.spring_layout(g, seed=seed)
        pos = nx.kamada_kawai_layout(g, pos=start)
    else:
        pos = nx.spring_layout(g, seed=seed, k=1.6 / len(g) ** 0.5)
    xy = np.array([pos[n] for n in g])
    span = np.abs(xy - xy.mean(axis=0)).max() or 1.0
    xy = (xy - xy.mean(axis=0)) / span
    return {str(n): (float(x), float(y)) for n, (x, y) in zip(g, xy, strict=True)}


def network_figure(kg: Any, size_by: Mapping[str, float] | None = None, seed: int = 7,
                   measure: str = "betweenness") -> Any:
    """The knowledge graph with nodes coloured by layer and sized by a measure.

    Parameters
    ----------
    kg : KnowledgeGraph
        The graph to draw.
    size_by : mapping, optional
        Node id -> value of the measure that sizes the nodes (equal sizes when omitted).
    seed : int
        Seed of the spring layout (:func:`network_positions`).
    measure : str
        Name of the sizing measure, for the hover text.
    """
    import plotly.graph_objects as go

    pos = network_positions(kg, seed)
    ex: list[float | None] = []
    ey: list[float | None] = []
    for t in kg.ties():
        if t.from_ in pos and t.to in pos:
            ex += [pos[t.from_][0], pos[t.to][0], None]
            ey += [pos[t.from_][1], pos[t.to][1], None]
    fig = go.Figure(go.Scatter(x=ex, y=ey, mode="lines", hoverinfo="skip",
                               line={"color": "#bbb", "width": 0.6}, showlegend=False))
    size_by = dict(size_by or {})
    top = max(size_by.values(), default=0.0) or 1.0
    by_layer: dict[str, list[Any]] = {}
    for n in kg.nodes():
        by_layer.setdefault(str(kg.node_layer(n.id)), []).append(n)
    for layer, nodes in by_layer.items():
        text = [f"{n.name} ({n.type})" + (f"<br>{measure} {size_by[n.id]:.3g}"
                                          if n.id in size_by else "") for n in nodes]
        fig.add_trace(go.Scatter(
            x=[pos[n.id][0] for n in nodes], y=[pos[n.id][1] for n in nodes],
            mode="markers", name=layer, text=text, hoverinfo="text",
            marker={"size": [8 + 22 * (max(size_by.get(n.id, 0.0), 0.0) / top) ** 0.5
                             for n in nodes],
                    "color": LAYER_COLOURS.get(layer, "#555"),
                    "line": {"width": 0.5, "color": "#fff"}}))
    fig.update_layout(template="plotly_white", height=600, showlegend=True,
                      xaxis={"visible": False}, yaxis={"visible": False},
                      margin={"l": 10, "r": 10, "t": 30, "b": 10},
                      legend={"title": {"text": "layer"}})
    return fig


def _mid(first: str, last: str) -> dt.date:
    a, b = dt.date.fromisoformat(str(first)[:10]), dt.date.fromisoformat(str(last)[:10])
    return a + (b - a) / 2


def calibration_fit_figure(calibration: Mapping[str, Any]) -> Any:
    """Observed counts per interval against the 90% posterior predictive interval.

    Parameters
    ----------
    calibration : mapping
        A calibration record (``predictive``: rows with ``first_day, last_day, observed,
        median, low, high, inside``). Each interval is drawn at its middle day; observed
        counts outside their predictive interval are drawn as red crosses.
    """
    import plotly.graph_objects as go

    rows = list(calibration.get("predictive") or [])
    x = [_mid(r["first_day"], r["last_day"]) for r in rows]
    med = np.array([float(r["median"]) for r in rows])
    lo = np.array([float(r["low"]) for r in rows])
    hi = np.array([float(r["high"]) for r in rows])
    labels = [f"{r['first_day']} .. {r['last_day']}" for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=x, y=med, mode="markers", name="posterior predictive median (90% interval)",
        marker={"color": "#2471a3", "size": 8, "symbol": "line-ew-open"},
        error_y={"type": "data", "symmetric": False, "array": hi - med, "arrayminus": med - lo,
                 "color": "rgba(36,113,163,0.6)", "thickness": 6, "width": 0},
        text=labels, hovertemplate="%{text}<br>median %{y:.3g}<extra></extra>"))
    inside = [bool(r.get("inside", r["low"] <= r["observed"] <= r["high"])) for r in rows]
    for flag, name, colour, symbol in ((True, "observed (inside)", "#1e8449", "circle"),
                                       (False, "observed (outside)", "#c0392b", "x")):
        idx = [i for i, f in enumerate(inside) if f is flag]
        if idx:
            fig.add_trace(go.Scatter(
                x=[x[i] for i in idx], y=[rows[i]["observed"] for i in idx], mode="markers",
                name=name, marker={"color": colour, "size": 9, "symbol": symbol},
                text=[labels[i] for i in idx],
                hovertemplate="%{text}<br>observed %{y}<extra></extra>"))
    cov = calibration.get("coverage")
    title = "Observed attacks against the posterior predictive"
    if cov is not None:
        title += f" ({float(cov):.0%} of intervals inside)"
    fig.update_layout(title=title, yaxis_title="attacks in the interval",
                      template="plotly_white", height=420, margin=_MARGIN,
                      legend={"orientation": "h", "y": -0.15})
    return fig


def forecast_figure(calibration: Mapping[str, Any]) -> Any:
    """The weekly forecast: median, mean and 90% predictive band, after the observed weeks.

    Parameters
    ----------
    calibration : mapping
        A calibration record with ``forecast.weekly`` rows (``week, date, mean, median,
        low, high``) and, optionally, ``observed`` intervals (shown as weekly rates).
    """
    import plotly.graph_objects as go

    fc = calibration.get("forecast") or {}
    rows = list(fc.get("weekly") or [])
    x = [str(r["date"])[:10] for r in rows]
    fig = go.Figure()
    obs = list(calibration.get("observed") or [])
    if obs:
        ox: list[str | None] = []
        oy: list[float | None] = []
        for r in obs:
            days = float(r.get("days") or 0) or max(1.0, (dt.date.fromisoformat(
                str(r["last_day"])[:10]) - dt.date.fromisoformat(str(r["first_day"])[:10])
            ).days + 1.0)
            rate = 7.0 * float(r["attacks"]) / days
            ox += [str(r["first_day"])[:10], str(r["last_day"])[:10], None]
            oy += [rate, rate, None]
        fig.add_trace(go.Scatter(x=ox, y=oy, mode="lines", name="observed (weekly rate)",
                                 line={"color": "#1e8449", "width": 3}))
    if rows:
        lo = [float(r["low"]) for r in rows]
        hi = [float(r["high"]) for r in rows]
        fig.add_trace(go.Scatter(x=x + x[::-1], y=hi + lo[::-1], fill="toself",
                                 mode="lines",
                                 fillcolor=_rgba("#2471a3", 0.18), line={"width": 0},
                                 hoverinfo="skip", name="90% predictive band"))
        fig.add_trace(go.Scatter(x=x, y=[float(r["median"]) for r in rows], mode="lines",
                                 name="forecast median", line={"color": "#2471a3", "width": 2}))
        fig.add_trace(go.Scatter(x=x, y=[float(r["mean"]) for r in rows], mode="lines",
                                 name="forecast mean",
                                 line={"color": "#2471a3", "width": 1, "dash": "dot"}))
    title = "Forecast of attacks per week"
    if fc.get("p_lull") is not None:
        title += f" (probability of a lull: {float(fc['p_lull']):.0%})"
    fig.update_layout(title=title, yaxis_title="attacks per week", template="plotly_white",
                      height=420, margin=_MARGIN, legend={"orientation": "h", "y": -0.15})
    return fig


# -- forecast skill (issue 13): the rolling-origin backtest -----------------------------------
def skill_figure(backtest: Mapping[str, Any]) -> Any:
    """Mean CRPS by horizon for the model and each baseline (lower is better).

    Parameters
    ----------
    backtest : mapping
        A backtest record (:func:`armednet.validation.backtest.backtest`): ``by_horizon``
        rows with ``horizon, forecaster, crps, n``.
    """
    import plotly.graph_objects as go

    rows = list(backtest.get("by_horizon") or [])
    names = list(dict.fromkeys(str(r["forecaster"]) for r in rows))
    fig = go.Figure()
    for k, name in enumerate(names):
        mine = [r for r in rows if str(r["forecaster"]) == name]
        colour = "#2471a3" if name == "model" else POLICY_COLOURS[(k + 2) % len(POLICY_COLOURS)]
        fig.add_trace(go.Bar(
            x=[f"{int(r['horizon'])} week(s)" for r in mine], y=[float(r["crps"]) for r in mine],
            name=name, marker_color=colour, customdata=[int(r["n"]) for r in mine],
            hovertemplate=f"{name}<br>mean CRPS %{{y:.3g}} over %{{customdata}} interval(s)"
                          "<extra></extra>"))
    fig.update_layout(title="Rolling-origin backtest: mean CRPS by horizon (lower is better)",
                      yaxis_title="mean CRPS (attacks)", xaxis_title="horizon",
                      barmode="group", template="plotly_white", height=400, margin=_MARGIN,
                      legend={"orientation": "h", "y": -0.2})
    return fig


# -- several theatres (issue 16) ----------------------------------------------------------
def theatre_effects_figure(rows: Sequence[Mapping[str, Any]], outcome: str = "attacks",
                           baseline: str = "status-quo", cols: int = 2) -> Any:
    """Small multiples: per theatre, each policy's paired effect on ``outcome``.

    Parameters
    ----------
    rows : sequence of mapping
        Rows of a theatre comparison
        (:attr:`armednet.experiments.theatres.TheatreComparison.table`): ``scenario,
        policy, outcome, effect, effect_low, effect_high``.
    outcome : str
        The outcome shown.
    baseline : str
        The policy the effects are paired against (left out: its effect is 0).
    cols : int
        Panels per row.

    Returns
    -------
    plotly.graph_objects.Figure
        One panel per theatre (titled with its id), every panel on the same x axis (the
        effect) with the policies in the same order on the y axis: per policy a marker at
        the median paired effect and a bar over its 5% to 95% range (one trace per theatre,
        named after it); a dotted line at 0.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    mine = [r for r in rows if r.get("outcome") == outcome and r.get("policy") != baseline]
    theatres = list(dict.fromkeys(str(r["scenario"]) for r in mine)) or ["(none)"]
    policies = list(dict.fromkeys(str(r["policy"]) for r in mine))
    cols = max(1, min(cols, len(theatres)))
    nrows = -(-len(theatres) // cols)
    fig = make_subplots(rows=nrows, cols=cols, shared_xaxes="all", shared_yaxes="all",
                        subplot_titles=theatres, horizontal_spacing=0.04,
                        vertical_spacing=min(0.15, 0.5 / nrows))

    def num(v: Any) -> float:
        return float(v) if v is not None else float("nan")

    for i, sc in enumerate(theatres):
        here = {str(r["policy"]): r for r in mine if str(r["scenario"]) == sc}
        ys = [p for p in policies if p in here]
        med = np.array([num(here[p]["effect"]) for p in ys])
        lo = np.array([num(here[p]["effect_low"]) for p in ys])
        hi = np.array([num(here[p]["effect_high"]) for p in ys])
        fig.add_trace(go.Scatter(
            x=med.tolist(), y=ys, mode="markers", name=sc, showlegend=False,
            marker={"color": POLICY_COLOURS[(i + 1) % len(POLICY_COLOURS)], "size": 9},
            error_x={"type": "data", "symmetric": False, "array": (hi - med).tolist(),
                     "arrayminus": (med - lo).tolist(), "thickness": 2, "width": 4},
            customdata=np.c_[lo, hi].tolist(),
            hovertemplate=f"{sc}<br>%{{y}}: %{{x:.3g}} [%{{customdata[0]:.3g}}, "
                          "%{customdata[1]:.3g}]<extra></extra>"),
            row=i // cols + 1, col=i % cols + 1)
    fig.add_vline(x=0, line={"color": "#999", "dash": "dot", "width": 1})
    fig.update_yaxes(categoryorder="array", categoryarray=policies[::-1], type="category")
    fig.update_xaxes(title_text=f"paired effect on {outcome} (policy minus {baseline})",
                     row=nrows)
    fig.update_layout(title=f"Effect of each policy on {outcome}, by theatre (median, 90% "
                            "range over worlds)", template="plotly_white",
                      height=110 + max(240, 34 * len(policies)) * nrows, margin=_MARGIN)
    return fig


def theatre_forecast_figure(forecast: Mapping[str, Any], cutoff: str | None = None,
                            title: str = "Forecast of attacks per week") -> Any:
    """A theatre's forecast fan: weekly median with 50% and 90% bands, the cut-off marked.

    Parameters
    ----------
    forecast : mapping
        ``weekly`` rows (``date, median, low, high, q25, q75``) and ``after`` (the last day
        of data), as stored in a joint calibration record's theatre block.
    cutoff : str, optional
        The cut-off day (default: ``forecast["after"]``), drawn as a dashed vertical line.
    title : str
        The figure's title.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces ``90% band``, ``50% band`` (filled) and ``median``; one line shape at the
        cut-off with its annotation.
    """
    import plotly.graph_objects as go

    rows = list(forecast.get("weekly") or [])
    x = [str(r["date"])[:10] for r in rows]
    fig = go.Figure()
    for lo, hi, alpha, name in (("low", "high", 0.15, "90% band"),
                                ("q25", "q75", 0.32, "50% band")):
        if rows and all(lo in r and hi in r for r in rows):
            top = [float(r[hi]) for r in rows]
            bottom = [float(r[lo]) for r in rows]
            fig.add_trace(go.Scatter(x=x + x[::-1], y=top + bottom[::-1], fill="toself",
                                     mode="lines", fillcolor=_rgba("#2471a3", alpha),
                                     line={"width": 0}, hoverinfo="skip", name=name))
    fig.add_trace(go.Scatter(x=x, y=[float(r["median"]) for r in rows], mode="lines",
                             name="median", line={"color": "#2471a3", "width": 2}))
    cut = str(cutoff or forecast.get("after") or "")[:10]
    if cut:
        fig.add_shape(type="line", x0=cut, x1=cut, yref="paper", y0=0, y1=1,
                      line={"color": "#c0392b", "dash": "dash", "width": 1.5})
        fig.add_annotation(x=cut, yref="paper", y=1.0, yanchor="bottom", showarrow=False,
                           text=f"cut-off {cut}", font={"color": "#c0392b", "size": 11})
    fig.update_layout(title=title, yaxis_title="attacks per week", template="plotly_white",
                      height=360, margin={**_MARGIN, "t": 70},
                      legend={"orientation": "h", "y": -0.18})
    if cut and x:  # a little room before the cut-off, so its line stands clear of the axis
        first = min(dt.date.fromisoformat(cut), dt.date.fromisoformat(x[0]))
        fig.update_xaxes(range=[(first - dt.timedelta(days=14)).isoformat(), x[-1]])
    fig.update_xaxes(type="date")
    return fig
