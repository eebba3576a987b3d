"""Conformance over the shared corpora (skipped when ../shared is absent).

The copied subset lives in tests/ip/vectors; these tests read the corpora themselves so a change
there is noticed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.ip import KeyedTokenMasker, find_addresses, mask_text, parse_address


def _cases(shared_dir: Path) -> list[dict[str, Any]]:
    path = shared_dir / "corpora" / "ip_forms" / "log_context_forms.json"
    return list(json.loads(path.read_text(encoding="utf-8"))["cases"])


def _listed(case: dict[str, Any]) -> list[str]:
    if "expect_client" in case:
        return [case["expect_client"]]
    return [a.split(" (")[0] for a in case.get("addresses_present", [])]


def test_log_context_forms(shared_dir: Path) -> None:
    masker = KeyedTokenMasker(bytes(range(32)), key_id="k1")
    cases = _cases(shared_dir)
    assert cases
    for case in cases:
        text = case["text"]
        found = [m.text for m in find_addresses(text)]
        for address in _listed(case):
            assert address in found, case["why_tricky"]
        masked = mask_text(text, masker)
        # No address is left, and every found address value is gone from the text.
        assert list(find_addresses(masked)) == [], case["why_tricky"]
        for address in found:
            assert address not in masked or parse_address(address).format() in masked


@pytest.mark.parametrize("name", ["nasty.txt"])
def test_yacryptopan_nasty_file_keeps_non_addresses(shared_dir: Path, name: str) -> None:
    # yacryptopan's find-and-replace fixture: MAC addresses are not addresses; every line with
    # an address loses it, including the eight spellings of one IPv6 address.
    text = (shared_dir / "corpora" / "cryptopan" / name).read_text(encoding="utf-8")
    masked = mask_text(text, KeyedTokenMasker(bytes(range(32)), key_id="k1"))
    assert "ab:ab:ab:ab:ab:ab FF:FF:FF:FF:FF:FF" in masked
    assert "a line with no IP addresses" in masked
    assert len(set(masked.splitlines()[-1].split())) == 1
    assert list(find_addresses(masked)) == []
