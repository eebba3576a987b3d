"""ipcrypt: every draft-denis-ipcrypt vector, decryption, prefix preservation, the AES core."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.ip import (
    IPCryptDeterministic,
    IPCryptNd,
    IPCryptNdx,
    IPCryptPfx,
    format_ipv4,
    format_ipv6,
    parse_address,
)
from gdprkit.ip.ipcrypt import _expand_key, _kiasu_decrypt, _kiasu_encrypt, _tweaked_round_keys

# ipcrypt_vectors.json: copied from the shared corpora (draft-denis-ipcrypt-13 appendix and the
# reference implementation's test_vectors.json); each vector carries its own source.
VECTORS: list[dict[str, Any]] = json.loads(
    (Path(__file__).parent / "vectors" / "ipcrypt_vectors.json").read_text(encoding="utf-8")
)["vectors"]

CLASSES: dict[str, Any] = {
    "ipcrypt-deterministic": IPCryptDeterministic,
    "ipcrypt-pfx": IPCryptPfx,
    "ipcrypt-nd": IPCryptNd,
    "ipcrypt-ndx": IPCryptNdx,
}


@pytest.mark.parametrize("vector", VECTORS, ids=lambda v: f"{v['variant']}-{v['ip']}")
def test_vector_and_its_decryption(vector: dict[str, Any]) -> None:
    masker = CLASSES[vector["variant"]](bytes.fromhex(vector["key"]))
    if "tweak" in vector:
        out = masker.encrypt(vector["ip"], tweak=bytes.fromhex(vector["tweak"]))
    else:
        out = masker.apply(vector["ip"])
    assert out == vector["output"]
    assert parse_address(masker.decrypt(out)).value == parse_address(vector["ip"]).value


def test_mapped_and_ipv4_encrypt_alike() -> None:
    # The draft: an IPv4 address and its IPv4-mapped form give the same output (checked in the
    # corpus: deterministic 192.0.2.1 and ::ffff:192.0.2.1 -> 1dbd:c1b9:...; pfx -> 100.115.72.131).
    det = IPCryptDeterministic(bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c"))
    assert det.apply("::ffff:192.0.2.1") == det.apply("192.0.2.1")
    pfx = IPCryptPfx(
        bytes.fromhex("0123456789abcdeffedcba98765432101032547698badcfeefcdab8967452301")
    )
    # gdprkit keeps the mapped form in the output.
    assert pfx.apply("::ffff:192.0.2.1") == "::ffff:100.115.72.131"
    assert pfx.decrypt("::ffff:100.115.72.131") == "::ffff:192.0.2.1"


def test_port_and_brackets_are_kept() -> None:
    pfx = IPCryptPfx(bytes(range(32)))
    out = pfx.apply("[2001:db8::1]:443")
    assert out.startswith("[")
    assert out.endswith("]:443")
    det = IPCryptDeterministic(bytes(16))
    assert det.apply("192.0.2.1:80").endswith("]:80")


def test_random_tweaks_are_unlinkable_and_uncached() -> None:
    nd = IPCryptNd(bytes(range(16)))
    tokens = {nd.apply("192.0.2.1") for _ in range(20)}
    assert len(tokens) == 20
    assert all(nd.decrypt(t) == "192.0.2.1" for t in tokens)
    ndx = IPCryptNdx(bytes(range(32)))
    assert ndx.apply("192.0.2.1") != ndx.apply("192.0.2.1")


def test_key_tweak_and_token_checks() -> None:
    with pytest.raises(InvalidInput):
        IPCryptPfx(bytes(16) * 2)  # equal halves are forbidden by the draft
    with pytest.raises(InvalidInput):
        IPCryptDeterministic(bytes(32))
    with pytest.raises(InvalidType):
        IPCryptNd("0" * 16)  # type: ignore[arg-type]
    nd = IPCryptNd(bytes(16))
    with pytest.raises(InvalidInput):
        nd.encrypt("1.2.3.4", tweak=bytes(7))
    with pytest.raises(InvalidInput):
        nd.decrypt("zz" * 24)
    with pytest.raises(InvalidInput):
        IPCryptNdx(bytes(range(32))).decrypt("00" * 24)


def test_repr_never_shows_the_key() -> None:
    key = bytes(range(32))
    for masker in (IPCryptPfx(key), IPCryptNdx(key), IPCryptNd(key[:16])):
        assert key.hex() not in repr(masker)
        assert key[:16].hex() not in repr(masker)


@given(st.binary(min_size=16, max_size=16), st.binary(min_size=16, max_size=16))
def test_aes_core_with_zero_tweak_is_aes128(key: bytes, block: bytes) -> None:
    reference = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(block)  # noqa: S305
    keys = _tweaked_round_keys(_expand_key(key), bytes(8))
    assert _kiasu_encrypt(keys, block) == reference
    assert _kiasu_decrypt(keys, reference) == block


_PFX = IPCryptPfx(bytes(range(32)))
_DET = IPCryptDeterministic(bytes(range(16)))
_ND = IPCryptNd(bytes(range(16)))
_NDX = IPCryptNdx(bytes(range(32)))


@given(
    st.one_of(
        st.integers(0, 2**32 - 1).map(format_ipv4), st.integers(0, 2**128 - 1).map(format_ipv6)
    )
)
def test_decrypt_inverts_encrypt(address: str) -> None:
    def carried(text: str) -> int:
        # An IPv4-mapped address and its IPv4 address are the same 16 bytes in ipcrypt
        # (draft-denis-ipcrypt); decrypt may give either form back.
        parsed = parse_address(text)
        return parsed.ipv4_value if parsed.carries_ipv4 else parsed.value

    for masker in (_PFX, _DET, _ND, _NDX):
        assert carried(masker.decrypt(masker.apply(address))) == carried(address)


@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.integers(0, 2**128 - 1))
def test_pfx_preserves_exactly_the_shared_prefix(a: int, shared: int, noise: int) -> None:
    mask = ((1 << 128) - 1) >> shared
    b = (a & ~mask) | (noise & mask)
    # Keep clear of ::ffff:0:0/96, which ipcrypt treats as IPv4.
    if (a >> 32) == 0xFFFF or (b >> 32) == 0xFFFF:
        return
    fa = parse_address(_PFX.apply(format_ipv6(a))).value
    fb = parse_address(_PFX.apply(format_ipv6(b))).value
    assert (fa ^ fb).bit_length() == (a ^ b).bit_length()
