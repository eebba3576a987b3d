"""Mask the IP addresses of a web-server log from Python (the API behind ``gdprkit ip mask``).

Run from the examples folder: ``python mask_logs.py``.  It masks ``sample-access.log`` (a
synthetic nginx log with documentation-range addresses) three ways and prints what it did:

1. ``mask_file`` with the GA truncation preset into a gzip file, then reads it back;
2. ``mask_file`` with Crypto-PAn (prefix-preserving pseudonyms under a key) in four processes;
3. ``mask_stream`` on a stream, for pipelines, with a fail-closed line in it.
"""

from __future__ import annotations

import gzip
import io
import secrets
import tempfile
from pathlib import Path

from gdprkit.ip import (
    UNPARSED_MARKER,
    CryptoPAnMasker,
    TruncationMasker,
    mask_file,
    mask_stream,
)

HERE = Path(__file__).resolve().parent
SAMPLE = HERE / "sample-access.log"


def main() -> None:
    """Run the three demonstrations."""
    with tempfile.TemporaryDirectory() as tmp:
        # 1. Truncation, gzip output chosen by the extension.
        masked = Path(tmp, "access.masked.log.gz")
        summary = mask_file(SAMPLE, masked, masker=TruncationMasker.preset("ga"))
        print(
            f"ga: {summary.lines} lines ({summary.format}), {summary.addresses_v4} IPv4 and "
            f"{summary.addresses_v6} IPv6 addresses masked, "
            f"{summary.failed_total} fields failed closed {dict(summary.failed)}"
        )
        first = gzip.decompress(masked.read_bytes()).split(b"\n", 1)[0].decode()
        print("  first line:", first[:60], "...")
        assert summary.failed == (("client", 1),)  # the sample has one malformed client

        # 2. Crypto-PAn under a fresh key (keep yours in a secret store), four processes.
        key = secrets.token_bytes(32)
        pseudonymised = Path(tmp, "access.cryptopan.log")
        same = mask_file(SAMPLE, pseudonymised, masker=CryptoPAnMasker(key), jobs=4)
        assert same.lines == summary.lines
        print(f"cryptopan (4 processes): {same.addresses} addresses pseudonymised")

    # 3. A stream: one bad client field is replaced by the marker, never written through.
    log = (
        b'198.51.100.23 - - [23/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
        b'999.1.2.3 - - [23/Nov/2026:10:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8"\n'
    )
    out = io.BytesIO()
    result = mask_stream(io.BytesIO(log), out, masker=TruncationMasker.preset("ga"))
    print(out.getvalue().decode(), end="")
    assert out.getvalue().count(UNPARSED_MARKER.encode()) == result.failed_total == 1


if __name__ == "__main__":
    main()
