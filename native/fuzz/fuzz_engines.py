"""Differential fuzzing of the native engine against the Python engine (atheris on the binding).

Run: ``pip install atheris && python native/fuzz/fuzz_engines.py -max_total_time=120``
(bounded; a crash or a difference stops the run and writes the input to ``crash-*``).  Each input
picks a format, a method and the continuation flag, and the rest is the chunk: both engines mask
it and must agree on the bytes, line count, IPv4/IPv6 counts and failed-closed fields, or raise
the same error; the native pre-filter must never call text clean that the scanner would change.
Findings are turned into cases of ``tests/ip/test_native_regressions.py``.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from gdprkit.ip import (
        CryptoPAnMasker,
        IPCryptPfx,
        KeyedTokenMasker,
        TruncationMasker,
        _engine,
    )
    from gdprkit.ip.text import _NO_VERSIONS, _mask_counted

_FORMATS = ("combined", "common", "jsonl", "nginx-json", "syslog", "text")
_MASKERS = (
    TruncationMasker.preset("ga"),
    TruncationMasker(ipv4_prefix=0, ipv6_prefix=0),
    CryptoPAnMasker(bytes(range(32))),
    IPCryptPfx(bytes(range(32))),
    KeyedTokenMasker(bytes(range(32))),
)
_MODULE = _engine.native_module()


def _run(engine: object, text: str, continuation: bool) -> object:
    try:
        out = engine.mask_chunk(text, continuation=continuation)  # type: ignore[attr-defined]
    except Exception as exc:  # noqa: BLE001 - compared across engines
        return ("error", type(exc).__name__)
    return (out, engine.lines, engine.v4, engine.v6, engine.failed)  # type: ignore[attr-defined]


def one_input(data: bytes) -> None:
    if len(data) < 3:
        return
    fmt = _FORMATS[data[0] % len(_FORMATS)]
    masker = _MASKERS[data[1] % len(_MASKERS)]
    continuation = bool(data[2] & 1)
    text = data[3:].decode("latin-1")
    python = _engine.make_engine(masker, format=fmt, fields=None, engine="python")
    native = _engine.make_engine(masker, format=fmt, fields=None, engine="native")
    a, b = _run(python, text, continuation), _run(native, text, continuation)
    if a != b:
        raise AssertionError(f"engines differ on {fmt}: {a!r} != {b!r}")
    if _MODULE is not None and not _MODULE.may_hold_address(text):
        zero = _MASKERS[1]
        if _mask_counted(text, zero, _NO_VERSIONS) != (text, 0, 0):
            raise AssertionError("the pre-filter called text clean that holds an address")


def main() -> None:
    if _MODULE is None:
        raise SystemExit("the native engine is not installed: pip install ./native")
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
