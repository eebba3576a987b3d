"""Crypto-PAn against every reference vector, the sample trace, and its prefix property."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.ip import CryptoPAnMasker, format_ipv4, format_ipv6, parse_address

VECTORS = Path(__file__).parent / "vectors"

# cryptopan_vectors.tsv: copied from the shared corpora; the 'source' column names each row's
# origin (Crypto-PAn 1.0 C++ sample trace, Yawning/cryptopan, Sappan.CryptoPAn, libanon,
# yacryptopan, pwood/cryptopan, Perl IP::Anonymous, pycryptopan, JunjieChou/CryptoPAn).
with (VECTORS / "cryptopan_vectors.tsv").open(encoding="utf-8", newline="") as handle:
    ROWS = list(csv.DictReader(handle, delimiter="\t"))

_MASKERS: dict[tuple[str, bool], CryptoPAnMasker] = {}


def _masker(key_hex: str, *, embedded_ipv4: bool = True) -> CryptoPAnMasker:
    if (key_hex, embedded_ipv4) not in _MASKERS:
        _MASKERS[key_hex, embedded_ipv4] = CryptoPAnMasker(
            bytes.fromhex(key_hex), embedded_ipv4=embedded_ipv4
        )
    return _MASKERS[key_hex, embedded_ipv4]


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"{r['family']}-{r['input']}")
def test_reference_vectors(row: dict[str, str]) -> None:
    # yacryptopan (source of the ::ffff:192.0.2.128 row) maps IPv4-mapped addresses over all
    # 128 bits; gdprkit's default maps the IPv4 inside, so that row runs with embedded_ipv4=False.
    masker = _masker(row["key_hex"], embedded_ipv4=False)
    out = masker.apply(row["input"])
    assert parse_address(out).value == parse_address(row["expected_output"]).value
    assert out == parse_address(row["expected_output"]).format()


def test_sample_trace_line_by_line() -> None:
    lines = (VECTORS / "cryptopan_sample_trace.tsv").read_text(encoding="utf-8").splitlines()
    pairs = [line.split("\t") for line in lines if not line.startswith("#")]
    assert len(pairs) == 100
    masker = _masker("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202")
    for raw, sanitized in pairs:
        assert masker.apply(raw) == sanitized


def test_mapped_addresses_use_the_ipv4_mapping_by_default() -> None:
    key = "8009ab3a605435bea0c385bea18485d8b0a1103d6590bdf48c968be5de53836e"
    masker = _masker(key)
    v4 = masker.apply("192.0.2.128")
    assert masker.apply("::ffff:192.0.2.128") == f"::ffff:{v4}"
    assert masker.apply("::FFFF:c000:280") == f"::ffff:{v4}"


def test_key_checks_and_repr() -> None:
    with pytest.raises(InvalidInput) as info:
        CryptoPAnMasker(b"short")
    assert "short" not in str(info.value)
    with pytest.raises(InvalidType):
        CryptoPAnMasker("x" * 32)  # type: ignore[arg-type]
    key = bytes(range(32))
    masker = CryptoPAnMasker(key)
    assert key.hex() not in repr(masker)
    assert masker.key_id is not None
    assert masker.key_id == CryptoPAnMasker(key).key_id != CryptoPAnMasker(bytes(32)).key_id


def _common_prefix(a: int, b: int, width: int) -> int:
    diff = a ^ b
    return width - diff.bit_length()


_KEY = bytes(range(32))


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_prefix_preserving_ipv4(a: int, b: int) -> None:
    masker = _masker(_KEY.hex())
    fa = parse_address(masker.apply(format_ipv4(a))).value
    fb = parse_address(masker.apply(format_ipv4(b))).value
    assert _common_prefix(fa, fb, 32) == _common_prefix(a, b, 32)


@given(st.integers(0, 2**128 - 1), st.integers(0, 128), st.integers(0, 2**128 - 1))
def test_prefix_preserving_ipv6_shares_exactly_the_common_prefix(
    a: int, shared: int, noise: int
) -> None:
    # b shares at least `shared` leading bits with a (often exactly, by the random noise).
    mask = ((1 << 128) - 1) >> shared
    b = (a & ~mask) | (noise & mask)
    masker = _masker(_KEY.hex(), embedded_ipv4=False)
    fa = parse_address(masker.apply(format_ipv6(a))).value
    fb = parse_address(masker.apply(format_ipv6(b))).value
    assert _common_prefix(fa, fb, 128) == _common_prefix(a, b, 128)


def test_level_caches_agree_with_a_fresh_masker() -> None:
    # The per-level caches must never change a result: a warm masker (sharing prefixes) and a
    # cold one per address give the same output.
    key = bytes(range(32))
    warm = CryptoPAnMasker(key, cache_size=0)
    addresses = [f"10.{i % 3}.{i % 7}.{i}" for i in range(200)] + [
        f"2001:db8:{i % 5:x}::{i:x}" for i in range(100)
    ]
    for address in addresses:
        assert warm.apply(address) == CryptoPAnMasker(key, cache_size=0).apply(address)
