"""The README's 30-second tour runs as written and leaves nothing in the checkout (issue 16)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _untracked() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return set(done.stdout.splitlines())


def test_the_tour_runs_as_written_and_leaves_nothing_behind() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tour = readme.split("## A 30-second tour", 1)[1]
    blocks = re.findall(r"^```python\n(.*?)^```$", tour, flags=re.MULTILINE | re.DOTALL)
    assert blocks, "the tour has a python block"
    before = _untracked()
    done = subprocess.run(
        [sys.executable, "-c", blocks[0]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _untracked() - before == set()


def test_install_lines_work_from_a_checkout() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for extra in ("flask", "django"):
        assert f'pip install ".[{extra}]"' in readme
