"""Experiment specs (validation with file:line errors) and sampling designs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from armednet.errors import ValidationFailed
from armednet.experiments.design import make_design, transform
from armednet.experiments.spec import ExperimentSpec, Uncertainty, load_spec, spec_hash

BASE = {
    "name": "t",
    "levers": ["status-quo", "strikes"],
    "outcomes": [{"name": "attacks", "variable": "attacks"}],
    "uncertainties": [{"name": "a", "low": 0, "high": 1},
                      {"name": "b", "dist": "loguniform", "low": 0.01, "high": 1}],
}


def spec(**kw: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate({**BASE, **kw})


def test_levers_accept_names_and_mappings() -> None:
    s = spec(levers=["status-quo", {"name": "mine", "file": "p.yaml"}])
    assert [lv.name for lv in s.levers] == ["status-quo", "mine"]
    assert s.levers[0].preset == "status-quo" and s.levers[1].file == "p.yaml"


def test_bad_spec_reports_every_problem_with_lines(tmp_path) -> None:
    f = tmp_path / "exp.yaml"
    f.write_text("name: t\nlevers: []\noutcomes:\n  - {name: x, variable: attacks, "
                 "aggregation: sum}\ndesign: {method: sobol, n: 100}\nbogus: 1\n")
    with pytest.raises(ValidationFailed) as exc:
        load_spec(f)
    text = "\n".join(map(str, exc.value.issues))
    assert f"{f}:2: levers:" in text
    assert f"{f}:4: outcomes[0].aggregation:" in text
    assert f"{f}:5: design:" in text and "power of two" in text
    assert f"{f}:6: bogus: unknown field" in text


def test_duplicate_and_clashing_names_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate levers"):
        spec(levers=["a", "a"])
    with pytest.raises(ValueError, match="both fixed and uncertain"):
        spec(params={"a": 1.0})


def test_spec_hash_depends_on_spec_and_scenario() -> None:
    assert spec_hash(spec(), "h1") == spec_hash(spec(), "h1")
    assert spec_hash(spec(), "h1") != spec_hash(spec(), "h2")
    assert spec_hash(spec(), "h1") != spec_hash(spec(seed=1), "h1")


@pytest.mark.parametrize("method,n,expected", [
    ("lhs", 16, 16), ("sobol", 8, 8 * (3 + 2)), ("morris", 5, 5 * 4), ("factorial", 1, 16),
    ("baseline", 1, 1),
])
def test_design_sizes(method: str, n: int, expected: int) -> None:
    dm = make_design(spec(design={"method": method, "n": n, "levels": 4}))
    assert dm.n_points == expected
    if method == "baseline":
        assert dm.values.shape == (1, 0)
    else:
        # Sobol and Morris designs carry the noise-floor dummy after the uncertainties
        dummy = ["dummy"] if method in ("sobol", "morris") else []
        assert list(dm.values.columns) == ["a", "b", *dummy]
        assert dm.parameters == ["a", "b"]
        assert dm.values["a"].between(0, 1).all() and dm.values["b"].between(0.01, 1).all()


def test_stream_groups_pair_the_rows_that_are_compared() -> None:
    from armednet.experiments.design import independent_worlds

    dm = make_design(spec(design={"method": "sobol", "n": 4}))  # a, b, dummy: blocks of 5
    groups = dm.stream_groups()
    # A, AB_a, AB_b, AB_dummy share a stream group; B has its own; base samples differ
    assert groups.tolist() == [0, 0, 0, 0, 1, 2, 2, 2, 2, 3, 4, 4, 4, 4, 5, 6, 6, 6, 6, 7]
    ind = independent_worlds(np.arange(20), "sobol", 3)
    assert np.flatnonzero(ind).tolist() == [0, 4, 5, 9, 10, 14, 15, 19]
    assert not independent_worlds([0, 0], "sobol", 3, replication=[0, 1])[1]
    lhs = make_design(spec(design={"method": "lhs", "n": 6}))
    assert lhs.stream_groups().tolist() == list(range(6))  # the global run indices
    morris = make_design(spec(design={"method": "morris", "n": 2}))
    assert morris.stream_groups().tolist() == [0] * 4 + [1] * 4


def test_network_and_dummy_columns() -> None:
    dm = make_design(spec(design={"method": "sobol", "n": 4, "dummy": False},
                          network={"variants": 5}))
    assert list(dm.values.columns) == ["a", "b", "network"]
    v = dm.values["network"].to_numpy()
    assert set(np.unique(v)) <= set(range(5)) and (v == np.floor(v)).all()
    with pytest.raises(ValidationError, match="sampled design"):
        spec(design={"method": "baseline"}, network={"variants": 4})
    with pytest.raises(ValidationError, match="reserved"):
        spec(uncertainties=[{"name": "dummy", "low": 0, "high": 1}])


def test_design_is_deterministic_in_seed() -> None:
    a = make_design(spec(seed=3)).values
    b = make_design(spec(seed=3)).values
    c = make_design(spec(seed=4)).values
    assert a.equals(b) and not a.equals(c)


def test_lhs_is_stratified() -> None:
    dm = make_design(spec(design={"method": "lhs", "n": 50}))
    bins = np.floor(dm.unit["a"].to_numpy() * 50).astype(int)
    assert sorted(bins) == list(range(50))


@settings(max_examples=50, deadline=None)
@given(u=st.lists(st.floats(0, 1), min_size=1, max_size=20),
       lo=st.floats(0.01, 10), width=st.floats(0.01, 10),
       dist=st.sampled_from(["uniform", "loguniform", "triangular", "normal"]))
def test_transform_stays_in_bounds_and_is_monotone(u: list[float], lo: float, width: float,
                                                   dist: str) -> None:
    hi = lo + width
    unc = Uncertainty(name="p", dist=dist, low=lo, high=hi, mode=(lo + hi) / 2,
                      mean=lo + width / 3, sd=width / 2)  # type: ignore[arg-type]
    x = transform(np.sort(np.array(u)), unc)
    assert np.all(x >= lo - 1e-9) and np.all(x <= hi + 1e-9)
    assert np.all(np.diff(x) >= -1e-9)
