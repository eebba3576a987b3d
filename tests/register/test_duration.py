"""Durations: parsing, calendar-correct addition with month-end clamping (Reg. 1182/71 3(2)(c))."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.register import Duration, DurationUnit
from gdprkit.testing import strategies as gst


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("100 days", 100, DurationUnit.DAYS),
        ("1 day", 1, DurationUnit.DAYS),
        ("12 Months", 12, DurationUnit.MONTHS),
        (" 7 years ", 7, DurationUnit.YEARS),
        ("2 week", 2, DurationUnit.WEEKS),
    ],
)
def test_parse(text: str, amount: int, unit: DurationUnit) -> None:
    assert Duration.parse(text) == Duration(amount, unit)


@pytest.mark.parametrize("bad", ["", "0 days", "-1 days", "ten days", "3 fortnights", "1.5 years"])
def test_parse_rejects(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Duration.parse(bad)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(InvalidType):
        Duration.parse(30)
    with pytest.raises(InvalidType):
        Duration(True, "days")  # type: ignore[arg-type]


def test_month_end_clamping_examples() -> None:
    # FACTS.md §3d worked examples: 31 Jan 2025 + 1 month = 28 Feb; 31 Jan 2024 = 29 Feb.
    one_month = Duration.parse("1 month")
    assert one_month.after(dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)
    assert one_month.after(dt.date(2024, 1, 31)) == dt.date(2024, 2, 29)
    assert Duration.parse("1 year").after(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2300, 1, 1)), st.integers(1, 240))
def test_months_land_on_same_day_or_month_end(start: dt.date, months: int) -> None:
    end = Duration(months, DurationUnit.MONTHS).after(start)
    total = start.year * 12 + start.month - 1 + months
    assert end.year * 12 + end.month - 1 == total
    last = calendar.monthrange(end.year, end.month)[1]
    assert end.day == min(start.day, last)


@given(gst.durations(), st.dates(max_value=dt.date(2500, 1, 1)))
def test_duration_is_never_backwards_and_round_trips(d: Duration, start: dt.date) -> None:
    assert d.after(start) > start
    assert Duration.from_dict(d.to_dict()) == d
    assert Duration.parse(str(d)) == d


def test_after_keeps_time_and_zone() -> None:
    moment = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert Duration.parse("1 month").after(moment) == moment.replace(month=2, day=28)
