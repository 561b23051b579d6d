"""``armednet compare-theatres``: each policy preset in each theatre, and a network what-if.

Prints two tables: what each preset does to attacks in each scenario (median, and the
effect paired against the status quo over the same worlds), then how one preset's effect in
one scenario changes when one property of its network is moved toward another scenario's
(:func:`armednet.experiments.theatres.network_whatif`; a what-if on the model's mechanisms,
not a causal estimate). ``--csv`` writes the long comparison table and, beside it, the
what-if table (``<stem>-whatif.csv``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from armednet.cli._common import cli_errors, echo_json, fit_words, live_progress, log

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["compare_theatres"]


@cli_errors
def compare_theatres(
    scenarios: list[str] | None = typer.Argument(
        None, metavar="[PATH|NAME]...",
        help="Scenarios to compare (default: iraq-2024 red-sea-2024)."),
    runs: int = typer.Option(1000, "--runs", "-n", min=1, help="Runs per scenario and "
                             "policy."),
    seed: int = typer.Option(0, "--seed", "-s", min=0, help="Seed (same seed, same output)."),
    preset: list[str] | None = typer.Option(
        None, "--preset", "-p", help="A policy preset to compare (repeatable; default: all). "
        "The status quo always runs, as the baseline."),
    posterior: Path | None = typer.Option(
        None, "--posterior", help="Parameter sets (e.g. from `armednet calibrate`), one drawn "
        "per run by weight; the same sets in every theatre."),
    whatif_base: str | None = typer.Option(
        None, "--whatif-base", help="Scenario whose network the what-if moves (default: the "
        "last scenario)."),
    whatif_donor: str | None = typer.Option(
        None, "--whatif-donor", help="Scenario it is moved toward (default: the first)."),
    whatif_policy: str = typer.Option("strikes", "--whatif-policy",
                                      help="Preset whose effect the what-if measures."),
    no_whatif: bool = typer.Option(False, "--no-whatif", help="Skip the what-if."),
    csv: Path | None = typer.Option(None, "--csv", help="Write the long comparison table "
                                    "here (and the what-if beside it, <stem>-whatif.csv)."),
    db: Path | None = typer.Option(None, "--db", help="Results database: the comparison is "
                                   "stored there for `armednet report` and the dashboard."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar and no notes."),
) -> None:
    """Compare each policy preset across theatres, and which network differences matter."""
    from armednet.errors import InputError
    from armednet.experiments.theatres import compare_theatres as compare
    from armednet.experiments.theatres import network_whatif

    names = list(scenarios or ["iraq-2024", "red-sea-2024"])
    if csv is not None and csv.suffix.lower() != ".csv":
        raise InputError(f"--csv {csv}: expected a .csv file name")
    params = _posterior(posterior)
    base = whatif_base or names[-1]
    donor = whatif_donor or names[0]
    whatif = None
    with _Bar(quiet or json_out) as bar:
        res = compare(names, presets=preset, runs=runs, seed=seed, params=params,
                      progress=bar.task("comparing"))
        if not no_whatif:
            whatif = network_whatif(base, donor, policy=whatif_policy, runs=runs, seed=seed,
                                    params=params, progress=bar.task("what-if"))
    if posterior is not None:
        res.metadata["posterior"] = str(posterior)
    for sc, by_policy in res.metadata["warnings"].items():
        for pol, messages in by_policy.items():
            for m in messages:
                log.warning("%s under %s: %s", sc, pol, m)
    written = _write(csv, res.table, whatif)
    if db is not None:
        from armednet.experiments.theatres import save_comparison

        save_comparison(db, res, whatif)
    if json_out:
        echo_json({"metadata": res.metadata, "comparison": _records(res.table),
                   "whatif": None if whatif is None else _records(whatif),
                   "whatif_metadata": None if whatif is None else dict(whatif.attrs),
                   "csv": [str(p) for p in written]})
        return
    _print_comparison(res)
    if whatif is not None:
        _print_whatif(whatif)
    for path in written:
        print(f"written: {path}")


def _posterior(path: Path | None) -> Any:
    if path is None:
        return None
    from armednet.sim.params import load_parameter_sets

    return load_parameter_sets(path)


class _Bar:
    """A rich progress bar on standard error (only on a terminal, not with --quiet)."""

    def __init__(self, quiet: bool) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                            TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                            console=Console(stderr=True), disable=not live_progress(quiet))

    def __enter__(self) -> _Bar:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)  # type: ignore[arg-type]

    def task(self, label: str) -> Any:
        task = self.bar.add_task(label, total=1.0)

        def progress(done: float, total: float) -> None:
            self.bar.update(task, completed=done / total if total else 1.0)

        return progress


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready records (NaN as null: JSON has no NaN)."""
    return [{str(k): (None if isinstance(v, float) and math.isnan(v) else v)
             for k, v in r.items()}
            for r in df.to_dict(orient="records")]


def _write(csv: Path | None, table: pd.DataFrame, whatif: pd.DataFrame | None) -> list[Path]:
    """Write the tables atomically (no partial file on failure)."""
    if csv is None:
        return []
    from armednet.fileio import atomic_path

    out = [(csv, table)]
    if whatif is not None:
        out.append((csv.with_name(f"{csv.stem}-whatif.csv"), whatif))
    for path, df in out:
        with atomic_path(path) as tmp:
            df.to_csv(tmp, index=False)
    return [p for p, _ in out]


def _num(x: float) -> str:
    """Counts whole above 100 (no exponent for a budget in USD million), else 3 digits."""
    if x is None or math.isnan(x):
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _span(mid: float, lo: float, hi: float) -> str:
    return f"{_num(mid)}\n{_num(lo)}..{_num(hi)}"  # the interval under the median: narrower


def _pct(x: float) -> str:
    return "-" if math.isnan(x) else f"{100 * x:+.0f}%"


def _print_comparison(res: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    meta = res.metadata
    att = res.table[res.table["outcome"] == "attacks"]
    weeks = ", ".join(f"{sc} {w}" for sc, w in meta["weeks"].items())
    t = Table(title=f"Attacks by policy and theatre: {meta['runs']} runs, seed {meta['seed']}, "
              f"weeks {weeks} (median; effect = paired difference from the status quo, "
              f"median and 90% interval over worlds)", title_justify="left")
    t.add_column("policy", no_wrap=True)
    scenarios = list(dict.fromkeys(att["scenario"]))
    for sc in scenarios:
        for col in ("attacks", "effect (90%)", "relative"):
            t.add_column(f"{sc}\n{col}", justify="right")
    for policy in dict.fromkeys(att["policy"]):
        cells = [str(policy)]
        for sc in scenarios:
            r = att[(att["scenario"] == sc) & (att["policy"] == policy)].iloc[0]
            cells += [_num(r["median"]), _span(r["effect"], r["effect_low"], r["effect_high"]),
                      _pct(r["relative"])]
        t.add_row(*cells)
    Console().print(fit_words(t))
    hashes = ", ".join(f"{sc} {h[:12]}" for sc, h in meta["scenarios"].items())
    print(f"scenario hashes {hashes}; parameters {meta['params']}; "
          f"armednet {meta['package_version']}")


def _print_whatif(df: pd.DataFrame) -> None:
    from rich.console import Console
    from rich.table import Table

    a = df.attrs
    t = Table(title=f"What-if on the model: {a['policy']} in {a['base']}, one network property "
              f"moved toward {a['donor']} (effect on attacks, paired; mechanisms are "
              f"assumptions, not causal estimates)", title_justify="left")
    for col, just in (("property", "left"), ("base", "right"), ("donor", "right"),
                      ("moved to", "right"), ("effect before (90%)", "right"),
                      ("effect after (90%)", "right"), ("change", "right"),
                      ("status quo attacks", "right")):
        t.add_column(col, justify=just, no_wrap=col == "property")  # type: ignore[arg-type]
    for _, r in df.iterrows():
        t.add_row(str(r["property"]), _num(r["base_value"]), _num(r["donor_value"]),
                  _num(r["moved_value"]),
                  _span(r["effect_before"], r["effect_before_low"], r["effect_before_high"]),
                  _span(r["effect_after"], r["effect_after_low"], r["effect_after_high"]),
                  _num(r["change"]), f"{_num(r['attacks_before'])}\n-> "
                  f"{_num(r['attacks_after'])}")
    Console().print(fit_words(t))
