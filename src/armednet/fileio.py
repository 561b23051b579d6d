"""File helpers shared by every part that reads inputs or writes results.

Reading: :func:`read_text_bounded` is how armednet reads a user's file. It opens regular
files only (a device such as ``/dev/zero``, a FIFO or a socket is refused before a byte is
read), reads at most a stated number of bytes, and can bound the length of a line.

Writing: :func:`atomic_path` writes beside the target and renames on success, so a failure
(disk full, an interrupt) leaves no partial file. Missing parent folders are created, and
each one created is reported to the callback set with :func:`report_created_folders`
(the command line prints ``note: created folder ...``); a library caller hears nothing.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from armednet.errors import ArmednetError, OutputError, UnreadableFile, io_failure

__all__ = ["atomic_path", "check_output_file", "ensure_folder", "make_parents",
           "read_bytes_bounded", "read_text_bounded", "report_created_folders"]

_folder_reporter: list[Callable[[Path], None]] = []


def report_created_folders(callback: Callable[[Path], None] | None) -> None:
    """Call ``callback(folder)`` for every folder :func:`make_parents` creates (``None``
    stops reporting)."""
    _folder_reporter.clear()
    if callback is not None:
        _folder_reporter.append(callback)


def make_parents(target: Path) -> None:
    """Create the missing parent folders of ``target`` and report each one created.

    Raises
    ------
    OutputError
        If a parent is a file or cannot be created (permission, disk full).
    """
    parent = Path(target).parent
    missing = []
    for folder in (parent, *parent.parents):
        if folder.is_dir():
            break
        missing.append(folder)
    for folder in reversed(missing):
        try:
            folder.mkdir()
        except FileExistsError:
            if not folder.is_dir():
                raise OutputError(f"cannot write {target}: {folder} is a file, not a "
                                  "folder") from None
            continue
        except OSError as exc:
            raise OutputError(f"cannot create folder {folder} for {target}: "
                              f"{exc.strerror or exc}") from None
        for report in _folder_reporter:
            report(folder)


def check_output_file(target: str | Path) -> None:
    """Refuse an output file path that names a folder (before any work is done).

    Raises
    ------
    OutputError
        If ``target`` is an existing folder.
    """
    target = Path(target)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a folder; give the name of a "
                          "file (in it, or elsewhere)")


def ensure_folder(folder: str | Path) -> Path:
    """Make sure ``folder`` is a folder, creating it (and its parents) if missing; each
    folder created is reported (see :func:`report_created_folders`).

    Raises
    ------
    OutputError
        If ``folder`` (or a parent) is a file, or cannot be created.
    """
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: it is a file, not a folder; give "
                          "the name of a folder (it is created if missing)")
    make_parents(folder / "_")
    return folder


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only on success.

    A failure (or an interrupt) leaves no partial file behind. Missing parent folders are
    created (see :func:`report_created_folders`).

    Raises
    ------
    OutputError
        If ``target`` is a folder, its folder cannot be created, or the write fails for
        lack of space or permission (the cause is named; ``target`` is left as it was).
    """
    target = Path(target)
    check_output_file(target)
    make_parents(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                   dir=target.parent)
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():
            # mkstemp creates 0600; give the result the permissions a plain open() would.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, target)
    except ArmednetError:
        raise
    except Exception as exc:
        cause = io_failure(exc)
        foreign = isinstance(exc, OSError) and exc.filename not in (None, tmp, str(target))
        if cause is None or foreign:  # not a failure to write this file
            raise
        raise OutputError(f"cannot write {target}: {cause}; it is left as it was") from exc
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _a(what: str) -> str:
    return f"{'an' if what[:1].lower() in 'aeiou' else 'a'} {what}"


def read_bytes_bounded(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """Read a regular file of at most ``max_bytes`` bytes.

    Parameters
    ----------
    path : str or Path
        The file.
    max_bytes : int
        Largest size accepted.
    what : str
        What the file is, for messages (``"interval counts"``).

    Raises
    ------
    UnreadableFile
        Missing, a folder, not a regular file (device, FIFO, socket), unreadable, or larger
        than ``max_bytes``.
    """
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it can be refused
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UnreadableFile(path, "no such file") from None
    except IsADirectoryError:
        raise UnreadableFile(path, f"is a folder, expected {_a(what)}") from None
    except OSError as exc:
        raise UnreadableFile(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        if stat.S_ISDIR(mode):
            raise UnreadableFile(path, f"is a folder, expected {_a(what)}")
        raise UnreadableFile(path, "not a regular file (a device, pipe or socket); "
                             f"expected {_a(what)}")
    with os.fdopen(fd, "rb") as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise UnreadableFile(path, f"cannot read the {what} ({exc.strerror or exc})"
                                 ) from None
    if len(data) > max_bytes:
        raise UnreadableFile(path, f"the {what} is larger than {max_bytes:,} bytes")
    return data


def read_text_bounded(path: str | Path, max_bytes: int, max_line: int | None = None,
                      what: str = "file", encoding: str = "utf-8") -> str:
    """Read a regular text file of at most ``max_bytes`` bytes and lines of at most
    ``max_line`` characters (see :func:`read_bytes_bounded`).

    Raises
    ------
    UnreadableFile
        As :func:`read_bytes_bounded`, and for text that is not in ``encoding`` or has a
        line longer than ``max_line`` (named by its number).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("x,y\\n1,2\\n")
    >>> read_text_bounded(p, max_bytes=100, max_line=10)
    'x,y\\n1,2\\n'
    >>> read_text_bounded("/dev/zero", max_bytes=100)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    armednet.errors.UnreadableFile: /dev/zero: not a regular file (a device, pipe ...
    """
    data = read_bytes_bounded(path, max_bytes, what)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise UnreadableFile(path, f"not {encoding.upper().removesuffix('-SIG')} text "
                             f"({exc.reason} at byte {exc.start})") from None
    if max_line is not None and len(text) > max_line:
        for number, line in enumerate(text.splitlines(), start=1):
            if len(line) > max_line:
                raise UnreadableFile(path, f"a line of {len(line):,} characters, longer "
                                     f"than the limit of {max_line:,}", number)
    return text
