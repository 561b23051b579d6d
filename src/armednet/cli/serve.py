"""``armednet serve``: the dashboard, on this machine."""

from __future__ import annotations

from pathlib import Path

import typer

from armednet.cli._common import cli_errors

DEFAULT_DB = Path("armednet-out/demo.duckdb")
TOKEN_ENV = "ARMEDNET_DASHBOARD_TOKEN"


def _port(text: str) -> int:
    from armednet.errors import InputError

    try:
        port = int(text)
    except ValueError:
        raise InputError(f"--port: expected a number from 1 to 65535, got {text!r}") from None
    if not 1 <= port <= 65535:
        raise InputError(f"--port: expected a number from 1 to 65535, got {port}")
    return port


def _token(given: str | None, host: str) -> tuple[str | None, bool]:
    """The token to ask for, and whether it was generated here.

    Beyond loopback a token is required: without ``--token`` one is generated.
    """
    import secrets

    from armednet.app.access import is_loopback
    from armednet.errors import InputError

    if given is not None:
        token = given.strip()
        if len(token) < 16 or any(not c.isprintable() or c.isspace() for c in token):
            raise InputError("--token: expected at least 16 printable characters without "
                             "spaces (or leave it out to have one generated)")
        return token, False
    if is_loopback(host):
        return None, False
    return secrets.token_urlsafe(24), True


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
                             help="Interface to bind; the default serves this machine only. "
                             "Beyond it a token is required (generated unless --token)."),
    port: str = typer.Option("8050", "--port", metavar="PORT", help="Port (1-65535)."),
    token: str | None = typer.Option(
        None, "--token", envvar=TOKEN_ENV, show_envvar=True, metavar="SECRET",
        help="Ask every visitor for this secret (16+ characters); the environment variable "
        "keeps it out of the process list."),
    allow_host: list[str] | None = typer.Option(
        None, "--allow-host", metavar="NAME",
        help="Also answer to this host name (a DNS name of this machine, a proxy); repeat "
        "for several."),
    dev: bool = typer.Option(False, "--dev", help="Dash developer tools (no reloader)."),
) -> None:
    """Serve the dashboard on this machine (works offline).

    Network explorer, policy lab, experiments, events and calibration, scenario upload;
    every asset is served locally. Requests that name another host (DNS rebinding) are
    refused.
    """
    number = _port(port)
    secret, generated = _token(token, host)
    if db is None and DEFAULT_DB.is_file():
        db = DEFAULT_DB
    from armednet.app.access import is_loopback
    from armednet.app.server import create_app
    from armednet.app.server import serve as run
    from armednet.cli._common import err

    app = create_app(db=db, scenario=scenario, events=events)
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    url = f"http://{shown}:{number}/"

    def ready() -> None:
        if not is_loopback(host):
            err(f"warning: serving on {host}: anyone who can reach this address and has the "
                "token may use the dashboard (plain HTTP: the token crosses the network "
                "unencrypted; prefer an SSH tunnel to a loopback server)")
        if generated:
            err("warning: no --token given for a server beyond this machine: generated one; "
                "open the address below once in each browser")
        visit = f"{url}?token={secret}" if generated else url
        note = " (asks for the --token: add ?token=... once)" if secret and not generated \
            else ""
        print(f"armednet dashboard on {visit}" + note
              + (f" (results: {db})" if db else "") + "  Ctrl+C stops it.", flush=True)

    run(app, host=host, port=number, debug=dev, token=secret, allow_hosts=allow_host or (),
        ready=ready)
