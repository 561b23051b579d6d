"""Policies are data: presets, files, composition, and clear errors for bad files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from armednet.errors import InputError
from armednet.kb import KnowledgeGraph
from armednet.sim.init import ModelInputs, build_inputs, schedule_policy
from armednet.sim.policy import PRESETS, Policy, load_policy, resolve_policy


@pytest.fixture
def inputs(bundled_scenario: KnowledgeGraph) -> ModelInputs:
    """52 weeks of each bundled scenario's inputs."""
    return build_inputs(bundled_scenario, 52)


def test_presets_resolve_and_are_named(inputs: ModelInputs) -> None:
    assert PRESETS == ("status-quo", "strikes", "decapitation", "sanctions", "co-option",
                       "accountability", "diplomacy", "combined")
    for name in PRESETS:
        pol = resolve_policy(name)
        assert isinstance(pol, Policy) and pol.name == name
        schedule_policy(inputs, pol)
    assert resolve_policy("status-quo").levers == []


def test_yaml_and_json_files(tmp_path: Path, inputs: ModelInputs) -> None:
    y = tmp_path / "reform.yaml"
    y.write_text("name: reform\nlevers:\n  - {kind: accountability, target: 0.9, pace: 0.05}\n"
                 "  - {kind: diplomacy, start: 2024-03, intensity: 0.5}\n")
    j = tmp_path / "reform.json"
    j.write_text(json.dumps({"levers": [{"kind": "sanctions", "targets": ["fly-baghdad"]}]}))
    pol = load_policy(y)
    assert [lv.kind for lv in pol.levers] == ["accountability", "diplomacy"]
    sch = schedule_policy(inputs, pol)
    assert sch.diplomacy[0] == 0 and sch.diplomacy[-1] == 0.5  # from March 2024
    march = inputs.week_of(dt.date(2024, 3, 1))  # week 21 when the scenario starts 2 Oct 2023
    assert np.all(sch.diplomacy[:march] == 0) and np.all(sch.diplomacy[march + 1:] == 0.5)
    assert np.all(sch.reform_target == 0.9)
    assert resolve_policy(str(j)).name == "reform"  # named after the file


def test_levers_of_one_kind_add_up(inputs: ModelInputs) -> None:
    two = {"name": "two", "levers": [{"kind": "civil-society", "intensity": 0.5},
                                     {"kind": "civil-society", "intensity": 0.25,
                                      "start": "2024-01-01"}]}
    sch = schedule_policy(inputs, resolve_policy(two))
    assert sch.civil_society[0] == 0.5 and sch.civil_society[-1] == 0.75


def test_sanctions_add_pressure_and_restart_evasion(inputs: ModelInputs) -> None:
    sq = schedule_policy(inputs, resolve_policy("status-quo"))
    sanc = schedule_policy(inputs, resolve_policy("sanctions"))
    formal = np.flatnonzero(inputs.chan_sanctionable)
    assert formal.size  # the check is not vacuous
    assert np.all(sanc.sanction_cut[:, formal] >= sq.sanction_cut[:, formal] + 1.0)
    # the lever starts at week 0, so every sanctioned channel's clock restarts there
    assert np.all(sanc.sanction_since[0, formal] == 0)


@pytest.mark.parametrize(("text", "message"), [
    ("name: x\nlevers:\n  - {kind: strikez}\n", "did you mean strikes"),
    ("name: x\nlevers:\n  - {kind: strikes, intensity: high}\n", "intensity"),
    ("name: x\nlevers:\n  - {kind: strikes, rule: biggest}\n", "rule"),
    ("name: x\nlevers:\n  - {kind: accountability, target: 2}\n", "target"),
    ("name: x\nlevers:\n  - {kind: diplomacy, start: 2024-13-01}\n", "start"),
    ("- just a list\n", "expected a mapping"),
    ("name: [unclosed\n", "malformed YAML"),
    ("name: x\nlevers:\n  - {kind: strikes, colour: red}\n", "colour"),
])
def test_bad_policy_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as info:
        load_policy(path)
    assert f"{path}:" in str(info.value)  # file and line named


def test_missing_policy_file() -> None:
    with pytest.raises(InputError, match="not found"):
        resolve_policy("no/such/policy.yaml")
