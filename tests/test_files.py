"""gdprkit._files.atomic_output: complete or untouched, and never a device node replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from gdprkit._files import atomic_output
from gdprkit.cli import main
from gdprkit.pseudonymise import KeyRing


def test_a_regular_file_is_replaced_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_bytes(b"old")

    def interrupted() -> None:
        with atomic_output(target) as handle:
            handle.write(b"half")
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted()
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with atomic_output(target) as handle:
        handle.write(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_modes_are_set_before_writing_or_copied(tmp_path: Path) -> None:
    with atomic_output(tmp_path / "secret", mode=0o600) as handle:
        handle.write(b"k")
    assert stat.S_IMODE((tmp_path / "secret").stat().st_mode) == 0o600
    model = tmp_path / "model"
    model.write_bytes(b"")
    model.chmod(0o640)
    with atomic_output(tmp_path / "copy", mode_from=model) as handle:
        handle.write(b"x")
    assert stat.S_IMODE((tmp_path / "copy").stat().st_mode) == 0o640


def _drain(fifo: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with fifo.open("rb") as handle:
            into.append(handle.read())

    thread = threading.Thread(target=read)
    thread.start()
    return thread


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_written_through_not_replaced(tmp_path: Path) -> None:
    # Renaming a temporary file over /dev/null or a pipe would replace the node itself (the
    # tests use a FIFO: replacing the real /dev/null breaks the machine they run on).
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(fifo)
    for target in (fifo, link):
        got: list[bytes] = []
        reader = _drain(fifo, got)
        with atomic_output(target) as handle:
            handle.write(b"streamed")
        reader.join(10)
        assert got == [b"streamed"]
        assert stat.S_ISFIFO(fifo.stat().st_mode)
        assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "pipe"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_masking_a_log_into_a_fifo_keeps_the_fifo(tmp_path: Path) -> None:
    log = tmp_path / "access.log"
    log.write_text('192.0.2.7 - - [17/May/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n')
    fifo = tmp_path / "masked"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _drain(fifo, got)
    assert main(["ip", "mask", "-q", "--method", "ga", str(log), "-o", str(fifo)]) == 0
    reader.join(10)
    assert got == [b'192.0.2.0 - - [17/May/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n']
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_key_ring_file_is_private(tmp_path: Path) -> None:
    target = tmp_path / "keys.json"
    KeyRing.generate().write_file(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert KeyRing.from_file(target).ids
