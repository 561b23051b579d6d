"""Benchmark: import a synthetic ACLED classic export (200,000 rows by default).

Targets (issue 18): 10,000,000 rows within 60 s with a peak resident memory under 2 GiB on
the reference machine (2 cores), that is at least 166,667 rows/s whatever ``--rows``; memory
must stay under 2 GiB at any size. The export is generated in a temporary directory by DuckDB
itself (one vectorised ``COPY``), in the classic 31-column layout with "02 June 2023" dates
and numeric interaction codes; about 0.1 % of the rows are made bad (unparseable dates,
coordinates or fatalities) and about 9 % carry an interaction code outside the codebook, so
the rejects path is exercised too.

The default size keeps ``make bench`` short; the issue's figure is measured with
``--rows 10000000`` (about 4 GB of CSV in the temporary directory). Printed: rows/s, wall and
CPU time of the import, and peak RSS of the process (generation included).

``--dirty`` also appends a malformed record (too few fields) and a record with a broken
quote, so the whole file takes the slower path (DuckDB finds them, then Python's ``csv``
module reads the file again to number every record exactly); the same targets apply.

Run with ``make bench`` or
``python benchmarks/bench_events.py [--rows N] [--keep DIR] [--dirty]``.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["generate_acled_classic", "main"]

TARGET_ROWS = 10_000_000
TARGET_SECONDS = 60.0
TARGET_RATE = TARGET_ROWS / TARGET_SECONDS
"""Rows per second the import must reach (10 million rows in a minute)."""
TARGET_PEAK_GIB = 2.0

_ACLED_COLUMNS_TEXT = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
)
ACLED_COLUMNS = _ACLED_COLUMNS_TEXT.split(",")


def generate_acled_classic(path: Path, rows: int, seed: int = 1) -> Path:
    """Write a synthetic classic ACLED export of ``rows`` rows to ``path`` (vectorised)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SELECT setseed({(seed % 1000) / 1000})")
    actors = ("['Islamic Resistance in Iraq', 'Kataib Hizballah', 'Military Forces of Iraq "
              "(2022-)', 'Militia (Pro-Iran)', 'Unidentified Armed Group (Iraq)', "
              "'Islamic State (Iraq)', 'Asaib Ahl al-Haq', 'Military Forces of the United "
              "States (2021-)', 'Civilians (Iraq)', 'Protesters (Iraq)']")
    types = ("['Battles', 'Explosions/Remote violence', 'Violence against civilians', "
             "'Protests', 'Riots', 'Strategic developments']")
    con.execute(f"""
COPY (
  SELECT
    'IRQ' || (i + 1) AS event_id_cnty,
    CASE WHEN i % 997 = 13 THEN '31 Smarch 2023'
         ELSE strftime(DATE '2017-01-01' + CAST(i % 2555 AS INTEGER), '%d %B %Y') END
      AS event_date,
    CAST(2017 + (i % 2555) // 365 AS VARCHAR) AS year,
    CAST(1 + (i % 50 = 0)::INT AS VARCHAR) AS time_precision,
    'Political violence' AS disorder_type,
    {types}[1 + i % 6] AS event_type,
    'Armed clash' AS sub_event_type,
    {actors}[1 + i % 10] AS actor1,
    CASE WHEN i % 7 = 0 THEN 'Militia (Pro-Iran); Kataib Hizballah' ELSE '' END AS assoc_actor_1,
    CAST(1 + i % 8 AS VARCHAR) AS inter1,
    {actors}[1 + (i * 7) % 10] AS actor2,
    '' AS assoc_actor_2,
    CAST(i % 9 AS VARCHAR) AS inter2,
    CAST(10 + i % 79 AS VARCHAR) AS interaction,
    CASE WHEN i % 5 = 0 THEN 'Civilian targeting' ELSE '' END AS civilian_targeting,
    '368' AS iso, 'Middle East' AS region, 'Iraq' AS country,
    'Baghdad' AS admin1, 'Karkh' AS admin2, '' AS admin3, 'Baghdad - Karkh' AS location,
    CASE WHEN i % 1009 = 7 THEN 'N/A' ELSE CAST(round(29 + random() * 8, 4) AS VARCHAR) END
      AS latitude,
    CAST(round(39 + random() * 9, 4) AS VARCHAR) AS longitude,
    CAST(1 + i % 3 AS VARCHAR) AS geo_precision,
    'Shafaq News; Twitter' AS source, 'National' AS source_scale,
    'On this day, a synthetic event happened near a synthetic place, with '
      || CAST(i % 13 AS VARCHAR) || ' reported casualties; notes, quoted "text".' AS notes,
    CASE WHEN i % 1013 = 5 THEN 'several' ELSE CAST(i % 13 AS VARCHAR) END AS fatalities,
    '' AS tags,
    CAST(1685987188 + i AS VARCHAR) AS timestamp
  FROM range({int(rows)}) t(i)
) TO '{path}' (HEADER, DELIMITER ',', QUOTE '"')""")
    con.close()
    return path


def _peak_rss_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def main(argv: list[str] | None = None) -> int:
    """Generate, import, print rows/s, time and peak memory; with ``--strict`` exit 1 if a
    target is missed (a wrong row count always fails: that is a bug, not a speed)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000,
                        help="Rows to generate (the issue's figure: 10000000).")
    parser.add_argument("--keep", type=Path, default=None,
                        help="Write the export and database here instead of a temp dir.")
    parser.add_argument("--dirty", action="store_true",
                        help="Append malformed records (exercises the Python CSV reader).")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)

    from armednet.events.store import import_files

    with tempfile.TemporaryDirectory() as tmp:
        where = args.keep or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        csv = where / "acled-synthetic.csv"
        t0 = time.perf_counter()
        generate_acled_classic(csv, args.rows)
        extra = 0
        if args.dirty:
            with csv.open("a", encoding="utf-8") as fh:
                fh.write("IRQ0,too,few,fields\n")
                fh.write('IRQ1,"closed"then text' + ",x" * 29 + "\n")
            extra = 2
        gen = time.perf_counter() - t0
        size = csv.stat().st_size / 2**20
        print(f"generated {args.rows:,} rows ({size:,.0f} MiB) in {gen:.1f} s")
        db = where / "events.duckdb"
        db.unlink(missing_ok=True)
        t0, c0 = time.perf_counter(), time.process_time()
        (res,) = import_files(db, [csv])
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        peak = _peak_rss_bytes() / 2**30
        print(res.summary())
        ok_sum = res.rows_read == res.rows_loaded + res.rows_rejected == args.rows + extra
        rate = res.rows_read / took if took > 0 else float("inf")
        print(f"import: {res.rows_read:,} rows in {took:.1f} s wall ({cpu:.1f} s CPU), "
              f"{rate:,.0f} rows/s (target >= {TARGET_RATE:,.0f}, i.e. "
              f"{TARGET_ROWS:,} rows in {TARGET_SECONDS:.0f} s); peak RSS {peak:.2f} GiB "
              f"(target < {TARGET_PEAK_GIB:.0f} GiB); read = loaded + rejected: {ok_sum}")
        if args.rows >= TARGET_ROWS:
            print(f"{TARGET_ROWS:,}-row figure: {took:.1f} s, {peak:.2f} GiB")
        missed = rate < TARGET_RATE or peak >= TARGET_PEAK_GIB
    if missed:
        print("bench_events: target MISSED")
    return 1 if (not ok_sum or (args.strict and missed)) else 0


if __name__ == "__main__":
    sys.exit(main())
