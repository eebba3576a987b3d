"""Finding and masking addresses in free text: the tricky log contexts and the false positives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gdprkit.errors import InvalidType
from gdprkit.ip import TruncationMasker, find_addresses, mask_text, mask_text_counted, parse_address


def load_vectors(name: str) -> Any:
    """One of the vector files copied into tests/ip/vectors (each names its source)."""
    return json.loads((Path(__file__).parent / "vectors" / name).read_text(encoding="utf-8"))


# tests/ip/vectors/log_contexts.json: verbatim log lines, each naming its public source.
CASES = load_vectors("log_contexts.json")["cases"]


class Redact:
    """A tiny masker for assertions: every address becomes a marker that keeps its family."""

    name = "test-redact"
    key_id = None

    def apply(self, address: str) -> str:
        return "<v4>" if parse_address(address).version == 4 else "<v6>"


def _expected_addresses(case: dict[str, Any]) -> list[str]:
    if "expect_client" in case:
        return [case["expect_client"]]
    return [a.split(" (")[0] for a in case.get("addresses_present", [])]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["why_tricky"][:40])
def test_log_contexts_find_the_listed_addresses(case: dict[str, Any]) -> None:
    found = [m.text for m in find_addresses(case["text"])]
    for address in _expected_addresses(case):
        assert address in found
    for m in find_addresses(case["text"]):
        assert case["text"][m.start : m.end] == m.text
        parse_address(m.text)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("RSA 12:f8:7e:78:61:b4:bf:e2:de:24:15:96:4e:d4:72:53", 0),  # elastic-beats auth log
        ("SHA1 12:f8:7e:78:61:b4:bf:e2:de:24:15:96:4e:d4:72:53:aa:bb:cc:dd", 0),
        ("Chrome/120.0.6099.109 Safari/537.36", 0),
        ("(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0", 0),
        ("/static/app.3.2.1.js?v=1.2.3.4.5", 0),
        ("at 06:00:00 and 2016:06:47:09 and 22:45:11.608", 0),
        (" HWaddr ab:ab:ab:ab:ab:ab 00:1a:2b:3c:4d:5e", 0),
        ("sha d41d8cd98f00b204e9800998ecf8427e", 0),
        ("v1.2.3.4 999.1.1.1 1.2.3.4.5 1.3.6.1.4.1.2021", 0),
        # Issue 17, class 7: glued to letters, digits or '_' and zero-padded, still addresses.
        ("x1.2.3.4 1.2.3.4x 01.2.3.4 backup_203.0.113.7.tar", 4),
        ("from::1 Foo::bar std::vector", 0),
        ("ip:2001:db8::1 client:198.51.100.1 source:2001:db8::2", 3),
        ("end of sentence 198.51.100.1. next", 1),
    ],
)
def test_no_false_positives_and_no_misses(text: str, count: int) -> None:
    assert len(list(find_addresses(text))) == count


def test_mask_text_keeps_everything_around_the_address() -> None:
    text = "[client [2001:db8::80da:af6b:8b2c]:51548] x 2001:db8::1234:58430 /10.10.34.11:3888:Q"
    assert mask_text(text, Redact()) == "[client [<v6>]:51548] x <v6>:58430 /<v4>:3888:Q"


def test_java_style_port_and_trailing_word() -> None:
    text = "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774]"
    assert mask_text(text, Redact()) == "QuorumPeer[myid=1]/<v6>:2181:FastLeaderElection@774]"


def test_mapped_tail_is_not_matched_twice() -> None:
    assert mask_text("x ::ffff:192.0.2.128 y", Redact()) == "x <v6> y"


def test_version_rule_can_be_switched_off() -> None:
    text = "GET /lookup/192.0.2.1 Mozilla/5.0 Chrome/120.0.0.0"
    # Issue 17, classes 8 and 9: a path segment is an address, a product token a version.
    assert mask_text(text, Redact()) == "GET /lookup/<v4> Mozilla/5.0 Chrome/120.0.0.0"
    assert mask_text(text, Redact(), skip_versions=False) == (
        "GET /lookup/<v4> Mozilla/5.0 Chrome/<v4>"
    )


def test_counts_per_family() -> None:
    ga = TruncationMasker.preset("ga")
    text = "10.5.102.222, 199.96.1.1 [::1]:80 fe80::1%eth0 0:0:0:0:0:0:0:1"
    out, v4, v6 = mask_text_counted(text, ga)
    assert (v4, v6) == (2, 3)
    assert out == "10.5.102.0, 199.96.1.0 [::]:80 fe80::%eth0 ::"


def test_eight_spellings_of_one_address_mask_alike() -> None:
    case = next(c for c in CASES if "eight spellings" in c["why_tricky"])
    masked = mask_text(case["text"], TruncationMasker.preset("matomo1")).split()
    assert masked == ["2001:db8::"] * 8


def test_text_must_be_str() -> None:
    with pytest.raises(InvalidType):
        mask_text(b"1.2.3.4", Redact())  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        list(find_addresses(None))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("client 2001:db8::1: connection refused", "client <v6>: connection refused"),
        ("peer 2001:db8::1.Retrying", "peer <v6>.Retrying"),
        ("gone 2001:db8::. next", "gone <v6>. next"),
        ("x ::ffff:1.2.3.4abc y", "x ::ffff:<v4>abc y"),
        ("id=::ffff:203.0.113.7x", "id=<v6>x"),
        ("end 2001:db8:::80", "end <v6>:80"),
    ],
)
def test_separators_after_an_ipv6_address(text: str, expected: str) -> None:
    assert mask_text(text, Redact()) == expected
