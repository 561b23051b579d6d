"""``armednet analyze``: report, what-if, resilience, JSON, and clean usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import assert_clean_usage_error, run_cli


def _json(*args: str) -> dict:
    proc = run_cli("analyze", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_report_table(tiny_path: Path) -> None:
    proc = run_cli("analyze", str(tiny_path), "--top", "3")
    assert proc.returncode == 0, proc.stderr
    assert "Key actors of tiny" in proc.stdout
    assert "group-a" in proc.stdout


def test_report_json_at_date_and_layer(tiny_path: Path) -> None:
    data = _json(str(tiny_path), "--at", "2024-03-01", "--top", "2")
    assert data["at"] == "2024-03-01"
    nodes = {r["node"] for r in data["report"]}
    assert "leader-a" not in nodes  # ended 2024-02-07
    top_in = [r for r in data["report"] if r["measure"] == "degree_in" and r["scope"] == "all"]
    assert top_in[0]["node"] == "group-a"
    mil = _json(str(tiny_path), "--layer", "military")
    assert {r["layer"] for r in mil["report"]} <= {"military", "state", "economic"}


def test_what_if_json(tiny_path: Path) -> None:
    data = _json(str(tiny_path), "--remove", "leader-a")
    assert data["removed"] == ["leader-a"]
    assert data["before"]["network"]["command_reach"] == 1.0
    assert data["after"]["network"]["command_reach"] == 0.0
    assert data["delta"]["group-a"]["command_reach"] == -1.0
    cut = _json(str(tiny_path), "--cut-ties", "holds_office_in")
    assert cut["after"]["network"]["state_capture"] == 0.0
    assert cut["before"]["network"]["state_capture"] == pytest.approx(0.04)


def test_what_if_table(tiny_path: Path) -> None:
    proc = run_cli("analyze", str(tiny_path), "--remove", "leader-a,bank")
    assert proc.returncode == 0, proc.stderr
    assert "What if leader-a, bank were gone" in proc.stdout


def test_resilience(tiny_path: Path) -> None:
    data = _json(str(tiny_path), "--resilience", "degree", "--steps", "2")
    assert [r["step"] for r in data["curve"]] == [0, 1, 2]
    assert data["curve"][1]["removed"] == "group-a"
    proc = run_cli("analyze", str(tiny_path), "--resilience", "leaders")
    assert proc.returncode == 0, proc.stderr
    assert "leader-a" in proc.stdout


@pytest.mark.parametrize(("args", "hint"), [
    (["--remove", "leader-b"], "leader-a"),
    (["--layer", "militry"], "military"),
    (["--resilience", "degre"], "degree"),
    (["--cut-ties", "fund"], "funds"),
    (["--at", "2024-13-01"], "--at"),
])
def test_usage_errors_name_the_closest(tiny_path: Path, args: list[str], hint: str) -> None:
    proc = run_cli("analyze", str(tiny_path), *args)
    assert_clean_usage_error(proc)
    assert hint in proc.stderr


def test_bundled_scenario_report() -> None:
    proc = run_cli("analyze", "--top", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)["report"]
    assert report
    ids = {row["node"] for row in report}
    assert "kataib-hezbollah" in ids or "popular-mobilization-forces" in ids


# -- time: the scenario's window by default ------------------------------------------------
def test_default_covers_the_window_and_says_so() -> None:
    proc = run_cli("analyze", "--top", "3")
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("iraq-2024: covers the window 2023-10-02 to 2024-12-31 as a whole")
    assert proc.stderr == ""
    window = _json("--top", "3")
    assert window["period"]["kind"] == "window"
    assert window["period"]["start"] == "2023-10-02" and window["period"]["end"] == "2024-12-31"
    people = {r["node"] for r in window["report"] if r["scope"] == "person"}
    assert people and not people & {"qasem-soleimani", "abu-mahdi-al-muhandis"}  # killed 2020
    record = _json("--top", "3", "--at", "all")
    assert record["period"]["kind"] == "record"
    people = {r["node"] for r in record["report"] if r["scope"] == "person"}
    assert {"qasem-soleimani", "abu-mahdi-al-muhandis"} <= people


def test_date_outside_the_window_warns_in_one_line() -> None:
    proc = run_cli("analyze", "--at", "2020-01-02", "--top", "2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("warning: --at 2020-01-02 lies outside")
    lines = proc.stdout.split("Key actors")[0].splitlines()  # the header, folded
    assert " ".join(line.strip() for line in lines) == (
        "iraq-2024: covers the snapshot on 2020-01-02 (facts active that day; 2 actors and 55 "
        "ties left out)")
    assert max(len(line) for line in lines) <= 100


def test_errors_speak_of_flags() -> None:
    proc = run_cli("analyze", "--remove", "qasem-soleimani")
    assert_clean_usage_error(proc)
    assert "not active in the window" in proc.stderr and "--at all" in proc.stderr
    assert "at=" not in proc.stderr


def _run_at_width(columns: int, *args: str) -> str:
    """``armednet analyze ARGS`` in a terminal ``columns`` wide (rich reads ``COLUMNS``)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": str(columns)}
    proc = subprocess.run([sys.executable, "-m", "armednet", "analyze", *args],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("extra", [(), ("--resilience", "degree", "--steps", "5")])
def test_tables_fit_a_100_column_terminal(extra: tuple[str, ...]) -> None:
    from armednet.analysis import as_net, key_actor_report
    from armednet.kb import KnowledgeGraph

    out = _run_at_width(100, "iraq-2024", *extra)
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100, max(lines, key=len)
    # node ids stay whole: each is one word of some line (not folded, not cut with "…")
    words = {w for line in lines for w in line.replace("│", " ").split()}
    assert "kataib-hezbollah" in words
    if not extra:
        report = key_actor_report(as_net(KnowledgeGraph.load("iraq-2024")), top=10)
        shown = set(report.loc[report["scope"] == "all", "node"])
        assert shown <= words, sorted(shown - words)
        assert "…" not in out
