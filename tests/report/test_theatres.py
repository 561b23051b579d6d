"""The report's Theatres section from a generated database: a comparison of every preset in
both bundled theatres (30 runs), a network what-if (30 runs) and a made-up joint
calibration over the theatres."""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from markupsafe import escape

from armednet.experiments.store import open_store
from armednet.kb import KnowledgeGraph
from armednet.report.html import SECTIONS, WHATIF_CAVEAT, build_report, render_report
from tests.report.fakes import joint_calibration_record, make_theatres_db


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("theatres") / "results.duckdb"
    return db, make_theatres_db(db, runs=30)


@pytest.fixture(scope="module")
def section(stored: tuple[Path, dict[str, Any]],
            tmp_path_factory: pytest.TempPathFactory) -> str:
    out = build_report(tmp_path_factory.mktemp("out") / "report.html", db=stored[0])
    text = out.read_text(encoding="utf-8")
    found = re.findall(r'<section id="([a-z-]+)">', text)
    # a database with the theatres alone: the scenario, the theatres, methods, appendix
    assert found == ["scenario", "key-actors", "theatres", "methods", "appendix"]
    assert found == [s for s in SECTIONS if s in found]
    m = re.search(r'<section id="theatres">(.*?)</section>', text, re.S)
    assert m
    return m.group(1)


def _csv(body: str, table_id: str) -> list[dict[str, str]]:
    m = re.search(rf'<table id="{re.escape(table_id)}">.*?</table>.*?<a class="csv-download" '
                  r'download="[^"]+" href="data:text/csv;charset=utf-8,([^"]+)"', body, re.S)
    assert m, f"no CSV link under {table_id}"
    return list(csv.DictReader(io.StringIO(unquote(m.group(1)))))


def _plot(body: str, div_id: str) -> list[dict[str, Any]]:
    m = re.search(rf'Plotly\.newPlot\(\s*"{re.escape(div_id)}",\s*(\[.*?\]),\s*\{{', body, re.S)
    assert m, f"no figure {div_id}"
    return list(json.loads(m.group(1)))


def test_a_table_per_policy_with_effects_and_their_csv(
        section: str, stored: tuple[Path, dict[str, Any]]) -> None:
    rec = stored[1]
    att = {(r["scenario"], r["policy"]): r for r in rec["table"] if r["outcome"] == "attacks"}
    policies = list(dict.fromkeys(r["policy"] for r in rec["table"]))
    assert policies[0] == "status-quo" and len(policies) > 3
    for policy in policies[1:]:
        rows = _csv(section, f"theatres-{policy}")
        assert [r["theatre"] for r in rows] == ["iraq-2024", "red-sea-2024"]
        for row in rows:
            want = att[(row["theatre"], policy)]
            base = att[(row["theatre"], "status-quo")]
            assert float(row["attacks: median"]) == pytest.approx(want["median"])
            assert float(row["status quo median"]) == pytest.approx(base["median"])
            assert float(row["effect: median"]) == pytest.approx(want["effect"])
            assert float(row["effect 5%"]) == pytest.approx(want["effect_low"])
            assert float(row["effect 95%"]) == pytest.approx(want["effect_high"])
            assert float(row["relative effect (%)"]) == pytest.approx(100 * want["relative"])
    assert 'id="theatres-status-quo"' not in section  # its effect is 0 by construction
    # every outcome, policy and theatre in one download
    assert len(_csv(section, "theatres-all")) == len(rec["table"])
    assert "common random numbers" in section and "30 runs per theatre" in section


def test_small_multiples_one_panel_per_theatre_on_one_axis(
        section: str, stored: tuple[Path, dict[str, Any]]) -> None:
    traces = _plot(section, "theatres-effects")
    assert [t["name"] for t in traces] == ["iraq-2024", "red-sea-2024"]
    assert len({t["xaxis"] for t in traces}) == 2  # one panel each
    att = {(r["scenario"], r["policy"]): r for r in stored[1]["table"]
           if r["outcome"] == "attacks"}
    for t in traces:
        assert "status-quo" not in t["y"]
        for policy, x in zip(t["y"], t["x"], strict=True):
            assert x == pytest.approx(att[(t["name"], policy)]["effect"])
    figure = section.split('"theatres-effects"', 1)[1].split('"displaylogo"', 1)[0]
    assert '"matches":"x"' in figure.replace(" ", "")  # the panels share the effect axis


def test_whatif_table_says_it_is_a_whatif_on_the_model(
        section: str, stored: tuple[Path, dict[str, Any]]) -> None:
    rows = _csv(section, "theatres-whatif")
    want = stored[1]["whatif"]
    assert [r["property"] for r in rows] == [w["property"] for w in want]
    for row, w in zip(rows, want, strict=True):
        assert float(row["change"]) == pytest.approx(w["change"])
        assert float(row["effect after"]) == pytest.approx(w["effect_after"])
    assert str(escape(WHATIF_CAVEAT)) in section
    assert "not a causal estimate" in section and "assumptions" in section


def test_joint_calibration_parameters_patterns_statements_and_fans(section: str) -> None:
    joint = joint_calibration_record()
    post = _csv(section, "theatres-posterior")
    assert [r["parameter"] for r in post] == [r["parameter"] for r in
                                              joint["posterior_summary"]]
    assert post[0]["kind"] == "shared" and post[2]["kind"] == "theatre's reporting factor"
    assert float(post[1]["prior high"]) == 30.0
    assert len(_csv(section, "theatre-0-patterns")) == 2
    stmts = _csv(section, "theatre-1-statements")
    assert [r["inside"] for r in stmts] == ["True", "True", "False"]
    assert "<td>cmf-houthi</td>" in section
    assert "<b>67%</b> inside" in section
    for i, th in enumerate(joint["theatres"]):
        traces = _plot(section, f"theatre-{i}-forecast")
        assert [t["name"] for t in traces] == ["90% band", "50% band", "median"]
        assert traces[2]["y"] == pytest.approx([r["median"] for r in th["forecast"]["weekly"]])
        assert f"cut-off {th['cutoff']}" in section
        assert (f"only data up to {th['cutoff']} entered the fit") in section
    assert section.count("It was made without data after the cut-off") == 2


def test_everything_is_escaped() -> None:
    evil = "<script>alert('x')</script>"
    cmp = {"table": [
        {"scenario": evil, "policy": p, "outcome": "attacks", "median": 10.0, "low": 5.0,
         "high": 20.0, "effect": e, "effect_low": e - 1, "effect_high": e + 1,
         "relative": e / 10, "p_lower": 0.5} for p, e in (("status-quo", 0.0),
                                                          ("strikes", -3.0))],
        "whatif": [{"property": evil, "unit": "u", "base_value": 1.0, "donor_value": 2.0,
                    "moved_value": 2.0, "effect_before": -1.0, "effect_before_low": -2.0,
                    "effect_before_high": 0.0, "effect_after": -2.0,
                    "effect_after_low": -3.0, "effect_after_high": -1.0, "change": -1.0,
                    "relative_before": -0.1, "relative_after": -0.2, "attacks_before": 9.0,
                    "attacks_after": 8.0, "how": evil}],
        "metadata": {"runs": 4, "seed": 0, "params": {evil: evil},
                     "warnings": {evil: {"strikes": [evil]}}}}
    joint = copy.deepcopy(joint_calibration_record())
    joint["theatres"][1]["scenario"] = evil
    joint["theatres"][1]["statements"][0]["series_id"] = evil
    joint["scenarios"] = [evil]
    text = render_report(KnowledgeGraph.load(), theatres=cmp, theatre_calibration=joint)
    body = re.search(r'<section id="theatres">(.*?)</section>', text, re.S)
    assert body
    assert "<script>alert" not in body.group(1)
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body.group(1)


def test_joint_calibration_alone(tmp_path: Path) -> None:
    db = tmp_path / "joint.duckdb"
    with open_store(db) as store:
        store.save_analysis("calibration-theatres", "latest", joint_calibration_record())
    text = build_report(tmp_path / "r.html", db=db).read_text(encoding="utf-8")
    body = re.search(r'<section id="theatres">(.*?)</section>', text, re.S)
    assert body and 'id="theatres-none"' in body.group(1)
    assert "armednet compare-theatres --db DB" in body.group(1)
    assert 'id="theatres-posterior"' in body.group(1)
