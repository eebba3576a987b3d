"""Finding and masking IP addresses in free text (log lines, messages, headers).

:func:`mask_text` replaces every address it finds with the masker's output and leaves every other
character exactly as it was: ports, brackets, zone ids (``%eth0``), CIDR suffixes and punctuation
stay in place.

The rules, in the order they apply:

1. **IPv6** is looked for in maximal runs of hex digits, ``:`` and ``.``.  A run is a candidate
   only if it contains ``::`` or at least six colons, so times (``06:00:00``), dates and MAC
   addresses (five colons) are never candidates.  A candidate that is a valid IPv6 address as a
   whole is one address (``2001:db8::1:80`` is **not** split into address and port).  Otherwise, if
   its last group is a decimal port (1-5 digits, at most 65535) and the rest is a valid IPv6
   address, the rest is the address and ``:port`` stays (``0:0:0:0:0:0:0:0:2181`` in Java logs,
   ``2001:db8::1234:58430`` in HAProxy logs).  Anything else is left untouched **as a whole**:
   SSH key fingerprints (``12:f8:7e:...:53``, 16 groups) never yield an address from a slice of
   them.
2. A run glued to a word after it (``...:2181:FastLeaderElection``) loses the part after its last
   colon to that word.  A run right after ``word:`` (``ip:2001:db8::1``, ``client:...``) starts
   after the colon when the word has a letter outside ``a-f`` among its last five characters;
   after a hex-only word (``face:2001:db8::1``) the whole is one run and usually not an address.
   Trailing dots (end of a sentence) and a single trailing colon (``2001:db8::1: refused``) are
   not part of the address.
3. **IPv4** is a dotted quad of decimal octets 0-255 without leading zeros, not preceded by a
   letter, digit, ``_`` or ``.`` and not followed by a letter, digit, ``_`` or ``.`` plus
   alphanumeric (so ``app.3.2.1.js``, ``1.2.3.4.5`` and ``v1.2.3.4`` are not addresses, but
   ``1.2.3.4.`` at the end of a sentence and ``1.2.3.4:80`` are).
4. **Product versions**: with ``skip_versions=True`` (default) a dotted quad right after
   ``<letter or digit>/`` is a product version (``Chrome/120.0.0.0`` in a user agent), not an
   address.  This also skips an address written as a path segment (``/lookup/192.0.2.1``); pass
   ``skip_versions=False`` for text without user agents.
5. The dotted tail of an IPv6 address (``::ffff:192.0.2.128``) belongs to the IPv6 match and is
   never matched a second time.

Masking results are cached per masker, so repeated addresses cost one dictionary look-up.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from gdprkit.errors import InvalidAddress, InvalidType
from gdprkit.ip import _engine
from gdprkit.ip._address import _parse_port, _parse_v4, _parse_v6

if TYPE_CHECKING:
    from gdprkit.ip.masking import IPMasker

__all__ = [
    "AddressMatch",
    "find_addresses",
    "mask_text",
    "mask_text_counted",
]

# One pattern, so the text is scanned once.  It starts with a plain character class: the regex
# engine then skips every other character in C, and each remaining start is rejected by a
# one-character look-behind unless it begins a token (a letter, digit, '_' or '.' before it
# means it does not).  Everything after the first character looks behind at it ('.').
_GLUE = (
    # If the token follows ':', that ':' must end a word with a non-hex letter within its last
    # five characters ('ip:', 'client:', 'source:'): never a group of a longer hex run, so no
    # slice of an SSH fingerprint or MAC address can start a match.
    r"(?!(?<=:.)(?<![G-Zg-z_]:.)(?<![G-Zg-z_][A-Fa-f]:.)(?<![G-Zg-z_][A-Fa-f]{2}:.)"
    r"(?<![G-Zg-z_][A-Fa-f]{3}:.)(?<![G-Zg-z_][A-Fa-f]{4}:.))"
)
_V6 = (
    _GLUE + r"[0-9A-Fa-f]{0,3}:"  # the first group ends within four characters
    r"(?=[0-9A-Fa-f:.]*::|:|(?<=::)|(?:[0-9A-Fa-f.]*:){4})"  # '::' or >= 6 colons, else never IPv6
    r"[0-9A-Fa-f:.]*(?![0-9A-Fa-f:.])"  # a maximal run: the match never stops inside one
)
# Octets are checked when the candidate is parsed; the pattern only fixes the shape.
_V4 = (
    r"(?<=[0-9]){version}[0-9]{{0,2}}\.[0-9]{{1,3}}\.[0-9]{{1,3}}\.[0-9]{{1,3}}"
    r"(?![0-9A-Za-z_]|\.[0-9A-Za-z_])"
)
_VERSION_GUARD = r"(?<![0-9A-Za-z]/.)"
_START = r"[0-9A-Fa-f:](?<![0-9A-Za-z_.].)"
_PATTERN_STRICT = re.compile(rf"{_START}(?:(?P<v4>){_V4.format(version=_VERSION_GUARD)}|{_V6})")
_PATTERN_ALL = re.compile(rf"{_START}(?:(?P<v4>){_V4.format(version='')}|{_V6})")

_CACHE_SIZE = 65536
# Per-masker cache of IPv6 candidate runs -> replacement (None: no address in the run).  Weak, so
# it lives exactly as long as the masker and its own result cache.
_RUN_CACHES: weakref.WeakKeyDictionary[object, dict[str, str | None]] = weakref.WeakKeyDictionary()


@attrs.frozen
class AddressMatch:
    """One address found in text: its span, textual family and the address text itself.

    ``text[start:end]`` is exactly the address (no port, brackets or zone).

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


def _locate_v6(run: str, glued_after: bool) -> tuple[int, int] | None:
    """Span of the IPv6 address inside a candidate run, by rules 1 and 2, or None."""
    end = len(run)
    if glued_after:
        # The glued word starts after the run's last separator (':2181:Fast', '::1.Retry').
        end = max(run.rfind(":"), run.rfind("."))
        if end <= 0:
            return None
    while end > 0 and run[end - 1] == ".":
        end -= 1
    core = run[:end]
    if _parse_v6(core) is not None:
        return 0, end
    cut = core.rfind(":")
    if cut > 0 and _parse_port(core[cut + 1 :]) is not None and _parse_v6(core[:cut]) is not None:
        return 0, cut
    if core.endswith(":") and not core.endswith("::") and _parse_v6(core[:-1]) is not None:
        return 0, end - 1  # a colon after the address: '2001:db8::1: connection refused'
    return None


def _run_cache(masker: IPMasker) -> dict[str, str | None] | None:
    try:
        cache = _RUN_CACHES.get(masker)
        if cache is None:
            cache = {}
            _RUN_CACHES[masker] = cache
    except TypeError:  # a masker that cannot be weakly referenced or hashed: no cache
        return None
    return cache


def _mask_run(
    run: str,
    text: str,
    end: int,
    masker: IPMasker,
    cache: dict[str, str | None] | None,
) -> tuple[str, bool]:
    """Replacement of an IPv6 candidate run and whether it held an address."""
    glued_after = end < len(text) and _is_word(text[end])
    plain = not glued_after
    if plain and cache is not None and run in cache:
        hit = cache[run]  # a cached None means "no address in this run"
        return (run, False) if hit is None else (hit, True)
    where = _locate_v6(run, glued_after)
    out: str | None = None
    if where is not None:
        a, b = where
        out = run[:a] + masker.apply(run[a:b]) + run[b:]
    if plain and cache is not None:
        if len(cache) >= _CACHE_SIZE:
            cache.clear()
        cache[run] = out
    return (run, False) if out is None else (out, True)


def _check_text(text: object) -> None:  # callers' annotations are not enforced at run time
    if not isinstance(text, str):
        raise InvalidType(f"text: expected str, got {type(text).__name__}")


def mask_text_counted(
    text: str, masker: IPMasker, *, skip_versions: bool = True
) -> tuple[str, int, int]:
    """Mask every address in ``text``; return the new text and the IPv4 and IPv6 counts.

    Counts are by textual family (an IPv4-mapped IPv6 address counts as IPv6).

    Raises:
        InvalidType: ``text`` is not a ``str``.

    Example:
        >>> from gdprkit.ip import TruncationMasker, mask_text_counted
        >>> mask_text_counted("a 192.0.2.7 b [2001:db8::7]:80", TruncationMasker.preset("ga"))
        ('a 192.0.2.0 b [2001:db8::]:80', 1, 1)
    """
    _check_text(text)
    native = _engine.text_masker(masker)
    if native is not None:
        found: tuple[str, int, int] | None = native.mask_text(text, skip_versions)
        if found is not None:
            return found
    return _mask_text_counted_python(text, masker, skip_versions=skip_versions)


def _mask_text_counted_python(
    text: str, masker: IPMasker, *, skip_versions: bool = True
) -> tuple[str, int, int]:
    """:func:`mask_text_counted` of the Python engine (the reference of the native one)."""
    _check_text(text)
    pattern = _PATTERN_STRICT if skip_versions else _PATTERN_ALL
    cache = _run_cache(masker)
    counts = [0, 0]
    apply = masker.apply

    def replace(m: re.Match[str]) -> str:
        if m.group("v4") is not None:
            candidate = m.group()
            try:
                masked = apply(candidate)
            except InvalidAddress:  # the right shape but not an address (an octet > 255)
                return candidate
            counts[0] += 1
            return masked
        out, found = _mask_run(m.group(), text, m.end(), masker, cache)
        if found:
            counts[1] += 1
        return out

    result = pattern.sub(replace, text)
    return result, counts[0], counts[1]


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
        >>> java = TruncationMasker.preset("ga", keep_form=True)  # Java logs: no brackets
        >>> mask_text("QuorumPeer/0:0:0:0:0:0:0:1:2181:Election", java)
        'QuorumPeer/0:0:0:0:0:0:0:0:2181:Election'
    """
    return mask_text_counted(text, masker, skip_versions=skip_versions)[0]


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
    pattern = _PATTERN_STRICT if skip_versions else _PATTERN_ALL
    for m in pattern.finditer(text):
        if m.group("v4") is not None:
            if _parse_v4(m.group()) is not None:
                yield AddressMatch(m.start(), m.end(), 4, m.group())
            continue
        s, e = m.span()
        run = m.group()
        span = _locate_v6(run, e < len(text) and _is_word(text[e]))
        if span is not None:
            yield AddressMatch(s + span[0], s + span[1], 6, run[span[0] : span[1]])
