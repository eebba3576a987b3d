"""Writing an output file so that it is either complete or untouched."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["SPOOL_NAME", "atomic_output"]


def _is_special(target: Path) -> bool:
    """Whether ``target`` exists and is not a regular file (a device, FIFO or socket)."""
    try:
        mode = target.stat().st_mode  # follows symbolic links: /dev/stdout is one
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


#: The private directory, beside each target, where unfinished output is written.
SPOOL_NAME = ".gdprkit-spool"
_HOST = socket.gethostname().replace("-", "_")[:40] or "host"


def _owner_alive(name: str) -> bool:
    """Whether the process that named a spool entry ``<host>-<pid>-<random>.tmp`` still runs.

    Entries of another host (a shared file system) are never judged.
    """
    host, _, rest = name.partition("-")
    pid_text = rest.partition("-")[0]
    if host != _HOST or not pid_text.isdigit():
        return True
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def _open_spool(directory: Path) -> Path:
    """Create (mode 0700) or reuse the spool directory and remove what dead writers left.

    A writer killed mid-way (SIGKILL, a power cut, the OOM killer) leaves its unfinished file
    here, not beside the target; the next writer to the same directory deletes it.
    """
    spool = directory / SPOOL_NAME
    with contextlib.suppress(FileExistsError):
        spool.mkdir(mode=0o700)
    info = spool.lstat()
    if not stat.S_ISDIR(info.st_mode):
        raise FileExistsError(f"{spool} exists and is not a directory")
    for entry in spool.iterdir():
        if entry.name.endswith(".tmp") and not _owner_alive(entry.name):
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
    return spool


@contextlib.contextmanager
def atomic_output(
    target: str | os.PathLike[str],
    *,
    mode: int | None = None,
    mode_from: str | os.PathLike[str] | None = None,
) -> Iterator[IO[bytes]]:
    """Yield a binary file that becomes ``target`` only when the block ends without an error.

    A new or regular ``target`` is written to a temporary file in a private spool directory
    beside it (``.gdprkit-spool``, mode 0700, on the same file system so the rename is atomic),
    flushed to disk and renamed over it; on any exception the temporary file is removed and
    ``target`` is left as it was.  A writer killed before it could clean up (SIGKILL) leaves
    its file only in the spool, where the next writer to that directory deletes it; the spool
    directory itself is removed whenever it is left empty.  ``mode`` sets the permission bits
    of the new file before anything is written (the default is 0600: output often holds
    personal data until it is complete); ``mode_from`` copies them from another file (masking a
    log in place keeps its permissions).

    An existing ``target`` that is not a regular file — ``/dev/null``, ``/dev/stdout``, a FIFO
    a pipeline reads from — is opened and written directly: renaming over it would replace the
    device node or the pipe itself, and a stream cannot be half-replaced anyway.

    Example:
        >>> import pathlib, tempfile
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.txt"
        >>> with atomic_output(out) as handle:
        ...     _ = handle.write(b"complete")
        >>> out.read_bytes()
        b'complete'
        >>> try:
        ...     with atomic_output(out) as handle:
        ...         _ = handle.write(b"half")
        ...         raise RuntimeError("interrupted")
        ... except RuntimeError:
        ...     pass
        >>> out.read_bytes(), sorted(p.name for p in out.parent.iterdir())
        (b'complete', ['report.txt'])
    """
    path = Path(target)
    if _is_special(path):
        with path.open("wb") as stream:
            yield stream
        return
    directory = path.parent if str(path.parent) else Path()
    for attempt in range(5):
        spool = _open_spool(directory)
        try:
            fd, temp_name = tempfile.mkstemp(
                dir=spool, prefix=f"{_HOST}-{os.getpid()}-", suffix=".tmp"
            )
            break
        except FileNotFoundError:  # another writer removed the empty spool just now
            if attempt == 4:
                raise
    temp = Path(temp_name)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w+b") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode_from is not None:
            temp.chmod(Path(mode_from).stat().st_mode & 0o7777)
        temp.replace(path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    finally:
        # Left empty: remove it (another writer still using it keeps it, harmlessly).
        with contextlib.suppress(OSError):
            spool.rmdir()
