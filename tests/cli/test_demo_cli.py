"""``armednet demo``: the main job, end to end, on a small design."""

from __future__ import annotations

import re
from pathlib import Path

from tests.cli.helpers import assert_clean_usage_error, run_cli


def test_demo_writes_report_and_resumes(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("demo", "--out", str(out), "--n", "4", "--variants", "4", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "Key actors" in text and "Policy comparison" in text
    assert "The essay's claims" in text and "C9" in text
    # every table says what its intervals cover
    assert "parameter ranges (21 uncertain parameters) and random draws" in text
    # sensitivity: only indices above the noise floor, and said so when there are none
    assert "only those above the noise floor" in text and "noise floor" in text
    assert "Network uncertainty under status-quo" in text
    report = (out / "report.html").read_text(encoding="utf-8")
    # self-contained: scripts inlined, nothing fetched from elsewhere
    assert "<script" in report
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=['\"]?https?:", report)
    for section in ("Scenario and network", "Key actors", "claims", "Appendix",
                    'id="sensitivity-table"', 'id="network-table"'):
        assert section in report, section
    again = run_cli("demo", "--out", str(out), "--n", "4", "--variants", "4")
    assert again.returncode == 0, again.stderr
    assert again.stderr.count("chunks already stored") == 2  # resumed, not repeated


def test_demo_bad_options(tmp_path: Path) -> None:
    proc = run_cli("demo", "--out", str(tmp_path), "--n", "6")
    assert_clean_usage_error(proc)
    assert "power of two" in proc.stderr
    proc = run_cli("demo", "--out", str(tmp_path), "--variants", "1")
    assert_clean_usage_error(proc)
    assert "--variants" in proc.stderr
