"""Load and validate a scenario from YAML (or JSON) files.

Every problem in every file is collected before anything is raised, so an analyst fixes a
scenario in one pass. Problems are reported as ``file:line: path.to.field: what was
expected``; the only exception the loader raises for bad input is
:class:`armednet.errors.ValidationFailed` (an :class:`~armednet.errors.InputError`).

Warnings are statements a valid scenario leaves out or leaves unsourced where the model
would otherwise have to assume something: an armed group that does not state its campaign
membership (``group.campaign``) or states it as a bare ``true``/``false``; a file that is
empty or holds an empty list (an emptied ``ties`` file would silently drop a whole layer).
They have the same ``file:line: path: message`` form.

Files are read with bounds (:data:`MAX_FILE_BYTES` each, :data:`MAX_FILES` files and
:data:`MAX_TOTAL_BYTES` in all, regular files only) and parsed by the bounded, safe YAML
reader (:func:`armednet.kb.yamlmarks.load_yaml`). :func:`check_scenario` returns them;
:func:`load_scenario` and :func:`parse_documents` issue each as a :class:`ScenarioWarning`
located at the scenario file and line.
"""

from __future__ import annotations

import difflib
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pydantic import BaseModel, ValidationError

from armednet.errors import InputError, Issue, UnreadableFile, ValidationFailed
from armednet.fileio import read_text_bounded
from armednet.kb.bundled import resolve_scenario_path
from armednet.kb.schema import (
    UNION_TAGS,
    CampaignMembership,
    Event,
    Node,
    Scenario,
    ScenarioMeta,
    Series,
    Source,
    Tie,
)
from armednet.kb.types import TIE_ENDPOINTS, NodeType
from armednet.kb.yamlmarks import DEFAULT_LIMITS, Marks, PathKey, line_of, load_yaml

__all__ = [
    "CheckedScenario",
    "ScenarioWarning",
    "check_documents",
    "check_scenario",
    "load_scenario",
    "parse_documents",
    "scenario_files",
    "validate_scenario",
]

_LIST_KEYS: dict[str, type[BaseModel]] = {
    "sources": Source,
    "nodes": Node,
    "ties": Tie,
    "series": Series,
    "events": Event,
}
_SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = DEFAULT_LIMITS.max_chars
"""Largest scenario file read, in bytes (10 MiB: fifty times the bundled scenario)."""
MAX_FILES = 2000
"""Most files a scenario directory may hold."""
MAX_TOTAL_BYTES = 50 * 1024 * 1024
"""Largest scenario directory read, all files together, in bytes."""


class ScenarioWarning(UserWarning):
    """A valid scenario leaves out, or leaves unsourced, a statement the model relies on.

    Issued by :func:`load_scenario` and :func:`parse_documents` at the scenario file and
    line (``warnings.warn_explicit``), so Python prints ``file:line: ScenarioWarning:
    path: message``.

    Parameters
    ----------
    issue : Issue
        Where and what: the same form as a validation problem.

    Attributes
    ----------
    issue : Issue
        The warning as an :class:`~armednet.errors.Issue`.
    """

    def __init__(self, issue: Issue | str) -> None:
        # pytest-xdist rebuilds warnings from their text alone: accept it
        if isinstance(issue, str):
            issue = Issue("", None, "", issue)
        super().__init__(f"{issue.path}: {issue.message}" if issue.path else issue.message)
        self.issue = issue


class CheckedScenario(NamedTuple):
    """A valid scenario and the warnings found while loading it."""

    scenario: Scenario
    """The validated, cross-checked scenario."""
    warnings: list[Issue]
    """Warnings as ``file:line: path: message`` issues, in file and line order."""


@dataclass(frozen=True, slots=True)
class _Origin:
    file: str
    marks: Marks
    path: PathKey

    def issue(self, sub: PathKey, message: str) -> Issue:
        full = (*self.path, *sub)
        return Issue(self.file, line_of(self.marks, full), _dotted(full), message)


def _dotted(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def scenario_files(path: Path) -> list[Path]:
    """The authoring files of a scenario: the file itself, or every YAML/JSON file below a
    directory (hidden files and folders skipped), in name order."""
    if path.is_file():
        return [path]
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in _SUFFIXES
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if len(files) > MAX_FILES:
            raise InputError(f"{path}: {len(files):,} YAML/JSON files, more than the limit "
                             f"of {MAX_FILES:,} for one scenario")
        return files
    if path.exists():
        raise InputError(f"{path}: not a regular file or directory (a device, pipe or "
                         "socket); expected a scenario file or directory")
    raise InputError(f"{path}: no such file or directory")


def _pydantic_issues(
    err: ValidationError, origin: _Origin, model: type[BaseModel]
) -> Iterator[Issue]:
    for e in err.errors(include_url=False):
        loc = tuple(part for part in e["loc"] if part not in UNION_TAGS)
        msg = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "extra_forbidden" and len(loc) == 1:
            fields = sorted(f.alias or name for name, f in model.model_fields.items())
            msg = f"unknown field {loc[0]!r}; expected one of: {', '.join(fields)}"
        elif e["type"] == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}"
        elif e["type"] == "missing":
            msg = "required field is missing"
        yield origin.issue(loc, msg)


@dataclass
class _Collected:
    meta: list[tuple[ScenarioMeta, _Origin]]
    records: dict[str, list[tuple[Any, _Origin]]]
    issues: list[Issue]
    warnings: list[Issue]
    # Ids of records that failed validation: references to them are not reported again.
    invalid_ids: dict[str, set[str]]
    # A file could not be read or parsed; a missing 'scenario' block may be in it.
    unreadable: bool = False
    saw_meta: bool = False
    files: list[str] = field(default_factory=list)


def _new_collected() -> _Collected:
    return _Collected(meta=[], records={k: [] for k in _LIST_KEYS}, issues=[], warnings=[],
                      invalid_ids={k: set() for k in _LIST_KEYS})


def _read_file(path: Path, label: str, out: _Collected) -> int:
    """Read and parse one file into ``out``; return its size in bytes (0 if unreadable)."""
    try:
        text = read_text_bounded(path, MAX_FILE_BYTES, what="scenario file",
                                 encoding="utf-8-sig")
    except UnreadableFile as exc:
        out.unreadable = True
        out.issues.append(Issue(label, exc.line, "", exc.reason))
        return 0
    parse_text(text, label, out)
    return len(text)


def parse_text(text: str, label: str, out: _Collected) -> None:
    """Parse one document's text into validated records, adding problems to ``out``."""
    out.files.append(label)
    try:
        data, marks, dup_problems = load_yaml(text, label)
    except ValidationFailed as exc:
        out.issues.extend(exc.issues)
        out.unreadable = True
        return
    out.issues.extend(dup_problems)
    if data is None:
        out.warnings.append(Issue(label, None, "", "the file is empty (or holds only "
                                  "comments): nothing in it is part of the scenario"))
        return
    root = _Origin(label, marks, ())
    if not isinstance(data, dict):
        out.unreadable = True
        out.issues.append(root.issue((), "expected a mapping with keys scenario, sources, "
                                          "nodes, ties, series, events"))
        return
    for key, value in data.items():
        if key == "scenario":
            origin = _Origin(label, marks, ("scenario",))
            out.saw_meta = True
            if not isinstance(value, dict):
                out.issues.append(origin.issue((), "expected a mapping (id, name, start, ...)"))
                continue
            try:
                out.meta.append((ScenarioMeta.model_validate(value), origin))
            except ValidationError as err:
                out.issues.extend(_pydantic_issues(err, origin, ScenarioMeta))
        elif key in _LIST_KEYS:
            model = _LIST_KEYS[key]
            if not isinstance(value, list):
                out.issues.append(_Origin(label, marks, (key,)).issue((), "expected a list"))
                continue
            if not value:
                out.warnings.append(_Origin(label, marks, (key,)).issue(
                    (), f"an empty '{key}' list: this file adds no {key} to the scenario"))
            for i, item in enumerate(value):
                origin = _Origin(label, marks, (key, i))
                if not isinstance(item, dict):
                    out.issues.append(origin.issue((), "expected a mapping"))
                    continue
                try:
                    out.records[key].append((model.model_validate(item), origin))
                except ValidationError as err:
                    out.issues.extend(_pydantic_issues(err, origin, model))
                    raw_id = item.get("id")
                    if key == "ties" and raw_id is None:
                        raw_id = f"{item.get('from')}--{item.get('type')}--{item.get('to')}"
                    if isinstance(raw_id, str):
                        out.invalid_ids[key].add(raw_id)
        else:
            out.issues.append(
                _Origin(label, marks, (str(key),)).issue(
                    (), f"unknown top-level key {key!r}; expected one of: scenario, "
                    + ", ".join(_LIST_KEYS)
                )
            )


def _cross_check(c: _Collected) -> None:
    issues = c.issues
    if not c.saw_meta and not c.unreadable:
        issues.append(Issue(c.files[0] if c.files else "<scenario>", None, "scenario",
                            "no 'scenario' block found (id, name, description, start)"))
    for _meta, origin in c.meta[1:]:
        issues.append(origin.issue((), "a second 'scenario' block; a scenario has exactly one"))

    def unique(key: str, ident: Any) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for rec, origin in c.records[key]:
            rid = ident(rec)
            if rid in seen:
                first = seen[rid][1]
                at = f"{first.file}:{line_of(first.marks, first.path)}"
                issues.append(origin.issue(("id",), f"duplicate id {rid!r} (first at {at})"))
            else:
                seen[rid] = (rec, origin)
        return seen

    sources = unique("sources", lambda s: s.id)
    nodes = unique("nodes", lambda n: n.id)
    unique("ties", lambda t: t.key)
    unique("series", lambda s: s.id)
    unique("events", lambda e: e.id)

    def check_sources(refs: Iterable[str], origin: _Origin, sub: PathKey) -> None:
        for j, ref in enumerate(refs):
            if ref not in sources and ref not in c.invalid_ids["sources"]:
                issues.append(origin.issue((*sub, j), f"unknown source {ref!r}; add it to the "
                                                      "scenario's 'sources' list"))

    def check_node(ref: str | None, origin: _Origin, sub: PathKey, what: str = "node") -> Any:
        if ref is None:
            return None
        if ref in c.invalid_ids["nodes"]:
            return None
        if ref not in nodes:
            near = difflib.get_close_matches(ref, list(nodes), n=3)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            issues.append(origin.issue(sub, f"unknown {what} {ref!r}{hint}"))
            return None
        return nodes[ref][0]

    for meta, origin in c.meta:
        check_sources(meta.sources, origin, ("sources",))
        check_node(meta.foreign_force, origin, ("foreign_force",))
    for key in ("nodes", "ties", "series", "events"):
        for rec, origin in c.records[key]:
            check_sources(rec.sources, origin, ("sources",))
    for s, origin in c.records["series"]:
        for i, point in enumerate(s.points):
            check_sources(point.sources, origin, ("points", i, "sources"))
    for t, origin in c.records["ties"]:
        a = check_node(t.from_, origin, ("from",))
        b = check_node(t.to, origin, ("to",))
        allowed_from, allowed_to = TIE_ENDPOINTS[t.type]
        if a is not None and a.type not in allowed_from:
            issues.append(origin.issue(("from",), f"a {t.type} tie cannot start at a {a.type} "
                                                  f"(allowed: {', '.join(sorted(allowed_from))})"))
        if b is not None and b.type not in allowed_to:
            issues.append(origin.issue(("to",), f"a {t.type} tie cannot end at a {b.type} "
                                                f"(allowed: {', '.join(sorted(allowed_to))})"))
        if t.from_ == t.to:
            issues.append(origin.issue(("to",), "a tie cannot join a node to itself"))
    for e, origin in c.records["events"]:
        check_node(e.actor, origin, ("actor",))
        for j, ref in enumerate(e.targets):
            check_node(ref, origin, ("targets", j))
        for j, ref in enumerate(e.killed):
            check_node(ref, origin, ("killed", j))
    for n, origin in c.records["nodes"]:
        if n.group is not None and isinstance(n.group.campaign, CampaignMembership):
            check_sources(n.group.campaign.sources, origin, ("group", "campaign", "sources"))
    _campaign_warnings(c)


def _campaign_warnings(c: _Collected) -> None:
    """Warn for each armed group whose campaign membership is not stated or not sourced.

    There is deliberately no default that makes a group an attacker: a group that says
    nothing is outside the campaign, and the analyst is told so at its ``group`` block.
    """
    for n, origin in c.records["nodes"]:
        if n.type is not NodeType.ARMED_GROUP or n.group is None:
            continue
        form = n.group.campaign_form
        if form == "not stated":
            c.warnings.append(origin.issue(
                ("group",),
                f"armed group {n.id!r} does not state whether it takes part in the campaign "
                "against the foreign force, so the model keeps it out (no attacks); add "
                "campaign: {member: true|false, sources: [...], note: ...}",
            ))
        elif form == "bare":
            c.warnings.append(origin.issue(
                ("group", "campaign"),
                f"campaign membership of armed group {n.id!r} is a bare "
                f"{str(bool(n.group.campaign)).lower()} without sources; write campaign: "
                "{member: ..., sources: [...], note: ...}",
            ))


def check_documents(documents: Iterable[tuple[str, str]]) -> CheckedScenario:
    """Validate a scenario given as ``(label, text)`` pairs and return it with its warnings.

    Parameters
    ----------
    documents : iterable of (str, str)
        ``(label, text)`` of each authoring file; the label names the file in issues.

    Returns
    -------
    CheckedScenario
        The scenario and its warnings (none are issued as Python warnings).

    Raises
    ------
    ValidationFailed
        With every problem found, when any is.
    """
    out = _new_collected()
    for label, text in documents:
        parse_text(text, label, out)
    return _finish(out)


def parse_documents(documents: Iterable[tuple[str, str]]) -> Scenario:
    """Validate a scenario given as ``(label, text)`` pairs (used for uploads).

    Each warning is issued as a :class:`ScenarioWarning`; use :func:`check_documents` to
    get them as a list instead.

    Raises
    ------
    ValidationFailed
        With every problem found, when any is.
    """
    checked = check_documents(documents)
    _issue_warnings(checked.warnings)
    return checked.scenario


def _file_order(issues: list[Issue]) -> None:
    order = Counter[str]()
    for issue in issues:
        order.setdefault(issue.file, len(order))
    issues.sort(key=lambda i: (order[i.file], i.line or 0))


def _finish(out: _Collected) -> CheckedScenario:
    _cross_check(out)
    if out.issues:
        _file_order(out.issues)
        raise ValidationFailed(out.issues)
    _file_order(out.warnings)
    scenario = Scenario(
        scenario=out.meta[0][0],
        **{key: [rec for rec, _ in out.records[key]] for key in _LIST_KEYS},
    )
    return CheckedScenario(scenario, out.warnings)


def _issue_warnings(issues: Iterable[Issue]) -> None:
    for issue in issues:
        warnings.warn_explicit(ScenarioWarning(issue), ScenarioWarning, filename=issue.file,
                               lineno=issue.line or 0)


def load_scenario(path_or_name: str | Path | None = None) -> Scenario:
    """Load a scenario from a YAML/JSON file, a directory of them, or a bundled name.

    Parameters
    ----------
    path_or_name : str or Path, optional
        A file, a directory, or the name of a bundled scenario; ``None`` loads the default
        scenario (``iraq-2024``).

    Returns
    -------
    Scenario
        The validated, cross-checked scenario.

    Raises
    ------
    InputError
        If the path does not exist or names no bundled scenario.
    ValidationFailed
        With every problem found in every file (``file:line: path: message``).

    Warns
    -----
    ScenarioWarning
        For each warning (see :func:`check_scenario`), located at its file and line.

    Examples
    --------
    >>> from armednet.kb import load_scenario
    >>> sc = load_scenario()
    >>> sc.scenario.id
    'iraq-2024'
    """
    checked = check_scenario(path_or_name)
    _issue_warnings(checked.warnings)
    return checked.scenario


def check_scenario(path_or_name: str | Path | None = None) -> CheckedScenario:
    """Load a scenario like :func:`load_scenario` and return it with its warnings.

    Parameters
    ----------
    path_or_name : str or Path, optional
        A file, a directory, or the name of a bundled scenario (default ``iraq-2024``).

    Returns
    -------
    CheckedScenario
        The scenario and its warnings as ``file:line: path: message`` issues (for example
        an armed group that does not state its campaign membership). Nothing is issued as
        a Python warning.

    Raises
    ------
    InputError
        If the path does not exist or names no bundled scenario.
    ValidationFailed
        With every problem found in every file.

    Examples
    --------
    >>> from armednet.kb.loader import check_scenario
    >>> scenario, found = check_scenario("iraq-2024")
    >>> found
    []
    """
    path = resolve_scenario_path(path_or_name)
    files = scenario_files(path)
    if not files:
        raise InputError(f"{path}: no .yaml, .yml or .json files found")
    out = _new_collected()
    total = 0
    for f in files:
        total += _read_file(f, str(f), out)
        if total > MAX_TOTAL_BYTES:
            raise InputError(f"{path}: the scenario's files hold more than "
                             f"{MAX_TOTAL_BYTES:,} bytes in all")
    return _finish(out)


def validate_scenario(path_or_name: str | Path | None = None) -> list[Issue]:
    """Every problem in a scenario, or an empty list when it is valid (warnings are not
    problems: see :func:`check_scenario`)."""
    try:
        check_scenario(path_or_name)
    except ValidationFailed as exc:
        return exc.issues
    return []
