"""ISO 8601 times that keep their IANA zone name (RFC 9557 suffix), for lossless round trips.

A period of months or years is counted in local wall-clock time, so a stored time must keep
its zone, not only its offset: ``2000-10-29T00:00:00+03:00[Europe/Sofia]`` plus 3 years is
midnight in Sofia (+02:00 by then), not midnight at +03:00.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidInput

__all__: list[str] = []


def format_zoned(moment: dt.datetime) -> str:
    """``isoformat()``, with ``[Zone/Name]`` appended when the tzinfo is a ZoneInfo."""
    key = getattr(moment.tzinfo, "key", None)
    text = moment.isoformat()
    return f"{text}[{key}]" if isinstance(key, str) else text


def parse_zoned(value: object, name: str) -> dt.datetime:
    """Parse :func:`format_zoned` output (or plain ISO 8601 with an offset); datetimes pass.

    Raises:
        InvalidInput: not ISO 8601, an unknown zone, or a zone that contradicts the offset.
        NaiveDatetimeError: no offset.
    """
    if not isinstance(value, str):
        return ensure_aware(value, name)
    text, _, zone = value.strip().partition("[")
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 date-time") from None
    moment = ensure_aware(moment, name)
    if not zone:
        return moment
    try:
        tz = zoneinfo.ZoneInfo(zone.rstrip("]"))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name}: unknown time zone name") from None
    local = moment.replace(tzinfo=tz)
    if local.utcoffset() != moment.utcoffset():
        local = local.replace(fold=1)
    if local.utcoffset() != moment.utcoffset():
        raise InvalidInput(f"{name}: the zone does not match the offset")
    return local
