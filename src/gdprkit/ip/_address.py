"""Parsing and re-emitting the textual forms of IP addresses.

Accepted forms (each also with a port where shown):

* IPv4 dotted quad, decimal only, no leading zeros (``010.0.0.1`` is refused: ``inet_aton``
  would read it as octal, CPython and Go refuse it too), optionally ``1.2.3.4:80``;
* IPv6 compressed, full (Java's ``0:0:0:0:0:0:0:1``), zero-padded or upper-case, with an
  embedded dotted IPv4 tail (``::ffff:192.0.2.1``, ``64:ff9b::192.0.2.1``);
* a zone id (``fe80::1%eth0``), which is kept verbatim: it names an interface of the logging
  host, not a person;
* brackets with or without a port (``[2001:db8::1]:443``, ``[fe80::1%lo0]``);
* an IPv6 address with a port only in brackets (RFC 5952 section 6): ``2001:db8::1:80`` is one
  address.  Free text has its own rules for the unbracketed forms of Java and HAProxy logs
  (:mod:`gdprkit.ip.text`).

Output is RFC 5952 canonical (lower case, no leading zeros, the longest run of two or more zero
groups compressed, IPv4-mapped addresses with a dotted tail) unless the caller asks to keep the
input's form (case, compression, zero padding, dotted tail).

IPv4-mapped addresses (``::ffff:0:0/96``, in any spelling) and IPv4-compatible addresses written
with a dotted tail (``::1.2.3.4``) carry an IPv4 address: maskers treat them as IPv4 and keep the
IPv6 wrapping in their output.
"""

from __future__ import annotations

import re

import attrs

from gdprkit.errors import InvalidAddress, InvalidType

__all__ = [
    "IPAddress",
    "format_ipv4",
    "format_ipv6",
    "parse_address",
]

_MAX_V6_TEXT = 45  # longest IPv6 text without zone: 6 groups of 4, 7 colons, a dotted quad
_HEX_COLON = re.compile(r"[0-9A-Fa-f:]*").fullmatch
# A zone id names an interface of the logging host (RFC 4007 section 11: `eth0`, `en0`,
# `eth0.100`, or an index such as `25`): letters, digits, `_`, `-` and `.`, and nothing that
# holds an address anywhere in it (a dotted quad, zero-padded or glued to other characters) or
# a run of more than five digits (an interface index is small; 3405803783 is 203.0.113.7).  It
# is kept verbatim, so anything wider would let a forged `fe80::1%203.0.113.7`,
# `fe80::1%x203.0.113.7` or the URI-escaped `fe80::1%25203.0.113.7` carry an address through.
_ZONE = re.compile(
    r"(?![^\n]*\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![^\n]*\d{6})[A-Za-z0-9_.\-]{1,64}"
).fullmatch
_MAPPED_PREFIX = 0xFFFF  # value >> 32 of ::ffff:0:0/96 (RFC 4291 section 2.5.5.2)
_V4_MAX = 0xFFFFFFFF


def _bad(what: str) -> InvalidAddress:
    # The message names what was expected, never the text: it may be a client address.
    return InvalidAddress(f"address: expected {what}")


@attrs.frozen(slots=True)
class IPAddress:
    """One parsed address with the details of how it was written.

    ``version`` is the textual family (an IPv4-mapped IPv6 address has ``version == 6``);
    :attr:`carries_ipv4` says whether maskers treat it as IPv4.  The value is hidden from the
    repr: it is personal data.

    Example:
        >>> from gdprkit.ip import parse_address
        >>> a = parse_address("[2001:DB8::1]:443")
        >>> a.version, a.port, a.bracketed
        (6, 443, True)
        >>> a.format()
        '[2001:db8::1]:443'
        >>> a.format(keep_form=True)
        '[2001:DB8::1]:443'
        >>> a
        IPAddress(version=6, zone=None, port=443, bracketed=True)
    """

    version: int = attrs.field(validator=attrs.validators.in_((4, 6)))
    value: int = attrs.field(repr=False)
    zone: str | None = attrs.field(default=None)
    port: int | None = attrs.field(default=None)
    bracketed: bool = False
    uppercase: bool = attrs.field(default=False, repr=False)
    compressed: bool = attrs.field(default=True, repr=False)
    padded: bool = attrs.field(default=False, repr=False)
    dotted: bool = attrs.field(default=False, repr=False)

    @value.validator
    def _check_value(self, _attribute: attrs.Attribute[int], value: int) -> None:
        if not 0 <= value < (1 << (32 if self.version == 4 else 128)):
            raise InvalidAddress(f"value: out of range for IPv{self.version}")

    @zone.validator
    def _check_zone(self, _attribute: attrs.Attribute[str | None], zone: str | None) -> None:
        if zone is not None and (self.version == 4 or _ZONE(zone) is None):
            raise InvalidAddress("zone: expected an IPv6 zone id of 1-64 characters")

    @port.validator
    def _check_port(self, _attribute: attrs.Attribute[int | None], port: int | None) -> None:
        if port is not None and not 0 <= port <= 0xFFFF:
            raise InvalidAddress("port: expected 0 to 65535")

    @property
    def carries_ipv4(self) -> bool:
        """True for IPv4, IPv4-mapped IPv6, and IPv4-compatible IPv6 written with a dotted tail.

        Example:
            >>> from gdprkit.ip import parse_address
            >>> [parse_address(t).carries_ipv4 for t in ("1.2.3.4", "::ffff:c000:201", "::1")]
            [True, True, False]
        """
        if self.version == 4:
            return True
        high = self.value >> 32
        return high == _MAPPED_PREFIX or (high == 0 and self.dotted)

    @property
    def ipv4_value(self) -> int:
        """The 32-bit IPv4 value this address carries (meaningful when :attr:`carries_ipv4`).

        Example:
            >>> from gdprkit.ip import format_ipv4, parse_address
            >>> format_ipv4(parse_address("::ffff:192.0.2.1").ipv4_value)
            '192.0.2.1'
        """
        return self.value & _V4_MAX

    def with_value(self, value: int) -> IPAddress:
        """Return the same textual form holding another value of the same width.

        Raises:
            InvalidAddress: ``value`` does not fit the family.

        Example:
            >>> from gdprkit.ip import parse_address
            >>> parse_address("10.1.2.3:80").with_value(0x0A010200).format()
            '10.1.2.0:80'
        """
        return attrs.evolve(self, value=value)

    def format(
        self, *, keep_form: bool = False, with_port: bool = True, dotted: bool | None = None
    ) -> str:
        """Re-emit the address: RFC 5952 canonical, or in the input's own form.

        Zone, brackets and port are kept (the port only if ``with_port``).  ``dotted`` forces
        (or forbids) a dotted IPv4 tail on an IPv6 address; by default the canonical form has one
        only for IPv4-mapped addresses (RFC 5952 section 5) and ``keep_form`` keeps the input's.

        Example:
            >>> from gdprkit.ip import parse_address
            >>> parse_address("0:0:0:0:0:0:0:1").format()
            '::1'
            >>> parse_address("0:0:0:0:0:0:0:1").format(keep_form=True)
            '0:0:0:0:0:0:0:1'
        """
        if self.version == 4:
            text = format_ipv4(self.value)
        else:
            if dotted is None:
                dotted = self.dotted if keep_form else self.value >> 32 == _MAPPED_PREFIX
            text = format_ipv6(
                self.value,
                compress=self.compressed or not keep_form,
                pad=keep_form and self.padded,
                upper=keep_form and self.uppercase,
                dotted=dotted,
            )
            if self.zone is not None:
                text = f"{text}%{self.zone}"
            # RFC 5952 section 6: an IPv6 address with a port is always written in brackets.
            if self.bracketed or (self.port is not None and with_port):
                text = f"[{text}]"
        if with_port and self.port is not None:
            text = f"{text}:{self.port}"
        return text


def format_ipv4(value: int) -> str:
    """Dotted-quad text of a 32-bit value.

    Example:
        >>> format_ipv4(0xC0000201)
        '192.0.2.1'
    """
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def format_ipv6(
    value: int,
    *,
    compress: bool = True,
    pad: bool = False,
    upper: bool = False,
    dotted: bool | None = None,
) -> str:
    """Text of a 128-bit value: RFC 5952 canonical by default.

    ``dotted=None`` writes a dotted IPv4 tail only for IPv4-mapped addresses (RFC 5952
    section 5); ``compress=False`` writes all eight groups; ``pad`` writes four digits a group.

    Example:
        >>> format_ipv6(0x20010DB8000000000000000000000001)
        '2001:db8::1'
        >>> format_ipv6(0xFFFFC0000201)
        '::ffff:192.0.2.1'
        >>> format_ipv6(1, compress=False)
        '0:0:0:0:0:0:0:1'
    """
    if dotted is None:
        dotted = value >> 32 == _MAPPED_PREFIX
    ngroups = 6 if dotted else 8
    groups = [(value >> (112 - 16 * i)) & 0xFFFF for i in range(ngroups)]
    spec = "04x" if pad else "x"
    words = [format(g, spec) for g in groups]
    if compress:
        # RFC 5952 section 4.2: the longest run of at least two zero groups, the first on a tie.
        best_start, best_len, start = -1, 1, -1
        for i, g in enumerate(groups):
            if g == 0:
                if start < 0:
                    start = i
                if i - start + 1 > best_len:
                    best_start, best_len = start, i - start + 1
            else:
                start = -1
        if best_start >= 0:
            head = ":".join(words[:best_start])
            tail = ":".join(words[best_start + best_len :])
            text = f"{head}::{tail}"
        else:
            text = ":".join(words)
    else:
        text = ":".join(words)
    if upper:
        text = text.upper()
    if dotted:
        tail4 = format_ipv4(value & _V4_MAX)
        text = f"{text}{tail4}" if text.endswith(":") else f"{text}:{tail4}"
    return text


def _check_str(value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"address: expected str, got {type(value).__name__}")


# Decimal octets exactly as written in a valid dotted quad: no sign, space, leading zero or
# non-ASCII digit is a key, so one dictionary look-up checks and converts an octet.
_OCTETS: dict[str, int] = {str(i): i for i in range(256)}


def _parse_v4(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4:
        return None
    octets = _OCTETS
    try:
        return (
            (octets[parts[0]] << 24)
            | (octets[parts[1]] << 16)
            | (octets[parts[2]] << 8)
            | octets[parts[3]]
        )
    except KeyError:  # leading zero ('010' is octal under inet_aton), > 255, not decimal
        return None


def _parse_v6(text: str) -> tuple[int, bool, bool, bool, bool] | None:
    """Return (value, compressed, padded, uppercase, dotted) or None."""
    if not 2 <= len(text) <= _MAX_V6_TEXT:
        return None
    head = text
    tail: list[int] = []
    dotted = False
    if "." in text:
        i = text.rfind(":")
        if i < 0:
            return None
        v4 = _parse_v4(text[i + 1 :])
        if v4 is None:
            return None
        tail = [v4 >> 16, v4 & 0xFFFF]
        dotted = True
        head = text[: i + 1]
        if not head.endswith("::"):
            head = head[:-1]
            if not head:
                return None
    if _HEX_COLON(head) is None:
        return None
    if "::" in head:
        left, _, right = head.partition("::")
        if "::" in right:
            return None
        lg = left.split(":") if left else []
        rg = right.split(":") if right else []
        missing = 8 - len(lg) - len(rg) - len(tail)
        if missing < 1:
            return None
        written = lg + rg
        compressed = True
    else:
        lg = head.split(":") if head else []
        rg = []
        missing = 0
        if len(lg) + len(tail) != 8:
            return None
        written = lg
        compressed = False
    value = 0
    for g in lg:
        if not 0 < len(g) <= 4:
            return None
        value = (value << 16) | int(g, 16)
    value <<= 16 * missing
    for g in rg:
        if not 0 < len(g) <= 4:
            return None
        value = (value << 16) | int(g, 16)
    for g16 in tail:
        value = (value << 16) | g16
    padded = bool(written) and all(len(g) == 4 for g in written)
    uppercase = head != head.lower()
    return value, compressed, padded, uppercase, dotted


def _parse_port(text: str) -> int | None:
    if 0 < len(text) <= 5 and text.isascii() and text.isdigit():
        port = int(text)
        if port <= 0xFFFF:
            return port
    return None


def _v6_address(text: str, *, port: int | None = None, bracketed: bool = False) -> IPAddress | None:
    zone = None
    if "%" in text:
        text, _, zone = text.partition("%")
        if _ZONE(zone) is None:
            return None
    parsed = _parse_v6(text)
    if parsed is None:
        return None
    value, compressed, padded, uppercase, dotted = parsed
    return IPAddress(
        6,
        value,
        zone=zone,
        port=port,
        bracketed=bracketed,
        uppercase=uppercase,
        compressed=compressed,
        padded=padded,
        dotted=dotted,
    )


def parse_address(text: str) -> IPAddress:
    """Parse one address in any of the accepted textual forms (see the module docstring).

    Raises:
        InvalidAddress: ``text`` is not an address in an accepted form (the message never
            contains the text).
        InvalidType: ``text`` is not a ``str``.

    Example:
        >>> parse_address("192.0.2.1:8080").port
        8080
        >>> parse_address("[0:0:0:0:0:0:0:0]:2181").format()
        '[::]:2181'
        >>> parse_address("010.0.0.1")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidAddress: address: expected an IPv4 or IPv6 address
    """
    _check_str(text)
    if ":" not in text:
        v4 = _parse_v4(text)
        if v4 is None:
            raise _bad("an IPv4 or IPv6 address")
        return IPAddress(4, v4)
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise _bad("']' after a bracketed IPv6 address")
        rest = text[close + 1 :]
        port = None
        if rest and (rest[0] != ":" or (port := _parse_port(rest[1:])) is None):
            raise _bad("nothing or ':port' after ']'")
        found = _v6_address(text[1:close], port=port, bracketed=True)
        if found is None:
            raise _bad("an IPv6 address inside brackets")
        return found
    if "." in text and text.count(":") == 1:
        host, _, port_text = text.partition(":")
        v4 = _parse_v4(host)
        port = _parse_port(port_text)
        if v4 is not None and port is not None:
            return IPAddress(4, v4, port=port)
    found = _v6_address(text)
    if found is not None:
        return found
    raise _bad("an IPv4 or IPv6 address")
