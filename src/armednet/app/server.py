"""Assemble the dashboard: :func:`create_app` builds the Dash app, :func:`serve` runs it.

Every asset (Dash, React, cytoscape.js, plotly.js, the style sheet) is served by the app
itself (``serve_locally=True``), so the dashboard works with no internet access and the
page makes no request beyond the server it came from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.app.state import AppContext

__all__ = ["MAX_REQUEST_BYTES", "TABS", "check_database", "create_app", "serve"]

MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""Largest request body the server reads (uploads are refused above 2 MB anyway)."""

TABS = (("network", "Network explorer"), ("lab", "Policy lab"),
        ("experiments", "Experiments"), ("events", "Events and calibration"),
        ("upload", "Scenario upload"))
"""The pages: tab value and label."""


# Cytoscape caches where its canvas sits on the page; when content above it changes height
# (components that load late, tables that fill in), clicks would land on the wrong node.
# Tell it to measure again whenever the page's size changes.
_REFRESH_GRAPH = """<script>
(function () {
    function refresh() {
        var c = document.getElementById("net-graph");
        var cy = c && c._cyreg && c._cyreg.cy;
        // a graph being replaced (a new scenario, another tab) may already be destroyed
        if (cy && !cy.destroyed() && cy.container()) { cy.resize(); }
    }
    if (window.ResizeObserver) { new ResizeObserver(refresh).observe(document.body); }
})();
</script>"""


def check_database(path: str | Path, what: str = "results") -> Path:
    """Check that ``path`` is a database the dashboard can read; return it as a Path.

    Parameters
    ----------
    path : str or Path
        The file.
    what : {"results", "events"}
        A results database (experiments, calibration) or an events database.

    Raises
    ------
    InputError
        If the file is missing or is not such a database.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such {what} database")
    if what == "events":
        from armednet.events.store import open_store as open_events

        open_events(p, read_only=True).close()
    else:
        from armednet.experiments.store import open_store

        with open_store(p, read_only=True):
            pass
    return p


def _title(kg: Any) -> str:
    s = kg.summary()
    return (f"{s['name']}: {s['nodes']} actors, {s['ties']} ties, {s['sources']} sources, "
            f"{s['events']} scheduled events; simulated from {s['start']}.")


def _page(ctx: AppContext) -> Any:
    from dash import dcc, html

    from armednet.app import events, experiments, lab, network, upload

    pages = {"network": network.layout, "lab": lab.layout, "experiments": experiments.layout,
             "events": events.layout, "upload": upload.layout}
    return html.Div(className="wrap", children=[
        html.Div(className="header", children=[
            html.H1("armednet"),
            html.Div(style={"flex": 1, "minWidth": "380px", "height": "40px"},
                     children=dcc.Dropdown(
                id="scenario", options=ctx.scenarios.options(),
                value=ctx.scenarios.default_key, clearable=False)),
        ]),
        html.Div(_title(ctx.scenarios.get(None)), id="scenario-title", className="muted",
                 style={"height": "20px", "overflow": "hidden"}),
        # Every page stays mounted and the tabs only show and hide them: the network graph
        # keeps its state, and no component is torn down while its own timers are pending
        # (dash-cytoscape's debounced handlers fail on a destroyed graph).
        dcc.Tabs(id="tabs", value="network",
                 children=[dcc.Tab(label=label, value=value) for value, label in TABS]),
        *[html.Div(pages[value](ctx), id=f"page-{value}", className="page",
                   style={} if value == "network" else {"display": "none"})
          for value, _ in TABS],
    ])


def create_app(db: str | Path | None = None, scenario: str | None = None,
               events: str | Path | None = None) -> Any:
    """Build the dashboard.

    Parameters
    ----------
    db : path, optional
        Results database: experiments and the calibration record.
    scenario : str, optional
        Scenario name or path shown first (default: the bundled ``iraq-2024``).
    events : path, optional
        Events database (``armednet events import``) for the observed weekly series.

    Returns
    -------
    dash.Dash
        The app; ``app.server`` is its Flask (WSGI) application.

    Raises
    ------
    InputError
        A missing or unreadable database or scenario.
    """
    import dash
    from dash import Input, Output

    from armednet.app import events as events_page
    from armednet.app import experiments, lab, network, upload
    from armednet.app.layout import CSS
    from armednet.app.state import AppContext, ScenarioRegistry
    from armednet.kb import KnowledgeGraph

    db_path = check_database(db) if db is not None else None
    events_path = check_database(events, "events") if events is not None else None
    ctx = AppContext(scenarios=ScenarioRegistry(KnowledgeGraph.load(scenario)), db=db_path,
                     events=events_path)
    app = dash.Dash(__name__, serve_locally=True, title="armednet", update_title="",
                    suppress_callback_exceptions=True, assets_ignore=".*",
                    include_assets_files=False)
    app.index_string = app.index_string.replace(
        "{%css%}", "{%css%}<style>" + CSS + "</style>").replace(
        "{%renderer%}", "{%renderer%}" + _REFRESH_GRAPH)
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.layout = lambda: _page(ctx)
    setattr(app, "armednet", ctx)  # noqa: B010 - the pages' shared state, for tests

    app.clientside_callback(
        """function (tab) {
            var pages = PAGES;
            var styles = pages.map(function (p) { return p === tab ? {} : {display: "none"}; });
            if (tab === "network") {
                // the graph was measured while hidden: measure again once it is shown
                setTimeout(function () {
                    var c = document.getElementById("net-graph");
                    var cy = c && c._cyreg && c._cyreg.cy;
                    if (cy && !cy.destroyed()) { cy.resize(); }
                }, 0);
            }
            return styles;
        }""".replace("PAGES", json.dumps([value for value, _ in TABS])),
        [Output(f"page-{value}", "style") for value, _ in TABS], Input("tabs", "value"))

    @app.callback(Output("scenario-title", "children"), Input("scenario", "value"),
                  prevent_initial_call=True)
    def _show_title(key: str) -> str:
        return _title(ctx.scenarios.get(key))

    network.warm(ctx)
    network.register(app, ctx)
    lab.register(app, ctx)
    experiments.register(app, ctx)
    events_page.register(app, ctx)
    upload.register(app, ctx)
    return app


def serve(app: Any, host: str = "127.0.0.1", port: int = 8050, debug: bool = False) -> None:
    """Run the app with the threaded development server of Werkzeug (blocks).

    Raises
    ------
    InputError
        If the address cannot be bound (port in use, unknown host).
    """
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise InputError(f"--host {host}: cannot resolve ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(addr)
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror}); choose "
                             "another --port") from None
    if debug:
        app.enable_dev_tools(debug=True, dev_tools_hot_reload=False,
                             dev_tools_disable_version_check=True)
    from werkzeug.serving import run_simple

    run_simple(host, port, app.server, threaded=True, use_reloader=False,
               use_debugger=False)
