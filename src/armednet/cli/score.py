"""``armednet score``: score a saved forecast against what happened, beside naive baselines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from armednet.cli._common import cli_errors, echo_json

__all__ = ["score"]


@cli_errors
def score(
    forecast: Path = typer.Argument(..., metavar="FORECAST",
                                    help="A forecast file (Parquet, from Forecast.save)."),
    truth: Path = typer.Option(..., "--truth", metavar="FILE",
                               help="Observed counts: intervals (first_day, "
                               "interval_end_inclusive, attacks) or weekly counts "
                               "(week_start or date, attacks)."),
    history: Path | None = typer.Option(
        None, "--history", metavar="FILE",
        help="Counts before the forecast's origin, for the baselines (same formats; "
        "default: the rows of --truth that end on or before the origin)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the baselines' draws and of "
                             "spreading weeks over days."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    out: Path | None = typer.Option(None, "--output", "-o", metavar="FILE",
                                    help="Also write the scores: .csv (one row per "
                                    "forecaster) or .json (everything)."),
) -> None:
    """Score a forecast (CRPS, log score, 50%/90% coverage, PIT) against four baselines.

    Baselines: the pre-war rate (0.7 a week), the last interval's rate, the mean of the
    last 4 weeks and the empirical distribution of the last 8 weeks, all built from the
    counts before the forecast's origin (docs/validation.md).
    """
    from armednet.errors import InputError

    if out is not None and out.suffix.lower() not in (".csv", ".json"):
        raise InputError(f"--output {out}: expected a .csv or .json file name")
    record = _score(forecast, truth, history, seed)
    if out is not None:
        _write(record, out)
    if json_out:
        echo_json(record)
        return
    _print(record, out)


def _score(forecast: Path, truth: Path, history: Path | None, seed: int) -> dict[str, Any]:
    import numpy as np

    from armednet.errors import InputError
    from armednet.validation.baselines import baseline_forecasts
    from armednet.validation.forecast import Forecast
    from armednet.validation.scoring import (
        load_truth,
        paired_differences,
        pit_by,
        score_forecasts,
        summarize,
        verdict,
    )

    fc = Forecast.load(forecast)
    observed = load_truth(truth)
    past = load_truth(history) if history is not None else observed
    if not any(b <= fc.origin for b in past.last_day):
        where = f"{history}" if history is not None else f"{truth} (--truth)"
        raise InputError(f"{where}: no counts end on or before the forecast's origin "
                         f"{fc.origin}; the baselines need them: give --history FILE")
    forecasts = {fc.name: fc, **baseline_forecasts(past, fc, seed=seed)}
    scores = score_forecasts(forecasts, observed, seed=seed)
    summary = summarize(scores)
    pits = pit_by(scores)
    summary["pit"] = [[round(v, 3) for v in pits[n]] for n in summary["forecaster"]]
    rows = scores.copy()
    for col in ("first_day", "last_day"):
        rows[col] = rows[col].astype(str)
    return {
        "forecast": str(forecast), "truth": str(truth),
        "history": str(history) if history is not None else str(truth),
        "origin": fc.origin.isoformat(), "forecast_metadata": fc.metadata,
        "units": int(np.count_nonzero(scores["forecaster"] == fc.name)),
        "summary": summary.to_dict(orient="records"),
        "scores": rows.to_dict(orient="records"),
        "comparison": paired_differences(scores, model=fc.name).to_dict(orient="records"),
        "verdict": verdict(summary, model=fc.name),
    }


def _write(record: dict[str, Any], out: Path) -> None:
    import json

    import pandas as pd

    from armednet.fileio import atomic_path

    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".json":
            tmp.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
            return
        table = pd.DataFrame(record["summary"])
        bins = table.pop("pit").tolist()
        pit = pd.DataFrame(bins, columns=[f"pit{j + 1}" for j in range(len(bins[0]))])
        pd.concat([table, pit], axis=1).to_csv(tmp, index=False)


def _compact(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") or "0"


def _print(record: dict[str, Any], out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"Scores against {record['truth']} (origin {record['origin']}; lower "
              "CRPS and log score are better)", title_justify="left")
    for col in ("forecaster", "CRPS", "log score", "50% cover", "90% cover", "units"):
        t.add_column(col, justify="left" if col == "forecaster" else "right")
    for r in record["summary"]:
        t.add_row(str(r["forecaster"]), f"{r['crps']:.3g}", f"{r['log_score']:.3g}",
                  f"{r['cover50']:.0%}", f"{r['cover90']:.0%}", str(r["n"]))
    console.print(t)
    width = max(len(str(r["forecaster"])) for r in record["summary"])
    console.print("PIT histogram (10 bins from 0 to 1, expected counts; flat when "
                  "calibrated):", highlight=False)
    for r in record["summary"]:
        console.print(f"  {r['forecaster']!s:<{width}}  "
                      + " ".join(_compact(v) for v in r["pit"]), highlight=False)
    diffs = ", ".join(f"{c['forecaster']} {c['crps_diff']:+.3g} ({c['se']:.2g})"
                      for c in record["comparison"])
    console.print(f"Mean CRPS difference, model minus baseline (rough standard error): "
                  f"{diffs}.", highlight=False)
    console.print(record["verdict"], highlight=False)
    if out is not None:
        console.print(f"written: {out}", highlight=False)
