"""Claims on constructed outcomes: tested claims are checked per paired world and can come
out either way at their stated thresholds; assumed claims are never a share of worlds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.experiments.claims import CLAIM_OUTCOMES, CLAIMS, evaluate_claims

POLICIES = ["status-quo", "strikes", "decapitation", "sanctions", "co-option",
            "accountability", "diplomacy"]
TESTED = {"C1", "C2", "C4", "C9"}


def _outcomes(n: int, scale: dict[tuple[str, str], float]) -> pd.DataFrame:
    """Every policy equal to the status quo except ``scale[(policy, outcome)]`` times it."""
    rng = np.random.default_rng(0)
    base = {o.name: rng.uniform(1, 10, n) for o in CLAIM_OUTCOMES}
    rows = []
    for p in POLICIES:
        d = {"policy": p, "point": np.arange(n), "replication": 0}
        for o in CLAIM_OUTCOMES:
            d[o.name] = base[o.name] * scale.get((p, o.name), 1.0)
        rows.append(pd.DataFrame(d))
    return pd.concat(rows, ignore_index=True)


def _design(n: int) -> pd.DataFrame:
    return pd.DataFrame({"x": np.linspace(0, 1, n)}, index=pd.RangeIndex(n, name="point"))


def _shares(df: pd.DataFrame) -> dict[str, float | None]:
    res = evaluate_claims(df, _design(len(set(df.point))), data=False) or []
    return {c["id"]: c["share"] for c in res}


def test_claim_ids_kinds_and_assumptions() -> None:
    assert [c.id for c in CLAIMS] == [f"C{i}" for i in range(1, 10)]
    assert {c.id for c in CLAIMS if c.kind == "tested"} == TESTED
    for c in CLAIMS:
        assert (c.test is not None) == (c.kind == "tested"), c.id
        assert (c.size is not None) == (c.kind == "assumed"), c.id
        if c.kind == "assumed":
            assert c.assumes is not None and c.assumes.mechanisms, c.id


def test_every_tested_claim_can_hold_and_fail() -> None:
    n = 40
    hold = {("strikes", "ceasefire_spells"): 2.0, ("strikes", "attacks_last_year"): 0.6,
            ("decapitation", "factions_final"): 2.0, ("sanctions", "revenue_total"): 0.85,
            ("accountability", "attacks_last_year"): 0.8,
            ("accountability", "attacks_first_half_year"): 0.95}
    fail = {("strikes", "ceasefire_spells"): 2.0, ("strikes", "attacks_last_year"): 0.4,
            ("decapitation", "factions_final"): 1.0, ("sanctions", "revenue_total"): 0.75,
            ("accountability", "attacks_last_year"): 0.95,
            ("accountability", "attacks_first_half_year"): 0.95}
    good, bad = _shares(_outcomes(n, hold)), _shares(_outcomes(n, fail))
    for cid in TESTED:
        assert good[cid] == 1.0 and bad[cid] == 0.0, cid


def test_thresholds_at_their_boundary() -> None:
    # exactly half the attacks, exactly 80% of revenue, exactly a 10% cut: the claim holds
    at = {("strikes", "ceasefire_spells"): 2.0, ("strikes", "attacks_last_year"): 0.5,
          ("sanctions", "revenue_total"): 0.8, ("accountability", "attacks_last_year"): 0.9}
    shares = _shares(_outcomes(30, at))
    assert shares["C4"] == 1.0 and shares["C9"] == 1.0
    # one more cease-fire needs a difference of one spell: doubling a value of at least 1
    assert shares["C1"] == 1.0


def test_assumed_claims_are_never_a_share_of_worlds() -> None:
    n = 20
    df = _outcomes(n, {("diplomacy", "attacks"): 0.3, ("co-option", "capture_final"): 2.0})
    res = {c["id"]: c for c in evaluate_claims(df, _design(n), data=False) or []}
    for cid in ("C3", "C5", "C6", "C7", "C8"):
        rec = res[cid]
        assert rec["kind"] == "assumed" and rec["share"] is None and "fails_box" not in rec
        assert rec["note"].startswith("assumed") and rec["assumes"]["mechanisms"]
    assert res["C7"]["size"]["median"] == pytest.approx(0.3)
    assert res["C5"]["size"]["median"] == pytest.approx(2.0)
    assert "diplomacy" in res["C7"]["assumes"]["mechanisms"]


def test_claim_needing_missing_policy_is_reported_not_guessed() -> None:
    df = _outcomes(10, {})
    df = df[df.policy.isin(["status-quo", "strikes"])]
    res = {c["id"]: c for c in evaluate_claims(df, _design(10), data=False) or []}
    assert res["C4"]["share"] is None and "sanctions" in res["C4"]["note"]
    assert res["C1"]["share"] is not None
    assert "size" in res["C8"] and "size" not in res["C7"]


def test_prim_box_locates_failures() -> None:
    n = 400
    df = _outcomes(n, {})
    x = np.linspace(0, 1, n)
    # sanctions cut revenue by half only where x <= 0.5: C4 fails there.
    mask = (df.policy == "sanctions").to_numpy()
    df.loc[mask, "revenue_total"] *= np.where(x > 0.5, 1.0, 0.5)
    res = {c["id"]: c for c in evaluate_claims(df, _design(n), data=False) or []}
    assert res["C4"]["share"] == pytest.approx(0.5, abs=0.01)
    box = res["C4"]["fails_box"]
    assert box["limits"]["x"][1] == pytest.approx(0.5, abs=0.05)


def test_data_tests_are_attached_or_their_absence_said(tmp_path: Path) -> None:
    df = _outcomes(10, {})
    res = evaluate_claims(df, _design(10), prim=False, data_dir=tmp_path / "absent") or []
    assert all(c["data"] == [] and c["data_note"] for c in res)


def test_docs_state_every_claim() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "claims.md").read_text()
    for c in CLAIMS:
        assert f"| {c.id} | {c.kind} | {c.title} | {c.definition} |" in text, c.id
        if c.assumes is not None:
            assert c.assumes.statement in text, c.id
