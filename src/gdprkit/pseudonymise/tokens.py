"""Deterministic keyed tokens: HMAC-SHA-256 under a per-domain HKDF sub-key, with key rotation.

A token is a *pseudonym* in the sense of Art. 4(5) GDPR: without the key ring (the "additional
information", GDPR [S1]) it cannot be attributed to a person, and ENISA (2019, §5.1.4,
[S208]) calls a keyed hash "a robust pseudonymisation technique … as long as the key has
not been compromised". A plain, unkeyed hash is deliberately **not** offered: ENISA (§6.1)
reversed SHA-256 of every IPv4 address in about two minutes on a laptop, and e-mail addresses
(§7.2) and phone numbers are just as guessable.

Token format, version 1 (``ps1``)::

    ps1.<key id>.<base32>

* ``<key id>`` names the key-ring key the token was made with, so keys can rotate;
* ``<base32>`` is lower-case RFC 4648 base32 without padding of the first ``size`` bytes
  (default 16 = 128 bits, at most 32) of ``HMAC-SHA-256(K_d, UTF-8(canonical(value)))``, where
  ``K_d = HKDF-SHA-256(key, info="gdprkit/v1/token:" + domain)``. 128 bits make an accidental
  collision negligible (birthday bound ~2^64 values).

The token is the same for the same (key, domain, canonical value): it keeps counts and joins
within one domain, and tokens of different domains cannot be linked to each other.

Example:
    >>> from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
    >>> ring = KeyRing([("k1", bytes(32))])
    >>> emails = Pseudonymiser(ring, domain="email", canonicaliser=canonical.email_lower)
    >>> token = emails.token("Alice@Example.com")
    >>> token.startswith("ps1.k1.") and len(token) == 33
    True
    >>> emails.token(" alice@example.COM") == token
    True
    >>> emails.matches("alice@example.com", token)
    True
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

from gdprkit.errors import IntegrityError, InvalidInput, InvalidType
from gdprkit.pseudonymise._base32 import b32_decoder, b32_encoder
from gdprkit.pseudonymise.canonical import Canonicaliser
from gdprkit.pseudonymise.keyring import KeyRing

__all__ = ["DEFAULT_TOKEN_BYTES", "TOKEN_VERSION", "Pseudonymiser"]

#: Version marker of the token text form.
TOKEN_VERSION = "ps1"  # noqa: S105 - a format marker, not a password

#: Default truncation of the HMAC output: 16 bytes = 128 bits (the documented minimum).
DEFAULT_TOKEN_BYTES = 16

_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104 "B")


class _KeyedMac:
    """HMAC-SHA-256 (RFC 2104) with the padded-key states computed once.

    ``hmac.new(key, msg, sha256)`` hashes both padded keys on every call; copying the two
    prepared ``hashlib`` states instead is what keeps tokens near the speed of a bare digest.
    """

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        padded = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(padded.translate(_IPAD))
        self._outer = hashlib.sha256(padded.translate(_OPAD))

    def digest(self, data: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType("keyed hash states cannot be pickled (they are key material)")


def _token_function(
    mac: _KeyedMac, canon: Canonicaliser, prefix: str, encode: Callable[[bytes], str]
) -> Callable[[str], str]:
    """Return ``value -> token`` with every lookup bound in advance (the hot path).

    This is :meth:`_KeyedMac.digest` inlined, with the bound ``copy`` methods of the two
    prepared states held in the closure instead of looked up per value.
    """
    inner_copy = mac._inner.copy
    outer_copy = mac._outer.copy

    def token(value: str) -> str:
        inner = inner_copy()
        inner.update(canon(value).encode())
        outer = outer_copy()
        outer.update(inner.digest())
        return prefix + encode(outer.digest())

    return token


def _nonempty_str(value: object) -> bool:
    return isinstance(value, str) and value != ""


def _split_token(token: object, version: str) -> tuple[str, str]:
    if not isinstance(token, str):
        raise InvalidType(f"token must be a str, got {type(token).__name__}")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != version:
        raise InvalidInput(f"expected a token of the form {version}.<key id>.<base32>")
    return parts[1], parts[2]


class Pseudonymiser:
    """Deterministic keyed tokens for one *domain* (a field or purpose such as ``"email"``).

    Args:
        keyring: the key ring; new tokens use its active key.
        domain: names the pseudonymisation domain; tokens of different domains are unlinkable.
        canonicaliser: the rule that decides which spellings are equal (see
            :mod:`gdprkit.pseudonymise.canonical`); required, so nothing is normalised silently.
        size: bytes of the HMAC output kept, 16 (default, 128 bits) to 32.

    Raises:
        InvalidInput: ``domain`` is empty or ``size`` is outside 16-32.
        InvalidType: ``canonicaliser`` is not callable.

    Example:
        >>> from gdprkit.pseudonymise import KeyRing, canonical
        >>> ring = KeyRing([("k1", bytes(32))])
        >>> ids = Pseudonymiser(ring, domain="customer-id", canonicaliser=canonical.exact)
        >>> mails = Pseudonymiser(ring, domain="email", canonicaliser=canonical.exact)
        >>> ids.token("42") == mails.token("42")
        False
    """

    __slots__ = (
        "_canon",
        "_decode",
        "_domain",
        "_encode",
        "_fast",
        "_keyring",
        "_macs",
        "_prefix",
        "_size",
    )

    def __init__(
        self,
        keyring: KeyRing,
        *,
        domain: str,
        canonicaliser: Canonicaliser,
        size: int = DEFAULT_TOKEN_BYTES,
    ) -> None:
        if not isinstance(keyring, KeyRing):
            raise InvalidType(f"keyring must be a KeyRing, got {type(keyring).__name__}")
        if not _nonempty_str(domain):
            raise InvalidInput("domain must be a non-empty string")
        if not callable(canonicaliser):
            raise InvalidType("canonicaliser must be a callable taking and returning a str")
        if type(size) is not int or not 16 <= size <= 32:
            raise InvalidInput("token size must be 16 to 32 bytes (128 to 256 bits)")
        self._keyring = keyring
        self._domain = domain
        self._canon = canonicaliser
        self._size = size
        self._encode = b32_encoder(size, source_size=32)  # takes the whole SHA-256 digest
        self._decode = b32_decoder(size)
        self._macs: dict[str, _KeyedMac] = {}
        self._prefix = f"{TOKEN_VERSION}.{keyring.active_id}."
        self._fast = _token_function(
            self._mac(keyring.active_id), canonicaliser, self._prefix, self._encode
        )

    @property
    def domain(self) -> str:
        """The pseudonymisation domain this object makes tokens for."""
        return self._domain

    @property
    def keyring(self) -> KeyRing:
        """The key ring (its repr shows key ids only)."""
        return self._keyring

    def _mac(self, key_id: str) -> _KeyedMac:
        mac = self._macs.get(key_id)
        if mac is None:
            sub_key = self._keyring.derive(f"token:{self._domain}", key_id=key_id)
            mac = self._macs[key_id] = _KeyedMac(sub_key)
        return mac

    def token(self, value: str) -> str:
        """Return the token of ``value`` under the active key.

        Raises:
            InvalidInput, InvalidType: the canonicaliser refuses the value.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> p = Pseudonymiser(KeyRing.generate(), domain="phone", canonicaliser=canonical.phone)
            >>> p.token("+49 30 1234") == p.token("+49-30-1234")
            True
        """
        return self._fast(value)

    def tokens(self, values: Iterable[str]) -> Iterator[str]:
        """Yield the token of each value lazily (the fast path for large inputs).

        Raises:
            InvalidInput, InvalidType: the canonicaliser refuses a value.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> p = Pseudonymiser(KeyRing.generate(), domain="t", canonicaliser=canonical.exact)
            >>> a, b, c = p.tokens(["x", "y", "x"])
            >>> a == c != b
            True
        """
        return map(self._fast, values)

    def key_id(self, token: str) -> str:
        """Return the key id a token was made with (without checking the token).

        Raises:
            InvalidInput: ``token`` is not a ``ps1`` token.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> ring = KeyRing.generate(key_id="k7")
            >>> Pseudonymiser(ring, domain="d", canonicaliser=canonical.exact).key_id(
            ...     "ps1.k7.aaaaaaaaaaaaaaaaaaaaaaaaaa")
            'k7'
        """
        return _split_token(token, TOKEN_VERSION)[0]

    def needs_rotation(self, token: str) -> bool:
        """Return whether ``token`` was made with a key other than the active one.

        Raises:
            InvalidInput: ``token`` is not a ``ps1`` token.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> ring = KeyRing.generate()
            >>> old = Pseudonymiser(ring, domain="d", canonicaliser=canonical.exact)
            >>> new = Pseudonymiser(ring.rotate(), domain="d", canonicaliser=canonical.exact)
            >>> new.needs_rotation(old.token("x"))
            True
        """
        return self.key_id(token) != self._keyring.active_id

    def matches(self, value: str, token: str) -> bool:
        """Return whether ``token`` is the token of ``value``, under whichever ring key made it.

        The comparison is constant-time (:func:`hmac.compare_digest`).

        Raises:
            InvalidInput: ``token`` is malformed (wrong version, length or alphabet), or the
                canonicaliser refuses ``value``.
            NotFound: the token's key id is not in the ring (the key was retired).

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> ring = KeyRing.generate()
            >>> old = Pseudonymiser(ring, domain="d", canonicaliser=canonical.exact).token("x")
            >>> rotated = Pseudonymiser(ring.rotate(), domain="d", canonicaliser=canonical.exact)
            >>> rotated.matches("x", old), rotated.matches("y", old)
            (True, False)
        """
        key_id, body = _split_token(token, TOKEN_VERSION)
        expected = self._decode(body)
        mac = self._mac(key_id)
        actual = mac.digest(self._canon(value).encode("utf-8"))[: self._size]
        return hmac.compare_digest(actual, expected)

    def rotate(self, tokens_with_originals: Iterable[tuple[str, str]]) -> Iterator[str]:
        """Re-tokenise under the active key, given ``(original value, old token)`` pairs.

        Each old token is verified against its original first, so a mixed-up pair cannot
        silently produce a token for the wrong person. Lazy: yields one new token per pair.

        Raises:
            IntegrityError: an old token is not the token of its original (the message gives
                the pair's position, not the values).
            NotFound: an old token's key is no longer in the ring.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> ring = KeyRing.generate()
            >>> old = Pseudonymiser(ring, domain="d", canonicaliser=canonical.exact)
            >>> new = Pseudonymiser(ring.rotate(), domain="d", canonicaliser=canonical.exact)
            >>> [t] = new.rotate([("x", old.token("x"))])
            >>> t == new.token("x") and new.key_id(t) == "k2"
            True
        """
        for index, (value, token) in enumerate(tokens_with_originals):
            if not self.matches(value, token):
                raise IntegrityError(
                    f"pair #{index}: the old token is not the token of its original value "
                    f"in domain {self._domain!r}"
                )
            yield self.token(value)

    def __repr__(self) -> str:
        return f"Pseudonymiser(domain={self._domain!r}, keyring={self._keyring!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType("Pseudonymiser cannot be pickled (it holds derived keys)")
