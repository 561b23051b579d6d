"""The compiled kernels (:mod:`armednet.sim.kernels`) against the NumPy steps they replace.

Step by step: the NumPy engine advances a chunk week by week; before each mechanism's step
the state and the week's scratch are copied, the kernel is applied to the copy and the NumPy
step to the original, and the two states and scratch dictionaries are compared at once
(before the differences could compound). Cases: both bundled scenarios, every policy preset,
parameters that vary by run, parameters pushed to their ranges' ends, and mechanisms
switched off.

Whole runs: ``simulate(backend="numba")`` against ``backend="numpy"`` on every preset.

Tolerance: the kernels do the NumPy steps' arithmetic in the same order, but numba's
``exp``, ``log`` and ``**`` come from LLVM's libm rather than numpy's vectorised ones and
differ from them in the last bit for a few percent of arguments, and sums over groups run in
a plain loop where ``einsum`` may pair terms. Values therefore agree to a relative
:data:`RTOL`; a random draw that flipped (a count or a decision) would show as a large
difference and fail.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from armednet.kb import KnowledgeGraph
from armednet.sim.engine import _setup_chunk, prepare, simulate
from armednet.sim.kernels import kernel_for
from armednet.sim.mechanisms import PIPELINE, registry
from armednet.sim.params import PARAMETERS
from armednet.sim.policy import PRESETS
from armednet.sim.state import State
from tests.factories import write_yaml
from tests.sim.bundled import BUNDLED, bundled_graph
from tests.sim.scenarios import medium_document

RTOL = 1e-9
ATOL = 1e-12
RUNS = 48
WEEKS = 70


def _varied(runs: int, seed: int) -> dict[str, np.ndarray]:
    """Every parameter drawn per run from its plausible range (log-uniform for positive
    ranges spanning a decade or more)."""
    rng = np.random.default_rng(seed)
    out = {}
    for p in PARAMETERS.values():
        lo, hi = p.low, p.high
        out[p.name] = (np.exp(rng.uniform(np.log(lo), np.log(hi), runs)) if lo > 0 and hi / lo
                       >= 10 else rng.uniform(lo, hi, runs))
    return out


def _extreme(runs: int, seed: int) -> dict[str, np.ndarray]:
    """Every parameter at one end of its range or the other, by run."""
    rng = np.random.default_rng(seed)
    return {p.name: np.where(rng.random(runs) < 0.5, p.low, p.high)
            for p in PARAMETERS.values()}


def _compare(where: str, a: Any, b: Any) -> None:
    if a is None or b is None:
        assert a is None and b is None, f"{where}: {a!r} != {b!r}"
        return
    if isinstance(a, tuple | list):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _compare(f"{where}[{i}]", x, y)
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{where}: keys {sorted(a)} != {sorted(b)}"
        for k in a:
            _compare(f"{where}[{k}]", a[k], b[k])
        return
    x, y = np.asarray(a), np.asarray(b)
    assert x.shape == y.shape or x.size == y.size == 1, (
        f"{where}: shape {x.shape} != {y.shape}")
    if x.dtype == bool or y.dtype == bool:
        np.testing.assert_array_equal(x.astype(bool), y.astype(bool), err_msg=where)
    elif not (np.array_equal(x, y, equal_nan=True) or _close(x, y)):  # fast paths first
        np.testing.assert_allclose(y, x, rtol=RTOL, atol=ATOL, err_msg=where)


def _close(x: np.ndarray, y: np.ndarray) -> bool:
    """``assert_allclose``'s test (NaNs equal), without its cost when it passes."""
    with np.errstate(invalid="ignore"):
        ok = np.abs(y - x) <= ATOL + RTOL * np.abs(x)
    return bool(np.all(ok | (np.isnan(x) & np.isnan(y)) | (x == y)))


def _compare_states(where: str, a: State, b: State) -> None:
    for name in ("M", "F", "L", "C", "H", "D", "o", "S", "active", "Xp", "A", "Q", "B",
                 "alive", "last_attacks", "last_casualties"):
        _compare(f"{where}: state.{name}", getattr(a, name), getattr(b, name))
    _compare(f"{where}: state.extra", a.extra, b.extra)


def step_by_step(scenario: Any, policy: str, params: dict[str, Any] | None = None,
                 mechanisms: dict[str, bool] | None = None, runs: int = RUNS,
                 weeks: int = WEEKS, seed: int = 3, only: set[str] | None = None) -> set[str]:
    """Run the NumPy pipeline and check every kernel (or those of the steps named in
    ``only``) against its step every week; the names of the steps checked."""
    kg = bundled_graph(scenario) if isinstance(scenario, str) else scenario
    ens = prepare(kg, policy, runs=runs, weeks=weeks, seed=seed,
                  params=params, mechanisms=mechanisms, backend="numpy")
    task = ens._task(0, runs)
    ch = _setup_chunk(task.inputs, task.schedule, task.params, task.on, task.keys)
    s = ch.state
    checked = set()
    for t in range(weeks):
        ctx = ch.context(t)
        for step in PIPELINE:
            kernel = kernel_for(step) if only is None or step.__name__ in only else None
            if kernel is None:
                step(s, ctx)
                continue
            s2, ctx2 = s.copy(), copy.copy(ctx)
            ctx2.scratch = copy.deepcopy(ctx.scratch)
            kernel(s2, ctx2)
            step(s, ctx)
            where = f"{scenario}/{policy} week {t} {step.__name__}"
            _compare_states(where, s, s2)
            _compare(f"{where}: scratch", ctx.scratch, ctx2.scratch)
            checked.add(step.__name__)
        s.last_attacks = ctx.scratch["attacks"]
        s.last_casualties = ctx.scratch["casualties"]
    return checked


@pytest.mark.parametrize("scenario", BUNDLED)
@pytest.mark.parametrize("policy", sorted(PRESETS))
def test_kernels_match_numpy_steps_on_every_preset(scenario: str, policy: str) -> None:
    checked = step_by_step(scenario, policy)
    assert checked, "no kernel was checked"


@pytest.mark.parametrize("scenario", BUNDLED)
@pytest.mark.parametrize("kind", ["varied", "extreme"])
def test_kernels_match_numpy_steps_with_parameters_by_run(scenario: str, kind: str) -> None:
    draw = _varied if kind == "varied" else _extreme
    step_by_step(scenario, "combined", params=draw(RUNS, 7))
    step_by_step(scenario, "strikes", params=draw(RUNS, 8))


@pytest.mark.parametrize("scenario", BUNDLED)
def test_kernels_match_numpy_steps_with_mechanisms_off(scenario: str) -> None:
    names = [m.name for m in registry()]
    rng = np.random.default_rng(11)
    for i in range(3):
        off = {n: False for n in names if rng.random() < 0.3}
        step_by_step(scenario, "combined", mechanisms=off, runs=32, weeks=40, seed=20 + i)
    for name in names:  # each one off alone, a short run
        step_by_step(scenario, "combined", mechanisms={name: False}, runs=8, weeks=26)


def test_every_step_has_a_kernel() -> None:
    missing = [step.__name__ for step in PIPELINE if kernel_for(step) is None]
    assert not missing, f"steps without a compiled kernel: {missing}"


@pytest.mark.parametrize("scenario", BUNDLED)
@pytest.mark.parametrize("policy", sorted(PRESETS))
def test_whole_runs_agree(scenario: str, policy: str) -> None:
    kw: dict[str, Any] = dict(runs=200, weeks=104, seed=5, workers=1,
                              record=["attacks", "capture", "military"])
    a = simulate(bundled_graph(scenario), policy, backend="numpy", **kw)
    b = simulate(bundled_graph(scenario), policy, backend="numba", **kw)
    pd.testing.assert_frame_equal(b.summary, a.summary, check_exact=False, rtol=1e-7,
                                  atol=1e-9)
    assert a.weekly is not None and b.weekly is not None
    for name in ("attacks", "capture", "military"):
        np.testing.assert_allclose(b.weekly[name].values, a.weekly[name].values,
                                   rtol=1e-5, atol=1e-6, err_msg=name)
    assert b.metadata["backend"] == "numba"


@pytest.mark.parametrize("scenario", BUNDLED)
@pytest.mark.parametrize("policy", ["status-quo", "strikes", "combined", "decapitation"])
def test_compiled_summary_accumulation_matches_numpy(scenario: str, policy: str) -> None:
    from armednet.sim.engine import _Recorder

    runs, weeks = 64, 104
    ens = prepare(bundled_graph(scenario), policy, runs=runs, weeks=weeks, seed=2,
                  params=_varied(runs, 3), backend="numpy")
    task = ens._task(0, runs)
    ch = _setup_chunk(task.inputs, task.schedule, task.params, task.on, task.keys)
    s = ch.state
    a = _Recorder(ch.inputs, runs, frozenset())
    b = _Recorder(ch.inputs, runs, frozenset(), compiled=True)
    for t in range(weeks):
        ctx = ch.context(t)
        for step in PIPELINE:
            step(s, ctx)
        a.week(t, s, ctx, lambda: np.zeros(0))
        b.week(t, s, ctx, lambda: np.zeros(0))
        s.last_attacks = ctx.scratch["attacks"]
        s.last_casualties = ctx.scratch["casualties"]
    for name in ("att", "att_u", "att_cf", "att_on", "att_last", "revenue", "cas", "harm",
                 "rep_harm", "spells", "cf_weeks", "first_spell", "waiting", "cap_trans",
                 "protest", "weeks_on"):
        _compare(name, getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(np.isnan(a.resumed), np.isnan(b.resumed))
    _compare("resumed", np.nan_to_num(a.resumed), np.nan_to_num(b.resumed))
    assert a.spells.sum() > 0 and np.isfinite(a.resumed).any()  # the branches were taken


def test_a_scenario_without_attackers_runs_on_both_backends(tmp_path: Path) -> None:
    # no group in the campaign: attacks on, but no slot can attack (this used to raise in
    # the NumPy step, taking the max of an empty array)
    doc = medium_document()
    for node in doc["nodes"]:
        if node["type"] == "armed_group":
            node["group"]["campaign"] = {"member": False, "sources": ["src-a"]}
    path = write_yaml(tmp_path / "quiet.yaml", doc)
    kw: dict[str, Any] = dict(runs=40, weeks=30, seed=1, workers=1)
    a = simulate(path, "combined", backend="numpy", **kw).summary
    b = simulate(path, "combined", backend="numba", **kw).summary
    assert (a["attacks"] == 0).all() and (b["attacks"] == 0).all()
    pd.testing.assert_frame_equal(b, a, check_exact=False, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("policy", ["combined", "strikes", "decapitation"])
def test_kernels_match_numpy_steps_on_a_larger_generated_network(tmp_path: Path,
                                                                  policy: str) -> None:
    # 36 groups with an umbrella, a patron, offices and channels: more attacker and
    # splinter slots than the bundled scenarios have
    kg = KnowledgeGraph.load(write_yaml(tmp_path / "medium.yaml", medium_document(30)))
    checked = step_by_step(kg, policy, params=_varied(24, 5), runs=24, weeks=60)
    assert len(checked) == len(PIPELINE)


def test_compiled_uniforms_are_the_numpy_uniforms_bit_for_bit() -> None:
    import numba

    from armednet.sim.kernels._rng import pair_at, salt, uniform_at
    from armednet.sim.rng import run_keys, uniform_pairs_at, uniforms_at

    @numba.njit
    def draw(keys: np.ndarray, week: int, stream: int, actors: np.ndarray,
             out: np.ndarray) -> None:  # as the kernels call them: inside compiled code
        sl = salt(week, stream)
        for i in range(len(keys)):
            for j in range(len(actors)):
                out[0, i, j] = uniform_at(keys[i], sl, actors[j])
                out[1, i, j], out[2, i, j] = pair_at(keys[i], sl, actors[j])

    keys = run_keys(7, np.arange(0, 5000, 7))
    actors = np.array([0, 1, 5, 23, 1000])
    out = np.empty((3, len(keys), len(actors)))
    for week, stream in ((0, 1), (17, 8), (103, 10), (500, 98)):
        draw(keys, week, stream, actors, out)
        hi, lo = uniform_pairs_at(keys, week, stream, actors)
        np.testing.assert_array_equal(out[0], uniforms_at(keys, week, stream, actors))
        np.testing.assert_array_equal(out[1], hi)
        np.testing.assert_array_equal(out[2], lo)


def test_compiled_poisson_inverts_as_the_numpy_one() -> None:
    from armednet.sim.kernels._rng import poisson1
    from armednet.sim.rng import poisson

    rng = np.random.default_rng(3)
    lam = np.concatenate([[0.0, 1e-9, 0.5, 1.0, 49.9, 50.0], rng.uniform(0, 50, 4000)])
    u = np.concatenate([[0.5, 0.999, 1 - 2**-52, 2**-53, 0.5, 0.5], rng.random(4000)])
    want = poisson(lam, u)
    got = np.array([poisson1(a, b) for a, b in zip(lam, u, strict=True)])
    # exp differs in the last bit for some rates: a count may differ only where u lies
    # within a few ulps of a CDF step, which none of these does
    np.testing.assert_array_equal(got, want)
    assert poisson1(50.5, 0.5) == -1.0  # above the threshold: the caller's numpy fallback
