"""Show: the self-contained HTML report and its figures.

The public face of the package; names load on first use, so importing it does no work::

    from armednet.report import build_report
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armednet.report.html import SECTIONS, build_report, load_report_data, render_report

_EXPORTS = {"html": ("SECTIONS", "build_report", "load_report_data", "render_report")}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}
__all__ = [
    "SECTIONS", "build_report", "load_report_data", "render_report",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
