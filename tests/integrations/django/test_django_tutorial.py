"""The Django tutorial's set-up commands run as written and leave nothing in the checkout.

``runserver`` is replaced by ``check`` (a server would not return); the database goes to the
temporary folder, as the example's settings say.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PAGE = REPO / "docs" / "tutorials" / "django-shop.md"


def _untracked() -> set[str]:
    done = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return set(done.stdout.splitlines())


def test_setup_commands_run_as_written(tmp_path: Path) -> None:
    page = PAGE.read_text(encoding="utf-8")
    block = next(
        b
        for b in re.findall(r"^```console\n(.*?)^```$", page, flags=re.MULTILINE | re.DOTALL)
        if "export GDPRKIT_KEYRING" in b
    )
    commands = [line[2:] for line in block.splitlines() if line.startswith("$ ")]
    assert commands[-1] == "python manage.py runserver"
    script = "set -e\n" + "\n".join([*commands[:-1], "python manage.py check"])
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "TMPDIR": str(tmp_path),
    }
    env.pop("GDPRKIT_KEYRING", None)
    before = _untracked()
    done = subprocess.run(
        ["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout
    assert (tmp_path / "gdprkit-django-shop.sqlite3").exists()
    assert _untracked() - before == set()
