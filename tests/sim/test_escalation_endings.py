"""Escalation, provocation and the ends of groups: each mechanism moves its outcome in the
documented direction and does nothing when switched off; with all of them off the engine
gives the numbers it gave before they existed.

Scenarios are generated (``tests/sim/scenarios.py``); the scenario-generic checks (escalation
off does nothing; an ended group stays inactive, and no splinter of it forms) run on each
bundled scenario too. Seeds are fixed and every tolerance is stated next to its assertion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from armednet.kb import KnowledgeGraph
from armednet.sim.engine import simulate
from tests.factories import write_yaml
from tests.sim.scenarios import medium_document, write_medium

NEW = ("escalation", "patron_fear", "provocation", "collapse", "merger", "demobilisation",
       "sovereignty", "derisking")
"""The mechanisms added since commit 5988684."""

# Totals over 300 runs x 60 weeks (seed 3) on the medium scenario, computed with the engine
# of commit 5988684, before these mechanisms existed: attacks, cease-fire spells, foreign
# casualties, capture at the end, factions at the end.
BEFORE = {
    "status-quo": (158759.0, 635.0, 63533.0, 64.89533363640889, 1835.0),
    "strikes": (76690.0, 2122.0, 30737.0, 65.0564428920801, 1835.0),
    "decapitation": (172191.0, 627.0, 68931.0, 64.89533363640889, 2058.0),
    "co-option": (142746.0, 635.0, 57184.0, 144.1583956756787, 1835.0),
}


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    return KnowledgeGraph.load(str(write_medium(tmp_path_factory.mktemp("esc") / "m")))


def off(*names: str) -> dict[str, bool]:
    return {m: False for m in names}


@pytest.mark.parametrize("policy", sorted(BEFORE))
def test_new_mechanisms_off_give_the_previous_model(medium: KnowledgeGraph,
                                                    policy: str) -> None:
    d = simulate(medium, policy, runs=300, weeks=60, seed=3, mechanisms=off(*NEW)).summary
    got = (d.attacks.sum(), d.ceasefire_spells.sum(), d.casualties.sum(),
           d.capture_final.sum(), d.factions_final.sum())
    assert got[:3] == BEFORE[policy][:3]
    assert got[3] == pytest.approx(BEFORE[policy][3], rel=1e-12)  # float sums: reassociation
    assert got[4] == BEFORE[policy][4]


def _first_ceasefire_within(res: Any, weeks: int) -> float:
    first = res.summary["first_ceasefire_week"]
    return float((first < weeks).mean())


def test_lethal_attacks_raise_the_chance_of_a_ceasefire(medium: KnowledgeGraph) -> None:
    # Every week with attacks brings a lethal one (phi = 1): the threat makes leaderships
    # stand down within weeks although no strike lands (status quo, no scheduled strike
    # before week 20 in this scenario).
    kw: dict[str, Any] = {"runs": 200, "weeks": 12, "seed": 5,
                          "params": {"lethal_attack_prob": 1.0, "lethal_threat": 6.0}}
    on = simulate(medium, "status-quo", **kw)
    without = simulate(medium, "status-quo", mechanisms=off("escalation"), **kw)
    assert on.summary["lethal_attacks"].mean() > 5
    assert _first_ceasefire_within(on, 12) > 0.9  # stated: nine in ten runs or more
    assert _first_ceasefire_within(without, 12) < 0.2
    assert without.summary["lethal_attacks"].sum() == 0


def _escalation_off_does_nothing(kg: KnowledgeGraph, runs: int) -> None:
    kw: dict[str, Any] = {"runs": runs, "weeks": 30, "seed": 9}
    a = simulate(kg, "strikes", mechanisms=off("escalation"), **kw).summary
    b = simulate(kg, "strikes", mechanisms=off("escalation"),
                 params={"lethal_attack_prob": 0.02, "lethal_threat": 8.0,
                         "threat_weight": 3.0}, **kw).summary
    cols = [c for c in a.columns if c != "lethal_attacks"]
    pd.testing.assert_frame_equal(a[cols], b[cols], check_exact=True)


def test_escalation_off_does_nothing(medium: KnowledgeGraph) -> None:
    _escalation_off_does_nothing(medium, 100)


def test_escalation_off_does_nothing_on_the_bundled_scenarios(
        bundled_scenario: KnowledgeGraph) -> None:
    _escalation_off_does_nothing(bundled_scenario, 40)


def test_patron_fear_spreads_the_threat_to_other_clients(tmp_path: Path) -> None:
    # A warning against trans-1 alone: with patron fear, the patron's other clients stand
    # down too; without it only trans-1 does (coordination and patron restraint held off).
    doc = medium_document()
    doc["events"] = [*doc.get("events", []), {
        "id": "warn", "date": "2023-11-06", "kind": "warning", "actor": "us",
        "targets": ["trans-1"], "intensity": 3.0, "description": "A warning.",
        "sources": ["src-a"]}]
    kg = KnowledgeGraph.load(str(write_yaml(tmp_path / "warned.yaml", doc)))
    kw: dict[str, Any] = {"runs": 100, "weeks": 12, "seed": 2, "record": ["ceasefire"],
                          "params": {"patron_restraint": 0.0, "war_fear_weight": 2.0}}
    shares = {}
    for label, mech in (("fear", off("coordination")),
                        ("none", off("coordination", "patron_fear"))):
        res = simulate(kg, "status-quo", mechanisms=mech, **kw)
        assert res.weekly is not None
        cf = res.weekly["ceasefire"].sel(group="trans-2").values
        shares[label] = float(cf[:, 5:].max(axis=1).mean())  # week 5: the warning
    assert shares["fear"] > shares["none"] + 0.3  # stated: 30 points more runs


def test_provocation_ends_ceasefires_sooner(medium: KnowledgeGraph) -> None:
    kw: dict[str, Any] = {"runs": 200, "weeks": 60, "seed": 4}
    with_prov = simulate(medium, "strikes", params={"provocation_weight": 2.0}, **kw).summary
    no_prov = simulate(medium, "strikes", mechanisms=off("provocation"), **kw).summary
    assert with_prov["ceasefire_ends_provocation"].sum() > 0
    assert no_prov["ceasefire_ends_provocation"].sum() == 0
    # stated: cease-fires under a strike policy are shorter when strikes provoke
    assert (with_prov["ceasefire_mean_length"].mean()
            < no_prov["ceasefire_mean_length"].mean())


def test_a_collapsed_group_stays_inactive(medium: KnowledgeGraph) -> None:
    _ended_groups_stay_inactive(medium)


def test_ended_groups_stay_inactive_on_the_bundled_scenarios(
        bundled_scenario: KnowledgeGraph) -> None:
    _ended_groups_stay_inactive(bundled_scenario)


def _ended_groups_stay_inactive(kg: KnowledgeGraph) -> None:
    # Cohesion below 0.95 counts as weak and the hazard is high: groups collapse early, and
    # decapitation keeps killing leaders (splinter slots of ended groups are never reused).
    res = simulate(kg, "decapitation", runs=50, weeks=40, seed=1,
                   params={"collapse_cohesion": 1.0, "collapse_rate": 3.0},
                   record=["group_attacks", "military", "funds", "ceasefire", "groups_alive"])
    assert res.weekly is not None
    end = res.summary[[c for c in res.summary.columns if c.startswith("end_week_")]]
    assert end.notna().to_numpy().mean() > 0.9
    ids = [c.removeprefix("end_week_") for c in end.columns]
    for gid in ids:
        weeks = res.summary[f"end_week_{gid}"].to_numpy()
        kinds = res.summary[f"end_kind_{gid}"].to_numpy()
        assert set(np.unique(kinds[~np.isnan(weeks)])) <= {1.0, 2.0, 3.0}
        for r, w in enumerate(weeks):
            if np.isnan(w):
                continue
            after = np.s_[r, int(w) + 1:]  # the week it ends still has its attacks
            for var in ("group_attacks", "military", "funds", "ceasefire"):
                assert not res.weekly[var].sel(group=gid).values[after].any(), (gid, var)
            splinter = res.weekly["military"].sel(group=f"{gid}~splinter").values
            born = np.flatnonzero(splinter[r] > 0)
            assert not (born.size and born[0] > w), gid  # no splinter of an ended group
    alive = res.weekly["groups_alive"].values
    assert (np.diff(alive, axis=1)[:, 5:] <= 0).all()  # no slot comes back to life


def test_merger_passes_fighters_to_the_ally(tmp_path: Path) -> None:
    # dom-3 (small) coordinates with dom-1 (large): a merger moves its fighters to dom-1.
    doc = medium_document()
    doc["ties"].append({"type": "allied_with", "from": "dom-3", "to": "dom-1", "weight": 1.0,
                        "sources": ["src-a"]})
    kg = KnowledgeGraph.load(str(write_yaml(tmp_path / "allied.yaml", doc)))
    params = {"merger_rate": 5.0, "merger_ratio": 0.3}
    kw: dict[str, Any] = {"runs": 20, "weeks": 6, "seed": 3, "record": ["military"]}
    on = simulate(kg, "status-quo", params=params, mechanisms=off("collapse"), **kw)
    ref = simulate(kg, "status-quo", params=params,
                   mechanisms=off("collapse", "merger"), **kw)
    assert on.weekly is not None and ref.weekly is not None
    assert (on.summary["end_kind_dom-3"] == 2).mean() > 0.9
    merged = on.summary["end_week_dom-3"].to_numpy() == 0
    mil_on, mil_ref = on.weekly["military"].values, ref.weekly["military"].values
    # week 0 is recorded after the step: mergers move fighters, they neither make nor lose any
    np.testing.assert_allclose(mil_on[merged, 0].sum(axis=1), mil_ref[merged, 0].sum(axis=1),
                               rtol=1e-5)
    assert (on.weekly["military"].sel(group="dom-3").values[merged, 0] == 0).all()
    gain = (on.weekly["military"].sel(group="dom-1").values[merged, 0]
            - ref.weekly["military"].sel(group="dom-1").values[merged, 0])
    small = ref.weekly["military"].sel(group="dom-3").values[merged, 0]
    assert (gain >= small * (1 - 1e-5)).all()


def test_derisking_lets_sanctions_reach_informal_money(medium: KnowledgeGraph) -> None:
    kw: dict[str, Any] = {"runs": 100, "weeks": 52, "seed": 8}
    cut = {}
    for share in (0.0, 0.5):
        sanc = simulate(medium, "sanctions", params={"derisking_share": share}, **kw).summary
        sq = simulate(medium, "status-quo", params={"derisking_share": share}, **kw).summary
        cut[share] = 1 - sanc["revenue_total"].mean() / sq["revenue_total"].mean()
    assert cut[0.5] > cut[0.0] + 0.01  # stated: at least a point more of revenue cut
    off_ = simulate(medium, "sanctions", mechanisms=off("derisking"), **kw).summary
    zero = simulate(medium, "sanctions", params={"derisking_share": 0.0}, **kw).summary
    pd.testing.assert_series_equal(off_["revenue_total"], zero["revenue_total"])


def test_strikes_on_host_soil_turn_the_host_against_the_foreign_force(tmp_path: Path) -> None:
    doc = medium_document()
    doc["scenario"]["country"] = "IQ"  # groups without a country are based in the host
    kg = KnowledgeGraph.load(str(write_yaml(tmp_path / "host.yaml", doc)))
    kw: dict[str, Any] = {"runs": 100, "weeks": 104, "seed": 6,
                          "params": {"pressure_gain": 0.3, "presence_response": 0.1}}
    on = simulate(kg, "strikes", **kw).summary
    assert on["presence_final"].mean() < 0.95  # stated: presence negotiated down by 5%+
    no = simulate(kg, "strikes", mechanisms=off("sovereignty"), **kw).summary
    assert (no["presence_final"] == 1).all() and (no["host_pressure_final"] == 0).all()
    assert on["attacks"].mean() < no["attacks"].mean()  # a smaller presence draws fewer
    calm = simulate(kg, "status-quo", **kw).summary  # one round of strikes, in Feb 2024
    assert calm["presence_final"].mean() > on["presence_final"].mean()


def test_a_lever_with_nothing_to_act_on_warns(tmp_path: Path) -> None:
    from armednet.sim.policy import LeverWarning

    doc = medium_document()
    del doc["series"]  # no regional trigger
    kg = KnowledgeGraph.load(str(write_yaml(tmp_path / "calm.yaml", doc)))
    with pytest.warns(LeverWarning, match="diplomacy lever"):
        res = simulate(kg, "diplomacy", runs=2, weeks=4)
    assert any("diplomacy" in w for w in res.metadata["warnings"])
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverWarning)
        simulate(kg, "strikes", runs=2, weeks=4)  # strikes have targets: no warning


def test_prior_draws_stay_in_range_and_depend_on_the_run_only() -> None:
    from armednet.sim.params import PARAMETERS, draw_prior

    a = draw_prior(np.arange(200), seed=3)
    b = draw_prior(np.arange(100, 200), seed=3)
    for name, p in PARAMETERS.items():
        assert ((a[name] >= p.low) & (a[name] <= p.high)).all(), name
        np.testing.assert_array_equal(a[name][100:], b[name])
