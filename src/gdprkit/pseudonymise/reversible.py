"""Reversible deterministic tokens: AES-SIV (RFC 5297) with the domain as associated data.

Use these only where the shop must re-identify (answering an access request on pseudonymised
analytics, a breach notification): the key is both the pseudonymisation secret and the recovery
secret (ENISA 2019 §5.1.5 and §5.4 [S208]), and under Recital 29 the additional
information must be kept separately, with named authorised persons (GDPR [S1]). Where no
re-identification is needed, prefer :class:`~gdprkit.pseudonymise.Pseudonymiser`.

Token format, version 1 (``rs1``)::

    rs1.<key id>.<base64url, unpadded, of SIV tag (16 bytes) || ciphertext>

with AES-256-SIV under ``HKDF-SHA-256(key, info="gdprkit/v1/reversible:" + domain)`` (64 bytes)
and the UTF-8 domain name as the single associated-data component. Being deterministic, the
same value gives the same token (joins work); the token is 16 bytes longer than the value and
reveals its length. Base64url (RFC 4648 §5) rather than the base32 of ``ps1`` tokens keeps these
longer tokens short; compare them case-sensitively.

Example:
    >>> from gdprkit.pseudonymise import KeyRing, ReversiblePseudonymiser, canonical
    >>> ring = KeyRing([("k1", bytes(32))])
    >>> orders = ReversiblePseudonymiser(ring, domain="order-email",
    ...                                  canonicaliser=canonical.email_lower)
    >>> token = orders.token("Alice@Example.com")
    >>> token.startswith("rs1.k1.")
    True
    >>> orders.reveal(token)
    'alice@example.com'
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from typing import Any, NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from gdprkit.errors import IntegrityError, InvalidInput, InvalidType
from gdprkit.pseudonymise.canonical import Canonicaliser
from gdprkit.pseudonymise.keyring import KeyRing
from gdprkit.pseudonymise.tokens import _nonempty_str, _split_token

__all__ = ["REVERSIBLE_TOKEN_VERSION", "ReversiblePseudonymiser"]

#: Version marker of the reversible token text form.
REVERSIBLE_TOKEN_VERSION = "rs1"  # noqa: S105 - a format marker

_SIV_KEY_BYTES = 64  # AES-256-SIV: two 256-bit keys (RFC 5297 §2.2, K1 || K2)


class _Siv:
    """Thin wrapper over one reused ``AESSIV`` object; tampering becomes IntegrityError."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        self._aead = AESSIV(key)

    def seal(self, plaintext: bytes, associated: Sequence[bytes]) -> bytes:
        return self._aead.encrypt(plaintext, list(associated))

    def open(self, sealed: bytes, associated: Sequence[bytes]) -> bytes:
        try:
            return self._aead.decrypt(sealed, list(associated))
        except InvalidTag:
            raise IntegrityError(
                "token failed authentication: it was altered, or belongs to another domain or key"
            ) from None

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType("AES-SIV keys cannot be pickled")


_TO_STANDARD = str.maketrans("-_", "+/")


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _decode(body: str) -> bytes:
    if "=" in body or "+" in body or "/" in body:
        raise InvalidInput("token body is not unpadded base64url")
    try:
        data = base64.b64decode(
            body.translate(_TO_STANDARD) + "=" * (-len(body) % 4), validate=True
        )
    except (binascii.Error, ValueError):
        raise InvalidInput("token body is not unpadded base64url") from None
    # Canonical: the unused low bits of the last character are zero, so one token has one
    # spelling (RFC 4648 §3.5 lets decoders refuse non-zero pad bits).
    if _encode(data) != body:
        raise InvalidInput("token body is not canonical base64url (non-zero pad bits)")
    return data


class ReversiblePseudonymiser:
    """Deterministic, authenticated, reversible tokens for one domain (AES-SIV).

    Args:
        keyring: the key ring; new tokens use its active key, older keys still reveal.
        domain: the pseudonymisation domain, bound to each token as associated data.
        canonicaliser: explicit rule for equal spellings (:mod:`gdprkit.pseudonymise.canonical`);
            :meth:`reveal` returns the canonical form.

    Raises:
        InvalidInput: ``domain`` is empty.
        InvalidType: ``keyring`` is not a KeyRing or ``canonicaliser`` is not callable.

    Example:
        >>> from gdprkit.pseudonymise import KeyRing, canonical
        >>> ring = KeyRing.generate()
        >>> a = ReversiblePseudonymiser(ring, domain="a", canonicaliser=canonical.exact)
        >>> b = ReversiblePseudonymiser(ring, domain="b", canonicaliser=canonical.exact)
        >>> b.reveal(a.token("x"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        gdprkit.errors.IntegrityError: token failed authentication: ... another domain or key
    """

    __slots__ = ("_ad", "_canon", "_ciphers", "_domain", "_keyring", "_prefix")

    def __init__(self, keyring: KeyRing, *, domain: str, canonicaliser: Canonicaliser) -> None:
        if not isinstance(keyring, KeyRing):
            raise InvalidType(f"keyring must be a KeyRing, got {type(keyring).__name__}")
        if not _nonempty_str(domain):
            raise InvalidInput("domain must be a non-empty string")
        if not callable(canonicaliser):
            raise InvalidType("canonicaliser must be a callable taking and returning a str")
        self._keyring = keyring
        self._domain = domain
        self._canon = canonicaliser
        self._ad = (domain.encode("utf-8"),)
        self._ciphers: dict[str, _Siv] = {}
        self._prefix = f"{REVERSIBLE_TOKEN_VERSION}.{keyring.active_id}."

    @property
    def domain(self) -> str:
        """The pseudonymisation domain (also the associated data of every token)."""
        return self._domain

    def _cipher(self, key_id: str) -> _Siv:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            sub_key = self._keyring.derive(
                f"reversible:{self._domain}", key_id=key_id, length=_SIV_KEY_BYTES
            )
            cipher = self._ciphers[key_id] = _Siv(sub_key)
        return cipher

    def token(self, value: str) -> str:
        """Return the reversible token of ``value`` under the active key.

        Raises:
            InvalidInput, InvalidType: the canonicaliser refuses the value.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> p = ReversiblePseudonymiser(KeyRing.generate(), domain="d",
            ...                             canonicaliser=canonical.exact)
            >>> p.token("x") == p.token("x")
            True
        """
        cipher = self._cipher(self._keyring.active_id)
        sealed = cipher.seal(self._canon(value).encode("utf-8"), self._ad)
        return self._prefix + _encode(sealed)

    def reveal(self, token: str) -> str:
        """Return the canonical value inside ``token`` (with whichever ring key made it).

        Raises:
            InvalidInput: ``token`` is not an ``rs1`` token.
            IntegrityError: the token was altered or belongs to another domain or key.
            NotFound: the token's key id is not in the ring.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing, canonical
            >>> ring = KeyRing.generate()
            >>> old = ReversiblePseudonymiser(ring, domain="d", canonicaliser=canonical.exact)
            >>> t = old.token("x")
            >>> ReversiblePseudonymiser(ring.rotate(), domain="d",
            ...                         canonicaliser=canonical.exact).reveal(t)
            'x'
        """
        key_id, body = _split_token(token, REVERSIBLE_TOKEN_VERSION)
        sealed = _decode(body)
        if len(sealed) < 16:
            raise InvalidInput("token body is shorter than an AES-SIV tag")
        plain = self._cipher(key_id).open(sealed, self._ad)
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError:  # only possible if the key itself was misused elsewhere
            raise IntegrityError("token decrypted to bytes that are not UTF-8") from None

    def __repr__(self) -> str:
        return f"ReversiblePseudonymiser(domain={self._domain!r}, keyring={self._keyring!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType("ReversiblePseudonymiser cannot be pickled (it holds derived keys)")
