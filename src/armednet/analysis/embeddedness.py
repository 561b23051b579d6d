"""State embeddedness of armed groups: how far their ties reach into the state.

The essay's claim C3 ("power lies in embeddedness") locates a group's influence in its
ties into parties, ministries, the judiciary and the civil service, held by the group
itself, by its leaders and by its political or business wings. This module measures that
on the graph, so that an analyst can check whether removing military assets touches it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from armednet.analysis._backend import GraphLike, Net, as_net, check_node_ids
from armednet.analysis.period import DateArg

__all__ = ["STATE_TARGETS", "group_actors", "state_embeddedness"]

STATE_TARGETS = ("state_institution", "party")
"""Node types whose ties count as reaching the state (the ``state`` type itself, a
government as an international actor, does not: a tie to Iran is patronage)."""

_COLUMNS = ["ties", "state_ties", "share", "weight", "weight_share", "direct", "via_leaders",
            "via_wings", "institutions", "judiciary", "civil_service", "parties"]


def group_actors(net: Net, tie_alive: np.ndarray | None = None,
                 group_types: Iterable[str] = ("armed_group",)) -> pd.DataFrame:
    """Who acts for each group: the group itself, its leaders and its wings.

    Parameters
    ----------
    net : Net
    tie_alive : ndarray of bool, optional
        Ties to consider (default all); a removed leader or cut ``leads`` tie no longer
        makes its person an actor of the group.
    group_types : iterable of str
        Node types that count as groups.

    Returns
    -------
    pandas.DataFrame
        Columns ``group`` and ``actor`` (node indices) and ``role`` (``self``, ``leader``
        for persons with a ``leads`` tie to the group, ``wing`` for nodes with a
        ``wing_of`` tie to it); one row per distinct (group, actor).
    """
    alive = np.ones(net.m, dtype=bool) if tie_alive is None else tie_alive
    is_group = net.mask_type(*group_types)
    gidx = np.flatnonzero(is_group)
    frames = [pd.DataFrame({"group": gidx, "actor": gidx, "role": "self"})]
    for ttype, role in (("leads", "leader"), ("wing_of", "wing")):
        sel = alive & (net.tie_type == ttype) & is_group[net.dst]
        frames.append(pd.DataFrame({"group": net.dst[sel], "actor": net.src[sel],
                                    "role": role}))
    out = pd.concat(frames, ignore_index=True)
    return out.drop_duplicates(["group", "actor"]).reset_index(drop=True)


def state_embeddedness(graph: GraphLike, groups: Iterable[str] | None = None, *,
                 layer: str | Iterable[str] | None = None,
                 at: DateArg = None) -> pd.DataFrame:
    """Share and weight of each armed group's ties that reach the state.

    Parameters
    ----------
    graph : KnowledgeGraph, networkx graph or Net
    groups : iterable of str, optional
        Group ids to report (default: every ``armed_group``).
    layer, at : optional
        Measure one or more layers only; the time covered (default: the scenario's window
        as a whole; a date for the snapshot on that day, ``"all"`` for the whole record;
        see :func:`~armednet.analysis.as_net`).

    Returns
    -------
    pandas.DataFrame
        Indexed by group id, columns:

        - ``ties``: ties of the group, its leaders and its wings to outside nodes (ties
          among the group's own actors are internal and not counted);
        - ``state_ties``: those reaching a state institution or a party (see
          :data:`STATE_TARGETS`); ``share`` = state_ties / ties;
        - ``weight``: summed weight of the state ties; ``weight_share`` = weight / summed
          weight of all ties;
        - ``direct``, ``via_leaders``, ``via_wings``: the state weight by who holds the tie;
        - ``institutions``, ``judiciary``, ``civil_service``, ``parties``: the state weight
          by target (judiciary and civil service are institutions of that kind;
          ``institutions`` are the other state institutions).

    Notes
    -----
    A tie is counted once per group even when both a leader and a wing could claim it.
    Tie direction is ignored (holding office in a ministry and being funded by it both
    embed the group). O(m) with pandas joins.

    References
    ----------
    Granovetter, M. (1985). Economic action and social structure: the problem of
    embeddedness. *American Journal of Sociology* 91(3), 481-510.
    Mansour, R. (2024). Foreign Affairs essay on Iran-aligned armed groups (brief claim C3).
    """
    net = as_net(graph, layer=layer, at=at)
    df = _embeddedness(net)
    if groups is not None:
        wanted = check_node_ids(net, groups)
        df = df.reindex(wanted).fillna(0.0)
    return df


def _embeddedness(net: Net, tie_alive: np.ndarray | None = None) -> pd.DataFrame:
    alive = np.ones(net.m, dtype=bool) if tie_alive is None else tie_alive
    actors = group_actors(net, alive)
    k = np.flatnonzero(alive)
    inc = pd.DataFrame({
        "tie": np.concatenate([k, k]),
        "actor": np.concatenate([net.src[k], net.dst[k]]),
        "other": np.concatenate([net.dst[k], net.src[k]]),
    })
    j = actors.merge(inc, on="actor")
    own = set((actors["group"] * net.n + actors["actor"]).tolist())
    internal = np.isin(j["group"].to_numpy() * net.n + j["other"].to_numpy(), list(own))
    j = j[~internal].drop_duplicates(["group", "tie"])
    other = j["other"].to_numpy()
    w = net.weight[j["tie"].to_numpy()]
    otype = net.node_type[other]
    kind = net.inst_kind[other]
    is_inst = otype == "state_institution"
    is_state = is_inst | (otype == "party")
    role = j["role"].to_numpy()
    ws = np.where(is_state, w, 0.0)
    frame = pd.DataFrame({
        "group": j["group"].to_numpy(),
        "ties": 1.0, "state_ties": is_state.astype(float), "all_weight": w, "weight": ws,
        "direct": np.where(role == "self", ws, 0.0),
        "via_leaders": np.where(role == "leader", ws, 0.0),
        "via_wings": np.where(role == "wing", ws, 0.0),
        "institutions": np.where(is_inst & (kind != "judiciary") & (kind != "civil_service"),
                                 w, 0.0),
        "judiciary": np.where(is_inst & (kind == "judiciary"), w, 0.0),
        "civil_service": np.where(is_inst & (kind == "civil_service"), w, 0.0),
        "parties": np.where(otype == "party", w, 0.0),
    })
    sums = frame.groupby("group").sum()
    gidx = np.flatnonzero(net.mask_type("armed_group"))
    sums = sums.reindex(gidx, fill_value=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sums["share"] = np.where(sums["ties"] > 0, sums["state_ties"] / sums["ties"], 0.0)
        sums["weight_share"] = np.where(sums["all_weight"] > 0,
                                        sums["weight"] / sums["all_weight"], 0.0)
    sums.index = pd.Index([net.ids[i] for i in gidx], name="group")
    out = sums[_COLUMNS].astype(float)
    out["ties"] = out["ties"].astype(np.int64)
    out["state_ties"] = out["state_ties"].astype(np.int64)
    return out
