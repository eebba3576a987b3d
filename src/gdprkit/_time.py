"""Aware datetimes only, and an explicit "now".

Every public function that depends on the current time takes ``now`` as an argument whose default
is :func:`utc_now`; nothing in gdprkit reads the clock behind the caller's back.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError

__all__ = ["attach_zone", "ensure_aware", "parse_aware", "utc_now"]


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
