"""Property tests over every textual form and method, using gdprkit.testing.strategies."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gdprkit.ip import (
    IPAddress,
    IPMasker,
    KeyedTokenMasker,
    RedactionMasker,
    TruncationMasker,
    find_addresses,
    mask_text,
    mask_text_counted,
    parse_address,
)
from gdprkit.testing import strategies as gst


@given(gst.ip_address_forms())
def test_every_form_parses_to_its_value(form: tuple[str, int, int]) -> None:
    text, family, value = form
    parsed = parse_address(text)
    carried = parsed.ipv4_value if parsed.carries_ipv4 else parsed.value
    assert (4 if parsed.carries_ipv4 else 6) == family
    assert carried == value


@given(gst.ip_address_forms())
def test_keep_form_reproduces_the_text(form: tuple[str, int, int]) -> None:
    text = form[0]
    assert parse_address(text).format(keep_form=True) == text


@given(gst.ip_address_forms())
def test_canonical_form_is_a_fixed_point(form: tuple[str, int, int]) -> None:
    canonical = parse_address(form[0]).format()
    assert parse_address(canonical).format() == canonical


@given(st.from_type(IPAddress))
def test_registered_type_strategy(address: IPAddress) -> None:
    assert parse_address(address.format()).value == address.value


@given(gst.ip_address_forms(ports=False, zones=False), st.integers(0, 32), st.integers(0, 128))
def test_truncation_keeps_the_network(form: tuple[str, int, int], v4: int, v6: int) -> None:
    text, family, value = form
    out = parse_address(TruncationMasker(ipv4_prefix=v4, ipv6_prefix=v6).apply(text))
    width, prefix = (32, v4) if family == 4 else (128, v6)
    masked = out.ipv4_value if family == 4 else out.value
    # 6to4 and Teredo carry an IPv4 address: their kept prefix is capped (see truncate.py).
    if family == 6 and value >> 112 == 0x2002:
        prefix = min(prefix, 16 + v4)
    elif family == 6 and value >> 96 == 0x20010000:
        prefix = min(prefix, 96 + v4)
    # Same network: the first `prefix` bits are unchanged, every host bit is zero.
    assert masked >> (width - prefix) == value >> (width - prefix)
    assert masked & ((1 << (width - prefix)) - 1) == 0


@given(gst.texts_with_addresses(), gst.ip_maskers())
def test_mask_text_replaces_exactly_the_addresses(
    case: tuple[str, tuple[tuple[int, int], ...]], masker: IPMasker
) -> None:
    text, spans = case
    expected = text
    for start, end in reversed(spans):
        expected = expected[:start] + masker.apply(text[start:end]) + expected[end:]
    assert mask_text(text, masker) == expected
    assert [(m.start, m.end) for m in find_addresses(text)] == list(spans)


@given(gst.texts_with_addresses())
def test_no_address_survives_a_token_masker(case: tuple[str, tuple[tuple[int, int], ...]]) -> None:
    text, spans = case
    for masker in (
        KeyedTokenMasker(bytes(range(32)), key_id="k1"),
        RedactionMasker(replacement="-"),
    ):
        out, v4, v6 = mask_text_counted(text, masker)
        assert v4 + v6 == len(spans)
        assert list(find_addresses(out)) == []


@given(gst.x_forwarded_for_values())
def test_x_forwarded_for_lists_are_fully_masked(header: str) -> None:
    out = mask_text(header, RedactionMasker(replacement="-"))
    assert set(out.replace(" ", "").split(",")) == {"-"}
