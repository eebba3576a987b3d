"""Hypothesis strategies for the law layer: countries, ages, holiday calendars, receipt times.

Re-exported by :mod:`gdprkit.testing.strategies`; import them from there.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from gdprkit.law.ages import DIGITAL_CONSENT_AGES, DigitalConsentAge
from gdprkit.law.holidays import PublicHolidays
from gdprkit.law.retention import STATUTORY_RETENTION, StatutoryRetention
from gdprkit.law.sources import SOURCES, Source

__all__ = [
    "country_codes",
    "digital_consent_ages",
    "fact_sources",
    "holiday_calendars",
    "public_holidays",
    "receipt_datetimes",
    "statutory_retentions",
]

# The shops' own zones (Bulgaria, Latvia, Kosovo uses Europe/Belgrade, Albania), two more with
# DST, UTC, and fixed offsets (including the extremes) where no DST applies.
ZONE_NAMES = (
    "Europe/Sofia",
    "Europe/Riga",
    "Europe/Belgrade",
    "Europe/Tirane",
    "Europe/Berlin",
    "Europe/Lisbon",
    "UTC",
)
_FIXED_OFFSETS = (0, 1, 2, 3, -12, 14)

# Codes the ``holidays`` package and the ages table both know, plus codes in neither table.
_SHOP_COUNTRIES = ("BG", "LV", "XK", "AL")
_UNKNOWN_COUNTRIES = ("US", "CH", "GB", "JP", "ZZ")


def country_codes(*, known: bool | None = None) -> st.SearchStrategy[str]:
    """ISO 3166-1 alpha-2 codes: those of the ages table (``known=True``), others
    (``known=False``) or both (default), in upper or lower case."""
    table = sorted(DIGITAL_CONSENT_AGES)
    if known is True:
        pool = table
    elif known is False:
        pool = list(_UNKNOWN_COUNTRIES)
    else:
        pool = table + list(_UNKNOWN_COUNTRIES)
    return st.sampled_from(pool).flatmap(lambda c: st.sampled_from([c, c.lower()]))


def digital_consent_ages() -> st.SearchStrategy[DigitalConsentAge]:
    """Shipped rows of the Art. 8 ages table, and valid variations of them."""
    shipped = st.sampled_from(list(DIGITAL_CONSENT_AGES.values()))
    varied = st.builds(
        lambda row, age: DigitalConsentAge(
            country=row.country,
            country_name=row.country_name,
            age=age,
            provision=row.provision,
            status=row.status,
            sources=row.sources,
            note=row.note,
        ),
        shipped,
        st.integers(min_value=13, max_value=16),
    )
    return st.one_of(shipped, varied)


def fact_sources() -> st.SearchStrategy[Source]:
    """The sources cited by :mod:`gdprkit.law` (:data:`gdprkit.law.sources.SOURCES`)."""
    return st.sampled_from(list(SOURCES.values()))


def statutory_retentions() -> st.SearchStrategy[StatutoryRetention]:
    """Shipped rows of the statutory retention table (:data:`gdprkit.law.STATUTORY_RETENTION`)."""
    return st.sampled_from(STATUTORY_RETENTION)


def _month_edge_dates(min_year: int, max_year: int) -> st.SearchStrategy[dt.date]:
    """Dates at the edges of months (1st, 28th–31st) and on 29 February of leap years."""

    def build(year: int, month: int, day: int) -> dt.date:
        return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))

    edges = st.builds(
        build,
        st.integers(min_value=min_year, max_value=max_year),
        st.integers(min_value=1, max_value=12),
        st.sampled_from([1, 28, 29, 30, 31]),
    )
    leap_years = [y for y in range(min_year, max_year + 1) if calendar.isleap(y)]
    if not leap_years:
        return edges
    leap_days = st.sampled_from(leap_years).map(lambda y: dt.date(y, 2, 29))
    return st.one_of(edges, leap_days)


def _dst_dates(min_year: int, max_year: int) -> st.SearchStrategy[dt.date]:
    """The EU summer-time change days: last Sunday of March and of October."""

    def last_sunday(year: int, month: int) -> dt.date:
        day = dt.date(year, month, 31)
        return day - dt.timedelta(days=(day.weekday() + 1) % 7)

    return st.builds(
        last_sunday,
        st.integers(min_value=min_year, max_value=max_year),
        st.sampled_from([3, 10]),
    )


def receipt_datetimes(
    *,
    min_year: int = 1990,
    max_year: int = 2100,
    zones: Sequence[str] | None = None,
) -> st.SearchStrategy[dt.datetime]:
    """Aware receipt times biased to the hard cases of deadline arithmetic.

    Dates cross month ends, leap days and the EU DST change days as well as any day; times
    include midnight and the last microsecond; zones are IANA zones with DST (``zones``, by
    default the shops' European zones) and fixed offsets.  Every value is a real instant: times
    that fall into a DST gap are normalised through UTC.
    """
    names = tuple(zones) if zones is not None else ZONE_NAMES
    zone = st.one_of(
        st.sampled_from([ZoneInfo(n) for n in names]),
        st.sampled_from([dt.timezone(dt.timedelta(hours=h)) for h in _FIXED_OFFSETS]),
    )
    day = st.one_of(
        st.dates(min_value=dt.date(min_year, 1, 1), max_value=dt.date(max_year, 12, 31)),
        _month_edge_dates(min_year, max_year),
        _dst_dates(min_year, max_year),
    )
    time = st.one_of(
        st.times(),
        st.sampled_from([dt.time(0, 0), dt.time.max, dt.time(2, 30), dt.time(3, 30)]),
    )

    def build(d: dt.date, t: dt.time, tz: dt.tzinfo, fold: int) -> dt.datetime:
        local = dt.datetime.combine(d, t, tzinfo=tz).replace(fold=fold)
        return local.astimezone(dt.timezone.utc).astimezone(tz)

    return st.builds(build, day, time, zone, st.sampled_from([0, 1]))


def holiday_calendars(
    *, min_year: int = 1990, max_year: int = 2100, max_size: int = 40
) -> st.SearchStrategy[frozenset[dt.date]]:
    """Shop-provided holiday calendars: sets of dates, some of them on month ends."""
    day = st.one_of(
        st.dates(min_value=dt.date(min_year, 1, 1), max_value=dt.date(max_year, 12, 31)),
        _month_edge_dates(min_year, max_year),
    )
    return st.frozensets(day, max_size=max_size)


def public_holidays(
    *, countries: Sequence[str] = _SHOP_COUNTRIES, min_year: int = 1990, max_year: int = 2100
) -> st.SearchStrategy[PublicHolidays]:
    """:class:`~gdprkit.law.holidays.PublicHolidays` of the shops' countries with shop dates.

    Needs the ``holidays`` package for the country calendars (``gdprkit[holidays]``).
    """
    return st.builds(
        PublicHolidays,
        st.one_of(st.none(), st.sampled_from(list(countries))),
        extra=holiday_calendars(min_year=min_year, max_year=max_year, max_size=5),
        excluded=holiday_calendars(min_year=min_year, max_year=max_year, max_size=3),
        observed=st.booleans(),
    )
