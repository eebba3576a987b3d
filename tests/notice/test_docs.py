"""The notice docs run: tutorial and reference pages as doctests, their TOML from the examples."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
PAGES = ["tutorials/policy-to-register.md", "reference/notice.md"]


@pytest.mark.parametrize("page", PAGES)
def test_docs_pages_run(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if not (DOCS / page).is_file():
        pytest.skip("docs/ is not part of this checkout")
    monkeypatch.chdir(REPO)  # the pages load examples/registers/... as a user at the root would
    result = doctest.testfile(
        str(DOCS / page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        encoding="utf-8",
    )
    assert result.attempted > 0
    assert result.failed == 0


def test_tutorial_toml_is_the_example_register() -> None:
    page = DOCS / "tutorials" / "policy-to-register.md"
    if not page.is_file():
        pytest.skip("docs/ is not part of this checkout")
    example = (REPO / "examples" / "registers" / "percenta.toml").read_text(encoding="utf-8")
    blocks = re.findall(r"```toml\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks
    for block in blocks:
        for line in block.splitlines():
            assert line in example.splitlines(), line


def test_readme_notice_section_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Your privacy notice, rendered from the register", 1)
    if len(section) == 1:
        pytest.skip("README has no notice section")
    (block,) = re.findall(r"```python\n(.*?)```", section[1].split("\n## ", 1)[0], re.DOTALL)
    monkeypatch.chdir(REPO)
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - the README's own example
