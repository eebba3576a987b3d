"""Schedules: decisions per record, holds always win, missing events are reviewed, previews."""

from __future__ import annotations

import datetime as dt
import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError, NotFound
from gdprkit.register import RetentionAction, load_register
from gdprkit.retention import (
    Decision,
    ErasureBlocker,
    HoldScope,
    LegalHold,
    Record,
    RetentionRule,
    RetentionSchedule,
    record_from_mapping,
)
from gdprkit.testing import strategies as gst

UTC = dt.timezone.utc
REPO = Path(__file__).resolve().parents[2]


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


CCTV = RetentionRule("recorded", "30 days")
SCHEDULE = RetentionSchedule({"cctv": CCTV, "email": RetentionRule("received", "100 days")})


def clip(record_id: str, recorded: dt.datetime, subject: str | None = None) -> Record:
    return Record("cctv", record_id, events={"recorded": recorded}, subject_id=subject)


def test_decision_fields_and_explanation() -> None:
    [d] = SCHEDULE.evaluate([clip("c1", at(2025, 3, 1, 14))], now=at(2025, 4, 2))
    assert (d.record_id, d.purpose, d.action) == ("c1", "cctv", RetentionAction.DELETE)
    assert d.due == at(2025, 4, 1)
    assert d.act_from == d.due
    assert d.due_now
    assert d.hold is None
    assert d.explanation == (
        "rule for purpose 'cctv': delete 30 days after recorded",
        "recorded at 2025-03-01T14:00:00+00:00",
        "kept until the end of 2025-03-31; delete from 2025-04-01T00:00:00+00:00",
    )


def test_sweep_decisions_equal_decisions_built_the_ordinary_way() -> None:
    # evaluate() fills the instance dict in one step; the value must be the same as Decision(...)
    rec = clip("c1", at(2025, 3, 1, 14), "s1")
    [d] = SCHEDULE.evaluate([rec], now=at(2025, 4, 2))
    built = Decision(rec, CCTV, RetentionAction.DELETE, at(2025, 4, 1), True)
    assert d == built
    assert repr(d) == repr(built)
    assert "s1" not in repr(d)


def test_not_due_before_the_period_ends() -> None:
    [d] = SCHEDULE.evaluate([clip("c1", at(2025, 3, 1, 14))], now=at(2025, 3, 31, 23, 59))
    assert not d.due_now


def test_missing_trigger_is_reviewed_naming_the_event() -> None:
    rec = Record("email", "m1", events={"sent": at(2025, 1, 1)})
    [d] = SCHEDULE.evaluate([rec], now=at(2025, 1, 2))
    assert d.action is RetentionAction.REVIEW
    assert d.due_now
    assert d.due is None
    assert "'received'" in (d.note or "")
    assert any("received" in step for step in d.explanation)


def test_unknown_purpose_is_reviewed() -> None:
    [d] = SCHEDULE.evaluate([Record("ads", "a1")], now=at(2025, 1, 2))
    assert d.action is RetentionAction.REVIEW
    assert d.due_now
    assert "ads" in (d.note or "")


def test_mappings_and_objects_are_accepted() -> None:
    class Row:
        purpose = "cctv"
        record_id = "r9"
        subject_id = None
        events: ClassVar[dict[str, dt.datetime]] = {"recorded": at(2025, 3, 1)}

    rows = [
        {"purpose": "cctv", "id": "r1", "recorded": "2025-03-01T10:00:00+01:00"},
        {"purpose": "cctv", "record_id": "r2", "events": {"recorded": at(2025, 3, 1)}},
        Row(),
    ]
    decisions = list(SCHEDULE.evaluate(rows, now=at(2025, 5, 1)))
    assert [d.record_id for d in decisions] == ["r1", "r2", "r9"]
    assert all(d.due_now for d in decisions)


@given(gst.retention_records())
def test_record_round_trip(record: Record) -> None:
    again = Record.from_dict(record.to_dict())
    assert again == record
    assert again.to_dict() == record.to_dict()
    # the zone name survives, so local days (and due dates) are the same after a round trip
    for name, moment in record.events.items():
        if moment is not None:
            assert again.events[name].tzinfo == moment.tzinfo


def test_mapping_ids_may_be_numbers() -> None:
    rec = record_from_mapping({"purpose": "cctv", "id": 7, "subject": 12, "recorded": None})
    assert (rec.record_id, rec.subject_id, rec.events["recorded"]) == ("7", "12", None)


def test_malformed_mapping_raises_when_reached() -> None:
    gen = SCHEDULE.evaluate([{"purpose": "cctv"}], now=at(2025, 1, 1))
    with pytest.raises(InvalidInput, match="record_id"):
        next(gen)
    with pytest.raises(NaiveDatetimeError):
        record_from_mapping({"purpose": "cctv", "id": "1", "recorded": "2025-01-01T10:00:00"})
    with pytest.raises(InvalidInput, match="ISO 8601"):
        record_from_mapping({"purpose": "cctv", "id": "1", "recorded": "yesterday"})


def test_now_must_be_aware() -> None:
    with pytest.raises(NaiveDatetimeError):
        list(SCHEDULE.evaluate([], now=dt.datetime(2025, 1, 1)))


# --- holds ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "hold",
    [
        LegalHold("litigation"),
        LegalHold("audit", scope="purpose", target="cctv"),
        LegalHold("police request", scope="record", target="c1"),
        LegalHold("complaint", scope="subject", target="s1"),
        LegalHold("complaint", scope="subject", target="s1", purpose="cctv"),
    ],
)
def test_each_scope_of_hold_blocks_deletion(hold: LegalHold) -> None:
    schedule = SCHEDULE.with_holds(hold)
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1), "s1")], now=at(2025, 6, 1))
    assert d.hold == hold
    assert not d.due_now
    assert d.act_from is None
    assert "until further notice" in d.explanation[-1]


def test_hold_of_another_target_does_not_apply() -> None:
    schedule = SCHEDULE.with_holds(
        LegalHold("x", scope="subject", target="s2"),
        LegalHold("y", scope="record", target="c2"),
        LegalHold("z", scope="purpose", target="email"),
        LegalHold("w", scope="subject", target="s1", purpose="email"),
    )
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1), "s1")], now=at(2025, 6, 1))
    assert d.hold is None
    assert d.due_now


def test_dated_hold_delays_the_action_until_it_ends() -> None:
    hold = LegalHold("tax audit", until=at(2025, 5, 1))
    schedule = SCHEDULE.with_holds(hold)
    rec = clip("c1", at(2025, 1, 1))
    [d] = schedule.evaluate([rec], now=at(2025, 4, 1))
    assert d.due == at(2025, 2, 1)
    assert d.act_from == at(2025, 5, 1)
    assert not d.due_now
    assert "until 2025-05-01" in d.explanation[-1]
    [d] = schedule.evaluate([rec], now=at(2025, 5, 1))
    assert d.due_now


def test_hold_that_ended_before_the_period_changes_nothing() -> None:
    schedule = SCHEDULE.with_holds(LegalHold("old", until=at(2025, 1, 15)))
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1))], now=at(2025, 3, 1))
    assert d.hold is None
    assert d.due_now


def test_hold_not_yet_started_does_not_bind() -> None:
    schedule = SCHEDULE.with_holds(LegalHold("later", since=at(2025, 6, 1)))
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1))], now=at(2025, 3, 1))
    assert d.hold is None


def test_the_longest_hold_is_named() -> None:
    short = LegalHold("short", until=at(2025, 5, 1))
    long = LegalHold("long", scope="record", target="c1", until=at(2025, 9, 1))
    schedule = SCHEDULE.with_holds(short, long)
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1))], now=at(2025, 4, 1))
    assert d.hold == long
    assert d.act_from == at(2025, 9, 1)


def test_blockers_are_holds() -> None:
    blocker = ErasureBlocker("open_case", subject="s1")
    schedule = SCHEDULE.with_holds(blocker)
    [d] = schedule.evaluate([clip("c1", at(2025, 1, 1), "s1")], now=at(2025, 6, 1))
    assert d.hold == blocker.hold()
    assert not d.due_now


def test_missing_trigger_review_names_a_hold_in_force() -> None:
    schedule = SCHEDULE.with_holds(LegalHold("litigation"))
    [d] = schedule.evaluate([Record("cctv", "x")], now=at(2025, 6, 1))
    assert d.action is RetentionAction.REVIEW
    assert d.hold is not None


_PURPOSES = st.sampled_from(["orders", "cctv", "crm"])
_SUBJECTS = st.sampled_from(["s1", "s2", "s3"])


@given(
    rules=st.dictionaries(_PURPOSES, gst.retention_rules(), max_size=3),
    records=st.lists(gst.retention_records(purposes=_PURPOSES, subjects=_SUBJECTS), max_size=8),
    holds=st.lists(
        gst.legal_holds(targets=st.sampled_from(["s1", "orders", "cctv", "x"])), max_size=3
    ),
    now=gst.event_datetimes(),
)
def test_holds_never_let_a_record_be_deleted(
    rules: dict[str, RetentionRule],
    records: list[Record],
    holds: list[LegalHold],
    now: dt.datetime,
) -> None:
    schedule = RetentionSchedule(rules, holds=holds)
    decisions = list(schedule.evaluate(records, now=now))
    assert [d.record_id for d in decisions] == [r.record_id for r in records]
    for record, decision in zip(records, decisions, strict=True):
        covering = [
            h
            for h in holds
            if h.in_force(now)
            and (h.purpose is None or h.purpose == record.purpose)
            and (
                h.scope is HoldScope.GLOBAL
                or (h.scope is HoldScope.PURPOSE and h.target == record.purpose)
                or (h.scope is HoldScope.SUBJECT and h.target == record.subject_id)
                or (h.scope is HoldScope.RECORD and h.target == record.record_id)
            )
        ]
        if covering and decision.rule is not None and decision.trigger_at is not None:
            assert not decision.due_now
            # a hold in force that outlasts the period is named; one that ends before the
            # period does cannot change the decision
            if any(h.until is None or h.until > (decision.due or now) for h in covering):
                assert decision.hold is not None
        if decision.due_now and decision.action is not RetentionAction.REVIEW:
            assert not covering
        if decision.due is not None and decision.trigger_at is not None:
            assert decision.due > decision.trigger_at
            assert decision.act_from is None or decision.act_from >= decision.due


# --- preview -------------------------------------------------------------------------------


def test_preview_lists_only_actions_in_the_window() -> None:
    records = [clip(str(day), at(2025, 3, day, 10)) for day in range(1, 29)]
    window = list(SCHEDULE.preview(records, at(2025, 4, 1), at(2025, 4, 8)))
    assert [d.record_id for d in window] == [str(day) for day in range(1, 8)]
    assert all(at(2025, 4, 1) <= (d.act_from or at(1, 1, 1)) < at(2025, 4, 8) for d in window)


def test_preview_rejects_an_empty_window() -> None:
    with pytest.raises(InvalidInput):
        list(SCHEDULE.preview([], at(2025, 4, 8), at(2025, 4, 1)))


# --- from the register -----------------------------------------------------------------------


def test_from_register_reads_every_purpose() -> None:
    register = load_register(REPO / "examples" / "register.toml")
    schedule = RetentionSchedule.from_register(register)
    assert set(schedule.rules) | set(schedule.unscheduled) == {p.id for p in register}
    assert str(schedule.rules["customer_service_email"].period) == "100 days"
    assert schedule.rules["bookkeeping"].ground == "Art. 17(3)(b)"
    assert schedule.rules["cctv"].ground is None
    override = RetentionRule("invoice_issued", "7 years", alignment="end_of_year")
    schedule = RetentionSchedule.from_register(register, rules={"bookkeeping": override})
    assert schedule.rules["bookkeeping"] is override
    with pytest.raises(NotFound):
        RetentionSchedule.from_register(register, rules={"nope": override})


def test_schedule_validates_its_inputs() -> None:
    with pytest.raises(InvalidType):
        RetentionSchedule({"cctv": "30 days"})  # type: ignore[dict-item]
    with pytest.raises(InvalidType):
        RetentionSchedule({}, holds=[object()])  # type: ignore[list-item]
    with pytest.raises(InvalidType):
        RetentionSchedule({}, holds=LegalHold("x"))  # type: ignore[arg-type]


# --- laziness and memory ---------------------------------------------------------------------


def _endless(counter: list[int]) -> Iterator[Record]:
    while True:
        counter[0] += 1
        yield clip(str(counter[0]), at(2025, 1, 1) + dt.timedelta(minutes=counter[0]))


def test_evaluate_is_lazy() -> None:
    counter = [0]
    decisions = SCHEDULE.evaluate(_endless(counter), now=at(2025, 6, 1))
    assert counter[0] == 0
    next(decisions)
    assert counter[0] == 1


def test_memory_stays_flat() -> None:
    def run(n: int) -> int:
        gc.collect()
        tracemalloc.start()
        records = (clip(str(i), at(2020, 1, 1) + dt.timedelta(hours=i)) for i in range(n))
        for _ in SCHEDULE.evaluate(records, now=at(2025, 6, 1)):
            pass
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small, large = run(2_000), run(20_000)
    # Ten times the records; the only growth allowed is the due-date memo (one entry a day).
    assert large < small + 2_000_000


# --- the controller's zone (issue 15 item 6) ----------------------------------------------------
SOFIA_ZONE = "Europe/Sofia"


def test_invoice_stored_in_utc_is_counted_on_the_controllers_day() -> None:
    # Issue 15: an invoice issued at 00:30 on 1 Jan 2025 in Sofia, stored in UTC as 22:30Z on
    # 31 Dec 2024, was scheduled a year early (aligned to the end of 2024).  7 years from the
    # end of the calendar year (§132(1) BAO as the worked rule; Reg. 1182/71 Art. 3(1)).
    from zoneinfo import ZoneInfo

    sofia = ZoneInfo(SOFIA_ZONE)
    rule = RetentionRule("invoice_issued", "7 years", alignment="end_of_year")
    stored = dt.datetime(2024, 12, 31, 22, 30, tzinfo=UTC)
    rec = Record("bookkeeping", "inv", events={"invoice_issued": stored})
    utc_schedule = RetentionSchedule({"bookkeeping": rule})
    zoned = RetentionSchedule({"bookkeeping": rule}, zone=sofia)
    now = dt.datetime(2032, 6, 1, tzinfo=UTC)
    [old] = utc_schedule.evaluate([rec], now=now)
    [new] = zoned.evaluate([rec], now=now)
    assert old.due == dt.datetime(2032, 1, 1, tzinfo=UTC)
    assert new.due == dt.datetime(2033, 1, 1, tzinfo=sofia)
    assert not new.due_now
    assert "aligned to the end of the calendar year: 2025-12-31" in new.explanation
    assert rule.due(stored, zone=sofia) == new.due
    assert zoned.with_holds(LegalHold("audit")).zone is sofia


def test_from_register_uses_the_controllers_time_zone(tmp_path: Path) -> None:
    text = (REPO / "examples" / "register.toml").read_text(encoding="utf-8")
    text = text.replace('country = "XK"\n', 'country = "XK"\ntime_zone = "Europe/Sofia"\n', 1)
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    register = load_register(path)
    assert register.controller.time_zone == SOFIA_ZONE
    schedule = RetentionSchedule.from_register(register)
    assert getattr(schedule.zone, "key", None) == SOFIA_ZONE
    assert RetentionSchedule.from_register(register, zone=UTC).zone is UTC
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("Europe/Sofia", "Europe/Atlantis"), encoding="utf-8")
    from gdprkit.errors import RegisterError

    with pytest.raises(RegisterError, match=r"controller\.time_zone"):
        load_register(bad)


@given(
    at=gst.event_datetimes(),
    name=st.sampled_from(["Atlantic/Azores", "Europe/Sofia", "Pacific/Kiritimati", "UTC"]),
)
def test_schedule_zone_equals_passing_local_times(at: dt.datetime, name: str) -> None:
    # Differential: a zoned schedule decides exactly as an unzoned one given the local times.
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(name)
    rule = RetentionRule("recorded", "3 months", alignment="end_of_month")
    now = at + dt.timedelta(days=100)
    [zoned] = RetentionSchedule({"cctv": rule}, zone=zone).evaluate(
        [Record("cctv", "c", events={"recorded": at})], now=now
    )
    [local] = RetentionSchedule({"cctv": rule}).evaluate(
        [Record("cctv", "c", events={"recorded": at.astimezone(zone)})], now=now
    )
    assert zoned.due == local.due
    assert zoned.due_now == local.due_now
