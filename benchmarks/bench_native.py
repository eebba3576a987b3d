"""Benchmark of the native IP engine against the Python engine, a perl filter and GNU sed.

The same seeded nginx ``combined`` log as ``bench_ip_logs.py`` (and the same lines as nginx JSON
lines), each command timed as a whole process (start-up included) writing to /dev/null:

- baselines: the perl filter ``../shared/baselines/perl_v46.pl`` (IPv4 /24, IPv6 /48 validated by
  ``inet_pton``), GNU sed with ``LC_ALL=C`` and in a UTF-8 locale (last IPv4 octet only);
- ``gdprkit ip mask`` with ``--engine python`` and ``--engine native``: format-aware GA,
  ``--format text``, JSON lines, ``--jobs 2``, Crypto-PAn and ipcrypt-pfx;
- in process: Crypto-PAn and ipcrypt-pfx on never-repeating addresses (addresses/s), the
  per-call cost of ``mask_text`` on a 200-byte log message, and the share of lines and values the
  native engine handed back to the Python engine;
- peak RSS of the native run on N and 4N lines.

It records, never asserts. Run: ``python benchmarks/bench_native.py --lines 1000000`` (needs
``pip install ./native``; ``--lines 100000`` for a quick look). Prints a table and the ratios the
issue sets as targets.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ip_logs import _gdprkit, _peak_rss_kib, _timed, generate

from gdprkit.ip import CryptoPAnMasker, IPCryptPfx, TruncationMasker, _engine
from gdprkit.ip.text import mask_text

_PERL = Path(__file__).resolve().parents[2] / "shared" / "baselines" / "perl_v46.pl"
_LINE = re.compile(r'(\S+) - - \[([^\]]+)\] "([^"]*)" (\d+) (\d+) "([^"]*)" "([^"]*)" "([^"]*)"')


def _to_json(src: Path, dst: Path) -> None:
    """The same log as nginx ``escape=json`` lines."""
    with src.open(encoding="ascii") as lines, dst.open("w", encoding="ascii") as out:
        for line in lines:
            m = _LINE.match(line)
            if m is None:
                continue
            addr, stamp, request, status, size, ref, agent, xff = m.groups()
            record = {
                "remote_addr": addr,
                "time_local": stamp,
                "request": request,
                "status": int(status),
                "body_bytes_sent": int(size),
                "http_referer": ref,
                "http_user_agent": agent,
                "http_x_forwarded_for": xff,
            }
            out.write(json.dumps(record) + "\n")


def _unique_v4(n: int, seed: int) -> list[str]:
    # A bijection of the 32-bit space (odd multiplier), so no address repeats.
    mult, add = 2654435761, random.Random(seed).getrandbits(32)
    out = []
    for i in range(n):
        v = (i * mult + add) & 0xFFFFFFFF
        out.append(f"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}")
    return out


def _unique_v6(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        ":".join(f"{rng.getrandbits(16):x}" for _ in range(7)) + f":{i & 0xFFFF:x}"
        for i in range(n)
    ]


def _rate(masker: object, addresses: list[str], engine: str) -> tuple[float, dict[str, int]]:
    """Addresses/s through the line engine: access-log lines whose clients never repeat."""
    rest = ' - - [17/May/2015:10:05:03 +0000] "GET / HTTP/1.1" 200 5 "-" "-"\n'
    data = rest.join(addresses).encode() + rest.encode()
    made = _engine.make_engine(masker, format="combined", fields=None, engine=engine)  # type: ignore[arg-type]
    start = time.perf_counter()
    if isinstance(made, _engine.NativeEngine):
        made.mask_bytes(data)
        stats = made.stats
    else:
        made.mask_chunk(data.decode("latin-1"))
        stats = {}
    return len(addresses) / (time.perf_counter() - start), stats


def _mask_text_cost(engine: str, *, address: bool = True) -> float:
    """Microseconds per mask_text call on a 200-byte log message (with or without an address)."""
    client = "198.51.100.23" if address else "the web shop"
    # The logging integration masks the message and its arguments, before the formatter adds
    # a timestamp (whose colons would make any text a candidate for the pre-filter).
    message = (
        "checkout: order 88412 of 249.90 EUR paid by customer 5531, card ending 4242, from "
        f"{client} via /checkout/step-3 (session 7f3a9c, cart of 12 items, voucher SPRING25)"
    )
    masker = TruncationMasker.preset("ga")
    os.environ[_engine.ENV_VAR] = engine
    try:
        mask_text(message, masker)
        number = 50000
        best = min(timeit.repeat(lambda: mask_text(message, masker), number=number, repeat=5))
    finally:
        del os.environ[_engine.ENV_VAR]
    return best / number * 1e6


def _stats(path: Path, fmt: str) -> dict[str, int]:
    made = _engine.make_engine(
        TruncationMasker.preset("ga"), format=fmt, fields=None, engine="native"
    )
    if not isinstance(made, _engine.NativeEngine):
        raise SystemExit("the native engine is not installed")
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            cut = block.rfind(b"\n") + 1
            made.mask_bytes(block[:cut])  # a benchmark: partial last lines are dropped
            handle.seek(cut - len(block), 1)
    return made.stats


def main(argv: list[str] | None = None) -> int:
    """Generate the logs, run every variant and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of every command (best of)")
    parser.add_argument("--unique", type=int, default=1_000_000, help="addresses for rates")
    parser.add_argument("--skip-rss", action="store_true")
    parser.add_argument(
        "--skip-commands", action="store_true", help="only the in-process measurements"
    )
    parser.add_argument(
        "--only", action="append", default=[], help="run only commands with this name (repeat)"
    )
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--native-before",
        type=Path,
        default=None,
        help="a directory holding an older gdprkit_native (an unpacked wheel), timed beside the "
        "installed one as 'native-before ...'",
    )
    args = parser.parse_args(argv)
    if _engine.native_module() is None:
        print("the native engine is not installed: pip install ./native")
        return 1

    work = Path(tempfile.mkdtemp(prefix="gdprkit-bench-native-", dir=args.workdir))
    try:
        log = work / "access.log"
        generate(log, args.lines, args.seed)
        jsonl = work / "access.jsonl"
        _to_json(log, jsonl)
        size, jsize = log.stat().st_size, jsonl.stat().st_size
        print(f"{args.lines} lines: combined {size / 1e6:.1f} MB, JSON {jsize / 1e6:.1f} MB")
        key = work / "key.hex"
        key.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
        sed = shutil.which("sed") or "sed"
        sed_expr = r"s/([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.[0-9]{1,3}/\1.0/g"
        env_c = "LC_ALL=C"
        runs: dict[str, tuple[list[str], int]] = {
            "perl_v46 (combined)": (["perl", str(_PERL), str(log)], size),
            "perl_v46 (json)": (["perl", str(_PERL), str(jsonl)], jsize),
            "sed LC_ALL=C": (["env", env_c, sed, "-E", sed_expr, str(log)], size),
            "sed C.UTF-8": (["env", "LC_ALL=C.UTF-8", sed, "-E", sed_expr, str(log)], size),
        }
        for engine in ("python", "native"):
            e = ("--engine", engine)
            runs |= {
                f"{engine} ga combined": (_gdprkit(*e, "--format", "combined", str(log)), size),
                f"{engine} ga text": (_gdprkit(*e, "--format", "text", str(log)), size),
                f"{engine} ga jsonl": (_gdprkit(*e, "--format", "jsonl", str(jsonl)), jsize),
                f"{engine} ga --jobs 2": (
                    _gdprkit(*e, "--format", "combined", "--jobs", "2", str(log)),
                    size,
                ),
                f"{engine} cryptopan": (
                    _gdprkit(*e, "--method", "cryptopan", "--key-file", str(key), str(log)),
                    size,
                ),
                f"{engine} ipcrypt-pfx": (
                    _gdprkit(*e, "--method", "ipcrypt-pfx", "--key-file", str(key), str(log)),
                    size,
                ),
            }
        if args.native_before is not None:
            before = ("env", f"PYTHONPATH={args.native_before.resolve()}")
            e = ("--engine", "native")
            runs |= {
                f"native-before ga {fmt}": (
                    [*before, *_gdprkit(*e, "--format", fmt, str(path))],
                    path.stat().st_size,
                )
                for fmt, path in (("combined", log), ("text", log), ("jsonl", jsonl))
            }
        if args.skip_commands:
            runs = {}
        elif args.only:
            runs = {name: run for name, run in runs.items() if name in args.only}
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, (cmd, _) in runs.items():
                results[name].append(_timed(cmd))
        wall = {name: min(r[0] for r in rs) for name, rs in results.items()}
        cpu = {name: min(r[1] for r in rs) for name, rs in results.items()}
        print(f"{'run':24s} {'wall s':>7s} {'MB/s':>7s} {'CPU s':>7s}  all wall s")
        for name, (_, nbytes) in runs.items():
            every = ", ".join(f"{r[0]:.2f}" for r in results[name])
            print(
                f"{name:24s} {wall[name]:7.2f} {nbytes / wall[name] / 1e6:7.1f} "
                f"{cpu[name]:7.2f}  {every}"
            )

        def ratio(a: str, b: str) -> str:
            if a not in wall or b not in wall:
                return "not run"
            return f"{wall[b] / wall[a]:.2f}x wall, {cpu[b] / cpu[a]:.2f}x CPU"

        print()
        for label, a, b, target in [
            ("native GA / perl", "native ga combined", "perl_v46 (combined)", ">= 5x"),
            ("native text / perl", "native ga text", "perl_v46 (combined)", ">= 3x"),
            ("native jsonl / perl", "native ga jsonl", "perl_v46 (json)", ">= 3x"),
            ("native --jobs 2 / 1", "native ga --jobs 2", "native ga combined", ">= 1.8x"),
            ("native / python GA", "native ga combined", "python ga combined", "-"),
            ("native / python text", "native ga text", "python ga text", "-"),
            ("native / python jsonl", "native ga jsonl", "python ga jsonl", "-"),
            ("native / python cryptopan", "native cryptopan", "python cryptopan", "-"),
        ]:
            print(f"{label:26s} {ratio(a, b):>28s}  (target {target})")

        if args.only:
            return 0
        print()
        v4 = _unique_v4(args.unique, args.seed)
        v6 = _unique_v6(args.unique // 4, args.seed)
        key_bytes = bytes.fromhex(key.read_text().strip())
        for label, masker, addresses, engine in [
            ("cryptopan IPv4 native", CryptoPAnMasker(key_bytes), v4, "native"),
            ("cryptopan IPv6 native", CryptoPAnMasker(key_bytes), v6, "native"),
            ("ipcrypt-pfx IPv4 native", IPCryptPfx(key_bytes), v4[: args.unique // 10], "native"),
            (
                "cryptopan IPv4 python",
                CryptoPAnMasker(key_bytes),
                v4[: args.unique // 10],
                "python",
            ),
        ]:
            rate, stats = _rate(masker, addresses, engine)
            print(f"{label:26s} {rate:12,.0f} unique addresses/s  {stats or ''}")
        for address in (True, False):
            py_cost = _mask_text_cost("python", address=address)
            native_cost = _mask_text_cost("native", address=address)
            print(
                f"mask_text, 200-byte message {'with' if address else 'without'} an address: "
                f"python {py_cost:.2f} us, native {native_cost:.2f} us per call "
                f"({native_cost / py_cost:.2f} of python, target <= 0.5)"
            )
        for fmt, path in (("combined", log), ("text", log), ("jsonl", jsonl)):
            stats = _stats(path, fmt)
            total = stats["lines_native"] + stats["lines_handed_back"]
            print(
                f"hand-back {fmt:8s}: {stats['lines_handed_back']}/{total} lines "
                f"({100 * stats['lines_handed_back'] / max(total, 1):.3f} %), "
                f"{stats['values_handed_back']} values, "
                f"{stats['addresses_handed_back']} addresses handed back"
            )
        if not args.skip_rss:
            big = work / "access4.log"
            with big.open("wb") as out:
                for _ in range(4):
                    with log.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            cmd = ("--engine", "native", "--method", "ga")
            small_rss = _peak_rss_kib(_gdprkit(*cmd, str(log)))
            big_rss = _peak_rss_kib(_gdprkit(*cmd, str(big)))
            print(
                f"native peak RSS {args.lines} lines: {small_rss / 1024:.1f} MiB, "
                f"{4 * args.lines} lines: {big_rss / 1024:.1f} MiB "
                f"({100 * (big_rss - small_rss) / small_rss:+.1f} %; target <= 64 MiB, within 10 %)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
