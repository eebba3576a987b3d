"""Records as a retention schedule sees them: a purpose, ids and dated events."""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

import attrs

from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.retention._zoned import format_zoned, parse_zoned

__all__ = ["Record", "RecordLike", "record_from_mapping"]


@runtime_checkable
class RecordLike(Protocol):
    """What a schedule needs from a host application's record (an ORM row, a dataclass, ...).

    ``events`` maps event names (``"collected"``, ``"order_delivered"``, ...) to aware datetimes;
    an event that has not happened is simply absent (or ``None``).
    """

    @property
    def purpose(self) -> str:
        """The register purpose id the record is kept for."""

    @property
    def record_id(self) -> str:
        """The record's id in the host application."""

    @property
    def subject_id(self) -> str | None:
        """The data subject the record is about, if known (for subject holds)."""

    @property
    def events(self) -> Mapping[str, dt.datetime | None]:
        """Dated events of the record, by name."""


def _events(value: object) -> Mapping[str, dt.datetime | None]:
    if not isinstance(value, Mapping):
        raise InvalidType("events must be a mapping of event name to datetime")
    checked: dict[str, dt.datetime | None] = {}
    for name, moment in value.items():
        if not isinstance(name, str):
            raise InvalidType("event names must be strings")
        checked[name] = None if moment is None else ensure_aware(moment, f"event {name!r}")
    return types.MappingProxyType(checked)


def _id(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")
    if not value:
        raise InvalidInput(f"{attribute.name} must not be empty")


def _optional_id(_instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise InvalidType(f"{attribute.name} must be a non-empty string or None")


@attrs.frozen
class Record:
    """A plain record for schedules: purpose, record id, subject id and dated events.

    Use it when the host application has no object of its own that fits :class:`RecordLike`.
    ``subject_id`` is personal data and stays out of the repr.

    Raises:
        InvalidType: a field or an event has the wrong type.
        InvalidInput: an empty id.
        NaiveDatetimeError: an event time is naive.

    Example:
        >>> import datetime as dt
        >>> rec = Record("cctv", "cam1-2025-03-01", events={
        ...     "recorded": dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)})
        >>> rec
        Record(purpose='cctv', record_id='cam1-2025-03-01', events=...)
    """

    purpose: str = attrs.field(validator=_id)
    record_id: str = attrs.field(validator=_id)
    events: Mapping[str, dt.datetime | None] = attrs.field(
        factory=dict, converter=_events, eq=False, repr=lambda _: "..."
    )
    subject_id: str | None = attrs.field(default=None, validator=_optional_id, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible form: ids and ISO 8601 event times."""
        return {
            "purpose": self.purpose,
            "record_id": self.record_id,
            "subject_id": self.subject_id,
            "events": {k: None if v is None else format_zoned(v) for k, v in self.events.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Record:
        """Inverse of :meth:`to_dict`; also reads flat rows (see :func:`record_from_mapping`)."""
        return record_from_mapping(data)


_ID_KEYS = {"purpose", "record_id", "id", "subject_id", "subject", "events"}


def _moment(name: str, value: object) -> dt.datetime | None:
    if value is None or value == "":
        return None
    return parse_zoned(value, f"event {name!r}")


def record_from_mapping(data: Mapping[str, Any]) -> Record:
    """Build a :class:`Record` from a mapping: a JSON object or a CSV row.

    Reads ``purpose``, ``record_id`` (or ``id``), ``subject_id`` (or ``subject``) and either an
    ``events`` mapping or, in a flat row, every other non-empty column as an event time in ISO
    8601 with an offset (``2025-03-01T12:00:00+01:00``).

    Raises:
        InvalidInput: ``purpose`` or the record id is missing, or an event is not a date-time.
        NaiveDatetimeError: an event time has no offset.

    Example:
        >>> rec = record_from_mapping({"purpose": "cctv", "id": "7",
        ...                            "recorded": "2025-03-01T12:00:00+01:00"})
        >>> rec.events["recorded"].isoformat()
        '2025-03-01T12:00:00+01:00'
    """
    if not isinstance(data, Mapping):
        raise InvalidType("a record must be a mapping")
    purpose = data.get("purpose")
    record_id = data.get("record_id", data.get("id"))
    if not purpose or not record_id:
        raise InvalidInput("a record needs 'purpose' and 'record_id' (or 'id')")
    subject = data.get("subject_id", data.get("subject"))
    subject = None if subject is None or subject == "" else str(subject)
    raw_events = data.get("events")
    if raw_events is None:
        raw_events = {k: v for k, v in data.items() if k not in _ID_KEYS}
    if not isinstance(raw_events, Mapping):
        raise InvalidType("events must be a mapping of event name to date-time")
    events = {str(k): _moment(str(k), v) for k, v in raw_events.items()}
    return Record(str(purpose), str(record_id), events=events, subject_id=subject)
