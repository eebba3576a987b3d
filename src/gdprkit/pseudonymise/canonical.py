"""Canonicalisers: the explicit, per-field rule that decides which spellings are "the same value".

A deterministic token is only useful if ``" Alice@Example.COM"`` and ``"alice@example.com"``
give the same token when the shop considers them the same person, and different tokens when it
does not. gdprkit never guesses: every :class:`~gdprkit.pseudonymise.Pseudonymiser` is given
one of these functions (or any ``Callable[[str], str]``), chosen per field.

Each canonicaliser raises :class:`~gdprkit.errors.InvalidInput` for a value it cannot bring into
form; the message names the expected form, never the value.

Example:
    >>> from gdprkit.pseudonymise import canonical
    >>> canonical.email(" Alice@Example.COM ")
    'Alice@example.com'
    >>> canonical.email_lower(" Alice@Example.COM ")
    'alice@example.com'
    >>> canonical.phone("+49 (30) 1234-567")
    '+49301234567'
    >>> canonical.text("Cafe\\u0301") == "Caf\\u00e9"
    True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from gdprkit.errors import InvalidInput, InvalidType

__all__ = ["Canonicaliser", "email", "email_domain", "email_lower", "exact", "phone", "text"]

#: Type of a canonicaliser: one string in, its canonical form out.
Canonicaliser = Callable[[str], str]


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidType(f"{what} must be a str, got {type(value).__name__}")
    return value


def exact(value: str) -> str:
    """Return ``value`` unchanged: byte-for-byte identity (customer numbers, UUIDs).

    Raises:
        InvalidType: ``value`` is not a str.

    Example:
        >>> exact(" A-17 ")
        ' A-17 '
    """
    return _require_str(value, "value")


def text(value: str) -> str:
    """Return the Unicode NFC form of ``value`` (composed accents); nothing else changes.

    Raises:
        InvalidType: ``value`` is not a str.

    Example:
        >>> text("e\\u0301") == "\\u00e9"
        True
    """
    return unicodedata.normalize("NFC", _require_str(value, "value"))


_HAS_SPACE = re.compile(r"\s").search


def _split_email(value: object) -> tuple[str, str]:
    raw = _require_str(value, "e-mail address").strip()
    local, sep, domain = raw.rpartition("@")
    if not sep or not local or not domain or _HAS_SPACE(raw):
        raise InvalidInput("expected an e-mail address of the form local@domain")
    return local, domain


def email(value: str) -> str:
    """Trim and lower-case the domain; keep the local part as written (RFC 5321 §2.4).

    The local part of an address is case-sensitive by the standard, although most mail
    providers ignore case; pick :func:`email_lower` when the shop treats it case-insensitively.

    Raises:
        InvalidType: ``value`` is not a str.
        InvalidInput: ``value`` is not of the form ``local@domain``.

    Example:
        >>> email("Bob@SHOP.example")
        'Bob@shop.example'
    """
    local, domain = _split_email(value)
    return f"{unicodedata.normalize('NFC', local)}@{domain.lower()}"


def email_lower(value: str) -> str:
    """Trim and lower-case the whole address (local part too).

    Raises:
        InvalidType: ``value`` is not a str.
        InvalidInput: ``value`` is not of the form ``local@domain``.

    Example:
        >>> email_lower("Bob@SHOP.example")
        'bob@shop.example'
    """
    local, domain = _split_email(value)
    return f"{unicodedata.normalize('NFC', local).lower()}@{domain.lower()}"


def email_domain(value: str) -> str:
    """Return only the lower-cased domain of an e-mail address (used by record policies).

    Raises:
        InvalidType: ``value`` is not a str.
        InvalidInput: ``value`` is not of the form ``local@domain``.

    Example:
        >>> email_domain("Bob@SHOP.example")
        'shop.example'
    """
    return _split_email(value)[1].lower()


_PHONE_SEPARATORS = frozenset(" -./()\u00a0")


def phone(value: str) -> str:
    """Keep the digits and a leading ``+``; drop spaces, dashes, dots, slashes and brackets.

    No country code is added or removed: ``030 1234`` and ``+49 30 1234`` stay different,
    because guessing a country would be a silent normalisation.

    Raises:
        InvalidType: ``value`` is not a str.
        InvalidInput: the value holds letters or other characters, or no digits at all.

    Example:
        >>> phone(" 030 / 123 45-6 ")
        '030123456'
    """
    raw = _require_str(value, "phone number").strip()
    plus = raw.startswith("+")
    digits = []
    for char in raw[1:] if plus else raw:
        if "0" <= char <= "9":
            digits.append(char)
        elif char not in _PHONE_SEPARATORS:
            raise InvalidInput(
                "expected a phone number of digits, an optional leading '+' and separators"
            )
    if not digits:
        raise InvalidInput("expected a phone number with at least one digit")
    return ("+" if plus else "") + "".join(digits)
