"""Read YAML and remember the line of every value, so errors can name ``file:line``."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["Marks", "PathKey", "load_with_marks"]

PathKey = tuple[str | int, ...]
Marks = dict[PathKey, int]


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that keeps timestamps as the text written.

    Dates are validated by the schema, which accepts partial dates (``2014-06``) and names
    the field of a bad one; PyYAML would turn ``2024-13-01`` into a bare ``ValueError``.
    """


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


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
    node = yaml.compose(text, Loader=_Loader)
    marks: Marks = {}
    dups: list[_Duplicate] = []
    if node is None:
        return None, marks, []
    _walk(node, (), marks, dups)
    loader = _Loader(text)
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
