"""A self-contained HTML report of a scenario, an experiment and a calibration.

One file, all JavaScript inlined (plotly.js once), no network access needed to open it:
an analyst can mail it. Sections appear when their data exist:

1. scenario summary and network picture (nodes coloured by layer, sized by betweenness);
2. key actors (top by each measure of :func:`armednet.analysis.key_actor_report`);
3. policy comparison (fan charts of attacks per week with 50% and 90% bands for each
   policy, distributions of the final outcomes, probability of beating the baseline in the
   same worlds, regret);
4. the essay's claims: tested ones (share of worlds) apart from assumed ones (the
   mechanisms that carry them), each with what the data say, and the PRIM boxes where the
   tested ones fail;
5. Sobol (or Morris) sensitivity indices, only those above the noise floor (a dummy input
   no mechanism reads) that have converged, and uncertainty about the network itself: the
   share of each outcome's variance the network carries and the ties that matter most
   (from the experiment, or a network-uncertainty experiment in the same database);
6. calibration fit and forecast (from the ``("calibration", "latest")`` analysis record),
   and the forecast skill of a rolling-origin backtest against naive baselines (from the
   ``("validation", "backtest")`` record);
6b. several theatres (from the ``("theatres", "latest")`` comparison of
   :func:`armednet.experiments.theatres.save_comparison`): each policy's paired effect per
   theatre, small multiples of the effects, the network what-if, and, when the joint
   calibration record ``("calibration-theatres", "latest")`` exists, the shared parameters,
   each theatre's patterns and statements and its forecast fan after its cut-off;
7. methods and limitations: the assumed claims and the mechanisms that carry them, the
   calibration's status (which parameters the data inform, which patterns it reproduces),
   the forecast's score against naive baselines, and the known limits;
8. an appendix with every model parameter, its value and source, the package version,
   seeds, the experiment specification, the scenario hash and the scenario's sources.

The HTML is written by Jinja2 templates in ``report/templates`` with autoescaping on: the
page (``page.html``), each section's frame (``section.html``), each section's body
(``body_<section>.html``) and the tables (``macros.html``). This module gathers and formats
the data they are given; only plotly's figures arrive as ready markup.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SECTIONS", "WHATIF_CAVEAT", "build_report", "calibration_summary", "claim_tables",
           "data_says", "load_report_data", "network_caveat", "network_share_text",
           "policy_order", "prim_rows", "render_report", "sensitivity_cell", "skill_sentences",
           "theatre_policy_rows", "ties_text", "whatif_rows"]

SECTIONS = ("scenario", "key-actors", "comparison", "claims", "prim", "sensitivity",
            "calibration", "theatres", "methods", "appendix")
"""Ids of the report's sections, in order (each is an ``<section id=...>``)."""

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;
background:#fafafa}
main{max-width:1150px;margin:auto;padding:24px 32px;background:#fff}
h1{margin-bottom:0}h2{border-bottom:2px solid #eee;padding-bottom:4px;margin-top:40px}
table{border-collapse:collapse;margin:12px 0;font-size:13px}
th,td{border-bottom:1px solid #e5e5e5;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f4f6f7}td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777;font-size:13px}.note{background:#fef9e7;padding:8px 12px;border-radius:4px}
.flex{display:flex;gap:40px;flex-wrap:wrap}nav a{margin-right:14px}code{font-size:12px}
pre{background:#f6f6f6;padding:8px;overflow:auto;max-height:400px;font-size:12px}
p.csv{margin:-6px 0 12px;font-size:12px}
"""


def _cell(v: Any, floatfmt: str) -> tuple[str, str]:
    """A table cell as ``(kind, text)``: ``num`` (right-aligned), ``url`` (a link) or
    ``text``; the template ``macros.html`` writes (and escapes) it."""
    if isinstance(v, bool | np.bool_):
        return "text", "yes" if v else "no"
    if isinstance(v, float | np.floating):
        return "num", floatfmt.format(v) if np.isfinite(v) else ""
    if isinstance(v, int | np.integer):
        return "num", str(v)
    if isinstance(v, str) and _is_url(v):
        return "url", v
    return "text", "" if v is None else str(v)


def _is_url(text: str) -> bool:
    """Whether a cell is a web address alone (shown as a link; nothing else is)."""
    return text.startswith(("https://", "http://")) and not any(c.isspace() for c in text)


def _csv_href(df: pd.DataFrame) -> str:
    """A ``data:`` URI carrying the whole frame as CSV (the "download CSV" link under each
    table), so the report stays one file that works offline."""
    from urllib.parse import quote

    text = df.to_csv(index=False, lineterminator="\n")
    return f"data:text/csv;charset=utf-8,{quote(text, safe='')}"


def _table(df: pd.DataFrame, floatfmt: str = "{:.3g}", max_rows: int | None = None,
           table_id: str | None = None) -> dict[str, Any]:
    """A frame as the context of the ``table`` macro (index dropped; reset it first to
    keep it): header, cells, rows not shown, and the CSV download of every row."""
    data = df if max_rows is None else df.head(max_rows)
    more = len(df) - max_rows if max_rows is not None and len(df) > max_rows else 0
    name = table_id or "-".join(str(c) for c in df.columns[:2]).replace(" ", "-") or "table"
    return {"id": table_id, "columns": [str(c) for c in df.columns],
            "rows": [[_cell(v, floatfmt) for v in rec] for rec in data.itertuples(index=False)],
            "more": more, "name": name, "href": _csv_href(df), "n": len(df)}


def _fig(fig: Any, div_id: str) -> Any:
    """A plotly figure as HTML (plotly's own markup, marked safe; plotly.js is inlined once
    by the page)."""
    from markupsafe import Markup

    return Markup(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                              config={"displaylogo": False, "responsive": True}))


def _templates() -> Any:
    """The report's Jinja2 environment (templates in ``report/templates``), escaping every
    value that is not marked safe (figures and rendered sections are)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("armednet.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined)


def _render(section: str, **context: Any) -> Any:
    """Section body template ``body_<section>.html`` rendered with ``context`` (as Markup)."""
    from markupsafe import Markup

    text = _templates().get_template(f"body_{section}.html").render(**context)
    return Markup(text.strip())


def _interval(m: float, lo: float, hi: float) -> str:
    return f"{m:.3g} [{lo:.3g}, {hi:.3g}]"


def _window(kg: Any, dates: Sequence[Any] | None) -> tuple[str, str]:
    """The scenario's window (start .. end; the last simulated week when it has no end)."""
    meta = kg.scenario.scenario
    last = str(dates[-1]) if dates else str(meta.start)
    return str(meta.start), str(meta.end or last)


# -- sections -----------------------------------------------------------------------------
def _scenario_section(kg: Any, size_by: Mapping[str, float] | None) -> str:
    from armednet.report.figures import network_figure

    s = kg.summary()
    counts = pd.DataFrame({"node type": list(s["nodes_by_type"]),
                           "nodes": list(s["nodes_by_type"].values())})
    layers = pd.DataFrame({"layer": list(s["ties_by_layer"]),
                           "ties": list(s["ties_by_layer"].values())})
    meta = kg.scenario.scenario
    return str(_render("scenario", s=s, description=meta.description, end=meta.end,
                       span=s.get("date_range") or ["", ""],
                       sourced=f"{float(s['sourced_share']):.0%}", counts=_table(counts),
                       layers=_table(layers), figure=_fig(network_figure(kg, size_by), "network"),
                       sized=bool(size_by)))


def _key_actor_section(report: pd.DataFrame | None) -> str:
    if report is None or report.empty:
        return ""
    overall = report[report["scope"] == "all"]
    wide = overall.pivot(index="rank", columns="measure", values="name")
    wide = wide[list(dict.fromkeys(overall["measure"]))].fillna("").reset_index()
    wide.columns.name = None
    wide.columns = [str(c).replace("_", " ") for c in wide.columns]
    by_type = []
    best = report[(report["scope"] != "all") & (report["rank"] <= 3)]
    for measure in ("betweenness", "cross_layer_brokerage"):
        part = best[best["measure"] == measure]
        if len(part):
            t = part[["scope", "rank", "name", "value"]].rename(columns={"scope": "node type"})
            by_type.append((measure.replace("_", " "), _table(t)))
    return str(_render("key_actors", wide=_table(wide, table_id="key-actors"),
                       by_type=by_type))


def _comparison_section(analysis: Mapping[str, Any], outcomes: pd.DataFrame,
                        traj: pd.DataFrame | None, dates: Sequence[Any] | None,
                        window: tuple[str, str]) -> str:
    from armednet.report.figures import fan_chart, fan_panels, fan_quantiles, outcome_distributions

    covers = (analysis.get("uncertainty") or {}).get("label")
    comp = pd.DataFrame(analysis.get("comparison", []))
    policies = policy_order(analysis, list(outcomes["policy"]))
    base = str(analysis.get("baseline") or "status-quo")
    ctx: dict[str, Any] = {
        "warning": analysis.get("scenario_warning"),
        "incomplete": analysis.get("complete") is False, "covers": covers,
        "lever_warnings": [(policy, m) for policy, messages
                           in (analysis.get("warnings") or {}).items() for m in messages],
        "fan": None, "baseline": base, "window": window, "comparison": None,
        "distributions": None, "versus": None,
        "versus_baseline": analysis.get("baseline"), "regret": None}
    if traj is not None and len(traj):
        groups = {str(p): g for p, g in traj.groupby("policy", sort=False)}
        order = [p for p in policies if p in groups] + [p for p in groups if p not in policies]
        bands = {p: fan_quantiles(np.stack(groups[p]["values"].to_list())) for p in order}
        figure = (fan_panels(bands, dates, baseline=base, start=window[0], end=window[1])
                  if dates is not None else fan_chart(bands))
        ctx["fan"] = _fig(figure, "fan-attacks")
    if len(comp):
        comp["cell"] = [_interval(m, lo, hi) for m, lo, hi in
                        zip(comp["median"], comp["low"], comp["high"], strict=True)]
        wide = comp.pivot(index="outcome", columns="policy", values="cell")
        wide = wide.reindex(index=list(dict.fromkeys(comp["outcome"])),
                            columns=policies).reset_index()
        wide.columns.name = None
        ctx["comparison"] = _table(wide, table_id="comparison-table")
        names = list(dict.fromkeys(comp["outcome"]))
        ctx["distributions"] = _fig(outcome_distributions(outcomes, names, policies=policies),
                                    "distributions")
    versus = pd.DataFrame(analysis.get("versus", []))
    if len(versus):
        versus["cell"] = [f"{p:.0%} [{lo:.0%}, {hi:.0%}]" for p, lo, hi in
                          zip(versus["p_better"], versus["low"], versus["high"], strict=True)]
        w = versus.pivot(index="outcome", columns="policy", values="cell")
        w = w.reindex(index=list(dict.fromkeys(versus["outcome"])),
                      columns=list(dict.fromkeys(versus["policy"]))).reset_index()
        w.columns.name = None
        ctx["versus"] = _table(w)
    regret = pd.DataFrame(analysis.get("regret", []))
    if len(regret):
        ctx["regret"] = _table(regret, max_rows=120)
    return str(_render("comparison", **ctx))


def policy_order(analysis: Mapping[str, Any], present: Sequence[str]) -> list[str]:
    """Policies in display order: the baseline first, then the experiment's levers in the
    order of its specification, then any other policy present.

    Parameters
    ----------
    analysis : mapping
        An analysis record (its ``baseline`` and ``spec.levers`` are used when present).
    present : sequence of str
        Policies that have results.
    """
    have = list(dict.fromkeys(str(p) for p in present))
    spec_levers = [lv["name"] if isinstance(lv, Mapping) else str(lv)
                   for lv in (analysis.get("spec") or {}).get("levers", [])]
    first = [str(analysis["baseline"])] if analysis.get("baseline") else []
    order = [p for p in dict.fromkeys([*first, *spec_levers, *have]) if p in have]
    return order


def data_says(claim: Mapping[str, Any], short: bool = False) -> str:
    """The "data says" cell of a claim: each test against data with its interval (and its
    numbers unless ``short``), or why there is none (see
    :mod:`armednet.validation.claims_data`)."""
    tests = claim.get("data") or []
    if tests and short:
        return "; ".join(f"{t['name']}: {t['statistic']} {t['estimate']:.2g} "
                         f"[{t['level']:.0%} {t['low']:.2g}, {t['high']:.2g}]"
                         if "summary" in t else str(t.get("note", "")) for t in tests)
    if tests:
        return "; ".join(str(t.get("summary") or t.get("note", "")) for t in tests)
    if claim.get("data_note"):
        return f"not checked ({claim['data_note']})"
    return "no data test"


def _size(claim: Mapping[str, Any]) -> str:
    size = claim.get("size")
    if not size:
        return claim.get("note", "") if str(claim.get("note", "")).startswith("needs") else ""
    m, lo, hi = (f"{size[k]:#.3g}" for k in ("median", "low", "high"))
    return f"{size['label']}: {m} [{lo}, {hi}]"


def claim_tables(claims: Sequence[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows of the claims tables: ``tested`` (share of worlds where each holds),
    ``assumed`` (the mechanisms and parameters that carry each, never a share) and
    ``data`` (each test against data), for the report, the terminal and the dashboard.

    Parameters
    ----------
    claims : sequence of mapping
        The ``claims`` records of an analysis
        (:func:`armednet.experiments.claims.evaluate_claims`).
    """
    out: dict[str, list[dict[str, Any]]] = {"tested": [], "assumed": [], "data": []}
    for c in claims:
        given = c.get("assumes") or {}
        if c.get("kind") == "assumed":
            out["assumed"].append({
                "claim": c["id"], "statement": c["title"], "the model assumes":
                given.get("statement", c.get("definition", "")),
                "mechanisms": ", ".join(given.get("mechanisms", [])),
                "parameters": ", ".join(given.get("parameters", [])) or "-",
                "size in the runs: median [5%, 95%]": _size(c), "data says": data_says(c)})
        else:
            share = c.get("share")
            out["tested"].append({
                "claim": c["id"], "statement": c["title"],
                "exact test": c.get("definition") or c.get("missing") or "",
                "holds in": (f"n/a ({c['note']})" if c.get("note") else "n/a")
                if share is None else f"{share:.0%}",
                "90% interval": "" if share is None else f"{c['low']:.0%} - {c['high']:.0%}",
                "worlds": c.get("n", ""), "taken as given": given.get("statement", "-"),
                "data says": data_says(c)})
        for t in c.get("data") or []:
            if "summary" in t:
                out["data"].append({
                    "claim": c["id"], "test": t["test"], "result":
                    f"{t['statistic']} {_interval(t['estimate'], t['low'], t['high'])} "
                    f"({t['level']:.0%})", "numbers": t["counts"], "the data say": t["says"],
                    "they cannot say": t["caveats"], "source": t["source"]})
    return out


def _claims_section(analysis: Mapping[str, Any]) -> str:
    claims = analysis.get("claims")
    if not claims:
        return ""
    rows = claim_tables(claims)
    ids = {"tested": "claims", "assumed": "claims-assumed", "data": "claims-data"}
    return str(_render("claims", **{k: _table(pd.DataFrame(v), table_id=ids[k]) if v else None
                                    for k, v in rows.items()}))


def prim_rows(claims: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per claim with a PRIM box of where it fails (for the report and dashboard).

    Parameters
    ----------
    claims : sequence of mapping
        The ``claims`` records of an analysis (with ``fails_box``).
    """
    rows = []
    for c in claims:
        box = c.get("fails_box")
        if not box:
            continue
        limits = box.get("limits") or {}
        where = "; ".join(f"{k} in [{float(v[0]):.3g}, {float(v[1]):.3g}]"
                          for k, v in limits.items())
        rows.append({"claim": c["id"],
                     "fails where": where or "no restriction: fails across the whole space",
                     "coverage": box.get("coverage"), "density": box.get("density"),
                     "mass": box.get("mass"), "failures": box.get("n")})
    return rows


def _prim_section(analysis: Mapping[str, Any]) -> str:
    rows = prim_rows(analysis.get("claims") or [])
    if not rows:
        return ""
    return str(_render("prim", prim=_table(pd.DataFrame(rows), table_id="prim")))


def sensitivity_cell(block: Mapping[str, Any], key: str = "ST", top: int = 5) -> str:
    """The indices of one outcome that are findings, as text.

    ``parameter value [low, high]`` for each index above the noise floor that has
    converged (with ``alone S1`` when the first-order index is one too), largest first;
    else a plain statement that none is (for the report, the terminal and the dashboard).

    Parameters
    ----------
    block : mapping
        One outcome of an analysis' ``sobol`` or ``morris`` record.
    key : str
        ``ST`` (Sobol) or ``mu_star`` (Morris).
    top : int
        Indices listed.
    """
    if not block.get("indices"):
        return str(block.get("note", "no indices"))
    rows = sorted((r for r in block["indices"] if r.get("shown")),
                  key=lambda r: -float(r[key]))
    if not rows:
        return "none: every index is within the noise floor or has not converged"
    parts = []
    for r in rows[:top]:
        v, c = float(r[key]), float(r[f"{key}_conf"])
        text = f"{r['parameter']} {v:.2g} [{v - c:.2g}, {v + c:.2g}]"
        if r.get("S1_shown"):
            text += f" (alone {float(r['S1']):.2g})"
        parts.append(text)
    return "; ".join(parts) + (f"; {len(rows) - top} more" if len(rows) > top else "")


def network_share_text(share: Mapping[str, Any]) -> str:
    """The network's share of an outcome's variance, or why it is not given."""
    est = share.get("estimate")
    if est is None:
        return str(share.get("note") or "-")
    if share.get("kind") == "first-order":
        return f"{float(est):.2f} (first-order estimate)"
    if not share.get("shown"):
        return "not distinguishable from the noise floor, or not converged"
    return f"{float(est):.2g} [{float(share['low']):.2g}, {float(share['high']):.2g}]"


def ties_text(rec: Mapping[str, Any], top: int = 2) -> str:
    """The ties that move one outcome most (nominal p below 0.05), as text; ``*`` marks
    those significant after the Bonferroni correction for every tie tested, and when none
    is the text says so first."""
    ties = [t for t in rec.get("ties", []) if float(t["p"]) < 0.05][:top]
    if not ties:
        return "no tie distinguishable from noise"
    text = "; ".join(f"{t['tie']} {float(t['effect']):+.3g} ± {float(t['se']):.2g} "
                     f"(p {float(t['p']):.2g})" + ("*" if t.get("flag") else "")
                     for t in ties)
    if not any(t.get("flag") for t in ties):
        return f"none significant after correction; strongest: {text}"
    return text


def network_caveat() -> str:
    """What a tie's effect means (said beside every table of tie effects)."""
    return ("an effect is the average change in the outcome when the tie is present, over "
            "the other ties and the parameters; ties absent together by chance share it")


def _sobol_part(sob: Mapping[str, Any]) -> dict[str, Any]:
    """The Sobol part of the sensitivity section: a table of the indices that are findings
    and a bar chart per outcome (or why there is none)."""
    from armednet.report.figures import sobol_bars

    rows = []
    for name, block in sob["outcomes"].items():
        floor = (block.get("floor") or {}).get("ST")
        rows.append({"outcome": name,
                     "noise floor (ST)": "-" if floor is None else f"{floor:.3g}",
                     "noise share": ("-" if block.get("noise_share") is None
                                     else f"{block['noise_share']:.0%}"),
                     "indices above the floor: ST [95%]": sensitivity_cell(block)})
    table = pd.DataFrame(rows)
    if (table["noise share"] == "-").all():
        table = table.drop(columns="noise share")
    outcomes = []
    for i, (name, block) in enumerate(sob["outcomes"].items()):
        shown = [r for r in block.get("indices", []) if r.get("shown")]
        floor = (block.get("floor") or {}).get("ST")
        outcomes.append({
            "name": name,
            "figure": _fig(sobol_bars(shown, f"{name}: indices above the noise floor",
                                      floor=floor), f"sobol-{i}") if shown else None,
            "why": block.get("note") or ("no index is distinguishable from the noise floor "
                                         "and converged")})
    return {"policy": sob["policy"], "uncertainty": sob.get("uncertainty", "the experiment"),
            "rule": sob.get("rule", ""), "table": _table(table, table_id="sensitivity-table"),
            "outcomes": outcomes}


def _network_part(net: Mapping[str, Any]) -> dict[str, Any]:
    """The network-uncertainty part of the sensitivity section: the network's share of
    each outcome's variance and the ties that move it most."""
    network = net.get("network") or {}
    if network.get("note"):
        return {"note": network["note"]}
    presence = ", ".join(f"{k} {float(v):.0%}" for k, v in
                         (network.get("presence") or {}).items())
    noise = {k: b.get("noise_share") for k, b in
             ((net.get("sobol") or {}).get("outcomes") or {}).items()}
    rows = []
    for name, rec in network.get("outcomes", {}).items():
        row = {"outcome": name, "network's share of variance (ST [95%])":
               network_share_text(rec["share"])}
        if any(v is not None for v in noise.values()):
            ns = noise.get(name)
            row["noise share"] = "-" if ns is None else f"{ns:.0%}"
        row["ties that matter most (change with the tie ± s.e.)"] = ties_text(rec)
        row["ties tested / significant*"] = f"{rec.get('tested', 0)} / {rec.get('flagged', 0)}"
        rows.append(row)
    return {"note": None, "experiment_id": net.get("experiment_id", ""),
            "policy": network.get("policy"),
            "covers": (net.get("uncertainty") or {}).get("label", ""),
            "variants": network.get("variants"), "draw": network.get("draw", "both"),
            "presence": presence, "uncertain_ties": network.get("uncertain_ties", "?"),
            "method": network.get("method", ""), "caveat": network_caveat(),
            "table": _table(pd.DataFrame(rows), table_id="network-table") if rows else None}


def _sensitivity_section(analysis: Mapping[str, Any],
                         network: Mapping[str, Any] | None = None) -> str:
    sob = analysis.get("sobol")
    mor = analysis.get("morris")
    morris = None
    if mor:
        cols = ["parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
        items = []
        for name, block in mor["outcomes"].items():
            shown = [r for r in block.get("indices", []) if r.get("shown")]
            items.append({"name": name,
                          "table": _table(pd.DataFrame(shown)[cols]) if shown else None,
                          "text": sensitivity_cell(block, "mu_star")})
        morris = {"policy": mor["policy"],
                  "uncertainty": mor.get("uncertainty", "the experiment"), "outcomes": items}
    net = network if network is not None else (
        {**analysis, "experiment_id": (analysis.get("experiment") or {}).get("experiment_id")}
        if analysis.get("network") else None)
    if not (sob or morris or net):
        return ""
    return str(_render("sensitivity", sobol=_sobol_part(sob) if sob else None,
                       morris=morris, network=_network_part(net) if net else None))


def calibration_summary(cal: Mapping[str, Any]) -> str:
    """One sentence on how a calibration was made (method, data, parameters, size, time).

    Parameters
    ----------
    cal : mapping
        A calibration record (keys that are missing are left out).
    """
    text = (f"Method: {cal.get('method', '?')}; data: {cal.get('data', '?')}; parameters "
            f"fitted: {', '.join(cal.get('params') or []) or '?'}")
    extra = []
    if cal.get("n_particles"):
        extra.append(f"{int(cal['n_particles'])} particles")
    if cal.get("ess") is not None:
        extra.append(f"effective sample size {float(cal['ess']):.0f}")
    if cal.get("predictive_runs"):
        extra.append(f"{int(cal['predictive_runs'])} predictive runs")
    if cal.get("seed") is not None:
        extra.append(f"seed {cal['seed']}")
    if cal.get("seconds") is not None:
        extra.append(f"{float(cal['seconds']):.0f} s")
    if cal.get("created"):
        extra.append(f"made {cal['created']}")
    return text + ("; " + ", ".join(extra) if extra else "") + "."


def _calibration_section(cal: Mapping[str, Any] | None, kg: Any) -> str:
    if not cal:
        return ""
    from armednet.report.figures import calibration_fit_figure, forecast_figure

    ctx: dict[str, Any] = {
        "summary": calibration_summary(cal), "fit": None, "predictive": None,
        "stale": (str(cal["scenario_hash"])[:12]
                  if cal.get("scenario_hash") and cal["scenario_hash"] != kg.hash else None),
        "coverage": (f"{float(cal['coverage']):.0%}" if cal.get("coverage") is not None
                     else None),
        "posterior": (_table(pd.DataFrame(cal["posterior_summary"]), table_id="posterior")
                      if cal.get("posterior_summary") else None),
        "forecast": None, "posterior_file": cal.get("posterior_file"),
        **_informed_and_patterns(cal)}
    if cal.get("predictive"):
        ctx["fit"] = _fig(calibration_fit_figure(cal), "calibration-fit")
        pred = pd.DataFrame(cal["predictive"])
        keep = [c for c in ("first_day", "last_day", "observed", "median", "low", "high",
                            "inside") if c in pred.columns]
        ctx["predictive"] = _table(pred[keep], table_id="calibration-table")
    fc = cal.get("forecast")
    if fc:
        ctx["forecast"] = {
            "figure": _fig(forecast_figure(cal), "forecast"),
            "p_lull": (f"{float(fc['p_lull']):.0%}" if fc.get("p_lull") is not None
                       else None),
            "definition": fc.get("lull_definition"),
            "weeks": (f"{float(fc['lull_weeks_median']):.3g}"
                      if fc.get("lull_weeks_median") is not None else None),
            "weekly": _table(pd.DataFrame(fc["weekly"]), max_rows=60) if fc.get("weekly")
            else None}
    return str(_render("calibration", **ctx))


def _informed_and_patterns(cal: Mapping[str, Any]) -> dict[str, Any]:
    """Which parameters the data inform (posterior over prior 90% width) and how each
    calibration pattern is reproduced: the ``informed`` and ``patterns`` of the template."""
    out: dict[str, Any] = {"informed": None, "patterns": None}
    informed = cal.get("informed")
    if informed:
        df = pd.DataFrame(informed)
        keep = [c for c in ("parameter", "scale", "prior_width", "posterior_width", "ratio",
                            "informed") if c in df.columns]
        out["informed"] = {"n": int(df["informed"].sum()) if "informed" in df.columns else 0,
                           "of": len(df), "table": _table(df[keep], table_id="informed")}
    patterns = cal.get("patterns")
    if patterns:
        rows = [{"pattern": p.get("name"), "observed": p.get("observed"),
                 "simulated median": (p.get("simulated") or {}).get("median"),
                 "5%": (p.get("simulated") or {}).get("low"),
                 "95%": (p.get("simulated") or {}).get("high"),
                 "runs matching": p.get("p_equal_observed"),
                 "description": p.get("description")} for p in patterns]
        out["patterns"] = _table(pd.DataFrame(rows), table_id="patterns")
    return out


# -- forecast skill (issue 13): the rolling-origin backtest ---------------------------------
def skill_sentences(backtest: Mapping[str, Any]) -> list[str]:
    """One plain sentence per baseline: does the model beat it on mean CRPS?

    When the record has ``comparison`` rows (paired differences with a rough standard
    error), a difference within two standard errors is called out as no clear win.

    Parameters
    ----------
    backtest : mapping
        A backtest record (``summary`` rows with ``forecaster`` and ``crps``).
    """
    rows = {str(r["forecaster"]): r for r in backtest.get("summary") or []}
    model = rows.pop("model", None)
    if model is None:
        return []
    se = {str(r["forecaster"]): r for r in backtest.get("comparison") or []}
    own = float(model["crps"])
    out = []
    for name, r in rows.items():
        text = (f"The model {'beats' if own < float(r['crps']) else 'does not beat'} the "
                f"{name} baseline on CRPS ({own:.3g} against {float(r['crps']):.3g}")
        c = se.get(name)
        if c is not None and np.isfinite(float(c["se"])):
            close = abs(float(c["crps_diff"])) < 2 * float(c["se"])
            text += (f"; difference {float(c['crps_diff']):+.3g}, standard error "
                     f"{float(c['se']):.2g}" + (": within noise" if close else ""))
        out.append(text + ").")
    return out


def _skill_section(bt: Mapping[str, Any] | None, kg: Any) -> str:
    if not bt or not bt.get("summary"):
        return ""
    from armednet.report.figures import skill_figure

    cols = ["forecaster", "crps", "log_score", "cover50", "cover90", "n"]
    summary = pd.DataFrame(bt["summary"])
    extra = [f"seed {bt['seed']}" if bt.get("seed") is not None else "",
             f"{int(bt['runs'])} draws per forecast" if bt.get("runs") else "",
             f"made {bt['created']}" if bt.get("created") else "",
             f"{float(bt['seconds']):.0f} s" if bt.get("seconds") is not None else ""]
    return str(_render(
        "skill", origins=", ".join(bt.get("origins") or []), fit=bt.get("fit", "?"),
        horizons=bt.get("horizons", "?"), units=bt.get("units", "intervals after it"),
        stale=(str(bt["scenario_hash"])[:12]
               if bt.get("scenario_hash") and bt["scenario_hash"] != kg.hash else None),
        summary=_table(summary[[c for c in cols if c in summary.columns]],
                       table_id="skill-table"),
        verdicts=skill_sentences(bt),
        figure=_fig(skill_figure(bt), "skill-by-horizon") if bt.get("by_horizon") else None,
        by_origin=(_table(pd.DataFrame(bt["table"]), max_rows=200, table_id="skill-by-origin")
                   if bt.get("table") else None),
        data=bt.get("data", "?"), extra=", ".join(e for e in extra if e)))


# -- several theatres (issue 16): the comparison, the what-if, the joint calibration ------
WHATIF_CAVEAT = (
    "This is a what-if on the model, not a causal estimate: each row moves one property of "
    "one theatre's network toward the other theatre's value, keeps everything else, and runs "
    "the same worlds again. The mechanisms that turn a network property into behaviour are "
    "the model's assumptions (docs/model.md), so a change in the effect says what those "
    "mechanisms make of the property, not what the property causes in the world.")
"""Said beside every table of :func:`armednet.experiments.theatres.network_whatif`."""


def _num(v: Any) -> float:
    """A stored number (None for NaN in JSON records) as a float."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def theatre_policy_rows(rows: Sequence[Mapping[str, Any]], outcome: str = "attacks",
                        baseline: str = "status-quo") -> dict[str, list[dict[str, Any]]]:
    """Per policy, one row per theatre: the outcome's median and 90% interval under the
    policy, the status quo's median, the paired effect with its 90% range over worlds, the
    relative effect and the share of worlds where the policy gives less (for the report and
    the dashboard).

    Parameters
    ----------
    rows : sequence of mapping
        Rows of a stored theatre comparison (``table`` of
        :func:`armednet.experiments.theatres.comparison_record`).
    outcome : str
        The outcome tabulated.
    baseline : str
        The policy the effects are paired against (it gets no table of its own).

    Returns
    -------
    dict
        Policy -> rows, policies in the order of the comparison.
    """
    mine = [r for r in rows if r.get("outcome") == outcome]
    base = {str(r["scenario"]): r for r in mine if r.get("policy") == baseline}
    out: dict[str, list[dict[str, Any]]] = {}
    for r in mine:
        policy = str(r["policy"])
        if policy == baseline:
            continue
        sq = base.get(str(r["scenario"]), {})
        out.setdefault(policy, []).append({
            "theatre": str(r["scenario"]), f"{outcome}: median": _num(r.get("median")),
            "5%": _num(r.get("low")), "95%": _num(r.get("high")),
            "status quo median": _num(sq.get("median")),
            "effect: median": _num(r.get("effect")), "effect 5%": _num(r.get("effect_low")),
            "effect 95%": _num(r.get("effect_high")),
            "relative effect (%)": 100.0 * _num(r.get("relative")),
            "share of worlds lower": _num(r.get("p_lower"))})
    return out


def whatif_rows(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The network what-if as table rows (short column names; effects on attacks, policy
    minus status quo, median and 90% range over worlds)."""
    return [{"property": r.get("property"), "unit": r.get("unit"),
             "base value": _num(r.get("base_value")), "donor value": _num(r.get("donor_value")),
             "moved to": _num(r.get("moved_value")),
             "effect before": _num(r.get("effect_before")),
             "before 5%": _num(r.get("effect_before_low")),
             "before 95%": _num(r.get("effect_before_high")),
             "effect after": _num(r.get("effect_after")),
             "after 5%": _num(r.get("effect_after_low")),
             "after 95%": _num(r.get("effect_after_high")),
             "change": _num(r.get("change")),
             "relative before (%)": 100.0 * _num(r.get("relative_before")),
             "relative after (%)": 100.0 * _num(r.get("relative_after")),
             "how the property is moved": r.get("how")} for r in rows]


def _comparison_part(cmp: Mapping[str, Any]) -> dict[str, Any]:
    """The comparison and the what-if of the theatres section."""
    from armednet.report.figures import theatre_effects_figure

    rows = list(cmp.get("table") or [])
    meta = dict(cmp.get("metadata") or {})
    base = str(meta.get("baseline") or "status-quo")
    policies = [{"name": p, "table": _table(pd.DataFrame(r), table_id=f"theatres-{p}")}
                for p, r in theatre_policy_rows(rows, baseline=base).items()]
    whatif = list(cmp.get("whatif") or [])
    got = meta.get("whatif")
    about: Mapping[str, Any] = got if isinstance(got, Mapping) else {}
    return {
        "theatres": list(dict.fromkeys(str(r["scenario"]) for r in rows)),
        "runs": meta.get("runs", "?"), "seed": meta.get("seed", "?"), "baseline": base,
        "params": [f"{sc}: {d}" for sc, d in (meta.get("params") or {}).items()],
        "warnings": [f"{sc}, {policy}: {m}" for sc, by in (meta.get("warnings") or {}).items()
                     for policy, msgs in by.items() for m in msgs],
        "policies": policies,
        "figure": _fig(theatre_effects_figure(rows, baseline=base), "theatres-effects")
        if rows else None,
        "all": _table(pd.DataFrame(rows), table_id="theatres-all") if rows else None,
        "whatif": _table(pd.DataFrame(whatif_rows(whatif)), table_id="theatres-whatif")
        if whatif else None,
        "whatif_about": {k: str(about[k]) for k in ("base", "donor", "policy") if k in about},
        "caveat": WHATIF_CAVEAT, "version": meta.get("package_version")}


def _joint_part(joint: Mapping[str, Any]) -> dict[str, Any]:
    """The joint calibration over theatres: the shared parameters and, per theatre, its
    patterns, statements and forecast fan."""
    from armednet.report.figures import theatre_forecast_figure

    ratio = {str(r.get("parameter")): r for r in joint.get("informed") or []}
    shared = {str(p) for p in joint.get("params") or []}
    post = [{"parameter": r.get("parameter"),
             "kind": ("shared" if not shared or str(r.get("parameter")) in shared
                      else "theatre's reporting factor"),
             "posterior median": _num(r.get("median")),
             "5%": _num(r.get("low")), "95%": _num(r.get("high")),
             "prior low": _num(r.get("prior_low")), "prior high": _num(r.get("prior_high")),
             "posterior/prior 90% width": _num(ratio.get(str(r.get("parameter")), {})
                                                .get("ratio")),
             "informed": bool(ratio.get(str(r.get("parameter")), {}).get("informed"))}
            for r in joint.get("posterior_summary") or []]
    blocks = []
    for i, th in enumerate(joint.get("theatres") or []):
        name = str(th.get("scenario", f"theatre {i + 1}"))
        pats = [{"pattern": p.get("name"), "observed": _num(p.get("observed")),
                 "median": _num((p.get("simulated") or {}).get("median")),
                 "5%": _num((p.get("simulated") or {}).get("low")),
                 "95%": _num((p.get("simulated") or {}).get("high")),
                 "runs matching": _num(p.get("p_equal_observed")),
                 "distance (median)": _num(p.get("distance_median"))}
                for p in th.get("patterns") or []]
        stmts = [{"series": r.get("series_id"), "from": r.get("period_start"),
                  "to": r.get("day"), "bound": r.get("bound"),
                  "observed": _num(r.get("observed")), "median": _num(r.get("median")),
                  "5%": _num(r.get("low")), "95%": _num(r.get("high")),
                  "inside": bool(r.get("inside"))} for r in th.get("statements") or []]
        fc = th.get("forecast") or {}
        block: dict[str, Any] = {
            "name": name, "cutoff": th.get("cutoff"), "data": th.get("data"),
            "patterns": _table(pd.DataFrame(pats), table_id=f"theatre-{i}-patterns")
            if pats else None,
            "statements": _table(pd.DataFrame(stmts), table_id=f"theatre-{i}-statements")
            if stmts else None,
            "coverage": (f"{_num(th['coverage']):.0%}" if th.get("coverage") is not None
                         else None), "forecast": None}
        if fc.get("weekly"):
            cut = str(th.get("cutoff") or fc.get("after") or "")
            block["forecast"] = {
                "figure": _fig(theatre_forecast_figure(
                    fc, cut, title=f"{name}: forecast of attacks per week after {cut}"),
                    f"theatre-{i}-forecast"),
                "after": fc.get("after") or cut, "weeks": fc.get("weeks", len(fc["weekly"])),
                "total": (_interval(_num(fc["total_median"]), _num(fc.get("total_low")),
                                    _num(fc.get("total_high")))
                          if fc.get("total_median") is not None else None)}
        blocks.append(block)
    return {"scenarios": [str(s) for s in joint.get("scenarios") or []],
            "summary": calibration_summary({**joint, "data": "; ".join(
                f"{b.get('scenario')}: {b.get('data', '?')}"
                for b in joint.get("theatres") or [])}),
            "posterior": _table(pd.DataFrame(post), table_id="theatres-posterior")
            if post else None, "blocks": blocks}


def _theatres_section(cmp: Mapping[str, Any] | None, joint: Mapping[str, Any] | None) -> str:
    """Several theatres: the comparison of the policies in each, the network what-if, and
    the joint calibration's shared parameters, fits and forecasts (when stored)."""
    if not cmp and not joint:
        return ""
    return str(_render("theatres", comparison=_comparison_part(cmp) if cmp else None,
                       joint=_joint_part(joint) if joint else None))


def _inside(pattern: Mapping[str, Any]) -> str:
    """Whether a calibration pattern's observed value lies in its 90% predictive interval."""
    sim = pattern.get("simulated") or {}
    obs, lo, hi = pattern.get("observed"), sim.get("low"), sim.get("high")
    if pattern.get("p_equal_observed") is not None:
        return f"{float(pattern['p_equal_observed']):.0%} of runs match"
    if isinstance(obs, int | float) and isinstance(lo, int | float) and isinstance(hi, int | float):
        where = "inside" if lo <= obs <= hi else "outside"
        return f"{where} the 90% posterior predictive interval [{lo:.3g}, {hi:.3g}]"
    return "no predictive interval stored"


def _methods_section(cal: Mapping[str, Any] | None, bt: Mapping[str, Any] | None,
                     kg: Any) -> str:
    """What the model assumes, how far it is calibrated, how its forecast scores against
    naive baselines, and the known limits of the whole."""
    from armednet.experiments.claims import CLAIMS
    from armednet.sim.params import PARAMETERS

    assumed = [{"claim": c.id, "statement": c.title, "the model assumes": c.assumes.statement,
                "mechanisms that carry it": ", ".join(c.assumes.mechanisms),
                "parameters": ", ".join(c.assumes.parameters) or "-"}
               for c in CLAIMS if c.kind == "assumed" and c.assumes is not None]
    calibrated = None
    if cal:
        informed = [r for r in cal.get("informed") or [] if r.get("informed")]
        fitted = list(cal.get("params") or [r.get("parameter") for r in
                                            cal.get("informed") or []])
        text = (f"{calibration_summary(cal)} The data inform {len(informed)} of "
                f"{len(cal.get('informed') or fitted)} fitted parameters")
        text += (f" ({', '.join(str(r.get('parameter')) for r in informed)})" if informed
                 else "") + ("; the others stay at their priors." if cal.get("informed")
                            else ".")
        calibrated = {
            "text": text, "uncalibrated": len(PARAMETERS) - len(fitted),
            "patterns": [f"{p.get('name')}: observed {p.get('observed')}, {_inside(p)}"
                         for p in cal.get("patterns") or []],
            "stale": bool(cal.get("scenario_hash") and cal["scenario_hash"] != kg.hash)}
    return str(_render(
        "methods", assumed=_table(pd.DataFrame(assumed), table_id="methods-assumed"),
        calibrated=calibrated, n_parameters=len(PARAMETERS),
        skill=skill_sentences(bt) if bt else [],
        judged=sum(p.source.lower().startswith("judg") for p in PARAMETERS.values()),
        series=kg.summary().get("series", "?")))


def _appendix(meta: Mapping[str, Any] | None, kg: Any, cal: Mapping[str, Any] | None) -> str:
    from armednet import __version__
    from armednet.sim.params import PARAMETERS

    fixed = dict((meta or {}).get("params") or {})
    spec = (meta or {}).get("spec") or {}
    sampled = {u["name"]: u for u in spec.get("uncertainties", [])}
    rows = []
    for p in PARAMETERS.values():
        u = sampled.get(p.name)
        rows.append({"parameter": p.name, "symbol": p.symbol, "meaning": p.meaning,
                     "unit": p.unit, "default": p.default,
                     "value in the experiment": (f"{u['dist']} {u['low']:g} .. {u['high']:g}"
                                                 if u else fixed.get(p.name, p.default)),
                     "plausible range": f"{p.low:g} .. {p.high:g}", "source": p.source,
                     "mechanism": p.mechanism})
    sources = [{"id": s.id, "author": s.author, "title": s.title,
                "publisher": s.publisher or "", "date": s.date or "",
                "locator": s.locator or ""} for s in kg.scenario.sources]
    keys = ("experiment_id", "seed", "design_method", "n_points", "replications",
            "n_policies", "weeks", "package_version", "scenario_hash")
    return str(_render(
        "appendix", version=__version__, now=dt.datetime.now().isoformat(timespec="seconds"),
        scenario_id=kg.scenario.scenario.id, hash=kg.hash,
        meta={k: meta[k] for k in keys} if meta else None,
        cal={k: cal.get(k) for k in ("scenario_hash", "seed", "package_version",
                                     "posterior_file")} if cal else None,
        parameters=_table(pd.DataFrame(rows), floatfmt="{:g}", table_id="parameters"),
        spec=json.dumps(spec, indent=2, default=str) if spec else None,
        n_links=sum(_is_url(str(s["locator"])) for s in sources),
        sources=_table(pd.DataFrame(sources), table_id="sources") if sources else None))


# -- assembly -------------------------------------------------------------------------------
def render_report(kg: Any, analysis: Mapping[str, Any] | None = None,
                  outcomes: pd.DataFrame | None = None,
                  trajectories: pd.DataFrame | None = None,
                  meta: Mapping[str, Any] | None = None,
                  key_actors: pd.DataFrame | None = None,
                  size_by: Mapping[str, float] | None = None,
                  calibration: Mapping[str, Any] | None = None,
                  title: str = "armednet report",
                  backtest: Mapping[str, Any] | None = None,
                  network: Mapping[str, Any] | None = None,
                  theatres: Mapping[str, Any] | None = None,
                  theatre_calibration: Mapping[str, Any] | None = None) -> str:
    """Render the report as one HTML string (see :func:`build_report` for the file).

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario.
    analysis : mapping, optional
        The output of :func:`armednet.experiments.analyze.analyze_experiment`.
    outcomes, trajectories : pandas.DataFrame, optional
        The experiment's outcomes (wide) and weekly attack trajectories, from the store.
    meta : mapping, optional
        The experiment's metadata row (``ResultStore.meta``).
    key_actors : pandas.DataFrame, optional
        :func:`armednet.analysis.key_actor_report` of the scenario.
    size_by : mapping, optional
        Node id -> measure that sizes the nodes of the network picture.
    calibration : mapping, optional
        The calibration record (see ``docs/dashboard.md``).
    title : str
        The report's title.
    backtest : mapping, optional
        The rolling-origin backtest record (``("validation", "backtest")``; see
        ``docs/validation.md``), shown as the forecast skill after the calibration.
    network : mapping, optional
        The analysis of a network-uncertainty experiment (with ``network``), shown in the
        sensitivity section when ``analysis`` has no network analysis of its own.
    theatres : mapping, optional
        A stored theatre comparison (``("theatres", "latest")``, see
        :func:`armednet.experiments.theatres.comparison_record`).
    theatre_calibration : mapping, optional
        The joint calibration over theatres (``("calibration-theatres", "latest")``).

    Returns
    -------
    str
        A complete HTML document with plotly.js inlined.
    """
    import plotly.offline

    analysis = analysis or {}
    dates: list[Any] | None
    try:
        start = pd.Timestamp(str(kg.scenario.scenario.start))
        weeks = int((meta or {}).get("weeks") or 1100)
        dates = [d.isoformat() for d in pd.date_range(start, periods=weeks, freq="7D").date]
    except (ValueError, TypeError):
        dates = None
    bodies: dict[str, tuple[str, str]] = {
        "scenario": ("Scenario and network", _scenario_section(kg, size_by)),
        "key-actors": ("Key actors", _key_actor_section(key_actors)),
    }
    if outcomes is not None and len(outcomes):
        bodies["comparison"] = ("Policy comparison",
                                _comparison_section(analysis, outcomes, trajectories, dates,
                                                    _window(kg, dates)))
    bodies["claims"] = ("The essay's claims", _claims_section(analysis))
    bodies["prim"] = ("Where the claims fail (PRIM boxes)", _prim_section(analysis))
    bodies["sensitivity"] = ("Sensitivity", _sensitivity_section(analysis, network))
    bodies["calibration"] = ("Calibration and forecast", _calibration_section(calibration, kg)
                             + _skill_section(backtest, kg))
    bodies["theatres"] = ("Theatres", _theatres_section(theatres, theatre_calibration))
    bodies["methods"] = ("Methods and limitations",
                         _methods_section(calibration, backtest, kg))
    bodies["appendix"] = ("Appendix: parameters and provenance",
                          _appendix(meta, kg, calibration))
    from markupsafe import Markup

    sections = [{"id": sid, "title": bodies[sid][0], "body": Markup(bodies[sid][1])}
                for sid in SECTIONS if sid in bodies and bodies[sid][1]]
    page = _templates().get_template("page.html")
    return str(page.render(
        title=title, css=Markup(_CSS), plotly_js=Markup(plotly.offline.get_plotlyjs()),
        scenario_name=kg.scenario.scenario.name,
        experiment_id=(meta or {}).get("experiment_id"), sections=sections))


def load_report_data(db: str | Path, experiment_id: str | None = None,
                     network_experiment: str | None = None) -> dict[str, Any]:
    """Read what the report needs from a results database, without writing to it.

    Parameters
    ----------
    db : path
        Results database (DuckDB file of ``armednet experiment run`` or ``demo``).
    experiment_id : str, optional
        The experiment (default: the latest); ``None`` in a database that holds only a
        calibration.
    network_experiment : str, optional
        A network-uncertainty experiment to show beside it (default: the latest complete
        one on the same scenario, unless the experiment has network uncertainty itself).

    Returns
    -------
    dict
        ``meta, analysis, outcomes, trajectories, calibration, backtest, network,
        theatres, theatre_calibration`` (each ``None`` when absent).

    Raises
    ------
    InputError
        If the file is missing or not a results database, or the experiment is unknown.
    """
    from armednet.errors import InputError
    from armednet.experiments.store import open_store

    path = Path(db)
    if not path.is_file():
        raise InputError(f"{path}: no such results database")
    from armednet.experiments.theatres import load_comparison

    out: dict[str, Any] = dict.fromkeys(("meta", "analysis", "outcomes", "trajectories",
                                         "calibration", "backtest", "network", "theatres",
                                         "theatre_calibration"))
    with open_store(path, read_only=True) as store:
        out["calibration"] = store.analysis("calibration", "latest")
        out["backtest"] = store.analysis("validation", "backtest")
        out["theatres"] = load_comparison(store)
        joint = store.analysis("calibration-theatres", "latest")
        out["theatre_calibration"] = joint if isinstance(joint, Mapping) else None
        if experiment_id is None and store.experiments().empty:
            if all(out[k] is None for k in ("calibration", "backtest", "theatres",
                                            "theatre_calibration")):
                raise InputError(f"{path}: holds no experiments and no calibration (nor a "
                                 "theatre comparison)")
            return out
        meta = store.meta(experiment_id)
        eid = str(meta["experiment_id"])
        analysis = store.analysis(eid, "summary")
        if analysis is None:
            from armednet.experiments.analyze import analyze_experiment

            analysis = analyze_experiment(store, eid, save=False)
        out.update(meta=meta, analysis=analysis, outcomes=store.outcomes(eid),
                   trajectories=store.trajectories(eid, "attacks"))
        if not analysis.get("network"):
            out["network"] = _network_analysis(store, meta, network_experiment)
    return out


def _network_analysis(store: Any, meta: Mapping[str, Any],
                      experiment_id: str | None) -> dict[str, Any] | None:
    """The analysis of a network-uncertainty experiment: ``experiment_id``, else the latest
    complete one on the same scenario (None when there is none)."""
    if experiment_id is None:
        listing = store.experiments()
        for row in listing.iloc[::-1].itertuples():
            if (row.scenario_hash == meta["scenario_hash"] and row.chunks_done == row.n_chunks
                    and (store.meta(row.experiment_id).get("spec") or {}).get("network")):
                experiment_id = str(row.experiment_id)
                break
    if experiment_id is None:
        return None
    analysis = store.analysis(experiment_id, "summary")
    if analysis is None:
        from armednet.experiments.analyze import analyze_experiment

        analysis = analyze_experiment(store, experiment_id, save=False)
    if not analysis.get("network"):
        return None
    return {**analysis, "experiment_id": experiment_id}


def build_report(out: str | Path, db: str | Path | None = None,
                 experiment_id: str | None = None, scenario: str | None = None,
                 network_experiment: str | None = None) -> Path:
    """Write the report of a stored experiment (or of a scenario alone) to ``out``.

    Parameters
    ----------
    out : path
        The HTML file to write (folders are created). Written to a temporary name and
        renamed, so a failure leaves no partial report.
    db : path, optional
        Results database; without one the report covers the scenario only.
    experiment_id : str, optional
        Experiment to report (default: the latest in ``db``).
    scenario : str, optional
        Scenario name or path (default: the experiment's, else the bundled one).
    network_experiment : str, optional
        A network-uncertainty experiment in ``db`` to show in the sensitivity section
        (default: the latest complete one on the same scenario, if any).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    InputError
        Missing database, unknown experiment or scenario.
    """
    from armednet.fileio import atomic_path
    from armednet.kb import KnowledgeGraph

    data: dict[str, Any] = {}
    if db is not None:
        data = load_report_data(db, experiment_id, network_experiment)
    meta = data.get("meta")
    if scenario is None and meta is not None:
        scenario = (meta.get("spec") or {}).get("scenario")
    kg = KnowledgeGraph.load(scenario)
    analysis = data.get("analysis")
    if meta is not None and kg.hash != meta["scenario_hash"]:
        analysis = dict(analysis or {})
        analysis["scenario_warning"] = ("The scenario has changed since the experiment ran "
                                        "(its hash differs): the network shown is today's.")
    key_actors, size_by = _key_actors(kg)
    text = render_report(kg, analysis, data.get("outcomes"), data.get("trajectories"), meta,
                         key_actors, size_by, data.get("calibration"),
                         backtest=data.get("backtest"), network=data.get("network"),
                         theatres=data.get("theatres"),
                         theatre_calibration=data.get("theatre_calibration"))
    target = Path(out)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target


def _key_actors(kg: Any) -> tuple[pd.DataFrame, dict[str, float]]:
    from armednet.analysis import betweenness, key_actor_report

    report = key_actor_report(kg, top=10)
    size = betweenness(kg)
    return report, {str(k): float(v) for k, v in size.items()}
