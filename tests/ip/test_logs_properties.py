"""Invariants of log masking, as Hypothesis properties over generated log lines.

- every byte outside the addresses is preserved, and every address is masked (lossless and
  fail-safe at once);
- how the input is cut into blocks never changes the output;
- masking with a truncation preset twice changes nothing the second time (the masked addresses
  are addresses in the same positions).
"""

from __future__ import annotations

import io
import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from gdprkit.ip import TruncationMasker
from gdprkit.ip._formats import Engine
from gdprkit.ip.logs import LogSummary, mask_stream
from gdprkit.testing import strategies as gst

GA = TruncationMasker.preset("ga")


def expected_masking(line: bytes, addresses: tuple[str, ...]) -> bytes:
    """Replace the listed address tokens, left to right, by what the masker makes of them."""
    out = []
    rest = line
    for token in addresses:
        before, found, rest = rest.partition(token.encode())
        assert found, "generator bug: token not in line"
        out += [before, GA.apply(token).encode()]
    out.append(rest)
    return b"".join(out)


def mask(data: bytes, **options: object) -> tuple[bytes, object]:
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(data), out, masker=GA, **options)  # type: ignore[arg-type]
    return out.getvalue(), summary


@given(st.lists(gst.log_lines(), min_size=1, max_size=6), st.booleans())
def test_every_non_address_byte_is_preserved_and_every_address_masked(
    lines: list[tuple[str, bytes, tuple[str, ...]]], final_newline: bool
) -> None:
    for fmt, line, addresses in lines:
        out, summary = mask(line + b"\n", format=fmt)
        assert out == expected_masking(line, addresses) + b"\n"
        assert summary.addresses == len(addresses)  # type: ignore[attr-defined]
        assert summary.failed_total == 0  # type: ignore[attr-defined]
    # A whole text file of these lines, with or without its last newline.
    data = b"\n".join(line for _, line, _ in lines) + (b"\n" if final_newline else b"")
    expected = b"\n".join(expected_masking(line, a) for _, line, a in lines)
    out, _ = mask(data, format="text")
    assert out == expected + (b"\n" if final_newline else b"")


class Blocks(io.RawIOBase):
    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self._data, self._sizes, self._pos = data, sizes, 0

    def readable(self) -> bool:
        return True

    def read1(self, n: int = -1) -> bytes:
        size = self._sizes.pop(0) if self._sizes else n
        chunk = self._data[self._pos : self._pos + size]
        self._pos += len(chunk)
        return chunk

    read = read1


@given(
    st.lists(gst.log_lines(formats=("combined",)), min_size=1, max_size=4),
    st.lists(st.integers(1, 300), max_size=6),
)
def test_block_boundaries_never_change_the_output(
    lines: list[tuple[str, bytes, tuple[str, ...]]], sizes: list[int]
) -> None:
    data = b"\n".join(line for _, line, _ in lines)
    whole, summary = mask(data, format="combined")
    out = io.BytesIO()
    cut = mask_stream(Blocks(data, sizes), out, masker=GA, format="combined")  # type: ignore[arg-type]
    assert out.getvalue() == whole
    assert cut == summary


@given(st.lists(gst.log_lines(formats=("combined", "jsonl", "syslog")), min_size=1, max_size=5))
def test_truncation_of_a_masked_log_changes_nothing(
    lines: list[tuple[str, bytes, tuple[str, ...]]],
) -> None:
    for fmt, line, _ in lines:
        once, _ = mask(line + b"\n", format=fmt)
        twice, _ = mask(once, format=fmt)
        assert twice == once


@given(st.from_type(LogSummary), st.from_type(LogSummary))
def test_summaries_add_up_and_round_trip(a: LogSummary, b: LogSummary) -> None:
    total = a + b
    assert total.lines == a.lines + b.lines
    assert total.failed_total == a.failed_total + b.failed_total
    assert LogSummary.from_dict(total.to_dict()) == total


@given(gst.log_lines(formats=("combined",)))
def test_the_fast_and_the_general_access_log_paths_agree(
    generated: tuple[str, bytes, tuple[str, ...]],
) -> None:
    # An escaped quote in the user agent sends a line down the general (regex) path; the plain
    # line takes the fast one (str.split).  Apart from the inserted bytes, the outputs agree.
    _, line, _ = generated
    fields = line.split(b'"')
    escaped = b'"'.join([*fields[:5], b'\\"' + fields[5], *fields[6:]])
    plain_out, plain_summary = mask(line + b"\n", format="combined")
    escaped_out, escaped_summary = mask(escaped + b"\n", format="combined")
    out_fields = plain_out.split(b'"')
    assert escaped_out == b'"'.join([*out_fields[:5], b'\\"' + out_fields[5], *out_fields[6:]])
    assert escaped_summary.addresses == plain_summary.addresses  # type: ignore[attr-defined]


# -- the chunk loop of access logs against the regular-expression path ------------------------

_V4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
_V6 = st.integers(0, 2**128 - 1).map(lambda n: str(ipaddress.IPv6Address(n)))
_TOKENS = st.one_of(
    _V4,
    _V6,
    _V6.map(str.upper),
    _V6.map(lambda a: ipaddress.IPv6Address(a).exploded),
    _V4.map(lambda a: f"::ffff:{a}"),
    st.tuples(_V4, st.integers(1, 65535)).map(lambda t: f"{t[0]}:{t[1]}"),
    st.tuples(_V6, st.integers(1, 65535)).map(lambda t: f"[{t[0]}]:{t[1]}"),
    st.sampled_from(["unknown", "-", "_hidden", "1.2.3", "999.1.1.1", "fe80::1%eth0", "a b"]),
)
_SEPARATORS = st.sampled_from([", ", ",", " ", ", ,"])


@given(
    st.lists(_TOKENS, min_size=0, max_size=4),
    _SEPARATORS,
    st.sampled_from(["198.51.100.7", "2001:db8::1", "proxy.example 192.0.2.1"]),
    st.sampled_from(["- -", "- frank", "- 192.0.2.9"]),
    st.sampled_from(["GET /x HTTP/1.1", "GET /x?ip=10.1.2.3 HTTP/1.1"]),
    st.sampled_from(["-", "https://shop.example/", "http://[2001:db8::1]/"]),
    st.sampled_from(["Mozilla/5.0 Chrome/120.0.0.0", "curl from 203.0.113.9"]),
    st.integers(1, 3),
)
def test_the_chunk_loop_masks_like_the_regex_path(  # noqa: PLR0917 - drawn values
    tokens: list[str],
    separator: str,
    head: str,
    ident_user: str,
    request: str,
    referer: str,
    agent: str,
    repeat: int,
) -> None:
    # The access-log chunk loop takes shortcuts (nginx's X-Forwarded-For tail masked address
    # by address through the address cache, fields looked up inline); the per-line regular-
    # expression path masks every field generically.  Both must give the same bytes, counts
    # and failures.
    forwarded = separator.join(tokens) if tokens else "-"
    line = (
        f'{head} {ident_user} [17/May/2025:10:00:00 +0000] "{request}" 200 5 "{referer}" '
        f'"{agent}" "{forwarded}"'
    )
    # Repeated lines exercise the caches (and the sets of values known to hold no address).
    fast = Engine(GA, format="combined")
    slow = Engine(GA, format="combined")
    assert fast.mask_chunk((line + "\n") * repeat) == (slow._mask_line(line) + "\n") * repeat
    for _ in range(repeat - 1):
        slow._mask_line(line)
    assert (fast.v4, fast.v6, fast.failed) == (slow.v4, slow.v6, slow.failed)
