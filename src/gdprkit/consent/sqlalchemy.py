"""A consent store on SQLAlchemy Core: PostgreSQL (or any database SQLAlchemy 2 speaks).

Install with ``pip install "gdprkit[sqlalchemy]"`` (add ``psycopg`` for PostgreSQL:
``pip install "gdprkit[postgresql]"``).  The tables are created when missing, under a name
``prefix`` (default ``gdprkit_consent``), with a schema-version table.

Every append first updates the single row of the ``<prefix>_head`` table, which takes a row lock
on PostgreSQL and the write lock on SQLite before the head is read, so concurrent writers in any
number of processes queue up and the chain never forks.

Example:
    >>> from gdprkit.consent import ConsentLedger
    >>> from gdprkit.consent.sqlalchemy import SQLAlchemyStore
    >>> store = SQLAlchemyStore("sqlite://")  # in memory; use a PostgreSQL URL in production
    >>> ConsentLedger(store, key=b"k" * 32).verify().events
    0
    >>> store.close()
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Sequence
from typing import Any

from gdprkit.consent._chain import (
    GENESIS,
    Fold,
    NewEvent,
    StoredEvent,
    index_updates,
    link,
)
from gdprkit.errors import ConfigurationError, IntegrityError, InvalidInput, MissingDependency

try:
    import sqlalchemy as sa  # noqa: TID251 - this module is the sqlalchemy extra
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'the SQLAlchemy consent store needs SQLAlchemy: pip install "gdprkit[sqlalchemy]"'
    ) from exc

__all__ = ["SCHEMA_VERSION", "SQLAlchemyStore"]

#: The schema version this module creates and reads (2: the keyed chain, ``<prefix>_chain``).
SCHEMA_VERSION = 2

_PREFIX = re.compile(r"[a-z][a-z0-9_]{0,39}")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: Any) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(str(value))


class SQLAlchemyStore:
    """A consent store in a SQL database through SQLAlchemy Core (no ORM).

    ``engine`` is an :class:`sqlalchemy.engine.Engine` or a URL such as
    ``"postgresql+psycopg://shop@db/shop"``.

    Raises:
        InvalidInput: ``prefix`` is not a lower-case identifier.
        ConfigurationError: the tables carry a newer schema version than this gdprkit.
        MissingDependency: SQLAlchemy is not installed (at import).

    Example:
        >>> store = SQLAlchemyStore("sqlite://", prefix="shop_consent")
        >>> store.head()[0]
        0
        >>> store.close()
    """

    def __init__(self, engine: sa.Engine | str, *, prefix: str = "gdprkit_consent") -> None:
        if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):  # type: ignore[redundant-expr]
            raise InvalidInput("prefix must be a lower-case identifier of at most 40 characters")
        self._owns_engine = isinstance(engine, str)
        self._engine = sa.create_engine(engine) if isinstance(engine, str) else engine
        meta = sa.MetaData()
        self._schema = sa.Table(
            f"{prefix}_schema", meta,
            sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("applied_at", sa.String(40), nullable=False),
        )  # fmt: skip
        self._events = sa.Table(
            f"{prefix}_events", meta,
            sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("subject", sa.String(128), nullable=False),
            sa.Column("purpose", sa.String(64), nullable=False),
            sa.Column("body", sa.Text, nullable=False),
            sa.Column("prev", sa.String(64), nullable=False),
            sa.Column("digest", sa.String(64), nullable=False),
            sa.Index(f"{prefix}_events_subject", "subject", "seq"),
        )  # fmt: skip
        self._current = sa.Table(
            f"{prefix}_current", meta,
            sa.Column("subject", sa.String(128), primary_key=True),
            sa.Column("purpose", sa.String(64), primary_key=True),
            sa.Column("decision", sa.String(16)),
            sa.Column("decided_at", sa.String(40)),
            sa.Column("expires_at", sa.String(40)),
            sa.Column("objected_at", sa.String(40)),
            sa.Column("last_at", sa.String(40), nullable=False),
            sa.Column("last_seq", sa.BigInteger, nullable=False),
        )  # fmt: skip
        self._head = sa.Table(
            f"{prefix}_head", meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("seq", sa.BigInteger, nullable=False),
            sa.Column("digest", sa.String(64), nullable=False),
        )  # fmt: skip
        # Version 2: how many unkeyed (chain version 1) events came before the keyed chain.
        self._chain = sa.Table(
            f"{prefix}_chain", meta,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("unkeyed_until", sa.BigInteger, nullable=False),
        )  # fmt: skip
        self._meta = meta
        dialect = self._engine.dialect
        self._returning = bool(getattr(dialect, "update_returning", False))
        self._upsert: Any = None
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: PLC0415, TID251

            self._upsert = pg_insert
        elif dialect.name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415, TID251

            self._upsert = sqlite_insert
        self._pid = os.getpid()
        self._create()

    def __repr__(self) -> str:
        return f"SQLAlchemyStore(dialect={self._engine.dialect.name!r})"

    def _db(self) -> sa.Engine:
        if os.getpid() != self._pid:
            # Forked: pooled connections must not cross a fork (SQLAlchemy "Using Connection
            # Pools with Multiprocessing"); drop them without closing the parent's.
            self._pid = os.getpid()
            self._engine.dispose(close=False)
        return self._engine

    def _create(self) -> None:
        self._meta.create_all(self._engine, checkfirst=True)
        with self._db().begin() as conn:
            version = conn.execute(sa.select(sa.func.max(self._schema.c.version))).scalar()
            if version is not None and version > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"consent store schema {version} is newer than this gdprkit "
                    f"({SCHEMA_VERSION}): upgrade gdprkit"
                )
        for table, row in (
            (self._schema, {"version": 1, "applied_at": dt.datetime.now(dt.timezone.utc)
                            .isoformat()}),
            (self._head, {"id": 1, "seq": 0, "digest": GENESIS}),
        ):  # fmt: skip
            try:
                with self._db().begin() as conn:
                    if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
                        continue
                    conn.execute(table.insert().values(**row))
            except sa.exc.IntegrityError:
                continue  # another process created it first
        self._migrate_to_keyed_chain()

    def _migrate_to_keyed_chain(self) -> None:
        """Schema 1 -> 2: record the unkeyed prefix, under the head row's lock."""
        head, chain, schema = self._head, self._chain, self._schema
        try:
            with self._db().begin() as conn:
                version = conn.execute(sa.select(sa.func.max(schema.c.version))).scalar()
                if version is not None and version >= 2:
                    return
                conn.execute(head.update().where(head.c.id == 1).values(seq=head.c.seq))
                seq = conn.execute(sa.select(head.c.seq).where(head.c.id == 1)).scalar()
                if not conn.execute(sa.select(sa.func.count()).select_from(chain)).scalar():
                    conn.execute(chain.insert().values(id=1, unkeyed_until=int(seq or 0)))
                applied = dt.datetime.now(dt.timezone.utc).isoformat()
                conn.execute(schema.insert().values(version=2, applied_at=applied))
        except sa.exc.IntegrityError:
            pass  # another process migrated it first

    def schema_version(self) -> int:
        """The schema version recorded in the database."""
        with self._db().connect() as conn:
            return int(conn.execute(sa.select(sa.func.max(self._schema.c.version))).scalar() or 0)

    def close(self) -> None:
        """Dispose of the engine if this store created it."""
        if self._owns_engine:
            self._engine.dispose()

    def drop(self) -> None:
        """Drop this store's tables (tests and tear-down only: it deletes the ledger)."""
        self._meta.drop_all(self._engine)

    # -- writing ----------------------------------------------------------------------------

    def append(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        """Chain and store ``items`` in one transaction, serialised on the head row.

        A fixed number of statements per transaction, whatever the batch size: lock and read
        the head, insert the events, read the index rows of the batch's subjects, write the
        changed index rows (an upsert on PostgreSQL and SQLite), move the head.  The head row
        stays locked for the whole transaction, so fewer round trips mean more appends per
        second for every writer of the chain.
        """
        if not items:
            return []
        head, events, current = self._head, self._events, self._current
        with self._db().begin() as conn:
            # The no-op update takes the lock *before* the head is read (row lock on
            # PostgreSQL, the database write lock on SQLite).
            lock = head.update().where(head.c.id == 1).values(seq=head.c.seq)
            if self._returning:
                seq, digest = conn.execute(lock.returning(head.c.seq, head.c.digest)).one()
            else:
                conn.execute(lock)
                seq, digest = conn.execute(
                    sa.select(head.c.seq, head.c.digest).where(head.c.id == 1)
                ).one()
            rows = link(int(seq), str(digest), items)
            conn.execute(events.insert(), [r._asdict() for r in rows])

            known: dict[tuple[str, str], Fold] = {}
            subjects = sorted({item.subject for item in items})
            for k in range(0, len(subjects), 500):
                for found in conn.execute(
                    sa.select(current.c.subject, current.c.purpose, current.c.decision,
                              current.c.decided_at, current.c.expires_at, current.c.objected_at,
                              current.c.last_at, current.c.last_seq)
                    .where(current.c.subject.in_(subjects[k : k + 500]))
                ):  # fmt: skip
                    known[(str(found[0]), str(found[1]))] = _fold(tuple(found[2:]))

            def history(
                subject: str, purpose: str
            ) -> list[tuple[int, str, dt.datetime, dt.datetime | None]]:
                out = []
                for row in conn.execute(
                    sa.select(events).where(events.c.subject == subject,
                                            events.c.purpose == purpose)
                    .order_by(events.c.seq)
                ):  # fmt: skip
                    event = StoredEvent(*row).event()
                    out.append((int(row[0]), event.kind.value, event.at, event.expires_at))
                return out

            folds = index_updates(rows, items, lambda s, p: known.get((s, p)), history)
            values = [
                {
                    "subject": subject,
                    "purpose": purpose,
                    "decision": fold.decision,
                    "decided_at": _iso(fold.decided_at),
                    "expires_at": _iso(fold.expires_at),
                    "objected_at": _iso(fold.objected_at),
                    "last_at": fold.last_at.isoformat(),
                    "last_seq": fold.last_seq,
                }
                for (subject, purpose), fold in folds.items()
            ]
            self._write_index(conn, values, known)
            conn.execute(
                head.update().where(head.c.id == 1).values(seq=rows[-1].seq,
                                                           digest=rows[-1].digest)
            )  # fmt: skip
        return rows

    def _write_index(
        self,
        conn: sa.Connection,
        values: list[dict[str, Any]],
        known: dict[tuple[str, str], Fold],
    ) -> None:
        current = self._current
        if self._upsert is not None:
            statement = self._upsert(current)
            excluded = statement.excluded
            conn.execute(
                statement.on_conflict_do_update(
                    index_elements=[current.c.subject, current.c.purpose],
                    set_={name: excluded[name] for name in (
                        "decision", "decided_at", "expires_at", "objected_at", "last_at",
                        "last_seq")},
                ),
                values,
            )  # fmt: skip
            return
        for row in values:  # other databases: update, or insert what was not there
            key = (row["subject"], row["purpose"])
            if key in known:
                conn.execute(
                    current.update()
                    .where(current.c.subject == key[0], current.c.purpose == key[1])
                    .values(**{k: v for k, v in row.items() if k not in ("subject", "purpose")})
                )
            else:
                conn.execute(current.insert().values(**row))

    # -- reading ----------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(number of events, last digest)``."""
        with self._db().connect() as conn:
            seq, digest = conn.execute(
                sa.select(self._head.c.seq, self._head.c.digest).where(self._head.c.id == 1)
            ).one()
        return int(seq), str(digest)

    def events(self, *, start: int = 1) -> Iterator[StoredEvent]:
        """Every event from ``start`` on, in order, fetched in pages."""
        position = start - 1
        events = self._events
        while True:
            with self._db().connect() as conn:
                page = conn.execute(
                    sa.select(events).where(events.c.seq > position)
                    .order_by(events.c.seq).limit(10000)
                ).all()  # fmt: skip
            if not page:
                return
            for row in page:
                yield StoredEvent(int(row[0]), row[1], row[2], row[3], row[4], row[5])
            position = int(page[-1][0])

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym, in order."""
        events = self._events
        with self._db().connect() as conn:
            return [
                StoredEvent(int(r[0]), r[1], r[2], r[3], r[4], r[5])
                for r in conn.execute(
                    sa.select(events).where(events.c.subject == subject).order_by(events.c.seq)
                )
            ]

    def current(self, subject: str, purpose: str) -> Fold | None:
        """The indexed state of one (pseudonym, purpose)."""
        c = self._current
        with self._db().connect() as conn:
            found = conn.execute(
                sa.select(c.c.decision, c.c.decided_at, c.c.expires_at, c.c.objected_at,
                          c.c.last_at, c.c.last_seq)
                .where(c.c.subject == subject, c.c.purpose == purpose)
            ).first()  # fmt: skip
        return None if found is None else _fold(tuple(found))

    def current_all(self, subject: str) -> dict[str, Fold]:
        """The indexed state of every purpose of one pseudonym."""
        c = self._current
        with self._db().connect() as conn:
            rows = conn.execute(
                sa.select(c.c.purpose, c.c.decision, c.c.decided_at, c.c.expires_at,
                          c.c.objected_at, c.c.last_at, c.c.last_seq)
                .where(c.c.subject == subject)
            ).all()  # fmt: skip
        return {str(r[0]): _fold(tuple(r[1:])) for r in rows}

    def index(self) -> Iterator[tuple[str, str, Fold]]:
        """Every index row as ``(pseudonym, purpose, state)``, for the ledger's index check.

        Raises:
            IntegrityError: an index row is malformed.
        """
        c = self._current
        with self._db().connect() as conn:
            rows = conn.execute(
                sa.select(c.c.subject, c.c.purpose, c.c.decision, c.c.decided_at,
                          c.c.expires_at, c.c.objected_at, c.c.last_at, c.c.last_seq)
            ).all()  # fmt: skip
        for row in rows:
            try:
                fold = _fold(tuple(row[2:]))
            except (ValueError, TypeError):
                raise IntegrityError("the consent index holds a malformed row") from None
            yield str(row[0]), str(row[1]), fold

    def unkeyed_until(self) -> int:
        """How many unkeyed (chain version 1) events the tables held when the chain was keyed."""
        with self._db().connect() as conn:
            value = conn.execute(sa.select(self._chain.c.unkeyed_until)).scalar()
        # No row: deleted by someone; treat the whole chain as keyed (the strict side).
        return 0 if value is None else int(value)


def _fold(row: tuple[Any, ...]) -> Fold:
    decision, decided, expires, objected, last_at, last_seq = row
    return Fold(decision, _dt(decided), _dt(expires), _dt(objected),
                dt.datetime.fromisoformat(str(last_at)), int(last_seq))  # fmt: skip
