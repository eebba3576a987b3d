"""Every error gdprkit raises.

One root, :class:`GdprkitError`; every subclass also subclasses the builtin it resembles, so
``except ValueError`` in a host application keeps working.  Messages name the field and what was
expected, never the personal value itself (an e-mail, an address, a key).

Example:
    >>> from gdprkit.errors import GdprkitError, InvalidInput
    >>> try:
    ...     raise InvalidInput("retention period must be positive, got 0 days")
    ... except ValueError as exc:
    ...     isinstance(exc, GdprkitError)
    True
"""

from __future__ import annotations

__all__ = [
    "ChainBroken",
    "ConfigurationError",
    "ConsentCookieError",
    "ConsentCookieExpired",
    "ConsentCookieTampered",
    "ConsentCookieVersion",
    "ErasureIncomplete",
    "GdprkitError",
    "IntegrityError",
    "InvalidAddress",
    "InvalidConsent",
    "InvalidInput",
    "InvalidTransition",
    "InvalidType",
    "KeyMaterialError",
    "MissingDependency",
    "NaiveDatetimeError",
    "NotFound",
    "PackageFormatError",
    "PackageIntegrityError",
    "ParentalConsentRequired",
    "RegisterError",
    "SubjectForgotten",
    "UnknownField",
]


class GdprkitError(Exception):
    """Root of every error raised by gdprkit."""


class InvalidInput(GdprkitError, ValueError):
    """A value has the right type but is not acceptable (out of range, unknown name, bad form)."""


class InvalidType(GdprkitError, TypeError):
    """A value has the wrong type."""


class NaiveDatetimeError(InvalidInput):
    """A datetime without a time zone crossed the public API.

    gdprkit only accepts timezone-aware datetimes: a deadline computed from a naive one would
    silently depend on the machine's clock settings.
    """


class NotFound(GdprkitError, LookupError):
    """A named thing (purpose, key id, subject, dataset) does not exist where it was looked up."""


class IntegrityError(GdprkitError, ValueError):
    """Stored or received data fail verification: a broken hash chain, a bad checksum or tag."""


class InvalidTransition(GdprkitError, ValueError):
    """A lifecycle step is not allowed from the current state (e.g. extending a closed request)."""


class ConfigurationError(GdprkitError, ValueError):
    """Settings given to gdprkit (a key ring source, a store URL, a settings dict) are unusable."""


class MissingDependency(GdprkitError, ImportError):
    """An optional feature needs an extra that is not installed; the message names the extra."""


class RegisterError(InvalidInput):
    """A processing register (usually a TOML file) is malformed.

    The message names the file, the purpose and the key where the problem is, so a shop can fix
    it from a CI log alone.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        purpose: str | None = None,
        key: str | None = None,
    ) -> None:
        self.source = source
        self.purpose = purpose
        self.key = key
        where = []
        if source is not None:
            where.append(source)
        if purpose is not None:
            where.append(f"purpose {purpose!r}")
        if key is not None:
            where.append(f"key {key!r}")
        self.detail = message
        super().__init__(f"{': '.join(where)}: {message}" if where else message)


class InvalidAddress(InvalidInput):
    """Text that should be an IP address (optionally with port, zone or brackets) is not one.

    The message never contains the text itself: it may be a real client address.
    """


class KeyMaterialError(ConfigurationError):
    """Key material is unusable: too short, badly encoded, or a key ring document is malformed.

    The message names the key id or the setting, never the key bytes.
    """


class SubjectForgotten(NotFound):
    """A data subject's key was deleted (crypto-shredded), so their sealed values cannot be opened.

    Also raised when the key was never created in the store that was asked; the message names
    neither the subject nor the value.
    """


class UnknownField(InvalidInput):
    """A record holds a field that its policy does not mention (and the policy says "fail").

    Failing is the default so that a new column never leaks personal data silently.
    """

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(
            f"field {field!r} is not in the record policy: add an action for it "
            "(keep, drop, token, seal, mask, generalise) or choose unknown='drop'/'keep'"
        )


class InvalidConsent(InvalidInput):
    """A consent cannot be recorded as given: not a clear affirmative act, wrong purpose, bundled.

    Raised for pre-ticked boxes, silence, inactivity and scrolling (Recital 32 GDPR; EDPB
    Guidelines 05/2020 para. 86), for consent to a purpose whose legal basis is not consent, and
    for a second decision on the same purpose in one call.
    """


class ParentalConsentRequired(InvalidConsent):
    """A child's consent was recorded without the parental authorisation Art. 8(1) GDPR needs."""


class ChainBroken(IntegrityError):
    """A consent ledger's hash chain does not verify; ``position`` is the first bad event.

    ``position`` is the 1-based sequence number where verification failed and ``reason`` says
    what was found (an edited event, a missing, inserted or reordered one, a truncated tail).
    """

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"consent ledger broken at event {position}: {reason}")


class ConsentCookieError(InvalidInput):
    """A consent cookie value cannot be used; treat the visitor as not having decided yet."""


class ConsentCookieTampered(ConsentCookieError, IntegrityError):
    """A consent cookie's signature does not match (edited, forged, or signed with another key)."""


class ConsentCookieExpired(ConsentCookieError):
    """A consent cookie is older than the maximum age for keeping a choice: ask again."""


class ConsentCookieVersion(ConsentCookieError):
    """A consent cookie has an unknown format version or an unknown key id."""


class PackageIntegrityError(IntegrityError):
    """A portability package fails verification: a member's checksum, size or record count
    differs from its manifest, or a member is missing or unlisted.

    ``member`` names the ZIP member (e.g. ``data/orders.jsonl``), never its content.
    """

    def __init__(self, message: str, *, member: str) -> None:
        self.member = member
        super().__init__(f"{member}: {message}")


class PackageFormatError(PackageIntegrityError):
    """A file is not a portability package gdprkit could have written, so it is not read on.

    A member name the writer never produces (``../``, an absolute path, a backslash, a drive,
    a name outside ``manifest.json``, ``data/`` and ``files/``), a member that is not a
    regular file (a symbolic link, a directory), an encrypted member or an unknown
    compression method, a malformed manifest, or a decompressed size or compression ratio
    beyond the reader's limits (a decompression bomb).  ``gdprkit verify-package`` exits 2.
    """


class ErasureIncomplete(IntegrityError):
    """A deletion is committed but its old bytes could not yet be purged from disk.

    :meth:`gdprkit.pseudonymise.SubjectKeys.forget` raises it when SQLite cannot checkpoint
    and truncate its write-ahead log (another connection holds a read transaction), so the
    wrapped key may still be recoverable from the file: call ``forget()`` again later.
    """
