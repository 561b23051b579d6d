"""Entry point of the ``armednet`` command."""

from __future__ import annotations

from typing import Any

import typer
import typer.core

from armednet.cli import events, experiment, kb
from armednet.cli._common import note_created_folder, setup_logging, state
from armednet.cli.analyze import analyze
from armednet.cli.calibrate import calibrate
from armednet.cli.demo import demo
from armednet.cli.forecast import forecast
from armednet.cli.report import report
from armednet.cli.score import score  # validation: score a forecast (issue 13)
from armednet.cli.serve import serve
from armednet.cli.simulate import SimulateCommand, simulate
from armednet.cli.theatres import compare_theatres  # issue 16: policies across theatres


def _show_flags_as_flags() -> None:
    """Help shows boolean flags as flags (``--json``), not ``--json <bool>``.

    typer's rich help prints a value type for every option, flags included; a flag takes
    no value, so its type column stays empty.
    """
    option = typer.core.TyperOption
    if getattr(option.display_type_rich, "_armednet_flags", False):
        return
    original = option.display_type_rich

    def display_type_rich(self: typer.core.TyperOption, ctx: Any) -> str | None:
        if self.is_flag and self.metavar is None:
            return None
        return original(self, ctx)

    display_type_rich._armednet_flags = True  # type: ignore[attr-defined]
    option.display_type_rich = display_type_rich  # type: ignore[method-assign]


_show_flags_as_flags()

app = typer.Typer(
    name="armednet",
    help="Map armed groups inside the networks of power that sustain them, and simulate "
    "what outside policies do to them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(kb.app, name="kb")
app.add_typer(experiment.app, name="experiment")
app.add_typer(events.app, name="events")
app.command("analyze")(analyze)
app.command("simulate", cls=SimulateCommand)(simulate)
app.command("calibrate")(calibrate)
app.command("report")(report)
app.command("score")(score)  # validation: score a forecast (issue 13)
app.command("forecast")(forecast)
app.command("serve")(serve)
app.command("demo")(demo)
app.command("compare-theatres")(compare_theatres)  # issue 16: policies across theatres


def _version(value: bool) -> None:
    if value:
        from armednet import __version__

        print(f"armednet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for errors."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only warnings and errors on "
                               "standard error: no progress, no notes."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug messages too (one "
                                 "line per committed chunk, for example)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    state.debug = debug
    if quiet and verbose:
        raise typer.BadParameter("give --quiet or --verbose, not both")
    setup_logging(quiet=quiet, verbose=verbose)
    from armednet.fileio import report_created_folders

    # outputs whose folder is missing get it created, and the user is told (exit codes and
    # error messages: armednet.cli._common)
    report_created_folders(note_created_folder)


def main() -> None:
    """Console-script entry point."""
    app()
