"""Show: the self-contained HTML report and its figures.

The public face of the package; names load on first use, so importing it does no work::

    from armednet.report import build_report
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from armednet._lazy import lazy_getattr

if TYPE_CHECKING:
    from armednet.report.html import SECTIONS, build_report, load_report_data, render_report

_EXPORTS = {"html": ("SECTIONS", "build_report", "load_report_data", "render_report")}
__all__ = [
    "SECTIONS", "build_report", "load_report_data", "render_report",
]


__getattr__ = lazy_getattr(__name__, _EXPORTS)
