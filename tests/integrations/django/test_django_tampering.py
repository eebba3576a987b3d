"""The attacks of tests/consent/test_tampering.py, on the Django store's tables.

Someone who can write to the shop's database but has no key edits the app's tables with plain
SQL; ``verify()`` must locate each edit as it does on the SQLite and SQLAlchemy stores: an index
row changed, added or deleted, an unkeyed or foreign-keyed event appended, the unkeyed mark
raised, a tail cut (with a checkpoint), a body that is not JSON.  Also: migration
``0004_consent_chain`` records an existing unkeyed ledger's prefix and nothing after it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import itertools
import json
import uuid

import pytest

from consent.consent_support import KEY, T0, evidence
from gdprkit.consent import Checkpoint, Consent, ConsentEvent, ConsentLedger, NewEvent
from gdprkit.consent._chain import event_digest, link, new_event
from gdprkit.errors import ChainBroken, IntegrityError
from gdprkit.integrations.django.store import DjangoConsentStore

NOW = T0 + dt.timedelta(days=1000)
D = dt.timedelta(days=1)
_run = uuid.uuid4().hex[:8]
_counter = itertools.count()


class Target:
    """A fresh ledger in the shared tables, and raw SQL on them as an attacker has it."""

    def __init__(self, using: str) -> None:
        self.using = using
        self.name = f"tamper{_run}-{next(_counter)}"
        self.store = DjangoConsentStore(ledger=self.name, using=using)

    def sql(self, statement: str, *params: object) -> list[tuple[object, ...]]:
        from django.db import connections  # noqa: TID251

        with connections[self.using].cursor() as cursor:
            cursor.execute(statement, params)
            return list(cursor.fetchall()) if cursor.description else []

    def append_raw(self, row: tuple[object, ...]) -> None:
        """Insert one chained row and move the head, as a writer without gdprkit would."""
        seq, subject, purpose, body, prev, digest = row
        self.sql(
            "INSERT INTO gdprkit_consent_event (ledger, seq, subject, purpose, body, prev, digest)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            self.name, seq, subject, purpose, body, prev, digest,
        )  # fmt: skip
        self.sql("UPDATE gdprkit_consent_head SET seq = %s, digest = %s WHERE ledger = %s",
                 seq, digest, self.name)  # fmt: skip

    def insert_index(self, subject: str, last_seq: int) -> None:
        self.sql(
            "INSERT INTO gdprkit_consent_current (ledger, subject, purpose, decision, decided_at,"
            " expires_at, objected_at, last_at, last_seq)"
            " VALUES (%s, %s, 'newsletter', 'granted', %s, NULL, NULL, %s, %s)",
            self.name, subject, T0.isoformat(), T0.isoformat(), last_seq,
        )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest) -> Target:
    using = "default"
    if request.param == "postgresql":
        using = request.getfixturevalue("pg_alias")
    return Target(using)


def _fill(ledger: ConsentLedger) -> None:
    for name in ("alice", "bob", "carol"):
        ledger.record(name, Consent("newsletter", True, T0, evidence()), now=NOW)
    ledger.withdraw("alice", ["newsletter"], at=T0 + D, now=NOW)


def _forged(ledger: ConsentLedger, seq: int, head: str) -> tuple[object, ...]:
    """An unkeyed event granting alice's consent again, with a correct SHA-256 digest."""
    event = ConsentEvent(kind="given", purpose="newsletter", at=T0 + 2 * D, evidence=evidence())
    (row,) = link(seq, head, [new_event(ledger.pseudonym("alice"), event)])
    assert row.digest == event_digest(head, seq + 1, row.subject, row.purpose, row.body)
    return tuple(row)


# -- the current-state index --------------------------------------------------------------------


def test_an_edited_index_row_is_found_by_verify(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    assert not ledger.allows("alice", "newsletter", now=NOW)
    target.sql(
        "UPDATE gdprkit_consent_current SET decision = 'granted'"
        " WHERE ledger = %s AND subject = %s",
        target.name, ledger.pseudonym("alice"),
    )  # fmt: skip
    assert ledger.allows("alice", "newsletter", now=NOW)  # the attack works on the hot path...
    with pytest.raises(ChainBroken, match="index") as info:
        ledger.verify()  # ... and verify() finds it, at the purpose's last event
    assert info.value.position == 4
    assert ledger.verify(index=False).events == 4


def test_an_index_row_no_event_explains_is_found(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.insert_index(ledger.pseudonym("mallory"), 2)
    assert ledger.allows("mallory", "newsletter", now=NOW)
    with pytest.raises(ChainBroken, match="index"):
        ledger.verify()  # needs DjangoConsentStore.index(): no event names mallory


def test_an_index_row_of_another_ledger_is_not_this_ledgers_concern(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    other = Target(target.using)
    other.store.append([])  # nothing: the other ledger has no events
    other.insert_index(ledger.pseudonym("mallory"), 2)
    assert ledger.verify().events == 4
    with pytest.raises(ChainBroken, match="index"):
        ConsentLedger(other.store, key=KEY).verify()


def test_a_deleted_index_row_is_found(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("DELETE FROM gdprkit_consent_current WHERE ledger = %s AND subject = %s",
               target.name, ledger.pseudonym("bob"))  # fmt: skip
    with pytest.raises(ChainBroken, match="index") as info:
        ledger.verify()
    assert info.value.position == 2


def test_a_malformed_index_row_is_an_integrity_error(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("UPDATE gdprkit_consent_current SET last_at = 'yesterday' WHERE ledger = %s",
               target.name)  # fmt: skip
    with pytest.raises(IntegrityError, match="malformed"):
        list(target.store.index())


# -- a keyed chain, checkpoints -----------------------------------------------------------------


def test_a_new_ledger_is_keyed_from_its_first_event(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    assert target.store.unkeyed_until() == 0
    _fill(ledger)
    assert target.store.unkeyed_until() == 0


def test_a_forged_unkeyed_event_with_a_correct_digest_is_refused(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    seq, head = target.store.head()
    target.append_raw(_forged(ledger, seq, head))
    with pytest.raises(ChainBroken, match="unkeyed") as info:
        ledger.verify(index=False)  # needs DjangoConsentStore.unkeyed_until()
    assert info.value.position == seq + 1


def test_an_event_forged_with_another_key_is_refused(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    other = ConsentLedger(key=b"the attacker's own key, 32 bytes!")
    seq, head = target.store.head()
    forged = ConsentEvent(kind="given", purpose="newsletter", at=T0 + 2 * D, evidence=evidence())
    item = new_event(ledger.pseudonym("alice"), forged, other._chain)
    body = item.body.replace(other._chain.key_id, ledger._chain.key_id)
    (row,) = link(seq, head, [item._replace(body=body)])
    target.append_raw(tuple(row))
    with pytest.raises(ChainBroken, match="digest") as info:
        ledger.verify(index=False)
    assert info.value.position == seq + 1


@pytest.mark.parametrize("how", ["raise", "delete"])
def test_raising_or_deleting_the_unkeyed_mark_does_not_let_forgeries_in(
    target: Target, how: str
) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    if how == "raise":
        target.sql("UPDATE gdprkit_consent_chain SET unkeyed_until = 1000 WHERE ledger = %s",
                   target.name)  # fmt: skip
    else:
        target.sql("DELETE FROM gdprkit_consent_chain WHERE ledger = %s", target.name)
        assert target.store.unkeyed_until() == 0
    seq, head = target.store.head()
    target.append_raw(_forged(ledger, seq, head))
    with pytest.raises(ChainBroken, match="unkeyed"):
        ledger.verify(index=False)  # an unkeyed event after keyed ones is never accepted


def test_a_checkpoint_reveals_a_lost_tail(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    kept = json.dumps(ledger.checkpoint().to_dict())  # stored elsewhere by the shop
    alice = ledger.pseudonym("alice")
    target.sql("DELETE FROM gdprkit_consent_event WHERE ledger = %s AND seq = 4", target.name)
    target.sql("DELETE FROM gdprkit_consent_current WHERE ledger = %s AND subject = %s",
               target.name, alice)  # fmt: skip
    target.insert_index(alice, 1)
    (digest,) = target.sql(
        "SELECT digest FROM gdprkit_consent_event WHERE ledger = %s AND seq = 3", target.name
    )[0]
    target.sql("UPDATE gdprkit_consent_head SET seq = 3, digest = %s WHERE ledger = %s",
               digest, target.name)  # fmt: skip
    assert ledger.verify().events == 3  # a consistent, shorter ledger: no anchor, no proof
    with pytest.raises(ChainBroken, match="events lost") as info:
        ledger.verify(anchor=Checkpoint.from_dict(json.loads(kept)))
    assert info.value.position == 4


def test_a_body_that_is_not_json_is_a_chain_break(target: Target) -> None:
    ledger = ConsentLedger(target.store, key=KEY)
    _fill(ledger)
    target.sql("UPDATE gdprkit_consent_event SET body = '{not json' "
               "WHERE ledger = %s AND seq = 2", target.name)  # fmt: skip
    with pytest.raises(ChainBroken) as info:
        ledger.verify()
    assert info.value.position == 2
    with pytest.raises(ChainBroken, match="not JSON"):
        ledger.history("bob")


# -- migration 0004: the unkeyed prefix of an existing ledger -----------------------------------


def _unkeyed(ledger: ConsentLedger, names: tuple[str, ...]) -> list[NewEvent]:
    """Events as gdprkit wrote them before the chain was keyed (chain version 1)."""
    return [
        new_event(ledger.pseudonym(name),
                  ConsentEvent(kind="given", purpose="newsletter", at=T0, evidence=evidence()))
        for name in names
    ]  # fmt: skip


def test_migration_0004_records_an_unkeyed_ledgers_prefix_and_no_more(target: Target) -> None:
    from django.apps import apps as django_apps  # noqa: TID251
    from django.db import connections  # noqa: TID251

    ledger = ConsentLedger(target.store, key=KEY)
    target.store.append(_unkeyed(ledger, ("alice", "bob")))  # written before the upgrade
    target.sql("DELETE FROM gdprkit_consent_chain WHERE ledger = %s", target.name)  # schema 3
    assert target.store.unkeyed_until() == 0
    with pytest.raises(ChainBroken, match="unkeyed"):
        ledger.verify()  # without the migration's record the old events are refused
    migration = importlib.import_module("gdprkit.integrations.django.migrations.0004_consent_chain")

    class Editor:
        connection = connections[target.using]

    # The data step as `migrate` runs it; the other ledgers in the shared tables that have a
    # row keep it unchanged (it is idempotent).
    before = dict(target.sql("SELECT ledger, unkeyed_until FROM gdprkit_consent_chain"))
    migration.record_unkeyed_prefix(django_apps, Editor())
    after = dict(target.sql("SELECT ledger, unkeyed_until FROM gdprkit_consent_chain"))
    assert after[target.name] == 2
    assert {name: after[name] for name in before} == before
    assert target.store.unkeyed_until() == 2
    assert ledger.verify().events == 2
    ledger.record("carol", Consent("newsletter", True, T0, evidence()), now=NOW)
    assert ledger.verify().events == 3
    target.store.append(_unkeyed(ledger, ("mallory",)))  # an old writer, or a forger
    with pytest.raises(ChainBroken, match="unkeyed") as info:
        ledger.verify()
    assert info.value.position == 4
