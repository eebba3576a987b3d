"""Property tests: the ledger's state equals a simple reference model; any tamper is detected."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.consent import Consent, ConsentEvent, ConsentLedger, PurposeState, StoredEvent
from gdprkit.consent._chain import NewEvent, chain_key_id, index_fields, link, new_event
from gdprkit.consent._chain import verify_rows as _verify_rows
from gdprkit.consent._ledger import _chain_keys
from gdprkit.errors import ChainBroken, InvalidTransition
from gdprkit.testing import strategies as gst

from .conftest import StoreFactory
from .consent_support import KEY, evidence

START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
NOW = START + dt.timedelta(minutes=10_000)
EV = evidence()


def minute(m: int) -> dt.datetime:
    return START + dt.timedelta(minutes=m)


def reference_status(steps: list[tuple[int, str, int, int | None]], at: int) -> str:
    """The model: replay ``(seq, op, minute, ttl)`` in (minute, seq) order up to ``at``."""
    decision, expires, objected = "none", None, False
    for _seq, op, m, ttl in sorted(steps, key=lambda s: (s[2], s[0])):
        if m > at:
            break
        if op == "object":
            objected = True
            continue
        decision = {"give": "granted", "refuse": "refused", "withdraw": "withdrawn",
                    "expire": "expired"}[op]  # fmt: skip
        expires = m + ttl if op in ("give", "refuse") and ttl else None
        if op == "give":
            objected = False
    if objected:
        return "objected"
    if expires is not None and expires <= at:
        return "expired"
    return decision


def last_decision(steps: list[tuple[int, str, int, int | None]]) -> str | None:
    ordered = [s for s in sorted(steps, key=lambda s: (s[2], s[0])) if s[1] != "object"]
    return ordered[-1][1] if ordered else None


def apply(ledger: ConsentLedger, step: tuple[str, str, str, int, int | None]) -> None:
    op, subject, purpose, m, ttl = step
    at = minute(m)
    expires = at + dt.timedelta(minutes=ttl) if ttl else None
    if op in ("give", "refuse"):
        consent = Consent(purpose, op == "give", at, EV, expires_at=expires)
        ledger.record(subject, consent, now=NOW)
    elif op == "withdraw":
        ledger.withdraw(subject, [purpose], at=at, now=NOW)
    elif op == "object":
        ledger.object(subject, purpose, at=at, now=NOW)
    else:
        ledger.expire(subject, purpose, reason="test", at=at, now=NOW)


def status(state: dict[str, PurposeState], purpose: str) -> str:
    return state[purpose].status.value if purpose in state else "none"


def _examples(store_factory: StoreFactory) -> int:
    # Every example builds a fresh store: many for memory, fewer where that means new tables.
    store = store_factory()
    kind = type(store).__name__
    store.close()
    return {"MemoryStore": 150, "SQLiteStore": 25}.get(kind, 12)


def test_state_equals_the_reference_model(store_factory: StoreFactory) -> None:
    @settings(max_examples=_examples(store_factory), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
    @given(gst.consent_histories(max_size=25), st.lists(st.integers(0, 330), max_size=6))
    def check(history: list[tuple[str, str, str, int, int | None]], probes: list[int]) -> None:
        ledger = ConsentLedger(store_factory(), key=KEY)
        model: dict[tuple[str, str], list[tuple[int, str, int, int | None]]] = {}
        seq = 0
        for step in history:
            op, subject, purpose, m, ttl = step
            steps = model.setdefault((subject, purpose), [])
            if op == "expire" and last_decision(steps) not in ("give", "refuse"):
                with pytest.raises(InvalidTransition):
                    apply(ledger, step)
                continue
            apply(ledger, step)
            seq += 1
            steps.append((seq, op, m, ttl))
        for (subject, purpose), steps in model.items():
            assert status(ledger.state(subject, now=minute(330)), purpose) == (
                reference_status(steps, 330)
            )
            assert ledger.allows(subject, purpose, now=minute(330)) == (
                reference_status(steps, 330) == "granted"
            )
            for probe in probes:
                expected = reference_status(steps, probe)
                assert status(ledger.state(subject, minute(probe)), purpose) == expected
                assert ledger.allows(subject, purpose, minute(probe)) == (expected == "granted")
        assert ledger.verify().events == seq

    check()


def _chain(n_subjects: int) -> list[StoredEvent]:
    ledger = ConsentLedger(key=KEY)
    for i in range(n_subjects):
        ledger.record(f"s{i}", Consent("newsletter", True, minute(i), EV), now=NOW)
        ledger.withdraw(f"s{i}", at=minute(i + 1), now=NOW)
    return list(ledger.store.events())


CHAIN = _chain(3)
_OWN_KEY = _chain_keys(KEY, None)[0]


def verify_rows(rows: list[StoredEvent]) -> tuple[int, str]:
    """The chain check with the ledger's chain key (version 2: keyed)."""
    return _verify_rows(rows, {_OWN_KEY.key_id: _OWN_KEY}, unkeyed_until=0)


@given(
    index=st.integers(0, len(CHAIN) - 1),
    field=st.sampled_from(["subject", "purpose", "body", "prev", "digest"]),
    position=st.integers(min_value=0),
    byte=st.integers(0x20, 0x7E),
)
def test_any_single_byte_tamper_is_detected(index: int, field: str, position: int,
                                            byte: int) -> None:  # fmt: skip
    rows = list(CHAIN)
    text = getattr(rows[index], field)
    position %= len(text)
    if ord(text[position]) == byte:
        byte = byte + 1 if byte < 0x7E else 0x20
    tampered = text[:position] + chr(byte) + text[position + 1 :]
    rows[index] = rows[index]._replace(**{field: tampered})
    with pytest.raises(ChainBroken) as info:
        verify_rows(rows)
    # The break is reported at the tampered event, or at the next one for its digest.
    assert info.value.position in (index + 1, index + 2)


def test_deletion_insertion_and_reordering_are_located() -> None:
    rows = list(CHAIN)
    with pytest.raises(ChainBroken, match="missing") as info:
        verify_rows(rows[:2] + rows[3:])
    assert info.value.position == 3
    with pytest.raises(ChainBroken, match="out of order") as info:
        verify_rows([rows[0], rows[2], rows[1], *rows[3:]])
    assert info.value.position == 2
    with pytest.raises(ChainBroken, match="appears again") as info:
        verify_rows([rows[0], rows[1], rows[1], *rows[2:]])
    assert info.value.position == 3
    # A row re-numbered to hide a deletion no longer links to its new predecessor.
    renumbered = [rows[0], rows[2]._replace(seq=2)]
    with pytest.raises(ChainBroken, match="link") as info:
        verify_rows(renumbered)
    assert info.value.position == 2
    assert verify_rows(rows) == (len(rows), rows[-1].digest)


def test_digest_follows_the_documented_construction() -> None:
    # docs/areas/consent.md, chain version 2: HMAC-SHA-256 with a key derived from the ledger's
    # key, over the domain, key id, previous digest, sequence number, subject, purpose and
    # canonical body (which names the key id), newline-separated.
    row = CHAIN[1]
    chain_key = hmac.new(KEY, b"gdprkit.consent.chain.v2", hashlib.sha256).digest()
    key_id = "b-" + hashlib.sha256(b"gdprkit.consent.chain.key-id\0" + chain_key).hexdigest()[:16]
    text = (f"gdprkit.consent.chain.v2\n{key_id}\n{row.prev}\n{row.seq}\n{row.subject}\n"
            f"{row.purpose}\n")  # fmt: skip
    expected = hmac.new(chain_key, (text + row.body).encode("utf-8"), hashlib.sha256)
    assert row.digest == expected.hexdigest()
    assert row.prev == CHAIN[0].digest
    assert CHAIN[0].prev == "0" * 64
    assert json.loads(row.body)["v"] == 1
    assert json.loads(row.body)["chain"] == {"v": 2, "key": key_id}


def test_unkeyed_version_1_digests_follow_their_construction() -> None:
    # Chain version 1 (before the chain was keyed): plain SHA-256, still verified as a prefix.
    rows = link(0, "0" * 64, [NewEvent("s", "p", '{"v":1}', "given", NOW, None)])
    text = f"gdprkit.consent.chain.v1\n{'0' * 64}\n1\ns\np\n" + '{"v":1}'
    assert rows[0].digest == hashlib.sha256(text.encode()).hexdigest()


@given(event=gst.consent_events(), keyed=st.booleans(), reason=st.text(max_size=40))
def test_the_fast_body_readers_agree_with_json(event: ConsentEvent, keyed: bool,
                                               reason: str) -> None:  # fmt: skip
    # Differential: verify() reads the key id and (kind, at, expires_at) from canonical bodies
    # without a JSON parse; the result must be what json.loads gives, for any event, including
    # reasons that spell out the very markers the fast path looks for.
    event = attrs.evolve(event, reason=reason + ',"kind":"given","expires_at":null,"chain":{')
    item = new_event("p" * 64, event, _OWN_KEY if keyed else None)
    data = json.loads(item.body)
    assert chain_key_id(item.body) == (data["chain"]["key"] if keyed else None)
    expires = data["expires_at"]
    assert index_fields(1, item.body) == (
        data["kind"], dt.datetime.fromisoformat(data["at"]),
        None if expires is None else dt.datetime.fromisoformat(expires),
    )  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(
    history=gst.consent_histories(max_size=15).filter(bool),
    pick=st.integers(min_value=0),
    field=st.sampled_from(["decision", "decided_at", "expires_at", "objected_at", "last_at",
                           "last_seq", "delete", "add"]),
)  # fmt: skip
def test_any_edit_of_the_index_is_found(
    history: list[tuple[str, str, str, int, int | None]], pick: int, field: str
) -> None:
    # Issue 19, item 1, for the class: whatever one index row says differently from the folded
    # events (any field, a row deleted, a row added), verify() raises; untouched, it passes.
    ledger = ConsentLedger(key=KEY)
    for step in history:
        try:
            apply(ledger, step)
        except InvalidTransition:
            continue
    store = ledger.store
    ledger.verify()
    rows = sorted(store.index())
    if not rows:
        return
    subject, purpose, fold = rows[pick % len(rows)]
    if field == "delete":
        del store._current[subject][purpose], store._by_purpose[purpose][subject]
    else:
        if field == "add":
            subject, edited = "f" * 64, fold
        elif field == "decision":
            choices = ["granted", "refused", "withdrawn", "expired", None]
            edited = fold._replace(decision=choices[(choices.index(fold.decision) + 1) % 5])
        elif field == "last_seq":
            edited = fold._replace(last_seq=fold.last_seq + 1)
        else:
            value = getattr(fold, field)
            edited = fold._replace(**{field: minute(7) if value is None else None})
        store._current.setdefault(subject, {})[purpose] = edited
        store._by_purpose.setdefault(purpose, {})[subject] = edited
    with pytest.raises(ChainBroken, match="index"):
        ledger.verify()
