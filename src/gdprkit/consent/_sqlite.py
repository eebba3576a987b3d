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
from gdprkit.errors import ChainBroken, ConfigurationError, IntegrityError, InvalidInput

__all__ = ["SCHEMA_VERSION", "SQLiteStore"]

_History = Callable[[str, str], list[tuple[int, str, dt.datetime, dt.datetime | None]]]
# A migration step that is Python, not SQL: rebuild the current-state index from the events.
_BACKFILL = "-- backfill consent_current from consent_events"
# Version 3 keys the chain (chain version 2): the events already stored stay unkeyed and
# verify as the chain's prefix; every later one must carry the ledger's MAC.
_KEYED_CHAIN = (
    (
        "CREATE TABLE consent_chain (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "unkeyed_until INTEGER NOT NULL)"
    ),
    "INSERT INTO consent_chain SELECT 1, COALESCE(MAX(seq), 0) FROM consent_events",
)

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
    # 3: the keyed chain: how many unkeyed events came before it.
    _KEYED_CHAIN,
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
    " objected_at, last_at, last_seq) VALUES "
)
_INSERT_EVENTS = "INSERT INTO consent_events VALUES "
# Rows per multi-row INSERT: at most 999 bound parameters (SQLite before 3.32).
_ROWS_PER_INSERT = 100


def _insert_rows(
    conn: sqlite3.Connection, prefix: str, rows: Sequence[Sequence[object]], width: int
) -> None:
    """Insert ``rows`` with one multi-row ``INSERT`` per hundred rows.

    Fewer statements than ``executemany`` (one per row): each statement releases and re-takes
    the GIL, and with other threads busy every re-take can wait for a switch interval.
    """
    marks = "(" + ", ".join("?" * width) + ")"
    for k in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[k : k + _ROWS_PER_INSERT]
        conn.execute(
            prefix + ", ".join([marks] * len(chunk)), [value for row in chunk for value in row]
        )


class _Waiting:
    """One caller's append, waiting for the group commit that carries it."""

    __slots__ = ("done", "error", "items", "lead", "rows")

    def __init__(self, items: list[NewEvent]) -> None:
        self.items = items
        self.rows: list[StoredEvent] | None = None
        self.error: BaseException | None = None
        self.lead = False  # set (with ``done``) when this caller must commit the next group
        # Held until the caller may go on: a bare lock is the cheapest one-shot signal between
        # threads (threading.Event builds a Condition).
        self.done = threading.Lock()
        self.done.acquire()

    def result(self) -> list[StoredEvent]:
        if self.error is not None:
            raise self.error
        if self.rows is None:  # pragma: no cover - every path sets rows or error
            raise IntegrityError("the consent append was not carried out")
        return self.rows


class SQLiteStore:
    """A consent store in one SQLite file (stdlib ``sqlite3``): the embedded default.

    The file uses write-ahead logging; ``synchronous="FULL"`` (default) makes every committed
    append durable across power loss.  Every append runs under ``BEGIN IMMEDIATE``, so the chain
    head is read and written atomically even with several threads or processes writing: no
    event is lost or duplicated and the chain never forks.  Each thread gets its own connection,
    and a forked child (a pre-forking web server) opens its own instead of sharing the parent's.

    Appends from several threads of one process are *group-committed*: while one thread's
    transaction is being flushed to disk, the appends that arrive meanwhile queue up, and the
    next of them commits them all in one transaction and one flush.  Every caller still returns
    only once its own events are durable, each caller's events stay contiguous in the chain, and
    one caller's failure is not another's (a failed group is retried caller by caller).  With
    ``synchronous="FULL"`` a single thread is bound by the disk's flush latency (one flush per
    :meth:`append`); a threaded web server recording consents from many requests at once, or a
    writer using :meth:`~gdprkit.consent.ConsentLedger.append_many`, shares the flushes.
    The schema is versioned (``SCHEMA_VERSION``) and migrated when an older file is opened.

    A file that exists but is empty (zero bytes: truncated, or overwritten) is refused rather
    than initialised as a fresh ledger; a file SQLite cannot read raises
    :class:`~gdprkit.errors.IntegrityError`, and reading a damaged page while verifying raises
    :class:`~gdprkit.errors.ChainBroken` at the position reached.

    Raises:
        ConfigurationError: the file is newer than this gdprkit, or cannot be opened.
        IntegrityError: the file exists but is empty, or is not a readable consent store.

    Example:
        >>> import tempfile, pathlib
        >>> from gdprkit.consent import ConsentLedger, SQLiteStore
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "consent.sqlite3"
        >>> store = SQLiteStore(path)
        >>> ConsentLedger(store, key=b"k" * 32).verify().events
        0
        >>> store.schema_version()
        3
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
        self._reset_writing()
        try:
            if self._path.stat().st_size == 0:
                raise IntegrityError(
                    f"consent store {self._path.name!r} exists but is empty (truncated or "
                    "overwritten?): restore it from a backup, or delete it to start a new ledger"
                )
        except FileNotFoundError:
            pass
        try:
            self._migrate()
        except sqlite3.DatabaseError as exc:
            self.close()
            raise IntegrityError(
                f"consent store {self._path.name!r} cannot be read: {exc}"
            ) from None

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path.name!r})"

    # -- connections ------------------------------------------------------------------------

    def _check_fork(self) -> None:
        if os.getpid() != self._pid:
            # Forked (a pre-forking web server): SQLite connections must not cross a fork, so
            # the child opens its own and leaves the parent's alone; a group commit the parent
            # was running belongs to the parent.
            self._pid = os.getpid()
            self._local = threading.local()
            self._all = []
            self._reset_writing()

    def _reset_writing(self) -> None:
        """No group commit under way, no writer connection yet (at start and after a fork)."""
        self._group_lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = False
        self._writer_conn: sqlite3.Connection | None = None

    def _conn(self) -> sqlite3.Connection:
        self._check_fork()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    def _writer(self) -> sqlite3.Connection:
        """The connection group commits write through, whichever thread leads them.

        Only the thread leading a group commit uses it, one at a time, so one connection (and
        one page cache) serves every writing thread.
        """
        self._check_fork()
        if self._writer_conn is None:
            self._writer_conn = self._open()
        return self._writer_conn

    def _open(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
            )
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={self._synchronous}")
        except sqlite3.OperationalError as exc:
            raise ConfigurationError(f"cannot open the consent store: {exc}") from None
        except sqlite3.Error as exc:  # "file is not a database", a damaged header
            raise IntegrityError(f"the consent store cannot be read: {exc}") from None
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
        self._writer_conn = None

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
            if conn.in_transaction:
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
        _insert_rows(conn, _UPSERT, [_fold_params(s, p, f) for (s, p), f in folds.items()], 8)

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
        """Chain and store ``items`` in one ``BEGIN IMMEDIATE`` transaction.

        Concurrent calls from threads of this process are group-committed (see the class
        documentation); the call returns when ``items`` are committed, or raises.
        """
        if not items:
            return []
        self._check_fork()
        request = _Waiting(list(items))
        with self._group_lock:
            self._waiting.append(request)
            lead = not self._leading
            self._leading = True
        if not lead:
            request.done.acquire()
            if not request.lead:
                return request.result()
        # This thread commits everything queued so far, its own append included.
        with self._group_lock:
            group, self._waiting = self._waiting, []
        try:
            self._commit_group(group)
        finally:
            with self._group_lock:
                if self._waiting:
                    # Hand over to the first caller that arrived during this commit.
                    successor = self._waiting[0]
                    successor.lead = True
                    successor.done.release()
                else:
                    self._leading = False
        return request.result()

    def _commit_group(self, group: list[_Waiting]) -> None:
        """Commit the appends of ``group`` together; retry one by one if that fails."""
        try:
            if len(group) == 1:
                group[0].rows = self._append_now(group[0].items)
                return
            try:
                rows = self._append_now([item for waiting in group for item in waiting.items])
            except Exception:  # noqa: BLE001 - each caller gets its own outcome below
                for waiting in group:
                    try:
                        waiting.rows = self._append_now(waiting.items)
                    except Exception as exc:  # noqa: BLE001 - handed to that caller
                        waiting.error = exc
                return
            start = 0
            for waiting in group:
                waiting.rows = rows[start : start + len(waiting.items)]
                start += len(waiting.items)
        except BaseException as exc:
            # Interrupted (KeyboardInterrupt, a single caller's error): no caller may be left
            # waiting, and none may believe an unfinished append succeeded.
            for waiting in group:
                if waiting.rows is None and waiting.error is None:
                    waiting.error = exc
            raise
        finally:
            for waiting in group:
                waiting.done.release()

    def _append_now(self, items: Sequence[NewEvent]) -> list[StoredEvent]:
        conn = self._writer()
        conn.execute("BEGIN IMMEDIATE")
        try:
            head = conn.execute(
                "SELECT seq, digest FROM consent_events ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            seq, digest = (0, GENESIS) if head is None else (int(head[0]), str(head[1]))
            rows = link(seq, digest, items)
            _insert_rows(conn, _INSERT_EVENTS, rows, 6)

            # One query per 500 subjects for the current states the batch touches, instead of
            # one per event.
            known: dict[tuple[str, str], Fold | None] = {}
            subjects = sorted({item.subject for item in items})
            for k in range(0, len(subjects), 500):
                chunk = subjects[k : k + 500]
                query = _CURRENT_IN.format(marks=", ".join("?" * len(chunk)))
                for row in conn.execute(query, chunk).fetchall():
                    known[(str(row[0]), str(row[1]))] = _fold_from_row(row[2:])

            def current(subject: str, purpose: str) -> Fold | None:
                return known.get((subject, purpose))

            folds = index_updates(rows, items, current, self._history_in(conn))
            _insert_rows(conn, _UPSERT, [_fold_params(s, p, f) for (s, p), f in folds.items()], 8)
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
        """Every event from ``start`` on, in order, streamed in pages (constant memory).

        Raises:
            ChainBroken: a page of the file cannot be read (the position after the last event
                read).
        """
        conn = self._conn()
        position = start - 1
        while True:
            try:
                page = conn.execute(
                    "SELECT seq, subject, purpose, body, prev, digest FROM consent_events "
                    "WHERE seq > ? ORDER BY seq LIMIT 10000",
                    (position,),
                ).fetchall()
            except sqlite3.DatabaseError:
                # A damaged page: read on row by row to locate the first event lost with it.
                page = []
                while len(page) < 10000:
                    try:
                        row = conn.execute(
                            "SELECT seq, subject, purpose, body, prev, digest FROM "
                            "consent_events WHERE seq > ? ORDER BY seq LIMIT 1",
                            (page[-1][0] if page else position,),
                        ).fetchone()
                    except sqlite3.DatabaseError as exc:
                        at = page[-1][0] if page else position
                        yield from (StoredEvent(*r) for r in page)
                        raise ChainBroken(at + 1, f"the store cannot be read: {exc}") from None
                    if row is None:
                        break
                    page.append(row)
            if not page:
                return
            for row in page:
                yield StoredEvent(*row)
            position = page[-1][0]

    def events_for(self, subject: str) -> list[StoredEvent]:
        """The events of one pseudonym, in order.

        Raises:
            IntegrityError: the file cannot be read.
        """
        try:
            return [
                StoredEvent(*row)
                for row in self._conn().execute(
                    "SELECT seq, subject, purpose, body, prev, digest FROM consent_events "
                    "WHERE subject = ? ORDER BY seq",
                    (subject,),
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise IntegrityError(f"the consent store cannot be read: {exc}") from None

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

    def index(self) -> Iterator[tuple[str, str, Fold]]:
        """Every index row as ``(pseudonym, purpose, state)``, for the ledger's index check.

        Raises:
            IntegrityError: the index cannot be read or holds a malformed row.
        """
        try:
            rows = self._conn().execute(
                "SELECT subject, purpose, decision, decided_at, expires_at, objected_at, "
                "last_at, last_seq FROM consent_current"
            )
            for row in rows:
                fold = _fold_from_row(row[2:])
                if fold is not None:
                    yield str(row[0]), str(row[1]), fold
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            raise IntegrityError(
                f"the consent index cannot be read ({type(exc).__name__})"
            ) from None

    def unkeyed_until(self) -> int:
        """How many unkeyed (chain version 1) events the file held when its chain was keyed."""
        row = self._conn().execute("SELECT unkeyed_until FROM consent_chain").fetchone()
        # No row: deleted by someone; treat the whole chain as keyed (the strict side).
        return 0 if row is None else int(row[0])
