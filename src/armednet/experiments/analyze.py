"""Analyse a stored experiment: comparison, regret, sensitivity, network, claims and PRIM.

:func:`analyze_experiment` computes everything the experiment's design allows, saves it in
the store's ``analyses`` table (the report and the dashboard read it from there) and returns
it as plain data. Every result says which uncertainty its intervals show
(:func:`uncertainty_of`): random draws at fixed parameters, parameter ranges and draws, or
a posterior (and, with network uncertainty, plausible networks).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from armednet.experiments.compare import beats, policy_table, regret
from armednet.experiments.spec import ExperimentSpec
from armednet.experiments.store import ResultStore

__all__ = ["analyze_experiment", "baseline_policy", "uncertainty_of"]


def uncertainty_of(spec: ExperimentSpec) -> dict[str, str]:
    """Which uncertainty an experiment's intervals and shares show.

    Returns
    -------
    dict
        ``kind`` (``none``, ``prior`` or ``posterior``, as
        :data:`armednet.sim.params.UNCERTAINTY`) and ``label``, a phrase for titles.

    Examples
    --------
    >>> spec = ExperimentSpec.model_validate({"name": "x", "levers": ["status-quo"],
    ...     "outcomes": [{"name": "a", "variable": "attacks"}], "design": {"method": "lhs"},
    ...     "uncertainties": [{"name": "rent_rate", "low": 0.01, "high": 0.1}],
    ...     "network": {"variants": 8}})
    >>> uncertainty_of(spec)["label"]
    'parameter ranges (1 uncertain parameter) and random draws, on 8 plausible networks'
    """
    from armednet.sim.params import UNCERTAINTY

    sampled = spec.design.method != "baseline" and bool(spec.uncertainties)
    if spec.posterior is not None:
        kind, label = "posterior", UNCERTAINTY["posterior"]
        if sampled:
            label += f", and ranges for {len(spec.uncertainties)} sampled parameter(s)"
    elif sampled or (spec.network is not None and spec.design.method != "baseline"):
        n = len(spec.uncertainties)
        kind = "prior"
        label = (f"parameter ranges ({n} uncertain parameter{'s' if n != 1 else ''}) and "
                 "random draws" if n else "random draws at fixed parameters")
    else:
        kind, label = "none", UNCERTAINTY["none"]
    if spec.network is not None and spec.design.method != "baseline":
        label += f", on {spec.network.variants} plausible networks"
        if spec.network.draw != "both":
            label += f" ({spec.network.draw} drawn)"
    return {"kind": kind, "label": label}


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
        "uncertainty": uncertainty_of(spec),
        "warnings": meta.get("warnings") or {},
    }
    if outcomes.empty:
        return result
    names = [o.name for o in spec.outcomes]
    policies = [lv.name for lv in spec.levers if lv.name in set(outcomes["policy"])]
    base = baseline_policy(policies)
    result["baseline"] = base
    result["comparison"] = policy_table(outcomes, names).to_dict(orient="records")
    from armednet.experiments.design import independent_worlds

    design = store.design(eid)
    first = outcomes[outcomes["policy"] == base]
    # worlds whose parameters and random numbers are both independent draws (replications
    # of a point count once; see independent_worlds)
    n_ind = int(independent_worlds(first["point"].to_numpy(), spec.design.method,
                                   design.shape[1], spec.design.second_order,
                                   first["replication"].to_numpy()).sum())
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
        if spec.network is not None:
            result["network"] = network_analysis(store, eid, spec, outcomes, base,
                                                 result.get("sobol"))
        from armednet.experiments.claims import evaluate_claims

        claims = evaluate_claims(outcomes, design, spec)
        if claims is not None:
            result["claims"] = claims
    if save:
        store.save_analysis(eid, "summary", result)
    return result


SCREEN_RULE = ("an index is shown when its lower 95% bound lies above the noise floor "
               "(the upper 95% bound of the dummy, an input no mechanism reads) and its "
               "estimate from half the base sample lies within its 95% interval (or within "
               "0.05): it is distinguishable from noise and has converged")
"""The rule of :func:`armednet.experiments.sensitivity.screen_indices`, in words."""


def _sensitivity(store: ResultStore, eid: str, spec: ExperimentSpec, outcomes: pd.DataFrame,
                 base: str, result: dict[str, Any]) -> None:
    """Sobol or Morris indices of every outcome for the baseline policy, screened against
    the noise floor; an outcome that cannot be analysed (undefined in some runs) gets a
    note instead of indices."""
    method = spec.design.method
    if method not in ("sobol", "morris"):
        return
    from armednet.errors import InputError
    from armednet.experiments.design import design_columns

    # The store returns columns sorted by name; Saltelli and Morris samples are laid out in
    # the design's order, and SALib labels indices by position.
    unit = store.design(eid, unit=True)[design_columns(spec)]
    out: dict[str, Any] = {}
    for o in spec.outcomes:
        try:
            out[o.name] = _indices(unit, outcomes, o.name, base, spec)
        except InputError as exc:
            out[o.name] = {"indices": [], "note": str(exc)}
    result[method] = {"policy": base, "outcomes": out, "rule": SCREEN_RULE,
                      "dummy": spec.design.dummy,
                      "uncertainty": uncertainty_of(spec)["label"]}


def _indices(unit: pd.DataFrame, outcomes: pd.DataFrame, outcome: str, base: str,
             spec: ExperimentSpec) -> dict[str, Any]:
    """One outcome's indices, noise floor, convergence, screening and noise share."""
    from armednet.experiments.sensitivity import (
        morris_indices,
        noise_floor,
        noise_share,
        screen_indices,
        sobol_convergence,
        sobol_indices,
    )

    record: dict[str, Any] = {"noise_share": noise_share(outcomes, outcome, base)}
    if spec.design.method == "sobol":
        s = sobol_indices(unit, outcomes, outcome, base, spec.design.second_order, spec.seed)
        conv = sobol_convergence(unit, outcomes, outcome, base, spec.design.second_order,
                                 spec.seed)
        floor = noise_floor(s)
        screened = screen_indices(s, floor, conv["change"])
        record.update(max_change=conv["max_change"], converged=conv["converged"])
        moved = conv["change"] or {}
        screened["change"] = pd.Series(moved.get("ST", {}), dtype=float)
    else:
        m = morris_indices(unit, outcomes, outcome, base, spec.design.levels, spec.seed)
        floor = noise_floor(m)
        screened = screen_indices(m, floor)
    record["floor"] = floor
    record["indices"] = screened.reset_index().to_dict(orient="records")
    record["shown"] = [str(p) for p in screened.index[screened["shown"]]]
    return record


def network_analysis(store: ResultStore, eid: str, spec: ExperimentSpec,
                     outcomes: pd.DataFrame, base: str,
                     sobol: dict[str, Any] | None = None, top: int = 10) -> dict[str, Any]:
    """How much of each outcome's variance the network carries, and which ties matter.

    Parameters
    ----------
    store, eid : ResultStore, str
        The experiment.
    spec : ExperimentSpec
        Its spec (with ``network``).
    outcomes : pandas.DataFrame
        Its wide outcomes.
    base : str
        The policy analysed (the baseline).
    sobol : dict, optional
        The experiment's Sobol analysis; the network's share is then its total index
        (with interval and screening); otherwise a first-order estimate from the variance
        between variants (:func:`~armednet.experiments.sensitivity.variance_share`).
    top : int
        Ties listed per outcome.

    Returns
    -------
    dict
        ``variants``, ``draw``, ``policy``, ``presence`` (probability of a tie by
        confidence), ``method`` (how tie effects were estimated),
        ``uncertain_ties`` and per outcome ``share`` and ``ties`` (the top rows of
        :func:`~armednet.experiments.sensitivity.tie_effects`, with ``tested`` and
        ``threshold``); ``note`` when the scenario changed since the run.

    References
    ----------
    .. [1] K. M. Carley, "Dynamic network analysis", 2003; G. Kossinets, "Effects of
       missing data in social networks", Social Networks 28(3), 2006.
    """
    from armednet.errors import InputError
    from armednet.experiments.design import NETWORK
    from armednet.experiments.sensitivity import tie_effects, variance_share
    from armednet.kb import KnowledgeGraph
    from armednet.kb.uncertainty import PRESENCE, tie_labels, tie_presence

    assert spec.network is not None
    meta = store.meta(eid)
    variants = spec.network.variants
    info: dict[str, Any] = {"variants": variants, "policy": base, "presence": dict(PRESENCE),
                            "outcomes": {}}
    try:
        kg = KnowledgeGraph.load(spec.scenario)
    except InputError as exc:
        info["note"] = f"the scenario no longer loads ({exc}): ties cannot be named"
        return info
    if kg.hash != meta["scenario_hash"]:
        info["note"] = ("the scenario has changed since the experiment ran: its ties cannot "
                        "be matched to the variants")
        return info
    draw = spec.network.draw
    info["draw"] = draw
    presence = tie_presence(kg, np.arange(variants), spec.seed,
                            dict.fromkeys(PRESENCE, 1.0) if draw == "estimates" else None)
    labels = tie_labels(kg)
    info["uncertain_ties"] = int((~presence.all(axis=0) & presence.any(axis=0)).sum())
    variant = store.design(eid)[NETWORK].to_numpy(dtype=np.int64)
    unit = store.design(eid, unit=True)[[u.name for u in spec.uncertainties]].to_numpy()
    g = outcomes[outcomes["policy"] == base]
    info["method"] = ("paired: worlds that differ only in their network" if sobol else
                      "unpaired: worlds grouped by network variant")
    for o in spec.outcomes:
        y = g.groupby("point")[o.name].mean().reindex(range(len(variant))).to_numpy()
        if sobol:
            effects = _paired(spec, y, variant, presence, labels)
            share = _network_share(sobol, o.name)
        else:
            ok = np.isfinite(y)
            effects = tie_effects(y[ok], variant[ok], presence, labels, covariates=unit[ok])
            share = {"estimate": variance_share(y[ok], variant[ok]), "kind": "first-order"}
        info["outcomes"][o.name] = {
            "share": share, "tested": len(effects), "flagged": int(effects["flag"].sum()),
            "ties": effects.head(top).to_dict(orient="records")}
    return info


def _paired(spec: ExperimentSpec, y: np.ndarray, variant: np.ndarray, presence: np.ndarray,
            labels: list[str]) -> pd.DataFrame:
    """Tie effects from each base sample's ``A`` row and its ``AB_network`` row."""
    from armednet.experiments.design import NETWORK, design_columns
    from armednet.experiments.sensitivity import paired_tie_effects

    names = design_columns(spec)
    d = len(names)
    block = 2 * d + 2 if spec.design.second_order else d + 2
    a = np.arange(0, len(y), block)
    ab = a + 1 + names.index(NETWORK)
    ok = np.isfinite(y[a]) & np.isfinite(y[ab])
    return paired_tie_effects(y[ab][ok] - y[a][ok], variant[a][ok], variant[ab][ok],
                              presence, labels)


def _network_share(sobol: dict[str, Any], outcome: str) -> dict[str, Any]:
    """The network input's total index for one outcome, screened like every index."""
    from armednet.experiments.design import NETWORK

    block = sobol["outcomes"].get(outcome) or {}
    row = next((r for r in block.get("indices", []) if r["parameter"] == NETWORK), None)
    if row is None:
        return {"estimate": None, "kind": "total", "note": block.get("note", "")}
    return {"estimate": float(row["ST"]), "low": float(row["ST"] - row["ST_conf"]),
            "high": float(row["ST"] + row["ST_conf"]), "kind": "total",
            "shown": bool(row["shown"]), "floor": (block.get("floor") or {}).get("ST")}
