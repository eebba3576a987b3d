"""Conformance: mask every real log in ../shared/corpora/logs and find no client address left.

The logs (loghub, Elastic examples and Beats test inputs, fail2ban test files) stay in ../shared:
their licences forbid shipping them (corpora/SOURCES.md), so these tests skip when it is absent.

Two independent oracles say which addresses must be gone:

- fail2ban's own test expectations, extracted in ``fail2ban/failjson_hosts.tsv`` (file, line,
  expected host); host names in it are not addresses and are left out;
- for the other logs, a deliberately naive finder (any dotted quad or colon run that the standard
  library's :mod:`ipaddress` accepts), which over-approximates the client addresses.  It skips
  two things that are not address tokens, both documented limits: product versions inside a
  user-agent string (``Firefox/2.0.0.4``) and addresses spelled inside a reverse-DNS host name
  (``62.99.164.82.sh.example.net``, ``host129.206.196.21.example.com``).
"""

from __future__ import annotations

import csv
import functools
import io
import ipaddress
import re
from pathlib import Path

from gdprkit.ip import parse_address
from gdprkit.ip.logs import mask_stream


class TagMasker:
    """Every address becomes ``<v4>``/``<v6>``: nothing address-like is left to confuse checks."""

    name = "tag"
    key_id = None

    def apply(self, address: str) -> str:
        return f"<v{parse_address(address).version}>"


_NAIVE = re.compile(r"(?<![0-9A-Za-z.:_-])[0-9A-Fa-f:.]{2,}(?![0-9A-Za-z:_-]|\.[0-9A-Za-z])")
# A quoted user agent ("Mozilla/5.0 ...", "curl/8.0") in an access log line.
_AGENT = re.compile(r'"(?:Mozilla|Opera|curl|Wget|[A-Za-z]+bot)[^"]*"')


def naive_addresses(text: str) -> set[str]:
    """Every token the standard library accepts as an address (oracle independent of gdprkit)."""
    found = set()
    for token in _NAIVE.findall(_AGENT.sub('""', text)):
        for candidate in (token, token.rstrip(".:")):
            try:
                found.add(str(ipaddress.ip_address(candidate)))
            except ValueError:
                continue
    return found


def _logs(shared: Path) -> list[Path]:
    root = shared / "corpora" / "logs"
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix != ".tsv" and not p.name.startswith("LICENSE")
    )


@functools.cache
def _mask(path: Path) -> tuple[str, object]:
    """Mask one corpus file (once per test session: several tests look at the same output)."""
    out = io.BytesIO()
    with path.open("rb") as handle:
        summary = mask_stream(handle, out, masker=TagMasker())
    return out.getvalue().decode("latin-1"), summary


def test_fail2ban_expected_hosts_are_all_masked(shared_dir: Path) -> None:
    root = shared_dir / "corpora" / "logs" / "fail2ban"
    with (root / "failjson_hosts.tsv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["host_kind"] == "ip"]
    assert len(rows) == 500  # SOURCES.md: 500 IPs (16 IPv6) and 15 host names
    left_in = {name: naive_addresses(_mask(root / name)[0]) for name in {r["file"] for r in rows}}
    left = [
        (r["file"], r["line_no"])  # file and line only: the address itself is personal data
        for r in rows
        if str(ipaddress.ip_address(r["expected_host"])) in left_in[r["file"]]
    ]
    assert left == []


def test_every_corpus_log_has_no_address_left(shared_dir: Path) -> None:
    logs = _logs(shared_dir)
    assert len(logs) >= 30
    leaks = {}
    seen = 0
    for path in logs:
        original = path.read_bytes().decode("latin-1")
        seen += len(naive_addresses(original))
        masked, _ = _mask(path)
        left = naive_addresses(original) & naive_addresses(masked)
        if left:
            leaks[path.name] = len(left)  # counts only: the addresses are personal data
    assert leaks == {}
    assert seen > 1500  # unique addresses per file: the oracle does see the corpus's addresses


def test_every_corpus_log_keeps_its_line_count_and_non_address_bytes(shared_dir: Path) -> None:
    for path in _logs(shared_dir):
        original = path.read_bytes()
        masked, summary = _mask(path)
        assert masked.count("\n") == original.count(b"\n"), path.name
        # Removing the placeholders and the addresses leaves the same skeleton of bytes.
        skeleton = re.sub(r"<v[46]>|\[unparsed\]", "", masked)
        assert len(skeleton) <= len(original), path.name
        assert summary.lines >= original.count(b"\n")  # type: ignore[attr-defined]


def test_access_logs_fail_closed_only_where_the_client_is_not_an_address(
    shared_dir: Path,
) -> None:
    beats = shared_dir / "corpora" / "logs" / "elastic-beats"
    masked, summary = _mask(beats / "nginx-access-test-with-host.log")
    # 'localhost' written where nginx puts $remote_addr (three times) is not an address.
    assert summary.failed == (("client", 2), ("x_forwarded_for", 1))  # type: ignore[attr-defined]
    assert "example.com:80 unix: - -" in masked  # a unix-socket client is no address
    masked, summary = _mask(shared_dir / "corpora/logs/elastic-examples/apache_logs.first8000")
    assert summary.failed_total == 0  # type: ignore[attr-defined]
    assert summary.lines == 8000  # type: ignore[attr-defined]
