"""Property tests: whatever document the loader is fed, it either loads or raises the one
documented error type (ValidationFailed), never anything else."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from armednet.errors import ValidationFailed
from armednet.kb import parse_documents
from armednet.kb.schema import Scenario
from tests.factories import tiny_document

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from(["armed_group", "leads", "2024-02-07", "2024", "group-a", "src-a",
                     "high", "military", "", "-1", "2024-13-01"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=12,
)


def _load(doc: Any) -> Scenario | None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    try:
        return parse_documents([("doc.yaml", text)])
    except ValidationFailed as exc:
        assert exc.issues, "ValidationFailed must carry at least one issue"
        for issue in exc.issues:
            assert issue.file == "doc.yaml"
            assert issue.message
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_random_documents_load_or_fail_cleanly(doc: Any) -> None:
    _load(doc)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_random_text_loads_or_fails_cleanly(text: str) -> None:
    try:
        parse_documents([("doc.yaml", text)])
    except ValidationFailed as exc:
        assert exc.issues


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    doc = tiny_document()
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(doc) if p]
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for part in path[:-1]:
            parent = parent[part]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return doc


# Deleting a group's `campaign` gives a ScenarioWarning (tested in test_campaign.py).
@pytest.mark.filterwarnings("ignore::armednet.kb.loader.ScenarioWarning")
@settings(max_examples=200, deadline=None)
@given(mutated())
def test_mutated_documents_load_or_fail_cleanly(doc: dict[str, Any]) -> None:
    sc = _load(doc)
    if sc is not None:
        # Anything that loads satisfies the cross-record invariants.
        ids = {n.id for n in sc.nodes}
        sources = {s.id for s in sc.sources}
        assert all(t.from_ in ids and t.to in ids for t in sc.ties)
        assert all(set(r.sources) <= sources for r in [*sc.nodes, *sc.ties])
        assert len(ids) == len(sc.nodes)
