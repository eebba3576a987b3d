"""Choosing the notice language from an HTTP ``Accept-Language`` header (RFC 9110 §12.5.4)."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["negotiate_language"]

_RANGE = re.compile(
    r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$"
)


def _quality(text: str | None) -> float:
    if text is None:
        return 1.0
    try:
        value = float(text)
    except ValueError:
        return 0.0
    # RFC 9110 §12.4.2: qvalues lie between 0 and 1 with at most three decimals.
    return value if 0.0 <= value <= 1.0 else 0.0


def negotiate_language(
    accept_language: str | None, available: Iterable[str], *, default: str = "en"
) -> str:
    """The best of ``available`` for an ``Accept-Language`` header, else ``default``.

    Ranges are tried by falling quality (ties keep header order); ``sq-AL`` matches ``sq``,
    ``*`` matches ``default``, ``q=0`` excludes.  A malformed header part is ignored, never an
    error: a browser's header must not break the page.

    Example:
        >>> from gdprkit.notice import negotiate_language
        >>> negotiate_language("sq-AL,sq;q=0.9,en;q=0.8", ("en", "sq"))
        'sq'
        >>> negotiate_language("de-DE,de;q=0.9", ("en", "sq"))
        'en'
    """
    offered = [lang.lower() for lang in available]
    if not accept_language:
        return default
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:64]):
        match = _RANGE.match(part)
        if match is None:
            continue
        quality = _quality(match.group(2))
        if quality > 0:
            ranges.append((-quality, position, match.group(1).lower()))
    for _quality_key, _position, tag in sorted(ranges):
        if tag == "*":
            return default
        # RFC 4647 §3.4 lookup: drop subtags from the end until something matches.
        candidates = [tag]
        while "-" in candidates[-1]:
            candidates.append(candidates[-1].rsplit("-", 1)[0])
        for candidate in candidates:
            if candidate in offered:
                return candidate
    return default
