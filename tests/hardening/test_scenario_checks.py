"""Scenarios that parse but are wrong: non-finite values, dates out of order, an emptied
ties file (issue 17, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from armednet.errors import ValidationFailed
from armednet.kb.loader import check_scenario
from armednet.kb.schema import Scenario
from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.factories import tiny_document, write_yaml


def _problems(tmp_path: Path, doc: object) -> list[str]:
    path = write_yaml(tmp_path / "doc.yaml", doc)
    with pytest.raises(ValidationFailed) as info:
        check_scenario(path)
    return [str(i) for i in info.value.issues]


def test_nan_series_value_is_refused_however_written(tmp_path: Path) -> None:
    doc = tiny_document()
    path = write_yaml(tmp_path / "doc.yaml", doc)
    text = path.read_text()
    path.write_text(text.replace("value: 0.0", "value: .nan"))
    with pytest.raises(ValidationFailed, match="not a finite number"):
        check_scenario(path)
    path.write_text(text.replace("value: 0.0", "value: NaN"))  # a string pydantic would parse
    with pytest.raises(ValidationFailed, match=r"series\[0\]\.points\[1\]\.value: .*finite"):
        check_scenario(path)
    doc["series"][0]["points"][1]["value"] = float("nan")  # from Python, not YAML
    with pytest.raises(ValueError, match="finite"):
        Scenario.model_validate(doc)


def test_infinite_values_are_refused(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["events"][0]["intensity"] = "inf"
    doc["nodes"][0]["group"]["size"]["high"] = "Infinity"
    problems = _problems(tmp_path, doc)
    assert any("events[0].intensity" in p and "finite" in p for p in problems)
    assert any("nodes[0].group.size.high" in p and "finite" in p for p in problems)


def test_scenario_ending_before_it_starts_is_refused(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["scenario"]["end"] = "2023-01-01"
    (msg,) = _problems(tmp_path, doc)
    assert ":1: scenario:" in msg and "end 2023-01-01 is before start 2023-10-02" in msg


def test_series_points_out_of_order_or_repeated_are_refused(tmp_path: Path) -> None:
    doc = tiny_document()
    points = doc["series"][0]["points"]
    points.reverse()
    (msg,) = _problems(tmp_path, doc)
    assert "series[0]" in msg and "date order" in msg
    points.reverse()
    points.append(dict(points[-1]))
    (msg,) = _problems(tmp_path, doc)
    assert "points[2] (2023-11-24) is not after points[1]" in msg


def _split(folder: Path) -> Path:
    doc = tiny_document()
    write_yaml(folder / "scenario.yaml", {"scenario": doc["scenario"],
                                          "sources": doc["sources"]})
    write_yaml(folder / "nodes.yaml", {"nodes": doc["nodes"], "series": doc["series"],
                                       "events": doc["events"]})
    write_yaml(folder / "ties" / "military.yaml", {"ties": doc["ties"][:2]})
    write_yaml(folder / "ties" / "state.yaml", {"ties": doc["ties"][2:]})
    return folder


@pytest.mark.parametrize("emptied", ["", "# nothing here yet\n", "ties: []\n"])
def test_an_emptied_ties_file_is_said(tmp_path: Path, emptied: str) -> None:
    folder = _split(tmp_path / "sc")
    target = folder / "ties" / "military.yaml"
    target.write_text(emptied)
    scenario, warnings = check_scenario(folder)
    assert len(scenario.ties) == 4
    (warning,) = warnings[-1:]
    assert warning.file == str(target)
    assert "empty" in warning.message


def test_cli_reports_every_semantic_problem(tmp_path: Path) -> None:
    folder = _split(tmp_path / "sc")
    doc = yaml.safe_load((folder / "scenario.yaml").read_text())
    doc["scenario"]["end"] = "2020"
    write_yaml(folder / "scenario.yaml", doc)
    nodes = yaml.safe_load((folder / "nodes.yaml").read_text())
    nodes["series"][0]["points"].reverse()
    nodes["events"][0]["intensity"] = "nan"
    write_yaml(folder / "nodes.yaml", nodes)
    proc = run_cli("kb", "validate", str(folder))
    assert_clean_usage_error(proc)
    assert "end 2020 is before start 2023-10-02" in proc.stderr
    assert "date order" in proc.stderr
    assert "events[0].intensity" in proc.stderr
    assert "error: 3 problem(s) found" in proc.stderr


def test_cli_warns_of_an_emptied_ties_file_and_strict_refuses(tmp_path: Path) -> None:
    folder = _split(tmp_path / "sc")
    (folder / "ties" / "state.yaml").write_text("")
    proc = run_cli("kb", "validate", "--strict", str(folder))
    assert_clean_usage_error(proc)
    assert f"warning: {folder / 'ties' / 'state.yaml'}: the file is empty" in proc.stderr
