"""Aware datetimes only, and an explicit "now".

Every public function that depends on the current time takes ``now`` as an argument whose default
is :func:`utc_now`; nothing in gdprkit reads the clock behind the caller's back.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError

__all__ = [
    "attach_zone",
    "day_after_starts",
    "ensure_aware",
    "ensure_zone",
    "local_day",
    "parse_aware",
    "parse_zone",
    "utc_now",
    "zone_name",
]


def utc_now() -> dt.datetime:
    """Return the current time in UTC, as an aware datetime."""
    return dt.datetime.now(dt.timezone.utc)


def ensure_aware(value: object, name: str) -> dt.datetime:
    """Return ``value`` if it is an aware datetime, else raise a typed error naming ``name``.

    Raises:
        InvalidType: ``value`` is not a datetime (a plain date is refused too).
        NaiveDatetimeError: ``value`` has no time zone.
    """
    if not isinstance(value, dt.datetime):
        raise InvalidType(f"{name} must be a timezone-aware datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise NaiveDatetimeError(
            f"{name} must be timezone-aware (e.g. datetime.now(timezone.utc)), got a naive datetime"
        )
    return value


def parse_aware(value: object, name: str) -> dt.datetime:
    """Like :func:`ensure_aware`, but also accept ISO 8601 text (``Z`` for UTC, as in JSON).

    Raises:
        InvalidInput: the text is not an ISO 8601 date-time (the text itself is not repeated).
        InvalidType, NaiveDatetimeError: as :func:`ensure_aware`.
    """
    if isinstance(value, str):
        try:
            # Python 3.10's fromisoformat does not know the "Z" suffix.
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidInput(f"{name} must be an ISO 8601 date-time") from None
    return ensure_aware(value, name)


def attach_zone(moment: dt.datetime, key: object, name: str) -> dt.datetime:
    """The same wall time and offset as ``moment``, with the IANA zone ``key`` attached.

    Used when reading back values stored with their zone name, so local days survive a round
    trip; ``name`` is the field ``moment`` came from, for the error message.

    Raises:
        InvalidType: ``key`` is not a string.
        InvalidInput: ``key`` is not a known zone, or its offset at that moment differs.
    """
    if not isinstance(key, str):
        raise InvalidType("zone must be an IANA time zone name")
    try:
        zone = zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("zone must be a known IANA time zone name") from None
    local = moment.replace(tzinfo=zone)
    if local.utcoffset() != moment.utcoffset():
        local = local.replace(fold=1)
    if local.utcoffset() != moment.utcoffset():
        raise InvalidInput(f"zone does not match the offset of {name}")
    return local


def parse_zone(value: object, name: str) -> zoneinfo.ZoneInfo:
    """The IANA zone named ``value`` (``"Europe/Sofia"``), for settings such as a register's.

    Raises:
        InvalidType: ``value`` is not a string.
        InvalidInput: ``value`` is not a zone the system's time zone database knows.
    """
    if not isinstance(value, str):
        raise InvalidType(f"{name} must be an IANA time zone name such as 'Europe/Sofia'")
    try:
        return zoneinfo.ZoneInfo(value.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"{name} must be a known IANA time zone name such as 'Europe/Sofia'"
        ) from None


def ensure_zone(value: object, name: str = "zone") -> dt.tzinfo | None:
    """``value`` if it is a tzinfo (or ``None``); an IANA name is looked up.

    The controller's zone decides which local day a moment falls on: day 0 of a period of days
    or months (Reg. 1182/71 Art. 3(1), second subparagraph) and the start of its hours.

    Raises:
        InvalidType: ``value`` is neither a tzinfo, a zone name nor ``None``.
        InvalidInput: an unknown zone name.
    """
    if value is None or isinstance(value, dt.tzinfo):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "+-" and len(text) == 6 and text[3] == ":":
            # A fixed offset written by zone_name (a datetime.timezone has no IANA name).
            try:
                moment = dt.datetime.fromisoformat(f"2000-01-01T00:00:00{text}")
            except ValueError:
                raise InvalidInput(f"{name} must be an IANA zone name or an offset") from None
            return moment.tzinfo
        return parse_zone(text, name)
    raise InvalidType(f"{name} must be a datetime.tzinfo (e.g. ZoneInfo('Europe/Sofia')) or None")


def local_day(moment: dt.datetime, zone: dt.tzinfo | None) -> dt.date:
    """The controller's local date of ``moment``: in ``zone``, or in its own zone when ``None``."""
    return moment.date() if zone is None else moment.astimezone(zone).date()


def day_after_starts(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    """Midnight at the start of the day after ``day`` in ``zone``: the instant a period whose
    last day is ``day`` has run out (Reg. 1182/71 Art. 3(2)(c): it ends "with the expiry of the
    last hour of the last day"), so a moment is inside the period exactly when it is earlier."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)


def zone_name(zone: dt.tzinfo) -> str:
    """A text form of ``zone`` that :func:`ensure_zone` reads back: the IANA name, else the
    fixed offset (``"+05:30"``).

    Raises:
        InvalidInput: ``zone`` has neither a name nor a fixed offset.
    """
    key = getattr(zone, "key", None)
    if isinstance(key, str):
        return key
    offset = zone.utcoffset(None)
    if offset is None:
        raise InvalidInput("zone must be a ZoneInfo or a fixed-offset datetime.timezone")
    sign = "-" if offset < dt.timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
