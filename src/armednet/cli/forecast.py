"""``armednet forecast``: the model's forecast of a scenario from a posterior, saved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from armednet.cli._common import cli_errors, echo_json

__all__ = ["forecast"]


@cli_errors
def forecast(
    scenario: str | None = typer.Argument(
        None, metavar="[PATH|NAME]",
        help="A scenario file or directory, or a bundled scenario name (default: iraq-2024)."),
    after: str = typer.Option(..., "--after", metavar="YYYY-MM-DD",
                              help="The origin: the last day of the data the forecast may "
                              "know."),
    posterior: Path | None = typer.Option(
        None, "--posterior", help="Weighted parameter sets (Parquet, as `armednet "
        "calibrate` writes); default: every parameter at its default."),
    weeks: int | None = typer.Option(
        None, "--weeks", min=1, max=1040,
        help="Whole weeks forecast after the origin (default: to the scenario's end)."),
    runs: int = typer.Option(2000, "--runs", min=1, help="Simulated draws."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed."),
    policy: str = typer.Option("status-quo", "--policy", "-p",
                               help="Policy simulated (default: the scheduled inputs only)."),
    out: Path = typer.Option(Path("forecast.parquet"), "--out", "-o",
                             help="Where the forecast (weekly samples and provenance, "
                             "Parquet) goes, for `armednet score`."),
    json_out: bool = typer.Option(False, "--json", help="Print the weekly quantiles as JSON."),
) -> None:
    """Forecast weekly attacks after a date from a posterior, and save it.

    Lets a posterior fitted on one theatre forecast another (the cross-theatre test): for
    example the posterior fitted on Iraq alone forecasting the Red Sea campaign after 31
    March 2024.
    """
    from rich.console import Console

    from armednet.cli.calibrate import _table
    from armednet.cli.theatres_fit import forecast_horizon
    from armednet.errors import InputError
    from armednet.kb import KnowledgeGraph
    from armednet.validation.forecast import forecast_from_posterior

    if out.suffix.lower() != ".parquet":
        raise InputError(f"--out {out}: expected a .parquet file name")
    try:
        origin = dt.date.fromisoformat(after)
    except ValueError:
        raise InputError(f"--after {after!r}: expected a date YYYY-MM-DD") from None
    if posterior is not None and not posterior.is_file():
        raise InputError(f"--posterior {posterior}: no such file")
    kg = KnowledgeGraph.load(scenario)
    horizon = weeks or forecast_horizon(kg, origin, 26)
    fc = forecast_from_posterior(kg, posterior, after=origin, weeks=horizon, runs=runs,
                                 seed=seed, policy=policy)
    fc.save(out)
    q = fc.quantiles((0.05, 0.5, 0.95))
    if json_out:
        echo_json({"file": str(out), "metadata": fc.metadata,
                   "weekly": [{"date": str(r["date"])[:10], "median": float(r["q50"]),
                               "low": float(r["q5"]), "high": float(r["q95"])}
                              for r in q.to_dict(orient="records")]})
        return
    Console().print(_table(
        f"{kg.scenario.scenario.id}: forecast after {origin} under {policy} ({len(q)} weeks, "
        f"{runs} draws): attacks a week (every 4th week shown)",
        ["week of", "median", "5%", "95%"],
        [[str(r["date"])[:10], f"{r['q50']:.0f}", f"{r['q5']:.0f}", f"{r['q95']:.0f}"]
         for r in q.to_dict(orient="records")[::4]]))
    Console().print(f"Saved {out} (score it with `armednet score {out} --truth FILE`).",
                    highlight=False)
