"""The report's section bodies come from Jinja2 templates that escape what they are given;
the Python side builds no HTML."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pytest

import armednet.report.html as report_html
from armednet.kb import KnowledgeGraph

TEMPLATES = Path(report_html.__file__).parent / "templates"
EVIL = "<script>alert(1)</script>"
TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*[\s>/]")


def _strings(tree: ast.AST) -> list[tuple[int, str]]:
    """Every string literal (f-string parts included) that is not documentation (a bare
    string statement: a docstring, or the docstring of a module attribute)."""
    docs = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docs]


def test_html_py_builds_no_tags() -> None:
    source = Path(report_html.__file__).read_text(encoding="utf-8")
    found = [(line, text) for line, text in _strings(ast.parse(source)) if TAG.search(text)]
    assert found == []


def test_every_section_has_a_template() -> None:
    # flat in templates/: the package data ships ``report/templates/*.html``
    names = {p.stem.removeprefix("body_") for p in TEMPLATES.glob("body_*.html")}
    assert names == {"scenario", "key_actors", "comparison", "claims", "prim", "sensitivity",
                     "calibration", "skill", "theatres", "methods", "appendix"}


def _table(rows: list[dict[str, object]], table_id: str | None = None) -> dict[str, object]:
    return report_html._table(pd.DataFrame(rows), table_id=table_id)


@pytest.mark.parametrize("name", ["claims", "prim"])
def test_tables_escape_their_cells(name: str) -> None:
    t = _table([{"claim": EVIL, "link": "https://example.org/a?b=1&c=2", "n": 3}], "t")
    context = {"tested": t, "assumed": None, "data": None} if name == "claims" else {"prim": t}
    body = str(report_html._render(name, **context))
    assert EVIL not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<a href="https://example.org/a?b=1&amp;c=2" rel="noopener">' in body
    assert '<td class="num">3</td>' in body
    assert re.search(r'</table><p class="csv"><a class="csv-download" download="t.csv" '
                     r'href="data:text/csv;charset=utf-8,[^"<>]+">download CSV</a>', body)


def test_sections_escape_text_and_keep_figures() -> None:
    from markupsafe import Markup

    body = str(report_html._render(
        "comparison", warning=EVIL, incomplete=True, covers="A & B",
        lever_warnings=[("strikes", EVIL)], fan=Markup('<div id="fan-attacks"></div>'),
        baseline="status-quo", window=("2024-01-01", "2024-12-31"), comparison=None,
        distributions=None, versus=None, versus_baseline=None, regret=None))
    assert EVIL not in body and body.count("&lt;script&gt;") == 2
    assert '<div id="fan-attacks"></div>' in body  # plotly's own markup, marked safe
    assert "over <b>A &amp; B</b>" in body and "runs (A &amp; B)." in body


def test_report_sections_render_from_templates() -> None:
    text = report_html.render_report(KnowledgeGraph.load(), title=EVIL)
    assert EVIL not in text
    for sid in ("scenario", "methods", "appendix"):
        assert re.search(rf'<section id="{sid}"><h2>[^<]+</h2><(p|h3)>', text), sid
