"""Read YAML and remember the line of every value, so errors can name ``file:line``."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["Marks", "PathKey", "load_with_marks"]

PathKey = tuple[str | int, ...]
Marks = dict[PathKey, int]


class _Duplicate(Exception):
    def __init__(self, key: str, line: int, path: PathKey) -> None:
        self.key, self.line, self.path = key, line, path


def _walk(node: yaml.Node, path: PathKey, marks: Marks, dups: list[_Duplicate]) -> None:
    marks[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                dups.append(_Duplicate(key, key_node.start_mark.line + 1, path))
            seen.add(key)
            marks[(*path, key)] = key_node.start_mark.line + 1
            _walk(value_node, (*path, key), marks, dups)
            # The key's own line is more useful than the value's for a nested block.
            marks[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), marks, dups)


def load_with_marks(text: str) -> tuple[Any, Marks, list[tuple[int, str]]]:
    """Parse one YAML document safely.

    Returns
    -------
    data : Any
        The plain Python value (``yaml.safe_load`` semantics; no arbitrary objects).
    marks : dict
        Maps a path such as ``("nodes", 3, "group", "size")`` to its 1-based line.
    problems : list of (line, message)
        Duplicate mapping keys, which plain YAML loading would silently overwrite.

    Raises
    ------
    yaml.YAMLError
        If the text is not well-formed YAML.
    """
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    marks: Marks = {}
    dups: list[_Duplicate] = []
    if node is None:
        return None, marks, []
    _walk(node, (), marks, dups)
    loader = yaml.SafeLoader(text)
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    problems = [(d.line, f"duplicate key {d.key!r}") for d in dups]
    return data, marks, problems


def line_of(marks: Marks, path: PathKey) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    for cut in range(len(path), -1, -1):
        line = marks.get(path[:cut])
        if line is not None:
            return line
    return None
