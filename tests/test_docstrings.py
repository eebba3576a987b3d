"""Every docstring example in gdprkit runs: the documentation cannot drift from the code."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import gdprkit

# Modules of optional integrations are checked by their own tests (they need a framework app).
_SKIP_PREFIXES = (
    "gdprkit.integrations.django",
    # spark/dask (issue 21): their doctests run in tests/integrations/{spark,dask}, which skip
    # locally without the extras
    "gdprkit.integrations.spark",
    "gdprkit.integrations.dask",
)


def _modules() -> list[str]:
    names = ["gdprkit"]
    for info in pkgutil.walk_packages(gdprkit.__path__, "gdprkit."):
        if info.name.startswith(_SKIP_PREFIXES) or info.name == "gdprkit.__main__":
            continue
        names.append(info.name)
    return names


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"
