"""Key-ring sources in settings, read one way by every framework integration.

Django's ``GDPRKIT["KEYRING"]`` and Flask's ``GDPRKIT_KEYRING`` take the same values: a
:class:`~gdprkit.pseudonymise.KeyRing`, ``"env:NAME"`` or ``"file:/path/keys.json"``.  The
spelling is checked when the settings are parsed (:func:`check_keyring_source`); the ring is
loaded on first use (:func:`load_keyring_source`), so starting an app needs no secret.
"""

from __future__ import annotations

from gdprkit.errors import KeyMaterialError
from gdprkit.pseudonymise import KeyRing

__all__ = ["check_keyring_source", "load_keyring_source"]


def check_keyring_source(source: object, *, setting: str) -> str | KeyRing:
    """Return ``source`` when it is a ring or a well-formed ``env:``/``file:`` source.

    Raises:
        KeyMaterialError: any other value (the message names ``setting``, never the value).

    Example:
        >>> check_keyring_source("env:SHOP_KEYS", setting="GDPRKIT_KEYRING")
        'env:SHOP_KEYS'
        >>> check_keyring_source("vault:x", setting="GDPRKIT_KEYRING")
        Traceback (most recent call last):
        ...
        gdprkit.errors.KeyMaterialError: GDPRKIT_KEYRING must be 'env:<VARIABLE>', \
'file:<path>' or a KeyRing
    """
    if isinstance(source, KeyRing):
        return source
    if isinstance(source, str):
        kind, _, where = source.partition(":")
        if kind in {"env", "file"} and where:
            return source
    raise KeyMaterialError(f"{setting} must be 'env:<VARIABLE>', 'file:<path>' or a KeyRing")


def load_keyring_source(source: object, *, setting: str) -> KeyRing:
    """Load the ring ``source`` names (see :func:`check_keyring_source`).

    Raises:
        KeyMaterialError: a bad source, or the variable or file is missing or holds an invalid
            or weak ring.

    Example:
        >>> ring = KeyRing.generate()
        >>> load_keyring_source(ring, setting="GDPRKIT_KEYRING") is ring
        True
    """
    checked = check_keyring_source(source, setting=setting)
    if isinstance(checked, KeyRing):
        return checked
    kind, _, where = checked.partition(":")
    if kind == "env":
        return KeyRing.from_env(where)
    return KeyRing.from_file(where)
