"""Experiment specs checked whole, and the scheduler reached, before the first row is
written (issue 17, item 2)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from armednet.errors import InputError, ValidationFailed
from armednet.experiments.runner import run_experiment
from armednet.experiments.spec import ExperimentSpec, load_spec
from tests.cli.helpers import assert_clean_usage_error, run_cli

SPEC: dict[str, Any] = {
    "name": "tiny", "weeks": 10, "seed": 2, "chunk_points": 2,
    "design": {"method": "lhs", "n": 4},
    "uncertainties": [{"name": "attack_base_rate", "low": 0.1, "high": 0.5}],
    "levers": ["status-quo"],
    "outcomes": [{"name": "attacks", "variable": "attacks"}],
}


def _file(tmp_path: Path, **changes: Any) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({**SPEC, **changes}, sort_keys=False))
    return path


def _issues(path: Path) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_spec(path)
    return [str(i) for i in info.value.issues]


def test_negative_range_is_refused_on_the_command_line_and_nothing_is_written(
        tmp_path: Path) -> None:
    spec = _file(tmp_path, uncertainties=[{"name": "attack_base_rate", "low": -0.5,
                                           "high": -0.1}])
    db = tmp_path / "out" / "r.duckdb"
    proc = run_cli("experiment", "run", str(spec), "--db", str(db), "--evaluator",
                   "sequential")
    assert_clean_usage_error(proc)
    line = spec.read_text().splitlines().index("- name: attack_base_rate") + 1
    assert f"{spec}:{line}: uncertainties[0]: attack_base_rate: range [-0.5, -0.1] " \
           "outside the limits [0, inf]" in proc.stderr
    assert not db.exists() and not db.parent.exists()


@pytest.mark.parametrize("seed", [0, 1, 7, 123])
def test_a_range_straddling_zero_fails_whatever_the_seed(tmp_path: Path, seed: int) -> None:
    spec = _file(tmp_path, seed=seed, uncertainties=[
        {"name": "attack_base_rate", "low": -0.01, "high": 0.5}])
    (msg,) = _issues(spec)
    assert "uncertainties[0]" in msg and "outside the limits" in msg


def test_fixed_parameters_and_unknown_names_are_checked(tmp_path: Path) -> None:
    spec = _file(tmp_path, params={"rent_rate": -1.0, "atack_base_rate": 1.0},
                 mechanisms={"splinter": False}, record=["atacks"])
    issues = "\n".join(_issues(spec))
    assert "params.rent_rate: rent_rate = -1 is outside" in issues
    assert "unknown model parameter 'atack_base_rate'; did you mean attack_base_rate" in issues
    assert "mechanisms.splinter: unknown mechanism 'splinter'; did you mean splinters" in issues
    assert "record[0]: 'atacks' is not a weekly variable; did you mean attacks" in issues


def test_outcome_window_past_weeks_is_refused_with_its_line(tmp_path: Path) -> None:
    spec = _file(tmp_path, outcomes=[{"name": "late", "variable": "attacks",
                                      "window": [5, 20]}])
    (msg,) = _issues(spec)
    assert msg.startswith(f"{spec}:")
    assert "outcomes[0].window: window [5, 20] ends after the experiment's 10 weeks" in msg


@pytest.mark.parametrize("threshold", [".nan", "nan", "'inf'", "1.0e+999"])
def test_threshold_must_be_finite(tmp_path: Path, threshold: str) -> None:
    spec = _file(tmp_path, outcomes=[{"name": "first", "variable": "attacks",
                                      "aggregation": "time_to_event", "threshold": 0}])
    spec.write_text(spec.read_text().replace("threshold: 0", f"threshold: {threshold}"))
    (msg,) = _issues(spec)
    assert "finite" in msg


def test_cli_threshold_nan(tmp_path: Path) -> None:
    spec = _file(tmp_path, outcomes=[{"name": "first", "variable": "attacks",
                                      "aggregation": "time_to_event", "threshold": 0}])
    spec.write_text(spec.read_text().replace("threshold: 0", "threshold: .nan"))
    proc = run_cli("experiment", "run", str(spec), "--db", str(tmp_path / "r.duckdb"))
    assert_clean_usage_error(proc)
    assert "not a finite number" in proc.stderr
    assert not (tmp_path / "r.duckdb").exists()


def test_cli_scheduler_not_an_address(tmp_path: Path) -> None:
    spec = _file(tmp_path)
    db = tmp_path / "r.duckdb"
    proc = run_cli("experiment", "run", str(spec), "--db", str(db), "--scheduler",
                   "not-a-url")
    assert_clean_usage_error(proc)
    assert "'not-a-url' is not a Dask scheduler address" in proc.stderr
    assert not db.exists()
    proc = run_cli("experiment", "run", str(spec), "--db", str(db), "--evaluator", "local",
                   "--scheduler", "tcp://127.0.0.1:8786")
    assert_clean_usage_error(proc)
    assert "--scheduler needs --evaluator dask" in proc.stderr


class _Unreachable:
    """An evaluator whose cluster cannot be reached (as a Dask scheduler that is down)."""

    name = "dask"

    def __enter__(self) -> _Unreachable:
        raise OSError("Timed out trying to connect to tcp://10.0.0.1:8786 after 10 s")

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Any, tasks: Any) -> Any:  # pragma: no cover - never reached
        raise AssertionError


class _FailsFirstChunk(_Unreachable):
    """An evaluator whose first chunk fails (a spec the engine refuses at run time)."""

    def __enter__(self) -> _FailsFirstChunk:
        return self

    def imap_unordered(self, fn: Any, tasks: Any) -> Any:
        raise InputError("parameter attack_base_rate: values must lie in [0, inf]")
        yield  # a generator, as real evaluators are


@pytest.mark.parametrize("evaluator,match", [(_Unreachable(), "cannot reach"),
                                             (_FailsFirstChunk(), "must lie in")])
def test_nothing_is_written_before_the_evaluator_answers(tmp_path: Path, evaluator: Any,
                                                         match: str) -> None:
    db = tmp_path / "r.duckdb"
    with pytest.raises(InputError, match=match):
        run_experiment(ExperimentSpec.model_validate(SPEC), db, evaluator=evaluator)
    assert not db.exists()


def test_programmatic_spec_is_checked_before_anything(tmp_path: Path) -> None:
    spec = ExperimentSpec.model_validate({**SPEC, "outcomes": [
        {"name": "late", "variable": "attacks", "window": [8, 11]}]})
    with pytest.raises(ValidationFailed, match=r"outcomes\[0\]\.window"):
        run_experiment(spec, tmp_path / "r.duckdb", evaluator="sequential")
    assert not (tmp_path / "r.duckdb").exists()
