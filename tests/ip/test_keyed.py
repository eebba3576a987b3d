"""Keyed HMAC tokens and fixed redaction."""

from __future__ import annotations

import hmac
from hashlib import sha256

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidAddress, InvalidInput, InvalidType
from gdprkit.ip import KeyedTokenMasker, RedactionMasker, format_ipv4, mask_text

KEY = bytes(range(32))


def test_token_is_the_documented_hmac() -> None:
    # Recomputed with the standard library: HMAC-SHA256(key, domain || 0x04 || address bytes).
    expected = hmac.new(KEY, b"gdprkit.ip.hmac.v1\x00\x04" + bytes([192, 0, 2, 1]), sha256)
    masker = KeyedTokenMasker(KEY, key_id="k1")
    assert masker.apply("192.0.2.1") == "ip1-k1-" + expected.hexdigest()[:20]


def test_all_spellings_of_one_address_share_a_token() -> None:
    masker = KeyedTokenMasker(KEY, key_id="k1")
    spellings = ["2001:db8::1:0:0:1", "2001:DB8:0:0:1:0:0:1", "2001:0db8::0001:0:0:1"]
    assert len({masker.apply(s) for s in spellings}) == 1
    assert masker.apply("::ffff:192.0.2.1") == masker.apply("192.0.2.1")


def test_different_keys_and_ids() -> None:
    a = KeyedTokenMasker(KEY)
    b = KeyedTokenMasker(bytes(32))
    assert a.apply("192.0.2.1").split("-")[2] != b.apply("192.0.2.1").split("-")[2]
    assert a.key_id != b.key_id
    assert KEY.hex() not in repr(a)


def test_key_and_option_checks() -> None:
    with pytest.raises(InvalidInput):
        KeyedTokenMasker(b"short")
    with pytest.raises(InvalidType):
        KeyedTokenMasker("k" * 32)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        KeyedTokenMasker(KEY, digits=4)
    with pytest.raises(InvalidInput):
        KeyedTokenMasker(KEY, key_id="a:b")
    with pytest.raises(InvalidAddress):
        KeyedTokenMasker(KEY).apply("not an address")


@given(st.integers(0, 2**32 - 1))
def test_tokens_in_text_are_never_found_again(value: int) -> None:
    masker = KeyedTokenMasker(KEY, key_id="k1")
    once = mask_text(f"client {format_ipv4(value)} port 22", masker)
    assert mask_text(once, masker) == once
    assert format_ipv4(value) not in once


def test_redaction_default_keeps_family_and_port() -> None:
    masker = RedactionMasker()
    assert masker.apply("198.51.100.7") == "0.0.0.0"  # noqa: S104 - a value, not a bind
    assert masker.apply("[2001:db8::1]:443") == "[::]:443"
    assert masker.apply("::ffff:198.51.100.7") == "::ffff:0.0.0.0"
    assert masker.apply("fe80::1%eth0") == "::%eth0"


def test_redaction_marker() -> None:
    masker = RedactionMasker(replacement="[ip]")
    assert masker.apply("198.51.100.7:80") == "[ip]:80"
    with pytest.raises(InvalidInput):
        RedactionMasker(replacement="10.0.0.1")
    with pytest.raises(InvalidInput):
        RedactionMasker(replacement="")


def test_maskers_from_a_key_ring() -> None:
    from gdprkit.errors import NotFound
    from gdprkit.ip import CryptoPAnMasker, IPCryptNdx, IPCryptPfx
    from gdprkit.pseudonymise import KeyRing

    ring = KeyRing.generate(key_id="k1")
    token = KeyedTokenMasker.from_keyring(ring)
    assert token.key_id == "k1"
    assert token.apply("192.0.2.1").startswith("ip1-k1-")
    # Each method gets its own derived key: the same address maps independently.
    cp = CryptoPAnMasker.from_keyring(ring)
    pfx = IPCryptPfx.from_keyring(ring)
    assert cp.key_id == pfx.key_id == "k1"
    assert cp.apply("192.0.2.1") != pfx.apply("192.0.2.1")
    assert pfx.decrypt(pfx.apply("2001:db8::7")) == "2001:db8::7"
    ndx = IPCryptNdx.from_keyring(ring)
    assert ndx.decrypt(ndx.apply("192.0.2.1")) == "192.0.2.1"
    # Rotation: a masker for the new key differs, one for the old key still reproduces.
    rotated = ring.rotate(key_id="k2")
    assert KeyedTokenMasker.from_keyring(rotated).apply("192.0.2.1") != token.apply("192.0.2.1")
    assert KeyedTokenMasker.from_keyring(rotated, key_id="k1").apply("192.0.2.1") == token.apply(
        "192.0.2.1"
    )
    with pytest.raises(NotFound):
        CryptoPAnMasker.from_keyring(ring, key_id="nope")
