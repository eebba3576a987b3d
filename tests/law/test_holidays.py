"""Holiday calendars: shop dates, the real ``holidays`` package (BG, LV, XK, AL), overrides."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType, MissingDependency
from gdprkit.law import holidays as law_holidays
from gdprkit.law.holidays import HolidayCalendar, PublicHolidays
from gdprkit.law.periods import is_working_day
from gdprkit.testing import strategies as gst

D = dt.date


def test_bulgaria_liberation_day_and_observed_substitutes() -> None:
    # [S43] vacanza/holidays bulgaria.py: Liberation Day 3 March; observed days for weekend
    # holidays (Unification Day, Sat 6 Sep 2025 → Mon 8 Sep 2025).
    bg = PublicHolidays("BG")
    assert D(2025, 3, 3) in bg
    assert bg.name(D(2025, 3, 3)) == "Liberation Day"
    assert D(2025, 9, 8) in bg
    assert bg.is_observed(D(2025, 9, 8))
    assert not bg.is_observed(D(2025, 9, 6))
    assert not bg.is_observed(D(2025, 3, 3))
    assert D(2025, 3, 4) not in bg
    without = PublicHolidays("BG", observed=False)
    assert D(2025, 9, 8) not in without
    assert D(2025, 9, 6) in without


def test_kosovo_islamic_holidays_are_flagged_estimated() -> None:
    # [S44] kosovo.py: Islamic holidays are calculated and labelled "estimated".
    xk = PublicHolidays("XK")
    assert D(2025, 3, 30) in xk
    assert xk.is_estimated(D(2025, 3, 30))
    assert not xk.is_estimated(D(2025, 2, 17))  # Independence Day, a fixed date
    assert not xk.is_estimated(D(2025, 3, 12))  # not a holiday at all


@pytest.mark.parametrize("country", ["BG", "LV", "XK", "AL", "de", " at "])
def test_country_codes_the_shops_need_are_known(country: str) -> None:
    calendar = PublicHolidays(country)
    assert calendar.country == country.strip().upper()
    assert D(2025, 1, 1) in calendar  # New Year's Day is a public holiday in all of them


def test_subdivisions() -> None:
    assert D(2025, 1, 6) in PublicHolidays("DE", subdivision="by")  # Epiphany in Bavaria
    assert D(2025, 1, 6) not in PublicHolidays("DE", subdivision="BE")
    with pytest.raises(InvalidInput, match="subdivision"):
        PublicHolidays("DE", subdivision="QQ")
    with pytest.raises(InvalidInput, match="subdivision needs a country"):
        PublicHolidays(subdivision="BY")
    with pytest.raises(InvalidType, match="subdivision"):
        PublicHolidays("DE", subdivision="")


@pytest.mark.parametrize(("code", "error"), [("ZZ", InvalidInput), ("BGR", InvalidInput)])
def test_unknown_or_malformed_countries_fail_at_construction(
    code: str, error: type[Exception]
) -> None:
    with pytest.raises(error, match="country"):
        PublicHolidays(code)


def test_country_must_be_a_string() -> None:
    with pytest.raises(InvalidType, match="country"):
        PublicHolidays(42)


def test_shop_dates_are_united_with_the_country_and_exclusions_win() -> None:
    extra = D(2025, 12, 29)
    bg = PublicHolidays("BG", extra=[extra], excluded=[D(2025, 12, 31)])
    assert extra in bg
    assert bg.name(extra) == "holiday (shop calendar)"
    assert D(2025, 12, 31) not in bg
    assert bg.name(D(2025, 12, 31)) is None
    assert D(2025, 3, 3) in bg  # the country's days stay
    assert bg.name(D(2025, 3, 4)) is None
    excluded_observed = PublicHolidays("BG", excluded=[D(2025, 9, 8)])
    assert not excluded_observed.is_observed(D(2025, 9, 8))
    excluded_estimated = PublicHolidays("XK", excluded=[D(2025, 3, 30)])
    assert not excluded_estimated.is_estimated(D(2025, 3, 30))


def test_in_year_lists_the_union_in_order() -> None:
    bg = PublicHolidays("BG", extra=[D(2025, 3, 5)], excluded=[D(2025, 12, 31)])
    year = bg.in_year(2025)
    assert list(year) == sorted(year)
    assert year[D(2025, 3, 3)] == "Liberation Day"
    assert year[D(2025, 3, 5)] == "holiday (shop calendar)"
    assert D(2025, 12, 31) not in year
    assert all(d.year == 2025 for d in year)
    with pytest.raises(InvalidInput, match="year"):
        bg.in_year(0)


@pytest.mark.parametrize("bad", [["2025-01-01"], [dt.datetime(2025, 1, 1)], "2025-01-01", 5])
def test_shop_dates_must_be_plain_dates(bad: object) -> None:
    with pytest.raises(InvalidType, match="extra"):
        PublicHolidays(extra=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="excluded"):
        PublicHolidays(excluded=bad)  # type: ignore[arg-type]


def test_membership_refuses_datetimes() -> None:
    calendar = PublicHolidays(extra=[D(2025, 1, 2)])
    with pytest.raises(InvalidType, match="day"):
        _ = dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc) in calendar
    with pytest.raises(InvalidType):
        calendar.is_estimated("2025-01-02")  # type: ignore[arg-type]


def test_plain_sets_and_package_objects_are_calendars() -> None:
    assert isinstance(frozenset({D(2025, 1, 1)}), HolidayCalendar)
    assert isinstance(PublicHolidays(), HolidayCalendar)
    assert not isinstance(42, HolidayCalendar)


def test_missing_package_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    law_holidays._country_year.cache_clear()
    monkeypatch.setitem(sys.modules, "holidays", None)  # makes `import holidays` fail
    try:
        with pytest.raises(MissingDependency, match=r'pip install "gdprkit\[holidays\]"'):
            PublicHolidays("BG")
        # A shop's own dates need no extra.
        assert D(2025, 3, 3) in PublicHolidays(extra=[D(2025, 3, 3)])
    finally:
        law_holidays._country_year.cache_clear()


def test_to_dict_round_trip_and_errors() -> None:
    calendar = PublicHolidays(
        "LV", extra=[D(2025, 6, 25)], excluded=[D(2025, 5, 2)], observed=False
    )
    data = calendar.to_dict()
    assert data == {
        "country": "LV",
        "subdivision": None,
        "extra": ["2025-06-25"],
        "excluded": ["2025-05-02"],
        "observed": False,
    }
    assert PublicHolidays.from_dict(data) == calendar
    with pytest.raises(InvalidType):
        PublicHolidays.from_dict([])  # type: ignore[arg-type]
    with pytest.raises(InvalidType, match="extra"):
        PublicHolidays.from_dict({"extra": "2025-01-01"})
    with pytest.raises(InvalidInput, match="excluded"):
        PublicHolidays.from_dict({"excluded": ["1 Jan 2025"]})
    with pytest.raises(InvalidType, match="observed"):
        PublicHolidays.from_dict({"observed": "yes"})


@given(st.one_of(gst.public_holidays(), st.from_type(PublicHolidays)))
def test_public_holidays_round_trip(calendar: PublicHolidays) -> None:
    assert PublicHolidays.from_dict(calendar.to_dict()) == calendar


@given(gst.holiday_calendars(), gst.holiday_calendars(max_size=5), st.dates())
def test_shop_only_calendar_is_extra_minus_excluded(
    extra: frozenset[dt.date], excluded: frozenset[dt.date], day: dt.date
) -> None:
    calendar = PublicHolidays(extra=extra, excluded=excluded)
    assert (day in calendar) == (day in extra and day not in excluded)
    assert not calendar.is_observed(day)
    assert not calendar.is_estimated(day)


@given(gst.public_holidays(), st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31)))
def test_working_day_answers_agree_with_the_calendar(
    calendar: PublicHolidays, day: dt.date
) -> None:
    assert is_working_day(day, calendar) == (day.weekday() < 5 and day not in calendar)
    if day in calendar.excluded:
        assert day not in calendar
    elif day in calendar.extra:
        assert day in calendar
