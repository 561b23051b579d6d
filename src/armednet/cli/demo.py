"""``armednet demo``: the main job on the bundled default scenario."""

from __future__ import annotations

import typer

from armednet.cli._common import cli_errors


@cli_errors
def demo(
    scenario: str | None = typer.Argument(None, metavar="[PATH|NAME]",
                                          help="Scenario (default: iraq-2024)."),
    top: int = typer.Option(10, "--top", min=1, help="Rows in the key-actor table."),
) -> None:
    """Load the default scenario, print its summary and its key actors."""
    from armednet.cli.kb import print_summary
    from armednet.kb import KnowledgeGraph

    kg = KnowledgeGraph.load(scenario)
    print_summary(kg.summary())
