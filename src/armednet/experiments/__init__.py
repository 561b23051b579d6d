"""Decide: experiments under uncertainty (XLRM), their store, and their analysis.

The public face of the package; names load on first use, so importing it does no work::

    from armednet.experiments import load_spec, run_experiment, open_store
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armednet._lazy import lazy_getattr

if TYPE_CHECKING:
    from armednet.experiments.analyze import analyze_experiment, baseline_policy
    from armednet.experiments.claims import CLAIMS, Claim, evaluate_claims
    from armednet.experiments.compare import beats, policy_table, regret, worlds
    from armednet.experiments.discovery import prim_box
    from armednet.experiments.evaluators import (
        DaskEvaluator,
        LocalEvaluator,
        SequentialEvaluator,
        make_evaluator,
    )
    from armednet.experiments.runner import plan_experiment, run_experiment
    from armednet.experiments.sensitivity import morris_indices, sobol_indices
    from armednet.experiments.spec import ExperimentSpec, Outcome, Uncertainty, load_spec
    from armednet.experiments.store import ResultStore, open_store

_EXPORTS = {
    "analyze": ("analyze_experiment", "baseline_policy"),
    "claims": ("CLAIMS", "Claim", "evaluate_claims"),
    "compare": ("beats", "policy_table", "regret", "worlds"),
    "discovery": ("prim_box",),
    "evaluators": ("DaskEvaluator", "LocalEvaluator", "SequentialEvaluator", "make_evaluator"),
    "runner": ("plan_experiment", "run_experiment"),
    "sensitivity": ("morris_indices", "sobol_indices"),
    "spec": ("ExperimentSpec", "Outcome", "Uncertainty", "load_spec"),
    "store": ("ResultStore", "open_store"),
}
__all__ = [
    "CLAIMS", "Claim", "DaskEvaluator", "ExperimentSpec", "LocalEvaluator", "Outcome",
    "ResultStore", "SequentialEvaluator", "Uncertainty", "analyze_experiment",
    "baseline_policy", "beats", "evaluate_claims", "load_spec", "make_evaluator",
    "morris_indices", "open_store", "plan_experiment", "policy_table", "prim_box", "regret",
    "run_experiment", "sobol_indices", "worlds",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
