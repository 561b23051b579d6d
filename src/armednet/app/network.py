"""Network explorer: filter the knowledge graph by layer, type and date, find and inspect a
node, and remove nodes to see the immediate impact (:func:`armednet.analysis.what_if`).

The date slider spans the scenario's window (weekly steps) and opens on its first day; a
control widens it to the whole record (monthly steps). Labels stay readable (12 px on
screen, drawn only where they do not overlap; :mod:`armednet.app.netstyle`). Below the graph:
the genealogy of the armed groups (:mod:`armednet.app.genealogy`) and the network as a
simulation run changed it (:mod:`armednet.app.runview`).

The data functions (:func:`date_steps`, :func:`filtered_view`, :func:`elements`,
:func:`node_details`, :func:`impact`) take a :class:`~armednet.kb.KnowledgeGraph` and
return plain data; :func:`layout` and :func:`register` hold the Dash side.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from armednet.app.netstyle import SHAPES, STYLESHEET, set_label_zooms
from armednet.report.figures import LAYER_COLOURS

if TYPE_CHECKING:
    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph

__all__ = ["SIZE_MEASURES", "SPANS", "STYLESHEET", "View", "date_steps", "elements",
           "filtered_view", "impact", "layout", "node_details", "register", "size_measure",
           "slider_marks", "start_elements", "warm"]

SIZE_MEASURES = ("betweenness", "degree", "pagerank")
"""Measures that can size the nodes (computed on the view shown)."""

SPANS = {"window": "the scenario's window", "all": "the whole record"}
"""What the date slider spans: value -> label."""

_SCALE = 650.0  # layout coordinates in [-1, 1] -> pixels
_ASPECT = 1.4  # the graph panel is wider than tall: spread the layout sideways
_IMPACT_COLUMNS = {"command_reach": "reach", "state_capture": "capture",
                   "embeddedness_weight": "embed. weight", "embeddedness_share": "embed. share",
                   "state_ties": "state ties"}


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    days = [start + dt.timedelta(weeks=k) for k in range((end - start).days // 7 + 1)]
    return days if days[-1] == end else [*days, end]


def _months(first: dt.date, end: dt.date, start: dt.date) -> list[dt.date]:
    dates = []
    y, m = first.year, first.month
    while (y, m) <= (end.year, end.month):
        day = dt.date(y, m, 1)
        dates.append(start if (y, m) == (start.year, start.month) else day)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if end > dates[-1]:
        dates[-1] = end
    return dates


def date_steps(kg: KnowledgeGraph, whole: bool = False, max_years: int = 60
               ) -> tuple[list[dt.date], int]:
    """Snapshot dates for the slider, and the index of the scenario's start date.

    Parameters
    ----------
    kg : KnowledgeGraph
    whole : bool
        False (default): the scenario's window, week by week from its start to its end (a
        scenario without ``end``: to its latest dated fact or event, at least a year).
        True: the whole record, month by month from the earliest dated fact (at most
        ``max_years`` before the end) to the end.

    Returns
    -------
    dates : list of datetime.date
        Slider value ``i`` means ``dates[i]``; the scenario's start and end are steps.
    start_index : int
        The index of the scenario's start date (0 for the window).
    """
    from armednet.analysis.period import scenario_window
    from armednet.kb.dates import earliest, latest

    start, end = scenario_window(kg)
    facts = [*kg.scenario.nodes, *kg.scenario.ties]
    if end is None:
        lasts = [latest(f.end) for f in facts if f.end]
        lasts += [earliest(e.date) for e in kg.scenario.events]
        end = max([start + dt.timedelta(days=364), *lasts])
    if not whole:
        return _weeks(start, end), 0
    firsts = [earliest(f.start) for f in facts if f.start]
    first = max(min([start, *firsts]), dt.date(end.year - max_years, 1, 1))
    dates = _months(first, end, start)
    return dates, dates.index(start)


def slider_marks(dates: Sequence[dt.date], start_index: int) -> dict[int, str]:
    """Slider marks: the scenario's start, and about eight evenly spaced months (a span of
    up to three years) or years (a longer one)."""
    if (dates[-1] - dates[0]).days <= 3 * 366:
        firsts = [i for i, d in enumerate(dates)
                  if i == 0 or (d.year, d.month) != (dates[i - 1].year, dates[i - 1].month)]
        every = max(1, -(-len(firsts) // 8))
        marks = {i: f"{dates[i]:%Y-%m}" for k, i in enumerate(firsts) if k % every == 0}
    else:
        years = sorted({d.year for d in dates})
        every = max(1, -(-len(years) // 8))
        marks = {i: str(d.year) for i, d in enumerate(dates)
                 if d.month == 1 and (d.year - years[0]) % every == 0}
    gap = max(2, len(dates) // 12)
    marks = {i: v for i, v in marks.items() if abs(i - start_index) > gap}
    marks[start_index] = f"start {dates[start_index]:%Y-%m}"
    return marks


@dataclass(frozen=True)
class View:
    """What the explorer shows: the snapshot at a date with the filters applied.

    Attributes
    ----------
    at : datetime.date
        Snapshot date.
    snapshot : KnowledgeGraph
        The whole graph on that date (what-if measures use it).
    shown : KnowledgeGraph
        The snapshot without the filtered-out and removed nodes.
    """

    at: dt.date
    snapshot: KnowledgeGraph
    shown: KnowledgeGraph


def filtered_view(kg: KnowledgeGraph, at: dt.date | str, layers: Iterable[str] | None = None,
                  types: Iterable[str] | None = None, removed: Iterable[str] = ()) -> View:
    """The snapshot at ``at`` keeping only nodes of the given layers and types.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario.
    at : date or str
        Snapshot date.
    layers, types : iterable of str, optional
        Node layers and node types to keep (default: all).
    removed : iterable of str
        Node ids removed by the analyst (ignored when not in the snapshot).
    """
    snap = kg.snapshot(at)
    keep_layers = None if layers is None else set(layers)
    keep_types = None if types is None else set(types)
    gone = set(removed)
    drop = {n.id for n in snap.nodes()
            if n.id in gone
            or (keep_layers is not None and str(snap.node_layer(n.id)) not in keep_layers)
            or (keep_types is not None and str(n.type) not in keep_types)}
    shown = snap.without(drop) if drop else snap
    return View(at=snap.at or dt.date.fromisoformat(str(at)), snapshot=snap, shown=shown)


def size_measure(kg: KnowledgeGraph, measure: str = "betweenness") -> dict[str, float]:
    """Node id -> the measure that sizes the nodes (see :data:`SIZE_MEASURES`)."""
    from armednet import analysis as an

    if not kg.nodes():
        return {}
    if measure == "degree":
        values = an.degree(kg)
    elif measure == "pagerank":
        values = an.pagerank(kg)
    else:
        values = an.betweenness(kg)
    return {str(k): float(v) for k, v in values.items()}


def elements(kg: KnowledgeGraph, positions: Mapping[str, tuple[float, float]] | None = None,
             size_by: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """Cytoscape elements (nodes, then ties) of ``kg``.

    Parameters
    ----------
    kg : KnowledgeGraph
        The view to draw.
    positions : mapping, optional
        Node id -> (x, y) in [-1, 1] (see :func:`armednet.report.figures.network_positions`);
        nodes keep their place whatever the filters.
    size_by : mapping, optional
        Node id -> measure; node sizes grow with its square root.

    Returns
    -------
    list of dict
        Node data: ``id, label, type, layer, colour, shape, size`` and ``lz``, the zoom from
        which the label is drawn (:func:`~armednet.app.netstyle.label_zooms`: the nodes with
        the largest measure, then the most ties, are named first). Tie data: ``id, source,
        target, type, layer, colour``.
    """
    size_by = dict(size_by or {})
    top = max(size_by.values(), default=0.0) or 1.0
    nodes: list[dict[str, Any]] = []
    for n in kg.nodes():
        layer = str(kg.node_layer(n.id))
        value = max(size_by.get(n.id, 0.0), 0.0)
        el: dict[str, Any] = {
            "data": {"id": n.id, "label": n.name, "type": str(n.type), "layer": layer,
                     "colour": LAYER_COLOURS.get(layer, "#555"),
                     "shape": SHAPES.get(str(n.type), "ellipse"),
                     "size": round(12 + 30 * (value / top) ** 0.5, 1)},
            "classes": layer}
        if positions and n.id in positions:
            x, y = positions[n.id]
            el["position"] = {"x": round(x * _SCALE * _ASPECT, 1), "y": round(-y * _SCALE, 1)}
        nodes.append(el)
    edges = [{"data": {"id": f"tie::{t.key}", "source": t.from_, "target": t.to,
                       "type": str(t.type), "layer": str(kg.tie_layer(t)),
                       "colour": LAYER_COLOURS.get(str(kg.tie_layer(t)), "#999")}}
             for t in kg.ties()]
    set_label_zooms(nodes, size_by, edges)
    return nodes + edges


def node_details(kg: KnowledgeGraph, node_id: str) -> dict[str, Any]:
    """Attributes, ties and full sources of one node, for the side panel.

    Returns
    -------
    dict
        ``id, name, type, layer, attributes`` (flattened ``field: value`` pairs), ``ties``
        (direction, type, the other node's name, span, weight, sources) and ``sources``
        (``id`` and a citation ``text``, for the node's and its ties' sources).
    """
    node = kg.node(node_id)
    sources = {s.id: s for s in kg.scenario.sources}
    names = {n.id: n.name for n in kg.nodes()}
    attrs = node.model_dump(mode="json", by_alias=True, exclude_none=True,
                            exclude={"id", "name", "sources"})
    ties = []
    cited = list(node.sources)
    for t in kg.ties():
        if node_id in (t.from_, t.to):
            other = t.to if t.from_ == node_id else t.from_
            ties.append({"direction": "out" if t.from_ == node_id else "in",
                         "type": str(t.type), "other": names.get(other, other),
                         "span": f"{t.start or '…'} to {t.end or '…'}",
                         "weight": t.weight, "sources": ", ".join(t.sources)})
            cited += [s for s in t.sources if s not in cited]
    return {"id": node.id, "name": node.name, "type": str(node.type),
            "layer": str(kg.node_layer(node_id)), "attributes": _flatten(attrs), "ties": ties,
            "sources": [{"id": sid, "text": _cite(sources[sid])} for sid in cited
                        if sid in sources]}


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping):
            rows += _flatten(v, key + ".")
        elif isinstance(v, list):
            rows.append({"field": key, "value": ", ".join(str(x) for x in v)})
        else:
            rows.append({"field": key, "value": str(v)})
    return rows


def _cite(s: Any) -> str:
    parts = [getattr(s, k, None) for k in ("author", "title", "publisher", "date", "locator")]
    return ", ".join(str(p) for p in parts if p)


def impact(snapshot: KnowledgeGraph, removed: Sequence[str]
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Immediate impact of removing nodes from the snapshot (:func:`~armednet.analysis.what_if`).

    Returns
    -------
    network : list of dict
        One row per network measure: ``measure, before, after, delta``.
    groups : list of dict
        Armed groups whose measures change: ``group`` and the delta of each measure.
    """
    from armednet.analysis import what_if

    present = [r for r in removed if snapshot.has_node(r)]
    res = what_if(snapshot, remove=present)
    net = res.summary()
    network = [{"measure": str(m), "before": float(r["before"]), "after": float(r["after"]),
                "delta": float(r["delta"])} for m, r in net.iterrows()]
    delta = res.delta.drop(index="network").drop(columns=["fragmentation",
                                                          "largest_component"],
                                                 errors="ignore")
    names = {n.id: n.name for n in snapshot.nodes()}
    groups = []
    for gid, row in delta.iterrows():
        vals = {str(k): float(v) for k, v in row.items() if v == v}
        if any(abs(v) > 1e-12 for v in vals.values()):
            groups.append({"group": names.get(str(gid), str(gid)), **vals})
    return network, groups


# -- Dash ---------------------------------------------------------------------------------
def _steps(ctx: AppContext, key: str, span: str | None) -> tuple[list[dt.date], int]:
    if span == "all":
        return ctx.scenarios.cached(key, "dates-all", lambda kg: date_steps(kg, whole=True))
    return ctx.scenarios.cached(key, "dates", date_steps)


def _at(ctx: AppContext, key: str, span: str | None, idx: int | None) -> dt.date:
    dates, _ = _steps(ctx, key, span)
    return dates[min(max(int(idx or 0), 0), len(dates) - 1)]


def _window_note(kg: KnowledgeGraph, at: dt.date) -> str:
    from armednet.analysis.period import scenario_window

    start, end = scenario_window(kg)
    span = f"{start} to {end}" if end else f"from {start} on"
    inside = start <= at and (end is None or at <= end)
    return (f"inside the scenario's window ({span})" if inside else
            f"outside the scenario's window ({span}): the network then, not during the "
            "scenario")


def _initial(ctx: AppContext) -> dict[str, Any]:
    """Everything the page shows before any callback runs (the first page is ready at once)."""
    key = ctx.scenarios.default_key
    kg = ctx.scenarios.get(key)
    dates, start = _steps(ctx, key, "window")
    out = _render(ctx, key, None, None, "window", start, [], "betweenness")
    return {"dates": dates, "start": start, "layers": [str(x) for x in kg.layers()],
            "types": sorted({str(n.type) for n in kg.nodes()}), **out}


def _render(ctx: AppContext, key: str, layers: list[str] | None, types: list[str] | None,
            span: str | None, idx: int, removed: list[str], measure: str) -> dict[str, Any]:
    from armednet.report.figures import network_positions

    kg = ctx.scenarios.get(key)
    at = _at(ctx, key, span, idx)
    view = filtered_view(kg, at, layers, types, removed)
    positions = ctx.scenarios.cached(key, "positions", network_positions)
    els = elements(view.shown, positions, size_measure(view.shown, measure))
    n_nodes = len(view.shown.nodes())
    n_ties = len(view.shown.ties())
    return {"elements": els, "count": f"{n_nodes} actors and {n_ties} ties shown",
            "label": f"Snapshot on {at.isoformat()}", "note": _window_note(kg, at),
            "at": at.isoformat(),
            "options": sorted(({"label": n.name, "value": n.id}
                               for n in view.snapshot.nodes()), key=lambda o: o["label"]),
            "search": sorted(({"label": n.name, "value": n.id}
                              for n in view.shown.nodes()), key=lambda o: o["label"])}


def start_elements(ctx: AppContext, key: str) -> list[dict[str, Any]]:
    """Cytoscape elements of scenario ``key`` on its start date, unfiltered (the first view)."""
    _, start = _steps(ctx, key, "window")
    return list(_render(ctx, key, None, None, "window", start, [], "betweenness")["elements"])


def warm(ctx: AppContext) -> None:
    """Compute the first view once (layout, measures, imports), so the first page is quick."""
    _initial(ctx)


def _controls(init: dict[str, Any]) -> Any:
    from dash import dcc, html

    dates: list[dt.date] = init["dates"]
    return html.Div(className="panel", children=[
        html.Div(className="row", children=[
            html.Div(className="col", children=[
                html.Label("Layers", className="head"),
                dcc.Checklist(id="net-layers", options=init["layers"], value=init["layers"],
                              inline=True),
                html.Label("Node types", className="head"),
                dcc.Checklist(id="net-types", options=init["types"], value=init["types"],
                              inline=True),
            ]),
            html.Div(className="col", style={"maxWidth": "320px"}, children=[
                html.Label("Size nodes by", className="head"),
                dcc.RadioItems(id="net-size", options=list(SIZE_MEASURES), value="betweenness",
                               inline=True),
                html.Label("Find a node", className="head"),
                html.Div(style={"height": "36px"}, children=dcc.Dropdown(
                    id="net-search", options=init["search"], placeholder="Type a name",
                    clearable=True)),
            ]),
        ]),
        html.Div(className="row", style={"alignItems": "baseline", "gap": "12px"}, children=[
            html.Label(init["label"], id="net-date-label", className="head"),
            html.Span(init["note"], id="net-date-window", className="muted"),
            html.Div(style={"marginLeft": "auto"}, children=dcc.RadioItems(
                id="net-span", value="window", inline=True,
                options=[{"label": f"dates: {v}", "value": k} for k, v in SPANS.items()])),
        ]),
        # fixed heights: components that load late must not move the graph (cytoscape
        # caches where its canvas is on the page)
        html.Div(style={"height": "44px"}, children=dcc.Slider(
            id="net-date", min=0, max=len(dates) - 1, step=1, value=init["start"],
            marks=slider_marks(dates, init["start"]), allow_direct_input=False,
            updatemode="mouseup")),
    ])


def layout(ctx: AppContext) -> Any:
    """The network explorer's components."""
    import dash_cytoscape as cyto
    from dash import dcc, html

    from armednet.app import genealogy, runview
    from armednet.app.netstyle import legend

    init = _initial(ctx)
    return html.Div([
        _controls(init),
        html.Div(className="row", children=[
            html.Div(className="col", style={"flex": 2}, children=[
                html.Div(className="panel", style={"padding": 0}, children=cyto.Cytoscape(
                    id="net-graph", elements=init["elements"], stylesheet=STYLESHEET,
                    layout={"name": "preset", "fit": True, "padding": 20, "animate": False},
                    style={"width": "100%", "height": "640px"}, minZoom=0.2, maxZoom=4,
                    wheelSensitivity=1)),
                html.Div(init["count"], id="net-count", className="muted"),
                html.Div(legend(init["layers"], init["types"]), id="net-legend-box"),
            ]),
            html.Div(className="col", style={"minWidth": "0"}, children=[
                html.Div(className="panel", children=[
                    html.Label("Remove nodes (what-if)", className="head"),
                    html.Div(className="row", style={"gap": "6px"}, children=[
                        html.Button("Remove selected node", id="net-remove-selected",
                                    n_clicks=0, disabled=True),
                        html.Button("Restore all", id="net-restore", n_clicks=0,
                                    className="secondary"),
                    ]),
                    dcc.Dropdown(id="net-removed", multi=True, options=init["options"],
                                 value=[], placeholder="Nodes removed (choose or click one "
                                                       "in the graph)"),
                    html.Div(id="net-impact", style={"overflowX": "auto"}, children=html.P(
                        "Remove nodes to see the immediate impact on fragmentation, command "
                        "reach, state capture and embeddedness.", className="muted")),
                ]),
                dcc.Store(id="net-selected"), dcc.Store(id="net-at", data=init["at"]),
                dcc.Store(id="net-label-hook"), dcc.Store(id="net-search-hook"),
                html.Div(id="net-details", className="panel",
                         style={"maxHeight": "720px", "overflow": "auto"}, children=html.P(
                    "Click or find a node for its attributes, ties and sources.",
                    className="muted")),
            ]),
        ]),
        genealogy.layout(ctx),
        runview.layout(ctx),
    ])


def _details_children(d: dict[str, Any]) -> list[Any]:
    from dash import html

    from armednet.app.layout import table

    return [html.H3(d["name"], id="net-details-name", style={"margin": "4px 0"}),
            html.P(f"{d['type']} · {d['layer']} layer · id {d['id']}", className="muted"),
            html.H4("Attributes"), table(d["attributes"], "net-details-attributes"),
            html.H4(f"Ties ({len(d['ties'])})"),
            table(d["ties"], "net-details-ties", empty="no ties"),
            html.H4("Sources"),
            html.Ol([html.Li(s["text"], title=s["id"]) for s in d["sources"]],
                    id="net-details-sources")]


def _impact_children(at: dt.date, network: list[dict[str, Any]],
                     groups: list[dict[str, Any]]) -> list[Any]:
    from dash import html

    from armednet.app.layout import table

    short = [{_IMPACT_COLUMNS.get(k, k): v for k, v in g.items()} for g in groups]
    return [html.H4(f"Immediate impact on the network of {at.isoformat()}"),
            table(network, "net-impact-table"),
            html.H4("Armed groups affected (change)"),
            table(short, "net-impact-groups", empty="no armed group changes"),
            html.P("reach: units its leaders command; capture: share of the budget held; "
                   "embed.: weight and share of its ties to the state; state ties: their "
                   "number.", className="muted")]


def register(app: Any, ctx: AppContext) -> None:
    """The explorer's callbacks (and those of the genealogy and run views below it)."""
    import dash
    from dash import Input, Output, State

    from armednet.app import genealogy, runview
    from armednet.app.netstyle import label_hook, legend, search_hook

    @app.callback(
        Output("net-date", "max"), Output("net-date", "marks"), Output("net-date", "value"),
        Output("net-layers", "options"), Output("net-layers", "value"),
        Output("net-types", "options"), Output("net-types", "value"),
        Output("net-removed", "value", allow_duplicate=True),
        Output("net-span", "value"), Output("net-legend-box", "children"),
        Input("scenario", "value"), prevent_initial_call=True)
    def _scenario(key: str) -> tuple[Any, ...]:
        kg = ctx.scenarios.get(key)
        dates, start = _steps(ctx, ctx.scenarios.key(key), "window")
        layers = [str(x) for x in kg.layers()]
        types = sorted({str(n.type) for n in kg.nodes()})
        return (len(dates) - 1, slider_marks(dates, start), start, layers, layers, types, types,
                [], "window", legend(layers, types))

    @app.callback(
        Output("net-date", "max", allow_duplicate=True),
        Output("net-date", "marks", allow_duplicate=True),
        Output("net-date", "value", allow_duplicate=True),
        Input("net-span", "value"), State("net-at", "data"), State("scenario", "value"),
        prevent_initial_call=True)
    def _span(span: str, at: str | None, key: str) -> tuple[Any, ...]:
        dates, start = _steps(ctx, ctx.scenarios.key(key), span)
        day = dt.date.fromisoformat(at) if at else dates[start]
        near = min(range(len(dates)), key=lambda i: abs((dates[i] - day).days))
        return len(dates) - 1, slider_marks(dates, start), near

    @app.callback(
        Output("net-graph", "elements"), Output("net-count", "children"),
        Output("net-date-label", "children"), Output("net-date-window", "children"),
        Output("net-removed", "options"), Output("net-search", "options"),
        Output("net-at", "data"),
        Input("net-layers", "value"), Input("net-types", "value"), Input("net-date", "value"),
        Input("net-removed", "value"), Input("net-size", "value"),
        State("net-span", "value"), State("scenario", "value"), prevent_initial_call=True)
    def _filter(layers: list[str] | None, types: list[str] | None, idx: int,
                removed: list[str] | None, measure: str, span: str, key: str
                ) -> tuple[Any, ...]:
        out = _render(ctx, ctx.scenarios.key(key), layers or [], types or [], span, idx,
                      removed or [], measure)
        return (out["elements"], out["count"], out["label"], out["note"], out["options"],
                out["search"], out["at"])

    @app.callback(
        Output("net-details", "children"), Output("net-selected", "data"),
        Output("net-remove-selected", "disabled"),
        Input("net-graph", "tapNodeData"), Input("net-search", "value"),
        State("scenario", "value"), prevent_initial_call=True)
    def _details(data: dict[str, Any] | None, found: str | None, key: str) -> tuple[Any, ...]:
        kg = ctx.scenarios.get(key)
        node = found if dash.ctx.triggered_id == "net-search" else (data or {}).get("id")
        if not node or not kg.has_node(str(node)):
            return dash.no_update, None, True
        return _details_children(node_details(kg, str(node))), str(node), False

    @app.callback(
        Output("net-removed", "value", allow_duplicate=True),
        Input("net-remove-selected", "n_clicks"), Input("net-restore", "n_clicks"),
        State("net-selected", "data"), State("net-removed", "value"),
        prevent_initial_call=True)
    def _remove(_a: int, _b: int, selected: str | None, removed: list[str] | None) -> Any:
        if dash.ctx.triggered_id == "net-restore":
            return []
        if not selected:
            return dash.no_update
        current = list(removed or [])
        return current if selected in current else [*current, selected]

    @app.callback(
        Output("net-impact", "children"),
        Input("net-removed", "value"), Input("net-date", "value"),
        State("net-span", "value"), State("scenario", "value"), prevent_initial_call=True)
    def _impact(removed: list[str] | None, idx: int, span: str, key: str) -> Any:
        from dash import html

        if not removed:
            return html.P("Nothing removed.", className="muted")
        k = ctx.scenarios.key(key)
        at = _at(ctx, k, span, idx)
        network, groups = impact(ctx.scenarios.get(k).snapshot(at), removed)
        return _impact_children(at, network, groups)

    label_hook(app, "net-graph", "net-label-hook")
    search_hook(app, "net-search", "net-graph", "net-search-hook")
    genealogy.register(app, ctx)
    runview.register(app, ctx)
