"""The reference implementation: the model's equations written the plain way, with Mesa.

The engine (:mod:`armednet.sim.engine`) advances all runs of an ensemble together as numpy
arrays of shape (runs, actors); that is fast but hard to read. This module writes the same
weekly step as an ordinary agent-based model: one Mesa 3 :class:`mesa.Model` per run, which
owns the week, its own :class:`numpy.random.Generator` and the agents, and one Mesa
:class:`mesa.Agent` per actor:

- :class:`ArmedGroup`: an armed group of the scenario, or the splinter faction of one
  (created as a new agent when it splits off, in the engine's preallocated splinter slot);
- :class:`Leader`: one leadership tie (a person leading a group, with an authority share);
- :class:`Institution`: a state institution, with its accountability and the share of it
  each group has captured.

A group that ends (mechanisms ``collapse``, ``merger``, ``demobilisation``) stays an agent
of the run, inactive for good: it no longer earns, invests, attacks, is struck, loses
cohesion, splinters or declares cease-fires, and its splinter slot is not reused (its offices
and its memories of strikes and threats stay, as in the engine). The steps of escalation and
of endings live in :mod:`armednet.sim.reference_endings`, the host's backlash in
:mod:`armednet.sim.reference_sovereignty`, both mixed into the model.

Country-level variables (the regional trigger tau, protest Q, the value of the foreign
power's backing B, the host's pressure and the presence it negotiates) live on the model.
Every week the model applies the mechanisms in the order of
:data:`armednet.sim.mechanisms.PIPELINE` (:data:`REFERENCE_PIPELINE` names the methods,
which carry the engine's step functions' names), with the same equations, the same
parameters (:func:`armednet.sim.params.resolve_params`) and the same mechanism switches
(:data:`REFERENCE_MECHANISMS`), with Python scalars and loops over agents. Scenario
inputs and the policy's weekly arrays come from :func:`armednet.sim.init.build_inputs` and
:func:`armednet.sim.init.schedule_policy`, exactly as the engine gets them.

What it is for: checking the engine. Its randomness is ordinary (``rng.poisson`` and
``rng.random`` from a per-run generator seeded by ``SeedSequence(seed, spawn_key=(run,))``),
not the engine's counter-based streams, and its Poisson variates are exact where the
engine uses a normal approximation above rate 40, so it is *not* bit-identical to the
engine: the two must give the same output *distributions*, which
``tests/sim/test_reference.py`` checks under every policy preset; outcomes without
randomness must agree to rounding. ``benchmarks/bench_engine.py`` compares their speed.

Mechanism switches follow ``docs/model.md``: each switch removes its mechanism's effect.

Mesa is an optional dependency (``pip install armednet[reference]``); it is imported when a
model is built, never at import time. The Mesa classes are created on first use and are
available as attributes of this module (``armednet.sim.reference.ReferenceModel``).

Examples
--------
>>> from armednet.sim.reference import simulate_reference
>>> df = simulate_reference(runs=2, weeks=8, seed=1)  # doctest: +SKIP
>>> list(df["run"])  # doctest: +SKIP
[0, 1]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.sim.engine import FACTION_THRESHOLD
from armednet.sim.mechanisms.ceasefire import END_REASONS
from armednet.sim.mechanisms.revenue import national_budget
from armednet.sim.reference_endings import EndingsMixin
from armednet.sim.reference_sovereignty import SovereigntyMixin

if TYPE_CHECKING:
    from mesa import Agent as _AgentBase
    from mesa import Model as _ModelBase

    from armednet.sim.init import ModelInputs, PolicySchedule
    from armednet.sim.policy import Policy
else:  # the mixins below become Mesa classes in _mesa_classes() (mesa is imported lazily)
    _AgentBase = object
    _ModelBase = object

__all__ = [
    "MECHANISM_COLUMNS",
    "REFERENCE_MECHANISMS",
    "REFERENCE_PIPELINE",
    "SUMMARY_COLUMNS",
    "SUMMARY_REPORTERS",
    "WEEKLY_COLUMNS",
    "WEEKLY_REPORTERS",
    "ArmedGroup",  # noqa: F822 (created on first use by the module's __getattr__)
    "Channel",
    "Institution",  # noqa: F822
    "Leader",  # noqa: F822
    "ReferenceModel",  # noqa: F822
    "build_model",
    "run_rng",
    "simulate_reference",
]

REFERENCE_PIPELINE = ("step_trigger", "step_sanctions", "step_revenue", "step_capability",
                      "step_attacks", "step_strikes", "step_sovereignty", "step_escalation",
                      "step_decapitation", "step_backing", "step_ceasefire", "step_capture",
                      "step_cooption", "step_accountability", "step_endings")
"""The model's weekly methods, in order: the names of the engine's step functions
(:data:`armednet.sim.mechanisms.PIPELINE`)."""

REFERENCE_MECHANISMS = frozenset({
    "diplomacy", "sanctions", "derisking", "revenue", "state_rents", "capability", "attacks",
    "trigger", "strikes", "rally", "sovereignty", "escalation", "patron_fear", "decapitation",
    "splinters", "succession", "backing", "ceasefire", "coordination", "provocation",
    "capture", "cooption", "accountability", "protest", "collapse", "merger",
    "demobilisation"})
"""The mechanism switches the reference implements (the engine's
:data:`armednet.sim.mechanisms.MECHANISMS` must have no others)."""

# -- agents ----------------------------------------------------------------------------------

@dataclass
class Channel:
    """A revenue channel of a group (a ``funds`` tie or an unattributed part of revenue).

    Attributes
    ----------
    index : int
        Channel index (column of the policy's sanction arrays).
    amount : float
        Income, USD million per week, before sanctions.
    scale : float
        Multiplier ``pi_c``: ``patron_scale`` for patron channels, ``s_f`` / ``1 - s_f`` for
        the formal / informal part of unattributed revenue, else 1.
    """

    index: int
    amount: float
    scale: float


class _ArmedGroup(_AgentBase):
    """An armed group, or a splinter faction of one.

    Parameters
    ----------
    model : ReferenceModel
        The run the group belongs to.
    slot : int
        The group's index in the engine's arrays (scenario groups ``0 .. G0 - 1``, the
        splinter of group ``g`` at ``G0 + g``): the column of the policy's weekly arrays.
    gid : str
        Identifier (``<group>~splinter`` for a splinter).
    M, F, L, C, H, o : float
        Initial capability, funds, legitimacy, cohesion, hostility and orientation.
    size : float
        Reported size, thousand personnel (capacity reference).
    exposure : float
        1 for groups in the campaign against the foreign force, in its theatre; else 0.
    maturity : float
        0..1, from age and size (speed of succession).
    patron : float
        Strength of the group's patron tie, 0..1.
    parent : ArmedGroup, optional
        The group a splinter split from.

    Attributes
    ----------
    active : bool
        False once the group has ended (for good).
    T : float
        Threat: the retaliation the group expects (mechanism ``escalation``).
    threat_cost : float
        This week's threat terms of its cease-fire cost, ``w_T T + w_W patron max T``.
    V : float
        Provocation memory: strike intensity suffered in cease-fire, decaying
        (mechanism ``provocation``).
    cf_tau : float
        The trigger tau when it last declared a cease-fire.
    end_week : float
        The week it ended (NaN while it has not).
    end_kind : int
        How it ended: 0 not, 1 collapse, 2 merger, 3 demobilisation.
    """

    def __init__(self, model: Any, slot: int, gid: str, *, M: float, F: float, L: float,
                 C: float, H: float, o: float, size: float, exposure: float,
                 maturity: float, patron: float, parent: _ArmedGroup | None = None) -> None:
        super().__init__(model)
        self.slot = slot
        self.gid = gid
        self.parent = parent
        self.splinter: _ArmedGroup | None = None
        self.M, self.F, self.L, self.C, self.H, self.o = M, F, L, C, H, o
        self.D = 0.0
        self.S = False
        self.size, self.exposure, self.maturity, self.patron = size, exposure, maturity, patron
        self.channels: list[Channel] = []
        self.allies: list[tuple[_ArmedGroup, float]] = []
        self.ally_weight = 1.0  # max(1, sum of coordination weights)
        self.leaders: list[_Leader] = []
        # this week's flows
        self.income = 0.0
        self.rents = 0.0
        self.shortfall = 0.0
        self.attacks_d = 0
        self.attacks_u = 0
        self.attacks_cf = 0
        self.casualties = 0
        self.civ_harm = 0
        self.strike = 0.0
        self.strike_harm = 0
        self.lost = 0.0
        self.declared = False
        self.last_attacks = 0
        # cease-fire history (for the summary)
        self.spells = 0
        self.cf_weeks = 0
        self.first_spell = -1
        self.resumed: float | None = None
        # escalation, provocation and endings
        self.active = True
        self.T = 0.0
        self.threat_cost = 0.0
        self.V = 0.0
        self.cf_tau = 0.0
        self.end_week = math.nan
        self.end_kind = 0

    @property
    def attacks(self) -> int:
        """This week's attacks (disciplined and undisciplined)."""
        return self.attacks_d + self.attacks_u

    def end(self, week: int, kind: int, into: _ArmedGroup | None = None) -> None:
        """End the group for good: ``kind`` 1 collapse, 2 merger (its fighters and funds
        pass to ``into``), 3 demobilisation; otherwise they are lost."""
        if into is not None:
            into.M += self.M
            into.F += self.F
        self.M = self.F = 0.0
        self.active = self.S = False
        self.end_week, self.end_kind = float(week), kind

    def split(self, p: Mapping[str, float]) -> _ArmedGroup:
        """Split off a splinter faction (mechanism ``splinters``) and return it."""
        model = self.model
        f = p["splinter_share"]
        dm, df = f * self.M, f * self.F
        self.M -= dm
        self.F -= df
        cls = type(self)
        s = cls(model, model.inputs.n_groups0 + self.slot, f"{self.gid}~splinter", M=dm, F=df,
                L=0.5 * self.L, C=p["splinter_cohesion"],
                H=max(self.H, p["splinter_hostility"]),
                o=self.o + p["splinter_radicalism"] * (1.0 - self.o), size=self.size,
                exposure=self.exposure, maturity=0.0, patron=0.0, parent=self)
        s.D = self.D
        self.splinter = s
        return s


class _Leader(_AgentBase):
    """A leader of a group (one ``leads`` tie, or the implicit leader of a group).

    Parameters
    ----------
    model : ReferenceModel
        The run.
    index : int
        Leader index (column of the decapitation and kill arrays).
    lid : str
        Person id (``<group>#leader`` for an unnamed leader).
    group : ArmedGroup
        The group led.
    share : float
        Authority share in the group.
    """

    def __init__(self, model: Any, index: int, lid: str, group: _ArmedGroup,
                 share: float) -> None:
        super().__init__(model)
        self.index, self.lid, self.group, self.share = index, lid, group, share
        self.alive = True
        self.killed = False  # this week
        group.leaders.append(self)


class _Institution(_AgentBase):
    """A state institution of the scenario's country.

    Parameters
    ----------
    model : ReferenceModel
        The run.
    index : int
        Institution index.
    iid : str
        Node id.
    budget : float
        Share of the national budget.
    budget_norm : float
        Budget share normalised over the scenario's institutions (capture index weight).
    weight : float
        Weight in the political-influence index.
    accountability : float
        Initial accountability ``A``.
    """

    def __init__(self, model: Any, index: int, iid: str, budget: float, budget_norm: float,
                 weight: float, accountability: float) -> None:
        super().__init__(model)
        self.index, self.iid = index, iid
        self.budget, self.budget_norm, self.weight = budget, budget_norm, weight
        self.A = accountability
        self.capture: dict[_ArmedGroup, float] = {}  # X[g, k] by scenario group

    @property
    def captured(self) -> float:
        """Total capture ``Xsum_k``: share of the institution held by all groups."""
        return sum(self.capture.values())


# -- the model ---------------------------------------------------------------------------------

def _fit_room(total: float, room: float) -> float:
    """Factor that scales the gains of an institution's holders down to its free room."""
    return room / total if total > room else 1.0


def _capture_index(m: _ReferenceModel) -> float:
    return sum(k.budget_norm * k.captured for k in m.institutions)


def _first_ceasefire(m: _ReferenceModel) -> float:
    return m.first_cf


def _mean_length(m: _ReferenceModel) -> float:
    n = sum(g.spells for g in m.groups)
    return sum(g.cf_weeks for g in m.groups) / n if n > 0 else math.nan


def _resumption(m: _ReferenceModel) -> float:
    vals = [g.resumed for g in m.groups if g.resumed is not None]
    return sum(vals) / len(vals) if vals else math.nan


def _share(num: float, den: float) -> float:
    return num / den if den > 0 else 0.0


def _rate(total: float, n: float) -> float:
    return total / n if n > 0 else math.nan


def _ends(reason: str) -> Callable[[Any], float]:
    def ends(m: _ReferenceModel) -> float:
        return m.ends[reason]
    return ends


SUMMARY_REPORTERS: dict[str, Callable[[Any], float]] = {
    "attacks": lambda m: m.attacks,
    "attacks_undisciplined": lambda m: m.att_u,
    "attacks_under_ceasefire": lambda m: m.att_cf,
    "undisciplined_share": lambda m: _share(m.att_u, m.attacks),
    "casualties": lambda m: m.cas,
    "civilian_harm": lambda m: m.harm,
    "repression_harm": lambda m: m.rep_harm,
    "ceasefire_spells": lambda m: sum(g.spells for g in m.groups),
    "first_ceasefire_week": _first_ceasefire,
    "ceasefire_mean_length": _mean_length,
    "time_to_resumption": _resumption,
    "final_year_attack_rate": lambda m: m.last_year / max(1, m.weeks - m.last_year_from),
    "attacks_trigger_on": lambda m: _rate(m.on_att, m.on_n),
    "attacks_trigger_off": lambda m: _rate(m.off_att, m.off_n),
    "attacks_transnational_share": lambda m: _share(m.att_trans, m.attacks),
    "transnational_share_trigger_on": lambda m: _rate(m.trans_on, m.on_att),
    "transnational_share_trigger_off": lambda m: _rate(m.trans_off, m.off_att),
    "revenue_total": lambda m: m.revenue,
    "capability_transnational_share": lambda m: m.cap_trans / m.weeks,
    "capture_final": _capture_index,
    "accountability_final": lambda m: sum(k.A * k.budget_norm for k in m.institutions),
    "factions_final": lambda m: m.factions(),
    "military_final": lambda m: sum(g.M * g.exposure for g in m.groups),
    "funds_final": lambda m: sum(g.F * g.exposure for g in m.groups),
    "backing_final": lambda m: m.B,
    "protest_mean": lambda m: m.protest / m.weeks,
    "protest_final": lambda m: m.Q,
    # columns the mechanisms add (the engine's ``summarize`` hooks)
    "host_pressure_final": lambda m: m.host_pressure,
    "presence_final": lambda m: m.negotiated_presence,
    "lethal_attacks": lambda m: m.lethal,
    **{f"ceasefire_ends_{why}": _ends(why) for why in END_REASONS},
    "groups_ended": lambda m: sum(1 for g in m.groups if g.end_kind > 0),
}
"""Per-run totals: the columns of the engine's ``SimulationResult.summary`` (without the
power indices and the end of each group, which :meth:`ReferenceModel.summary` adds), as
Mesa model reporters collected once, after the last week."""

MECHANISM_COLUMNS = ("host_pressure_final", "presence_final", "lethal_attacks",
                     *(f"ceasefire_ends_{why}" for why in END_REASONS), "groups_ended")
"""Summary columns added by mechanisms (``sovereignty``, ``escalation``, ``ceasefire``, the
endings): placed after the power indices, as in the engine."""

SUMMARY_COLUMNS = ("run", *(c for c in SUMMARY_REPORTERS if c not in MECHANISM_COLUMNS))
"""The first columns of :func:`simulate_reference`, followed by ``power_<group>``,
``power_splinters``, :data:`MECHANISM_COLUMNS` and, per scenario group, ``end_week_<group>``
(NaN while it has not ended) and ``end_kind_<group>`` (0 not ended, 1 collapse, 2 merger,
3 demobilisation)."""

WEEKLY_REPORTERS: dict[str, Callable[[Any], float]] = {
    "attacks": lambda m: sum(g.attacks for g in m.groups),
    "attacks_undisciplined": lambda m: sum(g.attacks_u for g in m.groups),
    "casualties": lambda m: sum(g.casualties for g in m.groups),
    "civilian_harm": lambda m: (sum(g.civ_harm + g.strike_harm for g in m.groups)
                                + m.repression_harm),
    "capture": _capture_index,
    "accountability": lambda m: sum(k.A * k.budget_norm for k in m.institutions),
    "protest": lambda m: m.Q,
    "backing": lambda m: m.B,
    "tau": lambda m: m.tau,
    "ceasefires": lambda m: sum(g.S for g in m.groups),
    "factions": lambda m: m.factions(),
    "host_pressure": lambda m: m.host_pressure,
    "presence": lambda m: m.negotiated_presence,
    "threat": lambda m: max((g.T for g in m.groups), default=0.0),
    "groups_alive": lambda m: sum(g.active for g in m.groups),
}
"""Weekly values (the engine's run-level weekly variables), collected every week when the
model is built with ``weekly=True``."""

WEEKLY_COLUMNS = tuple(WEEKLY_REPORTERS)
"""Columns of the weekly table (``ReferenceModel.weekly_collector``)."""


class _ReferenceModel(SovereigntyMixin, EndingsMixin, _ModelBase):
    """One run of the model: the scenario's actors as Mesa agents, advanced week by week.

    Parameters
    ----------
    inputs : ModelInputs
        From :func:`armednet.sim.init.build_inputs` (its ``weeks`` is the horizon).
    schedule : PolicySchedule
        From :func:`armednet.sim.init.schedule_policy`.
    params : mapping of str to float
        Every model parameter (one run's values).
    mechanisms : frozenset of str
        Enabled mechanism names.
    rng : numpy.random.Generator
        The run's random numbers.
    run : int
        The run's index (reported in the summary).
    weekly : bool
        Also collect the weekly values (``weekly_collector``).

    Attributes
    ----------
    groups : list of ArmedGroup
        Scenario groups in the scenario's order, then splinters as they form (Mesa's
        ``agents_by_type`` holds the same agents, unordered); groups that ended stay,
        inactive.
    leaders : list of Leader
        Leadership ties, in the order of ``inputs.leader_ids``.
    institutions : list of Institution
        The scenario country's institutions, in the order of ``inputs.inst_ids``.
    tau, Q, B : float
        This week's regional trigger, protest mobilisation and value of backing.
    host_pressure, negotiated_presence : float
        Pressure of strikes on the host government, and the foreign presence it negotiates
        (``sovereignty``; it scales attacks).
    lethal : float
        Lethal attacks so far.
    ends : dict of str to float
        Cease-fires ended so far, by reason (``decay``, ``trigger``, ``provocation``).
    datacollector : mesa.DataCollector
        Per-run totals (:data:`SUMMARY_REPORTERS`), collected after the last week.
    """

    def __init__(self, inputs: ModelInputs, schedule: PolicySchedule,
                 params: Mapping[str, float], mechanisms: frozenset[str],
                 rng: np.random.Generator, run: int = 0, weekly: bool = False) -> None:
        import mesa

        super().__init__(rng=rng)
        classes = _mesa_classes()
        inp = inputs
        self.inputs, self.schedule, self.p, self.on = inputs, schedule, dict(params), mechanisms
        self.run, self.weeks = run, inp.weeks
        p = self.p
        g0 = inp.n_groups0
        # country-level state
        self.tau = 0.0
        self.Q = 0.0
        self.B = p["initial_backing"]
        self.sanction_cut: list[float] | None = None
        self.repression_harm = 0
        self.last_casualties = 0
        # agents (lists keep the scenario's order; Mesa's AgentSets hold them too)
        self.groups: list[_ArmedGroup] = [
            classes.ArmedGroup(
                self, g, inp.group_ids[g], M=float(inp.fighters[g]),
                F=float(inp.revenue_annual[g]) / 52.0 * p["initial_reserve_weeks"],
                L=float(inp.legitimacy[g]), C=p["initial_cohesion"],
                H=float(inp.hostility[g]), o=float(inp.orientation[g]),
                size=float(inp.size[g]), exposure=float(inp.exposure[g]),
                maturity=float(inp.maturity[g]), patron=float(inp.patron[g]))
            for g in range(g0)]
        for c, g in enumerate(inp.chan_group):
            kind, split = inp.chan_kind[c], int(inp.chan_split[c])
            scale = (p["formal_revenue_share"] if split == 1
                     else 1.0 - p["formal_revenue_share"] if split == -1
                     else p["patron_scale"] if kind == "patron" else 1.0)
            self.groups[int(g)].channels.append(
                Channel(c, float(inp.chan_amount[c]), scale))
        for a, ga in enumerate(self.groups):
            ga.allies = [(gb, float(inp.coordination[a, b]))
                         for b, gb in enumerate(self.groups) if inp.coordination[a, b] > 0]
            ga.ally_weight = max(1.0, float(inp.coordination[a].sum()))
        self.coordinated = bool(inp.coordination.any())
        self.leaders: list[_Leader] = [
            classes.Leader(self, i, lid, self.groups[int(inp.leader_group[i])],
                           float(inp.leader_share[i]))
            for i, lid in enumerate(inp.leader_ids)]
        K = inp.K
        total = float(inp.budget.sum())
        bnorm = inp.budget / total if K and total > 0 else np.full(K, 1.0 / max(K, 1))
        self.institutions: list[_Institution] = [
            classes.Institution(self, k, iid, float(inp.budget[k]), float(bnorm[k]),
                                float(inp.inst_weight[k]), float(inp.accountability[k]))
            for k, iid in enumerate(inp.inst_ids)]
        for inst in self.institutions:
            inst.capture = {g: float(inp.capture[g.slot, inst.index]) for g in self.groups}
        # references of the influence and power indices (from the start)
        p0 = [sum(float(inp.capture[g, k] * inp.inst_weight[k]) for k in range(K))
              for g in range(inp.G)]
        self.p_ref = max(max(p0), 1e-3)
        focus = [g for g in range(inp.G) if inp.exposure[g] > 0] or list(range(inp.G))
        self.m_ref = max(max(float(inp.fighters[g]) for g in focus), 1e-9)
        self.f_ref = max(max(float(inp.revenue_annual[g]) for g in focus) / 4.0, 1.0)
        # running totals
        self.attacks = self.att_u = self.att_cf = self.att_trans = 0.0
        self.trans_on = self.trans_off = self.revenue = 0.0
        self.cas = self.harm = self.rep_harm = 0.0
        self.first_cf = math.nan
        self.on_att = self.on_n = self.off_att = self.off_n = 0.0
        att_slots = [g for g in range(inp.G) if inp.exposure[g] > 0]
        self.campaign_start = min((int(inp.campaign_from[g]) for g in att_slots), default=0)
        self.cap_trans = self.protest = self.last_year = 0.0
        self.last_year_from = max(0, self.weeks - 52)
        self.lethal = 0.0  # lethal attacks
        self.host_pressure = 0.0  # on the host government (sovereignty)
        self.negotiated_presence = 1.0  # the foreign presence the host negotiates
        self.ends = dict.fromkeys(END_REASONS, 0.0)  # cease-fires ended, by reason
        self.datacollector = mesa.DataCollector(model_reporters=dict(SUMMARY_REPORTERS))
        self.weekly_collector = (mesa.DataCollector(model_reporters=dict(WEEKLY_REPORTERS))
                                 if weekly else None)

    # -- helpers ---------------------------------------------------------------------------

    @property
    def week(self) -> int:
        """The week being simulated (0-based; Mesa counts steps from 1)."""
        return int(self.steps) - 1

    def influence(self, g: _ArmedGroup) -> float:
        """Political influence ``Phat_g``: captured institutions weighted by budget and
        number, relative to the most embedded group at the start."""
        return sum(k.capture.get(g, 0.0) * k.weight for k in self.institutions) / self.p_ref

    def factions(self) -> float:
        """Active factions of the campaign (groups and splinters above the threshold)."""
        return float(sum(1 for g in self.groups
                         if g.M > FACTION_THRESHOLD and g.exposure > 0))

    def power(self, g: _ArmedGroup) -> float:
        """Power index of a group: mean of capability and funds (relative to the largest
        campaign group at the start), political influence and legitimacy; 0 once ended."""
        if not g.active:
            return 0.0
        return (g.M / self.m_ref + g.F / self.f_ref + self.influence(g) + g.L) / 4.0

    # -- the weekly step -------------------------------------------------------------------

    def step(self) -> None:
        """Advance one week: every mechanism in pipeline order, then record."""
        for name in REFERENCE_PIPELINE:
            getattr(self, name)()
        self.record_week()
        for g in self.groups:
            g.last_attacks = g.attacks
        self.last_casualties = sum(g.casualties for g in self.groups)
        if self.weekly_collector is not None:
            self.weekly_collector.collect(self)
        if self.steps >= self.weeks:
            self.running = False
            self.datacollector.collect(self)

    def step_trigger(self) -> None:
        """Diplomacy: ``tau(t) = tau_scenario(t) (1 - dip(t))``."""
        t = self.week
        self.tau = float(self.inputs.tau[t])
        if "diplomacy" in self.on:
            self.tau *= 1.0 - float(self.schedule.diplomacy[t])

    def step_sanctions(self) -> None:
        """Sanctions: ``cut_c = min(1, sigma s_c) exp(-nu w_c)`` on sanctioned channels."""
        self.sanction_cut = None
        if "sanctions" not in self.on:
            return
        t, p = self.week, self.p
        x = self.schedule.sanction_cut[t]
        since = self.schedule.sanction_since[t]
        cuts = []
        for c in range(len(x)):
            if since[c] >= 0:
                cuts.append(min(1.0, p["sanction_effectiveness"] * float(x[c]))
                            * math.exp(-p["sanction_evasion"] * float(since[c])))
            else:
                cuts.append(0.0)
        if "derisking" in self.on:
            self.derisk(cuts)
        if any(cut > 0 for cut in cuts):
            self.sanction_cut = cuts

    def derisk(self, cuts: list[float]) -> None:
        """Banks de-risk: each informal channel (not sanctionable, not the patron's) of a
        group with a sanctioned channel loses ``delta`` times the group's heaviest cut."""
        inp = self.inputs
        heaviest: dict[int, float] = {}
        for c, cut in enumerate(cuts):
            if cut > 0:
                g = int(inp.chan_group[c])
                heaviest[g] = max(heaviest.get(g, 0.0), cut)
        for c, g in enumerate(inp.chan_group):
            if int(g) in heaviest and not inp.chan_sanctionable[c] and (
                    inp.chan_kind[c] != "patron"):
                cuts[c] = self.p["derisking_share"] * heaviest[int(g)]

    def step_revenue(self) -> None:
        """Income by channel (a splinter takes ``f_s`` of its parent's), state rents from
        captured institutions, upkeep."""
        p, on, cut = self.p, self.on, self.sanction_cut
        rent_rate = p["rent_rate"] * float(national_budget(self.inputs, p)) / 52.0
        income: dict[_ArmedGroup, float] = {}
        for g in self.groups:
            income[g] = 0.0
            if "revenue" in on:
                for ch in g.channels:
                    amount = ch.amount
                    if cut is not None:
                        amount *= 1.0 - cut[ch.index]
                    income[g] += amount * ch.scale
        for g in self.groups:  # a splinter took f_s of its parent's channels, while it lasts
            if g.splinter is not None and g.splinter.active:
                income[g.splinter] = p["splinter_share"] * income[g]
                income[g] *= 1.0 - p["splinter_share"]
        for g in self.groups:
            rents = 0.0
            if "state_rents" in on:
                for k in self.institutions:
                    rents += k.capture.get(g, 0.0) * ((1.0 - k.A) * k.budget)
                rents *= rent_rate
            g.shortfall = 0.0
            if not g.active:  # an ended group earns nothing
                g.income = g.rents = 0.0
                continue
            g.income, g.rents = income[g], rents
            g.F += income[g] + rents
            if "revenue" in on:
                upkeep = p["upkeep_cost"] * g.M
                paid = min(g.F, upkeep)
                g.F -= paid
                g.shortfall = upkeep - paid

    def step_capability(self) -> None:
        """Investment, attrition and desertion:
        ``dM = phi F / k_M (0.5 + L) (1 - M / (c_M size))^+ - a M - d shortfall / u``."""
        if "capability" not in self.on:
            return
        p = self.p
        for g in self.groups:
            if not g.active:
                continue
            invest = p["invest_share"] * g.F
            g.F -= invest
            room = max(0.0, 1.0 - g.M / max(p["capacity_factor"] * g.size, 1e-9))
            gain = invest / p["capability_cost"] * (0.5 + g.L) * room
            loss = p["attrition"] * g.M + p["desertion"] * g.shortfall / p["upkeep_cost"]
            g.M = max(g.M + gain - loss, 0.0)

    def step_attacks(self) -> None:
        """Poisson attacks, foreign casualties and civilian harm of each group."""
        p, on, rng = self.p, self.on, self.rng
        presence = float(self.schedule.presence[self.week])  # the policy's
        for g in self.groups:
            g.attacks_d = g.attacks_u = g.attacks_cf = g.casualties = g.civ_harm = 0
            if "attacks" not in on or not g.active:
                continue
            if self.week < int(self.inputs.campaign_from[g.slot]):
                continue  # its campaign has not started
            trig = 1.0
            if "trigger" in on:
                trig = 1.0 + p["trigger_sensitivity"] * self.tau * (
                    g.o + (1.0 - g.o) * p["domestic_trigger_weight"])
            lam = (p["attack_base_rate"] * (g.M / p["capability_ref"])
                   ** p["capability_elasticity"] * g.H * trig * (presence * g.exposure)
                   * self.negotiated_presence)
            if lam <= 0.0:
                continue
            cease = 1.0 if g.S else 0.0
            lam_d = lam * g.C * (1.0 - cease)
            lam_u = lam * (1.0 - g.C) * (1.0 - cease * (1.0 - p["defiance"]))
            g.attacks_d = int(rng.poisson(lam_d))
            g.attacks_u = int(rng.poisson(lam_u))
            n = g.attacks_d + g.attacks_u
            if g.S:
                g.attacks_cf = n
            if n:
                g.casualties = int(rng.poisson(p["foreign_casualty_rate"] * n))
                g.civ_harm = int(rng.poisson(p["civilian_harm_rate"] * (
                    g.attacks_d + p["undisciplined_harm"] * g.attacks_u)))

    def step_strikes(self) -> None:
        """Strikes (scheduled and by the policy's rule): damage, cost memory, hostility,
        rally, civilian harm; leadership kills."""
        p, t, sch, inp, rng = self.p, self.week, self.schedule, self.inputs, self.rng
        hits = []
        for g in self.groups:
            g.D *= 1.0 - p["cost_memory_decay"]
            hit = float(sch.strike_fixed[t, g.slot])
            hit += float(inp.strike_events[t, g.slot]) / p["strike_targets_per_unit"]
            hit += float(sch.strike_prop[t, g.slot]) * p["retaliation_gain"] * g.last_attacks
            for arr, threshold in sch.strike_casualty:
                if self.last_casualties >= threshold and g.last_attacks > 0:
                    hit += float(arr[t, g.slot])
            hits.append(hit if g.active else 0.0)
        for leader in self.leaders:
            leader.killed = False
            if not leader.alive:
                continue
            intensity = float(sch.decap[t, leader.index])
            if inp.kill_events[t, leader.index] or (
                    intensity > 0 and rng.random() < 1.0 - math.exp(
                        -p["leader_kill_rate"] * intensity)):
                leader.killed = True
                leader.alive = False
        for g, hit in zip(self.groups, hits, strict=True):
            g.strike, g.strike_harm = 0.0, 0
            if "strikes" not in self.on or hit <= 0.0:
                continue
            g.strike = hit
            g.M *= math.exp(-p["strike_lethality"] * hit)
            g.D += hit
            g.H = min(1.0, max(0.0, g.H + p["strike_hostility"] * hit * (1.0 - g.H)))
            if "rally" in self.on:
                g.L = min(1.0, max(0.0, g.L + p["rally_effect"] * hit * (1.0 - g.L)))
            g.strike_harm = int(rng.poisson(p["strike_civilian_harm"] * hit))

    def step_decapitation(self) -> None:
        """Killed leaders cost cohesion and may split the group; succession."""
        p, on, t = self.p, self.on, self.week
        unnamed = self.inputs.unnamed_kill_events[t]
        for g in self.groups:
            lost = float(unnamed[g.slot]) + sum(ld.share for ld in g.leaders if ld.killed)
            g.lost = min(1.0, lost) if g.active else 0.0
        if "decapitation" in on:
            for g in self.groups:
                g.C *= 1.0 - p["cohesion_loss"] * g.lost
        if "splinters" in on:
            for g in list(self.groups):
                if g.lost > 0 and g.splinter is None and g.parent is None and (
                        self.rng.random() < min(1.0, p["splinter_prob"] * g.lost)):
                    self.groups.append(g.split(p))
        if "succession" in on:
            for g in self.groups:
                if not g.active:
                    continue
                gap = max(p["initial_cohesion"] - g.C, 0.0)
                g.C += p["succession_rate"] * (0.5 + g.maturity) * gap
        for g in self.groups:
            g.C = min(1.0, max(0.0, g.C))

    def step_backing(self) -> None:
        """``B += b_r (B_0 - B) - min(1, b_l sum_g I_g + b_h harm) B``."""
        if "backing" not in self.on:
            return
        p = self.p
        hits = sum(g.strike for g in self.groups)
        harm = sum(g.strike_harm for g in self.groups)
        loss = min(1.0, p["backing_loss"] * hits + p["backing_harm_loss"] * harm)
        self.B += p["backing_recovery"] * (p["initial_backing"] - self.B) - loss * self.B
        self.B = min(1.0, max(0.0, self.B))

    def step_ceasefire(self) -> None:
        """Leaderships weigh the cost of fighting on against the pull of hostility, the
        trigger and provocations; they declare or end cease-fires (allies follow), and each
        end is recorded with its reason."""
        p = self.p
        for g in self.groups:
            g.declared = False
        if "ceasefire" not in self.on:
            return
        # the patron presses its clients when any of its clients is hit
        d_max = max((g.D for g in self.groups if g.patron > 0 and g.active), default=0.0)
        # every leadership decides on the state before this week's decisions
        net = [self.ceasefire_cost(g, d_max) - self.ceasefire_pull(g) for g in self.groups]
        threshold = p["ceasefire_threshold"]
        for g, z in zip(self.groups, net, strict=True):
            if not g.S:
                p_declare = 1.0 - math.exp(-p["declare_rate"] * max(z - threshold, 0.0))
                if (g.active and g.exposure > 0 and p_declare > 0
                        and self.rng.random() < p_declare):
                    g.declared = g.S = True
                    g.cf_tau = self.tau
            else:
                p_end = 1.0 - math.exp(-p["resume_rate"] * max(
                    p["resume_fraction"] * threshold - z, 0.0))
                if p_end > 0 and self.rng.random() < p_end:
                    g.S = False
                    self.ends[self.end_reason(g)] += 1

    def ceasefire_cost(self, g: _ArmedGroup, d_max: float) -> float:
        """The cost of fighting on: ``w_D D (1 + w_X stake) + w_P patron max_clients D``,
        allies in cease-fire, backing at stake, and this week's threat terms."""
        p, on = self.p, self.on
        stake = (1.0 - g.o) * self.influence(g)
        cost = p["ceasefire_cost_weight"] * g.D * (1.0 + p["stake_weight"] * stake)
        cost += p["patron_restraint"] * g.patron * d_max
        if "coordination" in on and self.coordinated:
            cost += p["coordination_weight"] * sum(
                w for ally, w in g.allies if ally.S) / g.ally_weight
        if "backing" in on:
            cost += p["backing_weight"] * self.B * stake
        return cost + g.threat_cost

    def ceasefire_pull(self, g: _ArmedGroup) -> float:
        """The pull back to fighting: ``w_H H (1 + tau (o + (1 - o) delta)) + w_V V``; first
        the provocation memory ``V = (1 - mu) V + I S`` takes in this week's strike."""
        p, on = self.p, self.on
        tau = self.tau if "trigger" in on else 0.0
        pull = p["pull_weight"] * g.H * (1.0 + tau * (
            g.o + (1.0 - g.o) * p["domestic_trigger_weight"]))
        if "provocation" in on:
            g.V *= 1.0 - p["cost_memory_decay"]
            if g.S:  # struck while it holds a cease-fire
                g.V += g.strike
            pull += p["provocation_weight"] * g.V
        return pull

    def end_reason(self, g: _ArmedGroup) -> str:
        """Why a group's cease-fire ends: ``provocation`` (its memory above 0.05), else
        ``trigger`` (tau up by more than 0.05 since it declared), else ``decay``."""
        if g.V > 0.05:
            return "provocation"
        if self.tau > g.cf_tau + 0.05:
            return "trigger"
        return "decay"

    def step_capture(self) -> None:
        """``X += kappa_X (1 - A) (0.5 + L) X (1 - Xsum)^+ - eps_X A X``."""
        if "capture" not in self.on:
            return
        p = self.p
        for k in self.institutions:
            room = max(1.0 - k.captured, 0.0)
            grows = {g: p["capture_growth"] * (1.0 - k.A) * (0.5 + g.L) * x * room
                     for g, x in k.capture.items()}
            scale = _fit_room(sum(grows.values()), room)
            for g, x in k.capture.items():
                k.capture[g] = min(1.0, max(0.0, x + grows[g] * scale
                                            - p["capture_erosion"] * k.A * x))

    def step_cooption(self) -> None:
        """``X += kappa_c c (1 - A) (1 - Xsum)^+``; ``H -= h_c B min(1, sum_k c) H``."""
        if "cooption" not in self.on:
            return
        c = self.schedule.coopt[self.week]
        if not c.any():
            return
        p = self.p
        rooms = [max(1.0 - k.captured, 0.0) for k in self.institutions]
        for k, room in zip(self.institutions, rooms, strict=True):
            gains = {g: p["coopt_rate"] * float(c[g.slot, k.index]) * (1.0 - k.A) * room
                     for g in k.capture}
            scale = _fit_room(sum(gains.values()), room)
            for g, x in k.capture.items():
                if gains[g] > 0:
                    k.capture[g] = min(1.0, max(0.0, x + gains[g] * scale))
        for g in self.groups:
            strength = min(1.0, float(c[g.slot].sum()))
            if strength > 0:
                g.H = min(1.0, max(0.0, g.H - p["coopt_pacification"] * self.B
                                   * strength * g.H))

    def step_accountability(self) -> None:
        """Reform toward the policy's target, protest, repression."""
        p, on, t, sch = self.p, self.on, self.week, self.schedule
        self.repression_harm = 0
        insts = self.institutions
        if not insts:
            return
        captured = [k.captured for k in insts]
        if "accountability" in on:
            for k, xsum in zip(insts, captured, strict=True):
                pace = float(sch.reform_pace[t, k.index])
                if pace > 0:
                    gap = max(float(sch.reform_target[t, k.index]) - k.A, 0.0)
                    k.A += pace * gap * (1.0 - p["capture_resistance"] * xsum)
        if "protest" in on:
            ci = sum(k.budget_norm * xsum for k, xsum in zip(insts, captured, strict=True))
            mean_a = sum(k.A for k in insts) / len(insts)
            drive = ci * (1.0 - mean_a) + p["civil_society_effect"] * float(
                sch.civil_society[t])
            repression = p["repression_rate"] * self.Q * ci
            self.Q += (p["protest_growth"] * drive * (1.0 - self.Q)
                       - p["protest_decay"] * self.Q - repression * self.Q)
            self.Q = min(1.0, max(0.0, self.Q))
            for k in insts:
                k.A += p["protest_accountability"] * self.Q * (1.0 - k.A)
            for g in self.groups:
                g.L -= p["protest_legitimacy"] * self.Q * min(self.influence(g), 1.0) * g.L
                g.L = min(1.0, max(0.0, g.L))
            if repression > 0:
                self.repression_harm = int(self.rng.poisson(p["repression_harm"]
                                                            * repression))
        for k in insts:
            k.A = min(1.0, max(0.0, k.A))

    # -- recording -------------------------------------------------------------------------

    def record_week(self) -> None:
        """Add this week to the running totals (as the engine's recorder does)."""
        t = self.week
        att = sum(g.attacks for g in self.groups)
        self.attacks += att
        self.att_u += sum(g.attacks_u for g in self.groups)
        self.att_cf += sum(g.attacks_cf for g in self.groups)
        att_trans = sum(g.attacks for g in self.groups if g.o >= 0.5)
        self.att_trans += att_trans
        self.cas += sum(g.casualties for g in self.groups)
        self.harm += (sum(g.civ_harm + g.strike_harm for g in self.groups)
                      + self.repression_harm)
        self.rep_harm += self.repression_harm
        for g in self.groups:
            if g.declared:
                g.spells += 1
                if g.first_spell < 0:
                    g.first_spell = t
                if math.isnan(self.first_cf):
                    self.first_cf = t
            g.cf_weeks += g.S
            if 0 <= g.first_spell < t and g.attacks > 0 and g.resumed is None:
                g.resumed = t - g.first_spell
        if t < self.campaign_start:
            pass  # no attacker's campaign has begun: the week counts neither on nor off
        elif self.tau >= 0.5:  # "on": the trigger at half its intensity or more
            self.on_att += att
            self.on_n += 1
            self.trans_on += att_trans
        else:
            self.off_att += att
            self.off_n += 1
            self.trans_off += att_trans
        self.revenue += sum((g.income + g.rents) * g.exposure for g in self.groups)
        m_tot = sum(g.M * g.exposure for g in self.groups)
        if m_tot > 0:
            self.cap_trans += sum(g.M * g.exposure for g in self.groups if g.o >= 0.5) / m_tot
        self.protest += self.Q
        if t >= self.last_year_from:
            self.last_year += att

    def summary(self) -> dict[str, float]:
        """The run's row, in the engine's order: ``run``, the collected totals, the power
        indices, the mechanisms' totals and the end of each scenario group."""
        totals = {name: float(values[-1])
                  for name, values in self.datacollector.model_vars.items()}
        row: dict[str, float] = {"run": self.run}
        row.update((c, v) for c, v in totals.items() if c not in MECHANISM_COLUMNS)
        g0 = self.inputs.n_groups0
        for g in self.groups[:g0]:
            row[f"power_{g.gid}"] = self.power(g)
        row["power_splinters"] = sum(self.power(g) for g in self.groups[g0:])
        row.update((c, totals[c]) for c in MECHANISM_COLUMNS)
        for g in self.groups[:g0]:
            row[f"end_week_{g.gid}"] = g.end_week
            row[f"end_kind_{g.gid}"] = float(g.end_kind)
        return row


class _Classes:
    """The Mesa subclasses, created on first use."""

    def __init__(self) -> None:
        import mesa

        def make(name: str, base: type, mesa_base: type, doc: str | None) -> type:
            return type(name, (base, mesa_base), {"__module__": __name__, "__doc__": doc})

        self.ArmedGroup: Any = make("ArmedGroup", _ArmedGroup, mesa.Agent, _ArmedGroup.__doc__)
        self.Leader: Any = make("Leader", _Leader, mesa.Agent, _Leader.__doc__)
        self.Institution: Any = make("Institution", _Institution, mesa.Agent,
                                     _Institution.__doc__)
        self.ReferenceModel: Any = make("ReferenceModel", _ReferenceModel, mesa.Model,
                                        _ReferenceModel.__doc__)


@functools.cache
def _mesa_classes() -> _Classes:
    try:
        return _Classes()
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise InputError("the reference implementation needs Mesa 3: pip install "
                         "'armednet[reference]'") from exc


def __getattr__(name: str) -> Any:
    if name in ("ArmedGroup", "Leader", "Institution", "ReferenceModel"):
        return getattr(_mesa_classes(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- running ensembles ------------------------------------------------------------------------

def run_rng(seed: int, run: int) -> np.random.Generator:
    """The random generator of run ``run`` under experiment ``seed`` (independent streams
    from :class:`numpy.random.SeedSequence` spawn keys)."""
    return np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(int(run),)))


def build_model(inputs: ModelInputs, schedule: PolicySchedule, params: Mapping[str, float],
                mechanisms: frozenset[str], seed: int = 0, run: int = 0,
                weekly: bool = False) -> Any:
    """Build the :class:`ReferenceModel` of one run.

    Parameters
    ----------
    inputs, schedule
        From :func:`armednet.sim.init.build_inputs` and
        :func:`armednet.sim.init.schedule_policy`.
    params : mapping of str to float
        Every model parameter.
    mechanisms : frozenset of str
        Enabled mechanisms.
    seed, run : int
        Experiment seed and the run's index (the model's generator is
        :func:`run_rng` ``(seed, run)``).
    weekly : bool
        Collect weekly values too.

    Returns
    -------
    ReferenceModel
        Call ``run_model()`` to simulate ``inputs.weeks`` weeks.
    """
    cls = _mesa_classes().ReferenceModel
    return cls(inputs, schedule, params, mechanisms, rng=run_rng(seed, run), run=run,
               weekly=weekly)


def simulate_reference(
    kg_or_scenario: Any = None,
    policy: str | Path | Mapping[str, Any] | Policy | None = "status-quo",
    runs: int = 100,
    weeks: int = 104,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    mechanisms: Mapping[str, bool] | Iterable[str] | None = None,
    run_offset: int = 0,
) -> pd.DataFrame:
    """Simulate ``runs`` runs with the reference implementation, one Mesa model per run.

    Parameters
    ----------
    kg_or_scenario : KnowledgeGraph, str, Path or None
        The scenario (default: the bundled one), as for
        :func:`armednet.sim.engine.simulate`.
    policy : str, Path, mapping or Policy
        A preset name, a policy file or a policy.
    runs, weeks : int
        Number of runs and horizon in weeks.
    seed : int
        Experiment seed; run ``k``'s generator is ``SeedSequence(seed, spawn_key=(k,))``.
    params : mapping, optional
        Parameter name -> scalar or array of shape ``(runs,)``.
    mechanisms : mapping or iterable, optional
        ``{"decapitation": False}`` or the set of enabled names (default: all).
    run_offset : int
        Global index of the first run.

    Returns
    -------
    pandas.DataFrame
        One row per run: ``run``, the engine's summary columns (:data:`SUMMARY_COLUMNS`)
        and the power indices ``power_<group>`` and ``power_splinters``.

    Raises
    ------
    InputError
        Bad runs, weeks, seed, policy, parameters or mechanism names, or Mesa missing.
    """
    from armednet.sim.engine import load_graph, resolve_mechanisms
    from armednet.sim.init import build_inputs, schedule_policy
    from armednet.sim.params import resolve_params
    from armednet.sim.policy import resolve_policy

    for name, value, low in (("runs", runs, 1), ("weeks", weeks, 1), ("seed", seed, 0),
                             ("run_offset", run_offset, 0)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
    kg = load_graph(kg_or_scenario)
    pol = resolve_policy(policy)
    on = resolve_mechanisms(mechanisms)
    p_all = resolve_params(params, runs)
    inputs = build_inputs(kg, weeks)
    schedule = schedule_policy(inputs, pol)
    rows = []
    for r in range(runs):
        p = {name: float(values[r, 0]) for name, values in p_all.items()}
        model = build_model(inputs, schedule, p, on, seed=seed, run=run_offset + r)
        model.run_model()
        rows.append(model.summary())
    return pd.DataFrame(rows)
