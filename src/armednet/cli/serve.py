"""``armednet serve``: the dashboard, on this machine."""

from __future__ import annotations

from pathlib import Path

import typer

from armednet.cli._common import cli_errors

DEFAULT_DB = Path("armednet-out/demo.duckdb")


def _port(text: str) -> int:
    from armednet.errors import InputError

    try:
        port = int(text)
    except ValueError:
        raise InputError(f"--port: expected a number from 1 to 65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise InputError(f"--port: expected a number from 1 to 65535, got {port}")
    return port


@cli_errors
def serve(
    db: Path | None = typer.Option(
        None, "--db", metavar="FILE",
        help="Results database to browse (experiments, calibration); default: "
        "armednet-out/demo.duckdb when it exists."),
    scenario: str | None = typer.Option(None, "--scenario", metavar="PATH|NAME",
                                        help="Scenario shown first (default: iraq-2024)."),
    events: Path | None = typer.Option(None, "--events", metavar="FILE",
                                       help="Events database for the observed weekly series."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to bind; the default serves this machine only."),
    port: str = typer.Option("8050", "--port", metavar="PORT", help="Port (1-65535)."),
    dev: bool = typer.Option(False, "--dev", help="Dash developer tools (no reloader)."),
) -> None:
    """Serve the dashboard on this machine (works offline).

    Network explorer, policy lab, experiments, events and calibration, scenario upload;
    every asset is served locally.
    """
    number = _port(port)
    if db is None and DEFAULT_DB.is_file():
        db = DEFAULT_DB
    from armednet.app.server import create_app
    from armednet.app.server import serve as run

    app = create_app(db=db, scenario=scenario, events=events)
    app.server.test_client().get("/")  # warm Dash up before the first visitor
    if host not in ("127.0.0.1", "localhost", "::1"):
        from armednet.cli._common import err

        err(f"warning: serving on {host}: other machines that can reach it may use the "
            "dashboard (no login)")
    shown = f"[{host}]" if ":" in host else host
    print(f"armednet dashboard on http://{shown}:{number}/"
          + (f" (results: {db})" if db else "") + "  Ctrl+C stops it.", flush=True)
    run(app, host=host, port=number, debug=dev)
