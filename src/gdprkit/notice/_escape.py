"""Escaping register text for each output format, applied to every value a template prints.

Register text is the shop's, but it is still data, never markup: a purpose described as
``<script>`` or ``# Heading`` must read as those characters in every format.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

__all__ = ["escape_json", "escape_markdown", "escape_text"]

# C0 and C1 controls (terminal escapes) and the bidirectional overrides and isolates, which
# can make text display differently from what it is (CVE-2021-42574, "Trojan Source").
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_BREAKS = re.compile(r"\s*[\r\n\u2028\u2029\x0b\x0c\x85]+\s*")
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|~])")
_MARKDOWN_START = re.compile(r"^([#>+=-]|\d+(?=[.)]))")


def escape_text(value: object) -> str:
    """Plain text: controls and bidi overrides dropped, line breaks folded into a space."""
    text = "" if value is None else str(value)
    return _BREAKS.sub(" ", _INVISIBLE.sub("", text))


def escape_markdown(value: object) -> str:
    """Markdown (CommonMark, GFM tables): inline syntax and raw HTML neutralised.

    ``<``, ``>`` and ``&`` become entities (Markdown passes raw HTML through); ``\\ ` * _ [ ]
    | ~`` are backslash-escaped; a value that would start a block (``#``, ``>``, ``-``, ``1.``)
    is escaped at its start.
    """
    text = html.escape(escape_text(value), quote=False)
    text = _MARKDOWN_INLINE.sub(r"\\\1", text)
    match = _MARKDOWN_START.match(text)
    if match:
        if match.group(1).isdigit():
            end = match.end()
            text = f"{text[:end]}\\{text[end:]}"
        else:
            text = "\\" + text
    return text


def escape_json(document: Any) -> str:
    """Canonical, indented JSON whose ``<``, ``>`` and ``&`` are ``\\u`` escapes.

    The escapes keep the document safe to embed in an HTML ``<script type="application/json">``.
    """
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
