"""The bundled scenarios for the engine's tests: which ones, loaded once, and the facts a
scenario-generic test looks up in them (instead of naming an Iraqi group)."""

from __future__ import annotations

import functools

import numpy as np

from armednet.kb import KnowledgeGraph
from armednet.sim.init import ModelInputs, build_inputs

BUNDLED = ("iraq-2024", "red-sea-2024")
"""The bundled scenarios every scenario-generic engine test runs on
(``test_every_bundled_scenario_is_tested`` fails when a new one ships untested)."""


@functools.cache
def bundled_graph(scenario_id: str) -> KnowledgeGraph:
    """A bundled scenario, parsed once per test process."""
    return KnowledgeGraph.load(scenario_id)


def attacker_index(inputs: ModelInputs) -> int:
    """Slot of the first original group that attacks the foreign force (a campaign member
    based in the theatre): Kataib Hezbollah in iraq-2024, the Houthis in red-sea-2024."""
    attackers = np.flatnonzero(inputs.exposure[:inputs.n_groups0] > 0)
    assert attackers.size, f"no group of {inputs.scenario_id} attacks the foreign force"
    return int(attackers[0])


def attacker_id(kg: KnowledgeGraph, weeks: int = 4) -> str:
    """Id of :func:`attacker_index`'s group."""
    inputs = build_inputs(kg, weeks)
    return inputs.group_ids[attacker_index(inputs)]
