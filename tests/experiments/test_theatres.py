"""Policies across theatres (issue 16): shapes, common random numbers, determinism, the
network what-if's identity move, and lever warnings collected instead of shown."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.experiments.theatres import (
    DEFAULT_OUTCOMES,
    PROPERTIES,
    compare_theatres,
    network_whatif,
)
from tests.factories import tiny_document, write_yaml

RUNS = 12
FEW = ("attacks", "first_ceasefire_week", "capture_final")  # one may be undefined (NaN)
COLUMNS = ["scenario", "policy", "outcome", "median", "low", "high", "effect", "effect_low",
           "effect_high"]


@pytest.fixture(scope="module")
def small() -> object:
    """Both bundled theatres, two presets, a dozen runs over a short horizon."""
    return compare_theatres(presets=["strikes", "diplomacy"], runs=RUNS, seed=3,
                            weeks={"iraq-2024": 20, "red-sea-2024": 20}, outcomes=FEW)


def test_long_table_has_every_scenario_policy_and_outcome(small: object) -> None:
    table = small.table  # type: ignore[attr-defined]
    assert set(COLUMNS) <= set(table.columns)
    assert len(table) == 2 * 3 * len(FEW)
    assert set(table["scenario"]) == {"iraq-2024", "red-sea-2024"}
    assert list(dict.fromkeys(table["policy"])) == ["status-quo", "strikes", "diplomacy"]
    ok = table.dropna(subset=["median"])
    assert (ok["low"] <= ok["median"]).all() and (ok["median"] <= ok["high"]).all()
    wide = small.wide()  # type: ignore[attr-defined]
    assert list(wide.index) == ["status-quo", "strikes", "diplomacy"]
    assert ("red-sea-2024", "effect on attacks") in wide.columns
    meta = small.metadata  # type: ignore[attr-defined]
    assert meta["weeks"] == {"iraq-2024": 20, "red-sea-2024": 20} and meta["runs"] == RUNS
    assert set(meta["scenarios"]) == {"iraq-2024", "red-sea-2024"}
    pd.testing.assert_frame_equal(small.to_frame(), table)  # type: ignore[attr-defined]


def test_status_quo_effect_is_exactly_zero_and_a_real_lever_is_not(small: object) -> None:
    table = small.table  # type: ignore[attr-defined]
    sq = table[table["policy"] == "status-quo"].dropna(subset=["effect"])
    assert (sq[["effect", "effect_low", "effect_high"]].to_numpy() == 0.0).all()
    att = table[(table["outcome"] == "attacks") & (table["policy"] == "diplomacy")]
    assert (att["effect"] < 0).all()  # cutting the regional trigger cuts attacks


def test_same_seed_same_table_and_another_seed_differs(small: object) -> None:
    kw = {"presets": ["strikes", "diplomacy"], "runs": RUNS,
          "weeks": {"iraq-2024": 20, "red-sea-2024": 20}, "outcomes": FEW}
    again = compare_theatres(seed=3, **kw)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(again.table, small.table)  # type: ignore[attr-defined]
    other = compare_theatres(seed=4, **kw)  # type: ignore[arg-type]
    assert not other.table["median"].equals(small.table["median"])  # type: ignore[attr-defined]


def test_default_horizon_is_each_scenarios_window() -> None:
    res = compare_theatres(["red-sea-2024"], presets=[], runs=2)
    assert res.metadata["weeks"] == {"red-sea-2024": 92}  # 2023-10-02 .. 2025-06-30
    assert set(res.table["policy"]) == {"status-quo"}
    assert list(res.table["outcome"]) == list(DEFAULT_OUTCOMES)


def test_shared_parameter_sets_are_the_same_in_both_theatres() -> None:
    sets = pd.DataFrame({"attack_base_rate": [0.0, 0.0]})  # no attacks at all
    res = compare_theatres(presets=["strikes"], runs=4, weeks=6, params=sets,
                           outcomes=["attacks"])
    assert (res.table["median"] == 0).all()
    assert all("2 parameter sets" in d for d in res.metadata["params"].values())


def test_lever_warnings_are_collected_not_shown(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["series"]  # no regional trigger: diplomacy has nothing to act on
    path = write_yaml(tmp_path / "calm.yaml", doc)
    from armednet.sim.policy import LeverWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", LeverWarning)  # a lever warning shown would fail
        res = compare_theatres([str(path)], presets=["diplomacy", "strikes"], runs=3,
                               weeks=6, outcomes=["attacks"])
    caught = res.metadata["warnings"]
    assert list(caught) == ["tiny"] and list(caught["tiny"]) == ["diplomacy"]
    assert "diplomacy lever" in caught["tiny"]["diplomacy"][0]


def test_unknown_names_are_input_errors() -> None:
    with pytest.raises(InputError, match="strikes"):
        compare_theatres(presets=["strikez"], runs=2, weeks=2)
    with pytest.raises(InputError, match="outcome"):
        compare_theatres(["red-sea-2024"], presets=[], runs=2, weeks=2, outcomes=["atacks"])
    with pytest.raises(InputError, match="network property"):
        network_whatif(properties=["patrons"], runs=2)


def test_whatif_with_the_donor_as_base_changes_nothing() -> None:
    df = network_whatif("red-sea-2024", "red-sea-2024", runs=8, weeks=16)
    assert list(df["property"]) == list(PROPERTIES)
    np.testing.assert_array_equal(df["effect_after"], df["effect_before"])
    np.testing.assert_array_equal(df["attacks_after"], df["attacks_before"])
    assert (df["change"] == 0).all()


def test_whatif_moves_each_property_to_the_donors_value() -> None:
    df = network_whatif("red-sea-2024", "iraq-2024", runs=8, weeks=16).set_index("property")
    assert df.loc["groups", "base_value"] == 1 and df.loc["groups", "donor_value"] == 3
    assert df.loc["host", "base_value"] == 0 and df.loc["host", "donor_value"] == 1
    np.testing.assert_allclose(df["moved_value"], df["donor_value"], rtol=1e-9)
    # one attacking group split three ways, each with the donor's coordination, attacks more
    assert df.loc["groups", "attacks_after"] > df.loc["groups", "attacks_before"]
    assert df.attrs["base"] == "red-sea-2024" and df.attrs["policy"] == "strikes"
