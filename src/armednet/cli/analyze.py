"""``armednet analyze``: key actors, what-if impact and resilience curves of a scenario.

Every analysis covers the scenario's window as a whole unless ``--at`` names a date (the
snapshot that day) or ``all`` (every fact on record); the first line says which. A date
outside the window gives a one-line warning on standard error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from armednet.cli._common import cli_errors, echo_json, err
from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.analysis import Net
    from armednet.kb import KnowledgeGraph

__all__ = ["analyze"]

T = TypeVar("T")


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@cli_errors
def analyze(
    scenario: str | None = typer.Argument(
        None, metavar="[PATH|NAME]",
        help="A scenario file or directory, or a bundled scenario name (default: iraq-2024)."),
    at: str | None = typer.Option(
        None, "--at", metavar="DATE|all",
        help="The snapshot on a date (YYYY[-MM[-DD]]), or 'all' for every fact on record. "
        "Default: the scenario's window as a whole (facts active at some point in it)."),
    layer: list[str] | None = typer.Option(None, "--layer", help="Only this layer "
                                           "(repeatable)."),
    top: int = typer.Option(10, "--top", min=1, help="Actors per measure and node type."),
    remove: list[str] | None = typer.Option(
        None, "--remove", help="What-if: remove these node ids (comma-separated)."),
    cut_ties: list[str] | None = typer.Option(
        None, "--cut-ties", help="What-if: cut every tie of these types (comma-separated)."),
    resilience: str | None = typer.Option(
        None, "--resilience", help="Resilience curve by strategy: random, degree, "
        "betweenness, leaders, military, political."),
    steps: int | None = typer.Option(None, "--steps", min=1, help="Resilience: removals "
                                     "(default: all candidates, at most 100)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random strategy."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print the key-actor report, the impact of a removal, or a resilience curve."""
    from armednet.analysis import key_actor_report, resilience_curve, what_if
    from armednet.analysis._backend import check_layers
    from armednet.kb import KnowledgeGraph

    layers = check_layers(_split(layer)) if layer else None
    kg = KnowledgeGraph.load(scenario)
    net = _prepare(kg, at, layers)
    assert net.period is not None
    title = kg.name + (f" at {net.at}" if net.at else "") + (
        f", layers {', '.join(layers)}" if layers else "")
    header = f"{kg.name}: covers {net.period.describe()}"
    period = net.period.as_dict()
    removed, cut = _split(remove), _split(cut_ties)
    if removed or cut:
        res = _flags(lambda: what_if(net, remove=removed, cut_ties=cut))
        if json_out:
            echo_json({"scenario": kg.name, "at": net.at, "period": period,
                       "removed": list(res.removed),
                       "cut_ties": list(res.cut_ties),
                       "before": _records(res.before), "after": _records(res.after),
                       "delta": _records(res.delta)})
        else:
            _print_header(header)
            _print_whatif(title, res)
        return
    if resilience is not None:
        curve = resilience_curve(net, resilience, steps=steps, seed=seed)
        if json_out:
            echo_json({"scenario": kg.name, "at": net.at, "period": period,
                       "strategy": resilience, "curve": curve.to_dict(orient="records")})
        else:
            _print_header(header)
            _print_frame(f"Resilience of {title}: strategy {resilience}", curve)
        return
    report = key_actor_report(net, top=top)
    if json_out:
        echo_json({"scenario": kg.name, "at": net.at, "period": period, "layers": layers,
                   "report": report.to_dict(orient="records")})
    else:
        _print_header(header)
        _print_report(title, report)


def _print_header(text: str) -> None:
    """The line saying what the analysis covers, folded to the terminal's width."""
    import shutil
    import textwrap

    width = max(40, shutil.get_terminal_size((100, 24)).columns)
    print(textwrap.fill(text, width=width, subsequent_indent="  ", break_long_words=False))


def _prepare(kg: KnowledgeGraph, at: str | None, layers: list[str] | None) -> Net:
    """The graph cut to ``--at`` (checked here, so errors name the flag); a date outside
    the scenario's window gives a one-line warning on stderr."""
    import warnings

    from armednet.analysis import OutsideWindowWarning, as_net
    from armednet.kb.dates import normalize_partial_date

    if at is not None and at not in ("all", "window"):
        try:
            normalize_partial_date(at)
        except ValueError as exc:
            raise InputError(f"--at: {exc} (or 'all' for every fact on record)") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OutsideWindowWarning)
        net = as_net(kg, layer=layers, at=at)
    for w in caught:
        if issubclass(w.category, OutsideWindowWarning):
            err(f"warning: {_flag_text(str(w.message))}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return net


_AT = re.compile(r"\bat=(?:'([^']*)'|([^\s,;)]+))")


def _flag_text(text: str) -> str:
    """A library message in the CLI's terms: ``at=2020-01-02`` -> ``--at 2020-01-02``."""
    return _AT.sub(lambda m: f"--at {m.group(1) if m.group(1) is not None else m.group(2)}",
                   text)


def _flags(call: Callable[[], T]) -> T:
    """Run ``call``; an input error's ``at=`` becomes ``--at``."""
    try:
        return call()
    except InputError as exc:
        raise InputError(_flag_text(str(exc))) from None


def _records(frame: Any) -> dict[str, dict[str, float | None]]:
    return {str(idx): {k: (None if v != v else float(v)) for k, v in row.items()}
            for idx, row in frame.iterrows()}


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.4g}" if not value.is_integer() else f"{value:.0f}"
    return str(value)


def _print_frame(title: str, frame: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    cols = [str(c) for c in frame.columns]
    if frame.index.name:
        table.add_column(frame.index.name)
    for c in cols:
        table.add_column(c.replace("_", " "), justify="right" if frame[c].dtype.kind in "if"
                         else "left")
    for idx, row in frame.iterrows():
        cells = [_fmt(row[c]) for c in cols]
        table.add_row(*([str(idx)] if frame.index.name else []), *cells)
    Console(width=200).print(table)


def _print_whatif(title: str, res: Any) -> None:
    summary = res.summary()
    summary.index.name = "measure"
    what = ", ".join([*res.removed, *(f"all {t} ties" for t in res.cut_ties)])
    _print_frame(f"What if {what} were gone ({title})", summary)
    groups = res.delta.drop(index="network")
    groups = groups.loc[(groups.fillna(0) != 0).any(axis=1),
                        ["command_reach", "state_capture", "embeddedness_weight",
                         "state_ties"]]
    if len(groups):
        groups.index.name = "group"
        _print_frame("Change per armed group", groups)


def _print_report(title: str, report: Any) -> None:
    if report.empty:
        print(f"{title}: no actors")
        return
    overall = report[report["scope"] == "all"]
    wide = overall.pivot(index="rank", columns="measure", values="node")
    wide = wide[[m for m in dict.fromkeys(overall["measure"])]]
    wide.index.name = "rank"
    _print_frame(f"Key actors of {title} (top by each measure)", wide.fillna(""))
    by_type = report[report["scope"] != "all"]
    for measure in ("betweenness", "cross_layer_brokerage"):
        part = by_type[by_type["measure"] == measure]
        if len(part):
            best = part[part["rank"] <= 3][["scope", "rank", "node", "value"]]
            best = best.set_index("scope")
            _print_frame(f"Top {measure.replace('_', ' ')} by node type", best)
