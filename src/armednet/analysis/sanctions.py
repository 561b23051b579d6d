"""Sanction exposure: which revenue channels of a group sanctions can reach.

The essay's claim C4 ("sanctions leak"): groups that draw on state coffers through captured
institutions lose little when their banks and businesses are sanctioned. Each ``funds`` tie
into a group or one of its wings is a revenue channel, classified by its payer and channel:

- ``sanctionable``: paid by a business whose ``sanctionable`` flag is true (the schema's
  default), or with channel ``bank`` / ``business`` from a non-business payer;
- ``state_budget``: paid by a state institution, or channel ``state_budget``;
- ``patron``: paid by a state or with channel ``patron`` (a foreign patron such as the
  IRGC, outside the reach of banking sanctions on the group);
- ``other``: everything else (``illicit``, unsanctionable businesses, persons ...).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net
from armednet.analysis.embeddedness import group_actors
from armednet.analysis.period import DateArg

__all__ = ["CHANNEL_CLASSES", "revenue_channels", "sanction_exposure"]

CHANNEL_CLASSES = ("sanctionable", "state_budget", "patron", "other")
"""Classes of revenue channels, in column order."""


def revenue_channels(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
                     at: DateArg = None) -> pd.DataFrame:
    """Every revenue channel of every armed group, classified.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        One row per (group, funds tie): ``group``, ``tie``, ``payer``, ``payee`` (the group
        or its wing), ``channel`` (as written), ``class`` (see :data:`CHANNEL_CLASSES`),
        ``amount`` (the tie's ``amount`` central value, USD million per year, or its
        weight when no amount is given) and ``has_amount``.

    Notes
    -----
    Funds paid among the group's own actors (a wing paying the group) are internal
    transfers and not counted.

    References
    ----------
    Mansour, R. (2024), Foreign Affairs essay (brief claim C4).
    """
    net = as_net(graph, layer=layer, at=at)
    return _channels(net, None)


def _channels(net: Net, alive: np.ndarray | None) -> pd.DataFrame:
    alive = np.ones(net.m, dtype=bool) if alive is None else alive
    actors = group_actors(net, alive)
    payees = actors[actors["role"].isin(["self", "wing"])]
    k = np.flatnonzero(alive & (net.tie_type == "funds"))
    ties = pd.DataFrame({"tie": k, "actor": net.dst[k], "payer": net.src[k]})
    j = payees.merge(ties, on="actor")
    own = set((actors["group"] * net.n + actors["actor"]).tolist())
    j = j[~np.isin(j["group"].to_numpy() * net.n + j["payer"].to_numpy(), list(own))]
    t = j["tie"].to_numpy()
    payer = j["payer"].to_numpy()
    ptype = net.node_type[payer]
    chan = net.channel[t]
    cls = np.full(len(j), "other", dtype=object)
    is_biz = ptype == "business"
    cls[(~is_biz) & np.isin(chan, ["bank", "business"])] = "sanctionable"
    cls[(ptype == "state_institution") | (chan == "state_budget")] = "state_budget"
    cls[((ptype == "state") | (chan == "patron")) & (ptype != "state_institution")] = "patron"
    cls[is_biz & net.sanctionable[payer]] = "sanctionable"
    cls[is_biz & ~net.sanctionable[payer] & (cls == "sanctionable")] = "other"
    amount = net.amount[t]
    has = ~np.isnan(amount)
    ids = np.asarray(net.ids, dtype=object)
    return pd.DataFrame({
        "group": ids[j["group"].to_numpy()] if len(j) else [],
        "tie": net.tie_id[t], "payer": ids[payer] if len(j) else [],
        "payee": ids[j["actor"].to_numpy()] if len(j) else [], "channel": chan,
        "class": cls, "amount": np.where(has, amount, net.weight[t]), "has_amount": has,
    })


def sanction_exposure(graph: GraphLike, *, layer: str | Iterable[str] | None = None,
                      at: DateArg = None) -> pd.DataFrame:
    """Per group: revenue by channel class and the share that sanctions can reach.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        Indexed by group id (every ``armed_group``): ``revenue`` (total), one column per
        class in :data:`CHANNEL_CLASSES`, ``exposure`` = sanctionable / revenue (0 when the
        group has no known revenue) and ``channels`` (number of channels).

    Notes
    -----
    Amounts are tie ``amount`` values where given, else tie weights (a judgment-scale
    stand-in): compare groups whose channels are documented alike.

    References
    ----------
    Mansour, R. (2024), Foreign Affairs essay (brief claim C4).
    Drezner, D. W. (2011). Sanctions sometimes smart: targeted sanctions in theory and
    practice. *International Studies Review* 13(1), 96-108.
    """
    net = as_net(graph, layer=layer, at=at)
    return _exposure(net, _channels(net, None))


def _exposure(net: Net, ch: pd.DataFrame) -> pd.DataFrame:
    groups = [net.ids[i] for i in np.flatnonzero(net.mask_type("armed_group"))]
    table = ch.pivot_table(index="group", columns="class", values="amount", aggfunc="sum",
                           fill_value=0.0) if len(ch) else pd.DataFrame()
    table = table.reindex(index=groups, columns=list(CHANNEL_CLASSES), fill_value=0.0)
    table = table.astype(float)
    table.columns.name = None
    table.index.name = "group"
    revenue = table.sum(axis=1)
    out = pd.DataFrame({"revenue": revenue}).join(table)
    out["exposure"] = np.where(revenue > 0, out["sanctionable"] / revenue.where(revenue > 0, 1),
                               0.0)
    counts = ch.groupby("group").size() if len(ch) else pd.Series(dtype=float)
    out["channels"] = counts.reindex(groups, fill_value=0).astype(np.int64).to_numpy()
    return out
