"""Parsing and re-emitting textual forms, against the CPython and Go test-suite forms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.errors import InvalidAddress, InvalidType
from gdprkit.ip import IPAddress, format_ipv6, parse_address


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
