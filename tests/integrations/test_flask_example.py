"""The example Flask shop runs end to end (CI runs the tests session, not the examples one)."""

from __future__ import annotations

import subprocess
import sys

from _flask_support import REPO


def _left_behind() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all", "--", "examples"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return set(done.stdout.splitlines())


def test_example_flask_shop_runs() -> None:
    script = REPO / "examples" / "flask_shop" / "run.py"
    before = _left_behind()
    result = subprocess.run(
        [sys.executable, str(script)],
        cwd=script.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all checks passed" in result.stdout
    assert "203.0.113.77" not in result.stdout + result.stderr
    assert _left_behind() - before == set()  # nothing written into the checkout
