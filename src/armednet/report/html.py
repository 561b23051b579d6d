"""A self-contained HTML report of a scenario and an experiment.

One file, all JavaScript inlined (plotly.js once), no network access needed to open it:
an analyst can mail it. Sections appear when their data exist: scenario and network picture,
key actors, policy comparison (fan charts and distributions), the essay's claims, Sobol
indices, PRIM boxes, calibration and forecast, and an appendix with every parameter and its
source, the package version, seeds and the scenario hash.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["build_report", "render_report"]

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
main{max-width:1100px;margin:auto;padding:24px 32px;background:#fff}
h1{margin-bottom:0}h2{border-bottom:2px solid #eee;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;margin:12px 0;font-size:14px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f4f6f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777;font-size:13px}.note{background:#fef9e7;padding:8px 12px;border-radius:4px}
nav a{margin-right:14px}code{font-size:12px}
"""


def _table(df: pd.DataFrame, floatfmt: str = "{:.3g}", max_rows: int = 200) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.head(max_rows).itertuples(index=False):
        cells = []
        for v in rec:
            if isinstance(v, (float, np.floating)):
                cells.append(f'<td class="num">{floatfmt.format(v) if v == v else ""}</td>')
            elif isinstance(v, (int, np.integer)):
                cells.append(f'<td class="num">{v}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _fig(fig: Any, div_id: str) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                           config={"displaylogo": False, "responsive": True}))


def _section(sid: str, title: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{html.escape(title)}</h2>{body}</section>'


def _scenario_section(kg: Any, key_actors: pd.DataFrame | None,
                      size_by: dict[str, float] | None) -> list[tuple[str, str, str]]:
    from armednet.report.figures import network_figure

    s = kg.summary()
    counts = pd.DataFrame({"type": list(s["nodes_by_type"]),
                           "nodes": list(s["nodes_by_type"].values())})
    layers = pd.DataFrame({"layer": list(s["ties_by_layer"]),
                           "ties": list(s["ties_by_layer"].values())})
    body = (f"<p><b>{html.escape(str(s['name']))}</b> (<code>{html.escape(s['scenario'])}"
            f"</code>), simulated from {s['start']}: {s['nodes']} actors, {s['ties']} ties, "
            f"{s['sources']} sources, {s['events']} scheduled events; "
            f"{float(s['sourced_share']):.0%} of facts carry a source.</p>"
            f"<div style='display:flex;gap:40px'>{_table(counts)}{_table(layers)}</div>"
            + _fig(network_figure(kg, size_by), "network")
            + "<p class='muted'>Colour: layer. Size: " + ("betweenness" if size_by else "equal")
            + ". Layout: seeded spring layout.</p>")
    out = [("scenario", "Scenario and network", body)]
    if key_actors is not None and len(key_actors):
        out.append(("key-actors", "Key actors", _table(key_actors)))
    return out


def _comparison_section(analysis: dict[str, Any], outcomes: pd.DataFrame,
                        traj: pd.DataFrame | None, dates: list[Any] | None
                        ) -> list[tuple[str, str, str]]:
    from armednet.report.figures import fan_chart, fan_quantiles, outcome_distributions

    out = []
    parts = []
    if traj is not None and len(traj):
        bands = {str(p): fan_quantiles(np.stack(g["values"].to_list()))
                 for p, g in traj.groupby("policy", sort=False)}
        weeks = len(next(iter(bands.values()))["median"])
        parts.append(_fig(fan_chart(bands, dates[:weeks] if dates else None), "fan-attacks"))
        parts.append("<p class='muted'>Lines: weekly median across runs; bands: 50% and 90% "
                     "of runs.</p>")
    comp = pd.DataFrame(analysis.get("comparison", []))
    if len(comp):
        comp["median [90%]"] = [f"{m:.3g} [{lo:.3g}, {hi:.3g}]" for m, lo, hi in
                                zip(comp["median"], comp["low"], comp["high"], strict=True)]
        wide = comp.pivot(index="policy", columns="outcome", values="median [90%]")
        wide = wide.reindex(list(dict.fromkeys(comp["policy"]))).reset_index()
        wide.columns.name = None
        parts.append(_table(wide))
        names = list(dict.fromkeys(comp["outcome"]))
        parts.append(_fig(outcome_distributions(outcomes, names), "distributions"))
    versus = pd.DataFrame(analysis.get("versus", []))
    if len(versus):
        versus["p better [90% CI]"] = [f"{p:.0%} [{lo:.0%}, {hi:.0%}]" for p, lo, hi in
                                       zip(versus["p_better"], versus["low"], versus["high"],
                                           strict=True)]
        w = versus.pivot(index="policy", columns="outcome", values="p better [90% CI]")
        w.columns.name = None
        parts.append(f"<h3>Probability of beating {html.escape(str(analysis['baseline']))} "
                     "in the same worlds</h3>" + _table(w.reset_index()))
    regret = pd.DataFrame(analysis.get("regret", []))
    if len(regret):
        parts.append("<h3>Regret (distance to the best policy of each world)</h3>"
                     + _table(regret))
    if parts:
        out.append(("comparison", "Policy comparison", "".join(parts)))
    return out


def _claims_section(analysis: dict[str, Any]) -> list[tuple[str, str, str]]:
    claims = analysis.get("claims")
    if not claims:
        return []
    rows = []
    boxes = []
    for c in claims:
        share = c.get("share")
        rows.append({"claim": c["id"], "statement": c["title"],
                     "holds in": "n/a" if share is None else f"{share:.0%}",
                     "90% CI": "" if share is None else f"{c['low']:.0%}-{c['high']:.0%}",
                     "definition": c.get("definition", "")})
        box = c.get("fails_box")
        if box and box.get("limits"):
            lim = "; ".join(f"{k} in [{v[0]:.3g}, {v[1]:.3g}]" for k, v in box["limits"].items())
            boxes.append({"claim": c["id"], "fails where": lim,
                          "coverage": box["coverage"], "density": box["density"]})
    body = ("<p>Each claim of the essay is a statement checked in every sampled world; the "
            "share of worlds where it holds is an output of the runs. PRIM boxes show where "
            "in the uncertainty space it fails.</p>" + _table(pd.DataFrame(rows)))
    if boxes:
        body += "<h3>Where claims fail (PRIM)</h3>" + _table(pd.DataFrame(boxes))
    return [("claims", "The essay's claims", body)]


def _sensitivity_section(analysis: dict[str, Any]) -> list[tuple[str, str, str]]:
    from armednet.report.figures import sobol_bars

    parts = []
    sob = analysis.get("sobol")
    if sob:
        for i, (name, block) in enumerate(sob["outcomes"].items()):
            conv = ("converged" if block.get("converged") else "not converged")
            parts.append(_fig(sobol_bars(block["indices"],
                                         f"Sobol indices of {name} ({sob['policy']}; {conv})"),
                              f"sobol-{i}"))
    mor = analysis.get("morris")
    if mor:
        for name, block in mor["outcomes"].items():
            parts.append(f"<h3>Morris effects on {html.escape(name)}</h3>"
                         + _table(pd.DataFrame(block["indices"])))
    return [("sensitivity", "Sensitivity", "".join(parts))] if parts else []


def _calibration_section(calibration: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    if not calibration:
        return []
    parts = []
    fit = calibration.get("fit")
    if fit:
        parts.append("<h3>Posterior predictive against observed counts</h3>"
                     + _table(pd.DataFrame(fit)))
    if calibration.get("coverage") is not None:
        parts.append(f"<p>Observed intervals inside the 90% predictive interval: "
                     f"{calibration['coverage']:.0%}.</p>")
    fc = calibration.get("forecast")
    if fc:
        parts.append("<h3>Forecast</h3>" + _table(pd.DataFrame(fc.get("weekly", []))))
        if "p_lull" in fc:
            parts.append(f"<p>Probability of a lull: {fc['p_lull']:.0%}.</p>")
    return [("calibration", "Calibration and forecast", "".join(parts))]


def _appendix(meta: dict[str, Any] | None, kg: Any) -> list[tuple[str, str, str]]:
    from armednet import __version__

    parts = [f"<p>armednet {html.escape(__version__)}; scenario <code>"
             f"{html.escape(kg.scenario.scenario.id)}</code> hash <code>{kg.hash}</code>; report "
             f"written {dt.datetime.now().isoformat(timespec='seconds')}.</p>"]
    if meta:
        parts.append(f"<p>Experiment <code>{html.escape(str(meta['experiment_id']))}</code>, "
                     f"seed {meta['seed']}, design {html.escape(str(meta['design_method']))}, "
                     f"{meta['n_points']} points x {meta['replications']} replications x "
                     f"{meta['n_policies']} policies; package version "
                     f"{html.escape(str(meta['package_version']))}.</p>")
    try:
        from armednet.sim.params import PARAMETERS
    except ImportError:  # pragma: no cover - the engine ships with the package
        PARAMETERS = {}
    if PARAMETERS:
        used = (meta or {}).get("params") or {}
        rows = [{"parameter": p.name, "symbol": getattr(p, "symbol", ""),
                 "meaning": getattr(p, "meaning", ""), "unit": getattr(p, "unit", ""),
                 "value": used.get(p.name, p.default), "range": f"{p.low:g} .. {p.high:g}",
                 "source": getattr(p, "source", "")} for p in PARAMETERS.values()]
        parts.append("<h3>Model parameters</h3>" + _table(pd.DataFrame(rows)))
    if meta and meta.get("spec"):
        parts.append("<h3>Experiment specification</h3><pre><code>"
                     + html.escape(json.dumps(meta["spec"], indent=2)) + "</code></pre>")
    return [("appendix", "Appendix: parameters and provenance", "".join(parts))]


def render_report(kg: Any, analysis: dict[str, Any] | None = None,
                  outcomes: pd.DataFrame | None = None, trajectories: pd.DataFrame | None = None,
                  meta: dict[str, Any] | None = None, key_actors: pd.DataFrame | None = None,
                  size_by: dict[str, float] | None = None,
                  calibration: dict[str, Any] | None = None,
                  title: str = "armednet report") -> str:
    """Render the report as one HTML string (see :func:`build_report` for the file)."""
    import plotly.offline

    analysis = analysis or {}
    dates = None
    try:
        start = pd.Timestamp(str(kg.scenario.scenario.start))
        dates = list(pd.date_range(start, periods=1100, freq="7D").date)
    except (ValueError, TypeError):
        dates = None
    sections = _scenario_section(kg, key_actors, size_by)
    if outcomes is not None and len(outcomes):
        sections += _comparison_section(analysis, outcomes, trajectories, dates)
    sections += _claims_section(analysis)
    sections += _sensitivity_section(analysis)
    sections += _calibration_section(calibration)
    sections += _appendix(meta, kg)
    nav = "".join(f'<a href="#{sid}">{html.escape(t)}</a>' for sid, t, _ in sections)
    body = "".join(_section(*s) for s in sections)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style>"
            f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head>"
            f"<body><main><h1>{html.escape(title)}</h1><p class='muted'>"
            f"{html.escape(kg.scenario.scenario.name)}</p><nav>{nav}</nav>{body}</main></body>"
            "</html>")


def build_report(out: str | Path, db: str | Path | None = None,
                 experiment_id: str | None = None, scenario: str | None = None) -> Path:
    """Write the report of a stored experiment (or of a scenario alone) to ``out``.

    The file is written to a temporary name and renamed, so a failure leaves no partial
    report.
    """
    from armednet.fileio import atomic_path
    from armednet.kb import KnowledgeGraph

    analysis = outcomes = traj = meta = calibration = None
    kg = None
    if db is not None:
        from armednet.experiments.analyze import analyze_experiment
        from armednet.experiments.store import open_store

        with open_store(db) as store:
            meta = store.meta(experiment_id)
            eid = str(meta["experiment_id"])
            analysis = store.analysis(eid, "summary") or analyze_experiment(store, eid)
            outcomes = store.outcomes(eid)
            traj = store.trajectories(eid, "attacks")
            calibration = store.analysis("calibration", "latest")
            if scenario is None:
                scenario = meta["spec"].get("scenario")
            if isinstance(meta.get("params"), str):
                meta["params"] = json.loads(meta["params"])
        kg = KnowledgeGraph.load(scenario)
        if kg.hash != meta["scenario_hash"]:
            analysis = dict(analysis)
            analysis["scenario_warning"] = "the scenario changed since the experiment ran"
    if kg is None:
        kg = KnowledgeGraph.load(scenario)
    key_actors, size_by = _key_actors(kg)
    text = render_report(kg, analysis, outcomes, traj, meta, key_actors, size_by, calibration)
    out = Path(out)
    with atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out


def _key_actors(kg: Any) -> tuple[pd.DataFrame | None, dict[str, float] | None]:
    try:
        from armednet.analysis import betweenness, key_actor_report
    except ImportError:
        return None, None
    report = key_actor_report(kg, top=10)
    size = betweenness(kg)
    return report, {str(k): float(v) for k, v in size.items()}
