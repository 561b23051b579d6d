"""Read YAML safely and within bounds, and remember the line of every value.

Every YAML (and JSON) document armednet reads, whether a scenario file, an experiment spec,
a policy file or a dashboard upload, goes through :func:`load_yaml` (or
:func:`load_with_marks`, which it wraps). The reader

- builds only plain values (``yaml.SafeLoader``: no arbitrary objects);
- counts nodes while composing, aliases included, and refuses a document that would
  expand past a small budget (a "billion laughs" bomb) or whose alias refers to a node
  that contains it (``r: &r [*r]``), before anything is expanded;
- refuses nesting deeper than :attr:`YamlLimits.max_depth` (counted through aliases too),
  so no recursion limit is ever reached;
- refuses text longer than :attr:`YamlLimits.max_chars` and integers written with more
  than :attr:`YamlLimits.max_int_digits` characters (Python's own limit and the quadratic
  cost of YAML 1.1's base-60 integers are never reached);
- refuses ``.nan`` and ``.inf`` (and numbers too large for a float): no input armednet
  reads has a use for them, and a NaN silently changes results;
- reports duplicate mapping keys, which plain YAML loading silently overwrites;
- reports every problem with the line it is on.

Examples
--------
>>> data, marks, problems = load_yaml("a: 1\\nb: [x, y]\\n", "doc.yaml")
>>> data, marks[("b", 1)], problems
({'a': 1, 'b': ['x', 'y']}, 2, [])
>>> load_yaml("r: &r [*r]\\n", "doc.yaml")
Traceback (most recent call last):
...
armednet.errors.ValidationFailed: 1 problem(s) found:
doc.yaml:1: refused YAML: alias *r refers to a node that contains it (a recursive alias)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import yaml

from armednet.errors import Issue, ValidationFailed

__all__ = [
    "DEFAULT_LIMITS",
    "Marks",
    "PathKey",
    "YamlLimitError",
    "YamlLimits",
    "line_of",
    "load_with_marks",
    "load_yaml",
    "yaml_issue",
]

PathKey = tuple[str | int, ...]
Marks = dict[PathKey, int]


@dataclass(frozen=True, slots=True)
class YamlLimits:
    """Bounds of the safe YAML reader.

    Attributes
    ----------
    max_chars : int
        Longest text accepted, in characters.
    max_depth : int
        Deepest nesting of sequences and mappings, counted through aliases.
    max_nodes : int
        Most nodes in the document as loaded, every alias counted as the nodes it stands for.
    max_alias_nodes : int
        Of those, the most reached through aliases (the expansion budget).
    max_int_digits : int
        Longest integer scalar, in characters.
    finite_only : bool
        Refuse floats that are NaN or infinite.
    """

    max_chars: int = 10 * 1024 * 1024
    max_depth: int = 64
    max_nodes: int = 1_000_000
    max_alias_nodes: int = 100_000
    max_int_digits: int = 64
    finite_only: bool = True


DEFAULT_LIMITS = YamlLimits()
"""The bounds every entry point uses unless it passes its own."""


class YamlLimitError(yaml.MarkedYAMLError):
    """A document breaks one of the reader's bounds (:class:`YamlLimits`)."""


class _Loader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that keeps timestamps as text and enforces :class:`YamlLimits`.

    Dates are validated by the schema, which accepts partial dates (``2014-06``) and names
    the field of a bad one; PyYAML would turn ``2024-13-01`` into a bare ``ValueError``.
    While composing, each finished node records its expanded size and height, so an alias
    costs what it stands for without being expanded.
    """

    def __init__(self, text: str, limits: YamlLimits) -> None:
        super().__init__(text)
        self.limits = limits
        self._depth = 0
        self._nodes = 0
        self._alias_nodes = 0
        # id(node) -> (expanded size, expanded height) of every finished node
        self._shape: dict[int, tuple[int, int]] = {}

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event: Any = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None:
                self._count_alias(event, target)
            return super().compose_node(parent, index)
        start = self.peek_event().start_mark
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise YamlLimitError(None, None, f"nesting deeper than {self.limits.max_depth} "
                                 "levels", start)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._finish(node)
        return node

    def _count_alias(self, event: Any, target: yaml.Node) -> None:
        shape = self._shape.get(id(target))
        if shape is None:
            raise YamlLimitError(None, None, f"alias *{event.anchor} refers to a node that "
                                 "contains it (a recursive alias)", event.start_mark)
        size, height = shape
        self._alias_nodes += size
        self._nodes += size
        limits = self.limits
        if self._alias_nodes > limits.max_alias_nodes:
            raise YamlLimitError(None, None, "aliases expand to more than "
                                 f"{limits.max_alias_nodes:,} nodes (an alias bomb?)",
                                 event.start_mark)
        if self._depth + height > limits.max_depth:
            raise YamlLimitError(None, None, f"nesting deeper than {limits.max_depth} "
                                 "levels (through aliases)", event.start_mark)
        self._check_total(event.start_mark)

    def _finish(self, node: yaml.Node) -> None:
        size, height = 1, 1
        if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
            children = (node.value if isinstance(node, yaml.SequenceNode)
                        else [c for pair in node.value for c in pair])
            for child in children:
                s, h = self._shape[id(child)]
                size += s
                height = max(height, h + 1)
        self._shape[id(node)] = (size, height)
        self._nodes += 1
        self._check_total(node.start_mark)

    def _check_total(self, mark: Any) -> None:
        if self._nodes > self.limits.max_nodes:
            raise YamlLimitError(None, None, f"more than {self.limits.max_nodes:,} values",
                                 mark)


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    assert isinstance(node, yaml.ScalarNode)
    return str(loader.construct_scalar(node))


def _bounded_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    assert isinstance(node, yaml.ScalarNode)
    limit = loader.limits.max_int_digits if isinstance(loader, _Loader) else 64
    if len(str(node.value)) > limit:
        raise YamlLimitError(None, None, f"an integer written with more than {limit} "
                             "characters", node.start_mark)
    return int(loader.construct_yaml_int(node))


def _finite_float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    assert isinstance(node, yaml.ScalarNode)
    value = float(loader.construct_yaml_float(node))
    if not math.isfinite(value) and isinstance(loader, _Loader) and loader.limits.finite_only:
        raise YamlLimitError(None, None, f"{node.value!r} is not a finite number",
                             node.start_mark)
    return value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)
_Loader.add_constructor("tag:yaml.org,2002:int", _bounded_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _finite_float)


class _Duplicate(Exception):
    def __init__(self, key: str, line: int, path: PathKey) -> None:
        self.key, self.line, self.path = key, line, path


def _walk(node: yaml.Node, path: PathKey, marks: Marks, dups: list[_Duplicate]) -> None:
    marks[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = (str(key_node.value) if isinstance(key_node, yaml.ScalarNode)
                   else "<complex key>")
            if key in seen:
                dups.append(_Duplicate(key, key_node.start_mark.line + 1, path))
            seen.add(key)
            _walk(value_node, (*path, key), marks, dups)
            # The key's own line is more useful than the value's for a nested block.
            marks[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), marks, dups)


def load_with_marks(
    text: str, limits: YamlLimits = DEFAULT_LIMITS
) -> tuple[Any, Marks, list[tuple[int, str]]]:
    """Parse one YAML document safely and within ``limits``.

    Parameters
    ----------
    text : str
        The document.
    limits : YamlLimits
        Bounds on size, nesting and alias expansion.

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
        If the text is not well-formed YAML; :class:`YamlLimitError` (a subclass) if it
        breaks one of ``limits``.
    """
    if len(text) > limits.max_chars:
        raise YamlLimitError(None, None, f"longer than {limits.max_chars:,} characters")
    loader = _Loader(text, limits)
    try:
        node = loader.get_single_node()
        marks: Marks = {}
        dups: list[_Duplicate] = []
        if node is None:
            return None, marks, []
        _walk(node, (), marks, dups)
        data = loader.construct_document(node)
    except RecursionError:  # a safety net: the depth bound should make this unreachable
        raise YamlLimitError(None, None, "nesting too deep to read") from None
    except (ValueError, OverflowError) as exc:  # a scalar Python cannot hold
        raise YamlLimitError(None, None, f"a value that cannot be read ({exc})") from None
    finally:
        loader.dispose()
    problems = [(d.line, f"duplicate key {d.key!r}") for d in dups]
    return data, marks, problems


def yaml_issue(exc: yaml.YAMLError, label: str) -> Issue:
    """The one-line :class:`~armednet.errors.Issue` for a YAML error (with its line)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
    context, at = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context:
        where = f" (line {at.line + 1})" if at is not None and at.line + 1 != line else ""
        problem = f"{context}{where}; {problem}"
    what = "refused YAML" if isinstance(exc, YamlLimitError) else "malformed YAML"
    return Issue(label, line, "", f"{what}: {problem}")


def load_yaml(
    text: str, label: str = "<yaml>", limits: YamlLimits = DEFAULT_LIMITS
) -> tuple[Any, Marks, list[Issue]]:
    """Parse one YAML or JSON document with the bounded, safe reader.

    The one entry point for YAML from users: scenario files, experiment specs, policy
    files and dashboard uploads all go through it (see the module docstring for the
    bounds).

    Parameters
    ----------
    text : str
        The document.
    label : str
        How messages name the document (a file name; never opened).
    limits : YamlLimits
        Bounds on size, nesting and alias expansion (default :data:`DEFAULT_LIMITS`).

    Returns
    -------
    data : Any
        The plain Python value.
    marks : dict
        Maps a path such as ``("nodes", 3, "group")`` to its 1-based line.
    problems : list of Issue
        Duplicate keys, as ``label:line: duplicate key 'x'``. Callers refuse the document
        when there are any (after adding their own problems).

    Raises
    ------
    ValidationFailed
        With one ``label:line: malformed YAML: ...`` or ``label:line: refused YAML: ...``
        issue when the text is not YAML or breaks a bound.
    """
    try:
        data, marks, dups = load_with_marks(text, limits)
    except yaml.YAMLError as exc:
        raise ValidationFailed([yaml_issue(exc, label)]) from None
    return data, marks, [Issue(label, line, "", msg) for line, msg in dups]


def line_of(marks: Marks, path: PathKey) -> int | None:
    """The line of ``path`` or of its nearest ancestor that has one."""
    for cut in range(len(path), -1, -1):
        line = marks.get(path[:cut])
        if line is not None:
            return line
    return None
