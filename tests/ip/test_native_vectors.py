"""Reference vectors through the native engine (skipped without it).

Crypto-PAn: every row of ``vectors/cryptopan_vectors.tsv`` (the Crypto-PAn 1.0 sample trace and
the IPv6 vectors, sources in the file), through the native line engine on a text log (free text
goes to the Python scanner) and an access log (the client field is computed natively).  ipcrypt:
the deterministic and pfx vectors of ``vectors/ipcrypt_vectors.json`` (draft-denis-ipcrypt-13
appendix) the same way; nd/ndx draw a random tweak per address (the native engine hands them
back), so their vectors (fixed tweaks) are checked by ``test_ipcrypt.py``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.ip import CryptoPAnMasker, IPCryptDeterministic, IPCryptPfx, _engine, mask_stream

pytestmark = pytest.mark.skipif(
    _engine.native_module() is None, reason="the native engine (gdprkit-native) is not installed"
)

_HERE = Path(__file__).parent / "vectors"
with (_HERE / "cryptopan_vectors.tsv").open(encoding="utf-8", newline="") as _f:
    CRYPTOPAN = list(csv.DictReader(_f, delimiter="\t"))
IPCRYPT = [
    v
    for v in json.loads((_HERE / "ipcrypt_vectors.json").read_text(encoding="utf-8"))["vectors"]
    if v["variant"] in ("ipcrypt-deterministic", "ipcrypt-pfx")
]


def _by_key(rows: list[dict[str, str]]) -> dict[tuple[str, str], list[dict[str, str]]]:
    keys: dict[tuple[str, str], list[dict[str, str]]] = {}
    for row in rows:
        keys.setdefault((row["key_hex"], row["family"]), []).append(row)
    return keys


def test_vector_files_are_read() -> None:
    assert len(CRYPTOPAN) == 145
    assert len(IPCRYPT) >= 6


@pytest.mark.parametrize("fmt", ["text", "combined"])
def test_cryptopan_vectors_native_stream(fmt: str) -> None:
    for (key, family), rows in _by_key(CRYPTOPAN).items():
        masker = CryptoPAnMasker(bytes.fromhex(key), embedded_ipv4=family == "ipv4")
        stamp = '- - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "x"'
        lines = [f"{r['input']} {stamp}" if fmt == "combined" else r["input"] for r in rows]
        want = [
            f"{r['expected_output']} {stamp}" if fmt == "combined" else r["expected_output"]
            for r in rows
        ]
        out = io.BytesIO()
        summary = mask_stream(
            io.BytesIO("\n".join(lines).encode() + b"\n"),
            out,
            masker=masker,
            format=fmt,
            engine="native",
        )
        assert out.getvalue().decode().splitlines() == want
        assert summary.engine == "native"
        assert summary.addresses == len(rows)


CLASSES: dict[str, Any] = {"ipcrypt-deterministic": IPCryptDeterministic, "ipcrypt-pfx": IPCryptPfx}


@pytest.mark.parametrize("vector", IPCRYPT, ids=lambda v: f"{v['variant']}-{v['ip']}")
@pytest.mark.parametrize("fmt", ["text", "combined"])
def test_ipcrypt_vector_native_stream(vector: dict[str, Any], fmt: str) -> None:
    masker = CLASSES[vector["variant"]](bytes.fromhex(vector["key"]))
    stamp = '- - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "x"'
    line = f"{vector['ip']} {stamp}" if fmt == "combined" else f"from {vector['ip']} ok"
    want = f"{vector['output']} {stamp}" if fmt == "combined" else f"from {vector['output']} ok"
    out = io.BytesIO()
    summary = mask_stream(
        io.BytesIO(line.encode()), out, masker=masker, format=fmt, engine="native"
    )
    assert out.getvalue().decode() == want
    assert summary.engine == "native"
    assert summary.addresses == 1
