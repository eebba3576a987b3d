"""Benchmark of ``gdprkit ip mask`` against GNU sed and a naive Python loop, on the same file.

Generates a seeded synthetic nginx ``combined`` log (about 70 % IPv4 / 30 % IPv6 clients in mixed
textual forms, 10 % of lines with an X-Forwarded-For list, realistic user agents with version
strings), then times, each in a fresh process writing to /dev/null:

- baseline ``sed``: GNU sed masking the last IPv4 octet with one regex (no IPv6, no fail-closed);
- baseline ``naive``: a Python line loop with ``re`` and ``ipaddress`` (GA-style truncation);
- ``gdprkit ip mask --method ga`` (format-aware), ``--format text``, ``--jobs 2``,
  ``--method ipcrypt-pfx`` and ``--method cryptopan`` (when available);
- peak RSS of the format-aware run on N and 4N lines (the larger file is the first one four
  times over).

Run: ``python benchmarks/bench_ip_logs.py --lines 1000000`` (default), ``--lines 100000`` for a
quick look; ``--before /tmp/ip-before`` (a ``git worktree`` of the code to compare with)
also times every gdprkit run with that code, right before the current one, and prints the
ratios.  Prints MB/s per run and the ratios the issue sets as targets.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_AGENTS = [
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.{b}.{p} Safari/537.36"
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.0.0 Safari/537.36"
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.{p} Safari/605.1.15"
    ),
    "Mozilla/5.0 (X11; Linux x86_64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
        "Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    ),
    (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/{v}.0.{b}.{p} Mobile Safari/537.36"
    ),
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "curl/8.{p}.0",
    "python-requests/2.31.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:{v}.0) Gecko/20100101 Firefox/{v}.0",
]
_PATHS = [
    "/",
    "/products/{n}",
    "/products/{n}/reviews?page={p}",
    "/cart",
    "/checkout/step-{p}",
    "/static/app.{v}.{p}.1.js",
    "/static/css/main.{n}.css",
    "/api/v1/orders/{n}",
    "/search?q=shoes+size+{p}",
    "/favicon.ico",
]
_REFERRERS = ["-", "https://shop.example/", "https://www.google.com/", "https://shop.example/cart"]


def _ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randrange(1, 255)) for _ in range(4))


def _ipv6(rng: random.Random) -> str:
    groups = [f"{rng.randrange(0x2001, 0x2A10):x}", f"{rng.randrange(0, 0xFFFF):x}"]
    groups += [f"{rng.randrange(0, 0xFFFF):x}" for _ in range(2)]
    tail = [f"{rng.randrange(0, 0xFFFF):x}" for _ in range(4)]
    form = rng.random()
    if form < 0.5:
        return ":".join(groups) + "::" + ":".join(tail[2:])  # compressed
    if form < 0.7:
        return ":".join(g.zfill(4) for g in groups + tail)  # full, zero-padded
    if form < 0.85:
        return (":".join(groups) + "::" + tail[3]).upper()  # upper case
    return f"::ffff:{_ipv4(rng)}"  # IPv4-mapped


def _zipf(rng: random.Random, items: list[str], k: int, exponent: float) -> list[str]:
    weights = [1 / (i + 1) ** exponent for i in range(len(items))]
    return rng.choices(items, weights=weights, k=k)


def generate(path: Path, lines: int, seed: int) -> None:
    """Write the synthetic log (deterministic for a given seed and size).

    Real traffic repeats itself: a few busy clients and a long tail of rare ones, a few hundred
    user-agent strings, a few thousand URLs; all drawn with Zipf-like weights.
    """
    rng = random.Random(seed)
    clients = [_ipv4(rng) if rng.random() < 0.7 else _ipv6(rng) for _ in range(50000)]
    proxies = [_ipv4(rng) for _ in range(200)]
    agents = [
        rng.choice(_AGENTS).format(
            v=rng.randrange(100, 126), b=rng.randrange(4000, 7000), p=rng.randrange(1, 200)
        )
        for _ in range(400)
    ]
    paths = [
        rng.choice(_PATHS).format(
            n=rng.randrange(1, 5000), p=rng.randrange(1, 9), v=rng.randrange(1, 9)
        )
        for _ in range(5000)
    ]
    picks = _zipf(rng, clients, lines, 0.8)
    agent_picks = _zipf(rng, agents, lines, 1.0)
    path_picks = _zipf(rng, paths, lines, 0.9)
    with path.open("w", encoding="ascii", newline="\n") as out:
        for i in range(lines):
            xff = "-"
            if rng.random() < 0.1:
                xff = ", ".join(rng.choice(proxies) for _ in range(rng.randrange(1, 4)))
            minute, second = divmod(i // 20 % 3600, 60)
            out.write(
                f"{picks[i]} - - [17/May/2025:10:{minute:02d}:{second:02d} +0000] "
                f'"GET {path_picks[i]} HTTP/1.1" {rng.choice((200, 200, 200, 304, 404))} '
                f'{rng.randrange(200, 90000)} "{rng.choice(_REFERRERS)}" "{agent_picks[i]}" '
                f'"{xff}"\n'
            )


_NAIVE = r"""
import ipaddress, re, sys
pattern = re.compile(r"[0-9A-Fa-f:.]{7,}")
def mask(m):
    text = m.group()
    try:
        a = ipaddress.ip_address(text)
    except ValueError:
        return text
    prefix = 24 if a.version == 4 else 48
    return str(ipaddress.ip_network(f"{a}/{prefix}", strict=False).network_address)
src = open(sys.argv[1], encoding="latin-1")
out = open(sys.argv[2], "w", encoding="latin-1")
with src, out:
    for line in src:
        out.write(pattern.sub(mask, line))
"""


def _timed(cmd: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system of the command and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _peak_rss_kib(cmd: list[str]) -> int:
    """Peak RSS of a command, measured in a fresh wrapper process (getrusage of its child)."""
    probe = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, "
        "stderr=subprocess.DEVNULL); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, *cmd], check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip())


def _gdprkit(*args: str, tree: Path | None = None) -> list[str]:
    """The command line of one masking run; ``tree`` runs another checkout's ``src``."""
    command = [sys.executable, "-m", "gdprkit", "ip", "mask", "-q", *args]
    if tree is None:
        return command
    return ["env", f"PYTHONPATH={tree / 'src'}", *command]


def main(argv: list[str] | None = None) -> int:
    """Generate the log, run every variant and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument(
        "--repeat", type=int, default=1, help="rounds of every command; best of N, and per round"
    )
    parser.add_argument("--skip-rss", action="store_true", help="skip the 4x-size RSS run")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (e.g. a git worktree of main): each gdprkit run is also timed "
        "with its code, right before the current code, and the ratios are printed",
    )
    parser.add_argument(
        "--skip-baselines", action="store_true", help="do not run sed and the naive loop"
    )
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="gdprkit-bench-", dir=args.workdir))
    try:
        log = work / "access.log"
        start = time.perf_counter()
        generate(log, args.lines, args.seed)
        size = log.stat().st_size
        print(
            f"generated {args.lines} lines, {size / 1e6:.1f} MB in "
            f"{time.perf_counter() - start:.1f} s (seed {args.seed})"
        )
        key = work / "key.hex"
        key.write_text(os.urandom(32).hex() + "\n", encoding="ascii")
        naive = work / "naive.py"
        naive.write_text(_NAIVE, encoding="utf-8")
        sed = shutil.which("sed") or "sed"
        runs: dict[str, list[str]] = {
            "sed (last IPv4 octet)": [
                sed,
                "-E",
                r"s/([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.[0-9]{1,3}/\1.0/g",
                str(log),
            ],
            "gdprkit ga (combined)": _gdprkit("--method", "ga", "--format", "combined", str(log)),
            "gdprkit ga --format text": _gdprkit("--method", "ga", "--format", "text", str(log)),
            "gdprkit ga --jobs 2": _gdprkit(
                "--method", "ga", "--format", "combined", "--jobs", "2", str(log)
            ),
            "gdprkit ipcrypt-pfx": _gdprkit(
                "--method", "ipcrypt-pfx", "--key-file", str(key), "--format", "combined", str(log)
            ),
            "gdprkit cryptopan": _gdprkit(
                "--method", "cryptopan", "--key-file", str(key), "--format", "combined", str(log)
            ),
            # Last, so that sed and the gdprkit runs of a round follow one another closely.
            "naive python": [sys.executable, str(naive), str(log), os.devnull],
        }
        if args.skip_baselines:
            del runs["sed (last IPv4 octet)"], runs["naive python"]
        if args.before is not None:
            # Each gdprkit run of the other checkout goes right before the current one, so both
            # see the same minute of a shared machine.
            paired: dict[str, list[str]] = {}
            for name, cmd in runs.items():
                if name.startswith("gdprkit"):
                    paired[f"before: {name}"[:28]] = [
                        "env",
                        f"PYTHONPATH={args.before / 'src'}",
                        *cmd,
                    ]
                paired[name] = cmd
            runs = paired
        # Rounds, each running every command once in the same order, so that a ratio can also
        # be taken within one round (both sides saw the same machine: on a shared VM the same
        # command varies by 10-25 % between minutes).
        rounds: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(args.repeat):
            for name, cmd in runs.items():
                if name in rounds:
                    try:
                        rounds[name].append(_timed(cmd))
                    except subprocess.CalledProcessError:
                        print(f"{name:28s} not available (command failed)")
                        del rounds[name]
        speed: dict[str, float] = {}
        cpu_speed: dict[str, float] = {}
        print(
            f"{'run':28s} {'wall s':>7s} {'MB/s':>8s} {'CPU s':>7s} {'MB/CPU-s':>9s}  "
            "all runs (wall s)"
        )
        for name, results in rounds.items():
            wall = min(r[0] for r in results)
            cpu = min(r[1] for r in results)
            speed[name] = size / wall / 1e6
            cpu_speed[name] = size / cpu / 1e6
            every = ", ".join(f"{r[0]:.2f}" for r in results)
            print(
                f"{name:28s} {wall:7.2f} {speed[name]:8.1f} {cpu:7.2f} {cpu_speed[name]:9.1f}  "
                f"{every}",
                flush=True,
            )

        def ratio(a: str, b: str) -> str:
            if a not in speed or b not in speed:
                return "n/a"
            text = f"{speed[a] / speed[b]:.2f}x wall, {cpu_speed[a] / cpu_speed[b]:.2f}x CPU"
            if args.repeat > 1:
                paired = sorted(rb[0] / ra[0] for ra, rb in zip(rounds[a], rounds[b], strict=True))
                text += f"; per round {', '.join(f'{x:.2f}' for x in paired)}x"
            return text

        sed_name, ga = "sed (last IPv4 octet)", "gdprkit ga (combined)"
        print()
        targets = [
            ("format-aware GA / sed", ga, sed_name, ">= 1.5x"),
            ("--format text / sed", "gdprkit ga --format text", sed_name, ">= 1.0x"),
            ("--jobs 2 / one process", "gdprkit ga --jobs 2", ga, ">= 1.7x"),
            ("ipcrypt-pfx / GA", "gdprkit ipcrypt-pfx", ga, ">= 0.5x"),
            ("cryptopan / GA", "gdprkit cryptopan", ga, ">= 0.5x"),
            ("GA / naive python", ga, "naive python", "-"),
        ]
        for label, a, b, target in targets:
            print(f"{label:26s} {ratio(a, b):>24}  (target {target})")
        if args.before is not None:
            print()
            for name in list(speed):
                if name.startswith("gdprkit"):
                    before = f"before: {name}"[:28]
                    print(f"{name:26s} now / before {ratio(name, before):>24}  (target >= 0.9x)")

        if not args.skip_rss:
            big = work / "access4.log"
            with big.open("wb") as out:
                for _ in range(4):
                    with log.open("rb") as src:
                        shutil.copyfileobj(src, out, 1 << 20)
            small_rss = _peak_rss_kib(_gdprkit("--method", "ga", str(log)))
            big_rss = _peak_rss_kib(_gdprkit("--method", "ga", str(big)))
            print(
                f"peak RSS {args.lines} lines: {small_rss / 1024:.1f} MiB, "
                f"{4 * args.lines} lines: {big_rss / 1024:.1f} MiB "
                f"({100 * (big_rss - small_rss) / small_rss:+.1f} %, target within 10 %)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
