"""A second process that renders a dataset's CSV rows while the main process writes JSON Lines.

Python threads cannot run the CSV conversion beside the JSON encoding (both hold the GIL), so on
a machine with a spare CPU the package writer hands the CSV side of a large dataset to one helper
process.  The main process still reads the records (the user's iterator, the redaction hook) and
encodes each batch as JSON Lines, which it needs for the ``.jsonl`` member anyway; it then sends
the batch to the helper through a pipe, and the helper runs the same :class:`CsvSpool` on it,
appending rows to the same anonymous spool file (its descriptor is inherited, so no named file
holding personal data ever exists).  At the end the helper sends the column state back and the
main process writes the CSV member as it would have without the helper: the bytes are identical.

How a batch travels: pickled (:class:`_BatchPickler`), so that the helper sees values
:class:`CsvSpool` treats exactly as it treats the originals, and never has to import a class of
the user's.  Exact builtins (str, int, float, bool, None, list, tuple, dict -- also as keys, so an
``int`` key is refused there just as here, where JSON would have quietly made it a string) and
the standard library's dates, times with a fixed-offset or no zone, and Decimals are pickled as
they are; a datetime or time with another zone, a UUID, and subclasses of these travel as their
JSON text in a ``str`` subclass that keeps the schema format; other mappings become dicts, other
sequences lists, and ``str`` subclasses (e.g. enums) their text.  A batch holding anything else
(an ``int`` or ``float`` subclass, whose own class name an error about a key would show) is not
sent: the main process takes the column state back and finishes the dataset itself.  Pickling a
batch costs the main process about a tenth of what converting it to CSV would.

Messages are one kind byte, an 8-byte little-endian length and the payload.  The helper answers
``R`` when it has started, and at the end ``K`` with the pickled column state or ``X`` with an
error (the error's text, which never holds a value, or only the exception's type name).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import pickle
import select
import signal
import subprocess
import sys
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from gdprkit.errors import GdprkitError, InvalidInput
from gdprkit.export._values import TEXT_OF_FORMAT, CsvSpool, _type_label, json_default

__all__: list[str] = []

_HEADER = 9  # kind byte + 8-byte length
_START_TIMEOUT = 30.0  # seconds to wait for a helper that was asked for explicitly
_STATE, _BATCH, _END = b"S", b"B", b"E"
_READY, _DONE, _FAILED = b"R", b"K", b"X"
_ROOT = str(Path(__file__).resolve().parents[2])
# The helper's start: the same gdprkit as the main process's first on the path, and not the
# current directory (``-c`` would put it first, as ""); of gdprkit.export only this module and
# _values, not the report and HTML modules the package's __init__ imports (that halves the
# start-up time, to about 0.1 s).
_HELPER_CODE = (
    "import sys, types; sys.path[:] = [sys.argv[1], *[p for p in sys.path if p]]; "
    "import gdprkit; "
    "package = types.ModuleType('gdprkit.export'); package.__path__ = [sys.argv[2]]; "
    "sys.modules['gdprkit.export'] = package; "
    "from gdprkit.export._csvworker import serve; sys.exit(serve(sys.argv[3:]))"
)


class _NotPortable(Exception):
    """A batch holds a value the helper could not be sent faithfully."""


# Pickled as they are (C reductions, standard library only): the helper sees the real values.
_NATIVE = frozenset({dt.date, dt.timedelta, dt.timezone, Decimal})
_ALLOWED_CLASSES = frozenset(
    {str, list, dict, uuid.UUID, dt.datetime, dt.time, *_NATIVE, *TEXT_OF_FORMAT.values()}
)


class _BatchPickler(pickle.Pickler):
    """Pickles a batch so that the helper can load it with the standard library alone, and the
    CSV conversion sees each value as it would see the original.

    ``reducer_override`` is not called for None, bools and exact ints, floats, strs, lists,
    tuples and dicts, so the common values cost nothing extra.
    """

    def reducer_override(self, obj: Any) -> Any:
        kind = type(obj)
        if kind in _NATIVE:
            return NotImplemented
        if kind is dt.datetime or kind is dt.time:
            # A fixed-offset zone pickles as itself; another tzinfo class might not load in the
            # helper, so such a value travels as its text (what JSON and the CSV cell show).
            if obj.tzinfo is None or type(obj.tzinfo) is dt.timezone:
                return NotImplemented
            return (TEXT_OF_FORMAT[_type_label(kind)], (json_default(obj),))
        if kind is uuid.UUID:
            return (uuid.UUID, (str(obj),))
        if kind is type:
            if obj in _ALLOWED_CLASSES:
                return NotImplemented  # pickled by reference, importable by the helper
            raise _NotPortable
        if isinstance(obj, str):
            return (str, (str.__str__(obj),))
        if isinstance(obj, (int, float)):
            # An int key would be refused naming its type: only the real class gives the name.
            raise _NotPortable
        if isinstance(obj, (list, tuple)):
            return (list, (list(obj),))
        if isinstance(obj, Mapping):
            return (dict, (list(obj.items()),))
        if isinstance(obj, (dt.date, dt.time, Decimal, uuid.UUID)):  # subclasses
            return (TEXT_OF_FORMAT[_type_label(kind)], (json_default(obj),))
        if isinstance(obj, Sequence) and not isinstance(obj, (bytes, bytearray)):
            return (list, (list(obj),))
        raise _NotPortable


def pickle_batch(batch: Sequence[Mapping[str, Any]]) -> bytes | None:
    """The batch as the helper should see it, or None if it holds a value it cannot be sent."""
    buffer = io.BytesIO()
    try:
        _BatchPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(batch)
    except _NotPortable:
        return None
    except Exception:  # noqa: BLE001 - a user's object that refuses to be converted
        return None
    return buffer.getvalue()


def _looks_like_python(executable: str) -> bool:
    """Whether ``sys.executable`` is a Python interpreter (under uWSGI or mod_wsgi it is not)."""
    name = Path(executable).name.lower()
    if name.endswith(".exe"):
        name = name[:-4]
    stem = name.rstrip("0123456789.")
    return bool(executable) and stem in ("python", "pypy")


class CsvHelper:
    """The main process's handle on one helper process rendering one dataset's CSV rows."""

    def __init__(self, process: subprocess.Popen[bytes], dataset: str) -> None:
        self._process = process
        self._dataset = dataset
        self._stdin: IO[bytes] = process.stdin  # type: ignore[assignment]
        self._stdout: IO[bytes] = process.stdout  # type: ignore[assignment]
        self.started = False  # the column state has been handed over
        self._reply: bytes | None = None  # everything the helper said at the end

    @classmethod
    def start(cls, spool_file: IO[bytes], *, dataset: str) -> CsvHelper | None:
        """Start a helper that will append to ``spool_file``; None if one cannot be started."""
        if os.name != "posix" or not _looks_like_python(sys.executable or ""):
            return None
        fd = spool_file.fileno()
        try:
            process = subprocess.Popen(  # noqa: S603 - our own interpreter and code
                [sys.executable, "-c", _HELPER_CODE, _ROOT, str(Path(__file__).parent), str(fd)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # a traceback could quote a record
                pass_fds=(fd,),
                bufsize=0,
            )
        except (OSError, ValueError, subprocess.SubprocessError):
            return None
        if sys.platform == "linux":
            import fcntl  # noqa: PLC0415 - POSIX only

            # A 1 MiB pipe holds a whole pickled batch, so sending one rarely waits for the helper.
            with contextlib.suppress(OSError):
                fcntl.fcntl(process.stdin.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[union-attr]
        return cls(process, dataset)

    def ready(self, *, wait: bool) -> bool | None:
        """True once the helper has started, False if not yet, None if it failed (and is gone)."""
        # poll, not select: a busy server's descriptors may be numbered beyond select's 1024.
        poller = select.poll()
        poller.register(self._stdout.fileno(), select.POLLIN)
        if not poller.poll(int(_START_TIMEOUT * 1000) if wait else 0):
            if wait:
                self.abort()
                return None
            return False
        if os.read(self._stdout.fileno(), 1) == _READY:
            return True
        self.abort()
        return None

    def hand_over(self, spool: CsvSpool, spool_file: IO[bytes]) -> None:
        """Give the helper the column state; from now on batches go to :meth:`ship`."""
        spool_file.flush()  # the helper appends at the shared file position
        self._send(_STATE, pickle.dumps(spool.snapshot(), protocol=pickle.HIGHEST_PROTOCOL))
        self.started = True

    def ship(self, batch: Sequence[Mapping[str, Any]]) -> bool:
        """Send one batch; False if it holds a value that cannot be sent faithfully."""
        payload = pickle_batch(batch)
        if payload is None:
            return False
        self._send(_BATCH, payload)
        return True

    def take_back(self, spool_file: IO[bytes]) -> CsvSpool:
        """End the helper and continue its spool here; raises the helper's error if it had one."""
        self._send(_END, b"")
        reply = self._finish()
        if reply[:1] != _DONE:
            raise self._error(reply)
        spool_file.seek(0, os.SEEK_END)  # past the helper's rows (the position is shared)
        return CsvSpool.resume(spool_file, pickle.loads(reply[1:]))  # noqa: S301 - our own child

    def pending_error(self) -> BaseException | None:
        """After an error in the main process: the helper's error on an earlier batch, if any.

        A batch the helper refused came before the main process's failure, so it is what the
        same records give without the helper.
        """
        if self._reply is not None:
            return None  # the helper had already ended, and its answer was raised then
        try:
            reply = self._finish()
        except OSError:
            return None
        return self._error(reply) if reply[:1] == _FAILED else None

    def abort(self) -> None:
        """Stop the helper now (idempotent); its rows are abandoned with the spool file."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()
        for stream in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):
                stream.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _send(self, kind: bytes, payload: bytes) -> None:
        message = memoryview(kind + len(payload).to_bytes(8, "little") + payload)
        try:
            while message:
                written = os.write(self._stdin.fileno(), message)
                message = message[written:]
        except BrokenPipeError:  # the helper stopped: it has said why
            raise self._error(self._finish()) from None

    def _finish(self) -> bytes:
        """Close the helper's input, read everything it says, and wait for it to exit."""
        if self._reply is None:
            with contextlib.suppress(OSError):  # a broken pipe: the helper has gone already
                self._stdin.close()
            chunks = []
            while chunk := os.read(self._stdout.fileno(), 1 << 16):
                chunks.append(chunk)
            self._process.wait()
            self._stdout.close()
            self._reply = b"".join(chunks)
        return self._reply

    def _error(self, reply: bytes) -> BaseException:
        if reply[:1] == _FAILED:
            kind, text, errno = pickle.loads(reply[1:])  # noqa: S301 - our own child
            if kind == "GdprkitError":  # as the writer reports a CsvSpool error in-process
                return InvalidInput(f"dataset {self._dataset!r}: {text}")
            if kind == "OSError":
                return OSError(errno, os.strerror(errno) if errno else text)
            if kind == "MemoryError":
                return MemoryError()
            return ChildProcessError(f"the CSV helper process failed with {kind}")
        return ChildProcessError("the CSV helper process ended without an answer (killed?)")


def _read_exactly(stream: IO[bytes], size: int) -> bytes | None:
    data = stream.read(size)
    return data if len(data) == size else None


def serve(argv: Sequence[str]) -> int:
    """The helper's main loop: read batches from stdin, spool their CSV rows, answer on stdout."""
    # Ctrl-C reaches the whole process group; the main process decides when the helper stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    inbox = sys.stdin.buffer
    outbox = sys.stdout.buffer
    outbox.write(_READY)
    outbox.flush()
    spool_file = open(int(argv[0]), "wb", closefd=True)  # noqa: SIM115, PTH123 - an inherited fd
    spool = CsvSpool(spool_file)
    try:
        while (header := _read_exactly(inbox, _HEADER)) is not None:
            kind = header[:1]
            payload = _read_exactly(inbox, int.from_bytes(header[1:], "little"))
            if payload is None:
                break
            if kind == _BATCH:
                spool.add(pickle.loads(payload))  # noqa: S301 - from our own parent
            elif kind == _STATE:
                spool = CsvSpool.resume(spool_file, pickle.loads(payload))  # noqa: S301
            elif kind == _END:
                spool_file.flush()
                outbox.write(_DONE + pickle.dumps(spool.snapshot()))
                outbox.flush()
                return 0
        return 0  # the main process went away or gave up: nothing to report
    except GdprkitError as exc:  # the message names fields and types, never values
        report: tuple[str, str, int] = ("GdprkitError", str(exc), 0)
    except OSError as exc:
        report = ("OSError", "", exc.errno or 0)
    except BaseException as exc:  # noqa: BLE001 - only the type name crosses back
        report = (type(exc).__name__, "", 0)
    outbox.write(_FAILED + pickle.dumps(report))
    outbox.flush()
    return 1
