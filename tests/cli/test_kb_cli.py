"""End-to-end tests of ``armednet kb``."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.factories import tiny_document, write_yaml


def test_validate_ok(tiny_path: Path) -> None:
    proc = run_cli("kb", "validate", str(tiny_path))
    assert proc.returncode == 0, proc.stderr
    assert "tiny: valid (7 nodes, 6 ties, 2 sources)" in proc.stdout


def test_validate_reports_every_problem_with_file_and_line(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][5]["type"] = "country"
    doc["ties"][1]["to"] = "nobody"
    path = write_yaml(tmp_path / "bad.yaml", doc)
    proc = run_cli("kb", "validate", str(path))
    assert_clean_usage_error(proc)
    lines = proc.stderr.strip().splitlines()
    assert lines[-1] == "error: 2 problem(s) found"
    assert all(line.startswith(f"{path}:") for line in lines[:-1])
    assert "nodes[5].type" in lines[0] and "ties[1].to: unknown node 'nobody'" in lines[1]


def test_missing_path_is_usage_error() -> None:
    assert_clean_usage_error(run_cli("kb", "show", "no/such/scenario"))


def test_show_json(tiny_path: Path) -> None:
    proc = run_cli("kb", "show", str(tiny_path), "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["nodes"] == 7 and data["sourced_share"] == 1.0


def test_show_at_bad_date(tiny_path: Path) -> None:
    proc = run_cli("kb", "show", str(tiny_path), "--at", "2024-31-01")
    assert_clean_usage_error(proc)
    assert "--at" in proc.stderr


def test_export_formats(tiny_path: Path, tmp_path: Path) -> None:
    for fmt in ("json", "graphml", "gexf"):
        out = tmp_path / f"g.{fmt}"
        proc = run_cli("kb", "export", str(tiny_path), "--format", fmt, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert out.stat().st_size > 0
    proc = run_cli("kb", "export", str(tiny_path), "--format", "csv", "-o", str(tmp_path / "c"))
    assert proc.returncode == 0 and (tmp_path / "c" / "ties.csv").exists()
    bad = run_cli("kb", "export", str(tiny_path), "--format", "pdf", "-o", str(tmp_path / "x"))
    assert_clean_usage_error(bad)
    assert not (tmp_path / "x").exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_schema_is_json_schema() -> None:
    proc = run_cli("kb", "schema")
    assert proc.returncode == 0, proc.stderr
    schema = json.loads(proc.stdout)
    assert set(schema["properties"]) == {"scenario", "sources", "nodes", "ties", "series",
                                         "events"}
    assert "Node" in schema["$defs"] and "from" in schema["$defs"]["Tie"]["properties"]


def test_version_and_unknown_command() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.startswith("armednet ")
    assert_clean_usage_error(run_cli("frobnicate"))
