"""What the dashboard keeps on the server: the scenarios in use and the app's settings.

Scenarios are kept in memory by hash: the one given at start (or the bundled default), the
other bundled scenarios, and up to :data:`MAX_UPLOADS` uploaded ones (the oldest upload is
dropped first; the scenarios given at start never are). Nothing a
user uploads is written to disk. The dashboard is meant for one analyst on this machine:
every browser tab sees the same scenarios.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armednet.app.lab import JobRunner
    from armednet.kb import KnowledgeGraph

__all__ = ["MAX_UPLOADS", "AppContext", "ScenarioRegistry"]

MAX_UPLOADS = 8
"""Uploaded scenarios kept in memory at most."""


class ScenarioRegistry:
    """The scenarios the dashboard can show, by hash (thread-safe).

    Parameters
    ----------
    default : KnowledgeGraph
        The scenario shown first; never dropped.
    others : iterable of KnowledgeGraph
        More scenarios offered from the start (the bundled ones); never dropped either.
    """

    def __init__(self, default: KnowledgeGraph, others: Iterable[KnowledgeGraph] = ()) -> None:
        self.default_key = str(default.hash)
        self._graphs: OrderedDict[str, KnowledgeGraph] = OrderedDict(
            [(self.default_key, default)])
        self._labels: dict[str, str] = {self.default_key: _label(default, "")}
        for kg in others:
            self._graphs.setdefault(str(kg.hash), kg)
            self._labels.setdefault(str(kg.hash), _label(kg, ""))
        self._fixed = frozenset(self._graphs)
        self._cache: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def add(self, kg: KnowledgeGraph, origin: str = "uploaded") -> str:
        """Keep ``kg`` (dropping the oldest upload beyond :data:`MAX_UPLOADS`); its key."""
        key = str(kg.hash)
        with self._lock:
            if key not in self._graphs:
                uploads = [k for k in self._graphs if k not in self._fixed]
                while len(uploads) >= MAX_UPLOADS:
                    old = uploads.pop(0)
                    del self._graphs[old]
                    self._labels.pop(old, None)
                    self._cache = {k: v for k, v in self._cache.items() if k[0] != old}
                self._graphs[key] = kg
                self._labels[key] = _label(kg, origin)
        return key

    def get(self, key: str | None) -> KnowledgeGraph:
        """The scenario stored under ``key`` (the default one for an unknown key)."""
        with self._lock:
            return self._graphs.get(key or self.default_key, self._graphs[self.default_key])

    def key(self, key: str | None) -> str:
        """``key`` if it is known, else the default scenario's key."""
        with self._lock:
            return key if key is not None and key in self._graphs else self.default_key

    def options(self) -> list[dict[str, str]]:
        """Dropdown options, one per scenario kept."""
        with self._lock:
            return [{"label": self._labels[k], "value": k} for k in self._graphs]

    def cached(self, key: str, name: str, build: Any) -> Any:
        """A value computed once per scenario (``build(kg)``), e.g. its layout."""
        with self._lock:
            hit = self._cache.get((key, name))
        if hit is not None:
            return hit
        value = build(self.get(key))
        with self._lock:
            self._cache[(key, name)] = value
        return value


def _label(kg: KnowledgeGraph, origin: str) -> str:
    meta = kg.scenario.scenario
    text = f"{meta.name} ({meta.id}, {str(kg.hash)[:8]})"
    return f"{text}, {origin}" if origin else text


@dataclass
class AppContext:
    """Everything the pages' callbacks share.

    Attributes
    ----------
    scenarios : ScenarioRegistry
        Scenarios in memory.
    db : Path or None
        Results database (experiments and the calibration record).
    events : Path or None
        Events database (``armednet events import``).
    jobs : JobRunner
        Background ensembles of the policy lab.
    """

    scenarios: ScenarioRegistry
    db: Path | None = None
    events: Path | None = None
    jobs: JobRunner = field(default_factory=lambda: _runner())


def _runner() -> JobRunner:
    from armednet.app.lab import JobRunner

    return JobRunner()
