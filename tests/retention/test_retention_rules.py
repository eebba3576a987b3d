"""Retention rules and alignment: 1182/71-style counting, month-end clamps, idempotent alignment."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, InvalidType, NaiveDatetimeError
from gdprkit.register import Duration, Retention, RetentionAction
from gdprkit.retention import Alignment, AlignmentKind, RetentionRule
from gdprkit.testing import strategies as gst

UTC = dt.timezone.utc


def at(*args: int, tz: dt.tzinfo = UTC) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(
    ("text", "day", "aligned"),
    [
        ("none", dt.date(2024, 2, 10), dt.date(2024, 2, 10)),
        ("end_of_month", dt.date(2024, 2, 10), dt.date(2024, 2, 29)),  # leap February
        ("end_of_month", dt.date(2025, 2, 10), dt.date(2025, 2, 28)),
        ("end_of_year", dt.date(2024, 3, 15), dt.date(2024, 12, 31)),
        ("financial_year_end:6", dt.date(2024, 6, 30), dt.date(2024, 6, 30)),
        ("financial_year_end:6", dt.date(2024, 7, 1), dt.date(2025, 6, 30)),
        ("financial_year_end:3", dt.date(2024, 1, 5), dt.date(2024, 3, 31)),
        ("financial_year_end:2", dt.date(2023, 3, 1), dt.date(2024, 2, 29)),
    ],
)
def test_alignment_table(text: str, day: dt.date, aligned: dt.date) -> None:
    alignment = Alignment.parse(text)
    assert alignment.align(day) == aligned
    assert str(alignment) == text


@given(gst.alignments(), st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9000, 1, 1)))
def test_alignment_is_idempotent_and_never_earlier(alignment: Alignment, day: dt.date) -> None:
    once = alignment.align(day)
    assert alignment.align(once) == once
    assert once >= day
    # The aligned day is in the same period as the day: at most a (financial) year later.
    assert (once - day).days < 366


@pytest.mark.parametrize("text", ["", "end_of_week", "financial_year_end:13", "end_of_year:3", 7])
def test_alignment_rejects_unknown_forms(text: object) -> None:
    with pytest.raises((InvalidInput, InvalidType)):
        Alignment.parse(text)


def test_alignment_month_only_with_financial_year() -> None:
    with pytest.raises(InvalidInput):
        Alignment(AlignmentKind.END_OF_YEAR, 3)
    with pytest.raises(InvalidInput):
        Alignment(AlignmentKind.FINANCIAL_YEAR_END)


@pytest.mark.parametrize(
    ("period", "alignment", "trigger", "due"),
    [
        # CCTV "at most 30 days": the recording day is not counted (1182/71 Art. 3(1)); the
        # footage may be kept until the end of the 30th day, deleted from the next midnight.
        ("30 days", "none", at(2025, 3, 1, 14), at(2025, 4, 1)),
        # E-mail logs 100 days.
        ("100 days", "none", at(2025, 1, 10, 8), at(2025, 4, 21)),
        # Months clamp to the end of a shorter month (Art. 3(2)(c)): 31 Jan + 1 month = 28/29 Feb.
        ("1 month", "none", at(2025, 1, 31, 9), at(2025, 3, 1)),
        ("1 month", "none", at(2024, 1, 31, 9), at(2024, 3, 1)),
        ("12 months", "none", at(2024, 2, 29, 12), at(2025, 3, 1)),
        # Austria: 7 years from the end of the calendar year (§132(1) BAO, FACTS.md §5 ✅):
        # an invoice of 2024 may be destroyed from 1 January 2032.
        ("7 years", "end_of_year", at(2024, 3, 15, 9), at(2032, 1, 1)),
        ("7 years", "end_of_year", at(2024, 12, 31, 23, 59), at(2032, 1, 1)),
        # Germany: 10 years from the end of the calendar year (§147(4) AO): 2014 → 1 Jan 2025.
        ("10 years", "end_of_year", at(2014, 6, 1), at(2025, 1, 1)),
        # A financial year ending in June.
        ("10 years", "financial_year_end:6", at(2024, 7, 1), at(2035, 7, 1)),
        ("2 years", "end_of_month", at(2024, 2, 3), at(2026, 3, 1)),
    ],
)
def test_due_table(period: str, alignment: str, trigger: dt.datetime, due: dt.datetime) -> None:
    rule = RetentionRule("event", period, alignment=alignment)
    assert rule.due(trigger) == due


def test_due_is_local_midnight_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    # Clocks go forward on 30 March 2025; one day after the 29th ends at local midnight (+02:00).
    due = RetentionRule("recorded", "1 day").due(at(2025, 3, 29, 23, 30, tz=berlin))
    assert due.isoformat() == "2025-03-31T00:00:00+02:00"
    # The local day counts, not the UTC day: 00:30 in Berlin is still the 29th in UTC.
    due = RetentionRule("recorded", "1 day").due(at(2025, 3, 30, 0, 30, tz=berlin))
    assert due.isoformat() == "2025-04-01T00:00:00+02:00"


def test_until_the_event_falls_due_the_next_day() -> None:
    rule = RetentionRule("account_closed")
    assert rule.due(at(2025, 5, 5, 17)) == at(2025, 5, 6)


@given(gst.retention_rules(), gst.event_datetimes())
def test_due_date_is_never_before_its_trigger(rule: RetentionRule, trigger: dt.datetime) -> None:
    due = rule.due(trigger)
    assert due > trigger
    assert due.tzinfo is trigger.tzinfo
    # and never before the period counted without alignment
    if rule.period is not None:
        assert due.date() > rule.period.after(trigger.date())


@given(gst.retention_rules())
def test_rule_round_trips(rule: RetentionRule) -> None:
    assert RetentionRule.from_dict(rule.to_dict()) == rule


def test_from_retention_keeps_the_register_fields() -> None:
    retention = Retention(
        description="Book-keeping 10 years",
        period="10 years",
        trigger="invoice_issued",
        alignment="financial_year_end:3",
        action="anonymise",
        citation="Accountancy Act",
    )
    rule = RetentionRule.from_retention(retention, ground="Art. 17(3)(b)")
    assert rule.period == Duration(10, "years")
    assert rule.trigger == "invoice_issued"
    assert rule.alignment == Alignment(AlignmentKind.FINANCIAL_YEAR_END, 3)
    assert rule.action is RetentionAction.ANONYMISE
    assert rule.citation == "Accountancy Act"
    assert rule.ground == "Art. 17(3)(b)"


def test_from_retention_needs_a_trigger() -> None:
    with pytest.raises(InvalidInput, match="trigger"):
        RetentionRule.from_retention(Retention(description="as needed", criterion="until done"))


def test_rule_validation() -> None:
    with pytest.raises(InvalidInput):
        RetentionRule(" ")
    with pytest.raises(InvalidType):
        RetentionRule("x", citation=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        RetentionRule("x", "0 days")
    with pytest.raises(InvalidInput, match="unknown"):
        RetentionRule.from_dict({"trigger": "x", "colour": "red"})
    with pytest.raises(NaiveDatetimeError):
        RetentionRule("x", "1 day").due(dt.datetime(2025, 1, 1))


def test_due_beyond_year_9999_is_a_clear_error() -> None:
    with pytest.raises(InvalidInput, match="9999"):
        RetentionRule("collected", "10 years").due(at(9995, 1, 1))


def test_explain_names_period_trigger_alignment_and_citation() -> None:
    rule = RetentionRule("invoice_issued", "7 years", alignment="end_of_year", citation="BAO")
    assert rule.explain() == (
        "delete 7 years after invoice_issued (counted from the end of the calendar year) [BAO]"
    )
