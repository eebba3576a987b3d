"""Run the example shop's test suite with pytest and exit with pytest's status.

The suite uses only what a shop gets from ``pip install "gdprkit[test]"``: the pytest plugin
(loaded by its entry point), the strategies and the assertions.  pytest runs in a temporary
working directory, so nothing (caches, Hypothesis data) is written beside the example.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run pytest on this folder's suite; return its exit status."""
    with tempfile.TemporaryDirectory() as work:
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            "-c", str(HERE / "pytest.ini"), "--rootdir", str(HERE), str(HERE / "tests"),
        ]  # fmt: skip
        return subprocess.run(command, cwd=work, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main())
