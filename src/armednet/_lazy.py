"""Lazy re-exports for the packages' public faces (PEP 562): names load on first use, so
importing a package does no work."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_getattr"]


def lazy_getattr(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``package.<module>`` for each exported name.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Module name (relative to the package) -> the names it exports.

    Examples
    --------
    >>> get = lazy_getattr("armednet.sim", {"params": ("PARAMETERS",)})
    >>> "rent_rate" in get("PARAMETERS")
    True
    """
    where = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name in where:
            return getattr(importlib.import_module(f"{package}.{where[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
