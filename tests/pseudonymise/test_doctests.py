"""The examples in gdprkit.pseudonymise's docstrings run and pass (STYLE.md: every sample runs)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "gdprkit.pseudonymise",
    "gdprkit.pseudonymise.canonical",
    "gdprkit.pseudonymise.keyring",
    "gdprkit.pseudonymise.records",
    "gdprkit.pseudonymise.reversible",
    "gdprkit.pseudonymise.shredding",
    "gdprkit.pseudonymise.tokens",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_pass(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"
    assert result.attempted > 0, f"{name} has no runnable example"
