"""The HTML report is one self-contained file with every section whose data exist."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from armednet.experiments.store import ChunkRows, open_store
from armednet.kb import KnowledgeGraph
from armednet.report.html import build_report, render_report
from tests.factories import tiny_document, write_yaml


def _store(tmp_path, scenario_path) -> str:
    kg = KnowledgeGraph.load(str(scenario_path))
    db = tmp_path / "r.duckdb"
    rng = np.random.default_rng(0)
    spec = {"name": "t", "scenario": str(scenario_path), "levers": [{"name": "status-quo"},
            {"name": "strikes"}], "outcomes": [{"name": "attacks", "variable": "attacks"}]}
    with open_store(db) as s:
        s.register({"experiment_id": "t-1", "name": "t", "spec": __import__("json").dumps(spec),
                    "scenario_id": "tiny", "scenario_hash": kg.hash, "package_version": "0",
                    "seed": 3, "design_method": "lhs", "n_points": 10, "n_policies": 2,
                    "replications": 1, "weeks": 12, "n_chunks": 2, "params": "{}",
                    "created": dt.datetime.now()},
                   pd.DataFrame({"point": range(10), "name": "x", "unit": 0.5, "value": 1.0}))
        for chunk, policy in enumerate(["status-quo", "strikes"]):
            series = rng.poisson(3 + chunk, size=(10, 12)).astype(float)
            out = pd.DataFrame({"point": range(10), "policy": policy, "replication": 0,
                                "outcome": "attacks", "value": series.sum(axis=1)})
            traj = pd.DataFrame({"point": range(10), "policy": policy, "replication": 0,
                                 "variable": "attacks", "values": list(series)})
            s.commit_chunk("t-1", chunk, policy, (0, 10), ChunkRows(out, traj, 0.0, "w"))
        s.save_analysis("t-1", "summary", {
            "baseline": "status-quo",
            "comparison": [{"outcome": "attacks", "policy": p, "n": 10, "mean": 1.0,
                            "median": 1.0, "low": 0.0, "high": 2.0}
                           for p in ("status-quo", "strikes")],
            "versus": [{"outcome": "attacks", "policy": "strikes", "versus": "status-quo",
                        "p_better": 0.2, "low": 0.1, "high": 0.4}],
            "claims": [{"id": "C1", "title": "Strikes bring short cease-fires", "share": 0.4,
                        "low": 0.3, "high": 0.5, "definition": "d",
                        "fails_box": {"limits": {"x": [0.1, 0.3]}, "coverage": 0.6,
                                      "density": 0.9}}],
        })
    return str(db)


def test_report_is_self_contained_with_sections(tmp_path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", tiny_document())
    db = _store(tmp_path, path)
    out = build_report(tmp_path / "out" / "report.html", db=db)
    text = out.read_text(encoding="utf-8")
    for sid in ("scenario", "comparison", "claims", "appendix"):
        assert f'<section id="{sid}">' in text
    assert 'id="fan-attacks"' in text and 'id="network"' in text
    # No external resources: no script or stylesheet loaded from anywhere.
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=['\"]https?:", text)
    assert "Plotly" in text and "C1" in text and "x in [0.1, 0.3]" in text
    assert "t-1" in text and KnowledgeGraph.load(str(path)).hash in text
    assert not list((tmp_path / "out").glob("*.tmp"))


def test_report_of_scenario_alone(tmp_path) -> None:
    path = write_yaml(tmp_path / "tiny.yaml", tiny_document())
    text = render_report(KnowledgeGraph.load(str(path)))
    assert '<section id="scenario">' in text and '<section id="comparison">' not in text
