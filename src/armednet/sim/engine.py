"""The vectorised engine: all runs of an ensemble advance together, week by week.

:func:`simulate` builds the inputs from a knowledge graph, resolves the policy and the
parameters, and advances the state of a chunk of runs through the mechanisms' weekly
step (:data:`armednet.sim.mechanisms.PIPELINE`); every array has the run as its first
axis, uncertain parameters are arrays over runs, and there is no Python loop over runs or
actors. Chunks are independent: the random numbers of run ``k`` depend only on the seed
and ``k`` (:mod:`armednet.sim.rng`), so results do not depend on the chunk size, and
``run_offset`` lets a caller compute any slice of a larger ensemble. For the same reason
chunks can run in other processes (``workers``; :func:`plan_workers`): the experiments'
local pool of worker processes, kept for later calls, with this process computing chunks
too, gives bit-identical results.
"""

from __future__ import annotations

import atexit
import collections
import difflib
import functools
import itertools
import math
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.sim._ops import rowsum, weighted_rowsum
from armednet.sim.init import (
    ModelInputs,
    PolicySchedule,
    build_inputs,
    capture_holders,
    compact,
    initial_state,
    live_slots,
    schedule_policy,
)
from armednet.sim.mechanisms import MECHANISMS, PIPELINE, registry
from armednet.sim.mechanisms._base import Context
from armednet.sim.mechanisms.accountability import capture_index
from armednet.sim.mechanisms.ceasefire import political_influence
from armednet.sim.mechanisms.revenue import channel_tables
from armednet.sim.memory import chunk_size_for
from armednet.sim.params import resolve_params
from armednet.sim.policy import LeverWarning, Policy, resolve_policy
from armednet.sim.rng import (
    run_keys,
    uniform_pairs_at,
    uniforms,
    uniforms_at,
    uniforms_cells,
)
from armednet.sim.state import State

if TYPE_CHECKING:
    import xarray as xr

    from armednet.kb.graph import KnowledgeGraph

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "FACTION_THRESHOLD",
    "SUMMARY_COLUMNS",
    "WEEKLY_GROUP_VARIABLES",
    "WEEKLY_VARIABLES",
    "ChunkOutput",
    "Ensemble",
    "RunDraws",
    "SimulationResult",
    "load_graph",
    "plan_workers",
    "prepare",
    "resolve_backend",
    "resolve_mechanisms",
    "resolve_record",
    "shutdown_workers",
    "simulate",
    "start_workers",
    "step_pipeline",
]

BACKENDS = ("numba", "numpy")
"""Ways to run the weekly step (see :func:`simulate`)."""
DEFAULT_BACKEND = "numba"
"""The backend used when none is given."""


def resolve_backend(backend: str | None) -> str:
    """A validated backend name (``None``: :data:`DEFAULT_BACKEND`).

    Raises
    ------
    InputError
        An unknown name, or ``"numba"`` without numba installed.
    """
    name = DEFAULT_BACKEND if backend is None else backend
    if name not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if name == "numba":
        from armednet.sim import kernels

        if not kernels.available():
            raise InputError("backend 'numba' needs numba: pip install numba "
                             "(or use backend 'numpy')")
    return name


DEFAULT_CHUNK = 4096
"""At most this many runs advance together by default (the runs are split into equal
chunks): large enough for numpy to be efficient, small enough to keep a chunk's state in
the CPU caches' neighbourhood and memory bounded."""

FACTION_THRESHOLD = 0.01
"""An active slot counts as a faction while its capability exceeds this (1000 fighters)."""

WEEKLY_VARIABLES = ("attacks", "attacks_undisciplined", "casualties", "civilian_harm",
                    "capture", "accountability", "protest", "backing", "tau",
                    "ceasefires", "factions",
                    *(name for m in registry() for name in m.weekly))
"""Weekly (run, week) outputs with ``record="weekly"`` (the last ones declared by
mechanisms)."""
SUMMARY_COLUMNS = (
    "attacks", "attacks_undisciplined", "attacks_under_ceasefire", "undisciplined_share",
    "casualties", "civilian_harm", "repression_harm", "ceasefire_spells",
    "first_ceasefire_week", "ceasefire_mean_length", "time_to_resumption",
    "final_year_attack_rate", "attacks_trigger_on", "attacks_trigger_off",
    "attacks_transnational_share", "transnational_share_trigger_on",
    "transnational_share_trigger_off", "revenue_total",
    "capability_transnational_share", "capture_final",
    "accountability_final", "factions_final", "military_final", "funds_final",
    "backing_final", "protest_mean", "protest_final")
"""Per-run summary columns (besides ``run``, ``power_<group>``, ``power_splinters`` and the
columns mechanisms add through ``summarize``)."""
WEEKLY_GROUP_VARIABLES = ("group_attacks", "military", "funds", "cohesion", "legitimacy",
                          "hostility", "ceasefire",
                          "power")
"""Weekly (run, week, group) outputs with ``record="weekly"``."""


@dataclass
class SimulationResult:
    """What :func:`simulate` returns.

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per run (column ``run`` = global run index); see ``docs/model.md``.
    weekly : xarray.Dataset or None
        With ``record="weekly"``: (run, week) and (run, week, group) variables, each with
        its ``units`` attribute (:data:`UNITS`); ``date`` is an index besides ``week``
        (``.sel(date="2024-02-05")``), and the attributes say the scenario and its hash,
        the policy, the seed, the runs and the parameters (JSON).
    metadata : dict
        Scenario id and hash, policy, seed, runs, weeks, run offset, enabled mechanisms,
        parameter values (scalars, or ``"array"`` with min/max), package version.
    inputs : ModelInputs
        The model inputs built from the scenario (for inspection).
    """

    summary: pd.DataFrame
    weekly: xr.Dataset | None
    metadata: dict[str, Any]
    inputs: ModelInputs = field(repr=False)


def load_graph(kg_or_scenario: Any) -> KnowledgeGraph:
    """A knowledge graph from ``None`` (bundled default), a path or name, or a graph."""
    from armednet.kb.graph import KnowledgeGraph

    if isinstance(kg_or_scenario, KnowledgeGraph):
        return kg_or_scenario
    if kg_or_scenario is None or isinstance(kg_or_scenario, str | Path):
        return KnowledgeGraph.load(None if kg_or_scenario is None else str(kg_or_scenario))
    raise InputError(f"expected a KnowledgeGraph, a scenario path or name, got "
                     f"{type(kg_or_scenario).__name__}")


def resolve_mechanisms(mechanisms: Mapping[str, bool] | Iterable[str] | None) -> frozenset[str]:
    """Enabled mechanism names from a mapping of switches or an iterable of enabled names.

    Raises
    ------
    InputError
        Unknown names (with close matches).
    """
    names = list(MECHANISMS)
    if mechanisms is None:
        return frozenset(names)

    def check(name: str) -> str:
        if name not in MECHANISMS:
            near = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"unknown mechanism {name!r}{hint} (mechanisms: "
                             f"{', '.join(names)})")
        return name

    if isinstance(mechanisms, Mapping):
        on = set(names)
        for name, value in mechanisms.items():
            check(str(name))
            if not value:
                on.discard(str(name))
        return frozenset(on)
    if isinstance(mechanisms, str):
        mechanisms = [mechanisms]
    return frozenset(check(str(n)) for n in mechanisms)


def resolve_record(record: str | Iterable[str]) -> frozenset[str]:
    """The weekly variables to keep: none for ``"summary"``, all for ``"weekly"``.

    Raises
    ------
    InputError
        For anything else than those two words or known variable names.
    """
    every = (*WEEKLY_VARIABLES, *WEEKLY_GROUP_VARIABLES)
    if isinstance(record, str):
        if record == "summary":
            return frozenset()
        if record == "weekly":
            return frozenset(every)
        record = [record]
    names = [str(r) for r in record]
    for name in names:
        if name not in every:
            near = difflib.get_close_matches(name, every, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise InputError(f"record must be 'summary', 'weekly' or weekly variable names; "
                             f"unknown {name!r}{hint}")
    return frozenset(names)


_RECORDERS = tuple(m for m in registry() if m.record is not None)


class _Recorder:
    """Accumulates per-run summaries (and optionally weekly arrays) for one chunk.

    Counts are accumulated per group slot and summed once at the end: a slot's orientation
    and exposure do not change once it is in use, so totals by kind of group are exact.
    """

    def __init__(self, inputs: ModelInputs, R: int, record: frozenset[str],
                 compiled: bool = False) -> None:
        T, G = inputs.weeks, inputs.G
        self.compiled = compiled  # accumulate with the numba kernel
        self.T = T
        z = np.zeros
        self.attackers = np.flatnonzero(inputs.exposure > 0)
        n_att = len(self.attackers)  # attack counts are kept on the attacker slots
        self.att = z((R, n_att))
        self.att_u = z((R, n_att))
        self.att_cf = z((R, n_att))
        self.att_on = z((R, n_att))
        self.att_last = z((R, n_att))
        self.revenue = z((R, G))
        self.weeks_on = 0
        self.cas = z(R)
        self.harm = z(R)
        self.rep_harm = z(R)
        self.spells = z((R, G))
        self.cf_weeks = z((R, G))
        self.first_spell = np.full((R, G), -1.0)
        # Weeks before the first attacker's campaign begins count neither as trigger-on nor
        # as trigger-off weeks: no group could attack in them, whatever the trigger.
        starts = inputs.campaign_from[self.attackers]
        self.campaign_start = int(starts.min()) if len(starts) else 0
        self.resumed = np.full((R, G), np.nan)
        self.waiting = np.zeros((R, n_att), dtype=bool)  # cease-fire begun, not yet resumed
        self.trans: np.ndarray | None = None  # transnational attacker slots (float mask)
        self.cap_trans = z(R)
        self.protest = z(R)
        self.last_year_from = max(0, T - 52)
        self.exposure = inputs.exposure
        self.record = record
        self.w = {k: z((R, T), dtype=np.float32) for k in WEEKLY_VARIABLES if k in record}
        self.w.update({k: z((R, T, G), dtype=np.float32) for k in WEEKLY_GROUP_VARIABLES
                       if k in record})

    def week(self, t: int, s: State, ctx: Context, power: Callable[[], np.ndarray]) -> None:
        sc = ctx.scratch
        if self.trans is None or sc.get("splinters_formed"):  # orientation is fixed after
            self.trans = (s.o[:, self.attackers] >= 0.5).astype(np.float64)
        # "on": the trigger at half its intensity or more (see campaign_start)
        count_on = bool(sc["tau"][0, 0] >= 0.5) and t >= self.campaign_start
        self.weeks_on += count_on
        if self.compiled:
            self._accumulate_compiled(t, count_on, s, sc)
        else:
            self._accumulate(t, count_on, s, sc)
        if self.record:
            self._record(t, s, ctx, power)

    def _accumulate_compiled(self, t: int, count_on: bool, s: State,
                             sc: dict[str, Any]) -> None:
        from armednet.sim.kernels.record import accumulate_week

        assert self.trans is not None

        def full(x: np.ndarray, like: np.ndarray) -> np.ndarray:
            return x if x.shape == like.shape else np.broadcast_to(x, like.shape)

        accumulate_week(t, count_on, t >= self.last_year_from, self.attackers,
                        sc["attacks_a"], sc["attacks_u"], sc["attacks_cf"],
                        full(sc["income"], s.M), full(sc["rents"], s.M),
                        full(sc["casualties"], s.Q), full(sc["civ_harm"], s.Q),
                        full(sc["strike_harm"], s.Q), full(sc["repression_harm"], s.Q),
                        sc["declared"], s.S, s.M, s.Q, self.trans,
                        self.att, self.att_u, self.att_cf, self.att_on, self.att_last,
                        self.revenue, self.cas, self.harm, self.rep_harm, self.spells,
                        self.cf_weeks, self.first_spell, self.resumed, self.waiting,
                        self.cap_trans, self.protest)

    def _accumulate(self, t: int, count_on: bool, s: State, sc: dict[str, Any]) -> None:
        att_a = sc["attacks_a"]  # on the attacker slots
        self.att += att_a
        self.att_u += sc["attacks_u"]
        self.att_cf += sc["attacks_cf"]
        if count_on:
            self.att_on += att_a
        if t >= self.last_year_from:
            self.att_last += att_a
        self.revenue += sc["income"]
        self.revenue += sc["rents"]
        cas = sc["casualties"]
        self.cas += cas
        harm = sc["civ_harm"] + sc["strike_harm"] + sc["repression_harm"]
        self.harm += harm
        self.rep_harm += sc["repression_harm"]
        declared = sc["declared"]
        self.spells += declared
        self.cf_weeks += s.S
        a = self.attackers
        if self.waiting.any():  # first attack since the group's first cease-fire began
            back = self.waiting & (att_a > 0)
            if back.any():
                r, c = np.nonzero(back)
                self.resumed[r, a[c]] = t - self.first_spell[r, a[c]]
                self.waiting &= ~back
        if declared.any():
            first = declared & (self.first_spell < 0)
            self.first_spell[first] = t
            self.waiting |= first[:, a]
        m_in = s.M[:, a]
        mtot = rowsum(m_in)
        assert self.trans is not None
        self.cap_trans += weighted_rowsum(m_in, self.trans) / (
            np.maximum(mtot, 1e-12)) * (mtot > 0)
        self.protest += s.Q

    def _record(self, t: int, s: State, ctx: Context, power: Callable[[], np.ndarray]
                ) -> None:
        sc = ctx.scratch
        att_g = sc["attacks"]
        cas = sc["casualties"]
        harm = sc["civ_harm"] + sc["strike_harm"] + sc["repression_harm"]
        g = {
            "attacks": lambda: rowsum(att_g),
            "attacks_undisciplined": lambda: rowsum(sc["attacks_u"]),
            "casualties": lambda: cas,
            "civilian_harm": lambda: harm,
            "capture": lambda: capture_index(s, ctx),
            "accountability": lambda: rowsum(s.A * sc["budget_norm"]),
            "protest": lambda: s.Q,
            "backing": lambda: s.B,
            "tau": lambda: sc["tau"][:, 0],
            "ceasefires": lambda: rowsum(s.S.astype(np.float64)),
            "factions": lambda: self.factions(s),
            "group_attacks": lambda: att_g,
            "military": lambda: s.M,
            "funds": lambda: s.F,
            "cohesion": lambda: s.C,
            "legitimacy": lambda: s.L,
            "hostility": lambda: s.H,
            "ceasefire": lambda: s.S,
            "power": power,
        }
        for m in _RECORDERS:
            for name in m.weekly:
                if m.record is not None and name in self.w:
                    g[name] = functools.partial(m.record, name, s, ctx)
        for name, arr in self.w.items():
            arr[:, t] = g[name]()

    def factions(self, s: State) -> np.ndarray:
        """Active factions of the campaign (groups and splinters above the threshold)."""
        alive = s.active & (s.M > FACTION_THRESHOLD) & (self.exposure > 0)
        return alive.sum(axis=1).astype(float)

    def summary(self, s: State, ctx: Context, power: np.ndarray,
                run_index: np.ndarray) -> dict[str, np.ndarray]:
        inp = ctx.inputs
        T = self.T
        trans = (s.o[:, self.attackers] >= 0.5).astype(np.float64)
        attacks, att_u = rowsum(self.att), rowsum(self.att_u)
        att_on = rowsum(self.att_on)
        att_off = attacks - att_on
        tr_on = weighted_rowsum(self.att_on, trans)
        tr_off = weighted_rowsum(self.att - self.att_on, trans)
        weeks_off = max(0, T - self.campaign_start) - self.weeks_on
        n_spells = rowsum(self.spells)
        first = np.where(self.first_spell >= 0, self.first_spell, np.inf).min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_len = np.where(n_spells > 0, rowsum(self.cf_weeks)
                                / np.maximum(n_spells, 1), np.nan)
            res = self.resumed
            has = ~np.isnan(res)
            ttr = np.where(has.any(axis=1), np.where(has, res, 0.0).sum(axis=1)
                           / np.maximum(has.sum(axis=1), 1), np.nan)
        out: dict[str, np.ndarray] = {
            "run": run_index,
            "attacks": attacks,
            "attacks_undisciplined": att_u,
            "attacks_under_ceasefire": rowsum(self.att_cf),
            "undisciplined_share": np.where(attacks > 0, att_u / np.maximum(attacks, 1), 0.0),
            "casualties": self.cas,
            "civilian_harm": self.harm,
            "repression_harm": self.rep_harm,
            "ceasefire_spells": n_spells,
            "first_ceasefire_week": np.where(np.isfinite(first), first, np.nan),
            "ceasefire_mean_length": mean_len,
            "time_to_resumption": ttr,
            "final_year_attack_rate": rowsum(self.att_last) / max(1, T - self.last_year_from),
            "attacks_trigger_on": (att_on / self.weeks_on if self.weeks_on
                                   else np.full(s.runs, np.nan)),
            "attacks_trigger_off": (att_off / weeks_off if weeks_off
                                    else np.full(s.runs, np.nan)),
            "attacks_transnational_share": np.where(
                attacks > 0, weighted_rowsum(self.att, trans) / np.maximum(attacks, 1), 0.0),
            "transnational_share_trigger_on": np.where(
                att_on > 0, tr_on / np.maximum(att_on, 1), np.nan),
            "transnational_share_trigger_off": np.where(
                att_off > 0, tr_off / np.maximum(att_off, 1), np.nan),
            "revenue_total": weighted_rowsum(self.revenue, np.broadcast_to(
                self.exposure, self.revenue.shape)),
            "capability_transnational_share": self.cap_trans / T,
            "capture_final": capture_index(s, ctx),
            "accountability_final": rowsum(s.A * ctx.scratch["budget_norm"]),
            "factions_final": self.factions(s),
            "military_final": rowsum(s.M * self.exposure),
            "funds_final": rowsum(s.F * self.exposure),
            "backing_final": s.B.copy(),
            "protest_mean": self.protest / T,
            "protest_final": s.Q.copy(),
        }
        for g, gid in enumerate(inp.group_ids[:inp.n_groups0]):
            out[f"power_{gid}"] = power[:, g]
        out["power_splinters"] = power[:, inp.n_groups0:].sum(axis=1)
        for m in registry():
            if m.summarize is not None:
                out.update(m.summarize(s, ctx))
        return out


def _power(s: State, ctx: Context) -> np.ndarray:
    """Power index per group: mean of capability, funds, political influence and
    legitimacy, the first two relative to the largest campaign group at the start."""
    m_ref, f_ref = ctx.scratch["power_ref"]
    return np.where(s.active, (s.M / m_ref + s.F / f_ref
                               + political_influence(s, ctx) + s.L) / 4.0, 0.0)


def _shared_params(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Parameters with one value across the chunk as a (1, 1) array, the others as they
    are (runs, 1).

    Broadcasting a single value is about twice as fast as broadcasting a column along
    the short group axis, and gives the same numbers (the operations are elementwise).
    """
    return {k: v[:1] if v.shape[0] > 1 and bool((v == v[0]).all()) else v
            for k, v in p.items()}


class RunDraws(Protocol):
    """Parameters that vary by run, drawn as a function of the global run index
    (:class:`armednet.sim.params.PriorDraws`, :class:`armednet.sim.params.SetDraws`)."""

    @property
    def names(self) -> tuple[str, ...]: ...

    def __call__(self, run_index: np.ndarray) -> dict[str, np.ndarray]: ...

    def describe(self) -> dict[str, dict[str, Any]]: ...

    def validate(self) -> None: ...


@dataclass
class _Chunk:
    """A chunk of runs ready to advance: compacted inputs and schedule, the state, the
    scratch values that are the same every week, and the original slot of each slot."""

    inputs: ModelInputs
    schedule: PolicySchedule
    p: dict[str, np.ndarray]
    on: frozenset[str]
    keys: np.ndarray
    state: State
    static: dict[str, Any]
    live: np.ndarray

    def context(self, t: int) -> Context:
        """The context of week ``t`` (a fresh scratch holding the static values)."""
        keys, live = self.keys, self.live

        def uni(stream: int, n: Any, cells: tuple[np.ndarray, np.ndarray] | None = None,
                pair: bool = False) -> Any:
            if isinstance(n, int | np.integer):
                return uniforms(keys, t, stream, int(n))
            if pair:
                return uniform_pairs_at(keys, t, stream, live[n])
            if cells is not None:
                return uniforms_cells(keys, t, stream, cells[0], live[n][cells[1]])
            return uniforms_at(keys, t, stream, live[n])  # group slots: original counters

        return Context(t=t, inputs=self.inputs, policy=self.schedule, p=self.p, on=self.on,
                       uniform=uni, scratch=dict(self.static), keys=keys, slots=live)


def _setup_chunk(inputs: ModelInputs, sch: PolicySchedule, p: dict[str, np.ndarray],
                 on: frozenset[str], keys: np.ndarray) -> _Chunk:
    """Compact the inputs to the slots in use and build the initial state of the runs
    with random keys ``keys``."""
    R = len(keys)
    # C-contiguous float64: what the compiled kernels take as they are
    p = {k: np.ascontiguousarray(v, dtype=np.float64) for k, v in _shared_params(p).items()}
    live = live_slots(inputs, sch)
    inputs, sch = compact(inputs, sch, live)
    s = initial_state(inputs, p, R, capture_holders(inputs, sch))
    G = inputs.G
    attackers = np.flatnonzero(inputs.exposure > 0)
    static: dict[str, Any] = {
        **channel_tables(inputs, p, R),
        "attacker_slots": attackers,
        "attacker_holders": (np.flatnonzero(np.isin(attackers, s.holders)),
                             np.flatnonzero(np.isin(s.holders, attackers))),
        "coordination_a": inputs.coordination[np.ix_(inputs.exposure > 0,
                                                      inputs.exposure > 0)],
        "budget_norm": (inputs.budget / inputs.budget.sum() if inputs.K and
                        inputs.budget.sum() > 0 else np.full(inputs.K, 1.0 / max(inputs.K, 1))),
    }
    p0 = (inputs.capture * inputs.inst_weight).sum(axis=1)
    static["p_ref"] = max(float(p0.max()), 1e-3)
    focus = inputs.exposure > 0 if inputs.exposure.any() else np.ones(G, dtype=bool)
    static["power_ref"] = (max(float(inputs.fighters[focus].max()), 1e-9),
                           max(float(inputs.revenue_annual[focus].max()) / 4.0, 1.0))
    return _Chunk(inputs=inputs, schedule=sch, p=p, on=on, keys=keys, state=s,
                  static=static, live=live)


def step_pipeline(backend: str) -> tuple[Callable[[State, Context], None], ...]:
    """The weekly steps in order: the NumPy steps, or with ``backend="numba"`` each
    replaced by its compiled kernel where it has one (:mod:`armednet.sim.kernels`)."""
    if backend == "numpy":
        return PIPELINE
    from armednet.sim import kernels

    kernels.wait_warm()
    return kernels.pipeline(PIPELINE)


def _run_chunk(inputs: ModelInputs, sch: PolicySchedule, p: dict[str, np.ndarray],
               on: frozenset[str], keys: np.ndarray, run_index: np.ndarray,
               record: frozenset[str],
               tick: Callable[[int], None] | None,
               backend: str = "numpy") -> tuple[dict[str, np.ndarray],
                                                dict[str, np.ndarray] | None]:
    R = len(keys)
    full_G = inputs.G
    ch = _setup_chunk(inputs, sch, p, on, keys)
    s, live = ch.state, ch.live
    steps = step_pipeline(backend)
    rec = _Recorder(ch.inputs, R, record, compiled=backend == "numba")
    for t in range(ch.inputs.weeks):
        ctx = ch.context(t)
        for step in steps:
            step(s, ctx)
        rec.week(t, s, ctx, functools.partial(_power, s, ctx))
        s.last_attacks = ctx.scratch["attacks"]
        s.last_casualties = ctx.scratch["casualties"]
        if tick is not None:
            tick(R)
    ctx = Context(t=ch.inputs.weeks, inputs=ch.inputs, policy=ch.schedule, p=ch.p, on=on,
                  uniform=lambda a, b: np.zeros(0), scratch=dict(ch.static))
    summary = rec.summary(s, ctx, _power(s, ctx), run_index)
    if not record:
        return summary, None
    wk: dict[str, np.ndarray] = {}
    for name, arr in rec.w.items():
        if arr.ndim == 3:  # back to every slot; slots left out were empty throughout
            wk[name] = np.zeros((R, arr.shape[1], full_G), dtype=arr.dtype)
            wk[name][:, :, live] = arr
        else:
            wk[name] = arr
    return summary, wk


def simulate(
    kg_or_scenario: Any = None,
    policy: str | Path | Mapping[str, Any] | Policy | None = "status-quo",
    runs: int = 1000,
    weeks: int = 104,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    mechanisms: Mapping[str, bool] | Iterable[str] | None = None,
    run_offset: int = 0,
    record: str | Iterable[str] = "summary",
    chunk_size: int | None = None,
    progress: Callable[[float, float], None] | None = None,
    streams: np.ndarray | None = None,
    workers: int | None = None,
    backend: str | None = None,
    draws: RunDraws | None = None,
) -> SimulationResult:
    """Simulate an ensemble of runs of the model.

    Parameters
    ----------
    kg_or_scenario : KnowledgeGraph, str, Path or None
        The scenario (default: the bundled ``iraq-2024``).
    policy : str, Path, mapping or Policy
        A preset name, a YAML/JSON policy file, or a policy (see :mod:`armednet.sim.policy`).
    runs, weeks : int
        Ensemble size and horizon (weeks from the scenario's start).
    seed : int
        Experiment seed; with the same inputs the outputs are bit-identical.
    params : mapping, optional
        Parameter name -> scalar or array of shape ``(runs,)``
        (:data:`armednet.sim.params.PARAMETERS`).
    mechanisms : mapping or iterable, optional
        ``{"decapitation": False}`` or the set of enabled names (default: all).
    run_offset : int
        Global index of the first run (runs ``run_offset .. run_offset + runs - 1``): a
        slice of a larger ensemble gives the same per-run output as inside it.
    record : "summary", "weekly" or a list of weekly variable names
        Also keep weekly trajectories (float32): ``"weekly"`` keeps all of them (about
        ``runs x weeks x (11 + 8 G) x 4`` bytes), a list only the variables named (see
        :data:`WEEKLY_VARIABLES` and :data:`WEEKLY_GROUP_VARIABLES`).
    chunk_size : int, optional
        At most this many runs advance together (default 4096; the runs are split
        into equal chunks); does not change results.
    progress : callable, optional
        ``progress(done, total)`` in run-weeks, called every week of every chunk.
    streams : array of int, optional
        The random stream of each run (shape ``(runs,)``, integers >= 0; default: its global
        run index). Runs given the same stream draw the same random numbers: common random
        numbers across the rows of an experimental design.
    workers : int, optional
        Processes that advance chunks in parallel, this one included (default 1: this
        process only; 0: one per CPU). Results are bit-identical whatever the number;
        ensembles too small to gain (:func:`plan_workers`) stay in this process. See
        :meth:`Ensemble.chunks`.
    backend : {"numba", "numpy"}, optional
        How the weekly step runs (default :data:`DEFAULT_BACKEND`): ``"numba"``, one
        compiled loop per mechanism (:mod:`armednet.sim.kernels`), or ``"numpy"``, the
        vectorised reference. They agree to rounding (tested; see ``docs/performance.md``).
    draws : RunDraws, optional
        Parameters drawn per run by global run index, chunk by chunk
        (:class:`armednet.sim.params.PriorDraws`, :class:`armednet.sim.params.SetDraws`):
        the same values as passing ``draws(np.arange(run_offset, run_offset + runs))`` in
        ``params``, with memory bounded by the chunk.

    Returns
    -------
    SimulationResult

    Raises
    ------
    InputError
        Bad runs, weeks, seed, policy, parameters or mechanism names.

    Examples
    --------
    >>> res = simulate(runs=4, weeks=8, seed=1)  # doctest: +SKIP
    >>> res.summary[["attacks", "capture_final"]].shape  # doctest: +SKIP
    (4, 2)
    """
    ens = prepare(kg_or_scenario, policy=policy, runs=runs, weeks=weeks, seed=seed,
                  params=params, mechanisms=mechanisms, run_offset=run_offset,
                  record=record, chunk_size=chunk_size, streams=streams, backend=backend,
                  draws=draws)
    summaries: list[pd.DataFrame] = []
    weeklies: list[dict[str, np.ndarray]] = []
    for chunk in ens.chunks(progress, workers=workers):
        summaries.append(chunk.summary)
        if chunk.weekly is not None:
            weeklies.append(chunk.weekly)
    summary = pd.concat(summaries, ignore_index=True)
    ds = (_to_dataset(ens.inputs, weeklies, summary["run"].to_numpy(), ens.metadata)
          if ens.record else None)
    return SimulationResult(summary=summary, weekly=ds, metadata=ens.metadata,
                            inputs=ens.inputs)


@dataclass
class ChunkOutput:
    """The output of one chunk of runs (see :meth:`Ensemble.chunks`).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per run of the chunk.
    weekly : dict of str to ndarray or None
        Weekly arrays, (runs, weeks) or (runs, weeks, groups), when recorded.
    """

    summary: pd.DataFrame
    weekly: dict[str, np.ndarray] | None


@dataclass
class Ensemble:
    """A prepared ensemble: validated inputs, resolved policy and parameters.

    Build it with :func:`prepare`; iterate :meth:`chunks` to stream results chunk by chunk
    (memory stays bounded by the chunk size, whatever the number of runs).
    """

    inputs: ModelInputs
    schedule: PolicySchedule
    params: dict[str, np.ndarray]  # (runs, 1), or (1, 1) when one value for all runs
    on: frozenset[str]
    seed: int
    runs: int
    run_offset: int
    record: frozenset[str]
    chunk_size: int
    metadata: dict[str, Any]
    streams: np.ndarray | None = None
    backend: str = "numpy"
    draws: RunDraws | None = None

    def chunks(self, progress: Callable[[float, float], None] | None = None,
               workers: int | None = None) -> Iterator[ChunkOutput]:
        """Advance the runs chunk by chunk, yielding each chunk's output in run order.

        Parameters
        ----------
        progress : callable, optional
            ``progress(done, total)`` in run-weeks: every simulated week in this process,
            after each chunk with workers.
        workers : int, optional
            Processes that compute chunks, this one included (default 1: this process
            only; 0: one per CPU), capped by the number of chunks (:func:`plan_workers`).
            The other ``workers - 1`` are a pool kept for later calls and shut down at
            exit (:func:`shutdown_workers`); at most two chunks per process are in
            flight (one when weekly arrays are recorded), so memory stays bounded.
            Outputs are bit-identical to one process: a run's random numbers depend only
            on the seed and its index.
        """
        n_workers, bounds = plan_workers(self.runs, self.chunk_size, workers)
        tasks = (self._task(a, b) for a, b in itertools.pairwise(bounds))
        if n_workers <= 1:
            yield from self._chunks_here(tasks, progress)
            return
        total = float(self.runs) * self.inputs.weeks
        done = 0.0
        # weekly arrays are large (hundreds of MB a chunk): one chunk ahead per process
        ahead = 1 if self.record else 2
        for task, (summ, wk) in _ordered_map(tasks, n_workers, ahead):
            done += len(task.keys) * self.inputs.weeks
            if progress is not None:
                progress(done, total)
            yield ChunkOutput(summary=pd.DataFrame(summ), weekly=wk)

    def _task(self, a: int, b: int) -> _ChunkTask:
        idx = np.arange(self.run_offset + a, self.run_offset + b, dtype=np.int64)
        params = {k: v if len(v) == 1 else v[a:b] for k, v in self.params.items()}
        if self.draws is not None:  # drawn here, for this chunk's runs only
            params.update({k: np.asarray(v, dtype=float).reshape(-1, 1)
                           for k, v in self.draws(idx).items()})
        return _ChunkTask(inputs=self.inputs, schedule=self.schedule, params=params,
                          on=self.on,
                          keys=run_keys(self.seed, idx if self.streams is None
                                        else self.streams[a:b]),
                          run_index=idx, record=self.record, backend=self.backend)

    def _chunks_here(self, tasks: Iterable[_ChunkTask],
                     progress: Callable[[float, float], None] | None
                     ) -> Iterator[ChunkOutput]:
        total = float(self.runs) * self.inputs.weeks
        done = [0.0]

        def tick(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(done[0], total)

        for task in tasks:
            summ, wk = task(tick if progress is not None else None)
            yield ChunkOutput(summary=pd.DataFrame(summ), weekly=wk)


MIN_PARALLEL_RUNS = 1024
"""Runs per chunk below which an ensemble is not split further for workers: smaller chunks
lose more to numpy's per-call overhead and to passing data between processes than a second
core gains."""


def plan_workers(runs: int, chunk_size: int, workers: int | None) -> tuple[int, list[int]]:
    """How many processes (this one included) compute an ensemble, and its chunk bounds.

    In one process the runs are split into ``ceil(runs / chunk_size)`` equal chunks. With
    ``workers`` (0: one per CPU) the number of chunks is rounded up to a multiple of the
    workers that are used (so no core idles through a last round), as long as chunks keep
    at least :data:`MIN_PARALLEL_RUNS` runs; workers are capped by the number of chunks, and
    a single chunk stays in this process. Chunking does not change results.

    Returns
    -------
    (int, list of int)
        Processes used (1: this one) and the ``n_chunks + 1`` bounds, from 0 to ``runs``.

    Examples
    --------
    >>> plan_workers(10_000, 4096, 2)
    (2, [0, 2500, 5000, 7500, 10000])
    >>> plan_workers(1000, 4096, 2)
    (1, [0, 1000])
    """
    import os

    n_chunks = -(-runs // chunk_size)
    want = 1 if workers is None else (workers or os.cpu_count() or 1)
    if want > 1:
        most = max(1, runs // MIN_PARALLEL_RUNS)  # chunks of at least MIN_PARALLEL_RUNS
        want = min(want, max(n_chunks, most))
        if want > 1:
            n_chunks = min(max(n_chunks, most), -(-n_chunks // want) * want)
            want = min(want, n_chunks)
    # equal chunks of at most chunk_size runs: a short last chunk would be slow
    return max(1, want), [runs * i // n_chunks for i in range(n_chunks + 1)]


@dataclass
class _ChunkTask:
    """One chunk of an ensemble, self-contained (picklable): what a worker needs."""

    inputs: ModelInputs
    schedule: PolicySchedule
    params: dict[str, np.ndarray]  # (runs, 1), or (1, 1) when one value for all runs
    on: frozenset[str]
    keys: np.ndarray
    run_index: np.ndarray
    record: frozenset[str]
    backend: str = "numpy"

    def __call__(self, tick: Callable[[int], None] | None = None
                 ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        return _run_chunk(self.inputs, self.schedule, self.params, self.on, self.keys,
                          self.run_index, self.record, tick, self.backend)


def _in_worker(task: _ChunkTask) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
    """Run one chunk in a worker process (a module-level function: spawn pickles it by
    name)."""
    return task()


def _warm_worker(_: int) -> int:
    """A new worker's start-up: importing this module, and loading the compiled kernels
    of the default backend while the parent reads the scenario."""
    import os

    if DEFAULT_BACKEND == "numba":
        from armednet.sim import kernels

        kernels.warm_up()
        kernels.wait_warm()
    return os.getpid()


_POOL: list[Any] = []  # the shared LocalEvaluator, entered (at most one)
_POOL_LOCK = threading.Lock()


def _shared_pool(workers: int) -> Any:
    """A pool of at least ``workers`` processes, kept for later calls (started on first
    use).

    It is the experiments' :class:`~armednet.experiments.evaluators.LocalEvaluator`:
    spawned workers that ignore SIGINT and end with this process. A smaller pool is
    replaced by a larger one (a larger one serves smaller ensembles as it is: they keep
    at most two chunks per worker they use in flight). Shut down by
    :func:`shutdown_workers`, at the latest at exit.
    """
    from armednet.experiments.evaluators import LocalEvaluator

    with _POOL_LOCK:
        if _POOL and _POOL[0].workers < workers:
            _close_pool(None)
        if not _POOL:
            ev = LocalEvaluator(workers)
            ev.__enter__()
            _POOL.append(ev)
            if not _ATEXIT:
                atexit.register(shutdown_workers)
                _ATEXIT.append(True)
        return _POOL[0]


_ATEXIT: list[bool] = []


def _close_pool(exc_type: type[BaseException] | None) -> None:
    if _POOL:
        ev = _POOL.pop()
        ev.__exit__(exc_type)  # with an exception type: terminate running chunks


def start_workers(workers: int | None = 0) -> int:
    """Start the shared pool now for ``workers`` processes (0 or None: one per CPU; this
    process is one of them, so the pool gets ``workers - 1``), so that its start-up
    overlaps other work; returns ``workers``. Optional: the first parallel
    :meth:`Ensemble.chunks` starts it otherwise."""
    import os

    n = workers or os.cpu_count() or 1
    if n > 1:  # this process computes chunks too: n - 1 in the pool
        ev = _shared_pool(n - 1)
        for _ in range(n - 1):
            ev.submit(_warm_worker, 0)
    return n


def shutdown_workers() -> None:
    """Stop the shared worker pool, if any (registered to run at exit)."""
    with _POOL_LOCK:
        _close_pool(None)


def _ordered_map(tasks: Iterable[_ChunkTask], workers: int, ahead: int = 2
                 ) -> Iterator[tuple[_ChunkTask, Any]]:
    """``(task, task())`` in task order, computed by ``workers`` processes: this one and
    ``workers - 1`` of the shared pool.

    The pool gets up to ``ahead`` tasks per pool worker; while the next result in order
    is not ready, this process computes the next task not yet handed out (so it does not
    sit idle, and a pool worker's start-up costs no wall time). At most
    ``ahead * workers`` results wait in memory.

    An error in a worker is raised here; an interrupt or error stops the pool's running
    chunks (the next call starts a new pool); a consumer that stops early only cancels
    the chunks not yet started.
    """
    from concurrent.futures import Future
    from concurrent.futures.process import BrokenProcessPool

    ev = _shared_pool(workers - 1)
    queue = iter(tasks)
    window: collections.deque[tuple[_ChunkTask, Future[Any]]] = collections.deque()

    def here(task: _ChunkTask) -> Future[Any]:
        fut: Future[Any] = Future()
        fut.set_result(task())
        return fut

    def fill() -> None:  # keep the pool's share of the window in flight
        busy = sum(not f.done() for _, f in window)
        while busy < ahead * (workers - 1) and len(window) < ahead * workers:
            nxt = next(queue, None)
            if nxt is None:
                return
            window.append((nxt, ev.submit(_in_worker, nxt)))
            busy += 1

    try:
        fill()
        while window:
            task, fut = window[0]
            if not fut.done() and len(window) < ahead * workers:
                nxt = next(queue, None)
                if nxt is not None:  # work here rather than wait
                    window.append((nxt, here(nxt)))
                    continue
            window.popleft()
            result = fut.result()
            fill()
            yield task, result
    except GeneratorExit:
        for _, fut in window:
            fut.cancel()
        raise
    except BaseException as exc:
        with _POOL_LOCK:
            if _POOL and _POOL[0] is ev:
                _close_pool(type(exc) if not isinstance(exc, BrokenProcessPool)
                            else RuntimeError)
        raise


def prepare(
    kg_or_scenario: Any = None,
    policy: str | Path | Mapping[str, Any] | Policy | None = "status-quo",
    runs: int = 1000,
    weeks: int = 104,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    mechanisms: Mapping[str, bool] | Iterable[str] | None = None,
    run_offset: int = 0,
    record: str | Iterable[str] = "summary",
    chunk_size: int | None = None,
    streams: np.ndarray | None = None,
    backend: str | None = None,
    draws: RunDraws | None = None,
) -> Ensemble:
    """Validate the arguments of :func:`simulate` and build an :class:`Ensemble`.

    ``draws`` (e.g. :class:`armednet.sim.params.PriorDraws`) gives parameters that vary
    by run as a function of the global run index, called chunk by chunk: memory stays
    bounded by the chunk whatever the number of runs (``params`` arrays hold every run).

    Raises
    ------
    InputError
        Bad runs, weeks, seed, policy, parameters or mechanism names.
    """
    for name, value, low in (("runs", runs, 1), ("weeks", weeks, 1),
                             ("run_offset", run_offset, 0), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
    recorded = resolve_record(record)
    if streams is not None:
        streams = np.asarray(streams)
        if (streams.shape != (runs,) or not np.issubdtype(streams.dtype, np.integer)
                or (streams < 0).any()):
            raise InputError(f"streams must be {runs} integers >= 0, one per run")
        streams = streams.astype(np.int64)
    if chunk_size is not None and chunk_size < 1:
        raise InputError(f"chunk_size must be >= 1, got {chunk_size}")
    engine_backend = resolve_backend(backend)
    if engine_backend == "numba":
        from armednet.sim import kernels

        kernels.warm_up()  # overlaps numba's start-up with reading the scenario
    kg = load_graph(kg_or_scenario)
    pol = resolve_policy(policy)
    on = resolve_mechanisms(mechanisms)
    p_all = _resolve_params(params, runs)
    if draws is not None:
        clash = sorted(set(draws.names) & set(params or {}))
        if clash:
            raise InputError(f"parameters both given and drawn per run: {', '.join(clash)}")
        unknown = sorted(set(draws.names) - set(p_all))
        if unknown:
            raise InputError(f"drawn parameters are not model parameters: {unknown}")
        draws.validate()
    inputs = build_inputs(kg, weeks)
    sch = schedule_policy(inputs, pol)
    for message in sch.warnings:
        warnings.warn(message, LeverWarning, stacklevel=3)
    from armednet import __version__

    meta = {
        "scenario": inputs.scenario_id, "scenario_hash": inputs.scenario_hash,
        "start": inputs.start.isoformat(), "policy": pol.name,
        "policy_spec": pol.model_dump(mode="json"), "seed": int(seed), "runs": int(runs),
        "weeks": int(weeks), "run_offset": int(run_offset),
        "mechanisms": sorted(on),
        "params": {**_describe_params(p_all),
                   **(draws.describe() if draws else {})},
        "streams": "run index" if streams is None else "given",
        "package_version": __version__, "notes": list(inputs.notes),
        "warnings": list(sch.warnings), "backend": engine_backend,
    }
    return Ensemble(inputs=inputs, schedule=sch, params=p_all, on=on, seed=int(seed),
                    runs=int(runs), run_offset=int(run_offset), record=recorded,
                    chunk_size=int(chunk_size or chunk_size_for(inputs, sch, recorded,
                                                                cap=DEFAULT_CHUNK)),
                    metadata=meta,
                    streams=streams, backend=engine_backend, draws=draws)


_CHECK_SLICE = 16_384
"""Runs whose parameter arrays are checked at a time (see :func:`_resolve_params`)."""


def _resolve_params(params: Mapping[str, Any] | None, runs: int) -> dict[str, np.ndarray]:
    """:func:`~armednet.sim.params.resolve_params`, with parameters that have one value
    for every run kept as ``(1, 1)`` arrays rather than ``(runs, 1)`` ones.

    The chunks broadcast such parameters anyway (:func:`_shared_params`); a full column
    for each of the ~80 parameters would cost 640 bytes per run (6.4 GB at 10 million
    runs). Arrays given per run are checked slice by slice, with the same messages.
    """
    given = dict(params or {})
    arrays = {k: v for k, v in given.items() if np.ndim(v) != 0}
    if runs <= _CHECK_SLICE or any(np.shape(v) != (runs,) for v in arrays.values()):
        return resolve_params(given, runs)  # small, or the error about a shape
    out = resolve_params({k: v for k, v in given.items() if k not in arrays}, 1)
    for a in range(0, runs, _CHECK_SLICE):
        resolve_params({k: np.asarray(v)[a:a + _CHECK_SLICE] for k, v in arrays.items()},
                       min(_CHECK_SLICE, runs - a))
    out.update({k: np.asarray(v, dtype=float).reshape(runs, 1) for k, v in arrays.items()})
    return out


def _describe_params(p: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in p.items():
        lo, hi = float(v.min()), float(v.max())
        out[k] = lo if math.isclose(lo, hi, rel_tol=0, abs_tol=0) else {"min": lo, "max": hi}
    return out


UNITS = {
    "attacks": "attacks / week", "attacks_undisciplined": "attacks / week",
    "casualties": "people / week", "civilian_harm": "people / week",
    "capture": "share of the budget (0..1)", "accountability": "index (0..1)",
    "protest": "index (0..1)", "backing": "index (0..1)", "tau": "index (0..1)",
    "ceasefires": "groups", "factions": "groups", "threat": "units of strike intensity",
    "groups_alive": "group slots", "host_pressure": "index (0..1)",
    "presence": "share of the initial presence",
    "group_attacks": "attacks / week", "military": "1000 fighters", "funds": "USD million",
    "cohesion": "share (0..1)", "legitimacy": "index (0..1)", "hostility": "index (0..1)",
    "ceasefire": "1 if declared", "power": "index",
}
"""Units of the weekly variables (``attrs["units"]`` in the xarray results)."""


def _to_dataset(inputs: ModelInputs, parts: list[dict[str, np.ndarray]],
                runs: np.ndarray, metadata: dict[str, Any] | None = None) -> xr.Dataset:
    import json

    import xarray as xr

    data: dict[str, Any] = {}
    for k in (*WEEKLY_VARIABLES, *WEEKLY_GROUP_VARIABLES):
        if k in parts[0]:
            dims = ("run", "week") if k in WEEKLY_VARIABLES else ("run", "week", "group")
            data[k] = xr.Variable(dims, np.concatenate([w[k] for w in parts]),
                                  attrs={"units": UNITS.get(k, "")})
    dates = [np.datetime64(inputs.start) + np.timedelta64(7 * w, "D")
             for w in range(inputs.weeks)]
    meta = metadata or {}
    attrs = {"scenario": inputs.scenario_id, "scenario_hash": inputs.scenario_hash}
    attrs.update({k: meta[k] for k in ("policy", "seed", "runs", "weeks", "run_offset",
                                       "package_version") if k in meta})
    if meta:  # nested values as JSON (netCDF attributes are flat)
        attrs["params"] = json.dumps(meta.get("params", {}), sort_keys=True)
        attrs["mechanisms"] = ",".join(meta.get("mechanisms", []))
    ds = xr.Dataset(data, coords={"run": runs, "week": np.arange(inputs.weeks),
                                  "date": ("week", np.array(dates)),
                                  "group": inputs.group_ids}, attrs=attrs)
    # select by date as well as by week: ds.sel(date="2024-02-05")
    return ds.set_xindex("date")
