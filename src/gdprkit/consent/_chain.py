"""The hash chain under every consent store, and the per-purpose fold the stores index.

Chain version 2 (keyed): each stored event's digest is
``HMAC-SHA-256(chain key, DOMAIN2 | key id | prev digest | seq | subject | purpose | body)``
(fields separated by newlines, which none of them but the body can contain, and the body comes
last), where ``body`` is the canonical JSON of the event (:func:`gdprkit._json.canonical_json`)
with a ``"chain": {"v": 2, "key": <key id>}`` member naming the key.  The chain key is derived
from the ledger's key, so someone who can write to the database but does not hold the key
cannot append an event that verifies.

Chain version 1 (unkeyed, before gdprkit kept a key in the chain) used
``SHA-256(DOMAIN1 | prev digest | seq | subject | purpose | body)``.  Such events still verify,
but only as a prefix: once a keyed event follows them its MAC covers their head, and a store
records how many unkeyed events it held when it was migrated (``unkeyed_until``), so an unkeyed
event after that position is a forgery.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from gdprkit._json import canonical_json
from gdprkit.consent._values import ConsentEvent
from gdprkit.errors import ChainBroken, GdprkitError

__all__ = [
    "CHAIN_VERSION",
    "GENESIS",
    "ChainKey",
    "ChainVerifier",
    "Fold",
    "NewEvent",
    "StoredEvent",
    "apply_event",
    "chain_key_id",
    "event_digest",
    "fold_events",
    "index_fields",
    "index_updates",
    "link",
    "new_event",
    "parse_body",
    "verify_rows",
]

#: Version marker of the chain construction; part of the hashed domain string.
CHAIN_VERSION = 2
_DOMAIN_TEXT = "gdprkit.consent.chain.v1\n"
_DOMAIN_V2 = "gdprkit.consent.chain.v2\n"
#: The "previous digest" of the first event.
GENESIS = "0" * 64


class ChainKey:
    """The secret that keys a ledger's chain (version 2), and its key id recorded in each event.

    Derived from the ledger's key by :class:`~gdprkit.consent.ConsentLedger`; ``digest`` is the
    HMAC-SHA-256 of one event, ``sign`` that of a checkpoint.
    """

    __slots__ = ("_inner", "_outer", "key_id")

    def __init__(self, key_id: str, key: bytes) -> None:
        self.key_id = key_id
        # HMAC-SHA-256 (RFC 2104) from pre-keyed inner and outer states: two hash copies per
        # event instead of re-keying.
        block = (key if len(key) <= 64 else hashlib.sha256(key).digest()).ljust(64, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def __repr__(self) -> str:
        return f"ChainKey(key_id={self.key_id!r})"

    def mac(self, data: bytes) -> str:
        """Hex HMAC-SHA-256 of ``data``."""
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()

    def digest(self, prev: str, seq: int, subject: str, purpose: str, body: str) -> str:
        """The version-2 digest of one event."""
        return self.mac(f"{_DOMAIN_V2}{self.key_id}\n{prev}\n{seq}\n{subject}\n{purpose}\n{body}"
                        .encode())  # fmt: skip


class NewEvent(NamedTuple):
    """An event ready to append: pseudonym, purpose, canonical body and the fields stores index.

    ``chain`` is the key the event's digest is made with (``None``: an unkeyed version-1
    digest, which only tests of old ledgers write).
    """

    subject: str
    purpose: str
    body: str
    kind: str
    at: dt.datetime
    expires_at: dt.datetime | None
    chain: ChainKey | None = None


class StoredEvent(NamedTuple):
    """One row of a consent store, exactly as stored."""

    seq: int
    subject: str
    purpose: str
    body: str
    prev: str
    digest: str

    def event(self) -> ConsentEvent:
        """Parse the body back into a :class:`~gdprkit.consent.ConsentEvent`.

        Raises:
            ChainBroken: the stored body is not a valid event (the store is damaged).
        """
        data = parse_body(self.seq, self.body)
        data.pop("chain", None)
        try:
            return ConsentEvent.from_dict(data)
        except (GdprkitError, ValueError, TypeError, KeyError, AttributeError):
            raise ChainBroken(self.seq, "the stored event is not a valid consent event") from None


def parse_body(seq: int, body: object) -> dict[str, Any]:
    """The JSON object stored as event ``seq``'s body.

    Raises:
        ChainBroken: the body is not a JSON object (a damaged or tampered store).
    """
    try:
        data = json.loads(body)  # type: ignore[arg-type]
    except (ValueError, TypeError, RecursionError):
        raise ChainBroken(seq, "the stored body is not JSON") from None
    if not isinstance(data, dict):
        raise ChainBroken(seq, "the stored body is not a JSON object")
    return data


def new_event(subject: str, event: ConsentEvent, chain: ChainKey | None = None) -> NewEvent:
    """Serialise ``event`` for ``subject`` (a pseudonym) canonically, keyed with ``chain``."""
    data = event.to_dict()
    if chain is not None:
        data["chain"] = {"v": CHAIN_VERSION, "key": chain.key_id}
    body = canonical_json(data).decode("utf-8")
    return NewEvent(
        subject, event.purpose, body, event.kind.value, event.at, event.expires_at, chain
    )


def event_digest(prev: str, seq: int, subject: str, purpose: str, body: str) -> str:
    """The unkeyed (version-1) chain digest of one event (hex)."""
    data = f"{_DOMAIN_TEXT}{prev}\n{seq}\n{subject}\n{purpose}\n{body}".encode()
    return hashlib.sha256(data).hexdigest()


def link(head_seq: int, head_digest: str, items: Sequence[NewEvent]) -> list[StoredEvent]:
    """Chain ``items`` after the head ``(head_seq, head_digest)``; call under the store's lock."""
    rows = []
    prev, seq = head_digest, head_seq
    for item in items:
        seq += 1
        # A tuple built by hand (six fields, as before chains were keyed) has no key.
        chain = item.chain if len(item) > 6 else None  # type: ignore[redundant-expr]
        if chain is None:
            digest = event_digest(prev, seq, item.subject, item.purpose, item.body)
        else:
            digest = chain.digest(prev, seq, item.subject, item.purpose, item.body)
        rows.append(StoredEvent(seq, item.subject, item.purpose, item.body, prev, digest))
        prev = digest
    return rows


class ChainVerifier:
    """Check a chain event by event, in order (state: the expected position and digest).

    ``keys`` maps a key id to its :class:`ChainKey` (``None`` when the ledger does not hold
    it).  Unkeyed (version-1) events are accepted only up to ``unkeyed_until`` and never after
    a keyed one; ``unkeyed_until=None`` (a store that does not record it) accepts an unkeyed
    prefix of any length.
    """

    def __init__(
        self,
        keys: Callable[[str], ChainKey | None],
        *,
        unkeyed_until: int | None = 0,
    ) -> None:
        self._keys = keys
        self._cache: dict[str, ChainKey] = {}
        self._unkeyed_until = unkeyed_until
        self.count = 0
        self.head = GENESIS
        self.keyed = False

    def check(self, row: StoredEvent) -> None:
        """Verify the next row.

        Raises:
            ChainBroken: the row is edited, missing, inserted, out of order or forged without
                the key.
        """
        seq, subject, purpose, body, prev, digest = row[:6]
        expected_seq = self.count + 1
        if seq != expected_seq:
            if seq > expected_seq:
                what = f"event {expected_seq} is missing (deleted, or events out of order)"
            else:
                what = f"event {seq} appears again (inserted, duplicated or out of order)"
            raise ChainBroken(expected_seq, what)
        if prev != self.head:
            raise ChainBroken(
                seq, "does not link to the previous event (one was edited, deleted, inserted "
                "or moved before this position)"
            )  # fmt: skip
        key_id = chain_key_id(body)
        if key_id is None:
            if self.keyed or (self._unkeyed_until is not None and seq > self._unkeyed_until):
                raise ChainBroken(
                    seq, "unkeyed event where the chain is keyed (forged without the ledger's key)"
                )
            expected = event_digest(prev, seq, subject, purpose, body)
        else:
            key = self._cache.get(key_id)
            if key is None:
                key = self._keys(key_id)
                if key is None:
                    raise ChainBroken(
                        seq, f"keyed with key id {key_id!r}, which this ledger does not hold"
                    )
                self._cache[key_id] = key
            expected = key.digest(prev, seq, subject, purpose, body)
            self.keyed = True
        if not hmac.compare_digest(expected, str(digest)):
            raise ChainBroken(seq, "content does not match its digest (the event was edited)")
        self.count, self.head = seq, expected


# The keyed marker as canonical JSON writes it: top-level keys sorted, so it follows "at" and
# precedes "evidence"; its own keys sorted ("key" < "v").
_MARKER = ',"chain":{"key":"'
_MARKER_END = '","v":2},'


def chain_key_id(body: object) -> str | None:
    """The key id a stored body names, or ``None`` for an unkeyed (version 1) body.

    Misreading a body cannot let a forgery through: a key id is trusted only once the event's
    MAC under that key verifies, and an unkeyed body only inside the unkeyed prefix.
    """
    if not isinstance(body, str):
        return None
    at = body.find(_MARKER)
    if at < 0:
        return None
    start = at + len(_MARKER)
    end = body.find(_MARKER_END, start)
    if end < 0:
        return None
    key_id = body[start:end]
    return key_id if '"' not in key_id and "\\" not in key_id else None


def index_fields(seq: int, body: str) -> tuple[str, dt.datetime, dt.datetime | None]:
    """``(kind, at, expires_at)`` of a verified event body, for refolding the index.

    Canonical JSON (sorted keys, no spaces) puts ``"at"`` first, and only strings, numbers and
    null follow ``"expires_at"`` and ``"kind"``, so their last occurrences are the top-level
    ones (a quote inside a string is escaped); anything else is parsed as JSON.

    Raises:
        ChainBroken: the body is not a consent event.
    """
    try:
        if body.startswith('{"at":"'):
            at = dt.datetime.fromisoformat(body[7 : body.index('"', 7)])
            k = body.rindex(',"kind":"') + 9
            kind = body[k : body.index('"', k)]
            e = body.rindex(',"expires_at":') + 14
            if body.startswith("null", e):
                expires = None
            else:
                expires = dt.datetime.fromisoformat(body[e + 1 : body.index('"', e + 1)])
            if kind in _DECISION or kind == "objected":
                return kind, at, expires
    except ValueError:
        pass
    data = parse_body(seq, body)
    try:
        kind = data["kind"]
        at = dt.datetime.fromisoformat(data["at"])
        raw = data.get("expires_at")
        expires = None if raw is None else dt.datetime.fromisoformat(raw)
        if kind not in _DECISION and kind != "objected":
            raise ValueError(kind)
    except (KeyError, TypeError, ValueError):
        raise ChainBroken(seq, "the stored event is not a valid consent event") from None
    return kind, at, expires


def verify_rows(
    rows: Iterable[StoredEvent | tuple[int, str, str, str, str, str]],
    keys: Mapping[str, ChainKey] | None = None,
    *,
    unkeyed_until: int | None = None,
) -> tuple[int, str]:
    """Check a whole chain in order; return ``(count, head digest)``.

    Without ``keys`` only an unkeyed (version-1) chain verifies; with them, see
    :class:`ChainVerifier`.

    Raises:
        ChainBroken: at the first event that is edited, missing, inserted or out of order.
    """
    if keys is not None:
        verifier = ChainVerifier(keys.get, unkeyed_until=unkeyed_until)
        for row in rows:
            verifier.check(StoredEvent(*row[:6]))
        return verifier.count, verifier.head
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
