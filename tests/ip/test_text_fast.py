"""The fast text scan (candidate runs only) against the reference (one pass over all the text).

``_mask_plain`` runs the scanning pattern only on the runs of address characters around the
hits of a cheap superset pattern; ``_mask_plain_reference`` / ``_mask_text_reference`` run it
over the whole text.  They must agree byte for byte and count for count, in every version mode.
"""

from __future__ import annotations

import inspect

import pytest
import test_leak_classes
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.ip import KeyedTokenMasker, TruncationMasker
from gdprkit.ip import text as iptext
from gdprkit.ip.masking import IPMasker
from gdprkit.testing import strategies as gst

MODES = (iptext._NO_VERSIONS, iptext._VERSIONS, iptext._AGENT)


def _maskers() -> tuple[tuple[IPMasker, IPMasker], ...]:
    # Fresh maskers for each side, so that neither path reads the other's run cache.
    return (
        (TruncationMasker.preset("ga"), TruncationMasker.preset("ga")),
        (
            KeyedTokenMasker(bytes(range(32)), key_id="k1"),
            KeyedTokenMasker(bytes(range(32)), key_id="k1"),
        ),
    )


def _agree(text: str) -> None:
    for fast_masker, reference_masker in _maskers():
        for mode in MODES:
            fast = iptext._mask_plain(text, fast_masker, mode)
            reference = iptext._mask_plain_reference(text, reference_masker, mode)
            assert fast == reference, (text, mode)
            fast = iptext._mask_counted(text, fast_masker, mode)
            reference = iptext._mask_text_reference(text, reference_masker, mode)
            assert fast == reference, (text, mode)


def _leak_class_texts() -> list[str]:
    """Every string of the issue-17 leak and damage tables (tests/ip/test_leak_classes.py)."""
    found: list[str] = []
    for _name, function in inspect.getmembers(test_leak_classes, inspect.isfunction):
        for mark in getattr(function, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            for row in mark.args[1]:
                for value in row if isinstance(row, tuple) else (row,):
                    if isinstance(value, str):
                        found.append(value)
                    elif isinstance(value, bytes):
                        found.append(value.decode("latin-1"))
    return found


LEAK_TEXTS = _leak_class_texts()
# Separators that keep or break a run, and the contexts that reach across one (an agent key).
_JOINS = ("\n", " ", "", "-", ".", ":", "ua=", "user-agent:\n", "/", "(", "%20")


def test_the_leak_tables_are_collected() -> None:
    assert len(LEAK_TEXTS) > 50
    assert any("in-addr.arpa" in text for text in LEAK_TEXTS)


@pytest.mark.parametrize("text", LEAK_TEXTS)
def test_leak_class_rows_agree(text: str) -> None:
    _agree(text)
    _agree(f"x{text}\n{text} {text}")


@pytest.mark.parametrize("text", LEAK_TEXTS)
def test_leak_class_rows_agree_from_the_memo(text: str) -> None:
    # One masker for many texts, as in a log: later texts read runs memoised by earlier ones.
    fast_masker, reference_masker = TruncationMasker.preset("ga"), TruncationMasker.preset("ga")
    for mode in MODES:
        for piece in (text, f" {text} ", f"{text}\n{text}", "\n" + "\n".join(LEAK_TEXTS[:40])):
            fast = iptext._mask_plain(piece, fast_masker, mode)
            assert fast == iptext._mask_plain_reference(piece, reference_masker, mode), piece


@pytest.mark.parametrize(
    ("text", "changed"),
    [
        ("no address here, only words: Mozilla/5.0 at 10:00:00", False),  # no candidate hit
        ("", False),
        ("1.2.3.4.5 and 1.3.6.1.4.1.2021 and 1-2-3-4-5", False),  # hits, no match
        ("std::vector ab::cd() data[::2]", False),  # '::' hits, nothing masked
        ("cafe203.0.113.7", True),  # the run starts before the hit (walked back)
        ("ab-ip-203-0-113-7.example.net", True),  # a dashed hit inside a longer run
        ("203.0.113.7", True),  # a run at the very start and end of the text
        ("a 203.0.113.7 b 2001:db8::1 c 00:1a:2b:ff:fe:3c:4d:5e d", True),  # several runs
        ("ua=\nFoo/1.2.3.4", False),  # the agent key is on the previous line
        ("user-agent: x\n1:2:3:4:5:6:7:8", True),  # six colons, no '::'
    ],
)
def test_fast_path_branches(text: str, changed: bool) -> None:
    _agree(text)
    out = iptext._mask_plain(text, TruncationMasker.preset("ga"), iptext._VERSIONS)[0]
    assert (out != text) is changed


def test_runs_between_plain_edges_are_memoised() -> None:
    ga = TruncationMasker.preset("ga")
    text = (
        "203.0.113.7 x\n203.0.113.7 y,203.0.113.7/z Mozilla/5.0 Chrome/1.2.3.4"
        " ip-203-0-113-7.example"
    )
    expected = iptext._mask_plain_reference(text, TruncationMasker.preset("ga"), iptext._VERSIONS)
    assert expected[0].count("203.0.113.0") == 3
    assert "Chrome/1.2.3.4" in expected[0]
    assert iptext._mask_plain(text, ga, iptext._VERSIONS) == expected  # memo filled
    memo = iptext._SEGMENT_CACHES[ga][iptext._VERSIONS]
    # Only the runs between plain edges: not the one before '/', not the version after '/',
    # not the dashed name (glued to a word).
    assert set(memo) == {"203.0.113.7 ", "\n203.0.113.7 "}
    assert memo["\n203.0.113.7 "] == ("203.0.113.0", 1, 0)
    assert iptext._mask_plain(text, ga, iptext._VERSIONS) == expected  # memo read
    assert not iptext._SEGMENT_CACHES[ga][iptext._NO_VERSIONS]  # one memo per version mode
    assert "Chrome/1.2.3.0" in iptext._mask_plain(text, ga, iptext._NO_VERSIONS)[0]


@settings(max_examples=300)
@given(gst.texts_with_addresses())
def test_texts_with_addresses_agree(case: tuple[str, tuple[tuple[int, int], ...]]) -> None:
    _agree(case[0])


@settings(max_examples=300)
@given(st.lists(gst.addresses_in_context(), min_size=1, max_size=4), st.sampled_from(_JOINS))
def test_addresses_in_context_agree(
    cases: list[tuple[str, int, int, str, int, int]], join: str
) -> None:
    _agree(join.join(case[0] for case in cases))


@settings(max_examples=300)
@given(st.lists(gst.log_lines(), min_size=1, max_size=6))
def test_log_lines_agree(lines: list[tuple[str, bytes, tuple[str, ...]]]) -> None:
    _agree("\n".join(line[1].decode("latin-1") for line in lines))


@settings(max_examples=500)
@given(
    st.text(alphabet="0123456789abcdefABCDEF:.-/vVx_[]() \n\t=%\\\"'u", max_size=60),
    st.lists(st.sampled_from(LEAK_TEXTS), max_size=2),
)
def test_address_alphabet_soup_agrees(soup: str, rows: list[str]) -> None:
    # Random strings over the address characters and the ones the context rules look at.
    _agree(soup)
    _agree(soup.join(rows) if rows else soup)
