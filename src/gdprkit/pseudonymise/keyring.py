"""Named secret keys with one active key, rotation, HKDF sub-keys, and no secret in any repr.

A :class:`KeyRing` holds the *pseudonymisation secrets* that Art. 4(5) GDPR calls "additional
information" which must be "kept separately" (GDPR [S1]; EDPB Guidelines 01/2025 [S209] and ENISA
2019 §5.5 [S208]). New tokens use the **active** key; older keys stay in the ring so
that existing tokens can still be verified or revealed until they are rotated.

Every key is at least 256 bits (32 bytes) of secret material. Each use derives its own sub-key
with HKDF-SHA-256 (RFC 5869) from the key and a *purpose* label, so that tokens made for
``"email"`` and for ``"customer-id"`` cannot be linked to each other even under the same key.

The stored form (environment variable or file) is a JSON document::

    {
      "version": 1,
      "active": "k2",
      "keys": [
        {"id": "k1", "key": "<standard base64 of >= 32 random bytes>"},
        {"id": "k2", "key": "<standard base64 of >= 32 random bytes>"}
      ]
    }

Key ids are 1-16 characters of ``a-z``, ``0-9`` and ``-``, starting with a letter or digit (they
appear inside tokens such as ``ps1.k2.<base32>``, so they may not contain a dot).

Example:
    >>> from gdprkit.pseudonymise import KeyRing
    >>> ring = KeyRing.generate()
    >>> ring
    KeyRing(ids=('k1',), active='k1')
    >>> ring = ring.rotate()
    >>> ring.ids, ring.active_id
    (('k1', 'k2'), 'k2')
    >>> len(ring.derive("email"))
    32
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NoReturn

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from gdprkit._files import atomic_output
from gdprkit.errors import InvalidInput, InvalidType, KeyMaterialError, NotFound

__all__ = ["DEFAULT_ENV_VAR", "KEYRING_FORMAT_VERSION", "MIN_KEY_BYTES", "KeyRing"]

#: The smallest key gdprkit accepts: 256 bits. ENISA 2019 §5.1.4 [S208] calls a keyed
#: hash robust "as long as the key has not been compromised"; 256 bits keeps brute force on the
#: key itself out of reach, and matches the output size of HMAC-SHA-256.
MIN_KEY_BYTES = 32

#: Version of the JSON document read by :meth:`KeyRing.from_json`.
KEYRING_FORMAT_VERSION = 1

#: Environment variable read by :meth:`KeyRing.from_env` when no name is given.
DEFAULT_ENV_VAR = "GDPRKIT_KEYRING"

_KEY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,15}")
# Domain separation for HKDF: every sub-key gdprkit derives starts its info with this label.
_HKDF_LABEL = b"gdprkit/v1/"


def _check_key_id(key_id: object) -> str:
    if not isinstance(key_id, str):
        raise InvalidType(f"key id must be a str, got {type(key_id).__name__}")
    if _KEY_ID.fullmatch(key_id) is None:
        raise InvalidInput(
            "key id must be 1-16 characters of a-z, 0-9 and '-', starting with a letter or digit"
        )
    return key_id


def _check_material(key_id: str, material: object) -> bytes:
    if not isinstance(material, (bytes, bytearray, memoryview)):
        raise InvalidType(f"key {key_id!r} must be bytes, got {type(material).__name__}")
    data = bytes(material)
    if len(data) < MIN_KEY_BYTES:
        raise KeyMaterialError(
            f"key {key_id!r} has {len(data) * 8} bits; at least {MIN_KEY_BYTES * 8} are required"
        )
    return data


class KeyRing:
    """Named secret keys, one of them active; immutable (changes return a new ring).

    Args:
        keys: pairs of (key id, key bytes) or a mapping of key id to key bytes, oldest first.
        active: the id of the key used for new tokens; defaults to the last key.

    Raises:
        KeyMaterialError: a key is shorter than 256 bits, or the ring is empty.
        InvalidInput: a key id is malformed, repeated, or ``active`` is not in the ring.
        InvalidType: a key id is not a str or a key is not bytes.

    Neither ``repr``, ``str`` nor pickling reveals key material: ``pickle.dumps(ring)`` raises
    :class:`~gdprkit.errors.InvalidType`, so a ring cannot end up in a cache, a task queue or a
    crash dump by accident.

    Example:
        >>> ring = KeyRing([("k1", b"\\x01" * 32), ("k2", b"\\x02" * 32)])
        >>> ring.active_id
        'k2'
        >>> str(ring)
        "KeyRing(ids=('k1', 'k2'), active='k2')"
    """

    __slots__ = ("_active", "_keys")

    _keys: dict[str, bytes]
    _active: str

    def __init__(
        self,
        keys: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
        *,
        active: str | None = None,
    ) -> None:
        pairs = keys.items() if isinstance(keys, Mapping) else keys
        checked: dict[str, bytes] = {}
        for key_id, material in pairs:
            kid = _check_key_id(key_id)
            if kid in checked:
                raise InvalidInput(f"key id {kid!r} appears twice in the key ring")
            checked[kid] = _check_material(kid, material)
        if not checked:
            raise KeyMaterialError("a key ring needs at least one key")
        if active is None:
            active = next(reversed(checked))
        elif _check_key_id(active) not in checked:
            raise InvalidInput(f"active key id {active!r} is not in the key ring")
        object.__setattr__(self, "_keys", checked)
        object.__setattr__(self, "_active", active)

    # --- construction -----------------------------------------------------------------------

    @classmethod
    def generate(cls, *, key_id: str = "k1", size: int = MIN_KEY_BYTES) -> KeyRing:
        """Return a new ring with one fresh random key (from :func:`secrets.token_bytes`).

        Raises:
            KeyMaterialError: ``size`` is below 32 bytes.

        Example:
            >>> KeyRing.generate(key_id="2026a").active_id
            '2026a'
        """
        return cls([(key_id, secrets.token_bytes(size))])

    @classmethod
    def from_json(cls, document: str | bytes) -> KeyRing:
        """Load a ring from the documented JSON form (see the module docstring).

        Raises:
            KeyMaterialError: the document is not valid JSON, has the wrong version or shape, a
                key is not valid base64, or a key is shorter than 256 bits.

        Example:
            >>> import base64, json
            >>> doc = json.dumps({"version": 1, "active": "k1",
            ...     "keys": [{"id": "k1", "key": base64.b64encode(bytes(32)).decode()}]})
            >>> KeyRing.from_json(doc).ids
            ('k1',)
        """
        try:
            data = json.loads(document)
        except ValueError:
            # The decoder's message may quote part of the document (i.e. key material).
            raise KeyMaterialError("key ring document is not valid JSON") from None
        return cls._from_dict(data)

    @classmethod
    def _from_dict(cls, data: Any) -> KeyRing:
        if not isinstance(data, dict):
            raise KeyMaterialError("key ring document must be a JSON object")
        if data.get("version") != KEYRING_FORMAT_VERSION:
            raise KeyMaterialError(f"key ring document must have version {KEYRING_FORMAT_VERSION}")
        entries = data.get("keys")
        if not isinstance(entries, list):
            raise KeyMaterialError("key ring document must have a 'keys' list")
        pairs: list[tuple[str, bytes]] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                raise KeyMaterialError(f"keys[{index}] must be an object with 'id' and 'key'")
            key_id = entry.get("id")
            try:
                material = base64.b64decode(entry["key"], validate=True)
            except (binascii.Error, ValueError):
                raise KeyMaterialError(f"keys[{index}]: 'key' is not valid base64") from None
            if not isinstance(key_id, str):
                raise KeyMaterialError(f"keys[{index}]: 'id' must be a string")
            pairs.append((key_id, material))
        active = data.get("active")
        if active is not None and not isinstance(active, str):
            raise KeyMaterialError("'active' must be a key id string")
        try:
            return cls(pairs, active=active)
        except (InvalidInput, InvalidType) as exc:
            raise KeyMaterialError(str(exc)) from None

    @classmethod
    def from_env(
        cls, name: str = DEFAULT_ENV_VAR, *, environ: Mapping[str, str] | None = None
    ) -> KeyRing:
        """Load a ring from an environment variable holding the JSON form.

        ``environ`` defaults to :data:`os.environ`; pass a mapping in tests.

        Raises:
            KeyMaterialError: the variable is unset or empty, or its content is invalid.

        Example:
            >>> ring = KeyRing.generate()
            >>> KeyRing.from_env("SHOP_KEYS", environ={"SHOP_KEYS": ring.to_secret_json()}).ids
            ('k1',)
        """
        env = os.environ if environ is None else environ
        value = env.get(name)
        if not value:
            raise KeyMaterialError(f"environment variable {name!r} is not set or empty")
        return cls.from_json(value)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Load a ring from a file holding the JSON form.

        Raises:
            KeyMaterialError: the file cannot be read or its content is invalid.

        Example:
            >>> ring = KeyRing.from_file("/run/secrets/gdprkit-keys.json")  # doctest: +SKIP
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyMaterialError(
                f"cannot read key ring file {os.fspath(path)!r}: {exc.strerror}"
            ) from None
        return cls.from_json(text)

    # --- export (explicitly secret) ------------------------------------------------------------

    def to_secret_json(self) -> str:
        """Return the documented JSON form, **including the key material**.

        The long name is deliberate: this is the only method that reveals keys. Store the result
        where the pseudonymised data are not (ENISA 2019 §5.5 [S208]).

        Example:
            >>> ring = KeyRing.generate()
            >>> KeyRing.from_json(ring.to_secret_json()).ids == ring.ids
            True
        """
        keys = [
            {"id": kid, "key": base64.b64encode(material).decode("ascii")}
            for kid, material in self._keys.items()
        ]
        doc = {"version": KEYRING_FORMAT_VERSION, "active": self._active, "keys": keys}
        return json.dumps(doc, indent=2)

    def write_file(self, path: str | os.PathLike[str]) -> None:
        """Write the JSON form to ``path`` with mode 0600, via a temporary file and a rename.

        Raises:
            OSError: the directory is not writable.

        Example:
            >>> KeyRing.generate().write_file("/run/secrets/gdprkit-keys.json")  # doctest: +SKIP
        """
        with atomic_output(path, mode=0o600) as handle:
            handle.write(self.to_secret_json().encode("utf-8"))

    # --- queries --------------------------------------------------------------------------------

    @property
    def ids(self) -> tuple[str, ...]:
        """Key ids, oldest first."""
        return tuple(self._keys)

    @property
    def active_id(self) -> str:
        """Id of the key used for new tokens."""
        return self._active

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def derive(self, purpose: str, *, key_id: str | None = None, length: int = 32) -> bytes:
        """Return an HKDF-SHA-256 sub-key of ``key_id`` (default: active) for ``purpose``.

        Different purposes give independent keys (RFC 5869 §3.2, the ``info`` input), so a
        token made for one purpose says nothing about another.

        Raises:
            NotFound: ``key_id`` is not in the ring.
            InvalidInput: ``purpose`` is empty or ``length`` is not 16-64 bytes.

        Example:
            >>> ring = KeyRing.generate()
            >>> ring.derive("email") != ring.derive("customer-id")
            True
        """
        if not isinstance(purpose, str) or purpose == "":  # type: ignore[redundant-expr]
            raise InvalidInput("purpose must be a non-empty string")
        if not 16 <= length <= 64:
            raise InvalidInput(f"sub-key length must be 16-64 bytes, got {length}")
        material = self._material(self._active if key_id is None else key_id)
        hkdf = HKDF(
            algorithm=hashes.SHA256(),
            length=length,
            salt=None,
            info=_HKDF_LABEL + purpose.encode("utf-8"),
        )
        return hkdf.derive(material)

    def _material(self, key_id: str) -> bytes:
        try:
            return self._keys[key_id]
        except KeyError:
            raise NotFound(f"key id {key_id!r} is not in the key ring") from None

    # --- evolution --------------------------------------------------------------------------------

    def with_key(self, key_id: str, material: bytes, *, activate: bool = False) -> KeyRing:
        """Return a new ring with one more key (made active if ``activate``).

        Raises:
            KeyMaterialError: the key is shorter than 256 bits.
            InvalidInput: the id is malformed or already in the ring.

        Example:
            >>> ring = KeyRing.generate().with_key("k9", bytes(range(32)), activate=True)
            >>> ring.active_id
            'k9'
        """
        pairs = [*self._keys.items(), (key_id, material)]
        return KeyRing(pairs, active=key_id if activate else self._active)

    def rotate(self, *, key_id: str | None = None, size: int = MIN_KEY_BYTES) -> KeyRing:
        """Return a new ring with a fresh random key, made active; old keys stay for reading.

        The default id is ``k<n+1>`` for the smallest free ``n``.

        Raises:
            InvalidInput: ``key_id`` is malformed or already in the ring.

        Example:
            >>> KeyRing.generate().rotate().active_id
            'k2'
        """
        if key_id is None:
            n = len(self._keys) + 1
            while f"k{n}" in self._keys:
                n += 1
            key_id = f"k{n}"
        return self.with_key(key_id, secrets.token_bytes(size), activate=True)

    def without(self, key_id: str) -> KeyRing:
        """Return a new ring without ``key_id`` (retire a key after all its tokens rotated).

        Raises:
            NotFound: ``key_id`` is not in the ring.
            InvalidInput: ``key_id`` is the active key.

        Example:
            >>> KeyRing.generate().rotate().without("k1").ids
            ('k2',)
        """
        self._material(key_id)
        if key_id == self._active:
            raise InvalidInput(f"cannot remove the active key {key_id!r}; rotate first")
        return KeyRing([(k, v) for k, v in self._keys.items() if k != key_id], active=self._active)

    # --- no secret leaves through the object protocol ---------------------------------------

    def __repr__(self) -> str:
        return f"KeyRing(ids={self.ids!r}, active={self._active!r})"

    __str__ = __repr__

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("KeyRing is immutable; use with_key(), rotate() or without()")

    def __reduce_ex__(self, protocol: Any) -> NoReturn:
        raise InvalidType(
            "KeyRing cannot be pickled (it would copy secret keys); pass the ring itself, "
            "or load it in each process with KeyRing.from_env()/from_file()"
        )

    def __copy__(self) -> KeyRing:
        return self

    def __deepcopy__(self, memo: dict[int, object]) -> KeyRing:
        return self
