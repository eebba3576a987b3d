"""The consent store protocol and the in-memory store."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from gdprkit.consent._chain import (
    GENESIS,
    Fold,
    NewEvent,
    StoredEvent,
    index_updates,
    link,
)

__all__ = ["ConsentStore", "MemoryStore"]


@runtime_checkable
class ConsentStore(Protocol):
    """Where a :class:`~gdprkit.consent.ConsentLedger` keeps its events.

    A store appends events atomically (reading the chain head and writing the new events in one
    transaction, so concurrent writers never fork the chain), keeps a current-state index per
    (pseudonym, purpose) updated in the same transaction, and reads events back in order.

    Two optional methods make :meth:`~gdprkit.consent.ConsentLedger.verify` stricter:
    ``index()`` iterates every index row as ``(pseudonym, purpose, Fold)`` (so an index row no
    event explains is found), and ``unkeyed_until()`` returns how many unkeyed (chain
    version 1) events the store held when it was migrated to keyed chains (so an unkeyed event
    after them is refused as forged).
    Implementations: :class:`MemoryStore`, :class:`~gdprkit.consent.SQLiteStore`,
    :class:`~gdprkit.consent.sqlalchemy.SQLAlchemyStore`,
    :class:`~gdprkit.integrations.django.store.DjangoConsentStore`.
    """

    def append(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        """Chain and store ``items`` in one transaction; return the stored rows."""
        ...

    def events(self, *, start: int = 1) -> Iterator[StoredEvent]:
        """Every stored event from sequence number ``start`` on, in order."""
        ...

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym, in sequence order."""
        ...

    def current(self, subject: str, purpose: str) -> Fold | None:
        """The indexed state of one (pseudonym, purpose), or ``None``."""
        ...

    def current_all(self, subject: str) -> dict[str, Fold]:
        """The indexed state of every purpose of one pseudonym."""
        ...

    def head(self) -> tuple[int, str]:
        """``(number of events, digest of the last one)``; ``(0, GENESIS)`` when empty."""
        ...

    def close(self) -> None:
        """Release the store's resources."""
        ...


def _history_of(
    rows: list[StoredEvent], purpose: str
) -> list[tuple[int, str, dt.datetime, dt.datetime | None]]:
    out = []
    for row in rows:
        if row.purpose == purpose:
            event = row.event()
            out.append((row.seq, event.kind.value, event.at, event.expires_at))
    return out


class MemoryStore:
    """A consent store in process memory (tests, short-lived tools); thread-safe.

    Example:
        >>> from gdprkit.consent import ConsentLedger, MemoryStore
        >>> ledger = ConsentLedger(MemoryStore(), key=b"k" * 32)
        >>> ledger.verify().events
        0
    """

    def __init__(self) -> None:
        self._rows: list[StoredEvent] = []
        self._by_subject: dict[str, list[StoredEvent]] = {}
        # pseudonym -> purpose -> state, for state(); and purpose -> pseudonym -> state for
        # allows(): a handful of purposes, so the first probe is a small dict, and the second is
        # keyed by the pseudonym string itself (its hash is cached; no tuple to build and hash).
        # On large ledgers every probe of a big dict is a cache miss, so the count matters.
        self._current: dict[str, dict[str, Fold]] = {}
        self._by_purpose: dict[str, dict[str, Fold]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemoryStore(events={len(self._rows)})"

    def append(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        """Chain and store ``items`` atomically."""
        with self._lock:
            seq, digest = self._head()
            rows = link(seq, digest, items)
            for row in rows:
                self._rows.append(row)
                self._by_subject.setdefault(row.subject, []).append(row)
            updates = index_updates(
                rows,
                items,
                self.current,
                lambda s, p: _history_of(self._by_subject.get(s, []), p),
            )
            for (subject, purpose), fold in updates.items():
                self._current.setdefault(subject, {})[purpose] = fold
                self._by_purpose.setdefault(purpose, {})[subject] = fold
            return rows

    def _head(self) -> tuple[int, str]:
        if not self._rows:
            return 0, GENESIS
        last = self._rows[-1]
        return last.seq, last.digest

    def head(self) -> tuple[int, str]:
        """``(number of events, last digest)``."""
        with self._lock:
            return self._head()

    def events(self, *, start: int = 1) -> Iterator[StoredEvent]:
        """Every event from ``start`` on, in order (a snapshot taken when called)."""
        with self._lock:
            snapshot = self._rows[max(start, 1) - 1 :]
        return iter(snapshot)

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym."""
        with self._lock:
            return list(self._by_subject.get(subject, ()))

    def current(self, subject: str, purpose: str) -> Fold | None:
        """The indexed state of one (pseudonym, purpose)."""
        index = self._by_purpose.get(purpose)
        return None if index is None else index.get(subject)

    def current_all(self, subject: str) -> dict[str, Fold]:
        """The indexed state of every purpose of one pseudonym."""
        with self._lock:
            return dict(self._current.get(subject, {}))

    def index(self) -> Iterator[tuple[str, str, Fold]]:
        """Every index row as ``(pseudonym, purpose, state)`` (a snapshot taken when called)."""
        with self._lock:
            rows = [
                (subject, purpose, fold)
                for subject, folds in self._current.items()
                for purpose, fold in folds.items()
            ]
        return iter(rows)

    def unkeyed_until(self) -> int:
        """0: a memory store is always new, so every event in it must be keyed."""
        return 0

    def close(self) -> None:
        """Nothing to release."""
