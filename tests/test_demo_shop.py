"""The README's first command: the demo shop runs end to end and produces real artefacts."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_demo_shop_runs_and_writes_its_artefacts(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "demo_shop.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in ("1. Register", "2. Marketing consent", "3. Access request",
                    "4. Retention sweep", "5. Access report", "6. IP addresses"):  # fmt: skip
        assert heading in out
    assert "newsletter allowed after checkout: True" in out
    assert "after the unsubscribe link: False" in out
    # Artefacts: a verifiable package, a JSON report, a masked log with no client address left.
    with zipfile.ZipFile(tmp_path / "portability.zip") as package:
        assert "manifest.json" in package.namelist()
    report = json.loads((tmp_path / "access-report.json").read_text(encoding="utf-8"))
    assert report["purposes"]
    masked = (tmp_path / "sample-access.masked.log").read_text(encoding="utf-8")
    original = (REPO / "examples" / "sample-access.log").read_text(encoding="utf-8")
    first_client = original.split(" ", 1)[0]
    assert first_client not in masked
    assert (tmp_path / "consent.sqlite3").is_file()
    # The paths it prints persist, and the retention flags say as of when.
    assert f"the files are kept in {tmp_path.resolve()}" in out
    assert "as of Mon 02 Jun 2025 03:00 UTC" in out


def test_without_out_the_demo_says_its_files_are_gone() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "demo_shop.py")],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "a temporary folder now removed: run it with --out DIR to keep them" in result.stdout
