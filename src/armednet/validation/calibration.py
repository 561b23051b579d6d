"""Calibrate the model to attack counts over irregular intervals, and forecast honestly.

The method is approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et
al. 2009) with the adaptive tolerances and perturbation kernel of Beaumont et al. (2009),
run on the vectorised engine: every generation simulates all its proposals in one call.

For a parameter draw the engine simulates the scenario's weeks under the status quo (the
scenario's scheduled U.S. strikes, sanctions and the Gaza series with its truce are the only
inputs: the groups' cease-fires come out of the model). Each simulated week's attacks are
spread over its days (multinomially, as attacks on uniformly random days) and summed over
the observed intervals. The discrepancy between observed counts ``y_i`` and simulated counts
``c_i`` is the Poisson deviance with a half-count continuity correction,

    d = 2 sum_i [ (y_i + 1/2) log((y_i + 1/2) / (c_i + 1/2)) - (y_i - c_i) ],

zero only when every interval matches, and the count analogue of a sum of squares: a draw
is kept when its deviance is within the generation's tolerance. Tolerances fall as the
median of the previous generation's deviances; the run stops after ``generations``
generations or when fewer than ``min_acceptance`` of the proposals are kept.

Parameters are sampled on the unit interval of their prior range (log scale for ranges of
ten times or more) and perturbed on the logit scale, so that every proposal respects its
bounds. The posterior (a weighted sample) is saved as a parameter-set table that
``armednet simulate --posterior`` and experiments accept.

References
----------
.. [1] T. Toni, D. Welch, N. Strelkowa, A. Ipsen and M. P. H. Stumpf, "Approximate
   Bayesian computation scheme for parameter inference and model selection in dynamical
   systems", J. R. Soc. Interface 6, 2009. doi:10.1098/rsif.2008.0172
.. [2] M. A. Beaumont, J.-M. Cornuet, J.-M. Marin and C. P. Robert, "Adaptive approximate
   Bayesian computation", Biometrika 96(4), 2009. doi:10.1093/biomet/asp052
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from armednet.errors import InputError
from armednet.events.intervals import IntervalCounts, overlap_matrix

__all__ = ["CALIBRATED", "CalibrationResult", "Prior", "calibrate", "default_priors",
           "deviance", "save_calibration"]

CALIBRATED = (
    # the attack process, which the counts inform directly
    "attack_base_rate", "trigger_sensitivity", "domestic_trigger_weight",
    "capability_elasticity",
    # what turns strikes into cease-fires: weakly informed before February 2024, carried
    # into the forecast with their uncertainty
    "strike_targets_per_unit", "ceasefire_cost_weight", "ceasefire_threshold",
    "cost_memory_decay", "coordination_weight", "resume_rate",
)
"""Parameters the default calibration fits (the others stay at their defaults)."""


@dataclass(frozen=True)
class Prior:
    """A uniform prior on ``[low, high]``, on the log scale when ``log``."""

    name: str
    low: float
    high: float
    log: bool = False

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        if self.log:
            return np.asarray(np.exp(np.log(self.low) + u * (np.log(self.high)
                                                             - np.log(self.low))))
        return self.low + u * (self.high - self.low)


def default_priors(names: Sequence[str] = CALIBRATED) -> list[Prior]:
    """Priors over each parameter's documented plausible range (docs/model.md)."""
    from armednet.sim.params import PARAMETERS

    out = []
    for name in names:
        if name not in PARAMETERS:
            raise InputError(f"unknown model parameter {name!r}")
        p = PARAMETERS[name]
        out.append(Prior(name, p.low, p.high, log=p.low > 0 and p.high / p.low >= 10))
    return out


def deviance(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Poisson deviance with a half-count correction, summed over the last axis.

    Examples
    --------
    >>> float(deviance(np.array([3.0, 0.0]), np.array([[3.0, 0.0]]))[0])
    0.0
    >>> bool(deviance(np.array([3.0]), np.array([[9.0]]))[0] > 0)
    True
    """
    y = np.asarray(observed, dtype=float) + 0.5
    c = np.asarray(simulated, dtype=float) + 0.5
    return np.asarray(2.0 * (y * np.log(y / c) - (y - c)).sum(axis=-1))


def _logit(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 1e-12, 1 - 1e-12)
    return np.asarray(np.log(u) - np.log1p(-u))


def _expit(z: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def _log_prior_z(z: np.ndarray) -> np.ndarray:
    """Log density, on the logit scale, of independent uniforms on the unit interval."""
    return np.asarray((-np.abs(z) - 2.0 * np.log1p(np.exp(-np.abs(z)))).sum(axis=1))


@dataclass
class _Simulator:
    """Simulates interval counts for batches of parameter draws (one run per draw)."""

    kg: Any
    data: IntervalCounts
    priors: list[Prior]
    seed: int
    weeks: int
    rng: np.random.Generator
    next_run: int = 0
    start: dt.date = field(init=False)
    overlap: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        from armednet.kb.dates import earliest

        self.start = earliest(self.kg.scenario.scenario.start)
        self.overlap = overlap_matrix(self.data, self.start, self.weeks)

    def params(self, unit: np.ndarray) -> dict[str, np.ndarray]:
        return {p.name: p.from_unit(unit[:, j]) for j, p in enumerate(self.priors)}

    def weekly(self, unit: np.ndarray, weeks: int) -> np.ndarray:
        """Weekly attacks (draws, weeks); every draw gets fresh random numbers."""
        from armednet.sim.engine import simulate

        n = len(unit)
        res = simulate(self.kg, "status-quo", runs=n, weeks=weeks, seed=self.seed,
                       params=self.params(unit), run_offset=self.next_run,
                       record=["attacks"])
        self.next_run += n
        assert res.weekly is not None
        return np.asarray(res.weekly["attacks"].values, dtype=np.int64)

    def interval_counts(self, weekly: np.ndarray) -> np.ndarray:
        """Spread each week's attacks over its days and count them per interval."""
        n, m = weekly.shape[0], len(self.data)
        out = np.zeros((n, m))
        for w in range(self.overlap.shape[1]):  # weeks of the data window (a few dozen)
            days = self.overlap[:, w]
            cover = np.flatnonzero(days)
            if not len(cover):
                continue
            pvals = np.append(days[cover] / 7.0, 1.0 - days[cover].sum() / 7.0)
            split = self.rng.multinomial(weekly[:, w], np.clip(pvals, 0.0, 1.0))
            out[:, cover] += split[:, :-1]
        return out


@dataclass
class CalibrationResult:
    """What :func:`calibrate` returns.

    Attributes
    ----------
    posterior : pandas.DataFrame
        One row per particle: a column per calibrated parameter and ``weight`` (sums to 1).
    generations : pandas.DataFrame
        Per generation: tolerance, proposals, accepted, acceptance rate, effective sample
        size.
    record : dict
        Everything the report and dashboard show: observed intervals, posterior
        predictive, coverage, forecast, posterior summary, settings and provenance.
    """

    posterior: pd.DataFrame
    generations: pd.DataFrame
    record: dict[str, Any]


def _ess(w: np.ndarray) -> float:
    return float(1.0 / np.sum(w ** 2))


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
) -> CalibrationResult:
    """Fit the model to interval counts by ABC-SMC; check and forecast with the posterior.

    Parameters
    ----------
    kg : KnowledgeGraph
        The scenario (its start must precede the first interval).
    data : IntervalCounts
        Observed counts (:func:`armednet.events.intervals.load_intervals`).
    priors : sequence of Prior, optional
        Default: :func:`default_priors` of :data:`CALIBRATED`.
    particles : int
        Population size.
    generations : int
        Largest number of SMC generations after the prior one.
    seed : int
        Seed of the engine's runs and of the calibration's own draws.
    min_acceptance : float
        Stop when fewer proposals than this share are accepted in a generation.
    predictive_runs : int
        Posterior draws simulated for the predictive check and the forecast.
    forecast_weeks : int
        Weeks forecast after the last observed day.
    lull_weeks, lull_max_attacks : int, float
        A lull is at least ``lull_weeks`` consecutive weeks with at most
        ``lull_max_attacks`` attacks each.
    progress : callable, optional
        ``progress(message, fraction_done)``.

    Returns
    -------
    CalibrationResult

    Raises
    ------
    InputError
        Data outside the scenario's simulated period, bad settings.
    """
    for name, value, low in (("particles", particles, 20), ("generations", generations, 1),
                             ("predictive_runs", predictive_runs, 10),
                             ("forecast_weeks", forecast_weeks, 1)):
        if value < low:
            raise InputError(f"{name} must be at least {low}, got {value}")
    t_start = time.perf_counter()
    priors = list(priors) if priors is not None else default_priors()
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0xCA11B]))
    from armednet.kb.dates import earliest

    start = earliest(kg.scenario.scenario.start)
    fit_weeks = (max(data.last_day) - start).days // 7 + 1
    if min(data.first_day) < start:
        raise InputError(f"{data.source}: the first interval starts {min(data.first_day)}, "
                         f"before the scenario's start {start}")
    sim = _Simulator(kg, data, priors, int(seed), fit_weeks, rng)
    y = data.attacks
    d = len(priors)

    def tick(msg: str, frac: float) -> None:
        if progress is not None:
            progress(msg, frac)

    # generation 0: the prior
    unit = rng.random((particles, d))
    dist = deviance(y, sim.interval_counts(sim.weekly(unit, fit_weeks)))
    weights = np.full(particles, 1.0 / particles)
    rows: list[dict[str, Any]] = [{"generation": 0, "tolerance": float("inf"),
                                   "proposals": particles,
             "accepted": particles, "acceptance": 1.0, "ess": float(particles),
             "median_deviance": float(np.median(dist)), "complete": True}]
    tick("generation 0 (prior)", 1.0 / (generations + 2))
    for g in range(1, generations + 1):
        eps = float(np.quantile(dist, 0.5))
        z_old = _logit(unit)
        cov = 2.0 * np.atleast_2d(np.cov(z_old, rowvar=False, aweights=weights))
        cov += 1e-9 * np.eye(d)
        chol = np.linalg.cholesky(cov)
        acc_z: list[np.ndarray] = []
        acc_d: list[np.ndarray] = []
        proposed = 0
        n_acc = 0
        while n_acc < particles and proposed < particles / min_acceptance:
            batch = particles
            parents = rng.choice(particles, size=batch, p=weights)
            z = z_old[parents] + rng.standard_normal((batch, d)) @ chol.T
            dd = deviance(y, sim.interval_counts(sim.weekly(_expit(z), fit_weeks)))
            keep = dd <= eps
            acc_z.append(z[keep])
            acc_d.append(dd[keep])
            proposed += batch
            n_acc += int(keep.sum())
            tick(f"generation {g}: {min(n_acc, particles)}/{particles} accepted "
                 f"(tolerance {eps:.1f})", (g + min(n_acc / particles, 1.0)) / (generations + 2))
        rate = n_acc / proposed
        if n_acc < particles:  # too few acceptances: keep the last full population
            rows.append({"generation": g, "tolerance": eps, "proposals": proposed,
                         "accepted": n_acc, "acceptance": rate, "ess": None,
                         "median_deviance": None, "complete": False})
            break
        z_new = np.concatenate(acc_z)[:particles]
        d_new = np.concatenate(acc_d)[:particles]
        # Beaumont et al. (2009): w_i ~ prior(z_i) / sum_j w_j K(z_i | z_j)
        inv = np.linalg.inv(cov)
        diff = z_new[:, None, :] - z_old[None, :, :]
        mahal = np.einsum("ijk,kl,ijl->ij", diff, inv, diff)
        kern = np.exp(-0.5 * mahal) @ weights
        logw = _log_prior_z(z_new) - np.log(np.maximum(kern, 1e-300))
        w = np.exp(logw - logw.max())
        weights = w / w.sum()
        unit, dist = _expit(z_new), d_new
        rows.append({"generation": g, "tolerance": eps, "proposals": proposed,
                     "accepted": n_acc, "acceptance": rate, "ess": _ess(weights),
                     "median_deviance": float(np.median(dist)), "complete": True})
        if rate < min_acceptance:
            break
    gens = pd.DataFrame(rows)
    posterior = pd.DataFrame({p.name: p.from_unit(unit[:, j]) for j, p in enumerate(priors)})
    posterior["weight"] = weights
    tick("posterior predictive and forecast", (generations + 1) / (generations + 2))
    record = _check_and_forecast(sim, posterior, priors, data, start, fit_weeks,
                                 predictive_runs, forecast_weeks, lull_weeks,
                                 lull_max_attacks, rng)
    from armednet import __version__

    record.update({
        "method": "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009), Poisson-deviance "
                  "discrepancy per interval",
        "data": data.source, "data_sha256": _sha256(data.source),
        "scenario": kg.scenario.scenario.id, "scenario_hash": kg.hash,
        "params": [p.name for p in priors],
        "priors": [{"parameter": p.name, "low": p.low, "high": p.high,
                    "scale": "log" if p.log else "linear"} for p in priors],
        "n_particles": particles, "generations": gens.to_dict(orient="records"),
        "tolerance": float(gens.loc[gens["complete"], "tolerance"].iloc[-1]),
        "ess": float(gens.loc[gens["complete"], "ess"].iloc[-1]),
        "seed": int(seed), "package_version": __version__,
        "fit_weeks": fit_weeks, "seconds": time.perf_counter() - t_start,
        "created": dt.datetime.now().isoformat(timespec="seconds"),
    })
    tick("done", 1.0)
    return CalibrationResult(posterior=posterior, generations=gens, record=record)


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


def _check_and_forecast(sim: _Simulator, posterior: pd.DataFrame, priors: list[Prior],
                        data: IntervalCounts, start: dt.date, fit_weeks: int, runs: int,
                        forecast_weeks: int, lull_weeks: int, lull_max: float,
                        rng: np.random.Generator) -> dict[str, Any]:
    w = posterior["weight"].to_numpy()
    pick = rng.choice(len(posterior), size=runs, p=w / w.sum())
    unit = np.column_stack([
        _unit_of(p, posterior[p.name].to_numpy()[pick]) for p in priors])
    last_day = max(data.last_day)
    first_fc = (last_day + dt.timedelta(days=1) - start).days
    first_fc_week = -(-first_fc // 7)  # first week that starts after the last observed day
    horizon = first_fc_week + forecast_weeks
    weekly = sim.weekly(unit, horizon)
    counts = sim.interval_counts(weekly[:, :fit_weeks])
    lo, med, hi = np.quantile(counts, [0.05, 0.5, 0.95], axis=0)
    inside = (data.attacks >= lo) & (data.attacks <= hi)
    predictive = [{"first_day": a.isoformat(), "last_day": b.isoformat(),
                   "days": int((b - a).days + 1), "observed": float(obs),
                   "median": float(m), "low": float(lw), "high": float(h),
                   "inside": bool(ins)}
                  for a, b, obs, m, lw, h, ins in zip(data.first_day, data.last_day,
                                                      data.attacks, med, lo, hi, inside,
                                                      strict=True)]
    fc = weekly[:, first_fc_week:horizon].astype(float)
    f_lo, f_med, f_hi = np.quantile(fc, [0.05, 0.5, 0.95], axis=0)
    weekly_fc = [{"week": int(first_fc_week + j),
                  "date": (start + dt.timedelta(days=7 * (first_fc_week + j))).isoformat(),
                  "mean": float(fc[:, j].mean()), "median": float(f_med[j]),
                  "low": float(f_lo[j]), "high": float(f_hi[j])} for j in range(fc.shape[1])]
    quiet = fc <= lull_max
    longest = _longest_run(quiet)
    has_lull = longest >= lull_weeks
    posterior_summary = []
    for p in priors:
        v = posterior[p.name].to_numpy()
        q = _weighted_quantiles(v, w, [0.05, 0.5, 0.95])
        posterior_summary.append({"parameter": p.name, "prior_low": p.low,
                                  "prior_high": p.high, "median": q[1], "low": q[0],
                                  "high": q[2]})
    return {
        "observed": [{"first_day": a.isoformat(), "last_day": b.isoformat(),
                      "days": int((b - a).days + 1), "attacks": float(n)}
                     for a, b, n in zip(data.first_day, data.last_day, data.attacks,
                                        strict=True)],
        "predictive": predictive,
        "coverage": float(inside.mean()),
        "predictive_level": 0.9,
        "predictive_runs": runs,
        "forecast": {
            "start": (start + dt.timedelta(days=7 * first_fc_week)).isoformat(),
            "after": last_day.isoformat(), "weeks": forecast_weeks, "weekly": weekly_fc,
            "total_median": float(np.median(fc.sum(axis=1))),
            "p_lull": float(has_lull.mean()),
            "lull_definition": f"at least {lull_weeks} consecutive weeks with at most "
                               f"{lull_max:g} attack(s) a week",
            "lull_weeks_median": (float(np.median(longest[has_lull])) if has_lull.any()
                                  else None),
            "longest_quiet_spell_median": float(np.median(longest)),
        },
        "posterior_summary": posterior_summary,
    }


def _unit_of(prior: Prior, values: np.ndarray) -> np.ndarray:
    if prior.log:
        return np.asarray((np.log(values) - np.log(prior.low))
                          / (np.log(prior.high) - np.log(prior.low)))
    return np.asarray((values - prior.low) / (prior.high - prior.low))


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray,
                        qs: Sequence[float]) -> list[float]:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cdf = np.cumsum(w) / w.sum()
    return [float(v[min(int(np.searchsorted(cdf, q)), len(v) - 1)]) for q in qs]


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
    meta[b"armednet"] = json.dumps({k: record[k] for k in (
        "method", "data", "data_sha256", "scenario", "scenario_hash", "params", "priors",
        "seed", "package_version", "n_particles", "created")}, default=str).encode()
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(meta), tmp)
    if db is not None:
        from armednet.experiments.store import open_store

        with open_store(db) as store:
            store.save_analysis("calibration", "latest", record)
            store.save_analysis("calibration", f"run-{record['created']}", record)
    result.record = record
    return path
