"""Analyse a stored experiment: comparison, regret, sensitivity, claims and PRIM boxes.

:func:`analyze_experiment` computes everything the experiment's design allows, saves it in
the store's ``analyses`` table (the report and the dashboard read it from there) and returns
it as plain data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from armednet.experiments.compare import beats, policy_table, regret
from armednet.experiments.spec import ExperimentSpec
from armednet.experiments.store import ResultStore

__all__ = ["analyze_experiment", "baseline_policy"]


def baseline_policy(policies: list[str]) -> str:
    """The policy others are compared with: ``status-quo`` when present, else the first."""
    return "status-quo" if "status-quo" in policies else policies[0]


def analyze_experiment(store: ResultStore, experiment_id: str | None = None,
                       save: bool = True) -> dict[str, Any]:
    """Analyse one stored experiment (the latest when ``experiment_id`` is None).

    Returns
    -------
    dict
        ``experiment`` (metadata), ``complete`` (bool), ``comparison`` (records of
        :func:`~armednet.experiments.compare.policy_table`), ``versus`` (probability that
        each policy beats the baseline per outcome), ``regret`` (per outcome), ``sobol``
        or ``morris`` (per outcome, for the baseline policy) when the design allows, and
        ``claims`` (see :mod:`armednet.experiments.claims`) when the needed policies ran.
    """
    meta = store.meta(experiment_id)
    eid = str(meta["experiment_id"])
    spec = ExperimentSpec.model_validate(meta["spec"])
    outcomes = store.outcomes(eid)
    done = len(store.done_chunks(eid))
    result: dict[str, Any] = {
        "experiment": {k: (v.isoformat() if hasattr(v, "isoformat") else v)
                       for k, v in meta.items() if k not in ("spec",)},
        "spec": spec.model_dump(mode="json"),
        "complete": done == int(meta["n_chunks"]),
        "chunks_done": done,
    }
    if outcomes.empty:
        return result
    names = [o.name for o in spec.outcomes]
    policies = [lv.name for lv in spec.levers if lv.name in set(outcomes["policy"])]
    base = baseline_policy(policies)
    result["baseline"] = base
    result["comparison"] = policy_table(outcomes, names).to_dict(orient="records")
    from armednet.experiments.claims import independent_points

    design = store.design(eid)
    first = outcomes[outcomes["policy"] == base]
    n_ind = int(np.asarray(independent_points(pd.Index(first["point"]), design, spec)).sum())
    versus = []
    regrets = []
    for o in spec.outcomes:
        lower = o.sense == "minimize"
        for p in policies:
            if p != base:
                versus.append({"outcome": o.name, "policy": p, "versus": base,
                               **beats(outcomes, o.name, p, base, lower_is_better=lower,
                                       n_independent=n_ind)})
        if len(policies) > 1:
            r = regret(outcomes, o.name, lower_is_better=lower)
            r.insert(0, "outcome", o.name)
            regrets.extend(r.to_dict(orient="records"))
    result["versus"] = versus
    result["regret"] = regrets
    if result["complete"]:
        _sensitivity(store, eid, spec, outcomes, base, result)
        from armednet.experiments.claims import evaluate_claims

        claims = evaluate_claims(outcomes, design, spec)
        if claims is not None:
            result["claims"] = claims
    if save:
        store.save_analysis(eid, "summary", result)
    return result


def _sensitivity(store: ResultStore, eid: str, spec: ExperimentSpec, outcomes: pd.DataFrame,
                 base: str, result: dict[str, Any]) -> None:
    """Sobol or Morris indices of every outcome for the baseline policy; an outcome that
    cannot be analysed (undefined in some runs) gets a note instead of indices."""
    method = spec.design.method
    if method not in ("sobol", "morris"):
        return
    from armednet.errors import InputError
    from armednet.experiments.sensitivity import (
        morris_indices,
        sobol_convergence,
        sobol_indices,
    )

    # The store returns columns sorted by name; Saltelli and Morris samples are laid out in
    # the spec's order, and SALib labels indices by position.
    unit = store.design(eid, unit=True)[[u.name for u in spec.uncertainties]]
    out: dict[str, Any] = {}
    for o in spec.outcomes:
        try:
            if method == "sobol":
                s = sobol_indices(unit, outcomes, o.name, base, spec.design.second_order,
                                  spec.seed)
                conv = sobol_convergence(unit, outcomes, o.name, base,
                                         spec.design.second_order, spec.seed)
                out[o.name] = {"indices": s.reset_index().to_dict(orient="records"),
                               "max_change": conv["max_change"],
                               "converged": conv["converged"]}
            else:
                m = morris_indices(unit, outcomes, o.name, base, spec.design.levels, spec.seed)
                out[o.name] = {"indices": m.reset_index().to_dict(orient="records")}
        except InputError as exc:
            out[o.name] = {"indices": [], "note": str(exc)}
    result[method] = {"policy": base, "outcomes": out}
