"""Run the docstring examples of every gdprkit.consent module (they are documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import gdprkit.consent

MODULES = ["gdprkit.consent"] + [
    info.name for info in pkgutil.walk_packages(gdprkit.consent.__path__, "gdprkit.consent.")
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


@pytest.mark.parametrize("page", ["areas/consent.md", "tutorials/marketing-consent.md"])
def test_docs_pages_run(page: str) -> None:
    path = Path(__file__).resolve().parents[2] / "docs" / page
    result = doctest.testfile(
        str(path), module_relative=False, optionflags=doctest.ELLIPSIS, encoding="utf-8"
    )
    assert result.attempted > 0
    assert result.failed == 0
