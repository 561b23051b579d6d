"""Running experiments end to end: the same results whatever the evaluator, the number of
workers or the chunk size; resumable after ``kill -9``; a lost Dask worker is retried;
Sobol indices are labelled right; bad input gives a clear error and loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from armednet.errors import InputError
from armednet.experiments.analyze import analyze_experiment
from armednet.experiments.evaluators import DaskEvaluator, SequentialEvaluator
from armednet.experiments.runner import plan_experiment, run_experiment
from armednet.experiments.spec import ExperimentSpec
from armednet.experiments.store import open_store
from tests.cli.helpers import assert_clean_usage_error, run_cli

SPEC = {
    "name": "small", "weeks": 30, "seed": 5, "replications": 2,
    "design": {"method": "lhs", "n": 12},
    "uncertainties": [{"name": "attack_base_rate", "low": 0.1, "high": 0.5},
                      {"name": "rent_rate", "dist": "loguniform", "low": 0.005, "high": 0.1}],
    "levers": ["status-quo", "strikes"],
    "outcomes": [{"name": "attacks", "variable": "attacks"},
                 {"name": "late", "variable": "attacks", "window": [20, 30]},
                 {"name": "capture", "variable": "capture_final", "aggregation": "summary"}],
    "record": ["attacks"],
}


def small(**kw: object) -> ExperimentSpec:
    return ExperimentSpec.model_validate({**SPEC, **kw})


def stored(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with open_store(db, read_only=True) as s:
        eid = s.meta()["experiment_id"]
        out = s.outcomes(eid, wide=False).sort_values(
            ["policy", "point", "replication", "outcome"]).reset_index(drop=True)
        traj = s.trajectories(eid).reset_index(drop=True)
    return out, traj


def test_results_do_not_depend_on_evaluator_workers_or_chunks(tmp_path: Path) -> None:
    run_experiment(small(), tmp_path / "seq.duckdb", evaluator="sequential")
    run_experiment(small(chunk_points=5), tmp_path / "local.duckdb", evaluator="local",
                   workers=2)
    run_experiment(small(chunk_points=3), tmp_path / "dask.duckdb", evaluator="dask",
                   workers=2)
    ref_out, ref_traj = stored(tmp_path / "seq.duckdb")
    assert len(ref_out) == 12 * 2 * 2 * 3
    for name in ("local", "dask"):
        out, traj = stored(tmp_path / f"{name}.duckdb")
        pd.testing.assert_frame_equal(out, ref_out, check_exact=True)
        assert [list(v) for v in traj["values"]] == [list(v) for v in ref_traj["values"]]


def test_rerun_of_a_complete_experiment_adds_nothing(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    eid = run_experiment(small(), db, evaluator="sequential")
    assert run_experiment(small(), db, evaluator="sequential") == eid
    out, _ = stored(db)
    assert not out.duplicated(["policy", "point", "replication", "outcome"]).any()
    assert len(out) == 12 * 2 * 2 * 3


def test_kill_9_then_resume_completes_only_missing_chunks(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump({**SPEC, "weeks": 104, "chunk_points": 1,
                                         "design": {"method": "lhs", "n": 40}}))
    db = tmp_path / "r.duckdb"
    # --verbose: a line per committed chunk (the test counts them)
    cmd = [sys.executable, "-m", "armednet", "--verbose", "experiment", "run", str(spec_file),
           "--db", str(db), "--evaluator", "sequential"]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            text=True, start_new_session=True)
    committed = 0
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while committed < 5 and time.monotonic() < deadline:
        line = proc.stderr.readline()
        committed += line.startswith("debug: chunk ")
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9, mid-run
    proc.wait()
    assert committed >= 5
    with open_store(db, read_only=True) as s:
        eid = s.meta()["experiment_id"]
        done_before = s.done_chunks(eid)
        n_chunks = int(s.meta()["n_chunks"])
    assert 5 <= len(done_before) < n_chunks
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert again.returncode == 0, again.stderr
    assert f"{len(done_before)} chunks already stored" in again.stderr
    out, _ = stored(db)
    assert len(out) == 40 * 2 * 2 * 3
    assert not out.duplicated(["policy", "point", "replication", "outcome"]).any()
    run_experiment(ExperimentSpec.model_validate(yaml.safe_load(spec_file.read_text())),
                   tmp_path / "clean.duckdb", evaluator="sequential")
    clean, _ = stored(tmp_path / "clean.duckdb")
    pd.testing.assert_frame_equal(out, clean, check_exact=True)


def test_a_lost_dask_worker_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> None:
    from tests.experiments.crashy import crash_once

    marker = tmp_path / "crashed"
    monkeypatch.setenv("ARMEDNET_CRASH_MARKER", str(marker))
    plan = plan_experiment(small(chunk_points=4))
    with DaskEvaluator(workers=2) as ev:
        got = {t.chunk: rows for t, rows in ev.imap_unordered(crash_once, plan.tasks)}
    assert marker.exists()  # a worker did die
    with SequentialEvaluator() as ev:
        from armednet.experiments.evaluate import evaluate_chunk

        ref = {t.chunk: rows for t, rows in ev.imap_unordered(evaluate_chunk, plan.tasks)}
    assert sorted(got) == sorted(ref) == [t.chunk for t in plan.tasks]
    for chunk, rows in ref.items():
        pd.testing.assert_frame_equal(got[chunk].outcomes, rows.outcomes, check_exact=True)


def test_sobol_indices_follow_the_spec_order(tmp_path: Path) -> None:
    # backing_final under the status quo depends on backing_loss only; listing it second
    # (it sorts first by name) catches indices labelled by column position.
    spec = ExperimentSpec.model_validate({
        "name": "sobol-order", "weeks": 40, "seed": 1, "design": {"method": "sobol", "n": 64},
        "uncertainties": [{"name": "trigger_sensitivity", "low": 0, "high": 30},
                          {"name": "backing_loss", "low": 0, "high": 0.2}],
        "levers": ["status-quo"],
        "outcomes": [{"name": "backing", "variable": "backing_final",
                      "aggregation": "summary"}],
        "mechanisms": {"strikes": True}})
    db = tmp_path / "s.duckdb"
    eid = run_experiment(spec, db, evaluator="sequential")
    with open_store(db) as s:
        res = analyze_experiment(s, eid)
    rows = {r["parameter"]: r for r in res["sobol"]["outcomes"]["backing"]["indices"]}
    assert rows["backing_loss"]["ST"] > 0.8
    assert rows["trigger_sensitivity"]["ST"] < 0.1


def test_changed_spec_of_an_unfinished_experiment_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    plan = plan_experiment(small())
    with open_store(db) as s:  # an experiment that stopped after registering
        from armednet.experiments.runner import _design_long, _metadata

        s.register(_metadata(plan), _design_long(plan.design))
    with pytest.raises(InputError, match="fields changed: design"):
        run_experiment(small(design={"method": "lhs", "n": 13}), db, evaluator="sequential")
    with open_store(db, read_only=True) as s:
        assert len(s.experiments()) == 1  # nothing new registered, nothing lost


def test_cli_bad_input(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(SPEC))
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevers: [status-quo]\noutcomes:\n  - {name: a, variable: atacks}\n")
    proc = run_cli("experiment", "run", str(bad), "--db", str(tmp_path / "x.duckdb"))
    assert_clean_usage_error(proc)
    assert "did you mean attacks" in proc.stderr
    corrupt = tmp_path / "corrupt.duckdb"
    corrupt.write_bytes(b"this is not a database" * 100)
    proc = run_cli("experiment", "run", str(spec_file), "--db", str(corrupt))
    assert_clean_usage_error(proc)
    assert str(corrupt) in proc.stderr
    assert corrupt.read_bytes() == b"this is not a database" * 100  # untouched
    proc = run_cli("experiment", "run", str(spec_file), "--db", str(tmp_path / "y.duckdb"),
                   "--evaluator", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert_clean_usage_error(proc)
    assert "scheduler" in proc.stderr
    locked = tmp_path / "locked.duckdb"
    holder = duckdb.connect(str(locked))  # another process would hold the same lock
    holder.execute("CREATE TABLE t (x INTEGER)")
    try:
        proc = run_cli("experiment", "run", str(spec_file), "--db", str(locked))
        assert_clean_usage_error(proc)
        assert "lock" in proc.stderr.lower() or "cannot open" in proc.stderr
    finally:
        holder.close()


def test_cli_run_status_analyze(tmp_path: Path) -> None:
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(yaml.safe_dump(SPEC))
    db = tmp_path / "r.duckdb"
    proc = run_cli("experiment", "run", str(spec_file), "--db", str(db), "--evaluator",
                   "sequential", "--json")
    assert proc.returncode == 0, proc.stderr
    import json

    status = json.loads(run_cli("experiment", "status", "--db", str(db), "--json").stdout)
    assert status["complete"] and status["chunks_done"] == status["chunks_total"]
    analysis = json.loads(run_cli("experiment", "analyze", "--db", str(db), "--json").stdout)
    rows = {(r["policy"], r["outcome"]) for r in analysis["comparison"]}
    assert ("strikes", "attacks") in rows
    assert analysis["versus"][0]["versus"] == "status-quo"
    listing = run_cli("experiment", "list", "--db", str(db))
    assert "small" in listing.stdout


def test_levers_with_nothing_to_act_on_are_stored_and_independent_worlds_counted(
        tmp_path: Path) -> None:
    from armednet.experiments.runner import _design_long, _metadata
    from armednet.kb import KnowledgeGraph
    from armednet.sim.init import TRIGGER_SERIES

    kg = KnowledgeGraph.load()
    calm = KnowledgeGraph(kg.scenario.model_copy(update={
        "series": [s for s in kg.scenario.series if s.id not in TRIGGER_SERIES],
        "scenario": kg.scenario.scenario.model_copy(update={"trigger_series": None})}))
    plan = plan_experiment(small(levers=["status-quo", "diplomacy"]), kg=calm)
    assert list(plan.warnings) == ["diplomacy"]
    assert "diplomacy lever" in plan.warnings["diplomacy"][0]
    db = tmp_path / "w.duckdb"
    with open_store(db) as s:
        s.register(_metadata(plan), _design_long(plan.design))
        assert s.meta()["warnings"] == plan.warnings
    # a Saltelli design with replications: only the A and B rows of replication 0 are
    # independent worlds for an interval
    spec = small(design={"method": "sobol", "n": 4}, chunk_points=None)
    eid = run_experiment(spec, tmp_path / "s.duckdb", evaluator="sequential")
    with open_store(tmp_path / "s.duckdb") as s:
        res = analyze_experiment(s, eid)
    v = res["versus"][0]
    n_points = 4 * (2 + 1 + 2)  # base 4, blocks of A, 2 uncertainties, the dummy, B
    assert v["n"] == n_points * 2 and v["n_independent"] == 4 * 2
    assert res["uncertainty"]["kind"] == "prior" and res["warnings"] == {}
