"""Parsing and re-emitting textual forms, against the CPython and Go test-suite forms."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.errors import InvalidAddress, InvalidType
from gdprkit.ip import IPAddress, TruncationMasker, format_ipv6, mask_text, parse_address
from gdprkit.ip.logs import mask_stream


def load_vectors(name: str) -> Any:
    """One of the vector files copied into tests/ip/vectors (each names its source)."""
    return json.loads((Path(__file__).parent / "vectors" / name).read_text(encoding="utf-8"))


# tests/ip/vectors/textual_forms.json: copied from the shared corpora; sources in the file.
FORMS = load_vectors("textual_forms.json")


@pytest.mark.parametrize("case", FORMS["valid"], ids=lambda c: c["input"])
def test_valid_forms_parse_to_the_sources_canonical_value(case: dict[str, str]) -> None:
    parsed = parse_address(case["input"])
    if case.get("canonical"):
        assert parsed.format() == case["canonical"]
    if case.get("equal_to"):
        assert parsed.value == parse_address(case["equal_to"]).value


@pytest.mark.parametrize("case", FORMS["invalid"], ids=lambda c: repr(c["input"]))
def test_invalid_forms_are_refused_without_echoing_the_text(case: dict[str, str]) -> None:
    with pytest.raises(InvalidAddress) as info:
        parse_address(case["input"])
    if len(case["input"]) > 3:
        assert case["input"] not in str(info.value)


@pytest.mark.parametrize("case", FORMS["addrport"], ids=lambda c: c["input"])
def test_address_with_port_is_canonical_like_go_netip(case: dict[str, str]) -> None:
    assert parse_address(case["input"]).format() == case["canonical"]


def test_overlong_ipv6_text_is_refused() -> None:
    # CPython refuses IPv6 text over 45 characters (DoS guard); the corpus entry is truncated.
    with pytest.raises(InvalidAddress):
        parse_address(":".join(["0"] * 4000))


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("0:0:0:0:0:0:0:1", "0:0:0:0:0:0:0:1"),
        ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:0DB8:0000:0000:0000:0000:0000:0001"),
        ("2001:DB8::1", "2001:DB8::1"),
        ("::FFFF:192.0.2.1", "::FFFF:192.0.2.1"),
        ("::ffff:c000:201", "::ffff:c000:201"),
        ("[fe80::1%eth0]:80", "[fe80::1%eth0]:80"),
    ],
)
def test_keep_form_reproduces_the_input_style(text: str, kept: str) -> None:
    assert parse_address(text).format(keep_form=True) == kept


def test_unbracketed_port_after_ipv6_is_not_an_address() -> None:
    # RFC 5952 section 6: a port needs brackets; '2001:db8::1:80' is one address.
    assert parse_address("2001:db8::1:80").port is None
    with pytest.raises(InvalidAddress):
        parse_address("0:0:0:0:0:0:0:0:2181")


@pytest.mark.parametrize(
    "text",
    ["[::1", "[::1]x", "[::1]:", "[::1]:65536", "[1.2.3.4]", "1.2.3.4%eth0", "::1%", "١.2.3.4"],
)
def test_malformed_brackets_ports_zones_are_refused(text: str) -> None:
    with pytest.raises(InvalidAddress):
        parse_address(text)


@pytest.mark.parametrize("zone", ["eth0", "en0", "lo0", "eth0.100", "wlan-1", "25", "br_lan"])
def test_interface_names_are_zones(zone: str) -> None:
    assert parse_address(f"fe80::1%{zone}").zone == zone


@pytest.mark.parametrize(
    "text",
    [
        "fe80::1%203.0.113.7",  # an IPv4 address where the interface name goes
        "fe80::1%2001:db8::7",  # an IPv6 address there
        "fe80::1%eth0,203.0.113.7",  # a list smuggled into the zone
        "fe80::1%eth0;x",
    ],
)
def test_a_zone_that_could_carry_an_address_is_refused(text: str) -> None:
    # The zone is kept verbatim when masking, so it must never be able to hold an address.
    with pytest.raises(InvalidAddress):
        parse_address(text)


def test_a_forged_zone_does_not_carry_an_address_through_masking() -> None:
    ga = TruncationMasker.preset("ga")
    assert mask_text("from fe80::1%203.0.113.7 now", ga) == "from fe80::%203.0.113.0 now"
    line = b'fe80::1%203.0.113.7 - - [17/May/2025:10:00:00 +0000] "GET / HTTP/1.1" 200 5\n'
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(line), out, masker=ga, format="combined")
    assert b"203.0.113.7" not in out.getvalue()
    assert summary.failed_total == 1  # the client field fails closed


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(InvalidType):
        parse_address(b"1.2.3.4")  # type: ignore[arg-type]


def test_repr_hides_the_value() -> None:
    text = repr(parse_address("198.51.100.77"))
    assert "198" not in text
    assert "77" not in text


def test_carries_ipv4() -> None:
    assert parse_address("::ffff:1.2.3.4").carries_ipv4
    assert parse_address("::1.2.3.4").carries_ipv4
    assert not parse_address("::102:304").carries_ipv4  # compatible only when written dotted
    assert not parse_address("64:ff9b::1.2.3.4").carries_ipv4


def test_with_value_checks_width() -> None:
    with pytest.raises(InvalidAddress):
        parse_address("1.2.3.4").with_value(1 << 32)
    assert isinstance(parse_address("::1").with_value(5), IPAddress)


def test_format_ipv6_compresses_first_longest_run() -> None:
    # RFC 5952 section 4.2.3: on a tie the first run is compressed.
    assert format_ipv6(0x20010DB8000000000001000000000001) == "2001:db8::1:0:0:1"
    assert format_ipv6(0x00010000000000010000000000010001) == "1::1:0:0:1:1"


def test_constructor_validates_port_and_zone() -> None:
    with pytest.raises(InvalidAddress):
        IPAddress(4, 1, port=70000)
    with pytest.raises(InvalidAddress):
        IPAddress(4, 1, zone="eth0")
    with pytest.raises(InvalidAddress):
        IPAddress(6, 1, zone="bad zone")
    assert IPAddress(6, 1, zone="eth0", port=80).format() == "[::1%eth0]:80"
