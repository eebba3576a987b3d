"""Aware datetimes only: the helpers every module uses to reject naive times."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit._time import (
    attach_zone,
    ensure_aware,
    ensure_zone,
    local_day,
    parse_aware,
    parse_zone,
    utc_now,
    zone_name,
)
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


# --- the controller's zone (issue 15 item 6) ------------------------------------------------------
@given(
    st.sampled_from(["Europe/Sofia", "Atlantic/Azores", "Asia/Kolkata", "UTC"]).map(ZoneInfo)
    | st.integers(min_value=-14 * 60, max_value=14 * 60).map(
        lambda m: dt.timezone(dt.timedelta(minutes=m))
    )
)
def test_zone_names_read_back(zone: dt.tzinfo) -> None:
    again = ensure_zone(zone_name(zone))
    moment = dt.datetime(2025, 7, 1, 12, tzinfo=dt.timezone.utc)
    assert again is not None
    assert moment.astimezone(again).utcoffset() == moment.astimezone(zone).utcoffset()


def test_zone_settings_are_validated() -> None:
    assert ensure_zone(None) is None
    assert parse_zone(" Europe/Sofia ", "zone") == ZoneInfo("Europe/Sofia")
    with pytest.raises(InvalidInput, match="IANA"):
        parse_zone("Europe/Atlantis", "zone")
    with pytest.raises(InvalidType):
        ensure_zone(3)
    with pytest.raises(InvalidInput):
        ensure_zone("+25:99")
    late = dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.timezone.utc)
    assert local_day(late, ZoneInfo("Atlantic/Azores")) == dt.date(2025, 2, 28)
    assert local_day(late, None) == dt.date(2025, 3, 1)
