"""``armednet score``: a saved forecast against intervals or weekly truth, beside the
baselines, with tables, JSON and files; clean errors for bad input. Files are generated."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from armednet.cli.main import app
from armednet.validation.forecast import Forecast
from tests.cli.helpers import assert_clean_usage_error, run_cli

ORIGIN = dt.date(2024, 1, 9)
runner = CliRunner()


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    rng = np.random.default_rng(0)
    dates = tuple(dt.date(2024, 1, 8) + dt.timedelta(days=7 * k) for k in range(4))
    fc = Forecast(rng.poisson(9.0, size=(500, 4)), dates, (0, 1, 2, 3),
                  {"forecaster": "model", "origin": ORIGIN.isoformat()}).save(
        tmp_path / "fc.parquet")
    intervals = tmp_path / "intervals.csv"
    intervals.write_text("first_day,interval_end_inclusive,attacks\n"
                         "2023-12-22,2024-01-04,18\n2024-01-05,2024-01-09,7\n"
                         "2024-01-10,2024-01-19,13\n2024-01-20,2024-01-22,10\n"
                         "2024-01-23,2024-01-30,10\n")
    weekly = tmp_path / "weekly.csv"
    weekly.write_text("week_start,attacks\n2024-01-15,8\n2024-01-22,11\n2024-01-29,6\n")
    return {"forecast": fc, "intervals": intervals, "weekly": weekly}


def invoke(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, ["score", *args])
    return res.exit_code, res.stdout, res.stderr


def test_scores_against_intervals_with_history_from_the_truth(files: dict[str, Path],
                                                              tmp_path: Path) -> None:
    code, out, err = invoke(str(files["forecast"]), "--truth", str(files["intervals"]),
                            "-o", str(tmp_path / "s.csv"))
    assert code == 0, err
    for word in ("model", "pre-war rate", "last interval", "last 4 weeks", "conflictology",
                 "PIT histogram", "CRPS", "the baselines on CRPS"):
        assert word in out
    table = pd.read_csv(tmp_path / "s.csv")
    assert table["forecaster"].tolist()[0] == "model" and table["n"].tolist() == [3] * 5
    assert [f"pit{j}" for j in range(1, 11)] == table.columns[-10:].tolist()
    assert table[[f"pit{j}" for j in range(1, 11)]].sum(axis=1).round(6).tolist() == [3.0] * 5


def test_weekly_truth_needs_history_when_it_has_none(files: dict[str, Path],
                                                     tmp_path: Path) -> None:
    code, _, err = invoke(str(files["forecast"]), "--truth", str(files["weekly"]))
    assert code == 2 and "give --history FILE" in err
    code, out, err = invoke(str(files["forecast"]), "--truth", str(files["weekly"]),
                            "--history", str(files["intervals"]), "--json",
                            "-o", str(tmp_path / "s.json"))
    assert code == 0, err
    record = json.loads(out)
    assert record["units"] == 3 and record["origin"] == "2024-01-09"
    assert [r["forecaster"] for r in record["summary"]][:2] == ["model", "pre-war rate"]
    assert {r["first_day"] for r in record["scores"]} == {"2024-01-15", "2024-01-22",
                                                          "2024-01-29"}
    assert record["verdict"].startswith("The model")
    assert json.loads((tmp_path / "s.json").read_text())["units"] == 3


def test_bad_inputs_exit_2_with_one_line(files: dict[str, Path], tmp_path: Path) -> None:
    code, _, err = invoke(str(files["intervals"]), "--truth", str(files["intervals"]))
    assert code == 2 and "not a Parquet file" in err
    code, _, err = invoke(str(files["forecast"]), "--truth", str(files["intervals"]),
                          "-o", str(tmp_path / "s.txt"))
    assert code == 2 and "expected a .csv or .json" in err
    late = tmp_path / "late.csv"
    late.write_text("week_start,attacks\n2024-06-03,1\n")
    code, _, err = invoke(str(files["forecast"]), "--truth", str(late), "--history",
                          str(files["intervals"]))
    assert code == 2 and "no row lies after the forecast's origin" in err
    proc = run_cli("score", str(files["forecast"]), "--truth", str(tmp_path / "none.csv"))
    assert_clean_usage_error(proc)
    assert "none.csv: no such file" in proc.stderr
