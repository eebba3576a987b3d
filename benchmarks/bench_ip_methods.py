"""Per-address speed of every IP masking method, and Crypto-PAn against two baselines.

Baselines for Crypto-PAn, each result checked against gdprkit's before timing counts:

- **yacryptopan** (the issue's named baseline; PyPI ``yacryptopan``, on pycryptodomex), when it
  is installed (``nox -s bench`` installs it; the row is skipped otherwise);
- the naive construction written here, in the way yacryptopan works (not its code): one AES
  block per address bit, the AES context created once, integers for the bit arithmetic.  It
  uses the same `cryptography` AES as gdprkit, so its ratio measures the algorithm alone, not
  the AES library: the stricter of the two comparisons.

Workloads (seeded):
  unique-v4   N distinct random IPv4 addresses, each masked once, result caches off
  unique-v6   N/4 distinct random IPv6 addresses, each masked once, result caches off
  log-stream  N*5 addresses drawn Zipf-like from N/10 clients in a few hundred networks
              (what a web log looks like: repeats are common), default caches

Times are CPU seconds of the benchmark process (``time.process_time``), so other jobs on a shared
machine inflate them less than wall-clock time.

Run: ``python benchmarks/bench_ip_methods.py [--addresses N] [--seed S]``.
"""

from __future__ import annotations

import argparse
import ipaddress
import random
import sys
import time
from collections.abc import Callable, Sequence

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from gdprkit.ip import (
    CryptoPAnMasker,
    IPCryptDeterministic,
    IPCryptNd,
    IPCryptNdx,
    IPCryptPfx,
    IPMasker,
    KeyedTokenMasker,
    RedactionMasker,
    TruncationMasker,
)

KEY = bytes.fromhex("1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202")


class NaiveCryptoPAn:
    """One AES block per bit, as in the original paper and yacryptopan (baseline only)."""

    def __init__(self, key: bytes) -> None:
        self._encrypt = Cipher(algorithms.AES(key[:16]), modes.ECB()).encryptor().update  # noqa: S305
        self._pad = int.from_bytes(self._encrypt(key[16:]), "big")

    def anonymize(self, address: str) -> str:
        ip = ipaddress.ip_address(address)
        width = ip.max_prefixlen
        value = int(ip)
        flips = 0
        for pos in range(width):
            # first `pos` bits of the address, then the pad's bits, as one 128-bit block
            low = (1 << (128 - pos)) - 1
            block = (((value >> (width - pos)) << (128 - pos)) if pos else 0) | (self._pad & low)
            out = self._encrypt(block.to_bytes(16, "big"))
            flips = (flips << 1) | (out[0] >> 7)
        result = value ^ flips
        return str(ipaddress.ip_address(result) if width == 32 else ipaddress.IPv6Address(result))


def _unique_v4(n: int, rng: random.Random) -> list[str]:
    return [str(ipaddress.IPv4Address(v)) for v in rng.sample(range(1 << 32), n)]


def _unique_v6(n: int, rng: random.Random) -> list[str]:
    return [ipaddress.IPv6Address(rng.getrandbits(128)).compressed for _ in range(n)]


def _log_stream(n: int, rng: random.Random) -> list[str]:
    networks = [rng.getrandbits(24) for _ in range(300)]
    clients = []
    for _ in range(max(n // 10, 10)):
        if rng.random() < 0.7:
            clients.append(
                str(ipaddress.IPv4Address((rng.choice(networks) << 8) | rng.getrandbits(8)))
            )
        else:
            prefix = rng.choice(networks) << 104 | 0x2A00 << 112
            clients.append(ipaddress.IPv6Address(prefix | rng.getrandbits(64)).compressed)
    weights = [1 / (i + 1) for i in range(len(clients))]  # Zipf-like: a few heavy clients
    return rng.choices(clients, weights=weights, k=n * 5)


def _per_address(apply: Callable[[str], str], addresses: Sequence[str]) -> float:
    # CPU time of this process: on a shared machine it is far steadier than wall-clock time.
    start = time.process_time()
    for address in addresses:
        apply(address)
    return (time.process_time() - start) / len(addresses)


def _methods(*, cache: bool) -> list[IPMasker]:
    size = 65536 if cache else 0
    return [
        TruncationMasker.preset("ga", cache_size=size),
        RedactionMasker(cache_size=size),
        KeyedTokenMasker(KEY, cache_size=size),
        CryptoPAnMasker(KEY, cache_size=size),
        IPCryptDeterministic(KEY[:16], cache_size=size),
        IPCryptPfx(KEY, cache_size=size),
        IPCryptNd(KEY[:16]),
        IPCryptNdx(KEY),
    ]


def _yacryptopan() -> Callable[[str], str] | None:
    """yacryptopan's ``anonymize`` with the benchmark key, or None when it is not installed."""
    try:
        import yacryptopan  # type: ignore[import-not-found]
    except ImportError:
        return None
    anonymize: Callable[[str], str] = yacryptopan.CryptoPAn(KEY).anonymize
    return anonymize


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table of microseconds per address and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=20000, help="unique IPv4 addresses")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    v4 = _unique_v4(args.addresses, rng)
    v6 = _unique_v6(max(args.addresses // 4, 1), rng)
    stream = _log_stream(args.addresses, rng)

    naive = NaiveCryptoPAn(KEY)
    check = CryptoPAnMasker(KEY, cache_size=0)
    for address in v4[:500] + v6[:100] + stream[:500]:
        if naive.anonymize(address) != check.apply(address):
            print(f"MISMATCH between baseline and gdprkit on {address}", file=sys.stderr)
            return 1

    print(
        f"Python {sys.version.split()[0]}, {args.addresses} unique IPv4, "
        f"{len(v6)} unique IPv6, log stream of {len(stream)} ({len(set(stream))} distinct)"
    )
    yacryptopan = _yacryptopan()
    if yacryptopan is not None:
        for address in v4[:200] + v6[:50]:
            if yacryptopan(address) != check.apply(address):
                print(f"MISMATCH between yacryptopan and gdprkit on {address}", file=sys.stderr)
                return 1
    print()
    print("Crypto-PAn, microseconds per address (lower is better; target >= 10x yacryptopan)")
    print(
        f"{'workload':<12} {'yacryptopan':>12} {'naive/bit':>10} {'gdprkit':>10} "
        f"{'vs yacryptopan':>15} {'vs naive':>9}"
    )
    for label, data in (("unique-v4", v4), ("unique-v6", v6), ("log-stream", stream)):
        sample = data[: max(len(data) // 5, 1)]  # the baselines are slow: time them on a fifth
        t_naive = _per_address(naive.anonymize, sample)
        t_yac = _per_address(yacryptopan, sample[:2000]) if yacryptopan else float("nan")
        masker = CryptoPAnMasker(KEY, cache_size=65536 if label == "log-stream" else 0)
        t_fast = _per_address(masker.apply, data)
        print(
            f"{label:<12} {t_yac * 1e6:>12.2f} {t_naive * 1e6:>10.2f} {t_fast * 1e6:>10.2f} "
            f"{t_yac / t_fast:>14.1f}x {t_naive / t_fast:>8.1f}x"
        )
    if yacryptopan is None:
        print("(yacryptopan is not installed: pip install yacryptopan for the named baseline)")
    print()
    print("Every method, microseconds per address (caches off for unique, on for the stream)")
    print(f"{'method':<24} {'unique-v4':>10} {'unique-v6':>10} {'log-stream':>11}")
    for cold, warm in zip(_methods(cache=False), _methods(cache=True), strict=True):
        row = [_per_address(cold.apply, v4), _per_address(cold.apply, v6)]
        row.append(_per_address(warm.apply, stream))
        print(f"{cold.name:<24} " + " ".join(f"{t * 1e6:>10.2f}" for t in row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
