"""``armednet demo``: the main job on the bundled default scenario.

Summarise the scenario and its key actors, run the built-in experiment (every policy
preset across the plausible ranges of the mechanisms' parameters), run the
network-uncertainty experiment (the same parameters and plausible networks of the
scenario, under the status quo), write the HTML report, and print a summary of one screen
(at most 60 lines at 100 columns): key actors, the policy comparison, the chance of doing
better than the status quo, the essay's claims, the inputs that matter above the noise
floor, the network's share of each outcome's variance and, for the default scenario, every
preset in both bundled theatres (``iraq-2024`` and ``red-sea-2024``) with the network what-if
(:mod:`armednet.experiments.theatres`). The report holds the rest
(``armednet experiment analyze --db ...`` prints every table in the terminal). Running it
again reuses the stored experiments (they are resumed, not repeated).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer

from armednet.cli._common import cli_errors, log

#: Outcomes of the summary's tables (the report and ``experiment analyze`` show them all).
SUMMARY_OUTCOMES = ("attacks", "civilian_harm", "capture_final", "revenue_total")
#: Measures of the summary's key-actor table (``armednet analyze`` shows them all).
SUMMARY_MEASURES = ("betweenness", "cross_layer_brokerage", "pagerank")


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
    theatre_runs: int = typer.Option(
        1000, "--theatre-runs", min=0, help="Runs per theatre and preset in the comparison of "
        "the two bundled theatres (default scenario only; 0 skips it)."),
) -> None:
    """Run the main job on a scenario (default: the bundled one).

    Scenario summary, key actors, every policy preset under uncertainty, the essay's claims,
    sensitivity above the noise floor, uncertainty about the network itself, and an HTML
    report; the terminal gets a one-screen summary that points to the report.
    """
    from rich.console import Console

    from armednet.analysis import key_actor_report
    from armednet.cli.experiment import run_with_progress
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
    console = Console(highlight=False)
    t0 = time.perf_counter()
    kg = KnowledgeGraph.load(scenario)
    s = kg.summary()
    console.print(f"[bold]{s['name']}[/bold] ({s['scenario']}): {s['nodes']} actors, "
                  f"{s['ties']} ties over {len(s['ties_by_layer'])} layers, {s['sources']} "
                  f"sources ({float(s['sourced_share']):.0%} of facts sourced), "
                  f"{s['events']} scheduled events; hash {str(s['hash'])[:12]}")
    print_key_actors(console, kg.name, key_actor_report(kg, top=top))

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
    theatres = _theatres(db, seed, theatre_runs) if scenario is None and theatre_runs else None
    log.info("analysing the experiments and writing the report")
    with open_store(db) as store:
        result = analyze_experiment(store, eid)
        net_result = analyze_experiment(store, net_eid) if net_eid else {}
    report = build_report(out / "report.html", db=db, experiment_id=eid, scenario=scenario,
                          network_experiment=net_eid)
    print_summary(console, result, net_result)
    if theatres is not None:
        print_theatres(console, *theatres)
    console.print(f"Full tables, charts, sources and methods: [bold]{report}[/bold]")
    console.print(f"(results: {db}, experiments {eid}"
                  + (f", {net_eid}" if net_eid else "")
                  + f"; {time.perf_counter() - t0:.0f} s; every table: armednet experiment "
                  "analyze --db DB -e ID)")


THEATRE_RUNS = 1000
"""Runs per scenario and policy in the demo's theatre comparison."""


def _theatres(db: Path, seed: int, runs: int = THEATRE_RUNS) -> tuple[Any, Any]:
    """Every preset in both bundled theatres (paired with the status quo) and the network
    what-if of the strikes preset, stored in ``db`` for the report and the dashboard."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from armednet.cli._common import live_progress
    from armednet.experiments.theatres import compare_theatres, network_whatif, save_comparison

    log.info("comparing the policies in both bundled theatres")
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                   console=Console(stderr=True), disable=not live_progress(), transient=True)
    with bar:
        t1 = bar.add_task("theatres", total=1.0)
        cmp = compare_theatres(runs=runs, seed=seed,
                               progress=lambda d, t: bar.update(t1, completed=d / t))
        t2 = bar.add_task("what-if", total=1.0)
        what = network_whatif(runs=runs, seed=seed,
                              progress=lambda d, t: bar.update(t2, completed=d / t))
    save_comparison(db, cmp, what)
    return cmp, what


def print_theatres(console: Any, cmp: Any, whatif: Any) -> None:
    """Attacks under each preset in each theatre, and the network property that moves the
    strikes effect most in the what-if (one screen's share: about a dozen lines)."""
    att = cmp.table[cmp.table["outcome"] == "attacks"]
    names = list(dict.fromkeys(att["scenario"]))
    console.print("[bold]Both theatres[/bold]: each preset's effect on attacks against the "
                  "status quo (paired; defaults):")
    for sc in names:
        rows = att[att["scenario"] == sc].set_index("policy")
        base = rows.loc["status-quo", "median"] if "status-quo" in rows.index else float("nan")
        effects = ", ".join(f"{pol} {r['relative']:+.0%}" for pol, r in rows.iterrows()
                            if pol != "status-quo")
        console.print(f"  {sc} (status quo {base:.0f} attacks): {effects}")
    if whatif is not None and not whatif.empty:
        rel = (whatif["relative_after"] - whatif["relative_before"]).abs()
        top = whatif.loc[rel.idxmax()]
        console.print(
            f"  What-if ({whatif.attrs.get('policy', 'strikes')} in "
            f"{whatif.attrs.get('base', names[-1])}): {top['property']} set to "
            f"{whatif.attrs.get('donor', names[0])}'s moves its effect most, "
            f"{top['relative_before']:+.0%} -> {top['relative_after']:+.0%}.")


def _table(title: str, *columns: str) -> Any:
    """A compact table (no outer frame, no blank rows) with a left-aligned title."""
    from rich import box
    from rich.table import Table

    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                  pad_edge=False, title_style="bold")
    for col in columns:
        table.add_column(col)
    return table


def print_key_actors(console: Any, name: str, report: Any) -> None:
    """The top actors by a few measures, one column each (ids are never cut)."""
    if report.empty:
        console.print(f"{name}: no actors")
        return
    overall = report[report["scope"] == "all"]
    measures = [m for m in SUMMARY_MEASURES if m in set(overall["measure"])]
    measures = measures or list(dict.fromkeys(overall["measure"]))[:3]
    table = _table(f"Key actors of {name} ({len(measures)} of "
                   f"{overall['measure'].nunique()} measures; all: `armednet analyze`)", "rank")
    table.columns[0].justify = "right"
    for m in measures:
        table.add_column(m.replace("_", " "), overflow="fold")
    wide = overall.pivot(index="rank", columns="measure", values="node")
    for rank, row in wide.iterrows():
        table.add_row(str(rank), *(str(row.get(m, "")) if row.get(m) == row.get(m) else ""
                                   for m in measures))
    console.print(table)


def print_summary(console: Any, result: dict[str, Any], net_result: dict[str, Any]) -> None:
    """One screen of an analysis (and a network analysis): policies, claims, sensitivity,
    network; every table is in the report and ``armednet experiment analyze``."""
    if not result.get("complete"):
        console.print(f"[yellow]experiment incomplete ({result.get('chunks_done')} chunks); "
                      "showing what is stored[/yellow]")
    covers = (result.get("uncertainty") or {}).get("label")
    over = f" over {covers}" if covers else ""
    comp = result.get("comparison", [])
    if comp:
        outcomes = _outcomes([r["outcome"] for r in comp])
        table = _table(f"Policy comparison: median [90% interval]{over}", "policy",
                       *outcomes)
        for col in table.columns[1:]:
            col.justify = "right"
        cell = {(r["policy"], r["outcome"]): r for r in comp}
        for p in dict.fromkeys(r["policy"] for r in comp):
            table.add_row(p, *(_interval(cell[p, o]) if (p, o) in cell else ""
                               for o in outcomes))
        console.print(table)
    versus = result.get("versus", [])
    if versus:
        outcomes = _outcomes([r["outcome"] for r in versus])
        table = _table(f"Chance of doing better than {result.get('baseline')} in the same "
                       "worlds", "policy", *outcomes)
        for col in table.columns[1:]:
            col.justify = "right"
        cell = {(r["policy"], r["outcome"]): r for r in versus}
        for p in dict.fromkeys(r["policy"] for r in versus):
            table.add_row(p, *(f"{cell[p, o]['p_better']:.0%}" if (p, o) in cell else ""
                               for o in outcomes))
        console.print(table)
    claims = result.get("claims")
    if claims:
        _print_claims(console, claims)
    _print_sensitivity(console, result)
    if net_result.get("network"):
        _print_network(console, net_result)


def _outcomes(names: list[str]) -> list[str]:
    present = list(dict.fromkeys(names))
    return [o for o in SUMMARY_OUTCOMES if o in present] or present[:4]


def _interval(r: dict[str, Any]) -> str:
    return f"{r['median']:.3g} [{r['low']:.3g}, {r['high']:.3g}]"


def _print_claims(console: Any, claims: list[dict[str, Any]]) -> None:
    from armednet.report.html import claim_tables

    rows = claim_tables(claims)
    console.print("[bold]The essay's claims[/bold], tested (share of worlds where each "
                  "holds; either way can come out):")
    for r in rows["tested"]:
        ci = f" (90% CI {r['90% interval']})" if r["90% interval"] else ""
        console.print(f"  {r['claim']} {r['statement']}: {r['holds in']}{ci}")
    if rows["assumed"]:
        console.print("  assumed, a mechanism encodes them (not findings): "
                      + ", ".join(r["claim"] for r in rows["assumed"]))


def _print_sensitivity(console: Any, result: dict[str, Any]) -> None:
    """The largest index above the noise floor of each summary outcome."""
    for method, key in (("sobol", "ST"), ("morris", "mu_star")):
        sens = result.get(method)
        if not sens:
            continue
        what = "total index" if method == "sobol" else "mu*"
        console.print(f"[bold]What matters[/bold] under {sens['policy']} ({method.title()} "
                      f"{what}, only those above the noise floor; largest first):")
        blocks = sens["outcomes"]
        for name in _outcomes(list(blocks)):
            console.print(f"  {name}: {_top_indices(blocks[name], key)}")


def _top_indices(block: dict[str, Any], key: str, top: int = 3) -> str:
    if not block.get("indices"):
        return str(block.get("note", "no indices"))
    rows = sorted((r for r in block["indices"] if r.get("shown")),
                  key=lambda r: -float(r[key]))
    if not rows:
        return "none above the noise floor"
    text = ", ".join(f"{r['parameter']} {float(r[key]):.2g}" for r in rows[:top])
    return text + (f" (+{len(rows) - top} more)" if len(rows) > top else "")


def _print_network(console: Any, net_result: dict[str, Any]) -> None:
    from armednet.report.html import network_share_text

    network = net_result["network"]
    if network.get("note"):
        console.print(f"Network uncertainty: {network['note']}")
        return
    outcomes = network["outcomes"]
    shares = "; ".join(f"{name} {network_share_text(outcomes[name]['share'])}"
                       for name in _outcomes(list(outcomes)))
    console.print(f"[bold]Network uncertainty under {network['policy']}[/bold] "
                  f"({network.get('uncertain_ties', '?')} uncertain ties), the network's "
                  f"share of each outcome's variance (total index [95%]): {shares}")
