"""The engine on each bundled scenario as a whole: every bundled scenario is tested, every
preset and lever runs on it with finite outputs and no lever left without anything to act
on; and what red-sea-2024 must show: the Houthis are the only attackers, from the start of
their campaign, and a campaign against shipping gives the host-country mechanism nothing to
act on. Properties only: no number the engine computes is pinned here."""

from __future__ import annotations

import datetime as dt
import math
import warnings

import numpy as np
import pytest

from armednet.kb import KnowledgeGraph
from armednet.kb.bundled import bundled_scenarios
from armednet.kb.dates import earliest
from armednet.kb.schema import CampaignMembership
from armednet.sim.engine import WEEKLY_VARIABLES, simulate
from armednet.sim.init import build_inputs, schedule_policy
from armednet.sim.policy import LEVER_KINDS, PRESETS, LeverWarning, resolve_policy
from tests.sim.bundled import BUNDLED, bundled_graph

MISSING_BY_DESIGN = ("first_ceasefire_week", "ceasefire_mean_length", "time_to_resumption",
                     "attacks_trigger_on", "attacks_trigger_off",
                     "transnational_share_trigger_on", "transnational_share_trigger_off")
"""Summary columns that are missing (NaN) when their event did not happen (no cease-fire,
no resumption, no attack in the trigger's weeks), besides ``end_week_<group>`` (alive)."""


def whole_period(kg: KnowledgeGraph) -> int:
    """Weeks from the scenario's start to its end."""
    end = kg.scenario.scenario.end
    assert end is not None
    return build_inputs(kg, 4).week_of(earliest(end)) + 1


def test_every_bundled_scenario_is_tested() -> None:
    # a scenario shipped later must be added to BUNDLED (and so to every generic test)
    assert set(BUNDLED) == set(bundled_scenarios())


@pytest.mark.parametrize("policy", PRESETS)
def test_every_preset_runs_with_finite_outputs_and_no_lever_warning(
        bundled_scenario: KnowledgeGraph, policy: str) -> None:
    weeks = whole_period(bundled_scenario)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverWarning)  # every preset has something to act on
        res = simulate(bundled_scenario, policy, runs=6, weeks=weeks, seed=3, record="weekly")
    assert res.metadata["warnings"] == []
    s = res.summary
    assert len(s) == 6
    for c in s.columns:
        x = s[c].to_numpy(dtype=float)
        assert not np.isinf(x).any(), c
        if not (c in MISSING_BY_DESIGN or c.startswith("end_week_")):
            assert not np.isnan(x).any(), c
    assert s["attacks"].ge(0).all() and s["attacks"].sum() > 0
    assert res.weekly is not None
    for v in WEEKLY_VARIABLES:
        assert np.isfinite(res.weekly[v].values.astype(float)).all(), v


@pytest.mark.parametrize("kind", LEVER_KINDS)
def test_no_lever_kind_lacks_something_to_act_on(bundled_scenario: KnowledgeGraph,
                                                  kind: str) -> None:
    # every lever with its default targets finds groups, leaders, channels, institutions,
    # a trigger and an attacked foreign force in both scenarios
    inputs = build_inputs(bundled_scenario, 52)
    sch = schedule_policy(inputs, resolve_policy({"name": kind, "levers": [{"kind": kind}]}))
    assert sch.warnings == []


# -- red-sea-2024 ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def red_sea() -> KnowledgeGraph:
    return bundled_graph("red-sea-2024")


def test_red_sea_only_the_houthis_attack_and_only_from_their_campaigns_start(
        red_sea: KnowledgeGraph) -> None:
    inputs = build_inputs(red_sea, 40)
    g0 = inputs.n_groups0
    attackers = [inputs.group_ids[i] for i in np.flatnonzero(inputs.exposure[:g0])]
    assert attackers == ["houthis"]  # the campaign's only member based in the theatre
    group = red_sea.node("houthis").group
    assert group is not None and isinstance(group.campaign, CampaignMembership)
    assert group.campaign.since is not None  # the campaign is dated (19 Nov 2023)
    since = earliest(group.campaign.since)
    first = math.ceil((since - inputs.start).days / 7)  # the campaign's first whole week
    assert 0 < first < 40
    res = simulate(red_sea, "strikes", runs=40, weeks=40, seed=4,
                   record=["group_attacks", "attacks"])
    assert res.weekly is not None
    ga = res.weekly["group_attacks"]
    others = [g for g in ga["group"].values if g not in ("houthis", "houthis~splinter")]
    assert float(ga.sel(group=others).sum()) == 0.0
    assert float(res.weekly["attacks"].values[:, :first].sum()) == 0.0  # nothing before
    assert float(res.weekly["attacks"].values[:, first:].sum()) > 0.0


def test_red_sea_no_host_turns_against_the_shipping(red_sea: KnowledgeGraph) -> None:
    # the target is shipping: strikes on Yemen cannot turn a host government against it
    host_based = build_inputs(red_sea, 4).extra["sovereignty"]["host_based"]
    assert not host_based.any()
    res = simulate(red_sea, "strikes", runs=20, weeks=60, seed=6,
                   params={"pressure_gain": 0.3, "presence_response": 0.1}).summary
    assert (res["presence_final"] == 1).all() and (res["host_pressure_final"] == 0).all()


def test_red_sea_diplomacy_during_the_gaza_ceasefire_warns(red_sea: KnowledgeGraph) -> None:
    # The trigger series is zero during the Gaza cease-fire of 2025 (weeks found from the
    # series, not named): a diplomacy lever confined to those weeks has nothing to calm.
    weeks = whole_period(red_sea)
    inputs = build_inputs(red_sea, weeks)
    zero = np.flatnonzero(inputs.tau == 0)
    assert zero.size
    run_end = zero[0] + int(np.argmax(np.diff(np.append(zero, -1)) != 1))
    start = inputs.start + dt.timedelta(7 * int(zero[0]))
    end = inputs.start + dt.timedelta(7 * int(run_end) + 6)
    calm = {"name": "calm", "levers": [{"kind": "diplomacy", "intensity": 1.0,
                                        "start": start.isoformat(), "end": end.isoformat()}]}
    with pytest.warns(LeverWarning, match="diplomacy lever"):
        simulate(red_sea, calm, runs=2, weeks=weeks)
    # the same lever a week earlier, while the war goes on, does not warn
    before = {"name": "war", "levers": [{"kind": "diplomacy", "intensity": 1.0,
                                         "start": (start - dt.timedelta(7)).isoformat(),
                                         "end": end.isoformat()}]}
    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverWarning)
        simulate(red_sea, before, runs=2, weeks=weeks)
