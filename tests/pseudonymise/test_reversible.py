"""Reversible tokens: RFC 5297 through the AES-SIV wrapper, round trips, tampering, domains."""

from __future__ import annotations

import base64
import json
import pickle
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import IntegrityError, InvalidInput, InvalidType, NotFound
from gdprkit.pseudonymise import KeyRing, ReversiblePseudonymiser, canonical
from gdprkit.pseudonymise.reversible import _Siv
from gdprkit.testing import strategies as gst

# RFC 5297 Appendix A.1/A.2 and OpenSSL's AES-SIV vectors, copied from
# ../shared/corpora/aes_siv_vectors.json (see vectors/SOURCES.md).
_SIV = json.loads((Path(__file__).parent / "vectors" / "rfc5297_aes_siv.json").read_text())[
    "vectors"
]


@pytest.mark.parametrize("vector", _SIV, ids=[v["id"] for v in _SIV])
def test_rfc5297_known_answers_through_the_siv_wrapper(vector: dict[str, object]) -> None:
    key = bytes.fromhex(str(vector["key"]))
    ad = [bytes.fromhex(str(c)) for c in vector["ad_components"]]  # type: ignore[attr-defined]
    plain = bytes.fromhex(str(vector["plaintext"]))
    expected = bytes.fromhex(str(vector["output_iv_concat_c"]))
    siv = _Siv(key)
    assert siv.seal(plain, ad) == expected
    assert siv.open(expected, ad) == plain
    tampered = bytes([expected[0] ^ 1]) + expected[1:]
    with pytest.raises(IntegrityError):
        siv.open(tampered, ad)


RING = KeyRing([("k1", bytes(range(32)))])


def _r(ring: KeyRing = RING, domain: str = "orders") -> ReversiblePseudonymiser:
    return ReversiblePseudonymiser(ring, domain=domain, canonicaliser=canonical.exact)


def test_token_is_aes_siv_under_the_documented_sub_key_with_domain_as_ad() -> None:
    # Independent computation with cryptography's AESSIV and the documented HKDF purpose.
    key = RING.derive("reversible:orders", length=64)
    sealed = AESSIV(key).encrypt(b"ann@shop.example", [b"orders"])
    body = base64.urlsafe_b64encode(sealed).decode().rstrip("=")
    assert _r().token("ann@shop.example") == f"rs1.k1.{body}"


@given(gst.key_rings(), st.text())
def test_round_trip_and_determinism(ring: KeyRing, value: str) -> None:
    r = _r(ring)
    token = r.token(value)
    assert token == r.token(value)
    assert token.startswith(f"rs1.{ring.active_id}.")
    assert r.reveal(token) == value


@given(gst.email_addresses())
def test_reveal_returns_the_canonical_form(address: str) -> None:
    r = ReversiblePseudonymiser(RING, domain="e", canonicaliser=canonical.email_lower)
    assert r.reveal(r.token(address.upper())) == canonical.email_lower(address)


@given(gst.key_rings(), st.text(), st.text(min_size=1), st.text(min_size=1))
def test_other_domain_cannot_reveal(ring: KeyRing, value: str, a: str, b: str) -> None:
    if a != b:
        token = _r(ring, a).token(value)
        assert token != _r(ring, b).token(value)
        with pytest.raises(IntegrityError):
            _r(ring, b).reveal(token)


@given(st.text(), st.data())
def test_any_flipped_bit_raises_integrity_error(value: str, data: st.DataObject) -> None:
    token = _r().token(value)
    body = token.split(".")[2]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    index = data.draw(st.integers(0, len(raw) - 1))
    bit = data.draw(st.integers(0, 7))
    flipped = raw[:index] + bytes([raw[index] ^ (1 << bit)]) + raw[index + 1 :]
    forged = "rs1.k1." + base64.urlsafe_b64encode(flipped).decode().rstrip("=")
    with pytest.raises(IntegrityError):
        _r().reveal(forged)


@given(gst.key_rings(), st.text())
def test_rotated_ring_still_reveals_old_tokens(ring: KeyRing, value: str) -> None:
    token = _r(ring).token(value)
    rotated = _r(ring.rotate(key_id="zz-new"))
    assert rotated.reveal(token) == value
    assert rotated.token(value).startswith("rs1.zz-new.")


def test_other_key_under_same_id_raises_integrity_error() -> None:
    token = _r().token("x")
    with pytest.raises(IntegrityError):
        _r(KeyRing([("k1", bytes(32))])).reveal(token)
    with pytest.raises(NotFound):
        _r(KeyRing.generate(key_id="k2")).reveal(token)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "rs1.k1",
        "ps1.k1.aaaa",
        "rs1.k1.!!!!",
        "rs1.k1.aaaaaaaa",
        "rs1.k1.a.b",
        "rs1.k1." + "A" * 30 + "==",
    ],
)
def test_malformed_tokens_raise_invalid_input(token: str) -> None:
    with pytest.raises(InvalidInput):
        _r().reveal(token)


def test_constructor_checks_and_no_pickling() -> None:
    with pytest.raises(InvalidInput):
        _r(domain="")
    with pytest.raises(InvalidType):
        ReversiblePseudonymiser(RING, domain="d", canonicaliser=None)  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        pickle.dumps(_r())
    assert "k1" in repr(_r())
    key = RING.derive("reversible:orders", length=64)
    assert key.hex() not in repr(_r())
    with pytest.raises(IntegrityError) as info:
        _r(domain="other").reveal(_r().token("ann@shop.example"))
    assert "ann" not in str(info.value)
