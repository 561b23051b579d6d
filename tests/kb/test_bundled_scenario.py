"""The bundled default scenario ``iraq-2024``: loads, is complete, sourced and consistent.

These tests read only the scenario shipped inside the package (no shared data needed).
"""

from __future__ import annotations

import datetime as dt

import pytest

from armednet.kb import KnowledgeGraph, Layer, NodeType, Scenario, TieType, load_scenario
from armednet.kb.dates import earliest, latest
from armednet.kb.schema import CampaignMembership
from tests.kb.scenario_checks import SIX_LAYERS, alias_index, series_value

SCENARIO_ID = "iraq-2024"

# Actors the domain brief names (sections 2, 3 and 7), by node id.
NAMED_ACTORS = {
    # armed groups and umbrellas
    "kataib-hezbollah": NodeType.ARMED_GROUP,
    "harakat-al-nujaba": NodeType.ARMED_GROUP,
    "kataib-sayyid-al-shuhada": NodeType.ARMED_GROUP,
    "hezbollah": NodeType.ARMED_GROUP,
    "houthis": NodeType.ARMED_GROUP,
    "badr-organization": NodeType.ARMED_GROUP,
    "asaib-ahl-al-haq": NodeType.ARMED_GROUP,
    "saraya-al-salam": NodeType.ARMED_GROUP,
    "atabat-units": NodeType.ARMED_GROUP,
    "isis": NodeType.ARMED_GROUP,
    "popular-mobilization-forces": NodeType.UMBRELLA,
    "islamic-resistance-in-iraq": NodeType.UMBRELLA,
    # persons
    "qasem-soleimani": NodeType.PERSON,
    "abu-mahdi-al-muhandis": NodeType.PERSON,
    "hadi-al-ameri": NodeType.PERSON,
    "falih-al-fayyadh": NodeType.PERSON,
    "ali-al-sistani": NodeType.PERSON,
    "hisham-al-hashimi": NodeType.PERSON,
    "abu-taqwa": NodeType.PERSON,
    "abu-baqir-al-saadi": NodeType.PERSON,
    # states
    "united-states": NodeType.STATE,
    "iran": NodeType.STATE,
    "iraq": NodeType.STATE,
    "syria": NodeType.STATE,
    "jordan": NodeType.STATE,
    "israel": NodeType.STATE,
    "lebanon": NodeType.STATE,
    "yemen": NodeType.STATE,
    # state institutions
    "pmf-commission": NodeType.STATE_INSTITUTION,
    "irgc": NodeType.STATE_INSTITUTION,
    "quds-force": NodeType.STATE_INSTITUTION,
    "ministry-of-interior": NodeType.STATE_INSTITUTION,
    "ministry-of-defence": NodeType.STATE_INSTITUTION,
    "national-security-service": NodeType.STATE_INSTITUTION,
    "council-of-representatives": NodeType.STATE_INSTITUTION,
    "iraqi-judiciary": NodeType.STATE_INSTITUTION,
    "iraqi-civil-service": NodeType.STATE_INSTITUTION,
    "higher-military-commission": NodeType.STATE_INSTITUTION,
    "us-state-department": NodeType.STATE_INSTITUTION,
    "us-treasury": NodeType.STATE_INSTITUTION,
    # business and finance
    "fly-baghdad": NodeType.BUSINESS,
    "sanctioned-iraqi-banks": NodeType.BUSINESS,
    # civil society and the public
    "protest-movement-2019": NodeType.CIVIL_SOCIETY,
    "civil-society-organizers": NodeType.CIVIL_SOCIETY,
    "iraqi-public": NodeType.CIVIL_SOCIETY,
    # the foreign force and the Jordan outpost
    "us-forces-iraq-syria": NodeType.FOREIGN_FORCE,
    "tower-22": NodeType.FOREIGN_FORCE,
}

@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_ID)


@pytest.fixture(scope="module")
def kg(scenario: Scenario) -> KnowledgeGraph:
    return KnowledgeGraph(scenario)


def test_loads_by_name_and_through_the_graph(scenario: Scenario) -> None:
    assert scenario.scenario.id == SCENARIO_ID
    assert scenario.scenario.country == "IQ"
    assert scenario.scenario.start == "2023-10-02"
    assert scenario.scenario.end == "2024-12-31"
    kg = KnowledgeGraph.load(SCENARIO_ID)
    assert kg.name == SCENARIO_ID
    assert kg.hash == KnowledgeGraph(scenario).hash


def test_is_the_default_scenario() -> None:
    assert KnowledgeGraph.load(None).name == SCENARIO_ID


def test_foreign_force_is_a_foreign_force_node(kg: KnowledgeGraph) -> None:
    ff = kg.scenario.scenario.foreign_force
    assert ff == "us-forces-iraq-syria"
    assert kg.node(ff).type is NodeType.FOREIGN_FORCE


def test_size(kg: KnowledgeGraph) -> None:
    assert len(kg.nodes()) >= 60
    assert len(kg.ties()) >= 150


@pytest.mark.parametrize("layer", SIX_LAYERS)
def test_each_layer_has_ties(kg: KnowledgeGraph, layer: str) -> None:
    assert len(kg.ties(layer=layer)) >= 5, layer


def test_international_layer_is_present(kg: KnowledgeGraph) -> None:
    assert Layer.INTERNATIONAL in kg.layers()


def test_every_record_is_sourced_and_sources_resolve(scenario: Scenario) -> None:
    ids = {s.id for s in scenario.sources}
    records = [*scenario.nodes, *scenario.ties, *scenario.series, *scenario.events]
    for rec in records:
        assert rec.sources, rec
        assert set(rec.sources) <= ids, (rec, set(rec.sources) - ids)
    for series in scenario.series:
        for point in series.points:
            assert set(point.sources) <= ids
    assert set(scenario.scenario.sources) <= ids
    for node in scenario.nodes:
        if node.group is not None and isinstance(node.group.campaign, CampaignMembership):
            assert set(node.group.campaign.sources) <= ids, node.id


def test_every_source_is_cited(scenario: Scenario) -> None:
    cited = {ref for rec in [*scenario.nodes, *scenario.ties, *scenario.series,
                             *scenario.events] for ref in rec.sources}
    cited |= {ref for s in scenario.series for p in s.points for ref in p.sources}
    cited |= set(scenario.scenario.sources)
    cited |= {ref for n in scenario.nodes if n.group is not None
              and isinstance(n.group.campaign, CampaignMembership)
              for ref in n.group.campaign.sources}
    assert {s.id for s in scenario.sources} - cited == set()


def test_armed_groups_have_sound_attributes(kg: KnowledgeGraph) -> None:
    groups = kg.nodes(type="armed_group")
    assert len(groups) >= 10
    for g in groups:
        assert g.group is not None, g.id
        a = g.group
        assert a.size.low <= a.size.value <= a.size.high, g.id
        assert a.size.low > 0 or a.size.value > 0, g.id
        assert 0.0 <= a.orientation <= 1.0, g.id
        assert a.size.basis, g.id
        for est in (a.fighters, a.funds):
            assert est is None or est.low <= est.value <= est.high, g.id


def test_orientation_follows_the_essay(kg: KnowledgeGraph) -> None:
    def orientation(node_id: str) -> float:
        group = kg.node(node_id).group
        assert group is not None
        return group.orientation

    transnational = ["kataib-hezbollah", "harakat-al-nujaba", "kataib-sayyid-al-shuhada"]
    domestic = ["badr-organization", "asaib-ahl-al-haq", "saraya-al-salam", "atabat-units"]
    assert min(orientation(g) for g in transnational) > max(orientation(g) for g in domestic)
    assert all(orientation(g) >= 0.7 for g in transnational)
    assert all(orientation(g) <= 0.3 for g in domestic)


@pytest.mark.parametrize("node_id", sorted(NAMED_ACTORS))
def test_named_actor_exists(kg: KnowledgeGraph, node_id: str) -> None:
    assert kg.has_node(node_id), node_id
    assert kg.node(node_id).type is NAMED_ACTORS[node_id]


def test_gaza_series_steps(scenario: Scenario) -> None:
    value = lambda day: series_value(scenario, "gaza_war_intensity", day)  # noqa: E731
    assert value("2023-10-02") == 0.0
    assert value("2023-10-20") == 1.0
    assert value("2023-11-26") == 0.0
    assert value("2023-12-05") == 1.0
    assert value("2024-12-31") == 1.0  # held constant after the data end


def test_events_lie_within_the_scenario(scenario: Scenario) -> None:
    start = earliest(scenario.scenario.start)
    end = latest(scenario.scenario.end)
    assert scenario.events
    for e in scenario.events:
        assert start <= earliest(e.date), e.id
        assert latest(e.date) <= end, e.id


def test_key_inputs_are_scheduled(scenario: Scenario) -> None:
    events = {e.id: e for e in scenario.events}
    feb2 = events["ev-2024-02-02-us-strikes"]
    assert feb2.kind == "strike" and feb2.intensity == 85
    assert events["ev-2024-01-04-us-strike-nujaba"].killed == ["abu-taqwa"]
    assert events["ev-2024-02-07-us-strike-kh-leader"].killed == ["abu-baqir-al-saadi"]
    assert "fly-baghdad" in events["ev-2024-01-sanctions-banks-fly-baghdad"].targets
    assert events["ev-2023-11-24-gaza-truce"].kind == "ceasefire"
    assert events["ev-2024-01-28-attack-tower-22"].kind == "attack"


def test_no_ceasefire_event_is_attributed_to_an_armed_group(kg: KnowledgeGraph) -> None:
    armed = {n.id for n in kg.nodes(type=["armed_group", "umbrella"])}
    for e in kg.scenario.events:
        if e.kind == "ceasefire":
            assert e.actor not in armed, e.id


def test_event_data_spellings_resolve(kg: KnowledgeGraph) -> None:
    index = alias_index(kg)  # also: no spelling names two nodes
    assert index["kata'ib hizballah"] == "kataib-hezbollah"
    assert index["kh"] == "kataib-hezbollah"
    assert index["كتائب حزب الله"] == "kataib-hezbollah"
    assert index["islamic resistance in iraq"] == "islamic-resistance-in-iraq"
    assert index["hezbollah"] == "hezbollah"
    assert index["al-mahdi army"] == "saraya-al-salam"
    assert index["is"] == "isis"
    assert "militia (pro-iran)" not in index


def test_leadership_ties(kg: KnowledgeGraph) -> None:
    leads = {(t.from_, t.to): t for t in kg.ties(type="leads")}
    for pair in [("abu-taqwa", "harakat-al-nujaba"), ("abu-baqir-al-saadi", "kataib-hezbollah"),
                 ("abu-mahdi-al-muhandis", "kataib-hezbollah"),
                 ("hadi-al-ameri", "badr-organization")]:
        assert pair in leads, pair
        assert leads[pair].share is not None and 0.0 <= leads[pair].share <= 1.0
    assert leads[("abu-taqwa", "harakat-al-nujaba")].end == "2024-01-04"
    assert leads[("abu-baqir-al-saadi", "kataib-hezbollah")].end == "2024-02-07"
    assert leads[("abu-mahdi-al-muhandis", "kataib-hezbollah")].end == "2020-01-03"


def test_tie_types_the_model_needs(kg: KnowledgeGraph) -> None:
    present = {t.type for t in kg.ties()}
    needed = {TieType.LEADS, TieType.MEMBER_OF, TieType.ALLIED_WITH, TieType.RIVAL_OF,
              TieType.PATRON_OF, TieType.FUNDS, TieType.HOLDS_OFFICE_IN, TieType.WING_OF,
              TieType.INTEGRATED_INTO, TieType.SANCTIONED_BY, TieType.PROTECTS,
              TieType.ATTACKS, TieType.OPPOSES}
    assert needed <= present
    for t in kg.ties(type="funds"):
        assert t.channel in {"state_budget", "business", "patron", "bank", "illicit"}, t.key
        assert t.amount is None or t.amount.low <= t.amount.value <= t.amount.high
    for t in kg.ties(type="patron_of"):
        assert set(t.support) <= {"arming", "funding", "training", "advising"}, t.key


def test_snapshot_drops_ties_ended_by_the_kh_leader_strike(kg: KnowledgeGraph) -> None:
    before = kg.snapshot("2024-02-06")
    after = kg.snapshot("2024-02-10")
    ended = [t for t in kg.ties() if t.end == "2024-02-07"]
    assert ended
    keys_after = {t.key for t in after.ties()}
    keys_before = {t.key for t in before.ties()}
    for t in ended:
        assert t.key not in keys_after, t.key
        if t.start is None or earliest(t.start) <= dt.date(2024, 2, 6):
            assert t.key in keys_before, t.key
    assert not after.has_node("abu-baqir-al-saadi")
    assert before.has_node("abu-baqir-al-saadi")
    assert after.has_node("kataib-hezbollah")
