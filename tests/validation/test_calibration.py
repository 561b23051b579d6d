"""Calibration on the engine: interval files are validated; the data's facts are laid
onto the engine's calendar; a small ABC-SMC run on the DoD intervals records its patterns,
the informed table, ESS per generation and the re-simulation share; the posterior feeds
simulate and experiments; the CLI prints and stores everything it promises.

The algorithm's accuracy (recovery of a known parameter, ESS) is tested on cheap analytic
simulators in ``test_abc.py``; the patterns on constructed inputs in ``test_patterns.py``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from armednet.errors import InputError, ValidationFailed
from armednet.events.intervals import IntervalCounts, load_intervals, overlap_matrix
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
    ov = overlap_matrix(data, dt.date(2023, 10, 2), 18)
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


def _dod(shared_data: Path) -> Path:
    return shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv"


def test_the_data_facts_on_the_engine_calendar(shared_data: Path) -> None:
    from armednet.validation.calibration import _facts

    data = load_intervals(_dod(shared_data))
    f = _facts(KG, data)
    assert f.weeks == 18 and f.last_week == 17
    # the truce: the two zero-count intervals, 24-27 and 29-30 November 2023
    assert [data.first_day[i].isoformat() for i in f.truce] == ["2023-11-24", "2023-11-29"]
    assert f.tau_daily is not None and f.tau_daily.ravel()[53:60].tolist() == [0.0] * 7
    assert f.quiet_until == 16  # the week of 22-28 January 2024
    assert f.strike_weeks and max(f.strike_weeks) <= 17 and f.strikes_observed
    early = IntervalCounts(data.first_day[:3], data.last_day[:3], data.attacks[:3],
                           data.table.iloc[:3], data.source)
    assert len(_facts(KG, early).truce) == 0


def test_a_small_run_records_patterns_informed_ess_and_resimulation(
        shared_data: Path) -> None:
    data = load_intervals(_dod(shared_data))
    priors = [Prior("attack_base_rate", 0.02, 1.0, log=True),
              Prior("trigger_sensitivity", 0.0, 30.0)]
    res = calibrate(KG, data, priors=priors, particles=60, generations=2, seed=3,
                    predictive_runs=60, forecast_weeks=4, replicates=2, resimulate=30)
    rec = res.record
    assert res.posterior["weight"].sum() == pytest.approx(1.0)
    assert list(res.posterior.columns) == ["attack_base_rate", "trigger_sensitivity",
                                           "weight"]
    assert [p["name"] for p in rec["patterns"]] == ["intervals", "prewar", "truce",
                                                    "lethal", "strikes"]
    for p in rec["patterns"]:
        assert {"observed", "simulated", "description", "source", "distance"} <= set(p)
        assert p["simulated"]["low"] <= p["simulated"]["median"] <= p["simulated"]["high"]
    obs = {p["name"]: p["observed"] for p in rec["patterns"]}
    assert obs == {"intervals": 160.0, "prewar": 0.7, "truce": 0.0, "lethal": 1.0,
                   "strikes": 1.0}
    assert [r["parameter"] for r in rec["informed"]] == [p.name for p in priors]
    assert all(r["informed"] == (r["ratio"] < 0.5) for r in rec["informed"])
    assert 0.0 <= rec["resimulation"]["share"] <= 1.0 and rec["resimulation"]["draws"] == 30
    done = res.generations[res.generations["complete"]]
    assert done["ess_share"].between(0.0, 1.0).all() and rec["ess_share"] > 0
    assert len(rec["predictive"]) == len(data) and 0.0 <= rec["coverage"] <= 1.0
    assert rec["allocation"] == "trigger-weighted"
    assert rec["dispersion_check"]["nb_k"] > 0
    assert len(rec["forecast"]["weekly"]) == 4


def test_bad_settings_and_patterns(shared_data: Path) -> None:
    data = load_intervals(_dod(shared_data))
    prior = [Prior("attack_base_rate", 0.02, 1.0, log=True)]
    for kwargs, message in (({"patterns": ["nonsense"]}, "unknown pattern"),
                            ({"replicates": 0}, "replicates must be at least 1"),
                            ({"quantile": 1.0}, "quantile must be in"),
                            ({"pattern_weights": {"prewar": -1.0}}, "pattern weight"),
                            ({"particles": 5}, "particles must be at least 20")):
        with pytest.raises(InputError, match=message):
            calibrate(KG, data, priors=prior, **kwargs)


def test_posterior_round_trip_into_simulate_and_experiments(tmp_path: Path,
                                                            shared_data: Path) -> None:
    data = load_intervals(shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv")
    res = calibrate(KG, data, priors=[Prior("attack_base_rate", 0.02, 1.0, log=True)],
                    particles=20, generations=1, seed=1, predictive_runs=50,
                    forecast_weeks=4, replicates=1, resimulate=10, patterns=["intervals"])
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
    assert stored is not None
    assert stored["posterior_file"] == str(post) and "forecast" in stored
    clash = ExperimentSpec.model_validate({**spec.model_dump(mode="json"), "uncertainties": [
        {"name": "attack_base_rate", "low": 0.1, "high": 0.2}]})
    with pytest.raises(InputError, match="also uncertain or fixed"):
        run_experiment(clash, tmp_path / "r.duckdb", evaluator="sequential")


def test_cli(tmp_path: Path, shared_data: Path) -> None:
    # Calibrate on the intervals up to 4 Jan 2024 (a file made here from the shared one),
    # then score the saved forecast against the later intervals: end to end, honestly
    # out of sample inside the data window.
    data = shared_data / "attacks-us-forces-iraq-syria" / "intervals.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    early_rows = [ln for ln in lines[1:] if ln.split(",")[1] <= "2024-01-04"]
    first = tmp_path / "early.csv"
    first.write_text("\n".join([lines[0], *early_rows]) + "\n", encoding="utf-8")
    out, db = tmp_path / "post.parquet", tmp_path / "r.duckdb"
    proc = run_cli("calibrate", "--data", str(first), "--db", str(db), "--out", str(out),
                   "--particles", "20", "--generations", "1", "--param", "attack_base_rate",
                   "--param", "trigger_sensitivity", "--forecast-weeks", "6",
                   "--replicates", "2")
    assert proc.returncode == 0, proc.stderr
    for text in ("Posterior predictive", "Probability of a lull", "ESS share",
                 "Which parameters the data inform", "Patterns: observed value",
                 "Re-simulated", "prewar", "truce", "attack_base_rate"):
        assert text in proc.stdout, text
    forecast = tmp_path / "forecast.parquet"
    assert out.exists() and db.exists() and forecast.exists()
    scored = run_cli("score", str(forecast), "--truth", str(data), "--json")
    assert scored.returncode == 0, scored.stderr
    table = json.loads(scored.stdout)
    assert "model" in json.dumps(table) and "conflictology" in json.dumps(table)
    bad = write(tmp_path, ["2023-10-17,2023-10-24,8,x"], "bad.csv")
    proc = run_cli("calibrate", "--data", str(bad), "--out", str(tmp_path / "p2.parquet"))
    assert_clean_usage_error(proc)
    assert "bad.csv:2: attacks" in proc.stderr
    assert not (tmp_path / "p2.parquet").exists()
    early = write(tmp_path, ["2023-09-01,2023-09-07,7,3"], "early.csv")
    proc = run_cli("calibrate", "--data", str(early), "--out", str(tmp_path / "p3.parquet"))
    assert_clean_usage_error(proc)
    assert "before the scenario's start" in proc.stderr

