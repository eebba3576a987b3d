"""The examples of docs/areas/retention.md run and pass (STYLE.md: every sample runs)."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "areas" / "retention.md"


def test_retention_docs_page_examples_pass() -> None:
    if not DOCS.is_file():
        pytest.skip("docs/ is not part of this checkout")
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0
