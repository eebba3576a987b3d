"""One value, one token string: decoders refuse every spelling the encoders do not write.

Issue 19, item 6: rs1 tokens with non-zero base64 pad bits, ps1 tokens in upper case or with a
variant of the last character, and ss1 blobs with characters outside the alphabet were accepted.
"""

from __future__ import annotations

import base64
import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import IntegrityError, InvalidInput, SubjectForgotten
from gdprkit.pseudonymise import (
    KeyRing,
    MemorySubjectKeyStore,
    Pseudonymiser,
    ReversiblePseudonymiser,
    SubjectKeys,
    canonical,
)

RING = KeyRing([("k1", bytes(range(32)))])
PS = Pseudonymiser(RING, domain="email", canonicaliser=canonical.exact)
RS = ReversiblePseudonymiser(RING, domain="email", canonicaliser=canonical.exact)
KEYS = SubjectKeys(RING, MemorySubjectKeyStore())
_B32 = "abcdefghijklmnopqrstuvwxyz234567"
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
values = st.text(min_size=1, max_size=40)


def _variants(text: str, alphabet: str) -> list[str]:
    """Every other spelling of ``text``'s last character, and the upper-case text."""
    head, last = text[:-1], text[-1]
    return [head + c for c in alphabet if c != last] + [text.upper()]


@given(value=values)
def test_a_ps1_token_has_one_spelling(value: str) -> None:
    token = PS.token(value)
    assert PS.matches(value, token)
    for other in _variants(token, _B32):
        if other == token:
            continue
        with contextlib.suppress(InvalidInput):  # refused, or a different token
            assert not PS.matches(value, other)


def test_an_upper_case_ps1_token_is_refused() -> None:
    token = PS.token("alice@example.com")
    prefix, key, body = token.split(".")
    with pytest.raises(InvalidInput, match="canonical"):
        PS.matches("alice@example.com", f"{prefix}.{key}.{body.upper()}")
    # 26 characters carry 130 bits for 128: a last character differing only in the two pad
    # bits decodes to the same bytes, and was accepted.
    last = _B32.index(body[-1])
    twin = body[:-1] + _B32[last ^ 1]
    with pytest.raises(InvalidInput, match="canonical"):
        PS.matches("alice@example.com", f"{prefix}.{key}.{twin}")


@given(value=values)
def test_an_rs1_token_has_one_spelling(value: str) -> None:
    token = RS.token(value)
    assert RS.reveal(token) == value
    accepted = set()
    for other in _variants(token, _B64URL):
        try:
            if RS.reveal(other) == value:
                accepted.add(other)
        except (InvalidInput, IntegrityError):
            pass
    assert accepted <= {token}


def test_rs1_pad_bits_are_checked() -> None:
    token = RS.token("bob@example.com")  # 16 + 15 bytes: the last character has 2 spare bits
    body = token.rsplit(".", 1)[1]
    assert len(body) % 4 in (2, 3)  # the last character has unused bits
    last = _B64URL.index(body[-1])
    twin = token[:-1] + _B64URL[last ^ 1]
    with pytest.raises(InvalidInput, match="canonical"):
        RS.reveal(twin)


@given(value=values, junk=st.sampled_from(["!!!", "=", " ", "\n", "*", "é", "+", "/"]),
       where=st.integers(0, 200))  # fmt: skip
def test_an_ss1_blob_has_one_spelling(value: str, junk: str, where: int) -> None:
    blob = KEYS.seal("c-1", value)
    assert KEYS.open("c-1", blob) == value
    cut = 4 + where % (len(blob) - 3)
    spoiled = blob[:cut] + junk + blob[cut:]
    with pytest.raises((InvalidInput, IntegrityError)):
        KEYS.open("c-1", spoiled)


def test_ss1_pad_bits_and_missing_padding_are_refused() -> None:
    blob = KEYS.seal("c-1", "x")
    body = blob[4:]
    raw = base64.urlsafe_b64decode(body)
    assert base64.urlsafe_b64encode(raw).decode() == body
    with pytest.raises(InvalidInput):
        KEYS.open("c-1", "ss1." + body.rstrip("="))
    stripped = body.rstrip("=")
    last = _B64URL.index(stripped[-1])
    twin = stripped[:-1] + _B64URL[last ^ 1] + body[len(stripped) :]
    with pytest.raises(InvalidInput, match="canonical"):
        KEYS.open("c-1", "ss1." + twin)
    KEYS.forget("c-1")
    with pytest.raises(SubjectForgotten):
        KEYS.open("c-1", blob)
