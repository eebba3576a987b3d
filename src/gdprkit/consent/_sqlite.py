"""The embedded default consent store: one SQLite file, WAL, versioned schema, many writers."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from gdprkit.consent._chain import (
    GENESIS,
    Fold,
    NewEvent,
    StoredEvent,
    index_updates,
    link,
)
from gdprkit.errors import ConfigurationError, IntegrityError, InvalidInput

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

_History = Callable[[str, str], list[tuple[int, str, dt.datetime, dt.datetime | None]]]
# A migration step that is Python, not SQL: rebuild the current-state index from the events.
_BACKFILL = "-- backfill consent_current from consent_events"

# Each migration moves the schema from version n-1 to n; applied in order inside one
# BEGIN IMMEDIATE transaction each, recorded in gdprkit_consent_schema.
_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the chained events.
    (
        """CREATE TABLE consent_events (
            seq INTEGER PRIMARY KEY,
            subject TEXT NOT NULL,
            purpose TEXT NOT NULL,
            body TEXT NOT NULL,
            prev TEXT NOT NULL,
            digest TEXT NOT NULL
        )""",
        "CREATE INDEX consent_events_subject ON consent_events (subject, seq)",
    ),
    # 2: the current-state index, one row per (pseudonym, purpose), back-filled from the events.
    (
        """CREATE TABLE consent_current (
            subject TEXT NOT NULL,
            purpose TEXT NOT NULL,
            decision TEXT,
            decided_at TEXT,
            expires_at TEXT,
            objected_at TEXT,
            last_at TEXT NOT NULL,
            last_seq INTEGER NOT NULL,
            PRIMARY KEY (subject, purpose)
        ) WITHOUT ROWID""",
        _BACKFILL,
    ),
)

#: The schema version this code writes; older files are migrated when opened.
SCHEMA_VERSION = len(_MIGRATIONS)

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _dt(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


def _fold_from_row(row: tuple[str | None, ...] | None) -> Fold | None:
    if row is None:
        return None
    decision, decided, expires, objected, last_at, last_seq = row
    return Fold(decision, _dt(decided), _dt(expires), _dt(objected),
                dt.datetime.fromisoformat(str(last_at)), int(str(last_seq)))  # fmt: skip


def _fold_params(subject: str, purpose: str, fold: Fold) -> tuple[object, ...]:
    return (subject, purpose, fold.decision, _iso(fold.decided_at), _iso(fold.expires_at),
            _iso(fold.objected_at), fold.last_at.isoformat(), fold.last_seq)  # fmt: skip


# Only "?" placeholders are formatted in; the values are bound parameters.
_CURRENT_IN = (
    "SELECT subject, purpose, decision, decided_at, expires_at, objected_at, last_at, last_seq "
    "FROM consent_current WHERE subject IN ({marks})"
)

_UPSERT = (
    "INSERT OR REPLACE INTO consent_current (subject, purpose, decision, decided_at, expires_at,"
    " objected_at, last_at, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)


class SQLiteStore:
    """A consent store in one SQLite file (stdlib ``sqlite3``): the embedded default.

    The file uses write-ahead logging; ``synchronous="FULL"`` (default) makes every committed
    append durable across power loss.  Every append runs under ``BEGIN IMMEDIATE``, so the chain
    head is read and written atomically even with several threads or processes writing: no
    event is lost or duplicated and the chain never forks.  Each thread gets its own connection,
    and a forked child (a pre-forking web server) opens its own instead of sharing the parent's.
    The schema is versioned (``SCHEMA_VERSION``) and migrated when an older file is opened.

    Raises:
        ConfigurationError: the file is newer than this gdprkit, or unusable.

    Example:
        >>> import tempfile, pathlib
        >>> from gdprkit.consent import ConsentLedger, SQLiteStore
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "consent.sqlite3"
        >>> store = SQLiteStore(path)
        >>> ConsentLedger(store, key=b"k" * 32).verify().events
        0
        >>> store.schema_version()
        2
        >>> store.close()
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: str = "FULL",
        timeout: float = 30.0,
    ) -> None:
        if synchronous.upper() not in _SYNCHRONOUS:
            raise InvalidInput(f"synchronous must be one of {', '.join(_SYNCHRONOUS)}")
        self._path = Path(path)
        self._synchronous = synchronous.upper()
        self._timeout = timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._migrate()

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path.name!r})"

    # -- connections ------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:
            # Forked (a pre-forking web server): SQLite connections must not cross a fork, so
            # the child opens its own and leaves the parent's alone.
            self._pid = os.getpid()
            self._local = threading.local()
            self._all = []
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self._path, timeout=self._timeout, isolation_level=None,
                    check_same_thread=False,
                )  # fmt: skip
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(f"PRAGMA synchronous={self._synchronous}")
            except sqlite3.Error as exc:
                raise ConfigurationError(f"cannot open the consent store: {exc}") from None
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection this store opened (in any thread)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    # -- schema -----------------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version of the file."""
        row = self._conn().execute("SELECT MAX(version) FROM gdprkit_consent_schema").fetchone()
        return int(row[0] or 0)

    def _migrate(self) -> None:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS gdprkit_consent_schema ("
                "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            row = conn.execute("SELECT MAX(version) FROM gdprkit_consent_schema").fetchone()
            current = int(row[0] or 0)
            if current > SCHEMA_VERSION:
                raise ConfigurationError(
                    f"consent store schema {current} is newer than this gdprkit "
                    f"({SCHEMA_VERSION}): upgrade gdprkit"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in _MIGRATIONS[version - 1]:
                    if statement == _BACKFILL:
                        self._backfill(conn)
                    else:
                        conn.execute(statement)
                conn.execute(
                    "INSERT INTO gdprkit_consent_schema VALUES (?, ?)",
                    (version, dt.datetime.now(dt.timezone.utc).isoformat()),
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _backfill(self, conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM consent_current")
        rows = [
            StoredEvent(*r)
            for r in conn.execute(
                "SELECT seq, subject, purpose, body, prev, digest FROM consent_events ORDER BY seq"
            )
        ]
        items = []
        for row in rows:
            event = row.event()
            items.append(NewEvent(row.subject, row.purpose, row.body, event.kind.value,
                                  event.at, event.expires_at))  # fmt: skip
        history = self._history_in(conn)
        folds = index_updates(rows, items, lambda _s, _p: None, history)
        conn.executemany(_UPSERT, [_fold_params(s, p, f) for (s, p), f in folds.items()])

    # -- writing ----------------------------------------------------------------------------

    @staticmethod
    def _history_in(
        conn: sqlite3.Connection,
    ) -> _History:
        def history(
            subject: str, purpose: str
        ) -> list[tuple[int, str, dt.datetime, dt.datetime | None]]:
            out = []
            for seq, subj, purp, body, prev, digest in conn.execute(
                "SELECT seq, subject, purpose, body, prev, digest FROM consent_events "
                "WHERE subject = ? AND purpose = ? ORDER BY seq",
                (subject, purpose),
            ):
                event = StoredEvent(seq, subj, purp, body, prev, digest).event()
                out.append((seq, event.kind.value, event.at, event.expires_at))
            return out

        return history

    def append(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        """Chain and store ``items`` in one ``BEGIN IMMEDIATE`` transaction."""
        if not items:
            return []
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            head = conn.execute(
                "SELECT seq, digest FROM consent_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, digest = (0, GENESIS) if head is None else (int(head[0]), str(head[1]))
            rows = link(seq, digest, items)
            conn.executemany("INSERT INTO consent_events VALUES (?, ?, ?, ?, ?, ?)", rows)

            # One query per 500 subjects for the current states the batch touches, instead of
            # one per event.
            known: dict[tuple[str, str], Fold | None] = {}
            subjects = sorted({item.subject for item in items})
            for k in range(0, len(subjects), 500):
                chunk = subjects[k : k + 500]
                query = _CURRENT_IN.format(marks=", ".join("?" * len(chunk)))
                for row in conn.execute(query, chunk):
                    known[(str(row[0]), str(row[1]))] = _fold_from_row(row[2:])

            def current(subject: str, purpose: str) -> Fold | None:
                return known.get((subject, purpose))

            folds = index_updates(rows, items, current, self._history_in(conn))
            conn.executemany(_UPSERT, [_fold_params(s, p, f) for (s, p), f in folds.items()])
            conn.execute("COMMIT")
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK")
            raise IntegrityError("consent store refused the append (duplicate sequence)") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return rows

    # -- reading ----------------------------------------------------------------------------

    def head(self) -> tuple[int, str]:
        """``(number of events, last digest)``."""
        row = (
            self._conn()
            .execute("SELECT seq, digest FROM consent_events ORDER BY seq DESC LIMIT 1")
            .fetchone()
        )
        return (0, GENESIS) if row is None else (int(row[0]), str(row[1]))

    def events(self, *, start: int = 1) -> Iterator[StoredEvent]:
        """Every event from ``start`` on, in order, streamed in pages (constant memory)."""
        conn = self._conn()
        position = start - 1
        while True:
            page = conn.execute(
                "SELECT seq, subject, purpose, body, prev, digest FROM consent_events "
                "WHERE seq > ? ORDER BY seq LIMIT 10000",
                (position,),
            ).fetchall()
            if not page:
                return
            for row in page:
                yield StoredEvent(*row)
            position = page[-1][0]

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym, in order."""
        return [
            StoredEvent(*row)
            for row in self._conn().execute(
                "SELECT seq, subject, purpose, body, prev, digest FROM consent_events "
                "WHERE subject = ? ORDER BY seq",
                (subject,),
            )
        ]

    def current(self, subject: str, purpose: str) -> Fold | None:
        """The indexed state of one (pseudonym, purpose)."""
        return _fold_from_row(
            self._conn()
            .execute(
                "SELECT decision, decided_at, expires_at, objected_at, last_at, last_seq "
                "FROM consent_current WHERE subject = ? AND purpose = ?",
                (subject, purpose),
            )
            .fetchone()
        )

    def current_all(self, subject: str) -> dict[str, Fold]:
        """The indexed state of every purpose of one pseudonym."""
        result = {}
        for row in self._conn().execute(
            "SELECT purpose, decision, decided_at, expires_at, objected_at, last_at, last_seq "
            "FROM consent_current WHERE subject = ?",
            (subject,),
        ):
            fold = _fold_from_row(row[1:])
            if fold is not None:
                result[str(row[0])] = fold
        return result
