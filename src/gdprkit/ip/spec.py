"""A picklable description of an IP masker: method, options and where its key is, never the key.

Masking on a cluster (Spark executors, Dask workers) needs the same masker in every process.  A
masker holds key material and cipher state, so it is not sent over the wire; a
:class:`MaskerSpec` is.  It names the method in the words of ``gdprkit ip mask --method``, the
options of that command (``--skip-reserved``, ``--keep-form``), *where* each process finds the
key (an environment variable or a file, holding the key as text exactly like ``--key-file``)
and the key's non-secret fingerprint.  Each process calls :meth:`MaskerSpec.build` once and gets
a masker that gives the same output as the command line for the same key: the fingerprint check
makes a process with a different key fail loudly instead of writing different pseudonyms.

Example:
    >>> from gdprkit.ip.spec import MaskerSpec
    >>> environ = {"SHOP_IP_KEY": "hex:" + "00" * 32}
    >>> spec = MaskerSpec("cryptopan", key_env="SHOP_IP_KEY").pinned(environ=environ)
    >>> spec.key_id is not None and "00" * 32 not in repr(spec)
    True
    >>> spec.build(environ=environ).apply("192.0.2.1") == spec.build(environ=environ).apply(
    ...     "192.0.2.1")
    True
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import attrs

from gdprkit.errors import InvalidInput, InvalidType, KeyMaterialError
from gdprkit.ip.cryptopan import CryptoPAnMasker
from gdprkit.ip.ipcrypt import IPCryptDeterministic, IPCryptPfx
from gdprkit.ip.keyed import KeyedTokenMasker, RedactionMasker
from gdprkit.ip.masking import INTERNAL_RANGES, IPMasker
from gdprkit.ip.truncate import TruncationMasker

__all__ = ["KEYED_METHODS", "KEYLESS_METHODS", "MaskerSpec", "parse_key_text"]

#: Truncation presets and redaction: the methods that take no key (``truncate-V4-V6`` too).
KEYLESS_METHODS: Final = ("ga", "matomo1", "matomo2", "matomo3", "anonip", "redact")
#: The keyed methods of ``gdprkit ip mask``; each needs ``key_env`` or ``key_file``.
KEYED_METHODS: Final = ("cryptopan", "ipcrypt-pfx", "ipcrypt-deterministic", "hmac")

_TRUNCATE: Final = re.compile(r"truncate-(\d{1,2})-(\d{1,3})")
_HEX: Final = re.compile(r"[0-9A-Fa-f]+")
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VERSION: Final = 1


def parse_key_text(text: str, *, source: str) -> bytes:
    """Decode a key written as text: hex or base64, optionally prefixed ``hex:`` or ``base64:``.

    The same rules as ``gdprkit ip mask --key-file``: whitespace is ignored; text made only of
    an even number of hex digits is hex; anything else is base64 (standard or URL-safe).
    ``source`` names where the text came from in error messages, which never quote the text.

    Raises:
        KeyMaterialError: the text is empty or neither hex nor base64.

    Example:
        >>> parse_key_text("hex:0001 0203", source="test")
        b'\\x00\\x01\\x02\\x03'
        >>> parse_key_text("AAECAw==", source="test")
        b'\\x00\\x01\\x02\\x03'
    """
    compact = "".join(text.split())
    kind = None
    for prefix in ("hex:", "base64:"):
        if compact.lower().startswith(prefix):
            kind, compact = prefix[:-1], compact[len(prefix) :]
    if not compact:
        raise KeyMaterialError(f"{source}: expected a key, found nothing")
    if kind == "hex" or (kind is None and _HEX.fullmatch(compact) and len(compact) % 2 == 0):
        try:
            return bytes.fromhex(compact)
        except ValueError:
            raise KeyMaterialError(f"{source}: expected hex digits") from None
    try:
        alphabet = b"-_" if ("-" in compact or "_" in compact) else None
        padded = compact + "=" * (-len(compact) % 4)
        return base64.b64decode(padded, altchars=alphabet, validate=True)
    except (binascii.Error, ValueError):
        raise KeyMaterialError(f"{source}: expected hex or base64 text") from None


def _known_method(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"method: expected str, got {type(value).__name__}")
    if value in KEYLESS_METHODS or value in KEYED_METHODS:
        return
    truncate = _TRUNCATE.fullmatch(value)
    if truncate and int(truncate.group(1)) <= 32 and int(truncate.group(2)) <= 128:
        return
    raise InvalidInput(
        f"method: expected one of {', '.join((*KEYLESS_METHODS, *KEYED_METHODS))} or "
        f"truncate-V4BITS-V6BITS, got {value!r}"
    )


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidType(f"{attribute.name}: expected a non-empty str or None")


def _flag(_instance: object, attribute: attrs.Attribute[bool], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidType(f"{attribute.name}: expected bool, got {type(value).__name__}")


@attrs.frozen
class MaskerSpec:
    """What to build in each process: method, options, key location and key fingerprint.

    ``method`` takes the values of ``gdprkit ip mask --method``.  A keyed method needs exactly
    one of ``key_env`` (the name of an environment variable holding the key text) or
    ``key_file`` (a path to a file holding it); keyless methods take neither.  ``key_id`` is the
    masker's non-secret key fingerprint (``masker.key_id``): :meth:`pinned` fills it in where
    the key is known, and :meth:`build` refuses a key with another fingerprint.  A spec holds
    no secret, so it pickles, prints and logs safely.

    Raises:
        InvalidInput: an unknown method, a key location for a keyless method, none (or both)
            for a keyed one, or a malformed environment variable name.
        InvalidType: an option of the wrong type.

    Example:
        >>> MaskerSpec("ga").build().apply("203.0.113.9")
        '203.0.113.0'
        >>> MaskerSpec("hmac")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidInput: method 'hmac' needs key_env or key_file
    """

    method: str = attrs.field(validator=_known_method)
    key_env: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    key_file: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    key_id: str | None = attrs.field(default=None, kw_only=True, validator=_optional_text)
    skip_reserved: bool = attrs.field(default=False, kw_only=True, validator=_flag)
    keep_form: bool = attrs.field(default=False, kw_only=True, validator=_flag)

    def __attrs_post_init__(self) -> None:
        located = (self.key_env is not None) + (self.key_file is not None)
        if self.keyed:
            if located != 1:
                raise InvalidInput(
                    f"method {self.method!r} needs key_env or key_file"
                    if not located
                    else f"method {self.method!r}: give key_env or key_file, not both"
                )
        elif located or self.key_id is not None:
            raise InvalidInput(f"method {self.method!r} takes no key; drop key_env/key_file")
        if self.key_env is not None and not _ENV_NAME.fullmatch(self.key_env):
            raise InvalidInput("key_env: expected an environment variable name")

    @property
    def keyed(self) -> bool:
        """Whether the method needs a key.

        Example:
            >>> MaskerSpec("ga").keyed, MaskerSpec("hmac", key_env="K").keyed
            (False, True)
        """
        return self.method in KEYED_METHODS

    def load_key(
        self,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> bytes | None:
        """Read the key from where the spec says it is (``None`` for keyless methods).

        ``environ`` defaults to :data:`os.environ`.  ``resolve_path`` maps ``key_file`` to a
        local path first (the Spark integration passes ``SparkFiles.get`` for relative names).

        Raises:
            KeyMaterialError: the variable is unset or empty, the file cannot be read, or the
                text is neither hex nor base64 (messages name the variable or file, never the
                key).

        Example:
            >>> spec = MaskerSpec("hmac", key_env="K")
            >>> len(spec.load_key(environ={"K": "00" * 16}))
            16
            >>> spec.load_key(environ={})
            Traceback (most recent call last):
            ...
            gdprkit.errors.KeyMaterialError: environment variable 'K' (key of method hmac) ...
        """
        if self.key_env is not None:
            env = os.environ if environ is None else environ
            text = env.get(self.key_env)
            if not text:
                raise KeyMaterialError(
                    f"environment variable {self.key_env!r} (key of method {self.method}) "
                    "is not set or empty"
                )
            return parse_key_text(text, source=f"environment variable {self.key_env!r}")
        if self.key_file is not None:
            path = resolve_path(self.key_file) if resolve_path is not None else self.key_file
            try:
                text = Path(path).read_text(encoding="ascii", errors="replace")
            except OSError as exc:
                raise KeyMaterialError(
                    f"cannot read key file {self.key_file!r} (key of method {self.method}): "
                    f"{exc.strerror}"
                ) from None
            return parse_key_text(text, source=f"key file {self.key_file!r}")
        return None

    def build(
        self,
        key: bytes | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> IPMasker:
        """Build the masker, exactly as ``gdprkit ip mask`` builds it for the same options.

        ``key`` defaults to :meth:`load_key`.  A masker is not cheap to build (cipher set-up,
        caches): build it once per process and reuse it.

        Raises:
            KeyMaterialError: the key cannot be loaded, or its fingerprint differs from
                ``key_id`` (this process has another key than the one the spec was pinned to).
            InvalidInput: the key has the wrong length for the method.

        Example:
            >>> MaskerSpec("matomo2").build().apply("2001:db8:85a3::8a2e:370:7334")
            '2001:db8:85a3::'
        """
        if self.keyed and key is None:
            key = self.load_key(environ=environ, resolve_path=resolve_path)
        masker = _build(
            self.method, key, skip_reserved=self.skip_reserved, keep_form=self.keep_form
        )
        if self.key_id is not None and masker.key_id != self.key_id:
            raise KeyMaterialError(
                f"the key of method {self.method} here has fingerprint {masker.key_id}, the spec "
                f"expects {self.key_id}: every process must use the same key"
            )
        return masker

    def pinned(
        self,
        key: bytes | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        resolve_path: Callable[[str], str] | None = None,
    ) -> MaskerSpec:
        """A copy with ``key_id`` set to the fingerprint of the key found here.

        Call it where the job is planned (the Spark driver, the Dask client): a missing or
        malformed key fails there, before any task runs, and every worker's key is then checked
        against the fingerprint.  Keyless specs are returned unchanged.

        Raises:
            KeyMaterialError: the key cannot be loaded, or differs from an existing ``key_id``.

        Example:
            >>> spec = MaskerSpec("hmac", key_env="K").pinned(environ={"K": "01" * 32})
            >>> spec.key_id == spec.build(environ={"K": "01" * 32}).key_id
            True
        """
        if not self.keyed:
            return self
        masker = self.build(key, environ=environ, resolve_path=resolve_path)
        return attrs.evolve(self, key_id=masker.key_id)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1); holds no secret.

        Example:
            >>> MaskerSpec.from_dict(MaskerSpec("ga").to_dict()) == MaskerSpec("ga")
            True
        """
        return {
            "version": _VERSION,
            "method": self.method,
            "key_env": self.key_env,
            "key_file": self.key_file,
            "key_id": self.key_id,
            "skip_reserved": self.skip_reserved,
            "keep_form": self.keep_form,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MaskerSpec:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: another version, a missing method, or invalid options.
        """
        if data.get("version") != _VERSION:
            raise InvalidInput(f"a masker spec must be a mapping with version {_VERSION}")
        if "method" not in data:
            raise InvalidInput("a masker spec needs a 'method'")
        return cls(
            data["method"],
            key_env=data.get("key_env"),
            key_file=data.get("key_file"),
            key_id=data.get("key_id"),
            skip_reserved=data.get("skip_reserved", False),
            keep_form=data.get("keep_form", False),
        )


def _build(method: str, key: bytes | None, *, skip_reserved: bool, keep_form: bool) -> IPMasker:
    """The masker for a validated method, with the options of ``gdprkit ip mask``."""
    skip = INTERNAL_RANGES if skip_reserved else frozenset()
    truncate = _TRUNCATE.fullmatch(method)
    if truncate:
        return TruncationMasker(
            ipv4_prefix=int(truncate.group(1)),
            ipv6_prefix=int(truncate.group(2)),
            keep_form=keep_form,
            skip=skip,
        )
    if method in KEYLESS_METHODS:
        if method == "redact":
            return RedactionMasker(keep_form=keep_form, skip=skip)
        return TruncationMasker.preset(method, keep_form=keep_form, skip=skip)
    if key is None:  # pragma: no cover - build() loads the key of keyed methods first
        raise KeyMaterialError(f"method {method} needs a key")
    if method == "cryptopan":
        return CryptoPAnMasker(key, keep_form=keep_form, skip=skip)
    if method == "ipcrypt-pfx":
        return IPCryptPfx(key, keep_form=keep_form, skip=skip)
    if method == "ipcrypt-deterministic":
        return IPCryptDeterministic(key, keep_form=keep_form, skip=skip)
    return KeyedTokenMasker(key, skip=skip)
