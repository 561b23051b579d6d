"""``armednet demo``: the main job on the bundled default scenario.

Summarise the scenario and its key actors, run the built-in experiment (every policy
preset across the plausible ranges of the mechanisms' parameters), print the policy
comparison, the claims table and the sensitivity indices that lie above the noise floor,
run the network-uncertainty experiment (the same parameters and plausible networks of the
scenario, under the status quo) and print how much of each outcome's variance the network
carries and which ties matter, and write the HTML report. Running it again reuses the
stored experiments (they are resumed, not repeated).
"""

from __future__ import annotations

import time
from pathlib import Path

import typer

from armednet.cli._common import cli_errors


@cli_errors
def demo(
    scenario: str | None = typer.Argument(None, metavar="[PATH|NAME]",
                                          help="Scenario (default: iraq-2024)."),
    out: Path = typer.Option(Path("armednet-out"), "--out", "-o",
                             help="Folder for the results database and the report."),
    n: int = typer.Option(128, "--n", min=2, help="Saltelli base sample (a power of two): "
                          "n (d + 2) worlds, each run under every preset."),
    seed: int = typer.Option(2024, "--seed", min=0, help="Experiment seed."),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="Worker processes (default: all cores)."),
    top: int = typer.Option(5, "--top", min=1, help="Rows in the key-actor table."),
    variants: int = typer.Option(128, "--variants", min=0, help="Plausible networks in the "
                                 "network-uncertainty experiment (0 skips it)."),
) -> None:
    """Run the main job on a scenario (default: the bundled one).

    Scenario summary, key actors, every policy preset under uncertainty, the essay's claims,
    sensitivity above the noise floor, uncertainty about the network itself, and an HTML
    report.
    """
    from rich.console import Console

    from armednet.analysis import key_actor_report
    from armednet.cli.analyze import _print_report
    from armednet.cli.experiment import print_analysis, print_network, run_with_progress
    from armednet.errors import InputError
    from armednet.experiments.analyze import analyze_experiment
    from armednet.experiments.builtin import network_experiment, presets_experiment
    from armednet.experiments.store import open_store
    from armednet.kb import KnowledgeGraph
    from armednet.report.html import build_report

    if n & (n - 1):
        raise InputError(f"--n must be a power of two, got {n}")
    if variants == 1:
        raise InputError("--variants must be 0 (no network experiment) or at least 2")
    console = Console()
    t0 = time.perf_counter()
    kg = KnowledgeGraph.load(scenario)
    s = kg.summary()
    console.print(f"[bold]{s['name']}[/bold] ({s['scenario']}): {s['nodes']} actors, "
                  f"{s['ties']} ties over {len(s['ties_by_layer'])} layers, {s['sources']} "
                  f"sources ({float(s['sourced_share']):.0%} of facts sourced), "
                  f"{s['events']} scheduled events; hash {str(s['hash'])[:12]}",
                  highlight=False)
    _print_report(kg.name, key_actor_report(kg, top=top))

    spec = presets_experiment(scenario=scenario, n=n, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.duckdb"
    # The network experiment runs first, so that the presets experiment is the latest in
    # the database: the one `armednet report` and the dashboard show first.
    net_eid = None
    if variants:
        net = network_experiment(scenario=scenario, n=n, seed=seed, variants=variants)
        net_eid = run_with_progress(net, db, workers=workers)
    eid = run_with_progress(spec, db, workers=workers)
    with open_store(db) as store:
        result = analyze_experiment(store, eid)
        net_result = analyze_experiment(store, net_eid) if net_eid else {}
    print_analysis(result)
    if net_result.get("network"):
        print_network(Console(width=max(console.width, 120)), net_result)
    report = build_report(out / "report.html", db=db, experiment_id=eid, scenario=scenario,
                          network_experiment=net_eid)
    console.print(f"report: {report}  (results: {db}, experiment {eid}"
                  + (f" and {net_eid}" if net_eid else "") + "; "
                  f"{time.perf_counter() - t0:.0f} s)", highlight=False)
