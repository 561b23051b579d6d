"""Campaign membership (``group.campaign``) as sourced data.

No default makes an armed group an attacker: a group that does not state its membership is
outside the campaign and the loader warns at its ``group`` block; a bare ``true``/``false``
still loads but is unsourced (warned); a sourced statement names sources that must exist.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from armednet.errors import Issue, ValidationFailed
from armednet.kb import Scenario, load_scenario
from armednet.kb.loader import ScenarioWarning, check_documents, check_scenario
from armednet.kb.schema import CampaignMembership, GroupAttributes
from tests.cli.helpers import run_cli
from tests.factories import tiny_document, write_yaml

DOMESTIC = ["badr-organization", "asaib-ahl-al-haq", "saraya-al-salam", "atabat-units"]
TRANSNATIONAL = ["kataib-hezbollah", "harakat-al-nujaba", "kataib-sayyid-al-shuhada"]


def _line(path: Path, text: str, after: int = 0) -> int:
    """1-based number of the first line at or after ``after`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if i >= after and text in line)


def _engine_exposure(group: GroupAttributes) -> float:
    """The engine's reading of membership (``sim/init.py``): ``float(campaign and ...)``."""
    return float(group.campaign and True)


# -- not stated ------------------------------------------------------------------------


def test_missing_campaign_warns_with_file_line_and_group(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["nodes"][1]["group"]["campaign"]
    path = write_yaml(tmp_path / "doc.yaml", doc)
    sc, found = check_scenario(path)
    (warning,) = found
    group_b = _line(path, "id: group-b")
    assert warning.file == str(path)
    assert warning.line == _line(path, "group:", after=group_b)
    assert warning.path == "nodes[1].group"
    assert "'group-b'" in warning.message and "does not state" in warning.message
    assert str(warning).startswith(f"{path}:{warning.line}: nodes[1].group: ")
    group = sc.nodes[1].group
    assert group is not None
    assert group.campaign_form == "not stated" and not group.campaign_stated
    assert not group.campaign and _engine_exposure(group) == 0.0


def test_load_scenario_issues_the_warning_at_the_yaml_line(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["nodes"][0]["group"]["campaign"]
    path = write_yaml(tmp_path / "doc.yaml", doc)
    with pytest.warns(ScenarioWarning, match="'group-a' does not state") as record:
        load_scenario(path)
    (w,) = record
    assert w.filename == str(path)
    assert w.lineno == _line(path, "group:")
    assert isinstance(w.message, ScenarioWarning)
    assert w.message.issue.path == "nodes[0].group"


def test_a_valid_sourced_scenario_has_no_warnings(tiny_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_scenario(tiny_path)
    assert check_scenario(tiny_path).warnings == []


def test_warnings_are_not_validation_problems(tmp_path: Path) -> None:
    from armednet.kb import validate_scenario

    doc = tiny_document()
    del doc["nodes"][0]["group"]["campaign"]
    assert validate_scenario(write_yaml(tmp_path / "doc.yaml", doc)) == []


# -- bare booleans -----------------------------------------------------------------------


@pytest.mark.parametrize("member", [True, False])
def test_bare_boolean_loads_with_an_unsourced_warning(tmp_path: Path, member: bool) -> None:
    doc = tiny_document()
    doc["nodes"][0]["group"]["campaign"] = member
    path = write_yaml(tmp_path / "doc.yaml", doc)
    sc, found = check_scenario(path)
    (warning,) = found
    assert warning.path == "nodes[0].group.campaign"
    assert warning.line == _line(path, "campaign:")
    assert "'group-a'" in warning.message and "without sources" in warning.message
    group = sc.nodes[0].group
    assert group is not None
    assert group.campaign is member and group.campaign_form == "bare"
    assert _engine_exposure(group) == float(member)


# -- sourced statements --------------------------------------------------------------------


def test_sourced_membership_is_truthy_exactly_when_member(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][1]["group"]["campaign"] = {"member": False, "sources": ["src-b"],
                                            "confidence": "low", "note": "Judgment."}
    sc = load_scenario(write_yaml(tmp_path / "doc.yaml", doc))
    a, b = (n.group for n in sc.nodes[:2])
    assert a is not None and b is not None
    assert isinstance(a.campaign, CampaignMembership) and a.campaign.member
    assert isinstance(b.campaign, CampaignMembership) and not b.campaign.member
    assert a.campaign and not b.campaign
    assert (_engine_exposure(a), _engine_exposure(b)) == (1.0, 0.0)
    assert b.campaign.confidence == "low" and b.campaign.note == "Judgment."


def test_unknown_campaign_source_is_an_error_with_file_line(tmp_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][1]["group"]["campaign"] = {"member": False, "sources": ["src-b", "nowhere"]}
    path = write_yaml(tmp_path / "doc.yaml", doc)
    with pytest.raises(ValidationFailed) as info:
        load_scenario(path)
    (issue,) = info.value.issues
    assert issue.path == "nodes[1].group.campaign.sources[1]"
    assert "unknown source 'nowhere'" in issue.message
    assert issue.line == _line(path, "- nowhere")
    assert str(issue).startswith(f"{path}:{issue.line}: ")


@pytest.mark.parametrize(("value", "path", "message"), [
    ({"member": True}, "nodes[0].group.campaign.sources", "required field is missing"),
    ({"member": True, "sources": []}, "nodes[0].group.campaign.sources", "at least 1"),
    ({"sources": ["src-a"]}, "nodes[0].group.campaign.member", "required field is missing"),
    ({"member": "maybe", "sources": ["src-a"]}, "nodes[0].group.campaign.member", "boolean"),
    ({"member": True, "sources": ["src-a"], "why": "x"}, "nodes[0].group.campaign.why",
     "unknown field 'why'"),
    ("maybe", "nodes[0].group.campaign", "expected a mapping {member"),
    (1, "nodes[0].group.campaign", "expected a mapping {member"),
])
def test_malformed_campaign_is_an_error_at_the_field(tmp_path: Path, value: Any, path: str,
                                                     message: str) -> None:
    doc = tiny_document()
    doc["nodes"][0]["group"]["campaign"] = value
    file = write_yaml(tmp_path / "doc.yaml", doc)
    with pytest.raises(ValidationFailed) as info:
        load_scenario(file)
    (issue,) = info.value.issues
    assert issue.path == path  # no pydantic union tag in the path
    assert message in issue.message
    assert issue.line is not None and issue.line >= _line(file, "campaign:")


def test_json_round_trip_keeps_membership(tiny_path: Path) -> None:
    doc = tiny_document()
    doc["nodes"][1]["group"]["campaign"] = {"member": False, "sources": ["src-b"]}
    sc = load_scenario(write_yaml(tiny_path.parent / "rt.yaml", doc))
    again = Scenario.model_validate_json(sc.model_dump_json(by_alias=True))
    assert again == sc
    assert [bool(n.group.campaign) for n in again.nodes if n.group] == [True, False]


# -- property: whatever forms the groups use, the loader sorts them out ---------------------

FORMS = st.sampled_from(["missing", "bare-true", "bare-false", "member", "non-member",
                         "unknown-source"])


def _set_form(group: dict[str, Any], form: str) -> None:
    group.pop("campaign", None)
    if form.startswith("bare-"):
        group["campaign"] = form == "bare-true"
    elif form in ("member", "non-member"):
        group["campaign"] = {"member": form == "member", "sources": ["src-a"]}
    elif form == "unknown-source":
        group["campaign"] = {"member": True, "sources": ["src-a", "no-such-source"]}


@settings(max_examples=60, deadline=None)
@given(st.lists(FORMS, min_size=2, max_size=2))
def test_any_mix_of_forms_loads_warns_or_fails_as_documented(forms: list[str]) -> None:
    doc = tiny_document()
    for node, form in zip(doc["nodes"][:2], forms, strict=True):
        _set_form(node["group"], form)
    text = yaml.safe_dump(doc, sort_keys=False)
    if "unknown-source" in forms:
        with pytest.raises(ValidationFailed) as info:
            check_documents([("doc.yaml", text)])
        bad = [i for i in info.value.issues if "no-such-source" in i.message]
        assert len(bad) == forms.count("unknown-source")
        assert all(i.line is not None and i.path.endswith(".campaign.sources[1]") for i in bad)
        return
    sc, found = check_documents([("doc.yaml", text)])
    expected_warnings = sum(f == "missing" or f.startswith("bare-") for f in forms)
    assert len(found) == expected_warnings
    assert all(isinstance(w, Issue) and w.line is not None for w in found)
    for node, form in zip(sc.nodes[:2], forms, strict=True):
        assert node.group is not None
        member = form in ("bare-true", "member")
        assert bool(node.group.campaign) is member, form
        assert _engine_exposure(node.group) == float(member)


# -- the bundled scenario -----------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> Scenario:
    return load_scenario("iraq-2024")


def test_bundled_scenario_states_sourced_membership_for_every_armed_group(
        bundled: Scenario) -> None:
    assert check_scenario("iraq-2024").warnings == []
    source_ids = {s.id for s in bundled.sources}
    groups = [n for n in bundled.nodes if n.type == "armed_group"]
    assert len(groups) >= 10
    for n in groups:
        assert n.group is not None
        c = n.group.campaign
        assert isinstance(c, CampaignMembership), n.id
        assert c.sources and set(c.sources) <= source_ids, n.id
        assert c.note, n.id  # says why, and whether it is a judgment


def test_bundled_membership_follows_the_essay(bundled: Scenario) -> None:
    member = {n.id: bool(n.group.campaign) for n in bundled.nodes if n.group is not None}
    assert all(member[g] for g in TRANSNATIONAL)
    assert not any(member[g] for g in DOMESTIC)
    assert not member["isis"]
    groups = {n.id: n.group for n in bundled.nodes if n.group is not None}
    for g in DOMESTIC:
        c = groups[g].campaign
        assert isinstance(c, CampaignMembership)
        # The essay's point that the domestically focused groups wanted no escalation.
        assert {"mansour-2024-washingtons-choice", "mansour-2024-beyond-bombings"} & set(
            c.sources), g


def test_bundled_judgments_say_so(bundled: Scenario) -> None:
    for n in bundled.nodes:
        if n.group is None:
            continue
        c = n.group.campaign
        assert isinstance(c, CampaignMembership) and c.note is not None
        if c.note.startswith("Judgment"):
            assert f"{c.confidence} confidence" in c.note, n.id


# -- the command line -----------------------------------------------------------------------


def test_kb_validate_prints_warnings_and_strict_fails(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["nodes"][1]["group"]["campaign"]
    doc["nodes"][0]["group"]["campaign"] = True
    path = write_yaml(tmp_path / "doc.yaml", doc)
    proc = run_cli("kb", "validate", str(path))
    assert proc.returncode == 0, proc.stderr
    assert "tiny: valid" in proc.stdout and "2 warning(s)" in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.startswith("warning: ")]
    assert len(lines) == 2
    assert lines[0].startswith(f"warning: {path}:{_line(path, 'campaign: true')}: "
                               "nodes[0].group.campaign:")
    assert "'group-b'" in lines[1] and f"{path}:" in lines[1]
    strict = run_cli("kb", "validate", str(path), "--strict")
    assert strict.returncode == 2 and "Traceback" not in strict.stderr
    as_json = run_cli("kb", "validate", str(path), "--json")
    data = json.loads(as_json.stdout)
    assert data["valid"] is True and len(data["warnings"]) == 2
    assert data["warnings"][1]["path"] == "nodes[1].group"


def test_kb_show_prints_warnings(tmp_path: Path) -> None:
    doc = tiny_document()
    del doc["nodes"][1]["group"]["campaign"]
    path = write_yaml(tmp_path / "doc.yaml", doc)
    proc = run_cli("kb", "show", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    assert "warning: " in proc.stderr and "'group-b'" in proc.stderr
    assert json.loads(proc.stdout)["warnings"][0]["path"] == "nodes[1].group"


def test_bundled_scenario_validates_and_shows_without_warnings() -> None:
    for args in (("kb", "validate", "iraq-2024", "--strict"), ("kb", "show", "iraq-2024")):
        proc = run_cli(*args)
        assert proc.returncode == 0, proc.stderr
        assert "warning" not in proc.stderr.lower()
