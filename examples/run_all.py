"""Run every example in this folder end to end (the ``examples`` nox session).

Each ``*.py`` example (but this file) runs in its own interpreter with the examples folder as the
working directory; a non-zero exit fails the whole run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run the examples and return 0 when all of them succeed."""
    failed = []
    scripts = sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)
    suites = sorted(p for p in HERE.iterdir() if p.is_dir() and (p / "run.py").is_file())
    for script in [*scripts, *(s / "run.py" for s in suites)]:
        print(f"== {script.relative_to(HERE)}", flush=True)
        result = subprocess.run([sys.executable, str(script)], cwd=script.parent, check=False)  # noqa: S603
        if result.returncode != 0:
            failed.append(script.name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
