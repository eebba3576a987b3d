"""`negotiate_language`: RFC 9110 §12.5.4 quality values, RFC 4647 §3.4 lookup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.notice import available_languages, negotiate_language

OFFERED = ("en", "sq")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("sq-AL,sq;q=0.9,en;q=0.8", "sq"),  # the example
        ("de-DE,de;q=0.9", "en"),  # nothing offered: the default
        ("de;q=0.9,sq;q=0.5", "sq"),
        ("en;q=0.2,sq;q=0.8", "sq"),  # quality beats order
        ("sq;q=0.5,en;q=0.5", "sq"),  # a tie keeps header order
        ("sq;q=0,en", "en"),  # q=0 means "not acceptable"
        ("*", "en"),
        ("SQ-al", "sq"),  # tags are case-insensitive
        ("sq-Latn-AL", "sq"),  # lookup drops subtags from the end
        ("", "en"),
        (None, "en"),
        ("sq;q=2", "en"),  # an out-of-range quality is ignored
        ("@@@, sq", "sq"),  # a malformed part is skipped, not an error
    ],
)
def test_table(header: str | None, expected: str) -> None:
    assert negotiate_language(header, OFFERED) == expected


def test_default_is_configurable() -> None:
    assert negotiate_language("fr", OFFERED, default="sq") == "sq"


@given(st.text(max_size=200))
def test_any_header_gives_an_offered_language_or_the_default(header: str) -> None:
    assert negotiate_language(header, available_languages(), default="en") in {
        *available_languages(),
        "en",
    }
