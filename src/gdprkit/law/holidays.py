"""Public holidays for deadline arithmetic: a shop's own dates, a country's, or both.

Regulation 1182/71 rolls a period that ends on "a public holiday, Sunday or Saturday" to the
next working day (Art. 3(4) ✅ [S6]); public holidays are "all days designated as such in the
Member State … in which action is to be taken" (Art. 2(1) ✅ [S5]).  gdprkit takes those days
from a :class:`HolidayCalendar`: anything that answers ``day in calendar``.  A plain
``frozenset`` of dates is one; :class:`PublicHolidays` is another, which unites the public
holidays of a country — from the optional ``holidays`` package (``pip install
"gdprkit[holidays]"``; it covers BG, LV, XK, AL and most other countries ✅ [S44]) — with the
shop's own dates, minus any the shop removes.

Two cautions (sources [S43][S44]):

- for Kosovo (``XK``) and Albania (``AL``) the Islamic holidays are calculated and may be
  *estimated* [S44] (:meth:`PublicHolidays.is_estimated`); check them against the official
  announcement and fix them with ``extra``/``excluded``;
- Bulgaria has *observed* substitute days when a holiday falls on a weekend [S43][S44]
  (:meth:`PublicHolidays.is_observed`); they are included unless ``observed=False``.

Example:
    >>> import datetime as dt
    >>> from gdprkit.law.holidays import PublicHolidays
    >>> bg = PublicHolidays(country="BG")
    >>> dt.date(2025, 3, 3) in bg  # Liberation Day
    True
    >>> shop = PublicHolidays(extra=[dt.date(2025, 12, 27)])
    >>> dt.date(2025, 12, 27) in shop
    True
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import types
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple, Protocol, runtime_checkable

import attrs

from gdprkit.errors import InvalidInput, InvalidType, MissingDependency

__all__ = ["HolidayCalendar", "PublicHolidays"]

_INSTALL_HINT = 'pip install "gdprkit[holidays]"'
_COUNTRY = re.compile(r"[A-Z]{2}")


@runtime_checkable
class HolidayCalendar(Protocol):
    """Anything that says whether a date is a public holiday: ``day in calendar``.

    A ``set``/``frozenset`` of :class:`datetime.date` satisfies it, as does
    :class:`PublicHolidays` and a ``holidays.HolidayBase`` object.

    Example:
        >>> import datetime as dt
        >>> isinstance(frozenset({dt.date(2025, 1, 1)}), HolidayCalendar)
        True
    """

    def __contains__(self, day: object, /) -> bool:
        """Return whether ``day`` is a public holiday."""
        ...


def _plain_date(value: object, name: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidType(f"{name} must hold datetime.date values (not datetimes or strings)")
    return value


def _date_set(values: Iterable[object], name: str) -> frozenset[dt.date]:
    """Any iterable of plain dates → ``frozenset[date]``, refusing strings and datetimes."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType(f"{name} must be an iterable of datetime.date")
    return frozenset(_plain_date(v, name) for v in values)


def _extra_dates(values: Iterable[object]) -> frozenset[dt.date]:
    return _date_set(values, "extra")


def _excluded_dates(values: Iterable[object]) -> frozenset[dt.date]:
    return _date_set(values, "excluded")


def _optional_code(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidType("country must be a two-letter country code string or None")
    code = value.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise InvalidInput("country must be a two-letter ISO 3166-1 code such as 'BG'")
    return code


def _optional_subdivision(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidType("subdivision must be a non-empty string or None")
    return value.strip().upper()


def _holidays_package() -> Any:
    """Import the optional ``holidays`` package, or explain how to install it."""
    try:
        import holidays  # noqa: PLC0415, TID251 - the holidays extra lives in this module only
    except ImportError as exc:
        raise MissingDependency(
            f"country holiday calendars need the holidays package: {_INSTALL_HINT}"
        ) from exc
    return holidays


class _Day(NamedTuple):
    name: str
    estimated: bool
    observed: bool


@functools.lru_cache(maxsize=512)
def _country_year(
    country: str, subdivision: str | None, year: int, observed: bool
) -> Mapping[dt.date, _Day]:
    """The public holidays of one country and year, from the ``holidays`` package (cached).

    Pure: the same arguments always give the same table, so the cache never changes an answer.
    """
    package = _holidays_package()
    try:
        cls = package.country_holidays(country, subdiv=subdivision, years=(), observed=observed)
    except NotImplementedError:
        raise InvalidInput(
            "country/subdivision: the holidays package has no calendar for this code"
        ) from None
    language = "en_US" if "en_US" in getattr(cls, "supported_languages", ()) else None
    with_observed = package.country_holidays(
        country, subdiv=subdivision, years=year, observed=observed, language=language
    )
    # Observed substitute days are the days that are holidays only because of observance;
    # comparing with an observed=False table does not depend on the language of the names.
    plain = package.country_holidays(
        country, subdiv=subdivision, years=year, observed=False, language=language
    )
    # The package marks calculated (Islamic) dates with its own "estimated" label.
    label = getattr(with_observed, "estimated_label", "") or ""
    token = with_observed.tr(label).strip("%s ()（）") if label else ""
    table = {}
    for day, name in with_observed.items():
        text = str(name)
        table[day] = _Day(
            name=text,
            estimated=bool(token) and token in text,
            observed=day not in plain,
        )
    return types.MappingProxyType(table)


@attrs.frozen
class PublicHolidays:
    """Public holidays of a country (``holidays`` package) united with a shop's own dates.

    ``country`` is an ISO 3166-1 alpha-2 code known to the ``holidays`` package (``"BG"``,
    ``"LV"``, ``"XK"``, ``"AL"``, …) or ``None`` for shop dates only; ``subdivision`` a region
    code of that package (``"BY"`` for Bavaria); ``extra`` days are added, ``excluded`` days
    removed (the shop's override of the package); ``observed`` keeps substitute
    days for holidays falling on a weekend (Bulgaria).  The package is imported only when a
    country is given; its answers are cached per year.

    Raises:
        MissingDependency: a country is given and the ``holidays`` package is not installed.
        InvalidInput: the package has no calendar for ``country``/``subdivision``.
        InvalidType: ``extra``/``excluded`` hold something other than plain dates.

    Example:
        >>> import datetime as dt
        >>> bg = PublicHolidays(country="bg", excluded=[dt.date(2025, 12, 31)])
        >>> bg.name(dt.date(2025, 3, 3))
        'Liberation Day'
        >>> dt.date(2025, 12, 31) in bg
        False
        >>> bg.is_observed(dt.date(2025, 9, 8))  # Unification Day fell on a Saturday
        True
    """

    country: str | None = attrs.field(default=None, converter=_optional_code)
    subdivision: str | None = attrs.field(
        default=None, converter=_optional_subdivision, kw_only=True
    )
    extra: frozenset[dt.date] = attrs.field(
        default=frozenset(), converter=_extra_dates, kw_only=True
    )
    excluded: frozenset[dt.date] = attrs.field(
        default=frozenset(), converter=_excluded_dates, kw_only=True
    )
    observed: bool = attrs.field(default=True, kw_only=True)

    def __attrs_post_init__(self) -> None:
        if self.subdivision is not None and self.country is None:
            raise InvalidInput("subdivision needs a country")
        if self.country is not None:
            # Fail at construction, not at the first deadline: check package and code now.
            _country_year(self.country, self.subdivision, 2000, self.observed)

    def _table(self, day: dt.date) -> Mapping[dt.date, _Day]:
        if self.country is None:
            return types.MappingProxyType({})
        return _country_year(self.country, self.subdivision, day.year, self.observed)

    def __contains__(self, day: object, /) -> bool:
        """Return whether ``day`` (a plain date) is a public holiday of this calendar.

        Raises:
            InvalidType: ``day`` is not a plain date (a datetime has no single local date).
        """
        day = _plain_date(day, "day")
        if day in self.excluded:
            return False
        return day in self.extra or day in self._table(day)

    def name(self, day: dt.date) -> str | None:
        """Return the holiday's name (English where the package has it), or ``None``.

        Shop-provided days are named ``"holiday (shop calendar)"``.

        Raises:
            InvalidType: ``day`` is not a plain date.
        """
        day = _plain_date(day, "day")
        if day in self.excluded:
            return None
        entry = self._table(day).get(day)
        if entry is not None:
            return entry.name
        return "holiday (shop calendar)" if day in self.extra else None

    def is_estimated(self, day: dt.date) -> bool:
        """Return whether the package marks this holiday's date as estimated (e.g. XK, AL).

        Raises:
            InvalidType: ``day`` is not a plain date.
        """
        day = _plain_date(day, "day")
        entry = self._table(day).get(day)
        return entry is not None and entry.estimated and day not in self.excluded

    def is_observed(self, day: dt.date) -> bool:
        """Return whether this day is an observed substitute for a weekend holiday (e.g. BG).

        Raises:
            InvalidType: ``day`` is not a plain date.
        """
        day = _plain_date(day, "day")
        entry = self._table(day).get(day)
        return entry is not None and entry.observed and day not in self.excluded

    def in_year(self, year: int) -> dict[dt.date, str]:
        """Return every holiday of ``year``, sorted by date, with its name.

        Raises:
            InvalidInput: ``year`` is outside 1–9999.

        Example:
            >>> import datetime as dt
            >>> PublicHolidays(extra=[dt.date(2024, 5, 2)]).in_year(2024)
            {datetime.date(2024, 5, 2): 'holiday (shop calendar)'}
        """
        checked: object = year
        if not isinstance(checked, int) or not dt.MINYEAR <= checked <= dt.MAXYEAR:
            raise InvalidInput("year must be an int between 1 and 9999")
        days = {d for d in self.extra if d.year == year}
        if self.country is not None:
            days |= set(_country_year(self.country, self.subdivision, year, self.observed))
        return {d: self.name(d) or "" for d in sorted(days - self.excluded)}

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict (dates as ISO strings); :meth:`from_dict` reads it."""
        return {
            "country": self.country,
            "subdivision": self.subdivision,
            "extra": sorted(d.isoformat() for d in self.extra),
            "excluded": sorted(d.isoformat() for d in self.excluded),
            "observed": self.observed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PublicHolidays:
        """Build a calendar from :meth:`to_dict` output.

        Raises:
            InvalidType: ``data`` is not a mapping or a field has the wrong type.
            InvalidInput: a date is not ISO ``YYYY-MM-DD`` or the country is unknown.
            MissingDependency: a country is given and ``holidays`` is not installed.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"public holidays must be a mapping, got {type(data).__name__}")

        def dates(key: str) -> list[dt.date]:
            values = data.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InvalidType(f"{key} must be a list of ISO date strings")
            try:
                return [dt.date.fromisoformat(v) for v in values]
            except ValueError:
                raise InvalidInput(f"{key} must hold ISO dates (YYYY-MM-DD)") from None

        observed = data.get("observed", True)
        if not isinstance(observed, bool):
            raise InvalidType("observed must be a bool")
        return cls(
            data.get("country"),
            subdivision=data.get("subdivision"),
            extra=dates("extra"),
            excluded=dates("excluded"),
            observed=observed,
        )


def _as_calendar(value: object, name: str = "holidays") -> HolidayCalendar:
    """Accept ``None``, a collection of plain dates, or any :class:`HolidayCalendar`.

    Collections are checked element by element, so a set of ISO strings fails loudly instead of
    silently never matching.
    """
    if value is None:
        return frozenset()
    if isinstance(value, (set, frozenset, list, tuple)) or type(value) is dict:
        # Plain collections (and plain dicts keyed by date) are checked: a set of ISO strings
        # would otherwise never match and silently roll nothing.
        return frozenset(_plain_date(v, name) for v in value)
    if isinstance(value, (str, bytes)):
        raise InvalidType(f"{name} must be a set of datetime.date or a HolidayCalendar")
    if isinstance(value, HolidayCalendar):
        return value
    raise InvalidType(f"{name} must be a set of datetime.date or a HolidayCalendar")
