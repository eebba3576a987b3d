"""Breach records: the 72-hour deadline (Art. 33(1) GDPR, counted by Reg. 1182/71 Art. 3) and
the Art. 33(3) checklist."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from gdprkit.breach import BreachContent, BreachRecord, BreachRisk
from gdprkit.errors import InvalidInput, InvalidTransition, NaiveDatetimeError
from gdprkit.testing import strategies as gst

SOFIA = ZoneInfo("Europe/Sofia")
UTC = dt.timezone.utc


def test_friday_afternoon_is_due_monday_at_the_next_full_hour() -> None:
    # Issue 15 item 1 (Reg. 1182/71 Art. 3(1) first subparagraph, 3(2)(a), EUR-Lex [S200]):
    # aware Friday 16:30 → the hour 16:00-17:00 is not counted → due Monday 17:00; hours are not
    # rolled past weekends (Art. 3(4) covers only other periods).
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 3, 7, 16, 30, tzinfo=SOFIA))
    assert breach.deadline == dt.datetime(2025, 3, 10, 17, 0, tzinfo=SOFIA)
    # A notification at 16:45 on Monday is in time and needs no reasons for a delay.
    at_1645 = dt.datetime(2025, 3, 10, 16, 45, tzinfo=SOFIA)
    assert not breach.is_overdue(at_1645)
    assert breach.notify(at_1645).delay_reason is None
    assert breach.is_overdue(dt.datetime(2025, 3, 10, 17, 0, 1, tzinfo=SOFIA))


def test_awareness_on_the_hour_counts_from_the_next_hour() -> None:
    # Issue 15 item 1: awareness at exactly 09:00:00 is due 72 hours after 10:00.
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 5, 2, 9, 0, tzinfo=UTC))
    assert breach.deadline == dt.datetime(2025, 5, 5, 10, 0, tzinfo=UTC)


def test_seventy_two_real_hours_across_dst() -> None:
    # 28 March 2025 12:00 EET: from 13:00 EET + 72 h of real time = 31 March 14:00 EEST.
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 3, 28, 12, tzinfo=SOFIA))
    start = dt.datetime(2025, 3, 28, 13, tzinfo=SOFIA)
    assert breach.deadline.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(hours=72)
    assert breach.deadline.hour == 14


def test_controller_zone_shows_and_counts_in_its_clock() -> None:
    # Stored in UTC, counted on the controller's clock (issue 15 item 6): in Kolkata (UTC+05:30)
    # the clock hour starts at :30 UTC.
    kolkata = ZoneInfo("Asia/Kolkata")
    stored = dt.datetime(2025, 3, 7, 11, 10, tzinfo=UTC)  # 16:40 in Kolkata
    breach = BreachRecord("b", aware_at=stored, zone=kolkata)
    assert breach.aware_at == stored
    assert breach.aware_at.tzinfo is kolkata
    assert breach.deadline == dt.datetime(2025, 3, 10, 17, 0, tzinfo=kolkata)
    assert BreachRecord("b", aware_at=stored).deadline == dt.datetime(2025, 3, 10, 12, tzinfo=UTC)
    again = BreachRecord.from_dict(breach.to_dict())
    assert again == breach
    assert again.deadline == breach.deadline
    fixed = BreachRecord("b", aware_at=stored, zone=dt.timezone(dt.timedelta(hours=5, minutes=30)))
    assert BreachRecord.from_dict(fixed.to_dict()) == fixed
    assert BreachRecord("b", aware_at=stored, zone="Asia/Kolkata").zone == kolkata
    with pytest.raises(InvalidInput):
        BreachRecord("b", aware_at=stored, zone="Mars/Olympus")


def test_checklist_names_what_is_missing() -> None:
    breach = BreachRecord(
        "b",
        aware_at=dt.datetime(2025, 5, 1, tzinfo=UTC),
        nature="Order export e-mailed to the wrong customer",
        subject_categories=["customers"],
        approx_subjects=120,
        contact="dpo@shop.example",
    )
    assert breach.missing() == (
        BreachContent.RECORD_CATEGORIES,
        BreachContent.APPROX_RECORDS,
        BreachContent.CONSEQUENCES,
        BreachContent.MEASURES,
    )
    assert {m.article for m in breach.missing()} == {
        "Art. 33(3)(a)",
        "Art. 33(3)(c)",
        "Art. 33(3)(d)",
    }


@given(gst.breach_records(complete=True))
def test_complete_records_miss_nothing(breach: BreachRecord) -> None:
    assert breach.missing() == ()


@given(gst.breach_records(complete=False))
def test_empty_records_miss_everything(breach: BreachRecord) -> None:
    assert set(breach.missing()) == set(BreachContent)


@given(gst.breach_records())
def test_deadline_is_72_hours_from_the_next_hour_and_round_trips(breach: BreachRecord) -> None:
    # real hours: subtract in UTC (same-zone subtraction in Python is wall-clock arithmetic);
    # the hour of awareness is not counted, so 72 h < elapsed <= 73 h (Reg. 1182/71 Art. 3(1)).
    elapsed = breach.deadline.astimezone(UTC) - breach.aware_at.astimezone(UTC)
    assert dt.timedelta(hours=72) < elapsed <= dt.timedelta(hours=73)
    local = breach.deadline.astimezone(breach.aware_at.tzinfo)
    assert (local.minute, local.second, local.microsecond) == (0, 0, 0)
    assert BreachRecord.from_dict(breach.to_dict()) == breach
    assert not breach.is_overdue(breach.deadline)
    assert breach.is_overdue(breach.deadline + dt.timedelta(seconds=1))


def test_notification_and_delay_reasons() -> None:
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 5, 1, 9, tzinfo=UTC))
    on_time = breach.notify(dt.datetime(2025, 5, 3, 9, tzinfo=UTC))
    assert not on_time.is_overdue(dt.datetime(2025, 6, 1, tzinfo=UTC))
    with pytest.raises(InvalidTransition):
        on_time.notify(dt.datetime(2025, 5, 3, 10, tzinfo=UTC))
    assert breach.notify(dt.datetime(2025, 5, 4, 9, 30, tzinfo=UTC)).delay_reason is None
    late = dt.datetime(2025, 5, 4, 10, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput, match=r"Art\. 33\(1\)"):
        breach.notify(late)
    assert breach.notify(late, delay_reason="forensics over the weekend").notified_at == late
    with pytest.raises(InvalidInput):
        breach.notify(dt.datetime(2025, 4, 30, tzinfo=UTC))


def test_unlikely_risk_needs_no_notification() -> None:
    breach = BreachRecord(
        "b", aware_at=dt.datetime(2025, 5, 1, tzinfo=UTC), risk=BreachRisk.UNLIKELY
    )
    assert not breach.needs_notification
    assert not breach.is_overdue(dt.datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(InvalidTransition):
        breach.notify(dt.datetime(2025, 5, 2, tzinfo=UTC))
    assert BreachRecord("b", aware_at=breach.aware_at, risk="high").needs_subject_notice


def test_validation() -> None:
    with pytest.raises(NaiveDatetimeError):
        BreachRecord("b", aware_at=dt.datetime(2025, 5, 1))
    with pytest.raises(InvalidInput):
        BreachRecord("b", aware_at=dt.datetime(2025, 5, 1, tzinfo=UTC), approx_subjects=-1)
    with pytest.raises(InvalidInput):
        BreachRecord("b", aware_at=dt.datetime(2025, 5, 1, tzinfo=UTC), subject_categories=[])
    with pytest.raises(InvalidInput):
        BreachRecord.from_dict({"version": 2})
