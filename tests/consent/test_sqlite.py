"""The SQLite store: processes writing at once, a writer killed mid-way, migrations, tampering."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gdprkit.consent import SCHEMA_VERSION, Consent, ConsentLedger, SQLiteStore
from gdprkit.errors import ChainBroken, ConfigurationError, InvalidInput

from .consent_support import KEY, T0, evidence

NOW = T0 + dt.timedelta(days=1000)
WRITERS, PER_WRITER = 4, 40


def _writer(path: str, name: str, count: int) -> None:
    ledger = ConsentLedger(SQLiteStore(path), key=KEY)
    for i in range(count):
        at = T0 + dt.timedelta(minutes=i)
        ledger.record(f"{name}-{i}", Consent("newsletter", True, at, evidence()), now=NOW)
        if i % 3 == 0:
            ledger.withdraw(f"{name}-{i}", at=at + dt.timedelta(seconds=1), now=NOW)
    ledger.store.close()


def test_parallel_processes_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger.sqlite3")
    SQLiteStore(path).close()
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, f"w{n}", PER_WRITER)) for n in range(WRITERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    per_writer = PER_WRITER + len(range(0, PER_WRITER, 3))
    assert ledger.verify().events == WRITERS * per_writer
    seqs = [row.seq for row in store.events()]
    assert seqs == list(range(1, WRITERS * per_writer + 1))
    for n in range(WRITERS):
        for i in range(PER_WRITER):
            assert ledger.allows(f"w{n}-{i}", "newsletter", now=NOW) == (i % 3 != 0)
    store.close()


_CRASH_WRITER = textwrap.dedent(
    """
    import datetime as dt, sys
    from gdprkit.consent import Consent, ConsentLedger, Evidence, SQLiteStore
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    ev = Evidence(method="checkbox", notice_version="v1", notice_sha256="0" * 64,
                  locale="en", channel="web", collected_by="crash-test")
    ledger = ConsentLedger(SQLiteStore(sys.argv[1]), key=b"0123456789abcdef0123456789abcdef")
    i = 0
    while True:
        entry = ledger.record(f"s{i}", Consent("newsletter", True, t0, ev),
                              now=t0 + dt.timedelta(days=1))
        print(entry.seq, flush=True)
        i += 1
    """
)


def test_a_writer_killed_mid_way_loses_only_its_uncommitted_event(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    with subprocess.Popen(
        [sys.executable, "-c", _CRASH_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        acknowledged = 0
        for line in proc.stdout:
            acknowledged = int(line)
            if acknowledged >= 60:
                break
        os.kill(proc.pid, signal.SIGKILL)
        rest = proc.stdout.read().split()
        proc.wait()
    acknowledged = int(rest[-1]) if rest else acknowledged
    store = SQLiteStore(path)
    report = ConsentLedger(store, key=KEY).verify()
    # Every acknowledged (committed) event is there; at most one committed after the last print.
    assert acknowledged <= report.events <= acknowledged + 1
    ConsentLedger(store, key=KEY).record("after", Consent("newsletter", True, T0, evidence()))
    assert ConsentLedger(store, key=KEY).verify().events == report.events + 1
    store.close()


def test_a_version_1_file_is_migrated_and_its_index_back_filled(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    ledger.record("alice", Consent("newsletter", True, T0, evidence()), now=NOW)
    ledger.record("bob", Consent("newsletter", False, T0, evidence()), now=NOW)
    store.close()
    with sqlite3.connect(path) as conn:  # turn it back into a version-1 file
        conn.execute("DROP TABLE consent_current")
        conn.execute("DELETE FROM gdprkit_consent_schema WHERE version = 2")
    conn.close()
    migrated = SQLiteStore(path)
    assert migrated.schema_version() == SCHEMA_VERSION
    ledger = ConsentLedger(migrated, key=KEY)
    assert ledger.allows("alice", "newsletter", now=NOW)
    assert not ledger.allows("bob", "newsletter", now=NOW)
    migrated.close()


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO gdprkit_consent_schema VALUES (99, 'future')")
    conn.close()
    with pytest.raises(ConfigurationError, match="newer"):
        SQLiteStore(path)


def test_tampering_with_the_file_is_located(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    for name in ("a", "b", "c", "d"):
        ledger.record(name, Consent("newsletter", True, T0, evidence()), now=NOW)
    with sqlite3.connect(path) as conn:
        conn.execute(
            "UPDATE consent_events SET body = replace(body, 'checkbox', 'api') WHERE seq = 3"
        )
    conn.close()
    with pytest.raises(ChainBroken) as info:
        ledger.verify()
    assert info.value.position == 3
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM consent_events WHERE seq = 2")
    conn.close()
    with pytest.raises(ChainBroken) as info:
        ledger.verify()
    assert info.value.position == 2
    store.close()


def test_bad_synchronous_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="synchronous"):
        SQLiteStore(tmp_path / "x.sqlite3", synchronous="sometimes")


def _append_in_child(store: SQLiteStore) -> None:
    ledger = ConsentLedger(store, key=KEY)
    for i in range(10):
        ledger.record(f"child-{i}", Consent("newsletter", True, T0, evidence()), now=NOW)


def test_a_store_opened_before_a_fork_works_in_the_child(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "ledger.sqlite3")
    ledger = ConsentLedger(store, key=KEY)
    ledger.record("parent", Consent("newsletter", True, T0, evidence()), now=NOW)
    ctx = multiprocessing.get_context("fork")
    children = [ctx.Process(target=_append_in_child, args=(store,)) for _ in range(2)]
    for child in children:
        child.start()
    for child in children:
        child.join(timeout=60)
        assert child.exitcode == 0
    ledger.record("parent-again", Consent("newsletter", True, T0, evidence()), now=NOW)
    assert ledger.verify().events == 22
    store.close()
