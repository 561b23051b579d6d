"""docs/model.md is generated from the code and in sync; every parameter is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from armednet.sim.docs import render
from armednet.sim.mechanisms import MECHANISMS, PIPELINE
from armednet.sim.params import PARAMETERS, defaults, resolve_params

DOC = Path(__file__).resolve().parents[2] / "docs" / "model.md"


def test_model_doc_is_in_sync_with_the_code() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/model.md is out of date: run `make docs`")


@pytest.mark.parametrize("name", sorted(PARAMETERS))
def test_every_parameter_is_fully_documented(name: str) -> None:
    p = PARAMETERS[name]
    assert p.symbol and p.meaning and p.unit and p.source
    assert p.hard_low <= p.low <= p.default <= p.high <= p.hard_high
    assert p.low < p.high
    assert p.source == "judgment" or p.source.startswith("judgment (") or len(p.source) > 10
    assert p.mechanism in MECHANISMS
    row = next(line for line in DOC.read_text().splitlines() if line.startswith(f"| `{name}`"))
    assert f"{p.default:g}" in row and f"{p.low:g} .. {p.high:g}" in row


def test_every_mechanism_is_switchable_and_documented() -> None:
    text = DOC.read_text()
    for name, mech in MECHANISMS.items():
        assert f"**`{name}`**" in text
        assert "Off:" in mech.summary, name  # says what switching it off does
        assert all(re.fullmatch(r"C[1-9]", c) for c in mech.claims)
    assert len(PIPELINE) >= 10


def test_defaults_resolve() -> None:
    p = resolve_params(None, runs=3)
    assert set(p) == set(defaults())
    assert all(v.shape == (3, 1) for v in p.values())
