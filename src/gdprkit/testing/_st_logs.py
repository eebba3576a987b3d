"""Hypothesis strategies for log lines with the addresses they contain.

Re-exported by :mod:`gdprkit.testing.strategies`; import them from there.

Each generated line comes with the exact address tokens written in it, in order, so a test can
compute the expected masked line by replacing those tokens and nothing else.  The filler between
fields is drawn from bytes that can never form or extend an address (no digits, hex letters,
dots or colons), but includes every byte from 0x80 to 0xFF and control characters, so the lines
are rarely valid UTF-8 and exercise byte preservation.
"""

from __future__ import annotations

import ipaddress
from typing import Final

from hypothesis import strategies as st

from gdprkit.ip.logs import LogSummary
from gdprkit.testing._st_ip import ip_address_forms

__all__ = ["log_addresses", "log_lines", "log_summaries"]

LogLine = tuple[str, bytes, tuple[str, ...]]
"""``(format, line without newline, address tokens in order of appearance)``."""

LOG_LINE_FORMATS: Final = ("combined", "common", "jsonl", "syslog", "text")

# Bytes that cannot be part of, or glue onto, an address: no [0-9A-Fa-f], '.', ':', '_', '%',
# '[', ']', no letters (a letter glued to an address hides it by the text rules), no newline.
_SAFE_BYTES: Final = bytes(
    b
    for b in range(1, 256)
    if not (chr(b).isascii() and (chr(b).isalnum() or chr(b) in '.:_%[]\n\\"/'))
)
_WORDS: Final = ("GET", "POST", "path", "user", "login", "for", "Mozilla", "sshd", "xyz")
# Decoys the text rules document as non-addresses (FACTS: issue 3 "no false positives").
_DECOYS: Final = (
    "Chrome/120.0.6099.109",
    "Safari/537.36",
    "app.3.2.1.js",
    "06:00:00",
    "00:1a:2b:3c:4d:5e",
    "v1.2.3.4",
)


@st.composite
def log_addresses(draw: st.DrawFn, *, ports: bool = True) -> str:
    """Address tokens as logs write them: IPv4, IPv6 compressed/full/upper-case, IPv4-mapped,
    bracketed with a port, IPv4 with a port, and every form of
    :func:`~gdprkit.testing.strategies.ip_address_forms` (zones, padded, hex-mapped).

    Example:
        >>> from hypothesis import given
        >>> from gdprkit.ip import parse_address
        >>> from gdprkit.testing import strategies as gst
        >>> @given(gst.log_addresses())
        ... def test_parses(token):
        ...     assert parse_address(token).version in (4, 6)
        >>> test_parses()
    """
    kind = draw(st.sampled_from(("v4", "v4", "v6", "v6-full", "v6-upper", "mapped", "forms")))
    if kind == "forms":
        return draw(ip_address_forms(ports=ports))[0]
    if kind == "v4":
        text = str(ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1))))
        if ports and draw(st.booleans()):
            text = f"{text}:{draw(st.integers(1, 65535))}"
        return text
    if kind == "mapped":
        v4 = ipaddress.IPv4Address(draw(st.integers(0, 2**32 - 1)))
        return f"::ffff:{v4}"
    v6 = ipaddress.IPv6Address(draw(st.integers(0, 2**128 - 1)))
    text = str(v6)
    if kind == "v6-full":
        text = v6.exploded
    elif kind == "v6-upper":
        text = text.upper()
    if ports and draw(st.booleans()):
        text = f"[{text}]:{draw(st.integers(1, 65535))}"
    return text


def _safe(raw: bytes) -> bytes:
    return bytes(_SAFE_BYTES[b % len(_SAFE_BYTES)] for b in raw)


# One flat strategy (no nested composites): generation stays fast enough for big test runs.
_FILLER = st.lists(
    st.one_of(
        st.binary(min_size=1, max_size=8).map(_safe),
        st.sampled_from(_WORDS + _DECOYS).map(str.encode),
    ),
    max_size=4,
).map(b" ".join)


@st.composite
def _free_text(draw: st.DrawFn, addresses: list[str]) -> bytes:
    """Filler with zero to two addresses, each delimited by spaces."""
    parts: list[bytes] = [draw(_FILLER)]
    for _ in range(draw(st.integers(0, 2))):
        token = draw(log_addresses())
        addresses.append(token)
        parts += [token.encode(), draw(_FILLER)]
    return b" ".join(parts)


_WRAPPERS: Final = (
    b"",
    b"",
    b"Sep 15 16:13:46 web1 nginx[2869]: ",
    b"<190>Sep  5 16:13:46 web1 nginx: ",
    b"2022-01-28T16:04:05.413656027Z stdout F ",
)


def _json_string(raw: bytes) -> bytes:
    return raw.replace(b"\\", b"").replace(b'"', b"")


@st.composite
def log_lines(draw: st.DrawFn, *, formats: tuple[str, ...] = LOG_LINE_FORMATS) -> LogLine:
    """One log line of a format in ``formats``, with the address tokens it holds.

    Formats: ``combined`` and ``common`` (client, an optional X-Forwarded-For list in front of
    it, addresses in request and referrer, sometimes behind a syslog or CRI wrapper), ``jsonl``
    (``remote_addr``, ``x_forwarded_for`` and a free-text message), ``syslog`` (an address as
    host, addresses in the message), ``text``.

    Example:
        >>> from hypothesis import given
        >>> from gdprkit.testing import strategies as gst
        >>> @given(gst.log_lines(formats=("common",)))
        ... def test_one_line(generated):
        ...     fmt, line, addresses = generated
        ...     assert fmt == "common" and b"\\n" not in line
        ...     assert all(a.encode() in line for a in addresses)
        >>> test_one_line()
    """
    fmt = draw(st.sampled_from(formats))
    found: list[str] = []
    if fmt in ("combined", "common"):
        head: list[str] = []
        if draw(st.booleans()):
            head = [draw(log_addresses(ports=False)) for _ in range(draw(st.integers(1, 3)))]
            head = [", ".join(head)]
        client = draw(log_addresses(ports=False))
        found += [*(a for h in head for a in h.split(", ")), client]
        stamp = f"[{draw(st.integers(10, 28))}/May/2015:10:05:03 +0000]"
        request = draw(_free_text(found)).replace(b'"', b"")
        line = b" ".join([*(h.encode() for h in head), client.encode(), b"- -", stamp.encode()])
        # Issue 17, class 11: access lines forwarded through syslog or written by a Kubernetes
        # container runtime keep their wrapper.
        line = draw(st.sampled_from(_WRAPPERS)) + line
        line += b' "' + request + b'" 200 512'
        if fmt == "combined":
            referrer = draw(_free_text(found)).replace(b'"', b"")
            agent = draw(_free_text(found)).replace(b'"', b"")
            line += b' "' + referrer + b'" "' + agent + b'"'
        return fmt, line, tuple(found)
    if fmt == "jsonl":
        client = draw(log_addresses())
        found.append(client)
        message = _json_string(draw(_free_text(found)))
        line = b'{"remote_addr": "' + client.encode() + b'", "msg": "' + message + b'"}'
        return fmt, line, tuple(found)
    if fmt == "syslog":
        host = draw(log_addresses(ports=False))
        found.append(host)
        message = draw(_free_text(found))
        line = b"Feb 21 21:54:44 " + host.encode() + b" sshd[42]: " + message
        return fmt, line, tuple(found)
    return "text", draw(_free_text(found)), tuple(found)


def log_summaries() -> st.SearchStrategy[LogSummary]:
    """:class:`gdprkit.ip.logs.LogSummary` values (also registered for ``st.from_type``).

    Example:
        >>> from hypothesis import given
        >>> from gdprkit.testing import strategies as gst
        >>> @given(gst.log_summaries(), gst.log_summaries())
        ... def test_sum(a, b):
        ...     assert (a + b).addresses == a.addresses + b.addresses
        >>> test_sum()
    """
    counts = st.integers(0, 10**9)
    return st.builds(
        LogSummary,
        lines=counts,
        addresses_v4=counts,
        addresses_v6=counts,
        failed=st.dictionaries(
            st.sampled_from(("client", "x_forwarded_for", "json", "host")), st.integers(1, 1000)
        ),
        bytes_in=counts,
        bytes_out=counts,
        format=st.sampled_from(LOG_LINE_FORMATS),
    )
