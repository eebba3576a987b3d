"""Keyed tokens (HMAC-SHA256) and fixed redaction for IP addresses.

* :class:`KeyedTokenMasker` replaces an address by ``ip1-<key id>-<hex>``: HMAC-SHA256 of the
  address's bytes under a secret key, domain-separated and versioned.  ENISA (2019, sections 5.1.4
  and 6.1, [S208]) calls a keyed hash "a robust pseudonymisation technique" and shows plain
  hashes of IPv4 addresses fall to brute force in minutes, which is why there is no unkeyed hash
  here.  The same address always gives the same token (per key), so counts and joins still work;
  the address cannot be recovered from the token, only confirmed by someone holding the key.
* :class:`RedactionMasker` replaces every address by a fixed value: by default the unspecified
  address of its family (``0.0.0.0``, ``::``, ``::ffff:0.0.0.0``), so log parsers still see an
  address, or a marker of your choice.

Both keep a port (``:443``) after the replacement.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from hashlib import sha256

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.ip._address import IPAddress
from gdprkit.ip.masking import KeySource, SpecialRange, _CachingMasker, _key_id

__all__ = ["KeyedTokenMasker", "RedactionMasker"]

_DOMAIN = b"gdprkit.ip.hmac.v1\x00"
_MIN_KEY = 16  # 128-bit keys at least: the key is the only secret protecting 2^32 IPv4 inputs


class KeyedTokenMasker(_CachingMasker):
    """Replace addresses by keyed HMAC-SHA256 tokens ``ip1-<key id>-<hex digits>``.

    IPv4 and IPv4-mapped IPv6 addresses give the same token.  ``digits`` (8-64, default 20 =
    80 bits) sets the token's length.  The key never appears in the repr or in errors.

    Raises:
        InvalidInput: the key is shorter than 16 bytes, or ``digits`` is out of range.
        InvalidType: the key is not bytes.

    Example:
        >>> from gdprkit.ip import KeyedTokenMasker
        >>> masker = KeyedTokenMasker(b"\\x01" * 32, key_id="k1")
        >>> token = masker.apply("192.0.2.1")
        >>> token.startswith("ip1-k1-"), len(token)
        (True, 27)
        >>> masker.apply("::ffff:192.0.2.1") == token
        True
        >>> masker.apply("192.0.2.1:8080") == token + ":8080"
        True
    """

    def __init__(
        self,
        key: bytes,
        *,
        key_id: str | None = None,
        digits: int = 20,
        skip: Iterable[SpecialRange] = (),
        cache_size: int = 65536,
    ) -> None:
        if not isinstance(key, (bytes, bytearray, memoryview)):
            raise InvalidType(f"key: expected bytes, got {type(key).__name__}")
        material = bytes(key)
        if len(material) < _MIN_KEY:
            raise InvalidInput(f"key: expected at least {_MIN_KEY} bytes, got {len(material)}")
        if isinstance(digits, bool) or not 8 <= digits <= 64:
            raise InvalidInput("digits: expected an integer from 8 to 64")
        kid = key_id if key_id is not None else _key_id(material, "hmac")
        if not kid or any(c in kid for c in " \t\r\n:.[]%/"):
            raise InvalidInput("key_id: expected a non-empty id without spaces or ':.[]%/'")
        super().__init__(name="hmac", key_id=kid, skip=skip, cache_size=cache_size)
        self._mac = hmac.new(material, _DOMAIN, sha256)
        self._digits = digits

    @classmethod
    def from_keyring(
        cls,
        ring: KeySource,
        *,
        key_id: str | None = None,
        purpose: str = "gdprkit.ip.hmac",
        digits: int = 20,
        skip: Iterable[SpecialRange] = (),
    ) -> KeyedTokenMasker:
        """Build the masker from a key the ring derives for ``purpose``.

        Raises:
            NotFound: the ring has no key ``key_id``.

        Example:
            >>> from gdprkit.ip import KeyedTokenMasker
            >>> from gdprkit.pseudonymise import KeyRing
            >>> masker = KeyedTokenMasker.from_keyring(KeyRing.generate(key_id="k1"))
            >>> masker.apply("192.0.2.1").startswith("ip1-k1-")
            True
        """
        kid = key_id if key_id is not None else ring.active_id
        return cls(
            ring.derive(purpose, key_id=kid, length=32), key_id=kid, digits=digits, skip=skip
        )

    def _mask_parsed(self, parsed: IPAddress) -> str:
        if self._uses_ipv4(parsed):
            message = b"\x04" + parsed.ipv4_value.to_bytes(4, "big")
        else:
            message = b"\x06" + parsed.value.to_bytes(16, "big")
        mac = self._mac.copy()
        mac.update(message)
        token = f"ip1-{self._key_id}-{mac.hexdigest()[: self._digits]}"
        return token if parsed.port is None else f"{token}:{parsed.port}"


class RedactionMasker(_CachingMasker):
    """Replace every address by a fixed value: the family's unspecified address, or a marker.

    With ``replacement=None`` the output keeps the family, brackets, zone and port
    (``[::]:443``, ``::ffff:0.0.0.0``); with a marker string only a port is kept after it.

    Raises:
        InvalidInput: the marker is empty or contains an IP address.

    Example:
        >>> from gdprkit.ip import RedactionMasker
        >>> RedactionMasker().apply("[2001:db8::1]:443"), RedactionMasker().apply("192.0.2.1")
        ('[::]:443', '0.0.0.0')
        >>> RedactionMasker(replacement="-").apply("192.0.2.1")
        '-'
    """

    def __init__(
        self,
        *,
        replacement: str | None = None,
        keep_form: bool = False,
        skip: Iterable[SpecialRange] = (),
        cache_size: int = 4096,
    ) -> None:
        if replacement is not None:
            from gdprkit.ip.text import find_addresses  # noqa: PLC0415 - avoids an import cycle

            if not isinstance(replacement, str):
                raise InvalidType(f"replacement: expected str, got {type(replacement).__name__}")
            if not replacement or next(find_addresses(replacement, skip_versions=False), None):
                raise InvalidInput("replacement: expected a non-empty marker without an address")
        super().__init__(name="redact", keep_form=keep_form, skip=skip, cache_size=cache_size)
        self._replacement = replacement

    def _mask_parsed(self, parsed: IPAddress) -> str:
        if self._replacement is None:
            return super()._mask_parsed(parsed)
        port = parsed.port
        return self._replacement if port is None else f"{self._replacement}:{port}"

    def _mask4(self, value: int) -> int:
        return 0

    def _mask6(self, value: int) -> int:
        return 0
