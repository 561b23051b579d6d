"""``armednet simulate`` end to end: tables, JSON, Parquet output, and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.cli.helpers import assert_clean_usage_error, run_cli


def test_summary_json_with_intervals() -> None:
    proc = run_cli("simulate", "--runs", "50", "--weeks", "30", "--seed", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    rows = {r["outcome"]: r for r in data["outcomes"]}
    assert rows["attacks"]["low"] <= rows["attacks"]["median"] <= rows["attacks"]["high"]
    assert data["metadata"]["seed"] == 3 and data["metadata"]["runs"] == 50
    assert len(data["metadata"]["scenario_hash"]) == 64


def test_table_and_parquet_files(tmp_path: Path) -> None:
    out, weekly = tmp_path / "runs.parquet", tmp_path / "weeks.parquet"
    proc = run_cli("simulate", "--policy", "strikes", "--runs", "20", "--weeks", "12",
                   "--out", str(out), "--weekly-out", str(weekly), "--param",
                   "attack_base_rate=0.5", "--off", "rally")
    assert proc.returncode == 0, proc.stderr
    assert "median" in proc.stdout and "attacks" in proc.stdout
    runs = pd.read_parquet(out)
    assert len(runs) == 20 and runs["attacks"].ge(0).all()
    weeks = pd.read_parquet(weekly)  # long form: run, week, date, variable, group, value
    attacks = weeks[weeks["variable"] == "attacks"]
    assert len(attacks) == 20 * 12 and attacks["group"].isna().all()
    from armednet.sim.output import read_metadata

    meta = read_metadata(out)
    assert meta["params"]["attack_base_rate"] == 0.5 and "rally" not in meta["mechanisms"]


def test_same_seed_same_file(tmp_path: Path) -> None:
    for name in ("a", "b"):
        proc = run_cli("simulate", "--runs", "10", "--weeks", "10", "--seed", "9", "--out",
                       str(tmp_path / f"{name}.parquet"))
        assert proc.returncode == 0, proc.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "a.parquet"),
                                  pd.read_parquet(tmp_path / "b.parquet"))


def test_posterior_file(tmp_path: Path) -> None:
    post = tmp_path / "post.csv"
    post.write_text("attack_base_rate,trigger_sensitivity,weight\n0.1,5,1\n0.2,6,3\n")
    proc = run_cli("simulate", "--runs", "10", "--weeks", "8", "--posterior", str(post),
                   "--json")
    assert proc.returncode == 0, proc.stderr
    params = json.loads(proc.stdout)["metadata"]["params"]
    assert params["attack_base_rate"]["min"] >= 0.1


def test_list_params_and_mechanisms() -> None:
    proc = run_cli("simulate", "--list-params", "--list-mechanisms")
    assert proc.returncode == 0
    assert "rent_rate" in proc.stdout and "decapitation" in proc.stdout


@pytest.mark.parametrize(("args", "hint"), [
    (["--policy", "stikes"], "strikes"),
    (["--policy", "missing.yaml"], "not found"),
    (["--param", "rent_rat=0.1"], "rent_rate"),
    (["--param", "rent_rate"], "NAME=VALUE"),
    (["--param", "rent_rate=lots"], "not a number"),
    (["--off", "sanction"], "sanctions"),
    (["--runs", "0"], "--runs"),
    (["--weeks", "-5"], "--weeks"),
    (["--out", "x.csv"], ".parquet"),
    (["--uncertainty", "posterior"], "--posterior"),
    (["--uncertainty", "vague"], "none, prior or posterior"),
])
def test_usage_errors(args: list[str], hint: str) -> None:
    proc = run_cli("simulate", "--runs", "2", "--weeks", "3", *args)
    assert_clean_usage_error(proc)
    assert hint in proc.stderr


def test_bad_policy_file_loses_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevers:\n  - {kind: sanctions, start: 2031-01-01}\n")
    out = tmp_path / "out.parquet"
    proc = run_cli("simulate", "--policy", str(bad), "--runs", "2", "--out", str(out))
    assert_clean_usage_error(proc)
    assert "outside the simulated period" in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_weekly_out_streams_only_the_recorded_variables(tmp_path: Path) -> None:
    weekly = tmp_path / "w.parquet"
    proc = run_cli("simulate", "--runs", "30", "--weeks", "5", "--out",
                   str(tmp_path / "s.parquet"), "--weekly-out", str(weekly), "--record",
                   "attacks", "--record", "military")
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_parquet(weekly)
    from armednet.sim.output import WEEKLY_COLUMNS

    assert tuple(frame.columns) == WEEKLY_COLUMNS
    assert set(frame["variable"].astype(str)) == {"attacks", "military"}
    military = frame[frame["variable"] == "military"]
    gids = military["group"].unique()
    assert len(gids) > 1 and len(military) == 30 * 5 * len(gids)
    assert len(frame[frame["variable"] == "attacks"]) == 30 * 5
    proc = run_cli("simulate", "--runs", "2", "--record", "atacks", "--weekly-out",
                   str(tmp_path / "x.parquet"))
    assert_clean_usage_error(proc)
    assert "did you mean attacks" in proc.stderr


def test_uncertainty_is_said_and_prior_widens_the_interval() -> None:
    widths = {}
    for kind in ("none", "prior"):
        proc = run_cli("simulate", "--runs", "200", "--weeks", "30", "--seed", "1",
                       "--uncertainty", kind, "--json")
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert data["metadata"]["uncertainty"] == kind
        row = next(r for r in data["outcomes"] if r["outcome"] == "attacks")
        widths[kind] = row["high"] - row["low"]
    assert widths["prior"] > widths["none"]
    table = run_cli("simulate", "--runs", "20", "--weeks", "10", "--uncertainty", "prior")
    assert "parameter ranges" in " ".join(table.stdout.split())


def test_a_lever_with_nothing_to_act_on_is_said(tmp_path: Path) -> None:
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(
        "scenario: {id: tiny, name: Tiny, description: x, start: 2023-10-02}\n"
        "sources: [{id: s, author: A, title: T}]\n"
        "nodes:\n"
        "  - {id: g, type: armed_group, name: G, sources: [s], group: {orientation: 0.8, "
        "founding_year: 2000, ideology: religious, size: {value: 1000, low: 500, high: 2000}, "
        "legitimacy: 0.3, campaign: {member: true, sources: [s]}}}\n")
    proc = run_cli("simulate", str(scenario), "--runs", "5", "--weeks", "5",
                   "--policy", "diplomacy")
    assert proc.returncode == 0, proc.stderr
    assert "warning: diplomacy lever" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_workers_do_not_change_the_output(tmp_path: Path) -> None:
    # 2,048 runs: two chunks, so two workers are used (the default uses every CPU)
    outs = {}
    for w in ("1", "2"):
        out = tmp_path / f"s{w}.parquet"
        proc = run_cli("simulate", "--runs", "2048", "--weeks", "6", "--workers", w,
                       "--out", str(out), "--json")
        assert proc.returncode == 0, proc.stderr
        outs[w] = (json.loads(proc.stdout)["outcomes"], pd.read_parquet(out))
    assert outs["1"][0] == outs["2"][0]
    pd.testing.assert_frame_equal(outs["1"][1], outs["2"][1], check_exact=True)
    assert outs["2"][1]["run"].tolist() == list(range(2048))


def test_table_from_the_file_matches_the_table_in_memory(tmp_path: Path) -> None:
    base = ("simulate", "--runs", "40", "--weeks", "10", "--seed", "2", "--json")
    memory = run_cli(*base)
    streamed = run_cli(*base, "--out", str(tmp_path / "s.parquet"))
    assert memory.returncode == 0 and streamed.returncode == 0, streamed.stderr
    assert json.loads(memory.stdout)["outcomes"] == json.loads(streamed.stdout)["outcomes"]


def test_negative_workers_is_a_usage_error() -> None:
    assert_clean_usage_error(run_cli("simulate", "--runs", "5", "--workers", "-1"))
