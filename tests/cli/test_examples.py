"""The files in examples/ are the README tour's: each runs as the tour says."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import run_cli

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_small_scenario_validates_and_simulates() -> None:
    scenario = str(EXAMPLES / "small-scenario.yaml")
    proc = run_cli("kb", "validate", scenario, "--strict")
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("simulate", scenario, "--policy", "strikes", "--runs", "20", "--weeks",
                   "30")
    assert proc.returncode == 0, proc.stderr
    assert "small-example under strikes" in " ".join(proc.stdout.split())


def test_the_policy_file_and_the_experiment_spec_run(tmp_path: Path) -> None:
    proc = run_cli("simulate", "--policy", str(EXAMPLES / "reform-and-truce.yaml"),
                   "--runs", "20", "--weeks", "40")
    assert proc.returncode == 0, proc.stderr
    assert "reform-and-truce" in proc.stdout
    db = tmp_path / "results.duckdb"
    proc = run_cli("experiment", "run", str(EXAMPLES / "small-experiment.yaml"), "--db",
                   str(db))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("experiment", "analyze", "--db", str(db))
    assert proc.returncode == 0, proc.stderr
