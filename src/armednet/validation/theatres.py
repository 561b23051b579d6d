"""Calibrate the shared behavioural parameters on several theatres at once.

The model's parameters describe how leaderships, fighters and patrons respond (attack
rates, the pull of the regional trigger, what turns strikes into cease-fires); the
scenarios hold the quantities of each network (groups, sizes, funds, offices, ties). A
model of mechanisms should travel: the same parameters, another network. This module fits
one set of behavioural parameters (:data:`~armednet.validation.priors.CALIBRATED`) to the
data of several theatres together, by the same ABC-SMC as
:func:`armednet.validation.calibration.calibrate`: a draw's distance is the sum of every
theatre's pattern distances, each theatre simulated with its own scenario.

Two kinds of data are understood:

- counts over intervals (:class:`~armednet.events.intervals.IntervalCounts`, as the DoD's
  statements on attacks on U.S. forces in Iraq and Syria), fitted with the patterns of
  :mod:`armednet.validation.calibration`;
- dated counting statements of several authorities
  (:class:`~armednet.events.statements.StatementSet`, as those on the Houthis' attacks on
  shipping), fitted through the measurement model of
  :mod:`armednet.validation.measurement`: a reporting factor per authority (the reference
  authority's fixed at 1), claims as claims, no series spliced. The factors are calibrated
  with the behavioural parameters (they belong to the theatre, not to the model). The
  ``strikes`` pattern applies too: attacks went on after every strike in the data's window
  and the campaign declared no lasting cease-fire before the data's last day.

Only data up to each theatre's cut-off enter the fit; the forecast after the cut-off is made
without data from that period (:func:`armednet.validation.forecast.forecast_from_posterior`).

References
----------
.. [1] V. Grimm et al., "Pattern-oriented modeling of agent-based complex systems: lessons
   from ecology", Science 310(5750), 2005. doi:10.1126/science.1116681
.. [2] K. Lum, M. Price and D. Banks, "Applications of multiple systems estimation in human
   rights research", The American Statistician 67(4), 2013 (several counting authorities
   of one population of events).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.validation import patterns as pt
from armednet.validation.priors import Prior, default_priors, informed, weighted_quantiles

__all__ = ["STATEMENT_PATTERNS", "Theatre", "calibrate_theatres"]

STATEMENT_PATTERNS = ("statements", "strikes")
"""Patterns fitted on a theatre with counting statements."""

PATTERN_TEXT: dict[str, dict[str, str]] = {
    "statements": {
        "description": "Every counting statement against the model's attacks over its "
                       "window, through the authority's reporting factor (claims through "
                       "the claimant's factor); 'at least' statements are lower bounds.",
        "source": "dated statements (series_id per authority), never spliced",
        "distance": "negative binomial deviance per statement (one-sided for lower "
                    "bounds), averaged",
    },
    "strikes": {
        "description": "Strikes did not stop the attacks: attacks in the two weeks after "
                       "each strike's week and no lasting cease-fire of the campaign's "
                       "groups before the data's last day (statistic: 1 when both hold).",
        "source": "scenario strike events; the statements (the reference count rose after "
                  "the first strike)",
        "distance": "binomial deviance of the observed outcome, -2 log P",
    },
}


@dataclass
class Theatre:
    """One theatre of a joint calibration: a scenario and its data.

    Attributes
    ----------
    kg : KnowledgeGraph
        The scenario.
    data : IntervalCounts or StatementSet
        Its observations (the kind decides the patterns).
    patterns : sequence of str, optional
        Patterns to fit (default: all that the data allow).
    """

    kg: Any
    data: Any
    patterns: Sequence[str] | None = None

    @property
    def name(self) -> str:
        return str(self.kg.scenario.scenario.id)

    @property
    def cutoff(self) -> dt.date:
        """The data's last day."""
        from armednet.events.statements import StatementSet

        if isinstance(self.data, StatementSet):
            return max(s.day for s in self.data)
        return max(self.data.last_day)


@dataclass
class _StatementsFacts:
    start: dt.date
    weeks: int
    strike_weeks: list[int]
    last_week: int
    quiet_until: int
    strikes_observed: bool
    reference_index: int | None


def _statement_facts(kg: Any, data: Any) -> _StatementsFacts:
    from armednet.kb.dates import earliest
    from armednet.validation.calibration import STRIKE_KINDS
    from armednet.validation.measurement import last_reference_index

    start = earliest(kg.scenario.scenario.start)
    if not len(data):
        raise InputError(f"{data.source}: no statements")
    first = min(s.period_start for s in data)
    if first < start:
        raise InputError(f"{data.source}: a statement's window starts {first}, before the "
                         f"scenario's start {start}")
    last = max(s.day for s in data)
    weeks = (last - start).days // 7 + 1
    strikes = sorted({(earliest(e.date) - start).days // 7 for e in kg.scenario.events
                      if e.kind in STRIKE_KINDS and start <= earliest(e.date) <= last})
    ref = last_reference_index(data)
    # The data say the strikes did not stop the attacks when the reference count grew after
    # the first strike in the window (its statements are cumulative from one start).
    observed = False
    if ref is not None and strikes:
        s0 = start + dt.timedelta(days=7 * strikes[0])
        rs = [s for s in data if s.series_id == data.statements[ref].series_id]
        before = [s.value for s in rs if s.day <= s0 + dt.timedelta(days=6)]
        after = [s.value for s in rs if s.day > s0 + dt.timedelta(days=6)]
        observed = bool(before and after and max(after) > max(before))
    # the last whole week of data: a cease-fire must not begin before it
    quiet = (last - start).days
    return _StatementsFacts(start, weeks, strikes, weeks - 1,
                            (quiet - 6) // 7 if quiet >= 6 else -1, observed, ref)


@dataclass
class _StatementsEngine:
    """Simulates batches of draws on a theatre with counting statements (duck-typed like
    the interval engine of :mod:`armednet.validation.calibration`)."""

    kg: Any
    data: Any
    facts: _StatementsFacts
    priors: list[Prior]  # model parameters, then the reporting factors
    factor_names: list[str]
    seed: int
    replicates: int
    rng: np.random.Generator
    patterns: list[str]
    weights: dict[str, float]
    dispersion: float | None
    next_run: int = 0
    workers: int | None = None  # engine worker processes (None: this process)
    allocation: str = field(default="by week", init=False)

    def params(self, unit: np.ndarray, reps: int) -> dict[str, np.ndarray]:
        return {p.name: np.clip(np.repeat(p.from_unit(unit[:, j]), reps), p.low, p.high)
                for j, p in enumerate(self.priors) if p.name not in self.factor_names}

    def factors(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        return {p.name: np.clip(p.from_unit(unit[:, j]), p.low, p.high)
                for j, p in enumerate(self.priors) if p.name in self.factor_names}

    def run(self, unit: np.ndarray, reps: int, weeks: int) -> dict[str, Any]:
        from armednet.sim.engine import simulate

        n = len(unit)
        res = simulate(self.kg, "status-quo", weeks=weeks, runs=n * reps, seed=self.seed,
                       params=self.params(unit, reps), run_offset=self.next_run,
                       record=["attacks", "ceasefires"], workers=self.workers)
        self.next_run += n * reps
        assert res.weekly is not None
        return {"attacks": np.asarray(res.weekly["attacks"].values,
                                      dtype=float).reshape(n, reps, weeks),
                "ceasefires": np.asarray(res.weekly["ceasefires"].values,
                                         dtype=float).reshape(n, reps, weeks),
                "factors": self.factors(unit)}

    def fit(self, raw: dict[str, Any]) -> Any:
        from armednet.validation.measurement import fit_statements

        w = self.facts.weeks
        return fit_statements(self.data, raw["attacks"][:, :, :w], self.facts.start,
                              raw["factors"], dispersion=self.dispersion)

    def evaluate(self, raw: dict[str, Any]) -> dict[str, pt.PatternValue]:
        f, out = self.facts, {}
        if "statements" in self.patterns:
            fit = self.fit(raw)
            i = f.reference_index if f.reference_index is not None else len(self.data) - 1
            out["statements"] = fit.pattern(i)
        if "strikes" in self.patterns:
            out["strikes"] = pt.strikes_did_not_stop(
                raw["attacks"][:, :, :f.weeks], raw["ceasefires"][:, :, :f.weeks],
                f.strike_weeks, f.last_week, f.quiet_until, f.strikes_observed)
        return out

    def distance(self, unit: np.ndarray) -> np.ndarray:
        values = self.evaluate(self.run(unit, self.replicates, self.facts.weeks))
        return np.column_stack([self.weights[k] * values[k].distance for k in self.patterns])


def _statements_engine(th: Theatre, shared: list[Prior], seed: int, replicates: int,
                       rng: np.random.Generator, dispersion: float | None
                       ) -> tuple[_StatementsEngine, dict[str, str]]:
    from armednet.validation.measurement import DEFAULT_AUTHORITIES, factor_priors

    facts = _statement_facts(th.kg, th.data)
    present = set(th.data.series_ids())
    auth = [a for a in DEFAULT_AUTHORITIES if a.series_id in present]
    fps = factor_priors(auth)
    wanted = list(th.patterns or STATEMENT_PATTERNS)
    unknown = [p for p in wanted if p not in STATEMENT_PATTERNS]
    if unknown:
        raise InputError(f"{th.name}: unknown pattern(s) {', '.join(unknown)} for counting "
                         f"statements; patterns: {', '.join(STATEMENT_PATTERNS)}")
    skipped: dict[str, str] = {}
    if "strikes" in wanted and (facts.quiet_until < 0 or not facts.strike_weeks):
        skipped["strikes"] = "no strike and whole week of data in the window"
    used = [p for p in wanted if p not in skipped]
    return _StatementsEngine(th.kg, th.data, facts, [*shared, *fps], [p.name for p in fps],
                             seed, replicates, rng, used, dict.fromkeys(used, 1.0),
                             dispersion), skipped


@dataclass
class _Joint:
    """Several theatres' engines behind one distance: shared columns, then each theatre's
    own (its reporting factors)."""

    names: list[str]
    engines: list[Any]
    columns: list[np.ndarray]  # unit columns of each engine
    priors: list[Prior]  # the joint parameter vector

    @property
    def patterns(self) -> list[str]:
        return [f"{n}:{p}" for n, e in zip(self.names, self.engines, strict=True)
                for p in e.patterns]

    def distance(self, unit: np.ndarray) -> np.ndarray:
        return np.column_stack([e.distance(unit[:, c])
                                for e, c in zip(self.engines, self.columns, strict=True)])


def _build(theatres: Sequence[Theatre], shared: list[Prior], seed: int, replicates: int,
           rng: np.random.Generator, dispersion: float | None
           ) -> tuple[_Joint, dict[str, dict[str, str]]]:
    from armednet.events.statements import StatementSet
    from armednet.validation.calibration import _engine

    names = [t.name for t in theatres]
    if len(set(names)) != len(names):
        raise InputError(f"a theatre is given twice: {', '.join(names)}")
    engines: list[Any] = []
    columns: list[np.ndarray] = []
    joint = list(shared)
    skipped: dict[str, dict[str, str]] = {}
    for th in theatres:
        eng: Any
        if isinstance(th.data, StatementSet):
            eng, skip = _statements_engine(th, shared, seed, replicates, rng, dispersion)
        else:
            eng, skip = _engine(th.kg, th.data, shared, seed, replicates, rng, th.patterns,
                                None, dispersion, pt.PREWAR_RATE, pt.PREWAR_WEEKS)
        cols = list(range(len(shared)))
        for p in eng.priors[len(shared):]:  # theatre-only parameters, named per theatre
            cols.append(len(joint))
            joint.append(Prior(f"{th.name}:{p.name}", p.low, p.high, log=p.log))
        engines.append(eng)
        columns.append(np.array(cols, dtype=int))
        skipped[th.name] = skip
    return _Joint(names, engines, columns, joint), skipped


def calibrate_theatres(
    theatres: Sequence[Theatre],
    priors: Sequence[Prior] | None = None,
    particles: int = 1000,
    generations: int = 8,
    seed: int = 0,
    *,
    replicates: int = 5,
    quantile: float = 0.5,
    min_acceptance: float = 0.02,
    resimulation_target: float | None = 0.7,
    resimulate: int = 500,
    predictive_runs: int = 1000,
    dispersion: float | None = pt.NB_DISPERSION,
    progress: Callable[[str, float], None] | None = None,
    workers: int | None = None,
) -> Any:
    """Fit the shared behavioural parameters to several theatres' data together.

    Parameters
    ----------
    theatres : sequence of Theatre
        Each a scenario and its data (interval counts or counting statements).
    priors : sequence of Prior, optional
        The shared parameters (default :func:`default_priors`); each statements theatre
        adds its free reporting factors, named ``<scenario>:<factor>``.
    particles, generations, seed, replicates, quantile, min_acceptance
        As :func:`armednet.validation.calibration.calibrate`.
    resimulation_target, resimulate
        Noise-floor stop and the number of final particles re-simulated.
    predictive_runs : int
        Posterior draws simulated for each theatre's predictive checks.
    dispersion : float or None
        Negative binomial ``k`` of the count distances.
    progress : callable, optional
        ``progress(message, fraction_done)``.
    workers : int, optional
        Processes (this one included) for each batch of runs, as in
        :func:`armednet.validation.calibration.calibrate`.

    Returns
    -------
    CalibrationResult
        ``posterior`` holds the shared parameters, each theatre's factors and ``weight``;
        ``record["theatres"]`` one block per theatre (patterns, predictive checks).

    Raises
    ------
    InputError
        No theatre, a theatre twice, data outside a scenario, unknown patterns.
    """
    from armednet.validation.calibration import CalibrationResult, _check_settings, run_smc

    if not theatres:
        raise InputError("no theatre to calibrate")
    _check_settings(particles=particles, generations=generations,
                    predictive_runs=predictive_runs, forecast_weeks=1, replicates=replicates,
                    prewar_weeks=1, resimulate=resimulate, quantile=quantile,
                    min_acceptance=min_acceptance)
    t0 = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0x7EA7]))
    shared = list(priors) if priors is not None else default_priors()
    joint, skipped = _build(theatres, shared, int(seed), int(replicates), rng, dispersion)
    for eng in joint.engines:
        eng.workers = workers
    tick = progress or (lambda msg, frac: None)
    smc, posterior, resim = run_smc(joint.distance, joint.priors, joint.patterns, particles,
                                    generations, rng, tick, quantile=quantile,
                                    min_acceptance=min_acceptance,
                                    resimulation_target=resimulation_target,
                                    resimulate=resimulate)
    tick("posterior predictive checks", 0.9)
    blocks = [_theatre_record(th, eng, cols, joint, smc, posterior, predictive_runs, rng,
                              skipped[th.name], k)
              for k, (th, eng, cols) in enumerate(zip(theatres, joint.engines, joint.columns,
                                                      strict=True))]
    from armednet import __version__

    done = [g for g in smc.generations if g["complete"]][-1]
    record: dict[str, Any] = {
        "method": "ABC-SMC with the OLCM kernel (Filippi et al. 2013) over several "
                  f"theatres ({', '.join(joint.names)}), pattern-oriented discrepancy "
                  f"summed over theatres, {replicates} replicates per draw",
        "theatres": blocks, "scenarios": joint.names,
        "params": [p.name for p in shared],
        "theatre_params": [p.name for p in joint.priors[len(shared):]],
        "priors": [{"parameter": p.name, "low": p.low, "high": p.high, "scale": p.scale}
                   for p in joint.priors],
        "posterior_summary": _summary(joint.priors, posterior),
        "informed": informed(joint.priors, posterior),
        "resimulation": {**resim, "replicates": replicates, "target": resimulation_target},
        "n_particles": particles, "generations": [dict(g) for g in smc.generations],
        "tolerance": float(done["tolerance"]), "ess": float(done["ess"]),
        "ess_share": float(done["ess_share"]), "seed": int(seed),
        "package_version": __version__, "seconds": time.perf_counter() - t0,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    }
    tick("done", 1.0)
    return CalibrationResult(posterior=posterior, generations=pd.DataFrame(smc.generations),
                             record=record)


def _summary(priors: list[Prior], posterior: pd.DataFrame) -> list[dict[str, Any]]:
    w = posterior["weight"].to_numpy()
    out = []
    for p in priors:
        q = weighted_quantiles(posterior[p.name].to_numpy(), w, [0.05, 0.5, 0.95])
        out.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high,
                    "scale": p.scale, "median": q[1], "low": q[0], "high": q[2]})
    return out


def _theatre_record(th: Theatre, eng: Any, cols: np.ndarray, joint: _Joint, smc: Any,
                    posterior: pd.DataFrame, runs: int, rng: np.random.Generator,
                    skipped: dict[str, str], k: int) -> dict[str, Any]:
    """One theatre's block: its patterns' posterior predictive and, for statements, each
    statement's predictive interval."""
    w = posterior["weight"].to_numpy()
    pick = rng.choice(len(posterior), size=runs, p=w / w.sum())
    unit = smc.unit[pick][:, cols]
    raw = eng.run(unit, 1, eng.facts.weeks)
    values = eng.evaluate(raw)
    dist = smc.distances
    offset = sum(len(e.patterns) for e in joint.engines[:k])
    pats = []
    for j, name in enumerate(eng.patterns):
        v = values[name]
        s = v.statistic.ravel()
        lo, med, hi = np.quantile(s, [0.05, 0.5, 0.95])
        text = PATTERN_TEXT.get(name) if hasattr(eng, "factor_names") else pt.PATTERNS[name]
        binary = name in ("truce", "strikes")
        pats.append({"name": name, **(text or {}), "observed": v.observed,
                     "simulated": {"median": float(med), "low": float(lo), "high": float(hi),
                                   "mean": float(s.mean()), "level": 0.9},
                     "p_equal_observed": (float(np.mean(np.isclose(s, v.observed)))
                                          if binary else None),
                     "distance_median": float(np.median(dist[:, offset + j]))})
    block: dict[str, Any] = {"scenario": th.name, "scenario_hash": th.kg.hash,
                             "data": th.data.source, "cutoff": th.cutoff.isoformat(),
                             "patterns": pats, "patterns_skipped": skipped}
    if hasattr(eng, "factor_names"):
        fit = eng.fit(raw)
        rep = fit.reported[:, 0, :]
        lo, med, hi = np.quantile(rep, [0.05, 0.5, 0.95], axis=0)
        rows = []
        for i, s in enumerate(th.data):
            # a lower bound is met when the model's 95% quantile reaches it
            inside = (hi[i] >= s.value if s.bound == "at_least"
                      else lo[i] <= s.value <= hi[i])
            rows.append({"series_id": s.series_id, "bound": s.bound,
                         "period_start": s.period_start.isoformat(),
                         "day": s.day.isoformat(), "observed": float(s.value),
                         "median": float(med[i]), "low": float(lo[i]), "high": float(hi[i]),
                         "inside": bool(inside)})
        block["statements"] = rows
        block["coverage"] = float(np.mean([r["inside"] for r in rows]))
        weekly = raw["attacks"][:, 0, :]
        block["weekly"] = [{"week": int(j), "date": (eng.facts.start + dt.timedelta(
            days=7 * j)).isoformat(), "median": float(np.median(weekly[:, j])),
            "low": float(np.quantile(weekly[:, j], 0.05)),
            "high": float(np.quantile(weekly[:, j], 0.95))} for j in range(weekly.shape[1])]
    return block
