"""``armednet report``: write the self-contained HTML report."""

from __future__ import annotations

from pathlib import Path

import typer

from armednet.cli._common import cli_errors


@cli_errors
def report(
    db: Path | None = typer.Option(
        None, "--db", metavar="FILE",
        help="Results database (DuckDB file of `armednet experiment run` or `armednet demo`); "
        "without one the report covers the scenario only."),
    experiment: str | None = typer.Option(None, "--experiment", "-e", metavar="ID",
                                          help="Experiment id (default: the latest)."),
    scenario: str | None = typer.Option(None, "--scenario", metavar="PATH|NAME",
                                        help="Scenario (default: the experiment's, else "
                                        "iraq-2024)."),
    out: Path = typer.Option(Path("armednet-out/report.html"), "--output", "-o",
                             metavar="FILE", help="HTML file to write."),
) -> None:
    """Write the HTML report of an experiment (one file that works offline).

    Scenario and network, key actors, policy comparison (fan charts, distributions), claims,
    PRIM boxes, Sobol indices, calibration and forecast when stored, and an appendix of
    parameters, sources, versions and seeds. A missing folder of the output is created
    (and said so); an output that is a folder, or cannot be written, exits with code 1.
    """
    from armednet.fileio import check_output_file

    check_output_file(out)  # before the work: a folder given as -o fails at once (exit 1)
    from armednet.report.html import build_report

    path = build_report(out, db=db, experiment_id=experiment, scenario=scenario)
    print(f"report written to {path}")
