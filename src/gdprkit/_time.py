"""Aware datetimes only, and an explicit "now".

Every public function that depends on the current time takes ``now`` as an argument whose default
is :func:`utc_now`; nothing in gdprkit reads the clock behind the caller's back.
"""

from __future__ import annotations

import datetime as dt

from gdprkit.errors import InvalidType, NaiveDatetimeError

__all__ = ["ensure_aware", "utc_now"]


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
