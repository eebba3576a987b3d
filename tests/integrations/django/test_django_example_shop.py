"""The example shop (examples/django_shop/run.py) runs end to end in its own process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "django_shop" / "run.py"


def test_the_example_shop_runs_end_to_end() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SHOP_DB")}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, timeout=120, env=env,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "offers without consent: 403, after accepting marketing cookies: 200" in done.stdout
    assert "dry run: nothing was changed" in done.stdout
    assert done.stdout.rstrip().endswith("ok")
