"""Malformed rules, records, holds and stored times fail with typed errors naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from gdprkit.errors import GdprkitError, InvalidInput, InvalidType
from gdprkit.retention import (
    Alignment,
    ErasureBlocker,
    ErasureItem,
    LegalHold,
    Record,
    RetentionRule,
    record_from_mapping,
)

UTC = dt.timezone.utc
AT = dt.datetime(2025, 3, 3, tzinfo=UTC)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Record("cctv", "1", events=[("recorded", AT)]),
        lambda: Record("cctv", "1", events={1: AT}),
        lambda: Record("cctv", "1", events={"recorded": "2025-03-03"}),
        lambda: Record("", "1"),
        lambda: Record("cctv", 1),
        lambda: Record("cctv", "1", subject_id=""),
        lambda: record_from_mapping([("purpose", "cctv")]),
        lambda: record_from_mapping({"purpose": "cctv", "id": "1", "events": ["x"]}),
        lambda: record_from_mapping(
            {"purpose": "cctv", "id": "1", "t": "2025-03-03T00:00+01:00[Nowhere/City]"}
        ),
        lambda: record_from_mapping(
            {"purpose": "cctv", "id": "1", "t": "2025-03-03T00:00+05:00[Europe/Riga]"}
        ),
        lambda: RetentionRule(3),
        lambda: RetentionRule("x", alignment="end_of_week"),
        lambda: RetentionRule("x", action="shred"),
        lambda: Alignment("end_of_decade"),
        lambda: Alignment("financial_year_end", 0),
        lambda: Alignment("financial_year_end", "6"),
        lambda: LegalHold(""),
        lambda: LegalHold("x", scope="galaxy"),
        lambda: LegalHold("x", until="tomorrow"),
        lambda: LegalHold("x", target=3, scope="record"),
        lambda: LegalHold.from_dict({"reason": "x", "colour": "red"}),
        lambda: ErasureBlocker("late_payment", subject="c1"),
        lambda: ErasureBlocker("open_order", subject="c1", deceased="yes"),
        lambda: ErasureBlocker("open_order", subject=""),
        lambda: ErasureBlocker.from_dict({"version": 2, "kind": "open_order", "subject": "c"}),
        lambda: ErasureBlocker.from_dict({"kind": "open_order", "subject": "c", "x": 1}),
        lambda: ErasureItem("r", "p", "shred"),
    ],
)
def test_typed_errors(build: object) -> None:
    with pytest.raises(GdprkitError) as info:
        build()  # type: ignore[operator]
    assert isinstance(info.value, (InvalidInput, InvalidType))


def test_zoned_times_round_trip_through_holds() -> None:
    from zoneinfo import ZoneInfo

    # 30 March 2025, 02:30 does not exist in Berlin; 26 October 2025, 02:30 happens twice.
    late = dt.datetime(2025, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Berlin"), fold=1)
    hold = LegalHold("x", until=late)
    data = hold.to_dict()
    assert data["until"] == "2025-10-26T02:30:00+01:00[Europe/Berlin]"
    again = LegalHold.from_dict(data)
    assert again.until is not None
    assert again.until.utcoffset() == late.utcoffset()
    assert again.until.tzinfo == late.tzinfo


def test_blocker_lasts_overrides_the_policy_span() -> None:
    blocker = ErasureBlocker("misuse_suspected", subject="c1", at=AT, lasts="2 years")
    # through the whole of 3 Mar 2027 (Reg. 1182/71 Art. 3(2)(c)), until 4 Mar 00:00
    assert blocker.end() == dt.datetime(2027, 3, 4, tzinfo=UTC)
    assert ErasureBlocker("open_order", subject="c1").end() is None
