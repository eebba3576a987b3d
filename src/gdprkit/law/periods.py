"""Periods of the GDPR counted as Regulation (EEC, Euratom) No 1182/71 counts them.

The counting rule (FACTS.md §3d, derived from Reg. 1182/71; a computation, not an EDPB example):

1. Day 0 is the day the request is received, as a **local date of the controller**; it is not
   counted (Art. 3(1) ✅ [S6]).  gdprkit takes the local date of the ``received`` datetime in
   its own time zone, so pass that datetime in the controller's zone
   (``received.astimezone(ZoneInfo("Europe/Sofia"))``).
2. One month later is the same date number in the next month; if that month is too short, its
   last day (Art. 3(2)(c) ✅ [S6]).
3. If that day is a Saturday, Sunday or public holiday of the Member State concerned, the period
   ends on the next working day (Art. 3(4) ✅ [S6], Art. 2(1) ✅ [S5]).  Holidays come from a
   :class:`~gdprkit.law.holidays.HolidayCalendar`; without one only weekends roll.
4. The extended deadline (Art. 12(3): "extended by two further months") is taken as **receipt +
   3 months**, clamped, then rolled.  ❌ No authority settles whether the two months run from
   the (rolled) one-month date instead; FACTS.md §3d rule 4 calls receipt + 3 months the
   conservative choice.  It is not earlier in every case: when the first month is clamped or
   rolled, the other reading can end sooner (received 31 Jan 2025: receipt + 3 months is
   30 Apr, 28 Feb + 2 months is 28 Apr).  A shop that wants to be safe under both readings
   answers by the earlier day.
5. The extension notice and the refusal notice (Arts 12(3), 12(4)) are due by the one-month
   deadline.

Deadlines in months are returned as a :class:`datetime.date`: the period "shall end with the
expiry of the last hour" of that day (Art. 3(2)(c)), i.e. it covers the whole local day, and a
date says exactly that without inventing a time of day or a DST offset.  :func:`end_of_day`
gives the last instant of that day in a zone, for schedulers and comparisons.

The 72-hour breach deadline (Art. 33(1), FACTS.md §4) is a period in hours: it is the instant
exactly 72 hours after the controller became aware, with **no** weekend or holiday roll (Art.
3(4) covers only periods "expressed otherwise than in hours" ✅ [S6]).

Example:
    >>> import datetime as dt
    >>> from zoneinfo import ZoneInfo
    >>> from gdprkit.law.periods import response_deadline
    >>> sofia = ZoneInfo("Europe/Sofia")
    >>> response_deadline(dt.datetime(2025, 1, 31, 10, 0, tzinfo=sofia))
    datetime.date(2025, 2, 28)
"""

from __future__ import annotations

import calendar
import datetime as dt

from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.law.holidays import HolidayCalendar, _as_calendar

__all__ = [
    "BREACH_NOTIFICATION_HOURS",
    "EXTENSION_MONTHS",
    "RESPONSE_MONTHS",
    "add_months",
    "breach_notification_deadline",
    "end_of_day",
    "extension_notice_deadline",
    "is_working_day",
    "next_working_day",
    "response_deadline",
]

RESPONSE_MONTHS = 1
"""Art. 12(3) GDPR ✅ [S1]: answer "in any event within one month of receipt of the request"."""

EXTENSION_MONTHS = 2
"""Art. 12(3) GDPR ✅ [S1]: "may be extended by two further months where necessary"."""

BREACH_NOTIFICATION_HOURS = 72
"""Art. 33(1) GDPR ✅ [S1]: notify "not later than 72 hours after having become aware of it"."""

# Art. 3(4) rolls to the *following* working day; a calendar that blocks a whole year is
# certainly wrong, and looping on it forever would hang the caller.
_MAX_ROLL_DAYS = 366
_SATURDAY = 5


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

    Reg. 1182/71 Art. 2(2) (working days = all days other than public holidays, Sundays and
    Saturdays; ❌ text not retrieved, standard wording) and Art. 3(4) ✅ [S6].

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


def _receipt_day(received: dt.datetime) -> dt.date:
    # Rule 1: the local date of receipt in the controller's zone (Art. 3(1): not counted).
    return ensure_aware(received, "received").date()


def response_deadline(
    received: dt.datetime,
    *,
    holidays: HolidayCalendar | None = None,
    extended: bool = False,
) -> dt.date:
    """Return the last day to answer a data-subject request (Art. 12(3) GDPR, Reg. 1182/71).

    One month from the local date of ``received`` (:data:`RESPONSE_MONTHS`), or three months
    when ``extended`` (:data:`RESPONSE_MONTHS` + :data:`EXTENSION_MONTHS`, counted from receipt,
    the reading FACTS.md §3d rule 4 chooses; ❌ unsettled, see the module notes for the month-end
    cases where the other reading ends sooner), clamped to the month's end and
    rolled past Saturdays, Sundays and ``holidays``.  The answer is due by the end of that day
    in the controller's zone (see :func:`end_of_day`).

    Raises:
        InvalidType: ``received`` is not a datetime, or ``holidays`` is not a calendar.
        NaiveDatetimeError: ``received`` has no time zone.
        InvalidInput: the deadline would fall after the year 9999.

    Example:
        >>> import datetime as dt
        >>> utc = dt.timezone.utc
        >>> response_deadline(dt.datetime(2025, 2, 15, 9, 0, tzinfo=utc))  # Sat 15 Mar → Mon
        datetime.date(2025, 3, 17)
        >>> response_deadline(dt.datetime(2024, 11, 30, 9, 0, tzinfo=utc), extended=True)
        datetime.date(2025, 2, 28)
    """
    day0 = _receipt_day(received)
    if not isinstance(extended, bool):
        raise InvalidType("extended must be a bool")
    months = RESPONSE_MONTHS + (EXTENSION_MONTHS if extended else 0)
    return _roll_forward(add_months(day0, months), _as_calendar(holidays))


def extension_notice_deadline(
    received: dt.datetime, *, holidays: HolidayCalendar | None = None
) -> dt.date:
    """Return the last day to tell the data subject of an extension (Art. 12(3) GDPR).

    "within one month of receipt of the request" ✅ [S1]: the same day as the one-month
    :func:`response_deadline` (FACTS.md §3d rule 5).  The notice that the controller will not
    act (Art. 12(4)) is due by the same day.

    Raises:
        InvalidType, NaiveDatetimeError, InvalidInput: as for :func:`response_deadline`.

    Example:
        >>> import datetime as dt
        >>> extension_notice_deadline(dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc))
        datetime.date(2024, 4, 5)
    """
    return response_deadline(received, holidays=holidays)


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


def breach_notification_deadline(aware_at: dt.datetime) -> dt.datetime:
    """Return the instant 72 hours after the controller became aware of a breach (Art. 33(1)).

    Counted in absolute time (a DST change in between does not move it) and returned in the
    zone of ``aware_at``; never rolled past weekends or holidays, since Reg. 1182/71 Art. 3(4)
    covers only periods "expressed otherwise than in hours" ✅ [S6] (FACTS.md §4).

    Raises:
        InvalidType: ``aware_at`` is not a datetime.
        NaiveDatetimeError: ``aware_at`` has no time zone.
        InvalidInput: the deadline would fall after the year 9999.

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> friday = dt.datetime(2025, 3, 7, 16, 30, tzinfo=ZoneInfo("Europe/Sofia"))
        >>> breach_notification_deadline(friday).strftime("%a %d %b %H:%M")
        'Mon 10 Mar 16:30'
    """
    moment = ensure_aware(aware_at, "aware_at")
    # Aware arithmetic within one tzinfo is wall-clock arithmetic in Python; go through UTC so
    # that 72 hours are 72 real hours across a DST change.
    try:
        utc = moment.astimezone(dt.timezone.utc) + dt.timedelta(hours=BREACH_NOTIFICATION_HOURS)
        return utc.astimezone(moment.tzinfo)
    except OverflowError:
        raise InvalidInput("aware_at: the deadline would fall after the year 9999") from None
