"""Theatres page: the policies compared across theatres, the network what-if, and the
forecast of each theatre from a joint calibration.

Reads two records of the results database: the theatre comparison ``("theatres",
"latest")`` (``armednet compare-theatres --db DB`` or ``armednet demo``; see
:func:`armednet.experiments.theatres.save_comparison`) and, when present, the joint
calibration ``("calibration-theatres", "latest")`` (``armednet calibrate ... --theatre``).
The page is built on its tab's first visit, like every page but the explorer.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from armednet.errors import InputError

if TYPE_CHECKING:
    from armednet.app.state import AppContext

__all__ = ["NO_COMPARISON", "comparison_rows", "layout", "load_theatres", "register", "view"]

NO_COMPARISON = ("No theatre comparison is stored{where}: run `armednet compare-theatres "
                 "--db DB` or `armednet demo`, then open this page again.")
"""The page's message when the database holds no comparison."""


def load_theatres(db: Path | None) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The stored theatre comparison and joint calibration of a results database (each
    ``None`` when absent, both without a database).

    Raises
    ------
    InputError
        If ``db`` cannot be opened as a results database.
    """
    if db is None:
        return None, None
    from armednet.experiments.store import open_store
    from armednet.experiments.theatres import load_comparison

    with open_store(db, read_only=True) as store:
        cmp = load_comparison(store)
        joint = store.analysis("calibration-theatres", "latest")
    return (dict(cmp) if cmp else None,
            dict(joint) if isinstance(joint, Mapping) else None)


def comparison_rows(cmp: Mapping[str, Any], outcome: str = "attacks") -> list[dict[str, Any]]:
    """One row per policy and theatre: the outcome's median [90%] under the policy, the
    paired effect [90% over worlds], the relative effect and the share of worlds lower."""
    from armednet.report.html import theatre_policy_rows

    base = str((cmp.get("metadata") or {}).get("baseline") or "status-quo")
    out = []
    for policy, rows in theatre_policy_rows(cmp.get("table") or [], outcome, base).items():
        for r in rows:
            rel = r["relative effect (%)"]
            out.append({
                "policy": policy, "theatre": r["theatre"],
                f"{outcome} median [90%]": _interval(r[f"{outcome}: median"], r["5%"],
                                                     r["95%"]),
                "status quo median": r["status quo median"],
                "effect [90% over worlds]": _interval(r["effect: median"], r["effect 5%"],
                                                      r["effect 95%"]),
                "relative effect": "" if rel != rel else f"{rel:+.0f}%",
                "share of worlds lower": r["share of worlds lower"]})
    return out


def _interval(m: float, lo: float, hi: float) -> str:
    return "" if m != m else f"{m:.3g} [{lo:.3g}, {hi:.3g}]"


def _comparison_view(cmp: Mapping[str, Any]) -> list[Any]:
    from dash import dcc, html

    from armednet.app.layout import table
    from armednet.report.figures import theatre_effects_figure
    from armednet.report.html import WHATIF_CAVEAT, whatif_rows

    meta = cmp.get("metadata") or {}
    theatres = list(dict.fromkeys(str(r["scenario"]) for r in cmp.get("table") or []))
    parts: list[Any] = [
        html.P(f"Every policy preset in each theatre ({', '.join(theatres)}), "
               f"{meta.get('runs', '?')} runs per theatre and policy, seed "
               f"{meta.get('seed', '?')}, on common random numbers: an effect is the paired "
               "difference from the status quo in the same world, its median and 5%-95% "
               "range over worlds.", id="theatres-about", className="muted"),
        table(comparison_rows(cmp), "theatres-table"),
        dcc.Graph(id="theatres-effects", figure=theatre_effects_figure(
            cmp.get("table") or [], baseline=str(meta.get("baseline") or "status-quo")),
            config={"displaylogo": False})]
    whatif = list(cmp.get("whatif") or [])
    if whatif:
        cols = ["property", "unit", "base value", "donor value", "moved to", "effect before",
                "effect after", "change", "how the property is moved"]
        parts += [html.H4("Which network differences matter: a what-if on the model"),
                  html.P(WHATIF_CAVEAT, className="note", id="theatres-whatif-caveat"),
                  table(whatif_rows(whatif), "theatres-whatif", columns=cols)]
    return parts


def _forecast_view(joint: Mapping[str, Any]) -> list[Any]:
    from dash import dcc, html

    from armednet.app.layout import table
    from armednet.report.figures import theatre_forecast_figure

    parts: list[Any] = [
        html.H4("Forecasts from the joint calibration", id="theatres-calibration"),
        html.P("One set of behavioural parameters fitted to "
               f"{' and '.join(str(s) for s in joint.get('scenarios') or [])} at once. Each "
               "forecast was made without data after its theatre's cut-off (dashed line): "
               "weekly median, central 50% and 90% of runs.", className="muted")]
    if joint.get("posterior_summary"):
        parts.append(table(joint["posterior_summary"], "theatres-posterior",
                           columns=["parameter", "median", "low", "high", "prior_low",
                                    "prior_high"]))
    for i, th in enumerate(joint.get("theatres") or []):
        fc = th.get("forecast") or {}
        if not fc.get("weekly"):
            continue
        name, cut = str(th.get("scenario", i)), str(th.get("cutoff") or fc.get("after"))
        parts.append(dcc.Graph(
            id=f"theatres-forecast-{i}", config={"displaylogo": False},
            figure=theatre_forecast_figure(
                fc, cut, title=f"{name}: attacks per week after {cut} (no data after the "
                               "cut-off)")))
    return parts


def layout(ctx: AppContext) -> Any:
    """The theatres page's components (filled when the tab opens)."""
    from dash import dcc, html

    return html.Div(className="panel", children=dcc.Loading(
        html.Div(id="theatres-view", children=html.P("Loading…", className="muted")),
        type="dot"))


def view(ctx: AppContext) -> list[Any]:
    """The page's content: the comparison and what-if, or why there is none, then the
    forecasts of the joint calibration when one is stored."""
    from armednet.app.layout import note

    try:
        cmp, joint = load_theatres(ctx.db)
    except InputError as exc:
        return [note(f"error: {exc}", kind="error")]
    parts: list[Any] = []
    if cmp:
        parts += _comparison_view(cmp)
    else:
        where = f" in {ctx.db}" if ctx.db is not None else " (no --db given)"
        parts.append(note(NO_COMPARISON.format(where=where), "theatres-none", kind="note"))
    if joint:
        parts += _forecast_view(joint)
    return parts


def register(app: Any, ctx: AppContext) -> None:
    """The page's callback."""
    import dash
    from dash import Input, Output

    # not prevent_initial_call: the page is built on its tab's first visit
    @app.callback(Output("theatres-view", "children"), Input("tabs", "value"))
    def _show(tab: str) -> Any:
        if tab != "theatres":
            raise dash.exceptions.PreventUpdate
        return view(ctx)
