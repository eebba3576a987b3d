"""Consent ledger benchmarks (issue 5): allows(), SQLite appends, verify().

Targets: ``allows()`` ≤ 2 µs/call in memory and ≤ 50 µs on SQLite with 100k subjects; SQLite
append ≥ 5,000 events/s with one writer and durability on (WAL + synchronous=FULL); ``verify()``
of 1M events ≤ 10 s.  Each figure is printed beside a baseline measured in the same run on the
same data: a plain ``dict`` of booleans (what a shop without proof keeps) for ``allows()``, and
bare SHA-256 over the same bytes for ``verify()``.

Run: ``python benchmarks/bench_consent.py [--subjects 100000] [--events 1000000]
[--appends 2000] [--dir PATH]`` (``--dir`` must be on a real disk for honest fsync figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import random
import shutil
import tempfile
import threading
import time
from pathlib import Path

from gdprkit.consent import (
    Consent,
    ConsentEvent,
    ConsentLedger,
    Evidence,
    MemoryStore,
    SQLiteStore,
    notice_digest,
)
from gdprkit.consent._chain import new_event

KEY = b"benchmark key: 32 bytes or more!!"
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOW = T0 + dt.timedelta(days=30)
EVIDENCE = Evidence(
    method="checkbox", notice_version="2025-01", notice_sha256=notice_digest("newsletter"),
    locale="de-AT", channel="web", collected_by="checkout", ip="203.0.113.0",
)  # fmt: skip


def _fill(ledger: ConsentLedger, subjects: int, batch: int = 5000) -> None:
    """Give half the subjects a newsletter consent that expires, refuse it for the others."""
    items = []
    for i in range(subjects):
        granted = i % 2 == 0
        event = ConsentEvent(
            kind="given" if granted else "refused", purpose="newsletter", at=T0,
            expires_at=T0 + dt.timedelta(days=365), evidence=EVIDENCE,
        )  # fmt: skip
        items.append(new_event(ledger.pseudonym(f"customer-{i}"), event, ledger._chain))
        if len(items) == batch:
            ledger.store.append(items)
            items = []
    if items:
        ledger.store.append(items)


def _per_call(fn: object, args: list[str], repeat: int = 7) -> float:
    """Best CPU time per call in µs over ``repeat`` rounds of 10k calls.

    CPU time of this process (``time.process_time``), not wall time: on a shared machine the
    wall clock also counts the time other processes held the CPU.
    """
    best = float("inf")
    chunk = args[:10_000]
    for round_ in range(repeat):
        chunk = args[(round_ * 10_000) % len(args) :][:10_000] or args[:10_000]
        start = time.process_time()
        for subject in chunk:
            fn(subject)  # type: ignore[operator]
        best = min(best, (time.process_time() - start) / len(chunk))
    return best * 1e6


def bench_allows(subjects: int, workdir: Path) -> None:
    """allows() on the in-memory and the SQLite ledger, beside a dict-of-booleans baseline."""
    rng = random.Random(5)
    probes = [f"customer-{rng.randrange(subjects)}" for _ in range(50_000)]
    baseline_table = {f"customer-{i}": i % 2 == 0 for i in range(subjects)}
    baseline = _per_call(lambda s: baseline_table[s], probes)

    memory = ConsentLedger(MemoryStore(), key=KEY)
    _fill(memory, subjects)
    cold_ledger = ConsentLedger(memory.store, key=KEY, pseudonym_cache=0)
    cold = _per_call(lambda s: cold_ledger.allows(s, "newsletter", now=NOW), probes)
    pseud = _per_call(cold_ledger.pseudonym, probes)
    warm = _per_call(lambda s: memory.allows(s, "newsletter", now=NOW), probes)
    warm_now = _per_call(lambda s: memory.allows(s, "newsletter"), probes)
    for subject in probes[:1000]:  # the answers must be right, not just fast
        if memory.allows(subject, "newsletter", now=NOW) != baseline_table[subject]:
            raise SystemExit("allows() disagrees with the data")

    store = SQLiteStore(workdir / "allows.sqlite3")
    on_disk = ConsentLedger(store, key=KEY)
    _fill(on_disk, subjects)
    sql = _per_call(lambda s: on_disk.allows(s, "newsletter", now=NOW), probes[:20_000])
    store.close()

    print(f"allows(), {subjects:,} subjects, random look-ups (best CPU time of 7 x 10k):")
    print(f"  baseline dict[str, bool] lookup     {baseline:8.3f} µs/call")
    print(f"  keyed pseudonym (HMAC-SHA-256)      {pseud:8.3f} µs/call")
    print(f"  memory ledger, pseudonym uncached   {cold:8.3f} µs/call  "
          f"({cold / baseline:5.1f}x baseline)")  # fmt: skip
    print(f"  memory ledger, pseudonym cached     {warm:8.3f} µs/call  "
          f"({warm / baseline:5.1f}x baseline; target <= 2 µs)")  # fmt: skip
    print(f"  ... same, now read from the clock   {warm_now:8.3f} µs/call")
    print(f"  SQLite ledger                       {sql:8.3f} µs/call  "
          f"({sql / baseline:5.1f}x baseline; target <= 50 µs)")  # fmt: skip


def bench_append(appends: int, workdir: Path) -> None:
    """Single appends and batches on SQLite, synchronous=FULL (durable) and NORMAL."""
    print(f"SQLite append, one writer, WAL ({workdir}):")
    for sync in ("FULL", "NORMAL"):
        store = SQLiteStore(workdir / f"append-{sync}.sqlite3", synchronous=sync)
        ledger = ConsentLedger(store, key=KEY)
        start = time.perf_counter()
        for i in range(appends):
            ledger.record(f"s{i}", Consent("newsletter", True, T0, EVIDENCE), now=NOW)
        single = appends / (time.perf_counter() - start)
        batch = 200
        decisions = [
            (f"b{i}", Consent("newsletter", True, T0, EVIDENCE)) for i in range(appends * 5)
        ]
        start = time.perf_counter()
        for k in range(0, len(decisions), batch):
            ledger.append_many(decisions[k : k + batch], now=NOW)
        batched = len(decisions) / (time.perf_counter() - start)
        threaded = _threaded_records(ledger, appends * 5, threads=16)
        ledger.verify()
        store.close()
        print(f"  synchronous={sync:<6} single record(): {single:8,.0f} events/s   "
              f"append_many({batch}): {batched:8,.0f} events/s   "
              f"record() from 16 threads: {threaded:8,.0f} events/s")  # fmt: skip
    print("  (target >= 5,000 events/s with synchronous=FULL; one thread calling record() waits")
    print("   for one flush per call, concurrent callers share flushes: group commit)")


def _threaded_records(ledger: ConsentLedger, total: int, *, threads: int) -> float:
    """Events/s of ``threads`` threads calling ``record()`` at once (a threaded web server).

    One store, one file, one writing process: the store group-commits the appends that arrive
    while a flush is under way.
    """
    per_thread = total // threads
    barrier = threading.Barrier(threads + 1)

    def work(n: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            ledger.record(f"t{n}-{i}", Consent("newsletter", True, T0, EVIDENCE), now=NOW)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in pool:
        thread.join()
    return per_thread * threads / (time.perf_counter() - start)


def bench_verify(events: int, workdir: Path) -> None:
    """verify() of ``events`` events in memory, and of a SQLite file, beside bare SHA-256."""
    ledger = ConsentLedger(MemoryStore(), key=KEY)
    _fill(ledger, events, batch=20_000)
    rows = list(ledger.store.events())
    start = time.process_time()
    for row in rows:
        hashlib.sha256(row.body.encode()).hexdigest()
    bare = time.process_time() - start
    start = time.process_time()
    report = ledger.verify()
    took = time.process_time() - start
    print(f"verify(), {report.events:,} events (CPU time):")
    print(f"  baseline: bare SHA-256 of each body  {bare:6.2f} s")
    print(f"  memory store                         {took:6.2f} s  "
          f"({took / bare:4.1f}x baseline; target <= 10 s)")  # fmt: skip
    start = time.process_time()
    ledger.verify(index=False)
    print(f"  memory store, chain only (index=False) {time.process_time() - start:6.2f} s")
    del rows
    store = SQLiteStore(workdir / "verify.sqlite3", synchronous="OFF")
    on_disk = ConsentLedger(store, key=KEY)
    _fill(on_disk, events, batch=20_000)
    start_wall, start = time.perf_counter(), time.process_time()
    report = on_disk.verify()
    took_sql, wall_sql = time.process_time() - start, time.perf_counter() - start_wall
    store.close()
    print(f"  SQLite store (file)                  {took_sql:6.2f} s CPU, {wall_sql:.2f} s wall")


def main() -> None:
    """Parse options and run the three benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument(
        "--only", choices=("allows", "append", "verify"), action="append", help="run only these"
    )
    args = parser.parse_args()
    chosen = set(args.only or ("allows", "append", "verify"))
    workdir = Path(tempfile.mkdtemp(prefix="bench-consent-", dir=args.dir))
    try:
        if "allows" in chosen:
            bench_allows(args.subjects, workdir)
        if "append" in chosen:
            bench_append(args.appends, workdir)
        if "verify" in chosen:
            bench_verify(args.events, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
