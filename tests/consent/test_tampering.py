"""Attacks on the stored ledger by someone who can write to its database but has no key.

Each test edits the tables with plain SQL, as such an attacker would, and shows that
``verify()`` locates the edit (issue 19, items 1-4), on SQLite and on SQLAlchemy (SQLite and,
with ``GDPRKIT_TEST_PG_DSN``, PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gdprkit.consent import (
    Checkpoint,
    Consent,
    ConsentEvent,
    ConsentLedger,
    ConsentStore,
    NewEvent,
    SQLiteStore,
)
from gdprkit.consent._chain import event_digest, link, new_event
from gdprkit.errors import ChainBroken, IntegrityError, InvalidInput
from gdprkit.pseudonymise import KeyRing

from .consent_support import KEY, T0, evidence

NOW = T0 + dt.timedelta(days=1000)
D = dt.timedelta(days=1)
_counter = itertools.count()


_Runner = Callable[[str, tuple[object, ...]], list[tuple[object, ...]]]


class Target:
    """A store of one kind, and raw SQL access to its tables as an attacker has it."""

    def __init__(self, store: ConsentStore, sql: _Runner, tables: dict[str, str]) -> None:
        self.store = store
        self._sql = sql
        self.tables = tables

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        return self._sql(statement.format(**self.tables), params)


def _sqlite_target(tmp: Path) -> Target:
    path = tmp / f"ledger-{next(_counter)}.sqlite3"
    store = SQLiteStore(path)

    def sql(statement: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        with sqlite3.connect(path) as conn:
            rows = conn.execute(statement, params).fetchall()
        conn.close()
        return rows

    tables = {"events": "consent_events", "current": "consent_current", "chain": "consent_chain"}
    return Target(store, sql, tables)


def _sqlalchemy_target(url: str) -> Target:
    import sqlalchemy as sa  # noqa: TID251 - testing the sqlalchemy consent store

    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    prefix = f"tamper{next(_counter)}_{id(url) % 10000}"
    store = SQLAlchemyStore(url, prefix=prefix)
    engine = sa.create_engine(url)

    def sql(statement: str, params: tuple[object, ...]) -> list[tuple[object, ...]]:
        names = {f"p{i}": v for i, v in enumerate(params)}
        text = statement
        for i in range(len(params)):
            text = text.replace("?", f":p{i}", 1)
        with engine.begin() as conn:
            result = conn.execute(sa.text(text), names)
            return [tuple(r) for r in result] if result.returns_rows else []

    tables = {"events": f"{prefix}_events", "current": f"{prefix}_current",
              "chain": f"{prefix}_chain", "head": f"{prefix}_head"}  # fmt: skip
    target = Target(store, sql, tables)
    target.engine = engine  # type: ignore[attr-defined]
    return target


@pytest.fixture(params=["sqlite", "sqlalchemy-sqlite", "sqlalchemy-postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Target]:
    if request.param == "sqlite":
        made = _sqlite_target(tmp_path)
    elif request.param == "sqlalchemy-sqlite":
        made = _sqlalchemy_target(f"sqlite:///{tmp_path / 'sa.sqlite3'}")
    else:
        dsn: str = request.getfixturevalue("pg_dsn")
        made = _sqlalchemy_target(dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    yield made
    if hasattr(made.store, "drop"):
        made.store.drop()
        made.engine.dispose()  # type: ignore[attr-defined]
    made.store.close()


def _fill(ledger: ConsentLedger) -> None:
    for name in ("alice", "bob", "carol"):
        ledger.record(name, Consent("newsletter", True, T0, evidence()), now=NOW)
    ledger.withdraw("alice", ["newsletter"], at=T0 + D, now=NOW)


def _append_raw(target: Target, rows: list[tuple[object, ...]]) -> None:
    """Insert chained rows and move the head, as a writer without gdprkit would."""
    for row in rows:
        target.sql("INSERT INTO {events} VALUES (?, ?, ?, ?, ?, ?)", *row)
    if "head" in target.tables:
        last = rows[-1]
        target.sql("UPDATE {head} SET seq = ?, digest = ? WHERE id = 1", last[0], last[5])


# -- item 1: the current-state index ------------------------------------------------------------


def test_an_edited_index_row_is_found_by_verify(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    assert not ledger.allows("alice", "newsletter", now=NOW)
    target.sql("UPDATE {current} SET decision = 'granted' WHERE subject = ?",
               ledger.pseudonym("alice"))  # fmt: skip
    assert ledger.allows("alice", "newsletter", now=NOW)  # the attack works on the hot path...
    with pytest.raises(ChainBroken, match="index") as info:
        ledger.verify()  # ... and verify() finds it, at the purpose's last event
    assert info.value.position == 4
    assert ledger.verify(index=False).events == 4


def test_an_index_row_no_event_explains_is_found(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql(
        "INSERT INTO {current} VALUES (?, 'newsletter', 'granted', ?, NULL, NULL, ?, 2)",
        ledger.pseudonym("mallory"), T0.isoformat(), T0.isoformat(),
    )  # fmt: skip
    with pytest.raises(ChainBroken, match="index"):
        ledger.verify()


def test_a_deleted_index_row_is_found(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("DELETE FROM {current} WHERE subject = ?", ledger.pseudonym("bob"))
    with pytest.raises(ChainBroken, match="index") as info:
        ledger.verify()
    assert info.value.position == 2


def test_back_dated_events_fold_in_verify_as_in_the_store(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    ledger.record("dora", Consent("newsletter", True, T0 + 2 * D, evidence()), now=NOW)
    ledger.object("dora", "newsletter", at=T0 + D, now=NOW)  # a paper form, typed in later
    ledger.withdraw("dora", ["newsletter"], at=T0 + 3 * D, now=NOW)
    assert ledger.verify().events == 3


# -- item 2: a keyed chain, checkpoints -----------------------------------------------------------


def test_a_forged_unkeyed_event_with_a_correct_digest_is_refused(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    seq, head = target.store.head()
    forged = ConsentEvent(kind="given", purpose="newsletter", at=T0 + 2 * D, evidence=evidence())
    item = new_event(ledger.pseudonym("alice"), forged)  # no key: a correct SHA-256 digest
    (row,) = link(seq, head, [item])
    assert row.digest == event_digest(head, seq + 1, row.subject, row.purpose, row.body)
    _append_raw(target, [tuple(row)])
    with pytest.raises(ChainBroken, match="unkeyed") as info:
        ledger.verify(index=False)
    assert info.value.position == seq + 1


def test_an_event_forged_with_another_key_is_refused(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    other = ConsentLedger(key=b"the attacker's own key, 32 bytes!")
    seq, head = target.store.head()
    forged = ConsentEvent(kind="given", purpose="newsletter", at=T0 + 2 * D, evidence=evidence())
    # The attacker names the shop's key id but can only MAC with their own key.
    item = new_event(ledger.pseudonym("alice"), forged, other._chain)
    body = item.body.replace(other._chain.key_id, ledger._chain.key_id)
    (row,) = link(seq, head, [item._replace(body=body)])
    _append_raw(target, [tuple(row)])
    with pytest.raises(ChainBroken, match="digest") as info:
        ledger.verify(index=False)
    assert info.value.position == seq + 1


def test_raising_the_unkeyed_mark_does_not_let_forgeries_in(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("UPDATE {chain} SET unkeyed_until = 1000")
    seq, head = target.store.head()
    forged = ConsentEvent(kind="given", purpose="newsletter", at=T0 + 2 * D, evidence=evidence())
    (row,) = link(seq, head, [new_event(ledger.pseudonym("alice"), forged)])
    _append_raw(target, [tuple(row)])
    with pytest.raises(ChainBroken, match="unkeyed"):
        ledger.verify(index=False)  # an unkeyed event after keyed ones is never accepted


def test_a_checkpoint_reveals_a_lost_tail(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    checkpoint = ledger.checkpoint()
    kept = json.dumps(checkpoint.to_dict())  # stored elsewhere by the shop
    target.sql("DELETE FROM {events} WHERE seq = 4")
    target.sql("DELETE FROM {current} WHERE subject = ?", ledger.pseudonym("alice"))
    target.sql(
        "INSERT INTO {current} VALUES (?, 'newsletter', 'granted', ?, NULL, NULL, ?, 1)",
        ledger.pseudonym("alice"), T0.isoformat(), T0.isoformat(),
    )  # fmt: skip
    if "head" in target.tables:
        (digest,) = target.sql("SELECT digest FROM {events} WHERE seq = 3")[0]
        target.sql("UPDATE {head} SET seq = 3, digest = ? WHERE id = 1", digest)
    assert ledger.verify().events == 3  # a consistent, shorter ledger: no anchor, no proof
    with pytest.raises(ChainBroken, match="events lost") as info:
        ledger.verify(anchor=Checkpoint.from_dict(json.loads(kept)))
    assert info.value.position == 4


def test_checkpoints_are_signed() -> None:
    ledger = ConsentLedger(key=KEY)
    _fill(ledger)
    checkpoint = ledger.checkpoint()
    assert ledger.verify(anchor=checkpoint).events == 4
    forged = Checkpoint(checkpoint.events + 1, checkpoint.head, checkpoint.key_id,
                        checkpoint.mac)  # fmt: skip
    with pytest.raises(ChainBroken, match="signature"):
        ledger.verify(anchor=forged)
    stranger = ConsentLedger(key=b"another shop's key of 32 bytes!!")
    _fill(stranger)
    with pytest.raises(ChainBroken, match="key id"):
        ledger.verify(anchor=stranger.checkpoint())
    assert "mac" not in repr(checkpoint)
    with pytest.raises(InvalidInput):
        Checkpoint.from_dict({"version": 1, "events": "4", "head": checkpoint.head})


def test_a_key_ring_keys_the_chain_with_its_oldest_key() -> None:
    ring = KeyRing.generate()
    ledger = ConsentLedger(key=ring)
    _fill(ledger)
    rotated = ring.rotate()
    assert ConsentLedger(ledger.store, key=rotated).verify().events == 4
    with pytest.raises(ChainBroken, match="key id"):
        ConsentLedger(ledger.store, key=rotated.without(ring.ids[0])).verify()
    body = json.loads(next(iter(ledger.store.events())).body)
    assert body["chain"] == {"v": 2, "key": ring.ids[0]}


# -- the versioned migration of unkeyed ledgers ---------------------------------------------------


def _unkeyed(ledger: ConsentLedger, names: tuple[str, ...]) -> list[NewEvent]:
    """Events as gdprkit wrote them before the chain was keyed (chain version 1)."""
    return [
        new_event(ledger.pseudonym(name),
                  ConsentEvent(kind="given", purpose="newsletter", at=T0, evidence=evidence()))
        for name in names
    ]  # fmt: skip


def test_an_unkeyed_sqlite_ledger_opens_verifies_and_migrates(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    store.append(_unkeyed(ledger, ("alice", "bob")))
    store.close()
    with sqlite3.connect(path) as conn:  # the file as schema 2 left it
        conn.execute("DROP TABLE consent_chain")
        conn.execute("DELETE FROM gdprkit_consent_schema WHERE version = 3")
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version() == 3
    assert store.unkeyed_until() == 2
    ledger = ConsentLedger(store, key=KEY)
    assert ledger.verify().events == 2
    ledger.record("carol", Consent("newsletter", True, T0, evidence()), now=NOW)
    assert ledger.verify().events == 3
    store.append(_unkeyed(ledger, ("mallory",)))  # an old writer, or a forger
    with pytest.raises(ChainBroken, match="unkeyed") as info:
        ledger.verify()
    assert info.value.position == 4
    store.close()


def test_an_unkeyed_sqlalchemy_ledger_opens_verifies_and_migrates(target: Target) -> None:
    if "head" not in target.tables:
        pytest.skip("the SQLite store has its own migration test")
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    ledger = ConsentLedger(target.store, key=KEY)
    target.store.append(_unkeyed(ledger, ("alice", "bob")))
    target.sql("DROP TABLE {chain}")
    prefix = target.tables["events"].removesuffix("_events")
    target.sql(f"DELETE FROM {prefix}_schema WHERE version = 2")  # noqa: S608 - a test's own name
    reopened = SQLAlchemyStore(target.engine, prefix=prefix)  # type: ignore[attr-defined]
    assert reopened.schema_version() == 2
    assert reopened.unkeyed_until() == 2
    ledger = ConsentLedger(reopened, key=KEY)
    assert ledger.verify().events == 2
    ledger.record("carol", Consent("newsletter", True, T0, evidence()), now=NOW)
    assert ledger.verify().events == 3


# -- item 3: damage is typed and loud -------------------------------------------------------------


def test_a_body_that_is_not_json_is_a_chain_break(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("UPDATE {events} SET body = '{{not json' WHERE seq = 2")
    with pytest.raises(ChainBroken) as info:
        ledger.verify()
    assert info.value.position == 2
    with pytest.raises(ChainBroken, match="not JSON"):
        ledger.history("bob")
    target.sql("UPDATE {events} SET body = '[1, 2]' WHERE seq = 2")
    with pytest.raises(ChainBroken, match="not a JSON object"):
        ledger.history("bob")
    target.sql("UPDATE {events} SET body = '{{\"v\": 1}}' WHERE seq = 2")
    with pytest.raises(ChainBroken, match="not a valid consent event"):
        ledger.history("bob")


def test_a_keyed_body_that_is_not_an_event_is_a_chain_break_in_verify() -> None:
    # Written by someone holding the key (a bug, a bad restore): the MAC verifies, the index
    # check parses the body and reports it.
    from gdprkit.consent import MemoryStore

    store = MemoryStore()
    ledger = ConsentLedger(store, key=KEY)
    _fill(ledger)
    item = NewEvent(ledger.pseudonym("x"), "newsletter",
                    '{"at":"x","chain":{"key":"' + ledger._chain.key_id + '","v":2},"kind":1}',
                    "given", T0, None, ledger._chain)  # fmt: skip
    store.append([item])
    with pytest.raises(ChainBroken, match="not a valid consent event") as info:
        ledger.verify()
    assert info.value.position == 5
    assert ledger.verify(index=False).events == 5


def test_an_existing_empty_file_is_not_a_new_ledger(tmp_path: Path) -> None:
    path = tmp_path / "consent.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(IntegrityError, match="empty"):
        SQLiteStore(path)
    assert path.stat().st_size == 0  # left alone, for the shop to restore
    path.write_bytes(b"not a database, just text " * 200)
    with pytest.raises(IntegrityError, match="cannot be read"):
        SQLiteStore(path)


def test_a_corrupt_page_raises_chain_broken_with_the_position(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    ledger.append_many(
        [(f"s{i}", Consent("newsletter", True, T0, evidence())) for i in range(600)], now=NOW
    )
    store.close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = [r[0] for r in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = 'consent_events' AND pagetype = 'leaf' "
            "ORDER BY pageno")]  # fmt: skip
    conn.close()
    victim = pages[len(pages) // 2]
    with path.open("r+b") as file:
        file.seek((victim - 1) * page_size)
        file.write(b"\xff" * 64)
    store = SQLiteStore(path)
    with pytest.raises(ChainBroken, match="cannot be read") as info:
        ConsentLedger(store, key=KEY).verify()
    assert 1 < info.value.position <= 600
    store.close()


def test_the_last_checkpoint_reveals_events_a_damaged_log_dropped(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    store = SQLiteStore(path)
    ledger = ConsentLedger(store, key=KEY)
    for i in range(12):
        ledger.record(f"s{i}", Consent("newsletter", True, T0, evidence()), now=NOW)
    checkpoint = ledger.checkpoint()
    # The machine dies now: the database and its write-ahead log as they are on disk.
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copy(path, crashed / "ledger.sqlite3")
    wal = Path(f"{path}-wal").read_bytes()
    store.close()
    assert len(wal) > 32 + 24
    damaged = bytearray(wal)
    damaged[len(wal) // 2] ^= 0xFF  # one flipped bit-pattern in a frame of the log
    Path(f"{crashed / 'ledger.sqlite3'}-wal").write_bytes(bytes(damaged))
    reopened = SQLiteStore(crashed / "ledger.sqlite3")
    survivor = ConsentLedger(reopened, key=KEY)
    report = survivor.verify()  # SQLite drops the frames silently: a consistent, shorter ledger
    assert report.events < 12
    with pytest.raises(ChainBroken, match="events lost") as info:
        survivor.verify(anchor=checkpoint)
    assert info.value.position == report.events + 1
    reopened.close()


def test_appends_while_verify_reads_the_index_are_followed_not_reported() -> None:
    # verify() reads the events, then the index; appends in between (including a back-dated
    # one, which refolds its purpose) make index rows newer than the verified events.
    from gdprkit.consent import MemoryStore

    class Busy(MemoryStore):
        rounds = 0

        def index(self):  # type: ignore[no-untyped-def]
            self.rounds += 1
            if self.rounds == 1:
                busy.record("alice", Consent("newsletter", True, T0 + 2 * D, evidence()),
                            now=NOW)  # fmt: skip
                busy.object("bob", "newsletter", at=T0 + D / 2, now=NOW)  # back-dated
            elif self.rounds == 2:
                busy.withdraw("carol", ["newsletter"], at=T0 + 2 * D, now=NOW)
                # Back-dated again, and this one changes bob's state (a withdrawal before the
                # objection): missed, it would be a false "index was edited".
                busy.withdraw("bob", ["newsletter"], at=T0 + D / 4, now=NOW)
            return super().index()

    store = Busy()
    busy = ConsentLedger(store, key=KEY)
    _fill(busy)
    assert busy.verify().events == 8  # followed the appends of both rounds
    assert store.rounds == 3
    assert busy.allows("alice", "newsletter", now=NOW)
    assert not busy.allows("bob", "newsletter", now=NOW)
    assert not busy.allows("carol", "newsletter", now=NOW)
    assert busy.state("bob", now=NOW)["newsletter"].since == T0 + D / 4
