"""Malformed requests, events and breach records fail with typed errors naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from gdprkit.breach import BreachRecord
from gdprkit.errors import GdprkitError, InvalidInput, InvalidTransition, InvalidType
from gdprkit.requests import RequestEvent, SubjectRequest

UTC = dt.timezone.utc
AT = dt.datetime(2025, 3, 3, 9, tzinfo=UTC)


def request(**changes: object) -> SubjectRequest:
    fields: dict[str, object] = {
        "id": "r",
        "right": "access",
        "received": AT,
        "channel": "email",
    }
    fields.update(changes)
    return SubjectRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"received": "yesterday"}, InvalidInput),
        ({"received": "2025-03-03T09:00:00Z"}, None),
        ({"right": "to be forgotten entirely"}, InvalidInput),
        ({"events": "x"}, InvalidType),
        ({"events": [object()]}, InvalidType),
        ({"subject_id": " "}, InvalidInput),
    ],
)
def test_request_fields(changes: dict[str, object], error: type[Exception] | None) -> None:
    if error is None:
        assert request(**changes).received == AT
    else:
        with pytest.raises(error):
            request(**changes)


@pytest.mark.parametrize(
    ("event", "error"),
    [
        (RequestEvent("extended", AT), InvalidInput),  # no reason
        (RequestEvent("refused", AT, reason="x"), InvalidInput),  # no ground
        (RequestEvent("fee_charged", AT, reason="x", amount="5"), InvalidInput),  # no currency
    ],
)
def test_replayed_events_need_their_reasons(event: RequestEvent, error: type[Exception]) -> None:
    with pytest.raises(error):
        request(events=[event])


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"kind": "teleported", "at": AT}, InvalidInput),
        ({"kind": "fulfilled", "at": "soon"}, InvalidInput),
        ({"kind": "fee_charged", "at": AT, "amount": 1.5}, InvalidType),
        ({"kind": "fee_charged", "at": AT, "amount": "ten"}, InvalidInput),
        ({"kind": "fee_charged", "at": AT, "amount": "NaN"}, InvalidInput),
        ({"kind": "fulfilled", "at": AT, "colour": "red"}, InvalidInput),
    ],
)
def test_event_fields(fields: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        RequestEvent.from_dict(fields)


def test_stored_zone_must_match() -> None:
    data = request(received=dt.datetime(2025, 3, 3, 9, tzinfo=UTC)).to_dict()
    with pytest.raises(InvalidInput, match="zone"):
        SubjectRequest.from_dict({**data, "zone": "Europe/Sofia"})
    with pytest.raises(InvalidInput, match="zone"):
        SubjectRequest.from_dict({**data, "zone": "Mars/Olympus_Mons"})
    with pytest.raises(InvalidType):
        SubjectRequest.from_dict({**data, "zone": 3})


def test_answered_in_time_is_none_while_open_and_false_when_late() -> None:
    assert request().answered_in_time() is None
    late = request().fulfil(dt.datetime(2025, 4, 4, 0, 1, tzinfo=UTC))
    assert late.answered_in_time() is False


def test_messages_never_contain_the_subject_id() -> None:
    req = request(subject_id="anna@example.com")
    for step in (
        lambda: req.identity_received(AT),
        lambda: req.fulfil(AT - dt.timedelta(days=1)),
        lambda: req.fulfil(AT).fulfil(AT),
    ):
        with pytest.raises(InvalidTransition) as info:
            step()
        assert "anna" not in str(info.value)


@pytest.mark.parametrize(
    "fields",
    [
        {"aware_at": "not a time"},
        {"aware_at": AT, "approx_records": "many"},
        {"aware_at": AT, "record_categories": "contact"},
        {"aware_at": AT, "record_categories": ["contact", ""]},
        {"aware_at": AT, "risk": "catastrophic"},
        {"aware_at": AT, "nature": "  "},
        {"aware_at": AT, "notified_at": AT - dt.timedelta(hours=1)},
    ],
)
def test_breach_fields(fields: dict[str, object]) -> None:
    with pytest.raises(GdprkitError):
        BreachRecord("b", **fields)  # type: ignore[arg-type]


def test_breach_zone_round_trip_and_mismatch() -> None:
    from zoneinfo import ZoneInfo

    riga = dt.datetime(2025, 10, 26, 3, 30, tzinfo=ZoneInfo("Europe/Riga"), fold=1)
    breach = BreachRecord("b", aware_at=riga)
    again = BreachRecord.from_dict(breach.to_dict())
    assert again.deadline == breach.deadline
    assert again.aware_at.utcoffset() == breach.aware_at.utcoffset()
    with pytest.raises(InvalidInput, match="zone"):
        BreachRecord.from_dict({**breach.to_dict(), "zone": "Asia/Tokyo"})
    with pytest.raises(InvalidInput, match="breach record: 1 unknown key"):
        BreachRecord.from_dict({**breach.to_dict(), "colour": "red"})
