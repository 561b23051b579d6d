"""The bundled second theatre ``red-sea-2024``: loads, validates strictly, every fact is
sourced, its events are inputs only, and it is listed among the bundled scenarios.

The checks mirror ``test_bundled_scenario.py`` (the ``iraq-2024`` scenario) where they apply,
and add what this theatre needs: the Houthis as the only campaign member in the theatre,
their offices in the Sanaa institutions, the revenue channels, and the rule that no data on
the Houthis' behaviour after 31 March 2024 enters the scenario. These tests read only the
scenario shipped inside the package, except the last one, which checks the source URLs
against the shared data tables when they are present.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armednet.kb import KnowledgeGraph, NodeType, Scenario, TieType, load_scenario
from armednet.kb.bundled import bundled_scenarios
from armednet.kb.dates import earliest, latest
from armednet.kb.loader import check_scenario, validate_scenario
from armednet.kb.schema import CampaignMembership, Estimate, Event, Node, Series, Tie
from tests.cli.helpers import run_cli
from tests.kb.scenario_checks import SIX_LAYERS, alias_index, series_value

SCENARIO_ID = "red-sea-2024"
DATA_END = dt.date(2024, 3, 31)
"""No data on the Houthis' behaviour after this day may enter the scenario."""

INPUT_KINDS = {"strike", "leadership_strike", "sanctions", "designation", "ceasefire",
               "political", "warning", "ultimatum"}
"""Event kinds that are the outside world's actions (``attack`` is a group's own act)."""

NAMED_ACTORS = {
    "houthis": NodeType.ARMED_GROUP,
    "hezbollah": NodeType.ARMED_GROUP,
    "southern-transitional-council": NodeType.ARMED_GROUP,
    "axis-of-resistance": NodeType.UMBRELLA,
    "abdul-malik-al-houthi": NodeType.PERSON,
    "united-states": NodeType.STATE,
    "united-kingdom": NodeType.STATE,
    "iran": NodeType.STATE,
    "yemen": NodeType.STATE,
    "saudi-arabia": NodeType.STATE,
    "united-arab-emirates": NodeType.STATE,
    "israel": NodeType.STATE,
    "quds-force": NodeType.STATE_INSTITUTION,
    "irgc": NodeType.STATE_INSTITUTION,
    "us-state-department": NodeType.STATE_INSTITUTION,
    "supreme-political-council": NodeType.STATE_INSTITUTION,
    "cby-sanaa": NodeType.STATE_INSTITUTION,
    "red-sea-ports-corporation": NodeType.STATE_INSTITUTION,
    "sanaa-customs-authority": NodeType.STATE_INSTITUTION,
    "yemen-petroleum-company-sanaa": NodeType.STATE_INSTITUTION,
    "presidential-leadership-council": NodeType.STATE_INSTITUTION,
    "red-sea-shipping": NodeType.FOREIGN_FORCE,
    "operation-prosperity-guardian": NodeType.FOREIGN_FORCE,
    "us-naval-forces-red-sea": NodeType.FOREIGN_FORCE,
}

SANAA_INSTITUTIONS = [
    "supreme-political-council", "sanaa-ministry-of-defence", "sanaa-ministry-of-interior",
    "sanaa-security-and-intelligence-service", "sanaa-civil-ministries", "sanaa-judiciary",
    "cby-sanaa", "red-sea-ports-corporation", "sanaa-customs-authority",
    "sanaa-tax-authority", "yemen-petroleum-company-sanaa",
]

@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(SCENARIO_ID)


@pytest.fixture(scope="module")
def kg(scenario: Scenario) -> KnowledgeGraph:
    return KnowledgeGraph(scenario)


def _estimates(scenario: Scenario) -> list[tuple[str, Estimate]]:
    out: list[tuple[str, Estimate]] = []
    for n in scenario.nodes:
        if n.group is not None:
            for name in ("size", "fighters", "funds"):
                est = getattr(n.group, name)
                if est is not None:
                    out.append((f"{n.id}.{name}", est))
    out += [(t.key, t.amount) for t in scenario.ties if t.amount is not None]
    return out


# -- loading and validation ----------------------------------------------------------------


def test_loads_by_name_and_through_the_graph(scenario: Scenario) -> None:
    meta = scenario.scenario
    assert meta.id == SCENARIO_ID
    assert meta.country == "YE"
    assert meta.theatre == ["YE"]
    assert meta.start == "2023-10-02"  # as iraq-2024, so the trigger series aligns
    assert meta.end == "2025-06-30"
    kg = KnowledgeGraph.load(SCENARIO_ID)
    assert kg.name == SCENARIO_ID
    assert kg.hash == KnowledgeGraph(scenario).hash


def test_validates_strictly_without_warnings() -> None:
    assert validate_scenario(SCENARIO_ID) == []
    checked = check_scenario(SCENARIO_ID)
    assert checked.warnings == []
    path = bundled_scenarios()[SCENARIO_ID]
    proc = run_cli("kb", "validate", str(path), "--strict")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "warning" not in proc.stderr.lower()


def test_is_a_bundled_scenario() -> None:
    bundled = bundled_scenarios()
    assert SCENARIO_ID in bundled and "iraq-2024" in bundled
    assert (bundled[SCENARIO_ID] / "scenario.yaml").is_file()
    proc = run_cli("kb", "list")
    assert proc.returncode == 0, proc.stderr
    names = [line.split("\t")[0] for line in proc.stdout.splitlines() if line.strip()]
    assert SCENARIO_ID in names


def test_same_layout_as_iraq(scenario: Scenario) -> None:
    root = bundled_scenarios()[SCENARIO_ID]
    for sub in ("scenario.yaml", "sources.yaml", "nodes", "ties"):
        assert (root / sub).exists(), sub
    assert list((root / "nodes").glob("*.yaml")) and list((root / "ties").glob("*.yaml"))


# -- every fact sourced --------------------------------------------------------------------


def test_every_record_is_sourced_and_sources_resolve(scenario: Scenario) -> None:
    ids = {s.id for s in scenario.sources}
    records: list[Node | Tie | Series | Event] = [*scenario.nodes, *scenario.ties,
                                                  *scenario.series, *scenario.events]
    for rec in records:
        assert rec.sources, rec
        assert set(rec.sources) <= ids, (rec, set(rec.sources) - ids)
    for series in scenario.series:
        for point in series.points:
            assert point.sources, (series.id, point.date)  # every point, not only the series
            assert set(point.sources) <= ids
    assert scenario.scenario.sources and set(scenario.scenario.sources) <= ids
    for node in scenario.nodes:
        if node.group is not None:
            assert isinstance(node.group.campaign, CampaignMembership), node.id
            assert set(node.group.campaign.sources) <= ids, node.id


def test_every_source_is_cited(scenario: Scenario) -> None:
    records: list[Node | Tie | Series | Event] = [*scenario.nodes, *scenario.ties,
                                                  *scenario.series, *scenario.events]
    cited = {ref for rec in records for ref in rec.sources}
    cited |= {ref for s in scenario.series for p in s.points for ref in p.sources}
    cited |= set(scenario.scenario.sources)
    cited |= {ref for n in scenario.nodes if n.group is not None
              and isinstance(n.group.campaign, CampaignMembership)
              for ref in n.group.campaign.sources}
    assert {s.id for s in scenario.sources} - cited == set()


def test_sources_are_located(scenario: Scenario) -> None:
    """Each source says where its fact is: a URL, an essay section or a table row."""
    for s in scenario.sources:
        assert s.locator, s.id
        if s.id.startswith(("rs-", "ct-", "ke-")):
            assert s.locator.startswith("https://"), s.id
        if s.id.startswith("acled-"):
            assert "event_id_cnty YEM" in s.locator, s.id


def test_estimates_have_ranges_and_a_basis(scenario: Scenario) -> None:
    estimates = _estimates(scenario)
    assert len(estimates) >= 20
    for where, est in estimates:
        assert est.low <= est.value <= est.high, where
        assert est.basis, where
        if "judgment" in est.basis:
            assert est.high > est.low, where  # a judgment comes with a range


# -- the network ---------------------------------------------------------------------------


def test_size(kg: KnowledgeGraph) -> None:
    assert len(kg.nodes()) >= 50
    assert len(kg.ties()) >= 100


@pytest.mark.parametrize("layer", SIX_LAYERS)
def test_each_layer_has_ties(kg: KnowledgeGraph, layer: str) -> None:
    assert len(kg.ties(layer=layer)) >= (3 if layer == "political" else 5), layer


@pytest.mark.parametrize("node_id", sorted(NAMED_ACTORS))
def test_named_actor_exists(kg: KnowledgeGraph, node_id: str) -> None:
    assert kg.has_node(node_id), node_id
    assert kg.node(node_id).type is NAMED_ACTORS[node_id]


def test_foreign_force_is_shipping(kg: KnowledgeGraph) -> None:
    ff = kg.scenario.scenario.foreign_force
    assert ff == "red-sea-shipping"
    node = kg.node(ff)
    assert node.type is NodeType.FOREIGN_FORCE
    assert node.note and "Red Sea" in node.name
    attacks = [t for t in kg.ties(type="attacks") if t.to == ff]
    assert [(t.from_, t.start) for t in attacks] == [("houthis", "2023-11-19")]
    assert {t.from_ for t in kg.ties(type="protects") if t.to == ff} >= {
        "operation-prosperity-guardian", "us-naval-forces-red-sea"}


def test_campaign_membership_is_sourced_and_only_the_houthis_attack(kg: KnowledgeGraph) -> None:
    theatre = set(kg.scenario.scenario.theatre)
    members_here = []
    for g in kg.nodes(type="armed_group"):
        assert g.group is not None
        c = g.group.campaign
        assert isinstance(c, CampaignMembership), g.id
        assert c.sources and c.note, g.id
        if c.member and (g.country is None or g.country in theatre):
            members_here.append(g.id)
    assert members_here == ["houthis"]
    houthis = kg.node("houthis").group
    assert houthis is not None and isinstance(houthis.campaign, CampaignMembership)
    assert houthis.campaign.confidence == "high"
    assert "rs-dashboard" in houthis.campaign.sources  # the Galaxy Leader row of key events


def test_armed_groups_have_sound_attributes(kg: KnowledgeGraph) -> None:
    groups = kg.nodes(type="armed_group")
    assert len(groups) >= 5
    for g in groups:
        assert g.group is not None, g.id
        a = g.group
        assert a.size.low <= a.size.value <= a.size.high, g.id
        assert 0.0 <= a.orientation <= 1.0, g.id
        assert a.size.basis and "judgment" in a.size.basis, g.id


def test_houthis_hold_the_sanaa_institutions(kg: KnowledgeGraph) -> None:
    offices = {t.to: t for t in kg.ties(type="holds_office_in") if t.from_ == "houthis"}
    for inst in SANAA_INSTITUTIONS:
        node = kg.node(inst)
        assert node.type is NodeType.STATE_INSTITUTION and node.country == "YE", inst
        assert node.institution is not None, inst
        assert inst in offices, inst
        tie = offices[inst]
        assert tie.share is not None and tie.share >= 0.6, inst
        assert tie.sources, inst
        assert tie.note and "judgment" in tie.note.lower(), inst  # no source gives a share


def test_revenue_channels(kg: KnowledgeGraph) -> None:
    channels = {t.from_: t for t in kg.ties(type="funds") if t.to == "houthis"}
    for payer in ("red-sea-ports-corporation", "sanaa-customs-authority",
                  "yemen-petroleum-company-sanaa", "quds-force"):
        assert payer in channels, payer
    for t in kg.ties(type="funds"):
        assert t.channel in {"state_budget", "business", "patron", "bank", "illicit"}, t.key
    for t in channels.values():
        assert t.amount is not None, t.key
        assert t.amount.low < t.amount.value < t.amount.high, t.key
        assert t.amount.basis and "judgment" in t.amount.basis, t.key
    assert channels["quds-force"].channel == "patron"
    total = sum(t.amount.value for t in channels.values() if t.amount is not None)
    funds = kg.node("houthis").group.funds  # type: ignore[union-attr]
    assert funds is not None and funds.low <= total <= funds.high


def test_leader_and_patron(kg: KnowledgeGraph) -> None:
    leads = {(t.from_, t.to): t for t in kg.ties(type="leads")}
    tie = leads[("abdul-malik-al-houthi", "houthis")]
    assert tie.share is not None and 0.0 < tie.share <= 1.0
    patrons = {(t.from_, t.to): t for t in kg.ties(type="patron_of")}
    assert "arming" in patrons[("quds-force", "houthis")].support
    assert ("hezbollah", "houthis") in patrons
    assert {t.from_ for t in kg.ties(type="member_of") if t.to == "axis-of-resistance"} >= {
        "houthis", "hezbollah"}


def test_tie_types_the_model_needs(kg: KnowledgeGraph) -> None:
    present = {t.type for t in kg.ties()}
    needed = {TieType.LEADS, TieType.MEMBER_OF, TieType.ALLIED_WITH, TieType.RIVAL_OF,
              TieType.PATRON_OF, TieType.FUNDS, TieType.HOLDS_OFFICE_IN, TieType.WING_OF,
              TieType.INTEGRATED_INTO, TieType.SANCTIONED_BY, TieType.PROTECTS,
              TieType.ATTACKS, TieType.OPPOSES}
    assert needed <= present
    for t in kg.ties(type="patron_of"):
        assert set(t.support) <= {"arming", "funding", "training", "advising"}, t.key


def test_event_data_spellings_resolve(kg: KnowledgeGraph) -> None:
    index = alias_index(kg)  # also: no spelling names two nodes
    assert index["military forces of yemen (2017-) houthi"] == "houthis"
    assert index["ansarallah"] == "houthis"
    assert index["military forces of the united states (2021-)"] == "us-naval-forces-red-sea"
    assert index["operation restoring hope"] == "saudi-led-coalition"
    assert index["aqap: al qaeda in the arabian peninsula"] == "aqap"


# -- the trigger and the scheduled inputs --------------------------------------------------


def test_gaza_series_steps(scenario: Scenario) -> None:
    value = lambda day: series_value(scenario, "gaza_war_intensity", day)  # noqa: E731
    assert value("2023-10-02") == 0.0
    assert value("2023-10-20") == 1.0
    assert value("2023-11-26") == 0.0  # the truce of 24 Nov - 1 Dec 2023, as in iraq-2024
    assert value("2023-12-05") == 1.0
    assert value("2025-01-18") == 1.0
    assert value("2025-02-15") == 0.0  # the cease-fire of 19 Jan 2025
    assert value("2025-03-17") == 0.0
    assert value("2025-03-18") == 1.0  # its collapse
    assert value("2025-06-30") == 1.0


def test_trigger_aligns_with_iraq() -> None:
    iraq = load_scenario("iraq-2024")
    red = load_scenario(SCENARIO_ID)
    assert iraq.scenario.start == red.scenario.start
    for day in ("2023-10-02", "2023-10-07", "2023-11-24", "2023-12-01", "2024-06-01"):
        assert series_value(iraq, "gaza_war_intensity", day) == series_value(
            red, "gaza_war_intensity", day), day


def test_events_lie_within_the_scenario(scenario: Scenario) -> None:
    start = earliest(scenario.scenario.start)
    assert scenario.scenario.end is not None
    end = latest(scenario.scenario.end)
    assert scenario.events
    for e in scenario.events:
        assert start <= earliest(e.date), e.id
        assert latest(e.date) <= end, e.id


def test_events_are_inputs_only(kg: KnowledgeGraph) -> None:
    """Strikes, designations and the Gaza pauses; never a group's own decision or act."""
    armed = {n.id for n in kg.nodes(type=["armed_group", "umbrella"])}
    outside = {n.id for n in kg.nodes(type=["state", "state_institution", "foreign_force"])}
    for e in kg.scenario.events:
        assert e.kind in INPUT_KINDS, (e.id, e.kind)
        assert e.actor is not None and e.actor not in armed, e.id
        assert e.actor in outside, e.id
        assert not (set(e.targets) & outside), e.id  # the outside world acts on the groups
    kinds = {e.kind for e in kg.scenario.events}
    assert {"strike", "designation", "ceasefire"} <= kinds


def test_key_inputs_are_scheduled(scenario: Scenario) -> None:
    events = {e.id: e for e in scenario.events}
    strikes = [e for e in scenario.events if e.kind == "strike"]
    assert all(e.targets == ["houthis"] and e.intensity >= 1 for e in strikes)
    assert events["ev-2024-02-03-us-uk-strikes"].intensity == 36
    assert events["ev-2024-05-30-us-uk-strikes"].intensity == 13
    assert events["ev-2024-10-16-us-b2-strikes"].intensity == 5
    assert {e.actor for e in strikes} == {"united-states", "united-kingdom"}
    first = [e for e in strikes if e.date == "2024-01-11"]
    assert {e.actor for e in first} == {"united-states", "united-kingdom"}
    designations = sorted(e.date for e in scenario.events if e.kind == "designation")
    assert designations == ["2024-01-17", "2024-02-16", "2025-01-22", "2025-03-04"]
    assert events["ev-2025-01-19-gaza-ceasefire"].kind == "ceasefire"
    assert events["ev-2025-01-19-gaza-ceasefire"].actor == "israel"
    campaign_2025 = [e for e in strikes if e.date >= "2025-03-15"]
    assert sum(e.intensity for e in campaign_2025) == pytest.approx(1000)


def test_no_houthi_behaviour_after_the_data_end(kg: KnowledgeGraph) -> None:
    """Ties from an armed group start (and end) by 31 March 2024; what is dated later is
    the outside world's action: events, designations (``sanctioned_by`` runs from the
    target to the sanctioning body) or the Gaza series."""
    armed = {n.id for n in kg.nodes(type=["armed_group", "umbrella"])}
    for t in kg.ties():
        if t.type is TieType.SANCTIONED_BY:
            continue
        if t.from_ in armed and t.start is not None:
            assert earliest(t.start) <= DATA_END, t.key
        if t.from_ in armed and t.end is not None:
            assert latest(t.end) <= DATA_END, t.key  # a group's tie ending later is an output
    for n in kg.nodes():
        if n.id in armed:
            assert n.end is None, n.id
    for e in kg.scenario.events:
        if earliest(e.date) > DATA_END:
            assert e.actor not in armed and e.kind in INPUT_KINDS, e.id


def test_source_urls_come_from_the_shared_data(scenario: Scenario, shared_data: Path) -> None:
    """Every URL cited is a source_url (or a URL in the notes) of the shared data tables."""
    tables = [shared_data / "episodes" / "houthi-red-sea" / name
              for name in ("key_events.csv", "cumulative.csv", "events.csv")]
    tables.append(shared_data / "attacks-us-forces-iraq-syria" / "key_events.csv")
    text = "\n".join(p.read_text(encoding="utf-8") for p in tables)
    for s in scenario.sources:
        if s.locator and s.locator.startswith("http"):
            assert s.locator in text, (s.id, s.locator)
