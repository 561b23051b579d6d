"""Every section of the report from a real (small) experiment and a calibration record,
the command line, and the report opened offline in Chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from armednet.errors import InputError
from armednet.experiments.store import open_store
from armednet.kb import KnowledgeGraph
from armednet.report.html import SECTIONS, build_report, prim_rows, render_report
from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.report.browser import browser, page  # noqa: F401  (shared fixtures)
from tests.report.fakes import calibration_record, make_results_db


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    return make_results_db(tmp_path_factory.mktemp("report") / "results.duckdb")


@pytest.fixture(scope="module")
def report(results: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_report(tmp_path_factory.mktemp("out") / "report.html", db=results[0])


def _section(text: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}">(.*?)</section>', text, re.S)
    assert m, f"no section {sid}"
    return m.group(1)


def test_every_section_in_order(report: Path, results: tuple[Path, str]) -> None:
    text = report.read_text(encoding="utf-8")
    found = re.findall(r'<section id="([a-z-]+)">', text)
    assert found == [s for s in SECTIONS if s != "theatres"]  # no theatres stored
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert text.count("<script type='text/javascript'>") == 1  # plotly.js, once


def test_scenario_network_and_key_actors(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    body = _section(text, "scenario")
    assert 'id="network"' in body and "69 actors" in body and "betweenness" in body
    actors = _section(text, "key-actors")
    assert 'id="key-actors"' in actors and "Kataib Hezbollah" in actors


def test_comparison_fan_chart_medians_come_from_the_runs(report: Path,
                                                         results: tuple[Path, str]) -> None:
    from armednet.report.figures import fan_quantiles

    text = report.read_text(encoding="utf-8")
    body = _section(text, "comparison")
    for part in ('id="fan-attacks"', 'id="comparison-table"', 'id="distributions"',
                 "Probability of doing better than status-quo", "Regret"):
        assert part in body
    with open_store(results[0], read_only=True) as store:
        traj = store.trajectories(results[1], "attacks")
    sq = np.stack(traj[traj.policy == "status-quo"]["values"].to_list())
    meta = KnowledgeGraph.load().scenario.scenario
    weeks = np.array([np.datetime64(str(meta.start)) + np.timedelta64(7 * i, "D")
                      for i in range(sq.shape[1])])
    inside = weeks <= np.datetime64(str(meta.end))
    expected = fan_quantiles(sq)["median"][inside]  # clipped to the scenario's window
    traces = _fan_traces(body)
    line = next(t for t in traces if t.get("name") == "status-quo")
    np.testing.assert_allclose(_values(line["y"]), expected)
    assert line["x"][0] == str(meta.start) and line["x"][-1] <= str(meta.end)


def _fan_traces(body: str) -> list[dict[str, Any]]:
    import json

    # the figure's JSON is inlined
    figure = re.search(r'Plotly.newPlot\(\s*"fan-attacks",\s*(\[.*?\]),\s*(\{.*?\})\s*,'
                       r'\s*\{"displaylogo"', body, re.S)
    assert figure
    traces: list[dict[str, Any]] = json.loads(figure.group(1))
    traces[0]["__layout__"] = json.loads(figure.group(2))
    return traces


def _values(y: Any) -> np.ndarray:
    if isinstance(y, dict):  # plotly's typed-array encoding
        import base64

        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=np.dtype(y["dtype"]))
    return np.asarray(y, dtype=float)


def test_fan_panels_one_per_policy_inside_the_scenario_window(report: Path) -> None:
    meta = KnowledgeGraph.load().scenario.scenario
    start, end = str(meta.start), str(meta.end)
    traces = _fan_traces(_section(report.read_text(encoding="utf-8"), "comparison"))
    layout = traces[0].pop("__layout__")
    medians = [t for t in traces if not t["name"].endswith("%")]
    policies = {t["name"] for t in medians} - {"status-quo"}
    assert len(policies) >= 2
    axes = {t.get("xaxis", "x") for t in medians}
    assert len(axes) == len(policies)  # one panel per policy
    for ax in axes:  # each panel shows the status quo beside its policy
        names = [t["name"] for t in medians if t.get("xaxis", "x") == ax]
        assert "status-quo" in names and len(names) == 2
        key = "xaxis" + ax[1:]
        assert layout[key]["range"] == [start, end]
    top = max(float(_values(t["y"]).max()) for t in traces)
    assert layout["yaxis"]["range"][0] == 0 and layout["yaxis"]["range"][1] >= top
    for t in traces:
        assert all(start <= x <= end for x in t["x"]), t["name"]


def test_claims_prim_and_sensitivity(report: Path, results: tuple[Path, str]) -> None:
    text = report.read_text(encoding="utf-8")
    with open_store(results[0], read_only=True) as store:
        analysis = store.analysis(results[1], "summary")
    claims = _section(text, "claims")
    # a tested and an assumed table (one row per claim between them, two headers) and the
    # data's tests when the shared data folder is there
    data_rows = sum(len([t for t in c.get("data", []) if "summary" in t])
                    for c in analysis["claims"])
    assert claims.count("<tr>") == len(analysis["claims"]) + 2 + (data_rows + 1 if data_rows
                                                                   else 0)
    c1 = next(c for c in analysis["claims"] if c["id"] == "C1")
    assert c1["kind"] == "tested" and f"{c1['share']:.0%}" in claims
    c7 = next(c for c in analysis["claims"] if c["id"] == "C7")
    assert c7["kind"] == "assumed" and c7["share"] is None and 'id="claims-assumed"' in claims
    prim = _section(text, "prim")
    assert 'id="prim"' in prim
    sens = _section(text, "sensitivity")
    assert 'id="sobol-0"' in sens and 'id="sobol-1"' in sens


def test_prim_rows_say_when_a_claim_fails_everywhere() -> None:
    rows = prim_rows([
        {"id": "C1", "fails_box": {"limits": {}, "coverage": 1.0, "density": 0.5}},
        {"id": "C2", "fails_box": {"limits": {"x": [0.1, 0.25]}, "coverage": 0.6,
                                   "density": 0.9, "mass": 0.2, "n": 4}},
        {"id": "C3", "share": None},
    ])
    assert rows[0]["fails where"].startswith("no restriction")
    assert rows[1]["fails where"] == "x in [0.1, 0.25]" and len(rows) == 2


def test_calibration_section(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    body = _section(text, "calibration")
    for part in ('id="calibration-fit"', 'id="forecast"', 'id="posterior"',
                 "<b>80%</b>", "37%", "4 weeks in a row without an attack", "abc-smc",
                 "attack_base_rate, trigger_sensitivity", "500 particles",
                 'id="informed"', "<b>1 of 2</b>", 'id="patterns"',
                 "Attacks a week, no war."):
        assert part in body, part
    assert "another version of the scenario" not in body


def test_appendix_has_every_parameter_versions_seeds_and_hash(report: Path,
                                                              results: tuple[Path, str]
                                                              ) -> None:
    from armednet import __version__
    from armednet.sim.params import PARAMETERS

    body = _section(report.read_text(encoding="utf-8"), "appendix")
    for p in PARAMETERS.values():
        assert f"<td>{p.name}</td>" in body
    assert "uniform 0.05 .. 0.5" in body  # a sampled parameter shows its range
    assert f"armednet {__version__}" in body and "seed 5" in body
    assert KnowledgeGraph.load().hash in body and results[1] in body
    assert "Sources of the scenario" in body and "mansour-2024" in body


def test_calibration_summary_of_a_sparse_record() -> None:
    from armednet.report.html import calibration_summary

    assert calibration_summary({}) == "Method: ?; data: ?; parameters fitted: ?."
    full = calibration_summary(calibration_record())
    assert "500 particles, effective sample size 211, 1000 predictive runs, seed 7" in full
    record = calibration_record()
    record["forecast"]["lull_weeks_median"] = None
    del record["posterior_summary"], record["observed"]
    text = render_report(KnowledgeGraph.load(), calibration=record)
    assert "Probability of a lull: <b>37%</b>" in text and "median weeks" not in text


def test_calibration_alone_and_stale_hash(tmp_path: Path) -> None:
    db = tmp_path / "cal.duckdb"
    with open_store(db) as store:
        store.save_analysis("calibration", "latest", calibration_record("f" * 64))
    text = build_report(tmp_path / "r.html", db=db).read_text(encoding="utf-8")
    assert re.findall(r'<section id="([a-z-]+)">', text) == [
        "scenario", "key-actors", "calibration", "methods", "appendix"]
    assert "another version of the scenario (hash ffffffffffff)" in text


def test_scenario_alone() -> None:
    text = render_report(KnowledgeGraph.load())
    assert re.findall(r'<section id="([a-z-]+)">', text) == ["scenario", "methods", "appendix"]
    body = _section(text, "methods")
    assert "No calibration is stored" in body and "No backtest is stored" in body


def test_missing_or_empty_databases(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such results database"):
        build_report(tmp_path / "r.html", db=tmp_path / "none.duckdb")
    assert not (tmp_path / "none.duckdb").exists()
    with open_store(tmp_path / "empty.duckdb"):
        pass
    with pytest.raises(InputError, match="holds no experiments and no calibration"):
        build_report(tmp_path / "r.html", db=tmp_path / "empty.duckdb")
    assert not (tmp_path / "r.html").exists()


def test_cli(tmp_path: Path, results: tuple[Path, str]) -> None:
    help_ = run_cli("report", "--help")
    for word in ("--db", "--experiment", "--output", "Sobol", "PRIM", "offline"):
        assert word in help_.stdout
    bad = run_cli("report", "--db", "nope.duckdb", cwd=tmp_path)
    assert_clean_usage_error(bad)
    assert bad.stderr.strip() == "error: nope.duckdb: no such results database"
    unknown = run_cli("report", "--db", str(results[0]), "-e", "small-zzz", cwd=tmp_path)
    assert_clean_usage_error(unknown)
    assert "unknown experiment 'small-zzz'" in unknown.stderr
    ok = run_cli("report", "--db", str(results[0]), "-o", "out/r.html", cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "out" / "r.html").stat().st_size > 1_000_000


@pytest.mark.browser
def test_report_renders_offline_in_chromium(page: Any, report: Path) -> None:  # noqa: F811
    page.goto(report.as_uri())
    n_figures = len(re.findall(r'class="plotly-graph-div"', report.read_text(encoding="utf-8")))
    page.wait_for_function("(n) => document.querySelectorAll('.js-plotly-plot').length === n "
                           "&& Array.from(document.querySelectorAll('.js-plotly-plot'))"
                           ".every(g => g._fullLayout)", arg=n_figures)
    # network, fan chart, distributions, calibration fit, forecast; a sensitivity figure only
    # for an outcome with indices above the noise floor (the small experiment has none)
    assert n_figures >= 5
    assert all(u.startswith("file://") for u in page.recorder.requests), page.recorder.requests
    assert not page.recorder.errors
    medians = page.evaluate("() => document.getElementById('fan-attacks')._fullData"
                            ".filter(t => t.name === 'status-quo').map(t => Array.from(t.y))")
    # one panel per policy, each with the status quo; the small experiment's 104 weeks
    # clipped to the scenario's window (2023-10-02 .. 2024-12-31: 66 weeks)
    meta = KnowledgeGraph.load().scenario.scenario
    in_window = sum(np.datetime64(str(meta.start)) + np.timedelta64(7 * i, "D")
                    <= np.datetime64(str(meta.end)) for i in range(104))
    assert len(medians) >= 2 and all(len(m) == in_window for m in medians)
    ranges = page.evaluate("() => Object.entries(document.getElementById('fan-attacks')"
                           "._fullLayout).filter(([k]) => /^xaxis\\d*$/.test(k))"
                           ".map(([, a]) => a.range)")
    assert len(ranges) == len(medians)
    for lo, hi in ranges:
        assert str(lo)[:10] >= str(meta.start) and str(hi)[:10] <= str(meta.end)


def test_every_source_with_a_web_address_is_a_link(report: Path) -> None:
    import html

    body = _section(report.read_text(encoding="utf-8"), "appendix")
    urls = [s.locator for s in KnowledgeGraph.load().scenario.sources
            if s.locator and s.locator.startswith(("http://", "https://"))]
    assert len(urls) > 15
    for url in urls:
        assert f'<a href="{html.escape(url)}" rel="noopener">' in body, url


def test_every_table_downloads_as_csv_that_parses_back(report: Path) -> None:
    import csv
    import html
    import io
    from urllib.parse import unquote

    text = report.read_text(encoding="utf-8")
    tables = re.findall(r"<table[^>]*>(.*?)</table>(?:<p class='muted'>(\d+) more rows not "
                        r"shown\.</p>)?<p class=\"csv\"><a class=\"csv-download\" "
                        r"download=\"([^\"]+)\" href=\"data:text/csv;charset=utf-8,([^\"]+)\"",
                        text, re.S)
    assert len(tables) == text.count("<table")
    assert len(tables) >= 10
    for inner, more, _name, data in tables:
        rows = list(csv.reader(io.StringIO(unquote(data))))
        head = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", inner)]
        assert rows[0] == head
        body_rows = re.findall(r"<tr>(.*?)</tr>", inner.split("</thead>")[1], re.S)
        assert len(rows) - 1 == len(body_rows) + int(more or 0)
        for line, tr in zip(rows[1:], body_rows, strict=False):
            cells = [html.unescape(re.sub(r"<[^>]+>", "", c))
                     for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            assert len(cells) == len(line)
            for shown, raw in zip(cells, line, strict=True):
                if shown not in ("yes", "no") and not re.fullmatch(r"[-+.\deE]+", raw):
                    assert shown == raw


def test_methods_section_names_assumed_claims_calibration_skill_and_limits(
        report: Path) -> None:
    from armednet.experiments.claims import CLAIMS

    body = _section(report.read_text(encoding="utf-8"), "methods")
    assumed = [c for c in CLAIMS if c.kind == "assumed"]
    assert assumed
    for c in assumed:
        assert f"<td>{c.id}</td>" in body
        for m in c.assumes.mechanisms:
            assert m in body
    assert 'id="methods-assumed"' in body
    # calibration status: which parameters the data inform, and the patterns
    assert "The data inform 1 of 2 fitted parameters (attack_base_rate)" in body
    assert ("prewar: observed 0.7, inside the 90% posterior predictive interval "
            "[0.35, 1.08]") in body
    for limit in ("judgments with ranges", "one series of one theatre", "one statement"):
        assert limit in body


def test_methods_section_scores_the_forecast_against_baselines() -> None:
    backtest = {"summary": [{"forecaster": "model", "crps": 1.2},
                            {"forecaster": "persistence", "crps": 1.5}]}
    text = render_report(KnowledgeGraph.load(), backtest=backtest)
    body = _section(text, "methods")
    assert "The model beats the persistence baseline on CRPS (1.2 against 1.5)." in body
    assert "No backtest is stored" not in body


def test_page_skeleton_from_templates_escapes_what_it_is_given() -> None:
    kg = KnowledgeGraph.load()
    evil = "<script>alert(1)</script>"
    text = render_report(kg, title=evil, meta=None)
    assert evil not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert text.startswith("<!DOCTYPE html>") and "<title>&lt;script&gt;" in text
    # the navigation links every section shown, in order
    nav = re.search(r"<nav>(.*?)</nav>", text, re.S)
    assert nav and re.findall(r'href="#([a-z-]+)"', nav.group(1)) == re.findall(
        r'<section id="([a-z-]+)">', text)
