"""The examples in gdprkit.law's docstrings run and pass (STYLE.md: every sample runs)."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

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


DOCS = Path(__file__).resolve().parents[2] / "docs" / "areas" / "law.md"


def test_law_docs_page_examples_pass() -> None:
    if not DOCS.is_file():
        pytest.skip("docs/ is not part of this checkout")
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 10
