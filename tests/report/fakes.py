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
