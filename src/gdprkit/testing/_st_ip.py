"""Hypothesis strategies for IP addresses in every textual form, header lists, texts and maskers.

Re-exported by :mod:`gdprkit.testing.strategies`; import them from there.  Expected values are
computed with the standard library's :mod:`ipaddress` or plain integers, never with gdprkit's own
parser, so tests that use them check gdprkit against an independent reference.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from hypothesis import strategies as st

if TYPE_CHECKING:
    from gdprkit.ip import IPMasker

__all__ = [
    "addresses_in_context",
    "ip_address_forms",
    "ip_addresses",
    "ip_maskers",
    "texts_with_addresses",
    "x_forwarded_for_values",
]

AddressForm = tuple[str, int, int]
"""``(text, family, value)``: the text, 4 or 6 (the family the masking methods use: IPv4-mapped
addresses count as 4) and the integer value of the IPv4 or IPv6 address."""

_V4: Final = st.integers(0, 2**32 - 1)
_V6: Final = st.integers(0, 2**128 - 1)
_ZONES: Final = ("eth0", "lo0", "en1", "25")


def _v6_text(value: int, style: str) -> str:
    address = ipaddress.IPv6Address(value)
    groups = address.exploded.split(":")
    if style == "full":  # Java's InetAddress: eight groups, no leading zeros
        return ":".join(format(int(g, 16), "x") for g in groups)
    if style == "exploded":
        return address.exploded
    if style == "upper":
        return address.compressed.upper()
    return address.compressed


@st.composite
def ip_address_forms(
    draw: st.DrawFn, *, version: int | None = None, ports: bool = True, zones: bool = True
) -> AddressForm:
    """An address in one of its textual forms, with its family and value.

    Forms: IPv4 (``:port``), IPv6 compressed / eight-group / zero-padded / upper-case (``%zone``,
    ``[...]:port``), and IPv4-mapped IPv6 in dotted, hex and upper-case spellings.

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> find(gst.ip_address_forms(version=4), lambda form: "ffff" in form[0])
        ('::ffff:0.0.0.0', 4, 0)
    """
    kind = draw(
        st.sampled_from(
            {4: ("v4", "mapped"), 6: ("v6",), None: ("v4", "v4", "mapped", "v6", "v6")}[version]
        )
    )
    if kind == "v4":
        value = draw(_V4)
        text = str(ipaddress.IPv4Address(value))
        if ports and draw(st.booleans()):
            text = f"{text}:{draw(st.integers(0, 65535))}"
        return text, 4, value
    if kind == "mapped":
        value = draw(_V4)
        dotted = str(ipaddress.IPv4Address(value))
        text = draw(
            st.sampled_from(
                (
                    f"::ffff:{dotted}",
                    f"::FFFF:{dotted}",
                    f"0:0:0:0:0:ffff:{dotted}",
                    f"::ffff:{value >> 16:x}:{value & 0xFFFF:x}",
                )
            )
        )
        return text, 4, value
    value = draw(_V6)
    text = _v6_text(value, draw(st.sampled_from(("compressed", "full", "exploded", "upper"))))
    if zones and draw(st.integers(0, 4)) == 0:
        text = f"{text}%{draw(st.sampled_from(_ZONES))}"
    if ports and draw(st.booleans()):
        text = f"[{text}]:{draw(st.integers(0, 65535))}"
    family = 4 if value >> 32 == 0xFFFF else 6
    return text, family, value if family == 6 else value & 0xFFFFFFFF


def ip_addresses(*, version: int | None = None) -> st.SearchStrategy[str]:
    """Plain addresses (no port, zone or brackets) in RFC 5952 / dotted-quad canonical form.

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> find(gst.ip_addresses(version=6), lambda address: True)
        '::'
    """
    v4 = _V4.map(lambda v: str(ipaddress.IPv4Address(v)))
    v6 = _V6.filter(lambda v: v >> 32 != 0xFFFF).map(lambda v: ipaddress.IPv6Address(v).compressed)
    if version == 4:
        return v4
    if version == 6:
        return v6
    return st.one_of(v4, v6)


def x_forwarded_for_values(*, max_hops: int = 5) -> st.SearchStrategy[str]:
    """X-Forwarded-For header values: 1 to ``max_hops`` addresses joined by ``", "`` or ``","``.

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> find(gst.x_forwarded_for_values(max_hops=3), lambda value: value.count(",") == 2)
        '0.0.0.0, 0.0.0.0, 0.0.0.0'
    """
    return st.tuples(
        st.lists(ip_addresses(), min_size=1, max_size=max_hops), st.sampled_from((", ", ","))
    ).map(lambda pair: pair[1].join(pair[0]))


# Text pieces the scanning rules document as non-addresses, and separators that end a token.
_DECOYS: Final = (
    "Chrome/120.0.6099.109",
    "(KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "ShopApp/4.16.7.81 (iPhone; iOS 17.1)",
    "git-commit/311b9ff kernel/5.15.90.1-microsoft-standard-WSL2 os/linux",
    ")::{lambda",
    "data[::2]",
    "ab::cd()",
    "00:1a:2b:ff:fe:3c:4d:5e",
    "1.3.6.1.4.1.2021",
    "Safari/537.36",
    "app.3.2.1.js",
    "06:00:00",
    "2016:06:47:09",
    "ab:ab:ab:ab:ab:ab",
    "RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84",
    "d41d8cd98f00b204e9800998ecf8427e",
    "v1.2.3.4",
    "1.2.3.4.5",
    "999.1.2.3",
    "HTTP/1.1",
    "std::vector",
)
_WORDS: Final = ("GET", "from", "user", "Mozilla/5.0", "port", "ssh2", "-", '"-"', "é", "日本")
_SEPARATORS: Final = (" ", ", ", " - ", "\t", " | ")


@st.composite
def texts_with_addresses(draw: st.DrawFn) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Free text with embedded addresses, and the exact span of each address in it.

    Addresses appear bare, with a port, bracketed, with a zone, quoted or after ``ip=``; between
    them are words and decoys (version strings, times, MACs, fingerprints, hashes) that contain no
    address.  Replacing exactly the spans gives the expected result of masking.

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> text, spans = find(gst.texts_with_addresses(), lambda case: len(case[1]) == 1)
        >>> from gdprkit.ip import parse_address
        >>> (start, end), = spans
        >>> parse_address(text[start:end]) is not None
        True
    """
    pieces: list[tuple[str, str, str]] = []  # (before, address or "", after)
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()):
            pieces.append((draw(st.sampled_from(_DECOYS + _WORDS)), "", ""))
            continue
        if draw(st.booleans()):
            value = draw(_V4)
            address = str(ipaddress.IPv4Address(value))
            before, after = draw(
                st.sampled_from(
                    (
                        ("", ""),
                        ("", ":443"),
                        ('"', '"'),
                        ("ip=", ""),
                        ("[", "]"),
                        # Issue 17: glued, after a path separator, after an ellipsis.
                        ("backup_", ""),
                        ("x", "x"),
                        ("/geo/", ""),
                        ("UDP/", "/5060"),
                        ("inside/", "(51763)"),
                        ("client1/", ":54321"),
                        ("a...", "[b]"),
                    )
                )
            )
        else:
            value = draw(_V6)
            style = draw(st.sampled_from(("compressed", "full", "exploded", "upper")))
            address = _v6_text(value, style)
            decorations = [
                ("", ""),
                ("[", "]:8080"),
                ("", "%eth0"),
                ("ip:", ""),
                ("(", ")"),
                # Issue 17, class 2: after a word ending in a digit or in hex letters.
                ("ip6:", " up"),
                ("inet6:", ""),
                ("helo=<[IPv6:", "]>"),
                ("peer added:", ""),
            ]
            if style == "full":
                decorations.append(("", ":2181"))  # Java style, only unambiguous in full form
            before, after = draw(st.sampled_from(decorations))
        pieces.append((before, address, after))
    separators = draw(
        st.lists(st.sampled_from(_SEPARATORS), min_size=len(pieces), max_size=len(pieces))
    )
    text = ""
    spans = []
    for (before, address, after), separator in zip(pieces, separators, strict=True):
        text += before
        if address:
            spans.append((len(text), len(text) + len(address)))
        text += address + after + separator
    return text, tuple(spans)


@st.composite
def ip_maskers(draw: st.DrawFn, *, deterministic: bool = True) -> IPMasker:
    """A masker of any method: a truncation preset or explicit prefix, Crypto-PAn, ipcrypt,
    HMAC token or redaction, with a generated key.  ``deterministic=False`` adds ipcrypt-nd/ndx.

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> find(gst.ip_maskers(), lambda masker: masker.key_id is not None).name
        'cryptopan'
    """
    from gdprkit import ip  # noqa: PLC0415 - keeps `import gdprkit.testing` light

    kinds = ["preset", "prefix", "cryptopan", "ipcrypt", "ipcrypt-pfx", "hmac", "redact"]
    if not deterministic:
        kinds += ["ipcrypt-nd", "ipcrypt-ndx"]
    kind = draw(st.sampled_from(kinds))
    key16 = draw(st.binary(min_size=16, max_size=16))
    key32 = key16 + draw(st.binary(min_size=16, max_size=16).filter(lambda k: k != key16))
    if kind == "preset":
        return ip.TruncationMasker.preset(draw(st.sampled_from(sorted(ip.PRESETS))))
    if kind == "prefix":
        return ip.TruncationMasker(
            ipv4_prefix=draw(st.integers(0, 32)), ipv6_prefix=draw(st.integers(0, 128))
        )
    if kind == "cryptopan":
        return ip.CryptoPAnMasker(key32)
    if kind == "ipcrypt":
        return ip.IPCryptDeterministic(key16)
    if kind == "ipcrypt-pfx":
        return ip.IPCryptPfx(key32)
    if kind == "ipcrypt-nd":
        return ip.IPCryptNd(key16)
    if kind == "ipcrypt-ndx":
        return ip.IPCryptNdx(key32)
    if kind == "hmac":
        return ip.KeyedTokenMasker(key32)
    return ip.RedactionMasker(replacement=draw(st.sampled_from((None, "-", "[ip]", "REDACTED"))))


# Contexts in which logs write addresses that a reader recognises (issue 17, leak classes 1-8).
# Each builds ``(before, address text, after, reading)`` from the address's textual parts; the
# reading says how the written octets map to the address ("forward", "reversed", "both").
_Context = Callable[[str], tuple[str, str, str, str]]
_QUAD_CONTEXTS: Final[tuple[_Context, ...]] = (
    # 1: after a percent-escape, fully or doubly percent-encoded, JSON request_uri
    lambda q: ("GET /search?q=host%20", q, " HTTP/1.1", "forward"),
    lambda q: ("?to=http%3A%2F%2F", q, "%2Fx", "forward"),
    lambda q: ("?next=https%253A%252F%252F", q, "%252F", "forward"),
    lambda q: ('{"request_uri":"/r?u=', q, '","status":200}', "forward"),
    lambda q: ("msg=line1\\n", q, " connected", "forward"),
    # 3: after an ellipsis (strongSwan)
    lambda q: ("matching 192.0.2.1[a]...", q, "[b]", "forward"),
    # 5: zone-id tricks carry the IPv4 through
    lambda q: ("fe80::1%x", q, " up", "forward"),
    lambda q: ("fe80::1%25", q, " up", "forward"),
    # 6: an ISO timestamp glued to the next field, tab-separated (Zeek), Exchange CSV
    lambda q: ("2024-01-01T00:00:00Z,", q, ",login ok", "forward"),
    lambda q: ("2024-01-01T00:00:00.123456Z\tCabc\t", q, "\t51000\ttcp", "forward"),
    # 7: other spellings
    lambda q: ("dead:::", q, " x", "forward"),
    lambda q: ("backup_", q, ".tar", "both"),
    lambda q: ("id=::ffff:", q, "x", "forward"),
    lambda q: ("host x", q, " y", "forward"),
    lambda q: ('{"peer":"', q.replace(".", "\\u002e"), '"}', "forward"),
    lambda q: ("", ".".join(reversed(q.split("."))), ".in-addr.arpa", "reversed"),
    lambda q: ("ip-", q.replace(".", "-"), ".example.net", "both"),
    lambda q: ("", q, ".rev.vodafone.pt", "both"),
    lambda q: ("static.", q, ".client.example", "both"),
    # 8: after a path separator or a name and '/': addresses, not versions
    lambda q: ("GET /geo/", q, " HTTP/1.1", "forward"),
    lambda q: ("IPV4/UDP/", q, "/5060", "forward"),
    lambda q: ("inside/", q, "(51763)", "forward"),
    lambda q: ("client1/", q, ":54321", "forward"),
    lambda q: ("TCP_MISS/200 1 GET http://x/ - HIER_DIRECT/", q, " text/html", "forward"),
)
_V6_CONTEXTS: Final[tuple[_Context, ...]] = (
    # 1: percent-encoded brackets, colons, double encoding
    lambda a: ("http://%5B", a, "%5D/", "forward"),
    lambda a: ("?ip=", a.replace(":", "%3A"), "&x=1", "forward"),
    lambda a: ("?ip=", a.replace(":", "%253A"), "&x=1", "forward"),
    # 2: after a word ending in a digit or in hex letters
    lambda a: ("ip6:", a, " up", "forward"),
    lambda a: ("inet6:", a, "", "forward"),
    lambda a: ("helo=<[IPv6:", a, "]>", "forward"),
    lambda a: ("peer added:", a, "", "forward"),
    # 3: after an ellipsis
    lambda a: ("x...", a, " y", "forward"),
    # 8: after a path separator
    lambda a: ("GET /geo/", a, " HTTP/1.1", "forward"),
)
#: Text that holds no address (issue 17, damage classes 9 and 10): it must come out unchanged.
NON_ADDRESSES: Final = (
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/130.0.0.0 Safari/537.36"
    ),
    "ShopApp/4.16.7.81 (iPhone; iOS 17.1; Scale/3.00)",
    "git-commit/311b9ff kernel/5.15.90.1-microsoft-standard-WSL2 os/linux",
    'ua="Foo/1.2.3.4"',
    "at )::{lambda#1}",
    "data[::2] a[1:-1]",
    "ab::cd()",
    "EUI-64 00:1a:2b:ff:fe:3c:4d:5e WWN 50:06:01:60:3b:a0:12:34",
    "v1.2.3.4",
    "1.3.6.1.4.1.2021",
    "at 06:00:00",
    "",
)

AddressInContext = tuple[str, int, int, str, int, int]
"""``(text, family, value, reading, start, end)``: a line, the family and value of the address
written in it, how its octets are to be read (``forward``, ``reversed``, ``both``), and the span
of the line that masking may change (everything outside it must come out unchanged)."""


@st.composite
def addresses_in_context(draw: st.DrawFn) -> AddressInContext:
    """A line with one address in one of the contexts logs write (percent-encoded, glued to
    words, after an ellipsis, zero-padded, in a zone id, after an ISO time, in reverse DNS, in a
    path), between pieces of text that hold no address (user agents, code, EUI-64 identifiers).

    Example:
        >>> from hypothesis import find
        >>> from gdprkit.testing import strategies as gst
        >>> text, family, value, reading, start, end = find(
        ...     gst.addresses_in_context(), lambda case: "in-addr.arpa" in case[0]
        ... )
        >>> reading, text[end:].startswith(".in-addr.arpa")
        ('reversed', True)
    """
    v6 = draw(st.booleans())
    if v6:
        # A global unicast address with non-zero host bits, in one of its spellings.
        value = draw(st.integers(0x2001 << 112, (0x3FFF << 112) - 1).filter(lambda v: v & 0xFFFF))
        address = _v6_text(value, draw(st.sampled_from(("compressed", "full", "exploded"))))
        before, written, after, reading = draw(st.sampled_from(_V6_CONTEXTS))(address)
        family = 6
    else:
        octets = [draw(st.integers(1, 254)) for _ in range(4)]
        value = int.from_bytes(bytes(octets), "big")
        if draw(st.booleans()):
            quad = ".".join(f"{o:03d}" for o in octets)  # 4: zero-padded
        else:
            quad = ".".join(map(str, octets))
        before, written, after, reading = draw(st.sampled_from(_QUAD_CONTEXTS))(quad)
        family = 4
    lead = draw(st.sampled_from(NON_ADDRESSES))
    tail = draw(st.sampled_from(NON_ADDRESSES))
    head = f"{lead} " if lead else ""
    # Another address in front (a zone-id trick's link-local address, the first peer of an
    # ellipsis, the IPv6 wrapping of a mapped address) is masked too: it belongs to the span.
    others = [p for p in (before.find(x) for x in ("fe80::1", "192.0.2.1", "::ffff:")) if p >= 0]
    start = len(head) + min(others, default=len(before))
    text = f"{head}{before}{written}{after} {tail}"
    end = len(head) + len(before) + len(written)
    return text, family, value, reading, start, end
