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
            _print_frame(f"Resilience of {title}: strategy {resilience}", curve,
                         keep=("step", "removed"))
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
    """A cell as text: integers without a decimal point, other floats to 4 significant
    digits (``1.466e-05`` rather than a long row of zeros), NaN empty."""
    if isinstance(value, float):
        if value != value:
            return ""
        return f"{value:.4g}" if not value.is_integer() else f"{value:.0f}"
    return str(value)


def _console() -> Any:
    """A console as wide as the terminal (``COLUMNS`` when set; 80 when not a terminal)."""
    from rich.console import Console

    return Console()


def _header(name: str) -> str:
    return name.replace("_", " ")


def _print_frame(title: str, frame: Any, console: Any = None, keep: tuple[str, ...] = ()
                 ) -> None:
    """Print ``frame`` as tables that fit the console's width.

    Columns that do not fit side by side go to further tables ("part 2 of 3"), each
    repeating the named index and the ``keep`` columns, so that every row stays readable.
    Each column is as wide as its widest cell or header word: headers wrap at spaces, node
    ids and numbers stay whole (a terminal too narrow for even one column folds them).
    """
    from rich.table import Table

    console = console or _console()
    if frame.index.name:
        frame = frame.reset_index()
        keep = (str(frame.columns[0]), *keep)
    frame.columns = [str(c) for c in frame.columns]
    text = {c: [_fmt(v) for v in frame[c]] for c in frame.columns}
    groups = _column_groups([c for c in frame.columns if c not in keep], keep, text,
                            console.width)
    for k, group in enumerate(groups, 1):
        table = Table(title=title + (f" (part {k} of {len(groups)})" if len(groups) > 1
                                     else ""), title_justify="left")
        for c in [*keep, *group]:
            # the width the grouping counted on (rich would otherwise keep a header on one
            # line and squeeze a column of ids instead)
            table.add_column(_header(c), width=_column_width(_header(c), text[c]) - 3,
                             justify="right" if frame[c].dtype.kind in "if" else "left",
                             overflow="fold")
        for i in range(len(frame)):
            table.add_row(*(text[c][i] for c in [*keep, *group]))
        console.print(table)


def _column_width(header: str, cells: list[str]) -> int:
    """Columns a rich table column takes: its widest word or cell, padding and a border.

    Headers wrap at spaces, so only their longest word counts; cells (node ids, numbers)
    must fit whole.
    """
    return max([*map(len, header.split()), *map(len, cells)]) + 3


def _column_groups(columns: list[str], keep: tuple[str, ...], text: dict[str, list[str]],
                   width: int) -> list[list[str]]:
    """``columns`` in groups whose table, with the ``keep`` columns, fits ``width``.

    The key-actor table has a column per measure, ten in all, and the resilience curve
    fourteen: side by side they need about 200 columns, so a narrower terminal gets several
    tables, each with as many columns as fit (at least one).
    """
    used = 1 + sum(_column_width(_header(c), text[c]) for c in keep)
    groups: list[list[str]] = [[]]
    room = width - used
    for c in columns:
        need = _column_width(_header(c), text[c])
        if groups[-1] and need > room:
            groups.append([])
            room = width - used
        groups[-1].append(c)
        room -= need
    return groups


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
    wide = wide[[m for m in dict.fromkeys(overall["measure"])]].fillna("")
    wide.index.name = "rank"
    console = _console()
    _print_frame(f"Key actors of {title}, top by each measure", wide, console)
    by_type = report[report["scope"] != "all"]
    for measure in ("betweenness", "cross_layer_brokerage"):
        part = by_type[by_type["measure"] == measure]
        if len(part):
            best = part[part["rank"] <= 3][["scope", "rank", "node", "value"]]
            best = best.set_index("scope")
            _print_frame(f"Top {_header(measure)} by node type", best, console)
