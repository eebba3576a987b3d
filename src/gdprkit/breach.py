"""Personal data breaches: the 72-hour clock (Art. 33(1)) and the Art. 33(3) content checklist.

Every breach must be documented, notified or not (Art. 33(5)); a :class:`BreachRecord` is that
documentation as a value.  It lives beside :mod:`gdprkit.requests` rather than inside it: a
breach is not a data subject's request, but it runs on the same period arithmetic
(:func:`gdprkit.law.periods.breach_notification_deadline`).

Example:
    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> from gdprkit.breach import BreachRecord
    >>> friday = dt.datetime(2025, 3, 7, 16, 30, tzinfo=ZoneInfo("Europe/Sofia"))
    >>> breach = BreachRecord("b-1", aware_at=friday, nature="misdirected e-mail")
    >>> breach.deadline.strftime("%a %d %b %H:%M")  # from 17:00, 72 hours, no weekend roll
    'Mon 10 Mar 17:00'
    >>> sorted({item.article for item in breach.missing()})
    ['Art. 33(3)(a)', 'Art. 33(3)(b)', 'Art. 33(3)(c)', 'Art. 33(3)(d)']
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from typing import Any

import attrs

from gdprkit._dicts import attrs_kwargs
from gdprkit._time import attach_zone, ensure_aware, ensure_zone, parse_aware, utc_now, zone_name
from gdprkit.errors import InvalidInput, InvalidTransition, InvalidType
from gdprkit.law.periods import breach_notification_deadline

__all__ = ["BreachContent", "BreachRecord", "BreachRisk"]

_VERSION = 1


class BreachRisk(str, enum.Enum):
    """The controller's assessment of the risk to people's rights and freedoms."""

    UNLIKELY = "unlikely"
    """Art. 33(1): no notification needed; document why (accountability, Recital 85)."""
    RISK = "risk"
    """Notify the supervisory authority (Art. 33(1))."""
    HIGH = "high"
    """Also tell the data subjects without undue delay (Art. 34(1)), unless Art. 34(3) applies."""


class BreachContent(str, enum.Enum):
    """The minimum content of a notification (Art. 33(3) GDPR [S1]).

    Example:
        >>> BreachContent.CONTACT.article
        'Art. 33(3)(b)'
    """

    NATURE = "nature"
    SUBJECT_CATEGORIES = "subject_categories"
    APPROX_SUBJECTS = "approx_subjects"
    RECORD_CATEGORIES = "record_categories"
    APPROX_RECORDS = "approx_records"
    CONTACT = "contact"
    CONSEQUENCES = "consequences"
    MEASURES = "measures"

    @property
    def article(self) -> str:
        """The point of Art. 33(3) that asks for this item."""
        return _ARTICLES[self]

    @property
    def label(self) -> str:
        """What the item is, in the words of Art. 33(3)."""
        return _LABELS[self]


_ARTICLES = {
    BreachContent.NATURE: "Art. 33(3)(a)",
    BreachContent.SUBJECT_CATEGORIES: "Art. 33(3)(a)",
    BreachContent.APPROX_SUBJECTS: "Art. 33(3)(a)",
    BreachContent.RECORD_CATEGORIES: "Art. 33(3)(a)",
    BreachContent.APPROX_RECORDS: "Art. 33(3)(a)",
    BreachContent.CONTACT: "Art. 33(3)(b)",
    BreachContent.CONSEQUENCES: "Art. 33(3)(c)",
    BreachContent.MEASURES: "Art. 33(3)(d)",
}
_LABELS = {
    BreachContent.NATURE: "the nature of the breach",
    BreachContent.SUBJECT_CATEGORIES: "categories of data subjects concerned (where possible)",
    BreachContent.APPROX_SUBJECTS: "approximate number of data subjects (where possible)",
    BreachContent.RECORD_CATEGORIES: "categories of personal data records (where possible)",
    BreachContent.APPROX_RECORDS: "approximate number of personal data records (where possible)",
    BreachContent.CONTACT: "name and contact details of the DPO or other contact point",
    BreachContent.CONSEQUENCES: "the likely consequences of the breach",
    BreachContent.MEASURES: "measures taken or proposed, including mitigation",
}


def _risk(value: object) -> BreachRisk:
    try:
        return BreachRisk(value)
    except ValueError:
        raise InvalidInput("risk must be 'unlikely', 'risk' or 'high'") from None


def _aware(value: object) -> dt.datetime:
    return parse_aware(value, "breach time")


def _optional_aware(value: object) -> dt.datetime | None:
    return None if value is None else _aware(value)


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise InvalidInput(f"{attribute.name} must be a non-empty string or None")


def _text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{attribute.name} must be a non-empty string")


def _optional_count(
    _instance: object, attribute: attrs.Attribute[int | None], value: object
) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{attribute.name} must be an int or None")
    if value < 0:
        raise InvalidInput(f"{attribute.name} must not be negative")


def _optional_names(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidType("categories must be a list of strings")
    names = tuple(value)
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise InvalidInput("categories must be a non-empty list of non-empty strings")
    return names


@attrs.frozen
class BreachRecord:
    """The documentation of one personal data breach (Art. 33(5)) and its notification clock.

    ``aware_at`` is when the controller became aware: the 72 hours of Art. 33(1) start at the
    beginning of the next clock hour (Reg. 1182/71 Art. 3(1) first subparagraph, 3(2)(a); see
    :func:`gdprkit.law.periods.breach_notification_deadline`).  ``zone`` is the controller's
    time zone (the register's ``controller.time_zone``): it decides the clock hour, and
    ``aware_at`` and :attr:`deadline` are shown in it; without it the zone of ``aware_at`` is
    used.  The other fields are the Art. 33(3) content, which may be given in phases (Art.
    33(4)); :meth:`missing` says what is still to come.  A notification later than the 72 hours
    must give the reasons for the delay (Art. 33(1)).

    Raises:
        InvalidInput: an empty id or text field, a negative count, ``notified_at`` before
            ``aware_at``, or a late notification without ``delay_reason``.
        NaiveDatetimeError: a naive time.

    Example:
        >>> import datetime as dt
        >>> utc = dt.timezone.utc
        >>> b = BreachRecord("b-2", aware_at=dt.datetime(2025, 5, 2, 9, tzinfo=utc))
        >>> b.deadline.isoformat()  # the hour 09:00-10:00 is not counted
        '2025-05-05T10:00:00+00:00'
        >>> b.is_overdue(dt.datetime(2025, 5, 5, 10, 0, 1, tzinfo=utc))
        True
    """

    id: str = attrs.field(validator=_text)
    aware_at: dt.datetime = attrs.field(converter=_aware)
    nature: str | None = attrs.field(default=None, validator=_optional_text)
    subject_categories: tuple[str, ...] | None = attrs.field(
        default=None, converter=_optional_names
    )
    approx_subjects: int | None = attrs.field(default=None, validator=_optional_count)
    record_categories: tuple[str, ...] | None = attrs.field(default=None, converter=_optional_names)
    approx_records: int | None = attrs.field(default=None, validator=_optional_count)
    contact: str | None = attrs.field(default=None, validator=_optional_text)
    consequences: str | None = attrs.field(default=None, validator=_optional_text)
    measures: str | None = attrs.field(default=None, validator=_optional_text)
    risk: BreachRisk = attrs.field(default=BreachRisk.RISK, converter=_risk)
    notified_at: dt.datetime | None = attrs.field(default=None, converter=_optional_aware)
    delay_reason: str | None = attrs.field(default=None, validator=_optional_text)
    zone: dt.tzinfo | None = attrs.field(default=None, converter=ensure_zone, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.zone is not None:
            # Shown in the controller's zone; the instant is unchanged.
            object.__setattr__(self, "aware_at", self.aware_at.astimezone(self.zone))
        if self.notified_at is not None:
            if self.notified_at < self.aware_at:
                raise InvalidInput("notified_at must not be before aware_at")
            if self.notified_at > self.deadline and self.delay_reason is None:
                raise InvalidInput(
                    "delay_reason is required for a notification after the 72 hours (Art. 33(1))"
                )

    @property
    def deadline(self) -> dt.datetime:
        """The end of the 72 hours counted from the next clock hour (Art. 33(1), Reg. 1182/71
        Art. 3(1), 3(2)(a)); real hours, no weekend roll."""
        return breach_notification_deadline(self.aware_at, zone=self.zone)

    @property
    def needs_notification(self) -> bool:
        """Whether the supervisory authority must be notified (risk not unlikely, Art. 33(1))."""
        return self.risk is not BreachRisk.UNLIKELY

    @property
    def needs_subject_notice(self) -> bool:
        """Whether the data subjects must be told (high risk, Art. 34(1); see 34(3))."""
        return self.risk is BreachRisk.HIGH

    def missing(self) -> tuple[BreachContent, ...]:
        """The Art. 33(3) items not yet given, in the order of the article."""
        values = {
            BreachContent.NATURE: self.nature,
            BreachContent.SUBJECT_CATEGORIES: self.subject_categories,
            BreachContent.APPROX_SUBJECTS: self.approx_subjects,
            BreachContent.RECORD_CATEGORIES: self.record_categories,
            BreachContent.APPROX_RECORDS: self.approx_records,
            BreachContent.CONTACT: self.contact,
            BreachContent.CONSEQUENCES: self.consequences,
            BreachContent.MEASURES: self.measures,
        }
        return tuple(item for item, value in values.items() if value is None)

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """Whether a needed notification has not been made and the 72 hours have passed.

        Raises:
            NaiveDatetimeError: ``now`` is naive.
        """
        now = utc_now() if now is None else ensure_aware(now, "now")
        return self.needs_notification and self.notified_at is None and now > self.deadline

    def notify(self, at: dt.datetime, *, delay_reason: str | None = None) -> BreachRecord:
        """The record with the notification to the authority made at ``at``.

        Raises:
            InvalidTransition: already notified, or the risk was assessed as unlikely.
            InvalidInput: later than 72 hours without ``delay_reason`` (Art. 33(1)).
        """
        if self.notified_at is not None:
            raise InvalidTransition("notify: the breach was already notified")
        if not self.needs_notification:
            raise InvalidTransition(
                "notify: the risk is assessed as unlikely; change the assessment first"
            )
        return attrs.evolve(self, notified_at=at, delay_reason=delay_reason)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form (``version`` 1)."""
        data: dict[str, Any] = {"version": _VERSION}
        for field in attrs.fields(BreachRecord):
            if field.name == "zone":
                continue
            value = getattr(self, field.name)
            if isinstance(value, dt.datetime):
                value = value.isoformat()
            elif isinstance(value, enum.Enum):
                value = value.value
            elif isinstance(value, tuple):
                value = list(value)
            data[field.name] = value
        # The zone name keeps the deadline in the shop's zone after a round trip.
        data["zone"] = getattr(self.aware_at.tzinfo, "key", None)
        if self.zone is not None:
            data["controller_zone"] = zone_name(self.zone)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BreachRecord:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: an unknown version or key, or an invalid value.
        """
        data = dict(data)
        if data.pop("version", None) != _VERSION:
            raise InvalidInput(f"unsupported breach record version (expected {_VERSION})")
        zone = data.pop("zone", None)
        if zone is not None and "aware_at" in data:
            data["aware_at"] = attach_zone(_aware(data["aware_at"]), zone, "aware_at")
        controller_zone = data.pop("controller_zone", None)
        if controller_zone is not None:
            data["zone"] = ensure_zone(controller_zone, "controller_zone")
        data = attrs_kwargs(cls, data, "breach record")  # unknown keys counted, never repeated
        return cls(**data)
