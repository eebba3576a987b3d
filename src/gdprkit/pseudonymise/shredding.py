"""Crypto-shredding: one data key per data subject, so erasing a key erases every copy.

Append-only logs, event stores and backups cannot be edited when a person exercises the right to
erasure (Art. 17). If each person's values are *sealed* under their own data key, deleting that
key (:meth:`SubjectKeys.forget`) makes every sealed copy unreadable at once, wherever it lives.

How it works:

* a data key is 32 random bytes, created on the first :meth:`SubjectKeys.seal` for a subject;
* it is stored **wrapped** (AES-256-SIV, RFC 5297) under a key-ring key, with the subject id as
  associated data, in a :class:`SubjectKeyStore` (in memory, or SQLite);
* values are sealed with AES-256-GCM under the data key and a random 96-bit nonce; the text form
  is ``ss1.<base64url(nonce || ciphertext || tag)>``, and the subject id is associated data, so a
  blob cannot be opened as another subject's.

**Operational rule**: the key store must *not* be in the same backup as the sealed data, and its
own backups must expire within the time the shop promises for erasure (Art. 12(3) GDPR: one month
[S1]). Otherwise restoring a backup brings the forgotten keys back and the "erased" data
with them. Keep the key ring apart from both (ENISA 2019 §5.5 [S208]).

Sealed values stay personal data while the key exists (pseudonymisation, Art. 4(5), Recital 26
GDPR [S1]).

Example:
    >>> from gdprkit.pseudonymise import KeyRing, MemorySubjectKeyStore, SubjectKeys
    >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
    >>> blob = keys.seal("customer-17", "Alice Example, 1 Main St")
    >>> keys.open("customer-17", blob)
    'Alice Example, 1 Main St'
    >>> keys.forget("customer-17")
    True
    >>> keys.open("customer-17", blob)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    gdprkit.errors.SubjectForgotten: no data key for this subject: it was forgotten ...
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Mapping
from typing import Any, NoReturn, Protocol, runtime_checkable

import attrs
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from gdprkit.errors import (
    ErasureIncomplete,
    IntegrityError,
    InvalidInput,
    InvalidType,
    SubjectForgotten,
)
from gdprkit.pseudonymise.keyring import KeyRing
from gdprkit.pseudonymise.reversible import _Siv

__all__ = [
    "SEALED_VERSION",
    "MemorySubjectKeyStore",
    "SQLiteSubjectKeyStore",
    "SubjectKeyStore",
    "SubjectKeys",
    "WrappedKey",
]

#: Version marker of the sealed-value text form.
SEALED_VERSION = "ss1"
# base64url -> standard alphabet; "+" and "/" in the input become characters b64decode refuses.
_TO_STANDARD = str.maketrans({"-": "+", "_": "/", "+": "!", "/": "!"})

_DATA_KEY_BYTES = 32
_NONCE_BYTES = 12  # AES-GCM's recommended nonce size (NIST SP 800-38D §8.2)
_WRAP_PURPOSE = "subject-key-wrap"
_MAX_SUBJECT_LEN = 256
_WRAPPED_KEY_VERSION = 1


def _check_subject(subject: object) -> str:
    if not isinstance(subject, str):
        raise InvalidType(f"subject must be a str id, got {type(subject).__name__}")
    if not subject or len(subject) > _MAX_SUBJECT_LEN:
        raise InvalidInput(f"subject id must be 1-{_MAX_SUBJECT_LEN} characters")
    return subject


@attrs.frozen
class WrappedKey:
    """A subject's data key, encrypted under the key-ring key ``key_id`` (what stores keep).

    Example:
        >>> WrappedKey(key_id="k1", wrapped=bytes(48))
        WrappedKey(key_id='k1')
    """

    key_id: str = attrs.field(validator=attrs.validators.instance_of(str))
    wrapped: bytes = attrs.field(validator=attrs.validators.instance_of(bytes), repr=False)

    def to_dict(self) -> dict[str, object]:
        """Return a JSON-compatible dict (``wrapped`` in standard base64) with a version.

        Example:
            >>> WrappedKey(key_id="k1", wrapped=bytes([0, 1])).to_dict()
            {'version': 1, 'key_id': 'k1', 'wrapped': 'AAE='}
        """
        return {
            "version": _WRAPPED_KEY_VERSION,
            "key_id": self.key_id,
            "wrapped": base64.b64encode(self.wrapped).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> WrappedKey:
        """Rebuild a wrapped key from :meth:`to_dict` output.

        Raises:
            InvalidInput: wrong version, missing fields or invalid base64.

        Example:
            >>> key = WrappedKey(key_id="k1", wrapped=bytes(48))
            >>> WrappedKey.from_dict(key.to_dict()) == key
            True
        """
        if data.get("version") != _WRAPPED_KEY_VERSION:
            raise InvalidInput(f"wrapped key must have version {_WRAPPED_KEY_VERSION}")
        key_id, wrapped = data.get("key_id"), data.get("wrapped")
        if not isinstance(key_id, str) or not isinstance(wrapped, str):
            raise InvalidInput("wrapped key needs 'key_id' and 'wrapped' strings")
        try:
            raw = base64.b64decode(wrapped, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("wrapped key: 'wrapped' is not valid base64") from None
        return cls(key_id=key_id, wrapped=raw)


@runtime_checkable
class SubjectKeyStore(Protocol):
    """Where wrapped subject keys live. Implementations must be safe to share between threads.

    Example:
        >>> isinstance(MemorySubjectKeyStore(), SubjectKeyStore)
        True
    """

    def get(self, subject: str) -> WrappedKey | None:
        """Return the subject's wrapped key, or ``None``."""

    def add(self, subject: str, key: WrappedKey) -> WrappedKey:
        """Store ``key`` unless the subject has one already; return the key now stored."""

    def delete(self, subject: str) -> bool:
        """Delete the subject's key for good; return whether there was one."""


class MemorySubjectKeyStore:
    """Keeps wrapped keys in a dict (tests, short-lived jobs); thread-safe.

    Example:
        >>> store = MemorySubjectKeyStore()
        >>> store.add("s1", WrappedKey(key_id="k1", wrapped=b"x")) == store.get("s1")
        True
    """

    def __init__(self) -> None:
        self._keys: dict[str, WrappedKey] = {}
        self._lock = threading.Lock()

    def get(self, subject: str) -> WrappedKey | None:
        """Return the subject's wrapped key, or ``None``."""
        return self._keys.get(subject)

    def add(self, subject: str, key: WrappedKey) -> WrappedKey:
        """Store ``key`` unless the subject has one already; return the key now stored."""
        with self._lock:
            return self._keys.setdefault(subject, key)

    def delete(self, subject: str) -> bool:
        """Delete the subject's key; return whether there was one."""
        with self._lock:
            return self._keys.pop(subject, None) is not None

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"MemorySubjectKeyStore(subjects={len(self._keys)})"


class SQLiteSubjectKeyStore:
    """Keeps wrapped keys in an SQLite file (WAL mode, one connection per thread).

    Deletion is made to stick on disk: ``PRAGMA secure_delete`` overwrites the freed row, and a
    ``wal_checkpoint(TRUNCATE)`` after each delete empties the write-ahead log that would still
    hold the old page. Filesystem snapshots and backups are outside its reach: see the
    operational rule in the module docstring.

    Args:
        path: the database file (created with its table if missing).
        table: table name (letters, digits, underscore).

    ``checkpoint_timeout`` is how long :meth:`delete` keeps retrying to purge the deleted key
    from the file and its write-ahead log while other connections hold read transactions.

    Raises:
        InvalidInput: ``table`` is not a plain identifier.
        sqlite3.Error: the file cannot be opened.

    Example:
        >>> store = SQLiteSubjectKeyStore("/var/lib/shop/subject-keys.sqlite3")  # doctest: +SKIP
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        table: str = "gdprkit_subject_keys",
        checkpoint_timeout: float = 5.0,
    ) -> None:
        if not table.isidentifier() or not table.isascii():
            raise InvalidInput("table must be a plain SQL identifier (letters, digits, '_')")
        if not checkpoint_timeout >= 0:
            raise InvalidInput("checkpoint_timeout must be a number of seconds >= 0")
        self._checkpoint_timeout = float(checkpoint_timeout)
        self._path = os.fspath(path)
        self._table = table
        self._local = threading.local()
        conn = self._connection()
        with conn:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {table} ("  # table name checked above
                "subject TEXT PRIMARY KEY, key_id TEXT NOT NULL, wrapped BLOB NOT NULL)"
            )

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA secure_delete=ON")
            conn.execute("PRAGMA synchronous=FULL")
            self._local.conn = conn
        return conn

    def get(self, subject: str) -> WrappedKey | None:
        """Return the subject's wrapped key, or ``None``."""
        row = (
            self._connection()
            .execute(
                f"SELECT key_id, wrapped FROM {self._table} WHERE subject = ?",  # noqa: S608
                (subject,),
            )
            .fetchone()
        )
        return None if row is None else WrappedKey(key_id=row[0], wrapped=bytes(row[1]))

    def add(self, subject: str, key: WrappedKey) -> WrappedKey:
        """Store ``key`` unless the subject has one already; return the key now stored."""
        conn = self._connection()
        conn.execute(
            f"INSERT OR IGNORE INTO {self._table} (subject, key_id, wrapped) "  # noqa: S608
            "VALUES (?, ?, ?)",
            (subject, key.key_id, key.wrapped),
        )
        stored = self.get(subject)
        if stored is None:  # deleted by another thread between the two statements
            return self.add(subject, key)
        return stored

    def delete(self, subject: str) -> bool:
        """Delete the subject's key and purge it from disk; return whether there was one.

        ``secure_delete`` zeroes the deleted row in the new page version; the old versions
        stay in the main file and the write-ahead log until a ``wal_checkpoint(TRUNCATE)``
        completes, which another connection's read transaction prevents.  The checkpoint is
        retried for ``checkpoint_timeout`` seconds, and its result checked.

        Raises:
            ErasureIncomplete: the checkpoint could not complete in time: the key may still be
                recoverable from disk (call again; a repeated call retries the purge).
        """
        conn = self._connection()
        cursor = conn.execute(
            f"DELETE FROM {self._table} WHERE subject = ?",  # noqa: S608
            (subject,),
        )
        existed = cursor.rowcount > 0
        self._purge(conn)
        return existed

    def _purge(self, conn: sqlite3.Connection) -> None:
        deadline = time.monotonic() + self._checkpoint_timeout
        pause = 0.005
        while True:
            busy, log, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            # (0, 0, 0) after a completed TRUNCATE; busy = 1 or frames left = not purged.
            if busy == 0 and log == done:
                return
            if time.monotonic() >= deadline:
                raise ErasureIncomplete(
                    "the subject's key is deleted but its old bytes are still in the key "
                    "store's file or write-ahead log (another connection holds a read "
                    "transaction): call forget() again once it ends"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def close(self) -> None:
        """Close this thread's connection (other threads close theirs when they end)."""
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def __repr__(self) -> str:
        return f"SQLiteSubjectKeyStore(table={self._table!r})"


class SubjectKeys:
    """Seal values under per-subject data keys; :meth:`forget` shreds them all at once.

    Args:
        keyring: wraps the data keys (its active key for new ones; older keys still unwrap).
        store: where wrapped keys live (:class:`MemorySubjectKeyStore`,
            :class:`SQLiteSubjectKeyStore` or your own :class:`SubjectKeyStore`).

    Raises:
        InvalidType: ``keyring`` is not a KeyRing or ``store`` lacks the protocol's methods.

    Example:
        >>> from gdprkit.pseudonymise import KeyRing
        >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
        >>> keys.seal("c-1", "x") != keys.seal("c-1", "x")  # randomised: no linkage
        True
    """

    __slots__ = ("_keyring", "_store", "_wrappers")

    def __init__(self, keyring: KeyRing, store: SubjectKeyStore) -> None:
        if not isinstance(keyring, KeyRing):
            raise InvalidType(f"keyring must be a KeyRing, got {type(keyring).__name__}")
        if not isinstance(store, SubjectKeyStore):
            raise InvalidType("store must have get(), add() and delete() (SubjectKeyStore)")
        self._keyring = keyring
        self._store = store
        self._wrappers: dict[str, _Siv] = {}

    def _wrapper(self, key_id: str) -> _Siv:
        wrapper = self._wrappers.get(key_id)
        if wrapper is None:
            sub_key = self._keyring.derive(_WRAP_PURPOSE, key_id=key_id, length=64)
            wrapper = self._wrappers[key_id] = _Siv(sub_key)
        return wrapper

    def _data_key(self, subject: str, *, create: bool) -> AESGCM:
        stored = self._store.get(subject)
        if stored is None:
            if not create:
                raise SubjectForgotten(
                    "no data key for this subject: it was forgotten (crypto-shredded) "
                    "or never created in this store"
                )
            fresh = secrets.token_bytes(_DATA_KEY_BYTES)
            key_id = self._keyring.active_id
            wrapped = self._wrapper(key_id).seal(fresh, (subject.encode("utf-8"),))
            stored = self._store.add(subject, WrappedKey(key_id=key_id, wrapped=wrapped))
        try:
            raw = self._wrapper(stored.key_id).open(stored.wrapped, (subject.encode("utf-8"),))
        except IntegrityError:
            raise IntegrityError(
                "the stored data key of this subject failed authentication (store tampered "
                "with, or rows swapped between subjects)"
            ) from None
        return AESGCM(raw)

    def seal(self, subject: str, value: str) -> str:
        """Encrypt ``value`` under the subject's data key (created on first use).

        Raises:
            InvalidType: ``subject`` or ``value`` is not a str.
            InvalidInput: ``subject`` is empty or longer than 256 characters.
            NotFound: the wrapping key id of the stored key is no longer in the ring.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing
            >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
            >>> keys.seal("c-1", "x").startswith("ss1.")
            True
        """
        subject = _check_subject(subject)
        if not isinstance(value, str):
            raise InvalidType(f"value must be a str, got {type(value).__name__}")
        aead = self._data_key(subject, create=True)
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = aead.encrypt(nonce, value.encode("utf-8"), self._ad(subject))
        return f"{SEALED_VERSION}." + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, subject: str, blob: str) -> str:
        """Decrypt a value sealed for ``subject``.

        Raises:
            SubjectForgotten: the subject's key was forgotten (or never created here).
            IntegrityError: the blob was altered or was sealed for another subject.
            InvalidInput: ``blob`` is not an ``ss1`` sealed value.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing
            >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
            >>> keys.open("c-1", keys.seal("c-1", "x"))
            'x'
        """
        subject = _check_subject(subject)
        if not isinstance(blob, str):
            raise InvalidType(f"sealed value must be a str, got {type(blob).__name__}")
        version, _, body = blob.partition(".")
        if version != SEALED_VERSION:
            raise InvalidInput(f"expected a sealed value of the form {SEALED_VERSION}.<base64>")
        try:
            # validate=True: no characters outside the alphabet are skipped (urlsafe_b64decode
            # would drop "!!!"), and the re-encoding check refuses non-zero pad bits, so one
            # sealed value has one spelling.
            raw = base64.b64decode(body.translate(_TO_STANDARD).encode("ascii"), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("sealed value body is not valid base64url") from None
        if base64.urlsafe_b64encode(raw).decode("ascii") != body:
            raise InvalidInput("sealed value body is not canonical base64url")
        if len(raw) < _NONCE_BYTES + 16:
            raise InvalidInput("sealed value is too short to hold a nonce and a tag")
        aead = self._data_key(subject, create=False)
        try:
            plain = aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], self._ad(subject))
        except InvalidTag:
            raise IntegrityError(
                "sealed value failed authentication: altered, or sealed for another subject"
            ) from None
        return plain.decode("utf-8")

    def forget(self, subject: str) -> bool:
        """Delete the subject's data key: every value sealed for them becomes unrecoverable.

        Returns whether a key existed. Idempotent: forgetting twice is not an error (Art. 17
        requests are often repeated), and a repeated call retries purging the key from disk.
        Returns only once the key is unrecoverable from the store (for
        :class:`SQLiteSubjectKeyStore`: its write-ahead log checkpointed and truncated).

        Raises:
            InvalidType, InvalidInput: ``subject`` is not a valid id.
            ErasureIncomplete: the store could not purge the key from disk in time.

        Example:
            >>> from gdprkit.pseudonymise import KeyRing
            >>> keys = SubjectKeys(KeyRing.generate(), MemorySubjectKeyStore())
            >>> _ = keys.seal("c-1", "x")
            >>> keys.forget("c-1"), keys.forget("c-1")
            (True, False)
        """
        return self._store.delete(_check_subject(subject))

    @staticmethod
    def _ad(subject: str) -> bytes:
        return b"gdprkit/ss1\x00" + subject.encode("utf-8")

    def __repr__(self) -> str:
        return f"SubjectKeys(keyring={self._keyring!r}, store={self._store!r})"

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType("SubjectKeys cannot be pickled (it holds derived keys)")
