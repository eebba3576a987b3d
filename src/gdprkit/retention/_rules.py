"""Retention rules: a period counted from an event, aligned, ending in an action."""

from __future__ import annotations

import calendar
import datetime as dt
import enum
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from gdprkit._dicts import attrs_kwargs
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.register import Duration, Retention, RetentionAction

__all__ = ["Alignment", "AlignmentKind", "RetentionRule"]

_ONE_DAY = dt.timedelta(days=1)

_E = TypeVar("_E", bound=enum.Enum)


def _choice(cls: type[_E], value: object, name: str) -> _E:
    """``cls(value)``, raising InvalidInput that lists the accepted values."""
    try:
        return cls(value)
    except ValueError:
        accepted = ", ".join(repr(m.value) for m in cls)
        raise InvalidInput(f"{name} must be one of {accepted}") from None


class AlignmentKind(str, enum.Enum):
    """Where a retention period starts relative to its trigger event."""

    NONE = "none"
    END_OF_MONTH = "end_of_month"
    END_OF_YEAR = "end_of_year"
    FINANCIAL_YEAR_END = "financial_year_end"


def _month(_instance: object, attribute: attrs.Attribute[int | None], value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{attribute.name} must be an int (1-12), got {type(value).__name__}")
    if not 1 <= value <= 12:
        raise InvalidInput(f"{attribute.name} must be a month number 1-12, got {value}")


def _alignment_kind(value: object) -> AlignmentKind:
    return _choice(AlignmentKind, value, "alignment kind")


def _action(value: object) -> RetentionAction:
    return _choice(RetentionAction, value, "action")


@attrs.frozen
class Alignment:
    """Move a trigger date to the end of its month, calendar year or financial year.

    Statutory book-keeping periods usually run from the *end* of the (financial) year in which
    a document was made, not from its date (e.g. §132(1) BAO, §147(4) AO; see
    :mod:`gdprkit.law.retention`).  The text
    form is the register's (``"none"``, ``"end_of_month"``, ``"end_of_year"``,
    ``"financial_year_end:<month>"``, where the month is the one the financial year ends in), so
    :class:`gdprkit.register.Retention` and :class:`RetentionRule` share one format.

    Aligning is idempotent: an aligned date is already the last day of its period.

    Raises:
        InvalidInput: an unknown text form, or a financial-year month outside 1-12.

    Example:
        >>> import datetime as dt
        >>> Alignment.parse("financial_year_end:6").align(dt.date(2024, 7, 1))
        datetime.date(2025, 6, 30)
        >>> str(Alignment.parse("end_of_year"))
        'end_of_year'
    """

    kind: AlignmentKind = attrs.field(default=AlignmentKind.NONE, converter=_alignment_kind)
    month: int | None = attrs.field(default=None, validator=_month)

    def __attrs_post_init__(self) -> None:
        if (self.kind is AlignmentKind.FINANCIAL_YEAR_END) != (self.month is not None):
            raise InvalidInput(
                "month is required with (and only with) alignment 'financial_year_end'"
            )

    @classmethod
    def parse(cls, text: object) -> Alignment:
        """Parse the register's text form (an :class:`Alignment` is returned unchanged).

        Raises:
            InvalidType: ``text`` is not a string.
            InvalidInput: the text is not one of the forms above.
        """
        if isinstance(text, Alignment):
            return text
        if not isinstance(text, str):
            raise InvalidType(f"alignment must be a string, got {type(text).__name__}")
        kind, sep, month = text.strip().partition(":")
        if kind == AlignmentKind.FINANCIAL_YEAR_END.value and sep and month.strip().isdigit():
            return cls(AlignmentKind.FINANCIAL_YEAR_END, int(month))
        if not sep and kind in {k.value for k in AlignmentKind} - {"financial_year_end"}:
            return cls(AlignmentKind(kind))
        raise InvalidInput(
            "alignment must be 'none', 'end_of_month', 'end_of_year' or "
            "'financial_year_end:<month 1-12>' (the month the financial year ends in)"
        )

    def align(self, day: dt.date) -> dt.date:
        """The last day of the month/year/financial year that contains ``day``."""
        if self.kind is AlignmentKind.NONE:
            return day
        if self.kind is AlignmentKind.END_OF_MONTH:
            return day.replace(day=calendar.monthrange(day.year, day.month)[1])
        if self.kind is AlignmentKind.END_OF_YEAR:
            return dt.date(day.year, 12, 31)
        end_month: int = self.month  # type: ignore[assignment]  # checked in post-init
        year = day.year if day.month <= end_month else day.year + 1
        return dt.date(year, end_month, calendar.monthrange(year, end_month)[1])

    def describe(self) -> str:
        """Words for the explanation chain (``"end of the calendar year"``)."""
        if self.kind is AlignmentKind.NONE:
            return "no alignment"
        if self.kind is AlignmentKind.END_OF_MONTH:
            return "end of the month"
        if self.kind is AlignmentKind.END_OF_YEAR:
            return "end of the calendar year"
        month: str = calendar.month_name[self.month or 12]
        return f"end of the financial year ending in {month}"

    def __str__(self) -> str:
        if self.kind is AlignmentKind.FINANCIAL_YEAR_END:
            return f"financial_year_end:{self.month}"
        return str(self.kind.value)


def _parse_alignment(value: object) -> Alignment:
    return Alignment.parse(value)


def _duration_or_none(value: object) -> Duration | None:
    return None if value is None else Duration.parse(value)


def _trigger(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be an event name (str)")
    if not value.strip():
        raise InvalidInput(f"{attribute.name} must name an event, got an empty string")


def _optional_text(
    _instance: object, attribute: attrs.Attribute[str | None], value: object
) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string or None")


@attrs.frozen
class RetentionRule:
    """Keep data for ``period`` after the ``trigger`` event (aligned), then take ``action``.

    The period is counted like a period of Regulation (EEC, Euratom) No 1182/71 (by analogy):
    the day of the trigger (after alignment) is not counted (Art. 3(1), second subparagraph), a
    period in months or years ends on the same date number, clamped to a shorter month's last
    day (Art. 3(2)(c)), and the data may be kept until that last day has expired.  The action
    falls due at the first instant of the next day, in the controller's zone (``zone=``; without
    it, the trigger's own time zone).  No weekend roll-forward (Art. 3(4)) is
    applied: it would only keep data longer.  ``period=None`` means "until the event" (the
    action falls due the day after the trigger, e.g. "until the account is closed").

    ``ground`` is the Art. 17(3) exception the rule rests on when the retention is a legal duty
    (``"Art. 17(3)(b)"`` for book-keeping): :func:`erasure_plan` then keeps the
    data against an erasure request until the rule's due date.

    Raises:
        InvalidType: a field has the wrong type.
        InvalidInput: an empty trigger, a bad alignment or a non-positive period.

    Example:
        >>> import datetime as dt
        >>> rule = RetentionRule(period="7 years", trigger="invoice_issued",
        ...                      alignment="end_of_year", citation="§132(1) BAO")
        >>> invoice = dt.datetime(2024, 3, 15, 9, 30, tzinfo=dt.timezone.utc)
        >>> rule.due(invoice)
        datetime.datetime(2032, 1, 1, 0, 0, tzinfo=datetime.timezone.utc)
        >>> from zoneinfo import ZoneInfo  # 00:30 on 1 Jan 2025 in Sofia, stored in UTC
        >>> stored = dt.datetime(2024, 12, 31, 22, 30, tzinfo=dt.timezone.utc)
        >>> rule.due(stored, zone=ZoneInfo("Europe/Sofia")).isoformat()
        '2033-01-01T00:00:00+02:00'
    """

    trigger: str = attrs.field(validator=_trigger)
    period: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    alignment: Alignment = attrs.field(default=Alignment(), converter=_parse_alignment)
    action: RetentionAction = attrs.field(default=RetentionAction.DELETE, converter=_action)
    citation: str | None = attrs.field(default=None, validator=_optional_text)
    description: str | None = attrs.field(default=None, validator=_optional_text)
    ground: str | None = attrs.field(default=None, validator=_optional_text)

    @classmethod
    def from_retention(cls, retention: Retention, *, ground: str | None = None) -> RetentionRule:
        """The rule a register :class:`~gdprkit.register.Retention` states.

        Raises:
            InvalidInput: the retention names no trigger event (only a criterion in words), so
                no date can be computed from it.

        Example:
            >>> from gdprkit.register import Retention
            >>> r = Retention(description="CCTV: 30 days", period="30 days", trigger="recorded")
            >>> str(RetentionRule.from_retention(r).period)
            '30 days'
        """
        if retention.trigger is None:
            raise InvalidInput(
                "retention has no trigger event, only a criterion: no date can be computed"
            )
        return cls(
            trigger=retention.trigger,
            period=retention.period,
            alignment=retention.alignment,
            action=retention.action,
            citation=retention.citation,
            description=retention.description,
            ground=ground,
        )

    def anchor(self, trigger_day: dt.date) -> dt.date:
        """The day the period counts from: the trigger's day after alignment."""
        return self.alignment.align(trigger_day)

    def last_day(self, trigger_day: dt.date) -> dt.date:
        """The last day on which the data may still be kept."""
        anchor = self.alignment.align(trigger_day)
        return anchor if self.period is None else self.period.after(anchor)

    def due(self, trigger: dt.datetime, *, zone: dt.tzinfo | None = None) -> dt.datetime:
        """The instant the action falls due: midnight after :meth:`last_day`, in ``zone``.

        ``zone`` is the controller's time zone: the trigger's local day there is day 0 (Reg.
        1182/71 Art. 3(1)).  Without it, the trigger's own zone is used.

        Raises:
            InvalidType: ``trigger`` is not a datetime, or ``zone`` not a tzinfo.
            NaiveDatetimeError: ``trigger`` is naive.
            InvalidInput: the due date would fall after the year 9999.
        """
        from gdprkit._time import ensure_aware, ensure_zone  # noqa: PLC0415 - hot path

        ensure_aware(trigger, "trigger")
        tz = ensure_zone(zone)
        return self._due_function()[1](trigger if tz is None else trigger.astimezone(tz))

    def _due_function(
        self,
    ) -> tuple[dict[Any, dict[int, dt.datetime]], Callable[[dt.datetime], dt.datetime]]:
        """A closure computing :meth:`due`, and its memo by time zone and local day ordinal.

        The schedule's sweep reads the memo inline and calls the closure only on a miss.
        """
        # One memo per time zone, keyed by the local day's ordinal: no tuple or date is built
        # per call, which matters at a million records a second.
        caches: dict[Any, dict[int, dt.datetime]] = {}
        last_day = self.last_day
        combine = dt.datetime.combine
        from_ordinal = dt.date.fromordinal
        midnight = dt.time(0)

        def due(trigger: dt.datetime) -> dt.datetime:
            zone = trigger.tzinfo
            by_day = caches.get(zone)
            if by_day is None:
                by_day = caches[zone] = {}
            day = trigger.toordinal()
            hit = by_day.get(day)
            if hit is None:
                try:
                    hit = combine(last_day(from_ordinal(day)) + _ONE_DAY, midnight, tzinfo=zone)
                except (OverflowError, ValueError):
                    raise InvalidInput(
                        f"the {self.trigger} date plus the retention period is after the year 9999"
                    ) from None
                if len(by_day) < 100_000:  # bound the memo: a sweep's trigger days are few
                    by_day[day] = hit
            return hit

        return caches, due

    def explain(self) -> str:
        """One line: period, trigger, alignment, action and citation."""
        period = "at" if self.period is None else f"{self.period} after"
        text = f"{self.action.value} {period} {self.trigger}"
        if self.alignment.kind is not AlignmentKind.NONE:
            text += f" (counted from the {self.alignment.describe()})"
        if self.citation:
            text += f" [{self.citation}]"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form, with the register's field names and formats."""
        return {
            "trigger": self.trigger,
            "period": None if self.period is None else str(self.period),
            "alignment": str(self.alignment),
            "action": self.action.value,
            "citation": self.citation,
            "description": self.description,
            "ground": self.ground,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RetentionRule:
        """Inverse of :meth:`to_dict`.

        Raises:
            InvalidInput: ``data`` has unknown keys or invalid values.
        """
        data = attrs_kwargs(cls, data, "retention rule")  # unknown keys counted, never repeated
        return cls(**data)
