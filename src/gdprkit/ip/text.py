"""Finding and masking IP addresses in free text (log lines, messages, headers).

:func:`mask_text` replaces every address it finds with the masker's output and leaves every other
character exactly as it was: ports, brackets, zone ids (``%eth0``), CIDR suffixes and punctuation
stay in place.  The rules are the specification both engines follow; they are written out in
full, with the reasons, in ``docs/areas/ip.md`` ("Finding addresses in text").  In short:

1. **Escapes are looked through.**  Percent-escapes (``%3A``, ``%2F``, ``%253A``) and JSON/C
   backslash escapes (``\\u002e``, ``\\n``, ``\\/``) are decoded before scanning, so an address
   after ``%20`` or written ``2a00%3A1234%3A%3A7`` is found; its replacement is written back with
   the same escapes.
2. **IPv4** is a dotted quad of decimal octets 0-255 (zero padding allowed: ``203.000.113.007``
   is read as decimal and masked), not preceded by a digit or ``digit.`` and not followed by a
   digit or ``.digit`` (so ``1.2.3.4.5`` and SNMP OIDs are not addresses).  Letters, ``_`` and
   ``-`` around it do not hide it (``backup_203.0.113.7.tar``, ``x203.0.113.7``), except
   ``v1.2.3.4`` (a version).  Inside a DNS name (``7.113.0.203.in-addr.arpa``,
   ``140.242.108.93.rev.example``) and in the dashed form of host names
   (``ip-203-0-113-7.example.net``) the quad is masked under both readings, forward and reversed
   (reversed only for ``in-addr.arpa``).
3. **Product versions**: ``Name/1.2.3.4`` is a version, not an address, only in a user-agent
   context: the product name starts a token (not after ``/``, so ``/geo/203.0.113.7`` is an
   address), the quad ends the token (not ``:port``, ``/``, ``(port)``), and the text is a
   user-agent field, or a neighbouring token is a product (``Safari/537.36``) or a comment
   (``(KHTML, like Gecko)``), or a user-agent key precedes it (``ua=``).
4. **IPv6** is looked for in maximal runs of hex digits, ``:`` and ``.`` that contain ``::`` or at
   least six colons.  A run that is an address as a whole is one address; else the last group may
   be a decimal port, a leading word may be dropped (``ip6:``, ``added:``, ``[IPv6:``), a glued
   trailing word is cut off.  A run that holds no address as a whole has its dotted quads masked
   as IPv4 (``dead:::203.0.113.7``).  Never an address: ``::`` alone, ``word::x`` (a scope
   operator), a run followed by ``(`` and a non-digit (``ab::cd()``), a slice after a subscript
   (``data[::2]``), eight groups of exactly two hex digits (EUI-64 identifiers, Fibre Channel
   WWNs), and SSH fingerprints.
5. The dotted tail of ``::ffff:192.0.2.128`` belongs to the IPv6 match and is never replaced twice.

Masking results are cached per masker, so repeated addresses cost one dictionary look-up.  Only
the runs of address characters around a hit of a cheap candidate pattern are scanned, and a run
between plain separators (spaces, quotes, commas) is memoised per masker: the output is that of
one pass over the whole text.
"""

from __future__ import annotations

import bisect
import re
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Final

import attrs

from gdprkit.errors import InvalidAddress, InvalidType
from gdprkit.ip import _engine
from gdprkit.ip._address import _parse_port, _parse_v4, _parse_v6

if TYPE_CHECKING:
    from collections.abc import Callable

    from gdprkit.ip.masking import IPMasker

__all__ = [
    "AddressMatch",
    "find_addresses",
    "mask_text",
    "mask_text_counted",
]

# Version contexts (rule 3): never a version, versions in context, every product token a version.
_NO_VERSIONS: Final = 0
_VERSIONS: Final = 1
_AGENT: Final = 2

# How an IPv4 quad is masked: as written, reversed (in-addr.arpa), under both readings.
_PLAIN: Final = 0
_REVERSED: Final = 1
_BOTH: Final = 2

# One pattern, so the text is scanned once.  It starts with a plain character class, so the
# regex engine skips every other character in C; each branch then looks behind at the first
# character ('.') to reject starts that are inside a longer token.
_QUAD_TAIL = r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])(?!\.[0-9])"
_PATTERN: Final = re.compile(
    r"[0-9A-Fa-f:.]"
    # The first three branches start a maximal run of hex digits, ':' and '.'.
    r"(?:(?<![0-9A-Fa-f:.].)"
    r"(?:"
    # IPv4: not before a digit or '.digit' (the run starts here, so nothing glues before).
    r"(?<=[0-9])(?:(?P<v4>)[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])(?!\.[0-9])"
    # The dashed form of host names (ip-203-0-113-7.example.net); its context is checked later.
    r"|(?P<dash>)[0-9]{0,2}-[0-9]{1,3}-[0-9]{1,3}-[0-9]{1,3}(?![0-9])(?!-[0-9]))"
    # IPv6: a maximal run of hex digits, ':' and '.' holding '::' or at least six colons.
    r"|(?=[0-9A-Fa-f.]*:)(?=(?<=:):|[0-9A-Fa-f:.]*::|(?<=:)(?:[0-9A-Fa-f.]*:){5}|(?:[0-9A-Fa-f.]*:){6})"
    r"(?P<v6>)[0-9A-Fa-f:.]*"
    r")"
    # IPv4 later in a run, after ':', '.' or a hex letter (but not 'digit.'):
    # 'client:198.51.100.1', 'static.1.1.168.192', '...198.51.100.23', 'cafe203.0.113.7'.
    r"|(?<=[.:A-Fa-f][0-9])(?<![0-9]\.[0-9])"
    r"(?P<late>)[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])(?!\.[0-9])"
    r")"
)
# The characters of a run that may hold a _PATTERN match (with the ones its look-arounds test).
_RUN_CHARS: Final = frozenset("0123456789ABCDEFabcdef:.-")
# A superset of _PATTERN's matches, cheap to search for (it starts only at '.', '-' or ':'):
# every IPv4 or 'late' match holds 'digit.digits.digits.digit', every dashed one
# 'digit-digits-digits-digit', every IPv6 run '::' or six colons with only hex digits and dots
# between them.
_CANDIDATE: Final = re.compile(
    r"(?:\.(?<=[0-9]\.)[0-9]{1,3}\.[0-9]{1,3}\.[0-9]"
    r"|-(?<=[0-9]-)[0-9]{1,3}-[0-9]{1,3}-[0-9]"
    r"|:(?::|(?:[0-9A-Fa-f.]*:){5}))"
    # The rest of the run, so that a hit ends where its run ends.
    r"[0-9A-Fa-f:.\-]*"
)
# Characters beside a run that make its masking depend on nothing but the run and these two
# characters: no rule reads past them (no '/' of a product version, no 'v' of a version, no '['
# of a slice, no '(' of a call, no word glued on, no 'in-addr.arpa'), so a run between two of
# them (or the edge of the text) is masked once and memoised.
_PLAIN_EDGE: Final = frozenset(" \t\r\n\",;=<>|'")
# Escapes decoded before scanning (rule 1): percent-escapes, repeated '%25' included, and the
# backslash escapes of JSON and C strings.  Only ASCII results are decoded (anything else cannot
# be part of an address or change a boundary).
_ESCAPE: Final = re.compile(r"%([0-9A-Fa-f]{2})|\\(u[0-9A-Fa-f]{4}|[nrtbf\"\\/])")
# The same with '%25' repeated in front (double encoding: '%253A' is ':').  Both readings are
# scanned, since '%25203.0.113.7' may be '%' + 203.0.113.7 or a double-encoded ' ' + 3.0.113.7.
_DEEP_ESCAPE: Final = re.compile(r"%(?:25)*([0-9A-Fa-f]{2})|\\(u[0-9A-Fa-f]{4}|[nrtbf\"\\/])")
_BACKSLASH: Final = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}
_QUAD: Final = re.compile(r"(?<![0-9])[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?![0-9])")
_DOTS: Final = re.compile(r"\.{2,}")
_SLICE: Final = re.compile(r"-?[0-9]*:-?[0-9]*(?::-?[0-9]*)?")
_PRODUCT_NAME_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$&'*+^_`|~-"
)
_PRODUCT_LEAD: Final = frozenset(" \t\r\n\f\v()\"';,[{=<\u2028")
_VERSION_END: Final = frozenset(" \t\r\n\f\v;),\"']}>\u2028")
_AGENT_KEY: Final = re.compile(r"(?i)(?:user[-_ ]?agent|\bua|\bagent)[\"']?\s*[=:]\s*[\"']?\Z")
_PRODUCT: Final = re.compile(r"[A-Za-z][A-Za-z0-9!#$&'*+^_`|~-]*/[0-9][0-9A-Za-z.+_-]*")
_ARPA: Final = ".in-addr.arpa"

_CACHE_SIZE: Final = 65536
# Per-masker cache of IPv6 candidate runs -> replacement (None: no address in the run).  Weak, so
# it lives exactly as long as the masker and its own result cache.
_RUN_CACHES: weakref.WeakKeyDictionary[object, dict[str, tuple[str, int, int] | None]] = (
    weakref.WeakKeyDictionary()
)

# Per-masker memo of the fast scan (see _mask_plain), one dict per version mode.
_SEGMENT_CACHES: weakref.WeakKeyDictionary[object, tuple[dict[str, tuple[str, int, int]], ...]] = (
    weakref.WeakKeyDictionary()
)


@attrs.frozen
class AddressMatch:
    """One address found in text: its span, textual family and the address text itself.

    ``text[start:end]`` is exactly the address (no port, brackets or zone), as written (with its
    escapes, if it was percent- or backslash-encoded).

    Example:
        >>> from gdprkit.ip import find_addresses
        >>> [(m.start, m.end, m.family) for m in find_addresses("from [2001:db8::1]:443")]
        [(6, 17, 6)]
    """

    start: int
    end: int
    family: int
    text: str = attrs.field(repr=False)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


# -- IPv4 -------------------------------------------------------------------------------------


def _loose_v4(quad: str) -> str | None:
    """Canonical text of a dotted quad whose octets may be zero-padded, or None."""
    if _parse_v4(quad) is not None:
        return quad
    parts = quad.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 3 and int(p) <= 255 for p in parts):
        return None
    # Zero-padded: read as decimal (the reading a person makes); under the octal reading of
    # inet_aton the octet positions are the same, so truncation hides the same host bits.
    return ".".join(str(int(p)) for p in parts)


def _is_product_version(text: str, s: int, e: int, mode: int) -> bool:
    """Rule 3: whether the quad at ``text[s:e]``, right after a '/', is a product version."""
    j = s - 1
    while j > 0 and text[j - 1] in _PRODUCT_NAME_CHARS:
        j -= 1
    name = text[j : s - 1]
    if not name or not any(c.isalpha() for c in name):
        return False
    if j > 0 and text[j - 1] not in _PRODUCT_LEAD:
        return False  # a path segment (/geo/203.0.113.7), a URL, a scheme
    n = len(text)
    k = e
    if k < n and text[k] not in _VERSION_END:
        # Only a build suffix may follow (5.15.90.1-microsoft-standard-WSL2).
        if text[k] not in "-+~_" or k + 1 >= n or not text[k + 1].isalnum():
            return False
        while k < n and not text[k].isspace() and text[k] not in _VERSION_END:
            k += 1
    if mode == _AGENT:
        return True
    if _AGENT_KEY.search(text, max(0, j - 24), j):
        return True
    # One of the three tokens on either side is a product with a version or a comment, with
    # only plain words between: a user agent ('(KHTML, like Gecko) Chrome/130.0.0.0 Mobile
    # Safari/537.36').
    if j > 0 and text[j - 1] == "(":
        return True
    p = j - 1
    for _ in range(3):
        while p >= 0 and text[p] in " \t":
            p -= 1
        if p < 0 or text[p] in "\n\u2028":
            break
        q = p
        while q >= 0 and not text[q].isspace():
            q -= 1
        token = text[q + 1 : p + 1]
        if token.endswith(")") or token.startswith("(") or _is_other_product(token):
            return True
        if not token.isalpha():
            break  # only plain words ('Mobile', 'like') may stand between products
        p = q
    for _ in range(3):
        if k >= n or text[k] not in " \t":
            break
        while k < n and text[k] in " \t":
            k += 1
        q = k
        while q < n and not text[q].isspace():
            q += 1
        token = text[k:q]
        if token.startswith("(") or token.endswith(")") or _is_other_product(token):
            return True
        if not token.isalpha():
            break  # 'HIER_DIRECT/203.0.113.7 text/html Mozilla/5.0': text/html ends it
        k = q
    return False


def _is_other_product(token: str) -> bool:
    m = _PRODUCT.match(token)
    if m is None:
        return False
    version = token[token.index("/") + 1 : m.end()]
    return _QUAD.fullmatch(version) is None


def _v4_how(text: str, s: int, e: int, mode: int) -> tuple[int, str] | None:
    """How to mask the IPv4-shaped match ``text[s:e]``: (how, canonical text) or None."""
    quad = text[s:e]
    canonical = _loose_v4(quad)
    if canonical is None:
        return None
    before = text[s - 1] if s else ""
    if before in "vV" and before and (s == 1 or not text[s - 2].isalnum()):
        return None  # v1.2.3.4: a version
    if before == "/" and mode != _NO_VERSIONS and _is_product_version(text, s, e, mode):
        return None
    if text[e : e + len(_ARPA)].lower() == _ARPA:
        return _REVERSED, canonical
    n = len(text)
    if (before == "." and s >= 2 and (text[s - 2].isalnum() or text[s - 2] in "-_")) or (
        e + 1 < n and text[e] == "." and text[e + 1].isalpha()
    ):
        return _BOTH, canonical  # inside a DNS name: the order of the octets is unknown
    return _PLAIN, canonical


def _dash_how(text: str, s: int, e: int) -> str | None:
    """Canonical dotted text of a dashed host-name quad (ip-203-0-113-7.example), or None."""
    n = len(text)
    labelled = False
    if s and text[s - 1] == "-":
        k = s - 1
        while k > 0 and (text[k - 1].isalnum() or text[k - 1] == "_"):
            k -= 1
        label = text[k : s - 1]
        if not label or label.isdigit():
            return None  # part of a longer run of numbers: 1-2-3-4-5
        labelled = any(c.isalpha() for c in label)  # ip-, dsl-, ec2-, static-
    elif s and (text[s - 1].isalnum() or text[s - 1] == "_"):
        return None
    domain = e + 1 < n and text[e] == "." and text[e + 1].isalpha()
    token_end = e == n or not (text[e].isalnum() or text[e] in "-_")
    if not (domain or (labelled and token_end)):
        return None
    return _loose_v4(text[s:e].replace("-", "."))


def _reverse(quad: str) -> str:
    return ".".join(reversed(quad.split(".")))


def _mask_v4(apply: Callable[[str], str], canonical: str, how: int) -> str:
    if how == _PLAIN:
        return apply(canonical)
    if how == _REVERSED:
        out = apply(_reverse(canonical))
        return _reverse(out) if _parse_v4(out) is not None else out
    # Both readings: mask as written, then mask the reversed result, and write it back.
    first = apply(canonical)
    if _parse_v4(first) is None:
        return first  # not an address (a token): nothing of either reading is left
    return _reverse(apply(_reverse(first)))


# -- IPv6 -------------------------------------------------------------------------------------


def _locate(run: str, a: int, b: int) -> tuple[int, int] | None:
    core = run[a:b]
    if _parse_v6(core) is not None:
        return a, b
    cut = core.rfind(":")
    if cut > 0 and _parse_port(core[cut + 1 :]) is not None and _parse_v6(core[:cut]) is not None:
        return a, a + cut
    return None


_TOKEN_EDGE: Final = frozenset(" \t\r\n,;\"'=[]()<>|%\u2028")


def _acceptable(core: str, before: str, after: str) -> bool:
    """Whether a located IPv6 text is an address in free text (rule 4's exclusions)."""
    if core == "::":
        # The unspecified address only as a token of its own ('from ::', '[::]:80'), never
        # inside code (')::{lambda').
        return (not before or before in _TOKEN_EDGE) and (not after or after in _TOKEN_EDGE)
    if "::" not in core and "." not in core:
        groups = core.split(":")
        if len(groups) == 8 and all(len(g) == 2 for g in groups):
            return False  # EUI-64 identifier or Fibre Channel WWN
    return True


def _v6_spans(text: str, s: int, e: int) -> list[tuple[int, int, int, str]]:
    """Address spans in the IPv6 candidate run ``text[s:e]``: (start, end, family, canonical).

    Family 4 spans are dotted quads of a run that holds no IPv6 address (masked as plain IPv4).
    """
    run = text[s:e]
    if ".." in run:  # an ellipsis separates runs: '2001:db8::1...2001:db8::2'
        spans: list[tuple[int, int, int, str]] = []
        last = 0
        for m in _DOTS.finditer(run):
            if m.start() > last:
                spans += _v6_piece(text, s + last, s + m.start())
            last = m.end()
        if last < len(run):
            spans += _v6_piece(text, s + last, e)
        return spans
    return _v6_piece(text, s, e)


def _v6_piece(text: str, s: int, e: int) -> list[tuple[int, int, int, str]]:
    run = text[s:e]
    n = len(text)
    before = text[s - 1] if s else ""
    after = text[e] if e < n else ""
    # The usual case first: a whole address between separators that change nothing below.
    if (
        before != "["
        and not (before and _is_word(before))
        and not (after and (_is_word(after) or after == "("))
        and _parse_v6(run) is not None
    ):
        return [(s, e, 6, run)] if _acceptable(run, before, after) else []
    if ":" not in run:
        m = _QUAD.fullmatch(run)
        if m is not None:
            canonical = _loose_v4(run)
            if canonical is not None:
                return [(s, e, 4, canonical)]
        return []
    if (
        before == "["
        and s >= 2
        and (_is_word(text[s - 2]) or text[s - 2] in ")]")
        and _SLICE.fullmatch(run)
    ):
        return []  # a slice: data[::2], a[1:-1]
    if after == "(" and not (e + 1 < n and text[e + 1].isdigit()):
        return []  # a call: ab::cd()
    ends = [len(run)]
    if after and _is_word(after):
        cut = max(run.rfind(":"), run.rfind("."))
        if not run[cut + 1 :].isdigit():
            # The glued word starts after the last separator (':2181:FastLeader'); if that
            # leaves no address, the whole run is tried too ('2001:db8::a7x').
            ends.insert(0, cut)
    glued_before = bool(before) and _is_word(before)
    if glued_before and run.startswith("::") and not run.startswith(":::"):
        return []  # a scope operator: std::x, from::1 (but 'ip:::' is 'ip:' and '::')
    colon = run.find(":")
    first = run[:colon]
    double = run[colon + 1 : colon + 2] == ":"
    word_first = glued_before or len(first) > 4 or "." in first
    found = None
    for limit in ends:
        end = limit
        while end > 0 and run[end - 1] == ".":
            end -= 1
        if end >= 2 and run[end - 1] == ":" and run[end - 2] != ":":
            end -= 1  # a colon after the address: '2001:db8::1: connection refused'
        if end <= 0:
            continue
        if word_first:
            rest = run[colon + 1 :]
            # ip6:2a00:..., added:2a00:..., [IPv6:..., ip6::: ('ip6:' and '::'); not word::x.
            if (rest.startswith("::") or not rest.startswith(":")) and colon + 1 < end:
                found = _locate(run, colon + 1, end)
        else:
            found = _locate(run, 0, end)
            if found is None and not double and colon + 1 < end:
                found = _locate(run, colon + 1, end)  # a short hex word: dead:2a00:...
        if found is not None:
            break
    if found is not None:
        a, b = found
        core = run[a:b]
        edge_after = run[b] if b < len(run) else after
        # After a dropped leading word, the address starts a token of its own.
        edge_before = before if a == 0 else (" " if word_first else run[a - 1])
        if _acceptable(core, edge_before, edge_after):
            return [(s + a, s + b, 6, core)]
        return []
    # No IPv6 address: its dotted quads are still IPv4 addresses (dead:::203.0.113.7).
    spans = []
    for m in _QUAD.finditer(run):
        if m.start() and run[m.start() - 1] not in ":":
            continue
        canonical = _loose_v4(m.group())
        if canonical is not None:
            spans.append((s + m.start(), s + m.end(), 4, canonical))
    return spans


def _run_cache(masker: IPMasker) -> dict[str, tuple[str, int, int] | None] | None:
    try:
        cache = _RUN_CACHES.get(masker)
        if cache is None:
            cache = {}
            _RUN_CACHES[masker] = cache
    except TypeError:  # a masker that cannot be weakly referenced or hashed: no cache
        return None
    return cache


def _segment_cache(masker: IPMasker, mode: int) -> dict[str, tuple[str, int, int]] | None:
    """Per masker and version mode: a run with its two plain edges -> masked run and counts."""
    try:
        caches = _SEGMENT_CACHES.get(masker)
        if caches is None:
            caches = ({}, {}, {})
            _SEGMENT_CACHES[masker] = caches
    except TypeError:  # a masker that cannot be weakly referenced or hashed: no cache
        return None
    return caches[mode]


# -- scanning ---------------------------------------------------------------------------------


def _decode(text: str, *, deep: bool = False) -> tuple[str, list[int], list[int]] | None:
    """The text with its escapes decoded, and the break points mapping it back (or None).

    ``dpos[i]`` is where the i-th escape's decoded character sits in the decoded text and
    ``opos[i]`` where its escape starts in ``text``; between break points both advance alike.
    """
    pieces: list[str] = []
    dpos: list[int] = []
    opos: list[int] = []
    last = 0
    size = 0
    for m in (_DEEP_ESCAPE if deep else _ESCAPE).finditer(text):
        hexpair, other = m.group(1), m.group(2)
        if hexpair is not None:
            ch = chr(int(hexpair, 16))
        elif other[0] == "u" and len(other) == 5:
            code = int(other[1:], 16)
            if code >= 0x80:
                continue
            ch = chr(code)
        else:
            ch = _BACKSLASH.get(other, other)
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n\r\f\b")):
            continue
        pieces.append(text[last : m.start()])
        size += m.start() - last
        dpos.append(size)
        opos.append(m.start())
        pieces.append(ch)
        size += 1
        # The character after the escape maps to the end of the escape.
        dpos.append(size)
        opos.append(m.end())
        last = m.end()
    if not dpos:
        return None
    pieces.append(text[last:])
    return "".join(pieces), dpos, opos


def _to_original(d: int, dpos: list[int], opos: list[int]) -> int:
    i = bisect.bisect_right(dpos, d) - 1
    if i < 0:
        return d
    return opos[i] + (d - dpos[i])


def _spans(text: str, mode: int) -> Iterator[tuple[int, int, int, int, str, int]]:
    """Every address of ``text``: (start, end, family, how, canonical, kind) in ``text``.

    ``kind`` is 0 for dotted quads and IPv6 addresses, 1 for the dashed form.
    """
    for m in _PATTERN.finditer(text):
        branch = m.lastgroup or ""
        if branch == "v6":
            s, e = m.span()
            for a, b, family, canonical in _v6_spans(text, s, e):
                yield a, b, family, _PLAIN, canonical, 0
        elif branch == "dash":
            s, e = m.span()
            dotted = _dash_how(text, s, e)
            if dotted is not None:
                yield s, e, 4, _BOTH, dotted, 1
        else:
            s, e = m.span()
            found = _v4_how(text, s, e, mode)
            if found is not None:
                yield s, e, 4, found[0], found[1], 0


def _masked(apply: Callable[[str], str], family: int, how: int, canonical: str, kind: int) -> str:
    if family == 6:
        return apply(canonical)
    out = _mask_v4(apply, canonical, how)
    return out.replace(".", "-") if kind else out


def _check_text(text: object) -> None:  # callers' annotations are not enforced at run time
    if not isinstance(text, str):
        raise InvalidType(f"text: expected str, got {type(text).__name__}")


def _mode(skip_versions: bool) -> int:
    return _VERSIONS if skip_versions else _NO_VERSIONS


def _replacer(
    text: str, masker: IPMasker, mode: int, counts: list[int]
) -> Callable[[re.Match[str]], str]:
    """The ``re.sub`` callback masking one :data:`_PATTERN` match of ``text`` (it bumps ``counts``).

    Its rules read ``text`` around the match, so a match found in a window of ``text``
    (``_PATTERN.finditer(text, a, b)``) is masked exactly as in a pass over the whole text.
    """
    cache = _run_cache(masker)
    apply = masker.apply

    def replace(m: re.Match[str]) -> str:
        branch = m.lastgroup or ""
        s, e = m.span()
        if branch == "v4":
            # The usual case first: nothing before or after that could change the reading.
            if (not s or text[s - 1] not in "/vV") and text[e : e + 1] != ".":
                try:
                    out = apply(m.group())
                except InvalidAddress:
                    pass  # zero-padded, or an octet > 255: the rules below decide
                else:
                    counts[0] += 1
                    return out
            found = _v4_how(text, s, e, mode)
            if found is None:
                return m.group()
            counts[0] += 1
            return _mask_v4(apply, found[1], found[0])
        if branch == "late":
            found = _v4_how(text, s, e, mode)
            if found is None:
                return m.group()
            counts[0] += 1
            return _mask_v4(apply, found[1], found[0])
        if branch == "dash":
            canonical = _dash_how(text, s, e)
            if canonical is None:
                return m.group()
            counts[0] += 1
            return _mask_v4(apply, canonical, _BOTH).replace(".", "-")
        run = m.group()
        # The spans of a run depend on the run and on the characters around it.
        key = f"{text[s - 2 : s] if s > 1 else text[:s]}|{run}|{text[e : e + 2]}"
        if cache is not None:
            hit = cache.get(key)
            if hit is not None:
                counts[0] += hit[1]
                counts[1] += hit[2]
                return hit[0]
            if key in cache:
                return run
        spans = _v6_spans(text, s, e)
        result: tuple[str, int, int] | None = None
        if spans:
            pieces = []
            last = s
            n4 = n6 = 0
            for a, b, family, canonical in spans:
                pieces.append(text[last:a])
                pieces.append(_masked(apply, family, _PLAIN, canonical, 0))
                last = b
                if family == 4:
                    n4 += 1
                else:
                    n6 += 1
            pieces.append(text[last:e])
            result = ("".join(pieces), n4, n6)
            counts[0] += n4
            counts[1] += n6
        if cache is not None:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[key] = result
        return run if result is None else result[0]

    return replace


def _mask_plain_reference(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    """Mask text without escapes: one ``re.sub`` pass over all of it (the reference)."""
    counts = [0, 0]
    return _PATTERN.sub(_replacer(text, masker, mode, counts), text), counts[0], counts[1]


def _mask_plain(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    """Mask text without escapes: :data:`_PATTERN` runs only on the runs that may hold a match.

    Every match of :data:`_PATTERN` and every character its look-arounds test lie in one maximal
    run of :data:`_RUN_CHARS` (the character just outside a run is not one of them, which reads
    like the edge of the text), and every such run holding a match holds a :data:`_CANDIDATE`
    hit.  So scanning only the runs around the hits finds the same matches as one pass over
    the whole text; the callback reads the whole text, so its context checks are unchanged.
    Same output and counts as :func:`_mask_plain_reference` (tests/ip/test_text_fast.py).
    """
    hit = _CANDIDATE.search(text)
    if hit is None:
        return text, 0, 0
    counts = [0, 0]
    replace = _replacer(text, masker, mode, counts)
    pieces: list[str] = []
    last = 0
    search = _CANDIDATE.search
    finditer = _PATTERN.finditer
    run_chars = _RUN_CHARS
    memo = _segment_cache(masker, mode)
    edge = _PLAIN_EDGE
    n = len(text)
    while hit is not None:
        start, end = hit.span()
        while start and text[start - 1] in run_chars:
            start -= 1
        key = None
        if memo is not None:
            before = text[start - 1] if start else ""
            after = text[end] if end < n else ""
            if (not before or before in edge) and (not after or after in edge):
                key = f"{before}{text[start:end]}{after}"
                known = memo.get(key)
                if known is not None:
                    pieces.append(text[last:start])
                    pieces.append(known[0])
                    last = end
                    counts[0] += known[1]
                    counts[1] += known[2]
                    hit = search(text, end)
                    continue
        n4, n6 = counts
        head = len(pieces)
        pieces.append(text[last:start])
        last = start
        for m in finditer(text, start, end):
            a, b = m.span()
            pieces.append(text[last:a])
            pieces.append(replace(m))
            last = b
        pieces.append(text[last:end])
        last = end
        if key is not None and memo is not None:
            if len(memo) >= _CACHE_SIZE:
                memo.clear()
            memo[key] = ("".join(pieces[head + 1 :]), counts[0] - n4, counts[1] - n6)
        hit = search(text, end)
    pieces.append(text[last:])
    return "".join(pieces), counts[0], counts[1]


def _escaped_spans(text: str, mode: int) -> list[tuple[int, int, int, int, str, int, str]]:
    """Address spans of a text with escapes, in its own coordinates, from both decodings.

    Each span also carries the decoded text of the address; where the two readings overlap,
    the longer span wins (it covers the other).
    """
    found: list[tuple[int, int, int, int, str, int, str]] = []
    for deep in (False, True):
        decoded = _decode(text, deep=deep)
        if decoded is None:
            continue
        view, dpos, opos = decoded
        for a, b, family, how, canonical, kind in _spans(view, mode):
            start = _to_original(a, dpos, opos)
            end = _to_original(b, dpos, opos)
            found.append((start, end, family, how, canonical, kind, view[a:b]))
    found.sort(key=lambda span: span[0] - span[1])  # longest first
    kept: list[tuple[int, int, int, int, str, int, str]] = []
    for span in found:
        if all(span[1] <= k[0] or span[0] >= k[1] for k in kept):
            kept.append(span)
    kept.sort()
    return kept


def _mask_escaped(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    """Mask text with escapes: scan the decoded text, replace the spans in the original."""
    apply = masker.apply
    pieces: list[str] = []
    last = 0
    n4 = n6 = 0
    for start, end, family, how, canonical, kind, plain in _escaped_spans(text, mode):
        written = text[start:end]
        out = _masked(apply, family, how, canonical, kind)
        if written != plain:
            out = _reencode(written, out)
        pieces.append(text[last:start])
        pieces.append(out)
        last = end
        if family == 4:
            n4 += 1
        else:
            n6 += 1
    pieces.append(text[last:])
    return "".join(pieces), n4, n6


def _reencode(written: str, out: str) -> str:
    """Write ``out`` with the escapes ``written`` used for the same characters."""
    escapes: dict[str, str] = {}
    for m in _DEEP_ESCAPE.finditer(written):
        decoded = _decode(m.group(), deep=True)
        if decoded is not None and len(decoded[0]) == 1:
            escapes.setdefault(decoded[0], m.group())
    if not escapes:
        return out
    return "".join(escapes.get(ch, ch) for ch in out)


def _mask_counted(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    if ("%" in text or "\\" in text) and _ESCAPE.search(text):
        return _mask_escaped(text, masker, mode)
    return _mask_plain(text, masker, mode)


def _mask_text_reference(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    """The straightforward :func:`_mask_counted`: one ``re.sub`` pass over all of the text.

    Kept as the reference the fast path is tested against (tests/ip/test_text_fast.py).
    """
    if ("%" in text or "\\" in text) and _ESCAPE.search(text):
        return _mask_escaped(text, masker, mode)
    return _mask_plain_reference(text, masker, mode)


def mask_text_counted(
    text: str, masker: IPMasker, *, skip_versions: bool = True
) -> tuple[str, int, int]:
    """Mask every address in ``text``; return the new text and the IPv4 and IPv6 counts.

    Counts are by textual family (an IPv4-mapped IPv6 address counts as IPv6).
    ``skip_versions=False`` takes every ``Name/1.2.3.4`` for an address (rule 3 off).

    Raises:
        InvalidType: ``text`` is not a ``str``.

    Example:
        >>> from gdprkit.ip import TruncationMasker, mask_text_counted
        >>> mask_text_counted("a 192.0.2.7 b [2001:db8::7]:80", TruncationMasker.preset("ga"))
        ('a 192.0.2.0 b [2001:db8::]:80', 1, 1)
    """
    _check_text(text)
    prefilter = _engine.text_prefilter()
    if prefilter is not None and not prefilter(text):
        return text, 0, 0  # the native pre-filter: certainly no address (the usual log message)
    return _mask_counted(text, masker, _mode(skip_versions))


def mask_text(text: str, masker: IPMasker, *, skip_versions: bool = True) -> str:
    """Replace every IP address in ``text`` by ``masker.apply(address)``; keep all else.

    See the module docstring for the rules.

    Raises:
        InvalidType: ``text`` is not a ``str``.

    Example:
        >>> from gdprkit.ip import TruncationMasker, mask_text
        >>> ga = TruncationMasker.preset("ga")
        >>> mask_text("from 198.51.100.23 port 22: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b", ga)
        'from 198.51.100.0 port 22: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b'
        >>> mask_text("Mozilla/5.0 Chrome/120.0.0.0 at 06:00:00 via [2001:db8:1:2::9]:8080", ga)
        'Mozilla/5.0 Chrome/120.0.0.0 at 06:00:00 via [2001:db8:1::]:8080'
        >>> mask_text("GET /geo/203.0.113.7 q=host%20198.51.100.23 ip6:2a00:1234:5:6::a7", ga)
        'GET /geo/203.0.113.0 q=host%20198.51.100.0 ip6:2a00:1234:5::'
        >>> java = TruncationMasker.preset("ga", keep_form=True)  # Java logs: no brackets
        >>> mask_text("QuorumPeer/0:0:0:0:0:0:0:1:2181:Election", java)
        'QuorumPeer/0:0:0:0:0:0:0:0:2181:Election'
    """
    _check_text(text)
    prefilter = _engine.text_prefilter()
    if prefilter is not None and not prefilter(text):
        return text  # the native pre-filter: certainly no address
    return _mask_counted(text, masker, _mode(skip_versions))[0]


def find_addresses(text: str, *, skip_versions: bool = True) -> Iterator[AddressMatch]:
    """Yield every address in ``text`` with its span and family, left to right.

    Raises:
        InvalidType: ``text`` is not a ``str``.

    Example:
        >>> from gdprkit.ip import find_addresses
        >>> [m.family for m in find_addresses("10.0.0.1, ::ffff:192.0.2.128 and 06:00:00")]
        [4, 6]
    """
    _check_text(text)
    mode = _mode(skip_versions)
    if ("%" in text or "\\" in text) and _ESCAPE.search(text):
        for start, end, family, *_rest in _escaped_spans(text, mode):
            yield AddressMatch(start, end, family, text[start:end])
        return
    for a, b, family, _how, _canonical, _kind in _spans(text, mode):
        yield AddressMatch(a, b, family, text[a:b])
