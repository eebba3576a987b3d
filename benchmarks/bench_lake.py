"""Benchmark of masking a log on Spark ``local[2]`` and a two-worker Dask cluster, against the CLI.

Generates (once, under ``benchmarks/_data/``, gitignored) the project's synthetic nginx
``combined`` log of ``--lines`` lines with :func:`bench_ip_logs.generate`, then times, on the
same machine and the same file, from an already running engine (JVM and cluster start-up are
timed separately):

- ``gdprkit ip mask --method ga --format combined`` in one process, and with ``--jobs 2``;
- Spark ``local[2]``: read with :func:`gdprkit.integrations.spark.read_log_lines`, write the
  text back, with no masking (the engine's own cost), through an identity ``mapInArrow`` (plus
  the Arrow round trip to Python) and through :func:`~gdprkit.integrations.spark.mask_log_lines`;
- Dask ``LocalCluster`` (2 worker processes, 1 thread each): ``read_text`` / ``to_textfiles``
  with no masking and through :func:`~gdprkit.integrations.dask.mask_log_bag`.

Every run writes its output (to /dev/null for the CLI, to a scratch folder for the engines), and
the Spark and Dask outputs are checked byte for byte against the CLI's.  Run:
``python benchmarks/bench_lake.py --lines 10000000`` (``--lines 200000`` for a quick look).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _log(lines: int) -> Path:
    """The benchmark log of ``lines`` lines, generated once and kept in benchmarks/_data/."""
    data = HERE / "_data"
    data.mkdir(exist_ok=True)
    path = data / f"lake-access-{lines}.log"
    if not path.exists():
        spec = importlib.util.spec_from_file_location("bench_ip_logs", HERE / "bench_ip_logs.py")
        if spec is None or spec.loader is None:
            raise SystemExit("benchmarks/bench_ip_logs.py is missing")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        partial = path.with_suffix(".partial")
        module.generate(partial, lines, 20251123)
        partial.rename(path)
    return path


def _timed(
    label: str, run: Callable[[], object], lines: int, rows: list[tuple[str, float]]
) -> None:
    start = time.perf_counter()
    run()
    wall = time.perf_counter() - start
    rows.append((label, wall))
    print(f"{label:<60} {wall:8.2f} s {lines / wall:>12,.0f} lines/s", flush=True)


def _cli(log: Path, *extra: str) -> None:
    cmd = [sys.executable, "-m", "gdprkit", "ip", "mask", "-q", "--method", "ga"]
    cmd += ["--format", "combined", *extra, str(log)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def _digest(paths: list[Path]) -> str:
    """SHA-256 of the files' concatenated bytes, read in blocks (outputs may be gigabytes)."""
    digest = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    return digest.hexdigest()


def _cli_digest(log: Path, out: Path) -> str:
    cmd = [sys.executable, "-m", "gdprkit", "ip", "mask", "-q", "--method", "ga"]
    subprocess.run([*cmd, "--format", "combined", "-o", str(out), str(log)], check=True)
    return _digest([out])


def _joined(folder: Path) -> str:
    parts = sorted(p for p in folder.iterdir() if p.name.startswith("part-"))
    return _digest(parts)


def _spark(log: Path, work: Path, lines: int, rows: list[tuple[str, float]]) -> str:
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    from pyspark.sql import SparkSession

    from gdprkit.integrations.spark import mask_log_lines, read_log_lines, safe_session_options
    from gdprkit.ip.spec import MaskerSpec

    start = time.perf_counter()
    builder = (
        SparkSession.builder.master("local[2]")
        .config("spark.local.dir", str(work))
        .config("spark.ui.showConsoleProgress", "false")
    )
    for name, value in safe_session_options().items():
        builder = builder.config(name, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    print(f"{'Spark local[2]: session start-up':<60} {time.perf_counter() - start:8.2f} s")
    try:
        lines_df = read_log_lines(session, str(log))

        def write(df: Any, name: str) -> None:
            df.write.mode("overwrite").text(str(work / name))

        _timed(
            "Spark local[2]: read + write, no masking",
            lambda: write(lines_df, "plain"),
            lines,
            rows,
        )

        def identity(batches: Any) -> Any:
            yield from batches

        _timed(
            "Spark local[2]: read + Arrow round trip + write",
            lambda: write(lines_df.mapInArrow(identity, lines_df.schema), "arrow"),
            lines,
            rows,
        )
        masked = mask_log_lines(lines_df, MaskerSpec("ga"), format="combined")
        _timed(
            "Spark local[2]: mask_log_lines (ga, combined)",
            lambda: write(masked, "masked"),
            lines,
            rows,
        )
        return _joined(work / "masked")
    finally:
        session.stop()


def _strip_newline(line: str) -> str:
    return line.removesuffix("\n")


def _dask(log: Path, work: Path, lines: int, rows: list[tuple[str, float]]) -> str:
    import dask.bag as db
    import distributed

    from gdprkit.integrations.dask import mask_log_bag
    from gdprkit.ip.spec import MaskerSpec

    start = time.perf_counter()
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=40,
    )
    with cluster, distributed.Client(cluster):
        print(f"{'Dask 2 workers: cluster start-up':<60} {time.perf_counter() - start:8.2f} s")

        def bag() -> Any:
            return db.read_text(
                str(log), encoding="latin-1", linedelimiter="\n", blocksize=64 << 20
            )

        def write(b: Any, name: str) -> None:
            # to_textfiles puts "\n" between elements: drop the one each line carries.
            (work / name).mkdir()
            b.map(_strip_newline).to_textfiles(
                str(work / name / "*.part"), encoding="latin-1", last_endline=True
            )

        _timed(
            "Dask 2 workers: read + write, no masking", lambda: write(bag(), "dplain"), lines, rows
        )
        masked = mask_log_bag(bag(), MaskerSpec("ga"), format="combined", encoding="latin-1")
        _timed(
            "Dask 2 workers: mask_log_bag (ga, combined)",
            lambda: write(masked, "dmasked"),
            lines,
            rows,
        )
    # to_textfiles names parts 0.part ... or, past ten, zero-padded: order them by number.
    parts = sorted((work / "dmasked").glob("*.part"), key=lambda p: int(p.stem))
    return _digest(parts)


def main(argv: list[str] | None = None) -> int:
    """Generate (or reuse) the log, run every variant, check outputs, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args(argv)
    log = _log(args.lines)
    size = log.stat().st_size
    print(f"log: {args.lines:,} lines, {size / 1e6:,.1f} MB ({log})", flush=True)
    work = Path(tempfile.mkdtemp(prefix="gdprkit-bench-lake-", dir=args.workdir))
    rows: list[tuple[str, float]] = []
    try:
        _timed("CLI: gdprkit ip mask (one process)", lambda: _cli(log), args.lines, rows)
        _timed("CLI: gdprkit ip mask --jobs 2", lambda: _cli(log, "--jobs", "2"), args.lines, rows)
        spark_out = _spark(log, work, args.lines, rows)
        dask_out = _dask(log, work, args.lines, rows)
        reference = _cli_digest(log, work / "cli.out")
        print(f"Spark output == CLI output: {spark_out == reference}")
        print(f"Dask output == CLI output: {dask_out == reference}")
        if spark_out != reference or dask_out != reference:
            return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
