"""Each page of the dashboard opened and used in a real Chromium (headless).

Every test also checks that each request the page made went to the local server (the
dashboard works offline) and that the page logged no error. Screenshots are saved under
test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
import yaml

from armednet.kb import KnowledgeGraph
from tests.factories import tiny_document

pytestmark = pytest.mark.browser

CY = "document.querySelector('#net-graph')._cyreg.cy"


def _open(page: Any, live: Any, tab: str | None = None) -> None:
    page.goto(live.url + "/")
    page.wait_for_function(f"() => {{ const c = document.querySelector('#net-graph');"
                           f" return c && c._cyreg && {CY}.nodes().length > 0; }}")
    # components loaded late (the slider, the scenario menu) are in place
    page.wait_for_selector("#net-date [role=slider]")
    page.wait_for_function("() => document.querySelector('#scenario').innerText.length > 0")
    if tab:
        page.locator(".tab", has_text=tab).click()


def _finish(page: Any, live: Any) -> None:
    rec = page.recorder
    assert rec.requests, "the page made no request"
    assert rec.foreign(live.url) == [], "requests left the local server"
    assert not rec.errors, rec.errors


FREE_POINT = f"""(id) => {{
    const cy = {CY};
    const box = (n) => n.renderedBoundingBox({{includeLabels: false, includeOverlays: false}});
    const b = box(cy.getElementById(id));
    const others = cy.nodes().filter(n => n.id() !== id).map(box);
    for (const fx of [0.5, 0.35, 0.65, 0.2, 0.8]) {{
        for (const fy of [0.5, 0.35, 0.65, 0.2, 0.8]) {{
            const x = b.x1 + fx * b.w, y = b.y1 + fy * b.h;
            if (!others.some(o => x >= o.x1 && x <= o.x2 && y >= o.y1 && y <= o.y2)) {{
                return {{x: x, y: y}};
            }}
        }}
    }}
    return null;
}}"""


def _cy_ids(page: Any) -> list[str]:
    return sorted(page.evaluate(f"{CY}.nodes().map(n => n.id())"))


def _wait_nodes(page: Any, ids: list[str]) -> None:
    page.wait_for_function(f"(n) => {CY}.nodes().length === n", arg=len(ids))
    assert _cy_ids(page) == sorted(ids)


def _start(kg: KnowledgeGraph) -> str:
    return str(kg.scenario.scenario.start)


def test_first_page_shows_the_network_offline(page: Any, live: Any) -> None:
    kg = KnowledgeGraph.load()
    _open(page, live)
    expected = sorted(n.id for n in kg.snapshot(_start(kg)).nodes())
    _wait_nodes(page, expected)
    assert page.locator("#net-count").inner_text() == (
        f"{len(expected)} actors and {len(kg.snapshot(_start(kg)).ties())} ties shown")
    assert page.locator("#net-date-label").inner_text() == f"Snapshot on {_start(kg)}"
    assert "69 actors" in page.locator("#scenario-title").inner_text()
    assert page.title() == "armednet"
    _finish(page, live)


def test_filter_by_layer_type_and_date(page: Any, live: Any) -> None:
    from armednet.app.network import date_steps, filtered_view

    kg = KnowledgeGraph.load()
    _open(page, live)
    layers = [str(x) for x in kg.layers()]
    types = sorted({str(n.type) for n in kg.nodes()})
    page.locator("#net-layers label", has_text="military").click()
    kept_layers = [x for x in layers if x != "military"]
    view = filtered_view(kg, _start(kg), kept_layers, types)
    _wait_nodes(page, [n.id for n in view.shown.nodes()])
    page.locator("#net-types label", has_text="person").click()
    kept_types = [t for t in types if t != "person"]
    view = filtered_view(kg, _start(kg), kept_layers, kept_types)
    _wait_nodes(page, [n.id for n in view.shown.nodes()])
    assert page.locator("#net-count").inner_text().startswith(f"{len(view.shown.nodes())} actors")
    # the slider, by keyboard: Home goes to the first month of the span
    dates, _ = date_steps(kg)
    page.locator("#net-date [role=slider]").press("Home")
    page.wait_for_function("(t) => document.querySelector('#net-date-label').innerText === t",
                           arg=f"Snapshot on {dates[0].isoformat()}")
    early = filtered_view(kg, dates[0], kept_layers, kept_types)
    _wait_nodes(page, [n.id for n in early.shown.nodes()])
    page.locator("#net-date [role=slider]").press("End")
    page.wait_for_function("(t) => document.querySelector('#net-date-label').innerText === t",
                           arg=f"Snapshot on {dates[-1].isoformat()}")
    late = filtered_view(kg, dates[-1], kept_layers, kept_types)
    _wait_nodes(page, [n.id for n in late.shown.nodes()])
    assert len(early.shown.nodes()) < len(late.shown.nodes())
    _finish(page, live)


def test_click_a_node_then_remove_it(page: Any, live: Any) -> None:
    from armednet.analysis import what_if

    kg = KnowledgeGraph.load()
    target = "kataib-hezbollah"
    page.set_viewport_size({"width": 1400, "height": 1200})  # the whole graph, no scrolling
    _open(page, live)
    box = page.locator("#net-graph").bounding_box()
    assert box["y"] + box["height"] < 1200
    pos = page.evaluate(FREE_POINT, target)  # a point of the node that no other node covers
    assert pos is not None and 0 < pos["x"] < box["width"] and 0 < pos["y"] < box["height"]
    page.mouse.click(box["x"] + pos["x"], box["y"] + pos["y"])
    page.wait_for_function("() => document.querySelector('#net-details-name')")
    assert page.locator("#net-details-name").inner_text() == kg.node(target).name
    ties = page.locator("#net-details-ties tbody tr")
    n_ties = sum(1 for t in kg.ties() if target in (t.from_, t.to))
    assert ties.count() == n_ties
    assert page.locator("#net-details-sources li").count() >= 1
    before = _cy_ids(page)
    page.locator("#net-remove-selected").click()
    page.wait_for_selector("#net-impact-table")
    _wait_nodes(page, [i for i in before if i != target])
    expected = what_if(kg.snapshot(_start(kg)), remove=[target]).summary()
    rows = page.locator("#net-impact-table tbody tr")
    shown = {rows.nth(i).locator("td").nth(0).inner_text():
             [rows.nth(i).locator("td").nth(j).inner_text() for j in (1, 2, 3)]
             for i in range(rows.count())}
    assert set(shown) == set(expected.index)
    for measure, row in expected.iterrows():
        assert shown[measure] == [f"{float(row[c]):.3g}" for c in ("before", "after", "delta")]
    assert page.locator("#net-impact-groups").inner_text()
    page.locator("#net-restore").click()
    _wait_nodes(page, before)
    _finish(page, live)


def _traces(page: Any, graph_id: str) -> dict[str, list[float]]:
    data = page.evaluate(f"() => document.querySelector('#{graph_id} .js-plotly-plot')._fullData"
                         ".map(t => [t.name, t.mode || '', Array.from(t.y)])")
    return {name: y for name, mode, y in data if mode == "lines"}


def test_policy_lab_medians_equal_the_python_api(page: Any, live: Any) -> None:
    from armednet.report.figures import fan_quantiles
    from armednet.sim.engine import simulate
    from armednet.sim.output import summary_table
    from armednet.sim.params import draw_prior
    from armednet.sim.policy import Diplomacy, Policy

    kg = KnowledgeGraph.load()
    runs, weeks, seed = 200, 26, 3
    _open(page, live, "Policy lab")
    page.locator("#lab-on-diplomacy label").click()
    for ident, value in (("lab-runs", runs), ("lab-weeks", weeks), ("lab-seed", seed)):
        box = page.locator(f"#{ident}")
        box.fill(str(value))
        box.press("Tab")
    page.locator("#lab-run").click()
    page.wait_for_selector("#lab-finished")
    page.wait_for_function("() => { const g = document.querySelector('#lab-fan .js-plotly-plot');"
                           " return g && g.data && g.data.length === 6; }")
    plotted = _traces(page, "lab-fan")
    policy = Policy(name="mine", levers=[Diplomacy(intensity=0.8)])
    # by default the lab's intervals cover parameter ranges and random draws, as an
    # experiment's do, and say so
    assert "parameter ranges" in page.locator("#lab-covers").inner_text()
    drawn = draw_prior(np.arange(runs), seed)
    for name, pol in (("status-quo", "status-quo"), ("diplomacy 0.8", policy)):
        res = simulate(kg, pol, runs=runs, weeks=weeks, seed=seed, record=["attacks"],
                       params=drawn)
        assert res.weekly is not None
        median = fan_quantiles(np.asarray(res.weekly["attacks"].values))["median"]
        np.testing.assert_allclose(plotted[name], median)
        table = summary_table(res.summary)
        column = "status quo median" if name == "status-quo" else "policy median"
        heads = page.locator("#lab-summary thead th").all_inner_texts()
        j = heads.index(column)
        for row in page.locator("#lab-summary tbody tr").all():
            cells = row.locator("td").all_inner_texts()
            assert cells[j] == f"{float(table.loc[cells[0], 'median']):.3g}", cells[0]
    assert page.locator("#lab-progress-bar").get_attribute("style").startswith("width: 100%")
    # another variable is drawn from the same run
    page.locator("#lab-variable").click()
    page.get_by_role("option", name="capture", exact=True).click()
    page.wait_for_function("() => document.querySelector('#lab-fan .gtitle')"
                           " .textContent.startsWith('capture')")
    _finish(page, live)


def test_experiments_page(page: Any, live: Any) -> None:
    from armednet.experiments.store import open_store

    with open_store(live.db, read_only=True) as store:
        analysis = store.analysis(live.experiment, "summary")
    _open(page, live, "Experiments")
    page.wait_for_selector("#experiment-claims")
    assert live.experiment in page.locator("#experiment-pick").inner_text()
    claims = page.locator("#experiment-claims tbody tr")
    assert claims.count() == len(analysis["claims"])
    tested = next(c for c in analysis["claims"]
                  if c.get("kind") == "tested" and c.get("share") is not None)
    row = page.locator("#experiment-claims tbody tr", has_text=tested["title"])
    assert f"{tested['share']:.0%}" in row.inner_text()
    assumed = next(c for c in analysis["claims"] if c.get("kind") == "assumed")
    row = page.locator("#experiment-claims tbody tr", has_text=assumed["title"])
    assert "assumed by the model" in row.inner_text()
    comp = page.locator("#experiment-comparison tbody tr", has_text="attacks").first
    sq = next(r for r in analysis["comparison"]
              if r["outcome"] == "attacks" and r["policy"] == "status-quo")
    assert f"{sq['median']:.3g} [" in comp.inner_text()
    page.wait_for_function("() => document.querySelector('#experiment-fan .js-plotly-plot')")
    page.wait_for_function("() => document.querySelector('#experiment-sobol .js-plotly-plot')")
    page.wait_for_function("() => document.querySelector('#experiment-dist .js-plotly-plot')")
    _finish(page, live)


def test_events_and_calibration_page(page: Any, live: Any) -> None:
    from armednet.experiments.store import open_store

    with open_store(live.db, read_only=True) as store:
        cal = store.analysis("calibration", "latest")
    _open(page, live, "Events and calibration")
    page.wait_for_selector("#calibration-coverage")
    assert f"{cal['coverage']:.0%}" in page.locator("#calibration-coverage").inner_text()
    page.wait_for_function("() => document.querySelector('#calibration-fit .js-plotly-plot')")
    page.wait_for_function(
        "() => document.querySelector('#calibration-forecast .js-plotly-plot')")
    fit = page.evaluate("() => document.querySelector('#calibration-fit .js-plotly-plot')._fullData"
                        ".map(t => [t.name, Array.from(t.y)])")
    observed = sorted(v for name, ys in fit if name.startswith("observed") for v in ys)
    assert observed == sorted(r["observed"] for r in cal["predictive"])
    assert "37%" in page.locator("#calibration-lull").inner_text()
    assert page.locator("#calibration-posterior tbody tr").count() == 2
    _finish(page, live)


def test_theatres_page(page: Any, live: Any) -> None:
    from armednet.experiments.store import open_store
    from armednet.experiments.theatres import load_comparison

    with open_store(live.db, read_only=True) as store:
        cmp = load_comparison(store)
    assert cmp is not None
    _open(page, live, "Theatres")
    page.wait_for_selector("#theatres-table")
    table = page.locator("#theatres-table").inner_text()
    assert "iraq-2024" in table and "red-sea-2024" in table
    strikes = next(r for r in cmp["table"] if r["scenario"] == "red-sea-2024"
                   and r["policy"] == "strikes" and r["outcome"] == "attacks")
    row = page.locator("#theatres-table tbody tr", has_text="red-sea-2024").filter(
        has_text="strikes")
    assert f"{strikes['effect']:.3g} [" in row.inner_text()
    assert page.locator("#theatres-whatif tbody tr").count() == len(cmp["whatif"])
    assert "not a causal estimate" in page.locator("#theatres-whatif-caveat").inner_text()
    page.wait_for_function("() => document.querySelector('#theatres-effects .js-plotly-plot')")
    for i in (0, 1):  # a fan per theatre of the joint calibration, its cut-off marked
        page.wait_for_function(
            f"() => document.querySelector('#theatres-forecast-{i} .js-plotly-plot')")
    assert "cut-off 2024-08-01" in page.locator("#theatres-forecast-1").inner_text()
    _finish(page, live)


def test_scenario_switcher_draws_red_sea(page: Any, live: Any) -> None:
    kg = KnowledgeGraph.load("red-sea-2024")
    _open(page, live)
    page.locator("#scenario").click()
    page.get_by_role("option", name=re.compile("red-sea-2024")).click()
    _wait_nodes(page, [n.id for n in kg.snapshot(_start(kg)).nodes()])
    assert "houthis" in _cy_ids(page)
    assert page.locator("#scenario-title").inner_text().startswith(kg.scenario.scenario.name)
    _finish(page, live)


def _bad_scenario() -> tuple[str, list[str]]:
    doc = tiny_document()
    doc["nodes"][0]["group"]["orientation"] = 1.7
    doc["ties"][0]["sources"] = ["no-such-source"]
    text = yaml.safe_dump(doc, sort_keys=False)
    lines = text.splitlines()
    orient = next(i for i, line in enumerate(lines, 1) if "orientation: 1.7" in line)
    return text, [f"bad.yaml:{orient}: nodes[0].group.orientation:",
                  "ties[0].sources[0]: unknown source 'no-such-source'"]


def test_upload_a_bad_scenario_shows_every_problem(page: Any, live: Any) -> None:
    _open(page, live, "Scenario upload")
    text, expected = _bad_scenario()
    upload = page.locator("#upload input[type=file]")
    upload.set_input_files({"name": "bad.yaml", "mimeType": "application/x-yaml",
                            "buffer": text.encode()})
    errors = page.locator("#upload-errors")
    errors.wait_for()
    shown = errors.inner_text()
    for part in expected:
        assert part in shown, shown
    assert all(line.startswith("bad.yaml:") for line in shown.splitlines())
    assert page.locator("#scenario").inner_text().startswith("Iraq")  # unchanged
    _finish(page, live)


def test_first_page_carries_only_the_explorer(page: Any, live: Any) -> None:
    """The first page draws the explorer alone: the other pages are built on their first
    visit, the panels below the fold once scrolled to, and no callback runs on load."""
    _open(page, live)
    page.wait_for_timeout(300)  # anything fetched just after the first draw is counted too
    assert not [u for u in page.recorder.requests if "plotly" in u]
    assert not [u for u in page.recorder.requests if "_dash-update-component" in u]
    for tab in ("lab", "experiments", "events", "theatres", "upload"):
        assert page.locator(f"#page-{tab} *").count() == 0, tab
    assert page.evaluate("document.querySelector('#run-graph')._cyreg.cy.nodes().length") == 0
    page.locator(".tab", has_text="Policy lab").click()
    page.locator("#lab-run").wait_for()
    page.locator(".tab", has_text="Network explorer").click()
    page.locator("#run-panel").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('#run-graph')._cyreg.cy"
                           ".nodes().length > 0")
    _finish(page, live)


def test_upload_a_good_scenario_and_explore_it(page: Any, live: Any) -> None:
    _open(page, live, "Scenario upload")
    good = yaml.safe_dump(tiny_document(), sort_keys=False)
    page.locator("#upload input[type=file]").set_input_files(
        {"name": "tiny.yaml", "mimeType": "application/x-yaml", "buffer": good.encode()})
    page.wait_for_selector("#upload-ok")
    assert "Tiny test scenario" in page.locator("#scenario").inner_text()
    page.locator(".tab", has_text="Network explorer").click()
    from armednet.kb.loader import parse_documents

    kg = KnowledgeGraph(parse_documents([("tiny.yaml", good)]))
    _wait_nodes(page, [n.id for n in kg.snapshot(_start(kg)).nodes()])
    assert "Tiny test scenario: 7 actors" in page.locator("#scenario-title").inner_text()
    # the lab runs the uploaded scenario
    page.locator(".tab", has_text="Policy lab").click()
    for ident, value in (("lab-runs", 50), ("lab-weeks", 8)):
        page.locator(f"#{ident}").fill(str(value))
        page.locator(f"#{ident}").press("Tab")
    page.locator("#lab-run").click()
    page.wait_for_selector("#lab-finished")
    page.wait_for_function("() => { const g = document.querySelector('#lab-fan .js-plotly-plot');"
                           " return g && g.data && g.data.length > 0; }")
    assert page.locator("#lab-summary tbody tr").count() > 5
    _finish(page, live)


def test_lab_presets_and_bad_input(page: Any, live: Any) -> None:
    _open(page, live, "Policy lab")
    page.locator("#lab-preset").click()
    page.get_by_role("option", name="accountability", exact=True).click()
    for kind, on in (("accountability", True), ("civil-society", True), ("strikes", False)):
        page.wait_for_function("([s, on]) => document.querySelector(s).checked === on",
                               arg=[f"#lab-on-{kind} input[type=checkbox]", on])
    assert page.locator("#lab-int-civil-society input").input_value() == "0.5"
    page.locator("#lab-runs").fill("0")
    page.locator("#lab-runs").press("Tab")
    page.locator("#lab-run").click()
    page.wait_for_selector("#lab-error")
    assert "runs must be a whole number from 1 to 20000" in page.locator("#lab-error").inner_text()
    _finish(page, live)


def test_upload_too_large_is_refused_in_the_page(page: Any, live: Any) -> None:
    from armednet.app.upload import MAX_UPLOAD_BYTES

    _open(page, live, "Scenario upload")
    big = b"# " + b"x" * (MAX_UPLOAD_BYTES + 10) + b"\n"
    page.locator("#upload input[type=file]").set_input_files(
        {"name": "huge.yaml", "mimeType": "application/x-yaml", "buffer": big})
    page.locator("#upload-errors").wait_for()
    assert "more than the limit of 2,097,152 bytes" in page.locator("#upload-errors").inner_text()
    assert max(page.recorder.posted) < MAX_UPLOAD_BYTES  # never sent to the server
    _finish(page, live)
