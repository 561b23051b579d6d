"""The DuckDB results store: atomic chunk commits, no duplicates, Parquet export."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from armednet.errors import InputError
from armednet.experiments.store import ChunkRows, open_store


def _meta(eid: str = "e1") -> dict[str, object]:
    return {"experiment_id": eid, "name": "t", "spec": "{}", "scenario_hash": "h",
            "package_version": "0", "seed": 1, "n_points": 2, "n_policies": 1,
            "replications": 1, "weeks": 4, "n_chunks": 2, "created": dt.datetime.now()}


def _rows(points: list[int]) -> ChunkRows:
    out = pd.DataFrame({"point": points, "policy": "p", "replication": 0,
                        "outcome": "attacks", "value": [float(p) for p in points]})
    traj = pd.DataFrame({"point": points, "policy": "p", "replication": 0,
                         "variable": "attacks", "values": [[1.0, 2.0]] * len(points)})
    return ChunkRows(out, traj, 0.1, "w")


def test_register_commit_read(tmp_path) -> None:
    db = tmp_path / "r.duckdb"
    design = pd.DataFrame({"point": [0, 1], "name": "a", "unit": [0.2, 0.8],
                           "value": [2.0, 8.0]})
    with open_store(db) as s:
        assert s.register(_meta(), design)
        assert not s.register(_meta(), design)
        s.commit_chunk("e1", 0, "p", (0, 1), _rows([0]))
        assert s.done_chunks("e1") == {0}
    with open_store(db, read_only=True) as s:
        assert s.design("e1")["a"].tolist() == [2.0, 8.0]
        assert s.outcomes("e1")["attacks"].tolist() == [0.0]
        assert s.trajectories("e1")["values"].iloc[0].tolist() == [1.0, 2.0]
        assert s.experiments()["chunks_done"].tolist() == [1]


def test_duplicate_chunk_is_rejected_and_rolled_back(tmp_path) -> None:
    db = tmp_path / "r.duckdb"
    with open_store(db) as s:
        s.register(_meta(), pd.DataFrame(columns=["point", "name", "unit", "value"]))
        s.commit_chunk("e1", 0, "p", (0, 1), _rows([0]))
        with pytest.raises(duckdb.ConstraintException):
            s.commit_chunk("e1", 0, "p", (0, 1), _rows([0]))
        assert len(s.outcomes("e1", wide=False)) == 1
        assert len(s.trajectories("e1")) == 1


def test_export_parquet_and_analyses(tmp_path) -> None:
    db = tmp_path / "r.duckdb"
    with open_store(db) as s:
        s.register(_meta(), pd.DataFrame(columns=["point", "name", "unit", "value"]))
        s.commit_chunk("e1", 0, "p", (0, 2), _rows([0, 1]))
        s.save_analysis("e1", "claims", {"C1": 0.5})
        assert s.analysis("e1", "claims") == {"C1": 0.5}
        files = s.export_parquet("e1", tmp_path / "pq")
    assert {f.name for f in files} >= {"outcomes.parquet", "experiments.parquet"}
    assert pq.read_table(tmp_path / "pq" / "outcomes.parquet").num_rows == 2
    assert not list((tmp_path / "pq").glob("*.tmp"))


def test_unknown_experiment_and_missing_db(tmp_path) -> None:
    with pytest.raises(InputError, match="no such results database"), \
            open_store(tmp_path / "missing.duckdb", read_only=True):
        pass
    db = tmp_path / "r.duckdb"
    with open_store(db) as s:
        s.register(_meta("presets-abc"), pd.DataFrame(columns=["point", "name", "unit",
                                                               "value"]))
        with pytest.raises(InputError, match="did you mean presets-abc"):
            s.meta("presets-abd")
    (tmp_path / "junk.duckdb").write_text("not a database")
    with pytest.raises(InputError, match=r"junk\.duckdb"), \
            open_store(tmp_path / "junk.duckdb", read_only=True):
        pass
