"""Keyed tokens: RFC 4231 through the HMAC path, the ps1 format, determinism, rotation, no leaks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import IntegrityError, InvalidInput, InvalidType, NotFound
from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
from gdprkit.pseudonymise._base32 import b32_decoder, b32_encoder
from gdprkit.pseudonymise.tokens import _KeyedMac
from gdprkit.testing import strategies as gst

# RFC 4231 §4.2-4.8, copied from ../shared/corpora/hmac_sha256_vectors.json (see vectors/).
_RFC4231 = json.loads((Path(__file__).parent / "vectors" / "rfc4231_hmac_sha256.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", _RFC4231, ids=[v["section"] for v in _RFC4231])
def test_rfc4231_through_the_keyed_mac(vector: dict[str, object]) -> None:
    key = bytes.fromhex(str(vector["key_hex"]))
    data = bytes.fromhex(str(vector["data_hex"]))
    expected = bytes.fromhex(str(vector["hmac_sha256_hex"]))
    digest = _KeyedMac(key).digest(data)
    # Test case 5 is truncated to 128 bits by the RFC, exactly as tokens truncate.
    assert digest[: len(expected)] == expected


@given(st.binary(min_size=0, max_size=200), st.binary(max_size=300))
def test_keyed_mac_equals_stdlib_hmac(key: bytes, data: bytes) -> None:
    assert _KeyedMac(key).digest(data) == hmac.new(key, data, hashlib.sha256).digest()


@given(st.integers(min_value=16, max_value=40), st.data())
def test_base32_codec_matches_rfc4648(size: int, data: st.DataObject) -> None:
    raw = data.draw(st.binary(min_size=size, max_size=size))
    text = b32_encoder(size)(raw)
    assert text == base64.b32encode(raw).decode().rstrip("=").lower()
    assert b32_decoder(size)(text) == raw
    if text.upper() != text:  # one value, one spelling: upper case is refused (issue 19)
        with pytest.raises(InvalidInput, match="canonical"):
            b32_decoder(size)(text.upper())


@given(st.integers(min_value=16, max_value=32), st.binary(min_size=32, max_size=32))
def test_base32_of_a_digest_prefix_matches_rfc4648(size: int, digest: bytes) -> None:
    expected = base64.b32encode(digest[:size]).decode().rstrip("=").lower()
    assert b32_encoder(size, source_size=32)(digest) == expected


def test_base32_decoder_refuses_bad_text() -> None:
    decode = b32_decoder(16)
    with pytest.raises(InvalidInput):
        decode("a" * 25)
    with pytest.raises(InvalidInput):
        decode("1" * 26)


RING = KeyRing([("k1", bytes(range(32)))])


def _p(ring: KeyRing = RING, domain: str = "email", **kw: object) -> Pseudonymiser:
    return Pseudonymiser(ring, domain=domain, canonicaliser=canonical.exact, **kw)  # type: ignore[arg-type]


def test_token_is_documented_hmac_of_hkdf_sub_key() -> None:
    # Independent computation with stdlib hmac and the ring's documented HKDF derivation.
    sub_key = RING.derive("token:email")
    digest = hmac.new(sub_key, b"ann@shop.example", hashlib.sha256).digest()[:16]
    body = base64.b32encode(digest).decode().rstrip("=").lower()
    assert _p().token("ann@shop.example") == f"ps1.k1.{body}"


@pytest.mark.parametrize("size", [16, 20, 32])
def test_token_size_sets_the_truncation(size: int) -> None:
    token = _p(size=size).token("x")
    body = token.split(".")[2]
    assert len(body) == -(-size * 8 // 5)
    assert _p(size=size).matches("x", token)


@pytest.mark.parametrize("size", [8, 15, 33, True])
def test_token_size_outside_128_to_256_bits_is_refused(size: int) -> None:
    with pytest.raises(InvalidInput):
        _p(size=size)


def test_constructor_checks() -> None:
    with pytest.raises(InvalidInput):
        _p(domain="")
    with pytest.raises(InvalidType):
        Pseudonymiser("ring", domain="d", canonicaliser=canonical.exact)  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        Pseudonymiser(RING, domain="d", canonicaliser="exact")  # type: ignore[arg-type]


@given(gst.key_rings(), st.text())
def test_tokens_are_deterministic_and_verify(ring: KeyRing, value: str) -> None:
    p = _p(ring)
    token = p.token(value)
    assert token == _p(ring).token(value)
    assert token.startswith(f"ps1.{ring.active_id}.")
    assert p.matches(value, token)
    assert list(p.tokens([value, value])) == [token, token]


@given(gst.key_rings(), st.text(), st.text(min_size=1), st.text(min_size=1))
def test_different_domains_give_different_tokens(ring: KeyRing, value: str, a: str, b: str) -> None:
    if a != b:
        assert _p(ring, a).token(value) != _p(ring, b).token(value)


@given(gst.key_rings(min_keys=2), st.text())
def test_different_keys_give_different_tokens(ring: KeyRing, value: str) -> None:
    other = next(k for k in ring.ids if k != ring.active_id)
    a = _p(ring).token(value)
    b = _p(KeyRing([(other, _material(ring, other))])).token(value)
    assert a.split(".")[2] != b.split(".")[2]


def _material(ring: KeyRing, key_id: str) -> bytes:
    doc = json.loads(ring.to_secret_json())
    return next(base64.b64decode(e["key"]) for e in doc["keys"] if e["id"] == key_id)


@given(st.text(), st.text())
def test_distinct_values_give_distinct_tokens(a: str, b: str) -> None:
    if a != b:
        assert _p().token(a) != _p().token(b)
        assert not _p().matches(b, _p().token(a))


@given(gst.key_rings(), st.lists(st.text(), min_size=1, max_size=5))
def test_rotation_keeps_matches_and_moves_to_the_active_key(
    ring: KeyRing, values: list[str]
) -> None:
    old = _p(ring)
    old_tokens = [old.token(v) for v in values]
    new = _p(ring.rotate(key_id="zz-new"))
    assert all(new.matches(v, t) for v, t in zip(values, old_tokens, strict=True))
    assert all(new.needs_rotation(t) for t in old_tokens)
    rotated = list(new.rotate(zip(values, old_tokens, strict=True)))
    assert rotated == [new.token(v) for v in values]
    assert all(new.key_id(t) == "zz-new" for t in rotated)
    assert all(new.matches(v, t) for v, t in zip(values, rotated, strict=True))
    assert not any(new.needs_rotation(t) for t in rotated)


def test_rotate_refuses_mixed_up_pairs_without_naming_values() -> None:
    p = _p()
    pairs = [("alice@x.example", p.token("alice@x.example")), ("bob@x.example", p.token("x"))]
    out = p.rotate(pairs)
    assert next(out) == p.token("alice@x.example")
    with pytest.raises(IntegrityError, match="pair #1") as info:
        next(out)
    assert "bob" not in str(info.value)


def test_retired_key_raises_not_found() -> None:
    token = _p().token("x")
    with pytest.raises(NotFound):
        _p(KeyRing.generate(key_id="k2")).matches("x", token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "ps1.k1",
        "ps2.k1.aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ps1.k1.aaaa",
        "ps1.k1.0000000000000000000000000!",
    ],
)
def test_malformed_tokens_raise_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        _p().matches("x", token)
    with pytest.raises(InvalidType):
        _p().matches("x", 17)  # type: ignore[arg-type]


def test_canonicaliser_decides_equality() -> None:
    ring = KeyRing.generate()
    exact = Pseudonymiser(ring, domain="e", canonicaliser=canonical.exact)
    lower = Pseudonymiser(ring, domain="e", canonicaliser=canonical.email_lower)
    assert exact.token("Ann@X.example") != exact.token("ann@x.example")
    assert lower.token(" Ann@X.example") == lower.token("ann@x.example")
    assert lower.matches("ANN@x.EXAMPLE", lower.token("ann@x.example"))


@given(gst.email_addresses())
def test_email_tokens_ignore_domain_case_only(address: str) -> None:
    p = Pseudonymiser(RING, domain="e", canonicaliser=canonical.email)
    local, _, domain = address.rpartition("@")
    assert p.token(f"  {local}@{domain.upper()} ") == p.token(address)
    if local.lower() != local:
        assert p.token(f"{local.lower()}@{domain}") != p.token(address)


@given(gst.phone_numbers())
def test_phone_tokens_ignore_formatting(number: str) -> None:
    p = Pseudonymiser(RING, domain="phone", canonicaliser=canonical.phone)
    assert p.token(number) == p.token(canonical.phone(number))


@given(gst.key_rings(), st.text(min_size=1))
def test_no_key_bytes_or_value_in_reprs_and_errors(ring: KeyRing, value: str) -> None:
    value = "personal-" + value
    p = _p(ring)
    doc = json.loads(ring.to_secret_json())
    secrets_ = [base64.b64decode(e["key"]) for e in doc["keys"]]
    texts = [repr(p), str(p)]
    with pytest.raises(InvalidType) as pickled:
        pickle.dumps(p)
    texts.append(str(pickled.value))
    with pytest.raises(IntegrityError) as mixed:
        list(p.rotate([(value, p.token(value + "x"))]))
    texts.append(str(mixed.value))
    for secret in secrets_:
        for sub in (secret, ring.derive("token:email")):
            assert all(
                sub.hex() not in t and base64.b64encode(sub).decode() not in t for t in texts
            )
    assert all(value not in t for t in texts)


@given(gst.pseudonym_tokens(keyring=RING, domain="email"))
def test_strategy_tokens_parse(token: str) -> None:
    assert _p().key_id(token) == "k1"
