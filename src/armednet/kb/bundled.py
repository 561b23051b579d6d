"""Scenarios shipped with armednet, and resolution of a user's PATH-or-NAME argument."""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path

from armednet.errors import InputError

__all__ = ["DEFAULT_SCENARIO", "bundled_scenarios", "resolve_scenario_path"]

DEFAULT_SCENARIO = "iraq-2024"
"""The scenario used wherever none is named."""


def bundled_scenarios() -> dict[str, Path]:
    """Names and locations of the scenarios that ship inside the package."""
    root = Path(str(resources.files("armednet") / "scenarios"))
    if not root.is_dir():
        return {}
    return {
        p.name: p
        for p in sorted(root.iterdir())
        if p.is_dir() and not p.name.startswith((".", "_")) and any(p.rglob("*.yaml"))
    }


def resolve_scenario_path(path_or_name: str | Path | None) -> Path:
    """Turn a user's scenario argument into a path.

    ``None`` means the default scenario; an existing file or directory is taken as is;
    otherwise the argument must name a bundled scenario.

    Raises
    ------
    InputError
        If the argument is neither an existing path nor a bundled scenario name.
    """
    if path_or_name is None:
        path_or_name = DEFAULT_SCENARIO
    candidate = Path(path_or_name)
    if candidate.exists():
        return candidate
    bundled = bundled_scenarios()
    name = str(path_or_name)
    if name in bundled:
        return bundled[name]
    near = difflib.get_close_matches(name, list(bundled), n=3)
    hint = f" Did you mean: {', '.join(near)}?" if near else ""
    raise InputError(
        f"scenario {name!r} is neither a file or directory nor a bundled scenario "
        f"(bundled: {', '.join(bundled) or 'none'}).{hint}"
    )
