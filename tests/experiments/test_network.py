"""Uncertainty about the network itself: each world runs on a plausible variant of the
scenario; chunks are grouped by variant; the analysis gives the network's share of each
outcome's variance and the ties that matter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.experiments.analyze import analyze_experiment, uncertainty_of
from armednet.experiments.design import NETWORK
from armednet.experiments.evaluate import evaluate_chunk
from armednet.experiments.runner import plan_experiment, run_experiment
from armednet.experiments.spec import ExperimentSpec
from armednet.experiments.store import open_store

SPEC = {
    "name": "net", "weeks": 20, "seed": 4, "levers": ["status-quo"],
    "design": {"method": "sobol", "n": 8}, "network": {"variants": 4},
    "uncertainties": [{"name": "attack_base_rate", "low": 0.05, "high": 0.5},
                      {"name": "rent_rate", "low": 0.005, "high": 0.1}],
    "outcomes": [{"name": "attacks", "variable": "attacks"},
                 {"name": "capture", "variable": "capture_final", "aggregation": "summary"}],
    "record": ["attacks"],
}


def spec(**kw: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate({**SPEC, **kw})


def test_chunks_hold_one_variant_and_runs_use_it() -> None:
    from armednet.kb.uncertainty import network_variant
    from armednet.sim.engine import simulate

    plan = plan_experiment(spec())
    variant = plan.design.values[NETWORK].to_numpy()
    assert sorted({int(v) for v in variant}) == sorted(set(range(4)) & set(variant.tolist()))
    seen = np.concatenate([t.point_ids() for t in plan.tasks])
    assert sorted(seen.tolist()) == list(range(plan.design.n_points))  # each point once
    for t in plan.tasks:
        assert t.variant is not None and len(set(t.variant.tolist())) == 1
    task = plan.tasks[0]
    rows = evaluate_chunk(task).outcomes
    v = int(task.variant[0])
    ref = simulate(network_variant(plan.kg, v, 4), "status-quo", runs=task.n_runs, weeks=20,
                   seed=4, streams=task.streams(),
                   params={n: task.design[:, j] for j, n in enumerate(task.names)})
    got = rows[rows.outcome == "capture"]["value"].to_numpy()
    np.testing.assert_array_equal(got, ref.summary["capture_final"].to_numpy())


def test_network_analysis_share_and_ties(tmp_path: Path) -> None:
    db = tmp_path / "n.duckdb"
    eid = run_experiment(spec(), db, evaluator="sequential")
    again = run_experiment(spec(chunk_points=3), tmp_path / "m.duckdb", evaluator="sequential")
    with open_store(db) as s:
        res = analyze_experiment(s, eid)
        out = s.outcomes(eid)
    with open_store(tmp_path / "m.duckdb", read_only=True) as s:
        pd.testing.assert_frame_equal(out, s.outcomes(again))  # chunking changes nothing
    assert "on 4 plausible networks" in res["uncertainty"]["label"]
    net = res["network"]
    assert net["variants"] == 4 and net["uncertain_ties"] > 0
    assert net["method"].startswith("paired")
    rec = net["outcomes"]["capture"]
    assert rec["share"]["kind"] == "total" and rec["share"]["estimate"] is not None
    sobol_rows = {r["parameter"]: r for r in res["sobol"]["outcomes"]["capture"]["indices"]}
    assert rec["share"]["estimate"] == pytest.approx(sobol_rows[NETWORK]["ST"])
    for t in rec["ties"]:
        assert {"tie", "pairs", "effect", "se", "t", "p", "flag"} <= set(t)


def test_network_in_a_latin_hypercube(tmp_path: Path) -> None:
    s = spec(design={"method": "lhs", "n": 16})
    assert uncertainty_of(s)["kind"] == "prior"
    db = tmp_path / "l.duckdb"
    eid = run_experiment(s, db, evaluator="sequential")
    with open_store(db) as st:
        res = analyze_experiment(st, eid)
    rec = res["network"]["outcomes"]["attacks"]
    assert rec["share"]["kind"] == "first-order"
    assert res["network"]["method"].startswith("unpaired")
    assert "sobol" not in res


def test_uncertainty_labels() -> None:
    base = {"name": "x", "levers": ["status-quo"],
            "outcomes": [{"name": "a", "variable": "attacks"}]}
    none = ExperimentSpec.model_validate({**base, "design": {"method": "baseline"}})
    assert uncertainty_of(none) == {"kind": "none",
                                    "label": "random draws at fixed parameters"}
    post = ExperimentSpec.model_validate({**base, "posterior": "p.parquet"})
    assert uncertainty_of(post)["kind"] == "posterior"


def test_a_variant_can_draw_ties_or_estimates_alone() -> None:
    from armednet.experiments.evaluate import _variant_graph
    from armednet.kb import KnowledgeGraph
    from armednet.kb.uncertainty import network_variant

    kg = KnowledgeGraph.load()
    js = kg.scenario.model_dump_json(by_alias=True)
    both = network_variant(kg, 2, 9)
    ties = _variant_graph(kg.hash, js, 2, 9, "ties")
    est = _variant_graph(kg.hash, js, 2, 9, "estimates")
    assert [t.model_dump() for t in ties.scenario.ties] != [t.model_dump() for t in
                                                            kg.scenario.ties]
    assert len(ties.scenario.ties) == len(both.scenario.ties) < len(kg.scenario.ties)
    assert ties.scenario.nodes == kg.scenario.nodes  # estimates as stated
    assert len(est.scenario.ties) == len(kg.scenario.ties)
    assert est.scenario.nodes == both.scenario.nodes  # the same draws of the estimates
    assert _variant_graph(kg.hash, js, 2, 9, "both").hash == both.hash
