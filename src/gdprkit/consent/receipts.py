"""Consent receipts: a subject's consent history as a documented JSON document.

The fields follow (are *after*, not conformant to) the Kantara Initiative Consent Receipt
Specification v1.1 and the consent record of ISO/IEC TS 27560:2023; the document says so in its
``after`` field and carries its own version in ``receipt_format``.  A shop hands it to the
subject (Art. 15, Art. 7(1)) or to a supervisory authority; each record carries the ledger
sequence number and digest, so :func:`check_receipt` can show it matches the ledger.

Mapping (gdprkit field → Kantara v1.1 field): ``receipt_id`` → ``consentReceiptID``,
``issued_at`` → ``consentTimestamp``, ``jurisdiction`` → ``jurisdiction``, ``controller`` →
``piiControllers``, ``subject.pseudonym`` → ``piiPrincipalId``, ``purposes[].purpose`` /
``description`` / ``legal_basis`` → ``services[].purposes[].purpose`` / ``purposeCategory`` /
``consentType``, ``purposes[].withdrawal`` → ``services[].purposes[].termination``;
``records[]`` (every event with how, when and on which notice) has no Kantara equivalent and
follows the ISO/IEC TS 27560 event list.  See ``docs/areas/consent.md`` for the full table.

Example:
    >>> import datetime as dt
    >>> from gdprkit.consent import Consent, ConsentLedger, Evidence
    >>> from gdprkit.consent.receipts import consent_receipt
    >>> ledger = ConsentLedger(key=b"k" * 32)
    >>> ev = Evidence(method="checkbox", notice_version="v1", notice_sha256="0" * 64,
    ...               locale="en", channel="web", collected_by="checkout")
    >>> t = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    >>> _ = ledger.record("c-1", Consent("newsletter", True, t, ev), now=t)
    >>> receipt = consent_receipt(ledger, "c-1", now=t)
    >>> receipt["receipt_format"], [r["event"] for r in receipt["records"]]
    ('gdprkit.consent-receipt/1', ['given'])
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from typing import Any

from gdprkit._json import canonical_json
from gdprkit._time import ensure_aware, utc_now
from gdprkit.consent._ledger import ConsentLedger, LedgerEntry
from gdprkit.errors import ChainBroken, InvalidInput

__all__ = ["RECEIPT_AFTER", "RECEIPT_FORMAT", "check_receipt", "consent_receipt"]

#: Version marker of the receipt document.
RECEIPT_FORMAT = "gdprkit.consent-receipt/1"

#: The specifications the fields are modelled after (not claimed conformance).
RECEIPT_AFTER = (
    "Kantara Initiative Consent Receipt Specification v1.1",
    "ISO/IEC TS 27560:2023 Privacy technologies - Consent record information structure",
)


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _record(entry: LedgerEntry, *, include_personal: bool) -> dict[str, Any]:
    event = entry.event
    ev = event.evidence
    record: dict[str, Any] = {
        "seq": entry.seq,
        "digest": entry.digest,
        "prev": entry.prev,
        "event": event.kind.value,
        "purpose": event.purpose,
        "at": _iso(event.at),
        "expires_at": _iso(event.expires_at),
        "ground": None if event.ground is None else event.ground.value,
        "reason": event.reason,
        "method": None if ev is None else ev.method.value,
        "notice_version": None if ev is None else ev.notice_version,
        "notice_sha256": None if ev is None else ev.notice_sha256,
        "locale": None if ev is None else ev.locale,
        "channel": None if ev is None else ev.channel,
        "collected_by": None if ev is None else ev.collected_by,
        "confirmed_at": None if ev is None else _iso(ev.confirmed_at),
        "parental_authorisation": ev is not None and ev.parental_authorisation is not None,
    }
    if include_personal:
        record["ip"] = None if ev is None else ev.ip
        record["user_agent"] = None if ev is None else ev.user_agent
    return record


def consent_receipt(
    ledger: ConsentLedger,
    subject: str,
    *,
    now: dt.datetime | None = None,
    include_personal: bool = False,
) -> dict[str, Any]:
    """Return ``subject``'s consent receipt: purposes, current state and every event.

    ``include_personal=True`` adds the masked IP and user agent kept as evidence (for the
    subject's own access request); by default they are left out.

    Raises:
        InvalidType, InvalidInput: ``subject`` is not a non-empty string.

    Example:
        >>> from gdprkit.consent import ConsentLedger
        >>> consent_receipt(ConsentLedger(key=b"k" * 32), "nobody")["records"]
        []
    """
    current = ensure_aware(utc_now() if now is None else now, "now")
    history = ledger.history(subject)
    state = ledger.state(subject, now=current)
    register = ledger.register
    controller = None
    purposes = []
    for purpose_id, purpose_state in state.items():
        item: dict[str, Any] = {
            "purpose": purpose_id,
            "status": purpose_state.status.value,
            "allowed": purpose_state.allowed,
            "since": _iso(purpose_state.since),
            "expires_at": _iso(purpose_state.expires_at),
        }
        if register is not None and purpose_id in register:
            info = register.purpose(purpose_id)
            item.update(
                description=info.description,
                legal_basis={
                    "code": info.basis.value,
                    "article": info.basis.article,
                    "dpv": info.basis.dpv_iri,
                },
                direct_marketing=info.direct_marketing,
                withdrawal=info.withdrawal,
            )
        purposes.append(item)
    if register is not None:
        c = register.controller
        controller = {"name": c.name, "contact": c.contact, "dpo": c.dpo, "country": c.country}
    records = [_record(e, include_personal=include_personal) for e in history]
    chain = ledger.store.head()
    return {
        "receipt_format": RECEIPT_FORMAT,
        "after": list(RECEIPT_AFTER),
        "receipt_id": hashlib.sha256(canonical_json(records)).hexdigest(),
        "issued_at": current.isoformat(),
        "jurisdiction": None if controller is None else controller["country"],
        "controller": controller,
        "subject": {"pseudonym": ledger.pseudonym(subject), "scheme": "HMAC-SHA-256"},
        "chain": {"events": chain[0], "head": chain[1]},
        "purposes": purposes,
        "records": records,
    }


def check_receipt(ledger: ConsentLedger, receipt: object) -> int:
    """Check that every record of ``receipt`` is in ``ledger`` unchanged; return how many.

    Verifies the ledger's chain first, then compares each record's digest and content with the
    ledger's event at that sequence number.

    Raises:
        InvalidInput: the document is not a receipt of a known format.
        ChainBroken: the ledger does not verify, or a record differs from the ledger.

    Example:
        >>> from gdprkit.consent import ConsentLedger
        >>> ledger = ConsentLedger(key=b"k" * 32)
        >>> check_receipt(ledger, consent_receipt(ledger, "nobody"))
        0
    """
    if not isinstance(receipt, Mapping) or receipt.get("receipt_format") != RECEIPT_FORMAT:
        raise InvalidInput(f"receipt_format must be {RECEIPT_FORMAT!r}")
    ledger.verify()
    records = receipt.get("records")
    if not isinstance(records, list):
        raise InvalidInput("records must be a list")
    subject = receipt.get("subject")
    pseudonym = subject.get("pseudonym") if isinstance(subject, Mapping) else None
    by_seq = {row.seq: row for row in ledger.store.events_for(str(pseudonym))}
    for record in records:
        seq = record.get("seq") if isinstance(record, Mapping) else None
        row = by_seq.get(seq) if isinstance(seq, int) else None
        if row is None or row.digest != record.get("digest"):
            raise ChainBroken(seq if isinstance(seq, int) else 0, "receipt record not in ledger")
        expected = _record(LedgerEntry._from_row(row), include_personal=False)
        if any(record.get(k) != v for k, v in expected.items()):
            raise ChainBroken(row.seq, "receipt record differs from the ledger's event")
    return len(records)
