"""ConsentLedger behaviour, run against every store (the shared contract suite)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading

import pytest

from gdprkit.consent import (
    ALL,
    ChainReport,
    Consent,
    ConsentLedger,
    ConsentStatus,
    EventKind,
    MemoryStore,
    ParentalAuthorisation,
)
from gdprkit.errors import (
    ChainBroken,
    InvalidConsent,
    InvalidInput,
    InvalidTransition,
    InvalidType,
    KeyMaterialError,
    NaiveDatetimeError,
    NotFound,
    ParentalConsentRequired,
)
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Register

from .conftest import StoreFactory
from .consent_support import KEY, T0, evidence

H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
LATER = T0 + 1000 * D  # "now" for every append: all test events lie before it


def grant(purpose: str, at: dt.datetime = T0, **kw: object) -> Consent:
    return Consent(purpose, True, at, evidence(), **kw)  # type: ignore[arg-type]


def refuse(purpose: str, at: dt.datetime = T0) -> Consent:
    return Consent(purpose, False, at, evidence())


@pytest.fixture
def ledger(store_factory: StoreFactory, register: Register) -> ConsentLedger:
    return ConsentLedger(store_factory(), key=KEY, register=register)


def test_grant_allows_until_withdrawn_and_withdrawal_is_not_retroactive(
    ledger: ConsentLedger,
) -> None:
    ledger.record("alice", grant("analytics"), now=LATER)
    assert ledger.allows("alice", "analytics", now=LATER)
    ledger.withdraw("alice", ["analytics"], at=T0 + D, now=LATER)
    assert not ledger.allows("alice", "analytics", now=LATER)
    assert ledger.allows("alice", "analytics", at=T0 + H)  # Art. 7(3): not retroactive
    assert not ledger.allows("alice", "analytics", at=T0 - H)
    assert not ledger.allows("bob", "analytics", now=LATER)


def test_state_lists_every_consent_purpose(ledger: ConsentLedger) -> None:
    ledger.record("alice", refuse("analytics"), now=LATER)
    state = ledger.state("alice", now=LATER)
    assert set(state) == {"newsletter", "analytics"}
    assert state["analytics"].status is ConsentStatus.REFUSED
    assert state["newsletter"].status is ConsentStatus.NONE
    assert not state["analytics"].allowed


def test_consent_only_for_consent_purposes(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidConsent, match=r"Art\. 6\(1\)\(b\)"):
        ledger.record("alice", grant("orders"), now=LATER)
    with pytest.raises(NotFound):
        ledger.record("alice", grant("unknown"), now=LATER)
    with pytest.raises(NotFound):
        ledger.allows("alice", "unknown")
    assert ledger.history("alice") == []


def test_non_consent_purposes_are_allowed_until_an_objection(ledger: ConsentLedger) -> None:
    assert ledger.allows("alice", "orders", now=LATER)
    assert ledger.allows("alice", "fraud", now=LATER)
    entry = ledger.object("alice", "fraud", at=T0, now=LATER)
    assert entry.event.ground is not None
    assert entry.event.ground.value == "21(1)"
    assert not ledger.allows("alice", "fraud", now=LATER)
    assert ledger.allows("alice", "fraud", at=T0 - H)
    ledger.object("alice", "postal_ads", at=T0, now=LATER)
    assert not ledger.allows("alice", "postal_ads", now=LATER)
    assert ledger.state("alice", now=LATER)["postal_ads"].status is ConsentStatus.OBJECTED


def test_objection_only_where_article_21_applies(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidInput, match=r"Art\. 21"):
        ledger.object("alice", "orders", at=T0, now=LATER)
    with pytest.raises(InvalidInput, match="withdraw consent"):
        ledger.object("alice", "analytics", at=T0, now=LATER)
    with pytest.raises(InvalidInput, match="does not apply"):
        ledger.object("alice", "fraud", at=T0, ground="21(2)", now=LATER)


def test_objection_to_direct_marketing_is_absolute_until_a_new_grant(
    ledger: ConsentLedger,
) -> None:
    ledger.record("alice", grant("newsletter"), now=LATER)
    ledger.object("alice", "newsletter", at=T0 + H, now=LATER)
    assert not ledger.allows("alice", "newsletter", now=LATER)
    with pytest.raises(InvalidTransition):
        ledger.renew("alice", "newsletter", evidence=evidence(), at=T0 + 2 * H, now=LATER)
    ledger.record("alice", grant("newsletter", T0 + 3 * H), now=LATER)
    assert ledger.allows("alice", "newsletter", now=T0 + 4 * H)


def test_expiry_from_the_register_and_from_the_ledger(
    store_factory: StoreFactory, register: Register
) -> None:
    ledger = ConsentLedger(store_factory(), key=KEY, register=register)
    entry = ledger.record("alice", grant("newsletter"), now=LATER)  # register: 24 months
    assert entry.event.expires_at == dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.timezone.utc)
    assert ledger.allows("alice", "newsletter", now=entry.event.expires_at - H)
    assert not ledger.allows("alice", "newsletter", now=entry.event.expires_at)
    state = ledger.state("alice", now=entry.event.expires_at)
    assert state["newsletter"].status is ConsentStatus.EXPIRED

    override = ConsentLedger(
        store_factory(), key=KEY, register=register,
        max_age={"newsletter": "1 month"}, refusal_max_age={"analytics": "6 months"},
    )  # fmt: skip
    assert override.record("a", grant("newsletter"), now=LATER).event.expires_at == T0.replace(
        month=4
    )
    refusal = override.record("a", refuse("analytics"), now=LATER)
    assert refusal.event.expires_at == T0.replace(month=9)
    assert override.state("a", now=T0.replace(month=10))["analytics"].status is (
        ConsentStatus.EXPIRED
    )


def test_renew_extends_a_standing_consent(ledger: ConsentLedger) -> None:
    first = ledger.record("alice", grant("newsletter"), now=LATER)
    assert first.event.expires_at is not None
    renewed = ledger.renew(
        "alice", "newsletter", evidence=evidence(), at=first.event.expires_at - D, now=LATER
    )
    assert renewed.event.kind is EventKind.RENEWED
    assert ledger.allows("alice", "newsletter", now=first.event.expires_at + D)


def test_expire_marks_a_decision_as_lapsed(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidTransition):
        ledger.expire("alice", "analytics", reason="notice v2", at=T0, now=LATER)
    ledger.record("alice", grant("analytics"), now=LATER)
    ledger.expire("alice", "analytics", reason="notice v2", at=T0 + H, now=LATER)
    assert ledger.state("alice", now=LATER)["analytics"].status is ConsentStatus.EXPIRED
    assert ledger.allows("alice", "analytics", at=T0)


def test_withdraw_all_touches_only_granted_purposes(ledger: ConsentLedger) -> None:
    ledger.record_many("alice", [grant("newsletter"), refuse("analytics")], now=LATER)
    entries = ledger.withdraw("alice", at=T0 + H, now=LATER)
    assert [(e.event.purpose, e.event.kind) for e in entries] == [
        ("newsletter", EventKind.WITHDRAWN)
    ]
    assert ledger.withdraw("alice", ALL, at=T0 + 2 * H, now=LATER) == []
    with pytest.raises(InvalidConsent):
        ledger.withdraw("alice", ["orders"], now=LATER)


def test_one_decision_per_purpose_and_nothing_half_written(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidConsent, match="twice"):
        ledger.record_many("alice", [grant("newsletter"), refuse("newsletter")], now=LATER)
    assert ledger.history("alice") == []
    assert ledger.verify().events == 0


def test_future_events_are_refused(ledger: ConsentLedger) -> None:
    with pytest.raises(InvalidInput, match="future"):
        ledger.record("alice", grant("analytics", LATER + H), now=LATER)


def test_back_dated_events_fold_in_time_order(ledger: ConsentLedger) -> None:
    ledger.record("alice", grant("analytics", T0), now=LATER)
    ledger.withdraw("alice", ["analytics"], at=T0 + 2 * H, now=LATER)
    ledger.record("alice", grant("analytics", T0 + H), now=LATER)  # a paper form typed in late
    assert not ledger.allows("alice", "analytics", now=LATER)
    ledger.withdraw("bob", ["analytics"], at=T0 + H, now=LATER)  # the letter arrives late ...
    ledger.record("bob", grant("analytics", T0 + 3 * H), now=LATER)
    ledger.withdraw("bob", ["analytics"], at=T0 + 2 * H, now=LATER)  # ... and is typed in later
    assert ledger.allows("bob", "analytics", now=LATER)
    assert [e.seq for e in ledger.history("bob")] == [4, 5, 6]


def test_subjects_are_stored_only_as_keyed_pseudonyms(
    store_factory: StoreFactory, register: Register
) -> None:
    store = store_factory()
    ledger = ConsentLedger(store, key=KEY, register=register)
    ledger.record("alice@example.com", grant("analytics"), now=LATER)
    rows = list(store.events())
    assert all("alice" not in field for row in rows for field in map(str, row))
    other = ConsentLedger(store, key=b"another key of 32 bytes or more!", register=register)
    assert other.pseudonym("alice@example.com") != ledger.pseudonym("alice@example.com")
    assert not other.allows("alice@example.com", "analytics", now=LATER)
    # Erasure: the shop forgets who "alice" was; the chain still verifies and still proves it.
    assert ledger.verify().events == 1
    # ... but only with the shop's key: the chain is keyed (a MAC), another key cannot vouch.
    with pytest.raises(ChainBroken, match="key id"):
        other.verify()
    assert rows[0].event().kind is EventKind.GIVEN


def test_short_keys_are_refused() -> None:
    with pytest.raises(KeyMaterialError):
        ConsentLedger(key=b"short")


def test_child_consent_needs_parental_authorisation(ledger: ConsentLedger) -> None:
    child = dt.date(2014, 6, 1)  # 10 on T0; Austria's age is 14 (FACTS.md §2)
    with pytest.raises(ParentalConsentRequired, match=r"Art\. 8\(1\)"):
        ledger.record("kid", grant("newsletter"), birth_date=child, country="AT", now=LATER)
    with pytest.raises(InvalidInput, match="country"):
        ledger.record("kid", grant("newsletter"), birth_date=child, now=LATER)
    parent = ParentalAuthorisation(method="signed_form", at=T0, reference="form-1")
    ok = Consent("newsletter", True, T0, evidence(parental_authorisation=parent))
    ledger.record("kid", ok, birth_date=child, country="AT", now=LATER)
    ledger.record("kid", refuse("analytics"), birth_date=child, country="AT", now=LATER)
    adult = dt.date(2000, 1, 1)
    ledger.record("grown-up", grant("newsletter"), birth_date=adult, country="AT", now=LATER)
    assert ledger.verify().events == 3


def test_verify_with_an_anchor_detects_truncation_and_rewrites(
    store_factory: StoreFactory, register: Register
) -> None:
    ledger = ConsentLedger(store_factory(), key=KEY, register=register)
    ledger.record("alice", grant("analytics"), now=LATER)
    ledger.record("bob", grant("analytics"), now=LATER)
    report = ledger.verify()
    assert ChainReport.from_dict(report.to_dict()) == report
    ledger.record("carol", grant("analytics"), now=LATER)
    assert ledger.verify(anchor=report).events == 3
    shorter = ConsentLedger(store_factory(), key=KEY, register=register)
    shorter.record("alice", grant("analytics"), now=LATER)
    with pytest.raises(ChainBroken, match="truncated"):
        shorter.verify(anchor=report)
    other = ConsentLedger(store_factory(), key=KEY, register=register)
    other.record("mallory", grant("analytics"), now=LATER)
    other.record("mallory", refuse("newsletter"), now=LATER)
    with pytest.raises(ChainBroken, match="rewritten") as info:
        other.verify(anchor=report)
    assert info.value.position == 2


def test_entries_stream_every_event_in_order(ledger: ConsentLedger) -> None:
    ledger.record("alice", grant("analytics"), now=LATER)
    ledger.withdraw("alice", now=LATER)
    assert [e.seq for e in ledger.entries()] == [1, 2]
    assert [e.event.kind for e in ledger.history("alice")] == [
        EventKind.GIVEN,
        EventKind.WITHDRAWN,
    ]


def test_threads_appending_at_once_keep_one_chain(store_factory: StoreFactory) -> None:
    store = store_factory()
    ledger = ConsentLedger(store, key=KEY)

    def work(n: int) -> None:
        for i in range(15):
            ledger.record(f"t{n}-{i}", grant("analytics"), now=LATER)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger.verify().events == 60
    assert [row.seq for row in store.events()] == list(range(1, 61))
    assert all(ledger.allows(f"t{n}-{i}", "analytics", now=LATER)
               for n in range(4) for i in range(15))  # fmt: skip


@pytest.mark.parametrize("cache", [0, 1, 1000])
@pytest.mark.parametrize("key", [KEY, b"x" * 100])  # > 64 bytes: RFC 2104 hashes the key first
def test_pseudonym_is_hmac_sha256_with_a_domain_label(cache: int, key: bytes) -> None:
    ledger = ConsentLedger(key=key, pseudonym_cache=cache)
    for subject in ["alice", "bob", "alice", "ünïcode", "bob"]:
        expected = hmac.new(
            key, b"gdprkit.consent.subject.v1\x00" + subject.encode(), hashlib.sha256
        ).hexdigest()
        assert ledger.pseudonym(subject) == expected
    with pytest.raises(InvalidInput):
        ledger.pseudonym("")


def test_append_many_records_many_subjects_at_once(ledger: ConsentLedger) -> None:
    entries = ledger.append_many(
        [(f"s{i}", grant("analytics")) for i in range(5)] + [("s0", refuse("newsletter"))],
        now=LATER,
    )
    assert [e.seq for e in entries] == list(range(1, 7))
    assert all(ledger.allows(f"s{i}", "analytics", now=LATER) for i in range(5))
    with pytest.raises(InvalidConsent, match="twice"):
        ledger.append_many([("s9", grant("analytics")), ("s9", refuse("analytics"))], now=LATER)
    with pytest.raises(InvalidConsent):
        ledger.append_many([("s9", grant("orders"))], now=LATER)
    assert ledger.verify().events == 6
    assert ledger.append_many([], now=LATER) == []


def test_a_key_ring_works_and_a_pinned_key_id_keeps_pseudonyms_stable() -> None:
    ring = KeyRing.generate(key_id="k1")
    pinned = ConsentLedger(key=ring, key_id="k1")
    rotated = ConsentLedger(key=ring.rotate(key_id="k2"), key_id="k1")
    assert pinned.pseudonym("alice") == rotated.pseudonym("alice")
    assert ConsentLedger(key=ring.rotate(key_id="k2"), key_id="k2").pseudonym(
        "alice"
    ) != pinned.pseudonym("alice")
    with pytest.raises(InvalidType):
        ConsentLedger(key="not bytes")  # type: ignore[arg-type]


def test_rotating_the_key_ring_keeps_every_recorded_consent() -> None:
    # Without key_id the ledger uses the ring's oldest key, not the active one: a rotation
    # for new tokens must not orphan the consents already given.
    ring = KeyRing.generate(key_id="k1")
    store = MemoryStore()
    ConsentLedger(store, key=ring).record("alice", grant("newsletter"), now=LATER)
    after_rotation = ConsentLedger(store, key=ring.rotate(key_id="k2"))
    assert after_rotation.allows("alice", "newsletter", now=LATER)
    assert after_rotation.pseudonym("alice") == ConsentLedger(key=ring, key_id="k1").pseudonym(
        "alice"
    )


def test_allows_refuses_naive_or_wrong_now_with_typed_errors() -> None:
    ledger = ConsentLedger(key=KEY)
    ledger.record("alice", grant("newsletter", expires_at=T0 + D), now=LATER)
    with pytest.raises(NaiveDatetimeError):
        ledger.allows("alice", "newsletter", now=dt.datetime(2025, 3, 1))
    with pytest.raises(InvalidType):
        ledger.allows("alice", "newsletter", now="today")  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError):
        ledger.allows("alice", "newsletter", at=dt.datetime(2025, 3, 1))
