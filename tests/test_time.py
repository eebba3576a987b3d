"""Aware datetimes only: the helpers every module uses to reject naive times."""

from __future__ import annotations

import datetime as dt

import pytest

from gdprkit._time import ensure_aware, parse_aware, utc_now
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
