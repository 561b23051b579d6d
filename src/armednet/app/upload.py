"""Scenario upload: size-check, decode and validate scenario files sent by the browser.

The upload never touches the server's file system and never names a server path: the
browser sends the files' contents (base64, as ``dcc.Upload`` does), which are parsed in
memory by the same loader as ``armednet kb validate``: the bounded, safe YAML reader of
:mod:`armednet.kb.yamlmarks` (no arbitrary objects; alias expansion, nesting, text length
and integer length bounded; duplicate keys, NaN and infinities refused). Before parsing,
the size is checked (in the browser too, so an oversized file is not even sent). Every
problem is shown as ``file:line: field: message``; whatever else goes wrong while reading
an upload is shown as one readable line too, never as a server error.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from armednet.app.state import AppContext
    from armednet.kb import KnowledgeGraph

__all__ = ["MAX_UPLOAD_BYTES", "UploadResult", "layout", "parse_upload", "register"]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024
"""Largest upload accepted (all files together), in bytes."""

_log = logging.getLogger(__name__)

SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class UploadResult:
    """Either a knowledge graph (``kg``) or the list of problems (``errors``)."""

    kg: KnowledgeGraph | None
    errors: list[str] = field(default_factory=list)


def _label(filename: str | None, i: int) -> str:
    """A printable label for messages; never used as a path."""
    name = (filename or f"upload-{i + 1}.yaml").replace("\\", "/").strip("/")
    name = "".join(c for c in name if c.isprintable())
    return name[-160:] or f"upload-{i + 1}.yaml"


def _payload_size(contents: str) -> int:
    head, _, payload = contents.partition(",")
    if ";base64" in head:
        return len(payload) * 3 // 4
    return len(payload.encode("utf-8"))


def _decode(contents: str) -> str:
    head, sep, payload = contents.partition(",")
    if not sep:
        raise ValueError("not a data URL")
    raw = (base64.b64decode(payload, validate=True) if ";base64" in head
           else payload.encode("utf-8"))
    return raw.decode("utf-8-sig")


def parse_upload(contents: str | Sequence[str] | None,
                 filenames: str | Sequence[str] | None) -> UploadResult:
    """Validate an uploaded scenario (one file, or the files of a scenario directory).

    Parameters
    ----------
    contents : str or sequence of str
        The ``contents`` of ``dcc.Upload``: ``data:<type>;base64,<data>`` strings.
    filenames : str or sequence of str
        The names the browser reports; used only as labels in messages, never as paths.

    Returns
    -------
    UploadResult
        The knowledge graph, or every problem as ``file:line: field: message``. A failure
        that is not a problem of the scenario (a bug, memory) is one line naming the files
        and the error; its traceback goes to the server's log.
    """
    items = _as_list(contents)
    names = _as_list(filenames) or []
    if items is None or not all(isinstance(c, str) for c in items):
        return UploadResult(None, ["the upload is not a list of files (data: URLs)"])
    labels = [_label(str(names[i]) if i < len(names) and names[i] else None, i)
              for i in range(len(items))]
    if not items:
        return UploadResult(None, ["no file received"])
    try:
        return _parse(items, labels)
    except Exception as exc:  # every upload gets a readable answer, never HTTP 500
        _log.exception("scenario upload failed")
        what = "not enough memory" if isinstance(exc, MemoryError) else \
            f"{type(exc).__name__}: {str(exc)[:200]}"
        return UploadResult(None, [f"{', '.join(labels)}: the upload could not be read "
                                   f"({what})"])


def _as_list(value: Any) -> list[Any] | None:
    """One value or a list of them as a list (None for anything else: the browser's data)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list | tuple) else None


def _parse(items: list[str], labels: list[str]) -> UploadResult:
    """Check sizes and suffixes, decode, and validate (see :func:`parse_upload`)."""
    from armednet.errors import ValidationFailed
    from armednet.kb import KnowledgeGraph
    from armednet.kb.loader import parse_documents

    total = sum(_payload_size(c) for c in items)
    if total > MAX_UPLOAD_BYTES:
        return UploadResult(None, [f"{', '.join(labels)}: {total:,} bytes, more than the "
                                   f"limit of {MAX_UPLOAD_BYTES:,} bytes"])
    pairs = [(lb, c) for lb, c in zip(labels, items, strict=True)
             if lb.lower().endswith(SUFFIXES)]
    if not pairs:  # other files dropped with a scenario folder are left out
        return UploadResult(None, [f"{lb}: expected a scenario file ending in .yaml, .yml or "
                                   ".json" for lb in labels])
    errors: list[str] = []
    docs: list[tuple[str, str]] = []
    for label, c in pairs:
        try:
            text = _decode(c)
        except (binascii.Error, ValueError):
            errors.append(f"{label}: not a UTF-8 text file")
            continue
        docs.append((label, text))
    if errors:
        return UploadResult(None, errors)
    try:
        scenario = parse_documents(docs)
    except ValidationFailed as exc:
        return UploadResult(None, [str(i) for i in exc.issues])
    return UploadResult(KnowledgeGraph(scenario), [])


# The browser checks the size before sending anything: an oversized file never reaches the
# server (which checks again).
_SIZE_GATE = """
function(contents, names) {
    if (!contents) { return window.dash_clientside.no_update; }
    const list = Array.isArray(contents) ? contents : [contents];
    const labels = Array.isArray(names) ? names : [names];
    let total = 0;
    for (const c of list) {
        const i = c.indexOf(',');
        const head = c.slice(0, i);
        total += head.indexOf(';base64') >= 0 ? Math.floor((c.length - i - 1) * 3 / 4)
                                              : c.length - i - 1;
    }
    if (total > %(limit)d) {
        return {error: labels.join(', ') + ': ' + total.toLocaleString('en-US') +
                ' bytes, more than the limit of %(limit_text)s bytes', names: labels};
    }
    return {contents: list, names: labels};
}
"""


def layout(ctx: AppContext) -> Any:
    """The upload page's components."""
    from dash import dcc, html

    return html.Div(className="panel", children=[
        html.P(["Upload a scenario: one YAML or JSON file, or every file of a scenario "
                "directory (select several, or drop the folder), at most ",
                html.B(f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB"), " in all. It is "
                "validated in memory, never written to disk; every problem is listed as ",
                html.Code("file:line: field: message"), ". A valid scenario is added to the "
                "scenario menu at the top and shown in the network explorer and the policy "
                "lab. The format is described in docs/authoring.md."]),
        dcc.Upload(id="upload", multiple=True, className="upload", children=html.Div(
            ["Drop scenario files here, or ", html.A("choose files")])),
        dcc.Store(id="upload-payload"),
        dcc.Loading(html.Div(id="upload-result"), type="dot"),
    ])


def register(app: Any, ctx: AppContext) -> None:
    """The size gate (in the browser) and the validation callback."""
    import dash
    from dash import Input, Output, html

    app.clientside_callback(
        _SIZE_GATE % {"limit": MAX_UPLOAD_BYTES, "limit_text": f"{MAX_UPLOAD_BYTES:,}"},
        Output("upload-payload", "data"), Input("upload", "contents"),
        Input("upload", "filename"), prevent_initial_call=True)

    @app.callback(Output("upload-result", "children"), Output("scenario", "options"),
                  Output("scenario", "value"), Input("upload-payload", "data"),
                  prevent_initial_call=True)
    def _upload(payload: dict[str, Any] | None) -> tuple[Any, Any, Any]:
        if not payload:
            raise dash.exceptions.PreventUpdate
        if not isinstance(payload, dict):
            res = UploadResult(None, ["the upload is not a list of files (data: URLs)"])
        elif payload.get("error"):
            res = UploadResult(None, [str(payload["error"])])
        else:
            res = parse_upload(payload.get("contents"), payload.get("names"))
        if res.kg is None:
            return (html.Div([html.H4(f"The scenario has {len(res.errors)} problem(s)"),
                              html.Pre("\n".join(res.errors), id="upload-errors",
                                       className="error")]),
                    dash.no_update, dash.no_update)
        key = ctx.scenarios.add(res.kg)
        s = res.kg.summary()
        return (html.P(f"Loaded {s['name']} ({s['scenario']}): {s['nodes']} actors, "
                       f"{s['ties']} ties, {s['sources']} sources. It is now the scenario "
                       "shown in the network explorer and used by the policy lab.",
                       id="upload-ok", className="ok"),
                ctx.scenarios.options(), key)
