"""On the engine, every tested claim can hold and can fail; every assumed claim cannot fail.

Tested claims (C1, C2, C4, C9): each case runs the policies a claim compares over 40 paired
worlds (same seed), 104 weeks, and checks that the claim holds in at least 85% of them under
one parameter set and fails in at least 85% under each other set, every value inside the
parameter's documented range. C2 runs on a generated scenario: in the bundled one the
scheduled 2024 strikes already kill the named leaders of Kataib Hezbollah and Nujaba, and
killing Kataib Sayyid al-Shuhada's leader leaves its cohesion (0.43) above the highest
collapse threshold (0.4), so decapitation cannot break a campaign group there.

Assumed claims (C3, C5, C7, C8): across parameters drawn over every documented range, the
assumed direction holds in (nearly) every world, and the parameter ranges themselves encode
it (C6: domestic groups never follow the trigger more than transnational ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from armednet.experiments.claims import CLAIM_OUTCOMES, CLAIMS, evaluate_claims
from armednet.experiments.evaluate import aggregate
from armednet.kb import KnowledgeGraph
from armednet.sim.engine import simulate
from armednet.sim.params import PARAMETERS
from tests.sim.bundled import BUNDLED, bundled_graph
from tests.sim.scenarios import write_medium

RUNS = 40
HEAVY_STRIKES = {"retaliation_gain": 0.5, "strike_lethality": 0.3}
# strikes on host soil push the host to negotiate the foreign force out (sovereignty)
HOST_BACKLASH = {"pressure_gain": 0.4, "pressure_threshold": 0.1, "presence_response": 0.1}
HARD_SANCTIONS = {"sanction_effectiveness": 1.0, "sanction_evasion": 0.0, "patron_scale": 0.0}
# state rents carry the attacking groups' fighters: then reform cuts their attacks
RENTS_MATTER = {"rent_rate": 0.3, "capture_erosion": 0.05, "patron_scale": 0.0,
                "capability_elasticity": 1.0, "upkeep_cost": 0.5}

CASES: dict[str, tuple[str, dict[str, float], list[dict[str, float]]]] = {
    # claim: (scenario, parameters where it holds, parameter sets where it fails)
    "C1": ("bundled", {"strike_lethality": 0.02}, [HEAVY_STRIKES, HOST_BACKLASH]),
    "C2": ("medium", {"splinter_prob": 1.0, "collapse_rate": 0.01, "leader_kill_rate": 0.1},
           [{"splinter_prob": 0.0, "collapse_cohesion": 0.4, "collapse_rate": 0.3,
             "succession_rate": 0.0}]),
    # the same hard sanctions without and with banks' de-risking of informal money
    "C4": ("bundled", {**HARD_SANCTIONS, "derisking_share": 0.0},
           [{**HARD_SANCTIONS, "derisking_share": 0.5},
            {"formal_revenue_share": 1.0, "rent_rate": 0.002, "sanction_effectiveness": 1.0,
             "sanction_evasion": 0.0}]),
    "C9": ("bundled", RENTS_MATTER, [{}]),
}


@pytest.fixture(scope="module")
def medium(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeGraph:
    path: Path = write_medium(tmp_path_factory.mktemp("claims") / "medium")
    return KnowledgeGraph.load(str(path))


def outcomes(kg: KnowledgeGraph, policy: str, params: dict[str, Any], runs: int = RUNS
             ) -> pd.DataFrame:
    """The claims' outcomes of ``runs`` paired worlds under ``policy``."""
    res = simulate(kg, policy, runs=runs, weeks=104, seed=11, params=params,
                   record=["attacks"])
    assert res.weekly is not None
    data: dict[str, Any] = {"policy": policy, "point": np.arange(runs), "replication": 0}
    for o in CLAIM_OUTCOMES:
        if o.aggregation == "summary":
            data[o.name] = res.summary[o.variable].to_numpy()
        else:
            data[o.name] = aggregate(res.weekly[o.variable].values.astype(float), o)
    ends = res.summary.filter(like="end_week_").to_numpy(dtype=float)
    data["first_end"] = np.where(np.isnan(ends), np.inf, ends).min(axis=1, initial=np.inf)
    return pd.DataFrame(data)


def claim_record(claim_id: str, params: dict[str, Any], kg: KnowledgeGraph,
                 runs: int = RUNS) -> dict[str, Any]:
    claim = next(c for c in CLAIMS if c.id == claim_id)
    frame = pd.concat([outcomes(kg, p, params, runs) for p in claim.policies])
    design = pd.DataFrame(index=pd.RangeIndex(runs, name="point"))
    result = evaluate_claims(frame, design, prim=False, data=False) or []
    return next(c for c in result if c["id"] == claim_id)


def _admissible(params: dict[str, float]) -> None:
    for name, value in params.items():
        assert PARAMETERS[name].low <= value <= PARAMETERS[name].high, name


def test_cases_cover_the_tested_claims() -> None:
    assert sorted(CASES) == sorted(c.id for c in CLAIMS if c.kind == "tested")


@pytest.mark.parametrize("claim_id", sorted(CASES))
def test_tested_claim_can_hold_and_can_fail(claim_id: str, medium: KnowledgeGraph) -> None:
    # "bundled" is iraq-2024 by design: each case's parameter sets were chosen where the
    # claim holds or fails on its network (its strikes, channels and captured offices)
    scenario, holds, fails = CASES[claim_id]
    kg = medium if scenario == "medium" else bundled_graph("iraq-2024")
    for params in (holds, *fails):
        _admissible(params)
    assert claim_record(claim_id, holds, kg)["share"] >= 0.85
    for params in fails:
        assert claim_record(claim_id, params, kg)["share"] <= 0.15, params


def _draws(n: int, seed: int = 3) -> dict[str, np.ndarray]:
    """Every parameter drawn uniformly over its documented range (one column per world)."""
    from scipy.stats import qmc

    names = [k for k, p in PARAMETERS.items() if p.high > p.low]
    x = qmc.LatinHypercube(d=len(names), seed=seed).random(n)
    return {k: PARAMETERS[k].low + x[:, j] * (PARAMETERS[k].high - PARAMETERS[k].low)
            for j, k in enumerate(names)}


@pytest.mark.parametrize("scenario", BUNDLED)
def test_assumed_claims_keep_their_direction_across_the_ranges(scenario: str) -> None:
    n = 48
    params = _draws(n)
    frame = pd.concat([outcomes(bundled_graph(scenario), p, params, n)
                       for p in ("status-quo", "strikes", "co-option", "diplomacy")])
    design = pd.DataFrame(index=pd.RangeIndex(n, name="point"))
    res = {c["id"]: c for c in evaluate_claims(frame, design, prim=False, data=False) or []}
    w = frame.pivot(index="point", columns="policy")
    sq = w.xs("status-quo", axis=1, level=1)
    for cid, policy, outcome, sign in (("C3", "strikes", "capture_final", 1),
                                       ("C5", "co-option", "capture_final", 1),
                                       ("C7", "diplomacy", "attacks", -1),
                                       ("C8", "strikes", "backing_final", -1)):
        assert res[cid]["kind"] == "assumed" and res[cid]["share"] is None
        diff = sign * (w[(outcome, policy)] - sq[outcome])
        if cid == "C8":
            # The mechanism lowers backing with every strike on a group that exists. Where
            # the strikes policy ends a group sooner (the Houthis, in red-sea-2024), the
            # scenario's later scheduled strikes hit nothing, so backing can end higher
            # than under the status quo: compare the worlds where no group ended sooner.
            same_end = w[("first_end", policy)] >= sq["first_end"]
            assert same_end.mean() >= 0.5, "too few comparable worlds"
            diff = diff[same_end]
        assert (diff >= -1e-9).mean() >= 0.95, cid
        assert res[cid]["size"]["n"] > 0


def test_assumptions_are_in_the_parameter_ranges() -> None:
    # C6: a domestic group never follows the trigger more than a transnational one
    assert PARAMETERS["domestic_trigger_weight"].high <= 1.0
    # C7, C8, C5, C2: the assumed effects cannot change sign inside the ranges
    for name in ("trigger_sensitivity", "backing_loss", "backing_harm_loss", "coopt_rate",
                 "cohesion_loss", "stake_weight"):
        assert PARAMETERS[name].low >= 0.0, name
