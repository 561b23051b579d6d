"""``armednet calibrate`` on counting statements or several theatres at once.

The shared behavioural parameters are fitted on every theatre's data together
(:func:`armednet.validation.theatres.calibrate_theatres`); the posterior file holds them
only (each theatre's reporting factors are in the record), so ``simulate --posterior`` can
run it on any scenario. Each theatre gets its forecast from the day after its data to its
scenario's end, saved beside the posterior as ``forecast-<scenario>.parquet``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from armednet.cli._common import echo_json

__all__ = ["load_data", "parse_theatre", "run_theatres"]


def load_data(path: Path) -> Any:
    """Interval counts or counting statements, by the file's header."""
    from armednet.cli.calibrate import is_statements

    if is_statements(path):
        from armednet.events.statements import load_statements

        return load_statements(path)
    from armednet.events.intervals import load_intervals

    return load_intervals(path)


def parse_theatre(spec: str) -> tuple[str, Path]:
    """``SCENARIO=FILE`` of ``--theatre``.

    Raises
    ------
    InputError
        Without ``=``, or with an empty side.
    """
    from armednet.errors import InputError

    name, sep, file = spec.partition("=")
    if not sep or not name.strip() or not file.strip():
        raise InputError(f"--theatre {spec!r}: expected SCENARIO=FILE, e.g. "
                         "red-sea-2024=cumulative.csv")
    return name.strip(), Path(file.strip())


def forecast_horizon(kg: Any, after: dt.date, default: int) -> int:
    """Whole weeks from the day after ``after`` to the scenario's end (``default`` when the
    scenario states no end, at least 1)."""
    from armednet.kb.dates import latest

    end = kg.scenario.scenario.end
    if end is None:
        return default
    return max(1, (latest(end) - after).days // 7)


def run_theatres(kg: Any, data: Path, specs: Sequence[str], *, priors: Any, particles: int,
                 generations: int, seed: int, patterns: Sequence[str] | None,
                 replicates: int, out: Path, db: Path | None, forecast_weeks: int,
                 json_out: bool, run: Callable[[Any, bool], Any], workers: int = 1) -> None:
    """Fit, save the posterior, the record and each theatre's forecast, print them."""
    from armednet.errors import InputError
    from armednet.kb import KnowledgeGraph
    from armednet.validation.theatres import Theatre, calibrate_theatres

    theatres = [Theatre(kg, load_data(data), patterns or None)]
    for spec in specs:
        name, file = parse_theatre(spec)
        theatres.append(Theatre(KnowledgeGraph.load(name), load_data(file)))
    if len({t.name for t in theatres}) != len(theatres):
        raise InputError("--theatre: each scenario may be given once (the first is the "
                         "command's scenario)")
    result = run(lambda progress: calibrate_theatres(
        theatres, priors=priors, particles=particles, generations=generations, seed=seed,
        replicates=replicates, progress=progress, workers=workers), json_out)
    save_theatres(result, out, db)
    for th, block in zip(theatres, result.record["theatres"], strict=True):
        after = th.cutoff
        weeks = forecast_horizon(th.kg, after, forecast_weeks)
        path = out.with_name(f"forecast-{th.name}.parquet")
        block["forecast"] = _forecast(th.kg, out, after, weeks, seed, path)
    if db is not None:
        _store(result.record, db)
    if json_out:
        echo_json(result.record)
        return
    _print(result.record, out, db)


def save_theatres(result: Any, out: Path, db: Path | None) -> None:
    """The posterior of the shared parameters (Parquet, atomically)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from armednet.fileio import atomic_path

    rec = result.record
    cols = [*rec["params"], "weight"]
    table = pa.Table.from_pandas(result.posterior[cols], preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"armednet"] = json.dumps({k: rec.get(k) for k in (
        "method", "scenarios", "params", "theatre_params", "priors", "seed",
        "package_version", "n_particles", "created")}, default=str).encode()
    with atomic_path(out) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    rec["posterior_file"] = str(out)


def _store(record: dict[str, Any], db: Path) -> None:
    from armednet.experiments.store import open_store

    with open_store(db) as store:
        store.save_analysis("calibration-theatres", "latest", record)
        store.save_analysis("calibration-theatres", f"run-{record['created']}", record)


def _forecast(kg: Any, posterior: Path, after: dt.date, weeks: int, seed: int,
              path: Path) -> dict[str, Any]:
    from armednet.validation.forecast import forecast_from_posterior

    fc = forecast_from_posterior(kg, posterior, after=after, weeks=weeks, runs=2000,
                                 seed=seed)
    fc.save(path)
    q = fc.quantiles((0.05, 0.25, 0.5, 0.75, 0.95))
    rows = [{"date": str(r["date"])[:10], "median": float(r["q50"]), "low": float(r["q5"]),
             "high": float(r["q95"]), "q25": float(r["q25"]), "q75": float(r["q75"])}
            for r in q.to_dict(orient="records")]
    total = fc.samples.sum(axis=1)
    return {"after": after.isoformat(), "weeks": len(rows), "weekly": rows,
            "file": str(path), "total_median": float(_quantile(total, 0.5)),
            "total_low": float(_quantile(total, 0.05)),
            "total_high": float(_quantile(total, 0.95))}


def _quantile(x: Any, q: float) -> float:
    import numpy as np

    return float(np.quantile(np.asarray(x, dtype=float), q))


def _print(record: dict[str, Any], out: Path, db: Path | None) -> None:
    from rich.console import Console

    from armednet.cli.calibrate import _fmt, _table

    console = Console()
    console.print(_table(
        "ABC-SMC generations over " + ", ".join(record["scenarios"]),
        ["generation", "tolerance", "proposals", "acceptance", "ESS share"],
        [[str(g["generation"]), _fmt(g["tolerance"], ".3f"), str(g["proposals"]),
          _fmt(g["acceptance"], ".0%"),
          _fmt(g["ess_share"], ".0%") + ("" if g["complete"] else " (abandoned)")]
         for g in record["generations"]]))
    ratio = {r["parameter"]: r for r in record["informed"]}
    console.print(_table(
        "Shared parameters and each theatre's reporting factors (posterior median, 90% "
        "interval; informed: posterior/prior 90% width)",
        ["parameter", "median", "5%", "95%", "prior", "width ratio"],
        [[r["parameter"], f"{r['median']:.3g}", f"{r['low']:.3g}", f"{r['high']:.3g}",
          f"{r['prior_low']:g} .. {r['prior_high']:g}",
          f"{ratio[r['parameter']]['ratio']:.2f}"] for r in record["posterior_summary"]]))
    for block in record["theatres"]:
        console.print(_table(
            f"{block['scenario']}: patterns (observed, posterior predictive 90% interval)",
            ["pattern", "observed", "median", "5%", "95%", "P(=)", "distance"],
            [[p["name"], f"{p['observed']:.3g}", f"{p['simulated']['median']:.3g}",
              f"{p['simulated']['low']:.3g}", f"{p['simulated']['high']:.3g}",
              _fmt(p.get("p_equal_observed"), ".0%"), f"{p['distance_median']:.2f}"]
             for p in block["patterns"]]))
        if block.get("statements"):
            console.print(_table(
                f"{block['scenario']}: counting statements against the model's reports "
                "(90% interval; a lower bound is met when the 95% quantile reaches it)",
                ["series", "window", "bound", "observed", "median", "5%", "95%", "inside"],
                [[r["series_id"], f"{r['period_start']} .. {r['day']}", r["bound"],
                  f"{r['observed']:.0f}", f"{r['median']:.0f}", f"{r['low']:.0f}",
                  f"{r['high']:.0f}", "yes" if r["inside"] else "NO"]
                 for r in block["statements"]]))
        fc = block.get("forecast")
        if fc:
            console.print(_table(
                f"{block['scenario']}: forecast after {fc['after']} ({fc['weeks']} weeks, "
                "made without data from that period): attacks a week",
                ["week of", "median", "5%", "95%"],
                [[r["date"], f"{r['median']:.0f}", f"{r['low']:.0f}", f"{r['high']:.0f}"]
                 for r in fc["weekly"][::4]]))
            console.print(f"Forecast total: median {fc['total_median']:.0f} (90%: "
                          f"{fc['total_low']:.0f}-{fc['total_high']:.0f}); {fc['file']}",
                          highlight=False)
    rs = record["resimulation"]
    console.print(f"Re-simulated {rs['draws']} final particles: {rs['share']:.0%} within the "
                  f"final tolerance. {record['seconds']:.0f} s. Posterior (shared "
                  f"parameters): {out}" + (f"; stored in {db}" if db else ""),
                  highlight=False)
