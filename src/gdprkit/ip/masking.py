"""The masking interface shared by every IP method, and the special ranges one may leave alone.

Every method (truncation, Crypto-PAn, ipcrypt, keyed token, redaction) is an :class:`IPMasker`:
a ``name``, a ``key_id`` (a non-secret fingerprint, or ``None`` for keyless methods) and
``apply(address) -> str``.  ``apply`` accepts every textual form of
:func:`gdprkit.ip.parse_address` and keeps zone, brackets and port around the masked address.

Special ranges
--------------
By default **every** address is masked, including loopback, private (RFC 1918, RFC 4193),
link-local and carrier-grade NAT (RFC 6598) addresses: a private address still singles out an
employee's machine inside a company, and a CGNAT address with a port and a time identifies an ISP
subscriber.  Pass ``skip=`` to leave chosen ranges unchanged, e.g. ``skip=INTERNAL_RANGES``
(loopback, private, link-local and unspecified; CGNAT is deliberately not in it).
"""

from __future__ import annotations

import enum
import hashlib
import threading
from collections.abc import Callable, Iterable
from typing import Protocol, runtime_checkable

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.ip._address import (
    IPAddress,
    _parse_v4,
    _parse_v6,
    format_ipv4,
    format_ipv6,
    parse_address,
)

__all__ = [
    "INTERNAL_RANGES",
    "IPMasker",
    "KeySource",
    "SpecialRange",
    "special_range",
]


@runtime_checkable
class IPMasker(Protocol):
    """A masking method: ``apply`` maps one address text to its masked text.

    Example:
        >>> from gdprkit.ip import IPMasker, TruncationMasker
        >>> isinstance(TruncationMasker.preset("ga"), IPMasker)
        True
    """

    @property
    def name(self) -> str:
        """Short method name (``"ga"``, ``"cryptopan"``, ``"ipcrypt-pfx"``, ...)."""
        ...

    @property
    def key_id(self) -> str | None:
        """Non-secret identifier of the key, or ``None`` for keyless methods."""
        ...

    def apply(self, address: str) -> str:
        """Return the masked form of ``address``; raise ``InvalidAddress`` if it is not one."""
        ...


@runtime_checkable
class KeySource(Protocol):
    """Where keyed maskers can take their key from: :class:`gdprkit.pseudonymise.KeyRing`.

    Keyed maskers take raw key bytes, or ``from_keyring(ring)``, which derives a key for the
    method's purpose from the ring's active (or a named) key, so one ring secret serves every
    method with independent keys.

    Example:
        >>> from gdprkit.ip import KeySource
        >>> class Fixed:
        ...     active_id = "k1"
        ...     def derive(self, purpose, *, key_id=None, length=32):
        ...         return bytes(length)
        >>> isinstance(Fixed(), KeySource)
        True
    """

    @property
    def active_id(self) -> str:
        """Id of the key used when none is named."""
        ...

    def derive(self, purpose: str, *, key_id: str | None = None, length: int = 32) -> bytes:
        """Return ``length`` key bytes for ``purpose`` from key ``key_id``."""
        ...


def _check_key(key: object, name: str, sizes: tuple[int, ...]) -> bytes:
    """Key bytes of an allowed length; the message gives the lengths, never the key."""
    if not isinstance(key, (bytes, bytearray, memoryview)):
        raise InvalidType(f"{name}: expected bytes, got {type(key).__name__}")
    material = bytes(key)
    if len(material) not in sizes:
        expected = " or ".join(str(n) for n in sizes)
        raise InvalidInput(f"{name}: expected {expected} bytes, got {len(material)}")
    return material


def _serialised(update: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """Wrap a cipher context's ``update`` so threads take turns.

    `cryptography` cipher contexts refuse concurrent use ("Already borrowed"); maskers are shared
    by the threads of a web application's logging, so every call goes through one lock.
    """
    lock = threading.Lock()

    def call(data: bytes) -> bytes:
        with lock:
            return update(data)

    return call


def _key_id(material: bytes, label: str) -> str:
    """A non-secret fingerprint naming a key (domain-separated, so it reveals nothing usable)."""
    digest = hashlib.sha256(b"gdprkit.ip key id\x00" + label.encode() + b"\x00" + material)
    return digest.hexdigest()[:16]


class SpecialRange(str, enum.Enum):
    """Address ranges that a masker can be told to leave unchanged (``skip=``).

    Example:
        >>> from gdprkit.ip import SpecialRange, special_range
        >>> special_range("192.168.1.7") is SpecialRange.PRIVATE
        True
    """

    #: 0.0.0.0 and :: (RFC 1122 section 3.2.1.3, RFC 4291 section 2.5.2)
    UNSPECIFIED = "unspecified"
    #: 127.0.0.0/8 and ::1 (RFC 1122, RFC 4291 section 2.5.3)
    LOOPBACK = "loopback"
    #: 10/8, 172.16/12, 192.168/16 (RFC 1918) and fc00::/7 (RFC 4193)
    PRIVATE = "private"
    #: 169.254/16 (RFC 3927) and fe80::/10 (RFC 4291 section 2.5.6)
    LINK_LOCAL = "link-local"
    #: 100.64/10, shared address space of carrier-grade NAT (RFC 6598)
    CGNAT = "cgnat"
    #: 192.0.2/24, 198.51.100/24, 203.0.113/24 (RFC 5737) and 2001:db8::/32 (RFC 3849)
    DOCUMENTATION = "documentation"
    #: 224/4 and ff00::/8
    MULTICAST = "multicast"


#: Ranges that name machines inside one site: a convenient ``skip=`` value for internal logs.
INTERNAL_RANGES = frozenset(
    {
        SpecialRange.UNSPECIFIED,
        SpecialRange.LOOPBACK,
        SpecialRange.PRIVATE,
        SpecialRange.LINK_LOCAL,
    }
)

_MAPPED_HIGH = 0xFFFF  # value >> 32 of ::ffff:0:0/96

# (value, prefix length, range) per family; checked in order.
_V4_RANGES = (
    (0x00000000, 32, SpecialRange.UNSPECIFIED),
    (0x7F000000, 8, SpecialRange.LOOPBACK),
    (0x0A000000, 8, SpecialRange.PRIVATE),
    (0xAC100000, 12, SpecialRange.PRIVATE),
    (0xC0A80000, 16, SpecialRange.PRIVATE),
    (0xA9FE0000, 16, SpecialRange.LINK_LOCAL),
    (0x64400000, 10, SpecialRange.CGNAT),
    (0xC0000200, 24, SpecialRange.DOCUMENTATION),
    (0xC6336400, 24, SpecialRange.DOCUMENTATION),
    (0xCB007100, 24, SpecialRange.DOCUMENTATION),
    (0xE0000000, 4, SpecialRange.MULTICAST),
)
_V6_RANGES = (
    (0, 128, SpecialRange.UNSPECIFIED),
    (1, 128, SpecialRange.LOOPBACK),
    (0xFC << 120, 7, SpecialRange.PRIVATE),
    (0xFE80 << 112, 10, SpecialRange.LINK_LOCAL),
    (0x20010DB8 << 96, 32, SpecialRange.DOCUMENTATION),
    (0xFF << 120, 8, SpecialRange.MULTICAST),
)


def _range_of(
    value: int, width: int, table: tuple[tuple[int, int, SpecialRange], ...]
) -> SpecialRange | None:
    for base, plen, kind in table:
        if value >> (width - plen) == base >> (width - plen):
            return kind
    return None


def _special_range_of(parsed: IPAddress, *, embedded_ipv4: bool = True) -> SpecialRange | None:
    if parsed.version == 4 or (embedded_ipv4 and parsed.carries_ipv4):
        return _range_of(parsed.ipv4_value, 32, _V4_RANGES)
    return _range_of(parsed.value, 128, _V6_RANGES)


def special_range(address: str) -> SpecialRange | None:
    """Return the special range ``address`` lies in, or ``None`` for an ordinary address.

    IPv4-mapped addresses are classified by the IPv4 address they carry.

    Raises:
        InvalidAddress: ``address`` is not an address.

    Example:
        >>> special_range("::ffff:127.0.0.1")
        <SpecialRange.LOOPBACK: 'loopback'>
        >>> special_range("100.64.1.1")
        <SpecialRange.CGNAT: 'cgnat'>
        >>> special_range("2a00:1450::1") is None
        True
    """
    return _special_range_of(parse_address(address))


class _CachingMasker:
    """Shared plumbing: parse, skip ranges, a bounded result cache, re-emission.

    Subclasses implement ``_mask4``/``_mask6`` (value to value, same width) or override
    ``_mask_parsed`` for methods whose output is not an address.
    """

    _deterministic = True

    def __init__(
        self,
        *,
        name: str,
        key_id: str | None = None,
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        embedded_ipv4: bool = True,
        cache_size: int = 65536,
    ) -> None:
        if not isinstance(cache_size, int) or cache_size < 0:  # type: ignore[redundant-expr]
            raise InvalidInput("cache_size: expected an integer >= 0")
        try:
            skip_set = frozenset(SpecialRange(s) for s in skip)
        except (ValueError, TypeError) as exc:
            names = ", ".join(s.value for s in SpecialRange)
            raise InvalidInput(f"skip: expected special ranges among {names}") from exc
        self._name = name
        self._key_id = key_id
        self._keep_form = keep_form
        self._skip = skip_set
        self._embedded_ipv4 = embedded_ipv4
        self._cache_size = cache_size
        self._cache: dict[str, str] = {}
        # Maskers whose output is the canonical masked address take a fast path for bare text.
        self._plain_output = (
            not keep_form and type(self)._mask_parsed is _CachingMasker._mask_parsed
        )

    @property
    def name(self) -> str:
        """Short method name, e.g. ``"ga"``, ``"cryptopan"``, ``"ipcrypt-pfx"``."""
        return self._name

    @property
    def key_id(self) -> str | None:
        """Non-secret key identifier (the given id or a key fingerprint), or ``None``."""
        return self._key_id

    @property
    def skip(self) -> frozenset[SpecialRange]:
        """The special ranges this masker leaves unchanged.

        Example:
            >>> from gdprkit.ip import INTERNAL_RANGES, TruncationMasker
            >>> TruncationMasker.preset("ga", skip=INTERNAL_RANGES).skip == INTERNAL_RANGES
            True
        """
        return self._skip

    def __repr__(self) -> str:
        # Never the key: name and key id only.
        return f"{type(self).__name__}(name={self._name!r}, key_id={self._key_id!r})"

    def __getstate__(self) -> dict[str, object]:
        """Pickled state without the result cache: it holds the original client addresses.

        A keyed masker refuses pickling (its state is key material).

        Raises:
            InvalidType: the masker holds a key.

        Example:
            >>> import pickle
            >>> from gdprkit.ip import TruncationMasker
            >>> ga = TruncationMasker.preset("ga")
            >>> _ = ga.apply("203.0.113.7")
            >>> b"203.0.113.7" in pickle.dumps(ga), pickle.loads(pickle.dumps(ga)).apply("::1")
            (False, '::')
        """
        if self._key_id is not None:
            raise InvalidType(f"{type(self).__name__} cannot be pickled (it holds a key)")
        state = dict(vars(self))
        state["_cache"] = {}
        return state

    def apply(self, address: str) -> str:
        """Mask one address (any accepted textual form) and return the masked text.

        Zone, brackets and port are kept around the masked address (methods whose output is
        not an address keep the port only).

        Raises:
            InvalidAddress: ``address`` is not an address.
            InvalidType: ``address`` is not a ``str``.

        Example:
            >>> from gdprkit.ip import TruncationMasker
            >>> TruncationMasker.preset("matomo2").apply("[fe80::1:2:3:4%eth0]:80")
            '[fe80::%eth0]:80'
        """
        cache = self._cache
        try:
            hit = cache.get(address)
        except TypeError:  # unhashable: certainly not a str
            hit = None
        if hit is not None:
            return hit
        if not isinstance(address, str):
            raise InvalidType(f"address: expected str, got {type(address).__name__}")
        out = self._fast_path(address) if self._plain_output else None
        if out is None:
            parsed = parse_address(address)
            if self._skip and _special_range_of(parsed, embedded_ipv4=True) in self._skip:
                out = address
            else:
                out = self._mask_parsed(parsed)
        if self._deterministic and self._cache_size:
            if len(cache) >= self._cache_size:
                # Start a new generation rather than evicting one by one: deleting from the front
                # of a dict leaves holes that every later `next(iter(...))` walks over, which made
                # each new address ~2.6x dearer once a day's log filled the cache.
                cache.clear()
            cache[address] = out
        return out

    def _fast_path(self, address: str) -> str | None:
        """Mask a bare address (no port, zone, brackets) without building an IPAddress.

        Returns None for anything else, which then takes the general path (and its errors).
        Only used by maskers whose output is the canonical address (not ``keep_form``).
        """
        if ":" not in address:
            v4 = _parse_v4(address)
            if v4 is None:
                return None
            if self._skip and _range_of(v4, 32, _V4_RANGES) in self._skip:
                return address
            return format_ipv4(self._mask4(v4))
        if address[0] == "[" or "%" in address:
            return None
        parsed = _parse_v6(address)
        if parsed is None:
            return None
        value, _, _, _, dotted = parsed
        high = value >> 32
        if self._embedded_ipv4 and (high == _MAPPED_HIGH or (high == 0 and dotted)):
            v4 = value & 0xFFFFFFFF
            if self._skip and _range_of(v4, 32, _V4_RANGES) in self._skip:
                return address
            return format_ipv6((high << 32) | self._mask4(v4), dotted=True)
        if self._skip and _range_of(value, 128, _V6_RANGES) in self._skip:
            return address
        return format_ipv6(self._mask6(value))

    def clear_cache(self) -> None:
        """Forget cached results (they are personal data: drop them when a batch is done).

        Example:
            >>> from gdprkit.ip import TruncationMasker
            >>> masker = TruncationMasker.preset("ga")
            >>> masker.apply("192.0.2.1"), masker.clear_cache()
            ('192.0.2.0', None)
        """
        self._cache.clear()

    def _uses_ipv4(self, parsed: IPAddress) -> bool:
        return parsed.version == 4 or (self._embedded_ipv4 and parsed.carries_ipv4)

    def _mask_parsed(self, parsed: IPAddress) -> str:
        if parsed.version == 4:
            new = parsed.with_value(self._mask4(parsed.value))
        elif self._uses_ipv4(parsed):
            high = parsed.value & ~0xFFFFFFFF
            new = parsed.with_value(high | self._mask4(parsed.ipv4_value))
            # Canonical output writes the IPv4 part dotted (RFC 5952 section 5 for the mapped
            # form; the IPv4-compatible form is only recognised when written dotted).
            return new.format(keep_form=self._keep_form, dotted=None if self._keep_form else True)
        else:
            new = parsed.with_value(self._mask6(parsed.value))
        return new.format(keep_form=self._keep_form)

    def _mask4(self, value: int) -> int:
        raise InvalidInput(f"{self._name}: this method does not mask IPv4 values")

    def _mask6(self, value: int) -> int:
        raise InvalidInput(f"{self._name}: this method does not mask IPv6 values")
