"""The consent ledger: append-only, hash-chained, queryable at any past instant."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from gdprkit._time import day_after_starts, ensure_aware, ensure_zone, local_day, utc_now
from gdprkit.consent._chain import (
    GENESIS,
    ChainKey,
    ChainVerifier,
    Fold,
    StoredEvent,
    apply_event,
    fold_events,
    index_fields,
    new_event,
)
from gdprkit.consent._store import ConsentStore, MemoryStore
from gdprkit.consent._values import (
    Consent,
    ConsentEvent,
    EventKind,
    Evidence,
    ObjectionGround,
)
from gdprkit.errors import (
    ChainBroken,
    InvalidConsent,
    InvalidInput,
    InvalidTransition,
    InvalidType,
    KeyMaterialError,
    NotFound,
    ParentalConsentRequired,
)
from gdprkit.law import LegalBasis, requires_parental_consent
from gdprkit.register import Duration, DurationUnit

if TYPE_CHECKING:
    from gdprkit.register import Purpose, Register

__all__ = [
    "ALL",
    "CNIL_CHOICE_MAX_AGE",
    "ChainReport",
    "Checkpoint",
    "ConsentLedger",
    "ConsentStatus",
    "LedgerEntry",
    "PurposeState",
]

#: Keep a cookie choice (consent *or* refusal) for 6 months, then ask again: CNIL
#: recommendation of 17 Sep 2020 (deliberation 2020-092 [S207]), good practice, not binding;
#: status 🟡 (read from secondary reports).  Not applied unless the shop configures it.
CNIL_CHOICE_MAX_AGE = Duration(6, DurationUnit.MONTHS)

# Domain separation: the same shop key used elsewhere never yields the same pseudonyms.
_PSEUDONYM_DOMAIN = b"gdprkit.consent.subject.v1\x00"
_CHAIN_KEY_DOMAIN = b"gdprkit.consent.chain.v2"
_CHECKPOINT_DOMAIN = "gdprkit.consent.checkpoint.v1\n"
_MIN_KEY_BYTES = 32


class _All(enum.Enum):
    ALL = "ALL"

    def __repr__(self) -> str:
        return "ALL"


#: Pass as ``purposes`` to :meth:`ConsentLedger.withdraw` to withdraw every consent at once.
ALL = _All.ALL


class ConsentStatus(str, enum.Enum):
    """Where one purpose stands for one subject at one instant."""

    NONE = "none"
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"
    OBJECTED = "objected"


@attrs.frozen
class PurposeState:
    """The state of one purpose for one subject at one instant, and whether it allows processing.

    Example:
        >>> PurposeState(purpose="newsletter", status=ConsentStatus.NONE, allowed=False).status
        <ConsentStatus.NONE: 'none'>
    """

    purpose: str
    status: ConsentStatus
    allowed: bool
    since: dt.datetime | None = None
    expires_at: dt.datetime | None = None
    objected_at: dt.datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "purpose": self.purpose,
            "status": self.status.value,
            "allowed": self.allowed,
            "since": None if self.since is None else self.since.isoformat(),
            "expires_at": None if self.expires_at is None else self.expires_at.isoformat(),
            "objected_at": None if self.objected_at is None else self.objected_at.isoformat(),
        }


@attrs.frozen
class LedgerEntry:
    """One event as stored: its position, the subject's pseudonym, the event and its digests.

    Example:
        >>> LedgerEntry  # doctest: +ELLIPSIS
        <class 'gdprkit.consent._ledger.LedgerEntry'>
    """

    seq: int
    subject: str
    event: ConsentEvent
    prev: str
    digest: str

    @classmethod
    def _from_row(cls, row: StoredEvent) -> LedgerEntry:
        return cls(row.seq, row.subject, row.event(), row.prev, row.digest)


@attrs.frozen
class ChainReport:
    """The result of :meth:`ConsentLedger.verify`: how many events, and the head digest.

    Keep reports (print them in a daily job, send them to another system): passing an old one
    back as ``anchor=`` proves the ledger was not truncated or rewritten since.

    Example:
        >>> ChainReport(events=0, head="0" * 64).to_dict()["events"]
        0
    """

    events: int
    head: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {"version": 1, "events": self.events, "head": self.head}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChainReport:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown version.
        """
        if not isinstance(data, Mapping) or data.get("version") != 1:  # type: ignore[redundant-expr]
            raise InvalidInput("chain report version must be 1")
        events, head = _count_and_head(data, "chain report")
        return cls(events, head)


def _count_and_head(data: Mapping[str, Any], what: str) -> tuple[int, str]:
    events, head = data.get("events"), data.get("head")
    if not isinstance(events, int) or isinstance(events, bool) or events < 0:
        raise InvalidInput(f"{what}: events must be a non-negative integer")
    if not isinstance(head, str) or len(head) != 64 or head.strip("0123456789abcdef"):
        raise InvalidInput(f"{what}: head must be 64 lower-case hex digits")
    return events, head


@attrs.frozen
class Checkpoint:
    """A signed head of a ledger's chain: store it away from the database, or publish it.

    ``mac`` is an HMAC-SHA-256 with the ledger's chain key over the number of events, the head
    digest and the key id, so someone who can edit the database cannot make one.  Pass the
    latest checkpoint to :meth:`ConsentLedger.verify` to prove that the ledger still holds every
    event it had then: a rewritten ledger, a lost tail (a damaged write-ahead log, a restored
    old backup) or a truncation is found.

    Example:
        >>> ledger = ConsentLedger(key=b"k" * 32)
        >>> cp = ledger.checkpoint()
        >>> Checkpoint.from_dict(cp.to_dict()) == cp, ledger.verify(anchor=cp).events
        (True, 0)
    """

    events: int
    head: str
    key_id: str
    mac: str = attrs.field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form."""
        return {
            "version": 1, "events": self.events, "head": self.head, "key_id": self.key_id,
            "mac": self.mac,
        }  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checkpoint:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown version or a malformed field.
        """
        if not isinstance(data, Mapping) or data.get("version") != 1:  # type: ignore[redundant-expr]
            raise InvalidInput("checkpoint version must be 1")
        events, head = _count_and_head(data, "checkpoint")
        key_id, mac = data.get("key_id"), data.get("mac")
        if not isinstance(key_id, str) or not isinstance(mac, str):
            raise InvalidInput("checkpoint: key_id and mac must be strings")
        return cls(events, head, key_id, mac)


def _checkpoint_data(events: int, head: str, key_id: str) -> bytes:
    return f"{_CHECKPOINT_DOMAIN}{key_id}\n{events}\n{head}".encode()


def _chain_keys(
    key: object, key_id: str | None
) -> tuple[ChainKey, Callable[[str], ChainKey | None]]:
    """The chain key new events are made with, and a look-up of chain keys by key id."""
    if isinstance(key, (bytes, bytearray)):
        secret = hmac.new(bytes(key), _CHAIN_KEY_DOMAIN, hashlib.sha256).digest()
        # A fingerprint of the derived key, not the key: names the key in events, proves
        # nothing about it.
        fingerprint = hashlib.sha256(b"gdprkit.consent.chain.key-id\0" + secret).hexdigest()
        own = ChainKey("b-" + fingerprint[:16], secret)
        return own, lambda wanted: own if wanted == own.key_id else None
    ids = tuple(getattr(key, "ids", ()))
    chosen = key_id if key_id is not None else (ids[0] if ids else None)

    def of(wanted: str) -> ChainKey | None:
        if wanted not in ids:
            return None
        return ChainKey(wanted, key.derive("gdprkit.consent.chain", key_id=wanted))  # type: ignore[attr-defined]

    found = of(chosen) if isinstance(chosen, str) else None
    if found is None:
        raise InvalidType("key must be bytes (>= 32) or a gdprkit.pseudonymise.KeyRing")
    return found, of


def _key_material(key: object, key_id: str | None) -> bytes:
    if isinstance(key, (bytes, bytearray)):
        if len(key) < _MIN_KEY_BYTES:
            raise KeyMaterialError(
                f"key must be at least {_MIN_KEY_BYTES} bytes (256 bits) of secret material"
            )
        return bytes(key)
    derive = getattr(key, "derive", None)
    if callable(derive):  # gdprkit.pseudonymise.KeyRing (duck-typed: a lower layer, optional)
        if key_id is None:
            # The ring's oldest key, not its active one: rotating the ring for new tokens must
            # not change every subject's pseudonym, which would orphan their consent history
            # (allows() would answer False for everyone who had consented).
            ids = getattr(key, "ids", ())
            key_id = ids[0] if ids else None
        material = derive("gdprkit.consent.subject", key_id=key_id)
        if isinstance(material, bytes):
            return material
    raise InvalidType("key must be bytes (>= 32) or a gdprkit.pseudonymise.KeyRing")


def _duration(value: object, name: str) -> Duration:
    try:
        return Duration.parse(value)
    except (InvalidInput, InvalidType) as exc:
        raise type(exc)(f"{name}: {exc}") from None


class ConsentLedger:
    """Append-only, hash-chained record of consent decisions, withdrawals and objections.

    Subjects are stored only under a keyed pseudonym (HMAC-SHA-256 with the shop's ``key``, at
    least 32 bytes, or a sub-key of a :class:`gdprkit.pseudonymise.KeyRing`: the key ``key_id``,
    by default the ring's oldest, so that rotating the ring does not change the pseudonyms
    already recorded): when a person is
    erased from the shop's systems, the chain still verifies and still proves that consent was
    given, without naming anyone (Art. 17(3)(e) GDPR, legal claims). Keep the key: it is how the
    shop finds a returning subject's history.

    With a ``register``, consent can be recorded only for purposes whose basis is consent
    (Art. 6(1)(a) or 9(2)(a)), objections only where Art. 21 applies, and maximum ages come from
    each purpose's ``consent_max_age``. ``max_age`` (purpose id → duration) overrides them;
    ``refusal_max_age`` sets how long a refusal stands before the shop may ask again (e.g.
    :data:`CNIL_CHOICE_MAX_AGE`). Without a register every purpose is treated as a consent
    purpose (the safe side: nothing is allowed without a grant).

    ``country`` (and ``age_overrides``) select the Art. 8 age used when :meth:`record` is given a
    ``birth_date``.  ``pseudonym_cache`` bounds an in-process map of recent subject ids to their
    pseudonyms (0 disables it).

    ``zone`` is the controller's time zone (a tzinfo or an IANA name such as
    ``"Europe/Sofia"``).  With it, a maximum age is counted like every other gdprkit period
    (Reg. 1182/71 Art. 3(1), 3(2)(c), as :mod:`gdprkit.retention` and the request deadlines do):
    the local day of the decision in ``zone`` is day 0, and the decision expires when the last
    day of the period has run out, at midnight in ``zone`` — whatever zone the ``at`` datetime
    carries.  A consent given at 23:30 UTC on 31 March 2025 (02:30 on 1 April in Sofia) with a
    6-month maximum age lasts to the end of 1 October 2025 in Sofia.  ``None`` (the default)
    keeps the earlier behaviour: the expiry is ``at`` plus the maximum age, at the same clock
    time in the zone of ``at`` (here 30 September 2025, 23:30 UTC).  An explicit
    ``expires_at`` is always kept as given.

    Raises:
        KeyMaterialError: the key is shorter than 32 bytes.
        InvalidType: the key or store has the wrong type, or ``zone`` is not a tzinfo or name.
        InvalidInput: ``zone`` names an unknown time zone.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.consent import ConsentLedger, Consent, Evidence, notice_digest
        >>> ledger = ConsentLedger(key=b"a shop secret of at least 32 bytes!!")
        >>> ev = Evidence(method="checkbox", notice_version="v1",
        ...               notice_sha256=notice_digest("Send me offers"), locale="en",
        ...               channel="web", collected_by="checkout")
        >>> t0 = dt.datetime(2025, 1, 1, 12, 0, tzinfo=dt.timezone.utc)
        >>> _ = ledger.record("customer-42", Consent("newsletter", True, t0, ev), now=t0)
        >>> ledger.allows("customer-42", "newsletter", now=t0)
        True
        >>> _ = ledger.withdraw("customer-42", at=t0 + dt.timedelta(days=1),
        ...                     now=t0 + dt.timedelta(days=1))
        >>> ledger.allows("customer-42", "newsletter", now=t0 + dt.timedelta(days=2))
        False
        >>> ledger.allows("customer-42", "newsletter", at=t0 + dt.timedelta(hours=1))
        True
        >>> ledger.verify().events
        2
    """

    def __init__(
        self,
        store: ConsentStore | None = None,
        *,
        key: bytes | Any,
        key_id: str | None = None,
        register: Register | None = None,
        max_age: Mapping[str, Duration | str] | None = None,
        refusal_max_age: Mapping[str, Duration | str] | None = None,
        country: str | None = None,
        age_overrides: Mapping[str, int] | None = None,
        pseudonym_cache: int = 200_000,
        zone: dt.tzinfo | str | None = None,
    ) -> None:
        self._zone = ensure_zone(zone)
        if store is None:
            store = MemoryStore()
        if not isinstance(store, ConsentStore):
            raise InvalidType("store must implement gdprkit.consent.ConsentStore")
        self._store = store
        # The in-memory store's purpose -> pseudonym -> state index, read directly by allows()
        # (a method call costs as much as a dict probe); other stores are asked through
        # ConsentStore.current.
        self._memory_index: dict[str, dict[str, Fold]] | None = (
            store._by_purpose if type(store) is MemoryStore else None
        )
        key_bytes = _key_material(key, key_id)
        self._chain, self._chain_key_of = _chain_keys(key, key_id)
        block = key_bytes if len(key_bytes) <= 64 else hashlib.sha256(key_bytes).digest()
        block = block.ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block) + _PSEUDONYM_DOMAIN)
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
        # subject id -> pseudonym: repeated look-ups (every request of a logged-in user) skip
        # the HMAC. Holds the shop's own ids in process memory only; pseudonym_cache=0 turns
        # it off.
        self._cache: dict[str, str] = {}
        self._cache_size = pseudonym_cache
        self._register = register
        self._purposes: dict[str, Purpose] = {}
        if register is not None:
            self._purposes = {p.id: p for p in register.purposes}
        self._max_age: dict[str, Duration] = {}
        for pid, purpose in self._purposes.items():
            if purpose.consent_max_age is not None:
                self._max_age[pid] = purpose.consent_max_age
        for pid, value in (max_age or {}).items():
            self._max_age[pid] = _duration(value, f"max_age[{pid!r}]")
        self._refusal_max_age = {
            pid: _duration(value, f"refusal_max_age[{pid!r}]")
            for pid, value in (refusal_max_age or {}).items()
        }
        self._country = country
        self._age_overrides = age_overrides
        # purpose id -> whether its basis is consent; filled from the register, cached.
        self._consent_based: dict[str, bool] = {
            pid: p.is_consent_based for pid, p in self._purposes.items()
        }

    def __repr__(self) -> str:
        register = "yes" if self._register is not None else "no"
        return f"ConsentLedger(store={self._store!r}, register={register})"

    @property
    def zone(self) -> dt.tzinfo | None:
        """The controller's time zone maximum ages are counted in (``None``: the zone of ``at``).

        Example:
            >>> ConsentLedger(key=b"k" * 32, zone="Europe/Sofia").zone
            zoneinfo.ZoneInfo(key='Europe/Sofia')
        """
        return self._zone

    def _expiry(self, age: Duration, at: dt.datetime) -> dt.datetime:
        """When a decision taken at ``at`` with maximum age ``age`` lapses (see the class doc)."""
        if self._zone is None:
            expiry: dt.datetime = age.after(at)  # type: ignore[assignment]  # keeps time, zone
            return expiry
        # Reg. 1182/71 Art. 3(1): the day of the decision is not counted; Art. 3(2)(c): the
        # period ends with the expiry of the last hour of its last day, in the controller's zone.
        return day_after_starts(age.after(local_day(at, self._zone)), self._zone)

    @property
    def store(self) -> ConsentStore:
        """The store this ledger appends to."""
        return self._store

    @property
    def register(self) -> Register | None:
        """The register purposes are checked against, if any."""
        return self._register

    # -- subjects ---------------------------------------------------------------------------

    def pseudonym(self, subject: str) -> str:
        """Return the keyed pseudonym (hex HMAC-SHA-256) under which ``subject`` is stored.

        Raises:
            InvalidType: ``subject`` is not a non-empty string.

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> len(ledger.pseudonym("customer-42")), ledger.pseudonym("a") == ledger.pseudonym("a")
            (64, True)
        """
        cached = self._cache.get(subject)
        if cached is not None:
            return cached
        try:
            data = subject.encode("utf-8")
        except AttributeError:
            raise InvalidType("subject must be a str (the shop's own subject id)") from None
        if not data:
            raise InvalidInput("subject must not be empty")
        # HMAC-SHA-256 (RFC 2104) from the pre-keyed inner and outer states: two hash copies
        # instead of re-keying on every call.
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        result = outer.hexdigest()
        if self._cache_size:
            if len(self._cache) >= self._cache_size:
                self._cache.clear()
            self._cache[subject] = result
        return result

    # -- purposes ---------------------------------------------------------------------------

    def _purpose(self, purpose: str) -> Purpose | None:
        if self._register is None:
            return None
        try:
            return self._purposes[purpose]
        except KeyError:
            raise NotFound(f"no purpose {purpose!r} in the register") from None

    def _is_consent_based(self, purpose: str) -> bool:
        try:
            return self._consent_based[purpose]
        except KeyError:
            if self._register is not None:
                raise NotFound(f"no purpose {purpose!r} in the register") from None
            return True

    # -- writing ----------------------------------------------------------------------------

    def _check_time(self, at: object, now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
        current = ensure_aware(utc_now() if now is None else now, "now")
        moment = ensure_aware(at, "at")
        if moment > current:
            raise InvalidInput("at must not be in the future (record events when they happen)")
        return moment, current

    def _append(self, subject: str, events: Iterable[ConsentEvent]) -> list[LedgerEntry]:
        pseudonym = self.pseudonym(subject)
        chosen = list(events)
        if not chosen:
            return []
        rows = self._store.append([new_event(pseudonym, event, self._chain) for event in chosen])
        # The events were just built and validated: no need to parse the stored bodies back.
        return [
            LedgerEntry(row.seq, row.subject, event, row.prev, row.digest)
            for row, event in zip(rows, chosen, strict=True)
        ]

    def _decision_event(
        self,
        consent: Consent,
        now: dt.datetime | None,
        birth_date: dt.date | None,
        country: str | None,
    ) -> ConsentEvent:
        if not isinstance(consent, Consent):
            raise InvalidType(f"consent must be a Consent, got {type(consent).__name__}")
        self._check_time(consent.at, now)
        if not self._is_consent_based(consent.purpose):
            purpose = self._purpose(consent.purpose)
            basis = purpose.basis.article if purpose is not None else "another basis"
            raise InvalidConsent(
                f"purpose {consent.purpose!r} rests on {basis}, not consent: consent can only "
                "be recorded for purposes under Art. 6(1)(a) or 9(2)(a)"
            )
        if consent.granted and birth_date is not None:
            self._check_child(consent, birth_date, country)
        expires_at = consent.expires_at
        if expires_at is None:
            ages = self._max_age if consent.granted else self._refusal_max_age
            age = ages.get(consent.purpose)
            if age is not None:
                expires_at = self._expiry(age, consent.at)
        return ConsentEvent(
            kind=EventKind.GIVEN if consent.granted else EventKind.REFUSED,
            purpose=consent.purpose,
            at=consent.at,
            expires_at=expires_at,
            evidence=consent.evidence,
        )

    def _check_child(self, consent: Consent, birth_date: dt.date, country: str | None) -> None:
        where = country if country is not None else self._country
        if where is None:
            raise InvalidInput(
                "country is needed with birth_date to find the Art. 8 age of digital consent "
                "(pass country= to record() or to the ledger)"
            )
        if (
            requires_parental_consent(birth_date, where, consent.at, overrides=self._age_overrides)
            and consent.evidence.parental_authorisation is None
        ):
            raise ParentalConsentRequired(
                "evidence.parental_authorisation: the subject is below the age of digital "
                f"consent in {where}, so consent must be given or authorised by the holder of "
                "parental responsibility (Art. 8(1) GDPR)"
            )

    def record(
        self,
        subject: str,
        consent: Consent,
        *,
        birth_date: dt.date | None = None,
        country: str | None = None,
        now: dt.datetime | None = None,
    ) -> LedgerEntry:
        """Record one decision (granted or refused) of ``subject`` on one purpose.

        When ``birth_date`` is given and the subject is below the age of digital consent of
        ``country`` (or the ledger's country) on ``consent.at``, a grant needs
        ``evidence.parental_authorisation`` (Art. 8(1) GDPR [S1]; the ages are
        :data:`gdprkit.law.DIGITAL_CONSENT_AGES`).

        Raises:
            InvalidConsent: the purpose's basis is not consent (with a register).
            ParentalConsentRequired: a child's grant lacks the parental authorisation.
            NotFound: the purpose is not in the register.
            InvalidInput: ``consent.at`` is after ``now``.

        Example:
            >>> import datetime as dt
            >>> from gdprkit.consent import Evidence, Consent
            >>> ledger = ConsentLedger(key=b"k" * 32, max_age={"newsletter": "24 months"})
            >>> ev = Evidence(method="account_settings", notice_version="v1",
            ...               notice_sha256="0" * 64, locale="en", channel="web",
            ...               collected_by="settings-page")
            >>> t = dt.datetime(2025, 1, 31, tzinfo=dt.timezone.utc)
            >>> entry = ledger.record("c-1", Consent("newsletter", True, t, ev), now=t)
            >>> entry.seq, entry.event.kind.value, entry.event.expires_at.date()
            (1, 'given', datetime.date(2027, 1, 31))
        """
        event = self._decision_event(consent, now, birth_date, country)
        return self._append(subject, [event])[0]

    def record_many(
        self,
        subject: str,
        consents: Iterable[Consent],
        *,
        birth_date: dt.date | None = None,
        country: str | None = None,
        now: dt.datetime | None = None,
    ) -> list[LedgerEntry]:
        """Record several decisions of one subject (one per purpose) in one transaction.

        Raises:
            InvalidConsent: two decisions name the same purpose (each purpose is decided on its
                own: Recital 43, EDPB 05/2020 paras 42-45), or as for :meth:`record`.

        Example:
            >>> import datetime as dt
            >>> from gdprkit.consent import Evidence, Consent
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ev = Evidence(method="cookie_banner", notice_version="v1",
            ...               notice_sha256="0" * 64, locale="en", channel="web",
            ...               collected_by="banner")
            >>> t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
            >>> [e.event.kind.value for e in ledger.record_many("c-1", [
            ...     Consent("statistics", True, t, ev), Consent("marketing", False, t, ev)],
            ...     now=t)]
            ['given', 'refused']
        """
        events = []
        seen: set[str] = set()
        for consent in consents:
            event = self._decision_event(consent, now, birth_date, country)
            if event.purpose in seen:
                raise InvalidConsent(
                    f"purpose {event.purpose!r} appears twice: record one decision per purpose"
                )
            seen.add(event.purpose)
            events.append(event)
        return self._append(subject, events)

    def append_many(
        self,
        decisions: Iterable[tuple[str, Consent]],
        *,
        now: dt.datetime | None = None,
    ) -> list[LedgerEntry]:
        """Record decisions of many subjects in one transaction (imports, high write rates).

        One fsync for the whole batch instead of one per decision: with ``synchronous=FULL``
        the durable write rate is bound by the disk's flushes, not by the events.  Children's
        consents need :meth:`record` (with ``birth_date``).

        Raises:
            InvalidConsent: a (subject, purpose) appears twice, or as for :meth:`record`.

        Example:
            >>> import datetime as dt
            >>> from gdprkit.consent import Evidence, Consent
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ev = Evidence(method="staff_paper", notice_version="v1",
            ...               notice_sha256="0" * 64, locale="en", channel="paper",
            ...               collected_by="import-2025")
            >>> t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
            >>> len(ledger.append_many([(f"c-{i}", Consent("newsletter", True, t, ev))
            ...                         for i in range(3)], now=t))
            3
        """
        items = []
        events = []
        seen: set[tuple[str, str]] = set()
        for subject, consent in decisions:
            event = self._decision_event(consent, now, None, None)
            pseudonym = self.pseudonym(subject)
            if (pseudonym, event.purpose) in seen:
                raise InvalidConsent(
                    f"purpose {event.purpose!r} appears twice for one subject in the batch"
                )
            seen.add((pseudonym, event.purpose))
            items.append(new_event(pseudonym, event, self._chain))
            events.append(event)
        if not items:
            return []
        rows = self._store.append(items)
        return [
            LedgerEntry(row.seq, row.subject, event, row.prev, row.digest)
            for row, event in zip(rows, events, strict=True)
        ]

    def withdraw(
        self,
        subject: str,
        purposes: Iterable[str] | _All = ALL,
        *,
        at: dt.datetime | None = None,
        evidence: Evidence | None = None,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> list[LedgerEntry]:
        """Withdraw consent (Art. 7(3)): every granted purpose by default, in one transaction.

        With ``purposes=ALL`` only purposes whose last decision is a grant get a ``withdrawn``
        event; named purposes always get one (a recorded unsubscribe is evidence too).
        Withdrawal is not retroactive: :meth:`allows` at an earlier ``at`` still says True.

        Raises:
            InvalidInput: ``at`` is in the future; NotFound/InvalidConsent: a named purpose is
                unknown or not a consent purpose (with a register).

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ledger.withdraw("nobody-yet")
            []
        """
        current = ensure_aware(utc_now() if now is None else now, "now")
        moment, _ = self._check_time(current if at is None else at, current)
        if purposes is ALL:
            states = self._store.current_all(self.pseudonym(subject))
            chosen = sorted(p for p, fold in states.items() if fold.decision == "granted")
        else:
            if isinstance(purposes, str):
                raise InvalidType("purposes must be a list of purpose ids or ALL, not a str")
            chosen = list(dict.fromkeys(purposes))
            for purpose in chosen:
                if not self._is_consent_based(purpose):
                    raise InvalidConsent(
                        f"purpose {purpose!r} does not rest on consent: nothing to withdraw "
                        "(object to it instead, Art. 21)"
                    )
        events = [
            ConsentEvent(
                kind=EventKind.WITHDRAWN, purpose=p, at=moment, evidence=evidence, reason=reason
            )
            for p in chosen
        ]
        return self._append(subject, events)

    def object(
        self,
        subject: str,
        purpose: str,
        *,
        at: dt.datetime | None = None,
        ground: ObjectionGround | str | None = None,
        evidence: Evidence | None = None,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> LedgerEntry:
        """Record an objection under Art. 21 GDPR; from then on :meth:`allows` is False.

        With a register, the ground is checked: direct marketing (21(2)/(3)) can always be
        objected to and the objection is absolute; processing under Art. 6(1)(e) or (f) under
        21(1) — the controller may continue only by showing compelling legitimate grounds,
        which is decided out of band and not by the ledger.  Other bases (contract, legal
        obligation, vital interests, consent) have no Art. 21 right: withdraw consent instead.

        Raises:
            InvalidInput: Art. 21 does not apply to the purpose, or ``at`` is in the future.
            NotFound: the purpose is not in the register.

        Example:
            >>> import datetime as dt
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
            >>> ledger.object("c-1", "newsletter", at=t, now=t).event.kind.value
            'objected'
            >>> ledger.allows("c-1", "newsletter", now=t)
            False
        """
        current = ensure_aware(utc_now() if now is None else now, "now")
        moment, _ = self._check_time(current if at is None else at, current)
        chosen = None if ground is None else ObjectionGround(ground)
        info = self._purpose(purpose)
        if info is not None:
            allowed = set()
            if info.direct_marketing:
                allowed.add(ObjectionGround.DIRECT_MARKETING)
            if info.basis in (LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS):
                allowed.update((ObjectionGround.GENERAL, ObjectionGround.RESEARCH))
            if not allowed:
                raise InvalidInput(
                    f"purpose {purpose!r} rests on {info.basis.article}: Art. 21 applies to "
                    "direct marketing and to Art. 6(1)(e)/(f) processing only"
                    + (" (withdraw consent instead)" if info.is_consent_based else "")
                )
            if chosen is None:
                chosen = (
                    ObjectionGround.DIRECT_MARKETING
                    if info.direct_marketing
                    else ObjectionGround.GENERAL
                )
            elif chosen not in allowed:
                raise InvalidInput(f"ground {chosen.value} does not apply to purpose {purpose!r}")
        event = ConsentEvent(
            kind=EventKind.OBJECTED, purpose=purpose, at=moment, ground=chosen,
            evidence=evidence, reason=reason,
        )  # fmt: skip
        return self._append(subject, [event])[0]

    def renew(
        self,
        subject: str,
        purpose: str,
        *,
        evidence: Evidence,
        at: dt.datetime | None = None,
        expires_at: dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> LedgerEntry:
        """Record that the subject confirmed an existing consent again (a refresh).

        EDPB Guidelines 05/2020 section 5.1 [S205] recommends refreshing consent "at appropriate
        intervals"; the new expiry counts from ``at``.

        Raises:
            InvalidTransition: the purpose's last decision is not a grant, or an objection
                stands (record a new :class:`~gdprkit.consent.Consent` instead).

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ev = Evidence(method="double_opt_in", notice_version="v1",
            ...     notice_sha256="0" * 64, locale="en", channel="email", collected_by="mailer",
            ...     confirmed_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
            >>> ledger.renew("c-1", "newsletter", evidence=ev)
            Traceback (most recent call last):
            ...
            gdprkit.errors.InvalidTransition: purpose 'newsletter' has no standing consent to renew
        """
        current = ensure_aware(utc_now() if now is None else now, "now")
        moment, _ = self._check_time(current if at is None else at, current)
        self._is_consent_based(purpose)
        fold = self._store.current(self.pseudonym(subject), purpose)
        if fold is None or fold.decision != "granted" or fold.objected_at is not None:
            raise InvalidTransition(f"purpose {purpose!r} has no standing consent to renew")
        if expires_at is None and purpose in self._max_age:
            expires_at = self._expiry(self._max_age[purpose], moment)
        event = ConsentEvent(
            kind=EventKind.RENEWED, purpose=purpose, at=moment, expires_at=expires_at,
            evidence=evidence,
        )  # fmt: skip
        return self._append(subject, [event])[0]

    def expire(
        self,
        subject: str,
        purpose: str,
        *,
        reason: str,
        at: dt.datetime | None = None,
        now: dt.datetime | None = None,
    ) -> LedgerEntry:
        """Mark a decision as lapsed, e.g. because the notice or the list of vendors changed.

        Decisions past their ``expires_at`` lapse by themselves; this records a lapse the
        ledger cannot compute: ask again whenever the purposes, vendors or notice change (the
        information that makes consent informed, Art. 4(11) and 7 GDPR, Recital 42 [S1]).

        Raises:
            InvalidTransition: there is no granted or refused decision to expire.

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ledger.expire("c-1", "newsletter", reason="notice v2")
            Traceback (most recent call last):
            ...
            gdprkit.errors.InvalidTransition: purpose 'newsletter' has no decision to expire
        """
        current = ensure_aware(utc_now() if now is None else now, "now")
        moment, _ = self._check_time(current if at is None else at, current)
        self._is_consent_based(purpose)
        fold = self._store.current(self.pseudonym(subject), purpose)
        if fold is None or fold.decision not in ("granted", "refused"):
            raise InvalidTransition(f"purpose {purpose!r} has no decision to expire")
        event = ConsentEvent(kind=EventKind.EXPIRED, purpose=purpose, at=moment, reason=reason)
        return self._append(subject, [event])[0]

    # -- reading ----------------------------------------------------------------------------

    def _resolve(self, purpose: str, fold: Fold | None, when: dt.datetime) -> PurposeState:
        consent_based = self._is_consent_based(purpose)
        if fold is None:
            return PurposeState(purpose, ConsentStatus.NONE, not consent_based)
        if fold.objected_at is not None:
            status = ConsentStatus.OBJECTED
        elif fold.decision is None:
            status = ConsentStatus.NONE
        elif fold.expires_at is not None and fold.expires_at <= when:
            status = ConsentStatus.EXPIRED
        else:
            status = ConsentStatus(fold.decision)
        if status is ConsentStatus.OBJECTED:
            allowed = False
        elif consent_based:
            allowed = status is ConsentStatus.GRANTED
        else:
            allowed = True
        return PurposeState(
            purpose, status, allowed, fold.decided_at, fold.expires_at, fold.objected_at
        )

    def _folds_at(self, pseudonym: str, at: dt.datetime) -> dict[str, Fold]:
        per_purpose: dict[str, list[tuple[int, str, dt.datetime, dt.datetime | None]]] = {}
        for row in self._store.events_for(pseudonym):
            event = row.event()
            per_purpose.setdefault(row.purpose, []).append(
                (row.seq, event.kind.value, event.at, event.expires_at)
            )
        result = {}
        for purpose, events in per_purpose.items():
            fold = fold_events(events, until=at)
            if fold is not None:
                result[purpose] = fold
        return result

    def state(
        self, subject: str, at: dt.datetime | None = None, *, now: dt.datetime | None = None
    ) -> dict[str, PurposeState]:
        """Every purpose's state for ``subject`` at ``at`` (default: now), by purpose id.

        With a register, every consent purpose is listed (``none`` when never decided).

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ledger.state("c-1")
            {}
        """
        pseudonym = self.pseudonym(subject)
        if at is None:
            when = ensure_aware(utc_now() if now is None else now, "now")
            folds = self._store.current_all(pseudonym)
        else:
            when = ensure_aware(at, "at")
            folds = self._folds_at(pseudonym, when)
        result = {}
        names = set(folds)
        names.update(p for p, based in self._consent_based.items() if based)
        for purpose in sorted(names):
            result[purpose] = self._resolve(purpose, folds.get(purpose), when)
        return result

    def allows(
        self,
        subject: str,
        purpose: str,
        at: dt.datetime | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> bool:
        """Whether ``purpose`` may process ``subject``'s data at ``at`` (default: now).

        For a consent purpose: True only for a granted, unexpired, unwithdrawn consent with no
        objection standing.  For any other purpose: True unless an Art. 21 objection stops it —
        absolutely for direct marketing (21(3)); for 6(1)(e)/(f) processing until the controller
        shows compelling legitimate grounds (21(1)), which the ledger cannot judge.

        Raises:
            NotFound: the purpose is not in the register.

        Example:
            >>> ConsentLedger(key=b"k" * 32).allows("c-1", "newsletter")
            False
        """
        consent_based = self._consent_based.get(purpose)
        if consent_based is None:
            consent_based = self._is_consent_based(purpose)
        if at is not None:
            when = ensure_aware(at, "at")
            fold = self._folds_at(self.pseudonym(subject), when).get(purpose)
        else:
            # The hot path (every e-mail of a mailing, every page view): cached pseudonym,
            # one index look-up, the clock read only when the consent can expire.
            pseudonym = self._cache.get(subject) or self.pseudonym(subject)
            index = self._memory_index
            if index is None:
                fold = self._store.current(pseudonym, purpose)
            else:
                folds = index.get(purpose)
                fold = None if folds is None else folds.get(pseudonym)
            if fold is None:
                return not consent_based
            if fold.objected_at is not None:
                return False
            if not consent_based:
                return True
            if fold.decision != "granted":
                return False
            if fold.expires_at is None:
                return True
            if now is None:
                return utc_now() < fold.expires_at
            try:
                return bool(now < fold.expires_at)
            except TypeError:  # a naive or non-datetime ``now``: raise the typed error
                ensure_aware(now, "now")
                raise
        return self._resolve(purpose, fold, when).allowed

    def history(self, subject: str) -> list[LedgerEntry]:
        """Every event of ``subject``, in ledger order.

        Example:
            >>> ConsentLedger(key=b"k" * 32).history("c-1")
            []
        """
        return [LedgerEntry._from_row(r) for r in self._store.events_for(self.pseudonym(subject))]

    def entries(self) -> Iterator[LedgerEntry]:
        """Every event of every subject, in ledger order (for audits and exports).

        Example:
            >>> list(ConsentLedger(key=b"k" * 32).entries())
            []
        """
        for row in self._store.events():
            yield LedgerEntry._from_row(row)

    def verify(
        self, *, anchor: ChainReport | Checkpoint | None = None, index: bool = True
    ) -> ChainReport:
        """Check the whole keyed chain and the current-state index; return count and head digest.

        Detects any edited, deleted, inserted or reordered event, and any event appended by
        someone without the ledger's key, and raises at the first one.  With ``index`` (the
        default) the current-state index that :meth:`allows` reads is refolded from the
        verified events and compared, so an edited, added or deleted index row is found too.
        A chain alone cannot show that its *tail* was cut off (a truncation, a damaged
        write-ahead log, an old backup restored) or that it was rewritten from scratch: pass the
        latest :meth:`checkpoint` (or an earlier report) as ``anchor`` to prove the ledger still
        extends it.

        Raises:
            ChainBroken: verification failed; ``.position`` is the first bad event (for the
                index, the last event of the purpose whose index row is wrong; 0 for an
                anchor that is not this ledger's).

        Example:
            >>> ConsentLedger(key=b"k" * 32).verify()
            ChainReport(events=0, head='0000000000000000000000000000000000000000000000000000000000000000')
        """  # noqa: E501
        if isinstance(anchor, Checkpoint):
            self._check_signature(anchor)
        unkeyed = getattr(self._store, "unkeyed_until", None)
        verifier = ChainVerifier(
            self._chain_key_of, unkeyed_until=None if unkeyed is None else int(unkeyed())
        )
        folds: dict[tuple[str, str], Fold] = {}
        refold: set[tuple[str, str]] = set()
        seen: list[str] = []
        want = -1 if anchor is None else anchor.events

        def consume(start: int) -> None:
            # The loop of a daily job over every event: names bound locally, no method calls
            # but the chain check and the field reader.
            check, fields, apply, get = verifier.check, index_fields, apply_event, folds.get
            for row in self._read(verifier, lambda: self._store.events(start=start)):
                check(row)
                seq = row.seq
                if seq == want:
                    seen.append(row.digest)
                if not index:
                    continue
                key = (row.subject, row.purpose)
                if refold and key in refold:
                    continue
                kind, at, expires = fields(seq, row.body)
                fold = get(key)
                if fold is None or (at, seq) > (fold.last_at, fold.last_seq):
                    folds[key] = apply(fold, kind, at, expires, seq)
                else:
                    # A back-dated event: the purpose's whole history is refolded at the end.
                    refold.add(key)

        consume(1)
        if anchor is not None:
            if anchor.events == 0:
                if anchor.head != GENESIS:
                    raise ChainBroken(0, "the anchor is not a report of this ledger")
            elif verifier.count < anchor.events:
                raise ChainBroken(
                    verifier.count + 1,
                    f"events lost: the anchor has {anchor.events} events, the ledger "
                    f"{verifier.count} (truncated, a damaged log, or an old backup)",
                )
            elif seen != [anchor.head]:
                raise ChainBroken(anchor.events, "rewritten: differs from the anchor's head digest")
        if index:
            self._check_index(verifier, folds, refold, consume)
        return ChainReport(verifier.count, verifier.head)

    def _read(
        self, verifier: ChainVerifier, rows: Callable[[], Iterable[StoredEvent]]
    ) -> Iterator[StoredEvent]:
        """The store's rows; a store that cannot be read raises ChainBroken at the position."""
        try:
            yield from rows()
        except ChainBroken:
            raise
        except Exception as exc:  # noqa: BLE001 - any driver's error: the store is damaged
            raise ChainBroken(
                verifier.count + 1, f"the store cannot be read ({type(exc).__name__})"
            ) from None

    def _check_index(
        self,
        verifier: ChainVerifier,
        folds: dict[tuple[str, str], Fold],
        refold: set[tuple[str, str]],
        consume: Callable[[int], None],
    ) -> None:
        """Compare the store's current-state index with the folded events.

        The index is read after the events; appends in between make rows newer than the
        verified events, so the check continues the chain up to them and compares again: only
        a row that still disagrees once the head stands still is reported.
        """
        for _attempt in range(5):
            # ``refold`` is the set ``consume`` adds back-dated keys to: refold them, then empty
            # it in place, so keys that later events back-date again are refolded next round.
            for key in list(refold):
                history = []
                for row in self._store.events_for(key[0]):
                    if row.purpose == key[1] and row.seq <= verifier.count:
                        kind, at, expires = index_fields(row.seq, row.body)
                        history.append((row.seq, kind, at, expires))
                folded = fold_events(history)
                if folded is not None:
                    folds[key] = folded
            refold.clear()
            wrong = self._index_mismatches(verifier.count, folds)
            if not wrong:
                return
            count = verifier.count
            consume(count + 1)
            if verifier.count == count:
                purpose = wrong[0][1]
                fold = folds.get(wrong[0])
                raise ChainBroken(
                    verifier.count if fold is None else fold.last_seq,
                    f"the current-state index of purpose {purpose!r} does not match the "
                    "events (the index was edited)",
                )
            # New events arrived: fold them (consume did) and refold what they back-dated.
        raise ChainBroken(verifier.count, "the ledger changed too fast to check its index")

    def _index_mismatches(
        self, count: int, folds: Mapping[tuple[str, str], Fold]
    ) -> list[tuple[str, str]]:
        scan = getattr(self._store, "index", None)
        wrong = []
        if scan is None:
            # A store without a full index scan: compare the entries the events explain.
            for (subject, purpose), fold in folds.items():
                if self._store.current(subject, purpose) != fold:
                    wrong.append((subject, purpose))
            return wrong
        # Index rows are unique per key (the primary key): when as many rows matched a folded
        # key as there are folded keys, none is missing, and no set of a million keys is built.
        explained = 0
        get = folds.get
        for subject, purpose, stored in scan():
            folded = get((subject, purpose))
            if folded is not None:
                explained += 1
            if folded != stored:
                wrong.append((subject, purpose))
        if explained != len(folds):
            found = {(subject, purpose) for subject, purpose, _ in scan()}
            wrong.extend(key for key in folds if key not in found)
        return wrong

    def _check_signature(self, checkpoint: Checkpoint) -> None:
        key = self._chain_key_of(checkpoint.key_id)
        if key is None:
            raise ChainBroken(
                0, f"the checkpoint is signed with key id {checkpoint.key_id!r}, which this "
                "ledger does not hold"
            )  # fmt: skip
        expected = key.mac(_checkpoint_data(checkpoint.events, checkpoint.head, key.key_id))
        if not hmac.compare_digest(expected, checkpoint.mac):
            raise ChainBroken(0, "the checkpoint's signature does not verify (not this ledger's)")

    def checkpoint(self, *, anchor: ChainReport | Checkpoint | None = None) -> Checkpoint:
        """Verify the ledger (against ``anchor``, e.g. the previous checkpoint) and sign its head.

        Store the result where the database's users cannot write (another system, a write-once
        bucket, a printed report) or publish it; pass it back to :meth:`verify` as ``anchor``.

        Raises:
            ChainBroken: the ledger does not verify (nothing is signed).

        Example:
            >>> ledger = ConsentLedger(key=b"k" * 32)
            >>> ledger.checkpoint().events
            0
        """
        report = self.verify(anchor=anchor)
        key = self._chain
        mac = key.mac(_checkpoint_data(report.events, report.head, key.key_id))
        return Checkpoint(report.events, report.head, key.key_id, mac)
