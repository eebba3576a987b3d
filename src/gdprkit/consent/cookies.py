"""Cookie consent: categories, a signed versioned cookie value, and recording it in a ledger.

Storing or reading information on a visitor's device needs consent, except what is strictly
necessary for the service the visitor asked for (ePrivacy Directive 2002/58/EC Art. 5(3)
[S206]); consent has the GDPR meaning (Art. 4(11), Art. 7).  The visitor's choice is kept in a
cookie whose value is signed (HMAC-SHA-256, truncated to 128 bits) under a key id, so it can be
trusted when read back, and carries a format version so the format can change later.

Cookie value (format 2): ``gdc2.<key id>.<payload>.<tag>`` where ``payload`` is the unpadded
base64url of ``<decided_at as Unix seconds>|<category bits>|<policy version>`` and ``tag`` the
unpadded base64url of the first 16 bytes of
``HMAC-SHA-256(key, "gdc2\n<audience>\n<key id>.<payload>")``.  The *audience* names the site
the cookie is for: it is signed, not sent, so two sites sharing a key ring refuse each other's
cookies.  About 60 characters; only cookie-safe characters (RFC 6265 ``cookie-octet``).
Format 1 cookies (``gdc1``, no audience) are refused as of an unknown version: the visitor is
asked again.

Example:
    >>> import datetime as dt
    >>> from gdprkit.consent.cookies import (CookieCategory, CookieConsent, encode_cookie,
    ...     parse_cookie, cookie_consent_or_none)
    >>> t = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.timezone.utc)
    >>> choice = CookieConsent(granted={"statistics"}, policy_version="2025-03", decided_at=t)
    >>> value = encode_cookie(choice, key=b"k" * 32, key_id="c1", audience="shop.example")
    >>> value.startswith("gdc2.c1.")
    True
    >>> back = parse_cookie(value, keys={"c1": b"k" * 32}, now=t, audience="shop.example")
    >>> back.allows(CookieCategory.STATISTICS), back.allows("marketing")
    (True, False)
    >>> cookie_consent_or_none(value, keys={"c1": b"k" * 32}, now=t, audience="blog.example")
    ... # another site sharing the key: no choice yet, show the banner
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import enum
import hmac
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from gdprkit._time import ensure_aware, utc_now
from gdprkit.consent._ledger import CNIL_CHOICE_MAX_AGE
from gdprkit.consent._values import Consent, Evidence
from gdprkit.errors import (
    ConsentCookieError,
    ConsentCookieExpired,
    ConsentCookieTampered,
    ConsentCookieVersion,
    InvalidInput,
    InvalidType,
    KeyMaterialError,
)
from gdprkit.register import Duration

if TYPE_CHECKING:
    from gdprkit.consent._ledger import ConsentLedger, LedgerEntry

__all__ = [
    "COOKIE_FORMAT",
    "CookieCategory",
    "CookieConsent",
    "cookie_consent_or_none",
    "encode_cookie",
    "parse_cookie",
    "record_cookie_consent",
]

#: Version prefix of the cookie value (2: signed for an audience).
COOKIE_FORMAT = "gdc2"
_OLD_FORMATS = frozenset({"gdc1"})
# A host name, optionally with a port, or any short site label: never a newline, which
# separates it from the rest of the signed text.
_AUDIENCE = re.compile(r"[A-Za-z0-9._:-]{1,253}")
_TAG_BYTES = 16  # 128-bit tag: forging one is a 2**-128 guess per try.
_KEY_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,15}")
_POLICY = re.compile(r"[A-Za-z0-9._-]{1,32}")
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_MIN_KEY_BYTES = 32


class CookieCategory(str, enum.Enum):
    """The cookie categories a banner offers.

    ``necessary`` cookies need no consent (ePrivacy Directive Art. 5(3), second sentence [S206]) and
    are always allowed; the others need an opt-in each.
    """

    STRICTLY_NECESSARY = "necessary"
    PREFERENCES = "preferences"
    STATISTICS = "statistics"
    MARKETING = "marketing"

    @property
    def bit(self) -> int:
        """The bit of this category in the cookie value."""
        return 1 << list(CookieCategory).index(self)


def _categories(values: object) -> frozenset[CookieCategory]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType("granted must be a set of cookie categories")
    try:
        chosen = {CookieCategory(v) for v in values}
    except ValueError:
        accepted = ", ".join(repr(c.value) for c in CookieCategory)
        raise InvalidInput(f"granted: unknown cookie category, expected {accepted}") from None
    # Strictly necessary storage is exempt from consent (Art. 5(3) ePrivacy): always on.
    chosen.add(CookieCategory.STRICTLY_NECESSARY)
    return frozenset(chosen)


def _policy(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _POLICY.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be 1-32 characters of letters, digits, '.', '_' or '-'"
        )


def _whole_second(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    moment = ensure_aware(value, attribute.name)
    if moment.microsecond:
        raise InvalidInput(f"{attribute.name} must be a whole second (the cookie keeps seconds)")


@attrs.frozen
class CookieConsent:
    """A visitor's cookie choice: the categories granted, under which policy, when.

    Raises:
        InvalidInput, InvalidType, NaiveDatetimeError: a field is malformed.

    Example:
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> CookieConsent.reject_all(policy_version="v2", decided_at=t).allows("necessary")
        True
    """

    granted: frozenset[CookieCategory] = attrs.field(converter=_categories)
    policy_version: str = attrs.field(validator=_policy)
    decided_at: dt.datetime = attrs.field(validator=_whole_second)

    @classmethod
    def accept_all(cls, *, policy_version: str, decided_at: dt.datetime) -> CookieConsent:
        """Every category granted."""
        return cls(frozenset(CookieCategory), policy_version, decided_at)

    @classmethod
    def reject_all(cls, *, policy_version: str, decided_at: dt.datetime) -> CookieConsent:
        """Only strictly necessary cookies (which need no consent)."""
        return cls(frozenset(), policy_version, decided_at)

    def allows(self, category: CookieCategory | str) -> bool:
        """Whether cookies of ``category`` may be set.

        Raises:
            InvalidInput: unknown category.
        """
        try:
            return CookieCategory(category) in self.granted
        except ValueError:
            raise InvalidInput("unknown cookie category") from None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form with a ``version``."""
        return {
            "version": 1,
            "granted": sorted(c.value for c in self.granted),
            "policy_version": self.policy_version,
            "decided_at": self.decided_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CookieConsent:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown version or malformed field.
        """
        if data.get("version") != 1:
            raise InvalidInput("cookie consent version must be 1")
        try:
            decided = dt.datetime.fromisoformat(data["decided_at"])
            return cls(data["granted"], data["policy_version"], decided)
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, InvalidInput):
                raise
            raise InvalidInput("cookie consent dict is malformed") from None


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise ConsentCookieError("consent cookie is malformed (bad encoding)")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ConsentCookieError("consent cookie is malformed (bad encoding)") from None


def _signing_key(keys: object, key_id: str) -> bytes:
    material: object
    if isinstance(keys, (bytes, bytearray)):
        material = bytes(keys)
    elif isinstance(keys, Mapping):
        if key_id not in keys:
            raise ConsentCookieVersion(f"consent cookie signed with unknown key id {key_id!r}")
        material = keys[key_id]
    elif callable(getattr(keys, "derive", None)):  # gdprkit.pseudonymise.KeyRing
        if key_id not in keys:  # type: ignore[operator]
            raise ConsentCookieVersion(f"consent cookie signed with unknown key id {key_id!r}")
        material = keys.derive("gdprkit.consent.cookie", key_id=key_id)  # type: ignore[attr-defined]
    else:
        raise InvalidType("keys must be bytes, a mapping of key id to bytes, or a KeyRing")
    if not isinstance(material, bytes) or len(material) < _MIN_KEY_BYTES:
        raise KeyMaterialError(f"cookie key {key_id!r} must be at least 32 bytes")
    return material


def _tag(key: bytes, audience: str, key_id: str, payload: str) -> str:
    signed = f"{COOKIE_FORMAT}\n{audience}\n{key_id}.{payload}"
    return _b64encode(hmac.digest(key, signed.encode("ascii"), "sha256")[:_TAG_BYTES])


def _audience(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or not _AUDIENCE.fullmatch(value):
        raise InvalidInput(
            "audience must be 1-253 characters of letters, digits, '.', '_', ':' or '-' "
            "(the site's host name)"
        )
    return value


def encode_cookie(
    consent: CookieConsent, *, key: bytes | Any, key_id: str, audience: str | None = None
) -> str:
    """Return the signed cookie value for ``consent``.

    ``key`` is at least 32 secret bytes, or a :class:`gdprkit.pseudonymise.KeyRing` (a sub-key
    of ``key_id`` is derived); ``key_id`` (1-16 of ``a-z0-9-``) names it so keys can rotate.
    ``audience`` names the site (its host name, e.g. ``"shop.example"``) and is signed into
    the value: :func:`parse_cookie` with another audience refuses it.  Give one whenever two
    sites could share keys.

    Raises:
        InvalidInput: bad ``key_id`` or ``audience``; KeyMaterialError: key shorter than 32
            bytes.

    Example:
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> c = CookieConsent.accept_all(policy_version="v1", decided_at=t)
        >>> encode_cookie(c, key=b"k" * 32, key_id="c1").count(".")
        3
    """
    if not isinstance(consent, CookieConsent):
        raise InvalidType("consent must be a CookieConsent")
    if not isinstance(key_id, str) or not _KEY_ID.fullmatch(key_id):  # type: ignore[redundant-expr]
        raise InvalidInput("key_id must be 1-16 characters of a-z, 0-9 and '-'")
    site = _audience(audience)
    material = _signing_key(key, key_id)
    bits = sum(c.bit for c in consent.granted)
    seconds = int(consent.decided_at.timestamp())
    payload = _b64encode(f"{seconds}|{bits}|{consent.policy_version}".encode("ascii"))
    return f"{COOKIE_FORMAT}.{key_id}.{payload}.{_tag(material, site, key_id, payload)}"


def parse_cookie(
    value: str,
    *,
    keys: Mapping[str, bytes] | bytes | Any,
    now: dt.datetime | None = None,
    max_age: Duration | str | None = CNIL_CHOICE_MAX_AGE,
    policy_version: str | None = None,
    audience: str | None = None,
) -> CookieConsent:
    """Check and decode a consent cookie value made for ``audience`` (this site).

    A cookie signed for another audience (a sibling site sharing the key ring) fails as
    tampered; an old ``gdc1`` cookie, which names no audience, as an unknown version.

    ``max_age`` defaults to 6 months, the CNIL's recommendation for keeping a choice
    (deliberation 2020-092 [S207]; not binding, read from secondary reports; pass your own or
    ``None``).  With ``policy_version``
    a choice made under another policy version counts as lapsed (ask again when the purposes,
    vendors or notice change).

    Raises:
        ConsentCookieVersion: unknown (or old) format version, or unknown key id.
        InvalidInput: ``audience`` is malformed (a programming error, not a bad cookie).
        ConsentCookieTampered: the signature does not match.
        ConsentCookieExpired: older than ``max_age`` or made under another policy version.
        ConsentCookieError: anything else malformed.

    Example:
        >>> import datetime as dt
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> v = encode_cookie(CookieConsent.reject_all(policy_version="v1", decided_at=t),
        ...                   key=b"k" * 32, key_id="c1")
        >>> parse_cookie(v, keys={"c1": b"k" * 32}, now=t + dt.timedelta(days=200))
        Traceback (most recent call last):
        ...
        gdprkit.errors.ConsentCookieExpired: consent cookie is older than 6 months: ask again
    """
    try:
        parts = value.strip().split(".")
    except AttributeError:
        raise ConsentCookieError("consent cookie must be a str") from None
    if len(parts) != 4:
        raise ConsentCookieError("consent cookie is malformed (expected 4 dot-separated parts)")
    version, key_id, payload, tag = parts
    site = _audience(audience)
    if version in _OLD_FORMATS:
        raise ConsentCookieVersion(
            f"consent cookie format {version} names no audience: ask again ({COOKIE_FORMAT})"
        )
    if version != COOKIE_FORMAT:
        raise ConsentCookieVersion(f"unknown consent cookie format; expected {COOKIE_FORMAT!r}")
    if not _KEY_ID.fullmatch(key_id):
        raise ConsentCookieError("consent cookie is malformed (bad key id)")
    material = _signing_key(keys, key_id)
    expected = _tag(material, site, key_id, payload)
    if not hmac.compare_digest(expected.encode("ascii"), tag.encode("ascii", "replace")):
        raise ConsentCookieTampered("consent cookie signature does not match")
    try:
        seconds_text, bits_text, policy = _b64decode(payload).decode("ascii").split("|")
        seconds, bits = int(seconds_text), int(bits_text)
        decided = dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
        granted = {c for c in CookieCategory if bits & c.bit}
        if bits >> len(CookieCategory):
            raise ValueError
        consent = CookieConsent(granted, policy, decided)
    except (ValueError, OverflowError, OSError, UnicodeDecodeError):
        raise ConsentCookieError("consent cookie payload is malformed") from None
    current = ensure_aware(utc_now() if now is None else now, "now")
    if consent.decided_at > current:
        raise ConsentCookieError("consent cookie was decided in the future (check the clock)")
    if max_age is not None:
        age = Duration.parse(max_age)
        if age.after(consent.decided_at) <= current:
            raise ConsentCookieExpired(f"consent cookie is older than {age}: ask again")
    if policy_version is not None and consent.policy_version != policy_version:
        raise ConsentCookieExpired("consent cookie was given under another policy version")
    return consent


def cookie_consent_or_none(
    value: str | None,
    *,
    keys: Mapping[str, bytes] | bytes | Any,
    now: dt.datetime | None = None,
    max_age: Duration | str | None = CNIL_CHOICE_MAX_AGE,
    policy_version: str | None = None,
    audience: str | None = None,
) -> CookieConsent | None:
    """Like :func:`parse_cookie`, but ``None`` ("no consent yet: show the banner") on any problem.

    For views: a missing, tampered, expired or outdated cookie all mean the visitor has not
    validly decided, so nothing but strictly necessary cookies may be set.

    Example:
        >>> cookie_consent_or_none("garbage", keys={"c1": b"k" * 32}) is None
        True
    """
    # A cookie value is ASCII (RFC 6265 §4.1.1): anything else (a sibling subdomain can set
    # it) is not a choice of ours, and must never become an error page.
    if not value or not value.isascii():
        return None
    try:
        return parse_cookie(
            value, keys=keys, now=now, max_age=max_age, policy_version=policy_version,
            audience=audience,
        )  # fmt: skip
    except (ConsentCookieError, UnicodeError):
        return None


def record_cookie_consent(
    ledger: ConsentLedger,
    subject: str,
    consent: CookieConsent,
    *,
    purposes: Mapping[CookieCategory | str, str],
    evidence: Evidence,
    now: dt.datetime | None = None,
) -> list[LedgerEntry]:
    """Record a logged-in visitor's cookie choice in ``ledger``, one decision per category.

    ``purposes`` maps each consent category to the register's purpose id (``{"statistics":
    "web_analytics", "marketing": "ad_retargeting"}``); strictly necessary cookies need no
    consent and are never recorded.  All decisions go in one transaction.

    Raises:
        InvalidInput: ``purposes`` maps the strictly necessary category; otherwise as for
            :meth:`~gdprkit.consent.ConsentLedger.record_many`.

    Example:
        >>> import datetime as dt
        >>> from gdprkit.consent import ConsentLedger, Evidence
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> ledger = ConsentLedger(key=b"k" * 32)
        >>> ev = Evidence(method="cookie_banner", notice_version="2025-03",
        ...     notice_sha256="0" * 64, locale="en", channel="web", collected_by="banner")
        >>> choice = CookieConsent(granted={"statistics"}, policy_version="2025-03", decided_at=t)
        >>> entries = record_cookie_consent(ledger, "c-1", choice, evidence=ev, now=t,
        ...     purposes={"statistics": "web_analytics", "marketing": "retargeting"})
        >>> [(e.event.purpose, e.event.kind.value) for e in entries]
        [('retargeting', 'refused'), ('web_analytics', 'given')]
    """
    decisions = []
    for category, purpose in sorted(purposes.items(), key=lambda kv: str(kv[1])):
        chosen = CookieCategory(category)
        if chosen is CookieCategory.STRICTLY_NECESSARY:
            raise InvalidInput("purposes: strictly necessary cookies need no consent to record")
        decisions.append(Consent(purpose, chosen in consent.granted, consent.decided_at, evidence))
    return ledger.record_many(subject, decisions, now=now)
