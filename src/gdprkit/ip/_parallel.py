"""Mask one large uncompressed log in several processes, output order preserved.

Private to :mod:`gdprkit.ip.logs`.  The file is split into ``jobs`` byte ranges whose
boundaries are moved forward to the next line start, so every line belongs to exactly one
range.  The parent masks the first range itself, straight into the output; each worker masks one
of the other ranges into a part file of its own (a gzip member when compressing: concatenated
members are one valid gzip file) and writes its summary beside it, and the parent then copies
the parts after its own in order.  Workers are forked where the platform can fork, so the masker
(which may hold cipher objects) need not be picklable; elsewhere it is pickled.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from gdprkit.errors import GdprkitError

if TYPE_CHECKING:
    from gdprkit.ip.logs import LogSummary
    from gdprkit.ip.masking import IPMasker

_SCAN = 1 << 16


def split_points(path: Path, jobs: int) -> list[int]:
    """Offsets ``[0, b1, ..., size]``: ``jobs`` ranges of about equal size, cut after a newline."""
    size = path.stat().st_size
    points = [0]
    with path.open("rb") as handle:
        for k in range(1, jobs):
            target = max(size * k // jobs, points[-1])
            handle.seek(target)
            position = target
            while True:
                block = handle.read(_SCAN)
                if not block:
                    position = size
                    break
                newline = block.find(b"\n")
                if newline >= 0:
                    position += newline + 1
                    break
                position += len(block)
            if position > points[-1]:
                points.append(position)
    if points[-1] != size:
        points.append(size)
    return points


def _mask_range(  # noqa: PLR0917 - private, called from two places with the same arguments
    source: Path,
    start: int,
    end: int,
    raw: IO[bytes],
    masker: IPMasker,
    format: str,
    fields: tuple[str, ...] | None,
    compress: bool,
    progress: Callable[[int], None] | None,
    engine: str | None = None,
    layout: Mapping[str, Any] | None = None,
) -> LogSummary:
    """Mask the bytes ``start:end`` of ``source`` into ``raw`` (a gzip member if compressing)."""
    from gdprkit.ip.logs import _engine_factory, _maybe_gzip, _run  # noqa: PLC0415

    with source.open("rb") as handle, _maybe_gzip(raw, compress=compress, name="") as sink:
        handle.seek(start)
        return _run(
            handle,
            sink,
            _engine_factory(masker, format, fields, layout, engine),
            flush=False,
            max_line_bytes=16 << 20,
            limit=end - start,
            progress=progress,
        )


def _worker(  # noqa: PLR0917 - a Process target takes positional arguments
    source: str,
    start: int,
    end: int,
    part: str,
    masker: IPMasker,
    format: str,
    fields: tuple[str, ...] | None,
    compress: bool,
    counter: Any,
    engine: str | None = None,
    layout: Mapping[str, Any] | None = None,
) -> None:
    def progress(n: int) -> None:
        with counter.get_lock():
            counter.value += n

    try:
        with Path(part).open("wb") as raw:
            summary = _mask_range(
                Path(source),
                start,
                end,
                raw,
                masker,
                format,
                fields,
                compress,
                progress,
                engine,
                layout,
            )
        Path(part + ".json").write_text(json.dumps(summary.to_dict()), encoding="utf-8")
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which re-raises
        # Messages of gdprkit and OS errors never hold log content, so they may cross over.
        error = {"type": type(exc).__name__, "message": str(exc)}
        Path(part + ".error").write_text(json.dumps(error), encoding="utf-8")
        sys.exit(1)


def mask_ranges(
    source: Path,
    out: IO[bytes],
    *,
    masker: IPMasker,
    format: str,
    fields: tuple[str, ...] | None,
    compress: bool,
    jobs: int,
    progress: Callable[[int], None] | None,
    workdir: Path | None = None,
    engine: str | None = None,
    layout: Mapping[str, Any] | None = None,
) -> LogSummary:
    """Mask ``source`` into ``out`` with ``jobs`` processes; return the summed summary.

    ``layout`` (only a ``marker`` of one's own: columns and regexes need one process) reaches
    every range, so the parent and the workers write the same replacement.

    Raises:
        GdprkitError: a worker failed (its error type and message are given).
        OSError: a part could not be written or read.
    """
    from gdprkit.ip.logs import LogSummary  # noqa: PLC0415

    methods = multiprocessing.get_all_start_methods()
    context: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    points = split_points(source, jobs)
    if len(points) < 2:  # an empty file
        return LogSummary(format=format)
    counter = context.Value("q", 0)
    seen = 0

    def report(n: int = 0) -> None:
        """Pass on the parent's own progress and whatever the workers counted meanwhile."""
        nonlocal seen
        if progress is None:
            return
        done = counter.value
        progress(n + done - seen)
        seen = done

    with tempfile.TemporaryDirectory(prefix="gdprkit-parts-", dir=workdir) as tmp:
        # Range 0 is the parent's; ranges 1.. go to workers, one part file each.
        parts = [str(Path(tmp, f"part-{i:04d}")) for i in range(1, len(points) - 1)]
        workers = [
            context.Process(
                target=_worker,
                args=(
                    str(source),
                    points[i + 1],
                    points[i + 2],
                    part,
                    masker,
                    format,
                    fields,
                    compress,
                    counter,
                    engine,
                    layout,
                ),
                daemon=True,
            )
            for i, part in enumerate(parts)
        ]
        try:
            for worker in workers:
                worker.start()
            total = _mask_range(
                source,
                points[0],
                points[1],
                out,
                masker,
                format,
                fields,
                compress,
                report if progress is not None else None,
                engine,
                layout,
            )
            for worker in workers:
                while worker.exitcode is None:
                    worker.join(0.2)
                    report()
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
                    worker.join()
        for part, worker in zip(parts, workers, strict=True):
            error_file = Path(part + ".error")
            if error_file.exists():
                error = json.loads(error_file.read_text(encoding="utf-8"))
                raise GdprkitError(
                    f"a masking worker failed with {error['type']}: {error['message']}"
                )
            if worker.exitcode != 0:
                raise GdprkitError(f"a masking worker exited with status {worker.exitcode}")
            total = total + LogSummary.from_dict(
                json.loads(Path(part + ".json").read_text(encoding="utf-8"))
            )
            with Path(part).open("rb") as handle:
                shutil.copyfileobj(handle, out, 1 << 20)
    if progress is not None and counter.value > seen:
        progress(counter.value - seen)
    return total
