"""The bounded, safe YAML reader: bombs, recursion, nesting, size, duplicate keys (issue 17,
item 1), in the library and on every command line entry point that reads YAML."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import yaml

from armednet.errors import ValidationFailed
from armednet.kb.yamlmarks import YamlLimits, load_with_marks, load_yaml
from tests.cli.helpers import assert_clean_usage_error, run_cli
from tests.hardening.mutants import alias_bomb, deep_nesting


def _refused(text: str, limits: YamlLimits | None = None, located: bool = True) -> str:
    t0 = time.perf_counter()
    with pytest.raises(ValidationFailed) as info:
        load_yaml(text, "doc.yaml", limits) if limits else load_yaml(text, "doc.yaml")
    assert time.perf_counter() - t0 < 2.0
    (issue,) = info.value.issues
    assert issue.file == "doc.yaml" and (issue.line is not None or not located)
    return issue.message


def test_billion_laughs_is_refused_before_it_expands() -> None:
    assert "alias" in _refused(alias_bomb(levels=9))


def test_recursive_alias_is_refused() -> None:
    assert "recursive alias" in _refused("r: &r [*r]\n")
    assert "recursive alias" in _refused("m: &m {k: *m}\n")
    assert "recursive alias" in _refused("x: &a {<<: *a}\n")


def test_deep_nesting_is_refused_without_recursion_error() -> None:
    assert "nesting deeper than 64" in _refused(deep_nesting(500))
    assert "nesting deeper than 64" in _refused("a:\n" + "".join(
        "  " * i + f"k{i}:\n" for i in range(1, 200)) + "  " * 200 + "v: 1\n")


def test_nesting_through_aliases_counts() -> None:
    chain = ["a0: &a0 [1]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 80)]
    assert "through aliases" in _refused("\n".join(chain) + "\n")


def test_expansion_budget_and_node_limit() -> None:
    small = YamlLimits(max_alias_nodes=50, max_nodes=1_000)
    assert "expand to more than 50" in _refused(alias_bomb(levels=3, width=5), small)
    assert "more than 1,000 values" in _refused("[" + ", ".join(["1"] * 2000) + "]\n", small)


def test_long_integers_and_sexagesimal_are_refused() -> None:
    assert "integer" in _refused("a: " + "1" * 5000 + "\n")
    assert "integer" in _refused("a: " + ":".join(["1"] * 100_000) + "\n")


def test_non_finite_numbers_are_refused() -> None:
    for text in ("a: .nan\n", "a: [1, -.inf]\n", "a: 1.0e+400\n"):
        assert "not a finite number" in _refused(text)


def test_size_limit() -> None:
    message = _refused("a: " + "x" * 200 + "\n", YamlLimits(max_chars=100), located=False)
    assert "longer than 100 characters" in message


def test_duplicate_keys_are_problems_with_their_line() -> None:
    _, _, problems = load_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "doc.yaml")
    assert [str(p) for p in problems] == ["doc.yaml:4: duplicate key 'c'"]


def test_malformed_yaml_names_the_line() -> None:
    message = _refused("a: 1\nb: [1, 2\nc: 3\n")
    assert message.startswith("malformed YAML")


def test_ordinary_anchors_still_work() -> None:
    text = "base: &b {x: 1, y: [1, 2]}\n" + "".join(f"k{i}: *b\n" for i in range(500))
    data, marks, problems = load_yaml(text, "doc.yaml")
    assert data["k499"] == {"x": 1, "y": [1, 2]} and not problems
    assert marks[("k499",)] == 501
    merged, _, _ = load_with_marks("a: &a {x: 1}\nb: {<<: *a, y: 2}\n")
    assert merged["b"] == {"x": 1, "y": 2}


def test_same_values_as_safe_load() -> None:
    text = "a: 1\nb: [x, 2.5, true, null]\nc: {d: '2024-01-02', e: 2024-01-02}\n"
    data, _, _ = load_yaml(text)
    expected = yaml.safe_load(text)
    expected["c"]["e"] = "2024-01-02"  # dates stay text for the schema to check
    assert data == expected


# -- the reproducers of the issue, on the command line -----------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    files = {"bomb": alias_bomb(levels=9), "recursive": "r: &r [*r]\n",
             "deep": deep_nesting(500)}
    out = {}
    for name, text in files.items():
        out[name] = folder / f"{name}.yaml"
        out[name].write_text(text, encoding="utf-8")
    return out


@pytest.mark.parametrize("command,doc", [
    (("kb", "validate"), "bomb"), (("kb", "show"), "bomb"), (("experiment", "run"), "bomb"),
    (("simulate", "--policy"), "bomb"), (("kb", "validate"), "recursive"),
    (("kb", "show"), "deep"),
])
def test_cli_refuses_hostile_yaml_at_once(command: tuple[str, ...], doc: str,
                                          hostile: dict[str, Path], tmp_path: Path) -> None:
    extra = ("--db", str(tmp_path / "r.duckdb")) if command[0] == "experiment" else ()
    t0 = time.perf_counter()
    proc = run_cli(*command, str(hostile[doc]), *extra, timeout=60)
    assert time.perf_counter() - t0 < 30
    assert_clean_usage_error(proc)
    assert re.search(rf"^{re.escape(str(hostile[doc]))}:\d+: refused YAML: ", proc.stderr,
                     re.MULTILINE)
    assert not (tmp_path / "r.duckdb").exists()
