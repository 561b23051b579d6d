"""Policy comparison, sensitivity and PRIM on outcomes with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError
from armednet.experiments.compare import beats, policy_table, regret
from armednet.experiments.design import make_design
from armednet.experiments.discovery import prim_box
from armednet.experiments.sensitivity import morris_indices, sobol_convergence, sobol_indices
from armednet.experiments.spec import ExperimentSpec


def _frame() -> pd.DataFrame:
    # Two policies over 100 paired worlds: B is A minus 1 in 70 worlds, plus 1 in 30.
    rng = np.random.default_rng(0)
    base = rng.normal(10, 2, 100)
    delta = np.where(np.arange(100) < 70, -1.0, 1.0)
    rows = [pd.DataFrame({"policy": "A", "point": range(100), "replication": 0, "y": base}),
            pd.DataFrame({"policy": "B", "point": range(100), "replication": 0,
                          "y": base + delta})]
    return pd.concat(rows, ignore_index=True)


def test_policy_table_quantiles() -> None:
    t = policy_table(_frame())
    a = t[t.policy == "A"].iloc[0]
    assert a["n"] == 100 and a["low"] <= a["median"] <= a["high"]
    assert a["median"] == pytest.approx(np.median(_frame().query("policy == 'A'").y))


def test_beats_pairs_worlds() -> None:
    r = beats(_frame(), "y", "B", "A")
    assert r["p_better"] == pytest.approx(0.70)
    assert r["low"] < 0.70 < r["high"]
    assert beats(_frame(), "y", "A", "B")["p_better"] == pytest.approx(0.30)
    assert beats(_frame(), "y", "A", "B", lower_is_better=False)["p_better"] == \
        pytest.approx(0.70)
    with pytest.raises(InputError, match="unknown policy"):
        beats(_frame(), "y", "A", "C")


def test_regret() -> None:
    r = regret(_frame(), "y").set_index("policy")
    assert r.loc["A", "mean"] == pytest.approx(0.7 * 1.0)
    assert r.loc["B", "mean"] == pytest.approx(0.3 * 1.0)
    assert r["p_best"].sum() == pytest.approx(1.0)


def _sobol_case(n: int = 256) -> tuple[pd.DataFrame, pd.DataFrame]:
    spec = ExperimentSpec.model_validate({
        "name": "s", "levers": ["p"], "outcomes": [{"name": "y", "variable": "v"}],
        "uncertainties": [{"name": k, "low": 0, "high": 1} for k in "abc"],
        "design": {"method": "sobol", "n": n}})
    dm = make_design(spec)
    u = dm.unit
    y = 4 * u["a"] + 1 * u["b"] ** 2  # c is inert
    out = pd.DataFrame({"policy": "p", "point": u.index, "replication": 0, "y": y.to_numpy()})
    return u, out


def test_sobol_ranks_and_inert_parameter() -> None:
    u, out = _sobol_case()
    s = sobol_indices(u, out, "y", "p")
    assert s.loc["a", "ST"] > s.loc["b", "ST"] > 0.02
    assert abs(s.loc["c", "ST"]) < 0.02
    # Analytic first-order index of a: Var(4a) / (Var(4a) + Var(b^2)) = (16/12)/(16/12+4/45)
    assert s.loc["a", "S1"] == pytest.approx((16 / 12) / (16 / 12 + 4 / 45), abs=0.05)
    conv = sobol_convergence(u, out, "y", "p")
    assert conv["converged"] and len(conv["steps"]) == 3


def test_morris_flags_inert_parameter() -> None:
    spec = ExperimentSpec.model_validate({
        "name": "m", "levers": ["p"], "outcomes": [{"name": "y", "variable": "v"}],
        "uncertainties": [{"name": k, "low": 0, "high": 1} for k in "abc"],
        "design": {"method": "morris", "n": 20}})
    u = make_design(spec).unit
    out = pd.DataFrame({"policy": "p", "point": u.index, "replication": 0,
                        "y": (3 * u["a"] + u["b"]).to_numpy()})
    m = morris_indices(u, out, "y", "p")
    assert m.loc["a", "mu_star"] == pytest.approx(3, abs=1e-6)
    assert m.loc["c", "mu_star"] == pytest.approx(0, abs=1e-9)


def test_prim_recovers_a_box() -> None:
    rng = np.random.default_rng(1)
    x = pd.DataFrame(rng.random((1000, 3)), columns=["a", "b", "c"])
    y = ((x.a > 0.6) & (x.b < 0.4)).to_numpy()
    box = prim_box(x, y)
    assert box is not None
    assert set(box["limits"]) == {"a", "b"}
    assert box["limits"]["a"][0] == pytest.approx(0.6, abs=0.05)
    assert box["limits"]["b"][1] == pytest.approx(0.4, abs=0.05)
    assert box["density"] > 0.9 and box["coverage"] >= 0.5
    assert prim_box(x, np.zeros(1000, bool)) is None


def test_prim_leaves_out_the_dummy_and_the_network_variant() -> None:
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.random((600, 3)), columns=["a", "dummy", "network"])
    x["network"] = np.floor(x["network"] * 8)
    y = (x["network"] < 2).to_numpy()  # a pattern in variant labels is not a region
    box = prim_box(x, y)
    assert box is not None and set(box["limits"]) <= {"a"}
