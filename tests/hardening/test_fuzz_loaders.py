"""Fuzz every loader of user files with mutants of small generated documents (issue 17,
item 8).

Each mutant must give a valid result that breaks no invariant (no NaN or infinity, dates
and series in order, an emptied file said, spec ranges inside the parameters' limits,
plausible interval counts) or a clean input error (exit code 2, one line per problem);
never another exception (a traceback on the command line) and never a hang (a time limit
per example). The mutations and invariants live in :mod:`tests.hardening.mutants`;
``benchmarks/bench_fuzz.py`` prints the table of outcomes over many more mutants.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.mutants import (
    LOADERS,
    seed_intervals,
    seed_policy,
    seed_scenario,
    seed_spec,
)

EXAMPLES = {"scenario file": 200, "scenario directory": 120, "policy file": 200,
            "experiment spec": 200, "intervals CSV": 300}
"""Mutants per loader and run: a few hundred, sized to keep the suite within CI time."""


def _fuzz(name: str, data: st.DataObject) -> None:
    def pick(n: int) -> int:
        return data.draw(st.integers(0, max(0, n - 1)))

    with tempfile.TemporaryDirectory() as folder:
        outcome = LOADERS[name](Path(folder), pick)
    assert outcome.kind in ("valid", "clean error"), outcome.detail


def _test(name: str) -> object:
    @settings(max_examples=EXAMPLES[name], deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def test(data: st.DataObject) -> None:
        _fuzz(name, data)

    test.__doc__ = f"Mutants of a {name}: a valid result or a clean error, nothing else."
    return test


test_scenario_file_mutants = _test("scenario file")
test_scenario_directory_mutants = _test("scenario directory")
test_policy_file_mutants = _test("policy file")
test_experiment_spec_mutants = _test("experiment spec")
test_intervals_csv_mutants = _test("intervals CSV")


def test_seed_documents_are_valid(tmp_path: Path) -> None:
    """Unmutated, every seed loads: mutants start from something valid."""
    import yaml

    from armednet.events.intervals import load_intervals
    from armednet.experiments.spec import load_spec
    from armednet.kb.loader import check_scenario
    from armednet.sim.policy import load_policy

    def dump(name: str, doc: object) -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(doc, sort_keys=False))
        return path

    assert check_scenario(dump("s.yaml", seed_scenario())).warnings == []
    assert len(load_policy(dump("p.yaml", seed_policy())).levers) == 3
    assert load_spec(dump("e.yaml", seed_spec())).weeks == 52
    table = tmp_path / "i.csv"
    table.write_text("\n".join(",".join(r) for r in seed_intervals()) + "\n")
    assert len(load_intervals(table)) == 5
