"""A consent store on the Django ORM, for :class:`gdprkit.consent.ConsentLedger`.

The tables come with the app's migrations (``manage.py migrate``).  Every append runs in one
transaction that first updates the ledger's head row (a row lock on PostgreSQL, the database
write lock on SQLite) and only then reads the head, so concurrent writers in any number of
processes and threads queue up and the chain never forks; a unique ``(ledger, seq)`` constraint
backs this up.

Like the other stores, it lists its whole index (:meth:`DjangoConsentStore.index`) and says
how many unkeyed events came before the keyed chain (:meth:`DjangoConsentStore.unkeyed_until`,
recorded per ledger by migration ``0004_consent_chain``), so
:meth:`~gdprkit.consent.ConsentLedger.verify` finds index rows no event explains and refuses
unkeyed events written after the migration.

Example:
    >>> from gdprkit.consent import ConsentLedger
    >>> store = DjangoConsentStore()  # doctest: +SKIP
    >>> ConsentLedger(store, key=b"k" * 32).verify().events  # doctest: +SKIP
    0
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError as DjangoIntegrityError  # noqa: TID251 - the django extra
from django.db import transaction  # noqa: TID251 - the django extra
from django.db.models import F  # noqa: TID251 - the django extra

from gdprkit.consent import Fold, NewEvent, StoredEvent
from gdprkit.consent._chain import GENESIS, index_updates, link
from gdprkit.errors import IntegrityError, InvalidInput

if TYPE_CHECKING:
    from .models import ConsentCurrentRow, ConsentEventRow, ConsentHeadRow

__all__ = ["DjangoConsentStore"]

_LEDGER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_PAGE = 10000
# One lock per (database alias, ledger) in this process: threads queue here instead of
# spinning on SQLite's busy timeout.
_LOCKS: dict[tuple[str, str], threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _tables() -> Any:
    # The models load only once Django's app registry is ready, so this module can be imported
    # (and documented) without configured settings.
    from . import models  # noqa: PLC0415

    return models


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _fold(row: ConsentCurrentRow) -> Fold:
    return Fold(row.decision, _dt(row.decided_at), _dt(row.expires_at), _dt(row.objected_at),
                dt.datetime.fromisoformat(row.last_at), int(row.last_seq))  # fmt: skip


def _stored(row: ConsentEventRow) -> StoredEvent:
    return StoredEvent(int(row.seq), row.subject, row.purpose, row.body, row.prev, row.digest)


class DjangoConsentStore:
    """A :class:`~gdprkit.consent.ConsentStore` in the app's tables, through the Django ORM.

    ``ledger`` names the chain (several ledgers can share the tables); ``using`` is the database
    alias (default: ``GDPRKIT["CONSENT_DATABASE"]``, else ``"default"``).

    Raises:
        InvalidInput: ``ledger`` is not a short name of letters, digits, ``_``, ``.``, ``-``.

    Example:
        >>> DjangoConsentStore(ledger="shop", using="default")
        DjangoConsentStore(ledger='shop', using='default')
    """

    def __init__(self, *, ledger: str = "default", using: str | None = None) -> None:
        if not _LEDGER.fullmatch(str(ledger)) or not isinstance(ledger, str):
            raise InvalidInput("ledger must be 1-64 letters, digits, '_', '.' or '-'")
        if using is None:
            from .conf import gdprkit_settings  # noqa: PLC0415 - read settings lazily

            using = gdprkit_settings().consent_database
        self._ledger = ledger
        self._using = using
        with _LOCKS_GUARD:
            self._lock = _LOCKS.setdefault((using, ledger), threading.Lock())

    def __repr__(self) -> str:
        return f"DjangoConsentStore(ledger={self._ledger!r}, using={self._using!r})"

    @property
    def ledger(self) -> str:
        """The name of this store's chain."""
        return self._ledger

    def close(self) -> None:
        """Nothing to release: Django manages its connections."""

    # -- writing ----------------------------------------------------------------------------

    def _lock_head(self) -> ConsentHeadRow:
        heads = _tables().ConsentHeadRow.objects.using(self._using).filter(ledger=self._ledger)
        # The no-op update takes the lock before the head is read.
        if not heads.update(seq=F("seq")):
            try:
                with transaction.atomic(using=self._using):
                    _tables().ConsentHeadRow.objects.using(self._using).create(
                        ledger=self._ledger, seq=0, digest=GENESIS
                    )
                    # A new ledger is keyed from its first event (chain version 2).
                    _tables().ConsentChainRow.objects.using(self._using).get_or_create(
                        ledger=self._ledger, defaults={"unkeyed_until": 0}
                    )
            except DjangoIntegrityError:
                pass  # another writer created it first; the update below waits for it
            heads.update(seq=F("seq"))
        head: ConsentHeadRow = heads.get()
        return head

    def append(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        """Chain and store ``items`` in one transaction, serialised on the head row."""
        if not items:
            return []
        using, ledger = self._using, self._ledger
        # Inside an outer transaction (ATOMIC_REQUESTS, a caller's atomic block) the head row's
        # database lock is held until that transaction ends: taking the process lock too could
        # deadlock a second append of the same request against another thread's.
        outer = transaction.get_connection(using).in_atomic_block
        with contextlib.nullcontext() if outer else self._lock, transaction.atomic(using=using):
            head = self._lock_head()
            rows = link(int(head.seq), head.digest, items)
            _tables().ConsentEventRow.objects.using(using).bulk_create(
                [_tables().ConsentEventRow(ledger=ledger, **row._asdict()) for row in rows]
            )

            def history(
                subject: str, purpose: str
            ) -> list[tuple[int, str, dt.datetime, dt.datetime | None]]:
                out = []
                for row in (
                    _tables()
                    .ConsentEventRow.objects.using(using)
                    .filter(ledger=ledger, subject=subject, purpose=purpose)
                    .order_by("seq")
                ):
                    event = _stored(row).event()
                    out.append((int(row.seq), event.kind.value, event.at, event.expires_at))
                return out

            folds = index_updates(rows, items, self.current, history)
            for (subject, purpose), fold in folds.items():
                _tables().ConsentCurrentRow.objects.using(using).update_or_create(
                    ledger=ledger,
                    subject=subject,
                    purpose=purpose,
                    defaults={
                        "decision": fold.decision,
                        "decided_at": _iso(fold.decided_at),
                        "expires_at": _iso(fold.expires_at),
                        "objected_at": _iso(fold.objected_at),
                        "last_at": fold.last_at.isoformat(),
                        "last_seq": fold.last_seq,
                    },
                )
            _tables().ConsentHeadRow.objects.using(using).filter(ledger=ledger).update(
                seq=rows[-1].seq, digest=rows[-1].digest
            )
        return rows

    # -- reading ----------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(number of events, last digest)``; ``(0, GENESIS)`` for a new ledger."""
        found = (
            _tables()
            .ConsentHeadRow.objects.using(self._using)
            .filter(ledger=self._ledger)
            .values_list("seq", "digest")
            .first()
        )
        return (0, GENESIS) if found is None else (int(found[0]), str(found[1]))

    def events(self, *, start: int = 1) -> Iterator[StoredEvent]:
        """Every event from ``start`` on, in order, fetched in pages."""
        position = start - 1
        while True:
            page = list(
                _tables()
                .ConsentEventRow.objects.using(self._using)
                .filter(ledger=self._ledger, seq__gt=position)
                .order_by("seq")[:_PAGE]
            )
            if not page:
                return
            yield from map(_stored, page)
            position = int(page[-1].seq)

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym, in order."""
        rows = (
            _tables()
            .ConsentEventRow.objects.using(self._using)
            .filter(ledger=self._ledger, subject=subject)
        )
        return [_stored(row) for row in rows.order_by("seq")]

    def current(self, subject: str, purpose: str) -> Fold | None:
        """The indexed state of one (pseudonym, purpose)."""
        row = (
            _tables()
            .ConsentCurrentRow.objects.using(self._using)
            .filter(ledger=self._ledger, subject=subject, purpose=purpose)
            .first()
        )
        return None if row is None else _fold(row)

    def current_all(self, subject: str) -> dict[str, Fold]:
        """The indexed state of every purpose of one pseudonym."""
        rows = (
            _tables()
            .ConsentCurrentRow.objects.using(self._using)
            .filter(ledger=self._ledger, subject=subject)
        )
        return {row.purpose: _fold(row) for row in rows}

    def index(self) -> Iterator[tuple[str, str, Fold]]:
        """Every index row of this ledger as ``(pseudonym, purpose, state)``, for ``verify()``.

        Raises:
            IntegrityError: an index row is malformed.
        """
        rows = (
            _tables()
            .ConsentCurrentRow.objects.using(self._using)
            .filter(ledger=self._ledger)
            .order_by("pk")
        )
        for row in rows.iterator(chunk_size=_PAGE):
            try:
                fold = _fold(row)
            except (ValueError, TypeError):
                raise IntegrityError("the consent index holds a malformed row") from None
            yield str(row.subject), str(row.purpose), fold

    def unkeyed_until(self) -> int:
        """How many unkeyed (chain version 1) events this ledger held when it was keyed.

        Recorded by migration ``0004_consent_chain`` (0 for a ledger created after it).  No
        row (deleted by someone, or a ledger with no events yet) counts as 0: the strict side.
        """
        found = (
            _tables()
            .ConsentChainRow.objects.using(self._using)
            .filter(ledger=self._ledger)
            .values_list("unkeyed_until", flat=True)
            .first()
        )
        return 0 if found is None else int(found)
