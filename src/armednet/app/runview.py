"""The network as a simulation run changed it: groups that ended, splinters that formed.

:func:`run_ensemble` simulates a small ensemble of a preset over the scenario's window
(:func:`armednet.sim.engine.simulate` with weekly ``military`` and ``power`` per group);
:func:`run_changes` reads, for one run, when each scenario group ended and how (the engine's
``end_week_<id>`` and ``end_kind_<id>``: 1 collapse, 2 merger, 3 demobilisation) and when
each splinter faction formed (the first week its slot ``<id>~splinter`` holds fighters or
power); :func:`run_elements` draws the snapshot of that week's date with ended groups
greyed out and the splinters formed so far beside their parents.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph
    from armednet.sim.engine import SimulationResult

__all__ = [
    "END_KINDS",
    "RunChange",
    "layout",
    "register",
    "run_changes",
    "run_elements",
    "run_ensemble",
]

END_KINDS = {1: "collapse", 2: "merger", 3: "demobilisation"}
"""How a group ended (the engine's ``end_kind_<group>`` codes)."""
MAX_RUNS = 200
"""Largest ensemble the view simulates (it is for looking at single runs)."""
_SPLINTER = "~splinter"
_CACHE: OrderedDict[tuple[Any, ...], SimulationResult] = OrderedDict()
_LOCK = threading.Lock()


@dataclass(frozen=True)
class RunChange:
    """One change a run made to the network.

    Attributes
    ----------
    node : str
        The group's id (for a splinter: ``<parent>~splinter``).
    parent : str or None
        A splinter's parent group.
    kind : str
        ``collapse``, ``merger``, ``demobilisation`` (a group ended) or ``splinter`` (a
        splinter formed).
    week : int
        The week it happened (0 = the scenario's start).
    """

    node: str
    parent: str | None
    kind: str
    week: int


def run_ensemble(kg: KnowledgeGraph, policy: str = "status-quo", runs: int = 20,
                 seed: int = 1, weeks: int | None = None) -> SimulationResult:
    """Simulate a small ensemble for the view (cached: the last four are kept).

    Parameters
    ----------
    kg : KnowledgeGraph
    policy : str
        A preset (:data:`armednet.sim.policy.PRESETS`).
    runs : int
        1 to :data:`MAX_RUNS`.
    seed : int
    weeks : int, optional
        Default: the scenario's window (at least 26 weeks, 104 without an end).

    Raises
    ------
    InputError
        On a bad policy, runs or seed.
    """
    from armednet.analysis.period import scenario_window
    from armednet.errors import InputError
    from armednet.sim.engine import simulate

    if not 1 <= runs <= MAX_RUNS:
        raise InputError(f"runs: {runs} is not within 1..{MAX_RUNS}")
    if weeks is None:
        start, end = scenario_window(kg)
        weeks = max(26, (end - start).days // 7 + 1) if end else 104
    key = (kg.hash, policy, runs, seed, weeks)
    with _LOCK:
        hit = _CACHE.get(key)
    if hit is not None:
        return hit
    res = simulate(kg, policy, runs=runs, weeks=weeks, seed=seed, record=["military", "power"])
    with _LOCK:
        _CACHE[key] = res
        while len(_CACHE) > 4:
            _CACHE.popitem(last=False)
    return res


def run_changes(res: SimulationResult, run: int) -> list[RunChange]:
    """Groups that ended and splinters that formed in one run, by week.

    Parameters
    ----------
    res : SimulationResult
        With weekly ``military`` and ``power`` per group (:func:`run_ensemble`).
    run : int
        Position of the run in the ensemble (0-based).
    """
    assert res.weekly is not None
    row = res.summary.iloc[run]
    out = []
    for col in res.summary.columns:
        if col.startswith("end_kind_") and int(row[col]) in END_KINDS:
            gid = col.removeprefix("end_kind_")
            out.append(RunChange(gid, None, END_KINDS[int(row[col])],
                                 int(row[f"end_week_{gid}"])))
    groups = [str(g) for g in res.weekly["group"].values]
    alive = (np.asarray(res.weekly["military"].values[run]) > 0) | (
        np.asarray(res.weekly["power"].values[run]) > 0)  # (week, group)
    for j, gid in enumerate(groups):
        if gid.endswith(_SPLINTER) and alive[:, j].any():
            out.append(RunChange(gid, gid.removesuffix(_SPLINTER), "splinter",
                                 int(np.argmax(alive[:, j]))))
    return sorted(out, key=lambda c: (c.week, c.node))


def run_elements(kg: KnowledgeGraph, res: SimulationResult, run: int, week: int,
                 positions: dict[str, tuple[float, float]]) -> list[dict[str, Any]]:
    """Cytoscape elements of the network in ``run`` at ``week``.

    The snapshot of the week's date, armed groups sized by their fighters that week;
    groups that ended by then are greyed out (class ``ended``, their label says how and
    when); splinters formed by then are drawn beside their parent (class ``splinter``, with
    a dashed tie to it). Their labels are drawn first, then those of the largest groups.
    """
    from armednet.app.netstyle import set_label_zooms
    from armednet.app.network import elements

    assert res.weekly is not None
    day = np.datetime_as_string(res.weekly["date"].values[week], unit="D")
    snap = kg.snapshot(str(day))
    groups = [str(g) for g in res.weekly["group"].values]
    fighters = np.asarray(res.weekly["military"].values[run, week], dtype=float)
    size_by = {g: float(v) for g, v in zip(groups, fighters, strict=True)}
    els = elements(snap, positions, {g: v for g, v in size_by.items()
                                     if not g.endswith(_SPLINTER)})
    by_id = {e["data"]["id"]: e for e in els if "source" not in e["data"]}
    top = max(size_by.values(), default=0.0) or 1.0
    first = dict(size_by)
    for change in run_changes(res, run):
        if change.week > week:
            continue
        if change.kind != "splinter" and change.node in by_id:
            el = by_id[change.node]
            el["classes"] += " ended"
            el["data"]["label"] += f" ({change.kind}, week {change.week})"
            first[change.node] = 2 * top
        elif change.kind == "splinter" and change.parent in by_id:
            els += _splinter(by_id[change.parent], change, size_by[change.node] / top)
            first[change.node] = 3 * top
    nodes = [e for e in els if "source" not in e["data"]]
    set_label_zooms(nodes, first, [e for e in els if "source" in e["data"]])
    return els


def _splinter(parent: dict[str, Any], change: RunChange, share: float) -> list[dict[str, Any]]:
    node = {"data": {**parent["data"], "id": change.node,
                     "label": f"{parent['data']['label']} splinter (week {change.week})",
                     "size": round(12 + 30 * max(share, 0.0) ** 0.5, 1)},
            "classes": f"{parent['classes'].split()[0]} splinter"}
    if "position" in parent:
        node["position"] = {"x": parent["position"]["x"] + 45,
                            "y": parent["position"]["y"] + 45}
    tie = {"data": {"id": f"split::{change.node}", "source": change.node,
                    "target": parent["data"]["id"], "type": "split_from",
                    "layer": parent["data"]["layer"], "colour": "#111"},
           "classes": "splinter"}
    return [node, tie]


# -- Dash ---------------------------------------------------------------------------------
def layout(ctx: AppContext) -> Any:
    """The run panel: a preset, runs and seed, then a run and a week to look at.

    Its graph is drawn once the panel scrolls into view (``data-shown``, see
    :mod:`armednet.app.server`): a second graph drawn with the first page would slow it.
    """
    import dash_cytoscape as cyto
    from dash import dcc, html

    from armednet.app.layout import when_shown
    from armednet.app.netstyle import STYLESHEET, legend
    from armednet.sim.policy import PRESETS

    kg = ctx.scenarios.get(None)
    return html.Div(className="panel", id="run-panel", **when_shown("run-shown"), children=[
        html.H3("The network in a simulation run", style={"margin": "4px 0"}),
        html.P("Simulate a few runs of a policy over the scenario's window, then pick a run "
               "and a week: groups that ended by then are grey, splinter factions that formed "
               "are drawn beside their parent with a dashed tie.", className="muted"),
        html.Div(className="row", style={"alignItems": "flex-end", "gap": "10px"}, children=[
            html.Div([html.Label("Policy", className="head"), dcc.Dropdown(
                id="run-policy", options=list(PRESETS), value="decapitation",
                clearable=False)], style={"width": "200px"}),
            html.Div([html.Label("Runs", className="head"), dcc.Input(
                id="run-runs", type="number", min=1, max=MAX_RUNS, value=20, step=1,
                style={"width": "80px"})]),
            html.Div([html.Label("Seed", className="head"), dcc.Input(
                id="run-seed", type="number", min=0, value=1, step=1,
                style={"width": "80px"})]),
            html.Button("Simulate", id="run-go", n_clicks=0),
            html.Div([html.Label("Run", className="head"), dcc.Dropdown(
                id="run-pick", options=[], value=None, clearable=False,
                placeholder="simulate first")], style={"width": "300px"}),
        ]),
        dcc.Loading(html.Div(id="run-status", className="muted", style={"margin": "6px 0"})),
        html.Label("Week", className="head", id="run-week-label"),
        html.Div(style={"height": "44px"}, children=dcc.Slider(
            id="run-week", min=0, max=1, step=1, value=0, marks={}, updatemode="mouseup")),
        html.Div(className="row", children=[
            html.Div(className="col", style={"flex": 2}, children=html.Div(
                className="panel", style={"padding": 0}, children=cyto.Cytoscape(
                    id="run-graph", elements=[], stylesheet=STYLESHEET,
                    layout={"name": "preset", "fit": True, "padding": 20, "animate": False},
                    style={"width": "100%", "height": "520px"}, minZoom=0.2, maxZoom=4,
                    wheelSensitivity=1))),
            html.Div(className="col", style={"minWidth": "0"}, children=[
                html.Div(id="run-summary", children=html.P(
                    "Nothing simulated yet.", className="muted")),
                legend([str(x) for x in kg.layers()],
                       sorted({str(n.type) for n in kg.nodes()}), "run-legend",
                       extra=[("ended group", {"background": "#bbb", "borderRadius": "50%"}),
                              ("splinter", {"border": "2px dashed #111",
                                            "borderRadius": "50%"})]),
            ]),
        ]),
        dcc.Store(id="run-label-hook"), dcc.Store(id="run-key"), dcc.Store(id="run-shown"),
    ])


def _week_marks(res: SimulationResult) -> dict[int, str]:
    assert res.weekly is not None
    days = np.datetime_as_string(res.weekly["date"].values, unit="D")
    n = len(days)
    every = max(1, -(-n // 8))
    return {i: f"{str(days[i])[:7]}" for i in range(0, n, every)}


def _options(res: SimulationResult) -> tuple[list[dict[str, Any]], int]:
    """Run menu options (how many groups ended and splinters formed), and the run with the
    most changes."""
    out, counts = [], []
    for r in range(len(res.summary)):
        changes = run_changes(res, r)
        ended = sum(1 for c in changes if c.kind != "splinter")
        split = len(changes) - ended
        out.append({"label": f"run {r}: {ended} ended, {split} splinters", "value": r})
        counts.append(len(changes))
    return out, int(np.argmax(counts)) if counts else 0


def _summary(kg: KnowledgeGraph, res: SimulationResult, run: int, week: int) -> Any:
    from dash import html

    from armednet.app.layout import table

    assert res.weekly is not None
    days = np.datetime_as_string(res.weekly["date"].values, unit="D")
    names = {n.id: n.name for n in kg.nodes()}
    rows = [{"week": c.week, "date": str(days[c.week]),
             "group": names.get(c.parent or c.node, c.node) + (" splinter" if c.parent else ""),
             "change": "formed" if c.kind == "splinter" else f"ended ({c.kind})",
             "by now": "yes" if c.week <= week else ""}
            for c in run_changes(res, run)]
    return [html.H4(f"Run {run}, week {week} ({days[week]})"),
            table(rows, "run-changes", empty="nothing ended or split in this run")]


def register(app: Any, ctx: AppContext) -> None:
    """The run panel's callbacks."""
    import dash
    from dash import Input, Output, State

    from armednet.app.netstyle import label_hook
    from armednet.errors import InputError

    @app.callback(
        Output("run-pick", "options"), Output("run-pick", "value"),
        Output("run-week", "max"), Output("run-week", "marks"), Output("run-week", "value"),
        Output("run-status", "children"), Output("run-key", "data"),
        Input("run-go", "n_clicks"), State("run-policy", "value"), State("run-runs", "value"),
        State("run-seed", "value"), State("scenario", "value"), prevent_initial_call=True)
    def _simulate(_n: int, policy: str, runs: int | None, seed: int | None, key: str
                  ) -> tuple[Any, ...]:
        k, n, s = ctx.scenarios.key(key), int(runs or 0), int(seed or 0)
        spec = [k, policy, n, s]
        try:
            res = run_ensemble(ctx.scenarios.get(k), policy, n, s)
        except InputError as exc:
            return (dash.no_update,) * 5 + (f"error: {exc}", dash.no_update)
        options, busiest = _options(res)
        weeks = int(res.weekly["week"].size) if res.weekly is not None else 1
        return (options, busiest, weeks - 1, _week_marks(res), weeks - 1,
                f"{n} runs of {policy} (seed {s}) over {weeks} weeks; showing the "
                "run with the most changes at the last week.", spec)

    @app.callback(
        Output("run-pick", "options", allow_duplicate=True),
        Output("run-pick", "value", allow_duplicate=True),
        Output("run-status", "children", allow_duplicate=True),
        Output("run-key", "data", allow_duplicate=True),
        Input("scenario", "value"), prevent_initial_call=True)
    def _reset(_key: str) -> tuple[Any, ...]:
        return [], None, "Another scenario: simulate again.", None

    @app.callback(
        Output("run-graph", "elements"), Output("run-summary", "children"),
        Output("run-week-label", "children"),
        Input("run-pick", "value"), Input("run-week", "value"), Input("run-shown", "data"),
        State("run-key", "data"), State("scenario", "value"), prevent_initial_call=True)
    def _show(run: int | None, week: int | None, _shown: Any, spec: list[Any] | None,
              key: str) -> tuple[Any, ...]:
        from armednet.app.network import start_elements
        from armednet.report.figures import network_positions

        if run is None or not spec:
            # nothing simulated: the panel, just scrolled into view, shows the scenario as
            # the explorer first does (one callback, so a run shown later always wins)
            if dash.ctx.triggered_id == "run-shown":
                return (start_elements(ctx, ctx.scenarios.key(key)), dash.no_update,
                        dash.no_update)
            return dash.no_update, dash.no_update, dash.no_update
        k = ctx.scenarios.key(str(spec[0]))
        kg = ctx.scenarios.get(k)
        res = run_ensemble(kg, str(spec[1]), int(spec[2]), int(spec[3]))
        assert res.weekly is not None
        week = min(max(int(week or 0), 0), int(res.weekly["week"].size) - 1)
        positions = ctx.scenarios.cached(k, "positions", network_positions)
        day = np.datetime_as_string(res.weekly["date"].values[week], unit="D")
        return (run_elements(kg, res, int(run), week, positions),
                _summary(kg, res, int(run), week), f"Week {week} ({day})")

    label_hook(app, "run-graph", "run-label-hook")
