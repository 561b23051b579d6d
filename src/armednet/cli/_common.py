"""Shared plumbing of the command line: error mapping and output helpers."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import typer

from armednet.errors import ArmednetError, ValidationFailed

__all__ = ["cli_errors", "echo_json", "err", "state"]

P = ParamSpec("P")
R = TypeVar("R")


class _State:
    debug: bool = False


state = _State()


def err(message: str) -> None:
    """Print a message to standard error (no markup interpretation)."""
    print(message, file=sys.stderr)


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Map :class:`ArmednetError` to a clear message on stderr and exit code 2.

    With ``armednet --debug`` the traceback is kept, for bug reports.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            if state.debug:
                raise
            for issue in exc.issues:
                err(str(issue))
            err(f"error: {len(exc.issues)} problem(s) found")
            raise typer.Exit(2) from None
        except ArmednetError as exc:
            if state.debug:
                raise
            err(f"error: {exc}")
            raise typer.Exit(2) from None

    return wrapper


def echo_json(data: Any) -> None:
    """Print JSON to stdout (dates and numpy scalars as plain values)."""
    print(json.dumps(data, indent=2, default=_default, ensure_ascii=False))


def _default(obj: Any) -> Any:
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, set | frozenset):
        return sorted(obj)
    return str(obj)
