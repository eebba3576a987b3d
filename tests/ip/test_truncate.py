"""Truncation presets and explicit prefixes, against the anonip and anonymize-ip vectors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.errors import InvalidAddress, InvalidInput
from gdprkit.ip import PRESETS, TruncationMasker, mask_prefix, mask_text


def load_vectors(name: str) -> Any:
    """One of the vector files copied into tests/ip/vectors (each names its source)."""
    return json.loads((Path(__file__).parent / "vectors" / name).read_text(encoding="utf-8"))


# tests/ip/vectors/truncation.json: copied from the shared corpora; sources in the file.
VECTORS = load_vectors("truncation.json")


def _anonip_cases() -> list[dict[str, Any]]:
    return [c for c in VECTORS["anonip"] if "ipv4_host_bits_cleared" in c and "increment" not in c]


@pytest.mark.parametrize("case", _anonip_cases(), ids=lambda c: c["input"])
def test_anonip_vectors(case: dict[str, Any]) -> None:
    # anonip masks one log column; its vectors include stray brackets and non-addresses around
    # the address, which is exactly what mask_text keeps unchanged.
    masker = TruncationMasker(
        ipv4_prefix=32 - case["ipv4_host_bits_cleared"],
        ipv6_prefix=128 - case["ipv6_host_bits_cleared"],
    )
    assert mask_text(case["input"], masker) == case["expected"]


def test_anonip_defaults_are_the_anonip_preset() -> None:
    # anonip test_column: default masks 12/84 host bits.
    case = next(c for c in VECTORS["anonip"] if "columns" in c)
    assert mask_text(case["input"], TruncationMasker.preset("anonip")) == case["expected"]
    lines = next(c for c in VECTORS["anonip"] if "input_lines" in c)
    masker = TruncationMasker.preset("anonip")
    for line, expected in zip(lines["input_lines"], lines["expected_lines"], strict=True):
        if line.strip():
            assert masker.apply(line) == expected


def _netmask_prefix(mask: str) -> int:
    import ipaddress

    return bin(int(ipaddress.ip_address(mask))).count("1")  # contiguous masks only here


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in VECTORS["anonymize_ip"]
        if isinstance(c["input"], str) and not c["expected"].startswith("ValueError")
    ],
    ids=lambda c: c["input"],
)
def test_anonymize_ip_vectors(case: dict[str, Any]) -> None:
    v4 = case.get("ipv4_mask", "default")
    v6 = case.get("ipv6_mask", "default")
    v4_prefix = 24 if "default" in v4 else _netmask_prefix(v4.split()[0])
    v6_prefix = 64 if "default" in v6 else _netmask_prefix(v6.split()[0])
    assert (
        mask_prefix(case["input"], ipv4_prefix=v4_prefix, ipv6_prefix=v6_prefix) == case["expected"]
    )


def test_ga_preset_zeroes_last_octet_and_last_80_bits() -> None:
    # FACTS §6 [S66]: "sets the last octet of IPv4 ... and the last 80 bits of IPv6" to zero.
    ga = TruncationMasker.preset("ga")
    assert ga.apply("255.255.255.255") == "255.255.255.0"
    assert ga.apply("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == "ffff:ffff:ffff::"


@pytest.mark.parametrize(
    ("preset", "v4", "v6"),
    [
        # FACTS §6 [S70]: 255.255.255.255 -> 255.255.255.0 / 255.255.0.0 / 255.0.0.0.
        # FACTS §6 [S72]: IPv6 "1 byte" keeps /64, "2 bytes" zeros 80 bits, "3 bytes" 104 bits.
        ("matomo1", "255.255.255.0", "ffff:ffff:ffff:ffff::"),
        ("matomo2", "255.255.0.0", "ffff:ffff:ffff::"),
        ("matomo3", "255.0.0.0", "ffff:ff00::"),
    ],
)
def test_matomo_presets(preset: str, v4: str, v6: str) -> None:
    masker = TruncationMasker.preset(preset)
    assert masker.apply("255.255.255.255") == v4
    assert masker.apply("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == v6
    # FACTS §6 [S72]: IPv4-mapped IPv6 addresses are masked byte-wise like IPv4.
    assert masker.apply("::ffff:255.255.255.255") == f"::ffff:{v4}"


def test_preset_table() -> None:
    assert {n: (p.ipv4_prefix, p.ipv6_prefix) for n, p in PRESETS.items()} == {
        "ga": (24, 48),
        "matomo1": (24, 64),
        "matomo2": (16, 48),
        "matomo3": (8, 24),
        "anonip": (20, 44),
    }


def test_unknown_preset_and_bad_prefix() -> None:
    with pytest.raises(InvalidInput):
        TruncationMasker.preset("anonymise")
    with pytest.raises(InvalidInput):
        TruncationMasker(ipv4_prefix=33, ipv6_prefix=48)
    with pytest.raises(InvalidInput):
        TruncationMasker(ipv4_prefix=True, ipv6_prefix=48)  # type: ignore[arg-type]


def test_non_address_raises() -> None:
    with pytest.raises(InvalidAddress):
        TruncationMasker.preset("ga").apply("no_ip_address")


def test_embedded_ipv4_transition_formats_are_capped() -> None:
    ga = TruncationMasker.preset("ga")
    # 6to4 2002:AABB:CCDD::/48 carries IPv4 AA.BB.CC.DD: its last octet must go too.
    assert ga.apply("2002:ac1d:2d64::1") == "2002:ac1d:2d00::"
    # Teredo keeps the /48 (server part) under GA; a long prefix is capped at 96 + 24 bits.
    long = TruncationMasker(ipv4_prefix=24, ipv6_prefix=128)
    assert (
        long.apply("2001:0:4136:e378:8000:63bf:3fff:fdd2") == "2001:0:4136:e378:8000:63bf:3fff:fd00"
    )


def test_skip_leaves_chosen_ranges() -> None:
    from gdprkit.ip import INTERNAL_RANGES

    masker = TruncationMasker.preset("ga", skip=INTERNAL_RANGES)
    assert masker.apply("192.168.100.200") == "192.168.100.200"  # anonip test_private
    assert masker.apply("127.0.0.1") == "127.0.0.1"
    assert masker.apply("::ffff:10.1.2.3") == "::ffff:10.1.2.3"
    assert masker.apply("100.64.1.1") == "100.64.1.0"  # CGNAT is not internal
    with pytest.raises(InvalidInput):
        TruncationMasker.preset("ga", skip=["lan"])  # type: ignore[list-item]


def test_repr_names_method_only() -> None:
    assert repr(TruncationMasker.preset("ga")) == "TruncationMasker(name='ga', key_id=None)"


@pytest.mark.parametrize("value", [None, 3232235777, b"1.2.3.4", ["1.2.3.4"]])
def test_non_string_address_is_a_type_error(value: object) -> None:
    from gdprkit.errors import InvalidType

    with pytest.raises(InvalidType):
        TruncationMasker.preset("ga").apply(value)  # type: ignore[arg-type]


def test_a_full_cache_stays_bounded_and_correct() -> None:
    # Past its size the cache starts a new generation; results never change and memory stays
    # bounded (a day's log may hold far more distinct clients than the cache).
    small = TruncationMasker.preset("ga", cache_size=4)
    fresh = TruncationMasker.preset("ga", cache_size=0)
    addresses = [f"198.51.100.{i}" for i in range(20)] + [f"2001:db8::{i:x}" for i in range(20)]
    for address in addresses * 2:
        assert small.apply(address) == fresh.apply(address)
        assert len(small._cache) <= 4
