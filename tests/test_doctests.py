"""The examples in the package's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import armednet

# The dashboard and the report need a browser or a whole experiment to show anything.
SKIP = ("armednet.app.", "armednet.report.", "armednet.__main__")
MODULES = sorted(m.name for m in pkgutil.walk_packages(armednet.__path__, "armednet.")
                 if not m.name.startswith(SKIP))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
