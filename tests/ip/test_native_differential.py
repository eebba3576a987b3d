"""The native engine against the Python engine: identical bytes, counts and fail-closed fields.

Every test here runs both engines on the same generated input and compares everything they
return.  Inputs are drawn from gdprkit's own strategies (``log_lines``, ``texts_with_addresses``,
``log_addresses``, ``ip_maskers``) and from an adversarial alphabet (hex digits, colons, dots,
brackets, quotes, backslashes, latin-1 letters, glued words) that hits the edges of the text rules
and of the line shapes the native engine takes or hands back.  Skipped without the native engine.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.ip import (
    CryptoPAnMasker,
    IPCryptDeterministic,
    IPCryptPfx,
    IPMasker,
    SpecialRange,
    TruncationMasker,
    _engine,
    mask_stream,
)
from gdprkit.ip.text import (
    _AGENT,
    _NO_VERSIONS,
    _VERSIONS,
    _mask_counted,
    mask_text,
    mask_text_counted,
)
from gdprkit.testing import strategies as gst

pytestmark = pytest.mark.skipif(
    _engine.native_module() is None, reason="the native engine (gdprkit-native) is not installed"
)
_PREFILTER = getattr(_engine.native_module(), "may_hold_address", None) or (lambda text: True)

_SETTINGS = settings(
    max_examples=int(os.environ.get("GDPRKIT_DIFF_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Characters at the edges of the rules: the candidate classes, the glue letters (g-z, _), word
# characters of latin-1 (é, ª, ²) and non-word ones (×, non-breaking space), separators.
_EDGE = "0123456789abcdefABCDEF::..//  gGzZ_x%[],\"'-=é\xaa\xb2\xd7\xa0\t\r"
_DECOYS = ("Chrome/120.0.0.0", "HTTP/1.1", "06:00:00", "00:1a:2b:3c:4d:5e", "v1.2.3.4", "ip:", "::")
# Words glued before an address by a colon: the glue rule looks at up to five letters back.
_GLUE_WORDS = st.tuples(
    st.sampled_from(("", "x", "G", "_", "z", "é", "1", "/", " ")),
    st.text(alphabet="abcdefABCDEF", max_size=5),
).map(lambda t: t[0] + t[1] + ":")


@contextlib.contextmanager
def _engine_env(name: str) -> Iterator[None]:
    old = os.environ.get(_engine.ENV_VAR)
    os.environ[_engine.ENV_VAR] = name
    try:
        yield
    finally:
        if old is None:
            del os.environ[_engine.ENV_VAR]
        else:
            os.environ[_engine.ENV_VAR] = old


def _edge_texts() -> st.SearchStrategy[str]:
    piece = st.one_of(
        gst.log_addresses(),
        st.text(alphabet=_EDGE, max_size=8),
        st.sampled_from(_DECOYS),
        _GLUE_WORDS,
        _near_misses(),
    )
    return st.lists(piece, max_size=8).map("".join)


# Shapes on almost every log line that the pre-filter copies without asking the Python scanner
# (timestamps, times, HTTP versions, decimals, MAC addresses), and near-misses of them: one more
# colon, a second ':' next to one, a fourth number, a glued address, an escape.
_NUMBER = st.integers(0, 999).map(str) | st.integers(0, 99999).map(str)
_ZONE = st.sampled_from(("Z", "z", "", "+02:00", "-05:30", "+0000", " +0000"))


def _timestamps() -> st.SearchStrategy[str]:
    date = st.tuples(st.integers(0, 9999), st.integers(0, 99), st.integers(0, 99)).map(
        lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
    )
    time = st.lists(st.integers(0, 99).map(lambda n: f"{n:02d}"), min_size=1, max_size=7).map(
        ":".join
    )
    frac = st.sampled_from(("", ".")) | _NUMBER.map(lambda n: "." + n)
    iso = st.tuples(date, st.sampled_from(("T", "t", " ", "")), time, frac, _ZONE).map("".join)
    local = st.tuples(
        st.integers(1, 31), st.sampled_from(("Dec", "Feb", "Jan")), st.integers(0, 9999), time
    ).map(lambda t: f"{t[0]:02d}/{t[1]}/{t[2]}:{t[3]} +0000")
    return iso | local


def _near_misses() -> st.SearchStrategy[str]:
    shape = st.one_of(
        _timestamps(),
        st.sampled_from(("HTTP/1.1", "HTTP/2.0", "HTTP/1.0", "HTTP/3", "h2")),
        st.lists(_NUMBER, min_size=1, max_size=5).map(".".join),  # decimals, versions, quads
        st.lists(st.text(alphabet="0123456789abcdef", min_size=1, max_size=2), max_size=8).map(
            ":".join
        ),  # MAC addresses and EUI-64 with 0-7 colons
    )
    glue = st.sampled_from(("", "", ":", "::", ".", "-", "T", "x", " ", "%3A", "\\u003a", "/"))
    return st.tuples(shape, glue, st.sampled_from(("", "", "1.2.3.4", "::1", "2001:db8::7"))).map(
        "".join
    )


def _native_maskers() -> st.SearchStrategy[IPMasker]:
    """Maskers whose method the native engine computes itself (truncation, Crypto-PAn, ipcrypt)."""
    key = st.binary(min_size=32, max_size=32)
    skip = st.sets(st.sampled_from(list(SpecialRange)), max_size=3)
    return st.one_of(
        st.builds(
            lambda p4, p6, s: TruncationMasker(ipv4_prefix=p4, ipv6_prefix=p6, skip=s),
            st.integers(0, 32),
            st.integers(0, 128),
            skip,
        ),
        st.builds(
            lambda k, e, s: CryptoPAnMasker(k, embedded_ipv4=e, skip=s), key, st.booleans(), skip
        ),
        st.builds(lambda k, s: IPCryptPfx(k, skip=s), key.filter(lambda k: k[:16] != k[16:]), skip),
        st.builds(lambda k, s: IPCryptDeterministic(k[:16], skip=s), key, skip),
    )


def _python_text(text: str, masker: IPMasker, mode: int) -> tuple[str, int, int]:
    return _mask_counted(text, masker, mode)


# -- the free-text pre-filter ----------------------------------------------------------------------

_GLUE_CASES = [
    f"{lead}{'abcdef'[:n]}:{address}{after}"
    for lead in ("", " ", "x", "G", "_", "z", "é", "1", "/", ".")
    for n in range(7)
    for address in ("2001:db8::1", "::1", "1.2.3.4", "0:0:0:0:0:0:0:1:2181", "fe80::1:2:3:4")
    for after in ("", " ", ":", ".", "x", "é", ":80")
]


_ALL_ADDRESSES = TruncationMasker(ipv4_prefix=0, ipv6_prefix=0)  # changes every address


def _texts() -> st.SearchStrategy[str]:
    return st.one_of(
        _edge_texts(),
        st.lists(_near_misses(), max_size=4).map(" ".join),
        gst.texts_with_addresses().map(lambda c: c[0]),
        gst.addresses_in_context().map(lambda c: c[0]),
        st.text(max_size=40),
    )


@_SETTINGS
@given(text=_texts(), mode=st.sampled_from((_NO_VERSIONS, _VERSIONS, _AGENT)))
def test_prefilter_never_hides_an_address(text: str, mode: int) -> None:
    # Text the native pre-filter calls clean is text the Python scanner leaves alone.
    if not _PREFILTER(text):
        assert _python_text(text, _ALL_ADDRESSES, mode) == (text, 0, 0)


def test_prefilter_table() -> None:
    # Every glue word shape before every address shape (and the escaped and dashed forms): the
    # pre-filter must call each dirty, and agree with the scanner on each.
    for case in _GLUE_CASES:
        assert _PREFILTER(case), case
    for case in ("ip-203-0-113-7.example.net", "2a00%3A1234%3A%3A7", "a\\u002e", "::"):
        assert _PREFILTER(case), case
    for case in ("GET /index.html HTTP/1.1", "2025-05-17 step-3", "at 06:00", ""):
        assert not _PREFILTER(case), case
    # The shapes on every line of a JSON or text log: copied (and the scanner agrees).
    for case in (
        "2024-01-01T00:00:00.123Z",
        "2024-01-01T00:00:00.123+02:00",
        "04/Dec/2026:19:10:00 +0000",
        "at 06:00:00",
        "HTTP/2.0 200 0.004 3.25",
        "00:1a:2b:3c:4d:5e",
        "x 1.2.3.",
        "1.2345.6.7",
    ):
        assert not _PREFILTER(case), case
        assert _python_text(case, _ALL_ADDRESSES, _NO_VERSIONS) == (case, 0, 0)
    # Near-misses of them that hold an address (or may): handed to the scanner.
    for case in (
        "2024-01-01T00:00:00.1.2.3.4",
        "2024-01-01T00::1",
        "06:00:00:00:00:00:00",
        "HTTP/1.1.2.3",
        "HTTP/1.1:1.2.3.4",
        "1234.5.6.7",
        "2024-01-01T00:00:00%3A%3A1",
        "ip-10-0-0-1",
    ):
        assert _PREFILTER(case), case


@_SETTINGS
@given(text=_texts(), masker=_native_maskers(), skip_versions=st.booleans())
def test_mask_text_identical(text: str, masker: IPMasker, skip_versions: bool) -> None:
    # mask_text with the pre-filter (native installed) against the Python scanner alone.
    got = mask_text_counted(text, masker, skip_versions=skip_versions)
    want = _python_text(text, masker, _VERSIONS if skip_versions else _NO_VERSIONS)
    assert got == want
    assert mask_text(text, masker, skip_versions=skip_versions) == want[0]


def test_mask_text_uses_the_prefilter_unless_python_is_forced() -> None:
    with _engine_env("auto"):
        assert _engine.text_prefilter() is not None
    with _engine_env("python"):
        assert _engine.text_prefilter() is None
    assert mask_text_counted("a 192.0.2.7 b", TruncationMasker.preset("ga")) == (
        "a 192.0.2.0 b",
        1,
        0,
    )


# -- log streams -----------------------------------------------------------------------------------


def _stamp() -> st.SearchStrategy[str]:
    return st.sampled_from(
        (
            "[17/May/2015:10:05:03 +0000]",
            "[17/May/2015:10:05:03 +000]",
            "[1/May/2015:10:05:03 +0000]",
        )
    )


def _field() -> st.SearchStrategy[str]:
    return st.one_of(st.just("-"), _edge_texts(), gst.log_addresses())


@st.composite
def _access_lines(draw: st.DrawFn) -> bytes:
    """Access-log lines of the usual shape and of every near miss (handed back)."""
    head = draw(
        st.one_of(
            gst.log_addresses(ports=False),
            gst.log_addresses(),
            st.sampled_from(("-", "unknown", "unix:", "", "host.example", "bogus", "1.2.3")),
            st.lists(gst.log_addresses(ports=False), min_size=2, max_size=3).map(", ".join),
            st.tuples(st.just("vhost.example"), gst.log_addresses()).map(" ".join),
            _edge_texts(),
        )
    )
    ident = draw(st.sampled_from(("-", "alice", "1.2.3.4", "::1")))
    user = draw(st.sampled_from(("-", "bob", "")))
    stamp = draw(_stamp())
    request = draw(_field())
    status = draw(st.sampled_from(("200", "-", "20", "304")))
    size = draw(st.sampled_from(("512", "-", "")))
    line = f'{head} {ident} {user} {stamp} "{request}" {status} {size}'
    if draw(st.booleans()):
        line += f' "{draw(_field())}" "{draw(_field())}"'
        tail = draw(
            st.one_of(
                st.just(""),
                st.just(' "-"'),
                st.lists(gst.log_addresses(ports=False), min_size=1, max_size=3).map(
                    lambda xs: ' "' + ", ".join(xs) + '"'
                ),
                st.lists(
                    st.sampled_from(("-", "unknown", "10.0.0.1", "1.2.3")), min_size=1, max_size=3
                ).map(lambda xs: ' "' + ", ".join(xs) + '"'),
                _edge_texts().map(lambda t: " " + t),
                st.just(" rt=0.002 \\x22"),
            )
        )
        line += tail
    if draw(st.booleans()):
        line += "\r"
    return line.encode("latin-1", errors="replace")


def _lists() -> st.SearchStrategy[str]:
    """X-Forwarded-For style lists: addresses, placeholders and junk between separators."""
    token = st.one_of(
        gst.log_addresses(),
        st.sampled_from(("-", "", "unknown", "unix:", "x", "1.2.3", "[::1]:80", "fe80::1%eth0")),
    )
    sep = st.sampled_from((", ", ",", " ", ",,", " ,", '\\",', ", \\"))
    return st.lists(st.tuples(sep, token), min_size=1, max_size=4).map(
        lambda pairs: "".join(a + b for a, b in pairs)[2:]
    )


@st.composite
def _json_lines(draw: st.DrawFn) -> bytes:
    key = draw(
        st.sampled_from(("remote_addr", "REMOTE_ADDR", "ip", "client_ip", "msg", "x_forwarded_for"))
    )
    value = draw(
        st.one_of(gst.log_addresses(), _edge_texts(), st.sampled_from(("-", "", "a, b")), _lists())
    )
    space = draw(st.sampled_from(("", " ", "\t", "\xa0", "\x85")))
    msg = draw(
        _edge_texts() | st.sampled_from(("ok", "2024-01-01T00:00:00Z GET / HTTP/1.1"))
    ).replace('"', "")
    if draw(st.booleans()):
        value = value.replace('"', '\\"')
    line = (
        f'{{"{key}"{space}:{space}"{value}", "msg": "{msg}", "ip": "{draw(gst.log_addresses())}"}}'
    )
    return line.encode("latin-1", errors="replace")


def _lines() -> st.SearchStrategy[tuple[str, bytes]]:
    generated = gst.log_lines().map(lambda case: (case[0], case[1]))
    return st.one_of(
        generated,
        _access_lines().map(lambda line: ("combined", line)),
        _json_lines().map(lambda line: ("jsonl", line)),
        _edge_texts().map(lambda t: ("text", t.encode("latin-1", errors="replace"))),
        _edge_texts().map(
            lambda t: ("syslog", ("Feb 21 21:54:44 " + t).encode("latin-1", "replace"))
        ),
    )


def _run(data: bytes, masker: IPMasker, fmt: str, engine: str) -> tuple[bytes, dict[str, object]]:
    out = io.BytesIO()
    summary = mask_stream(io.BytesIO(data), out, masker=masker, format=fmt, engine=engine)  # type: ignore[arg-type]
    info = summary.to_dict()
    assert info.pop("engine") in (engine, "")  # empty: no input, no engine ran
    return out.getvalue(), info


@_SETTINGS
@given(
    cases=st.lists(_lines(), min_size=1, max_size=6),
    masker=st.one_of(_native_maskers(), gst.ip_maskers()),
    fmt=st.sampled_from(("combined", "common", "jsonl", "syslog", "text", "nginx-json")),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
def test_streams_identical(
    cases: list[tuple[str, bytes]], masker: IPMasker, fmt: str, crlf: bool, final_newline: bool
) -> None:
    # Lines of every format, fed as one format: lines that do not fit go their fallback ways.
    sep = b"\r\n" if crlf else b"\n"
    data = sep.join(line for _, line in cases) + (sep if final_newline else b"")
    assert _run(data, masker, fmt, "native") == _run(data, masker, fmt, "python")


@_SETTINGS
@given(cases=st.lists(gst.log_lines(), min_size=1, max_size=8), masker=gst.ip_maskers())
def test_generated_logs_identical(
    cases: list[tuple[str, bytes, tuple[str, ...]]], masker: IPMasker
) -> None:
    fmt = cases[0][0]
    data = b"\n".join(line for _, line, _ in cases) + b"\n"
    assert _run(data, masker, fmt, "native") == _run(data, masker, fmt, "python")


@_SETTINGS
@given(
    lines=st.lists(_lines(), min_size=1, max_size=5),
    masker=_native_maskers(),
    fmt=st.sampled_from(("combined", "jsonl", "text", "syslog")),
)
def test_continuation_chunks_identical(
    lines: list[tuple[str, bytes]], masker: IPMasker, fmt: str
) -> None:
    # A chunk whose first line continues a line cut at the previous chunk.
    data = b"\n".join(line for _, line in lines)
    results = []
    for name in ("native", "python"):
        engine = _engine.make_engine(masker, format=fmt, fields=None, engine=name)
        text = engine.mask_chunk(data.decode("latin-1"), continuation=True)
        results.append((text, engine.lines, engine.v4, engine.v6, engine.failed))
    assert results[0] == results[1]
