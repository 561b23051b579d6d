"""Shared plumbing of the command line: error mapping and output helpers.

Exit codes: 0 success; 2 a usage or input error (a bad option, a file that is not valid:
:class:`~armednet.errors.InputError`); 1 a runtime failure while writing or reading (disk
full, permission denied, an output path that is a folder:
:class:`~armednet.errors.OutputError`, a stray :class:`OSError` or a database's I/O error,
reported by its real cause). Every one is a message on standard error, never a traceback,
unless ``armednet --debug`` is given.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click
import typer

from armednet.errors import ArmednetError, InputError, ValidationFailed, io_failure

__all__ = ["cli_errors", "echo_json", "err", "note_created_folder", "state"]

P = ParamSpec("P")
R = TypeVar("R")


class _State:
    debug: bool = False


state = _State()


def err(message: str) -> None:
    """Print a message to standard error (no markup interpretation)."""
    print(message, file=sys.stderr)


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Map errors to a clear message on stderr and an exit code (see the module docstring).

    :class:`ArmednetError` exits with its ``exit_code`` (2 for input errors, 1 for
    :class:`~armednet.errors.OutputError`); an exception caused by an :class:`OSError` or
    a database I/O error exits 1 with the real cause (:func:`armednet.errors.io_failure`);
    anything else is a bug and keeps its traceback. With ``armednet --debug`` every
    traceback is kept, for bug reports.
    """

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort, click.exceptions.Exit, click.exceptions.Abort,
                click.ClickException):
            raise
        except ValidationFailed as exc:
            if state.debug:
                raise
            for issue in exc.issues:
                err(str(issue))
            err(f"error: {len(exc.issues)} problem(s) found")
            raise typer.Exit(exc.exit_code) from None
        except ArmednetError as exc:
            if state.debug:
                raise
            text = (exc.worded(lambda p: "--" + p.replace("_", "-"))
                    if isinstance(exc, InputError) else str(exc))
            err(f"error: {text}")
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # stdout closed early (``armednet ... | head``): stop quietly
            _silence_stdout()
            raise typer.Exit(1) from None
        except Exception as exc:
            cause = io_failure(exc)
            if cause is None or state.debug:
                raise
            err(f"error: {cause}")
            raise typer.Exit(1) from None

    return wrapper


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def note_created_folder(folder: Any) -> None:
    """Tell the user a missing folder was created for an output (``note: ...`` on stderr)."""
    err(f"note: created folder {folder}")


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
