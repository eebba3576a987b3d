"""Calendar-correct durations ("100 days", "12 months", "7 years") for retention and consent."""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta

from gdprkit.errors import InvalidInput, InvalidType

__all__ = ["Duration", "DurationUnit"]


class DurationUnit(str, enum.Enum):
    """The units in which shops and statutes state periods."""

    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


_TEXT = re.compile(r"\s*(\d{1,6})\s*(day|week|month|year)s?\s*", re.IGNORECASE)


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidType(f"{attribute.name} must be an int, got {type(value).__name__}")
    if value <= 0:
        raise InvalidInput(f"{attribute.name} must be positive, got {value}")


@attrs.frozen
class Duration:
    """A period of whole days, weeks, months or years, added calendar-correctly.

    Months and years clamp to the last day of a shorter month, as Regulation 1182/71
    Art. 3(2)(c) does for periods in months [S200]: 31 January + 1 month is
    28 (or 29) February.

    Example:
        >>> import datetime as dt
        >>> d = Duration.parse("1 month")
        >>> d.after(dt.date(2025, 1, 31))
        datetime.date(2025, 2, 28)
        >>> str(Duration(100, DurationUnit.DAYS))
        '100 days'
    """

    amount: int = attrs.field(validator=_positive)
    unit: DurationUnit = attrs.field(converter=DurationUnit)

    @classmethod
    def parse(cls, text: object) -> Duration:
        """Parse ``"100 days"``, ``"1 month"``, ``"7 years"``, ``"2 weeks"``.

        Raises:
            InvalidType: ``text`` is not a string.
            InvalidInput: the text is not ``<positive whole number> <unit>``.
        """
        if isinstance(text, Duration):
            return text
        if not isinstance(text, str):
            raise InvalidType(
                f"a duration must be a string like '100 days', got {type(text).__name__}"
            )
        match = _TEXT.fullmatch(text)
        if match is None:
            raise InvalidInput(
                "a duration must look like '<number> days|weeks|months|years', e.g. '100 days'"
            )
        amount = int(match.group(1))
        return cls(amount, DurationUnit(match.group(2).lower() + "s"))

    def relativedelta(self) -> relativedelta:
        """The equivalent ``dateutil.relativedelta`` (month-end clamping included)."""
        if self.unit is DurationUnit.DAYS:
            return relativedelta(days=self.amount)
        if self.unit is DurationUnit.WEEKS:
            return relativedelta(weeks=self.amount)
        if self.unit is DurationUnit.MONTHS:
            return relativedelta(months=self.amount)
        return relativedelta(years=self.amount)

    def after(self, start: dt.date) -> dt.date:
        """The date this duration after ``start`` (a ``datetime`` keeps its time and zone)."""
        result: dt.date = start + self.relativedelta()
        return result

    def __str__(self) -> str:
        unit = self.unit.value if self.amount != 1 else self.unit.value[:-1]
        return f"{self.amount} {unit}"

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form: ``{"amount": 100, "unit": "days"}``."""
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Duration:
        """Inverse of :meth:`to_dict`."""
        return cls(data["amount"], data["unit"])
