"""Canonical JSON: one byte string per value, for hashing, signing and reproducible files."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Callable
from typing import Any

__all__ = ["canonical_json", "compact_encoder"]


def _not_json(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def compact_encoder(
    *, sort_keys: bool, default: Callable[[Any], Any], check_circular: bool
) -> Callable[[Any], str]:
    """Compact JSON text (``,`` and ``:`` separators, non-ASCII kept, NaN refused).

    The same text as ``json.dumps(value, separators=(",", ":"), ensure_ascii=False,
    allow_nan=False, sort_keys=..., default=..., check_circular=...)``, but with CPython's C
    encoder built once: ``json.dumps`` with options builds a new encoder object per call, which
    costs as much as encoding a small record.  With ``check_circular`` the encoder keeps the ids
    of the containers it is in, so one encoder must not be used by two threads at once.

    Example:
        >>> encode = compact_encoder(sort_keys=True, default=str, check_circular=False)
        >>> encode({"b": [1, 2.5], "a": "é"})
        '{"a":"é","b":[1,2.5]}'
    """
    c_make = getattr(json.encoder, "c_make_encoder", None)
    c_string = getattr(json.encoder, "c_encode_basestring", None)
    if c_make is None or c_string is None:  # pragma: no cover - PyPy and friends
        return json.JSONEncoder(
            sort_keys=sort_keys,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
            check_circular=check_circular,
            default=default,
        ).encode
    markers: dict[int, object] | None = {} if check_circular else None
    # Same arguments JSONEncoder.iterencode passes for a one-shot encoder.
    scan = c_make(markers, default, c_string, None, ":", ",", sort_keys, False, False)
    if markers is None:

        def encode(value: Any) -> str:
            return "".join(scan(value, 0))

        return encode

    def encode_checked(value: Any) -> str:
        try:
            return "".join(scan(value, 0))
        except BaseException:
            # The C encoder leaves the ids of the containers it was in when an error struck;
            # left there, they would make the next value holding one of them look circular.
            markers.clear()
            raise

    return encode_checked


# The values gdprkit hashes are built by its own ``to_dict`` methods and are trees: no
# circular-reference markers, so one encoder serves every thread.
_encode = compact_encoder(sort_keys=True, default=_not_json, check_circular=False)


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
