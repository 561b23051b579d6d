"""Calibration over several theatres: shared behavioural parameters, each theatre's own
reporting factors, per-theatre checks and forecasts (the CLI end to end). Small
populations: these tests check the plumbing and what is saved, not the fit's quality."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from armednet.cli.main import app
from armednet.errors import InputError
from armednet.events.intervals import load_intervals
from armednet.events.statements import load_statements
from armednet.kb import KnowledgeGraph
from armednet.validation.priors import default_priors
from armednet.validation.theatres import Theatre, _statement_facts, calibrate_theatres

runner = CliRunner()
SMALL = {"particles": 40, "generations": 1, "predictive_runs": 30, "resimulate": 10,
         "replicates": 2}
PRIORS = ["attack_base_rate", "trigger_sensitivity", "ceasefire_threshold"]


@pytest.fixture(scope="module")
def red_sea() -> KnowledgeGraph:
    return KnowledgeGraph.load("red-sea-2024")


def _statements(shared_data: Path):
    return load_statements(shared_data / "episodes" / "houthi-red-sea" / "cumulative.csv")


def test_the_red_sea_facts_come_from_the_statements(shared_data: Path, red_sea) -> None:
    f = _statement_facts(red_sea, _statements(shared_data))
    assert f.start == dt.date(2023, 10, 2)
    assert f.weeks == (dt.date(2024, 3, 31) - f.start).days // 7 + 1
    # the first U.S.-U.K. strike of 11 Jan 2024 is in week 14; the reference count went on
    # rising after it (27 on 11 Jan, at least 48 and 50 later)
    assert f.strike_weeks[0] == 14 and f.strikes_observed
    assert f.reference_index is not None


def test_joint_fit_shares_parameters_and_keeps_factors_per_theatre(shared_data: Path,
                                                                   red_sea) -> None:
    iraq = KnowledgeGraph.load("iraq-2024")
    th = [Theatre(iraq, load_intervals(shared_data / "attacks-us-forces-iraq-syria"
                                       / "intervals.csv"), ["intervals"]),
          Theatre(red_sea, _statements(shared_data))]
    res = calibrate_theatres(th, priors=default_priors(PRIORS), seed=3, **SMALL)
    rec = res.record
    assert rec["params"] == PRIORS
    assert rec["theatre_params"] == ["red-sea-2024:SANAA_CENTER", "red-sea-2024:HOUTHI"]
    assert list(res.posterior.columns) == [*PRIORS, *rec["theatre_params"], "weight"]
    assert res.posterior["weight"].sum() == pytest.approx(1.0)
    assert [b["scenario"] for b in rec["theatres"]] == ["iraq-2024", "red-sea-2024"]
    iq, rs = rec["theatres"]
    assert [p["name"] for p in iq["patterns"]] == ["intervals"]
    assert [p["name"] for p in rs["patterns"]] == ["statements", "strikes"]
    assert len(rs["statements"]) == 8 and 0.0 <= rs["coverage"] <= 1.0
    assert rs["cutoff"] == "2024-03-31"
    # the Houthis' campaign starts on 19 Nov 2023: no attack in the weeks before
    assert all(r["high"] == 0 for r in rs["weekly"][:7])
    # a factor stays inside its prior range
    lo, hi = res.posterior["red-sea-2024:HOUTHI"].agg(["min", "max"])
    assert 0.8 <= lo <= hi <= 3.0


def test_the_fit_is_reproducible(shared_data: Path, red_sea) -> None:
    th = [Theatre(red_sea, _statements(shared_data))]
    a = calibrate_theatres(th, priors=default_priors(PRIORS), seed=5, **SMALL)
    b = calibrate_theatres(th, priors=default_priors(PRIORS), seed=5, **SMALL)
    pd.testing.assert_frame_equal(a.posterior, b.posterior)


def test_bad_theatres_are_refused(shared_data: Path, red_sea) -> None:
    data = _statements(shared_data)
    with pytest.raises(InputError, match="no theatre"):
        calibrate_theatres([])
    with pytest.raises(InputError, match="twice"):
        calibrate_theatres([Theatre(red_sea, data), Theatre(red_sea, data)], **SMALL)
    with pytest.raises(InputError, match="unknown pattern"):
        calibrate_theatres([Theatre(red_sea, data, ["intervals"])], **SMALL)


def test_cli_fits_both_theatres_and_saves_each_forecast(shared_data: Path,
                                                        tmp_path: Path) -> None:
    post, db = tmp_path / "post.parquet", tmp_path / "r.duckdb"
    res = runner.invoke(app, [
        "calibrate", "red-sea-2024", "--data",
        str(shared_data / "episodes" / "houthi-red-sea" / "cumulative.csv"),
        "--theatre", "iraq-2024=" + str(shared_data / "attacks-us-forces-iraq-syria"
                                        / "intervals.csv"),
        "--particles", "40", "--generations", "1", "--replicates", "1",
        "--param", "attack_base_rate", "--param", "trigger_sensitivity",
        "-o", str(post), "--db", str(db), "--json"])
    assert res.exit_code == 0, res.stderr
    rec = json.loads(res.stdout)
    table = pd.read_parquet(post)
    # the posterior file holds the shared parameters only: simulate --posterior runs it on
    # any scenario; the reporting factors are the theatre's, in the record
    assert list(table.columns) == ["attack_base_rate", "trigger_sensitivity", "weight"]
    rs = next(b for b in rec["theatres"] if b["scenario"] == "red-sea-2024")
    fc = pd.read_parquet(rs["forecast"]["file"])
    assert Path(rs["forecast"]["file"]).name == "forecast-red-sea-2024.parquet"
    # from the day after the data (31 Mar 2024) to the scenario's end (30 Jun 2025)
    assert rs["forecast"]["weekly"][0]["date"] == "2024-04-01"
    assert rs["forecast"]["weekly"][-1]["date"] == "2025-06-23"
    assert len(fc) > 0
    assert (tmp_path / "forecast-iraq-2024.parquet").is_file()
    from armednet.experiments.store import open_store

    with open_store(db) as store:
        saved = store.analysis("calibration-theatres", "latest")
    assert saved is not None and saved["scenarios"] == ["red-sea-2024", "iraq-2024"]


def test_forecast_command_forecasts_a_theatre_from_another_posterior(tmp_path: Path) -> None:
    post = tmp_path / "p.parquet"
    pd.DataFrame({"attack_base_rate": [0.2, 0.3], "weight": [0.5, 0.5]}).to_parquet(post)
    out = tmp_path / "f.parquet"
    res = runner.invoke(app, ["forecast", "red-sea-2024", "--after", "2024-03-31",
                              "--posterior", str(post), "--runs", "60", "--weeks", "8",
                              "-o", str(out), "--json"])
    assert res.exit_code == 0, res.stderr
    rec = json.loads(res.stdout)
    assert rec["weekly"][0]["date"] == "2024-04-01" and len(rec["weekly"]) == 8
    assert rec["metadata"]["scenario"] == "red-sea-2024"
    # scoreable: a generated truth over the forecast's weeks
    truth, history = tmp_path / "t.csv", tmp_path / "h.csv"
    truth.write_text("first_day,interval_end_inclusive,attacks\n"
                     "2024-04-01,2024-04-14,6\n2024-04-15,2024-05-05,9\n")
    history.write_text("first_day,interval_end_inclusive,attacks\n"
                       "2024-02-01,2024-02-29,12\n2024-03-01,2024-03-31,10\n")
    scored = runner.invoke(app, ["score", str(out), "--truth", str(truth),
                                 "--history", str(history)])
    assert scored.exit_code == 0, scored.stderr
    assert "CRPS" in scored.stdout
    from armednet.validation.forecast import Forecast

    back = Forecast.load(out)
    assert back.samples.shape == (60, 8) and np.isfinite(back.samples).all()


@pytest.mark.parametrize("args, word", [
    (["--after", "2024-13-01"], "--after"),
    (["--after", "2024-03-31", "--posterior", "missing.parquet"], "no such file"),
    (["--after", "2024-03-31", "-o", "f.csv"], ".parquet"),
])
def test_forecast_command_refuses_bad_input(args: list[str], word: str,
                                            tmp_path: Path) -> None:
    res = runner.invoke(app, ["forecast", "red-sea-2024", *args])
    assert res.exit_code == 2 and word in res.stderr
    assert "Traceback" not in res.stderr


def test_calibrate_theatre_spec_must_name_a_file(shared_data: Path) -> None:
    res = runner.invoke(app, ["calibrate", "red-sea-2024", "--data",
                              str(shared_data / "episodes" / "houthi-red-sea" / "cumulative.csv"),
                              "--theatre", "iraq-2024"])
    assert res.exit_code == 2 and "SCENARIO=FILE" in res.stderr
