"""``armednet events``: import ACLED/UCDP files, match actors, weekly series, rejects."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from armednet.cli._common import cli_errors, echo_json, live_progress

if TYPE_CHECKING:
    from armednet.events.formats import Detected
    from armednet.events.store import ImportResult

__all__ = ["app"]

app = typer.Typer(help="Import ACLED and UCDP event files, match their actors to a scenario, "
                  "and build weekly series.", no_args_is_help=True)

DB_OPT = typer.Option(..., "--db", metavar="FILE", help="The DuckDB store file.")
JSON_OPT = typer.Option(False, "--json", help="Print JSON.")


@app.command("import")
@cli_errors
def import_(
    files: list[Path] = typer.Argument(..., metavar="FILE...", help="Event files to import."),
    db: Path = DB_OPT,
    fmt: str | None = typer.Option(
        None, "--format", "-f", metavar="F",
        help="Layout, overriding detection: acled, acled-api, acled-api-json, acled-weekly, "
        "ucdp-ged or ucdp-ged-hdx."),
    json_out: bool = JSON_OPT,
) -> None:
    """Import event files; print rows read = loaded + rejected for each.

    Every file is checked before the store is touched; each file is imported in one
    transaction; re-importing a file adds nothing. Codes outside the ACLED and UCDP codebooks
    reject their record; values the codebook rules out but the source carries are loaded and
    counted as flagged.
    """
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from armednet.events.store import import_files

    err_console = Console(stderr=True)
    results: list[ImportResult] = []
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=err_console, transient=True,
                  disable=json_out or not live_progress()) as progress:
        task = progress.add_task("checking files", total=len(files))

        def on_start(path: Path, det: Detected) -> None:
            progress.update(task, description=f"importing {path.name} ({det.format.name})")

        def on_result(res: ImportResult) -> None:
            progress.advance(task)
            if not json_out:
                print(res.summary(), flush=True)

        results = import_files(db, files, fmt, on_result=on_result, on_start=on_start)
    if json_out:
        echo_json({"db": str(db), "files": [r.as_dict() for r in results]})
    elif len(results) > 1:
        read = sum(r.rows_read for r in results if not r.already_imported)
        loaded = sum(r.rows_loaded for r in results if not r.already_imported)
        rejected = sum(r.rows_rejected for r in results if not r.already_imported)
        flagged = sum(r.rows_flagged for r in results if not r.already_imported)
        print(f"total: read {read:,} = loaded {loaded:,} + rejected {rejected:,}"
              + (f"; flagged {flagged:,}" if flagged else "")
              + f" ({len(results)} files) into {db}")


@app.command("match")
@cli_errors
def match(
    scenario: str | None = typer.Argument(
        None, metavar="[SCENARIO]",
        help="A scenario file or directory, or a bundled scenario name (default: iraq-2024)."),
    db: Path = DB_OPT,
    head: int = typer.Option(15, "--head", min=0, help="Review rows to show."),
    generic: bool = typer.Option(
        False, "--generic", help="Also list the generic labels (Militia (Pro-Iran), "
        "Unidentified Armed Group ...) that are left unmapped unless given as aliases."),
    json_out: bool = JSON_OPT,
) -> None:
    """Match event actor strings to the scenario's nodes; fill the review table.

    Settle a review row by adding the string to the right node's aliases in the scenario
    and running this command again.
    """
    from armednet.events.matching import generic_actors, match_store
    from armednet.events.store import open_store
    from armednet.kb import KnowledgeGraph

    kg = KnowledgeGraph.load(scenario)
    con = open_store(db, read_only=True)
    con.close()
    con = open_store(db)
    try:
        summary = match_store(con, kg, head=head)
        labels = generic_actors(con, kg.name, limit=head) if generic else []
    finally:
        con.close()
    if json_out:
        echo_json({**summary.as_dict(), **({"generic": labels} if generic else {})})
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    c, e = summary.counts, summary.events
    console.print(
        f"{summary.scenario}: matched {c['matched']:,} ({e['matched']:,} appearances), "
        f"ambiguous {c['ambiguous']:,} ({e['ambiguous']:,}), unmatched {c['unmatched']:,} "
        f"({e['unmatched']:,}), generic {c['generic']:,} ({e['generic']:,}) actor strings",
        markup=False, highlight=False)
    if summary.review and head:
        table = Table(title="Review (settle by adding aliases to the scenario)",
                      title_justify="left")
        for col, kw in (("actor", {}), ("status", {}), ("n", {"justify": "right"}),
                        ("best node", {}), ("score", {"justify": "right"})):
            table.add_column(col, **kw)  # type: ignore[arg-type]
        for r in summary.review:
            table.add_row(str(r["actor"]), str(r["status"]), f"{r['appearances']:,}",
                          str(r["best_node"] or ""), f"{r['best_score']:.0f}")
        console.print(table)
    if labels:
        table = Table(title="Generic labels (unmapped unless added as aliases)",
                      title_justify="left")
        table.add_column("actor")
        table.add_column("n", justify="right")
        for r in labels:
            table.add_row(str(r["actor"]), f"{r['appearances']:,}")
        console.print(table)


@app.command("series")
@cli_errors
def series(
    db: Path = DB_OPT,
    by: str = typer.Option(
        "type", "--by", help="actor, actor_name, country, type, sub_type, target or total."),
    start: str | None = typer.Option(
        None, "--start", help="First week's first day (use the scenario's start date to align "
        "with a simulation)."),
    end: str | None = typer.Option(None, "--end", help="Last day counted."),
    weekday: str = typer.Option("MON", "--weekday", help="Week start when --start is not set."),
    dataset: str | None = typer.Option(
        None, "--dataset", help="acled, acled-weekly or ucdp-ged (needed if the store holds "
        "several)."),
    scenario: str | None = typer.Option(
        None, "--scenario", help="Scenario id whose actor matches are used (--by actor)."),
    country: str | None = typer.Option(None, "--country", help="Only events in this country."),
    event_type: list[str] | None = typer.Option(
        None, "--type", metavar="TYPE", help="Only this event type (repeat for several)."),
    foreign: bool = typer.Option(
        False, "--foreign-forces", help="Only the attacks on foreign forces (one column)."),
    target: list[str] | None = typer.Option(
        None, "--target-node", metavar="NODE", help="With --foreign-forces: these target nodes "
        "instead of every foreign_force node (repeat for several)."),
    out: Path | None = typer.Option(None, "--out", metavar="FILE.csv", help="Write CSV."),
    json_out: bool = JSON_OPT,
) -> None:
    """Weekly event counts by actor, country, type or target type.

    Give the scenario's start date as --start to line the weeks up with a simulation. Weeks
    the imported files do not wholly cover are missing ("-", null, empty), not zero.
    """
    from armednet.events.series import ATTACK_EVENT_TYPES, foreign_force_attacks, weekly_counts
    from armednet.events.store import open_store

    con = open_store(db, read_only=True)
    try:
        if foreign:
            frame = foreign_force_attacks(con, targets=target or None, scenario=scenario,
                                          start=start, end=end, weekday=weekday,
                                          dataset=dataset, country=country,
                                          event_types=event_type or ATTACK_EVENT_TYPES
                                          ).to_frame()
        else:
            frame = weekly_counts(con, by, start=start, end=end, weekday=weekday,
                                  dataset=dataset, scenario=scenario, country=country,
                                  event_types=event_type or None)
    finally:
        con.close()
    if out is not None:
        from armednet.fileio import atomic_path

        with atomic_path(out) as tmp:
            frame.to_csv(tmp, index_label="week", date_format="%Y-%m-%d")
        print(out)
        return
    if json_out:
        echo_json({"by": "foreign_forces" if foreign else by,
                   "weeks": [d.date().isoformat() for d in frame.index],
                   "series": {str(c): [None if _missing(v) else int(v) for v in frame[c]]
                              for c in frame.columns}})
        return
    _print_frame(frame)


def _missing(value: Any) -> bool:
    import pandas as pd

    return bool(pd.isna(value))


def _print_frame(frame: Any, max_cols: int = 8) -> None:
    from rich.console import Console
    from rich.table import Table

    cols = list(frame.columns)[:max_cols]
    table = Table(title=f"{len(frame)} weeks" + (
        f" (first {max_cols} of {len(frame.columns)} columns)"
        if len(frame.columns) > max_cols else ""), title_justify="left")
    table.add_column("week")
    for c in cols:
        table.add_column(str(c), justify="right")
    for week, row in frame[cols].iterrows():
        table.add_row(week.date().isoformat(),
                      *("-" if _missing(v) else f"{int(v):,}" for v in row))
    Console().print(table)


@app.command("rejects")
@cli_errors
def rejects_cmd(
    db: Path = DB_OPT,
    limit: int = typer.Option(20, "--limit", min=1, help="Rows to show."),
    file: str | None = typer.Option(None, "--file", help="Only files whose path contains this."),
    json_out: bool = JSON_OPT,
) -> None:
    """Rejected records with the reason, and the import log."""
    from armednet.events.store import imports, open_store, rejects

    con = open_store(db, read_only=True)
    try:
        rows = rejects(con, limit=limit, file=file)
        log = imports(con)
        total = con.execute("SELECT count(*) FROM event_rejects").fetchall()[0]
    finally:
        con.close()
    if json_out:
        echo_json({"total": int(total[0]) if total else 0, "imports": log, "rejects": rows})
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for item in log:
        flagged = int(item["rows_flagged"] or 0)
        console.print(f"{item['path']} ({item['format']}): read {item['rows_read']:,} = "
                      f"loaded {item['rows_loaded']:,} + rejected {item['rows_rejected']:,}"
                      + (f"; flagged {flagged:,}" if flagged else ""),
                      markup=False, highlight=False, soft_wrap=True)
    table = Table(title=f"{int(total[0]) if total else 0:,} rejected records "
                  f"(showing {len(rows)})", title_justify="left")
    for col in ("file", "row", "line", "reason", "raw"):
        table.add_column(col, overflow="fold")
    for r in rows:
        raw = str(r["raw"] or "")
        table.add_row(Path(str(r["file"])).name, "" if r["row"] is None else str(r["row"]),
                      "" if r["line"] is None else str(r["line"]), str(r["reason"]),
                      raw[:120] + ("..." if len(raw) > 120 else ""))
    console.print(table)
