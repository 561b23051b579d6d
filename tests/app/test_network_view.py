"""The network view for people: the scenario's window by default, readable labels that do
not overlap, a legend, node search, panels that fit, the genealogy timeline and the network
as a simulation run changed it.

Data-level tests run without a browser; those marked ``browser`` open the dashboard in
Debian's Chromium (1400 x 1000) and save screenshots under ``test-artifacts/network-view/``.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from armednet.analysis.period import scenario_window
from armednet.kb import KnowledgeGraph
from tests.report.browser import ARTIFACTS

CY = "document.querySelector('#{}')._cyreg.cy"
NET = CY.format("net-graph")
SHOTS = ARTIFACTS / "network-view"


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture(scope="module")
def ensemble(kg: KnowledgeGraph) -> Any:
    from armednet.app.runview import run_ensemble

    return run_ensemble(kg, "decapitation", runs=20, seed=1)


# -- data ---------------------------------------------------------------------------------
def test_slider_spans_the_window_week_by_week(kg: KnowledgeGraph) -> None:
    from armednet.app.network import date_steps

    start, end = scenario_window(kg)
    assert end is not None
    dates, first = date_steps(kg)
    assert first == 0 and dates[0] == start and dates[-1] == end
    assert all(start <= d <= end for d in dates)
    assert {(b - a).days for a, b in itertools.pairwise(dates[:-1])} == {7}
    whole, at = date_steps(kg, whole=True)
    assert whole[0] < start and whole[at] == start and whole[-1] == end


def test_drawn_labels_never_overlap(kg: KnowledgeGraph) -> None:
    from armednet.app.netstyle import LABEL_PX, label_zooms
    from armednet.app.network import elements, size_measure
    from armednet.report.figures import network_positions

    snap = kg.snapshot(str(kg.scenario.scenario.start))
    size = size_measure(snap)
    els = elements(snap, network_positions(kg), size)
    nodes = [e for e in els if "source" not in e["data"]]
    top = max(nodes, key=lambda e: size[e["data"]["id"]])
    assert top["data"]["lz"] == 0.0  # the most central actor is always named
    order = sorted(nodes, key=lambda e: e["data"]["lz"])
    for zoom in (0.3, 0.5, 1.0, 2.0):
        drawn = [e for e in order if e["data"]["lz"] <= zoom]
        assert drawn
        x = np.array([e["position"]["x"] for e in drawn]) * zoom
        y = np.array([e["position"]["y"] + e["data"]["size"] / 2 for e in drawn]) * zoom
        w = np.minimum([len(e["data"]["label"]) * 0.6 * LABEL_PX for e in drawn], 140) + 6
        for i in range(len(drawn)):
            clash = (np.abs(x - x[i]) < (w + w[i]) / 2 - 1e-6) & (
                np.abs(y - y[i]) < LABEL_PX * 1.5 + 2 - 1e-6)
            assert clash.sum() == 1, (zoom, drawn[i]["data"]["id"])  # itself only
    assert label_zooms([]) == {}


def test_legend_names_every_layer_and_type(kg: KnowledgeGraph) -> None:
    from armednet.app.netstyle import legend

    layers = [str(x) for x in kg.layers()]
    types = sorted({str(n.type) for n in kg.nodes()})
    text = str(legend(layers, types).to_plotly_json())
    assert all(x.replace("_", " ") in text for x in layers + types)


def test_genealogy_lists_splits_joinings_alliances_rivalries(kg: KnowledgeGraph) -> None:
    from armednet.app.genealogy import KINDS, genealogy, genealogy_figure

    rows = genealogy(kg)
    assert {r["kind"] for r in rows} == set(KINDS)
    splits = {(r["source"], r["target"]): r["start"] for r in rows if r["kind"] == "split"}
    assert splits[("harakat-al-nujaba", "kataib-hezbollah")] == "2013"
    ended = [r for r in rows if r["kind"] == "rivalry" and r["end"]]
    assert ended and all(r["last"] >= r["first"] for r in ended)
    assert all(r["kind"] != "alliance" or "armed_group" in {
        str(kg.node(r["source"]).type), str(kg.node(r["target"]).type)} or "umbrella" in {
        str(kg.node(r["source"]).type), str(kg.node(r["target"]).type)} for r in rows)
    fig = genealogy_figure(kg)
    assert [t.name for t in fig.data] == list(KINDS)
    assert len(fig.data[0].y) == len(splits)


def test_run_changes_follow_the_engine(kg: KnowledgeGraph, ensemble: Any) -> None:
    from armednet.app.runview import END_KINDS, run_changes, run_elements
    from armednet.report.figures import network_positions

    summary = ensemble.summary
    runs = [run_changes(ensemble, r) for r in range(len(summary))]
    assert any(c.kind == "splinter" for ch in runs for c in ch)
    assert any(c.kind in END_KINDS.values() for ch in runs for c in ch)
    run = max(range(len(runs)), key=lambda r: len(runs[r]))
    for c in runs[run]:
        if c.kind != "splinter":
            assert END_KINDS[int(summary.iloc[run][f"end_kind_{c.node}"])] == c.kind
            assert int(summary.iloc[run][f"end_week_{c.node}"]) == c.week
    week = int(ensemble.weekly["week"].size) - 1
    els = run_elements(kg, ensemble, run, week, network_positions(kg))
    by_id = {e["data"]["id"]: e for e in els}
    for c in runs[run]:
        if c.kind == "splinter":
            assert "splinter" in by_id[c.node]["classes"]
            assert by_id[f"split::{c.node}"]["data"]["target"] == c.parent
        else:
            assert "ended" in by_id[c.node]["classes"]
    first = min(c.week for c in runs[run])
    early = run_elements(kg, ensemble, run, max(first - 1, 0), network_positions(kg))
    changed = [e for e in early if "ended" in e.get("classes", "")
               or "splinter" in e.get("classes", "")]
    assert first == 0 or not changed


# -- browser ------------------------------------------------------------------------------
def _open(page: Any, live: Any) -> None:
    page.goto(live.url + "/")
    page.wait_for_function(f"() => {{ const c = document.querySelector('#net-graph');"
                           f" return c && c._cyreg && {NET}.nodes().length > 0; }}")
    page.wait_for_selector("#net-date [role=slider]")
    page.wait_for_function("() => document.querySelector('#net-search').innerText"
                           ".includes('Type a name')")
    # the labels' zoom handler has run: label sizes are set on screen
    page.wait_for_function(f"() => {NET}.scratch('_armednetLabels') !== undefined")


def _finish(page: Any, live: Any) -> None:
    assert page.recorder.foreign(live.url) == [], "requests left the local server"
    assert not page.recorder.errors, page.recorder.errors


def _find(page: Any, typed: str, name: str) -> None:
    """Type ``typed`` in the node search and press Enter once ``name`` is offered."""
    page.locator("#net-search").click()
    page.wait_for_function("() => document.activeElement.classList.contains("
                           "'dash-dropdown-search')")
    page.keyboard.type(typed)
    page.get_by_role("option", name=name, exact=True).wait_for()
    page.keyboard.press("Enter")


LABELS = f"""() => {{
    const cy = {NET}, z = cy.zoom();
    // the selected node is always named (on top, opaque): the others must not overlap
    const drawn = cy.nodes().filter(n => n.style('label') !== '' && !n.selected());
    const boxes = drawn.map(n => n.renderedBoundingBox({{includeNodes: false,
        includeEdges: false, includeLabels: true}}));
    let overlaps = 0;
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {{
        const a = boxes[i], b = boxes[j];
        if (a.x1 < b.x2 - 1 && b.x1 < a.x2 - 1 && a.y1 < b.y2 - 1 && b.y1 < a.y2 - 1) overlaps++;
    }}
    return {{zoom: z, nodes: cy.nodes().length, drawn: drawn.length, overlaps: overlaps,
             px: drawn.map(n => parseFloat(n.style('font-size')) * z),
             rendered: drawn.map(n => parseFloat(n.renderedStyle('font-size')))}};
}}"""


@pytest.mark.browser
def test_legend_labels_window_search_and_fit(page: Any, live: Any, kg: KnowledgeGraph) -> None:
    _open(page, live)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "after-explorer.png"))
    # a legend for layers (colour) and node types (shape)
    legend = page.locator("#net-legend")
    assert legend.is_visible()
    assert legend.locator(".legend-layer").count() == len(kg.layers())
    assert legend.locator(".legend-type").count() == len({n.type for n in kg.nodes()})
    # labels of at least 11 px on screen at the default zoom, none overlapping
    labels = page.evaluate(LABELS)
    assert labels["drawn"] >= 10 and labels["drawn"] < labels["nodes"]
    assert min(labels["px"]) >= 11 and min(labels["rendered"]) >= 11, labels
    assert labels["overlaps"] == 0, labels
    # the default snapshot lies inside the scenario's window, and so does the slider
    start, end = scenario_window(kg)
    assert end is not None
    shown = dt.date.fromisoformat(page.locator("#net-date-label").inner_text().split()[-1])
    assert start <= shown <= end
    assert page.locator("#net-date-window").inner_text().startswith(
        "inside the scenario's window")
    page.locator("#net-date [role=slider]").press("End")
    page.wait_for_function("(t) => document.querySelector('#net-date-label').innerText === t",
                           arg=f"Snapshot on {end}")
    # node search: type a name, the node is selected and centred, its details shown
    target = "kataib-sayyid-al-shuhada"
    _find(page, "Kataib Sayyid", kg.node(target).name)
    page.wait_for_function(f"(id) => {NET}.getElementById(id).selected()", arg=target)
    where = page.evaluate(f"(id) => {{ const cy = {NET}; const p = cy.getElementById(id)"
                          ".renderedPosition(); return [p.x, p.y, cy.width(), cy.height(), "
                          "cy.zoom()]; }", target)
    assert abs(where[0] - where[2] / 2) < 2 and abs(where[1] - where[3] / 2) < 2, where
    assert page.evaluate(LABELS)["overlaps"] == 0  # zoomed in: more names, still apart
    page.wait_for_selector("#net-details-name")
    assert page.locator("#net-details-name").inner_text() == kg.node(target).name
    # the what-if tables fit their panel
    page.locator("#net-remove-selected").click()
    page.wait_for_selector("#net-impact-groups")
    widths = page.evaluate("() => [...document.querySelectorAll('#net-impact table')].map("
                           "t => [t.getBoundingClientRect().right, document.querySelector("
                           "'#net-impact').getBoundingClientRect().right])")
    assert widths and all(right <= panel + 0.5 for right, panel in widths), widths
    assert page.evaluate("document.documentElement.scrollWidth") <= 1400
    page.screenshot(path=str(SHOTS / "after-whatif.png"))
    _finish(page, live)


@pytest.mark.browser
def test_widen_to_the_record_and_genealogy(page: Any, live: Any, kg: KnowledgeGraph) -> None:
    from armednet.app.network import date_steps

    _open(page, live)
    start, _ = scenario_window(kg)
    page.locator("#net-span label", has_text="whole record").click()
    whole, _ = date_steps(kg, whole=True)
    page.wait_for_function("(n) => document.querySelector('#net-date [role=slider]')"
                           ".getAttribute('aria-valuemax') == n", arg=len(whole) - 1)
    assert page.locator("#net-date-label").inner_text() == f"Snapshot on {start}"  # kept
    page.locator("#net-date [role=slider]").press("Home")
    page.wait_for_function("(t) => document.querySelector('#net-date-label').innerText === t",
                           arg=f"Snapshot on {whole[0]}")
    assert "outside the scenario's window" in page.locator("#net-date-window").inner_text()
    ids = page.evaluate(f"{NET}.nodes().map(n => n.id())")
    assert sorted(ids) == sorted(n.id for n in kg.snapshot(whole[0]).nodes())
    # the genealogy timeline (drawn once scrolled to): one trace per kind
    page.locator("#gen-panel").scroll_into_view_if_needed()
    page.wait_for_function("() => { const g = document.querySelector('#gen-figure "
                           ".js-plotly-plot'); return g && g.data && g.data.length === 4; }")
    names = page.evaluate("document.querySelector('#gen-figure .js-plotly-plot').data"
                          ".map(t => t.name)")
    assert names == ["split", "joined umbrella", "alliance", "rivalry"]
    page.locator("#gen-panel").screenshot(path=str(SHOTS / "after-genealogy.png"))
    _finish(page, live)


@pytest.mark.browser
def test_network_as_a_run_changed_it(page: Any, live: Any, kg: KnowledgeGraph,
                                     ensemble: Any) -> None:
    from armednet.app.runview import run_changes

    _open(page, live)
    page.locator("#run-go").click()  # decapitation, 20 runs, seed 1: the fixture's ensemble
    page.wait_for_selector("#run-changes")
    run = int(page.locator("#run-pick").inner_text().split()[1].rstrip(":"))
    changes = run_changes(ensemble, run)
    assert changes
    ry = CY.format("run-graph")
    page.wait_for_function(f"(n) => {ry}.nodes('.ended, .splinter').length === n",
                           arg=len(changes))
    ended = sorted(page.evaluate(f"{ry}.nodes('.ended').map(n => n.id())"))
    split = sorted(page.evaluate(f"{ry}.nodes('.splinter').map(n => n.id())"))
    assert ended == sorted(c.node for c in changes if c.kind != "splinter")
    assert split == sorted(c.node for c in changes if c.kind == "splinter")
    # back to the first week: nothing has happened yet
    page.locator("#run-week [role=slider]").press("Home")
    page.wait_for_function("() => document.querySelector('#run-week-label').innerText"
                           ".startsWith('Week 0 ')")
    first = min(c.week for c in changes)
    expect = sum(1 for c in changes if c.week == 0) if first == 0 else 0
    page.wait_for_function(f"(n) => {ry}.nodes('.ended, .splinter').length === n", arg=expect)
    page.locator("#run-week [role=slider]").press("End")
    page.wait_for_function(f"(n) => {ry}.nodes('.ended, .splinter').length === n",
                           arg=len(changes))
    page.locator("#run-panel").screenshot(path=str(SHOTS / "after-run.png"))
    _finish(page, live)


def test_screenshots_folder_is_ignored_by_git() -> None:
    ignore = (Path(__file__).resolve().parents[2] / ".gitignore").read_text(encoding="utf-8")
    assert "test-artifacts/" in ignore.split()
