"""Fixtures of the engine tests."""

from __future__ import annotations

import pytest

from armednet.kb import KnowledgeGraph
from tests.sim.bundled import BUNDLED, bundled_graph


@pytest.fixture(scope="session", params=BUNDLED)
def bundled_scenario(request: pytest.FixtureRequest) -> KnowledgeGraph:
    """Each bundled scenario in turn (test ids ``[iraq-2024]``, ``[red-sea-2024]``), each
    parsed once per session. Tests of a scenario-generic property of the engine take it."""
    return bundled_graph(request.param)
