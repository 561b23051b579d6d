"""Sensitivity above the noise: common random numbers across the rows a Saltelli design
compares, a dummy input that gives the noise floor, and indices screened against it."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from armednet.experiments.design import DUMMY, design_columns
from armednet.experiments.evaluate import evaluate_chunk
from armednet.experiments.runner import plan_experiment
from armednet.experiments.sensitivity import (
    morris_indices,
    noise_floor,
    noise_share,
    screen_indices,
    sobol_convergence,
    sobol_indices,
)
from armednet.experiments.spec import ExperimentSpec

# Under the status quo no strike is ordered, so retaliation_gain changes no run (the
# audit of issue 14 found it with a total index of 1.19 when each row had its own
# random numbers); attack_base_rate drives the attacks.
SPEC = {
    "name": "floor", "weeks": 30, "seed": 3, "levers": ["status-quo"],
    "design": {"method": "sobol", "n": 64},
    "uncertainties": [{"name": "attack_base_rate", "low": 0.05, "high": 0.5},
                      {"name": "retaliation_gain", "low": 0.0, "high": 1.0}],
    "outcomes": [{"name": "attacks", "variable": "attacks"}],
    "record": [],
}


def _run(spec: ExperimentSpec, common: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The design on the unit cube and the wide outcomes; ``common=False`` gives every row
    its own random numbers (the scheme the audit found wanting)."""
    plan = plan_experiment(spec)
    rows = []
    for task in plan.tasks:
        if not common:
            task = dataclasses.replace(task, groups=None)
        rows.append(evaluate_chunk(task).outcomes)
    long = pd.concat(rows, ignore_index=True)
    wide = long.pivot_table(index=["policy", "point", "replication"], columns="outcome",
                            values="value").reset_index()
    return plan.design.unit[design_columns(spec)], wide


@pytest.fixture(scope="module")
def crn() -> tuple[pd.DataFrame, pd.DataFrame]:
    return _run(ExperimentSpec.model_validate(SPEC))


def test_a_parameter_with_no_effect_is_within_the_noise_floor(
        crn: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    unit, out = crn
    s = sobol_indices(unit, out, "attacks", "status-quo")
    floor = noise_floor(s)
    assert floor is not None
    # the dummy is within the floor by construction; with common random numbers a
    # parameter no mechanism reads changes no run, so both are exactly zero
    assert s.loc[DUMMY, "ST"] <= floor["ST"] and s.loc[DUMMY, "S1"] <= floor["S1"]
    assert s.loc["retaliation_gain", "ST"] <= floor["ST"]
    assert s.loc["retaliation_gain", "ST"] == 0.0 and floor == {"S1": 0.0, "ST": 0.0}
    conv = sobol_convergence(unit, out, "attacks", "status-quo")
    screened = screen_indices(s, floor, conv["change"])
    assert screened.loc["attack_base_rate", "shown"]
    assert not screened.loc["retaliation_gain", "shown"]
    assert not screened.loc[DUMMY, "shown"]


def test_without_common_random_numbers_noise_swamps_the_indices() -> None:
    unit, out = _run(ExperimentSpec.model_validate(SPEC), common=False)
    s = sobol_indices(unit, out, "attacks", "status-quo")
    floor = noise_floor(s)
    assert floor is not None
    # every row's own random numbers: the dummy and the inert parameter get a large total
    # index, the noise, which the floor then shows
    assert s.loc[DUMMY, "ST"] > 0.05 and s.loc["retaliation_gain", "ST"] > 0.05
    assert floor["ST"] > 0.1
    assert s.loc["retaliation_gain", "ST"] - s.loc["retaliation_gain", "ST_conf"] <= floor["ST"]


def test_replications_are_averaged_and_give_the_noise_share() -> None:
    spec = ExperimentSpec.model_validate({**SPEC, "replications": 3,
                                          "design": {"method": "sobol", "n": 8}})
    unit, out = _run(spec)
    assert len(out) == len(unit) * 3
    share = noise_share(out, "attacks", "status-quo")
    assert share is not None and 0 < share < 1
    s = sobol_indices(unit, out, "attacks", "status-quo")  # on the mean of replications
    assert s.loc["retaliation_gain", "ST"] == 0.0 == s.loc[DUMMY, "ST"]
    assert noise_share(out[out.replication == 0], "attacks", "status-quo") is None


def test_morris_dummy_gives_the_floor() -> None:
    spec = ExperimentSpec.model_validate({**SPEC, "design": {"method": "morris", "n": 6}})
    unit, out = _run(spec)
    m = morris_indices(unit, out, "attacks", "status-quo")
    floor = noise_floor(m)
    assert floor == {"mu_star": 0.0}
    assert m.loc["retaliation_gain", "mu_star"] == 0.0
    screened = screen_indices(m, floor)
    assert screened.loc["attack_base_rate", "shown"]
    assert not screened.loc["retaliation_gain", "shown"]


def test_screening_without_a_dummy_uses_zero_and_needs_convergence() -> None:
    ix = pd.DataFrame({"S1": [0.4, 0.01], "S1_conf": [0.1, 0.02], "ST": [0.5, 0.03],
                       "ST_conf": [0.1, 0.01]}, index=["a", "b"])
    assert noise_floor(ix) is None
    unsettled = screen_indices(ix, None)  # no convergence check run: nothing is shown
    assert not unsettled["shown"].any()
    moved = {"ST": {"a": 0.3, "b": 0.001}, "S1": {"a": 0.0, "b": 0.0}}
    out = screen_indices(ix, None, moved)
    # a moved by more than its interval from half to full sample; b is small but settled
    assert out["shown"].tolist() == [False, True]
    assert np.isfinite(out["ST"]).all()
