"""Consent expiry counted in the controller's time zone (``ConsentLedger(zone=...)``).

With ``zone`` the local day of the decision there is day 0 and the decision lapses when the last
day of its maximum age has run out, at midnight in that zone (Reg. 1182/71 Art. 3(1) and
3(2)(c), the counting gdprkit.retention and the request deadlines use).  Without it the expiry
is ``at`` plus the maximum age at the same clock time, as before.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gdprkit.consent import Consent, ConsentLedger, ConsentStatus
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.register import Duration
from gdprkit.testing import strategies as gst

from .consent_support import KEY, evidence

UTC = dt.timezone.utc
SOFIA = ZoneInfo("Europe/Sofia")
AZORES = ZoneInfo("Atlantic/Azores")
RIGA = ZoneInfo("Europe/Riga")
ZONES = [UTC, SOFIA, AZORES, RIGA, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati"),
         ZoneInfo("Pacific/Pago_Pago"), dt.timezone(dt.timedelta(hours=5, minutes=30))]  # fmt: skip


def _expiry(
    at: dt.datetime, age: str, zone: dt.tzinfo | str | None, *, granted: bool = True
) -> dt.datetime:
    ages = {"newsletter": age}
    ledger = ConsentLedger(
        key=KEY, zone=zone, **({"max_age": ages} if granted else {"refusal_max_age": ages})
    )
    event = ledger.record("alice", Consent("newsletter", granted, at, evidence()), now=at).event
    assert event.expires_at is not None
    return event.expires_at


# Worked examples, computed by hand from Reg. 1182/71 Art. 3(1) (the day of the decision is day
# 0) and Art. 3(2)(c) (a period of months ends with the last hour of its last day, clamped to the
# month's end), with the offsets of the IANA tz database for those dates.
CASES = [
    # 31 Mar 23:30Z is 1 Apr 02:30 EEST in Sofia: the last day is 1 Oct, the expiry midnight
    # at the start of 2 Oct (EEST, +03) = 1 Oct 21:00Z.  Without a zone: 30 Sep 23:30Z.
    (
        dt.datetime(2025, 3, 31, 23, 30, tzinfo=UTC),
        "6 months",
        SOFIA,
        dt.datetime(2025, 10, 1, 21, 0, tzinfo=UTC),
        dt.datetime(2025, 9, 30, 23, 30, tzinfo=UTC),
    ),
    # 1 Mar 00:30Z is 28 Feb 23:30 (-01) in the Azores: the last day is 28 Mar, the expiry
    # 29 Mar 00:00 -01 (summer time starts on 30 Mar) = 01:00Z.  Without a zone: 1 Apr 00:30Z.
    (
        dt.datetime(2025, 3, 1, 0, 30, tzinfo=UTC),
        "1 month",
        AZORES,
        dt.datetime(2025, 3, 29, 1, 0, tzinfo=UTC),
        dt.datetime(2025, 4, 1, 0, 30, tzinfo=UTC),
    ),
    # 31 Jan 2024 in Riga + 1 month clamps to 29 Feb (a leap year); expiry 1 Mar 00:00 EET.
    (
        dt.datetime(2024, 1, 31, 10, 0, tzinfo=RIGA),
        "1 month",
        RIGA,
        dt.datetime(2024, 2, 29, 22, 0, tzinfo=UTC),
        dt.datetime(2024, 2, 29, 10, 0, tzinfo=RIGA),
    ),
    # 24 months across two DST changes: 1 Mar 2025 09:00Z (11:00 EET) -> last day 1 Mar 2027,
    # expiry 2 Mar 2027 00:00 EET = 1 Mar 22:00Z.
    (
        dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        "24 months",
        "Europe/Sofia",
        dt.datetime(2027, 3, 1, 22, 0, tzinfo=UTC),
        dt.datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    ),
    # Days: 100 days from 2 Jun 2025 (local, Sofia 00:10 EEST = 1 Jun 21:10Z) -> last day
    # 10 Sep, expiry 11 Sep 00:00 EEST = 10 Sep 21:00Z.
    (
        dt.datetime(2025, 6, 1, 21, 10, tzinfo=UTC),
        "100 days",
        SOFIA,
        dt.datetime(2025, 9, 10, 21, 0, tzinfo=UTC),
        dt.datetime(2025, 9, 9, 21, 10, tzinfo=UTC),
    ),
]


@pytest.mark.parametrize(("at", "age", "zone", "zoned", "unzoned"), CASES)
def test_worked_examples(
    at: dt.datetime, age: str, zone: dt.tzinfo | str, zoned: dt.datetime, unzoned: dt.datetime
) -> None:
    assert _expiry(at, age, zone) == zoned
    assert _expiry(at, age, zone, granted=False) == zoned  # refusals count the same way
    assert _expiry(at, age, None) == unzoned  # zone=None: the behaviour before zone existed


def test_allows_until_the_end_of_the_last_local_day() -> None:
    at = dt.datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
    ledger = ConsentLedger(key=KEY, zone=SOFIA, max_age={"newsletter": "6 months"})
    ledger.record("alice", Consent("newsletter", True, at, evidence()), now=at)
    last_instant = dt.datetime(2025, 10, 1, 23, 59, 59, 999999, tzinfo=SOFIA)
    assert ledger.allows("alice", "newsletter", now=last_instant)
    end = last_instant + dt.timedelta(microseconds=1)
    assert not ledger.allows("alice", "newsletter", now=end)
    assert ledger.state("alice", now=end)["newsletter"].status is ConsentStatus.EXPIRED


def test_renew_counts_in_the_zone_too() -> None:
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    ledger = ConsentLedger(key=KEY, zone=SOFIA, max_age={"newsletter": "1 month"})
    ledger.record("alice", Consent("newsletter", True, at, evidence()), now=at)
    renewed_at = dt.datetime(2025, 3, 20, 22, 30, tzinfo=UTC)  # 21 Mar 00:30 EET in Sofia
    entry = ledger.renew("alice", "newsletter", evidence=evidence(), at=renewed_at, now=renewed_at)
    # last day 21 Apr; expiry 22 Apr 00:00 EEST = 21 Apr 21:00Z
    assert entry.event.expires_at == dt.datetime(2025, 4, 21, 21, 0, tzinfo=UTC)


def test_explicit_expiry_and_zone_setting() -> None:
    at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
    given = at + dt.timedelta(days=3)
    ledger = ConsentLedger(key=KEY, zone=SOFIA, max_age={"newsletter": "1 month"})
    entry = ledger.record(
        "a", Consent("newsletter", True, at, evidence(), expires_at=given), now=at
    )
    assert entry.event.expires_at == given  # an explicit expiry is kept as given
    assert ConsentLedger(key=KEY, zone="Europe/Sofia").zone == SOFIA
    assert ConsentLedger(key=KEY).zone is None
    with pytest.raises(InvalidInput, match="zone"):
        ConsentLedger(key=KEY, zone="Mars/Olympus_Mons")
    with pytest.raises(InvalidType, match="zone"):
        ConsentLedger(key=KEY, zone=2)  # type: ignore[arg-type]


@settings(max_examples=150, deadline=None)
@given(
    moment=gst.aware_datetimes(
        min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2090, 1, 1)
    ),
    age=gst.durations(max_amount=60),
    controller=st.sampled_from(ZONES),
    first=st.sampled_from(ZONES),
    second=st.sampled_from(ZONES),
)
def test_expiry_does_not_depend_on_the_zone_at_carries(
    moment: dt.datetime,
    age: Duration,
    controller: dt.tzinfo,
    first: dt.tzinfo,
    second: dt.tzinfo,
) -> None:
    text = str(age)
    expiry = _expiry(moment.astimezone(first), text, controller)
    assert expiry == _expiry(moment.astimezone(second), text, controller)
    # ... and it is the midnight after the last day counted from the local day in the zone.
    local = expiry.astimezone(controller)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0) or (
        controller.utcoffset(local) != controller.utcoffset(local - dt.timedelta(hours=3))
    )  # a zone whose clocks skip midnight on that day shows the shifted wall time
    last_day = age.after(moment.astimezone(controller).date())
    assert (expiry - dt.timedelta(microseconds=1)).astimezone(controller).date() == last_day
    assert expiry > moment
