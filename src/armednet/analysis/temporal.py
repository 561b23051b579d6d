"""Measures over time: the graph at a series of dates, and what changed between two."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from armednet.analysis._backend import as_net
from armednet.analysis.period import check_dates
from armednet.analysis.whatif import _impact

if TYPE_CHECKING:
    from armednet.kb.graph import KnowledgeGraph

__all__ = ["GraphDiff", "diff", "measures_over_time", "node_measure_over_time"]


def _network_row(kg: KnowledgeGraph) -> dict[str, float]:
    import numpy as np

    net = as_net(kg)
    row = _impact(net, np.ones(net.n, dtype=bool), np.ones(net.m, dtype=bool))
    out: dict[str, float] = {"nodes": float(net.n), "ties": float(net.m)}
    values = row.loc["network"].to_numpy(dtype=float)
    out.update({str(k): float(v) for k, v in zip(row.columns, values, strict=True)})
    return out


def measures_over_time(kg: KnowledgeGraph, dates: Iterable[str | dt.date]) -> pd.DataFrame:
    """Network-level measures of the snapshot at each date.

    Parameters
    ----------
    kg : KnowledgeGraph
    dates : iterable of str or date
        Dates as ``YYYY[-MM[-DD]]`` (first day of a partial date).

    Returns
    -------
    pandas.DataFrame
        Indexed by date (``datetime.date``): ``nodes``, ``ties`` and the what-if
        measures (:data:`~armednet.analysis.whatif.IMPACT_MEASURES`).

    Raises
    ------
    InputError
        On a bad date.

    Warns
    -----
    OutsideWindowWarning
        Once, naming the dates outside the scenario's window.

    References
    ----------
    Carley, K. M. (2003). Dynamic network analysis. In *Dynamic Social Network Modeling
    and Analysis*, National Academies Press, 133-145.
    """
    rows = {}
    for day in check_dates(kg, dates):
        rows[day] = _network_row(kg.snapshot(day))
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "date"
    return out


def node_measure_over_time(kg: KnowledgeGraph, dates: Iterable[str | dt.date],
                           measure: str = "betweenness") -> pd.DataFrame:
    """One node measure of the snapshot at each date.

    Parameters
    ----------
    kg : KnowledgeGraph
    dates : iterable of str or date
    measure : str
        A key-actor measure (:data:`~armednet.analysis.keyactors.MEASURES`).

    Returns
    -------
    pandas.DataFrame
        Dates as rows, node ids as columns; NaN where a node is not active at a date.

    Raises
    ------
    InputError
        On a bad date or an unknown measure.

    Warns
    -----
    OutsideWindowWarning
        Once, naming the dates outside the scenario's window.
    """
    from armednet.analysis.keyactors import measure_table

    cols = {}
    for day in check_dates(kg, dates):
        cols[day] = measure_table(kg.snapshot(day), [measure])[measure]
    out = pd.DataFrame(cols).T
    out.index.name = "date"
    return out


@dataclass(frozen=True)
class GraphDiff:
    """What changed between two snapshots.

    Attributes
    ----------
    start, end : datetime.date
    added_nodes, removed_nodes, added_ties, removed_ties : tuple of str
        Ids active at ``end`` but not ``start`` (added) or the reverse (removed).
    network : pandas.DataFrame
        Network-level measures as rows; columns ``start``, ``end``, ``delta``.
    groups : pandas.DataFrame
        Per armed group: embeddedness weight and state capture at both dates and deltas.
    """

    start: dt.date
    end: dt.date
    added_nodes: tuple[str, ...]
    removed_nodes: tuple[str, ...]
    added_ties: tuple[str, ...]
    removed_ties: tuple[str, ...]
    network: pd.DataFrame
    groups: pd.DataFrame


def diff(kg: KnowledgeGraph, start: str | dt.date, end: str | dt.date) -> GraphDiff:
    """Compare the snapshots at two dates.

    Parameters
    ----------
    kg : KnowledgeGraph
    start, end : str or date

    Returns
    -------
    GraphDiff

    Raises
    ------
    InputError
        On a bad date.

    Warns
    -----
    OutsideWindowWarning
        If either date lies outside the scenario's window.

    References
    ----------
    Carley (2003), see :func:`measures_over_time`.
    """
    import numpy as np

    day_a, day_b = check_dates(kg, [start, end])
    a, b = kg.snapshot(day_a), kg.snapshot(day_b)
    na, nb = as_net(a), as_net(b)
    ia = _impact(na, np.ones(na.n, dtype=bool), np.ones(na.m, dtype=bool))
    ib = _impact(nb, np.ones(nb.n, dtype=bool), np.ones(nb.m, dtype=bool))
    network = pd.DataFrame({"start": ia.loc["network"], "end": ib.loc["network"]})
    network.loc["nodes"] = [na.n, nb.n]
    network.loc["ties"] = [na.m, nb.m]
    network["delta"] = network["end"] - network["start"]
    cols = ["embeddedness_weight", "state_capture", "command_reach"]
    ga = ia.drop(index="network")[cols]
    gb = ib.drop(index="network")[cols]
    groups = ga.add_suffix("_start").join(gb.add_suffix("_end"), how="outer").fillna(0.0)
    for c in cols:
        groups[f"{c}_delta"] = groups[f"{c}_end"] - groups[f"{c}_start"]
    groups.index.name = "group"
    assert a.at is not None and b.at is not None
    return GraphDiff(
        start=a.at, end=b.at,
        added_nodes=tuple(sorted(set(nb.ids) - set(na.ids))),
        removed_nodes=tuple(sorted(set(na.ids) - set(nb.ids))),
        added_ties=tuple(sorted(set(nb.tie_id) - set(na.tie_id))),
        removed_ties=tuple(sorted(set(na.tie_id) - set(nb.tie_id))),
        network=network, groups=groups,
    )
