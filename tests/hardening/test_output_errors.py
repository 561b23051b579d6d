"""Failures to write: a clean message naming the real cause, exit 1, nothing half-written
(issue 17, item 4). Exit 2 stays for usage and input errors."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
import typer
import yaml

from armednet.cli._common import cli_errors
from armednet.errors import OutputError, io_failure
from armednet.fileio import atomic_path, ensure_folder
from tests.cli.helpers import run_cli


def _clean_runtime_error(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "Traceback" not in proc.stdout + proc.stderr


def test_report_to_a_folder(tmp_path: Path) -> None:
    proc = run_cli("report", "-o", str(tmp_path))
    _clean_runtime_error(proc)
    assert f"cannot write {tmp_path}: it is a folder" in proc.stderr


def test_export_to_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    target.write_text("keep me")
    proc = run_cli("experiment", "export", "--db", str(tmp_path / "r.duckdb"), "-o",
                   str(target))
    _clean_runtime_error(proc)
    assert f"cannot write into {target}: it is a file, not a folder" in proc.stderr
    assert target.read_text() == "keep me"


def test_kb_export_csv_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "graph.csv"
    target.write_text("keep me")
    proc = run_cli("kb", "export", "--format", "csv", "-o", str(target))
    _clean_runtime_error(proc)
    assert target.read_text() == "keep me"


def test_missing_folders_are_created_and_said(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "schema.json"
    proc = run_cli("kb", "schema", "-o", str(target))
    assert proc.returncode == 0, proc.stderr
    assert f"note: created folder {tmp_path / 'new'}\n" in proc.stderr
    assert f"note: created folder {tmp_path / 'new' / 'deeper'}\n" in proc.stderr
    assert target.is_file()


def test_a_file_in_the_way_of_a_folder(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("")
    with (pytest.raises(OutputError, match="blocker is a file, not a folder"),
          atomic_path(tmp_path / "blocker" / "x.json")):
        pass
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        ensure_folder(tmp_path / "blocker")


def test_disk_full_while_writing_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("old")
    with (pytest.raises(OutputError, match="No space left on device"),
          atomic_path(target) as tmp):
        tmp.write_text("half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


def _rollback_after_disk_full() -> None:
    """What DuckDB raises when a commit hits a full disk: the rollback in the store's
    handler fails too, and its error is the one that surfaces."""
    try:
        raise duckdb.IOException('IO Error: Could not write file "r.duckdb.wal": No space '
                                 "left on device")
    except duckdb.IOException:
        raise duckdb.TransactionException(  # noqa: B904 - chained implicitly, as DuckDB's is
            "TransactionContext Error: cannot rollback - no transaction is active")


def test_the_real_cause_is_named_not_the_failed_rollback(capsys: Any) -> None:
    with pytest.raises(duckdb.TransactionException) as info:
        _rollback_after_disk_full()
    assert io_failure(info.value) == ('IO Error: Could not write file "r.duckdb.wal": No space '
                                      "left on device (free some space and run the command "
                                      "again)")

    @cli_errors
    def command() -> None:
        _rollback_after_disk_full()

    with pytest.raises(typer.Exit) as code:
        command()
    assert code.value.exit_code == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "rollback" not in err


def test_a_bug_keeps_its_traceback() -> None:
    @cli_errors
    def command() -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        command()


SPEC = {"name": "full", "weeks": 104, "seed": 1, "replications": 16, "chunk_points": 2,
        "design": {"method": "lhs", "n": 2},
        "uncertainties": [{"name": "attack_base_rate", "low": 0.1, "high": 0.5}],
        "levers": ["status-quo"], "outcomes": [{"name": "attacks", "variable": "attacks"}],
        "record": ["attacks", "casualties", "capture"]}


class _Synthetic:
    """An evaluator that makes up each chunk's rows (the store is under test, not the
    engine)."""

    name = "synthetic"

    def __enter__(self) -> _Synthetic:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Any, tasks: Any) -> Any:
        import pandas as pd

        from armednet.experiments.store import ChunkRows

        for task in tasks:
            points = range(*task.points)
            outcomes = pd.DataFrame({"point": list(points), "policy": task.policy_name,
                                     "replication": 0, "outcome": "attacks", "value": 1.0})
            traj = pd.DataFrame({"point": list(points), "policy": task.policy_name,
                                 "replication": 0, "variable": "attacks",
                                 "values": [[1.0] * task.weeks for _ in points]})
            yield task, ChunkRows(outcomes=outcomes, trajectories=traj, seconds=0.0,
                                  worker="test")


def test_disk_full_during_experiment_run_in_process(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from armednet.experiments.runner import run_experiment
    from armednet.experiments.spec import ExperimentSpec
    from armednet.experiments.store import ResultStore, open_store

    spec = ExperimentSpec.model_validate({**SPEC, "design": {"method": "lhs", "n": 6}})
    real = ResultStore.commit_chunk
    calls: list[int] = []

    def commit(self: Any, *args: Any, **kw: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            _rollback_after_disk_full()
        real(self, *args, **kw)

    monkeypatch.setattr(ResultStore, "commit_chunk", commit)
    db = tmp_path / "r.duckdb"
    with pytest.raises(OutputError, match=r"cannot store chunk 1: .*No space left on device.*"
                       "run the same command again to resume"):
        run_experiment(spec, db, evaluator=_Synthetic())
    with open_store(db, read_only=True) as store:
        assert store.done_chunks(store.meta()["experiment_id"]) == {0}
    monkeypatch.setattr(ResultStore, "commit_chunk", real)
    eid = run_experiment(spec, db, evaluator=_Synthetic())
    with open_store(db, read_only=True) as store:
        assert store.done_chunks(eid) == {0, 1, 2}
        assert len(store.outcomes(eid)) == 6


def _can_mount_tmpfs() -> bool:
    if os.environ.get("ARMEDNET_DISK_FULL_TEST") != "1":
        return False  # two real experiment runs: opt in (about 10 s)
    if sys.platform != "linux" or os.geteuid() != 0 or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs "
                            "/mnt"], capture_output=True, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="opt in with ARMEDNET_DISK_FULL_TEST=1; "
                    "needs root and unshare to mount a small private tmpfs")
def test_disk_full_during_experiment_run_for_real(tmp_path: Path) -> None:
    """The issue's reproducer: a real full disk (a 60 KB tmpfs in a private mount
    namespace); then more room, and the same command resumes."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump(SPEC))
    disk = tmp_path / "disk"
    disk.mkdir()
    run = (f"{sys.executable} -m armednet experiment run {spec} --db {disk}/r.duckdb "
           "--evaluator sequential")
    script = (f"mount -t tmpfs -o size=60k tmpfs {disk} && {run}; echo rc=$?; "
              f"mount -o remount,size=8m {disk} && {run}; echo rc=$?")
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True,
                          text=True, timeout=300, check=False, cwd=Path.cwd())
    assert proc.stdout.count("rc=") == 2, proc.stderr
    assert "rc=1" in proc.stdout.split("done:")[0], proc.stdout + proc.stderr
    assert "No space left on device" in proc.stderr
    assert "rollback" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stdout.strip().endswith("rc=0"), proc.stdout + proc.stderr
