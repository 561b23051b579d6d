"""``armednet experiment``: run, inspect, analyse and export experiments."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import typer

from armednet.cli._common import cli_errors, echo_json, fit_words, live_progress, log

app = typer.Typer(help="Experiments under uncertainty: run, list, status, analyze, export.",
                  no_args_is_help=True)

DB_OPT = typer.Option(Path("armednet.duckdb"), "--db", help="Results database (DuckDB file).")
EXP_OPT = typer.Option(None, "--experiment", "-e", help="Experiment id (default: the latest).")
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


def run_with_progress(spec: Any, db: Path, evaluator: str = "local",
                      scheduler: str | None = None, workers: int | None = None,
                      spec_dir: Path | None = None, quiet: bool = False) -> str:
    """Run an experiment with one rich progress bar (time left included); return its id.

    The bar is drawn on standard error when it is a terminal. Otherwise (logs, pipes,
    tests) a line at the start (the plan, and how many chunks are already stored when
    resuming) and one at the end are logged, not one per chunk (``armednet --verbose``
    adds those). ``quiet`` (or ``armednet --quiet``) keeps warnings only.
    """
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from armednet.experiments.runner import Plan, run_experiment
    from armednet.experiments.runner import Progress as RunProgress

    live = live_progress(quiet)
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("runs"), TimeElapsedColumn(), TextColumn("left"),
                   TimeRemainingColumn(), console=Console(stderr=True), disable=not live,
                   transient=True)
    task_id: list[Any] = []
    t0 = time.perf_counter()

    def info(msg: str) -> None:
        if not quiet:
            log.info(msg)

    def on_start(plan: Plan, done: int) -> None:
        msg = (f"experiment {plan.experiment_id}: {plan.design.n_points} points x "
               f"{plan.spec.replications} replications x {len(plan.policies)} policies = "
               f"{plan.runs_total} runs in {len(plan.tasks)} chunks")
        if done:
            msg += f"; resuming, {done} chunks already stored"
        info(msg)
        for policy, messages in plan.warnings.items():
            for m in messages:
                log.warning(f"{policy}: {m}")
        task_id.append(bar.add_task("simulating", total=plan.runs_total))

    def on_progress(p: RunProgress) -> None:
        if live:
            bar.update(task_id[0], completed=p.runs_done)
        log.debug(f"chunk {p.chunk} committed ({p.done}/{p.total})")

    with bar:
        eid = run_experiment(spec, db, evaluator=evaluator, scheduler=scheduler,
                             workers=workers, spec_dir=spec_dir, progress=on_progress,
                             on_start=on_start)
    info(f"experiment {eid}: every chunk stored ({time.perf_counter() - t0:.0f} s)")
    return eid


@app.command("run")
@cli_errors
def run(
    spec_file: Path = typer.Argument(..., metavar="SPEC", help="Experiment file (YAML/JSON)."),
    db: Path = DB_OPT,
    evaluator: str | None = typer.Option(
        None, "--evaluator", help="local, dask or sequential (default: dask with --scheduler, "
        "else local)."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, tcp://HOST:PORT (dask evaluator); "
        "reached before anything is written."),
    workers: int | None = typer.Option(None, "--workers", min=1,
                                       help="Worker processes (default: all cores)."),
    posterior: Path | None = typer.Option(
        None, "--posterior", help="Parameter sets drawn per world (e.g. from `armednet "
        "calibrate`); overrides the spec's `posterior`."),
    json_out: bool = JSON_OPT,
) -> None:
    """Run (or resume) an experiment; results go to the database.

    The whole spec is checked, the scenario, policies and design resolved, the evaluator
    started (a Dask scheduler reached) and the first chunk evaluated before anything is
    written. Exit 2 for a bad spec or option, 1 if results cannot be written (disk full,
    permission denied); committed chunks are kept and a rerun resumes.
    """
    from armednet.errors import InputError
    from armednet.experiments.spec import load_spec

    if evaluator is None:
        evaluator = "dask" if scheduler else "local"
    if evaluator not in ("local", "dask", "sequential"):
        raise InputError(f"unknown evaluator {evaluator!r}; expected local, dask or sequential")
    if scheduler and evaluator != "dask":
        raise InputError(f"--scheduler needs --evaluator dask (got --evaluator {evaluator})")
    spec = load_spec(spec_file)
    if posterior is not None:
        spec = spec.model_copy(update={"posterior": str(posterior.resolve())})
    t0 = time.perf_counter()
    eid = run_with_progress(spec, db, evaluator, scheduler, workers, spec_file.parent,
                            quiet=json_out)
    if json_out:
        echo_json({"experiment_id": eid, "db": str(db), "seconds": time.perf_counter() - t0})
    else:
        print(f"done: experiment {eid} in {db} ({time.perf_counter() - t0:.1f} s)")


@app.command("list")
@cli_errors
def list_(db: Path = DB_OPT, json_out: bool = JSON_OPT) -> None:
    """List the experiments stored in a database."""
    from armednet.experiments.store import open_store

    with open_store(db, read_only=True) as store:
        df = store.experiments()
    if json_out:
        echo_json(json.loads(df.to_json(orient="records", date_format="iso")))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Experiments in {db}", title_justify="left", box=None,
                  pad_edge=False, header_style="bold")
    # the id is what --experiment takes: never cut, whatever the terminal's width
    table.add_column("experiment id", no_wrap=True)
    for col in ("design", "points", "policies", "reps", "chunks", "created"):
        table.add_column(col, justify="left" if col in ("design", "created") else "right",
                         overflow="fold")
    for r in df.itertuples():
        table.add_row(str(r.experiment_id), str(r.design_method), str(r.n_points),
                      str(r.n_policies), str(r.replications), f"{r.chunks_done}/{r.n_chunks}",
                      str(r.created)[:16])
    Console().print(table)


@app.command("status")
@cli_errors
def status(db: Path = DB_OPT, experiment: str | None = EXP_OPT,
           json_out: bool = JSON_OPT) -> None:
    """Progress of one experiment: chunks and runs done, time spent."""
    from armednet.experiments.store import open_store

    with open_store(db, read_only=True) as store:
        meta = store.meta(experiment)
        done = len(store.done_chunks(meta["experiment_id"]))
    info = {"experiment_id": meta["experiment_id"], "chunks_done": done,
            "chunks_total": int(meta["n_chunks"]), "complete": done == int(meta["n_chunks"]),
            "runs_total": int(meta["n_points"]) * int(meta["replications"])
            * int(meta["n_policies"]),
            "seconds": None if meta["seconds"] != meta["seconds"] else meta["seconds"],
            "scenario_hash": meta["scenario_hash"], "seed": int(meta["seed"]),
            "package_version": meta["package_version"]}
    if json_out:
        echo_json(info)
    else:
        for k, v in info.items():
            print(f"{k}: {v}")


@app.command("analyze")
@cli_errors
def analyze(db: Path = DB_OPT, experiment: str | None = EXP_OPT,
            json_out: bool = JSON_OPT) -> None:
    """Policy comparison, regret, sensitivity, claims and PRIM boxes; saved in the db."""
    from armednet.experiments.analyze import analyze_experiment
    from armednet.experiments.store import open_store

    with open_store(db, create=False) as store:  # a missing file is refused, not created
        result = analyze_experiment(store, experiment)
    if json_out:
        echo_json(result)
    else:
        print_analysis(result)


KEY_OUTCOMES = ("attacks", "attacks_last_year", "casualties", "civilian_harm",
                "capture_final", "revenue_total")
"""Outcomes shown in the terminal when an experiment has many (all are in --json and the
report)."""


def print_analysis(result: dict[str, Any]) -> None:
    """Render :func:`armednet.experiments.analyze.analyze_experiment` output as tables.

    With more than six outcomes only :data:`KEY_OUTCOMES` are tabulated (every outcome is
    in ``--json`` and the report).
    """
    from rich.console import Console
    from rich.table import Table

    console = Console()  # the terminal's width: tables wrap their cells to fit
    if not result.get("complete"):
        console.print(f"[yellow]experiment incomplete ({result.get('chunks_done')} chunks); "
                      "showing what is stored[/yellow]")
    covers = (result.get("uncertainty") or {}).get("label")
    over = f" over {covers}" if covers else ""
    for policy, messages in (result.get("warnings") or {}).items():
        for m in messages:
            console.print(f"[yellow]warning: {policy}: {m}[/yellow]", highlight=False)
    comp = result.get("comparison", [])
    if comp:
        table = Table(title=f"Policy comparison: median [90% interval]{over}",
                      title_justify="left")
        outcomes = _shown(list(dict.fromkeys(r["outcome"] for r in comp)))
        policies = list(dict.fromkeys(r["policy"] for r in comp))
        table.add_column("policy", no_wrap=True)
        for o in outcomes:
            table.add_column(o.replace("_", " "), justify="right")
        cell = {(r["policy"], r["outcome"]): r for r in comp}
        for p in policies:
            table.add_row(p, *(_fmt(cell[p, o]) if (p, o) in cell else "" for o in outcomes))
        console.print(fit_words(table))
    versus = result.get("versus", [])
    if versus:
        table = Table(title=f"Probability of doing better than {result.get('baseline')} "
                      f"in the same worlds{over}", title_justify="left")
        outcomes = _shown(list(dict.fromkeys(r["outcome"] for r in versus)))
        policies = list(dict.fromkeys(r["policy"] for r in versus))
        table.add_column("policy", no_wrap=True)
        for o in outcomes:
            table.add_column(o.replace("_", " "), justify="right")
        cell = {(r["policy"], r["outcome"]): r for r in versus}
        for p in policies:
            table.add_row(p, *(f"{cell[p, o]['p_better']:.0%}" for o in outcomes))
        console.print(fit_words(table))
    claims = result.get("claims")
    if claims:
        _print_claims(console, claims)
    print_sensitivity(console, result)
    if result.get("network"):
        print_network(console, result)


def print_sensitivity(console: Any, result: dict[str, Any]) -> None:
    """Sobol (or Morris) indices of every outcome, only those above the noise floor."""
    from rich.table import Table

    from armednet.report.html import sensitivity_cell

    for method in ("sobol", "morris"):
        sens = result.get(method)
        if not sens:
            continue
        key = "ST" if method == "sobol" else "mu_star"
        what = "total index" if method == "sobol" else "mu*"
        table = Table(title=f"{method.title()} indices under {sens['policy']}, only those "
                      f"above the noise floor ({sens.get('uncertainty', '')})",
                      title_justify="left")
        table.add_column("outcome", overflow="fold")
        table.add_column(f"noise floor ({what})", justify="right")
        noise = any(b.get("noise_share") is not None for b in sens["outcomes"].values())
        if noise:
            table.add_column("noise share", justify="right")
        table.add_column(f"{what} [95% interval] of the inputs that are findings")
        for name, block in sens["outcomes"].items():
            floor = (block.get("floor") or {}).get(key)
            cells = [name, "-" if floor is None else f"{floor:.3f}"]
            if noise:
                ns = block.get("noise_share")
                cells.append("-" if ns is None else f"{ns:.0%}")
            table.add_row(*cells, sensitivity_cell(block, key))
        console.print(fit_words(table))
        console.print(f"[dim]Rule: {sens.get('rule', '')}.[/dim]", highlight=False)


def print_network(console: Any, result: dict[str, Any]) -> None:
    """How much of each outcome's variance the network carries, the ties that matter, and
    (with replications) the share that is random noise, from an analysis with network
    uncertainty."""
    from rich.table import Table

    from armednet.report.html import network_caveat, network_share_text, ties_text

    network = result["network"]
    if network.get("note"):
        console.print(f"Network uncertainty: {network['note']}")
        return
    sens = (result.get("sobol") or {}).get("outcomes", {})
    noise = {k: b.get("noise_share") for k, b in sens.items()}
    covers = (result.get("uncertainty") or {}).get("label", "")
    table = Table(title=f"Network uncertainty under {network['policy']} ({covers}; "
                  f"{network.get('uncertain_ties', '?')} uncertain ties)",
                  title_justify="left")
    table.add_column("outcome", overflow="fold")
    table.add_column("network's share of variance (total index [95%])")
    has_noise = any(v is not None for v in noise.values())
    if has_noise:
        table.add_column("noise share", justify="right")
    table.add_column("ties that matter most: change with the tie ± s.e. (* significant "
                     "after Bonferroni)", overflow="fold")
    for name, rec in network["outcomes"].items():
        cells = [name, network_share_text(rec["share"])]
        if has_noise:
            ns = noise.get(name)
            cells.append("-" if ns is None else f"{ns:.0%}")
        table.add_row(*cells, ties_text(rec))
    console.print(fit_words(table))
    console.print(f"[dim]Ties: {network.get('method', '')}; {network_caveat()}. Noise share: "
                  "variance between replications of a world over the variance of single "
                  "runs.[/dim]", highlight=False)


def _print_claims(console: Any, claims: list[dict[str, Any]]) -> None:
    """The claims in two tables: tested ones (share of worlds, PRIM box of failures) and
    assumed ones (the mechanisms that carry them, never a share), each with the data's
    test (:func:`armednet.report.html.claim_tables`)."""
    from rich.table import Table

    from armednet.report.html import claim_tables, data_says

    rows = claim_tables(claims)
    by_id = {c["id"]: c for c in claims}
    table = Table(title="The essay's claims, tested: the model can resolve them either way "
                  "(share of worlds where each holds)", title_justify="left")
    table.add_column("claim", no_wrap=True)
    for col in ("statement", "holds in", "90% CI", "fails where (PRIM)", "data says"):
        table.add_column(col)
    for r in rows["tested"]:
        box = by_id[r["claim"]].get("fails_box") or {}
        where = ", ".join(f"{k} in [{v[0]:.3g}, {v[1]:.3g}]"
                          for k, v in box.get("limits", {}).items())
        table.add_row(r["claim"], r["statement"], r["holds in"], r["90% interval"],
                      where or "-", data_says(by_id[r["claim"]], short=True))
    console.print(fit_words(table))
    table = Table(title="The essay's claims, assumed: a mechanism encodes them (not "
                  "findings, no share of worlds)", title_justify="left")
    table.add_column("claim", no_wrap=True)
    for col in ("statement", "carried by", "size in the runs", "data says"):
        table.add_column(col)
    for r in rows["assumed"]:
        carried = r["mechanisms"] + ("; " + r["parameters"] if r["parameters"] != "-" else "")
        table.add_row(r["claim"], r["statement"], carried,
                      r["size in the runs: median [5%, 95%]"],
                      data_says(by_id[r["claim"]], short=True))
    console.print(fit_words(table))


def _shown(outcomes: list[str]) -> list[str]:
    if len(outcomes) <= 6:
        return outcomes
    return [o for o in KEY_OUTCOMES if o in outcomes] or outcomes[:6]


def _fmt(r: dict[str, Any]) -> str:
    return f"{r['median']:.3g} [{r['low']:.3g}, {r['high']:.3g}]"


@app.command("export")
@cli_errors
def export(db: Path = DB_OPT, experiment: str | None = EXP_OPT,
           out: Path = typer.Option(..., "--out", "-o", help="Directory for Parquet files.")
           ) -> None:
    """Export one experiment's tables to Parquet files (the folder is created if missing;
    a file in its place exits with code 1)."""
    from armednet.fileio import ensure_folder

    if out.exists() and not out.is_dir():
        ensure_folder(out)  # refuses with a clear message, before the database is read
    from armednet.experiments.store import open_store

    with open_store(db, read_only=True) as store:
        meta = store.meta(experiment)
        ensure_folder(out)
        files = store.export_parquet(meta["experiment_id"], out)
    for f in files:
        print(f)


@app.command("schema")
@cli_errors
def schema(out: Path | None = typer.Option(None, "--output", "-o",
                                           help="Write to a file instead of stdout.")) -> None:
    """Print the JSON Schema of experiment files."""
    from armednet.experiments.spec import ExperimentSpec

    text = json.dumps(ExperimentSpec.model_json_schema(), indent=2)
    if out is None:
        print(text)
        return
    from armednet.fileio import atomic_path

    with atomic_path(out) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
