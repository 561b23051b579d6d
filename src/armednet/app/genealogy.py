"""Genealogy of the armed groups: splits, joinings, alliances and rivalries by date.

:func:`genealogy` lists the scenario's ``split_from``, ``allied_with`` and ``rival_of`` ties
and the joinings of umbrellas (``member_of`` or ``integrated_into`` an umbrella, the closest
the schema has to a merger) that involve an armed group or umbrella, with their dates;
:func:`genealogy_figure` draws them as a timeline (one row per pair and kind, a bar per
span, a diamond per split), with the scenario's window shaded.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph

__all__ = ["KINDS", "genealogy", "genealogy_figure", "layout", "register"]

KINDS = {"split": "#8e44ad", "joined umbrella": "#2471a3", "alliance": "#1e8449",
         "rivalry": "#c0392b"}
"""Kinds of relation shown, in the order drawn, with their colours."""

_GROUPS = ("armed_group", "umbrella")


def _kind(tie: Any, to_type: str) -> str | None:
    kind = {"split_from": "split", "allied_with": "alliance", "rival_of": "rivalry"}.get(
        str(tie.type))
    if kind is None and str(tie.type) in ("member_of", "integrated_into") and \
            to_type == "umbrella":
        kind = "joined umbrella"
    return kind


def genealogy(kg: KnowledgeGraph) -> list[dict[str, Any]]:
    """The genealogy ties of the armed groups, oldest first within each kind.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario (every date: genealogy is history).

    Returns
    -------
    list of dict
        ``kind`` (a key of :data:`KINDS`), ``source``, ``target`` (ids), ``source_name``,
        ``target_name``, ``start`` and ``end`` (as written: ``YYYY[-MM[-DD]]`` or None),
        ``first`` and ``last`` (``datetime.date`` or None: the first day of the start, the
        last day of the end), ``sources`` (ids). A tie counts when either end is an armed
        group or an umbrella.

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> rows = genealogy(KnowledgeGraph.load())
    >>> [(r["source"], r["target"], r["start"]) for r in rows if r["kind"] == "split"][0]
    ('asaib-ahl-al-haq', 'saraya-al-salam', '2006-07')
    """
    from armednet.kb.dates import earliest, latest

    order = list(KINDS)
    rows = []
    for t in kg.ties():
        a, b = kg.node(t.from_), kg.node(t.to)
        kind = _kind(t, str(b.type))
        if kind is None or not {str(a.type), str(b.type)} & set(_GROUPS):
            continue
        rows.append({"kind": kind, "source": a.id, "target": b.id, "source_name": a.name,
                     "target_name": b.name, "start": t.start, "end": t.end,
                     "first": earliest(t.start) if t.start else None,
                     "last": latest(t.end) if t.end else None, "sources": list(t.sources)})
    rows.sort(key=lambda r: (order.index(str(r["kind"])), r["first"] or dt.date.min, r["source"],
                             r["target"]))
    return rows


def _row_label(r: dict[str, Any]) -> str:
    verb = {"split": "split from", "joined umbrella": "joined", "alliance": "allied with",
            "rivalry": "rival of"}[r["kind"]]
    return f"{r['source_name']} {verb} {r['target_name']}"


def genealogy_figure(kg: KnowledgeGraph) -> go.Figure:
    """The genealogy as a timeline (see the module docstring).

    Spans without a start begin at the later founding date of their two ends (or the
    earliest date on record) and are drawn lighter; spans without an end run to the
    scenario's end. Hovering names the tie's dates as written and its sources.
    """
    import plotly.graph_objects as go

    from armednet.analysis.period import scenario_window
    from armednet.app.network import date_steps

    rows = genealogy(kg)
    w_start, w_end = scenario_window(kg)
    dates, _ = date_steps(kg, whole=True)
    record_first, last_day = dates[0], w_end or dates[-1]
    founded = {n.id: n.start for n in kg.nodes()}
    labels = list(dict.fromkeys(_row_label(r) for r in rows))
    fig = go.Figure()
    for kind, colour in KINDS.items():
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        points, bars = _traces(mine, kind, founded, record_first, last_day)
        if points["y"]:
            fig.add_trace(go.Scatter(**points, mode="markers", name=kind, legendgroup=kind,
                                     marker={"symbol": "diamond", "size": 11, "color": colour},
                                     hovertemplate="%{customdata}<extra></extra>"))
        opacity = bars.pop("opacity")
        if bars["y"]:
            fig.add_trace(go.Bar(**bars, orientation="h", name=kind, legendgroup=kind,
                                 marker={"color": colour, "opacity": opacity},
                                 showlegend=not points["y"],
                                 hovertemplate="%{customdata}<extra></extra>"))
    fig.add_vrect(x0=w_start.isoformat(), x1=(w_end or last_day).isoformat(),
                  fillcolor="#f4d03f", opacity=0.18, line_width=0,
                  annotation_text="scenario window", annotation_position="top left")
    fig.update_layout(
        template="plotly_white", height=max(260, 20 * len(labels) + 120), barmode="overlay",
        margin={"l": 10, "r": 10, "t": 60, "b": 30}, legend={"orientation": "h", "y": 0, "x": 1,
                                                            "xanchor": "right",
                                                            "yanchor": "top"},
        xaxis={"type": "date", "title": None, "side": "top", "showline": True,
               "mirror": "allticks", "ticks": "outside"},
        yaxis={"categoryorder": "array", "categoryarray": labels[::-1], "automargin": True,
               "tickfont": {"size": 12}})
    return fig


def _traces(rows: list[dict[str, Any]], kind: str, founded: dict[str, str | None],
            first: dt.date, last: dt.date) -> tuple[dict[str, Any], dict[str, Any]]:
    """Scatter points (splits) and bars (spans) of one kind, as plotly arguments."""
    from armednet.kb.dates import earliest

    points: dict[str, Any] = {"x": [], "y": [], "customdata": []}
    bars: dict[str, Any] = {"x": [], "base": [], "y": [], "customdata": [], "opacity": []}
    for r in rows:
        label = _row_label(r)
        text = (f"{label}<br>from {r['start'] or 'an unknown date'} to "
                f"{r['end'] or ('the present' if r['kind'] != 'split' else '-')}"
                f"<br>sources: {', '.join(r['sources'])}")
        if kind == "split":
            if r["first"] is not None:
                points["x"].append(r["first"].isoformat())
                points["y"].append(label)
                points["customdata"].append(text)
            continue
        starts = [earliest(s) for s in (founded.get(r["source"]), founded.get(r["target"])) if s]
        begin = r["first"] or max(starts, default=first)
        end = r["last"] or last
        end = max(end, begin + dt.timedelta(days=30))  # a short span stays visible
        bars["base"].append(begin.isoformat())
        bars["x"].append((end - begin).total_seconds() * 1000.0)
        bars["y"].append(label)
        bars["customdata"].append(text)
        bars["opacity"].append(0.9 if r["first"] is not None else 0.45)
    return points, bars


def layout(ctx: AppContext) -> Any:
    """The genealogy panel; its figure is drawn once the panel scrolls into view.

    The panel sits below the explorer: drawing it with the first page would fetch and parse
    plotly.js (4.8 MB) while the explorer is being drawn. The ``data-shown`` mark makes the
    page set ``gen-shown`` when the panel first appears on screen (see
    :mod:`armednet.app.server`), and :func:`register` draws the figure then.
    """
    from dash import dcc, html

    from armednet.app.layout import when_shown

    return html.Div(className="panel", id="gen-panel", **when_shown("gen-shown"),
                    children=[
        html.H3("Genealogy: splits, joinings, alliances and rivalries", style={"margin": "4px 0"}),
        html.P("Every dated tie of these kinds between armed groups and umbrellas, from the "
               "whole record (the shaded band is the scenario's window). Lighter bars: the "
               "start is not known. Click a kind in the legend to hide or show it.",
               className="muted"),
        dcc.Store(id="gen-shown"),
        html.Div(id="gen-body", style={"maxHeight": "620px", "overflowY": "auto"},
                 children=html.P("Drawn when scrolled to.", className="muted")),
    ])


def register(app: Any, ctx: AppContext) -> None:
    """Draw the genealogy when its panel is first shown; redraw it for another scenario."""
    from dash import Input, Output, State, dcc

    @app.callback(Output("gen-body", "children"), Input("gen-shown", "data"),
                  State("scenario", "value"), prevent_initial_call=True)
    def _shown(_shown: Any, key: str) -> Any:
        figure = ctx.scenarios.cached(ctx.scenarios.key(key), "genealogy", genealogy_figure)
        return dcc.Graph(id="gen-figure", figure=figure, config={"displaylogo": False})

    @app.callback(Output("gen-figure", "figure"), Input("scenario", "value"),
                  prevent_initial_call=True)
    def _scenario(key: str) -> Any:
        return ctx.scenarios.cached(ctx.scenarios.key(key), "genealogy", genealogy_figure)
