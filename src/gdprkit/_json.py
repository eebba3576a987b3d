"""Canonical JSON: one byte string per value, for hashing, signing and reproducible files."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

__all__ = ["canonical_json"]


def _not_json(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make_encoder() -> Callable[[Any], str]:
    """``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)``, with CPython's C encoder built once instead of once per call.

    The values gdprkit hashes are built by its own ``to_dict`` methods and are trees, so the
    encoder keeps no circular-reference markers (a shared markers dict would not be
    thread-safe, and an error half-way would leave stale entries in it).
    """
    c_make = getattr(json.encoder, "c_make_encoder", None)
    c_string = getattr(json.encoder, "c_encode_basestring", None)
    if c_make is None or c_string is None:  # pragma: no cover - PyPy and friends
        return json.JSONEncoder(
            sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode
    scan = c_make(None, _not_json, c_string, None, ":", ",", True, False, False)

    def encode(value: Any) -> str:
        if isinstance(value, str):
            return str(c_string(value))
        return "".join(scan(value, 0))

    return encode


_encode = _make_encoder()


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` with sorted keys, no insignificant white space, UTF-8, no NaN.

    Two equal JSON-compatible values always give the same bytes, so the result can be hashed
    (ledger chains, package manifests) and compared.  The bytes are exactly those of
    ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False)`` (property-tested).

    Example:
        >>> canonical_json({"b": 1, "a": [True, None, "é"]})
        b'{"a":[true,null,"\xc3\xa9"],"b":1}'
    """
    return _encode(value).encode("utf-8")
