"""``gdprkit ip mask``: mask the IP addresses in log files, stdin to stdout, or in place.

Exit codes: 0 done; 1 with ``--strict`` when an address field failed closed (was replaced by
the marker); 2 usage or input errors (unknown method, unreadable key file, missing file).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

from gdprkit._files import atomic_output
from gdprkit.cli import EXIT_FINDINGS, EXIT_OK
from gdprkit.errors import ConfigurationError, InvalidInput

if TYPE_CHECKING:
    from gdprkit.ip.logs import LogSummary
    from gdprkit.ip.masking import IPMasker

__all__ = ["add_parser", "read_key_file"]

_PRESETS = ("ga", "matomo1", "matomo2", "matomo3", "anonip")
_KEYED = ("cryptopan", "ipcrypt-pfx", "ipcrypt-deterministic", "hmac")
_TRUNCATE = re.compile(r"truncate-(\d{1,2})-(\d{1,3})")
_HEX = re.compile(r"[0-9A-Fa-f]+")

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
    mask.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    mask.set_defaults(func=_run_mask)


def read_key_file(path: Path) -> bytes:
    """Read a key file: hex or base64 text, optionally prefixed ``hex:`` or ``base64:``.

    Surrounding whitespace and line breaks are ignored.  Text made only of hex digits (an even
    number of them) is hex; anything else is base64 (standard or URL-safe alphabet).

    Raises:
        ConfigurationError: the file is empty or neither hex nor base64 (the message never
            quotes the file's content).
        OSError: the file cannot be read.

    Example:
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d:
        ...     key = pathlib.Path(d, "k")
        ...     _ = key.write_text("hex:000102030405060708090a0b0c0d0e0f\\n")
        ...     read_key_file(key)[:4]
        b'\\x00\\x01\\x02\\x03'
    """
    text = "".join(path.read_text(encoding="ascii", errors="replace").split())
    kind = None
    for prefix in ("hex:", "base64:"):
        if text.lower().startswith(prefix):
            kind, text = prefix[:-1], text[len(prefix) :]
    if not text:
        raise ConfigurationError(f"key file {path}: expected a key, found nothing")
    if kind == "hex" or (kind is None and _HEX.fullmatch(text) and len(text) % 2 == 0):
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise ConfigurationError(f"key file {path}: expected hex digits") from None
    try:
        alphabet = b"-_" if ("-" in text or "_" in text) else None
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"key file {path}: expected hex or base64 text") from None


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
    """A one-line progress display on a terminal's stderr (bytes, percentage, speed)."""

    def __init__(self, total: int | None, stream: IO[str]) -> None:
        self._total = total
        self._stream = stream
        self._done = 0
        self._start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def __call__(self, n: int) -> None:
        self._done += n
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        elapsed = max(now - self._start, 1e-9)
        mb = self._done / 1e6
        line = f"{mb:10.1f} MB  {mb / elapsed:7.1f} MB/s"
        if self._total:
            line = f"{min(100.0, 100.0 * self._done / self._total):5.1f}% {line}"
        self._stream.write(f"\r{line}")
        self._stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()


def _progress_for(paths: list[Path]) -> _Progress | None:
    if not sys.stderr.isatty():
        return None
    total = 0
    for path in paths:
        try:
            total += path.stat().st_size
        except OSError:
            return _Progress(None, sys.stderr)
    return _Progress(total or None, sys.stderr)


@contextlib.contextmanager
def _stdout_sink() -> Iterator[IO[bytes]]:
    sink = sys.stdout.buffer
    try:
        yield sink
    finally:
        sink.flush()


def _run_mask(args: argparse.Namespace) -> int:
    try:
        return _mask_command(args)
    except BrokenPipeError:
        # The reader went away (`gdprkit ip mask log | head`): stop quietly, like cat does.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _mask_command(args: argparse.Namespace) -> int:
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
    paths = [Path(f) for f in files if f != "-"]
    for path in paths:
        if not path.is_file():
            raise InvalidInput(f"{path}: no such file")
    output: Path | None = args.output
    if output is not None and not output.is_dir():
        for path in paths:
            if path.exists() and output.exists() and path.samefile(output):
                raise InvalidInput(f"{output}: is also an input; use --in-place")
    progress = _progress_for(paths)
    options: dict[str, Any] = {
        "masker": masker,
        "format": args.format,
        "fields": fields,
        "engine": args.engine,
    }
    total = logs.LogSummary(format=args.format)
    try:
        if files == ["-"]:
            total = _mask_stdin(args, output, options, progress)
        elif args.in_place:
            for path in paths:
                total = total + logs.mask_file(path, jobs=args.jobs, progress=progress, **options)
        elif output is not None and output.is_dir():
            for path in paths:
                total = total + logs.mask_file(
                    path, output / path.name, jobs=args.jobs, progress=progress, **options
                )
        elif output is not None:
            compress = args.gzip or output.suffix == ".gz"
            with atomic_output(output) as out:
                for path in paths:
                    total = total + logs._mask_path_into(
                        path,
                        out,
                        compress=compress,
                        jobs=args.jobs,
                        progress=progress,
                        workdir=output.parent,
                        **options,
                    )
        else:
            with _stdout_sink() as out:
                for path in paths:
                    total = total + logs._mask_path_into(
                        path,
                        out,
                        compress=args.gzip,
                        jobs=args.jobs,
                        progress=progress,
                        workdir=None,
                        **options,
                    )
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet:
        print(_describe(total), file=sys.stderr)
    if args.strict and total.failed_total:
        return EXIT_FINDINGS
    return EXIT_OK


def _mask_stdin(
    args: argparse.Namespace, output: Path | None, options: dict[str, Any], progress: Any
) -> LogSummary:
    import gzip  # noqa: PLC0415

    from gdprkit.ip import logs  # noqa: PLC0415

    source: IO[bytes] = sys.stdin.buffer
    peek = getattr(source, "peek", None)
    if peek is not None and peek(2)[:2] == b"\x1f\x8b":
        source = cast("IO[bytes]", gzip.GzipFile(fileobj=source, mode="rb"))
    if output is not None:
        if output.is_dir():
            raise InvalidInput("-o must name a file when reading stdin")
        with (
            atomic_output(output) as out,
            logs._maybe_gzip(out, compress=args.gzip or output.suffix == ".gz", name="") as sink,
        ):
            return logs.mask_stream(source, sink, progress=progress, **options)
    with _stdout_sink() as out, logs._maybe_gzip(out, compress=args.gzip, name="") as sink:
        # Flush after every block so `tail -F log | gdprkit ip mask` shows lines as they come.
        return logs.mask_stream(source, sink, flush=not args.gzip, progress=progress, **options)


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
