"""An independent address finder for the leak tests: it shares no code with ``gdprkit.ip``.

Deliberately simple and different from the masker: no regular expressions, no look-arounds and
no context rules.  It decodes the text every way a reader might (percent-escapes once and twice,
JSON/C backslash escapes), then reads **every** way an address could be read out of it:

- IPv4: any four numbers 0-255 in a row, separated by single dots or single dashes, zero padding
  allowed, in written and in reversed order (reverse DNS);
- IPv6: any slice of a run of hex digits, colons and dots that starts and ends at a group
  boundary and that the standard library's :class:`ipaddress.IPv6Address` accepts (plus the IPv4
  address an IPv4-mapped one carries).

It over-finds on purpose (slices of fingerprints, version numbers): it is only ever asked whether
one known address value can still be read, never to list the addresses of a line.
"""

from __future__ import annotations

import ipaddress
import itertools
import urllib.parse

_HEX = set("0123456789abcdefABCDEF")
_RUN = _HEX | {":", "."}


def _unescape_backslashes(text: str) -> str:
    out = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= len(text) and all(ch in _HEX for ch in text[i + 2 : i + 6]):
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def views(text: str) -> set[str]:
    """The text as written and decoded each way a reader might decode it."""
    once = urllib.parse.unquote(text)
    found = {text, once, urllib.parse.unquote(once)}
    return found | {_unescape_backslashes(v) for v in found}


def _numbers(text: str) -> list[tuple[int, int, str]]:
    """(start, end, digits) of every maximal run of ASCII digits."""
    out = []
    i = 0
    while i < len(text):
        if text[i].isascii() and text[i].isdigit():
            j = i
            while j < len(text) and text[j].isascii() and text[j].isdigit():
                j += 1
            out.append((i, j, text[i:j]))
            i = j
        else:
            i += 1
    return out


def _ipv4_values(text: str) -> set[int]:
    values = set()
    numbers = _numbers(text)
    for k in range(len(numbers) - 3):
        group = numbers[k : k + 4]
        seps = {text[a[1] : b[0]] for a, b in itertools.pairwise(group)}
        if len(seps) != 1 or seps.pop() not in (".", "-"):
            continue
        octets = [int(d) for _, _, d in group]
        if all(o <= 255 for o in octets):
            values.add(int.from_bytes(bytes(octets), "big"))
            values.add(int.from_bytes(bytes(reversed(octets)), "big"))
    return values


def _ipv6_values(text: str) -> set[int]:
    values = set()
    i = 0
    while i < len(text):
        if text[i] not in _RUN:
            i += 1
            continue
        j = i
        while j < len(text) and text[j] in _RUN:
            j += 1
        run = text[i:j]
        i = j
        if run.count(":") < 2:
            continue
        starts = [0] + [k + 1 for k, c in enumerate(run) if c in ":."]
        ends = [len(run)] + [k for k, c in enumerate(run) if c in ":."]
        for a in starts:
            for b in ends:
                if b - a < 2:
                    continue
                try:
                    address = ipaddress.IPv6Address(run[a:b])
                except ValueError:
                    continue
                values.add(int(address))
                if address.ipv4_mapped is not None:
                    values.add(-int(address.ipv4_mapped) - 1)  # marks an IPv4 value
    return values


def readable(text: str, family: int, value: int) -> bool:
    """Whether the address ``value`` of ``family`` can still be read anywhere in ``text``."""
    for view in views(text):
        if family == 4:
            if value in _ipv4_values(view) or -value - 1 in _ipv6_values(view):
                return True
        elif value in _ipv6_values(view):
            return True
    return False
