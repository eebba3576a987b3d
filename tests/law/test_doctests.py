"""The examples in gdprkit.law's docstrings run and pass (STYLE.md: every sample runs)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gdprkit.law",
    "gdprkit.law.bases",
    "gdprkit.law.categories",
    "gdprkit.law.sources",
    "gdprkit.law.ages",
    "gdprkit.law.holidays",
    "gdprkit.law.periods",
    "gdprkit.law.retention",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
    assert result.attempted > 0, f"{name} has no runnable example"
