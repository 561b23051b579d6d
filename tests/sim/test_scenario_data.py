"""What was Iraq-shaped in the engine is scenario data: a dated campaign start, the target
(bases or shipping) with its host, and the national budget."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from armednet.kb.graph import KnowledgeGraph
from armednet.sim import simulate
from armednet.sim.init import build_inputs
from tests.factories import write_yaml
from tests.sim.scenarios import medium_document


def _kg(tmp_path, doc):
    return KnowledgeGraph.load(str(write_yaml(tmp_path / "s.yaml", doc)))


def load_bundled(name):
    return KnowledgeGraph.load(name)


def test_red_sea_campaign_starts_on_its_stated_day():
    kg = load_bundled("red-sea-2024")
    inp = build_inputs(kg, 30)
    h = inp.group_ids.index("houthis")
    # 19 Nov 2023 is in week 7 of a scenario starting 2 Oct 2023 (first full week: 8)
    assert inp.campaign_from[h] == 7
    res = simulate(kg, "status-quo", runs=200, weeks=30, seed=1, record=["attacks"])
    weekly = np.asarray(res.weekly["attacks"].values)
    assert weekly[:, :7].sum() == 0
    assert weekly[:, 8:].sum() > 0


def test_since_moves_the_first_attack(tmp_path):
    doc = medium_document()
    late = copy.deepcopy(doc)
    for n in late["nodes"]:
        if n.get("type") == "armed_group":
            n["group"]["campaign"]["since"] = "2023-12-04"  # 9 weeks after the start
    early = simulate(_kg(tmp_path, doc), "status-quo", runs=100, weeks=20, seed=3,
                     record=["attacks"])
    (tmp_path / "b").mkdir()
    later = simulate(_kg(tmp_path / "b", late), "status-quo", runs=100, weeks=20, seed=3,
                     record=["attacks"])
    a = np.asarray(early.weekly["attacks"].values)
    b = np.asarray(later.weekly["attacks"].values)
    assert a[:, :9].sum() > 0 and b[:, :9].sum() == 0
    assert b[:, 9:].sum() > 0


def test_shipping_has_no_host_so_sovereignty_acts_on_nothing():
    kg = load_bundled("red-sea-2024")
    assert kg.scenario.scenario.target == "shipping" and kg.scenario.scenario.host is None
    inp = build_inputs(kg, 10)
    assert not inp.extra["sovereignty"]["host_based"].any()
    assert any(n.startswith("sovereignty:") for n in inp.notes)
    res = simulate(kg, "strikes", runs=50, weeks=60, seed=0)
    assert (res.summary["presence_final"] == 1.0).all()
    iraq = load_bundled("iraq-2024")
    assert iraq.scenario.scenario.host == "IQ"
    assert build_inputs(iraq, 10).extra["sovereignty"]["host_based"].any()


@pytest.mark.parametrize("budget", [None, 4000.0])
def test_stated_national_budget_overrides_the_parameter(tmp_path, budget):
    doc = medium_document()
    if budget is not None:
        doc["scenario"]["national_budget"] = {"value": budget, "low": budget / 2,
                                              "high": budget * 2}
    kg = _kg(tmp_path, doc)
    inp = build_inputs(kg, 4)
    stated = inp.extra["state_rents"]["national_budget"]
    assert (np.isnan(stated) if budget is None else stated == budget)
    runs = {b: simulate(kg, "status-quo", runs=20, weeks=20, seed=0,
                        params={"national_budget": b}).summary["funds_final"].to_numpy()
            for b in (100000.0, 200000.0)}
    if budget is None:  # the parameter decides the rents
        assert (runs[200000.0] > runs[100000.0]).all()
    else:  # the scenario's figure does
        np.testing.assert_array_equal(runs[200000.0], runs[100000.0])


def test_trigger_series_is_named_by_the_scenario(tmp_path):
    from armednet.errors import InputError

    doc = medium_document()
    doc["series"].append({"id": "other", "description": "x", "unit": "index 0..1",
                          "interpolation": "step", "sources": ["src-a"],
                          "points": [{"date": "2023-10-02", "value": 0.25,
                                      "sources": ["src-a"]}]})
    doc["scenario"]["trigger_series"] = "other"
    inp = build_inputs(_kg(tmp_path, doc), 4)
    np.testing.assert_allclose(inp.tau, 0.25)
    doc["scenario"]["trigger_series"] = "othr"
    (tmp_path / "b").mkdir()
    with pytest.raises(InputError, match="did you mean other"):
        build_inputs(_kg(tmp_path / "b", doc), 4)
