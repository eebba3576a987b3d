"""Canonical JSON: one byte string per value, for hashing, signing and reproducible files."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["canonical_json"]


def canonical_json(value: Any) -> bytes:
    """Serialise ``value`` with sorted keys, no insignificant white space, UTF-8, no NaN.

    Two equal JSON-compatible values always give the same bytes, so the result can be hashed
    (ledger chains, package manifests) and compared.
    """
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")
