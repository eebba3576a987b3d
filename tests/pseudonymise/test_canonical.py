"""Canonicalisers: exactly the documented changes, nothing silent, errors without the value."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.pseudonymise import canonical
from gdprkit.testing import strategies as gst


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Ann@Shop.Example ", "Ann@shop.example"),
        ("a@b@C.example", "a@b@c.example"),  # quoted local parts may hold '@'; last one splits
        ("\tx@Y.example\n", "x@y.example"),
    ],
)
def test_email_lowercases_the_domain_only(raw: str, expected: str) -> None:
    assert canonical.email(raw) == expected
    assert canonical.email_lower(raw) == expected.lower()


@pytest.mark.parametrize("raw", ["", "ann", "@x.example", "ann@", "an n@x.example", 7])
def test_email_refuses_non_addresses_without_quoting_them(raw: object) -> None:
    with pytest.raises((InvalidInput, InvalidType)) as info:
        canonical.email(raw)  # type: ignore[arg-type]
    if isinstance(raw, str) and raw:
        assert raw not in str(info.value)


def test_email_domain() -> None:
    assert canonical.email_domain("Ann@Shop.EXAMPLE") == "shop.example"


@given(gst.email_addresses())
def test_email_canonicalisation_is_idempotent(address: str) -> None:
    once = canonical.email(address)
    assert canonical.email(once) == once
    assert canonical.email_lower(canonical.email_lower(address)) == canonical.email_lower(address)
    assert once.rpartition("@")[0] == address.rpartition("@")[0], "local part kept as written"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+49 (30) 1234-567", "+49301234567"),
        ("030/123.45", "03012345"),
        ("  0049 30 1 ", "0049301"),
        ("+1\u00a0555\u00a00100", "+15550100"),
    ],
)
def test_phone_keeps_digits_and_leading_plus(raw: str, expected: str) -> None:
    assert canonical.phone(raw) == expected


@pytest.mark.parametrize("raw", ["", "+", "call me", "12+34", "0800-FLOWERS", "１２３"])
def test_phone_refuses_letters_and_inner_plus(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        canonical.phone(raw)
    if raw.strip():
        assert raw not in str(info.value)


@given(gst.phone_numbers())
def test_phone_canonical_form_is_plus_and_digits(number: str) -> None:
    out = canonical.phone(number)
    assert out.lstrip("+").isdigit()
    assert out.startswith("+") == number.startswith("+")
    assert [c for c in out if c.isdigit()] == [c for c in number if c.isdigit()]
    assert canonical.phone(out) == out


@given(st.text())
def test_text_is_nfc_and_exact_is_identity(value: str) -> None:
    assert canonical.text(value) == unicodedata.normalize("NFC", value)
    assert canonical.exact(value) is value
    assert canonical.text(canonical.text(value)) == canonical.text(value)


def test_non_strings_are_refused() -> None:
    for func in (canonical.exact, canonical.text, canonical.phone, canonical.email_lower):
        with pytest.raises(InvalidType):
            func(b"x")  # type: ignore[arg-type]
