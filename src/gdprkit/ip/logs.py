"""Mask the IP addresses in log files and streams, fail closed, byte for byte.

:func:`mask_stream` reads a binary stream and writes the same bytes with every address masked;
:func:`mask_file` does the same for files (gzip in and out, in place through a temporary file
renamed on success, several processes with ``jobs``).  Both return a :class:`LogSummary`.

The rules (see :doc:`/reference/ip-logs` for each format):

- **Format-aware.** In access logs (``combined``, ``common``) the client field and any
  X-Forwarded-For list in front of it are address fields; in JSON lines (``jsonl``,
  ``nginx-json``) the fields named in ``fields`` are; in ``syslog`` the host field is.  Everything
  else that could hold an address (request line, referrer, user agent, messages) is scanned with
  :func:`gdprkit.ip.text.mask_text`.  ``text`` scans the whole line.
- **Fail closed.** An address field that does not parse is replaced by :data:`UNPARSED_MARKER`
  and counted in :attr:`LogSummary.failed`; it is never written through.
- **Lossless.** Input bytes are treated as latin-1 (one code point per byte), so non-UTF-8 bytes,
  CRLF line ends, very long lines and a last line without a newline come out exactly as they came
  in; only the addresses change.
- **Flat memory.** Input is read in blocks, caches are bounded; a line longer than
  ``max_line_bytes`` is cut at a byte that cannot belong to an address and its continuation is
  scanned as free text.

Example:
    >>> import io
    >>> from gdprkit.ip.truncate import TruncationMasker
    >>> log = b'203.0.113.7 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5\\n'
    >>> out = io.BytesIO()
    >>> summary = mask_stream(io.BytesIO(log), out, masker=TruncationMasker.preset("ga"))
    >>> out.getvalue()
    b'203.0.113.0 - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5\\n'
    >>> summary.lines, summary.addresses_v4, summary.failed_total
    (1, 1, 0)
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal, cast

import attrs

from gdprkit._files import atomic_output
from gdprkit.errors import InvalidInput
from gdprkit.ip import _engine
from gdprkit.ip._formats import DEFAULT_JSON_FIELDS, FORMATS, UNPARSED_MARKER, Engine, detect_format

if TYPE_CHECKING:
    from gdprkit.ip.masking import IPMasker

__all__ = [
    "DEFAULT_JSON_FIELDS",
    "LOG_FORMATS",
    "UNPARSED_MARKER",
    "LogFormat",
    "LogSummary",
    "detect_log_format",
    "mask_file",
    "mask_stream",
]

LogFormat = Literal["auto", "combined", "common", "nginx-json", "jsonl", "syslog", "text"]
"""The formats :func:`mask_stream` understands; ``auto`` looks at the first lines."""

LOG_FORMATS: Final[tuple[str, ...]] = ("auto", *FORMATS)
"""Every accepted value of ``format``, ``auto`` first."""

_READ_SIZE: Final = 1 << 20  # 1 MiB blocks: large enough that per-block overhead vanishes
_MAX_LINE: Final = 16 << 20
_SUMMARY_VERSION: Final = 1
_GZIP_MAGIC: Final = b"\x1f\x8b"
# Bytes that can be part of an address in any textual form (digits, hex, dots, colons, zone
# ids, brackets); a long line is only ever cut at a byte outside this set.
_ADDRESS_BYTES: Final = re.compile(rb"[^0-9A-Za-z:.%\[\]_-]")


def _nonneg(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise InvalidInput(f"LogSummary.{attribute.name} must be >= 0, got {value}")


def _failed_converter(
    value: Mapping[str, int] | tuple[tuple[str, int], ...],
) -> tuple[tuple[str, int], ...]:
    items = value.items() if isinstance(value, Mapping) else value
    return tuple(sorted((str(k), int(v)) for k, v in items if int(v)))


@attrs.frozen
class LogSummary:
    """What masking a log did: lines, addresses masked per family, fields failed closed.

    Summaries add up (``a + b``), so the parts of a parallel run or the files of a batch give
    one total.

    Raises:
        InvalidInput: a negative count.

    Example:
        >>> a = LogSummary(lines=2, addresses_v4=2, failed={"client": 1})
        >>> b = LogSummary(lines=1, addresses_v6=1)
        >>> (a + b).lines, (a + b).addresses, (a + b).failed_total
        (3, 3, 1)
        >>> LogSummary.from_dict((a + b).to_dict()) == a + b
        True
    """

    lines: int = attrs.field(default=0, validator=_nonneg)
    addresses_v4: int = attrs.field(default=0, validator=_nonneg)
    addresses_v6: int = attrs.field(default=0, validator=_nonneg)
    failed: tuple[tuple[str, int], ...] = attrs.field(default=(), converter=_failed_converter)
    """``(field name, count)`` pairs, sorted: address fields replaced by the marker."""
    bytes_in: int = attrs.field(default=0, validator=_nonneg)
    bytes_out: int = attrs.field(default=0, validator=_nonneg)
    format: str = attrs.field(default="text")
    """The format used (after ``auto`` detection); ``mixed`` when parts disagree."""
    engine: str = attrs.field(default="", kw_only=True)
    """The engine that ran: ``python``, ``native``, ``mixed``, or empty for no input."""

    @property
    def addresses(self) -> int:
        """Addresses masked, both families."""
        return self.addresses_v4 + self.addresses_v6

    @property
    def failed_total(self) -> int:
        """Address fields that did not parse and were replaced by :data:`UNPARSED_MARKER`."""
        return sum(count for _, count in self.failed)

    def __add__(self, other: LogSummary) -> LogSummary:
        """Return the sum of two summaries."""
        if not isinstance(other, LogSummary):
            return NotImplemented
        failed = dict(self.failed)
        for name, count in other.failed:
            failed[name] = failed.get(name, 0) + count
        if self.lines == 0 and self.bytes_in == 0:
            fmt = other.format
        elif other.lines == 0 and other.bytes_in == 0:
            fmt = self.format
        else:
            fmt = self.format if self.format == other.format else "mixed"
        engines = {self.engine, other.engine} - {""}
        engine = engines.pop() if len(engines) == 1 else ("mixed" if engines else "")
        return LogSummary(
            lines=self.lines + other.lines,
            addresses_v4=self.addresses_v4 + other.addresses_v4,
            addresses_v6=self.addresses_v6 + other.addresses_v6,
            failed=failed,
            bytes_in=self.bytes_in + other.bytes_in,
            bytes_out=self.bytes_out + other.bytes_out,
            format=fmt,
            engine=engine,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict (with a ``version``)."""
        return {
            "version": _SUMMARY_VERSION,
            "lines": self.lines,
            "addresses_v4": self.addresses_v4,
            "addresses_v6": self.addresses_v6,
            "failed": dict(self.failed),
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "format": self.format,
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogSummary:
        """Rebuild a summary from :meth:`to_dict` output.

        Raises:
            InvalidInput: an unknown version or a missing key.
        """
        if data.get("version") != _SUMMARY_VERSION:
            raise InvalidInput(f"LogSummary version must be {_SUMMARY_VERSION}")
        try:
            return cls(
                lines=int(data["lines"]),
                addresses_v4=int(data["addresses_v4"]),
                addresses_v6=int(data["addresses_v6"]),
                failed=dict(data["failed"]),
                bytes_in=int(data["bytes_in"]),
                bytes_out=int(data["bytes_out"]),
                format=str(data["format"]),
                engine=str(data.get("engine", "")),
            )
        except KeyError as exc:
            raise InvalidInput(f"LogSummary dict lacks the key {exc.args[0]!r}") from None


def detect_log_format(sample: bytes) -> str:
    """Return the log format of a sample of the first lines (``text`` when none fits).

    A format wins when at least 80 % of the first 50 non-empty lines follow it.

    Example:
        >>> detect_log_format(b'{"remote_addr": "192.0.2.1", "status": 200}\\n')
        'jsonl'
        >>> detect_log_format(b"any other text\\n")
        'text'
    """
    return detect_format(sample.decode("latin-1"))


def _check_options(format: str, fields: tuple[str, ...] | None) -> None:
    if format not in LOG_FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(LOG_FORMATS)}, got {format!r}")
    if fields is not None:
        if format not in ("auto", "jsonl", "nginx-json"):
            raise InvalidInput("fields applies to the jsonl and nginx-json formats only")
        if not fields or "" in fields:
            raise InvalidInput("fields must be a non-empty sequence of field names")


def _safe_cut(data: bytes, limit: int) -> int:
    """Index at which to cut a line longer than ``limit`` without splitting an address."""
    start = max(0, limit - 4096)
    cut = 0
    for m in _ADDRESS_BYTES.finditer(data, start, limit):
        cut = m.end()
    return cut or limit


def _run(
    source: IO[bytes],
    sink: IO[bytes],
    engine_for: Callable[[bytes], Engine | _engine.NativeEngine],
    *,
    flush: bool,
    max_line_bytes: int,
    limit: int | None,
    progress: Callable[[int], None] | None,
) -> LogSummary:
    """The streaming loop shared by the public functions and the parallel workers."""
    read = getattr(source, "read1", None) or source.read
    write = sink.write
    carry = b""
    engine: Engine | _engine.NativeEngine | None = None
    continuation = False
    bytes_in = bytes_out = 0
    last_byte = 0x0A
    remaining = limit
    while True:
        size = _READ_SIZE if remaining is None else min(_READ_SIZE, remaining)
        block = read(size) if size else b""
        if block:
            if remaining is not None:
                remaining -= len(block)
            bytes_in += len(block)
            last_byte = block[-1]
            if progress is not None:
                progress(len(block))
            data = carry + block if carry else block
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                if len(data) < max_line_bytes:
                    carry = data
                    continue
                cut = _safe_cut(data, max_line_bytes)
        else:
            data = carry
            cut = len(data)
            if not cut:
                break
        if engine is None:
            engine = engine_for(data[:65536])
        mask_bytes = getattr(engine, "mask_bytes", None)  # the native engine works on bytes
        if mask_bytes is not None:
            out = mask_bytes(data, continuation=continuation, end=cut)  # no copy of the block
        else:
            text = engine.mask_chunk(data[:cut].decode("latin-1"), continuation=continuation)
            out = text.encode("latin-1")
        write(out)
        bytes_out += len(out)
        if flush:
            sink.flush()
        continuation = data[cut - 1] != 0x0A
        carry = data[cut:]
        if not block:
            break
    if engine is None:
        return LogSummary(bytes_in=bytes_in, bytes_out=bytes_out, format="text", engine="")
    # A last line without its newline is still a line.
    lines = engine.lines + int(last_byte != 0x0A)
    return LogSummary(
        lines=lines,
        addresses_v4=engine.v4,
        addresses_v6=engine.v6,
        failed=engine.failed,
        bytes_in=bytes_in,
        bytes_out=bytes_out,
        format=engine.format,
        engine=_engine.engine_name(engine),
    )


def _engine_factory(
    masker: IPMasker,
    format: str,
    fields: tuple[str, ...] | None,
    layout: Mapping[str, Any] | None = None,
    engine: str | None = None,
) -> Callable[[bytes], Engine | _engine.NativeEngine]:
    _engine.raise_if_invalid(engine)

    def make(sample: bytes) -> Engine | _engine.NativeEngine:
        extra = dict(layout or {})
        if "columns" in extra or "regex" in extra:
            chosen = "text"  # the user's layout decides where the address fields are
        else:
            chosen = detect_log_format(sample) if format == "auto" else format
        if extra and extra != {"marker": UNPARSED_MARKER}:
            # A layout of one's own (or another marker) is the Python engine's alone.
            return Engine(masker, format=chosen, fields=fields, **extra)
        return _engine.make_engine(masker, format=chosen, fields=fields, engine=engine)

    return make


def _layout(
    columns: tuple[int, ...] | None, delimiter: str, regex: str | None, marker: str
) -> dict[str, Any]:
    """Check and compile the options of a user-given layout (anonip's --columns, --regex)."""
    if not marker or "\n" in marker:
        raise InvalidInput("marker: expected a non-empty string without a line break")
    layout: dict[str, Any] = {"marker": marker}
    if columns is not None and regex is not None:
        raise InvalidInput("columns and regex exclude each other: give one of them")
    if columns is not None:
        if not columns or any(c < 1 for c in columns):
            raise InvalidInput("columns: expected column numbers from 1")
        if not delimiter or "\n" in delimiter:
            raise InvalidInput("delimiter: expected a non-empty string without a line break")
        layout.update(columns=tuple(columns), delimiter=delimiter)
    if regex is not None:
        try:
            compiled = re.compile(regex)
        except re.error as exc:
            raise InvalidInput(f"regex: not a valid regular expression ({exc.msg})") from None
        if not compiled.groupindex:
            raise InvalidInput("regex: expected named groups, e.g. (?P<client>\\S+)")
        layout.update(regex=compiled)
    return layout


def mask_stream(
    source: IO[bytes],
    sink: IO[bytes],
    *,
    masker: IPMasker,
    format: LogFormat = "auto",
    fields: tuple[str, ...] | None = None,
    flush: bool = False,
    max_line_bytes: int = _MAX_LINE,
    progress: Callable[[int], None] | None = None,
    columns: tuple[int, ...] | None = None,
    delimiter: str = " ",
    regex: str | None = None,
    marker: str = UNPARSED_MARKER,
    engine: str | None = None,
) -> LogSummary:
    """Copy ``source`` to ``sink`` (binary streams) with every IP address masked.

    ``format="auto"`` detects the format from the first block.  ``fields`` names the JSON fields
    holding addresses (default :data:`DEFAULT_JSON_FIELDS`).  ``flush=True`` flushes ``sink``
    after every block read, for pipes such as ``tail -F log | gdprkit ip mask``: the input is
    read with ``read1`` so a block is whatever has arrived.  ``progress`` is called with the
    number of bytes read after each block.  Neither stream is closed.  ``engine`` picks the
    masking engine (``"python"``, ``"native"``, ``"auto"``; default: the ``GDPRKIT_IP_ENGINE``
    environment variable, else native when installed), see :doc:`/areas/ip-engines`.

    A layout of your own (as anonip's options): ``columns`` (numbers from 1) split each line at
    ``delimiter`` and name the address fields, or ``regex`` names them with its named groups; the
    rest of a line, and a line the regex does not match, is free text.  ``marker`` replaces an
    address field that fails closed (default :data:`UNPARSED_MARKER`).

    Raises:
        InvalidInput: an unknown format, ``fields`` with a format that has no field names,
            ``max_line_bytes`` below 64 KiB, or a bad layout (columns, delimiter, regex, marker).
        OSError: reading or writing failed.

    Example:
        >>> import io
        >>> from gdprkit.ip.truncate import TruncationMasker
        >>> line = b'{"remote_addr": "2001:db8:85a3::8a2e:370:7334", "msg": "hi from 10.1.2.3"}'
        >>> out = io.BytesIO()
        >>> s = mask_stream(io.BytesIO(line), out, masker=TruncationMasker.preset("ga"))
        >>> out.getvalue()
        b'{"remote_addr": "2001:db8:85a3::", "msg": "hi from 10.1.2.0"}'
        >>> s.format, s.addresses_v4, s.addresses_v6
        ('jsonl', 1, 1)
    """
    fields = tuple(fields) if fields is not None else None
    _check_options(format, fields)
    if max_line_bytes < 65536:
        raise InvalidInput(f"max_line_bytes must be at least 65536, got {max_line_bytes}")
    layout = _layout(columns, delimiter, regex, marker)
    return _run(
        source,
        sink,
        _engine_factory(masker, format, fields, layout, engine),
        flush=flush,
        max_line_bytes=max_line_bytes,
        limit=None,
        progress=progress,
    )


# -- files ------------------------------------------------------------------------------------


def _is_gzip(path: Path) -> bool:
    """Whether a file starts with the gzip magic bytes."""
    with path.open("rb") as handle:
        return handle.read(2) == _GZIP_MAGIC


@contextlib.contextmanager
def _open_source(path: Path) -> Iterator[IO[bytes]]:
    with path.open("rb") as raw:
        if raw.peek(2)[:2] == _GZIP_MAGIC:
            with gzip.GzipFile(fileobj=raw, mode="rb") as unzipped:
                yield cast("IO[bytes]", unzipped)
        else:
            yield raw


@contextlib.contextmanager
def _maybe_gzip(handle: IO[bytes], *, compress: bool, name: str) -> Iterator[IO[bytes]]:
    if not compress:
        yield handle
        return
    # mtime=0 keeps the output reproducible: the same input and key give the same bytes.
    with gzip.GzipFile(filename=name, fileobj=handle, mode="wb", mtime=0) as zipped:
        yield cast("IO[bytes]", zipped)


def mask_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str] | None = None,
    *,
    masker: IPMasker,
    format: LogFormat = "auto",
    fields: tuple[str, ...] | None = None,
    compress: bool | None = None,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    columns: tuple[int, ...] | None = None,
    delimiter: str = " ",
    regex: str | None = None,
    marker: str = UNPARSED_MARKER,
    engine: str | None = None,
) -> LogSummary:
    """Mask a log file into ``destination``, or in place when ``destination`` is ``None``.

    gzip input is recognised by its magic bytes.  The output is gzip when ``compress`` is true;
    by default when ``destination`` ends in ``.gz`` (in place: when the input was gzip).  The
    output is written to a temporary file in the destination's folder and renamed over it only
    when everything succeeded, so a failure never leaves a half-masked file behind.  ``jobs``
    greater than 1 splits an uncompressed input into byte ranges at line boundaries, masks them
    in that many processes and joins the parts in order (compressed inputs are read by one
    process).  ``progress`` receives the number of input bytes handled since the last call.
    The output gets the permission bits of the input.  ``columns``, ``delimiter``, ``regex`` and
    ``marker`` are as for :func:`mask_stream` (a layout of your own needs ``jobs=1``).
    ``engine`` picks the masking engine as in :func:`mask_stream`.

    Raises:
        InvalidInput: bad options (see :func:`mask_stream`), ``jobs`` below 1.
        OSError: the source cannot be read or the destination written.

    Example:
        >>> from gdprkit.ip.truncate import TruncationMasker
        >>> mask_file("access.log.1.gz", masker=TruncationMasker.preset("ga"))  # doctest: +SKIP
        LogSummary(lines=10412, addresses_v4=9120, addresses_v6=1301, failed=(), ...)
    """
    src = Path(source)
    fields = tuple(fields) if fields is not None else None
    _check_options(format, fields)
    if jobs < 1:
        raise InvalidInput(f"jobs must be at least 1, got {jobs}")
    layout = _layout(columns, delimiter, regex, marker)
    dest = src if destination is None else Path(destination)
    if compress is None:
        compress = _is_gzip(src) if destination is None else dest.suffix == ".gz"
    with atomic_output(dest, mode_from=src) as out:
        return _mask_path_into(
            src,
            out,
            masker=masker,
            format=format,
            fields=fields,
            compress=compress,
            jobs=jobs,
            progress=progress,
            workdir=dest.parent,
            layout=layout,
            engine=engine,
        )


def _mask_path_into(
    source: Path,
    out: IO[bytes],
    *,
    masker: IPMasker,
    format: str,
    fields: tuple[str, ...] | None,
    compress: bool,
    jobs: int,
    progress: Callable[[int], None] | None,
    workdir: Path | None,
    layout: Mapping[str, Any] | None = None,
    engine: str | None = None,
) -> LogSummary:
    """Mask one file into an open raw binary output (a gzip member of its own if compressing)."""
    if layout and len(layout) > 1 and jobs > 1:
        raise InvalidInput("columns or regex need jobs=1")
    if jobs > 1 and not _is_gzip(source):
        from gdprkit.ip._parallel import mask_ranges  # noqa: PLC0415

        if format == "auto":
            # Every worker must use the same format: detect once, from the file's start.
            with source.open("rb") as head:
                format = detect_log_format(head.read(65536))
        return mask_ranges(
            source,
            out,
            masker=masker,
            format=format,
            fields=fields,
            compress=compress,
            jobs=jobs,
            progress=progress,
            workdir=workdir,
            engine=engine,
            layout=layout,
        )
    with _open_source(source) as handle, _maybe_gzip(out, compress=compress, name="") as sink:
        return _run(
            handle,
            sink,
            _engine_factory(masker, format, fields, layout, engine),
            flush=False,
            max_line_bytes=_MAX_LINE,
            limit=None,
            progress=progress,
        )
