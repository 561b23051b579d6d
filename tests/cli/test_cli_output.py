"""The command line fits the terminal and stays quiet when asked (issue 15).

Tables fit ``COLUMNS``; ``--quiet`` prints no progress; help shows flags as flags and every
policy preset; commands that read a database refuse a missing one (exit 2) without
creating it. The demo's one-screen summary is checked in ``test_demo_cli.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(*args: str, columns: int = 100, cwd: Path | None = None
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("LINES", None)
    return subprocess.run([sys.executable, "-m", "armednet", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300, check=False)


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The example experiment, run once with ``--quiet``: (database, stderr)."""
    db = tmp_path_factory.mktemp("cli-output") / "results.duckdb"
    proc = _run("--quiet", "experiment", "run", str(EXAMPLES / "small-experiment.yaml"),
                "--db", str(db), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "done: experiment" in proc.stdout  # the result still goes to stdout
    return db, proc.stderr


def test_quiet_prints_no_progress(small_db: tuple[Path, str]) -> None:
    _, stderr = small_db
    assert stderr == ""


def test_progress_without_a_terminal_is_a_few_lines(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    proc = _run("experiment", "run", str(EXAMPLES / "small-experiment.yaml"), "--db",
                str(db), "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "committed" not in proc.stderr
    assert 1 <= len(proc.stderr.splitlines()) <= 3, proc.stderr
    again = _run("--verbose", "experiment", "run", str(EXAMPLES / "small-experiment.yaml"),
                 "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "chunks already stored" in again.stderr


def test_quiet_and_verbose_together_is_a_usage_error() -> None:
    proc = _run("--quiet", "--verbose", "kb", "list")
    assert proc.returncode == 2
    assert "not both" in proc.stderr


def test_experiment_tables_fit_the_terminal(small_db: tuple[Path, str]) -> None:
    db, _ = small_db
    listed = _run("experiment", "list", "--db", str(db), "--json")
    assert listed.returncode == 0, listed.stderr
    import json

    eid = json.loads(listed.stdout)[0]["experiment_id"]
    for columns in (100, 70):
        proc = _run("experiment", "list", "--db", str(db), columns=columns)
        assert proc.returncode == 0, proc.stderr
        assert eid in proc.stdout  # the id --experiment takes is never cut
        assert max(len(line) for line in proc.stdout.splitlines()) <= columns
    proc = _run("experiment", "analyze", "--db", str(db), columns=100)
    assert proc.returncode == 0, proc.stderr
    assert max(len(line) for line in proc.stdout.splitlines()) <= 100
    assert "…" not in proc.stdout  # nothing cut off: cells wrap between words


def test_help_shows_flags_and_every_preset() -> None:
    from armednet.sim.policy import PRESETS

    proc = _run("simulate", "--help", columns=250)
    assert proc.returncode == 0, proc.stderr
    assert "<bool>" not in proc.stdout
    json_line = next(line for line in proc.stdout.splitlines() if "--json" in line)
    assert "Print JSON" in json_line
    text = " ".join(proc.stdout.split())
    for name in PRESETS:
        assert name in text, name
    root = _run("--help")
    assert "--quiet" in root.stdout and "--verbose" in root.stdout
    assert "<bool>" not in root.stdout


@pytest.mark.parametrize("args", [
    ("experiment", "list"),
    ("experiment", "status"),
    ("experiment", "analyze"),
    ("experiment", "export", "-o", "exported"),
    ("report", "-o", "report.html"),
    ("serve", "--port", "8799"),
])
def test_read_commands_refuse_a_missing_database(tmp_path: Path, args: tuple[str, ...]
                                                 ) -> None:
    proc = _run(*args, "--db", "missing.duckdb", cwd=tmp_path)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "missing.duckdb: no such results database" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created: no database, no output
