"""The dashboard's data functions, without a browser: network views, the policy lab's
ensembles, uploads, experiments and calibration, and the app's assembly."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from armednet.errors import InputError
from armednet.kb import KnowledgeGraph
from tests.factories import tiny_document


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


# -- network ------------------------------------------------------------------------------
def test_date_steps_span_the_scenario(kg: KnowledgeGraph) -> None:
    from armednet.app.network import date_steps, slider_marks

    # the scenario's window, week by week (tests/app/test_network_view.py has more)
    window, start = date_steps(kg)
    assert start == 0 and window[0] == dt.date(2023, 10, 2)
    assert window[-1] == dt.date(2024, 12, 31)
    # widened to the whole record, month by month
    dates, start = date_steps(kg, whole=True)
    assert dates[start] == dt.date(2023, 10, 2)
    assert dates[0] == dt.date(1982, 1, 1) and dates[-1] == dt.date(2024, 12, 31)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    marks = slider_marks(dates, start)
    assert marks[start] == "start 2023-10" and len(marks) <= 10


def test_filtered_view_and_elements(kg: KnowledgeGraph) -> None:
    from armednet.app.network import elements, filtered_view, size_measure
    from armednet.report.figures import LAYER_COLOURS, network_positions

    view = filtered_view(kg, "2024-02-10", ["military", "political"], None,
                         removed=["kataib-hezbollah"])
    snap = kg.snapshot("2024-02-10")
    expected = {n.id for n in snap.nodes()
                if str(snap.node_layer(n.id)) in ("military", "political")}
    assert {n.id for n in view.shown.nodes()} == expected - {"kataib-hezbollah"}
    assert len(view.snapshot.nodes()) == len(snap.nodes())
    pos = network_positions(kg)
    assert network_positions(kg) == pos  # reproducible
    assert all(-1.0001 <= c <= 1.0001 for xy in pos.values() for c in xy)
    els = elements(view.shown, pos, size_measure(view.shown))
    nodes = [e for e in els if "source" not in e["data"]]
    ties = [e for e in els if "source" in e["data"]]
    ids = {e["data"]["id"] for e in nodes}
    assert ids == {n.id for n in view.shown.nodes()}
    assert all(t["data"]["source"] in ids and t["data"]["target"] in ids for t in ties)
    assert all(n["data"]["colour"] == LAYER_COLOURS[n["data"]["layer"]] for n in nodes)
    assert all("position" in n for n in nodes)
    sizes = {n["data"]["id"]: n["data"]["size"] for n in nodes}
    assert max(sizes.values()) > min(sizes.values())
    for measure in ("degree", "pagerank"):
        assert set(size_measure(view.shown, measure)) == ids


def test_node_details_lists_ties_and_full_sources(kg: KnowledgeGraph) -> None:
    from armednet.app.network import node_details

    d = node_details(kg, "kataib-hezbollah")
    assert d["name"] == "Kataib Hezbollah" and d["type"] == "armed_group"
    assert len(d["ties"]) == sum(1 for t in kg.ties()
                                 if "kataib-hezbollah" in (t.from_, t.to))
    fields = {a["field"] for a in d["attributes"]}
    assert "group.orientation" in fields
    assert d["sources"] and all(s["text"] for s in d["sources"])
    with pytest.raises(InputError, match="unknown node id"):
        node_details(kg, "nobody")


def test_impact_equals_what_if(kg: KnowledgeGraph) -> None:
    from armednet.analysis import what_if
    from armednet.app.network import impact

    snap = kg.snapshot("2023-10-02")
    network, groups = impact(snap, ["kataib-hezbollah", "not-in-this-snapshot"])
    ref = what_if(snap, remove=["kataib-hezbollah"]).summary()
    assert [r["measure"] for r in network] == list(ref.index)
    for r in network:
        assert r["delta"] == pytest.approx(float(ref.loc[r["measure"], "delta"]))
    assert any(g["group"] == "Kataib Hezbollah" for g in groups)


# -- policy lab ---------------------------------------------------------------------------
def test_presets_round_trip_through_the_lab_levers() -> None:
    from armednet.app.lab import LEVERS, build_policy, preset_levers
    from armednet.sim.policy import PRESETS, preset

    assert preset_levers("accountability") == {"accountability": 1.0, "civil-society": 0.5}
    for name in PRESETS:
        built = build_policy(preset_levers(name))
        ref = preset(name)
        key = lambda p: sorted(json.dumps(lv.model_dump(mode="json"), sort_keys=True)  # noqa: E731
                               for lv in p.levers)
        if name == "combined":  # accountability's two civil-society levers merge into one
            assert {lv.kind for lv in built.levers} == {lv.kind for lv in ref.levers}
        else:
            assert key(built) == key(ref), name
    assert set(LEVERS) == {"strikes", "decapitation", "sanctions", "co-option",
                           "accountability", "civil-society", "diplomacy", "drawdown"}
    p = build_policy({"diplomacy": 0.5, "strikes": 2}, start="2024-01-01")
    assert p.name == "diplomacy 0.5 + strikes 2"
    assert all(lv.start == "2024-01-01" for lv in p.levers)
    with pytest.raises(InputError, match="unknown lever"):
        build_policy({"bombing": 1})
    with pytest.raises(InputError):
        build_policy({"diplomacy": 50})


def test_run_lab_matches_simulate_and_caches_the_status_quo(kg: KnowledgeGraph) -> None:
    from armednet.app.lab import run_lab
    from armednet.report.figures import fan_quantiles
    from armednet.sim.engine import simulate
    from armednet.sim.output import summary_table
    from armednet.sim.params import UNCERTAINTY, draw_prior
    from armednet.sim.policy import Policy, Strikes

    seen: list[float] = []
    # the default: parameter ranges and random draws, the experiment's kind of interval
    res = run_lab(kg, {"strikes": 1.5}, runs=64, weeks=20, seed=11, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert res.uncertainty == "prior" and res.covers == UNCERTAINTY["prior"]
    ref = simulate(kg, Policy(name="x", levers=[Strikes(intensity=1.5)]), runs=64, weeks=20,
                   seed=11, record=["attacks", "capture"], params=draw_prior(np.arange(64), 11))
    assert ref.weekly is not None
    for var in ("attacks", "capture"):
        q = fan_quantiles(np.asarray(ref.weekly[var].values))
        for k in q:
            np.testing.assert_allclose(res.bands[var]["strikes 1.5"][k], q[k])
    table = summary_table(ref.summary)
    row = next(r for r in res.table if r["outcome"] == "attacks")
    assert row["policy median"] == pytest.approx(table.loc["attacks", "median"])
    assert "of runs" in row["policy lower in"]
    assert res.dates[0] == "2023-10-02" and len(res.dates) == 20
    again = run_lab(kg, {"diplomacy": 0.8}, runs=64, weeks=20, seed=11)
    assert again.baseline_cached and not res.baseline_cached
    np.testing.assert_allclose(again.bands["attacks"]["status-quo"]["median"],
                               res.bands["attacks"]["status-quo"]["median"])
    alone = run_lab(kg, {}, runs=64, weeks=20, seed=11)
    assert list(alone.bands["attacks"]) == ["status-quo"]
    assert "policy median" not in alone.table[0]
    # random draws at default parameters: what `armednet simulate` gives by default
    fixed = run_lab(kg, {}, runs=64, weeks=20, seed=11, uncertainty="none")
    assert not fixed.baseline_cached and fixed.covers == UNCERTAINTY["none"]
    plain = simulate(kg, "status-quo", runs=64, weeks=20, seed=11, record=["attacks"])
    assert plain.weekly is not None
    np.testing.assert_allclose(fixed.bands["attacks"]["status-quo"]["median"],
                               fan_quantiles(np.asarray(plain.weekly["attacks"].values))[
                                   "median"])
    with pytest.raises(InputError, match="posterior"):
        run_lab(kg, {}, runs=8, weeks=5, uncertainty="posterior")
    with pytest.raises(InputError, match="uncertainty must be"):
        run_lab(kg, {}, runs=8, weeks=5, uncertainty="wild")


def test_run_lab_says_when_a_lever_has_nothing_to_act_on(kg: KnowledgeGraph) -> None:
    from armednet.app.lab import run_lab
    from armednet.kb import KnowledgeGraph as KG
    from armednet.sim.init import TRIGGER_SERIES

    calm = KG(kg.scenario.model_copy(update={
        "series": [s for s in kg.scenario.series if s.id not in TRIGGER_SERIES],
        "scenario": kg.scenario.scenario.model_copy(update={"trigger_series": None})}))
    res = run_lab(calm, {"diplomacy": 0.8}, runs=4, weeks=5, seed=1)
    assert any("diplomacy lever" in w for w in res.warnings)
    assert not run_lab(kg, {"diplomacy": 0.8}, runs=4, weeks=5, seed=1).warnings


def test_lab_offers_a_posterior_when_the_database_has_one(tmp_path: Path) -> None:
    import pandas as pd

    from armednet.app.lab import find_posterior, run_lab, uncertainty_options
    from armednet.app.state import AppContext, ScenarioRegistry
    from armednet.experiments.store import open_store
    from armednet.kb import KnowledgeGraph as KG

    db = tmp_path / "r.duckdb"
    kg = KG.load()
    ctx = AppContext(scenarios=ScenarioRegistry(kg), db=db)
    assert [o["value"] for o in uncertainty_options(ctx)] == ["prior", "none"]
    pd.DataFrame({"attack_base_rate": [0.1, 0.2], "weight": [0.5, 0.5]}).to_parquet(
        tmp_path / "posterior.parquet")
    with open_store(db) as store:
        store.save_analysis("calibration", "latest", {"posterior_file": "posterior.parquet"})
    assert [o["value"] for o in uncertainty_options(ctx)] == ["prior", "none", "posterior"]
    found = find_posterior(db)
    assert found is not None
    res = run_lab(kg, {}, runs=8, weeks=5, seed=2, uncertainty="posterior",
                  posterior=found[1])
    assert res.uncertainty == "posterior" and "posterior" in res.covers


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"runs": 0}, "runs must be a whole number from 1 to 20000, got 0"),
    ({"runs": 1.5}, "runs must be a whole number"),
    ({"weeks": 10_000}, "weeks must be a whole number from 1 to 520"),
    ({"seed": -1}, "seed must be"),
    ({"start_week": 30, "weeks": 20}, "start week must be a whole number from 0 to 19"),
])
def test_run_lab_rejects_bad_sizes(kg: KnowledgeGraph, kwargs: dict[str, Any],
                                   message: str) -> None:
    from armednet.app.lab import run_lab

    with pytest.raises(InputError, match=message):
        run_lab(kg, {}, **{"runs": 10, "weeks": 10, **kwargs})


def test_job_runner_reports_progress_results_and_errors() -> None:
    from armednet.app.lab import JobRunner

    runner = JobRunner(keep=3)

    def work(report: Any) -> int:
        for i in range(5):
            report(i / 5)
        return 42

    def bad_input(report: Any) -> None:
        raise InputError("runs must be positive")

    def bug(report: Any) -> None:
        raise ZeroDivisionError("oops")

    ok = runner.wait(runner.submit(work))
    assert (ok.state, ok.result, ok.progress) == ("done", 42, 1.0)
    err = runner.wait(runner.submit(bad_input))
    assert (err.state, err.error) == ("error", "runs must be positive")
    crash = runner.wait(runner.submit(bug))
    assert crash.state == "error" and "ZeroDivisionError" in str(crash.error)
    ids = [runner.submit(work) for _ in range(4)]
    runner.wait(ids[-1])
    assert runner.get(ok.id) is None and runner.get(ids[-1]) is not None
    assert runner.get(None) is None


# -- uploads ------------------------------------------------------------------------------
def _data_url(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "data:application/x-yaml;base64," + base64.b64encode(raw).decode()


def test_upload_of_a_valid_scenario() -> None:
    from armednet.app.upload import parse_upload

    res = parse_upload([_data_url(yaml.safe_dump(tiny_document()))], ["tiny.yaml"])
    assert res.errors == [] and res.kg is not None
    assert res.kg.summary()["nodes"] == 7
    as_json = parse_upload(_data_url(json.dumps(tiny_document())), "tiny.json")
    assert as_json.kg is not None and as_json.kg.hash == res.kg.hash


def test_upload_of_a_scenario_directory() -> None:
    from armednet.app.upload import parse_upload

    doc = tiny_document()
    meta = {"scenario": doc.pop("scenario"), "sources": doc.pop("sources")}
    res = parse_upload([_data_url(yaml.safe_dump(meta)), _data_url(yaml.safe_dump(doc)),
                        _data_url("# notes")], ["dir/00-meta.yaml", "dir/10-facts.yml",
                                               "dir/README.md"])
    assert res.errors == [] and res.kg is not None and len(res.kg.nodes()) == 7


def test_upload_errors_name_file_line_and_field() -> None:
    from armednet.app.upload import parse_upload

    doc = tiny_document()
    doc["nodes"][1]["group"]["legitimacy"] = 3
    text = yaml.safe_dump(doc, sort_keys=False)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "legitimacy: 3" in t)
    res = parse_upload(_data_url(text), "C:\\Users\\me\\bad.yaml")
    assert res.kg is None
    assert res.errors == [f"C:/Users/me/bad.yaml:{line}: nodes[1].group.legitimacy: Input "
                          "should be less than or equal to 1"]
    broken = parse_upload(_data_url("nodes: [\n  {id: a\n"), "broken.yaml")
    assert broken.errors and broken.errors[0].startswith("broken.yaml:")
    assert "malformed YAML" in broken.errors[0]


@pytest.mark.parametrize(("contents", "name", "message"), [
    (None, None, "no file received"),
    (_data_url("a: 1"), "scenario.txt", "expected a scenario file ending in .yaml"),
    (_data_url(b"\xff\xfe\x00bad"), "x.yaml", "not a UTF-8 text file"),
    ("data:application/x-yaml;base64,@@@", "x.yaml", "not a UTF-8 text file"),
    (_data_url("x" * (2 * 1024 * 1024 + 1)), "big.yaml", "more than the limit"),
])
def test_upload_refuses(contents: Any, name: Any, message: str) -> None:
    from armednet.app.upload import parse_upload

    res = parse_upload(contents, name)
    assert res.kg is None and any(message in e for e in res.errors), res.errors


def test_upload_refuses_alias_bombs() -> None:
    from armednet.app.upload import parse_upload

    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    res = parse_upload(_data_url("\n".join(levels) + "\n"), "bomb.yaml")  # 10^10 values
    assert res.kg is None and "aliases expand to more than" in res.errors[0], res.errors
    loop = parse_upload(_data_url("a: &a [*a]\n"), "loop.yaml")
    assert loop.kg is None and loop.errors


def test_upload_labels_are_never_paths() -> None:
    from armednet.app.upload import _label

    assert _label("../../etc/passwd.yaml", 0) == "../../etc/passwd.yaml"  # a label only
    assert _label(None, 2) == "upload-3.yaml"
    assert _label("a\x00b\nc.yaml", 0) == "abc.yaml"


# -- scenarios in memory ------------------------------------------------------------------
def test_registry_keeps_the_default_and_bounds_uploads(kg: KnowledgeGraph) -> None:
    from armednet.app.state import MAX_UPLOADS, ScenarioRegistry

    red = KnowledgeGraph.load("red-sea-2024")
    reg = ScenarioRegistry(kg, [red, kg])
    base = tiny_document()
    keys = []
    for i in range(MAX_UPLOADS + 2):
        doc = dict(base, scenario=dict(base["scenario"], id=f"tiny-{i}"))
        from armednet.kb.loader import parse_documents

        keys.append(reg.add(KnowledgeGraph(parse_documents([("t.yaml", yaml.safe_dump(doc))]))))
    opts = [o["value"] for o in reg.options()]
    assert opts[0] == reg.default_key and len(opts) == MAX_UPLOADS + 2
    assert opts[1] == red.hash  # the bundled scenarios stay, uploads come and go
    assert "red-sea-2024" in reg.options()[1]["label"]
    assert keys[0] not in opts and keys[-1] in opts
    assert reg.get(keys[0]).hash == kg.hash  # forgotten: the default instead
    assert reg.key("nonsense") == reg.default_key
    calls = []
    assert reg.cached(keys[-1], "n", lambda g: calls.append(1) or len(g.nodes())) == 7
    assert reg.cached(keys[-1], "n", lambda g: calls.append(1) or 0) == 7 and calls == [1]


def _texts(component: Any) -> list[str]:
    """Every string inside a Dash component tree."""
    if isinstance(component, str):
        return [component]
    if isinstance(component, list | tuple):
        return [t for c in component for t in _texts(c)]
    children = getattr(component, "children", None)
    return _texts(children) if children is not None else []


def test_theatres_page_without_a_comparison(tmp_path: Path) -> None:
    from armednet.app import theatres
    from armednet.app.state import AppContext, ScenarioRegistry
    from armednet.experiments.store import open_store

    db = tmp_path / "empty.duckdb"
    with open_store(db):
        pass
    ctx = AppContext(scenarios=ScenarioRegistry(KnowledgeGraph.load()), db=db)
    text = " ".join(_texts(theatres.view(ctx)))
    assert "No theatre comparison is stored in" in text
    assert "armednet compare-theatres --db DB" in text and "armednet demo" in text
    ctx = AppContext(scenarios=ctx.scenarios, db=None)
    assert "(no --db given)" in " ".join(_texts(theatres.view(ctx)))


def test_theatres_page_rows(results_db: tuple[Path, str]) -> None:
    from armednet.app.theatres import comparison_rows, load_theatres

    cmp, joint = load_theatres(results_db[0])
    assert cmp is not None and joint is not None
    rows = comparison_rows(cmp)
    policies = {r["policy"] for r in cmp["table"]} - {"status-quo"}
    assert len(rows) == 2 * len(policies)
    want = next(r for r in cmp["table"] if r["scenario"] == "iraq-2024"
                and r["policy"] == "diplomacy" and r["outcome"] == "attacks")
    got = next(r for r in rows if r["theatre"] == "iraq-2024" and r["policy"] == "diplomacy")
    assert got["effect [90% over worlds]"] == (f"{want['effect']:.3g} [{want['effect_low']:.3g},"
                                               f" {want['effect_high']:.3g}]")


# -- experiments and calibration ---------------------------------------------------------
def test_experiment_data(results_db: tuple[Path, str]) -> None:
    from armednet.app.experiments import _comparison_rows, list_experiments, load_experiment

    db, eid = results_db
    rows = list_experiments(db)
    assert [r["experiment_id"] for r in rows] == [eid]
    data = load_experiment(db, eid)
    assert data.policies == ["status-quo", "strikes", "diplomacy"]
    assert list(data.bands) == data.policies
    assert len(data.dates) == data.meta["weeks"] and data.dates[0] == "2023-10-02"
    comp = _comparison_rows(data)
    from armednet.experiments.claims import CLAIM_OUTCOMES

    assert [r["outcome"] for r in comp] == [o.name for o in CLAIM_OUTCOMES]
    assert load_experiment(db, eid) is data  # cached
    with pytest.raises(InputError, match="unknown experiment"):
        load_experiment(db, "nope")


def test_calibration_and_events(results_db: tuple[Path, str], tmp_path: Path,
                                kg: KnowledgeGraph) -> None:
    from armednet.app.events import load_calibration, observed_weekly, weekly_figure
    from armednet.events.matching import match_store
    from armednet.events.store import import_files, open_store
    from tests.events.fakes import write_acled

    db, _ = results_db
    cal = load_calibration(db)
    assert cal is not None and cal["coverage"] == 0.8 and cal["forecast"]["weeks"] == 26
    assert load_calibration(None) is None
    events = tmp_path / "events.duckdb"
    import_files(events, [write_acled(tmp_path / "a.csv", n=40, bad=False).path])
    unmatched = observed_weekly(events, kg)
    assert unmatched.label.startswith("all events per week")
    con = open_store(events)
    try:
        match_store(con, kg)
    finally:
        con.close()
    series = observed_weekly(events, kg)
    assert series.label == "attacks on foreign forces (acled)"
    assert str(series.counts.index[0])[:10] == "2023-10-02"
    fig = weekly_figure(series, cal)
    assert fig.data[0].type == "bar" and len(fig.data) > 10


# -- the app itself ------------------------------------------------------------------------
def test_create_app_serves_everything_itself(results_db: tuple[Path, str]) -> None:
    import re

    from armednet.app.server import MAX_REQUEST_BYTES, create_app

    app = create_app(db=results_db[0])
    client = app.server.test_client()
    index = client.get("/").get_data(as_text=True)
    sources = re.findall(r'<script[^>]+src="([^"]+)"', index)
    assert sources and all(s.startswith("/_dash-component-suites/") for s in sources)
    assert not re.search(r'<link[^>]+href="https?://', index)
    for src in sources:
        assert client.get(src).status_code == 200
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200 and b"net-graph" in layout.data
    assert app.server.config["MAX_CONTENT_LENGTH"] == MAX_REQUEST_BYTES
    big = client.post("/_dash-update-component", data=b"x" * (MAX_REQUEST_BYTES + 1),
                      content_type="application/json")
    assert big.status_code == 413


def test_create_app_refuses_bad_databases(tmp_path: Path) -> None:
    from armednet.app.server import create_app

    with pytest.raises(InputError, match="no such results database"):
        create_app(db=tmp_path / "missing.duckdb")
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="cannot open the results database"):
        create_app(db=tmp_path / "notes.txt")
    with pytest.raises(InputError, match="no such events database"):
        create_app(events=tmp_path / "missing.duckdb")


def _walk(node: Any) -> list[Any]:
    """Every Dash component under ``node`` (itself included)."""
    out = [node]
    children = getattr(node, "children", None)
    for child in children if isinstance(children, list) else [children]:
        if child is not None and not isinstance(child, str | int | float):
            out += _walk(child)
    return out


def test_experiment_views_say_what_they_cover_and_screen_indices(
        results_db: tuple[Path, str]) -> None:
    from dash import html

    from armednet.app.experiments import _outcome_view, _view, load_experiment

    db, eid = results_db
    data = load_experiment(db, eid)
    parts = _walk(html.Div(_view(data)))
    covers = next(p for p in parts if getattr(p, "id", None) == "experiment-uncertainty")
    assert "parameter ranges" in covers.children
    heads = [p.children for p in parts if isinstance(p, html.H4)]
    assert any("90% interval] over parameter ranges" in h for h in heads)
    view = _walk(html.Div(_outcome_view(data, "attacks")))
    graph = next(p for p in view if getattr(p, "id", None) == "experiment-sobol")
    bars = [t for t in graph.figure.data if t.type == "bar"]
    shown = {r["parameter"] for r in data.analysis["sobol"]["outcomes"]["attacks"]["indices"]
             if r["shown"]}
    assert set(bars[1].x or ()) == shown and "dummy" not in shown  # only findings drawn
    rule = next(p for p in view if getattr(p, "id", None) == "experiment-sobol-rule")
    assert "noise floor" in rule.children
