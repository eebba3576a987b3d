"""Periods of the GDPR counted as Regulation (EEC, Euratom) No 1182/71 counts them.

Regulation 1182/71 (OJ L 124, 8.6.1971, p. 1, CELEX 31971R1182,
https://eur-lex.europa.eu/eli/reg/1971/1182/oj) sets the counting rules; the GDPR's periods are
counted by them by analogy (its Art. 1 covers acts of the Council and the Commission).

**Periods in months** (Art. 12(3) GDPR: "within one month of receipt of the request"):

1. Day 0 is the day the request is received, as a **local date of the controller**; it is not
   counted (Art. 3(1), second subparagraph).  Pass ``zone=`` (the controller's zone, e.g. the
   register's ``controller.time_zone``); without it the zone of the ``received`` datetime is
   used, so a request stored in UTC is counted on its UTC day.
2. One month later is the same date number in the next month; if that month is too short, its
   last day (Art. 3(2)(c)).
3. If that day is a Saturday, Sunday or public holiday of the Member State concerned, the period
   ends on the next working day (Art. 3(4), Art. 2(1)).  Holidays come from a
   :class:`~gdprkit.law.holidays.HolidayCalendar`; without one only weekends roll.
4. The extended deadline (Art. 12(3): "may be extended by two further months"): no authority
   settles whether the two months run from receipt (receipt + 3 months) or from the end of the
   first month (one month, clamped but not rolled, + 2 months).  They differ at month ends:
   a request of Fri 31 Oct 2025 is due Mon 2 Feb 2026 under the first reading (31 Jan 2026 is
   a Saturday) and Fri 30 Jan 2026 under the second (30 Nov 2025 + 2 months).  gdprkit
   defaults to the **earlier** of the two (:attr:`ExtensionReading.EARLIER`), so a shop that
   answers by it is in time under either; the second reading is never later than the first,
   because clamping the first month can only shorten it.  Either reading can be chosen with
   ``reading=``.
5. The extension notice and the refusal notice (Arts 12(3), 12(4)) are due by the one-month
   deadline.

Deadlines in months are returned as a :class:`datetime.date`: the period "shall end with the
expiry of the last hour" of that day (Art. 3(2)(c)), i.e. it covers the whole local day, and a
date says exactly that without inventing a time of day or a DST offset.  :func:`end_of_day`
gives the last instant of that day in a zone, for schedulers and comparisons.

**The 72-hour breach deadline** (Art. 33(1) GDPR: "not later than 72 hours after having become
aware of it") is a period in hours.  "The hour during which that event occurs … shall not be
considered as falling within the period" (Art. 3(1), first subparagraph), and the period
"shall start at the beginning of the first hour and shall end with the expiry of the last hour"
(Art. 3(2)(a)).  So it starts at the beginning of the clock hour after awareness (in the
controller's zone, which matters for zones offset by half or quarter hours) and ends 72 real
hours later: awareness on Friday 16:30 is due Monday 17:00; awareness at 09:00:00 sharp counts
from 10:00.  It is **not** rolled past weekends or holidays (Art. 3(4) covers only periods
"expressed otherwise than in hours"), and Art. 3(5) ("any period of two days or more shall
include at least two working days") does not reach it either: 72 hours is a period expressed
in hours, which Art. 3 keeps apart from periods of days (Art. 3(1), 3(2)(a) against 3(2)(b)),
and adding working days would only make the deadline later than the Regulation's words.

Example:
    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> from gdprkit.law.periods import response_deadline
    >>> sofia = ZoneInfo("Europe/Sofia")
    >>> response_deadline(dt.datetime(2025, 1, 31, 10, 0, tzinfo=sofia))
    datetime.date(2025, 2, 28)
    >>> azores = ZoneInfo("Atlantic/Azores")
    >>> response_deadline(dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.timezone.utc), zone=azores)
    datetime.date(2025, 3, 28)
"""

from __future__ import annotations

import calendar
import datetime as dt
import enum

from gdprkit._time import ensure_aware, ensure_zone, local_day
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.law.holidays import HolidayCalendar, _as_calendar

__all__ = [
    "BREACH_NOTIFICATION_HOURS",
    "EXTENSION_MONTHS",
    "RESPONSE_MONTHS",
    "ExtensionReading",
    "add_months",
    "breach_notification_deadline",
    "breach_period_start",
    "end_of_day",
    "extended_end",
    "extension_notice_deadline",
    "is_working_day",
    "next_working_day",
    "response_deadline",
]

RESPONSE_MONTHS = 1
"""Art. 12(3) GDPR [S1]: answer "in any event within one month of receipt of the request"."""

EXTENSION_MONTHS = 2
"""Art. 12(3) GDPR [S1]: "may be extended by two further months where necessary"."""

BREACH_NOTIFICATION_HOURS = 72
"""Art. 33(1) GDPR [S1]: notify "not later than 72 hours after having become aware of it"."""

# Art. 3(4) rolls to the *following* working day; a calendar that blocks a whole year is
# certainly wrong, and looping on it forever would hang the caller.
_MAX_ROLL_DAYS = 366
_SATURDAY = 5
_ONE_HOUR = dt.timedelta(hours=1)


class ExtensionReading(str, enum.Enum):
    """How to count the "two further months" of Art. 12(3) GDPR; no authority settles it.

    Example:
        >>> import datetime as dt
        >>> day0 = dt.date(2025, 10, 31)
        >>> extended_end(day0, reading="from_receipt")
        datetime.date(2026, 1, 31)
        >>> extended_end(day0, reading="from_first_month")
        datetime.date(2026, 1, 30)
    """

    EARLIER = "earlier"
    """The earlier of the two readings below (the default): in time under either."""
    FROM_RECEIPT = "from_receipt"
    """Three months from receipt (Art. 12(3) read as one period of 1 + 2 months)."""
    FROM_FIRST_MONTH = "from_first_month"
    """Two months from the end of the first month (clamped to its month's end, not rolled
    past a weekend: Art. 3(4) applies only to the period's last day)."""

    def __str__(self) -> str:
        return str.__str__(self)


def _reading(value: object) -> ExtensionReading:
    try:
        return ExtensionReading(value)
    except ValueError:
        accepted = ", ".join(repr(r.value) for r in ExtensionReading)
        raise InvalidInput(f"reading must be one of {accepted}") from None


def extended_end(
    day0: dt.date, *, reading: ExtensionReading | str = ExtensionReading.EARLIER
) -> dt.date:
    """The last day of an extended Art. 12(3) period from day 0, before any weekend roll.

    :attr:`~ExtensionReading.FROM_RECEIPT` is ``add_months(day0, 3)``;
    :attr:`~ExtensionReading.FROM_FIRST_MONTH` is ``add_months(add_months(day0, 1), 2)``
    (Reg. 1182/71 Art. 3(2)(c) for each step); :attr:`~ExtensionReading.EARLIER` the earlier.

    Raises:
        InvalidType: ``day0`` is not a plain date.
        InvalidInput: an unknown reading, or a result after the year 9999.

    Example:
        >>> import datetime as dt
        >>> extended_end(dt.date(2025, 1, 31))  # 28 Feb + 2 months, not 30 Apr
        datetime.date(2025, 4, 28)
    """
    day0 = _plain_date(day0, "day0")
    chosen = _reading(reading)
    from_receipt = add_months(day0, RESPONSE_MONTHS + EXTENSION_MONTHS)
    if chosen is ExtensionReading.FROM_RECEIPT:
        return from_receipt
    from_first = add_months(add_months(day0, RESPONSE_MONTHS), EXTENSION_MONTHS)
    if chosen is ExtensionReading.FROM_FIRST_MONTH:
        return from_first
    return min(from_receipt, from_first)


def _plain_date(value: object, name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidType(
            f"{name} must be a datetime.date (take .date() of an aware datetime in the "
            "controller's zone)"
        )
    return value


def add_months(d: dt.date, n: int) -> dt.date:
    """Return the date ``n`` months after ``d``, clamped to the month's end (Reg. 1182/71).

    Art. 3(2)(c) ✅ [S6]: the period ends on the day "which falls on the same date" in the last
    month; "if … the day on which it should expire does not occur in the last month", on the
    last day of that month.  ``n`` may be negative or zero.

    Raises:
        InvalidType: ``d`` is not a plain date or ``n`` is not an int.
        InvalidInput: the result is outside the years 1–9999.

    Example:
        >>> import datetime as dt
        >>> add_months(dt.date(2024, 1, 31), 1)
        datetime.date(2024, 2, 29)
        >>> add_months(dt.date(2025, 1, 31), 1)
        datetime.date(2025, 2, 28)
    """
    d = _plain_date(d, "d")
    months: object = n
    if not isinstance(months, int) or isinstance(months, bool):
        raise InvalidType("n must be an int number of months")
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise InvalidInput("add_months: the result is outside the years 1-9999")
    month = month0 + 1
    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def is_working_day(d: dt.date, holidays: HolidayCalendar | None = None) -> bool:
    """Return whether ``d`` is neither a Saturday, a Sunday nor a day in ``holidays``.

    Reg. 1182/71 Art. 2(2): "working days shall mean all days other than public holidays,
    Sundays and Saturdays" (EUR-Lex CELEX 31971R1182 [S5]), and Art. 3(4) [S6].

    Raises:
        InvalidType: ``d`` is not a plain date, or ``holidays`` is not a calendar or a
            collection of plain dates.

    Example:
        >>> import datetime as dt
        >>> is_working_day(dt.date(2025, 3, 3))
        True
        >>> is_working_day(dt.date(2025, 3, 3), {dt.date(2025, 3, 3)})
        False
    """
    d = _plain_date(d, "d")
    return d.weekday() < _SATURDAY and d not in _as_calendar(holidays)


def next_working_day(d: dt.date, holidays: HolidayCalendar | None = None) -> dt.date:
    """Return the first working day strictly after ``d`` (Reg. 1182/71 Art. 3(4) ✅ [S6]).

    Raises:
        InvalidType: as for :func:`is_working_day`.
        InvalidInput: ``holidays`` leaves no working day within a year after ``d``, or the
            search runs past the year 9999.

    Example:
        >>> import datetime as dt
        >>> next_working_day(dt.date(2025, 3, 14))  # a Friday
        datetime.date(2025, 3, 17)
    """
    d = _plain_date(d, "d")
    calendar_ = _as_calendar(holidays)
    if d == dt.date.max:
        raise InvalidInput("d: there is no working day after 9999-12-31")
    return _roll_forward(d + _ONE_DAY, calendar_)


_ONE_DAY = dt.timedelta(days=1)


def _roll_forward(d: dt.date, calendar_: HolidayCalendar) -> dt.date:
    """Return ``d`` if it is a working day, else the following working day (Art. 3(4))."""
    day = d
    for _ in range(_MAX_ROLL_DAYS):
        if day.weekday() < _SATURDAY and day not in calendar_:
            return day
        if day == dt.date.max:
            break
        day += _ONE_DAY
    raise InvalidInput(
        "holidays: no working day found within a year of the period's last day; "
        "check the holiday calendar"
    )


def _receipt_day(received: dt.datetime, zone: dt.tzinfo | None) -> dt.date:
    # Rule 1: the local date of receipt in the controller's zone (Art. 3(1): not counted).
    return local_day(ensure_aware(received, "received"), ensure_zone(zone))


def response_deadline(
    received: dt.datetime,
    *,
    holidays: HolidayCalendar | None = None,
    extended: bool = False,
    zone: dt.tzinfo | None = None,
    reading: ExtensionReading | str = ExtensionReading.EARLIER,
) -> dt.date:
    """Return the last day to answer a data-subject request (Art. 12(3) GDPR, Reg. 1182/71).

    One month from the local date of ``received`` in ``zone`` (the controller's time zone;
    ``None``: the zone of ``received`` itself), or, when ``extended``, two further months
    counted by ``reading`` (default: the earlier of the two readings, see
    :class:`ExtensionReading`), clamped to the month's end and rolled past Saturdays, Sundays
    and ``holidays``.  The answer is due by the end of that day in the controller's zone (see
    :func:`end_of_day`).

    Raises:
        InvalidType: ``received`` is not a datetime, ``zone`` not a tzinfo, or ``holidays`` is
            not a calendar.
        NaiveDatetimeError: ``received`` has no time zone.
        InvalidInput: an unknown reading, or a deadline after the year 9999.

    Example:
        >>> import datetime as dt
        >>> utc = dt.timezone.utc
        >>> response_deadline(dt.datetime(2025, 2, 15, 9, 0, tzinfo=utc))  # Sat 15 Mar → Mon
        datetime.date(2025, 3, 17)
        >>> response_deadline(dt.datetime(2024, 11, 30, 9, 0, tzinfo=utc), extended=True)
        datetime.date(2025, 2, 28)
        >>> received = dt.datetime(2025, 10, 31, 9, 0, tzinfo=utc)
        >>> response_deadline(received, extended=True)  # 30 Nov + 2 months
        datetime.date(2026, 1, 30)
        >>> response_deadline(received, extended=True, reading="from_receipt")  # Sat → Mon
        datetime.date(2026, 2, 2)
    """
    day0 = _receipt_day(received, zone)
    if not isinstance(extended, bool):
        raise InvalidType("extended must be a bool")
    raw = extended_end(day0, reading=reading) if extended else add_months(day0, RESPONSE_MONTHS)
    return _roll_forward(raw, _as_calendar(holidays))


def extension_notice_deadline(
    received: dt.datetime,
    *,
    holidays: HolidayCalendar | None = None,
    zone: dt.tzinfo | None = None,
) -> dt.date:
    """Return the last day to tell the data subject of an extension (Art. 12(3) GDPR).

    "within one month of receipt of the request" [S1]: the same day as the one-month
    :func:`response_deadline`.  The notice that the controller will not act (Art. 12(4)) is
    due by the same day.

    Raises:
        InvalidType, NaiveDatetimeError, InvalidInput: as for :func:`response_deadline`.

    Example:
        >>> import datetime as dt
        >>> extension_notice_deadline(dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc))
        datetime.date(2024, 4, 5)
    """
    return response_deadline(received, holidays=holidays, zone=zone)


def end_of_day(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    """Return the last instant (23:59:59.999999) of ``day`` in the zone ``tz``.

    A period in months ends "with the expiry of the last hour" of its last day (Reg. 1182/71
    Art. 3(2)(c) ✅ [S6]); an answer sent at any ``moment <= end_of_day(deadline, tz)`` is in
    time.  Where the clock is turned back at midnight the later of the two readings is used.

    Raises:
        InvalidType: ``day`` is not a plain date or ``tz`` is not a tzinfo.

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> end_of_day(dt.date(2025, 3, 17), ZoneInfo("Europe/Riga")).isoformat()
        '2025-03-17T23:59:59.999999+02:00'
    """
    day = _plain_date(day, "day")
    if not isinstance(tz, dt.tzinfo):
        raise InvalidType("tz must be a datetime.tzinfo (e.g. ZoneInfo('Europe/Sofia'))")
    return dt.datetime.combine(day, dt.time.max, tzinfo=tz).replace(fold=1)


def breach_period_start(aware_at: dt.datetime, *, zone: dt.tzinfo | None = None) -> dt.datetime:
    """Return the beginning of the clock hour after ``aware_at``: where the 72 hours start.

    Reg. 1182/71 Art. 3(1), first subparagraph: for a period in hours, "the hour during which
    that event occurs … shall not be considered as falling within the period"; Art. 3(2)(a): it
    "shall start at the beginning of the first hour".  The hour is the clock hour in ``zone``
    (``None``: the zone of ``aware_at``); the result is in that zone.  Awareness at 09:00:00
    sharp happens during the hour 09:00-10:00, so the period starts at 10:00.

    Raises:
        InvalidType: ``aware_at`` is not a datetime, or ``zone`` not a tzinfo.
        NaiveDatetimeError: ``aware_at`` has no time zone.
        InvalidInput: the result would fall after the year 9999.

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> kolkata = ZoneInfo("Asia/Kolkata")  # UTC+05:30: its hours start at :30 UTC
        >>> aware = dt.datetime(2025, 3, 7, 11, 10, tzinfo=dt.timezone.utc)
        >>> breach_period_start(aware, zone=kolkata).isoformat()
        '2025-03-07T17:00:00+05:30'
    """
    moment = ensure_aware(aware_at, "aware_at")
    tz = ensure_zone(zone) or moment.tzinfo
    local = moment.astimezone(tz)
    into_hour = dt.timedelta(
        minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    try:
        # In UTC, so that an hour is a real hour across a DST change.
        utc = moment.astimezone(dt.timezone.utc) - into_hour + _ONE_HOUR
        return utc.astimezone(tz)
    except OverflowError:
        raise InvalidInput("aware_at: the deadline would fall after the year 9999") from None


def breach_notification_deadline(
    aware_at: dt.datetime, *, zone: dt.tzinfo | None = None
) -> dt.datetime:
    """Return the end of the 72 hours after the controller became aware of a breach (Art. 33(1)).

    The period starts at the beginning of the clock hour after awareness
    (:func:`breach_period_start`, Reg. 1182/71 Art. 3(1) first subparagraph and 3(2)(a)) and
    ends with the expiry of its 72nd hour: 72 real hours later, so a DST change in between
    does not move it.  The result is in ``zone`` (the controller's; ``None``: the zone of
    ``aware_at``).  A notification at any ``moment <= deadline`` is in time.  Never rolled past
    weekends or holidays (Art. 3(4) covers only periods "expressed otherwise than in hours"),
    nor stretched to two working days (Art. 3(5) speaks of periods of days; see the module
    notes).

    Raises:
        InvalidType: ``aware_at`` is not a datetime, or ``zone`` not a tzinfo.
        NaiveDatetimeError: ``aware_at`` has no time zone.
        InvalidInput: the deadline would fall after the year 9999.

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> friday = dt.datetime(2025, 3, 7, 16, 30, tzinfo=ZoneInfo("Europe/Sofia"))
        >>> breach_notification_deadline(friday).strftime("%a %d %b %H:%M")
        'Mon 10 Mar 17:00'
    """
    start = breach_period_start(aware_at, zone=zone)
    tz = start.tzinfo
    try:
        utc = start.astimezone(dt.timezone.utc) + dt.timedelta(hours=BREACH_NOTIFICATION_HOURS)
        return utc.astimezone(tz)
    except OverflowError:
        raise InvalidInput("aware_at: the deadline would fall after the year 9999") from None
