"""Measures over time on the tiny factory scenario; the synthetic generator is valid."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from armednet.analysis import detect_communities, diff, measures_over_time, synthetic_graph
from armednet.analysis.period import OutsideWindowWarning
from armednet.analysis.synthetic import TYPE_MIX, synthetic_document
from armednet.errors import InputError
from armednet.kb import KnowledgeGraph, load_scenario
from tests.factories import write_yaml


def test_measures_over_time_and_diff(tiny_path: Path) -> None:
    kg = KnowledgeGraph.load(str(tiny_path))
    with pytest.warns(OutsideWindowWarning, match="2023-01-01"):  # before the scenario
        over = measures_over_time(kg, ["2023-01-01", "2024-03-01"])
    assert list(over.index) == [dt.date(2023, 1, 1), dt.date(2024, 3, 1)]
    assert over["command_reach"].tolist() == [1.0, 0.0]  # leader-a gone after 2024-02-07
    with pytest.warns(OutsideWindowWarning):
        d = diff(kg, "2023-01-01", "2024-03-01")
    assert d.removed_nodes == ("leader-a",)
    assert d.added_ties == ("bank--sanctioned_by--us",)
    assert d.removed_ties == ("leader-a--leads--group-a",)  # the attacks span is inside
    assert d.network.loc["command_reach", "delta"] == -1.0
    assert d.groups.loc["group-b", "state_capture_start"] == pytest.approx(0.04)


def test_bad_date_is_input_error(tiny_path: Path) -> None:
    with pytest.raises(InputError):
        measures_over_time(KnowledgeGraph.load(str(tiny_path)), ["2024-13-01"])


def test_synthetic_is_valid_seeded_and_mixed(tmp_path: Path) -> None:
    doc = synthetic_document(150, seed=4)
    sc = load_scenario(write_yaml(tmp_path / "syn.yaml", doc))  # full cross-checks
    assert len(sc.nodes) == 150
    assert 700 <= len(sc.ties) <= 750
    assert synthetic_document(150, seed=4) == doc
    types = {t for t in TYPE_MIX}
    assert {n.type for n in sc.nodes} == types


def test_communities_are_seeded_and_cover_all_nodes() -> None:
    kg = synthetic_graph(120, seed=5)
    a = detect_communities(kg, seed=1)
    assert a.equals(detect_communities(kg, seed=1))
    assert len(a) == 120 and a.min() == 0
    b = detect_communities(kg, method="louvain", seed=1)
    assert b.equals(detect_communities(kg, method="louvain", seed=1))
    assert a.value_counts().iloc[0] >= a.value_counts().iloc[-1]
