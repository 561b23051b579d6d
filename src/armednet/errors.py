"""The one exception hierarchy of armednet.

User mistakes (bad files, unknown names, values out of range) raise :class:`InputError`
or a subclass; the CLI maps every :class:`ArmednetError` to a one-line message and exit
code 2. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ArmednetError", "InputError", "Issue", "ValidationFailed"]


class ArmednetError(Exception):
    """Base class of every error armednet raises on purpose."""


class InputError(ArmednetError):
    """A user-supplied input (file, name, option value) is not what was expected."""


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
