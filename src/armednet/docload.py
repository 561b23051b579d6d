"""Load one YAML or JSON document into a pydantic model, with ``file:line`` errors.

Experiment specs and policy files use this; scenarios have their own multi-file loader
(:mod:`armednet.kb.loader`) built on the same reader. Files are read with
:func:`armednet.fileio.read_text_bounded` (regular files of at most :data:`MAX_BYTES`
bytes) and parsed with the bounded, safe YAML reader :func:`armednet.kb.yamlmarks.load_yaml`
(alias budget, depth limit, duplicate keys refused).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from armednet.errors import Issue, ValidationFailed
from armednet.fileio import read_text_bounded
from armednet.kb.yamlmarks import Marks, PathKey, line_of, load_yaml

__all__ = ["load_model", "parse_model", "pydantic_issues"]

M = TypeVar("M", bound=BaseModel)
MAX_BYTES = 5 * 1024 * 1024


def _dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def pydantic_issues(err: ValidationError, label: str, marks: Marks,
                    prefix: tuple[Any, ...] = ()) -> list[Issue]:
    """Turn a pydantic error into :class:`Issue` objects that name file, line and field."""
    issues = []
    for e in err.errors(include_url=False):
        loc = (*prefix, *e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = f"unknown field {loc[-1]!r}"
        elif e["type"] == "missing":
            msg = "required field is missing"
        issues.append(Issue(label, line_of(marks, loc), _dotted(loc), msg))
    return issues


Prepare = Callable[[dict[str, Any], Marks], list[Issue]]
"""A hook that may fill defaults into the parsed mapping and return early problems."""

Check = Callable[[Any], list[tuple[PathKey, str]]]
"""A hook run on the validated model: problems as (path of the field, message) pairs,
which :func:`parse_model` turns into ``label:line: field: message`` issues."""


def parse_model(text: str, label: str, model: type[M], prepare: Prepare | None = None,
                check: Check | None = None) -> M:
    """Validate the YAML/JSON ``text`` (named ``label`` in messages) as ``model``.

    ``prepare(data, marks)`` runs on the parsed mapping before validation: it may fill in
    defaults and return problems (with lines) that validation would word less clearly.
    ``check(obj)`` runs on the validated model: checks that need more than the model
    (another registry, for example), reported with the line of each field. Every float
    of the validated model must be finite (pydantic turns the text ``"nan"`` into one).

    Raises
    ------
    ValidationFailed
        With every problem found, each as ``label:line: field: what was expected``.
    """
    data, marks, issues = load_yaml(text, label)
    if not isinstance(data, dict):
        issues.append(Issue(label, 1, "", f"expected a mapping for {model.__name__}"))
        raise ValidationFailed(issues)
    if prepare is not None:
        early = prepare(data, marks)
        if early:
            raise ValidationFailed(issues + [Issue(label, i.line, i.path, i.message)
                                             for i in early])
    try:
        obj = model.model_validate(data)
    except ValidationError as err:
        issues.extend(pydantic_issues(err, label, marks))
        raise ValidationFailed(issues) from None
    problems = [(where, f"expected a finite number, got {value}")
                for where, value in _non_finite(obj.model_dump())]
    if check is not None and not problems:
        problems.extend(check(obj))
    issues.extend(Issue(label, line_of(marks, where), _dotted(where), msg)
                  for where, msg in problems)
    if issues:
        raise ValidationFailed(issues)
    return obj


def _non_finite(value: Any, path: PathKey = ()) -> Iterator[tuple[PathKey, float]]:
    """Every NaN or infinite float in a dumped model (a text such as ``"1e400"`` or
    ``"nan"`` becomes one in pydantic's lax mode, whatever the YAML reader refuses)."""
    if isinstance(value, float) and not math.isfinite(value):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, (*path, str(k)))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _non_finite(v, (*path, i))


def load_model(path: str | Path, model: type[M], prepare: Prepare | None = None,
               check: Check | None = None) -> M:
    """Read ``path`` and validate it as ``model`` (see :func:`parse_model`).

    Raises
    ------
    InputError
        If the file is missing, not a regular file, larger than :data:`MAX_BYTES` or not
        UTF-8 text.
    ValidationFailed
        With every problem found in it.
    """
    text = read_text_bounded(path, MAX_BYTES, what="YAML or JSON file", encoding="utf-8-sig")
    return parse_model(text, str(path), model, prepare, check)
