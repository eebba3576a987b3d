"""The SQLAlchemy store beyond the contract suite: processes at once, schema, missing extra."""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import sys
from pathlib import Path

import pytest

from gdprkit.consent import Consent, ConsentLedger
from gdprkit.consent.sqlalchemy import SCHEMA_VERSION, SQLAlchemyStore
from gdprkit.errors import InvalidInput, MissingDependency

from .consent_support import KEY, T0, evidence

NOW = T0 + dt.timedelta(days=1000)


def _writer(url: str, prefix: str, name: str) -> None:
    store = SQLAlchemyStore(url, prefix=prefix)
    ledger = ConsentLedger(store, key=KEY)
    for i in range(25):
        ledger.record(f"{name}-{i}", Consent("newsletter", True, T0, evidence()), now=NOW)
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sa.sqlite3'}"
    dsn: str = request.getfixturevalue("pg_dsn")
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def test_parallel_processes_lose_and_duplicate_nothing(url: str) -> None:
    prefix = f"procs_{abs(hash(url)) % 10**6}"
    store = SQLAlchemyStore(url, prefix=prefix)
    try:
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=_writer, args=(url, prefix, f"p{n}")) for n in range(3)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=120)
            assert proc.exitcode == 0
        assert ConsentLedger(store, key=KEY).verify().events == 75
        assert [r.seq for r in store.events()] == list(range(1, 76))
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.drop()
        store.close()


def test_prefix_must_be_an_identifier() -> None:
    with pytest.raises(InvalidInput, match="prefix"):
        SQLAlchemyStore("sqlite://", prefix="x; DROP TABLE")


def test_without_sqlalchemy_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    monkeypatch.delitem(sys.modules, "gdprkit.consent.sqlalchemy")
    with pytest.raises(MissingDependency, match=r"gdprkit\[sqlalchemy\]"):
        importlib.import_module("gdprkit.consent.sqlalchemy")


_PG_CRASH_WRITER = """
import datetime as dt, sys
from gdprkit.consent import Consent, ConsentLedger, Evidence
from gdprkit.consent.sqlalchemy import SQLAlchemyStore
t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
ev = Evidence(method="checkbox", notice_version="v1", notice_sha256="0" * 64,
              locale="en", channel="web", collected_by="crash-test")
store = SQLAlchemyStore(sys.argv[1], prefix=sys.argv[2])
ledger = ConsentLedger(store, key=b"0123456789abcdef0123456789abcdef")
i = 0
while True:
    entry = ledger.record(f"{sys.argv[3]}-{i}", Consent("newsletter", True, t0, ev),
                          now=t0 + dt.timedelta(days=1))
    print(entry.seq, i, flush=True)
    i += 1
"""


def test_postgresql_writers_killed_mid_way_lose_nothing_acknowledged(pg_dsn: str) -> None:
    # Issue 19, item 4: four writer processes on one PostgreSQL ledger, each SIGKILLed at a
    # random moment, three rounds; every acknowledged event must be there, once, and verify.
    import os
    import random
    import signal
    import subprocess

    url = pg_dsn.replace("postgresql://", "postgresql+psycopg://", 1)
    prefix = f"crash_{os.getpid() % 100000}"
    store = SQLAlchemyStore(url, prefix=prefix)
    ledger = ConsentLedger(store, key=KEY)
    acknowledged: dict[str, int] = {}  # subject -> seq
    rng = random.Random(19)
    try:
        for round_ in range(3):
            procs = [
                subprocess.Popen(
                    [sys.executable, "-c", _PG_CRASH_WRITER, url, prefix, f"r{round_}w{n}"],
                    stdout=subprocess.PIPE, text=True,
                )
                for n in range(4)
            ]  # fmt: skip
            for n, proc in enumerate(procs):
                assert proc.stdout is not None
                target = rng.randint(5, 30)
                for line in proc.stdout:
                    seq, i = map(int, line.split())
                    acknowledged[f"r{round_}w{n}-{i}"] = seq
                    if i >= target:
                        break
            for proc in procs:
                proc.send_signal(signal.SIGKILL)
            for n, proc in enumerate(procs):
                assert proc.stdout is not None
                for line in proc.stdout.read().splitlines():
                    seq, i = map(int, line.split())
                    acknowledged[f"r{round_}w{n}-{i}"] = seq
                proc.stdout.close()
                proc.wait()
        report = ledger.verify()
        rows = list(store.events())
        assert [r.seq for r in rows] == list(range(1, report.events + 1))
        by_seq = {r.seq: r.subject for r in rows}
        for subject, seq in acknowledged.items():
            assert by_seq[seq] == ledger.pseudonym(subject)
        assert len(set(by_seq.values())) == len(by_seq)  # no event twice
        # At most one unacknowledged commit per killed writer.
        assert len(acknowledged) <= report.events <= len(acknowledged) + 12
    finally:
        store.drop()
        store.close()
