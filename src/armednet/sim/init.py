"""From a knowledge graph to model inputs, a policy schedule and the initial state.

:func:`build_inputs` reads the scenario at its start date (the snapshot of facts active on
that day) and returns :class:`ModelInputs`: index arrays for groups, splinter slots,
leaders, institutions and revenue channels, the coordination matrix, initial capture, the
weekly trigger series and the scheduled events as week-indexed arrays. It does no
simulation; see ``docs/model.md`` ("From the knowledge graph to the state") for every rule.
:func:`schedule_policy` turns a :class:`~armednet.sim.policy.Policy` into weekly arrays and
:func:`initial_state` builds the :class:`~armednet.sim.state.State` of ``R`` runs.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from armednet.errors import InputError
from armednet.kb.dates import earliest, parse_date
from armednet.kb.graph import KnowledgeGraph
from armednet.kb.schema import CampaignMembership
from armednet.kb.types import NodeType, TieType
from armednet.sim.mechanisms import registry
from armednet.sim.policy import Policy
from armednet.sim.state import CaptureLayout, State

__all__ = [
    "DEFAULT_LEADER_SHARE",
    "DEFAULT_OFFICE_SHARE",
    "UNNAMED_LEADER_SHARE",
    "CooptSchedule",
    "ModelInputs",
    "PolicySchedule",
    "build_inputs",
    "capture_holders",
    "close_match_error",
    "compact",
    "group_mask",
    "initial_state",
    "live_slots",
    "schedule_policy",
]

DEFAULT_LEADER_SHARE = 0.5
"""Authority share of a ``leads`` tie without ``share``, and of the implicit leader of a
group with no ``leads`` tie."""
DEFAULT_OFFICE_SHARE = 0.1
"""Capture share of a ``holds_office_in`` / ``integrated_into`` tie without ``share``
(multiplied by the tie's weight)."""
UNNAMED_LEADER_SHARE = 0.2
"""Authority share lost when a scheduled leadership strike on a group kills no named
leader of it (an unnamed senior commander)."""
DEFAULT_PATRON_FUNDING = 20.0
"""USD million per year from a ``patron_of`` tie with ``funding`` support and no ``funds``
tie amount."""
TRIGGER_SERIES = ("gaza_war_intensity", "regional_trigger", "trigger")
"""Series ids tried, in order, for the regional trigger tau(t) (else the first series)."""


@dataclass
class ModelInputs:
    """Static inputs of one scenario, for a horizon of ``weeks`` weeks.

    Group arrays have ``G = 2 * G0`` slots: the scenario's ``G0`` groups, then one
    preallocated splinter slot per group (``splinter_of[g0 + i] == i``).
    """

    scenario_id: str
    scenario_hash: str
    start: dt.date
    weeks: int
    group_ids: list[str]
    n_groups0: int
    splinter_of: np.ndarray  # (G,) parent index, -1 for scenario groups
    orientation: np.ndarray  # (G,) 0..1 (splinter rows: parent's)
    size: np.ndarray  # (G,) thousand personnel (capacity reference)
    fighters: np.ndarray  # (G,) thousand fighters at start (splinters 0)
    revenue_annual: np.ndarray  # (G,) USD million per year, reported
    legitimacy: np.ndarray  # (G,)
    hostility: np.ndarray  # (G,)
    exposure: np.ndarray  # (G,) 1 for campaign groups in the theatre, else 0
    campaign_from: np.ndarray  # (G,) int: first week of the group's attacks (0: from the start)
    in_theatre: np.ndarray  # (G,) bool: based in the theatre (campaign or not)
    maturity: np.ndarray  # (G,) 0..1 from age and size
    patron: np.ndarray  # (G,) patron tie strength 0..1
    coordination: np.ndarray  # (G, G) symmetric weights 0..1
    inst_ids: list[str]
    budget: np.ndarray  # (K,) share of national budget
    accountability: np.ndarray  # (K,)
    inst_weight: np.ndarray  # (K,) weight in the political-influence index
    capture: np.ndarray  # (G, K) initial X
    chan_group: np.ndarray  # (Nc,) group index
    chan_amount: np.ndarray  # (Nc,) USD million per week
    chan_kind: list[str]
    chan_sanctionable: np.ndarray  # (Nc,) bool
    chan_split: np.ndarray  # (Nc,) +1 formal / -1 informal part of unattributed revenue, 0
    chan_payer: list[str]
    leader_ids: list[str]
    leader_group: np.ndarray  # (NL,)
    leader_share: np.ndarray  # (NL,)
    tau: np.ndarray  # (T,) regional trigger
    strike_events: np.ndarray  # (T, G) scheduled strikes, targets hit
    kill_events: np.ndarray  # (T, NL) bool: leader killed by a scheduled strike
    unnamed_kill_events: np.ndarray  # (T, G) authority share lost to unnamed kills
    sanction_events: list[tuple[int, int, float]]  # (week, channel, intensity)
    business_ids: list[str]
    person_ids: list[str]
    notes: list[str] = field(default_factory=list)
    extra: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Scenario facts read by one mechanism (its ``read``), by mechanism name."""

    @property
    def G(self) -> int:
        return len(self.group_ids)

    @property
    def K(self) -> int:
        return len(self.inst_ids)

    def week_of(self, day: dt.date) -> int:
        """Week index of a date (may be negative or >= weeks)."""
        return (day - self.start).days // 7

    def cached(self, key: str, build: Callable[[ModelInputs], Any]) -> Any:
        """``build(self)``, computed once for these inputs and kept.

        For tables that mechanisms derive from the inputs alone and read every week (a
        sparse coordination matrix instead of a dense (G, G) product each week). Inputs
        are not changed once built (:func:`compact` and :func:`dataclasses.replace` make
        new ones, without the kept values), so the values stay valid.
        """
        cache: dict[str, Any] = self.__dict__.setdefault("_derived", {})
        if key not in cache:
            cache[key] = build(self)
        return cache[key]


@dataclass
class CooptSchedule:
    """Co-option intensities ``c[t, g, k]`` stored as the levers' windows, not as a dense
    (weeks, groups, institutions) array.

    A co-option lever gives one intensity to a set of (group, institution) pairs over a
    window of weeks; the dense array would be almost all zeros (2.4 GB at 1,200 groups
    and as many institutions for a two-year horizon, even for policies without
    co-option). Each event keeps its window and its pairs; a week's intensities are
    summed from the events active in it, in the order the levers were scheduled (the
    order in which the dense array added them up), only when asked for.

    Attributes
    ----------
    T, G, K : int
        Weeks, group slots and institutions.
    events : list of (ndarray of bool (T,), float, ndarray of int (n,), ndarray of int (n,))
        Weeks the event is active, its intensity, and its pairs' groups and institutions.

    Examples
    --------
    >>> c = CooptSchedule(T=3, G=2, K=2)
    >>> c.add(1, 3, 0.5, np.array([[True, False], [False, False]]))
    >>> c[0].any(), c[1].tolist()
    (np.False_, [[0.5, 0.0], [0.0, 0.0]])
    """

    T: int
    G: int
    K: int
    events: list[tuple[np.ndarray, float, np.ndarray, np.ndarray]] = field(
        default_factory=list)

    def add(self, a: int, b: int, intensity: float, pairs: np.ndarray) -> None:
        """Co-opt the pairs where ``pairs`` (G, K) is true at ``intensity`` in weeks
        ``a:b`` (slice semantics)."""
        weeks = np.zeros(self.T, dtype=bool)
        weeks[a:b] = True
        g, k = np.nonzero(pairs)
        self.events.append((weeks, float(intensity), g.astype(np.intp), k.astype(np.intp)))

    def week(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The pairs co-opted in week ``t`` and their intensities: ``(g, k, c)`` with
        ``c > 0``, sorted by group then institution."""
        on = [e for e in self.events if e[0][t] and e[1] != 0.0 and len(e[2])]
        if not on:
            empty = np.zeros(0, dtype=np.intp)
            return empty, empty, np.zeros(0)
        keys = np.concatenate([e[2] * self.K + e[3] for e in on])
        w = np.concatenate([np.full(len(e[2]), e[1]) for e in on])
        uniq, inv = np.unique(keys, return_inverse=True)
        c = np.bincount(inv, weights=w, minlength=len(uniq))  # adds in lever order
        keep = c != 0.0
        uniq, c = uniq[keep], c[keep]
        return uniq // self.K, uniq % self.K, c

    def __getitem__(self, t: int) -> np.ndarray:
        """The dense (G, K) intensities of week ``t`` (materialised on request)."""
        out = np.zeros((self.G, self.K))
        g, k, c = self.week(t)
        out[g, k] = c
        return out

    def any_at(self, t: int) -> bool:
        """Whether some pair is co-opted in week ``t``."""
        return bool(len(self.week(t)[2]))

    def mask(self) -> np.ndarray:
        """(G, K) bool: pairs co-opted in some week at a positive intensity."""
        out = np.zeros((self.G, self.K), dtype=bool)
        for weeks, x, g, k in self.events:
            if x > 0 and weeks.any():
                out[g, k] = True
        return out

    def restrict(self, slots: np.ndarray) -> CooptSchedule:
        """The schedule on the group slots ``slots`` (renumbered in that order); pairs of
        other slots are dropped."""
        new = np.full(self.G, -1, dtype=np.intp)
        new[np.asarray(slots, dtype=np.intp)] = np.arange(len(slots))
        out = CooptSchedule(T=self.T, G=len(slots), K=self.K)
        for weeks, x, g, k in self.events:
            keep = new[g] >= 0
            out.events.append((weeks, x, new[g[keep]], k[keep]))
        return out


@dataclass
class PolicySchedule:
    """A policy resolved against a scenario, as weekly arrays (T weeks)."""

    name: str
    strike_fixed: np.ndarray  # (T, G) intensity
    strike_prop: np.ndarray  # (T, G) intensity x gain per attack of the previous week
    strike_casualty: list[tuple[np.ndarray, float]]  # ((T, G) intensity, threshold)
    decap: np.ndarray  # (T, NL) kill-hazard intensity
    sanction_cut: np.ndarray  # (T, Nc) intensity (0..)
    sanction_since: np.ndarray  # (T, Nc) weeks since the cut began (-1: none)
    coopt: CooptSchedule  # c[t, g, k] intensity, by lever window (``coopt[t]``: (G, K))
    reform_pace: np.ndarray  # (T, K)
    reform_target: np.ndarray  # (T, K)
    civil_society: np.ndarray  # (T,)
    diplomacy: np.ndarray  # (T,) share of the trigger removed, 0..1
    presence: np.ndarray  # (T,) foreign presence, 0..1
    sanction_onsets: list[tuple[int, int, int, float]] = field(default_factory=list)
    """(first week, end week, channel, intensity) of each sanction pressure."""
    warnings: list[str] = field(default_factory=list)
    """Levers that have nothing to act on in the scenario (see ``LeverWarning``)."""


def close_match_error(name: str, pool: list[str], what: str) -> InputError:
    """An :class:`InputError` for an unknown ``what`` named ``name``, with close matches."""
    near = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    return InputError(f"unknown {what} {name!r} in the scenario{hint}")


def _step_series(points: list[tuple[dt.date, float]], days: list[dt.date],
                 linear: bool) -> np.ndarray:
    out = np.zeros(len(days))
    if not points:
        return out
    pts = sorted(points)
    xs = np.array([p[0].toordinal() for p in pts], dtype=float)
    ys = np.array([p[1] for p in pts])
    q = np.array([d.toordinal() for d in days], dtype=float)
    if linear:
        out = np.interp(q, xs, ys, left=0.0, right=ys[-1])
    else:
        idx = np.searchsorted(xs, q, side="right") - 1
        out = np.where(idx >= 0, ys[np.clip(idx, 0, None)], 0.0)
    return np.clip(out, 0.0, None)


def build_inputs(kg: KnowledgeGraph, weeks: int) -> ModelInputs:
    """Read the scenario at its start date into :class:`ModelInputs`.

    Parameters
    ----------
    kg : KnowledgeGraph
        The whole scenario (events and series after the start are read from it).
    weeks : int
        Horizon, weeks.

    Raises
    ------
    InputError
        If the scenario has no armed group active at its start, or ``weeks < 1``.
    """
    if weeks < 1:
        raise InputError(f"weeks must be >= 1, got {weeks}")
    meta = kg.scenario.scenario
    start = earliest(meta.start)
    snap = kg.snapshot(start)
    notes: list[str] = []
    groups = [n for n in snap.nodes(NodeType.ARMED_GROUP) if n.group is not None]
    if not groups:
        raise InputError(f"scenario {meta.id!r} has no armed group active at its start "
                         f"{meta.start}")
    g0 = len(groups)
    gidx = {n.id: i for i, n in enumerate(groups)}
    G = 2 * g0
    group_ids = [n.id for n in groups] + [f"{n.id}~splinter" for n in groups]
    splinter_of = np.concatenate([np.full(g0, -1), np.arange(g0)])

    def per_group(vals: list[float]) -> np.ndarray:
        return np.concatenate([np.asarray(vals, dtype=float), np.zeros(g0)])

    attrs = [n.group for n in groups if n.group is not None]
    orientation = np.concatenate([[a.orientation for a in attrs]] * 2).astype(float)
    size = np.array([a.size.value / 1000.0 for a in attrs], dtype=float)
    size = np.concatenate([size, size])
    fighters = per_group([(a.fighters or a.size).value / 1000.0 for a in attrs])
    legitimacy = per_group([a.legitimacy for a in attrs])
    hostility = per_group([a.hostility if a.hostility is not None else a.orientation
                           for a in attrs])
    theatre = set(meta.theatre) or ({meta.country} if meta.country else set())
    here = np.array([not theatre or n.country is None or n.country in theatre
                     for n in groups])
    exp0 = np.array([float(bool(a.campaign) and h) for a, h in zip(attrs, here, strict=True)])
    exposure = np.concatenate([exp0, exp0])  # a splinter fights where its parent does
    since = [earliest(a.campaign.since) if isinstance(a.campaign, CampaignMembership)
             and a.campaign.since is not None else start for a in attrs]
    cf0 = np.array([max(0, -(-(d - start).days // 7)) for d in since], dtype=np.int64)
    campaign_from = np.concatenate([cf0, cf0])  # a splinter starts no earlier than its parent
    late = [f"{n.id} attacks from week {int(w)} ({d})" for n, w, d
            in zip(groups, cf0, since, strict=True) if w > 0 and n.group and n.group.campaign]
    notes.extend(late)
    in_theatre = np.concatenate([here, here])
    if not exp0.any():
        notes.append("no armed group is in the theatre and in the campaign: no attacks")
    age = np.array([max(0, start.year - a.founding_year) for a in attrs], dtype=float)
    smax = max(float(size[:g0].max()), 1e-9)
    mat = 0.5 * np.minimum(age / 20.0, 1.0) + 0.5 * np.minimum(size[:g0] / smax, 1.0)
    maturity = np.concatenate([mat, np.zeros(g0)])

    # leaders ---------------------------------------------------------------------
    leader_ids: list[str] = []
    leader_group: list[int] = []
    leader_share: list[float] = []
    for t in snap.ties(TieType.LEADS):
        if t.to in gidx:
            leader_ids.append(t.from_)
            leader_group.append(gidx[t.to])
            leader_share.append(t.share if t.share is not None else DEFAULT_LEADER_SHARE)
    for g, n in enumerate(groups):
        if g not in leader_group:
            leader_ids.append(f"{n.id}#leader")
            leader_group.append(g)
            leader_share.append(DEFAULT_LEADER_SHARE)
    lg = np.array(leader_group, dtype=int)
    ls = np.array(leader_share, dtype=float)
    tot = np.bincount(lg, weights=ls, minlength=g0)
    ls = ls / np.maximum(1.0, tot[lg])  # shares of one group sum to <= 1
    person_group: dict[str, list[int]] = {}
    for pid, g in zip(leader_ids, lg, strict=True):
        person_group.setdefault(pid, []).append(int(g))

    # coordination: alliances and shared umbrella membership ------------------------
    W = np.zeros((G, G))
    for t in snap.ties(TieType.ALLIED_WITH):
        if t.from_ in gidx and t.to in gidx:
            a, b = gidx[t.from_], gidx[t.to]
            W[a, b] = W[b, a] = max(W[a, b], t.weight)
    members: dict[str, list[int]] = {}
    for t in snap.ties(TieType.MEMBER_OF):
        if t.from_ in gidx:
            members.setdefault(t.to, []).append(gidx[t.from_])
    for ms in members.values():
        for a in ms:
            for b in ms:
                if a != b:
                    W[a, b] = max(W[a, b], 0.5)
    # a splinter coordinates with nobody; its parent's allies do not follow it

    # patrons --------------------------------------------------------------------
    patron = np.zeros(G)
    patron_funding: dict[int, float] = {}
    for t in snap.ties(TieType.PATRON_OF):
        if t.to in gidx:
            g = gidx[t.to]
            patron[g] = max(patron[g], t.weight)
            if "funding" in t.support:
                patron_funding[g] = patron_funding.get(g, 0.0) + DEFAULT_PATRON_FUNDING * t.weight

    # institutions and capture -------------------------------------------------------
    # Capture is measured on the scenario country's state: foreign institutions (a patron's
    # corps, the foreign power's ministries) have budget shares of other budgets.
    insts = [n for n in snap.nodes(NodeType.STATE_INSTITUTION) if n.institution is not None
             and (meta.country is None or n.country in (None, meta.country))]
    kidx = {n.id: i for i, n in enumerate(insts)}
    K = len(insts)
    inst_attrs = [n.institution for n in insts if n.institution is not None]
    budget = np.array([a.budget_share for a in inst_attrs], dtype=np.float64)
    acc = np.array([a.accountability for a in inst_attrs], dtype=np.float64)
    if K:
        bnorm = budget / budget.sum() if budget.sum() > 0 else np.full(K, 1.0 / K)
        inst_weight = 0.5 * bnorm + 0.5 / K
    else:
        inst_weight = np.zeros(0)
    wings: dict[str, int] = {}
    for t in snap.ties(TieType.WING_OF):
        if t.to in gidx:
            wings[t.from_] = gidx[t.to]
    X = np.zeros((G, K))
    for t in snap.ties((TieType.HOLDS_OFFICE_IN, TieType.INTEGRATED_INTO)):
        if t.to not in kidx:
            continue
        share = (t.share if t.share is not None else DEFAULT_OFFICE_SHARE * t.weight)
        holders: list[int] = []
        if t.from_ in gidx:
            holders = [gidx[t.from_]]
        elif t.from_ in wings:
            holders = [wings[t.from_]]
        elif t.from_ in person_group:
            holders = person_group[t.from_]
        for g in holders:
            X[g, kidx[t.to]] += share / len(holders)
    colsum = X.sum(axis=0)
    X = X / np.maximum(1.0, colsum)[None, :]

    # revenue channels ----------------------------------------------------------------
    nodes = {n.id: n for n in kg.scenario.nodes}
    chan_group: list[int] = []
    chan_amount: list[float] = []
    chan_kind: list[str] = []
    chan_sanc: list[bool] = []
    chan_split: list[int] = []
    chan_payer: list[str] = []
    pending: list[int] = []
    for t in snap.ties(TieType.FUNDS):
        if t.to not in gidx:
            continue
        kind = t.channel or "other"
        if kind == "state_budget":
            continue  # state rents are endogenous (mechanism state_rents)
        payer = nodes.get(t.from_)
        sanc = bool(payer is not None and payer.type is NodeType.BUSINESS and payer.business
                    is not None and payer.business.sanctionable and kind in ("business", "bank"))
        if payer is not None and payer.type is NodeType.PERSON and kind in ("business", "bank"):
            sanc = True
        chan_group.append(gidx[t.to])
        chan_kind.append(kind)
        chan_sanc.append(sanc)
        chan_split.append(0)
        chan_payer.append(t.from_)
        if t.amount is not None:
            chan_amount.append(t.amount.value)
        else:
            chan_amount.append(float("nan"))
            pending.append(len(chan_amount) - 1)
        if kind == "patron":
            patron_funding.pop(gidx[t.to], None)
    for g, amount in sorted(patron_funding.items()):
        chan_group.append(g)
        chan_kind.append("patron")
        chan_sanc.append(False)
        chan_split.append(0)
        chan_payer.append("patron")
        chan_amount.append(amount)
    revenue = np.array([(a.funds.value if a.funds is not None else 0.0) for a in attrs])
    amounts = np.array(chan_amount, dtype=float)
    cg = np.array(chan_group, dtype=int)
    n_named = len(cg)
    for g in range(g0):
        mine = cg == g
        known = float(np.nansum(amounts[:n_named][mine])) if mine.any() else 0.0
        missing = [i for i in pending if cg[i] == g]
        rest = max(revenue[g] - known, 0.0)
        if missing:
            for i in missing:
                amounts[i] = rest / len(missing)
            rest = 0.0
        if rest > 0:
            # Revenue no tie explains: one formal (banked, sanctionable) and one informal
            # channel, both of the full residual; the parameter formal_revenue_share weighs
            # them (revenue mechanism), so the split is an uncertainty, not an input.
            for split, sanctionable in ((1, True), (-1, False)):
                chan_group.append(g)
                chan_kind.append("other")
                chan_sanc.append(sanctionable)
                chan_split.append(split)
                chan_payer.append("unattributed")
            amounts = np.append(amounts, [rest, rest])
    amounts = np.nan_to_num(amounts)
    revenue_annual = np.concatenate([revenue, np.zeros(g0)])

    # exogenous series -------------------------------------------------------------------
    series = {s.id: s for s in kg.scenario.series}
    named = meta.trigger_series
    if named is not None and named not in series:
        raise close_match_error(named, list(series), "trigger series (scenario.trigger_series)")
    trig = (series[named] if named is not None
            else next((series[s] for s in TRIGGER_SERIES if s in series), None))
    if trig is None and series:
        trig = next(iter(series.values()))
        notes.append(f"trigger series: using {trig.id!r}")
    if trig is None:
        tau = np.zeros(weeks)
        notes.append("no trigger series: tau = 0")
    else:
        # the weekly value is the mean of the daily series over the week's seven days, so a
        # truce that starts mid-week counts for the days it covers
        daily = [start + dt.timedelta(days=d) for d in range(7 * weeks)]
        tau = _step_series([(earliest(p.date), p.value) for p in trig.points], daily,
                           trig.interpolation == "linear").reshape(weeks, 7).mean(axis=1)

    # scheduled events --------------------------------------------------------------------
    person_ids = [n.id for n in kg.scenario.nodes if n.type is NodeType.PERSON]
    business_ids = [n.id for n in kg.scenario.nodes if n.type is NodeType.BUSINESS]
    NL = len(leader_ids)
    strike_ev = np.zeros((weeks, G))
    kill_ev = np.zeros((weeks, NL), dtype=bool)
    unnamed = np.zeros((weeks, G))
    sanction_events: list[tuple[int, int, float]] = []
    chan_payer_arr = np.array(chan_payer, dtype=object)
    for ev in kg.scenario.events:
        w = (earliest(ev.date) - start).days // 7
        if ev.kind in ("strike", "leadership_strike"):
            if not 0 <= w < weeks:
                continue
            gt = [gidx[x] for x in ev.targets if x in gidx]
            for x in ev.targets:
                if x in person_group:
                    gt.extend(person_group[x])
                gt.extend(members.get(x, []))  # an umbrella stands for its member groups
            gt = sorted(set(gt))
            if ev.kind == "strike" and gt:
                strike_ev[w, gt] += ev.intensity / len(gt)
            if ev.kind == "leadership_strike":
                killed = set(ev.killed) | {x for x in ev.targets if x in person_group}
                hit_groups = set()
                for i, pid in enumerate(leader_ids):
                    if pid in killed:
                        kill_ev[w, i] = True
                        hit_groups.add(int(lg[i]))
                for g in gt:
                    strike_ev[w, g] += min(ev.intensity, 1.0)
                    if g not in hit_groups:
                        unnamed[w, g] += UNNAMED_LEADER_SHARE
        elif ev.kind in ("sanctions", "designation"):
            if w >= weeks:
                continue
            for x in ev.targets:
                hit: list[int] = [int(i) for i in np.flatnonzero(chan_payer_arr == x)]
                if x in gidx:
                    hit = [i for i in range(len(chan_group)) if chan_group[i] == gidx[x]]
                sanction_events.extend((w, i, 1.0) for i in hit if chan_sanc[i])
    for t in kg.ties(TieType.SANCTIONED_BY):
        # sanctions already in force count from their start (evasion has had time)
        w = (earliest(t.start) - start).days // 7 if t.start is not None else -52
        if w >= weeks:
            continue
        for i, payer_id in enumerate(chan_payer):
            by_group = t.from_ in gidx and chan_group[i] == gidx[t.from_]
            if (payer_id == t.from_ or by_group) and chan_sanc[i]:
                sanction_events.append((w, i, 1.0))
    # One designation recorded both as an event and as a sanctioned_by tie is one fact.
    sanction_events = sorted(set(sanction_events))

    inputs = ModelInputs(
        scenario_id=meta.id, scenario_hash=kg.hash, start=start, weeks=weeks,
        group_ids=group_ids, n_groups0=g0, splinter_of=splinter_of, orientation=orientation,
        size=size, fighters=fighters, revenue_annual=revenue_annual, legitimacy=legitimacy,
        hostility=hostility, exposure=exposure, campaign_from=campaign_from,
        in_theatre=in_theatre, maturity=maturity, patron=patron, coordination=W,
        inst_ids=[n.id for n in insts], budget=budget, accountability=acc,
        inst_weight=inst_weight, capture=X, chan_group=np.array(chan_group, dtype=int),
        chan_amount=amounts / 52.0, chan_kind=chan_kind,
        chan_sanctionable=np.array(chan_sanc, dtype=bool),
        chan_split=np.array(chan_split, dtype=np.int8), chan_payer=chan_payer,
        leader_ids=leader_ids, leader_group=lg, leader_share=ls, tau=tau,
        strike_events=strike_ev, kill_events=kill_ev, unnamed_kill_events=unnamed,
        sanction_events=sanction_events, business_ids=business_ids, person_ids=person_ids,
        notes=notes,
    )
    for mech in registry():
        if mech.read is not None:
            inputs.extra[mech.name] = mech.read(kg, inputs)
    return inputs


# -- policies ---------------------------------------------------------------------------

def _window(inputs: ModelInputs, lever: object, kind: str) -> tuple[int, int]:
    T = inputs.weeks
    last = inputs.start + dt.timedelta(days=7 * T - 1)
    a, b = 0, T
    s = getattr(lever, "start", None)
    e = getattr(lever, "end", None)
    for label, value in (("start", s), ("end", e)):
        if value is None:
            continue
        day = parse_date(value)
        if not inputs.start <= day <= last:
            raise InputError(f"{kind} lever: {label} {value} is outside the simulated period "
                             f"{inputs.start} .. {last}")
    if s is not None:
        a = inputs.week_of(parse_date(s))
    if e is not None:
        b = inputs.week_of(earliest(e)) + 1
    if b <= a:
        raise InputError(f"{kind} lever: end {e} is before start {s}")
    return a, b


def group_mask(inputs: ModelInputs, names: list[str], kind: str,
               allow_attackers: bool = False) -> tuple[np.ndarray, bool]:
    """Mask over group slots (named groups include their splinter slot).

    The selectors ``all``, ``domestic`` and ``transnational`` pick among the groups based in
    the theatre, in the campaign or not (all groups when none is): a policy aimed at the
    groups of the theatre does not reach, say, a patron's clients abroad unless named.
    """
    g0 = inputs.n_groups0
    mask = np.zeros(inputs.G, dtype=bool)
    attackers = False
    base = inputs.group_ids[:g0]
    pool = inputs.in_theatre if inputs.in_theatre.any() else np.ones(inputs.G, dtype=bool)
    for name in names:
        if name == "all":
            mask[:] |= pool
        elif name == "domestic":
            mask[:] |= pool & (inputs.orientation < 0.5)
        elif name == "transnational":
            mask[:] |= pool & (inputs.orientation >= 0.5)
        elif name == "attackers" and allow_attackers:
            attackers = True
        elif name in base:
            i = base.index(name)
            mask[i] = mask[g0 + i] = True
        else:
            raise close_match_error(name, base, f"group in the {kind} lever:")
    return mask, attackers


def schedule_policy(inputs: ModelInputs, policy: Policy) -> PolicySchedule:
    """Resolve ``policy`` against the scenario into weekly arrays.

    Raises
    ------
    InputError
        Unknown target ids (with close matches), dates outside the simulated period.
    """
    T, G, K = inputs.weeks, inputs.G, inputs.K
    Nc, NL = len(inputs.chan_group), len(inputs.leader_ids)
    sch = PolicySchedule(
        name=policy.name, strike_fixed=np.zeros((T, G)), strike_prop=np.zeros((T, G)),
        strike_casualty=[], decap=np.zeros((T, NL)), sanction_cut=np.zeros((T, Nc)),
        sanction_since=np.full((T, Nc), -1.0), coopt=CooptSchedule(T=T, G=G, K=K),
        reform_pace=np.zeros((T, K)), reform_target=np.zeros((T, K)),
        civil_society=np.zeros(T), diplomacy=np.zeros(T), presence=np.ones(T))
    # Designations already in the scenario come first, then the levers' own pressures.
    sch.sanction_onsets.extend((w, T, c, i) for w, c, i in inputs.sanction_events)
    for lever in policy.levers:
        a, b = _window(inputs, lever, lever.kind)
        lever.schedule(inputs, sch, a, b)
    weeks = np.arange(T, dtype=float)
    for a, b, c, x in sch.sanction_onsets:
        # Pressures on one channel add up; the latest onset restarts the evasion clock (a
        # new designation closes the workarounds found for the old ones).
        on = (weeks >= max(a, 0)) & (weeks < b)
        prev = sch.sanction_since[:, c]
        since = np.where(prev >= 0, np.minimum(prev, weeks - a), weeks - a)
        sch.sanction_cut[:, c] += np.where(on, x, 0.0)
        sch.sanction_since[:, c] = np.where(on, since, prev)
    np.clip(sch.reform_pace, 0.0, 1.0, out=sch.reform_pace)
    return sch


def live_slots(inputs: ModelInputs, schedule: PolicySchedule) -> np.ndarray:
    """Group slots that can ever be in use: every scenario group, and the splinter slot of
    each group that can lose a leader (a scheduled or unnamed kill, or the policy's
    decapitation lever). The other splinter slots stay empty in every run, so the engine
    leaves them out of its arrays (:func:`compact`) and fills them with zeros in outputs.
    """
    g0 = inputs.n_groups0
    hit = np.zeros(g0, dtype=bool)
    killable = inputs.kill_events.any(axis=0) | (schedule.decap > 0).any(axis=0)
    hit[inputs.leader_group[killable]] = True
    hit |= inputs.unnamed_kill_events[:, :g0].any(axis=0)
    return np.concatenate([np.arange(g0), g0 + np.flatnonzero(hit)])


def compact(inputs: ModelInputs, schedule: PolicySchedule,
            live: np.ndarray) -> tuple[ModelInputs, PolicySchedule]:
    """Inputs and schedule restricted to the group slots ``live`` (see :func:`live_slots`).

    Scenario groups keep their positions, so channel, leader and parent indices stay valid.
    """
    import dataclasses

    g = np.asarray(live, dtype=np.intp)
    inp = dataclasses.replace(
        inputs, group_ids=[inputs.group_ids[i] for i in g], splinter_of=inputs.splinter_of[g],
        orientation=inputs.orientation[g], size=inputs.size[g], fighters=inputs.fighters[g],
        revenue_annual=inputs.revenue_annual[g], legitimacy=inputs.legitimacy[g],
        hostility=inputs.hostility[g], exposure=inputs.exposure[g],
        campaign_from=inputs.campaign_from[g],
        in_theatre=inputs.in_theatre[g],
        maturity=inputs.maturity[g], patron=inputs.patron[g],
        coordination=inputs.coordination[np.ix_(g, g)], capture=inputs.capture[g],
        strike_events=inputs.strike_events[:, g],
        unnamed_kill_events=inputs.unnamed_kill_events[:, g],
        extra={m.name: _restrict(inputs.extra[m.name], m.group_inputs, g)
               for m in registry() if m.name in inputs.extra})
    sch = dataclasses.replace(
        schedule, strike_fixed=schedule.strike_fixed[:, g],
        strike_prop=schedule.strike_prop[:, g],
        strike_casualty=[(arr[:, g], thr) for arr, thr in schedule.strike_casualty],
        coopt=schedule.coopt.restrict(g))
    return inp, sch


def _restrict(facts: dict[str, Any], keys: tuple[str, ...], g: np.ndarray) -> dict[str, Any]:
    return {k: (v[..., g] if k in keys else v) for k, v in facts.items()}


def capture_holders(inputs: ModelInputs,
                    schedule: PolicySchedule | None = None) -> CaptureLayout:
    """The (group slot, institution) pairs that can ever hold capture: those held at the
    start (``inputs.capture > 0``) and those the policy co-opts. Capture grows and erodes
    in proportion to itself, so no other pair ever becomes non-zero (see
    :mod:`armednet.sim.state`). ``.holders`` are the sorted slots with some pair."""
    can = inputs.capture > 0
    if schedule is not None:
        can = can | schedule.coopt.mask()
    return CaptureLayout.from_mask(can)


def initial_state(inputs: ModelInputs, p: dict[str, np.ndarray], runs: int,
                  holders: CaptureLayout | np.ndarray | None = None) -> State:
    """The state of ``runs`` runs at week 0 (parameters as arrays of shape (runs, 1)).

    ``holders`` is the capture layout (the engine passes :func:`capture_holders`), or
    group slots whose every institution is stored, or None for every slot and
    institution.
    """
    R, G = runs, inputs.G
    if isinstance(holders, CaptureLayout):
        layout = holders
    else:
        mask = np.zeros((G, inputs.K), dtype=bool)
        mask[np.arange(G) if holders is None else np.asarray(holders, dtype=np.intp)] = True
        layout = CaptureLayout.from_mask(mask)
    g0 = inputs.n_groups0
    active = np.zeros((R, G), dtype=bool)
    active[:, :g0] = True
    M = np.broadcast_to(inputs.fighters, (R, G)).copy()
    weekly_rev = np.broadcast_to(inputs.revenue_annual / 52.0, (R, G))
    F = weekly_rev * p["initial_reserve_weeks"]
    C = np.where(active, p["initial_cohesion"], 0.0)
    x0 = inputs.capture[layout.pair_slot, layout.pair_k]
    state = State(
        M=M, F=np.array(F), L=np.broadcast_to(inputs.legitimacy, (R, G)).copy(), C=C,
        H=np.broadcast_to(inputs.hostility, (R, G)).copy(), D=np.zeros((R, G)),
        o=np.broadcast_to(inputs.orientation, (R, G)).copy(), S=np.zeros((R, G), dtype=bool),
        active=active, Xp=np.broadcast_to(x0, (R, layout.P)).copy(),
        A=np.broadcast_to(inputs.accountability, (R, inputs.K)).copy(), Q=np.zeros(R),
        B=np.broadcast_to(p["initial_backing"][:, 0], (R,)).copy(),
        alive=np.ones((R, len(inputs.leader_ids)), dtype=bool),
        last_attacks=np.zeros((R, G)), last_casualties=np.zeros(R), layout=layout,
    )
    for mech in registry():
        if mech.init is not None:
            state.extra.update(mech.init(inputs, p, R))
    return state
