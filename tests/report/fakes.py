"""Made-up results for the report and dashboard tests: a small real experiment and a
calibration record in the format the calibration stores (``("calibration", "latest")``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np

from armednet.experiments.claims import CLAIM_OUTCOMES
from armednet.experiments.spec import ExperimentSpec

CALIBRATION_PARAMS = ("attack_base_rate", "trigger_sensitivity")


def calibration_record(scenario_hash: str = "0" * 64, seed: int = 1) -> dict[str, Any]:
    """A calibration result with made-up numbers: 10 observed intervals (two outside their
    predictive interval) and a 26-week forecast."""
    rng = np.random.default_rng(seed)
    start = dt.date(2023, 10, 17)
    observed, predictive = [], []
    for i in range(10):
        first = start + dt.timedelta(days=14 * i)
        last = first + dt.timedelta(days=13)
        attacks = int(rng.integers(0, 30))
        median = float(attacks + rng.normal(0, 3)) if i not in (3, 7) else attacks + 25.0
        low, high = max(0.0, median - 8), median + 8
        observed.append({"first_day": first.isoformat(), "last_day": last.isoformat(),
                         "days": 14, "attacks": attacks})
        predictive.append({"first_day": first.isoformat(), "last_day": last.isoformat(),
                           "observed": attacks, "median": median, "low": low, "high": high,
                           "inside": bool(low <= attacks <= high)})
    fc_start = start + dt.timedelta(days=140)
    weekly = [{"week": w, "date": (fc_start + dt.timedelta(days=7 * w)).isoformat(),
               "mean": 6.0 * 0.93 ** w + 0.5, "median": 5.0 * 0.93 ** w,
               "low": 0.0, "high": 12.0 * 0.95 ** w + 1} for w in range(26)]
    return {
        "data": "dod-attacks-2023-2024", "scenario_hash": scenario_hash, "method": "abc-smc",
        "params": list(CALIBRATION_PARAMS), "posterior_file": "posterior.parquet",
        "observed": observed, "predictive": predictive,
        "coverage": sum(p["inside"] for p in predictive) / len(predictive),
        "forecast": {"start": fc_start.isoformat(), "weeks": 26, "weekly": weekly,
                     "p_lull": 0.37, "lull_definition": "4 weeks in a row without an attack",
                     "lull_weeks_median": 9.0},
        "posterior_summary": [
            {"parameter": "attack_base_rate", "prior_low": 0.02, "prior_high": 1.0,
             "median": 0.21, "low": 0.12, "high": 0.35},
            {"parameter": "trigger_sensitivity", "prior_low": 0.0, "prior_high": 30.0,
             "median": 7.5, "low": 3.1, "high": 14.2}],
        "informed": [
            {"parameter": "attack_base_rate", "scale": "log", "prior_width": 3.5,
             "posterior_width": 1.1, "ratio": 0.31, "informed": True},
            {"parameter": "trigger_sensitivity", "scale": "linear", "prior_width": 27.0,
             "posterior_width": 21.0, "ratio": 0.78, "informed": False}],
        "patterns": [
            {"name": "prewar", "observed": 0.7, "description": "Attacks a week, no war.",
             "simulated": {"median": 0.65, "low": 0.35, "high": 1.08},
             "p_equal_observed": None}],
        "n_particles": 500, "seconds": 42.0, "ess": 211.0, "predictive_runs": 1000,
        "seed": 7, "created": "2024-03-01T12:00:00", "package_version": "0.1.0",
    }


def small_spec(scenario: str | None = None, weeks: int = 104) -> ExperimentSpec:
    """Three presets over a 20-point Saltelli design of three parameters, with the outcomes
    the claims need (their windows reach week 104, so the runs do too)."""
    return ExperimentSpec.model_validate({
        "name": "small", "scenario": scenario, "weeks": weeks, "seed": 5, "replications": 1,
        "design": {"method": "sobol", "n": 4},
        "uncertainties": [{"name": "attack_base_rate", "low": 0.05, "high": 0.5},
                          {"name": "retaliation_gain", "low": 0.0, "high": 0.5},
                          {"name": "rent_rate", "low": 0.002, "high": 0.1}],
        "levers": ["status-quo", "strikes", "diplomacy"],
        "outcomes": [o.model_dump() for o in CLAIM_OUTCOMES],
        "record": ["attacks"],
    })


def make_results_db(path: Path, scenario: str | None = None, calibration: bool = True,
                    ) -> tuple[Path, str]:
    """Run :func:`small_spec` into ``path``, analyse it and (optionally) add a calibration
    record for the scenario; return the database and the experiment id."""
    from armednet.experiments.analyze import analyze_experiment
    from armednet.experiments.runner import run_experiment
    from armednet.experiments.store import open_store
    from armednet.kb import KnowledgeGraph

    eid = run_experiment(small_spec(scenario), path, evaluator="sequential")
    with open_store(path) as store:
        analyze_experiment(store, eid)
        if calibration:
            store.save_analysis("calibration", "latest",
                                calibration_record(KnowledgeGraph.load(scenario).hash))
    return path, eid


# -- several theatres (issue 16) ------------------------------------------------------------
def joint_calibration_record() -> dict[str, Any]:
    """A joint calibration over the two bundled theatres with made-up numbers, in the format
    ``armednet calibrate ... --theatre`` stores (``("calibration-theatres", "latest")``):
    interval counts for iraq-2024, counting statements for red-sea-2024, a forecast each."""

    def forecast(after: dt.date, weeks: int, level: float) -> dict[str, Any]:
        rows = []
        for w in range(weeks):
            m = level * 0.97 ** w
            rows.append({"date": (after + dt.timedelta(days=1 + 7 * w)).isoformat(),
                         "median": m, "low": 0.2 * m, "high": 2.5 * m, "q25": 0.6 * m,
                         "q75": 1.5 * m})
        return {"after": after.isoformat(), "weeks": weeks, "weekly": rows,
                "file": f"forecast-{level:g}.parquet", "total_median": 10.0 * level,
                "total_low": 4.0 * level, "total_high": 21.0 * level}

    def pattern(name: str, observed: float, median: float) -> dict[str, Any]:
        return {"name": name, "observed": observed, "description": f"{name} pattern",
                "simulated": {"median": median, "low": 0.5 * median, "high": 1.8 * median,
                              "mean": median, "level": 0.9},
                "p_equal_observed": None, "distance_median": 1.25}

    statements = [{"series_id": "cmf-houthi", "bound": "exact", "period_start": "2023-11-19",
                   "day": d, "observed": v, "median": v * 1.1, "low": v * 0.6,
                   "high": v * 1.7, "inside": True}
                  for d, v in (("2024-01-10", 26.0), ("2024-06-01", 110.0))]
    statements.append({"series_id": "houthi-claims", "bound": "at_least",
                       "period_start": "2023-11-19", "day": "2024-08-01", "observed": 180.0,
                       "median": 120.0, "low": 70.0, "high": 160.0, "inside": False})
    return {
        "method": "ABC-SMC over several theatres (iraq-2024, red-sea-2024)",
        "scenarios": ["iraq-2024", "red-sea-2024"],
        "params": ["attack_base_rate", "trigger_sensitivity"],
        "theatre_params": ["red-sea-2024:factor:houthi-claims"],
        "posterior_summary": [
            {"parameter": "attack_base_rate", "prior_low": 0.02, "prior_high": 1.0,
             "scale": "log", "median": 0.2, "low": 0.11, "high": 0.33},
            {"parameter": "trigger_sensitivity", "prior_low": 0.0, "prior_high": 30.0,
             "scale": "linear", "median": 8.0, "low": 2.5, "high": 16.0},
            {"parameter": "red-sea-2024:factor:houthi-claims", "prior_low": 0.5,
             "prior_high": 4.0, "scale": "log", "median": 1.6, "low": 1.1, "high": 2.4}],
        "informed": [
            {"parameter": "attack_base_rate", "ratio": 0.3, "informed": True},
            {"parameter": "trigger_sensitivity", "ratio": 0.7, "informed": False},
            {"parameter": "red-sea-2024:factor:houthi-claims", "ratio": 0.45,
             "informed": True}],
        "theatres": [
            {"scenario": "iraq-2024", "data": "dod-intervals.csv", "cutoff": "2024-02-04",
             "patterns": [pattern("prewar", 0.7, 0.65), pattern("war", 40.0, 37.0)],
             "forecast": forecast(dt.date(2024, 2, 4), 20, 3.0)},
            {"scenario": "red-sea-2024", "data": "red-sea-statements.csv",
             "cutoff": "2024-08-01", "patterns": [pattern("statements", 1.0, 1.2)],
             "statements": statements, "coverage": 2 / 3,
             "forecast": forecast(dt.date(2024, 8, 1), 26, 8.0)}],
        "n_particles": 200, "ess": 120.0, "seed": 3, "seconds": 12.0,
        "created": "2026-11-20T10:00:00", "package_version": "0.1.0",
    }


def make_theatres_db(path: Path, runs: int = 30, joint: bool = True) -> dict[str, Any]:
    """A results database holding a theatre comparison of every preset in both bundled
    theatres and a network what-if (``runs`` runs each) and, if ``joint``, the made-up joint
    calibration; returns the stored comparison record."""
    from armednet.experiments.store import open_store
    from armednet.experiments.theatres import compare_theatres, network_whatif, save_comparison

    cmp = compare_theatres(runs=runs, seed=3)
    whatif = network_whatif(runs=runs, seed=3)
    rec = save_comparison(path, cmp, whatif)
    if joint:
        with open_store(path) as store:
            store.save_analysis("calibration-theatres", "latest", joint_calibration_record())
    return rec
