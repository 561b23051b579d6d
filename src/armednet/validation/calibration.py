"""Calibrate the model to several patterns of the 2023-24 attacks, and forecast honestly.

The method is approximate Bayesian computation by sequential Monte Carlo with the optimal
local covariance kernel (:mod:`armednet.validation.abc`) on the vectorised engine: every
batch of proposals is simulated in one call, each draw ``replicates`` times. The
discrepancy is pattern-oriented (Grimm et al. 2005): the sum of the distances of several
documented patterns (:mod:`armednet.validation.patterns`), each a deviance per
observation so that none dominates by its scale:

- ``intervals``: the DoD's counts over the intervals between its statements;
- ``prewar``: about 0.7 attacks a week without the regional trigger (CENTCOM, 2021-23),
  from a counterfactual arm of the same draw (the diplomacy lever at intensity 1 from the
  start, so the trigger is 0 throughout, and the strikes mechanism off);
- ``truce``: no attacks in the zero-count intervals of the Gaza truce;
- ``strikes``: attacks went on after every strike before 30 January 2024 and no lasting
  cease-fire began before 28 January 2024.

The engine simulates the scenario's weeks under the status quo: the scenario's scheduled
U.S. strikes, sanctions and the Gaza series with its truce are the only inputs, and the
groups' cease-fires come out of the model. Each simulated week's attacks are spread over
its days multinomially, each day in proportion to the day's attack rate under the
regional trigger, ``1 + theta m tau(day)`` (``m``: the week's mix of the attacking groups'
trigger weights), so that a truce that starts mid-week takes its days' share of the week's
attacks; then they are summed over the observed intervals.

The posterior (a weighted sample) is saved as a parameter-set table that
``armednet simulate --posterior`` and experiments accept; the record lists per pattern
the observed value and the posterior predictive distribution of the simulated one, per
parameter how much the data narrowed it (``informed``), and the share of re-simulated
particles within the final tolerance.

References
----------
.. [1] V. Grimm et al., "Pattern-oriented modeling of agent-based complex systems: lessons
   from ecology", Science 310(5750), 2005. doi:10.1126/science.1116681
.. [2] S. Filippi, C. P. Barnes, J. Cornebise and M. P. H. Stumpf, "On optimality of
   kernels for approximate Bayesian computation using sequential Monte Carlo", Stat. Appl.
   Genet. Mol. Biol. 12(1), 2013. doi:10.1515/sagmb-2012-0069
.. [3] T. Toni, D. Welch, N. Strelkowa, A. Ipsen and M. P. H. Stumpf, "Approximate
   Bayesian computation scheme for parameter inference and model selection in dynamical
   systems", J. R. Soc. Interface 6, 2009. doi:10.1098/rsif.2008.0172
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.events.intervals import IntervalCounts, overlap_matrix
from armednet.validation import patterns as pt
from armednet.validation.abc import abc_smc, resimulation_share
from armednet.validation.patterns import deviance
from armednet.validation.priors import (
    CALIBRATED,
    Prior,
    default_priors,
    informed,
    weighted_quantiles,
)

__all__ = ["CALIBRATED", "CEASEFIRE_FREE_UNTIL", "PATTERN_NAMES", "CalibrationResult",
           "Prior", "calibrate", "default_priors", "deviance", "save_calibration"]

PATTERN_NAMES = ("intervals", "prewar", "truce", "lethal", "strikes")
"""The patterns :func:`calibrate` fits by default (those the data make applicable)."""

CEASEFIRE_FREE_UNTIL = dt.date(2024, 1, 28)
"""No group declared a suspension of its attacks before this day: Kataib Hezbollah's
statement of 30 January 2024 (the source of the DoD data's last interval) was the first."""

STRIKE_KINDS = ("strike", "leadership_strike")
"""Scenario event kinds that are U.S. strikes."""

PREWAR_POLICY = {"name": "no-regional-trigger", "description": "Counterfactual arm: the "
                 "regional trigger at 0 over the whole horizon.",
                 "levers": [{"kind": "diplomacy", "intensity": 1.0}]}
"""The policy of the pre-war arm (with the ``strikes`` mechanism off)."""


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns.

    Attributes
    ----------
    posterior : pandas.DataFrame
        One row per particle: a column per calibrated parameter and ``weight`` (sums to 1).
    generations : pandas.DataFrame
        Per generation: tolerance, noise floor, proposals, accepted, acceptance rate,
        effective sample size (and its share of the particles), median distances.
    record : dict
        Everything the report and dashboard show: observed intervals, posterior
        predictive, coverage, ``patterns`` (observed and posterior predictive), ``informed``
        (posterior over prior width per parameter), ``resimulation``, forecast, posterior
        summary, settings and provenance.
    """

    posterior: pd.DataFrame
    generations: pd.DataFrame
    record: dict[str, Any]


@dataclass
class _Facts:
    """What the data and the scenario say, laid onto the engine's weekly calendar."""

    start: dt.date
    weeks: int  # weeks simulated to cover the data
    overlap: np.ndarray  # (intervals, weeks) days of each interval in each week
    day_interval: np.ndarray  # (weeks, 7) interval of each day, -1 outside
    tau_daily: np.ndarray | None  # (weeks, 7) regional trigger, None if not reproduced
    truce: np.ndarray  # indices of the zero-count intervals inside a pause of the trigger
    strike_weeks: list[int]
    last_week: int
    quiet_until: int  # last week ending on or before CEASEFIRE_FREE_UNTIL (-1: none)
    strikes_observed: bool
    lethal_observed: int | None  # attack events in the window with foreign deaths stated


def _trigger_daily(kg: Any, start: dt.date, weeks: int) -> np.ndarray | None:
    """The scenario's trigger series per day, if its weekly means are the engine's tau."""
    from armednet.kb.dates import earliest
    from armednet.sim.engine import simulate

    res = simulate(kg, "status-quo", runs=1, weeks=weeks, seed=0, record=["tau"])
    assert res.weekly is not None
    tau = np.asarray(res.weekly["tau"].values[0], dtype=float)
    days = np.arange(7 * weeks) + start.toordinal()
    for series in kg.scenario.series:
        pts = sorted((earliest(p.date).toordinal(), float(p.value)) for p in series.points)
        if not pts:
            continue
        xs, ys = np.array([p[0] for p in pts], float), np.array([p[1] for p in pts])
        if series.interpolation == "linear":
            daily = np.interp(days, xs, ys, left=0.0, right=ys[-1])
        else:
            idx = np.searchsorted(xs, days, side="right") - 1
            daily = np.where(idx >= 0, ys[np.clip(idx, 0, None)], 0.0)
        daily = np.clip(daily, 0.0, None).reshape(weeks, 7)
        if np.allclose(daily.mean(axis=1), tau, atol=1e-9):
            return np.asarray(daily)
    return None


def _facts(kg: Any, data: IntervalCounts) -> _Facts:
    from armednet.kb.dates import earliest

    start = earliest(kg.scenario.scenario.start)
    if min(data.first_day) < start:
        raise InputError(f"{data.source}: the first interval starts {min(data.first_day)}, "
                         f"before the scenario's start {start}")
    last = max(data.last_day)
    weeks = (last - start).days // 7 + 1
    overlap = overlap_matrix(data, start, weeks)
    day_interval = np.full(7 * weeks, -1)
    for i, (a, b) in enumerate(zip(data.first_day, data.last_day, strict=True)):
        day_interval[(a - start).days:(b - start).days + 1] = i
    tau = _trigger_daily(kg, start, weeks)
    truce: list[int] = []
    if tau is not None and (tau > 0).any():
        first_on = int(np.argmax(tau.ravel() > 0))
        for i, (a, b) in enumerate(zip(data.first_day, data.last_day, strict=True)):
            span = tau.ravel()[(a - start).days:(b - start).days + 1]
            if data.attacks[i] == 0 and (a - start).days >= first_on and not span.any():
                truce.append(i)
    strikes = sorted({(earliest(e.date) - start).days // 7 for e in kg.scenario.events
                      if e.kind in STRIKE_KINDS and start <= earliest(e.date) <= last})
    last_week = weeks - 1
    quiet = (min(CEASEFIRE_FREE_UNTIL, last) - start).days
    observed = all(data.attacks[overlap[:, s + 1:min(s + 2, last_week) + 1].sum(axis=1) > 0]
                   .sum() > 0 for s in strikes if s + 1 <= last_week)
    attacks = [e for e in kg.scenario.events if e.kind == "attack"
               and min(data.first_day) <= earliest(e.date) <= last]
    stated = [e.foreign_killed for e in attacks if e.foreign_killed is not None]
    lethal = sum(1 for k in stated if k > 0) if stated else None
    return _Facts(start, weeks, overlap, day_interval.reshape(weeks, 7), tau,
                  np.array(truce, dtype=int), strikes, last_week,
                  (quiet - 6) // 7 if quiet >= 6 else -1, bool(observed), lethal)


@dataclass
class _Engine:
    """Simulates batches of parameter draws (each ``replicates`` times) and their patterns.

    Every run gets fresh random numbers (a global run counter); the pre-war arm of a run
    uses the same run index as its war arm (common random numbers).
    """

    kg: Any
    data: IntervalCounts
    facts: _Facts
    priors: list[Prior]
    seed: int
    replicates: int
    rng: np.random.Generator
    patterns: list[str]
    weights: dict[str, float]
    dispersion: float | None
    prewar_rate: float
    prewar_weeks: int
    next_run: int = 0
    workers: int | None = None  # engine worker processes (None: this process)
    allocation: str = field(default="trigger-weighted", init=False)

    def params(self, unit: np.ndarray, reps: int) -> dict[str, np.ndarray]:
        return {p.name: np.clip(np.repeat(p.from_unit(unit[:, j]), reps), p.low, p.high)
                for j, p in enumerate(self.priors)}

    def run(self, unit: np.ndarray, reps: int, weeks: int) -> dict[str, np.ndarray]:
        """Raw outputs, each of shape (draws, reps, ...)."""
        from armednet.sim.engine import simulate

        n = len(unit)
        params = self.params(unit, reps)
        common: dict[str, Any] = {"runs": n * reps, "seed": self.seed, "params": params,
                                  "run_offset": self.next_run, "workers": self.workers}
        self.next_run += n * reps
        war = simulate(self.kg, "status-quo", weeks=weeks,
                       record=["attacks", "ceasefires", "group_attacks"], **common)
        assert war.weekly is not None
        attacks = np.asarray(war.weekly["attacks"].values, dtype=np.int64)
        out = {"attacks": attacks.reshape(n, reps, weeks).astype(float),
               "lethal": war.summary["lethal_attacks"].to_numpy(dtype=float).reshape(n, reps),
               "ceasefires": np.asarray(war.weekly["ceasefires"].values,
                                        dtype=float).reshape(n, reps, weeks)}
        day_w = self.day_weights(war, params)
        counts = self.interval_counts(attacks[:, :self.facts.weeks], day_w)
        out["intervals"] = counts.reshape(n, reps, -1)
        if "prewar" in self.patterns:
            pre = simulate(self.kg, PREWAR_POLICY, weeks=self.prewar_weeks,
                           mechanisms={"strikes": False}, record=["attacks"], **common)
            assert pre.weekly is not None
            out["prewar"] = np.asarray(pre.weekly["attacks"].values,
                                       dtype=float).reshape(n, reps, self.prewar_weeks)
        return out

    def day_weights(self, war: Any, params: dict[str, np.ndarray]) -> np.ndarray | None:
        """Relative attack rate of each day, shape (runs, data weeks, 7), or None."""
        from armednet.sim.params import PARAMETERS

        tau = self.facts.tau_daily
        try:
            theta = params.get("trigger_sensitivity", PARAMETERS["trigger_sensitivity"].default)
            delta = params.get("domestic_trigger_weight",
                               PARAMETERS["domestic_trigger_weight"].default)
            ga = np.asarray(war.weekly["group_attacks"].values, dtype=float)
            o = np.asarray(war.inputs.orientation, dtype=float)
        except (KeyError, AttributeError):
            tau = None
        if tau is None:
            self.allocation = "uniform"
            return None
        runs, w = ga.shape[0], self.facts.weeks
        mix = o[None, :] + (1.0 - o[None, :]) * np.broadcast_to(delta, (runs,))[:, None]
        ga = ga[:, :w]
        m = (ga * mix[:, None, :]).sum(axis=2) / np.maximum(ga.sum(axis=2), 1.0)
        lift = np.broadcast_to(theta, (runs,))[:, None, None] * m[:, :, None]
        return np.asarray(1.0 + lift * tau[None, :, :])

    def interval_counts(self, weekly: np.ndarray, day_w: np.ndarray | None) -> np.ndarray:
        """Spread each week's attacks over its days and count them per interval."""
        n, m = weekly.shape[0], len(self.data)
        out = np.zeros((n, m))
        for w in range(self.facts.weeks):  # weeks of the data window (a few dozen)
            cover = np.unique(self.facts.day_interval[w][self.facts.day_interval[w] >= 0])
            if not len(cover):
                continue
            onehot = (self.facts.day_interval[w][:, None] == cover[None, :]).astype(float)
            a = np.ones((n, 7)) if day_w is None else day_w[:, w, :]
            p = (a @ onehot) / a.sum(axis=1, keepdims=True)
            p = np.column_stack([p, np.clip(1.0 - p.sum(axis=1), 0.0, None)])
            split = self.rng.multinomial(weekly[:, w], p / p.sum(axis=1, keepdims=True))
            out[:, cover] += split[:, :-1]
        return out

    def evaluate(self, raw: dict[str, np.ndarray]) -> dict[str, pt.PatternValue]:
        f = self.facts
        funcs: dict[str, Callable[[], pt.PatternValue]] = {
            "intervals": lambda: pt.interval_counts(self.data.attacks, raw["intervals"],
                                                    self.dispersion),
            "prewar": lambda: pt.prewar_rate(raw["prewar"], self.prewar_rate),
            "truce": lambda: pt.truce_zeros(raw["intervals"][:, :, f.truce], self.dispersion),
            "lethal": lambda: pt.lethal_attacks(raw["lethal"], float(f.lethal_observed or 0)),
            "strikes": lambda: pt.strikes_did_not_stop(
                raw["attacks"][:, :, :f.weeks], raw["ceasefires"][:, :, :f.weeks],
                f.strike_weeks, f.last_week, f.quiet_until, f.strikes_observed),
        }
        return {name: funcs[name]() for name in self.patterns}

    def distance(self, unit: np.ndarray) -> np.ndarray:
        """Weighted pattern distances, shape (draws, patterns)."""
        values = self.evaluate(self.run(unit, self.replicates, self.facts.weeks))
        return np.column_stack([self.weights[k] * values[k].distance for k in self.patterns])


def _choose_patterns(names: Sequence[str] | None, facts: _Facts,
                     weights: Mapping[str, float] | None) -> tuple[list[str], dict[str, str]]:
    """The patterns to fit, and those skipped with the reason."""
    wanted = list(PATTERN_NAMES if names is None else names)
    unknown = [n for n in wanted if n not in PATTERN_NAMES]
    if unknown or not wanted:
        raise InputError(f"unknown pattern(s) {', '.join(unknown) or '(none given)'}; "
                         f"patterns: {', '.join(PATTERN_NAMES)}")
    for k, v in (weights or {}).items():
        if k not in PATTERN_NAMES or not (np.isfinite(v) and v >= 0):
            raise InputError(f"pattern weight {k}={v}: expected a known pattern and a "
                             "finite weight >= 0")
    no_truce = ("the scenario's trigger series could not be laid onto days"
                if facts.tau_daily is None else
                "no zero-count interval during a pause of the regional trigger")
    reasons = {"truce": no_truce if not len(facts.truce) else "",
               "lethal": "no attack event of the scenario in the data window states "
               "foreign_killed" if facts.lethal_observed is None else "",
               "strikes": f"no week of data ends on or before {CEASEFIRE_FREE_UNTIL}"
               if facts.quiet_until < 0 else ""}
    skipped = {n: reasons[n] for n in wanted if reasons.get(n)}
    used = [n for n in wanted if n not in skipped]
    if not used:
        raise InputError(f"none of the patterns {', '.join(wanted)} applies to these data: "
                         + "; ".join(f"{k}: {v}" for k, v in skipped.items()))
    return used, skipped


def _check_settings(**values: float) -> None:
    lows = {"particles": 20, "generations": 1, "predictive_runs": 10, "forecast_weeks": 1,
            "replicates": 1, "prewar_weeks": 1, "resimulate": 10}
    for name, value in values.items():
        if name in lows and value < lows[name]:
            raise InputError(f"{name} must be at least {lows[name]}, got {value}")
    if not 0 < values["quantile"] < 1:
        raise InputError(f"quantile must be in (0, 1), got {values['quantile']}")
    if not 0 < values["min_acceptance"] < 1:
        raise InputError(f"min_acceptance must be in (0, 1), got {values['min_acceptance']}")


def calibrate(
    kg: Any,
    data: IntervalCounts,
    priors: Sequence[Prior] | None = None,
    particles: int = 1000,
    generations: int = 8,
    seed: int = 0,
    min_acceptance: float = 0.02,
    predictive_runs: int = 2000,
    forecast_weeks: int = 26,
    lull_weeks: int = 4,
    lull_max_attacks: float = 1.0,
    progress: Callable[[str, float], None] | None = None,
    *,
    patterns: Sequence[str] | None = None,
    pattern_weights: Mapping[str, float] | None = None,
    replicates: int = 5,
    quantile: float = 0.5,
    resimulation_target: float | None = 0.7,
    dispersion: float | None = pt.NB_DISPERSION,
    prewar_rate: float = pt.PREWAR_RATE,
    prewar_weeks: int = pt.PREWAR_WEEKS,
    resimulate: int = 500,
    workers: int | None = None,
) -> CalibrationResult:
    """Fit the model to several patterns by ABC-SMC; check and forecast with the posterior.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario (its start must precede the first interval).
    data : IntervalCounts
        Observed counts (:func:`armednet.events.intervals.load_intervals`).
    priors : sequence of Prior, optional
        Default: :func:`default_priors` of :data:`CALIBRATED`.
    particles, generations : int
        Population size; largest number of SMC generations after the prior one.
    seed : int
        Seed of the engine's runs and of the calibration's own draws.
    min_acceptance : float
        Stop when fewer proposals than this share are accepted in a generation.
    predictive_runs : int
        Posterior draws simulated for the predictive checks and the forecast.
    forecast_weeks : int
        Weeks forecast after the last observed day.
    lull_weeks, lull_max_attacks : int, float
        A lull is at least ``lull_weeks`` consecutive weeks with at most
        ``lull_max_attacks`` attacks each.
    progress : callable, optional
        ``progress(message, fraction_done)``.
    patterns : sequence of str, optional
        Patterns to fit (default: all of :data:`PATTERN_NAMES` that the data allow).
    pattern_weights : mapping, optional
        Multiplier of each pattern's distance (default 1: every pattern counts once).
    replicates : int
        Runs per parameter draw; the distances use the replicates' mean.
    quantile : float
        Each tolerance is this quantile of the previous population's distances.
    resimulation_target : float or None
        The tolerance stops at the noise floor where the predicted share of re-simulated
        particles within it falls to this value (:func:`armednet.validation.abc.abc_smc`).
    dispersion : float or None
        Negative binomial ``k`` of the interval and truce distances (None: Poisson).
    prewar_rate, prewar_weeks : float, int
        Observed pre-war attacks a week; weeks of the no-war arm compared with it.
    resimulate : int
        Final particles re-simulated to measure the share within the final tolerance.
    workers : int, optional
        Processes for each batch of runs, this one included (0: one per CPU; default:
        this process only).
        The results do not change; the engine's shared pool is started once and reused
        by every batch (see :meth:`armednet.sim.engine.Ensemble.chunks`).

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        Data outside the scenario's simulated period, unknown patterns, bad settings.
    """
    _check_settings(particles=particles, generations=generations,
                    predictive_runs=predictive_runs, forecast_weeks=forecast_weeks,
                    replicates=replicates, prewar_weeks=prewar_weeks, resimulate=resimulate,
                    quantile=quantile, min_acceptance=min_acceptance)
    t_start = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA11B]))
    eng, skipped = _engine(kg, data, priors, int(seed), int(replicates), rng, patterns,
                           pattern_weights, dispersion, float(prewar_rate), int(prewar_weeks))
    eng.workers = workers
    tick = progress or (lambda msg, frac: None)
    smc, posterior, resim = run_smc(eng.distance, eng.priors, eng.patterns, particles,
                                    generations, rng, tick, quantile=quantile,
                                    min_acceptance=min_acceptance,
                                    resimulation_target=resimulation_target,
                                    resimulate=resimulate)
    tick("posterior predictive and forecast", 0.9)
    record, values = _check_and_forecast(eng, posterior, predictive_runs, forecast_weeks,
                                         lull_weeks, lull_max_attacks)
    record["patterns"] = _pattern_record(values, eng, smc.distances)
    record.update(_provenance(kg, data, eng.priors, eng, skipped, seed))
    done = [g for g in smc.generations if g["complete"]][-1]
    record.update({
        "informed": informed(eng.priors, posterior),
        "resimulation": {**resim, "replicates": eng.replicates,
                         "target": resimulation_target},
        "n_particles": particles, "generations": [dict(g) for g in smc.generations],
        "tolerance": float(done["tolerance"]), "ess": float(done["ess"]),
        "ess_share": float(done["ess_share"]), "fit_weeks": eng.facts.weeks,
        "seconds": time.perf_counter() - t_start,
    })
    tick("done", 1.0)
    return CalibrationResult(posterior=posterior, generations=pd.DataFrame(smc.generations),
                             record=record)


def run_smc(distance: Callable[[np.ndarray], np.ndarray], priors: Sequence[Prior],
            names: Sequence[str], particles: int, generations: int,
            rng: np.random.Generator, tick: Callable[[str, float], None], *,
            quantile: float, min_acceptance: float, resimulation_target: float | None,
            resimulate: int) -> tuple[Any, pd.DataFrame, dict[str, Any]]:
    """ABC-SMC over ``priors`` with ``distance``, the weighted posterior table and the
    re-simulation share (shared by one-theatre and several-theatre calibrations).

    Progress runs from 0 to 0.86 of ``tick``; the caller's checks take the rest.
    """
    smc = abc_smc(distance, len(priors), particles, generations, rng,
                  quantile=quantile, min_acceptance=min_acceptance,
                  noise_floor=resimulation_target, names=list(names),
                  progress=lambda m, f: tick(m, 0.85 * f))
    posterior = pd.DataFrame({p.name: np.clip(p.from_unit(smc.unit[:, j]), p.low, p.high)
                              for j, p in enumerate(priors)})
    posterior["weight"] = smc.weights
    tick("re-simulating the final particles", 0.86)
    return smc, posterior, resimulation_share(distance, smc, resimulate, rng)


def _engine(kg: Any, data: IntervalCounts, priors: Sequence[Prior] | None, seed: int,
            replicates: int, rng: np.random.Generator, patterns: Sequence[str] | None,
            pattern_weights: Mapping[str, float] | None, dispersion: float | None,
            prewar_rate: float, prewar_weeks: int) -> tuple[_Engine, dict[str, str]]:
    """The simulator of the chosen patterns, and the patterns skipped (with why)."""
    chosen = list(priors) if priors is not None else default_priors()
    if not chosen:
        raise InputError("no parameters to calibrate: give at least one prior")
    facts = _facts(kg, data)
    used, skipped = _choose_patterns(patterns, facts, pattern_weights)
    weights = {k: float((pattern_weights or {}).get(k, 1.0)) for k in used}
    return _Engine(kg, data, facts, chosen, seed, replicates, rng, used, weights, dispersion,
                   prewar_rate, prewar_weeks), skipped


def _provenance(kg: Any, data: IntervalCounts, priors: list[Prior], eng: _Engine,
                skipped: dict[str, str], seed: int) -> dict[str, Any]:
    from armednet import __version__

    return {
        "method": "ABC-SMC with the OLCM kernel (Filippi et al. 2013), pattern-oriented "
                  f"discrepancy ({', '.join(eng.patterns)}), {eng.replicates} replicates "
                  "per draw",
        "data": data.source, "data_sha256": _sha256(data.source),
        "scenario": kg.scenario.scenario.id, "scenario_hash": kg.hash,
        "params": [p.name for p in priors],
        "priors": [{"parameter": p.name, "low": p.low, "high": p.high, "scale": p.scale}
                   for p in priors],
        "patterns_used": list(eng.patterns), "patterns_skipped": skipped,
        "pattern_weights": eng.weights, "dispersion": eng.dispersion,
        "allocation": eng.allocation, "dispersion_check": _dispersion(eng),
        "seed": int(seed), "package_version": __version__,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    }


def _dispersion(eng: _Engine) -> dict[str, float] | None:
    """Dispersion of the observed intervals outside the truce against a constant rate."""
    keep = np.ones(len(eng.data), dtype=bool)
    keep[eng.facts.truce] = False
    if eng.facts.tau_daily is not None:  # also leave out intervals touching a pause
        flat = eng.facts.tau_daily.ravel()
        for i, (a, b) in enumerate(zip(eng.data.first_day, eng.data.last_day, strict=True)):
            span = flat[(a - eng.facts.start).days:(b - eng.facts.start).days + 1]
            keep[i] &= bool((span > 0).all())
    try:
        return pt.dispersion_check(eng.data.attacks[keep], eng.data.days[keep])
    except InputError:
        return None


def _sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _longest_run(mask: np.ndarray) -> np.ndarray:
    """Longest run of True along the last axis, per row."""
    best = np.zeros(mask.shape[0], dtype=int)
    cur = np.zeros(mask.shape[0], dtype=int)
    for j in range(mask.shape[1]):  # weeks of the forecast window
        cur = np.where(mask[:, j], cur + 1, 0)
        best = np.maximum(best, cur)
    return best


def _pattern_record(values: dict[str, pt.PatternValue], eng: _Engine,
                    distances: np.ndarray) -> list[dict[str, Any]]:
    """Per pattern: what it is, the observed value, the posterior predictive distribution
    of the simulated one (quantiles; for counts and rates the two-sided posterior
    predictive p-value, for the yes-or-no and zero patterns the share of runs that match
    the observation) and the final particles' distances."""
    out = []
    for j, name in enumerate(eng.patterns):
        v = values[name]
        s = v.statistic.ravel()
        lo, med, hi = np.quantile(s, [0.05, 0.5, 0.95])
        binary = name in ("truce", "strikes")
        ppp = min(1.0, 2.0 * float(min(np.mean(s >= v.observed), np.mean(s <= v.observed))))
        out.append({"name": name, **pt.PATTERNS[name], "observed": v.observed,
                    "simulated": {"mean": float(s.mean()), "median": float(med),
                                  "low": float(lo), "high": float(hi), "level": 0.9},
                    "p_value": None if binary else float(ppp),
                    "p_equal_observed": (float(np.mean(np.isclose(s, v.observed)))
                                         if binary else None),
                    "weight": eng.weights[name],
                    "distance_median": float(np.median(distances[:, j]))})
    return out


def _check_and_forecast(eng: _Engine, posterior: pd.DataFrame, runs: int,
                        forecast_weeks: int, lull_weeks: int, lull_max: float
                        ) -> tuple[dict[str, Any], dict[str, pt.PatternValue]]:
    """Posterior predictive of the intervals and the patterns, and the forecast."""
    data, start = eng.data, eng.facts.start
    w = posterior["weight"].to_numpy()
    pick = eng.rng.choice(len(posterior), size=runs, p=w / w.sum())
    unit = np.column_stack([p.to_unit(posterior[p.name].to_numpy()[pick])
                            for p in eng.priors])
    last_day = max(data.last_day)
    first_fc_week = -(-((last_day + dt.timedelta(days=1) - start).days) // 7)
    horizon = first_fc_week + forecast_weeks
    raw = eng.run(unit, 1, horizon)
    counts = raw["intervals"][:, 0, :]
    lo, med, hi = np.quantile(counts, [0.05, 0.5, 0.95], axis=0)
    inside = (data.attacks >= lo) & (data.attacks <= hi)
    predictive = [{"first_day": a.isoformat(), "last_day": b.isoformat(),
                   "days": int((b - a).days + 1), "observed": float(obs),
                   "median": float(m), "low": float(lw), "high": float(h),
                   "inside": bool(ins)}
                  for a, b, obs, m, lw, h, ins in zip(data.first_day, data.last_day,
                                                      data.attacks, med, lo, hi, inside,
                                                      strict=True)]
    record = {
        "observed": [{"first_day": a.isoformat(), "last_day": b.isoformat(),
                      "days": int((b - a).days + 1), "attacks": float(n)}
                     for a, b, n in zip(data.first_day, data.last_day, data.attacks,
                                        strict=True)],
        "predictive": predictive, "coverage": float(inside.mean()),
        "predictive_level": 0.9, "predictive_runs": runs,
        "forecast": _forecast(raw["attacks"][:, 0, first_fc_week:horizon], start,
                              first_fc_week, last_day, lull_weeks, lull_max),
        "posterior_summary": _posterior_summary(eng.priors, posterior),
    }
    return record, eng.evaluate(raw)


def _forecast(fc: np.ndarray, start: dt.date, first_week: int, last_day: dt.date,
              lull_weeks: int, lull_max: float) -> dict[str, Any]:
    f_lo, f_med, f_hi = np.quantile(fc, [0.05, 0.5, 0.95], axis=0)
    weekly = [{"week": int(first_week + j),
               "date": (start + dt.timedelta(days=7 * (first_week + j))).isoformat(),
               "mean": float(fc[:, j].mean()), "median": float(f_med[j]),
               "low": float(f_lo[j]), "high": float(f_hi[j])} for j in range(fc.shape[1])]
    longest = _longest_run(fc <= lull_max)
    has_lull = longest >= lull_weeks
    return {
        "start": (start + dt.timedelta(days=7 * first_week)).isoformat(),
        "after": last_day.isoformat(), "weeks": fc.shape[1], "weekly": weekly,
        "total_median": float(np.median(fc.sum(axis=1))),
        "p_lull": float(has_lull.mean()),
        "lull_definition": f"at least {lull_weeks} consecutive weeks with at most "
                           f"{lull_max:g} attack(s) a week",
        "lull_weeks_median": (float(np.median(longest[has_lull])) if has_lull.any()
                              else None),
        "longest_quiet_spell_median": float(np.median(longest)),
    }


def _posterior_summary(priors: list[Prior], posterior: pd.DataFrame) -> list[dict[str, Any]]:
    w = posterior["weight"].to_numpy()
    out = []
    for p in priors:
        q = weighted_quantiles(posterior[p.name].to_numpy(), w, [0.05, 0.5, 0.95])
        out.append({"parameter": p.name, "prior_low": p.low, "prior_high": p.high,
                    "scale": p.scale, "median": q[1], "low": q[0], "high": q[2]})
    return out


def save_calibration(result: CalibrationResult, posterior_path: str | Path,
                     db: str | Path | None = None) -> Path:
    """Write the posterior (Parquet, atomically) and, with ``db``, the record into the
    results database's ``analyses`` table (experiment id ``calibration``, kinds ``latest``
    and the run's timestamp), where ``armednet report`` and the dashboard find it."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from armednet.fileio import atomic_path

    path = Path(posterior_path)
    record = dict(result.record)
    record["posterior_file"] = str(path)
    table = pa.Table.from_pandas(result.posterior, preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"armednet"] = json.dumps({k: record.get(k) for k in (
        "method", "data", "data_sha256", "scenario", "scenario_hash", "params", "priors",
        "patterns_used", "seed", "package_version", "n_particles", "created")},
        default=str).encode()
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    if db is not None:
        from armednet.experiments.store import open_store

        with open_store(db) as store:
            store.save_analysis("calibration", "latest", record)
            store.save_analysis("calibration", f"run-{record['created']}", record)
    result.record = record
    return path
