"""Experiments page: browse the experiments of a results database with their policy
comparison, claims, PRIM boxes, sensitivity indices above the noise floor and, for
experiments with network uncertainty, the network's share of variance and the ties that
matter. Every table and figure says which uncertainty it shows.

Data come from :mod:`armednet.experiments.store` (opened read-only for each read, so an
experiment can run meanwhile); the saved analysis is used when present, else computed
without saving. Loaded experiments are cached per database version.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from armednet.app.state import AppContext

__all__ = ["ExperimentData", "layout", "list_experiments", "load_experiment", "register"]


@dataclass(frozen=True)
class ExperimentData:
    """One stored experiment, ready to draw.

    Attributes
    ----------
    meta : dict
        The experiment's row (id, spec, seed, design, sizes, versions).
    analysis : dict
        Its analysis (see :func:`armednet.experiments.analyze.analyze_experiment`).
    outcomes : pandas.DataFrame
        One row per run (``policy, point, replication`` and one column per outcome).
    policies : list of str
        Policies in display order (baseline first).
    bands : dict
        Policy -> weekly quantiles of attacks (:func:`armednet.report.figures.fan_quantiles`).
    dates : list of str
        Week start dates.
    """

    meta: dict[str, Any]
    analysis: dict[str, Any]
    outcomes: pd.DataFrame
    policies: list[str]
    bands: dict[str, dict[str, np.ndarray]]
    dates: list[str]


def _version(db: Path) -> tuple[str, int]:
    st = db.stat()
    return str(db.resolve()), st.st_mtime_ns


def list_experiments(db: Path) -> list[dict[str, Any]]:
    """The stored experiments (id, name, sizes, progress), oldest first.

    Raises
    ------
    InputError
        If ``db`` is not a results database.
    """
    from armednet.experiments.store import open_store

    with open_store(db, read_only=True) as store:
        df = store.experiments()
    return [{str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def load_experiment(db: Path, experiment_id: str) -> ExperimentData:
    """Everything the page shows about one experiment (cached per database version)."""
    return _load(*_version(Path(db)), experiment_id)


@functools.lru_cache(maxsize=4)
def _load(path: str, _mtime: int, experiment_id: str) -> ExperimentData:
    from armednet.errors import InputError
    from armednet.experiments.store import open_store
    from armednet.kb import load_scenario
    from armednet.kb.dates import earliest
    from armednet.report.figures import fan_quantiles
    from armednet.report.html import policy_order

    with open_store(path, read_only=True) as store:
        meta = store.meta(experiment_id)
        analysis = store.analysis(experiment_id, "summary")
        if analysis is None:
            from armednet.experiments.analyze import analyze_experiment

            analysis = analyze_experiment(store, experiment_id, save=False)
        outcomes = store.outcomes(experiment_id)
        traj = store.trajectories(experiment_id, "attacks")
    policies = policy_order(analysis, list(outcomes["policy"]) if len(outcomes) else [])
    bands = {}
    if len(traj):
        groups = {str(p): g for p, g in traj.groupby("policy", sort=False)}
        for p in [*policies, *(g for g in groups if g not in policies)]:
            if p in groups:
                bands[p] = fan_quantiles(np.stack(groups[p]["values"].to_list()))
    dates: list[str] = []
    weeks = int(meta.get("weeks") or 0)
    try:
        scenario = (meta.get("spec") or {}).get("scenario")
        start = earliest(load_scenario(scenario).scenario.start)
        dates = [(start + dt.timedelta(days=7 * w)).isoformat() for w in range(weeks)]
    except InputError:  # the scenario moved or no longer loads: week numbers instead
        dates = []
    return ExperimentData(meta=meta, analysis=analysis, outcomes=outcomes, policies=policies,
                          bands=bands, dates=dates)


def _comparison_rows(data: ExperimentData) -> list[dict[str, Any]]:
    comp = pd.DataFrame(data.analysis.get("comparison", []))
    if comp.empty:
        return []
    rows = []
    for outcome, g in comp.groupby("outcome", sort=False):
        row: dict[str, Any] = {"outcome": outcome}
        by = {str(r["policy"]): r for r in g.to_dict(orient="records")}
        for p in data.policies:
            if p in by:
                r = by[p]
                row[p] = f"{r['median']:.3g} [{r['low']:.3g}, {r['high']:.3g}]"
        rows.append(row)
    return rows


def _versus_rows(data: ExperimentData) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for r in data.analysis.get("versus", []):
        row = rows.setdefault(r["outcome"], {"outcome": r["outcome"]})
        row[r["policy"]] = f"{r['p_better']:.0%} [{r['low']:.0%}, {r['high']:.0%}]"
    return list(rows.values())


def _claim_rows(data: ExperimentData) -> list[dict[str, Any]]:
    """One row per claim: tested ones with the share of worlds where they hold, assumed
    ones marked as such (a mechanism encodes them: never a share)."""
    out = []
    for c in data.analysis.get("claims") or []:
        share = c.get("share")
        assumed = c.get("kind") == "assumed"
        given = c.get("assumes") or {}
        if assumed:
            holds = "assumed by the model"
        elif share is None:
            holds = f"n/a ({c['note']})" if c.get("note") else "n/a"
        else:
            holds = f"{share:.0%}"
        out.append({"claim": c["id"], "kind": c.get("kind", "tested"),
                    "statement": c["title"], "holds in": holds,
                    "90% interval": "" if share is None else f"{c['low']:.0%} - {c['high']:.0%}",
                    "exact test or what carries it": (
                        ", ".join(given.get("mechanisms", [])) if assumed else
                        c.get("definition") or c.get("missing") or "")})
    return out


def _view(data: ExperimentData) -> Any:
    from dash import dcc, html

    from armednet.app.layout import note, table
    from armednet.report.figures import fan_chart
    from armednet.report.html import prim_rows

    m = data.meta
    a = data.analysis
    covers = (a.get("uncertainty") or {}).get("label", "")
    over = f" over {covers}" if covers else ""
    parts: list[Any] = [html.P(
        f"{m['name']}: {m['design_method']} design, {m['n_points']} points x "
        f"{m['replications']} replications x {m['n_policies']} policies, {m['weeks']} weeks, "
        f"seed {m['seed']}; armednet {m['package_version']}; scenario "
        f"{m['scenario_id']} ({str(m['scenario_hash'])[:12]}).", className="muted",
        id="experiment-meta")]
    if covers:
        parts.append(html.P(f"Intervals and shares on this page are{over}.",
                            id="experiment-uncertainty"))
    for policy, messages in (a.get("warnings") or {}).items():
        parts += [note(f"{policy}: {msg}", kind="note") for msg in messages]
    if not a.get("complete", True):
        parts.append(note("The experiment is not complete: claims and sensitivity need every "
                          "run.", kind="note"))
    if data.bands:
        parts.append(dcc.Graph(id="experiment-fan", figure=fan_chart(
            data.bands, data.dates or None,
            title=f"Attacks on foreign forces per week{over}"),
            config={"displaylogo": False}))
    parts += [html.H4(f"Outcomes by policy: median [90% interval]{over}"),
              table(_comparison_rows(data), "experiment-comparison")]
    versus = _versus_rows(data)
    if versus:
        parts += [html.H4(f"Probability of doing better than {a.get('baseline')} in the same "
                          f"world [90% interval]{over}"), table(versus, "experiment-versus")]
    if a.get("regret"):
        parts += [html.H4(f"Regret (distance to the best policy of each world){over}"),
                  table(a["regret"], "experiment-regret")]
    claims = _claim_rows(data)
    parts += [html.H4(f"The essay's claims: share of worlds where each tested one holds{over}"),
              table(claims, "experiment-claims",
                    empty="No claims: they need every run and the policies they compare.")]
    boxes = prim_rows(a.get("claims") or [])
    if boxes:
        parts += [html.H4("Where the claims fail (PRIM boxes)"), table(boxes, "experiment-prim")]
    if a.get("network"):
        parts += _network_view(a)
    names = list(dict.fromkeys(r["outcome"] for r in a.get("comparison", [])))
    if names:
        parts += [html.H4("One outcome: distribution and sensitivity"),
                  dcc.Dropdown(id="experiment-outcome", options=names, value=names[0],
                               clearable=False, style={"maxWidth": "360px"}),
                  html.Div(id="experiment-outcome-view")]
    return parts


def _network_view(a: dict[str, Any]) -> list[Any]:
    """The network's share of each outcome's variance and the ties that matter most."""
    from dash import html

    from armednet.app.layout import note, table
    from armednet.report.html import network_caveat, network_share_text, ties_text

    net = a["network"]
    head = html.H4(f"Uncertainty about the network itself ({net.get('variants')} plausible "
                   f"networks, {net.get('uncertain_ties', '?')} uncertain ties)")
    if net.get("note"):
        return [head, note(net["note"])]
    rows = [{"outcome": name, "network's share of variance (ST [95%])":
             network_share_text(rec["share"]), "ties that matter most": ties_text(rec),
             "ties tested / significant*": f"{rec.get('tested', 0)} / {rec.get('flagged', 0)}"}
            for name, rec in net.get("outcomes", {}).items()]
    return [head, table(rows, "experiment-network"),
            html.P(f"Ties: {net.get('method', '')}; {network_caveat()}. * significant after "
                   "the Bonferroni correction.", className="muted")]


def _outcome_view(data: ExperimentData, outcome: str) -> Any:
    from dash import dcc, html

    from armednet.app.layout import note, table
    from armednet.report.figures import outcome_distributions, sobol_bars

    covers = (data.analysis.get("uncertainty") or {}).get("label", "")
    parts: list[Any] = [dcc.Graph(id="experiment-dist", figure=outcome_distributions(
        data.outcomes, [outcome], cols=1, policies=data.policies),
        config={"displaylogo": False})]
    if covers:
        parts.append(html.P(f"Boxes: 25%-75% of runs, whiskers 5%-95%, over {covers}.",
                            className="muted"))
    sob = (data.analysis.get("sobol") or {}).get("outcomes", {}).get(outcome)
    mor = (data.analysis.get("morris") or {}).get("outcomes", {}).get(outcome)
    if sob and sob.get("indices"):
        floor = (sob.get("floor") or {}).get("ST")
        parts.append(dcc.Graph(id="experiment-sobol", figure=sobol_bars(
            sob["indices"], f"Sobol indices of {outcome} above the noise floor "
            f"({data.analysis['sobol']['policy']})", floor=floor),
            config={"displaylogo": False}))
        parts.append(html.P(
            "Noise floor (the dummy's upper bound): "
            + ("-" if floor is None else f"{floor:.3g}") + ". Shown: "
            + str(data.analysis["sobol"].get("rule", "")) + ".", className="muted",
            id="experiment-sobol-rule"))
    elif mor and mor.get("indices"):
        shown = [r for r in mor["indices"] if r.get("shown", True)]
        parts += [html.H4(f"Morris elementary effects on {outcome} above the noise floor"),
                  table(shown, "experiment-morris",
                        empty="No effect is distinguishable from the noise floor.")]
    else:
        reason = (sob or mor or {}).get("note") or ("no sensitivity indices: the design is "
                                                   "not a Sobol or Morris design")
        parts.append(note(reason))
    return parts


def layout(ctx: AppContext) -> Any:
    """The experiments page's components."""
    from dash import dcc, html

    if ctx.db is None:
        return html.Div(className="panel", children=html.P(
            "No results database: start the dashboard with `armednet serve --db FILE` "
            "(e.g. armednet-out/demo.duckdb after `armednet demo`).", className="muted",
            id="experiment-none"))
    return html.Div(className="panel", children=[
        html.Label("Experiment", className="head"),
        dcc.Dropdown(id="experiment-pick", options=[], placeholder="choose an experiment",
                     clearable=False),
        dcc.Loading(html.Div(id="experiment-view"), type="dot"),
    ])


def register(app: Any, ctx: AppContext) -> None:
    """The experiments page's callbacks (loaded when the tab is opened)."""
    if ctx.db is None:
        return
    import dash
    from dash import Input, Output, State

    from armednet.app.layout import note
    from armednet.errors import InputError

    db = ctx.db

    @app.callback(Output("experiment-pick", "options"), Output("experiment-pick", "value"),
                  Input("tabs", "value"), State("experiment-pick", "value"))
    def _list(tab: str, current: str | None) -> tuple[Any, Any]:
        if tab != "experiments":
            raise dash.exceptions.PreventUpdate
        try:
            rows = list_experiments(db)
        except InputError:
            return [], None
        opts = [{"label": f"{r['name']}: {r['experiment_id']} ({r['n_points']} points x "
                          f"{r['n_policies']} policies; {r['chunks_done']}/{r['n_chunks']} "
                          "chunks)", "value": r["experiment_id"]} for r in rows]
        ids = [o["value"] for o in opts]
        return opts, (current if current in ids else (ids[-1] if ids else None))

    @app.callback(Output("experiment-view", "children"), Input("experiment-pick", "value"))
    def _show(eid: str | None) -> Any:
        if not eid:
            return note("No experiment stored yet: run `armednet experiment run` or "
                        "`armednet demo`.", "experiment-empty")
        try:
            return _view(load_experiment(db, eid))
        except InputError as exc:
            return note(f"error: {exc}", kind="error")

    @app.callback(Output("experiment-outcome-view", "children"),
                  Input("experiment-outcome", "value"), State("experiment-pick", "value"))
    def _outcome(outcome: str | None, eid: str | None) -> Any:
        if not outcome or not eid:
            raise dash.exceptions.PreventUpdate
        return _outcome_view(load_experiment(db, eid), outcome)
