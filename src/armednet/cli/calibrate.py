"""``armednet calibrate``: fit the model to attack counts, check it, forecast."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from armednet.cli._common import cli_errors, echo_json, fit_words, live_progress, log

STATEMENT_COLUMN = "series_id"
"""A data file whose header names this column holds counting statements."""


def is_statements(path: Path) -> bool:
    """Whether ``path`` is a file of counting statements (its header names ``series_id``)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.readline(4096)
    except OSError:
        return False  # the loader says what is wrong with it
    return STATEMENT_COLUMN in [c.strip().strip('"') for c in head.split(",")]

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
    pattern: list[str] | None = typer.Option(
        None, "--pattern", help="Fit this pattern (repeatable; default: intervals, prewar, "
        "truce and strikes, those the data allow)."),
    replicates: int = typer.Option(5, "--replicates", min=1,
                                   help="Runs per parameter draw (distances use their mean)."),
    forecast_out: Path | None = typer.Option(
        None, "--forecast-out", help="Write the forecast (weekly predictive samples and "
        "quantiles, Parquet) here, for `armednet score` (default: forecast.parquet beside "
        "--out)."),
    theatre: list[str] | None = typer.Option(
        None, "--theatre", metavar="SCENARIO=FILE",
        help="Fit the shared behavioural parameters on this theatre's data too (repeatable): "
        "a scenario and its interval counts or counting statements (CSV with series_id)."),
    workers: int = typer.Option(1, "--workers", "-j", min=0,
                                help="Processes simulating each ABC batch (this one included; "
                                "0: one per CPU). Results do not depend on it."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Fit the model to several patterns (ABC-SMC), check the fit, forecast.

    Fits the attack and cease-fire parameters to the counts over intervals, the pre-war
    rate, the truce's zero counts and the strikes that did not stop the attacks; reports
    per generation the effective sample size, per pattern the posterior predictive, which
    parameters the data informed, the share of re-simulated particles within the final
    tolerance, and forecasts the weeks after the data.
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
    fc_path = forecast_out or out.with_name("forecast.parquet")
    if fc_path.suffix.lower() != ".parquet" or fc_path.resolve() == out.resolve():
        raise InputError(f"--forecast-out {fc_path}: expected a .parquet file other than "
                         "--out")
    kg = KnowledgeGraph.load(scenario)
    priors = default_priors(param) if param else None
    if theatre or is_statements(data):
        from armednet.cli.theatres_fit import run_theatres

        run_theatres(kg, data, theatre or [], priors=priors, particles=particles,
                     generations=generations, seed=seed, patterns=pattern,
                     replicates=replicates, out=out, db=db, forecast_weeks=forecast_weeks,
                     json_out=json_out, run=_run, workers=workers)
        return
    intervals = load_intervals(data)
    result = _run(lambda progress: run_calibration(
        kg, intervals, priors=priors, particles=particles, generations=generations,
        seed=seed, forecast_weeks=forecast_weeks, progress=progress, patterns=pattern or None,
        replicates=replicates, workers=workers), quiet=json_out)
    save_calibration(result, out, db)
    _save_forecast(kg, result, intervals, out, fc_path, forecast_weeks, seed)
    if json_out:
        echo_json(result.record)
        return
    _print(result.record, out, db)


def _save_forecast(kg: Any, result: Any, intervals: Any, posterior: Path, path: Path,
                   weeks: int, seed: int) -> None:
    """The forecast as a first-class object (``armednet.validation.forecast``): drawn from
    the saved posterior after the last observed day; its weekly quantiles replace the
    summary in the record, so what is printed is what is saved."""
    from armednet.validation.forecast import forecast_from_posterior

    fc = forecast_from_posterior(kg, posterior, after=max(intervals.last_day), weeks=weeks,
                                 runs=2000, seed=seed)
    fc.save(path)
    q = fc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
    weekly = result.record["forecast"]["weekly"]
    by_date = {str(r["date"])[:10]: r for r in q.to_dict(orient="records")}
    for row in weekly:
        r = by_date.get(row["date"])
        if r is not None:
            row.update(median=float(r["q50"]), low=float(r["q5"]), high=float(r["q95"]),
                       q25=float(r["q25"]), q75=float(r["q75"]))
    result.record["forecast"]["file"] = str(path)


def _run(job: Any, quiet: bool) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    live = live_progress(quiet)
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
                log.info(message.split(":")[0])

        return job(progress)


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Any:
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for i, col in enumerate(columns):
        t.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        t.add_row(*row)
    return fit_words(t)


def _fmt(value: Any, spec: str = ".3g") -> str:
    return "-" if value is None or value != value else format(value, spec)


def _print(record: dict[str, Any], out: Path, db: Path | None) -> None:
    from rich.console import Console

    console = Console()  # the terminal's width (80 columns when not a terminal)
    console.print(_table(
        "ABC-SMC generations (ESS: effective sample size, share of the particles)",
        ["generation", "tolerance", "noise floor", "proposals", "acceptance", "ESS",
         "ESS share"],
        [[str(g["generation"]), _fmt(g["tolerance"], ".3f"), _fmt(g.get("noise_floor"),
                                                                  ".3f"),
          str(g["proposals"]), _fmt(g["acceptance"], ".0%"), _fmt(g["ess"], ".0f"),
          _fmt(g["ess_share"], ".0%") + ("" if g["complete"] else " (abandoned)")]
         for g in record["generations"]]))
    console.print(_table(
        "Posterior (median and 90% interval) against the prior range",
        ["parameter", "median", "5%", "95%", "prior"],
        [[r["parameter"], f"{r['median']:.3g}", f"{r['low']:.3g}", f"{r['high']:.3g}",
          f"{r['prior_low']:g} .. {r['prior_high']:g}"] for r in record["posterior_summary"]]))
    console.print(_table(
        "Which parameters the data inform: posterior 90% width / prior 90% width (on the "
        "prior's scale)",
        ["parameter", "scale", "prior width", "posterior width", "ratio", "informed"],
        [[r["parameter"], r.get("scale", ""), f"{r['prior_width']:.3g}",
          f"{r['posterior_width']:.3g}", f"{r['ratio']:.2f}",
          "yes" if r["informed"] else "no (prior)"] for r in record["informed"]]))
    console.print(_table(
        "Patterns: observed value and posterior predictive (90% interval; p: two-sided "
        "posterior predictive p-value; P(=): share of runs equal to the observation)",
        ["pattern", "observed", "median", "5%", "95%", "p", "P(=)", "distance"],
        [[p["name"], f"{p['observed']:.3g}", f"{p['simulated']['median']:.3g}",
          f"{p['simulated']['low']:.3g}", f"{p['simulated']['high']:.3g}",
          _fmt(p.get("p_value"), ".2f"), _fmt(p.get("p_equal_observed"), ".0%"),
          f"{p['distance_median']:.2f}"] for p in record["patterns"]]))
    for name, why in record.get("patterns_skipped", {}).items():
        console.print(f"Pattern {name} skipped: {why}.", highlight=False)
    console.print(_table(
        "Posterior predictive against the observed counts (90% interval)",
        ["interval", "days", "observed", "median", "5%", "95%", "inside"],
        [[f"{r['first_day']} .. {r['last_day']}", str(r["days"]), f"{r['observed']:.0f}",
          f"{r['median']:.0f}", f"{r['low']:.0f}", f"{r['high']:.0f}",
          "yes" if r["inside"] else "NO"] for r in record["predictive"]]))
    console.print(f"{record['coverage']:.0%} of the observed intervals lie inside the 90% "
                  "posterior predictive interval.", highlight=False)
    fc = record["forecast"]
    console.print(_table(
        f"Forecast for the {fc['weeks']} weeks after {fc['after']} (made without data from "
        "that period): attacks a week", ["week of", "median", "5%", "95%"],
        [[r["date"], f"{r['median']:.0f}", f"{r['low']:.0f}", f"{r['high']:.0f}"]
         for r in fc["weekly"][::4]]))
    length = (f"; median length {fc['lull_weeks_median']:.0f} weeks"
              if fc["lull_weeks_median"] is not None else "")
    console.print(f"Probability of a lull ({fc['lull_definition']}): {fc['p_lull']:.0%}"
                  f"{length}. Forecast total: median {fc['total_median']:.0f} attacks.",
                  highlight=False)
    rs = record["resimulation"]
    done = [g for g in record["generations"] if g["complete"]]
    console.print(
        f"Re-simulated {rs['draws']} final particles ({rs['replicates']} replicates each): "
        f"{rs['share']:.0%} fall within the final tolerance {rs['tolerance']:.2f}.\n"
        f"{len(done) - 1} generations, {record['n_particles']} particles (effective "
        f"{record['ess']:.0f}, {record['ess_share']:.0%}); {record['seconds']:.0f} s. "
        f"Posterior: {out}; forecast: {record['forecast'].get('file')}"
        + (f"; stored in {db}" if db else ""), highlight=False)
