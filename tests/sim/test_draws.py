"""Parameters drawn per run chunk by chunk (``simulate(draws=...)``): the same runs as the
materialised draws, whatever the chunking and workers, with memory bounded by the chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.sim.engine import prepare, simulate
from armednet.sim.params import PARAMETERS, PriorDraws, SetDraws, draw_parameter_sets, draw_prior


def test_prior_draws_equal_the_materialised_draws_in_any_chunking() -> None:
    kw = dict(runs=600, weeks=12, seed=4)
    a = simulate(None, "strikes", params=draw_prior(np.arange(600), 4), chunk_size=600,
                 workers=1, **kw).summary
    b = simulate(None, "strikes", draws=PriorDraws(4), chunk_size=128, workers=1,
                 **kw).summary
    pd.testing.assert_frame_equal(a, b)


def test_draws_follow_the_global_run_index() -> None:
    whole = simulate(None, "combined", runs=40, weeks=10, seed=2, draws=PriorDraws(9)).summary
    part = simulate(None, "combined", runs=15, weeks=10, seed=2, run_offset=25,
                    draws=PriorDraws(9)).summary
    pd.testing.assert_frame_equal(whole.iloc[25:].reset_index(drop=True), part)


def test_set_draws_equal_the_materialised_sets() -> None:
    table = pd.DataFrame({"attack_base_rate": [0.1, 0.5, 0.9],
                          "trigger_sensitivity": [2.0, 10.0, 20.0],
                          "weight": [0.2, 0.3, 0.5]})
    a = simulate(None, "strikes", runs=300, weeks=10, seed=1,
                 params=draw_parameter_sets(table, np.arange(300), 5), workers=1).summary
    b = simulate(None, "strikes", runs=300, weeks=10, seed=1, draws=SetDraws(table, 5),
                 chunk_size=64, workers=1).summary
    pd.testing.assert_frame_equal(a, b)


def test_the_ensemble_keeps_no_per_run_column_of_drawn_parameters() -> None:
    ens = prepare(None, runs=1_000_000, weeks=4, draws=PriorDraws(0))
    assert max(v.shape[0] for v in ens.params.values()) == 1
    assert ens.metadata["params"]["attack_base_rate"]["drawn"].startswith("per run")


def test_excluded_parameters_keep_their_given_value() -> None:
    draws = PriorDraws(3, exclude=frozenset({"attack_base_rate"}))
    assert "attack_base_rate" not in draws.names
    assert len(draws.names) == len(PARAMETERS) - 1
    ens = prepare(None, runs=10, weeks=4, params={"attack_base_rate": 0.3}, draws=draws)
    task = ens._task(0, 10)
    assert np.all(task.params["attack_base_rate"] == 0.3)
    assert task.params["trigger_sensitivity"].shape == (10, 1)


def test_a_parameter_both_given_and_drawn_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"both given and drawn.*attack_base_rate"):
        prepare(None, runs=10, weeks=4, params={"attack_base_rate": 0.3},
                draws=PriorDraws(3))


def test_inadmissible_set_values_are_an_input_error() -> None:
    table = pd.DataFrame({"defiance": [0.5] * 99 + [7.0]})  # at most 1, in one set
    with pytest.raises(InputError, match="defiance"):
        prepare(None, runs=2, weeks=4, draws=SetDraws(table, 0))
