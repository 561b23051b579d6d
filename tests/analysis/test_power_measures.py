"""Embeddedness, capture, sanction exposure and the key-actor report on a handmade graph."""

from __future__ import annotations

import pytest

from armednet.analysis import (
    capture_index,
    group_capture,
    key_actor_report,
    revenue_channels,
    sanction_exposure,
    state_capture,
    state_embeddedness,
)
from armednet.errors import InputError
from tests.analysis.handmade import hand_graph


def test_embeddedness_by_hand() -> None:
    row = state_embeddedness(hand_graph()).loc["grp"]
    assert row["ties"] == 10
    assert row["state_ties"] == 5
    assert row["share"] == pytest.approx(0.5)
    assert row["weight"] == pytest.approx(4.5)
    assert row["weight_share"] == pytest.approx(4.5 / 9.0)
    assert (row["direct"], row["via_leaders"], row["via_wings"]) == pytest.approx((2, 1.5, 1))
    assert (row["institutions"], row["judiciary"], row["civil_service"], row["parties"]) == \
        pytest.approx((2, 0.5, 1, 1))


def test_embeddedness_unknown_group_names_close_ids() -> None:
    with pytest.raises(InputError, match="grp"):
        state_embeddedness(hand_graph(), groups=["gpr"])


def test_capture_by_hand() -> None:
    kg = hand_graph()
    table = capture_index(kg)
    assert table.loc["min", "captured_share"] == pytest.approx(0.3)
    assert table.loc["jud", "captured_share"] == pytest.approx(0.2)
    assert table.loc["cs", "captured_budget"] == pytest.approx(0.15)
    assert table.loc["cs", "groups"] == "grp"
    assert list(table.index[:1]) == ["cs"]
    assert state_capture(kg) == pytest.approx(0.23)
    assert group_capture(kg)["grp"] == pytest.approx(0.23)


def test_capture_caps_at_whole_institution() -> None:
    from armednet.kb import KnowledgeGraph
    from armednet.kb.schema import Scenario
    from tests.analysis.handmade import _t, hand_document

    doc = hand_document()
    doc["ties"].append(_t("integrated_into", "grp", "min", share=0.9))
    kg = KnowledgeGraph(Scenario.model_validate(doc))
    assert capture_index(kg).loc["min", "captured_share"] == pytest.approx(1.0)
    assert state_capture(kg) == pytest.approx(0.2 + 0.02 + 0.15)


def test_sanction_exposure_by_hand() -> None:
    kg = hand_graph()
    row = sanction_exposure(kg).loc["grp"]
    assert row["revenue"] == pytest.approx(100.5)
    assert row["sanctionable"] == pytest.approx(20)
    assert row["state_budget"] == pytest.approx(50)
    assert row["patron"] == pytest.approx(30)
    assert row["other"] == pytest.approx(0.5)
    assert row["exposure"] == pytest.approx(20 / 100.5)
    assert row["channels"] == 4
    ch = revenue_channels(kg).set_index("payer")
    assert ch.loc["co", "payee"] == "party"
    assert not ch.loc["co", "has_amount"]


def test_key_actor_report_is_tidy_and_ranked() -> None:
    report = key_actor_report(hand_graph(), top=3)
    assert list(report.columns) == ["measure", "scope", "rank", "node", "name", "type",
                                    "layer", "value"]
    top_in = report[(report.measure == "degree_in") & (report.scope == "all")]
    assert top_in.iloc[0][["node", "value"]].tolist() == ["grp", 6.0]
    persons = report[(report.measure == "degree_out") & (report.scope == "person")]
    assert persons["node"].tolist() == ["ldr", "cmdr"]
    assert persons["value"].tolist() == [3.0, 1.0]
    assert (report.groupby(["measure", "scope"]).size() <= 3).all()
    assert set(report.measure) >= {"betweenness", "closeness", "pagerank", "eigenvector",
                                   "kcore", "brokerage", "cross_layer_brokerage"}
