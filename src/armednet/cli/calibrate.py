"""``armednet calibrate``: fit the model to attack counts, check it, forecast."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from armednet.cli._common import cli_errors, echo_json

__all__ = ["calibrate"]


@cli_errors
def calibrate(
    scenario: str | None = typer.Argument(
        None, metavar="[PATH|NAME]",
        help="A scenario file or directory, or a bundled scenario name (default: iraq-2024)."),
    data: Path = typer.Option(..., "--data", help="Attack counts over intervals (CSV with "
                              "first_day, interval_end_inclusive, attacks)."),
    db: Path | None = typer.Option(None, "--db", help="Results database: the calibration is "
                                   "stored there for the report and the dashboard."),
    out: Path = typer.Option(Path("posterior.parquet"), "--out", "-o",
                             help="Posterior parameter sets (Parquet), for simulate and "
                             "experiments (--posterior)."),
    particles: int = typer.Option(2000, "--particles", min=20, help="ABC-SMC population."),
    generations: int = typer.Option(8, "--generations", min=1,
                                    help="Most SMC generations after the prior."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed."),
    forecast_weeks: int = typer.Option(26, "--forecast-weeks", min=1,
                                       help="Weeks forecast after the last observed day."),
    param: list[str] | None = typer.Option(
        None, "--param", help="Calibrate this parameter (repeatable; default: the attack "
        "and cease-fire parameters, see docs/calibration.md)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fit the model to attack counts (ABC-SMC), check the fit, forecast.

    Fits the attack and cease-fire parameters to counts over intervals, reports the
    posterior predictive against the data and forecasts the weeks after them.
    """
    from armednet.errors import InputError
    from armednet.events.intervals import load_intervals
    from armednet.kb import KnowledgeGraph
    from armednet.validation.calibration import (
        calibrate as run_calibration,
    )
    from armednet.validation.calibration import (
        default_priors,
        save_calibration,
    )

    if out.suffix.lower() != ".parquet":
        raise InputError(f"--out {out}: expected a .parquet file name")
    kg = KnowledgeGraph.load(scenario)
    intervals = load_intervals(data)
    priors = default_priors(param) if param else None
    result = _run(lambda progress: run_calibration(
        kg, intervals, priors=priors, particles=particles, generations=generations,
        seed=seed, forecast_weeks=forecast_weeks, progress=progress), quiet=json_out)
    save_calibration(result, out, db)
    if json_out:
        echo_json(result.record)
        return
    _print(result.record, out, db)


def _run(job: Any, quiet: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    live = sys.stderr.isatty() and not quiet
    bar = Progress(TextColumn("[bold]calibrating"), BarColumn(),
                   TextColumn("{task.description}"), TimeElapsedColumn(),
                   console=Console(stderr=True), disable=not live)
    with bar:
        task = bar.add_task("", total=1.0)
        last = [""]

        def progress(message: str, fraction: float) -> None:
            bar.update(task, completed=fraction, description=message)
            if not live and not quiet and message.split(":")[0] != last[0]:
                last[0] = message.split(":")[0]
                print(message.split(":")[0], file=sys.stderr, flush=True)

        return job(progress)


def _print(record: dict[str, Any], out: Path, db: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title="Posterior (median and 90% interval) against the prior range",
              title_justify="left")
    for col in ("parameter", "median", "5%", "95%", "prior"):
        t.add_column(col, justify="left" if col == "parameter" else "right")
    for r in record["posterior_summary"]:
        t.add_row(r["parameter"], f"{r['median']:.3g}", f"{r['low']:.3g}", f"{r['high']:.3g}",
                  f"{r['prior_low']:g} .. {r['prior_high']:g}")
    console.print(t)
    t = Table(title="Posterior predictive against the observed counts (90% interval)",
              title_justify="left")
    for col in ("interval", "days", "observed", "median", "5%", "95%", "inside"):
        t.add_column(col, justify="left" if col == "interval" else "right")
    for r in record["predictive"]:
        t.add_row(f"{r['first_day']} .. {r['last_day']}", str(r["days"]),
                  f"{r['observed']:.0f}", f"{r['median']:.0f}", f"{r['low']:.0f}",
                  f"{r['high']:.0f}", "yes" if r["inside"] else "NO")
    console.print(t)
    console.print(f"{record['coverage']:.0%} of the observed intervals lie inside the 90% "
                  "posterior predictive interval.", highlight=False)
    fc = record["forecast"]
    t = Table(title=f"Forecast for the {fc['weeks']} weeks after {fc['after']} (made without "
              "data from that period): attacks a week", title_justify="left")
    for col in ("week of", "median", "5%", "95%"):
        t.add_column(col, justify="right")
    for r in fc["weekly"][::4]:
        t.add_row(r["date"], f"{r['median']:.0f}", f"{r['low']:.0f}", f"{r['high']:.0f}")
    console.print(t)
    length = (f"; median length {fc['lull_weeks_median']:.0f} weeks"
              if fc["lull_weeks_median"] is not None else "")
    console.print(f"Probability of a lull ({fc['lull_definition']}): {fc['p_lull']:.0%}"
                  f"{length}. Forecast total: median {fc['total_median']:.0f} attacks.",
                  highlight=False)
    done = [g for g in record["generations"] if g["complete"]]
    console.print(f"{len(done) - 1} generations, {record['n_particles']} particles "
                  f"(effective {record['ess']:.0f}), final deviance tolerance "
                  f"{record['tolerance']:.1f}; {record['seconds']:.0f} s. "
                  f"Posterior: {out}" + (f"; stored in {db}" if db else ""), highlight=False)
