"""Run the docstring examples of every gdprkit.consent module (they are documentation)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

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
