"""``armednet serve``: the dashboard, on this machine."""

from __future__ import annotations

from pathlib import Path

import typer

from armednet.cli._common import cli_errors


@cli_errors
def serve(
    db: Path | None = typer.Option(None, "--db", help="Results database to browse."),
    scenario: str | None = typer.Option(None, "--scenario", help="Scenario (default: bundled)."),
    host: str = typer.Option("127.0.0.1", "--host",
                             help="Interface to bind (default: this machine only)."),
    port: int = typer.Option(8050, "--port", min=1, max=65535, help="Port."),
    debug: bool = typer.Option(False, "--dev", help="Dash developer mode (reloader off)."),
) -> None:
    """Serve the dashboard: network explorer, policy lab, experiments, events, upload."""
    from armednet.errors import InputError

    if db is not None and not db.exists():
        raise InputError(f"{db}: no such results database")
    from armednet.app.server import create_app

    app = create_app(db=db, scenario=scenario)
    print(f"armednet dashboard on http://{host}:{port} (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=debug, use_reloader=False)
