"""The one exception hierarchy of armednet.

User mistakes (bad files, unknown names, values out of range) raise :class:`InputError`
or a subclass; the CLI maps them to a one-line message and exit code 2. A result that
cannot be written (disk full, permission denied, an output path that is a folder) raises
:class:`OutputError`, exit code 1: a runtime failure, not a mistake in the input. The CLI
maps a stray :class:`OSError` (or a database's I/O error) the same way, naming the real
cause (:func:`io_failure`). Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ArmednetError", "InputError", "Issue", "OutputError", "UnreadableFile",
           "ValidationFailed", "io_failure"]


class ArmednetError(Exception):
    """Base class of every error armednet raises on purpose."""

    exit_code: int = 2
    """The command line's exit code for this error."""


class InputError(ArmednetError):
    """A user-supplied input (file, name, option value) is not what was expected.

    Parameters
    ----------
    message : str
        What was expected, in the API's own terms.
    params : tuple of str
        The API parameters the message names (``"at"``, ``"start"``): a front end
        translates them into its own words (the CLI into its flags, ``--at``).
    """

    def __init__(self, message: str = "", *, params: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.params = params

    def worded(self, word: Callable[[str], str]) -> str:
        """The message with each named parameter ``p`` replaced by ``word(p)`` where it
        stands as a word (``start: ...``, ``... before start 2024-01-01``).

        Examples
        --------
        >>> InputError("end 2024-01-01 is before start 2024-02-01",
        ...            params=("end", "start")).worded(lambda p: "--" + p)
        '--end 2024-01-01 is before --start 2024-02-01'
        """
        import re

        text = str(self)
        for p in self.params:
            text = re.sub(rf"(?<![\w-]){re.escape(p)}(?=[: ])", word(p), text)
        return text


class UnreadableFile(InputError):
    """An input file cannot be read as asked: missing, not a regular file, too large, not
    text, or with a line that is too long.

    Attributes
    ----------
    path : str
        The file, as given.
    reason : str
        What is wrong, without the path (``"not UTF-8 text (...)"``).
    line : int or None
        The line at fault, when there is one.
    """

    def __init__(self, path: object, reason: str, line: int | None = None) -> None:
        self.path, self.reason, self.line = str(path), reason, line
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


class OutputError(ArmednetError):
    """A result could not be written: disk full, permission denied, a path of the wrong kind.

    A runtime failure rather than a mistake in the input: exit code 1. Whatever was being
    written is left as it was before (files are replaced atomically; a database keeps its
    committed work).
    """

    exit_code = 1


_HINTS = {errno.ENOSPC: "free some space and run the command again",
          errno.EDQUOT: "free some space and run the command again",
          errno.EACCES: "check the permissions of the path",
          errno.EPERM: "check the permissions of the path",
          errno.EROFS: "write somewhere else",
          errno.EISDIR: "give the name of a file, not a folder"}
_IO_TEXTS = {"No space left on device": errno.ENOSPC, "Disk quota exceeded": errno.EDQUOT,
             "Permission denied": errno.EACCES, "Read-only file system": errno.EROFS}


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in out and len(out) < 32:
        out.append(cur)
        cur = cur.__cause__ or cur.__context__
    return out


def io_failure(exc: BaseException) -> str | None:
    """The real cause of a failure to read or write, or ``None`` if ``exc`` is not one.

    Follows the chain of causes (``raise ... from`` and exceptions raised while handling
    another), so a database's "cannot rollback" after a full disk is reported as the full
    disk. Recognises :class:`OSError` and the I/O errors of DuckDB (which are not
    ``OSError``).

    Returns
    -------
    str or None
        A one-line message such as ``results.duckdb: No space left on device (free some
        space and run the command again)``.

    Examples
    --------
    >>> io_failure(OSError(28, "No space left on device", "out.parquet"))
    'out.parquet: No space left on device (free some space and run the command again)'
    >>> io_failure(ValueError("a bug")) is None
    True
    """
    chain = _chain(exc)
    for e in reversed(chain):  # the first failure is the deepest in the chain
        if isinstance(e, OSError) and not isinstance(e, BrokenPipeError):
            where = f"{e.filename}: " if e.filename else ""
            text = e.strerror or str(e) or type(e).__name__
            hint = _HINTS.get(e.errno or 0)
            return f"{where}{text}" + (f" ({hint})" if hint else "")
    for e in reversed(chain):
        text = str(e).splitlines()[0] if str(e) else ""
        code = next((c for t, c in _IO_TEXTS.items() if t in text), None)
        is_db_io = type(e).__module__.startswith("duckdb") and type(e).__name__ in (
            "IOException", "OutOfMemoryException")
        if code is not None or is_db_io:
            hint = _HINTS.get(code or 0)
            return text + (f" ({hint})" if hint else "")
    return None


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in an input document.

    Attributes
    ----------
    file : str
        The file the problem is in (as given by the user).
    line : int or None
        1-based line number, when known.
    path : str
        Dotted path to the offending field, e.g. ``nodes[3].group.orientation``.
    message : str
        What was expected.
    """

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        path = f" {self.path}:" if self.path else ""
        return f"{where}:{path} {self.message}"


class ValidationFailed(InputError):
    """A document failed validation; :attr:`issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = list(issues)
        head = f"{len(self.issues)} problem(s) found"
        super().__init__(head + ":\n" + "\n".join(str(i) for i in self.issues))
