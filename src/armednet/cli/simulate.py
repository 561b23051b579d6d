"""``armednet simulate``: run an ensemble of the model under one policy."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer
import typer.core

from armednet.cli._common import cli_errors, echo_json, fit_words, live_progress

__all__ = ["SimulateCommand", "simulate"]

POLICY_HELP = "A preset ({presets}) or a YAML/JSON policy file."
"""Help of ``--policy``; ``{presets}`` is filled from :data:`armednet.sim.policy.PRESETS`
when the help is shown (importing the model for every command would slow them all)."""


class SimulateCommand(typer.core.TyperCommand):
    """``armednet simulate``: its help lists every preset of :mod:`armednet.sim.policy`."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from armednet.sim.policy import PRESETS

        for param in self.params:
            if param.name == "policy" and hasattr(param, "help"):
                param.help = POLICY_HELP.format(presets=", ".join(PRESETS))
        super().format_help(ctx, formatter)

#: Outcomes printed by default (the rest are in --json and the output file).
MAIN_OUTCOMES = ("attacks", "final_year_attack_rate", "casualties", "civilian_harm",
                 "ceasefire_spells", "first_ceasefire_week", "ceasefire_mean_length",
                 "time_to_resumption", "lethal_attacks", "ceasefire_ends_decay",
                 "ceasefire_ends_trigger", "ceasefire_ends_provocation",
                 "undisciplined_share", "factions_final", "groups_ended",
                 "capture_final", "military_final", "funds_final", "backing_final",
                 "protest_mean", "repression_harm")


def _parse_params(items: list[str] | None) -> dict[str, float]:
    from armednet.errors import InputError

    out: dict[str, float] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            raise InputError(f"--param {item!r}: expected NAME=VALUE, e.g. rent_rate=0.05")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise InputError(f"--param {item!r}: {value!r} is not a number") from None
    return out


def _print_lists(params: bool, mechanisms: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if params:
        from armednet.sim.params import PARAMETERS

        table = Table(title="Model parameters (docs/model.md)", title_justify="left")
        # names whole (no_wrap); the other cells wrap between words (fit_words)
        for col in ("name", "mechanism", "unit", "default", "range", "source"):
            table.add_column(col, no_wrap=col == "name")
        for p in PARAMETERS.values():
            table.add_row(p.name, p.mechanism, p.unit, f"{p.default:g}",
                          f"{p.low:g} .. {p.high:g}", p.source)
        console.print(fit_words(table))
    if mechanisms:
        from armednet.sim.mechanisms import MECHANISMS

        table = Table(title="Mechanisms (switch off with --off NAME)", title_justify="left")
        for col in ("name", "claims", "what it does"):
            table.add_column(col, no_wrap=col == "name")
        for m in MECHANISMS.values():
            table.add_row(m.name, " ".join(m.claims), m.summary)
        console.print(fit_words(table))


@cli_errors
def simulate(
    scenario: str | None = typer.Argument(
        None, metavar="[PATH|NAME]",
        help="A scenario file or directory, or a bundled scenario name (default: iraq-2024)."),
    policy: str = typer.Option("status-quo", "--policy", "-p", help=POLICY_HELP),
    runs: int = typer.Option(1000, "--runs", "-n", min=1, help="Runs in the ensemble."),
    weeks: int = typer.Option(104, "--weeks", "-w", min=1, max=1040,
                              help="Weeks from the scenario's start."),
    seed: int = typer.Option(0, "--seed", "-s", min=0, help="Seed (same seed, same output)."),
    param: list[str] | None = typer.Option(None, "--param", help="Fix a parameter, "
                                           "NAME=VALUE (repeatable)."),
    off: list[str] | None = typer.Option(None, "--off", help="Switch a mechanism off "
                                         "(repeatable)."),
    posterior: Path | None = typer.Option(
        None, "--posterior", help="Parameter sets (e.g. from `armednet calibrate`), one "
        "drawn per run by weight (implies --uncertainty posterior)."),
    uncertainty: str | None = typer.Option(
        None, "--uncertainty", metavar="none|prior|posterior",
        help="What the intervals cover: random draws at fixed parameters (none, the "
        "default), also each parameter drawn from its documented range (prior), or "
        "parameter sets from --posterior (posterior)."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Write per-run summaries to this Parquet file."),
    weekly_out: Path | None = typer.Option(
        None, "--weekly-out", help="Stream weekly trajectories to this Parquet file (long "
        "form: one row per run, week, variable and group, like the experiment exports)."),
    record: list[str] | None = typer.Option(
        None, "--record", help="Weekly variable to stream with --weekly-out (repeatable; "
        "default: all of them, see docs/model.md)."),
    workers: int = typer.Option(
        0, "--workers", "-j", min=0, help="Processes computing runs, this one included "
        "(default 0: one per CPU, capped by the number of chunks; 1: this process only). "
        "Results do not depend on it; small ensembles stay in this process."),
    backend: str | None = typer.Option(
        None, "--backend", metavar="numba|numpy", help="How the weekly step runs: compiled "
        "kernels (numba, the default) or the vectorised NumPy reference; they agree to "
        "rounding."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    list_params: bool = typer.Option(False, "--list-params",
                                     help="List the model parameters and exit."),
    list_mechanisms: bool = typer.Option(False, "--list-mechanisms",
                                         help="List the mechanisms and exit."),
) -> None:
    """Simulate an ensemble under one policy; print medians with 90% intervals."""
    if list_params or list_mechanisms:
        _print_lists(list_params, list_mechanisms)
        return
    from armednet.errors import InputError

    for label, path in (("--out", out), ("--weekly-out", weekly_out)):
        if path is not None and path.suffix.lower() != ".parquet":
            raise InputError(f"{label} {path}: expected a .parquet file name")
    if out is not None and weekly_out is not None and out.resolve() == weekly_out.resolve():
        raise InputError("--out and --weekly-out must be different files")
    if record and weekly_out is None:
        raise InputError("--record needs --weekly-out (the file the weekly series go to)")
    params: dict[str, Any] = _parse_params(param)
    _start_workers(runs, workers)
    kind = _uncertainty(uncertainty, posterior)
    ens = _prepare_quietly(scenario, policy=policy, runs=runs, weeks=weeks, seed=seed,
                           params=params, draws=_draws(kind, posterior, seed, set(params)),
                           mechanisms={name: False for name in off or []}, backend=backend,
                           record=(list(record) if record else "weekly")
                           if weekly_out is not None else "summary")
    ens.metadata["uncertainty"] = kind
    if posterior is not None:
        ens.metadata["posterior"] = str(posterior)
    table = _run(ens, out, weekly_out, quiet=json_out, workers=workers)
    if json_out:
        echo_json({"metadata": ens.metadata,
                   "outcomes": table.reset_index().to_dict(orient="records"),
                   "out": str(out) if out else None,
                   "weekly_out": str(weekly_out) if weekly_out else None})
        return
    _print_table(ens.metadata, table)
    for path in (out, weekly_out):
        if path is not None:
            print(f"written: {path}")


def _uncertainty(kind: str | None, posterior: Path | None) -> str:
    from armednet.errors import InputError

    kind = kind or ("posterior" if posterior is not None else "none")
    if kind not in ("none", "prior", "posterior"):
        raise InputError(f"--uncertainty {kind}: expected none, prior or posterior")
    if kind == "posterior" and posterior is None:
        raise InputError("--uncertainty posterior needs --posterior FILE (from `armednet "
                         "calibrate`)")
    if kind != "posterior" and posterior is not None:
        raise InputError(f"--posterior contradicts --uncertainty {kind}")
    return kind


def _draws(kind: str, posterior: Path | None, seed: int, fixed: set[str]) -> Any:
    """The per-run parameter draws for the kind of uncertainty (none: None), drawn chunk
    by chunk by the engine (memory bounded at any number of runs); parameters fixed with
    --param keep their value under the prior, and clash with a posterior."""
    from armednet.errors import InputError
    from armednet.sim.params import PriorDraws, SetDraws, load_parameter_sets

    if kind == "prior":
        return PriorDraws(seed, exclude=frozenset(fixed))
    if kind == "posterior" and posterior is not None:
        draws = SetDraws(load_parameter_sets(posterior), seed)
        clash = sorted(set(draws.names) & fixed)
        if clash:
            raise InputError(f"--param and --posterior both set: {', '.join(clash)}")
        return draws
    return None


def _prepare_quietly(scenario: Any, **kwargs: Any) -> Any:
    """``prepare``, with levers that have nothing to act on said on stderr, once."""
    import warnings

    from armednet.sim.engine import prepare
    from armednet.sim.policy import LeverWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LeverWarning)
        ens = prepare(scenario, **kwargs)
    for w in caught:
        if issubclass(w.category, LeverWarning):
            print(f"warning: {w.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return ens


STREAM_RUNS = 200_000
"""Above this many runs the summaries go through a temporary Parquet file even without
``--out`` (memory stays bounded; the table is computed from the file)."""


def _start_workers(runs: int, workers: int) -> None:
    """Start the worker pool first when the ensemble will use one, so that the workers'
    start-up overlaps loading the scenario."""
    from armednet.sim.engine import DEFAULT_CHUNK, plan_workers, start_workers

    n, _ = plan_workers(runs, DEFAULT_CHUNK, workers)
    if n > 1:
        start_workers(n)


def _run(ens: Any, out: Path | None, weekly_out: Path | None, quiet: bool,
         workers: int) -> Any:
    """Run the ensemble (writing the files asked for); the table of medians and intervals.

    Summaries written to a file are streamed chunk by chunk and the table is computed
    from the file (exact quantiles, one column in memory at a time); small ensembles
    without ``--out`` are summarised in memory.
    """
    import tempfile

    import pandas as pd
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from armednet.sim.engine import shutdown_workers
    from armednet.sim.output import stream_parquet, summary_table, summary_table_parquet

    live = live_progress(quiet)
    bar = Progress(TextColumn("[bold]simulating"), BarColumn(),
                   TextColumn("{task.percentage:>3.0f}%"), TimeRemainingColumn(),
                   console=Console(stderr=True), disable=not live)
    with bar:
        task = bar.add_task("runs", total=float(ens.runs) * ens.inputs.weeks)

        def progress(done: float, total: float) -> None:
            bar.update(task, completed=done)

        if out is None and weekly_out is None and ens.runs <= STREAM_RUNS:
            return summary_table(pd.concat([c.summary for c in ens.chunks(
                progress, workers=workers)], ignore_index=True))
        with tempfile.TemporaryDirectory() as scratch:
            # the summaries go somewhere even when only weekly series are asked for
            target = out if out is not None else Path(scratch) / "summary.parquet"
            stream_parquet(ens, target, weekly_out, progress=progress, workers=workers)
            shutdown_workers()  # their memory, before the table is computed from the file
            return summary_table_parquet(target)


def _print_table(meta: dict[str, Any], table: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = [o for o in MAIN_OUTCOMES if o in table.index]
    rows += [o for o in table.index if o.startswith("power_")]
    from armednet.sim.params import UNCERTAINTY

    covers = UNCERTAINTY[meta.get("uncertainty", "none")]
    t = Table(title=f"{meta['scenario']} under {meta['policy']}: {meta['runs']} runs x "
              f"{meta['weeks']} weeks, seed {meta['seed']} (median and 90% interval over "
              f"{covers})", title_justify="left")
    for col, just in (("outcome", "left"), ("median", "right"), ("5%", "right"),
                      ("95%", "right"), ("runs", "right")):
        t.add_column(col, justify=just)  # type: ignore[arg-type]
    for name in rows:
        r = table.loc[name]
        t.add_row(name, f"{r['median']:.4g}", f"{r['low']:.4g}", f"{r['high']:.4g}",
                  f"{int(r['n'])}")
    Console().print(t)
    print(f"scenario hash {meta['scenario_hash'][:12]}, armednet {meta['package_version']}")
