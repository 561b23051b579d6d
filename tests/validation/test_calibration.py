"""Calibration: interval files are validated; ABC-SMC recovers parameters it is given data
for; the posterior feeds simulate and experiments; the CLI stores everything it promises.

The recovery test simulates counts from the model at known parameters over the real
intervals' calendar, then calibrates two parameters from them: the known values must lie in
the posterior's 90% intervals, which must be narrower than the prior's (stated tolerance:
the 90% interval at most 30% of the prior range).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError, ValidationFailed
from armednet.events.intervals import load_intervals, overlap_matrix
from armednet.kb import KnowledgeGraph
from armednet.validation.calibration import Prior, calibrate, deviance, save_calibration
from tests.cli.helpers import assert_clean_usage_error, run_cli

KG = KnowledgeGraph.load()
HEADER = "first_day,interval_end_inclusive,days,attacks\n"


def write(tmp_path: Path, rows: list[str], name: str = "counts.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def test_real_intervals_load(shared_data: Path) -> None:
    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    assert len(data) == 22
    assert data.first_day[0].isoformat() == "2023-10-17"
    assert data.last_day[-1].isoformat() == "2024-01-30"
    assert data.attacks.sum() == 160  # the DoD's cumulative counts, 17 Oct - 30 Jan
    ov = overlap_matrix(data, KG.scenario.scenario.start and
                        __import__("datetime").date(2023, 10, 2), 18)
    assert ov.sum(axis=1).tolist() == data.days.tolist()  # every day lands in one week
    assert ov.max() <= 7


@pytest.mark.parametrize(("rows", "message"), [
    (["2023-10-17,2023-10-24,8,x"], "attacks: expected a non-negative integer"),
    (["2023-10-17,2023-10-24,8,-3"], "attacks: expected a non-negative integer"),
    (["2023-10-17,2023-10-14,4,3"], "ends (2023-10-14) before it starts"),
    (["2023-13-17,2023-10-24,8,3"], "first_day: expected a date"),
    (["2023-10-17,2023-10-24,5,3"], "days: 5 days, but"),
    (["2023-10-17,2023-10-24,8,3", "2023-10-20,2023-10-27,8,3"], "overlaps the previous"),
])
def test_bad_interval_files_name_line_and_column(tmp_path: Path, rows: list[str],
                                                 message: str) -> None:
    path = write(tmp_path, rows)
    with pytest.raises(ValidationFailed) as info:
        load_intervals(path)
    text = str(info.value)
    assert message in text and f"{path}:" in text


def test_missing_columns_and_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("start,end,n\n2023-10-17,2023-10-24,3\n")
    with pytest.raises(ValidationFailed, match="missing column"):
        load_intervals(bad)
    with pytest.raises(InputError, match="no such file"):
        load_intervals(tmp_path / "none.csv")


def test_deviance_is_zero_only_at_a_perfect_fit() -> None:
    y = np.array([3.0, 0.0, 7.0])
    sims = np.array([[3.0, 0.0, 7.0], [4.0, 0.0, 7.0], [3.0, 2.0, 7.0], [0.0, 0.0, 0.0]])
    d = deviance(y, sims)
    assert d[0] == 0 and (d[1:] > 0).all() and d[3] > d[1]


def _synthetic(tmp_path: Path, real: Path, truth: dict[str, float]) -> Path:
    """Counts simulated by the model at ``truth`` over the real intervals' calendar."""
    from armednet.validation.calibration import _Simulator

    data = load_intervals(real)
    priors = [Prior(k, v, v) for k, v in truth.items()]
    sim = _Simulator(KG, data, priors, seed=99, weeks=18, rng=np.random.default_rng(5))
    counts = sim.interval_counts(sim.weekly(np.zeros((1, len(priors))), 18))[0]
    rows = [f"{a},{b},{(b - a).days + 1},{int(n)}"
            for a, b, n in zip(data.first_day, data.last_day, counts, strict=True)]
    return write(tmp_path, rows, "synthetic.csv")


def test_abc_smc_recovers_known_parameters(tmp_path: Path, shared_data: Path) -> None:
    # The trigger is on for nearly the whole window, so only the product of the base rate
    # and the trigger's lift is identified: recover the base rate with the lift known.
    truth = {"attack_base_rate": 0.35}
    path = _synthetic(tmp_path, shared_data / "attacks-us-forces-iraq-syria" /
                      "intervals.csv", truth)
    priors = [Prior("attack_base_rate", 0.02, 1.0, log=True)]
    res = calibrate(KG, load_intervals(path), priors=priors, particles=400, generations=5,
                    seed=3, predictive_runs=300, forecast_weeks=8)
    summary = {r["parameter"]: r for r in res.record["posterior_summary"]}
    for p in priors:
        s = summary[p.name]
        assert s["low"] <= truth[p.name] <= s["high"], (p.name, s)
        assert s["high"] - s["low"] <= 0.3 * (p.high - p.low), (p.name, s)
    assert res.posterior["weight"].sum() == pytest.approx(1.0)
    assert len(res.record["predictive"]) == len(load_intervals(path))
    assert 0.6 <= res.record["coverage"] <= 1.0
    gens = res.generations
    assert gens["tolerance"].iloc[1:].is_monotonic_decreasing


def test_posterior_round_trip_into_simulate_and_experiments(tmp_path: Path,
                                                            shared_data: Path) -> None:
    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    res = calibrate(KG, data, priors=[Prior("attack_base_rate", 0.02, 1.0, log=True)],
                    particles=60, generations=1, seed=1, predictive_runs=50,
                    forecast_weeks=4)
    post = save_calibration(res, tmp_path / "post.parquet", tmp_path / "r.duckdb")
    table = pd.read_parquet(post)
    assert list(table.columns) == ["attack_base_rate", "weight"]
    proc = run_cli("simulate", "--runs", "20", "--weeks", "6", "--posterior", str(post),
                   "--json")
    assert proc.returncode == 0, proc.stderr
    used = json.loads(proc.stdout)["metadata"]["params"]["attack_base_rate"]
    lo, hi = table["attack_base_rate"].min(), table["attack_base_rate"].max()
    assert lo <= used["min"] and used["max"] <= hi
    from armednet.experiments.runner import run_experiment
    from armednet.experiments.spec import ExperimentSpec
    from armednet.experiments.store import open_store

    spec = ExperimentSpec.model_validate({
        "name": "with-posterior", "weeks": 6, "design": {"method": "lhs", "n": 4},
        "uncertainties": [{"name": "rent_rate", "low": 0.005, "high": 0.05}],
        "levers": ["status-quo"], "outcomes": [{"name": "attacks", "variable": "attacks"}],
        "posterior": str(post)})
    eid = run_experiment(spec, tmp_path / "r.duckdb", evaluator="sequential")
    with open_store(tmp_path / "r.duckdb", read_only=True) as s:
        assert len(s.outcomes(eid)) == 4
        stored = s.analysis("calibration", "latest")
    assert stored["posterior_file"] == str(post) and "forecast" in stored
    clash = ExperimentSpec.model_validate({**spec.model_dump(mode="json"), "uncertainties": [
        {"name": "attack_base_rate", "low": 0.1, "high": 0.2}]})
    with pytest.raises(InputError, match="also uncertain or fixed"):
        run_experiment(clash, tmp_path / "r.duckdb", evaluator="sequential")


def test_cli(tmp_path: Path, shared_data: Path) -> None:
    data = shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv"
    out, db = tmp_path / "post.parquet", tmp_path / "r.duckdb"
    proc = run_cli("calibrate", "--data", str(data), "--db", str(db), "--out", str(out),
                   "--particles", "60", "--generations", "1", "--param", "attack_base_rate",
                   "--param", "trigger_sensitivity", "--forecast-weeks", "6")
    assert proc.returncode == 0, proc.stderr
    assert "Posterior predictive" in proc.stdout and "Probability of a lull" in proc.stdout
    assert out.exists() and db.exists()
    bad = write(tmp_path, ["2023-10-17,2023-10-24,8,x"], "bad.csv")
    proc = run_cli("calibrate", "--data", str(bad), "--out", str(tmp_path / "p2.parquet"))
    assert_clean_usage_error(proc)
    assert "bad.csv:2: attacks" in proc.stderr
    assert not (tmp_path / "p2.parquet").exists()
    early = write(tmp_path, ["2023-09-01,2023-09-07,7,3"], "early.csv")
    proc = run_cli("calibrate", "--data", str(early), "--out", str(tmp_path / "p3.parquet"))
    assert_clean_usage_error(proc)
    assert "before the scenario's start" in proc.stderr
