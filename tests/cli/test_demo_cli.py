"""``armednet demo``: the main job, end to end, on a small design."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.cli.helpers import assert_clean_usage_error, run_cli


def _run_at(columns: int, *args: str) -> subprocess.CompletedProcess[str]:
    """``armednet ARGS`` with ``COLUMNS=columns``, output captured (not a terminal)."""
    env = {**os.environ, "COLUMNS": str(columns)}
    env.pop("LINES", None)
    return subprocess.run([sys.executable, "-m", "armednet", *args], capture_output=True,
                          text=True, env=env, timeout=300, check=False)


def test_demo_writes_report_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    # one run serves both checks: the demo's content and its one-screen summary (issue 15:
    # at most 60 lines at 100 columns, none wider; the default design prints as many lines,
    # it only takes two minutes instead of seconds)
    proc = _run_at(100, "demo", "--out", str(out), "--n", "4", "--variants", "4",
                   "--workers", "2", "--theatre-runs", "100")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) <= 60, "\n".join(lines)
    widest = max(lines, key=len)
    assert len(widest) <= 100, widest
    assert str(out / "report.html") in proc.stdout  # the summary points to the report
    # progress: a start and an end line per experiment, not one per chunk
    assert "committed" not in proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith("experiment ")]
    assert len(progress) == 4, proc.stderr
    text = " ".join(proc.stdout.split())  # titles wrap at 100 columns
    assert "Key actors" in text and "Policy comparison" in text
    assert "The essay's claims" in text and "C9" in text
    # every table says what its intervals cover
    assert "parameter ranges (21 uncertain parameters) and random draws" in text
    # sensitivity: only indices above the noise floor, and said so when there are none
    assert "only those above the noise floor" in text and "noise floor" in text
    assert "Network uncertainty under status-quo" in text
    assert "Chance of doing better than status-quo" in text
    # the default scenario's demo covers both bundled theatres (issue 16)
    assert "Both theatres" in text and "red-sea-2024 (status quo" in text
    assert "What-if (strikes in red-sea-2024)" in text
    from armednet.experiments.store import open_store
    from armednet.experiments.theatres import load_comparison

    with open_store(out / "demo.duckdb", read_only=True) as store:
        stored = load_comparison(store)
    assert stored is not None
    assert {r["scenario"] for r in stored["table"]} == {"iraq-2024", "red-sea-2024"}
    assert len(stored["whatif"]) >= 5
    report = (out / "report.html").read_text(encoding="utf-8")
    # self-contained: scripts inlined, nothing fetched from elsewhere
    assert "<script" in report
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]?https?:", report)
    for section in ("Scenario and network", "Key actors", "claims", "Appendix",
                    'id="sensitivity-table"', 'id="network-table"'):
        assert section in report, section
    again = run_cli("demo", "--out", str(out), "--n", "4", "--variants", "4",
                    "--theatre-runs", "0")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("chunks already stored") == 2  # resumed, not repeated


def test_demo_bad_options(tmp_path: Path) -> None:
    proc = run_cli("demo", "--out", str(tmp_path), "--n", "6")
    assert_clean_usage_error(proc)
    assert "power of two" in proc.stderr
    proc = run_cli("demo", "--out", str(tmp_path), "--variants", "1")
    assert_clean_usage_error(proc)
    assert "--variants" in proc.stderr
