"""Claims are checked per paired world; each can come out true or false."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from armednet.experiments.claims import CLAIM_OUTCOMES, CLAIMS, evaluate_claims

POLICIES = ["status-quo", "strikes", "decapitation", "sanctions", "co-option",
            "accountability", "diplomacy"]


def _outcomes(n: int, shift: dict[tuple[str, str], float]) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    base = {o.name: rng.uniform(1, 10, n) for o in CLAIM_OUTCOMES}
    rows = []
    for p in POLICIES:
        d = {"policy": p, "point": np.arange(n), "replication": 0}
        for o in CLAIM_OUTCOMES:
            d[o.name] = base[o.name] + shift.get((p, o.name), 0.0)
        rows.append(pd.DataFrame(d))
    return pd.concat(rows, ignore_index=True)


def _design(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": np.linspace(0, 1, n)}, index=pd.RangeIndex(n, name="point"))


def test_every_claim_can_hold_and_fail() -> None:
    n = 40
    # Worlds identical across policies: strict comparisons fail, so most claims are false.
    flat = {c["id"]: c["share"] for c in evaluate_claims(_outcomes(n, {}), _design(n))}
    favourable = {
        ("strikes", "ceasefire_spells"): 1, ("strikes", "military_final"): -5,
        ("decapitation", "undisciplined_share"): 0.1, ("co-option", "capture_final"): 5.0,
        ("strikes", "backing_final"): -5.0, ("accountability", "capture_final"): -0.5,
        ("accountability", "attacks_last_year"): -0.9, ("status-quo", "attacks_last_year"): 0,
        ("diplomacy", "attacks_transnational_share"): -0.5, ("diplomacy", "attacks"): -5.0,
    }
    good = evaluate_claims(_outcomes(n, favourable), _design(n))
    shares = {c["id"]: c["share"] for c in good}
    for cid in ("C1", "C2", "C5", "C6", "C7", "C8"):
        assert flat[cid] == 0.0, cid
        assert shares[cid] == 1.0, cid
    assert shares["C3"] > 0.0 and flat["C3"] == 0.0
    for c in good:
        assert 0.0 <= c["low"] <= c["share"] <= c["high"] <= 1.0


def test_claim_needing_missing_policy_is_reported_not_guessed() -> None:
    df = _outcomes(10, {})
    df = df[df.policy.isin(["status-quo", "strikes"])]
    res = {c["id"]: c for c in evaluate_claims(df, _design(10))}
    assert res["C5"]["share"] is None and "co-option" in res["C5"]["note"]
    assert res["C1"]["share"] is not None


def test_prim_box_locates_failures() -> None:
    n = 400
    df = _outcomes(n, {})
    x = np.linspace(0, 1, n)
    # co-option raises capture only where x > 0.5: C5 fails for x <= 0.5.
    mask = (df.policy == "co-option").to_numpy()
    df.loc[mask, "capture_final"] += np.where(x > 0.5, 1.0, -1.0)
    res = {c["id"]: c for c in evaluate_claims(df, _design(n))}
    assert res["C5"]["share"] == pytest.approx(0.5, abs=0.01)
    box = res["C5"]["fails_box"]
    assert box["limits"]["x"][1] == pytest.approx(0.5, abs=0.05)


def test_claim_ids_are_the_essays_nine() -> None:
    assert [c.id for c in CLAIMS] == [f"C{i}" for i in range(1, 10)]


def test_docs_state_every_claim_as_tested() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "claims.md").read_text()
    for c in CLAIMS:
        assert f"| {c.id} | {c.title} | {c.definition}" in text, c.id
