"""Run the docstring examples of the gdprkit.ip modules owned by the core (not the log modules)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gdprkit.ip",
    "gdprkit.ip._address",
    "gdprkit.ip.cryptopan",
    "gdprkit.ip.ipcrypt",
    "gdprkit.ip.keyed",
    "gdprkit.ip.masking",
    "gdprkit.ip.text",
    "gdprkit.ip.truncate",
    "gdprkit.testing._st_ip",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0


def test_docs_page_examples() -> None:
    from pathlib import Path

    page = Path(__file__).resolve().parents[2] / "docs" / "areas" / "ip.md"
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
