"""Benchmark the Art. 20 portability package writer and reader (issue 7).

Baseline, measured in the same run on the same records: a loop that only ``json.dumps`` each
record and writes it to a file.  Target: the package (JSON Lines + CSV + SHA-256 + deflate + ZIP)
at >= 0.8x the baseline's throughput, peak RSS <= 64 MB, and ``read_package`` streaming too.

Each measurement runs in its own subprocess (so peak RSS is that of one job alone), baseline and
package alternate ``--repeat`` times, and the best time of each is compared (the machine is
shared; the best run is the least disturbed one).

With more than one CPU, ``write_package`` uses two processes: the main one (reading the records,
JSON Lines, deflate and SHA-256 on a thread) and a CSV helper process.  The table reports both:
CPU time and peak RSS of the main process, and of the helper (``RUSAGE_CHILDREN`` after the job,
so the helper has exited and been waited for).  ``--workers 0`` measures the one-process writer.

    python benchmarks/bench_export.py --records 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_BASE = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
_CITIES = ("Prishtinë", "Tiranë", "Sofia", "Rīga", "Prizren", "Durrës", "Plovdiv", "Daugavpils")


def records(count: int) -> Iterator[dict[str, Any]]:
    """``count`` order records of ten fields, as a shop's database cursor would yield them."""
    for i in range(count):
        yield {
            "order_id": f"ORD-{i:08d}",
            "customer": "c-7f3a",
            "placed_at": f"2024-{i % 12 + 1:02d}-{i % 28 + 1:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            "status": "delivered" if i % 5 else "returned",
            "total": 12.5 + (i % 1000) / 10,
            "currency": "EUR",
            "items": i % 7 + 1,
            "paid": i % 3 != 0,
            "city": _CITIES[i % len(_CITIES)],
            "note": None if i % 4 else "Leave at the door",
        }


def _baseline(count: int, out: Path) -> None:
    with (out / "baseline.jsonl").open("w", encoding="utf-8") as handle:
        for record in records(count):
            handle.write(json.dumps(record) + "\n")


def _package(count: int, out: Path, level: int, workers: int | None) -> None:
    from gdprkit.export import Dataset, write_package
    from gdprkit.register import Controller, Purpose, Register

    register = Register(
        Controller(name="Bench shop", contact="privacy@shop.example"),
        [Purpose(id="orders", description="Orders", basis="contract")],
    )
    write_package(
        out / "package.zip",
        register,
        "tok-bench",
        [Dataset("orders", "orders", records(count))],
        generated_at=_BASE,
        compresslevel=level,
        workers=workers,
    )


def _verify(out: Path) -> None:
    from gdprkit.export import read_package

    read_package(out / "package.zip")


def _worker(args: argparse.Namespace) -> int:
    out = Path(args.out)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    if args.worker == "baseline":
        _baseline(args.records, out)
    elif args.worker == "package":
        _package(args.records, out, args.level, args.workers)
    else:
        _verify(out)
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    peak_kib = usage.ru_maxrss  # KiB on Linux
    # The CSV helper process of write_package (if one ran) has been waited for, so it is counted
    # here: CPU time summed over helpers, peak RSS of the largest.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "peak_mib": peak_kib / 1024,
                "helper_cpu": children.ru_utime + children.ru_stime,
                "helper_peak_mib": children.ru_maxrss / 1024,
            }
        )
    )
    return 0


def _run(kind: str, args: argparse.Namespace, out: str) -> dict[str, float]:
    command = [
        sys.executable,
        __file__,
        "--worker",
        kind,
        "--records",
        str(args.records),
        "--level",
        str(args.level),
        *(() if args.workers is None else ("--workers", str(args.workers))),
        "--out",
        out,
    ]
    result = subprocess.run(command, check=True, capture_output=True, text=True)
    data: dict[str, float] = json.loads(result.stdout)
    return data


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--level", type=int, default=1, help="deflate level (default 1)")
    parser.add_argument(
        "--workers", type=int, choices=(0, 1), help="write_package(workers=...) (default: auto)"
    )
    parser.add_argument("--worker", choices=("baseline", "package", "verify"))
    parser.add_argument("--out")
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)

    with tempfile.TemporaryDirectory(prefix="gdprkit-bench-") as out:
        runs: dict[str, list[dict[str, float]]] = {"baseline": [], "package": [], "verify": []}
        for _ in range(args.repeat):
            runs["baseline"].append(_run("baseline", args, out))
            runs["package"].append(_run("package", args, out))
            runs["verify"].append(_run("verify", args, out))
        sizes = {
            "baseline.jsonl": (Path(out) / "baseline.jsonl").stat().st_size,
            "package.zip": (Path(out) / "package.zip").stat().st_size,
        }
    best = {kind: min(r["seconds"] for r in rs) for kind, rs in runs.items()}
    cpu = {kind: min(r["cpu"] for r in rs) for kind, rs in runs.items()}
    helper_cpu = {kind: min(r["helper_cpu"] for r in rs) for kind, rs in runs.items()}
    peak = {kind: max(r["peak_mib"] for r in rs) for kind, rs in runs.items()}
    helper_peak = {kind: max(r["helper_peak_mib"] for r in rs) for kind, rs in runs.items()}
    n = args.records
    print(
        f"records: {n:,}  repeat: {args.repeat}  deflate level: {args.level}  "
        f"workers: {'auto' if args.workers is None else args.workers}  "
        f"python {sys.version.split()[0]}  cpus: {os.cpu_count()}"
    )
    print(
        f"{'job':<10} {'best s':>8} {'records/s':>12} {'CPU s':>7} {'helper CPU s':>13} "
        f"{'peak RSS MiB':>13} {'helper RSS':>11}  all runs (wall s)"
    )
    for kind in ("baseline", "package", "verify"):
        all_runs = ", ".join(f"{r['seconds']:.2f}" for r in runs[kind])
        print(
            f"{kind:<10} {best[kind]:>8.2f} {n / best[kind]:>12,.0f} {cpu[kind]:>7.2f} "
            f"{helper_cpu[kind]:>13.2f} {peak[kind]:>13.1f} {helper_peak[kind]:>11.1f}  {all_runs}"
        )
    ratio = best["baseline"] / best["package"]
    print(f"throughput package / baseline (wall clock): {ratio:.2f}x (target >= 0.80)")
    package_cpu = cpu["package"] + helper_cpu["package"]
    processes = "two processes" if helper_cpu["package"] else "one process"
    print(
        f"CPU time baseline / package ({processes}, all threads): "
        f"{cpu['baseline'] / package_cpu:.2f}x"
    )
    print(
        f"peak RSS package: {peak['package']:.1f} MiB main process, "
        f"{helper_peak['package']:.1f} MiB CSV helper; verify: {peak['verify']:.1f} MiB "
        "(target <= 64 per process)"
    )
    print(
        f"sizes: baseline JSON Lines {sizes['baseline.jsonl'] / 1e6:.1f} MB, "
        f"package {sizes['package.zip'] / 1e6:.1f} MB (JSON Lines + CSV, deflated)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
