"""The hash chain under every consent store, and the per-purpose fold the stores index.

Each stored event's digest is ``SHA-256(DOMAIN | prev digest | seq | subject | purpose | body)``
(fields separated by newlines, which none of them but the body can contain, and the body comes
last) where ``body`` is the canonical JSON of the event (:func:`gdprkit._json.canonical_json`).
The sequence number, the pseudonym and the purpose columns are inside the hash, so editing a
row's columns is detected as surely as editing the body, and verifying needs no JSON parsing
(one hash per event).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from gdprkit._json import canonical_json
from gdprkit.consent._values import ConsentEvent
from gdprkit.errors import ChainBroken

__all__ = [
    "CHAIN_VERSION",
    "GENESIS",
    "Fold",
    "NewEvent",
    "StoredEvent",
    "apply_event",
    "event_digest",
    "fold_events",
    "index_updates",
    "link",
    "new_event",
    "verify_rows",
]

#: Version marker of the chain construction; part of the hashed domain string.
CHAIN_VERSION = 1
_DOMAIN_TEXT = "gdprkit.consent.chain.v1\n"
#: The "previous digest" of the first event.
GENESIS = "0" * 64


class NewEvent(NamedTuple):
    """An event ready to append: pseudonym, purpose, canonical body and the fields stores index."""

    subject: str
    purpose: str
    body: str
    kind: str
    at: dt.datetime
    expires_at: dt.datetime | None


class StoredEvent(NamedTuple):
    """One row of a consent store, exactly as stored."""

    seq: int
    subject: str
    purpose: str
    body: str
    prev: str
    digest: str

    def event(self) -> ConsentEvent:
        """Parse the body back into a :class:`~gdprkit.consent.ConsentEvent`."""
        return ConsentEvent.from_dict(json.loads(self.body))


def new_event(subject: str, event: ConsentEvent) -> NewEvent:
    """Serialise ``event`` for ``subject`` (a pseudonym) canonically."""
    body = canonical_json(event.to_dict()).decode("utf-8")
    return NewEvent(subject, event.purpose, body, event.kind.value, event.at, event.expires_at)


def event_digest(prev: str, seq: int, subject: str, purpose: str, body: str) -> str:
    """The chain digest of one event (hex)."""
    data = f"{_DOMAIN_TEXT}{prev}\n{seq}\n{subject}\n{purpose}\n{body}".encode()
    return hashlib.sha256(data).hexdigest()


def link(head_seq: int, head_digest: str, items: Sequence[NewEvent]) -> list[StoredEvent]:
    """Chain ``items`` after the head ``(head_seq, head_digest)``; call under the store's lock."""
    rows = []
    prev, seq = head_digest, head_seq
    for item in items:
        seq += 1
        digest = event_digest(prev, seq, item.subject, item.purpose, item.body)
        rows.append(StoredEvent(seq, item.subject, item.purpose, item.body, prev, digest))
        prev = digest
    return rows


def verify_rows(
    rows: Iterable[StoredEvent | tuple[int, str, str, str, str, str]],
) -> tuple[int, str]:
    """Check a whole chain in order; return ``(count, head digest)``.

    Raises:
        ChainBroken: at the first event that is edited, missing, inserted or out of order.
    """
    expected_prev, expected_seq = GENESIS, 0
    sha256 = hashlib.sha256
    for row in rows:
        seq, subject, purpose, body, prev, digest = row
        expected_seq += 1
        if seq != expected_seq:
            if seq > expected_seq:
                what = f"event {expected_seq} is missing (deleted, or events out of order)"
            else:
                what = f"event {seq} appears again (inserted, duplicated or out of order)"
            raise ChainBroken(expected_seq, what)
        if prev != expected_prev:
            raise ChainBroken(
                seq, "does not link to the previous event (one was edited, deleted, inserted "
                "or moved before this position)"
            )  # fmt: skip
        data = f"{_DOMAIN_TEXT}{prev}\n{seq}\n{subject}\n{purpose}\n{body}".encode()
        if sha256(data).hexdigest() != digest:
            raise ChainBroken(seq, "content does not match its digest (the event was edited)")
        expected_prev = digest
    return expected_seq, expected_prev


class Fold(NamedTuple):
    """The per-(subject, purpose) state after folding its events in ``(at, seq)`` order.

    ``decision`` is ``"granted"``, ``"refused"``, ``"withdrawn"``, ``"expired"`` or ``None``;
    ``objected_at`` is set while an Art. 21 objection stands.
    """

    decision: str | None
    decided_at: dt.datetime | None
    expires_at: dt.datetime | None
    objected_at: dt.datetime | None
    last_at: dt.datetime
    last_seq: int


_DECISION = {
    "given": "granted",
    "renewed": "granted",
    "refused": "refused",
    "withdrawn": "withdrawn",
    "expired": "expired",
}


def apply_event(
    fold: Fold | None, kind: str, at: dt.datetime, expires_at: dt.datetime | None, seq: int
) -> Fold:
    """Fold one event (which must sort after ``fold``'s last event) into the state."""
    if fold is None:
        fold = Fold(None, None, None, None, at, seq)
    if kind == "objected":
        return fold._replace(objected_at=at, last_at=at, last_seq=seq)
    decision = _DECISION[kind]
    objected_at = fold.objected_at
    if decision == "granted":
        # A fresh grant is the subject's newer, explicit wish: it lifts an earlier objection
        # to the same purpose (documented in docs/areas/consent.md).
        objected_at = None
    return Fold(decision, at, expires_at if decision in ("granted", "refused") else None,
                objected_at, at, seq)  # fmt: skip


def fold_events(
    events: Iterable[tuple[int, str, dt.datetime, dt.datetime | None]],
    *,
    until: dt.datetime | None = None,
) -> Fold | None:
    """Fold ``(seq, kind, at, expires_at)`` tuples of one purpose, ordered by ``(at, seq)``."""
    fold: Fold | None = None
    for seq, kind, at, expires_at in sorted(events, key=lambda e: (e[2], e[0])):
        if until is not None and at > until:
            break
        fold = apply_event(fold, kind, at, expires_at, seq)
    return fold


def index_updates(
    rows: Sequence[StoredEvent],
    items: Sequence[NewEvent],
    current: Callable[[str, str], Fold | None],
    history: Callable[[str, str], Iterable[tuple[int, str, dt.datetime, dt.datetime | None]]],
) -> dict[tuple[str, str], Fold]:
    """New index entries for appended ``rows`` (already inserted, so ``history`` sees them).

    An event that sorts after the indexed state is folded in directly; a back-dated one (a paper
    form typed in later) makes the purpose's whole history refold.
    """
    result: dict[tuple[str, str], Fold] = {}
    refolded: set[tuple[str, str]] = set()
    for row, item in zip(rows, items, strict=True):
        key = (row.subject, row.purpose)
        if key in refolded:
            continue
        fold = result[key] if key in result else current(*key)
        if fold is None or (item.at, row.seq) > (fold.last_at, fold.last_seq):
            result[key] = apply_event(fold, item.kind, item.at, item.expires_at, row.seq)
        else:
            folded = fold_events(history(*key))
            if folded is not None:
                result[key] = folded
            refolded.add(key)
    return result
