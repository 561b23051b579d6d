"""Events and calibration page: observed attack counts against the posterior predictive,
the forecast, and (with ``--events``) the weekly series of an events database.

The calibration record is the analysis ``("calibration", "latest")`` of the results
database, written by ``armednet calibrate``: observed intervals, the 90% posterior
predictive interval of each, its coverage, the posterior summary and a 26-week forecast
(format in ``docs/dashboard.md``). The weekly series come from
:mod:`armednet.events.series`: attacks on foreign forces when actors were matched to the
scenario, else all events per week. When the database holds a rolling-origin backtest
(``("validation", "backtest")``, from ``benchmarks/bench_backtest.py --db``), its forecast
skill table against the naive baselines follows the calibration.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph

__all__ = ["WeeklySeries", "layout", "load_backtest", "load_calibration", "observed_weekly",
           "register", "weekly_figure"]


def _analysis(db: Path | None, experiment_id: str, kind: str) -> dict[str, Any] | None:
    """One stored analysis record of a results database, or ``None``."""
    if db is None:
        return None
    from armednet.experiments.store import open_store

    with open_store(db, read_only=True) as store:
        record = store.analysis(experiment_id, kind)
    return dict(record) if isinstance(record, Mapping) else None


def load_calibration(db: Path | None) -> dict[str, Any] | None:
    """The latest calibration record of a results database, or ``None``.

    Raises
    ------
    InputError
        If ``db`` cannot be opened as a results database.
    """
    return _analysis(db, "calibration", "latest")


def load_backtest(db: Path | None) -> dict[str, Any] | None:
    """The rolling-origin backtest record of a results database, or ``None`` (issue 13).

    Raises
    ------
    InputError
        If ``db`` cannot be opened as a results database.
    """
    return _analysis(db, "validation", "backtest")


def _skill_view(bt: Mapping[str, Any]) -> list[Any]:
    from dash import dcc, html

    from armednet.app.layout import table
    from armednet.report.figures import skill_figure
    from armednet.report.html import skill_sentences

    cols = ["forecaster", "crps", "log_score", "cover50", "cover90", "n"]
    parts: list[Any] = [
        html.H4("Forecast skill: rolling-origin backtest", id="skill-title"),
        html.P(f"Origins {', '.join(bt.get('origins') or [])}; horizons 1-"
               f"{bt.get('horizons', '?')} weeks; fit {bt.get('fit', '?')}. Lower CRPS and "
               "log score are better (docs/validation.md).", className="muted"),
        table(bt.get("summary") or [], "skill-table", columns=cols),
        html.Ul([html.Li(t) for t in skill_sentences(bt)], id="skill-verdict")]
    if bt.get("by_horizon"):
        parts.append(dcc.Graph(id="skill-by-horizon", figure=skill_figure(bt),
                               config={"displaylogo": False}))
    return parts


@dataclass(frozen=True)
class WeeklySeries:
    """An observed weekly series and what it counts."""

    counts: pd.Series
    label: str


def observed_weekly(events_db: Path, kg: KnowledgeGraph) -> WeeklySeries:
    """Weekly observed counts from an events database, on the scenario's calendar.

    Weeks start on the scenario's start date (events before it are left out). Attacks on
    the scenario's foreign forces (:func:`armednet.events.foreign_force_attacks`) when the
    store holds actor matches for the scenario, else every event per week
    (:func:`armednet.events.weekly_counts` with ``by="total"``) of the first dataset.

    Raises
    ------
    InputError
        If the store cannot be read or holds no events.
    """
    from armednet.events.series import foreign_force_attacks, weekly_counts
    from armednet.events.store import open_store
    from armednet.kb.dates import earliest

    start = earliest(kg.scenario.scenario.start)
    con = open_store(events_db, read_only=True)
    try:
        datasets = [str(r[0]) for r in con.execute(
            "SELECT DISTINCT dataset FROM events ORDER BY 1").fetchall()]
        if not datasets:
            raise InputError(f"{events_db}: holds no events")
        for ds in datasets:
            try:
                s = foreign_force_attacks(con, scenario=kg.name, dataset=ds, start=start)
            except InputError:
                continue
            if len(s):
                return WeeklySeries(s, f"attacks on foreign forces ({ds})")
        df = weekly_counts(con, by="total", dataset=datasets[0], start=start)
        series = df.iloc[:, 0] if df.shape[1] else df.sum(axis=1)
        return WeeklySeries(series, f"all events per week ({datasets[0]}; no actor matches "
                                    f"for {kg.name})")
    finally:
        con.close()


def weekly_figure(series: WeeklySeries, calibration: Mapping[str, Any] | None = None) -> Any:
    """Observed weekly counts (bars) against the posterior predictive, as weekly rates.

    Each calibration interval's 90% predictive interval and median are divided by its length
    in weeks and drawn as steps over the interval; the forecast band follows.
    """
    import plotly.graph_objects as go

    x = [str(d)[:10] for d in series.counts.index]
    y = [None if v != v or v is None else float(v) for v in series.counts.astype("Float64")
         .to_numpy(dtype=float, na_value=float("nan"))]
    fig = go.Figure(go.Bar(x=x, y=y, name=f"observed: {series.label}",
                           marker_color="rgba(30,132,73,0.55)"))
    for r in (calibration or {}).get("predictive") or []:
        a, b = str(r["first_day"])[:10], str(r["last_day"])[:10]
        weeks = max(1.0, ((dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days + 1) / 7)
        lo, hi, med = (float(r[k]) / weeks for k in ("low", "high", "median"))
        fig.add_trace(go.Scatter(x=[a, b, b, a, a], y=[lo, lo, hi, hi, lo], fill="toself",
                                 mode="lines", fillcolor="rgba(36,113,163,0.18)", line={"width": 0},
                                 hoverinfo="skip", showlegend=False, legendgroup="pred"))
        fig.add_trace(go.Scatter(x=[a, b], y=[med, med], mode="lines", showlegend=False,
                                 legendgroup="pred", line={"color": "#2471a3", "width": 2}))
    fc = ((calibration or {}).get("forecast") or {}).get("weekly") or []
    if fc:
        fx = [str(r["date"])[:10] for r in fc]
        fig.add_trace(go.Scatter(x=fx + fx[::-1], y=[float(r["high"]) for r in fc]
                                 + [float(r["low"]) for r in fc][::-1], fill="toself",
                                 mode="lines", fillcolor="rgba(142,68,173,0.15)", line={"width": 0},
                                 name="forecast 90% band", hoverinfo="skip"))
        fig.add_trace(go.Scatter(x=fx, y=[float(r["median"]) for r in fc], mode="lines",
                                 name="forecast median", line={"color": "#8e44ad"}))
    if (calibration or {}).get("predictive"):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", legendgroup="pred",
                                 name="posterior predictive per week (median, 90%)",
                                 line={"color": "#2471a3", "width": 2}))
    fig.update_layout(title="Observed weekly series against the posterior predictive",
                      yaxis_title="per week", template="plotly_white", height=420,
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, bargap=0.1,
                      legend={"orientation": "h", "y": -0.15})
    return fig


def _calibration_view(cal: Mapping[str, Any], kg: KnowledgeGraph) -> list[Any]:
    from dash import dcc, html

    from armednet.app.layout import note, table
    from armednet.report.figures import calibration_fit_figure, forecast_figure
    from armednet.report.html import calibration_summary

    parts: list[Any] = [html.P(calibration_summary(cal), id="calibration-summary")]
    if cal.get("scenario_hash") and cal["scenario_hash"] != kg.hash:
        parts.append(note("The calibration was made on another version of the scenario "
                          f"(hash {str(cal['scenario_hash'])[:12]}).", kind="note"))
    if cal.get("predictive"):
        parts.append(dcc.Graph(id="calibration-fit", figure=calibration_fit_figure(cal),
                               config={"displaylogo": False}))
    if cal.get("coverage") is not None:
        parts.append(html.P(f"Observed intervals inside their 90% predictive interval: "
                            f"{float(cal['coverage']):.0%}", id="calibration-coverage"))
    if cal.get("posterior_summary"):
        parts += [html.H4("Posterior of the fitted parameters"),
                  table(cal["posterior_summary"], "calibration-posterior")]
    fc = cal.get("forecast") or {}
    if fc.get("weekly"):
        parts.append(dcc.Graph(id="calibration-forecast", figure=forecast_figure(cal),
                               config={"displaylogo": False}))
    if fc.get("p_lull") is not None:
        text = f"Probability of a lull: {float(fc['p_lull']):.0%}"
        if fc.get("lull_definition"):
            text += f" ({fc['lull_definition']})"
        if fc.get("lull_weeks_median") is not None:
            text += f"; median weeks of lull {float(fc['lull_weeks_median']):.3g}"
        parts.append(html.P(text + ".", id="calibration-lull"))
    return parts


def layout(ctx: AppContext) -> Any:
    """The events and calibration page's components (filled when the tab opens)."""
    from dash import dcc, html

    return html.Div(className="panel", children=dcc.Loading(
        html.Div(id="events-view", children=html.P("Loading…", className="muted")),
        type="dot"))


def register(app: Any, ctx: AppContext) -> None:
    """The page's callback."""
    import dash
    from dash import Input, Output, dcc, html

    from armednet.app.layout import note

    # not prevent_initial_call: the page is built on its tab's first visit, and its view is
    # filled as it appears (its inputs changed before the page existed)
    @app.callback(Output("events-view", "children"), Input("tabs", "value"),
                  Input("scenario", "value"))
    def _show(tab: str, key: str) -> Any:
        if tab != "events":
            raise dash.exceptions.PreventUpdate
        kg = ctx.scenarios.get(key)
        parts: list[Any] = []
        cal = bt = None
        try:
            cal = load_calibration(ctx.db)
            bt = load_backtest(ctx.db)
        except InputError as exc:
            parts.append(note(f"error: {exc}", kind="error"))
        if ctx.events is not None:
            try:
                series = observed_weekly(ctx.events, kg)
                parts.append(dcc.Graph(id="events-weekly", figure=weekly_figure(series, cal),
                                       config={"displaylogo": False}))
            except InputError as exc:
                parts.append(note(f"events: {exc}", kind="error"))
        if cal:
            parts += _calibration_view(cal, kg)
        elif not parts or ctx.events is None:
            where = (f"in {ctx.db}" if ctx.db is not None else
                     "(start the dashboard with --db FILE)")
            parts.append(html.P(f"No calibration stored {where}: run `armednet calibrate` to "
                                "fit the model to observed attacks; the fit and the forecast "
                                "appear here.", className="muted", id="calibration-none"))
        if bt:
            parts += _skill_view(bt)
        return parts
