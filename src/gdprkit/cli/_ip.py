"""``gdprkit ip mask``: mask the IP addresses in log files, stdin to stdout, or in place.

Exit codes: 0 done; 1 only with ``--strict`` when an address field failed closed (was replaced
by the marker); 2 usage, input or I/O errors (unknown method, unreadable key file, a missing,
binary, truncated or corrupt input, a directory, a full disk); 130 interrupted (Ctrl-C).  Every
error is one line on stderr naming the user's file, never a traceback or a temporary file; a
file that fails is reported and the other inputs of a batch are still masked.

As a piped logger (``CustomLog "|gdprkit ip mask --append -o /var/log/…"``) the output is
written line by line as input arrives; ``--append`` appends to the file instead of replacing it
when the input ends, and SIGHUP reopens it (for logrotate).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import os
import re
import signal
import stat
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from gdprkit._files import atomic_output
from gdprkit.cli import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from gdprkit.errors import InvalidInput

if TYPE_CHECKING:
    from gdprkit.ip.logs import LogSummary
    from gdprkit.ip.masking import IPMasker

__all__ = ["add_parser", "read_key_file"]

_PRESETS = ("ga", "matomo1", "matomo2", "matomo3", "anonip")
_KEYED = ("cryptopan", "ipcrypt-pfx", "ipcrypt-deterministic", "hmac")
_TRUNCATE = re.compile(r"truncate-(\d{1,2})-(\d{1,3})")

_METHOD_HELP = (
    "masking method: a truncation preset (ga, matomo1, matomo2, matomo3, anonip), "
    "truncate-V4BITS-V6BITS (prefix bits kept, e.g. truncate-24-48), or a keyed method "
    "(cryptopan, ipcrypt-pfx, ipcrypt-deterministic, hmac; need --key-file), or redact "
    "(default: ga)"
)


def add_parser(subparsers: Any) -> None:
    """Add ``gdprkit ip mask`` to the command line."""
    ip = subparsers.add_parser("ip", help="IP addresses: mask logs")
    ip_sub = ip.add_subparsers(dest="ip_command", metavar="SUBCOMMAND", required=True)
    mask = ip_sub.add_parser(
        "mask",
        help="mask every IP address in log files or stdin (fail closed, byte for byte)",
        description=(
            "Mask every IP address in log files (plain or gzip) or stdin. Address fields that "
            "do not parse are replaced by a marker and counted; all other bytes are kept."
        ),
    )
    mask.add_argument("files", nargs="*", default=["-"], metavar="FILE", help="'-' is stdin")
    mask.add_argument("--method", default="ga", help=_METHOD_HELP)
    mask.add_argument(
        "--key-file",
        type=Path,
        help="file holding the key of a keyed method: hex or base64 text (see the docs)",
    )
    mask.add_argument(
        "--format",
        default="auto",
        choices=("auto", "combined", "common", "nginx-json", "jsonl", "syslog", "text"),
        help="log format (default: detected from the first lines of each input)",
    )
    mask.add_argument(
        "--fields",
        help="comma-separated JSON field names that hold addresses (jsonl, nginx-json)",
    )
    target = mask.add_mutually_exclusive_group()
    target.add_argument(
        "-o",
        "--output",
        type=Path,
        help="output file (gzip if it ends in .gz) or an existing folder (one file per input); "
        "default: stdout",
    )
    target.add_argument(
        "--in-place",
        action="store_true",
        help="replace each file by its masked version (through a temporary file)",
    )
    mask.add_argument("--jobs", type=int, default=1, help="processes for large plain files")
    mask.add_argument(
        "--engine",
        choices=("auto", "python", "native"),
        default=None,
        help="masking engine (default: $GDPRKIT_IP_ENGINE, else native when installed)",
    )
    mask.add_argument(
        "--strict", action="store_true", help="exit 1 if any address field failed closed"
    )
    mask.add_argument(
        "--skip-reserved",
        action="store_true",
        help="leave loopback, private, link-local and unspecified addresses unchanged",
    )
    mask.add_argument(
        "--keep-form", action="store_true", help="keep each address's spelling (case, zeros)"
    )
    mask.add_argument("--gzip", action="store_true", help="compress the output written to stdout")
    mask.add_argument(
        "--append",
        action="store_true",
        help="append to -o FILE as lines arrive (piped loggers); SIGHUP reopens it (logrotate)",
    )
    mask.add_argument(
        "--columns",
        type=_column_numbers,
        metavar="N[,N...]",
        help="address fields by column number from 1 (as anonip); the rest is free text",
    )
    mask.add_argument(
        "--delimiter", default=" ", help="column delimiter for --columns (default: a space)"
    )
    mask.add_argument(
        "--regex",
        help="a regular expression whose named groups are the address fields (as anonip)",
    )
    mask.add_argument(
        "--replace",
        metavar="MARKER",
        help="written in place of an address field that fails closed (default: [unparsed])",
    )
    mask.add_argument(
        "--binary",
        action="store_true",
        help="mask inputs that look binary (NUL bytes) instead of refusing them",
    )
    mask.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    mask.set_defaults(func=_run_mask)


def _column_numbers(text: str) -> tuple[int, ...]:
    try:
        columns = tuple(int(part) for part in text.replace(" ", ",").split(",") if part)
    except ValueError:
        raise argparse.ArgumentTypeError("expected column numbers such as 1 or 1,3") from None
    if not columns or min(columns) < 1:
        raise argparse.ArgumentTypeError("expected column numbers from 1")
    return columns


def read_key_file(path: Path) -> bytes:
    """Read a key file: hex or base64 text, optionally prefixed ``hex:`` or ``base64:``.

    Surrounding whitespace and line breaks are ignored.  Text made only of hex digits (an even
    number of them) is hex; anything else is base64 (standard or URL-safe alphabet).

    Raises:
        KeyMaterialError: the file is empty or neither hex nor base64 (a ConfigurationError;
            the message never quotes the file's content).
        OSError: the file cannot be read.

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     key = pathlib.Path(d, "k")
        ...     _ = key.write_text("hex:000102030405060708090a0b0c0d0e0f\\n")
        ...     read_key_file(key)[:4]
        b'\\x00\\x01\\x02\\x03'
    """
    from gdprkit.ip.spec import parse_key_text  # noqa: PLC0415 - only when a key is given

    # One reader for key text (gdprkit.ip.spec, shared with the Spark and Dask workers), so the
    # command line and a cluster read the same file the same way.
    return parse_key_text(
        path.read_text(encoding="ascii", errors="replace"), source=f"key file {path}"
    )


def build_masker(
    method: str, *, key: bytes | None, skip_reserved: bool, keep_form: bool
) -> IPMasker:
    """Build the masker named on the command line."""
    from gdprkit.ip.masking import INTERNAL_RANGES  # noqa: PLC0415
    from gdprkit.ip.truncate import TruncationMasker  # noqa: PLC0415

    skip = INTERNAL_RANGES if skip_reserved else frozenset()
    if method in _KEYED:
        if key is None:
            raise InvalidInput(f"--method {method} needs --key-file")
    elif key is not None:
        raise InvalidInput(f"--method {method} takes no key; drop --key-file")
    if method in _PRESETS:
        return TruncationMasker.preset(method, keep_form=keep_form, skip=skip)
    truncate = _TRUNCATE.fullmatch(method)
    if truncate:
        return TruncationMasker(
            ipv4_prefix=int(truncate.group(1)),
            ipv6_prefix=int(truncate.group(2)),
            keep_form=keep_form,
            skip=skip,
        )
    return _build_other(method, key=key, skip=skip, keep_form=keep_form)


def _build_other(method: str, *, key: bytes | None, skip: Any, keep_form: bool) -> IPMasker:
    if method == "cryptopan" and key is not None:
        from gdprkit.ip.cryptopan import CryptoPAnMasker  # noqa: PLC0415

        return CryptoPAnMasker(key, keep_form=keep_form, skip=skip)
    if method == "ipcrypt-pfx" and key is not None:
        from gdprkit.ip.ipcrypt import IPCryptPfx  # noqa: PLC0415

        return IPCryptPfx(key, keep_form=keep_form, skip=skip)
    if method == "ipcrypt-deterministic" and key is not None:
        from gdprkit.ip.ipcrypt import IPCryptDeterministic  # noqa: PLC0415

        return IPCryptDeterministic(key, keep_form=keep_form, skip=skip)
    if method == "hmac" and key is not None:
        from gdprkit.ip.keyed import KeyedTokenMasker  # noqa: PLC0415

        return KeyedTokenMasker(key, skip=skip)
    if method == "redact":
        from gdprkit.ip.keyed import RedactionMasker  # noqa: PLC0415

        return RedactionMasker(keep_form=keep_form, skip=skip)
    raise InvalidInput(
        f"--method: expected one of {', '.join((*_PRESETS, *_KEYED, 'redact'))} or "
        "truncate-V4BITS-V6BITS"
    )


class _Progress:
    """A one-line progress display on a terminal's stderr: file, bytes, speed, percentage, ETA."""

    def __init__(self, total: int | None, stream: IO[str]) -> None:
        self._total = total
        self._stream = stream
        self._done = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False
        self._name = ""

    def start(self, name: str) -> None:
        """Name the input being read now."""
        self._name = name

    def __call__(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        rate = self._done / elapsed
        line = f"{self._done / 1e6:10.1f} MB  {rate / 1e6:7.1f} MB/s"
        if self._total:
            left = max(self._total - self._done, 0) / rate if rate else 0.0
            line = (
                f"{min(100.0, 100.0 * self._done / self._total):5.1f}% {line}  "
                f"ETA {int(left) // 60}:{int(left) % 60:02d}"
            )
        name = self._name if len(self._name) <= 30 else "…" + self._name[-29:]
        self._stream.write(f"\r\033[K{name}  {line}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()


def _same_terminal(out: IO[Any], err: IO[Any]) -> bool:
    """Whether two streams are the same terminal (progress would mix into the output)."""
    try:
        a, b = os.fstat(out.fileno()), os.fstat(err.fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return (a.st_dev, a.st_ino, a.st_rdev) == (b.st_dev, b.st_ino, b.st_rdev)


def _progress_for(paths: list[Path], *, to_stdout: bool) -> _Progress | None:
    if not sys.stderr.isatty():
        return None
    if to_stdout and sys.stdout.isatty() and _same_terminal(sys.stdout, sys.stderr):
        return None  # the masked lines go to this terminal: no progress line between them
    total = 0
    for path in paths:
        try:
            mode = path.stat()
        except OSError:
            return _Progress(None, sys.stderr)
        if not stat.S_ISREG(mode.st_mode):
            return _Progress(None, sys.stderr)  # a pipe or device: no size, no ETA
        total += mode.st_size
    return _Progress(total or None, sys.stderr)


@contextlib.contextmanager
def _stdout_sink() -> Iterator[IO[bytes]]:
    sink = sys.stdout.buffer
    try:
        yield sink
    finally:
        sink.flush()


class _InputError(Exception):
    """One input (or the output) failed: the message names the user's file, nothing else."""


_EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def _run_mask(args: argparse.Namespace) -> int:
    try:
        return _mask_command(args)
    except BrokenPipeError:
        # The reader went away (`gdprkit ip mask log | head`): stop quietly, like cat does.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except KeyboardInterrupt:
        # Temporary outputs were removed on the way out (atomic_output); nothing half-written.
        print("gdprkit ip mask: interrupted", file=sys.stderr)
        return _EXIT_INTERRUPTED
    except _InputError as exc:
        print(f"gdprkit ip mask: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _describe_error(exc: BaseException) -> str:
    """The reason of an I/O or format error, without any path (the caller names the file)."""
    if isinstance(exc, (EOFError, gzip.BadGzipFile, zlib.error)):
        return "truncated or corrupt gzip data"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if isinstance(exc, OSError):
        return exc.strerror or type(exc).__name__
    return str(exc)


def _check_input(path: Path, *, allow_binary: bool) -> None:
    """Refuse a missing file, a directory or (unless allowed) a binary file."""
    if path.is_dir():
        raise _InputError(f"{path}: is a directory")
    if not path.exists():
        raise _InputError(f"{path}: no such file")
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        raise _InputError(f"{path}: {_describe_error(exc)}") from None
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as unzipped:
                head = unzipped.read(65536)
        except (OSError, EOFError, zlib.error) as exc:
            raise _InputError(f"{path}: {_describe_error(exc)}") from None
    if b"\x00" in head and not allow_binary:
        raise _InputError(f"{path}: looks like a binary file (NUL bytes); --binary masks it anyway")


def _mask_command(args: argparse.Namespace) -> int:
    import gzip  # noqa: PLC0415

    from gdprkit.ip import logs  # noqa: PLC0415

    if args.jobs < 1:
        raise InvalidInput(f"--jobs must be at least 1, got {args.jobs}")
    fields = None
    if args.fields is not None:
        fields = tuple(name.strip() for name in args.fields.split(",") if name.strip())
    key = read_key_file(args.key_file) if args.key_file is not None else None
    masker = build_masker(
        args.method, key=key, skip_reserved=args.skip_reserved, keep_form=args.keep_form
    )
    files: list[str] = args.files
    if "-" in files and (args.in_place or len(files) > 1):
        raise InvalidInput("stdin ('-') cannot be masked in place or mixed with files")
    output: Path | None = args.output
    if args.append and (output is None or output.is_dir() or args.gzip):
        raise InvalidInput("--append needs -o FILE (a file, not a folder) and no --gzip")
    paths = [Path(f) for f in files if f != "-"]
    if output is not None and not output.is_dir():
        for path in paths:
            if path.exists() and output.exists() and path.samefile(output):
                raise InvalidInput(f"{output}: is also an input; use --in-place")
    options: dict[str, Any] = {
        "masker": masker,
        "format": args.format,
        "fields": fields,
        "engine": args.engine,
    }
    marker = args.replace if args.replace is not None else logs.UNPARSED_MARKER
    layout = logs._layout(args.columns, args.delimiter, args.regex, marker)
    own_layout: dict[str, Any] = {
        "columns": args.columns,
        "delimiter": args.delimiter,
        "regex": args.regex,
        "marker": marker,
    }
    if len(layout) > 1 and args.jobs > 1:
        raise InvalidInput("--columns and --regex need --jobs 1")
    progress = _progress_for(paths, to_stdout=output is None and not args.in_place)
    total = logs.LogSummary(format=args.format)
    errors = 0

    def one(path: Path, into: Any) -> None:
        """Mask one file with ``into(path)``; report its failure and go on with the others."""
        nonlocal total, errors
        if progress is not None:
            progress.start(str(path))
        try:
            _check_input(path, allow_binary=args.binary)
            total = total + into(path)
        except _InputError as exc:
            errors += 1
            print(f"gdprkit ip mask: {exc}", file=sys.stderr)
        except (OSError, EOFError, zlib.error) as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            errors += 1
            print(f"gdprkit ip mask: {path}: {_describe_error(exc)}", file=sys.stderr)

    def into_file(dest_of: Any) -> Any:
        def run(path: Path) -> LogSummary:
            summary: LogSummary = logs.mask_file(
                path, dest_of(path), jobs=args.jobs, progress=progress, **options, **own_layout
            )
            return summary

        return run

    def into_stream(out: IO[bytes], compress: bool, workdir: Path | None) -> Any:
        def run(path: Path) -> LogSummary:
            summary: LogSummary = logs._mask_path_into(
                path,
                out,
                compress=compress,
                jobs=args.jobs,
                progress=progress,
                workdir=workdir,
                layout=layout,
                **options,
            )
            return summary

        return run

    try:
        if files == ["-"]:
            total = _mask_stdin(args, output, {**options, **own_layout}, progress)
        elif args.in_place:
            for path in paths:
                one(path, into_file(lambda _p: None))
        elif output is not None and output.is_dir():
            for path in paths:
                one(path, into_file(lambda p: output / p.name))
        elif output is not None and args.append:
            with _AppendSink(output, mode_from=paths[0] if paths else None) as appending:
                for path in paths:
                    one(path, into_stream(cast("IO[bytes]", appending), False, None))
        elif output is not None:
            compress = args.gzip or output.suffix == ".gz"
            # One output for all inputs: a failing input fails it all (never half-written).
            for path in paths:
                _check_input(path, allow_binary=args.binary)
            try:
                with atomic_output(output, mode_from=paths[0] if len(paths) == 1 else None) as out:
                    for path in paths:
                        if progress is not None:
                            progress.start(str(path))
                        try:
                            total = total + into_stream(out, compress, output.parent)(path)
                        except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
                            raise _InputError(f"{path}: {_describe_error(exc)}") from None
                        except OSError as exc:
                            if exc.filename is not None and Path(exc.filename) != path:
                                raise _InputError(f"{output}: {_describe_error(exc)}") from None
                            raise _InputError(f"{path}: {_describe_error(exc)}") from None
            except OSError as exc:
                raise _InputError(f"{output}: {_describe_error(exc)}") from None
        else:
            with _stdout_sink() as out:
                for path in paths:
                    one(path, into_stream(out, args.gzip, None))
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet and not (errors and errors == len(paths)):
        print(_describe(total), file=sys.stderr)  # a summary only of what was masked
    if errors:
        return EXIT_USAGE
    if args.strict and total.failed_total:
        return EXIT_FINDINGS
    return EXIT_OK


class _AppendSink:
    """An output file opened for appending, flushed per write and reopened on SIGHUP.

    logrotate renames the file and sends SIGHUP (``postrotate``); the next write then goes to a
    new file of the same name.  A new file gets the permission bits of ``mode_from`` (the input),
    or the process's usual ones.
    """

    def __init__(self, path: Path, *, mode_from: Path | None) -> None:
        self._path = path
        self._mode = (mode_from.stat().st_mode & 0o777) if mode_from is not None else 0o666
        self._reopen = False
        self._handle: IO[bytes] = self._open()
        self._previous: Any = None

    def _open(self) -> IO[bytes]:
        fd = os.open(self._path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, self._mode)
        return os.fdopen(fd, "ab")

    def _hangup(self, _signum: int, _frame: object) -> None:
        self._reopen = True

    def __enter__(self) -> _AppendSink:
        if hasattr(signal, "SIGHUP"):
            self._previous = signal.signal(signal.SIGHUP, self._hangup)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGHUP, self._previous)
        self._handle.close()

    def write(self, data: bytes) -> int:
        if self._reopen:
            self._reopen = False
            self._handle.close()
            self._handle = self._open()
        n = self._handle.write(data)
        self._handle.flush()
        return n

    def flush(self) -> None:
        self._handle.flush()


def _mask_stdin(
    args: argparse.Namespace, output: Path | None, options: dict[str, Any], progress: Any
) -> LogSummary:
    import gzip  # noqa: PLC0415

    from gdprkit.ip import logs  # noqa: PLC0415

    source: IO[bytes] = sys.stdin.buffer
    peek = getattr(source, "peek", None)
    if peek is not None and peek(2)[:2] == b"\x1f\x8b":
        source = cast("IO[bytes]", gzip.GzipFile(fileobj=source, mode="rb"))
    elif peek is not None and b"\x00" in peek(65536)[:65536] and not args.binary:
        raise _InputError("stdin: looks like binary data (NUL bytes); --binary masks it anyway")
    if progress is not None:
        progress.start("stdin")
    try:
        if output is not None and args.append:
            with _AppendSink(output, mode_from=None) as sink:
                # Line by line as lines arrive: the piped-logger case.
                return logs.mask_stream(
                    source, cast("IO[bytes]", sink), flush=True, progress=progress, **options
                )
        if output is not None:
            if output.is_dir():
                raise InvalidInput("-o must name a file when reading stdin")
            try:
                with (
                    atomic_output(output) as out,
                    logs._maybe_gzip(
                        out, compress=args.gzip or output.suffix == ".gz", name=""
                    ) as sink,
                ):
                    return logs.mask_stream(source, sink, progress=progress, **options)
            except OSError as exc:
                if isinstance(exc, (EOFError, gzip.BadGzipFile)):
                    raise
                raise _InputError(f"{output}: {_describe_error(exc)}") from None
        with _stdout_sink() as out, logs._maybe_gzip(out, compress=args.gzip, name="") as sink:
            # Flush after every block so `tail -F log | gdprkit ip mask` shows lines as they come.
            return logs.mask_stream(source, sink, flush=not args.gzip, progress=progress, **options)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _InputError(f"stdin: {_describe_error(exc)}") from None


def _describe(summary: LogSummary) -> str:
    """The one-line summary printed on stderr (counts only, never an address)."""
    text = (
        f"gdprkit ip mask: {summary.lines} lines ({summary.format}), "
        f"{summary.addresses_v4} IPv4 and {summary.addresses_v6} IPv6 addresses masked, "
        f"{summary.failed_total} address fields failed closed"
    )
    if summary.failed:
        text += " (" + ", ".join(f"{name}: {count}" for name, count in summary.failed) + ")"
    if summary.engine:
        text += f"; engine: {summary.engine}"
    return text
