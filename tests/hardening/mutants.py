"""Mutants of small generated input documents, and the loaders they are fed to.

Shared by the fuzz tests (``test_fuzz_loaders.py``, driven by hypothesis) and the
benchmark that prints the table of outcomes (``benchmarks/bench_fuzz.py``, driven by a
seeded ``random.Random``). A mutation draws its choices through a ``Pick`` (``pick(n)``
returns an int in ``0 .. n-1``), so either driver can run it.

Each loader reads one mutated document from a temporary folder and returns an
:class:`Outcome`: ``valid`` (the loader accepted it and every invariant holds),
``clean error`` (an :class:`~armednet.errors.InputError` whose every message line is one
line) or ``other`` (anything else: a traceback, a bad message, or an accepted impossible
value; the fuzz tests fail on it). Seed documents are generated here; nothing is copied
from shared data.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import math
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from armednet.errors import InputError, ValidationFailed
from tests.factories import tiny_document

Pick = Callable[[int], int]
"""``pick(n)``: a choice in ``0 .. n-1`` (hypothesis ``data.draw`` or ``random``)."""

NASTY: tuple[Any, ...] = (
    float("nan"), float("inf"), -float("inf"), -1, -1e300, 1e20, 10**30, 0, "", "x" * 300,
    None, [], {}, True, "9999-12-31", "2024-13-01", "0001-01-01", "1e400", "NaN", "-0.5",
    "2023-10-02", 2**63, 0.5, "attackers", ["a", "b"], {"x": 1},
)
"""Values a structural mutation puts in place of a field."""

PLAUSIBLE: tuple[Any, ...] = (0.3, 2, 0.0, 1, 50, "2024-01-15", "2023", "2023-11",
                              "group-a", "src-a", "attacks", "strikes", [])
"""Values that often fit, so that more mutants load and their invariants are checked."""

SNIPPETS: tuple[str, ...] = (
    "&r [*r]", "*undefined", "!!python/object/apply:os.system ['true']", "!!binary xyz",
    "'unclosed", '"\\u00', "{a: 1, a: 2}", "[" * 80 + "]" * 80, "1" * 80, "1:2:3:4:5:6:7",
    ".nan", "-.inf", "1.0e+400", "0x" + "f" * 70, "? [a, b]\n  : c", "<<: {a: 1}", "~",
    "\t", "\x00", "\ufeff", "- - - -", "&a [*a, *a]", "!!set {a, b}", "2024-02-30",
)
"""Bits of YAML a textual mutation inserts."""


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs" document: ``width ** levels`` nodes in a few hundred bytes."""
    lines = ["lol0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def deep_nesting(levels: int = 500) -> str:
    """A value nested ``levels`` deep in about ``2 * levels`` bytes."""
    return "a: " + "[" * levels + "]" * levels + "\n"


# -- seed documents -----------------------------------------------------------------------
def seed_scenario() -> dict[str, Any]:
    """A valid one-file scenario (the test factory's tiny document)."""
    return tiny_document()


def seed_policy() -> dict[str, Any]:
    """A valid policy with three levers."""
    return {"name": "fuzz", "description": "A policy to mutate.", "levers": [
        {"kind": "strikes", "start": "2024-01-01", "end": "2024-06-01", "intensity": 1.5,
         "rule": "casualty", "threshold": 2.0, "targets": ["attackers"]},
        {"kind": "accountability", "target": 0.7, "pace": 0.05, "institutions": ["all"]},
        {"kind": "diplomacy", "start": "2024-03", "intensity": 0.8}]}


def seed_spec() -> dict[str, Any]:
    """A valid experiment spec that names real parameters and outputs."""
    return {"name": "fuzz", "weeks": 52, "seed": 3, "replications": 2,
            "design": {"method": "lhs", "n": 8},
            "uncertainties": [
                {"name": "attack_base_rate", "low": 0.1, "high": 0.5},
                {"name": "rent_rate", "dist": "loguniform", "low": 0.01, "high": 0.1}],
            "levers": ["status-quo", "strikes"],
            "outcomes": [
                {"name": "attacks", "variable": "attacks"},
                {"name": "late", "variable": "attacks", "window": [26, 52]},
                {"name": "first", "variable": "attacks", "aggregation": "time_to_event",
                 "threshold": 3}],
            "mechanisms": {"splinters": True}, "record": ["attacks"]}


INTERVAL_COLUMNS = ["first_day", "interval_end_inclusive", "days", "attacks", "quality"]


def seed_intervals(rows: int = 5) -> list[list[str]]:
    """A valid interval table: a header and ``rows`` disjoint weekly intervals."""
    start = dt.date(2023, 10, 17)
    out = [list(INTERVAL_COLUMNS)]
    for k in range(rows):
        a = start + dt.timedelta(days=7 * k)
        out.append([a.isoformat(), (a + dt.timedelta(days=6)).isoformat(), "7", str(3 * k),
                    "exact"])
    return out


# -- mutations ----------------------------------------------------------------------------
def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, (*prefix, i))


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def mutate_structure(doc: Any, pick: Pick) -> Any:
    """One structural change: a field replaced, removed or added, a list item repeated or
    two swapped."""
    doc = copy.deepcopy(doc)
    paths = [p for p in _paths(doc) if p]
    if not paths:  # an empty mapping or list: nothing left to change
        return doc
    path = paths[pick(len(paths))]
    parent, key = _parent(doc, path), path[-1]
    kind = pick(6)
    if kind == 5:
        parent[key] = copy.deepcopy(PLAUSIBLE[pick(len(PLAUSIBLE))])
    elif kind == 0:
        parent[key] = copy.deepcopy(NASTY[pick(len(NASTY))])
    elif kind == 1:
        del parent[key]
    elif kind == 2 and isinstance(parent, dict):
        parent[f"unknown_{pick(3)}"] = copy.deepcopy(NASTY[pick(len(NASTY))])
    elif kind == 3 and isinstance(parent, list):
        parent.insert(pick(len(parent) + 1), copy.deepcopy(parent[key]))
    elif kind == 4 and isinstance(parent, list) and len(parent) > 1:
        j = pick(len(parent))
        parent[key], parent[j] = parent[j], parent[key]
    else:
        parent[key] = copy.deepcopy(NASTY[pick(len(NASTY))])
    return doc


def mutate_text(text: str, pick: Pick) -> str:
    """One textual change: a snippet inserted, a line removed or repeated, the text cut, an
    alias bomb or deep nesting prepended, or a value replaced by a recursive alias."""
    lines = text.splitlines(keepends=True) or [""]
    kind = pick(8)
    i = pick(len(lines))
    if kind == 0:
        at = pick(len(text) + 1)
        return text[:at] + SNIPPETS[pick(len(SNIPPETS))] + text[at:]
    if kind == 1:
        return "".join(lines[:i] + lines[i + 1:])
    if kind == 2:
        return "".join([*lines[:i], lines[i], *lines[i:]])
    if kind == 3:
        return text[:pick(len(text) + 1)]
    if kind == 4:
        return alias_bomb(levels=3 + pick(7)) + text
    if kind == 5:
        return deep_nesting(levels=40 + pick(600)) + text
    if kind == 6:
        head, sep, _ = lines[i].partition(": ")
        if sep:
            lines[i] = f"{head}: &r [*r]\n"
        return "".join(lines)
    head, sep, _ = lines[i].partition(": ")
    if sep:
        lines[i] = f"{head}: {SNIPPETS[pick(len(SNIPPETS))]}\n"
    return "".join(lines)


def mutant_yaml(seed: Any, pick: Pick) -> str:
    """The seed document with one or two structural mutations and, half of the time, a
    textual one, as YAML."""
    doc = seed
    for _ in range(1 + pick(2)):
        doc = mutate_structure(doc, pick)
    text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
    for _ in range(pick(4) // 2):  # half of the mutants get their text corrupted too
        text = mutate_text(text, pick)
    return text


def mutant_csv(seed: list[list[str]], pick: Pick) -> str:
    """The seed table with one to three cell, row or text mutations, as CSV."""
    rows = [list(r) for r in seed]
    cells = ("inf", "nan", "-1", "1e20", "9999-12-31", "0001-01-01", "2024-02-30", "",
             "x" * 140_000, "1.5", "1e2", "\x00", "7", "2023-10-17", '"', "1,2", "\r\n",
             str(10**30))
    for _ in range(1 + pick(3)):
        kind = pick(6)
        r = pick(len(rows))
        if kind <= 2 and rows[r]:
            rows[r][pick(len(rows[r]))] = cells[pick(len(cells))]
        elif kind == 3:
            rows.insert(pick(len(rows) + 1), list(rows[r]))
        elif kind == 4 and rows[r]:
            del rows[r][pick(len(rows[r]))]
        else:
            j = pick(len(rows))
            rows[r], rows[j] = rows[j], rows[r]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    text = out.getvalue()
    if pick(4) == 0:
        text = mutate_text(text, pick)
    return text


# -- loaders and their invariants ---------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What a loader made of one mutant: ``kind`` is ``valid``, ``clean error`` or
    ``other``; ``detail`` says why for ``other``."""

    kind: str
    detail: str = ""


class Hang(Exception):
    """The loader took longer than the per-example time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds``."""
    def _alarm(signum: int, frame: Any) -> None:
        raise Hang(f"no answer after {seconds} s")

    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _floats(obj: Any) -> Iterator[float]:
    if isinstance(obj, float):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _floats(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _floats(v)


def _check_scenario(result: Any, texts: dict[str, str]) -> str:
    from armednet.kb.dates import earliest, latest

    scenario, warnings = result
    if any(not math.isfinite(x) for x in _floats(scenario.model_dump())):
        return "accepted a NaN or infinite value"
    meta = scenario.scenario
    dated = [meta, *scenario.nodes, *scenario.ties]
    if any(r.start and r.end and latest(r.end) < earliest(r.start) for r in dated):
        return "accepted an end before its start"
    for s in scenario.series:
        days = [earliest(p.date) for p in s.points]
        if days != sorted(set(days)):
            return f"accepted series {s.id} out of date order"
    for label, text in texts.items():
        if not text.strip() and not any(w.file == label for w in warnings):
            return f"an empty file {label} passed without a word"
    return ""


def _check_policy(policy: Any) -> str:
    if any(not math.isfinite(x) for x in _floats(policy.model_dump())):
        return "accepted a NaN or infinite value"
    if any(not 0 <= lever.intensity <= 10 for lever in policy.levers):
        return "accepted an intensity outside 0..10"
    return ""


def _check_spec(spec: Any) -> str:
    from armednet.experiments.spec import check_spec

    if any(not math.isfinite(x) for x in _floats(spec.model_dump())):
        return "accepted a NaN or infinite value"
    problems = check_spec(spec)
    return f"accepted a spec the model refuses: {problems[0]}" if problems else ""


def _check_intervals(data: Any) -> str:
    from armednet.events.intervals import FIRST_DATE, LAST_DATE, MAX_ATTACKS_PER_DAY

    for a, b, n in zip(data.first_day, data.last_day, data.attacks, strict=True):
        if not (FIRST_DATE <= a <= b <= LAST_DATE):
            return f"accepted an interval {a} .. {b}"
        if not (math.isfinite(n) and n >= 0 and float(n).is_integer()):
            return f"accepted a count {n}"
        if n > MAX_ATTACKS_PER_DAY * ((b - a).days + 1):
            return f"accepted an implausible count {n}"
    if any(b2 <= a1 for a1, b2 in zip(data.last_day, data.first_day[1:], strict=False)):
        return "accepted overlapping intervals"
    return ""


def _one_line(exc: Exception) -> str:
    lines = ([str(i) for i in exc.issues] if isinstance(exc, ValidationFailed)
             else [str(exc)])
    if not lines or any(not line.strip() or "\n" in line or "\r" in line for line in lines):
        return f"message not one line per problem: {lines[:2]!r}"
    if any(len(line) > 2_000 for line in lines):
        return "a message longer than 2,000 characters"
    return ""


def run_loader(load: Callable[[], Any], check: Callable[[Any], str],
               seconds: float = 10.0) -> Outcome:
    """Call ``load()`` under a time limit and classify what happens."""
    try:
        with time_limit(seconds):
            result = load()
    except Hang as exc:
        return Outcome("other", f"hang: {exc}")
    except InputError as exc:
        bad = _one_line(exc) or ("" if exc.exit_code == 2 else f"exit code {exc.exit_code}")
        return Outcome("other", bad) if bad else Outcome("clean error")
    except Exception as exc:  # anything else would be a traceback on the command line
        return Outcome("other", f"{type(exc).__name__}: {str(exc)[:300]}")
    bad = check(result)
    return Outcome("other", bad) if bad else Outcome("valid")


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path


def scenario_file_mutant(tmp: Path, pick: Pick) -> Outcome:
    """A mutated one-file scenario through :func:`armednet.kb.loader.check_scenario`."""
    from armednet.kb.loader import check_scenario

    path = _write(tmp / "scenario.yaml", mutant_yaml(seed_scenario(), pick))
    texts = {str(path): path.read_text(encoding="utf-8")}
    return run_loader(lambda: check_scenario(path), lambda r: _check_scenario(r, texts))


def scenario_dir_mutant(tmp: Path, pick: Pick) -> Outcome:
    """A scenario split over four files, one of them mutated (or emptied)."""
    from armednet.kb.loader import check_scenario

    doc = seed_scenario()
    parts = {"scenario.yaml": {"scenario": doc["scenario"], "sources": doc["sources"]},
             "nodes/nodes.yaml": {"nodes": doc["nodes"]},
             "ties/ties.yaml": {"ties": doc["ties"]},
             "inputs.yaml": {"series": doc["series"], "events": doc["events"]}}
    names = list(parts)
    target = names[pick(len(names))]
    folder = tmp / "scenario"
    texts = {}
    for name, part in parts.items():
        text = yaml.safe_dump(part, sort_keys=False)
        if name == target:
            text = "" if pick(6) == 0 else mutant_yaml(part, pick)
        texts[str(_write(folder / name, text))] = text
    return run_loader(lambda: check_scenario(folder), lambda r: _check_scenario(r, texts))


def policy_mutant(tmp: Path, pick: Pick) -> Outcome:
    """A mutated policy file through :func:`armednet.sim.policy.load_policy`."""
    from armednet.sim.policy import load_policy

    path = _write(tmp / "policy.yaml", mutant_yaml(seed_policy(), pick))
    return run_loader(lambda: load_policy(path), _check_policy)


def spec_mutant(tmp: Path, pick: Pick) -> Outcome:
    """A mutated experiment spec through :func:`armednet.experiments.spec.load_spec`."""
    from armednet.experiments.spec import load_spec

    path = _write(tmp / "spec.yaml", mutant_yaml(seed_spec(), pick))
    return run_loader(lambda: load_spec(path), _check_spec)


def intervals_mutant(tmp: Path, pick: Pick) -> Outcome:
    """A mutated interval-count CSV through :func:`armednet.events.intervals.load_intervals`."""
    from armednet.events.intervals import load_intervals

    path = _write(tmp / "intervals.csv", mutant_csv(seed_intervals(), pick))
    return run_loader(lambda: load_intervals(path), _check_intervals)


LOADERS: dict[str, Callable[[Path, Pick], Outcome]] = {
    "scenario file": scenario_file_mutant,
    "scenario directory": scenario_dir_mutant,
    "policy file": policy_mutant,
    "experiment spec": spec_mutant,
    "intervals CSV": intervals_mutant,
}
"""Every loader the fuzz suite covers, by the name used in the table."""
