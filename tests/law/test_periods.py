"""Regulation 1182/71 period arithmetic: Art. 12(3) deadlines and the Art. 33(1) 72 hours."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError
from gdprkit.law import PublicHolidays
from gdprkit.law.periods import (
    BREACH_NOTIFICATION_HOURS,
    ExtensionReading,
    add_months,
    breach_notification_deadline,
    breach_period_start,
    end_of_day,
    extended_end,
    extension_notice_deadline,
    is_working_day,
    next_working_day,
    response_deadline,
)
from gdprkit.testing import strategies as gst

UTC = dt.timezone.utc
SOFIA = ZoneInfo("Europe/Sofia")
D = dt.date


def at(day: dt.date, tz: dt.tzinfo = SOFIA, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=tz)


def rolled(day: dt.date, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """Reference roll (Art. 3(4)) written independently of the code under test."""
    while day.weekday() >= 5 or day in holidays:
        day += dt.timedelta(days=1)
    return day


# --- FACTS.md §3d worked examples (a computation from Reg. 1182/71, not an EDPB example) ---------
FACTS_3D = [
    # (received, extended, country calendar, deadline)
    (D(2024, 3, 5), False, None, D(2024, 4, 5)),  # Tue 5 Mar 2024 → Fri 5 Apr 2024, none
    (D(2025, 1, 31), False, None, D(2025, 2, 28)),  # no 31 Feb → Fri 28 Feb 2025
    (D(2024, 1, 31), False, None, D(2024, 2, 29)),  # leap year → Thu 29 Feb 2024
    (D(2025, 2, 15), False, None, D(2025, 3, 17)),  # Sat 15 Mar → Mon 17 Mar 2025
    (D(2025, 2, 3), False, "BG", D(2025, 3, 4)),  # Mon 3 Mar = Liberation Day [S43] → Tue 4 Mar
    (D(2024, 11, 30), True, None, D(2025, 2, 28)),  # + 3 months, no 30 Feb → Fri 28 Feb 2025
]


@pytest.mark.parametrize(("received", "extended", "country", "expected"), FACTS_3D)
def test_facts_3d_worked_examples(
    received: dt.date, extended: bool, country: str | None, expected: dt.date
) -> None:
    holidays = None if country is None else PublicHolidays(country)
    deadline = response_deadline(at(received), holidays=holidays, extended=extended)
    assert deadline == expected


def test_bulgarian_example_needs_the_holiday_calendar() -> None:
    # Without Bulgaria's calendar the same receipt gives Liberation Day itself: the roll is real.
    assert response_deadline(at(D(2025, 2, 3))) == D(2025, 3, 3)


# --- ../shared/corpora/deadlines/art12_deadline_examples.json, copied (sources inline) ----------
# The ICO examples name no year; the year chosen is one where the deadline needs no roll, so the
# example tests the month arithmetic alone.
CORPUS = [
    # UK ICO, "SAR checklist for SMEs" (ico.org.uk/global/sar-checklist-for-smes/...)
    (D(2024, 9, 3), D(2024, 10, 3)),
    # ICO revised guidance (Aug 2019), via lexology.com g=ff847e97-..., Charles Russell
    # Speechlys and Eversheds: 1 August → 1 September (formerly 2 September).
    (D(2025, 8, 1), D(2025, 9, 1)),
    # lexology.com g=ff847e97-... (ICO revised guidance): 30 January, non-leap → 28 February.
    (D(2025, 1, 30), D(2025, 2, 28)),
    # third-party test suites in public repositories
    (D(2026, 1, 31), D(2026, 2, 28)),
    (D(2026, 1, 30), D(2026, 2, 28)),
    (D(2026, 1, 29), D(2026, 2, 28)),
    (D(2024, 1, 31), D(2024, 2, 29)),  # "29 Feb in a leap year"
    (D(2026, 8, 25), D(2026, 9, 25)),
    (D(2026, 8, 1), D(2026, 9, 1)),
    (D(2026, 8, 31), D(2026, 9, 30)),  # "+1 month clamped … (end-of-month, Reg. 1182/71)"
]


@pytest.mark.parametrize(("received", "period_end"), CORPUS)
def test_corpus_examples(received: dt.date, period_end: dt.date) -> None:
    # The corpus gives the raw end of the month (Art. 3(2)(c)); the deadline then rolls past a
    # weekend (Art. 3(4)): 28 Feb 2026 is a Saturday, so that answer is due Monday 2 March.
    assert add_months(received, 1) == period_end
    assert response_deadline(at(received)) == rolled(period_end)


def test_corpus_saturday_example_rolls_to_monday() -> None:
    assert response_deadline(at(D(2026, 1, 31))) == D(2026, 3, 2)


@pytest.mark.parametrize(
    ("received", "wrong"),
    [
        # securebusinessdata.co.uk: "first day of the month after" (date-fns roll-over bug)
        (D(2025, 1, 31), D(2025, 3, 1)),
        (D(2025, 1, 31), D(2025, 3, 3)),
        # pre-2019 ICO / 123dpo.com: counting from the day after receipt, one day too long
        (D(2025, 8, 1), D(2025, 9, 2)),
    ],
)
def test_corpus_divergent_claims_are_not_reproduced(received: dt.date, wrong: dt.date) -> None:
    assert response_deadline(at(received)) != wrong


def test_corpus_file_dated_examples_agree(shared_dir: Path) -> None:
    data = json.loads((shared_dir / "corpora/deadlines/art12_deadline_examples.json").read_text())
    dated = [e for e in data["examples"] if e["received"][:2] == "20"]
    assert dated, "the corpus lost its dated examples"
    for example in dated:
        received = dt.date.fromisoformat(example["received"])
        assert add_months(received, 1) == dt.date.fromisoformat(example["deadline"])


# --- the receipt's local date is taken in the datetime's own zone -------------------------------
def test_receipt_date_is_local_to_the_given_zone() -> None:
    moment = dt.datetime(2025, 1, 31, 23, 30, tzinfo=UTC)  # already 1 Feb in Sofia
    assert response_deadline(moment) == D(2025, 2, 28)
    # 1 Feb → Sat 1 Mar → Mon 3 Mar (Liberation Day in BG) → Tue 4 Mar
    in_sofia = moment.astimezone(SOFIA)
    assert response_deadline(in_sofia) == D(2025, 3, 3)
    assert response_deadline(in_sofia, holidays=PublicHolidays("BG")) == D(2025, 3, 4)


def test_extension_notice_is_due_with_the_one_month_deadline() -> None:
    holidays = frozenset({D(2025, 3, 17)})
    received = at(D(2025, 2, 15))
    assert extension_notice_deadline(received, holidays=holidays) == D(2025, 3, 18)
    assert response_deadline(received, holidays=holidays, extended=True) == D(2025, 5, 15)


# --- errors ---------------------------------------------------------------------------------------
def test_naive_and_non_datetime_receipts_are_refused() -> None:
    with pytest.raises(NaiveDatetimeError, match="received"):
        response_deadline(dt.datetime(2025, 1, 1, 12, 0))
    with pytest.raises(InvalidType, match="received"):
        response_deadline(D(2025, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(NaiveDatetimeError, match="aware_at"):
        breach_notification_deadline(dt.datetime(2025, 1, 1, 12, 0))
    with pytest.raises(InvalidType, match="extended"):
        response_deadline(at(D(2025, 1, 1)), extended="yes")  # type: ignore[arg-type]


def test_add_months_refuses_datetimes_bools_and_overflow() -> None:
    with pytest.raises(InvalidType, match=r"d must be a datetime\.date"):
        add_months(dt.datetime(2025, 1, 1, tzinfo=UTC), 1)
    with pytest.raises(InvalidType, match="n must be an int"):
        add_months(D(2025, 1, 1), True)
    with pytest.raises(InvalidInput, match="outside the years"):
        add_months(D(9999, 12, 1), 1)
    with pytest.raises(InvalidInput, match="outside the years"):
        add_months(D(1, 1, 1), -1)


def test_holiday_sets_must_hold_dates() -> None:
    with pytest.raises(InvalidType, match="holidays"):
        is_working_day(D(2025, 3, 3), {"2025-03-03"})
    with pytest.raises(InvalidType, match="holidays"):
        response_deadline(at(D(2025, 2, 3)), holidays=42)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="holidays"):
        is_working_day(D(2025, 3, 3), "2025-03-03")  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="holidays"):
        is_working_day(D(2025, 3, 3), {"2025-03-03": "Liberation Day"})
    assert not is_working_day(D(2025, 3, 3), {D(2025, 3, 3): "Liberation Day"})


def test_a_calendar_without_working_days_fails_loudly() -> None:
    class Everything:
        def __contains__(self, day: object, /) -> bool:
            return True

    with pytest.raises(InvalidInput, match="no working day"):
        response_deadline(at(D(2025, 2, 3)), holidays=Everything())


def test_working_days_and_next_working_day() -> None:
    assert is_working_day(D(2025, 3, 14))  # Friday
    assert not is_working_day(D(2025, 3, 15))  # Saturday
    assert not is_working_day(D(2025, 3, 16))  # Sunday
    assert next_working_day(D(2025, 3, 14)) == D(2025, 3, 17)
    assert next_working_day(D(2025, 3, 13)) == D(2025, 3, 14)
    assert next_working_day(D(2025, 3, 14), [D(2025, 3, 17)]) == D(2025, 3, 18)
    with pytest.raises(InvalidInput, match="9999"):
        next_working_day(dt.date.max)
    with pytest.raises(InvalidType):
        is_working_day(dt.datetime(2025, 3, 14, tzinfo=UTC))


def test_roll_stops_at_the_end_of_the_calendar() -> None:
    # 9999-12-31 is a Friday; a calendar blocking it leaves nothing to roll to.
    with pytest.raises(InvalidInput, match="no working day"):
        response_deadline(at(D(9999, 11, 30), UTC), holidays={D(9999, 12, 30)} | {D(9999, 12, 31)})
    with pytest.raises(InvalidInput, match="9999"):
        breach_notification_deadline(dt.datetime(9999, 12, 30, 12, 0, tzinfo=UTC))


def test_end_of_day_is_the_last_instant_of_the_local_day() -> None:
    riga = ZoneInfo("Europe/Riga")
    last = end_of_day(D(2025, 3, 17), riga)
    assert last.isoformat() == "2025-03-17T23:59:59.999999+02:00"
    assert (last.astimezone(UTC) + dt.timedelta(microseconds=1)).astimezone(riga).date() == D(
        2025, 3, 18
    )
    # Beirut turned the clock back at midnight on 28/29 Oct 2023: 23:59 happened twice, and the
    # day ends with the later one.
    beirut = end_of_day(D(2023, 10, 28), ZoneInfo("Asia/Beirut"))
    assert beirut.utcoffset() == dt.timedelta(hours=2)
    with pytest.raises(InvalidType, match="tz"):
        end_of_day(D(2025, 3, 17), "Europe/Riga")  # type: ignore[arg-type]


# --- Art. 33(1): 72 hours, no roll ---------------------------------------------------------------
# Worked examples of Reg. 1182/71 Art. 3(1) first subparagraph and 3(2)(a) [S200]: the hour
# during which the controller became aware is not counted; the 72 hours start at the beginning
# of the next hour and are real hours.  Issue 15 item 1 gives the first two.
BREACH_EXAMPLES = [
    # (aware, zone, deadline in that zone)
    (dt.datetime(2025, 3, 7, 16, 30), SOFIA, dt.datetime(2025, 3, 10, 17, 0)),  # Fri → Mon 17:00
    (dt.datetime(2025, 5, 2, 9, 0), UTC, dt.datetime(2025, 5, 5, 10, 0)),  # 09:00:00 sharp
    (dt.datetime(2025, 5, 2, 9, 59, 59, 999999), UTC, dt.datetime(2025, 5, 5, 10, 0)),
    # Sofia moves to EEST at 03:00 on Sun 30 Mar 2025: from 13:00 EET, 72 real hours end at
    # 14:00 local.
    (dt.datetime(2025, 3, 28, 12, 0), SOFIA, dt.datetime(2025, 3, 31, 14, 0)),
    # and back to EET on Sun 26 Oct 2025: from 13:00 EEST, 72 real hours end at 12:00 local.
    (dt.datetime(2025, 10, 24, 12, 0), SOFIA, dt.datetime(2025, 10, 27, 12, 0)),
    # A half-hour zone (UTC+05:30): its clock hours start at :30 UTC.
    (dt.datetime(2025, 3, 7, 16, 40), ZoneInfo("Asia/Kolkata"), dt.datetime(2025, 3, 10, 17, 0)),
]


@pytest.mark.parametrize(("aware", "zone", "expected"), BREACH_EXAMPLES)
def test_breach_deadline_examples(
    aware: dt.datetime, zone: dt.tzinfo, expected: dt.datetime
) -> None:
    deadline = breach_notification_deadline(aware.replace(tzinfo=zone))
    assert deadline.replace(tzinfo=None) == expected
    assert deadline.tzinfo is zone


def test_breach_hour_is_the_controllers_clock_hour() -> None:
    # Stored in UTC at 11:10Z = 16:40 in Kolkata: the period starts at 17:00 Kolkata (11:30Z),
    # not at 12:00Z.
    aware = dt.datetime(2025, 3, 7, 11, 10, tzinfo=UTC)
    kolkata = ZoneInfo("Asia/Kolkata")
    assert breach_period_start(aware, zone=kolkata) == dt.datetime(
        2025, 3, 7, 17, 0, tzinfo=kolkata
    )
    assert breach_notification_deadline(aware) == dt.datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    deadline = breach_notification_deadline(aware, zone=kolkata)
    assert deadline.astimezone(UTC) == dt.datetime(2025, 3, 10, 11, 30, tzinfo=UTC)
    with pytest.raises(InvalidType):
        breach_notification_deadline(aware, zone=5)  # type: ignore[arg-type]


# --- properties -----------------------------------------------------------------------------------
@given(gst.receipt_datetimes(), gst.holiday_calendars(), st.booleans())
def test_deadline_is_after_receipt_and_on_a_working_day(
    received: dt.datetime, holidays: frozenset[dt.date], extended: bool
) -> None:
    deadline = response_deadline(received, holidays=holidays, extended=extended)
    assert deadline > received.date()
    assert deadline.weekday() < 5
    assert deadline not in holidays
    # Art. 3(4): the *first* working day on or after the raw end of the period; extended, the
    # earlier of receipt + 3 months and end of the first month + 2 months (issue 15 item 7).
    day0 = received.date()
    raw = (
        min(add_months(day0, 3), add_months(add_months(day0, 1), 2))
        if extended
        else add_months(day0, 1)
    )
    assert deadline == rolled(raw, holidays)


@given(st.dates(), st.integers(min_value=-1200, max_value=1200))
def test_add_months_clamps_to_the_month_end(day: dt.date, months: int) -> None:
    index = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(index, 12)
    if not 1 <= year <= 9999:
        with pytest.raises(InvalidInput):
            add_months(day, months)
        return
    result = add_months(day, months)
    assert (result.year, result.month) == (year, month0 + 1)
    assert result.day == min(day.day, calendar.monthrange(year, month0 + 1)[1])


@given(gst.receipt_datetimes(), st.integers(min_value=0, max_value=400), gst.holiday_calendars())
def test_deadline_is_monotonic_in_the_receipt_date(
    first: dt.datetime, days_later: int, holidays: frozenset[dt.date]
) -> None:
    # Same zone, later local date (wall-clock arithmetic keeps the zone and moves the date).
    second = first + dt.timedelta(days=days_later)
    assert response_deadline(first, holidays=holidays) <= response_deadline(
        second, holidays=holidays
    )


@given(gst.receipt_datetimes(), gst.holiday_calendars())
def test_extended_deadline_is_between_normal_and_three_months_rolled(
    received: dt.datetime, holidays: frozenset[dt.date]
) -> None:
    normal = response_deadline(received, holidays=holidays)
    extended = response_deadline(received, holidays=holidays, extended=True)
    assert normal <= extended <= rolled(add_months(received.date(), 3), holidays)
    assert extension_notice_deadline(received, holidays=holidays) == normal


@given(gst.receipt_datetimes(min_year=1990, max_year=2100))
def test_breach_deadline_is_72_real_hours_from_the_next_clock_hour(aware: dt.datetime) -> None:
    # Reg. 1182/71 Art. 3(1) first subparagraph, 3(2)(a): the period starts on the hour after
    # awareness, within (0, 1] hour of it, and lasts 72 real hours.
    start = breach_period_start(aware)
    local = start.astimezone(aware.tzinfo)
    assert (local.minute, local.second, local.microsecond) == (0, 0, 0)
    assert dt.timedelta(0) < start.astimezone(UTC) - aware.astimezone(UTC) <= dt.timedelta(hours=1)
    deadline = breach_notification_deadline(aware)
    assert deadline.astimezone(UTC) - start.astimezone(UTC) == dt.timedelta(
        hours=BREACH_NOTIFICATION_HOURS
    )
    assert deadline.tzinfo is aware.tzinfo
    # Never earlier than the old reading (72 real hours from the moment itself).
    assert deadline.astimezone(UTC) > aware.astimezone(UTC) + dt.timedelta(hours=72)


@given(gst.aware_datetimes())
def test_breach_deadline_never_rolls_past_weekends(aware: dt.datetime) -> None:
    # A period in hours ignores weekends (Art. 3(4) is for periods "otherwise than in hours",
    # Art. 3(5) for periods of days): at most 73 hours after awareness.
    deadline = breach_notification_deadline(aware)
    elapsed = deadline.astimezone(UTC) - aware.astimezone(UTC)
    assert dt.timedelta(hours=72) < elapsed <= dt.timedelta(hours=73)


@given(st.dates(max_value=D(9999, 12, 30)))
def test_next_working_day_is_the_first_working_day_after(day: dt.date) -> None:
    following = next_working_day(day)
    assert following > day
    assert is_working_day(following)
    gap = (following - day).days
    assert all(not is_working_day(day + dt.timedelta(days=i)) for i in range(1, gap))


# Art. 12(3) "extended by two further months": the two readings (issue 15 item 7; no authority
# settles it).  (received, receipt + 3 months rolled, end of first month + 2 months rolled)
EXTENSION_EXAMPLES = [
    (D(2025, 10, 31), D(2026, 2, 2), D(2026, 1, 30)),  # issue 15: Sat 31 Jan → Mon; Fri 30 Jan
    (D(2025, 1, 31), D(2025, 4, 30), D(2025, 4, 28)),  # 30 Apr; 28 Feb + 2 months
    (D(2024, 11, 30), D(2025, 2, 28), D(2025, 2, 28)),  # FACTS.md §3d example: both agree
    (D(2024, 3, 5), D(2024, 6, 5), D(2024, 6, 5)),  # no month end: both agree
    (D(2023, 11, 30), D(2024, 2, 29), D(2024, 2, 29)),  # leap year
]


@pytest.mark.parametrize(("received", "from_receipt", "from_first"), EXTENSION_EXAMPLES)
def test_extended_deadline_readings(
    received: dt.date, from_receipt: dt.date, from_first: dt.date
) -> None:
    moment = at(received)
    assert response_deadline(moment, extended=True, reading="from_receipt") == from_receipt
    assert (
        response_deadline(moment, extended=True, reading=ExtensionReading.FROM_FIRST_MONTH)
        == from_first
    )
    # Default: the earlier of the two, in time under either reading.
    assert response_deadline(moment, extended=True) == min(from_receipt, from_first)


@given(st.dates(max_value=D(9999, 8, 31)))
def test_extension_readings_order(day0: dt.date) -> None:
    # Clamping the first month can only shorten it, so "from the first month" is never later
    # than "from receipt"; the default is the earlier; both are 2-3 months after day 0.
    first = extended_end(day0, reading="from_first_month")
    receipt = extended_end(day0, reading="from_receipt")
    assert first <= receipt
    assert extended_end(day0) == min(first, receipt) == first
    assert add_months(day0, 2) < first


def test_unknown_extension_reading_is_refused() -> None:
    with pytest.raises(InvalidInput, match="reading"):
        response_deadline(at(D(2025, 1, 1)), extended=True, reading="whenever")


# --- the controller's zone (issue 15 item 6) ------------------------------------------------------
def test_day_zero_is_the_controllers_local_day() -> None:
    # Issue 15: stored in UTC at 1 March 00:30Z for a shop in the Azores (UTC-1): received on
    # 28 February there, due Fri 28 March, not Tue 1 April.
    stored = dt.datetime(2025, 3, 1, 0, 30, tzinfo=UTC)
    azores = ZoneInfo("Atlantic/Azores")
    assert response_deadline(stored) == D(2025, 4, 1)
    assert response_deadline(stored, zone=azores) == D(2025, 3, 28)
    assert extension_notice_deadline(stored, zone=azores) == D(2025, 3, 28)
    with pytest.raises(InvalidType):
        response_deadline(stored, zone=3)  # type: ignore[arg-type]


@given(
    gst.receipt_datetimes(),
    st.sampled_from(["Atlantic/Azores", "Europe/Sofia", "Pacific/Kiritimati"]),
)
def test_zone_only_changes_which_local_day_is_day_zero(received: dt.datetime, name: str) -> None:
    zone = ZoneInfo(name)
    assert response_deadline(received, zone=zone) == response_deadline(received.astimezone(zone))
