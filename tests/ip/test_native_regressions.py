"""Cases found while building and fuzzing the native engine, kept as regression tests.

- ``::`` (all eight groups compressed): the native parser shifted a 128-bit value by 128 bits,
  which a debug build of ``cargo test`` caught as an overflow (release builds wrapped to the same
  value); release builds now keep overflow checks, so such a bug would be a typed error.
- The seeds of ``native/fuzz/fuzz_engines.py`` and lines that exercise each hand-back path.
  A bounded run of the fuzzer (120 s, about 95,000 inputs) found no difference and no crash.
"""

from __future__ import annotations

import pytest

from gdprkit.ip import CryptoPAnMasker, IPCryptPfx, KeyedTokenMasker, TruncationMasker, _engine

pytestmark = pytest.mark.skipif(
    _engine.native_module() is None, reason="the native engine (gdprkit-native) is not installed"
)

STAMP = '- - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "x"'
CASES = [
    ("combined", f":: {STAMP}"),
    ("combined", f"0:0:0:0:0:0:0:0 {STAMP}"),
    ("combined", f'203.0.113.7 {STAMP} "10.0.0.1, ::1"'),
    ("combined", f'203.0.113.7 {STAMP} "10.0.0.1, 1.2.3.999"'),
    ("combined", f'203.0.113.7 {STAMP} "unknown, -"'),
    ("combined", f'203.0.113.7 {STAMP} "host.example, 10.0.0.1"'),
    ("combined", f"vhost.example 203.0.113.7 {STAMP}"),
    ("combined", f"<13>May 17 10:05:03 web nginx: 203.0.113.7 {STAMP}"),
    ("jsonl", '{"remote_addr": "2001:db8::1", "msg": "from 1.2.3.4"}'),
    ("jsonl", '{"remote_addr": "::", "time": "2025-05-17T10:05:03Z"}'),
    ("jsonl", '{"ip": "203.0.113.7\\u002e", "ua": "Chrome/120.0.0.0"}'),
    ("text", "ip-203-0-113-7.example.net %3A%3A1 \\u002e"),
    ("text", "agent:\nChrome/1.2.3.4 and 203.0.113.7"),
    ("syslog", "Feb 21 21:54:44 203.0.113.7 sshd[42]: from ::1 port 22"),
]
MASKERS = [
    TruncationMasker.preset("ga"),
    CryptoPAnMasker(bytes(range(32))),
    IPCryptPfx(bytes(range(32))),
    KeyedTokenMasker(bytes(range(32))),
]


@pytest.mark.parametrize("masker", MASKERS, ids=lambda m: m.name)
@pytest.mark.parametrize(("fmt", "line"), CASES)
@pytest.mark.parametrize("continuation", [False, True])
def test_engines_agree(fmt: str, line: str, masker: object, continuation: bool) -> None:
    results = []
    for name in ("python", "native"):
        engine = _engine.make_engine(masker, format=fmt, fields=None, engine=name)  # type: ignore[arg-type]
        out = engine.mask_chunk(line + "\n" + line, continuation=continuation)
        results.append((out, engine.lines, engine.v4, engine.v6, engine.failed))
    assert results[0] == results[1]
