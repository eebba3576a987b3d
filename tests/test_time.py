"""Aware datetimes only: the helpers every module uses to reject naive times."""

from __future__ import annotations

import datetime as dt

import pytest

from gdprkit._time import attach_zone, ensure_aware, parse_aware, utc_now
from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError


def test_utc_now_is_aware() -> None:
    assert utc_now().utcoffset() == dt.timedelta(0)


def test_ensure_aware_rejects_naive_dates_and_other_types() -> None:
    with pytest.raises(NaiveDatetimeError, match="received must be timezone-aware"):
        ensure_aware(dt.datetime(2025, 1, 1), "received")
    with pytest.raises(InvalidType, match="got date"):
        ensure_aware(dt.date(2025, 1, 1), "received")
    moment = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    assert ensure_aware(moment, "received") is moment


def test_parse_aware_reads_iso_text_with_z_and_offsets() -> None:
    assert parse_aware("2025-01-31T09:00:00Z", "at") == dt.datetime(
        2025, 1, 31, 9, tzinfo=dt.timezone.utc
    )
    assert parse_aware("2025-01-31T10:00:00+01:00", "at").utcoffset() == dt.timedelta(hours=1)
    with pytest.raises(NaiveDatetimeError):
        parse_aware("2025-01-31T09:00:00", "at")
    with pytest.raises(InvalidInput, match="at must be an ISO 8601 date-time") as info:
        parse_aware("31/01/2025 alice@example.org", "at")
    assert "alice" not in str(info.value)


def test_attach_zone_keeps_the_instant_and_resolves_the_repeated_hour() -> None:
    # 27 Oct 2024, 03:30 happens twice in Sofia; +02:00 is the second (fold=1) reading.
    second = dt.datetime(2024, 10, 27, 3, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    local = attach_zone(second, "Europe/Sofia", "received")
    # (PEP 495: an ambiguous local time never compares equal across zones, so compare instants.)
    assert local.timestamp() == second.timestamp()
    assert local.utcoffset() == second.utcoffset()
    assert local.fold == 1
    with pytest.raises(InvalidInput, match="offset of received"):
        attach_zone(second.replace(month=7), "Europe/Sofia", "received")
    with pytest.raises(InvalidInput, match="known IANA"):
        attach_zone(second, "Mars/Olympus", "received")
    with pytest.raises(InvalidType):
        attach_zone(second, 2, "received")
