"""Streamed Parquet outputs: written chunk by chunk, atomically, summarised from the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from armednet.kb import KnowledgeGraph
from armednet.sim import output
from armednet.sim.engine import prepare
from armednet.sim.output import (
    read_metadata,
    stream_parquet,
    summary_table,
    summary_table_parquet,
    write_parquet,
)
from tests.sim.bundled import bundled_graph


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return bundled_graph("iraq-2024")


def test_table_from_the_file_equals_the_table_in_memory(kg: KnowledgeGraph,
                                                        tmp_path: Path) -> None:
    ens = prepare(kg, "strikes", runs=90, weeks=20, seed=2, chunk_size=25)
    summary = write_parquet(ens, tmp_path / "s.parquet")
    streamed = summary_table_parquet(tmp_path / "s.parquet")
    pd.testing.assert_frame_equal(streamed, summary_table(summary), check_exact=True)
    # and the same figures as pandas' own quantiles (linear interpolation, NaN left out)
    q = summary.drop(columns="run").astype(float).quantile([0.05, 0.5, 0.95])
    np.testing.assert_allclose(streamed["median"], q.loc[0.5], rtol=1e-12)
    np.testing.assert_allclose(streamed["low"], q.loc[0.05], rtol=1e-12)
    assert (streamed["n"] == summary.drop(columns="run").notna().sum()).all()


def test_summary_table_of_an_undefined_outcome() -> None:
    df = pd.DataFrame({"run": [0, 1], "a": [np.nan, np.nan], "b": [1.0, 3.0]})
    table = summary_table(df)
    assert table.loc["a", "n"] == 0 and table["median"].isna()["a"]
    assert table.loc["b", "median"] == 2.0


def test_row_groups_gathered_up_to_the_limit(kg: KnowledgeGraph, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "ROW_GROUP_ROWS", 50)
    ens = prepare(kg, runs=120, weeks=6, seed=1, chunk_size=20)
    kept: list[pd.DataFrame] = []
    assert stream_parquet(ens, tmp_path / "s.parquet", keep=kept.append) == 120
    meta = pq.ParquetFile(tmp_path / "s.parquet").metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [60, 60]
    assert [len(k) for k in kept] == [20] * 6
    assert read_metadata(tmp_path / "s.parquet")["runs"] == 120


def test_written_as_chunks_arrive_to_a_temporary_file(kg: KnowledgeGraph,
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output, "ROW_GROUP_ROWS", 1)  # each chunk flushed as it comes
    target = tmp_path / "s.parquet"
    ens = prepare(kg, runs=60, weeks=4, seed=1, chunk_size=20)
    sizes: list[int] = []

    def progress(done: float, total: float) -> None:
        assert not target.exists()  # renamed only when complete
        (tmp,) = tmp_path.glob(".s.parquet.*.tmp")
        sizes.append(tmp.stat().st_size)

    stream_parquet(ens, target, progress=progress)
    assert target.exists() and not list(tmp_path.glob("*.tmp"))
    assert sizes[-1] > sizes[0]  # rows reached the file while the runs advanced


@pytest.mark.parametrize("workers", [1, 2])
def test_failure_midway_leaves_the_old_file(kg: KnowledgeGraph, tmp_path: Path,
                                            workers: int) -> None:
    target, weekly = tmp_path / "s.parquet", tmp_path / "w.parquet"
    target.write_bytes(b"old")
    ens = prepare(kg, runs=80, weeks=4, seed=1, chunk_size=20, record=["attacks"])
    calls = [0]

    def boom(done: float, total: float) -> None:
        calls[0] += 1
        if done > total / 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        stream_parquet(ens, target, weekly, progress=boom, workers=workers)
    assert target.read_bytes() == b"old" and not weekly.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.parquet"]


def test_large_ensembles_keep_one_value_per_parameter(kg: KnowledgeGraph) -> None:
    runs = 100_000
    rate = np.full(runs, 0.3)
    rate[-1] = 0.7
    ens = prepare(kg, runs=runs, weeks=3, seed=5, params={"attack_base_rate": rate,
                                                          "rent_rate": 0.05})
    assert ens.params["attack_base_rate"].shape == (runs, 1)
    assert ens.params["rent_rate"].shape == (1, 1)  # not 800 kB per parameter
    last = next(iter(prepare(kg, runs=1, weeks=3, seed=5, run_offset=runs - 1, params={
        "attack_base_rate": 0.7, "rent_rate": 0.05}).chunks()))
    *_, chunk = ens.chunks()  # the last chunk holds the last run
    pd.testing.assert_frame_equal(chunk.summary.iloc[[-1]].reset_index(drop=True),
                                  last.summary, check_exact=True)


def test_large_parameter_arrays_are_still_checked(kg: KnowledgeGraph) -> None:
    from armednet.errors import InputError

    rate = np.full(50_000, 0.3)
    rate[-1] = np.nan
    with pytest.raises(InputError, match="attack_base_rate: values must be finite"):
        prepare(kg, runs=50_000, weeks=3, params={"attack_base_rate": rate})
    with pytest.raises(InputError, match="unknown model parameter"):
        prepare(kg, runs=50_000, weeks=3, params={"atack_base_rate": rate})
