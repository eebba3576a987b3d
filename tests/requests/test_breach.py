"""Breach records: the 72-hour deadline (Art. 33(1), FACTS.md §4) and the Art. 33(3) checklist."""

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


def test_friday_afternoon_is_due_monday_same_time() -> None:
    # FACTS.md §4 (computed): aware Friday 16:30 → deadline Monday 16:30, same time zone; hours
    # are not rolled past weekends (Reg. 1182/71 Art. 3(4) covers only other periods).
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 3, 7, 16, 30, tzinfo=SOFIA))
    assert breach.deadline == dt.datetime(2025, 3, 10, 16, 30, tzinfo=SOFIA)


def test_seventy_two_real_hours_across_dst() -> None:
    # 28 March 2025 12:00 EET + 72 h of real time = 31 March 13:00 EEST (clocks went forward).
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 3, 28, 12, tzinfo=SOFIA))
    assert breach.deadline.astimezone(UTC) - breach.aware_at.astimezone(UTC) == dt.timedelta(
        hours=72
    )
    assert breach.deadline.hour == 13


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
def test_deadline_is_72_hours_and_round_trips(breach: BreachRecord) -> None:
    # real hours: subtract in UTC (same-zone subtraction in Python is wall-clock arithmetic)
    elapsed = breach.deadline.astimezone(UTC) - breach.aware_at.astimezone(UTC)
    assert elapsed == dt.timedelta(hours=72)
    assert BreachRecord.from_dict(breach.to_dict()) == breach
    assert not breach.is_overdue(breach.deadline)
    assert breach.is_overdue(breach.deadline + dt.timedelta(seconds=1))


def test_notification_and_delay_reasons() -> None:
    breach = BreachRecord("b", aware_at=dt.datetime(2025, 5, 1, 9, tzinfo=UTC))
    on_time = breach.notify(dt.datetime(2025, 5, 3, 9, tzinfo=UTC))
    assert not on_time.is_overdue(dt.datetime(2025, 6, 1, tzinfo=UTC))
    with pytest.raises(InvalidTransition):
        on_time.notify(dt.datetime(2025, 5, 3, 10, tzinfo=UTC))
    late = dt.datetime(2025, 5, 4, 9, 1, tzinfo=UTC)
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
