"""Benchmark: how fast the dashboard answers, measured in a real browser.

Starts the dashboard on a free port of 127.0.0.1 (as ``armednet serve`` does, on the bundled
scenario, with a results database when one is given) and drives Debian's Chromium
(headless, through Playwright) like an analyst:

- **first page**: from navigation to the network explorer drawn (graph nodes on screen, the
  date slider and the scenario menu in place), in a fresh browser context, i.e. with nothing
  cached; the median of ``--repeat`` loads;
- **1,000-run ensemble**: in the policy lab, from the click on "Run ensemble" (1,000 runs x
  104 weeks, the strikes lever) to the fan chart and summary table on the page. The first
  run also simulates the status quo (1,000 more runs); later runs take it from the cache.

Targets (the dashboard issue): first page within 2 s, a 1,000-run ensemble answered within
3 s, on the reference machine (2 cores). Run with ``make bench`` or
``python benchmarks/bench_dashboard.py [--db FILE] [--repeat N] [--strict]``; with
``--strict`` a missed target exits with status 1.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

__all__ = ["main"]

FIRST_PAGE_TARGET_S = 2.0
ENSEMBLE_TARGET_S = 3.0
CHROMIUM = os.environ.get("ARMEDNET_CHROMIUM", "/usr/bin/chromium")
CY = "document.querySelector('#net-graph')._cyreg.cy"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _first_page(browser: Any, url: str) -> float:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    t = time.perf_counter()
    page.goto(url)
    page.wait_for_function(f"() => {{ const c = document.querySelector('#net-graph');"
                           f" return c && c._cyreg && {CY}.nodes().length > 0; }}")
    page.wait_for_selector("#net-date [role=slider]")
    page.wait_for_function("() => document.querySelector('#scenario').innerText.length > 0")
    elapsed = time.perf_counter() - t
    ctx.close()
    return elapsed


def _ensemble(page: Any, lever: str, name: str) -> float:
    """Seconds from the click on "Run ensemble" to the chart of policy ``name`` drawn."""
    page.locator(f"#lab-on-{lever} label").click()
    page.wait_for_function("(s) => document.querySelector(s).checked",
                           arg=f"#lab-on-{lever} input[type=checkbox]")
    t = time.perf_counter()
    page.locator("#lab-run").click()
    page.wait_for_function(
        "(name) => { const g = document.querySelector('#lab-fan .js-plotly-plot');"
        " return g && g._fullData && g._fullData.length === 6"
        " && g._fullData.some(d => d.name === name)"
        " && document.querySelector('#lab-summary') !== null; }", arg=name)
    elapsed = time.perf_counter() - t
    page.locator(f"#lab-on-{lever} label").click()  # untick for the next run
    return elapsed


def main(argv: list[str] | None = None) -> int:
    """Start the dashboard, time it in Chromium, print figures against targets.

    Returns
    -------
    int
        0, or 1 with ``--strict`` when a target is missed (or Chromium is missing).
    """
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None, help="results database to serve")
    ap.add_argument("--repeat", type=int, default=3, help="first-page loads to time")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = ap.parse_args(argv)

    from werkzeug.serving import make_server

    from armednet.app.lab import run_lab
    from armednet.app.server import create_app
    from armednet.kb import KnowledgeGraph

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    t = time.perf_counter()
    app = create_app(db=args.db)
    app.server.test_client().get("/")  # what `armednet serve` does before serving
    t_start = time.perf_counter() - t
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/"
    print(f"dashboard built in {t_start:.2f} s, serving {url}")

    kg = KnowledgeGraph.load()
    t = time.perf_counter()
    run_lab(kg, {"decapitation": 1.0}, runs=1000, weeks=104, seed=99)
    t_python = time.perf_counter() - t
    print(f"python: run_lab, 1,000 runs x 104 weeks, policy and status quo: {t_python:.2f} s")

    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: browser figures skipped")
        server.shutdown()
        return 1 if args.strict else 0
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        loads = [_first_page(browser, url) for _ in range(max(1, args.repeat))]
        first = statistics.median(loads)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = ctx.new_page()
        page.goto(url)
        page.wait_for_function(f"() => {{ const c = document.querySelector('#net-graph');"
                               f" return c && c._cyreg && {CY}.nodes().length > 0; }}")
        page.locator(".tab", has_text="Policy lab").click()
        cold = _ensemble(page, "strikes", "strikes 1")        # status quo simulated too
        warm = _ensemble(page, "diplomacy", "diplomacy 0.8")  # status quo from the cache
        ctx.close()
        browser.close()
    server.shutdown()

    ok_page = first <= FIRST_PAGE_TARGET_S
    ok_ens = max(cold, warm) <= ENSEMBLE_TARGET_S
    print(f"first page (fresh browser, median of {len(loads)}: "
          f"{', '.join(f'{x:.2f}' for x in loads)} s): {first:.2f} s "
          f"(target <= {FIRST_PAGE_TARGET_S:g} s: {_verdict(ok_page)})")
    print(f"1,000-run ensemble, click to chart, status quo also simulated: {cold:.2f} s "
          f"(target <= {ENSEMBLE_TARGET_S:g} s: {_verdict(cold <= ENSEMBLE_TARGET_S)})")
    print(f"1,000-run ensemble, click to chart, status quo cached:         {warm:.2f} s "
          f"(target <= {ENSEMBLE_TARGET_S:g} s: {_verdict(warm <= ENSEMBLE_TARGET_S)})")
    return 1 if args.strict and not (ok_page and ok_ens) else 0


if __name__ == "__main__":
    raise SystemExit(main())
