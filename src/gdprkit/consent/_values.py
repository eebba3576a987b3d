"""Consent decisions, the evidence that proves them, and the events a ledger records."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import ipaddress
import re
from collections.abc import Mapping
from typing import Any

import attrs

from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidConsent, InvalidInput, InvalidType

__all__ = [
    "EVENT_FORMAT_VERSION",
    "Consent",
    "ConsentEvent",
    "EventKind",
    "Evidence",
    "Method",
    "ObjectionGround",
    "ParentalAuthorisation",
    "notice_digest",
]

#: Version marker written into every stored event body (STYLE.md: every serialised format).
EVENT_FORMAT_VERSION = 1

_HEX64 = re.compile(r"[0-9a-f]{64}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
_PURPOSE = re.compile(r"[a-z][a-z0-9_\-]{0,63}")

# Ways of "agreeing" that are not a clear affirmative act. Recital 32 GDPR: "Silence, pre-ticked
# boxes or inactivity should not ... constitute consent" (GDPR [S1]); EDPB Guidelines 05/2020
# para. 86 [S205]: scrolling or swiping "will not under any circumstances" satisfy it; a cookie
# wall's "accept"-only button is not valid consent (paras 38-41 [S205]).  Both passages as
# quoted by secondary reports of the guidelines (not re-read in the EDPB's own text).
_NOT_CONSENT = {
    "pre_ticked": "a pre-ticked box is not a clear affirmative act (Recital 32 GDPR)",
    "pre_ticked_box": "a pre-ticked box is not a clear affirmative act (Recital 32 GDPR)",
    "preticked": "a pre-ticked box is not a clear affirmative act (Recital 32 GDPR)",
    "silence": "silence is not consent (Recital 32 GDPR)",
    "inactivity": "inactivity is not consent (Recital 32 GDPR)",
    "scrolling": "scrolling is not a clear affirmative act (EDPB Guidelines 05/2020 para. 86)",
    "swiping": "swiping is not a clear affirmative act (EDPB Guidelines 05/2020 para. 86)",
    "continued_browsing": (
        "continuing to browse is not a clear affirmative act (EDPB Guidelines 05/2020 para. 86)"
    ),
    "cookie_wall": (
        "an accept-only cookie wall is not freely given consent (EDPB Guidelines 05/2020 "
        "paras. 38-41)"
    ),
}


def notice_digest(text: str) -> str:
    """Return the SHA-256 (hex) of the exact notice text shown, encoded as UTF-8.

    Keep the text itself in your notice archive under its version; the ledger stores only this
    digest, which proves which text a subject saw (EDPB Guidelines 05/2020 section 5.1 [S205]).

    Raises:
        InvalidType: ``text`` is not a string.

    Example:
        >>> notice_digest("abc")  # the FIPS 180-2 test vector for SHA-256
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    if not isinstance(text, str):
        raise InvalidType(f"notice text must be a str, got {type(text).__name__}")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Method(str, enum.Enum):
    """How a decision was expressed: only clear affirmative acts (Art. 4(11), Recital 32).

    Pre-ticked boxes, silence, inactivity and scrolling are deliberately *not* members:
    :meth:`parse` refuses them with :class:`~gdprkit.errors.InvalidConsent`, citing Recital 32
    GDPR and EDPB Guidelines 05/2020 para. 86 [S205].

    Example:
        >>> Method.parse("double_opt_in")
        <Method.DOUBLE_OPT_IN: 'double_opt_in'>
        >>> Method.parse("pre_ticked_box")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidConsent: method: a pre-ticked box is not a clear affirmative act (Recital 32 GDPR)
    """  # noqa: E501

    CHECKBOX = "checkbox"
    DOUBLE_OPT_IN = "double_opt_in"
    COOKIE_BANNER = "cookie_banner"
    ACCOUNT_SETTINGS = "account_settings"
    STAFF_PHONE = "staff_phone"
    STAFF_PAPER = "staff_paper"
    API = "api"

    @classmethod
    def parse(cls, value: object) -> Method:
        """Return the member for ``value``; refuse the ways that are not consent.

        Raises:
            InvalidConsent: ``value`` names a pre-ticked box, silence, inactivity, scrolling or
                a cookie wall.
            InvalidInput: ``value`` is not a known method.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip().lower().replace("-", "_").replace(" ", "_")
            if text in _NOT_CONSENT:
                raise InvalidConsent(f"method: {_NOT_CONSENT[text]}")
            for member in cls:
                if member.value == text:
                    return member
        accepted = ", ".join(repr(m.value) for m in cls)
        raise InvalidInput(f"method must be one of {accepted}")


class EventKind(str, enum.Enum):
    """What a ledger event records.

    ``given``/``refused``: a decision (Art. 4(11)); ``withdrawn``: Art. 7(3); ``objected``: an
    objection under Art. 21; ``expired``: the shop marks a decision as lapsed (refresh interval
    reached, notice changed); ``renewed``: the subject confirms an existing consent again
    (EDPB Guidelines 05/2020 section 5.1 [S205]: refresh "at appropriate intervals").
    """

    GIVEN = "given"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"
    OBJECTED = "objected"
    EXPIRED = "expired"
    RENEWED = "renewed"


class ObjectionGround(str, enum.Enum):
    """The paragraph of Art. 21 GDPR an objection rests on (Art. 21(1)-(3) and (6) GDPR [S1]).

    ``21(1)``: processing on Art. 6(1)(e) or (f); the controller may go on only if it shows
    compelling legitimate grounds (decided out of band, not by the ledger).  ``21(2)``/``21(3)``:
    direct marketing, an absolute right.  ``21(6)``: research or statistics (Art. 89(1)).
    """

    GENERAL = "21(1)"
    DIRECT_MARKETING = "21(2)"
    RESEARCH = "21(6)"


def _method(value: object) -> Method:
    return Method.parse(value)


def _aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    ensure_aware(value, attribute.name)


def _optional_aware(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        ensure_aware(value, attribute.name)


def _text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a str, got {type(value).__name__}")
    if not value.strip() or len(value) > 200:
        raise InvalidInput(f"{attribute.name} must be 1-200 characters of text")


def _bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidType(f"{attribute.name} must be a bool, got {type(value).__name__}")


def _optional_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a str, got {type(value).__name__}")


def _optional_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        _text(_instance, attribute, value)


def _hex_digest(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _HEX64.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be the lower-case hex SHA-256 of the notice text "
            "(use gdprkit.consent.notice_digest(text))"
        )


def _locale(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _LOCALE.fullmatch(value):
        raise InvalidInput(f"{attribute.name} must be a BCP 47 language tag such as 'de-AT'")


def _masked_ip(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    # Only a masked address may be kept as evidence: IPv4 with the last octet zeroed, IPv6 with
    # the last 80 bits zeroed (/48), the truncation of Google's "IP masking" (Google Analytics Help,
    # "[UA] IP masking in Universal Analytics", https://support.google.com/analytics/answer/2763052).
    # EDPB Guidelines 05/2020 paras 104-106 [S205]: proving consent should not itself lead to
    # excessive processing.
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a str, got {type(value).__name__}")
    try:
        address = ipaddress.ip_address(value.split("/")[0])
    except ValueError:
        raise InvalidInput(f"{attribute.name} must be a masked IP address") from None
    host_bits = 8 if address.version == 4 else 80
    if int(address) & ((1 << host_bits) - 1):
        raise InvalidInput(
            f"{attribute.name} must be masked (IPv4: last octet 0; IPv6: last 80 bits 0); "
            "mask it with gdprkit.ip before recording"
        )


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _from_iso(value: object, name: str) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidType(f"{name} must be an ISO 8601 string")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 date and time with offset") from None
    return ensure_aware(parsed, name)


def _require(data: Mapping[str, Any], name: str) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidType(f"expected a mapping, got {type(data).__name__}")
    try:
        return data[name]
    except KeyError:
        raise InvalidInput(f"field {name!r} is missing") from None


@attrs.frozen
class ParentalAuthorisation:
    """Proof that a holder of parental responsibility gave or authorised a child's consent.

    Art. 8(1) GDPR; the controller makes "reasonable efforts to verify" it, "taking into
    consideration available technology" (Art. 8(2) GDPR [S1]).  ``method`` says how
    (``"email_confirmation"``, ``"signed_form"``, ``"card_check"``); ``reference`` is the shop's
    own (pseudonymous) reference to the parent's confirmation, never shown in reprs.

    Raises:
        InvalidType, NaiveDatetimeError, InvalidInput: a field is missing or malformed.

    Example:
        >>> import datetime as dt
        >>> p = ParentalAuthorisation(method="email_confirmation",
        ...     at=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), reference="conf-88")
        >>> p
        ParentalAuthorisation(method='email_confirmation', at=datetime.datetime(2025, 3, 1, 0, 0, tzinfo=datetime.timezone.utc))
    """  # noqa: E501

    method: str = attrs.field(validator=_text)
    at: dt.datetime = attrs.field(validator=_aware)
    reference: str | None = attrs.field(default=None, validator=_optional_text, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form; :meth:`from_dict` reads it back."""
        return {"method": self.method, "at": _iso(self.at), "reference": self.reference}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ParentalAuthorisation:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput, InvalidType: a field is missing or malformed.
        """
        return cls(
            method=_require(data, "method"),
            at=_from_iso(_require(data, "at"), "at"),  # type: ignore[arg-type]
            reference=data.get("reference"),
        )


def _parental(value: object) -> ParentalAuthorisation | None:
    if value is None or isinstance(value, ParentalAuthorisation):
        return value
    if isinstance(value, Mapping):
        return ParentalAuthorisation.from_dict(value)
    raise InvalidType("parental_authorisation must be a ParentalAuthorisation")


@attrs.frozen
class Evidence:
    """How, when and on what information a decision was obtained (Art. 7(1); EDPB 05/2020 §5.1).

    The fields follow the EDPB's "who, when, what information, how" list (Guidelines 05/2020 section 5.1 [S205]):
    ``method``; the ``notice_version`` and the SHA-256 of the exact text shown
    (:func:`notice_digest`); ``locale`` and ``channel`` (``"web"``, ``"email"``, ``"app"``,
    ``"phone"``, ``"paper"``); ``collected_by`` (the system or staff id that recorded it);
    ``confirmed_at`` for a double opt-in (required then); an optional *masked* ``ip`` and a
    ``user_agent`` (never in reprs); ``parental_authorisation`` for a child (Art. 8).

    Raises:
        InvalidConsent: the method is not a clear affirmative act (pre-ticked box, silence,
            scrolling, cookie wall), or a double opt-in has no confirmation time.
        InvalidInput, InvalidType, NaiveDatetimeError: a field is malformed.

    Example:
        >>> ev = Evidence(method="checkbox", notice_version="2025-03",
        ...               notice_sha256=notice_digest("Send me the newsletter"),
        ...               locale="de-AT", channel="web", collected_by="checkout",
        ...               ip="203.0.113.0")
        >>> ev.method.value, "203.0.113.0" in repr(ev)
        ('checkbox', False)
        >>> Evidence(method="scrolling", notice_version="1", notice_sha256=ev.notice_sha256,
        ...          locale="en", channel="web", collected_by="banner")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidConsent: method: scrolling is not a clear affirmative act (EDPB Guidelines 05/2020 para. 86)
    """  # noqa: E501

    method: Method = attrs.field(converter=_method)
    notice_version: str = attrs.field(validator=_text)
    notice_sha256: str = attrs.field(validator=_hex_digest)
    locale: str = attrs.field(validator=_locale)
    channel: str = attrs.field(validator=_text)
    collected_by: str = attrs.field(validator=_text)
    confirmed_at: dt.datetime | None = attrs.field(
        default=None, validator=_optional_aware, kw_only=True
    )
    ip: str | None = attrs.field(default=None, validator=_masked_ip, repr=False, kw_only=True)
    user_agent: str | None = attrs.field(
        default=None,
        validator=_optional_str,
        repr=False,
        kw_only=True,
    )
    parental_authorisation: ParentalAuthorisation | None = attrs.field(
        default=None, converter=_parental, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if self.method is Method.DOUBLE_OPT_IN and self.confirmed_at is None:
            raise InvalidConsent(
                "confirmed_at: a double opt-in needs the time the subject confirmed it"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form; :meth:`from_dict` reads it back."""
        return {
            "method": self.method.value,
            "notice_version": self.notice_version,
            "notice_sha256": self.notice_sha256,
            "locale": self.locale,
            "channel": self.channel,
            "collected_by": self.collected_by,
            "confirmed_at": _iso(self.confirmed_at),
            "ip": self.ip,
            "user_agent": self.user_agent,
            "parental_authorisation": (
                None
                if self.parental_authorisation is None
                else self.parental_authorisation.to_dict()
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Evidence:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput, InvalidType, InvalidConsent: a field is missing or malformed.
        """
        return cls(
            method=_require(data, "method"),
            notice_version=_require(data, "notice_version"),
            notice_sha256=_require(data, "notice_sha256"),
            locale=_require(data, "locale"),
            channel=_require(data, "channel"),
            collected_by=_require(data, "collected_by"),
            confirmed_at=_from_iso(data.get("confirmed_at"), "confirmed_at"),
            ip=data.get("ip"),
            user_agent=data.get("user_agent"),
            parental_authorisation=data.get("parental_authorisation"),
        )


def _purpose_id(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not _PURPOSE.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be a purpose id (lower-case letters, digits, '_' or '-')"
        )


def _evidence(value: object) -> Evidence:
    if isinstance(value, Evidence):
        return value
    if isinstance(value, Mapping):
        return Evidence.from_dict(value)
    raise InvalidType(f"evidence must be an Evidence, got {type(value).__name__}")


@attrs.frozen
class Consent:
    """One subject's decision on one purpose: granted or refused, when, until when, and how.

    One value per purpose, so a bundled "I agree to everything" cannot be recorded as one
    decision (Recital 43 GDPR; EDPB Guidelines 05/2020 paras 42-45 [S205]).  ``expires_at`` is
    optional; a ledger fills it from the purpose's maximum age when it is absent.

    Raises:
        InvalidInput, InvalidType, NaiveDatetimeError, InvalidConsent: a field is malformed,
            or ``expires_at`` is not after ``at``.

    Example:
        >>> import datetime as dt
        >>> ev = Evidence(method="checkbox", notice_version="v3", notice_sha256="0" * 64,
        ...               locale="en", channel="web", collected_by="checkout")
        >>> c = Consent(purpose="newsletter", granted=True,
        ...             at=dt.datetime(2025, 1, 2, 10, 0, tzinfo=dt.timezone.utc), evidence=ev)
        >>> c.granted, c.expires_at
        (True, None)
    """

    purpose: str = attrs.field(validator=_purpose_id)
    granted: bool = attrs.field(validator=_bool)
    at: dt.datetime = attrs.field(validator=_aware)
    evidence: Evidence = attrs.field(converter=_evidence)
    expires_at: dt.datetime | None = attrs.field(
        default=None, validator=_optional_aware, kw_only=True
    )

    def __attrs_post_init__(self) -> None:
        if self.expires_at is not None and self.expires_at <= self.at:
            raise InvalidInput("expires_at must be after at")

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (with a ``version``); :meth:`from_dict` reads it back."""
        return {
            "version": EVENT_FORMAT_VERSION,
            "purpose": self.purpose,
            "granted": self.granted,
            "at": _iso(self.at),
            "expires_at": _iso(self.expires_at),
            "evidence": self.evidence.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Consent:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown ``version`` or a malformed field.
        """
        if _require(data, "version") != EVENT_FORMAT_VERSION:
            raise InvalidInput(f"consent version must be {EVENT_FORMAT_VERSION}")
        return cls(
            purpose=_require(data, "purpose"),
            granted=_require(data, "granted"),
            at=_from_iso(_require(data, "at"), "at"),  # type: ignore[arg-type]
            evidence=_require(data, "evidence"),
            expires_at=_from_iso(data.get("expires_at"), "expires_at"),
        )


def _optional_evidence(value: object) -> Evidence | None:
    return None if value is None else _evidence(value)


def _optional_ground(value: object) -> ObjectionGround | None:
    return None if value is None else ObjectionGround(value)


@attrs.frozen
class ConsentEvent:
    """One entry of a consent ledger, without its subject (stored as a pseudonym beside it).

    Raises:
        InvalidInput, InvalidType, NaiveDatetimeError: a field is malformed, or a ``given``,
            ``refused`` or ``renewed`` event has no evidence.

    Example:
        >>> import datetime as dt
        >>> e = ConsentEvent(kind="withdrawn", purpose="newsletter",
        ...                  at=dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc))
        >>> ConsentEvent.from_dict(e.to_dict()) == e
        True
    """

    kind: EventKind = attrs.field(converter=EventKind)
    purpose: str = attrs.field(validator=_purpose_id)
    at: dt.datetime = attrs.field(validator=_aware)
    expires_at: dt.datetime | None = attrs.field(
        default=None, validator=_optional_aware, kw_only=True
    )
    evidence: Evidence | None = attrs.field(
        default=None, converter=_optional_evidence, kw_only=True
    )
    ground: ObjectionGround | None = attrs.field(
        default=None, converter=_optional_ground, kw_only=True
    )
    reason: str | None = attrs.field(default=None, validator=_optional_text, kw_only=True)

    def __attrs_post_init__(self) -> None:
        decision = (EventKind.GIVEN, EventKind.REFUSED, EventKind.RENEWED)
        if self.kind in decision and self.evidence is None:
            raise InvalidInput(f"a {self.kind.value!r} event needs evidence (Art. 7(1))")
        if self.expires_at is not None and self.expires_at <= self.at:
            raise InvalidInput("expires_at must be after at")

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form with a ``v`` version marker; hashed into the ledger chain."""
        return {
            "v": EVENT_FORMAT_VERSION,
            "kind": self.kind.value,
            "purpose": self.purpose,
            "at": _iso(self.at),
            "expires_at": _iso(self.expires_at),
            "evidence": None if self.evidence is None else self.evidence.to_dict(),
            "ground": None if self.ground is None else self.ground.value,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ConsentEvent:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: unknown version ``v`` or a malformed field.
        """
        if _require(data, "v") != EVENT_FORMAT_VERSION:
            raise InvalidInput(f"consent event version must be {EVENT_FORMAT_VERSION}")
        return cls(
            kind=_require(data, "kind"),
            purpose=_require(data, "purpose"),
            at=_from_iso(_require(data, "at"), "at"),  # type: ignore[arg-type]
            expires_at=_from_iso(data.get("expires_at"), "expires_at"),
            evidence=data.get("evidence"),
            ground=data.get("ground"),
            reason=data.get("reason"),
        )
