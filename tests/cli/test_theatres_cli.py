"""``armednet compare-theatres`` end to end: both theatres in the table, the what-if, CSV
files written whole, and usage errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from tests.cli.helpers import assert_clean_usage_error, run_cli


def test_table_whatif_and_csv(tmp_path: Path) -> None:
    out = tmp_path / "theatres.csv"
    proc = run_cli("compare-theatres", "--runs", "50", "--preset", "strikes", "--csv",
                   str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "iraq-2024" in proc.stdout and "red-sea-2024" in proc.stdout
    assert "What-if on the model" in proc.stdout and "groups" in proc.stdout
    table = pd.read_csv(out)
    assert set(table["scenario"]) == {"iraq-2024", "red-sea-2024"}
    assert set(table["policy"]) == {"status-quo", "strikes"}
    whatif = pd.read_csv(tmp_path / "theatres-whatif.csv")
    assert {"property", "effect_before", "effect_after", "change"} <= set(whatif.columns)
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_json_without_whatif() -> None:
    proc = run_cli("compare-theatres", "red-sea-2024", "--runs", "20", "--preset",
                   "diplomacy", "--no-whatif", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["whatif"] is None and data["metadata"]["runs"] == 20
    rows = [r for r in data["comparison"] if r["outcome"] == "attacks"]
    assert {r["policy"] for r in rows} == {"status-quo", "diplomacy"}


def test_bad_preset_and_scenario_exit_2() -> None:
    proc = run_cli("compare-theatres", "--runs", "5", "--preset", "strikez")
    assert_clean_usage_error(proc)
    assert "strikes" in proc.stderr  # the close match is offered
    assert_clean_usage_error(run_cli("compare-theatres", "red-see-2024", "--runs", "5"))
