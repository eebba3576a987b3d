"""Several app-server processes appending to one PostgreSQL consent ledger (issue 19, item 4).

Each writer is its own process with its own ``SQLAlchemyStore`` (as each worker of a pre-forking
web server would have), calling ``ConsentLedger.record()`` in a loop for ``--seconds``; every
call returns only once its transaction is committed.  The server must commit durably: the
benchmark reads ``fsync`` and ``synchronous_commit`` from the server and refuses to run unless
both are ``on``.  One hash chain means one head row, locked by every append, so appends are
serialised by the database; the figures show how far that goes.

Run: ``python benchmarks/bench_consent_pg.py --dsn postgresql://postgres@127.0.0.1:54331/postgres
[--writers 1,4,8] [--seconds 10] [--batch 1]`` (``--batch N`` makes each call an
``append_many`` of N events, as an import or a queue consumer would).
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import statistics
import time
from typing import Any

from gdprkit.consent import Consent, ConsentLedger, Evidence, notice_digest
from gdprkit.consent.sqlalchemy import SQLAlchemyStore

KEY = b"benchmark key: 32 bytes or more!!"
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOW = T0 + dt.timedelta(days=30)
EVIDENCE = Evidence(
    method="cookie_banner", notice_version="2025-01", notice_sha256=notice_digest("cookies"),
    locale="de-AT", channel="web", collected_by="banner", ip="203.0.113.0",
)  # fmt: skip


def _writer(url: str, prefix: str, name: str, seconds: float, batch: int,  # noqa: PLR0917
            start: Any, out: Any) -> None:  # fmt: skip
    store = SQLAlchemyStore(url, prefix=prefix)
    ledger = ConsentLedger(store, key=KEY)
    ledger.record(f"{name}-warm", Consent("statistics", True, T0, EVIDENCE), now=NOW)
    latencies = []
    start.wait()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        began = time.perf_counter()
        if batch == 1:
            ledger.record(f"{name}-{n}", Consent("statistics", True, T0, EVIDENCE), now=NOW)
        else:
            ledger.append_many(
                [(f"{name}-{n + k}", Consent("statistics", True, T0, EVIDENCE))
                 for k in range(batch)], now=NOW,
            )  # fmt: skip
        latencies.append(time.perf_counter() - began)
        n += batch
    store.close()
    out.put((n, latencies))


def run(url: str, writers: int, seconds: float, batch: int) -> dict[str, float]:
    """Events per second of ``writers`` processes appending for ``seconds``."""
    prefix = f"bench_{os.getpid()}_{writers}_{batch}"
    store = SQLAlchemyStore(url, prefix=prefix)
    ctx = multiprocessing.get_context("fork")
    start = ctx.Barrier(writers + 1)
    out = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(url, prefix, f"w{i}", seconds, batch, start, out))
        for i in range(writers)
    ]
    for proc in procs:
        proc.start()
    start.wait()
    began = time.perf_counter()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.perf_counter() - began
    for proc in procs:
        proc.join()
    events = sum(n for n, _ in results)
    latencies = sorted(x for _, lat in results for x in lat)
    report = ConsentLedger(store, key=KEY).verify()
    expected = events + writers  # and one warm-up event per writer
    if report.events != expected:
        raise SystemExit(f"lost or duplicated events: {report.events} != {expected}")
    store.drop()
    store.close()
    return {
        "events_per_s": events / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def main() -> None:
    """Parse options, check the server commits durably, and run each writer count."""
    import sqlalchemy as sa  # noqa: TID251 - the benchmark of the sqlalchemy store

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dsn", default=os.environ.get("GDPRKIT_TEST_PG_DSN"))
    parser.add_argument("--writers", default="1,4,8")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--batch", type=int, default=1)
    args = parser.parse_args()
    if not args.dsn:
        # Run by `nox -s bench` on machines without a server: say so, do not fail the session.
        print("skipped: no PostgreSQL server (give --dsn or set GDPRKIT_TEST_PG_DSN)")
        return
    url = args.dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        settings = {name: conn.execute(sa.text(f"SHOW {name}")).scalar()
                    for name in ("fsync", "synchronous_commit", "server_version")}  # fmt: skip
    engine.dispose()
    if settings["fsync"] != "on" or settings["synchronous_commit"] != "on":
        raise SystemExit(f"the server does not commit durably: {settings}")
    print(f"PostgreSQL {settings['server_version']}, fsync=on, synchronous_commit=on; "
          f"{os.cpu_count()} CPUs; batch={args.batch}; {args.seconds:g} s per run")  # fmt: skip
    print("| writers | events/s | p50 latency | p99 latency |")
    print("|---|---|---|---|")
    for writers in (int(w) for w in args.writers.split(",")):
        r = run(url, writers, args.seconds, args.batch)
        print(f"| {writers} | {r['events_per_s']:,.0f} | {r['p50_ms']:.1f} ms | "
              f"{r['p99_ms']:.1f} ms |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
