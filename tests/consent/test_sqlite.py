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
import threading
import time
from pathlib import Path

import pytest

from gdprkit.consent import SCHEMA_VERSION, Consent, ConsentEvent, ConsentLedger, SQLiteStore
from gdprkit.consent._chain import NewEvent, StoredEvent, new_event
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
        conn.execute("DROP TABLE consent_chain")
        conn.execute("DELETE FROM gdprkit_consent_schema WHERE version >= 2")
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


# -- group commit -------------------------------------------------------------------------------


def _hold_first_commit(store: SQLiteStore, queued: int) -> threading.Event:
    """Make the first group commit wait until ``queued`` other appends are queued behind it.

    Returns an event set once the first commit has started.  Deterministic: the test does not
    rely on the disk being slow enough for appends to pile up.
    """
    started = threading.Event()
    original = store._append_now
    first = [True]

    def held(items: list[NewEvent]) -> list[StoredEvent]:
        if first[0]:
            first[0] = False
            started.set()
            deadline = time.monotonic() + 30
            while len(store._waiting) < queued and time.monotonic() < deadline:
                time.sleep(0.001)
        return original(items)

    store._append_now = held  # type: ignore[method-assign]
    return started


def test_appends_from_many_threads_share_commits_and_keep_their_own_rows(
    tmp_path: Path,
) -> None:
    store = SQLiteStore(tmp_path / "ledger.sqlite3")
    ledger = ConsentLedger(store, key=KEY)
    threads, calls = 8, []
    original = store._append_now

    def counting(items: list[NewEvent]) -> list[StoredEvent]:
        calls.append(len(items))
        return original(items)

    store._append_now = counting  # type: ignore[method-assign]
    started = _hold_first_commit(store, threads - 1)
    results: dict[int, list[tuple[int, str]]] = {}

    def work(n: int) -> None:
        if n:
            started.wait(30)
        entries = ledger.record_many(
            f"t{n}",
            [Consent(p, True, T0, evidence()) for p in ("newsletter", "statistics")],
            now=NOW,
        )
        results[n] = [(e.seq, e.subject) for e in entries]

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(60)
    # The first commit carried one caller; the seven that queued behind it went in one more.
    assert calls == [2, 2 * (threads - 1)]
    assert ledger.verify().events == 2 * threads
    for n, rows in results.items():
        assert [subject for _, subject in rows] == [ledger.pseudonym(f"t{n}")] * 2
        assert rows[1][0] == rows[0][0] + 1  # one caller's events stay contiguous
        assert ledger.allows(f"t{n}", "statistics", now=NOW)
    store.close()


def test_one_callers_failure_in_a_group_does_not_fail_the_others(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "ledger.sqlite3")
    ledger = ConsentLedger(store, key=KEY)
    started = _hold_first_commit(store, 2)
    good = new_event(ledger.pseudonym("good"), _given(), ledger._chain)
    bad = good._replace(subject=None)  # NOT NULL in the table: this append must fail
    outcome: dict[str, object] = {}

    def run(name: str, items: list[NewEvent]) -> None:
        if name != "first":
            started.wait(30)
        try:
            outcome[name] = store.append(items)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[name] = exc

    first = new_event(ledger.pseudonym("first"), _given(), ledger._chain)
    pool = [
        threading.Thread(target=run, args=("first", [first])),
        threading.Thread(target=run, args=("bad", [bad])),
        threading.Thread(target=run, args=("good", [good])),
    ]
    pool[0].start()
    started.wait(30)
    pool[1].start()
    while len(store._waiting) < 1:
        time.sleep(0.001)
    pool[2].start()
    for thread in pool:
        thread.join(60)
    assert isinstance(outcome["bad"], Exception)
    assert [row.subject for row in outcome["good"]] == [good.subject]  # type: ignore[union-attr]
    assert ledger.verify().events == 2
    assert ledger.allows("good", "newsletter", now=NOW)
    store.close()


def _given() -> ConsentEvent:
    return ConsentEvent(kind="given", purpose="newsletter", at=T0, evidence=evidence())
