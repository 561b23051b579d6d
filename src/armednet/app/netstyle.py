"""How the dashboard draws a network: cytoscape style, readable labels, legend, search.

Labels keep one size on screen (:data:`LABEL_PX` pixels, whatever the zoom) and are shown
only where they do not overlap: :func:`label_zooms` gives each node the zoom from which its
label is drawn, the most important nodes first (Gephi and sigma.js work the same way). At
the default zoom the main actors are named; zooming in names more of them; the selected
node is always named. A small script (:func:`label_hook`, a clientside callback, so the
page's Content-Security-Policy allows it by its hash) applies that on every zoom.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from armednet.report.figures import LAYER_COLOURS

__all__ = ["LABEL_PX", "LABEL_WIDTH_PX", "SHAPES", "STYLESHEET", "label_hook", "label_zooms",
           "legend", "search_hook", "set_label_zooms"]

LABEL_PX = 12
"""Label font size on screen, in pixels, at every zoom."""
LABEL_WIDTH_PX = 140
"""Longest label on screen, in pixels (longer names end in an ellipsis)."""
_CHAR_EM = 0.6  # width of an average character of a sans-serif font, in em (generous)
_NEVER = 1e6  # a label that would always cover another is drawn only when selected

SHAPES = {"armed_group": "ellipse", "umbrella": "round-octagon", "person": "round-rectangle",
          "party": "diamond", "state": "hexagon", "state_institution": "rectangle",
          "business": "triangle", "civil_society": "star", "foreign_force": "vee"}
"""Node shape by node type."""

# CSS polygons that draw the same shapes in the legend (no font or image needed)
_CSS_SHAPES = {
    "ellipse": {"borderRadius": "50%"},
    "round-rectangle": {"borderRadius": "3px"},
    "rectangle": {},
    "diamond": {"clipPath": "polygon(50% 0,100% 50%,50% 100%,0 50%)"},
    "hexagon": {"clipPath": "polygon(25% 0,75% 0,100% 50%,75% 100%,25% 100%,0 50%)"},
    "round-octagon": {"clipPath": "polygon(30% 0,70% 0,100% 30%,100% 70%,70% 100%,30% 100%,"
                                  "0 70%,0 30%)"},
    "triangle": {"clipPath": "polygon(50% 0,100% 100%,0 100%)"},
    "star": {"clipPath": "polygon(50% 0,61% 35%,98% 35%,68% 57%,79% 91%,50% 70%,21% 91%,"
                         "32% 57%,2% 35%,39% 35%)"},
    "vee": {"clipPath": "polygon(0 0,50% 40%,100% 0,50% 100%)"},
}

STYLESHEET: list[dict[str, Any]] = [
    {"selector": "node", "style": {
        "label": "data(label)", "font-size": LABEL_PX, "background-color": "data(colour)",
        "shape": "data(shape)", "width": "data(size)", "height": "data(size)",
        "text-valign": "bottom", "text-margin-y": 2, "color": "#222",
        "text-max-width": f"{LABEL_WIDTH_PX}px", "text-wrap": "ellipsis",
        "text-background-color": "#fff", "text-background-opacity": 0.75,
        "text-background-padding": "1px"}},
    {"selector": "edge", "style": {"width": 1, "line-color": "data(colour)", "opacity": 0.5,
                                   "curve-style": "bezier", "target-arrow-shape": "triangle",
                                   "target-arrow-color": "data(colour)", "arrow-scale": 0.6}},
    {"selector": "node.ended", "style": {"background-color": "#bbb", "opacity": 0.55,
                                         "color": "#888"}},
    {"selector": "node.splinter", "style": {"border-width": 2, "border-style": "dashed",
                                            "border-color": "#111"}},
    {"selector": "edge.splinter", "style": {"line-style": "dashed", "width": 2,
                                            "line-color": "#111", "opacity": 0.8}},
    {"selector": "node:selected", "style": {"border-width": 3, "border-color": "#111",
                                            "text-background-opacity": 1, "z-index": 999,
                                            "font-weight": "bold"}},
]
"""Cytoscape style: colour by layer, shape by node type, size by the chosen measure; ended
groups grey, splinters dashed. Label sizes are set on screen by :func:`label_hook`."""


def label_zooms(nodes: Sequence[Mapping[str, Any]], font_px: float = LABEL_PX,
                max_width_px: float = LABEL_WIDTH_PX) -> dict[str, float]:
    """The zoom from which each node's label is drawn, so that no two drawn labels overlap.

    Parameters
    ----------
    nodes : sequence of mapping
        In order of importance (most important first), each with ``id``, ``x``, ``y``
        (model coordinates), ``size`` (node diameter, model units) and ``label``.
    font_px, max_width_px : float
        Label font size and largest width on screen (labels keep their size on screen).

    Returns
    -------
    dict
        Node id -> zoom: the label is drawn at that zoom and above.

    Notes
    -----
    At zoom ``z`` a label of screen width ``w`` and height ``h`` covers ``w/z`` by ``h/z``
    model units just below its node, so two labels stop overlapping once ``z`` exceeds
    ``min((w_i + w_j) / (2 |dx|), h / |dy|)`` (``dy`` between the nodes' lower edges).
    Greedily, in order of importance, a label's zoom is the largest such threshold over the
    more important labels that would still be drawn below it. O(n^2) in numpy.

    Examples
    --------
    >>> nodes = [{"id": "a", "x": 0, "y": 0, "size": 10, "label": "Alpha"},
    ...          {"id": "b", "x": 30, "y": 0, "size": 10, "label": "Beta"}]
    >>> z = label_zooms(nodes)
    >>> z["a"], round(z["b"], 2)
    (0.0, 1.28)
    """
    n = len(nodes)
    if not n:
        return {}
    x = np.array([float(v["x"]) for v in nodes])
    y = np.array([float(v["y"]) + float(v["size"]) / 2 for v in nodes])
    # the text, its background's padding and a pixel or two of air
    w = np.minimum([len(str(v["label"])) * _CHAR_EM * font_px for v in nodes],
                   max_width_px) + 6
    h = font_px * 1.5 + 2
    zoom = np.zeros(n)
    for i in range(1, n):
        dx = np.abs(x[:i] - x[i])
        dy = np.abs(y[:i] - y[i])
        with np.errstate(divide="ignore"):
            sep = np.minimum(np.where(dx > 0, (w[:i] + w[i]) / 2 / dx, np.inf),
                             np.where(dy > 0, h / dy, np.inf))
        sep = np.minimum(sep, _NEVER)
        clash = zoom[:i] < sep  # the other label is drawn while they would overlap
        zoom[i] = float(sep[clash].max()) if clash.any() else 0.0
    return {str(v["id"]): round(float(z), 4) for v, z in zip(nodes, zoom, strict=True)}


def set_label_zooms(nodes: Sequence[dict[str, Any]], priority: Mapping[str, float],
                    edges: Sequence[Mapping[str, Any]] = ()) -> None:
    """Set data ``lz`` (:func:`label_zooms`) on cytoscape node elements.

    Parameters
    ----------
    nodes : sequence of dict
        Node elements (``data`` with ``id``, ``label``, ``size``; ``position``). Nodes
        without a position get 0 (always named).
    priority : mapping
        Node id -> importance (larger first); ties are broken by the number of edges, then
        by id.
    edges : sequence of mapping
        Edge elements (``data`` with ``source`` and ``target``).
    """
    from collections import Counter

    degree = Counter([e["data"]["source"] for e in edges] + [e["data"]["target"] for e in edges])
    placed = [el for el in nodes if "position" in el]
    order = sorted(placed, key=lambda el: (-priority.get(el["data"]["id"], 0.0),
                                           -degree[el["data"]["id"]], el["data"]["id"]))
    zooms = label_zooms([{"id": el["data"]["id"], "x": el["position"]["x"],
                          "y": el["position"]["y"], "size": el["data"]["size"],
                          "label": el["data"]["label"]} for el in order])
    for el in nodes:
        el["data"]["lz"] = zooms.get(el["data"]["id"], 0.0)


def legend(layers: Sequence[str], types: Sequence[str], element_id: str = "net-legend",
           extra: Sequence[tuple[str, dict[str, str]]] = ()) -> Any:
    """The legend: a coloured dot per layer and a shape per node type.

    Parameters
    ----------
    layers, types : sequence of str
        Layers and node types present.
    element_id : str
        The legend's id.
    extra : sequence of (label, css)
        More entries (e.g. ended groups, splinters) as a label and a CSS style for the mark.
    """
    from dash import html

    def item(label: str, style: dict[str, str], kind: str) -> Any:
        mark = {"display": "inline-block", "width": "12px", "height": "12px",
                "marginRight": "4px", "verticalAlign": "-1px", **style}
        return html.Span([html.Span(style=mark), label], className=f"legend-{kind}",
                         style={"marginRight": "12px", "whiteSpace": "nowrap"})

    layer_items = [item(x.replace("_", " "), {"background": LAYER_COLOURS.get(x, "#555"),
                                              "borderRadius": "50%"}, "layer") for x in layers]
    type_items = [item(t.replace("_", " "), {"background": "#666",
                                             **_CSS_SHAPES[SHAPES.get(t, "ellipse")]}, "type")
                  for t in types]
    rows = [html.Div([html.B("Layers (colour) ", style={"marginRight": "6px"}), *layer_items]),
            html.Div([html.B("Node types (shape) ", style={"marginRight": "6px"}),
                      *type_items])]
    if extra:
        rows.append(html.Div([item(label, css, "extra") for label, css in extra]))
    return html.Div(rows, id=element_id, className="muted legend",
                    style={"lineHeight": "20px", "fontSize": "12px"})


_LABEL_JS = """
function (elements) {
    var BASE = STYLESHEET_JSON;
    function install(tries) {
        var c = document.getElementById(GRAPH_ID);
        var cy = c && c._cyreg && c._cyreg.cy;
        if (!cy || cy.destroyed()) {
            if (tries < 100) { setTimeout(function () { install(tries + 1); }, 50); }
            return;
        }
        if (!cy.scratch("_armednetLabels")) {
            var pending = false;
            var update = function () {
                pending = false;
                if (cy.destroyed()) { return; }
                var z = cy.zoom();
                // labels keep their size on screen; those that would overlap wait for a
                // closer zoom (data lz, computed by armednet.app.netstyle.label_zooms)
                var rules = BASE.concat([
                    {selector: "node", style: {
                        "font-size": FONT_PX / z, "text-max-width": (WIDTH_PX / z) + "px",
                        "text-margin-y": 2 / z, "text-background-padding": (1 / z) + "px"}},
                    {selector: "node[lz > " + z.toFixed(6) + "]", style: {"label": ""}},
                    {selector: "node:selected", style: {"label": "data(label)"}}]);
                cy.style().fromJson(rules).update();
            };
            cy.on("zoom", function () {
                if (!pending) { pending = true; requestAnimationFrame(update); }
            });
            cy.scratch("_armednetLabels", update);
        }
        setTimeout(cy.scratch("_armednetLabels"), 0);
    }
    install(0);
    return window.dash_clientside.no_update;
}
"""

_SEARCH_JS = """
function (value) {
    var c = document.getElementById(GRAPH_ID);
    var cy = c && c._cyreg && c._cyreg.cy;
    if (!value || !cy || cy.destroyed()) { return window.dash_clientside.no_update; }
    var node = cy.getElementById(value);
    if (node.empty()) { return window.dash_clientside.no_update; }
    cy.nodes(":selected").unselect();
    node.select();
    var z = Math.max(cy.zoom(), 1.0), p = node.position();
    cy.viewport({zoom: z, pan: {x: cy.width() / 2 - p.x * z, y: cy.height() / 2 - p.y * z}});
    return value;
}
"""


def label_hook(app: Any, graph_id: str, store_id: str) -> None:
    """Keep the labels of cytoscape graph ``graph_id`` readable at every zoom.

    Registers a clientside callback on the graph's elements that installs a zoom handler
    once per graph; ``store_id`` is a ``dcc.Store`` it names as its (unused) output.
    """
    from dash import Input, Output

    code = (_LABEL_JS.replace("STYLESHEET_JSON", json.dumps(STYLESHEET))
            .replace("GRAPH_ID", json.dumps(graph_id)).replace("FONT_PX", str(LABEL_PX))
            .replace("WIDTH_PX", str(LABEL_WIDTH_PX)))
    app.clientside_callback(code, Output(store_id, "data"), Input(graph_id, "elements"))


def search_hook(app: Any, search_id: str, graph_id: str, store_id: str) -> None:
    """Select and centre the node chosen in the dropdown ``search_id`` on ``graph_id``
    (zooming in to at least 1 so that its neighbours are named); its id goes to
    ``store_id``."""
    from dash import Input, Output

    code = _SEARCH_JS.replace("GRAPH_ID", json.dumps(graph_id))
    app.clientside_callback(code, Output(store_id, "data"), Input(search_id, "value"))
