"""``armednet report``: write the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from armednet.cli._common import cli_errors


@cli_errors
def report(
    db: Path | None = typer.Option(None, "--db", help="Results database (DuckDB file)."),
    experiment: str | None = typer.Option(None, "--experiment", "-e",
                                          help="Experiment id (default: the latest)."),
    scenario: str | None = typer.Option(None, "--scenario",
                                        help="Scenario (default: the experiment's)."),
    out: Path = typer.Option(Path("armednet-out/report.html"), "--output", "-o",
                             help="HTML file to write."),
) -> None:
    """Write one HTML file (works offline) with the scenario, comparison, claims and more."""
    from armednet.report.html import build_report

    path = build_report(out, db=db, experiment_id=experiment, scenario=scenario)
    print(f"report written to {path}")
