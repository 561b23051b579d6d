"""What time an analysis covers: the scenario's window, a date inside it, or the record.

A scenario studies a window of time (``scenario.start`` to ``scenario.end``, for the
bundled ``iraq-2024`` 2 October 2023 to 31 December 2024), but its facts reach further
back: groups founded in 1982, leaders killed in 2020. Pooling every fact would rank people
who died years before the window among its key actors, so every analysis covers, unless
told otherwise:

- the **window as a whole** (``at=None``, the default, or ``at="window"``): the nodes and
  ties active at some point in the window; those whose life ended before it began (or
  began after it ended) are left out;
- a **snapshot** (``at="2024-02-10"``): the facts active on that day
  (:meth:`~armednet.kb.KnowledgeGraph.snapshot`); a date outside the window gives an
  :class:`OutsideWindowWarning`;
- another **span** (``at=("2024-01-01", "2024-06-30")``): facts active at some point in it;
- the **whole record** (``at="all"``): every fact, whatever its dates.

:func:`resolve` applies that choice to a knowledge graph and returns the graph with a
:class:`Period` that says what it covers (the CLI prints it as a header).
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypeAlias

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.kb.graph import KnowledgeGraph

__all__ = ["ALL", "WINDOW", "DateArg", "OutsideWindowWarning", "Period", "check_date",
           "check_dates", "resolve", "scenario_window", "window_view"]

ALL = "all"
"""``at=ALL``: the whole record, every fact whatever its dates."""
WINDOW = "window"
"""``at=WINDOW`` (the same as ``at=None``): the scenario's window as a whole."""

DateArg: TypeAlias = "str | dt.date | tuple[str | dt.date, str | dt.date] | None"
"""What ``at=`` accepts: ``None``/``"window"``, a date, a ``(start, end)`` span or ``"all"``."""

Kind = Literal["date", "window", "span", "record"]


class OutsideWindowWarning(UserWarning):
    """A date given for an analysis lies outside the scenario's window.

    The analysis still runs (history before the window is a fair question); the warning
    says that its results describe another time than the scenario's.
    """


@dataclass(frozen=True)
class Period:
    """The time an analysis covers.

    Attributes
    ----------
    kind : {"date", "window", "span", "record"}
        A snapshot on one day, the scenario's window as a whole, another span as a whole,
        or the whole record.
    start, end : datetime.date or None
        The day (``start == end``), or the first and last days covered; ``end`` is None
        for a window with no end (a scenario without ``end``). For the record: the
        earliest and latest dates of its facts (None when no fact is dated).
    left_out_nodes, left_out_ties : int
        Nodes and ties of the scenario that the period leaves out (their span does not
        meet it).
    left_out_ids : tuple of str
        The ids of the nodes left out (error messages name them).
    """

    kind: Kind
    start: dt.date | None
    end: dt.date | None
    left_out_nodes: int = 0
    left_out_ties: int = 0
    left_out_ids: tuple[str, ...] = ()

    @property
    def at(self) -> dt.date | None:
        """The snapshot date (None unless ``kind == "date"``)."""
        return self.start if self.kind == "date" else None

    def label(self) -> str:
        """A short label: ``2024-02-10``, ``window 2023-10-02 to 2024-12-31``, ..."""
        span = f"{_day(self.start)} to {_day(self.end)}" if self.end else (
            f"{_day(self.start)} onwards")
        if self.kind == "date":
            return _day(self.start)
        if self.kind == "record":
            return f"whole record ({span})" if self.start else "whole record"
        return f"{'window' if self.kind == 'window' else 'span'} {span}"

    def describe(self) -> str:
        """One sentence for a header: what the analysis covers and what it leaves out.

        Examples
        --------
        >>> import datetime as dt
        >>> day = dt.date(2024, 2, 10)
        >>> Period("date", day, day, 5, 49).describe()
        'the snapshot on 2024-02-10 (facts active that day; 5 actors and 49 ties left out)'
        """
        where = "" if self.kind == "date" else " outside it"
        gone = (f"; {self.left_out_nodes} actors and {self.left_out_ties} ties{where} "
                "left out") if self.left_out_nodes or self.left_out_ties else ""
        if self.kind == "date":
            return f"the snapshot on {_day(self.start)} (facts active that day{gone})"
        if self.kind == "record":
            return f"the {self.label()}, every fact whatever its dates"
        return f"the {self.label()} as a whole (facts active at some point in it{gone})"

    def as_dict(self) -> dict[str, str | int | None]:
        """Plain data for JSON."""
        return {"kind": self.kind, "start": _iso(self.start), "end": _iso(self.end),
                "left_out_nodes": self.left_out_nodes, "left_out_ties": self.left_out_ties}


def _day(d: dt.date | None) -> str:
    return d.isoformat() if d is not None else "…"


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d is not None else None


def _parse(value: str | dt.date, argument: str, last: bool = False) -> dt.date:
    """A date from ``YYYY[-MM[-DD]]`` or a date: its first day (its last with ``last``)."""
    from armednet.kb.dates import earliest, latest, normalize_partial_date

    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        text = normalize_partial_date(value)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{argument}: {exc}") from None
    return latest(text) if last else earliest(text)


def scenario_window(kg: KnowledgeGraph) -> tuple[dt.date, dt.date | None]:
    """The scenario's window: the first day of ``start`` and the last day of ``end``.

    Returns
    -------
    start : datetime.date
    end : datetime.date or None
        None when the scenario gives no end (the window runs on).

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> scenario_window(KnowledgeGraph.load())
    (datetime.date(2023, 10, 2), datetime.date(2024, 12, 31))
    """
    from armednet.kb.dates import earliest, latest

    meta = kg.scenario.scenario
    return earliest(meta.start), (latest(meta.end) if meta.end else None)


def _meets(start: str | None, end: str | None, first: dt.date | None,
           last: dt.date | None) -> bool:
    """Whether a fact's span meets ``[first, last]`` (None: unbounded)."""
    from armednet.kb.dates import earliest, latest

    return ((start is None or last is None or earliest(start) <= last)
            and (end is None or first is None or latest(end) >= first))


def window_view(kg: KnowledgeGraph, start: str | dt.date | None = None,
                end: str | dt.date | None = None) -> KnowledgeGraph:
    """The nodes and ties active at some point between ``start`` and ``end``.

    Parameters
    ----------
    kg : KnowledgeGraph
    start, end : str or date, optional
        The span (default: the scenario's window). A partial date counts from its first
        day (``start``) or to its last (``end``).

    Returns
    -------
    KnowledgeGraph
        The facts whose span meets the window; a tie is kept only with both its ends.

    Raises
    ------
    InputError
        If a date is not a date, or ``end`` comes before ``start``.

    Examples
    --------
    >>> from armednet.kb import KnowledgeGraph
    >>> kg = KnowledgeGraph.load()
    >>> view = window_view(kg)
    >>> view.has_node("qasem-soleimani"), view.has_node("kataib-hezbollah")
    (False, True)
    """
    from armednet.kb.graph import KnowledgeGraph

    w_start, w_end = scenario_window(kg)
    first = _parse(start, "start") if start is not None else w_start
    last = _parse(end, "end", last=True) if end is not None else w_end
    if last is not None and last < first:
        raise InputError(f"end: {last} comes before start {first}")
    # undated facts (start and end None) meet every window: skip the call
    nodes = [n for n in kg.scenario.nodes
             if (n.start is None and n.end is None) or _meets(n.start, n.end, first, last)]
    keep = {n.id for n in nodes}
    ties = [t for t in kg.scenario.ties if t.from_ in keep and t.to in keep
            and ((t.start is None and t.end is None) or _meets(t.start, t.end, first, last))]
    return KnowledgeGraph(kg.scenario.model_copy(update={"nodes": nodes, "ties": ties}))


def check_date(kg: KnowledgeGraph, at: str | dt.date, argument: str = "at") -> dt.date:
    """Parse a snapshot date and warn when it lies outside the scenario's window.

    Parameters
    ----------
    kg : KnowledgeGraph
    at : str or date
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (first day of a partial date), or a date.
    argument : str
        The argument's name, for the messages.

    Returns
    -------
    datetime.date

    Raises
    ------
    InputError
        If ``at`` is not a date (the message names ``argument``).

    Warns
    -----
    OutsideWindowWarning
        If the date is before the window's start or after its end.
    """
    return check_dates(kg, [at], argument)[0]


def check_dates(kg: KnowledgeGraph, dates: Iterable[str | dt.date], argument: str = "dates"
                ) -> list[dt.date]:
    """Parse snapshot dates; one warning names those outside the scenario's window.

    Parameters
    ----------
    kg : KnowledgeGraph
    dates : iterable of str or date
    argument : str
        The argument's name, for the messages.

    Returns
    -------
    list of datetime.date

    Raises
    ------
    InputError
        If a value is not a date.

    Warns
    -----
    OutsideWindowWarning
        If any date lies outside the window (one warning for all of them).
    """
    days = [_parse(d, argument) for d in dates]
    start, end = scenario_window(kg)
    outside = [d for d in days if d < start or (end is not None and d > end)]
    if outside:
        span = f"{start} to {end}" if end else f"from {start} on"
        which = (f"{argument}={outside[0]} lies" if len(days) == 1 else
                 f"{len(outside)} of the {len(days)} {argument} ({', '.join(map(str, outside[:3]))}"
                 f"{', ...' if len(outside) > 3 else ''}) lie")
        _warn(f"{which} outside the scenario's window ({span}); the results describe the "
              "network then, not during the scenario")
    return days


def _warn(message: str) -> None:
    """Warn, pointing at the first caller outside armednet.analysis."""
    level, frame = 2, sys._getframe(1)  # 1 is this function, 2 its caller
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith(
            "armednet.analysis"):
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    warnings.warn(message, OutsideWindowWarning, stacklevel=level)


def resolve(kg: KnowledgeGraph, at: DateArg = None) -> tuple[KnowledgeGraph, Period]:
    """Cut a knowledge graph to the time an analysis should cover.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario. A graph that is already a snapshot (``kg.at`` set) is kept as it is
        when ``at`` is None.
    at : None, "window", str, date, (start, end) or "all"
        See the module docstring: the window as a whole (default), a snapshot, a span, or
        the whole record.

    Returns
    -------
    graph : KnowledgeGraph
        The graph the analysis should use.
    period : Period
        What it covers.

    Raises
    ------
    InputError
        If ``at`` is neither a date nor one of the words above.

    Warns
    -----
    OutsideWindowWarning
        For a snapshot date outside the scenario's window.
    """
    n_nodes, n_ties = len(kg.scenario.nodes), len(kg.scenario.ties)

    def counted(kind: Kind, g: KnowledgeGraph, a: dt.date | None, b: dt.date | None
                ) -> tuple[KnowledgeGraph, Period]:
        kept = {n.id for n in g.scenario.nodes}
        gone = tuple(n.id for n in kg.scenario.nodes if n.id not in kept)
        return g, Period(kind, a, b, n_nodes - len(kept), n_ties - len(g.scenario.ties), gone)

    if at is None and kg.at is not None:
        return kg, Period("date", kg.at, kg.at)
    if at is None or at == WINDOW:
        start, end = scenario_window(kg)
        return counted("window", window_view(kg), start, end)
    if at == ALL:
        first, last = _record_span(kg)
        return kg, Period("record", first, last)
    if isinstance(at, tuple):
        if len(at) != 2:
            raise InputError(f"at: a span is (start, end), got {len(at)} values")
        a, b = _parse(at[0], "at"), _parse(at[1], "at", last=True)
        if b < a:
            raise InputError(f"at: the span ends ({b}) before it starts ({a})")
        return counted("span", window_view(kg, a, b), a, b)
    if isinstance(at, str) and not at[:1].isdigit():
        raise InputError(f"at: expected a date (YYYY[-MM[-DD]]), 'window' or 'all', got {at!r}")
    day = check_date(kg, at)
    return counted("date", kg.snapshot(day), day, day)


def _record_span(kg: KnowledgeGraph) -> tuple[dt.date | None, dt.date | None]:
    from armednet.kb.dates import earliest, latest

    facts = [*kg.scenario.nodes, *kg.scenario.ties]
    firsts = [earliest(d) for f in facts for d in (f.start, f.end) if d]
    lasts = [latest(d) for f in facts for d in (f.start, f.end) if d]
    start, end = scenario_window(kg)
    firsts.append(start)
    lasts.append(end or start)
    return min(firsts), max(lasts)
