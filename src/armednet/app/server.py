"""Assemble the dashboard: :func:`create_app` builds the Dash app, :func:`serve` runs it.

Every asset (Dash, React, cytoscape.js, plotly.js, the style sheet) is served by the app
itself (``serve_locally=True``), so the dashboard works with no internet access and the
page makes no request beyond the server it came from.

Every response carries security headers (:func:`security_headers`: a Content-Security-Policy
that allows only the app's own scripts, no framing, no MIME sniffing, no referrer).
:func:`protect` (applied by :func:`serve`) adds the access checks of :mod:`armednet.app.access`
(Host and Origin against the bound address, against DNS rebinding; the optional token).
"""

from __future__ import annotations

import json
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.app.access import Access
    from armednet.app.state import AppContext

__all__ = ["MAX_REQUEST_BYTES", "TABS", "check_database", "content_security_policy",
           "create_app", "protect", "security_headers", "serve"]

MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""Largest request body the server reads (uploads are refused above 2 MB anyway)."""

TABS = (("network", "Network explorer"), ("lab", "Policy lab"),
        ("experiments", "Experiments"), ("events", "Events and calibration"),
        ("theatres", "Theatres"), ("upload", "Scenario upload"))
"""The pages: tab value and label."""


# Cytoscape caches where its canvas sits on the page; when content above it changes height
# (components that load late, tables that fill in), clicks would land on the wrong node.
# Tell it to measure again whenever the page's size changes.
_REFRESH_GRAPH = """
(function () {
    function refresh() {
        var c = document.getElementById("net-graph");
        var cy = c && c._cyreg && c._cyreg.cy;
        // a graph being replaced (a new scenario, another tab) may already be destroyed
        if (cy && !cy.destroyed() && cy.container()) { cy.resize(); }
    }
    if (window.ResizeObserver) { new ResizeObserver(refresh).observe(document.body); }
})();
"""


# Panels below the fold (the genealogy, the run view) are filled only once they scroll into
# view: their plotly.js (4.8 MB) and second graph would otherwise be fetched and parsed while
# the first page is being drawn. A panel marked ``data-shown="<store id>"`` sets that
# dcc.Store's ``data`` to true when it first appears on screen; a callback fills it then.
_WHEN_SHOWN = """
(function () {
    if (!window.IntersectionObserver || !window.MutationObserver) { return; }
    var watched = new WeakSet();
    var io = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
            var dc = window.dash_clientside;
            if (e.isIntersecting && dc && dc.set_props) {
                io.unobserve(e.target);
                dc.set_props(e.target.dataset.shown, {data: true});
            }
        });
    });
    function scan() {
        document.querySelectorAll("[data-shown]").forEach(function (el) {
            if (!watched.has(el)) { watched.add(el); io.observe(el); }
        });
    }
    new MutationObserver(scan).observe(document.body, {childList: true, subtree: true});
    scan();
})();
"""


_INLINE_SCRIPTS: list[str] = [_REFRESH_GRAPH, _WHEN_SHOWN]
"""Inline scripts the app adds to its page itself (their hashes go in the CSP)."""


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
    try:
        mode = p.stat().st_mode
    except OSError:
        raise InputError(f"{p}: no such {what} database") from None
    if not stat.S_ISREG(mode):
        kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
        raise InputError(f"{p}: is {kind}; expected a {what} database file")
    holder = _lock_holder(p)
    if holder is not None:
        raise InputError(
            f"{p}: another process holds it open for writing ({holder}; an experiment run or "
            "an import?). DuckDB lets no other process read a database while one writes it, "
            "so the dashboard cannot show it now: serve it once that process has ended, or "
            "serve a copy made before it started")
    if what == "events":
        from armednet.events.store import open_store as open_events

        open_events(p, read_only=True).close()
    else:
        from armednet.experiments.store import open_store

        with open_store(p, read_only=True):
            pass
    return p


def _lock_holder(path: Path) -> str | None:
    """Who holds ``path`` locked for writing (``"PID 123: python"``), or None if no one.

    DuckDB takes an exclusive lock on a file opened for writing; a read-only open by another
    process fails with "Could not set lock on file ... Conflicting lock is held in <program>
    (PID <n>)".
    """
    import re

    import duckdb

    try:
        duckdb.connect(str(path), read_only=True).close()
    except duckdb.Error as exc:
        text = str(exc)
        if "lock" not in text.lower():
            return None  # another problem: the store's own open names it
        m = re.search(r"held in (.+?) \(PID (\d+)\)", text)
        return f"PID {m.group(2)}: {Path(m.group(1)).name}" if m else "another process"
    return None


def _bundled(first: Any, given: str | None) -> list[Any]:
    """The bundled scenarios other than ``first`` (loaded from ``given``), for the scenario
    menu (about 0.2 s each to load, once, when the app is built)."""
    from armednet.kb import DEFAULT_SCENARIO, KnowledgeGraph, bundled_scenarios

    same = str(given or DEFAULT_SCENARIO)
    graphs = [KnowledgeGraph.load(name) for name in bundled_scenarios() if name != same]
    return [kg for kg in graphs if kg.hash != first.hash]


def _title(kg: Any) -> str:
    s = kg.summary()
    return (f"{s['name']}: {s['nodes']} actors, {s['ties']} ties, {s['sources']} sources, "
            f"{s['events']} scheduled events; simulated from {s['start']}.")


def _pages() -> dict[str, Callable[[AppContext], Any]]:
    """Tab value -> the function that builds that page's components."""
    from armednet.app import events, experiments, lab, network, theatres, upload

    return {"network": network.layout, "lab": lab.layout, "experiments": experiments.layout,
            "events": events.layout, "theatres": theatres.layout, "upload": upload.layout}


def _page(ctx: AppContext) -> Any:
    from dash import dcc, html

    network = _pages()["network"]
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
        # Every page stays mounted once built and the tabs only show and hide them: the
        # network graph keeps its state, and no component is torn down while its own timers
        # are pending (dash-cytoscape's debounced handlers fail on a destroyed graph). Only
        # the explorer is built with the page; the others are built on their first visit
        # (:func:`_register_pages`), so the first page neither carries nor draws them.
        dcc.Tabs(id="tabs", value="network",
                 children=[dcc.Tab(label=label, value=value) for value, label in TABS]),
        dcc.Store(id="pages-built", data=["network"]),
        html.Div(network(ctx), id="page-network", className="page"),
        *[html.Div(id=f"page-{value}", className="page", style={"display": "none"})
          for value, _ in TABS if value != "network"],
    ])


def _register_pages(app: Any, ctx: AppContext) -> None:
    """Build a page the first time its tab is chosen (it then stays mounted)."""
    import dash
    from dash import Input, Output, State

    lazy = [value for value, _ in TABS if value != "network"]
    pages = _pages()

    @app.callback(*[Output(f"page-{value}", "children") for value in lazy],
                  Output("pages-built", "data"), Input("tabs", "value"),
                  State("pages-built", "data"), prevent_initial_call=True)
    def _build(tab: str, built: list[str] | None) -> tuple[Any, ...]:
        done = list(built or [])
        if tab not in lazy or tab in done:
            raise dash.exceptions.PreventUpdate
        return (*[pages[tab](ctx) if value == tab else dash.no_update for value in lazy],
                [*done, tab])


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
    from armednet.app import experiments, lab, network, theatres, upload
    from armednet.app.layout import CSS
    from armednet.app.state import AppContext, ScenarioRegistry
    from armednet.kb import KnowledgeGraph

    db_path = check_database(db) if db is not None else None
    events_path = check_database(events, "events") if events is not None else None
    first = KnowledgeGraph.load(scenario)
    ctx = AppContext(scenarios=ScenarioRegistry(first, _bundled(first, scenario)), db=db_path,
                     events=events_path)
    app = dash.Dash(__name__, serve_locally=True, title="armednet", update_title="",
                    suppress_callback_exceptions=True, assets_ignore=".*",
                    include_assets_files=False)
    app.index_string = app.index_string.replace(
        "{%css%}", "{%css%}<style>" + CSS + "</style>").replace(
        "{%renderer%}", "{%renderer%}" + "".join(f"<script>{js}</script>"
                                                 for js in _INLINE_SCRIPTS))
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    from armednet.app.access import Guard

    app.server.wsgi_app = Guard(app.server.wsgi_app, lambda: security_headers(app))
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

    _register_pages(app, ctx)
    network.warm(ctx)
    from armednet.sim import kernels

    kernels.warm_up()  # the policy lab's first ensemble then finds the kernels loaded
    network.register(app, ctx)
    lab.register(app, ctx)
    experiments.register(app, ctx)
    events_page.register(app, ctx)
    theatres.register(app, ctx)
    upload.register(app, ctx)
    return app


def content_security_policy(app: Any, dev: bool = False) -> str:
    """The Content-Security-Policy of the dashboard's pages.

    Scripts come from the app itself or are the inline scripts the app writes (the Dash
    renderer, clientside callbacks, the graph-resize script), each allowed by its SHA-256
    hash; nothing is loaded from elsewhere, nothing may frame the page, forms and
    connections go to the app only. Styles may be inline (Dash components and plotly.js
    set them); images may be ``data:`` and ``blob:`` URLs (plot downloads, cytoscape).
    """
    import base64
    import hashlib

    own = [base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
           for script in _INLINE_SCRIPTS]
    script_src = ["'self'", *app.csp_hashes(), *(f"'sha256-{h}'" for h in own)]
    if dev:  # the developer bundles of Dash (webpack) evaluate strings as code
        script_src.append("'unsafe-eval'")
    directives = {
        "default-src": ["'self'"], "script-src": script_src,
        "style-src": ["'self'", "'unsafe-inline'"], "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"], "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"], "object-src": ["'none'"], "base-uri": ["'self'"],
        "form-action": ["'self'"], "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{k} {' '.join(v)}" for k, v in directives.items())


def security_headers(app: Any) -> list[tuple[str, str]]:
    """The headers every response of the dashboard carries.

    Returns
    -------
    list of (str, str)
        Content-Security-Policy (:func:`content_security_policy`), X-Content-Type-Options,
        X-Frame-Options, Referrer-Policy, Cross-Origin-Opener-Policy,
        Cross-Origin-Resource-Policy and Permissions-Policy.
    """
    cached = getattr(app, "_armednet_headers", None)
    if cached is None:
        dev = bool(getattr(getattr(app, "_dev_tools", None), "ui", False))
        cached = [
            ("Content-Security-Policy", content_security_policy(app, dev)),
            ("X-Content-Type-Options", "nosniff"),
            ("X-Frame-Options", "DENY"),
            ("Referrer-Policy", "no-referrer"),
            ("Cross-Origin-Opener-Policy", "same-origin"),
            ("Cross-Origin-Resource-Policy", "same-origin"),
            ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
        ]
        setattr(app, "_armednet_headers", cached)  # noqa: B010 - computed once all callbacks exist
    return list(cached)


def protect(app: Any, host: str, port: int, token: str | None = None,
            allow_hosts: Iterable[str] = ()) -> Access:
    """Make the app answer only requests meant for ``host:port`` (and carrying ``token``).

    Parameters
    ----------
    app : dash.Dash
        An app made by :func:`create_app`.
    host, port : str, int
        The address the server binds.
    token : str, optional
        A secret every request must carry (``?token=`` once, then a cookie; or an
        ``Authorization: Bearer`` header).
    allow_hosts : iterable of str
        More host names the dashboard answers to (a name in DNS for this machine, a proxy).

    Returns
    -------
    Access
        The rules applied (see :mod:`armednet.app.access`).
    """
    from armednet.app.access import Guard, access_rules

    rules = access_rules(host, port, token=token, allow_hosts=allow_hosts)
    guard = app.server.wsgi_app
    if not isinstance(guard, Guard):  # an app built elsewhere: guard it now
        guard = app.server.wsgi_app = Guard(guard, lambda: security_headers(app))
    guard.rules = rules
    return rules


def serve(app: Any, host: str = "127.0.0.1", port: int = 8050, debug: bool = False, *,
          token: str | None = None, allow_hosts: Iterable[str] = (),
          ready: Callable[[], None] | None = None) -> None:
    """Run the app with the threaded development server of Werkzeug (blocks).

    The address is checked first, then the app is protected (:func:`protect`), the
    developer tools are switched on if asked, and the app answers one request before the
    first visitor (Dash builds its page then).

    Parameters
    ----------
    app : dash.Dash
        An app made by :func:`create_app`.
    host, port : str, int
        Where to listen.
    debug : bool
        Dash's developer tools (error pop-ups, callback graph; no reloader).
    token, allow_hosts
        See :func:`protect`.
    ready : callable, optional
        Called once the app is ready, just before it starts listening (the CLI prints the
        address then).

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
    rules = protect(app, host, port, token=token, allow_hosts=allow_hosts)
    if debug:  # before any request: Flask refuses new hooks once it has served one
        app.enable_dev_tools(debug=True, dev_tools_hot_reload=False,
                             dev_tools_disable_version_check=True)
    warm = app.server.test_client()
    warm.get("/", base_url=f"http://{rules.example_host}",
             headers=[("Authorization", f"Bearer {token}")] if token else [])
    if ready is not None:
        ready()
    from werkzeug.serving import run_simple

    run_simple(host, port, app.server, threaded=True, use_reloader=False,
               use_debugger=False)
