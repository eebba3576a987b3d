"""Truncation: keep the network prefix of an address and set the host bits to zero.

This is what Universal Analytics and Matomo call "IP anonymisation".  gdprkit calls it **masking**:
a truncated address is usually still personal data (Matomo's own documentation,
https://matomo.org/docs/privacy-how-to/, says masked addresses are "often still personal data
because [they] may still be re-identifiable"; CJEU C-582/14 *Breyer*, ECLI:EU:C:2016:779: a
dynamic IP address is personal data for a provider with legal means to identify the subscriber;
Recital 26 GDPR).

Named presets (prefix lengths kept, IPv4 and IPv6; each preset's ``source`` has the link):

- ``ga``: IPv4 /24, IPv6 /48; Universal Analytics ``anonymize_ip`` zeroes the last octet and
  the last 80 bits (https://support.google.com/analytics/answer/2763052).
- ``matomo1``: /24, /64; Matomo "1 byte", IPv6 keeps /64
  (https://matomo.org/faq/general/how-does-ip-address-anonymisation-work-in-matomo;
  matomo-org/component-network ``tests/IPv6Test.php``).
- ``matomo2``: /16, /48; Matomo "2 bytes", IPv6 zeroes the last 80 bits (same sources).
- ``matomo3``: /8, /24; Matomo "3 bytes", IPv6 zeroes the last 104 bits (same sources).
- ``anonip``: /20, /44; anonip's defaults ``--ipv4mask 12 --ipv6mask 84`` (host bits cleared).

IPv4-mapped IPv6 addresses are masked as IPv4 (Matomo does the same, ``IPv6Test.php``).  Two
IPv6 transition formats carry a client IPv4 address inside the IPv6 bits; truncation caps their
prefix so that embedded address is truncated like an IPv4 one: 6to4 (``2002::/16``, IPv4 in
bits 16-47, RFC 3056) keeps at most ``16 + ipv4_prefix`` bits and Teredo (``2001::/32``,
obfuscated client IPv4 in bits 96-127, RFC 4380) at most ``96 + ipv4_prefix`` bits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

import attrs

from gdprkit.errors import InvalidInput
from gdprkit.ip._address import parse_address
from gdprkit.ip.masking import SpecialRange, _CachingMasker

__all__ = [
    "PRESETS",
    "TruncationMasker",
    "TruncationPreset",
    "mask_prefix",
]

_V4_ALL = 0xFFFFFFFF
_V6_ALL = (1 << 128) - 1


@attrs.frozen
class TruncationPreset:
    """A named pair of prefix lengths (bits kept) with its source.

    Example:
        >>> from gdprkit.ip import PRESETS
        >>> PRESETS["ga"].ipv4_prefix, PRESETS["ga"].ipv6_prefix
        (24, 48)
    """

    name: str
    ipv4_prefix: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(0), attrs.validators.le(32))
    )
    ipv6_prefix: int = attrs.field(
        validator=attrs.validators.and_(attrs.validators.ge(0), attrs.validators.le(128))
    )
    source: str = ""


# Matomo's FAQ on IP anonymisation, and its network component's IPv6 tests for the bit counts.
_MATOMO = (
    "https://matomo.org/faq/general/how-does-ip-address-anonymisation-work-in-matomo, "
    "matomo-org/component-network tests/IPv6Test.php"
)

#: The named presets, by name (see the module docstring for their sources).
PRESETS: Mapping[str, TruncationPreset] = MappingProxyType(
    {
        p.name: p
        for p in (
            # Google Analytics Help (UA IP masking): zeroes the last octet and the last 80 bits.
            TruncationPreset(
                "ga",
                24,
                48,
                "Universal Analytics anonymize_ip, "
                "https://support.google.com/analytics/answer/2763052",
            ),
            # Matomo FAQ and IPv6Test.php: 1/2/3 bytes; IPv6 keeps /64, zeroes 80 or 104 bits.
            TruncationPreset("matomo1", 24, 64, "Matomo 1 byte, " + _MATOMO),
            TruncationPreset("matomo2", 16, 48, "Matomo 2 bytes, " + _MATOMO),
            TruncationPreset("matomo3", 8, 24, "Matomo 3 bytes, " + _MATOMO),
            # anonip defaults: 12 IPv4 and 84 IPv6 host bits cleared (its test_module.py).
            TruncationPreset("anonip", 20, 44, "anonip defaults (DigitaleGesellschaft/Anonip)"),
        )
    }
)


def _check_prefix(name: str, value: object, width: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= width:
        raise InvalidInput(f"{name}: expected an integer number of bits from 0 to {width}")
    return value


class TruncationMasker(_CachingMasker):
    """Mask addresses by keeping ``ipv4_prefix`` / ``ipv6_prefix`` leading bits.

    Holds a bounded cache of results (repeated addresses are the rule in logs).

    Raises:
        InvalidInput: a prefix length is out of range, or an unknown preset name.

    Example:
        >>> from gdprkit.ip import TruncationMasker
        >>> ga = TruncationMasker.preset("ga")
        >>> ga.apply("203.0.113.77"), ga.apply("[2001:db8:1234:5678::1]:443")
        ('203.0.113.0', '[2001:db8:1234::]:443')
        >>> ga.apply("::ffff:203.0.113.77")
        '::ffff:203.0.113.0'
        >>> TruncationMasker(ipv4_prefix=16, ipv6_prefix=32).apply("198.51.100.9")
        '198.51.0.0'
    """

    def __init__(
        self,
        *,
        ipv4_prefix: int,
        ipv6_prefix: int,
        name: str | None = None,
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        cache_size: int = 65536,
    ) -> None:
        self.ipv4_prefix = _check_prefix("ipv4_prefix", ipv4_prefix, 32)
        self.ipv6_prefix = _check_prefix("ipv6_prefix", ipv6_prefix, 128)
        super().__init__(
            name=name or f"truncate-{ipv4_prefix}-{ipv6_prefix}",
            keep_form=keep_form,
            skip=skip,
            cache_size=cache_size,
        )
        self._keep4 = (_V4_ALL << (32 - ipv4_prefix)) & _V4_ALL
        self._keep6 = (_V6_ALL << (128 - ipv6_prefix)) & _V6_ALL
        # Embedded-IPv4 transition formats: cap the kept prefix (see the module docstring).
        self._keep_6to4 = (_V6_ALL << (128 - min(ipv6_prefix, 16 + ipv4_prefix))) & _V6_ALL
        self._keep_teredo = (_V6_ALL << (128 - min(ipv6_prefix, 96 + ipv4_prefix))) & _V6_ALL

    @classmethod
    def preset(
        cls,
        name: str,
        *,
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        cache_size: int = 65536,
    ) -> TruncationMasker:
        """Build the masker of a named preset (``ga``, ``matomo1``-``3``, ``anonip``).

        Raises:
            InvalidInput: unknown preset name.

        Example:
            >>> from gdprkit.ip import TruncationMasker
            >>> TruncationMasker.preset("matomo2").apply("2001:db8:aaaa:bbbb::1")
            '2001:db8:aaaa::'
        """
        preset = PRESETS.get(name)
        if preset is None:
            raise InvalidInput(f"preset: expected one of {', '.join(sorted(PRESETS))}")
        return cls(
            ipv4_prefix=preset.ipv4_prefix,
            ipv6_prefix=preset.ipv6_prefix,
            name=preset.name,
            keep_form=keep_form,
            skip=skip,
            cache_size=cache_size,
        )

    def _mask4(self, value: int) -> int:
        return value & self._keep4

    def _mask6(self, value: int) -> int:
        top = value >> 112
        if top == 0x2002:
            return value & self._keep_6to4
        if value >> 96 == 0x20010000:
            return value & self._keep_teredo
        return value & self._keep6


def mask_prefix(
    address: str, *, ipv4_prefix: int, ipv6_prefix: int, keep_form: bool = False
) -> str:
    """Truncate one address without building (and caching in) a masker.

    Raises:
        InvalidAddress: ``address`` is not an address.
        InvalidInput: a prefix length is out of range.

    Example:
        >>> from gdprkit.ip import mask_prefix
        >>> mask_prefix("192.168.100.200", ipv4_prefix=20, ipv6_prefix=44)
        '192.168.96.0'
    """
    masker = TruncationMasker(
        ipv4_prefix=ipv4_prefix, ipv6_prefix=ipv6_prefix, keep_form=keep_form, cache_size=0
    )
    parse_address(address)  # raise before building anything else
    return masker.apply(address)
