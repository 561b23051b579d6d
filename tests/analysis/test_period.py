"""Time-correct analysis: the scenario's window by default, snapshots and spans on request,
the whole record only when asked, and a warning for dates outside the window."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

from armednet import analysis as an
from armednet.analysis.period import OutsideWindowWarning, Period, scenario_window, window_view
from armednet.errors import InputError
from armednet.kb import KnowledgeGraph
from tests.factories import tiny_document, write_yaml

KILLED_2020 = {"qasem-soleimani", "abu-mahdi-al-muhandis"}


@pytest.fixture(scope="module")
def kg() -> KnowledgeGraph:
    return KnowledgeGraph.load()


@pytest.fixture
def dated(tmp_path: Path) -> KnowledgeGraph:
    """The tiny scenario with a window (2023-10-02 to 2024-06-30), a leader dead before it,
    a tie that ended before it and a group founded after it."""
    doc = tiny_document()
    doc["scenario"]["end"] = "2024-06"
    doc["nodes"].append({"id": "old-leader", "type": "person", "name": "Old Leader",
                         "sources": ["src-a"], "end": "2020-01-03"})
    doc["nodes"].append({"id": "late-group", "type": "armed_group", "name": "Late Group",
                         "sources": ["src-a"], "start": "2025",
                         "group": {"orientation": 0.5, "founding_year": 2025,
                                   "ideology": "religious",
                                   "size": {"value": 10, "low": 5, "high": 20},
                                   "legitimacy": 0.5,
                                   "campaign": {"member": False, "sources": ["src-a"]}}})
    doc["ties"] += [
        {"type": "leads", "from": "old-leader", "to": "group-a", "sources": ["src-a"],
         "end": "2020-01-03"},
        {"type": "funds", "from": "bank", "to": "group-b", "channel": "bank",
         "sources": ["src-b"], "end": "2019"},
    ]
    return KnowledgeGraph.load(str(write_yaml(tmp_path / "dated.yaml", doc)))


def test_window_view_keeps_facts_that_meet_the_window(dated: KnowledgeGraph) -> None:
    assert scenario_window(dated) == (dt.date(2023, 10, 2), dt.date(2024, 6, 30))
    view = window_view(dated)
    ids = {n.id for n in view.nodes()}
    assert "old-leader" not in ids and "late-group" not in ids
    assert "leader-a" in ids  # ended 2024-02-07, inside the window
    assert {t.key for t in view.ties()} == {
        t.key for t in dated.ties() if t.from_ != "old-leader" and t.end != "2019"}
    early = window_view(dated, "2019", "2020-01")  # a span given by partial dates
    assert {"old-leader"} <= {n.id for n in early.nodes()}
    with pytest.raises(InputError, match=r"^end: 2019-12-31 comes before"):
        window_view(dated, "2020-01-01", "2019")


def test_every_default_covers_the_window(dated: KnowledgeGraph) -> None:
    net = an.as_net(dated)
    assert net.period == Period("window", dt.date(2023, 10, 2), dt.date(2024, 6, 30), 2, 2,
                                ("old-leader", "late-group"))
    assert "old-leader" not in net.index
    assert "old-leader" not in an.degree(dated).index
    assert "old-leader" not in set(an.key_actor_report(dated)["node"])
    assert "old-leader" in set(an.key_actor_report(dated, at="all")["node"])
    assert an.command_reach(dated)["group-a"] == 1  # leader-a only
    assert an.command_reach(dated, at="all")["group-a"] == 2
    res = an.what_if(dated, remove=["leader-a"])
    assert res.period is not None and res.period.kind == "window"
    assert res.delta.loc["network", "command_reach"] == -1.0
    curve = an.resilience_curve(dated, "leaders")
    assert "old-leader" not in set(curve["removed"])
    assert "old-leader" in set(an.resilience_curve(dated, "leaders", at="all")["removed"])


def test_soleimani_and_al_muhandis_are_no_key_actors_of_2023_24(kg: KnowledgeGraph) -> None:
    report = an.key_actor_report(kg, top=5)
    assert not KILLED_2020 & set(report["node"])
    record = an.key_actor_report(kg, top=5, at="all")
    people = record[(record["scope"] == "person") & (record["rank"] <= 3)]
    assert set(people["node"]) >= KILLED_2020  # what pooling every date used to give
    with pytest.raises(InputError, match="not active in the window 2023-10-02 to 2024-12-31"):
        an.what_if(kg, remove=["qasem-soleimani"])
    with pytest.warns(OutsideWindowWarning):
        before = an.what_if(kg, remove=["qasem-soleimani"], at="2019-06")
    assert before.removed == ("qasem-soleimani",)


def test_snapshots_spans_and_the_record(dated: KnowledgeGraph) -> None:
    snap = an.as_net(dated, at="2024-03")
    assert snap.at == dt.date(2024, 3, 1) and snap.period is not None
    assert snap.period.kind == "date" and "leader-a" not in snap.index
    assert snap.period.describe().startswith("the snapshot on 2024-03-01")
    span = an.as_net(dated, at=("2024-03", "2024-04")).period
    assert span is not None and (span.kind, span.start, span.end) == (
        "span", dt.date(2024, 3, 1), dt.date(2024, 4, 30))
    record = an.as_net(dated, at="all")
    assert record.n == len(dated.nodes()) and record.period is not None
    assert record.period.kind == "record" and record.period.start == dt.date(2003, 5, 1)
    kept = an.as_net(dated.snapshot("2024-03-01")).period  # a snapshot is kept as it is
    assert kept is not None and kept.kind == "date"


def test_dates_outside_the_window_warn(dated: KnowledgeGraph) -> None:
    with pytest.warns(OutsideWindowWarning, match=r"^at=2020-01-01 lies outside the scenario's "
                                                  r"window \(2023-10-02 to 2024-06-30\)") as rec:
        an.degree(dated, at="2020-01-01")
    assert rec[0].filename == __file__  # points at the caller, not into armednet
    with pytest.warns(OutsideWindowWarning, match=r"^2 of the 3 dates \(2020-01-01, 2025-01-01\)"):
        an.measures_over_time(dated, ["2020", "2024-01", "2025"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        an.degree(dated, at="2024-01-01")
        an.degree(dated)
        an.degree(dated, at="all")


@pytest.mark.parametrize(("at", "message"), [
    ("2024-13-01", r"^at: month 13"),
    ("yesterday", r"^at: expected a date .*'window' or 'all'"),
    (("2024-05", "2024-01"), r"^at: the span ends"),
])
def test_errors_name_the_argument_not_a_flag(dated: KnowledgeGraph, at: object,
                                             message: str) -> None:
    with pytest.raises(InputError, match=message) as info:
        an.as_net(dated, at=at)  # type: ignore[arg-type]
    assert "--" not in str(info.value)


def test_prepared_and_networkx_graphs_take_no_time(dated: KnowledgeGraph) -> None:
    net = an.as_net(dated)
    with pytest.raises(InputError, match=r"^at: a time needs a knowledge graph"):
        an.as_net(net, at="2024-01-01")
    with pytest.raises(InputError, match=r"^at: a time needs a knowledge graph"):
        an.as_net(dated.to_networkx(), at="all")
    assert an.as_net(dated.to_networkx()).period is None
