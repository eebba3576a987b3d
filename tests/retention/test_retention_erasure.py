"""Erasure plans (Art. 17): erase now, keep on an Art. 17(3) ground until when, or anonymise."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, NaiveDatetimeError
from gdprkit.register import load_register
from gdprkit.retention import (
    BlockerKind,
    ErasureBlocker,
    ErasureOutcome,
    LegalHold,
    Record,
    erasure_plan,
    statutory_rule,
)
from gdprkit.testing import strategies as gst

UTC = dt.timezone.utc
REGISTER = load_register(Path(__file__).resolve().parents[2] / "examples" / "register.toml")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def records() -> list[Record]:
    return [
        Record("account", "acc", events={}, subject_id="c1"),
        Record("direct_marketing", "nl", events={"last_activity": at(2025, 1, 5)}, subject_id="c1"),
        Record("bookkeeping", "inv", events={"invoice_issued": at(2024, 3, 15)}, subject_id="c1"),
        Record("order_fulfilment", "ord", events={}, subject_id="c1"),
    ]


NOW = at(2025, 6, 1)


def by_id(plan_items: tuple[object, ...]) -> dict[str, object]:
    return {item.record_id: item for item in plan_items}  # type: ignore[attr-defined]


def test_plan_without_blockers() -> None:
    plan = erasure_plan(records(), REGISTER, NOW)
    assert {i.record_id for i in plan.erase} == {"acc", "nl", "ord"}
    [kept] = plan.keep
    assert kept.record_id == "inv"
    assert kept.ground == "Art. 17(3)(b)"
    # 10 years from the end of 2024 (the example register's book-keeping rule).
    assert kept.until == at(2035, 1, 1)
    assert "invoice_issued" in kept.reason
    # Art. 19: the recipients of erased purposes are told.
    assert "E-mail delivery service" in plan.recipients
    assert plan.to_dict()["items"][0]["outcome"] in {"erase", "keep"}


def test_statutory_preset_overrides_the_register() -> None:
    rules = {"bookkeeping": statutory_rule("AT", "books_and_vouchers", trigger="invoice_issued")}
    plan = erasure_plan(records(), REGISTER, NOW, rules=rules)
    [kept] = plan.keep
    assert kept.until == at(2032, 1, 1)


def test_book_keeping_record_goes_once_its_period_ended() -> None:
    plan = erasure_plan(records(), REGISTER, at(2035, 1, 1))
    assert "inv" in {i.record_id for i in plan.erase}


def test_book_keeping_record_without_its_event_is_kept_for_review() -> None:
    rec = Record("bookkeeping", "inv2", events={}, subject_id="c1")
    [item] = erasure_plan([rec], REGISTER, NOW).items
    assert item.outcome is ErasureOutcome.KEEP
    assert item.until is None
    assert "invoice_issued" in item.reason


# Issue 15 items 4 and 5.  Each blocker keeps only the purposes its ground concerns: the
# newsletter (consent, direct marketing) is erased whatever the blocker (Art. 17(1)(b), 21(3));
# an open order keeps contract processing only; book-keeping only the legal obligation
# (Art. 17(3)(b)).  A dated blocker ends with the expiry of the last hour of its last day (Reg.
# 1182/71 Art. 3(2)(c)): misuse on 1 Jul 2022 blocks through 1 Jul 2026, until 2 Jul 00:00.
CONTRACT = {"acc", "ord"}
ALL_BUT_CONSENT = {"acc", "ord", "inv"}


@pytest.mark.parametrize(
    ("blocker", "kept", "kept_until"),
    [
        (ErasureBlocker("open_order", subject="c1"), CONTRACT, None),
        (ErasureBlocker("open_case", subject="c1"), ALL_BUT_CONSENT, None),
        (ErasureBlocker("unsettled_debt", subject="c1"), ALL_BUT_CONSENT, None),
        # the quoted policy: misuse within four years, a debt sold within three (one if the
        # customer died), a credit application rejected within three months
        (
            ErasureBlocker("misuse_suspected", subject="c1", at=at(2022, 7, 1)),
            ALL_BUT_CONSENT,
            at(2026, 7, 2),
        ),
        (
            ErasureBlocker("debt_sold", subject="c1", at=at(2023, 1, 10)),
            ALL_BUT_CONSENT,
            at(2026, 1, 11),
        ),
        (
            ErasureBlocker("debt_sold", subject="c1", at=at(2025, 1, 10), deceased=True),
            ALL_BUT_CONSENT,
            at(2026, 1, 11),
        ),
        (
            ErasureBlocker("credit_rejected", subject="c1", at=at(2025, 4, 15)),
            ALL_BUT_CONSENT,
            at(2025, 7, 16),
        ),
        (
            ErasureBlocker("bookkeeping", subject="c1", until=at(2030, 1, 1)),
            {"inv"},
            at(2030, 1, 1),
        ),
    ],
)
def test_each_blocker_keeps_only_the_purposes_it_concerns(
    blocker: ErasureBlocker, kept: set[str], kept_until: dt.datetime | None
) -> None:
    plan = erasure_plan(records(), REGISTER, NOW, holds=[blocker])
    # "inv" is always kept: its own book-keeping rule (Art. 17(3)(b)) until 2035.
    assert {i.record_id for i in plan.keep} == kept | {"inv"}
    assert "nl" in {i.record_id for i in plan.erase}
    for item in plan.keep:
        if item.record_id == "inv" and (
            "inv" not in kept or (kept_until is not None and kept_until < at(2035, 1, 1))
        ):
            # the book-keeping duty outlasts the blocker: kept until the later end, on 17(3)(b)
            assert item.until == at(2035, 1, 1)
            assert item.ground == "Art. 17(3)(b)"
        else:
            assert item.until == kept_until
            assert item.ground == blocker.kind.ground


def test_subject_wide_misuse_blocker_does_not_keep_the_newsletter() -> None:
    # Issue 15 item 4: an "ongoing customer-service matter" not narrowed to one purpose kept the
    # newsletter record labelled with a ground that does not apply to it.
    plan = erasure_plan(records(), REGISTER, NOW, holds=[ErasureBlocker("open_case", subject="c1")])
    [newsletter] = [i for i in plan.items if i.record_id == "nl"]
    assert newsletter.outcome is ErasureOutcome.ERASE
    assert newsletter.ground is None


def test_dated_blocker_lasts_to_the_end_of_its_last_day() -> None:
    # Issue 15 item 5: misuse suspected 2 May 2023 10:00 is not released at 10:00 on 2 May
    # 2027; at 15:00 that day the data are still kept, from 3 May 00:00 they go.
    blocker = ErasureBlocker("misuse_suspected", subject="c1", at=at(2023, 5, 2, 10))
    assert blocker.end() == at(2027, 5, 3)
    during = erasure_plan(records(), REGISTER, at(2027, 5, 2, 15), holds=[blocker])
    assert "acc" in {i.record_id for i in during.keep}
    after = erasure_plan(records(), REGISTER, at(2027, 5, 3), holds=[blocker])
    assert "acc" in {i.record_id for i in after.erase}


def test_expired_blockers_no_longer_block() -> None:
    old = [
        ErasureBlocker("misuse_suspected", subject="c1", at=at(2020, 1, 1)),
        ErasureBlocker("debt_sold", subject="c1", at=at(2024, 1, 1), deceased=True),
        ErasureBlocker("credit_rejected", subject="c1", at=at(2025, 1, 1)),
    ]
    plan = erasure_plan(records(), REGISTER, NOW, holds=old)
    assert {i.record_id for i in plan.erase} == {"acc", "nl", "ord"}


def test_blocker_narrowed_to_a_purpose() -> None:
    blocker = ErasureBlocker("open_order", subject="c1", purpose="order_fulfilment")
    plan = erasure_plan(records(), REGISTER, NOW, holds=[blocker])
    assert {i.record_id for i in plan.keep} == {"inv", "ord"}


def test_other_subjects_blockers_do_not_apply() -> None:
    plan = erasure_plan(
        records(), REGISTER, NOW, holds=[ErasureBlocker("open_order", subject="c2")]
    )
    assert len(plan.erase) == 3


def test_anonymise_instead() -> None:
    from gdprkit.retention import RetentionRule

    rules = {"web_analytics": RetentionRule("collected", "25 months", action="anonymise")}
    rec = Record("web_analytics", "v1", events={"collected": at(2025, 5, 1)})
    plan = erasure_plan([rec], REGISTER, NOW, rules=rules)
    assert [i.record_id for i in plan.anonymise] == ["v1"]


def test_blocker_validation() -> None:
    with pytest.raises(InvalidInput, match="at"):
        ErasureBlocker("misuse_suspected", subject="c1")
    with pytest.raises(InvalidInput, match="until"):
        ErasureBlocker("bookkeeping", subject="c1")
    with pytest.raises(NaiveDatetimeError):
        ErasureBlocker("credit_rejected", subject="c1", at=dt.datetime(2025, 1, 1))
    assert "c1" not in repr(ErasureBlocker("open_order", subject="c1"))
    assert "c1" not in repr(ErasureBlocker("open_order", subject="c1").hold())


def test_hold_round_trip_and_validation() -> None:
    hold = LegalHold(
        "audit", scope="subject", target="c1", until=at(2026, 1, 1), since=at(2025, 1, 1)
    )
    assert LegalHold.from_dict(hold.to_dict()) == hold
    with pytest.raises(InvalidInput):
        LegalHold("audit", scope="subject")
    with pytest.raises(InvalidInput):
        LegalHold("audit", target="c1")
    with pytest.raises(InvalidInput):
        LegalHold("audit", until=at(2025, 1, 1), since=at(2025, 1, 1))
    with pytest.raises(InvalidInput):
        LegalHold.from_dict({"version": 2, "reason": "x"})


@given(
    blockers=st.lists(gst.erasure_blockers(subjects=st.just("c1")), max_size=3),
    now=gst.event_datetimes(min_year=2020, max_year=2036),
)
def test_a_record_is_erased_only_if_no_blocker_in_force_concerns_it(
    blockers: list[ErasureBlocker], now: dt.datetime
) -> None:
    # Art. 17(3): a blocker keeps the data of the purposes it concerns, and nothing else.
    plan = erasure_plan(records(), REGISTER, now, holds=blockers)
    assert len(plan.items) == 4
    for item in plan.items:
        purpose = REGISTER.purpose(item.purpose)
        concerned = [b for b in blockers if b.hold().in_force(now) and b.concerns(purpose)]
        if concerned:
            assert item.outcome is ErasureOutcome.KEEP
        if purpose.is_consent_based and not any(b.purpose == purpose.id for b in blockers):
            # Art. 17(1)(b), 21(3): consent and direct-marketing data are never kept by a
            # blocker that does not name them.
            assert item.outcome is ErasureOutcome.ERASE
    for item in plan.keep:
        assert item.ground
        assert item.until is None or item.until > now


@given(gst.erasure_blockers())
def test_dated_blocker_ends_at_the_midnight_after_its_last_day(blocker: ErasureBlocker) -> None:
    # Reg. 1182/71 Art. 3(1), 3(2)(c): day 0 is not counted and the period ends with the expiry
    # of its last day, so a dated blocker ends at a local midnight, and never before the old
    # clock-time end (at + span) nor more than a day after it.
    end = blocker.end()
    if end is None or blocker.until is not None or blocker.at is None:
        return
    local = end.astimezone(blocker.at.tzinfo)
    assert (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0)
    assert blocker.hold().until == end
    # Reference, written independently: the policy spans of the quoted shop (issue 6).
    if blocker.lasts is not None:
        span = blocker.lasts.relativedelta()
    elif blocker.kind is BlockerKind.MISUSE_SUSPECTED:
        span = relativedelta(years=4)
    elif blocker.kind is BlockerKind.DEBT_SOLD:
        span = relativedelta(years=1 if blocker.deceased else 3)
    else:
        span = relativedelta(months=3)
    last_day = blocker.at.date() + span
    assert local.date() == last_day + dt.timedelta(days=1)
    old_end = blocker.at + span
    assert local.replace(tzinfo=None) > old_end.replace(tzinfo=None)


@given(gst.erasure_blockers())
def test_blocker_round_trip(blocker: ErasureBlocker) -> None:
    again = ErasureBlocker.from_dict(blocker.to_dict())
    assert again.to_dict() == blocker.to_dict()
    assert again.end() == blocker.end()


def test_blocker_kinds_name_their_ground() -> None:
    assert BlockerKind.MISUSE_SUSPECTED.ground == "Art. 17(3)(e)"
    assert BlockerKind.BOOKKEEPING.ground == "Art. 17(3)(b)"
