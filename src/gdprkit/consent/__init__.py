"""Consent with proof: decisions and evidence, a tamper-evident ledger, stores, cookie consent.

A :class:`Consent` is one subject's decision on one purpose, with the :class:`Evidence` that
proves it (Art. 7(1) GDPR; EDPB Guidelines 05/2020 on consent, section 5.1 [S205]).  A
:class:`ConsentLedger` appends decisions, withdrawals (Art. 7(3)) and objections (Art. 21) to a
hash chain kept in a :class:`ConsentStore` (in memory, SQLite, or SQLAlchemy in
:mod:`gdprkit.consent.sqlalchemy`) and answers :meth:`ConsentLedger.allows` at any instant.
:mod:`gdprkit.consent.cookies` signs a visitor's cookie choice into a cookie value, and
:mod:`gdprkit.consent.receipts` exports a subject's history as a consent receipt.

Example:
    >>> import datetime as dt
    >>> from gdprkit.consent import Consent, ConsentLedger, Evidence, notice_digest
    >>> ledger = ConsentLedger(key=b"a shop secret of at least 32 bytes!!")
    >>> ev = Evidence(method="checkbox", notice_version="v1",
    ...               notice_sha256=notice_digest("Send me offers"), locale="en",
    ...               channel="web", collected_by="checkout")
    >>> t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    >>> _ = ledger.record("customer-42", Consent("newsletter", True, t, ev), now=t)
    >>> ledger.allows("customer-42", "newsletter", now=t)
    True
"""

from __future__ import annotations

from gdprkit.consent._chain import Fold, NewEvent, StoredEvent
from gdprkit.consent._ledger import (
    ALL,
    CNIL_CHOICE_MAX_AGE,
    ChainReport,
    Checkpoint,
    ConsentLedger,
    ConsentStatus,
    LedgerEntry,
    PurposeState,
)
from gdprkit.consent._sqlite import SCHEMA_VERSION, SQLiteStore
from gdprkit.consent._store import ConsentStore, MemoryStore
from gdprkit.consent._values import (
    EVENT_FORMAT_VERSION,
    Consent,
    ConsentEvent,
    EventKind,
    Evidence,
    Method,
    ObjectionGround,
    ParentalAuthorisation,
    notice_digest,
)
from gdprkit.consent.cookies import (
    CookieCategory,
    CookieConsent,
    cookie_consent_or_none,
    encode_cookie,
    parse_cookie,
    record_cookie_consent,
)
from gdprkit.consent.receipts import RECEIPT_FORMAT, check_receipt, consent_receipt

__all__ = [
    "ALL",
    "CNIL_CHOICE_MAX_AGE",
    "EVENT_FORMAT_VERSION",
    "RECEIPT_FORMAT",
    "SCHEMA_VERSION",
    "ChainReport",
    "Checkpoint",
    "Consent",
    "ConsentEvent",
    "ConsentLedger",
    "ConsentStatus",
    "ConsentStore",
    "CookieCategory",
    "CookieConsent",
    "EventKind",
    "Evidence",
    "Fold",
    "LedgerEntry",
    "MemoryStore",
    "Method",
    "NewEvent",
    "ObjectionGround",
    "ParentalAuthorisation",
    "PurposeState",
    "SQLiteStore",
    "StoredEvent",
    "check_receipt",
    "consent_receipt",
    "cookie_consent_or_none",
    "encode_cookie",
    "notice_digest",
    "parse_cookie",
    "record_cookie_consent",
]
