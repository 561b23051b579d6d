"""Loading and validating scenarios: every bad-input case the authoring format promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from armednet.errors import InputError, ValidationFailed
from armednet.kb import load_scenario, parse_documents, validate_scenario
from tests.factories import tiny_document, write_yaml


def _problems(tmp_path: Path, doc: object) -> list[str]:
    path = write_yaml(tmp_path / "doc.yaml", doc)
    with pytest.raises(ValidationFailed) as info:
        load_scenario(path)
    return [str(i) for i in info.value.issues]


def test_tiny_loads(tiny_path: Path) -> None:
    sc = load_scenario(tiny_path)
    assert sc.scenario.id == "tiny"
    assert [n.id for n in sc.nodes][:2] == ["group-a", "group-b"]
    assert sc.ties[0].key == "leader-a--leads--group-a"
    assert sc.nodes[0].start == "2007"  # YAML int year normalised to text


def test_directory_of_files_merges(tmp_path: Path) -> None:
    doc = tiny_document()
    write_yaml(tmp_path / "sc" / "scenario.yaml", {"scenario": doc["scenario"],
                                                   "sources": doc["sources"]})
    write_yaml(tmp_path / "sc" / "nodes" / "all.yaml", {"nodes": doc["nodes"]})
    write_yaml(tmp_path / "sc" / "ties.yaml", {"ties": doc["ties"], "series": doc["series"],
                                              "events": doc["events"]})
    assert load_scenario(tmp_path / "sc") == load_scenario(write_yaml(tmp_path / "one.yaml", doc))


def test_malformed_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("scenario:\n  id: x\n  name: [unclosed\nnodes: []\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as info:
        load_scenario(path)
    (issue,) = info.value.issues
    assert issue.file == str(path)
    assert issue.line is not None and issue.line >= 3
    assert "malformed YAML" in issue.message


def test_unknown_type(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][5]["type"] = "country"
    (msg,) = _problems(tmp_path, doc)
    assert "nodes[5].type:" in msg and "'state'" in msg
    assert msg.startswith(f"{tmp_path / 'doc.yaml'}:")


def test_tie_end_must_exist(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["ties"][1]["to"] = "group-c"
    (msg,) = _problems(tmp_path, doc)
    assert "ties[1].to: unknown node 'group-c'" in msg
    assert "did you mean" in msg


def test_duplicate_id(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][1]["id"] = "group-a"
    problems = _problems(tmp_path, doc)
    assert any("nodes[1].id: duplicate id 'group-a'" in p for p in problems)


def test_duplicate_tie_without_id(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["ties"].append(dict(doc["ties"][1]))
    problems = _problems(tmp_path, doc)
    assert any("duplicate id 'group-a--allied_with--group-b'" in p for p in problems)


def test_end_before_start(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["ties"][2]["end"] = 2016
    (msg,) = _problems(tmp_path, doc)
    assert "ties[2]" in msg and "end 2016 is before start 2018" in msg


def test_value_out_of_range(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][0]["group"]["orientation"] = 1.5
    (msg,) = _problems(tmp_path, doc)
    assert "nodes[0].group.orientation: Input should be less than or equal to 1" in msg


def test_missing_source(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["ties"][0]["sources"]
    doc["nodes"][1]["sources"] = ["nowhere"]
    problems = _problems(tmp_path, doc)
    assert any("ties[0].sources: required field is missing" in p for p in problems)
    assert any("nodes[1].sources[0]: unknown source 'nowhere'" in p for p in problems)


def test_empty_source_list_rejected(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][2]["sources"] = []
    (msg,) = _problems(tmp_path, doc)
    assert "nodes[2].sources" in msg


def test_every_problem_reported_at_once_with_lines(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][5]["type"] = "country"
    doc["ties"][1]["to"] = "group-c"
    doc["nodes"][0]["group"]["orientation"] = -0.1
    doc["ties"][2]["end"] = 2016
    doc["nodes"][4]["colour"] = "red"
    path = write_yaml(tmp_path / "doc.yaml", doc)
    issues = validate_scenario(path)
    assert len(issues) == 5
    lines = path.read_text().splitlines()
    for issue in issues:
        assert issue.line is not None
        # the reported line lies inside the offending record
        assert 1 <= issue.line <= len(lines)
    unknown = next(i for i in issues if "colour" in i.message)
    assert "colour" in lines[unknown.line - 1]


def test_wrong_tie_end_type(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["ties"][0]["from"] = "group-b"  # leads must start at a person
    (msg,) = _problems(tmp_path, doc)
    assert "a leads tie cannot start at a armed_group" in msg


def test_duplicate_yaml_key(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "scenario:\n  id: x\n  id: y\n  name: n\n  description: d\n  start: 2023\n"
        "sources: []\nnodes: []\nties: []\n", encoding="utf-8")
    problems = [str(i) for i in validate_scenario(path)]
    assert problems == [f"{path}:3: duplicate key 'id'"]


def test_unknown_top_level_key(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["actors"] = []
    (msg,) = _problems(tmp_path, doc)
    assert "unknown top-level key 'actors'" in msg


def test_missing_scenario_block(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["scenario"]
    problems = _problems(tmp_path, doc)
    assert any("no 'scenario' block" in p for p in problems)


def test_not_a_mapping(tmp_path: Path) -> None:
    (msg,) = _problems(tmp_path, ["a", "b"])
    assert "expected a mapping" in msg


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"scenario:\n  name: \xe9\xe9\n")
    (issue,) = validate_scenario(path)
    assert "not UTF-8" in issue.message


def test_bad_partial_date(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][0]["start"] = "2024-13"
    doc["events"][0]["date"] = "Feb 2024"
    problems = _problems(tmp_path, doc)
    assert any("nodes[0].start" in p and "month 13" in p for p in problems)
    assert any("events[0].date" in p and "YYYY" in p for p in problems)


def test_estimate_must_be_ordered(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][0]["group"]["size"] = {"value": 1, "low": 5, "high": 10}
    (msg,) = _problems(tmp_path, doc)
    assert "nodes[0].group.size" in msg and "low <= value <= high" in msg


def test_armed_group_needs_group_block(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["nodes"][1]["group"]
    (msg,) = _problems(tmp_path, doc)
    assert "nodes[1]" in msg and "needs a 'group' block" in msg


def test_unknown_path_or_name() -> None:
    with pytest.raises(InputError, match="neither a file or directory nor a bundled"):
        load_scenario("iraq-2042x")


def test_parse_documents_for_uploads() -> None:
    import yaml

    text = yaml.safe_dump(tiny_document())
    sc = parse_documents([("upload.yaml", text)])
    assert len(sc.nodes) == 7
    with pytest.raises(ValidationFailed) as info:
        parse_documents([("upload.yaml", text.replace("armed_group", "militia", 1))])
    assert info.value.issues[0].file == "upload.yaml"


def test_impossible_calendar_date_names_the_field(tmp_path: Path) -> None:
    # PyYAML would turn an unquoted 2024-13-01 into a bare ValueError; the loader keeps the
    # text and the schema names the field and line.
    path = tmp_path / "doc.yaml"
    text = write_yaml(tmp_path / "ok.yaml", tiny_document()).read_text()
    path.write_text(text.replace("start: '2023-10-02'", "start: 2023-13-02")
                    .replace("start: 2023-10-02", "start: 2023-13-02"))
    with pytest.raises(ValidationFailed) as info:
        load_scenario(path)
    problems = [str(i) for i in info.value.issues]
    assert any("scenario.start" in p and "doc.yaml:" in p for p in problems), problems
