"""Leak and damage properties checked by an independent finder (tests/ip/_oracle.py).

Issue 17: every address a reader recognises is masked, in every context logs write (percent-
encoded, glued to words, after an ellipsis, zero-padded, in a zone id, after an ISO time, in
reverse DNS, in a path), and nothing around it changes.  The generator builds lines from parts
(``gdprkit.testing.strategies.addresses_in_context``); the finder that reads the output shares no
code with the masker, so a rule that stops seeing a context shows up here.
"""

from __future__ import annotations

import io

from _oracle import readable
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.ip import (
    CryptoPAnMasker,
    IPMasker,
    KeyedTokenMasker,
    TruncationMasker,
    mask_stream,
    mask_text,
)
from gdprkit.testing import strategies as gst
from gdprkit.testing._st_ip import NON_ADDRESSES

Case = tuple[str, int, int, str, int, int]

_MASKERS: tuple[IPMasker, ...] = (
    KeyedTokenMasker(bytes(range(32)), key_id="k1"),
    CryptoPAnMasker(bytes(range(32))),
    TruncationMasker.preset("ga"),
)


def _hides(value: int, family: int) -> bool:
    """Whether GA truncation changes this address (host bits not all zero)."""
    if family == 4:
        return bool(value & 0xFF) and bool(value >> 24)  # both readings of a quad
    return bool(value & ((1 << 80) - 1))


@given(gst.addresses_in_context(), st.sampled_from(_MASKERS))
def test_no_address_survives_in_any_context(case: Case, masker: IPMasker) -> None:
    text, family, value, _reading, _start, _end = case
    assert readable(text, family, value)  # the oracle sees what the generator wrote
    out = mask_text(text, masker)
    if not isinstance(masker, TruncationMasker) or _hides(value, family):
        assert not readable(out, family, value), out


@given(gst.addresses_in_context())
def test_nothing_around_the_address_changes(case: Case) -> None:
    text, _family, _value, _reading, start, end = case
    out = mask_text(text, _MASKERS[0])
    assert out[:start] == text[:start]
    assert out[len(out) - (len(text) - end) :] == text[end:]


@given(gst.addresses_in_context())
def test_log_files_in_any_format_hide_the_address(case: Case) -> None:
    # Format detection must never leave a field unscanned (class 6): whatever format is
    # detected for a file of such lines, the address is gone.
    text, family, value, _reading, _start, _end = case
    data = ((text + "\n") * 3).encode("latin-1")
    out = io.BytesIO()
    mask_stream(io.BytesIO(data), out, masker=_MASKERS[0])
    assert not readable(out.getvalue().decode("latin-1"), family, value)


@given(st.lists(st.sampled_from(NON_ADDRESSES), min_size=1, max_size=4))
def test_text_without_addresses_is_never_changed(pieces: list[str]) -> None:
    text = " ".join(pieces)
    for masker in _MASKERS:
        assert mask_text(text, masker) == text
