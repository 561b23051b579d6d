"""Event data: ACLED and UCDP importers, actor matching and weekly series.

- :mod:`armednet.events.formats`: the known file layouts and their detection.
- :mod:`armednet.events.store`: the DuckDB tables ``events``, ``event_rejects`` and
  ``event_imports``, and the importer.
- :mod:`armednet.events.matching`: event actor strings to knowledge-graph nodes.
- :mod:`armednet.events.series`: weekly counts on a simulation calendar, and comparison with
  simulated quantiles.

Importing this package is cheap: DuckDB, rapidfuzz and pandas load when first used.
"""

from __future__ import annotations

from armednet.events.formats import FORMATS, Detected, Format, detect_format
from armednet.events.matching import ActorMatch, ActorMatcher, match_store, normalise_name
from armednet.events.series import (
    compare,
    foreign_force_attacks,
    simulated_weekly,
    weekly_counts,
)
from armednet.events.store import ImportResult, import_file, import_files, open_store, rejects

__all__ = [
    "FORMATS",
    "ActorMatch",
    "ActorMatcher",
    "Detected",
    "Format",
    "ImportResult",
    "compare",
    "detect_format",
    "foreign_force_attacks",
    "import_file",
    "import_files",
    "match_store",
    "normalise_name",
    "open_store",
    "rejects",
    "simulated_weekly",
    "weekly_counts",
]
