"""A killed export leaves no personal data behind (issue 19, item 12).

Before: every SIGKILL left a hidden ``.answer.zip.<random>.tmp`` full of the subject's data
beside the target, forever.  Now unfinished output lives only in the private spool directory,
and the next write to that directory deletes what dead writers left there.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

from gdprkit._files import SPOOL_NAME, atomic_output
from gdprkit.export import Dataset, read_package, write_package
from gdprkit.register import Register

_EXPORTER = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from gdprkit.export import Dataset, write_package
    from gdprkit.register import load_register

    def records():
        for i in range(100_000):
            if i == 20_000:
                print("half-way", flush=True)
                time.sleep(600)  # killed here, with 20,000 records written
            yield {"email": f"alice{i}@example.com", "address": "1 Main St"}

    write_package(Path(sys.argv[1]), load_register(sys.argv[2]), "tok-1",
                  [Dataset("orders", "order_fulfilment", records())], workers=0,
                  generated_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    """
)


def _kill_mid_export(target: Path, register: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _EXPORTER, str(target), str(register)],
        stdout=subprocess.PIPE, text=True,
    ) as proc:  # fmt: skip
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "half-way"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_killed_export_leaves_nothing_beside_the_target_and_is_swept(
    tmp_path: Path, shop: Register
) -> None:
    register = Path(__file__).resolve().parents[2] / "examples" / "register.toml"
    out = tmp_path / "answers"
    out.mkdir()
    target = out / "answer.zip"
    for _ in range(3):
        _kill_mid_export(target, register)
    # Nothing beside the target: only the private spool, readable by its owner alone.
    assert [p.name for p in out.iterdir()] == [SPOOL_NAME]
    spool = out / SPOOL_NAME
    assert stat.S_IMODE(spool.stat().st_mode) == 0o700
    left = list(spool.iterdir())
    assert len(left) == 1  # each run swept the file of the one killed before it
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in left)
    # The next export to the directory deletes what the dead writers left, then the spool.
    when = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    write_package(target, shop, "tok-2", [Dataset("orders", "order_fulfilment", [{"a": 1}])],
                  generated_at=when)  # fmt: skip
    assert [p.name for p in out.iterdir()] == ["answer.zip"]
    assert read_package(target).subject == "tok-2"


def test_a_live_writer_s_file_is_not_swept(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "a.txt") as first:
        first.write(b"first, still running")
        with atomic_output(tmp_path / "b.txt") as second:  # sweeps: must spare ``first``
            second.write(b"second")
        assert len(list((tmp_path / SPOOL_NAME).iterdir())) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    assert (tmp_path / "a.txt").read_bytes() == b"first, still running"
