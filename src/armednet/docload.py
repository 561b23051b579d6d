"""Load one YAML or JSON document into a pydantic model, with ``file:line`` errors.

Experiment specs and policy files use this; scenarios have their own multi-file loader
(:mod:`armednet.kb.loader`) built on the same line marks.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from armednet.errors import InputError, Issue, ValidationFailed
from armednet.kb.yamlmarks import Marks, line_of, load_with_marks

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


def parse_model(text: str, label: str, model: type[M], prepare: Prepare | None = None) -> M:
    """Validate the YAML/JSON ``text`` (named ``label`` in messages) as ``model``.

    ``prepare(data, marks)`` runs on the parsed mapping before validation: it may fill in
    defaults and return problems (with lines) that validation would word less clearly.

    Raises
    ------
    ValidationFailed
        With every problem found, each as ``label:line: field: what was expected``.
    """
    try:
        data, marks, dups = load_with_marks(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValidationFailed([Issue(label, line, "", f"malformed YAML: {problem}")]) from None
    issues = [Issue(label, line, "", msg) for line, msg in dups]
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
    if issues:
        raise ValidationFailed(issues)
    return obj


def load_model(path: str | Path, model: type[M], prepare: Prepare | None = None) -> M:
    """Read ``path`` and validate it as ``model`` (see :func:`parse_model`)."""
    p = Path(path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise InputError(f"{p}: file is larger than {MAX_BYTES} bytes")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{p}: not UTF-8 text ({exc.reason})") from None
    except IsADirectoryError:
        raise InputError(f"{p}: is a directory, expected a YAML or JSON file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read file ({exc.strerror})") from None
    return parse_model(text, str(path), model, prepare)
