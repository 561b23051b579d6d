"""Small building blocks shared by the dashboard's pages: tables, notes, the style sheet."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CSS", "fmt", "note", "table", "when_shown"]

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f8;
color:#222}
.wrap{max-width:1400px;margin:auto;padding:10px 20px}
.header{display:flex;align-items:baseline;gap:20px;flex-wrap:wrap}
.header h1{margin:6px 0;font-size:24px}
.row{display:flex;gap:16px;flex-wrap:wrap}.col{flex:1;min-width:300px}
.panel{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:10px 14px;margin:8px 0}
.table{border-collapse:collapse;font-size:13px;margin:6px 0}
.table td,.table th{border-bottom:1px solid #eee;padding:3px 8px;text-align:left;
vertical-align:top}
.table th{background:#f4f6f7}.table td.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#777;font-size:13px}
.error{color:#a93226;white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:13px;
background:#fdedec;padding:8px;border-radius:4px}
.ok{color:#1e8449}.note{background:#fef9e7;padding:6px 10px;border-radius:4px;font-size:13px}
label.head{font-weight:600;display:block;margin-top:8px}
.progress{height:10px;background:#eee;border-radius:5px;overflow:hidden;margin:6px 0}
.progress>div{height:100%;background:#2471a3;transition:width .15s}
.lever{display:flex;align-items:center;gap:10px;margin:2px 0}
.lever .name{width:120px}.lever .slider{flex:1}
button{padding:5px 12px;border:1px solid #2471a3;background:#2471a3;color:#fff;
border-radius:4px;cursor:pointer}
button.secondary{background:#fff;color:#2471a3}button:disabled{opacity:.5;cursor:default}
.upload{border:2px dashed #aaa;padding:28px;text-align:center;border-radius:6px;
background:#fff;cursor:pointer}
"""
"""The dashboard's style sheet (inlined in the page: no external resources)."""


def fmt(value: Any) -> str:
    """A value as table text: floats with 3 significant digits, ``None`` and NaN empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.3g}"
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        return fmt(value.item())
    return str(value)


def table(rows: Sequence[Mapping[str, Any]], table_id: str | None = None,
          columns: Sequence[str] | None = None, empty: str = "nothing to show") -> Any:
    """An HTML table of records (numbers right-aligned).

    Parameters
    ----------
    rows : sequence of mapping
        One mapping per row.
    table_id : str, optional
        The table element's id (for tests and styling).
    columns : sequence of str, optional
        Columns in order (default: the keys of the first row).
    empty : str
        Text shown when there are no rows.
    """
    from dash import html

    if not rows:
        extra0: dict[str, Any] = {"id": table_id} if table_id else {}
        return html.P(empty, className="muted", **extra0)
    cols = list(columns or rows[0])
    head = html.Thead(html.Tr([html.Th(c) for c in cols]))
    body = html.Tbody([
        html.Tr([html.Td(fmt(r.get(c)), className="num" if _is_num(r.get(c)) else "")
                 for c in cols]) for r in rows])
    extra: dict[str, Any] = {"id": table_id} if table_id else {}
    return html.Table([head, body], className="table", **extra)


def _is_num(v: Any) -> bool:
    return (isinstance(v, int | float) and not isinstance(v, bool)) or (
        hasattr(v, "dtype") and getattr(v.dtype, "kind", "") in "if")


def note(text: str, element_id: str | None = None, kind: str = "muted") -> Any:
    """A short paragraph of class ``kind`` (``muted``, ``note``, ``error`` or ``ok``)."""
    from dash import html

    extra: dict[str, Any] = {"id": element_id} if element_id else {}
    return html.P(text, className=kind, **extra)


def when_shown(store_id: str) -> dict[str, Any]:
    """Attributes for a panel filled only once it scrolls into view.

    The page's script (``_WHEN_SHOWN`` in :mod:`armednet.app.server`) sets the ``data`` of
    the ``dcc.Store`` ``store_id`` to true when the panel first appears on screen; a callback
    on that store fills the panel. Pass as ``html.Div(..., **when_shown("x-shown"))``.
    """
    return {"data-shown": store_id}
