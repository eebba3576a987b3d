"""Writing an output file so that it is either complete or untouched."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

__all__ = ["atomic_output"]


def _is_special(target: Path) -> bool:
    """Whether ``target`` exists and is not a regular file (a device, FIFO or socket)."""
    try:
        mode = target.stat().st_mode  # follows symbolic links: /dev/stdout is one
    except (FileNotFoundError, NotADirectoryError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextlib.contextmanager
def atomic_output(
    target: str | os.PathLike[str],
    *,
    mode: int | None = None,
    mode_from: str | os.PathLike[str] | None = None,
) -> Iterator[IO[bytes]]:
    """Yield a binary file that becomes ``target`` only when the block ends without an error.

    A new or regular ``target`` is written to a temporary file beside it (same directory, so the
    rename is atomic), flushed to disk and renamed over it; on any exception the temporary file
    is removed and ``target`` is left as it was.  ``mode`` sets the permission bits of the new
    file before anything is written (``0o600`` for secrets); ``mode_from`` copies them from
    another file (masking a log in place keeps its permissions).

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
    fd, temp_name = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
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
