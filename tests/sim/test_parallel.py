"""Chunks in worker processes: bit-identical to one process, ordered, bounded, reusable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from armednet.kb import KnowledgeGraph
from armednet.sim import engine
from armednet.sim.engine import MIN_PARALLEL_RUNS, plan_workers, prepare, simulate
from armednet.sim.output import write_parquet
from tests.sim.bundled import bundled_graph

# small chunks force several chunks (and so the workers) on small ensembles
SMALL: dict[str, Any] = {"runs": 150, "weeks": 16, "seed": 7, "chunk_size": 40}


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    """The default bundled scenario (the properties below are not scenario-specific)."""
    return bundled_graph("iraq-2024")


@pytest.mark.parametrize("policy", ["status-quo", "strikes", "combined"])
def test_two_workers_bit_identical(bundled_scenario: KnowledgeGraph, policy: str) -> None:
    one = simulate(bundled_scenario, policy, record="weekly", workers=1, **SMALL)
    two = simulate(bundled_scenario, policy, record="weekly", workers=2, **SMALL)
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)
    assert one.weekly is not None and two.weekly is not None
    assert set(one.weekly.data_vars) == set(two.weekly.data_vars)
    for name in one.weekly.data_vars:
        a, b = one.weekly[name].to_numpy(), two.weekly[name].to_numpy()
        assert a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True), name


def test_workers_keep_run_order_offset_and_streams(bundled_scenario: KnowledgeGraph) -> None:
    streams = np.arange(SMALL["runs"]) % 5
    kw = {**SMALL, "run_offset": 1000, "streams": streams, "params": {
        "attack_base_rate": np.linspace(0.1, 0.9, SMALL["runs"])}}
    one = simulate(bundled_scenario, workers=1, **kw)
    two = simulate(bundled_scenario, workers=2, **kw)
    assert two.summary["run"].tolist() == list(range(1000, 1000 + SMALL["runs"]))
    pd.testing.assert_frame_equal(one.summary, two.summary, check_exact=True)


def test_progress_reaches_the_total_with_workers(kg: KnowledgeGraph) -> None:
    seen: list[tuple[float, float]] = []
    simulate(kg, workers=2, progress=lambda d, t: seen.append((d, t)), **SMALL)
    assert len(seen) == len(plan_workers(SMALL["runs"], SMALL["chunk_size"], 2)[1]) - 1
    assert seen[-1][0] == seen[-1][1] == SMALL["runs"] * SMALL["weeks"]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_stopping_early_leaves_the_pool_usable(kg: KnowledgeGraph) -> None:
    ens = prepare(kg, **{k: v for k, v in SMALL.items()})
    first = next(iter(ens.chunks(workers=2)))
    assert first.summary["run"].iloc[0] == 0
    again = simulate(kg, workers=2, **SMALL)  # the same shared pool, after a cancel
    pd.testing.assert_frame_equal(again.summary, simulate(kg, **SMALL).summary)


def test_streamed_files_identical_with_workers(kg: KnowledgeGraph, tmp_path: Path) -> None:
    paths = {}
    for w in (1, 2):
        ens = prepare(kg, "strikes", record=["attacks", "military"], **SMALL)
        paths[w] = (tmp_path / f"s{w}.parquet", tmp_path / f"w{w}.parquet")
        write_parquet(ens, *paths[w], workers=w)
    for a, b in zip(paths[1], paths[2], strict=True):
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b),
                                      check_exact=True)


@pytest.mark.parametrize(("runs", "chunk", "workers", "used", "chunks"), [
    (1000, 4096, 2, 1, 1),  # one chunk: in this process
    (1000, 4096, None, 1, 1),  # default: this process
    (2 * MIN_PARALLEL_RUNS, 4096, 2, 2, 2),  # split for the workers
    (10_000, 4096, 2, 2, 4),  # 3 chunks rounded up to a multiple of 2
    (10_000, 4096, 1, 1, 3),
    (100_000, 4096, 3, 3, 27),
    (150, 40, 8, 4, 4),  # capped by the number of chunks
])
def test_plan_workers(runs: int, chunk: int, workers: int | None, used: int,
                      chunks: int) -> None:
    n, bounds = plan_workers(runs, chunk, workers)
    assert (n, len(bounds) - 1) == (used, chunks)
    assert bounds[0] == 0 and bounds[-1] == runs
    sizes = np.diff(bounds)
    assert sizes.max() <= max(chunk, -(-runs // chunks)) and sizes.max() - sizes.min() <= 1


def test_all_cpus_when_workers_is_zero(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    assert plan_workers(100_000, 4096, 0)[0] == 2


def test_shutdown_then_restart(kg: KnowledgeGraph) -> None:
    simulate(kg, workers=2, **SMALL)
    engine.shutdown_workers()
    assert not engine._POOL
    res = simulate(kg, workers=3, **SMALL)
    assert len(res.summary) == SMALL["runs"]
    pool = engine._POOL[0]
    simulate(kg, workers=2, **SMALL)
    # this process computes chunks too: 3 processes are a pool of 2, which then serves
    # 2 processes (a pool of 1) as it is
    assert len(engine._POOL) == 1 and engine._POOL[0] is pool and pool.workers == 2


def test_calibration_batches_on_workers_identical(kg: KnowledgeGraph,
                                                  shared_data: Path) -> None:
    from armednet.events.intervals import load_intervals
    from armednet.validation.calibration import calibrate

    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    # 420 particles x 5 replicates: batches of 2,100 runs, two chunks, so two processes
    kw: dict[str, Any] = {"particles": 420, "generations": 1, "seed": 1,
                          "predictive_runs": 40, "resimulate": 20}
    one = calibrate(kg, data, **kw)
    two = calibrate(kg, data, workers=2, **kw)
    pd.testing.assert_frame_equal(one.posterior, two.posterior, check_exact=True)
    assert one.record["patterns"] == two.record["patterns"]
