"""``armednet kb``: validate, summarise, export and describe scenarios."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from armednet.cli._common import cli_errors, echo_json, err
from armednet.errors import Issue

app = typer.Typer(help="Validate, summarise and export knowledge-graph scenarios.",
                  no_args_is_help=True)

SCENARIO_ARG = typer.Argument(
    None, metavar="[PATH|NAME]",
    help="A scenario file or directory, or a bundled scenario name (default: iraq-2024).",
)


@app.command("validate")
@cli_errors
def validate(scenario: str | None = SCENARIO_ARG,
             json_out: bool = typer.Option(False, "--json", help="Print JSON."),
             strict: bool = typer.Option(
                 False, "--strict", help="Exit with code 2 when there are warnings too.")
             ) -> None:
    """Check a scenario; print every problem as file:line: field: what was expected.

    Warnings (for example an armed group that does not state its campaign membership) go to
    standard error as ``warning: file:line: field: message``; the scenario is still valid
    unless --strict is given.
    """
    from armednet.kb import KnowledgeGraph
    from armednet.kb.loader import check_scenario

    sc, warnings = check_scenario(scenario)
    _print_warnings(warnings)
    summary = KnowledgeGraph(sc).summary()
    if json_out:
        echo_json({"valid": True, "nodes": summary["nodes"], "ties": summary["ties"],
                   "hash": summary["hash"], "warnings": [_issue_json(w) for w in warnings]})
    else:
        tail = f"; {len(warnings)} warning(s)" if warnings else ""
        print(f"{summary['scenario']}: valid ({summary['nodes']} nodes, {summary['ties']} ties, "
              f"{summary['sources']} sources){tail}")
    if strict and warnings:
        err(f"error: {len(warnings)} warning(s) with --strict")
        raise typer.Exit(2)


@app.command("show")
@cli_errors
def show(scenario: str | None = SCENARIO_ARG,
         at: str | None = typer.Option(None, "--at", help="Show the snapshot at a date."),
         json_out: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Counts by type and layer, share of sourced facts, date range (warnings on stderr)."""
    from armednet.kb import KnowledgeGraph
    from armednet.kb.loader import check_scenario

    sc, warnings = check_scenario(scenario)
    _print_warnings(warnings)
    kg = KnowledgeGraph(sc)
    if at is not None:
        kg = kg.snapshot(at)
    summary = kg.summary()
    if json_out:
        echo_json({**summary, "warnings": [_issue_json(w) for w in warnings]})
        return
    print_summary(summary)


def _print_warnings(warnings: list[Issue]) -> None:
    for issue in warnings:
        err(f"warning: {issue}")


def _issue_json(issue: Issue) -> dict[str, object]:
    return {"file": issue.file, "line": issue.line, "path": issue.path,
            "message": issue.message}


def print_summary(summary: dict[str, object]) -> None:
    """Render a :meth:`KnowledgeGraph.summary` as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]{summary['name']}[/bold] ({summary['scenario']}), starts "
                  f"{summary['start']}; hash {str(summary['hash'])[:12]}")
    dr = summary["date_range"]
    console.print(
        f"{summary['nodes']} nodes, {summary['ties']} ties, {summary['sources']} sources, "
        f"{summary['events']} scheduled events; sourced facts: "
        f"{float(summary['sourced_share']):.0%}"  # type: ignore[arg-type]
        + (f"; facts span {dr[0]} .. {dr[1]}" if dr else "")  # type: ignore[index]
    )
    for title, key in (("Nodes by type", "nodes_by_type"), ("Ties by type", "ties_by_type"),
                       ("Nodes by layer", "nodes_by_layer"), ("Ties by layer", "ties_by_layer")):
        table = Table(title=title, title_justify="left")
        table.add_column("name")
        table.add_column("count", justify="right")
        for name, count in summary[key].items():  # type: ignore[attr-defined]
            table.add_row(name, str(count))
        console.print(table)


@app.command("export")
@cli_errors
def export(
    scenario: str | None = SCENARIO_ARG,
    fmt: str = typer.Option("json", "--format", "-f", help="json, graphml, gexf or csv."),
    output: Path | None = typer.Option(
        None, "--output", "-o",
        help="Output file (a directory for csv). Default: <scenario>.<format> here."),
    at: str | None = typer.Option(None, "--at", help="Export the snapshot at a date."),
) -> None:
    """Export the graph (GraphML and GEXF open in Gephi; GEXF carries time spells).

    A missing output folder is created (and said so); an output of the wrong kind (a
    folder for a file, a file for the csv folder) exits with code 1 before any work.
    """
    from armednet.fileio import check_output_file, ensure_folder

    if output is not None and fmt == "csv" and output.exists():
        ensure_folder(output)
    elif output is not None and fmt != "csv":
        check_output_file(output)
    from armednet.kb import KnowledgeGraph
    from armednet.kb.export import export as do_export

    kg = KnowledgeGraph.load(scenario)
    if at is not None:
        kg = kg.snapshot(at)
    out = output or Path(f"{kg.name}{'' if fmt == 'csv' else '.' + fmt}")
    for path in do_export(kg, fmt, out):
        print(path)


@app.command("schema")
@cli_errors
def schema(output: Path | None = typer.Option(None, "--output", "-o",
                                              help="Write to a file instead of stdout.")) -> None:
    """Print the JSON Schema of one scenario authoring file."""
    from armednet.fileio import atomic_path
    from armednet.kb.schema import ScenarioDocument

    text = json.dumps(ScenarioDocument.model_json_schema(by_alias=True), indent=2) + "\n"
    if output is None:
        print(text, end="")
    else:
        with atomic_path(output) as tmp:
            tmp.write_text(text, encoding="utf-8")
        print(output)


@app.command("list")
@cli_errors
def list_bundled() -> None:
    """List the bundled scenarios."""
    from armednet.kb import bundled_scenarios

    for name, path in bundled_scenarios().items():
        print(f"{name}\t{path}")
