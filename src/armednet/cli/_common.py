"""Shared plumbing of the command line: error mapping and output helpers.

Exit codes: 0 success; 2 a usage or input error (a bad option, a file that is not valid:
:class:`~armednet.errors.InputError`); 1 a runtime failure while writing or reading (disk
full, permission denied, an output path that is a folder:
:class:`~armednet.errors.OutputError`, a stray :class:`OSError` or a database's I/O error,
reported by its real cause). Every one is a message on standard error, never a traceback,
unless ``armednet --debug`` is given.

Output: results go to standard output; progress and notes go through :mod:`logging` (the
``armednet`` logger, on standard error) or a progress bar on standard error when it is a
terminal. ``armednet --quiet`` keeps warnings and errors only, ``--verbose`` adds debug
messages (one line per committed chunk, for example).
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click
import typer

from armednet.errors import ArmednetError, InputError, ValidationFailed, io_failure

__all__ = ["cli_errors", "echo_json", "err", "fit_words", "live_progress", "log",
           "note_created_folder", "setup_logging", "state"]

P = ParamSpec("P")
R = TypeVar("R")


class _State:
    debug: bool = False
    quiet: bool = False
    verbose: bool = False


state = _State()

log = logging.getLogger("armednet")
"""The command line's logger: progress and notes on standard error."""


def setup_logging(quiet: bool = False, verbose: bool = False) -> None:
    """Send the ``armednet`` logger to standard error: warnings and errors only with
    ``quiet``, debug messages too with ``verbose``, else informational ones."""
    state.quiet, state.verbose = quiet, verbose
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    root = logging.getLogger("armednet")
    for h in list(root.handlers):
        if getattr(h, "_armednet_cli", False):
            root.removeHandler(h)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter())
    handler._armednet_cli = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    root.propagate = False


class _Formatter(logging.Formatter):
    """``message`` for information, ``warning: message`` and ``debug: message`` else."""

    def format(self, record: logging.LogRecord) -> str:
        text = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"error: {text}"
        if record.levelno >= logging.WARNING:
            return f"warning: {text}"
        if record.levelno < logging.INFO:
            return f"debug: {text}"
        return text


def fit_words(table: Any) -> Any:
    """Let a rich table fit the terminal without losing text; return it.

    rich sizes columns from the terminal's width and wraps cells between words (a column
    is not made narrower than its longest word while the table can fit); when a word is
    still longer than its column, it is folded onto the next line instead of cut off with
    an ellipsis. Columns marked ``no_wrap`` (names, ids) are left whole.
    """
    for col in table.columns:
        if not col.no_wrap:
            col.overflow = "fold"
    return table


def live_progress(quiet: bool = False) -> bool:
    """Whether to draw a progress bar: standard error is a terminal and not ``--quiet``."""
    return sys.stderr.isatty() and not quiet and not state.quiet


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
    if not state.quiet:
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
