"""Policy lab: pick levers and intensities, run an ensemble in the background, and compare
it with the status quo (fan charts and a summary table).

The computation (:func:`build_policy`, :func:`run_lab`) is plain Python over
:func:`armednet.sim.engine.simulate`; ensembles run in a :class:`JobRunner` thread while the
page polls their progress (a ``dcc.Interval``), so the server stays responsive. Both
ensembles use the same seed, hence the same parameters and random numbers run by run
(common random numbers): "lower in 80% of runs" is a paired comparison. The status quo of a
given scenario, size, horizon, seed and kind of uncertainty is computed once and cached.

Every interval says what it covers (:data:`armednet.sim.params.UNCERTAINTY`): ``prior``,
the default, draws each run's parameters from their documented ranges, as an experiment
does, so the lab's intervals are the experiment's kind; ``none`` keeps every parameter at
its default (random draws only, as ``armednet simulate`` does by default); ``posterior``
draws calibrated parameter sets, when the results database holds a calibration whose
posterior file exists. Levers with nothing to act on in the scenario are said, not run
silently.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
import time
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from armednet.errors import InputError
from armednet.sim.policy import LEVER_CLASSES, LeverControl

if TYPE_CHECKING:
    import pandas as pd

    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph
    from armednet.sim.policy import Policy

__all__ = ["BASELINE", "DEFAULT_RUNS", "DEFAULT_UNCERTAINTY", "LAB_OUTCOMES", "LAB_VARIABLES",
           "LAB_WORKERS", "LEVERS", "MAX_RUNS", "MAX_WEEKS", "Job", "JobRunner", "LabResult",
           "build_policy", "find_posterior", "layout", "preset_levers", "register", "run_lab",
           "uncertainty_options"]

log = logging.getLogger(__name__)

BASELINE = "status-quo"
DEFAULT_RUNS = 1000
DEFAULT_UNCERTAINTY = "prior"
"""The lab's default: the kind of interval an experiment shows (parameter ranges and
random draws)."""
LAB_WORKERS = 0
"""Processes computing the lab's ensembles, the server's included: 0, one per CPU.
Ensembles of one chunk (up to a few thousand runs) stay in the server's process; larger
ones also use the engine's shared pool, started on first use and kept for later ensembles
(:func:`armednet.sim.engine.plan_workers`)."""
MAX_RUNS = 20_000
MAX_WEEKS = 520

LAB_VARIABLES = ("attacks", "casualties", "civilian_harm", "capture", "accountability",
                 "protest", "backing")
"""Weekly variables recorded by the lab (each can be drawn as a fan chart)."""

LAB_OUTCOMES = ("attacks", "attacks_undisciplined", "casualties", "civilian_harm",
                "final_year_attack_rate", "ceasefire_spells", "capture_final",
                "accountability_final", "military_final", "funds_final", "revenue_total",
                "factions_final", "backing_final", "protest_mean")
"""Per-run outcomes of the summary table (see ``docs/model.md``, Outputs)."""


LEVERS: dict[str, LeverControl] = {str(cls.model_fields["kind"].default): cls.control
                                   for cls in LEVER_CLASSES}
"""The levers of :mod:`armednet.sim.policy` as the lab offers them (default targets)."""


def preset_levers(name: str) -> dict[str, float]:
    """Lever kind -> intensity of a preset policy (intensities of one kind added).

    Raises
    ------
    InputError
        For an unknown preset.
    """
    from armednet.sim.policy import preset

    out: dict[str, float] = {}
    for lever in preset(name).levers:
        out[lever.kind] = out.get(lever.kind, 0.0) + float(lever.intensity)
    return out


def build_policy(levers: Mapping[str, float], start: str | dt.date | None = None,
                 name: str | None = None) -> Policy:
    """A policy of the given levers, each with its default targets.

    Parameters
    ----------
    levers : mapping
        Lever kind (:data:`LEVERS`) -> intensity.
    start : date or str, optional
        When every lever starts (default: the scenario's start).
    name : str, optional
        Default: the levers and intensities, e.g. ``"diplomacy 0.8 + strikes 1"``.

    Raises
    ------
    InputError
        Unknown lever kinds or intensities out of range.
    """
    from armednet.sim.policy import resolve_policy

    for kind in levers:
        if kind not in LEVERS:
            raise InputError(f"unknown lever {kind!r}; levers: {', '.join(LEVERS)}")
    items = sorted(levers.items())
    label = name or (" + ".join(f"{k} {v:g}" for k, v in items) if items else BASELINE)
    when = None if start is None else str(start)
    return resolve_policy({"name": label, "levers": [
        {"kind": k, "intensity": float(v), **({"start": when} if when else {})}
        for k, v in items]})


@dataclass
class LabResult:
    """What the lab shows after a run.

    Attributes
    ----------
    policy : str
        The policy's name.
    runs, weeks, seed : int
        Ensemble size, horizon and seed (shared with the status quo).
    dates : list of str
        Week start dates.
    bands : dict
        Variable -> policy -> quantile (``q05, q25, median, q75, q95``) -> weekly values.
    table : list of dict
        One row per outcome: medians and 90% intervals under both policies, and the share
        of runs where the policy's value is lower (same random numbers).
    seconds : float
        Wall time.
    baseline_cached : bool
        Whether the status quo came from the cache.
    uncertainty : str
        ``none``, ``prior`` or ``posterior``.
    covers : str
        What the intervals cover, in words (:data:`armednet.sim.params.UNCERTAINTY`).
    warnings : list of str
        Levers of the policy with nothing to act on in the scenario.
    """

    policy: str
    runs: int
    weeks: int
    seed: int
    dates: list[str]
    bands: dict[str, dict[str, dict[str, list[float]]]]
    table: list[dict[str, Any]]
    seconds: float
    baseline_cached: bool = False
    uncertainty: str = "none"
    covers: str = ""
    warnings: list[str] = field(default_factory=list)


_BaselineEntry = tuple["pd.DataFrame", dict[str, dict[str, list[float]]]]


class _BaselineCache:
    def __init__(self, size: int = 8) -> None:
        self._data: OrderedDict[tuple[Any, ...], _BaselineEntry] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...]) -> _BaselineEntry | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: _BaselineEntry) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.popitem(last=False)


BASELINE_CACHE = _BaselineCache()
"""Status-quo ensembles by (scenario hash, runs, weeks, seed, uncertainty, posterior)."""


def _bands(weekly: Any) -> dict[str, dict[str, list[float]]]:
    from armednet.report.figures import fan_quantiles

    return {v: {k: np.asarray(a, dtype=float).tolist()
                for k, a in fan_quantiles(np.asarray(weekly[v].values)).items()}
            for v in LAB_VARIABLES if v in weekly}


def _check(name: str, value: Any, low: int, high: int) -> int:
    """``value`` as an int in ``low..high``, else :class:`InputError` (``None`` is what a
    number box holds when its text is empty or out of its range)."""
    what = f"{name} must be a whole number from {low} to {high}"
    if value is None:
        raise InputError(what)
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer) or (
            value != value) or int(value) != value:
        raise InputError(f"{what}, got {value!r}")
    if not low <= int(value) <= high:
        raise InputError(f"{what}, got {int(value)}")
    return int(value)


def _params(uncertainty: str, runs: int, seed: int,
            posterior: pd.DataFrame | None) -> dict[str, np.ndarray] | None:
    """Each run's parameters for the kind of uncertainty (None: every default)."""
    from armednet.sim.params import UNCERTAINTY, draw_parameter_sets, draw_prior

    if uncertainty not in UNCERTAINTY:
        raise InputError(f"uncertainty must be one of {', '.join(UNCERTAINTY)}, got "
                         f"{uncertainty!r}")
    if uncertainty == "prior":
        return draw_prior(np.arange(runs), seed)
    if uncertainty == "posterior":
        if posterior is None:
            raise InputError("posterior uncertainty needs a calibration's posterior (run "
                             "`armednet calibrate` into the results database)")
        return draw_parameter_sets(posterior, np.arange(runs), seed)
    return None


def run_lab(kg: KnowledgeGraph, levers: Mapping[str, float], runs: int = DEFAULT_RUNS,
            weeks: int = 104, seed: int = 0, start_week: int = 0,
            progress: Callable[[float], None] | None = None,
            uncertainty: str = DEFAULT_UNCERTAINTY,
            posterior: pd.DataFrame | None = None) -> LabResult:
    """Run the status quo and the policy of ``levers`` with the same parameters and random
    numbers.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario.
    levers : mapping
        Lever kind -> intensity (see :func:`build_policy`); empty for the status quo alone.
    runs, weeks, seed : int
        Ensemble size (1..:data:`MAX_RUNS`), horizon (1..:data:`MAX_WEEKS`) and seed.
    start_week : int
        Weeks after the scenario's start when the levers start.
    progress : callable, optional
        Called with the fraction done (0..1) as the runs advance.
    uncertainty : {"prior", "none", "posterior"}
        What the intervals cover: parameter ranges and random draws (the default, as in an
        experiment), random draws at default parameters, or calibrated parameter sets and
        random draws (needs ``posterior``).
    posterior : pandas.DataFrame, optional
        Weighted parameter sets (:func:`armednet.sim.params.load_parameter_sets`).

    Returns
    -------
    LabResult

    Raises
    ------
    InputError
        Bad sizes, levers or uncertainty, or a scenario the engine cannot simulate.
    """
    from armednet.kb.dates import earliest
    from armednet.sim.engine import simulate
    from armednet.sim.output import summary_table
    from armednet.sim.params import UNCERTAINTY
    from armednet.sim.policy import LeverWarning

    runs = _check("runs", runs, 1, MAX_RUNS)
    weeks = _check("weeks", weeks, 1, MAX_WEEKS)
    seed = _check("seed", seed, 0, 2**31 - 1)
    start_week = _check("start week", start_week, 0, weeks - 1)
    params = _params(uncertainty, runs, seed, posterior)
    start = None
    if start_week:
        start = earliest(kg.scenario.scenario.start) + dt.timedelta(days=7 * start_week)
    policy = build_policy(levers, start)
    t0 = time.perf_counter()
    key = (kg.hash, runs, weeks, seed, uncertainty,
           None if posterior is None or uncertainty != "posterior" else id(posterior))
    base = BASELINE_CACHE.get(key)
    cached = base is not None
    n_sims = (0 if cached else 1) + (1 if policy.levers else 0)
    done = [0]

    def tick(d: float, total: float) -> None:
        if progress is not None and n_sims:
            progress(min(1.0, (done[0] + d / total) / n_sims))

    record = list(LAB_VARIABLES)
    dates: list[str] | None = None
    if base is None:
        res = simulate(kg, BASELINE, runs=runs, weeks=weeks, seed=seed, record=record,
                       progress=tick, params=params, workers=LAB_WORKERS)
        assert res.weekly is not None
        base = (res.summary, _bands(res.weekly))
        dates = [str(d)[:10] for d in np.asarray(res.weekly["date"].values)]
        BASELINE_CACHE.put(key, base)
        done[0] += 1
    summaries = {BASELINE: base[0]}
    bands = {v: {BASELINE: b} for v, b in base[1].items()}
    notes: list[str] = []
    if policy.levers:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LeverWarning)  # said in the result instead
            res = simulate(kg, policy, runs=runs, weeks=weeks, seed=seed, record=record,
                           progress=tick, params=params, workers=LAB_WORKERS)
        notes = [str(w) for w in res.metadata.get("warnings", [])]
        summaries[policy.name] = res.summary
        assert res.weekly is not None
        for v, b in _bands(res.weekly).items():
            bands[v][policy.name] = b
        dates = [str(d)[:10] for d in np.asarray(res.weekly["date"].values)]
    if dates is None:
        first = earliest(kg.scenario.scenario.start)
        dates = [(first + dt.timedelta(days=7 * w)).isoformat() for w in range(weeks)]
    if progress is not None:
        progress(1.0)
    return LabResult(policy=policy.name, runs=runs, weeks=weeks, seed=seed, dates=dates,
                     bands=bands, table=_table(summaries, policy.name, summary_table),
                     seconds=time.perf_counter() - t0, baseline_cached=cached,
                     uncertainty=uncertainty, covers=UNCERTAINTY[uncertainty],
                     warnings=notes)


def find_posterior(db: Path | None) -> tuple[str, pd.DataFrame] | None:
    """The posterior of the latest calibration in a results database, if its file exists.

    Returns
    -------
    (str, pandas.DataFrame) or None
        The file's path and its parameter sets.
    """
    from armednet.experiments.store import open_store

    if db is None or not Path(db).is_file():
        return None
    try:
        with open_store(db, read_only=True) as store:
            cal = store.analysis("calibration", "latest") or {}
    except InputError:
        return None
    name = cal.get("posterior_file")
    if not name:
        return None
    path = Path(str(name))
    if not path.is_absolute():
        path = Path(db).parent / path
    if not path.is_file():
        return None
    try:
        return str(path), _load_posterior(str(path), path.stat().st_mtime_ns)
    except InputError:
        return None


@functools.lru_cache(maxsize=2)
def _load_posterior(path: str, _mtime: int) -> pd.DataFrame:
    from armednet.sim.params import load_parameter_sets

    return load_parameter_sets(path)


def _table(summaries: Mapping[str, pd.DataFrame], name: str,
           summary_table: Callable[..., pd.DataFrame]) -> list[dict[str, Any]]:
    cols = [c for c in LAB_OUTCOMES if c in summaries[BASELINE].columns]
    tables = {p: summary_table(s, columns=cols) for p, s in summaries.items()}
    rows = []
    for c in cols:
        row: dict[str, Any] = {"outcome": c}
        for p, t in tables.items():
            label = "status quo" if p == BASELINE else "policy"
            med, lo, hi = (float(v) for v in t.loc[c, ["median", "low", "high"]].to_numpy())
            row[f"{label} median"] = med
            row[f"{label} 90% interval"] = f"{lo:.3g} .. {hi:.3g}"
        if name in summaries and name != BASELINE:
            a = summaries[name][c].to_numpy(dtype=float)
            b = summaries[BASELINE][c].to_numpy(dtype=float)
            ok = np.isfinite(a) & np.isfinite(b)
            if ok.any():
                lower = float(np.mean(a[ok] < b[ok]))
                equal = float(np.mean(a[ok] == b[ok]))
                row["policy lower in"] = f"{lower:.0%} of runs ({equal:.0%} equal)"
        rows.append(row)
    return rows


# -- background jobs ------------------------------------------------------------------------
@dataclass
class Job:
    """One background computation and its progress."""

    id: str
    state: str = "queued"
    progress: float = 0.0
    result: Any = None
    error: str | None = None
    started: float = field(default_factory=time.perf_counter)
    finished: float | None = None


class JobRunner:
    """Runs jobs one at a time in a worker thread and remembers the latest ones.

    Parameters
    ----------
    keep : int
        Jobs remembered (the oldest finished ones are forgotten first).
    """

    def __init__(self, keep: int = 32) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def submit(self, fn: Callable[[Callable[[float], None]], Any]) -> str:
        """Queue ``fn(report)``; ``report(fraction)`` updates the job's progress."""
        job = Job(id=uuid.uuid4().hex)
        with self._lock:
            self._jobs[job.id] = job
            while len(self._jobs) > self._keep:
                old = next((k for k, j in self._jobs.items() if j.state in ("done", "error")),
                           None)
                if old is None:
                    break
                del self._jobs[old]
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="armednet-lab")
            pool = self._pool
        pool.submit(self._run, job, fn)
        return job.id

    def _run(self, job: Job, fn: Callable[[Callable[[float], None]], Any]) -> None:
        job.state = "running"

        def report(fraction: float) -> None:
            job.progress = max(job.progress, min(1.0, float(fraction)))

        try:
            job.result = fn(report)
            job.progress = 1.0
            job.state = "done"
        except InputError as exc:
            job.error, job.state = str(exc), "error"
        except Exception as exc:  # a bug: keep the server alive, log the traceback
            log.exception("policy lab job failed")
            job.error, job.state = f"internal error ({type(exc).__name__}: {exc})", "error"
        finally:
            job.finished = time.perf_counter()

    def get(self, job_id: str | None) -> Job | None:
        """The job with this id, if remembered."""
        with self._lock:
            return self._jobs.get(job_id or "")

    def wait(self, job_id: str, timeout: float = 60.0) -> Job:
        """Block until a job ends (for scripts and tests; the page polls instead)."""
        deadline = time.perf_counter() + timeout
        while True:
            job = self.get(job_id)
            if job is None:
                raise InputError(f"unknown job {job_id!r}")
            if job.state in ("done", "error"):
                return job
            if time.perf_counter() > deadline:
                raise TimeoutError(f"job {job_id} still {job.state} after {timeout} s")
            time.sleep(0.01)


# -- Dash ---------------------------------------------------------------------------------
def _empty_figure(text: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(template="plotly_white", height=420, xaxis={"visible": False},
                      yaxis={"visible": False},
                      annotations=[{"text": text, "showarrow": False, "font": {"size": 14},
                                    "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5}])
    return fig


def figure(result: LabResult, variable: str = "attacks") -> Any:
    """The fan chart of one weekly variable: status quo against the policy."""
    from armednet.report.figures import fan_chart

    bands = {p: {k: np.asarray(v) for k, v in q.items()}
             for p, q in result.bands[variable].items()}
    covers = f"; {result.covers}" if result.covers else ""
    title = (f"{variable.replace('_', ' ')} per week: {result.policy} against the status quo "
             f"({result.runs:,} runs each{covers})" if len(bands) > 1 else
             f"{variable.replace('_', ' ')} per week under the status quo "
             f"({result.runs:,} runs{covers})")
    return fan_chart(bands, result.dates, title=title, yaxis=variable.replace("_", " "))


def _number(label: str, ident: str, value: int, low: int, high: int) -> Any:
    from dash import dcc, html

    return html.Div([html.Label(label, className="head"),
                     dcc.Input(id=ident, type="number", value=value, min=low, max=high,
                               step=1, debounce=True, style={"width": "90px"})])


def uncertainty_options(ctx: AppContext) -> list[dict[str, str]]:
    """The lab's choices of what intervals cover: ``prior`` (the default) and ``none``,
    and ``posterior`` when the results database holds a calibration with its posterior."""
    opts = [{"label": " parameter ranges and random draws (as in an experiment)",
             "value": "prior"},
            {"label": " random draws at default parameters", "value": "none"}]
    found = find_posterior(ctx.db)
    if found is not None:
        opts.append({"label": f" calibrated posterior and random draws ({Path(found[0]).name})",
                     "value": "posterior"})
    return opts


def layout(ctx: AppContext) -> Any:
    """The policy lab's components."""
    from dash import dcc, html

    from armednet.sim.policy import PRESETS

    rows = []
    for kind, lever in LEVERS.items():
        rows.append(html.Div(className="lever", title=lever.help, children=[
            html.Div(className="name", children=dcc.Checklist(
                id=f"lab-on-{kind}", options=[{"label": f" {lever.label}", "value": kind}],
                value=[])),
            html.Div(className="slider", children=dcc.Slider(
                id=f"lab-int-{kind}", min=0, max=lever.maximum, step=0.05,
                value=lever.default, marks=None, updatemode="mouseup")),
        ]))
    return html.Div(className="row", children=[
        html.Div(className="col panel", style={"maxWidth": "440px"}, children=[
            html.Label("Start from a preset", className="head"),
            dcc.Dropdown(id="lab-preset", options=list(PRESETS), placeholder="preset policy",
                         clearable=True),
            html.Label("Levers and intensities", className="head"),
            *rows,
            html.Div(className="row", style={"gap": "10px", "marginTop": "8px"}, children=[
                _number("Runs", "lab-runs", DEFAULT_RUNS, 1, MAX_RUNS),
                _number("Weeks", "lab-weeks", 104, 1, MAX_WEEKS),
                _number("Start week", "lab-start", 0, 0, MAX_WEEKS),
                _number("Seed", "lab-seed", 0, 0, 2**31 - 1),
            ]),
            html.Label("Intervals cover", className="head"),
            dcc.RadioItems(id="lab-uncertainty", options=uncertainty_options(ctx),
                           value=DEFAULT_UNCERTAINTY, labelStyle={"display": "block"}),
            html.Div(style={"marginTop": "12px"}, children=[
                html.Button("Run ensemble", id="lab-run", n_clicks=0)]),
            html.Div(className="progress", children=html.Div(id="lab-progress-bar",
                                                              style={"width": "0%"})),
            html.Div("Pick levers, then run: the status quo runs with the same parameters "
                     "and random numbers.", id="lab-status", className="muted"),
            dcc.Interval(id="lab-poll", interval=150, disabled=True),
            dcc.Store(id="lab-job"), dcc.Store(id="lab-done"),
        ]),
        html.Div(className="col", style={"flex": 2}, children=[
            html.Div(className="panel", children=[
                dcc.Dropdown(id="lab-variable", options=list(LAB_VARIABLES), value="attacks",
                             clearable=False, style={"maxWidth": "300px"}),
                dcc.Graph(id="lab-fan", figure=_empty_figure("Run an ensemble to see the fan "
                                                             "chart"),
                          config={"displaylogo": False}),
            ]),
            html.Div(className="panel", children=[
                html.H4("Outcomes per run: medians and 90% intervals", style={"margin": 0}),
                html.Div(id="lab-table", children=html.P("No run yet.", className="muted")),
            ]),
        ]),
    ])


def register(app: Any, ctx: AppContext) -> None:
    """The lab's callbacks: presets, starting a run, polling it, drawing the result."""
    import dash
    from dash import Input, Output, State, html

    from armednet.app.layout import table

    kinds = list(LEVERS)

    @app.callback(
        *[Output(f"lab-on-{k}", "value") for k in kinds],
        *[Output(f"lab-int-{k}", "value") for k in kinds],
        Input("lab-preset", "value"), prevent_initial_call=True)
    def _preset(name: str | None) -> tuple[Any, ...]:
        if not name:
            return tuple(dash.no_update for _ in range(2 * len(kinds)))
        chosen = preset_levers(name)
        return (*[[k] if k in chosen else [] for k in kinds],
                *[chosen.get(k, LEVERS[k].default) for k in kinds])

    @app.callback(
        Output("lab-job", "data"), Output("lab-poll", "disabled"),
        Output("lab-run", "disabled"), Output("lab-status", "children"),
        Input("lab-run", "n_clicks"),
        *[State(f"lab-on-{k}", "value") for k in kinds],
        *[State(f"lab-int-{k}", "value") for k in kinds],
        State("lab-runs", "value"), State("lab-weeks", "value"), State("lab-start", "value"),
        State("lab-seed", "value"), State("scenario", "value"),
        State("lab-uncertainty", "value"), prevent_initial_call=True)
    def _run(_: int, *args: Any) -> tuple[Any, ...]:
        on, intensity = args[:len(kinds)], args[len(kinds):2 * len(kinds)]
        runs, weeks, start, seed, key, kind = args[2 * len(kinds):]
        kind = kind or DEFAULT_UNCERTAINTY
        levers = {k: float(v if v is not None else LEVERS[k].default)
                  for k, flag, v in zip(kinds, on, intensity, strict=True) if flag}
        kg = ctx.scenarios.get(key)
        try:
            for name, value, low, high in (("runs", runs, 1, MAX_RUNS),
                                           ("weeks", weeks, 1, MAX_WEEKS),
                                           ("seed", seed, 0, 2**31 - 1),
                                           ("start week", start, 0, MAX_WEEKS)):
                _check(name, value, low, high)
            build_policy(levers)
            found = find_posterior(ctx.db) if kind == "posterior" else None
            if kind == "posterior" and found is None:
                raise InputError("no calibrated posterior in the results database")
        except InputError as exc:
            return (dash.no_update, True, False,
                    html.Span(f"error: {exc}", className="error", id="lab-error"))
        posterior = found[1] if found is not None else None
        job = ctx.jobs.submit(lambda report: run_lab(
            kg, levers, runs=int(runs), weeks=int(weeks), seed=int(seed),
            start_week=int(start or 0), progress=report, uncertainty=kind,
            posterior=posterior))
        return job, False, True, "queued…"

    @app.callback(
        Output("lab-progress-bar", "style"), Output("lab-status", "children",
                                                    allow_duplicate=True),
        Output("lab-poll", "disabled", allow_duplicate=True),
        Output("lab-run", "disabled", allow_duplicate=True), Output("lab-done", "data"),
        Input("lab-poll", "n_intervals"), State("lab-job", "data"), prevent_initial_call=True)
    def _poll(_: int, job_id: str | None) -> tuple[Any, ...]:
        job = ctx.jobs.get(job_id)
        if job is None:
            return {"width": "0%"}, "no run in progress", True, False, dash.no_update
        width = {"width": f"{100 * job.progress:.0f}%"}
        if job.state == "error":
            return (width, html.Span(f"error: {job.error}", className="error",
                                     id="lab-error"), True, False, dash.no_update)
        if job.state != "done":
            return (width, f"simulating… {job.progress:.0%}", dash.no_update, dash.no_update,
                    dash.no_update)
        res: LabResult = job.result
        text = (f"done: {res.runs:,} runs x {res.weeks} weeks in {res.seconds:.2f} s"
                + (" (status quo from the cache)" if res.baseline_cached else ""))
        return width, html.Span(text, id="lab-finished", className="ok"), True, False, job.id

    @app.callback(
        Output("lab-fan", "figure"), Output("lab-table", "children"),
        Input("lab-done", "data"), Input("lab-variable", "value"), prevent_initial_call=True)
    def _show(job_id: str | None, variable: str) -> tuple[Any, Any]:
        job = ctx.jobs.get(job_id)
        if job is None or job.state != "done":
            return dash.no_update, dash.no_update
        res: LabResult = job.result
        var = variable if variable in res.bands else "attacks"
        head = [html.P(f"Intervals over {res.covers}; {res.runs:,} runs of each policy with the "
                       "same parameters and random numbers.", id="lab-covers",
                       className="muted")]
        head += [html.P(f"{res.policy}: {w}", className="note lab-warning")
                 for w in res.warnings]
        return figure(res, var), html.Div([*head, table(res.table, "lab-summary")])

