"""Statutory presets: rows of gdprkit.law.retention (FACTS.md §5) as retention rules."""

from __future__ import annotations

import datetime as dt

import pytest

from gdprkit.errors import InvalidInput, NotFound
from gdprkit.law.retention import (
    STATUTORY_RETENTION,
    PeriodKind,
    StatutoryRetention,
    statutory_retention,
)
from gdprkit.register import RetentionAction
from gdprkit.retention import AlignmentKind, statutory_rule

UTC = dt.timezone.utc


def test_austria_seven_years_from_the_end_of_the_year() -> None:
    # §132(1) BAO (FACTS.md §5 ✅ [S58][S59]): an invoice of 15 March 2024 is kept through 2031.
    rule = statutory_rule("AT", "books_and_vouchers", trigger="invoice_issued")
    assert rule.due(dt.datetime(2024, 3, 15, tzinfo=UTC)) == dt.datetime(2032, 1, 1, tzinfo=UTC)
    assert rule.action is RetentionAction.DELETE
    assert rule.ground == "Art. 17(3)(b)"
    assert "§132(1) BAO" in (rule.citation or "")
    assert "S58" in (rule.citation or "")


def test_germany_vouchers_eight_years() -> None:
    rule = statutory_rule("DE", "accounting_vouchers", trigger="invoice_issued")
    assert str(rule.period) == "8 years"
    assert rule.alignment.kind is AlignmentKind.END_OF_YEAR
    assert rule.due(dt.datetime(2025, 2, 1, tzinfo=UTC)).date() == dt.date(2034, 1, 1)


def test_financial_year_rows_follow_the_shops_financial_year() -> None:
    rule = statutory_rule("FR", "accounting_books", financial_year_end=6)
    assert rule.alignment.kind is AlignmentKind.FINANCIAL_YEAR_END
    assert rule.alignment.month == 6
    assert rule.trigger == "document_date"
    assert rule.due(dt.datetime(2024, 8, 1, tzinfo=UTC)).date() == dt.date(2035, 7, 1)


def test_last_entry_rows_count_from_the_last_entry() -> None:
    rule = statutory_rule("IT", "accounting_entries")
    assert rule.trigger == "last_entry"
    assert rule.alignment.kind is AlignmentKind.NONE


def test_every_row_with_years_becomes_a_rule_and_the_rest_refuse() -> None:
    for row in STATUTORY_RETENTION:
        if row.years is None:
            with pytest.raises(InvalidInput, match="no number of years"):
                statutory_rule(row)
            continue
        rule = statutory_rule(row)
        assert rule.period is not None
        assert rule.period.amount == row.years
        definite = row.kind in (PeriodKind.FIXED, PeriodKind.AT_LEAST) and row.start is not None
        assert (rule.action is RetentionAction.DELETE) is definite
        assert row.law in (rule.citation or "")


def test_lookup_errors() -> None:
    with pytest.raises(InvalidInput, match="name the document type"):
        statutory_rule("DE")
    with pytest.raises(NotFound):
        statutory_rule("AT", "nope")
    with pytest.raises(NotFound, match="no statutory retention row"):
        statutory_rule("XK")  # Kosovo's current law: unconfirmed, not shipped
    assert len(statutory_retention("NL")) == 1
    # Issue 15 item 8: even a country's only row is no default for its other documents.
    with pytest.raises(InvalidInput, match="tax_records"):
        statutory_rule("NL")
    assert statutory_rule("NL", "tax_records").action is RetentionAction.REVIEW  # no start


def test_latvia_refuses_without_a_document_type() -> None:
    # Issue 15 item 8: LV's only row is a payroll rule (Accounting Law, [S46][S47]); without a
    # document type, or with an invoice trigger, it must not become an invoice rule.
    with pytest.raises(InvalidInput, match="payroll_absence_and_leave"):
        statutory_rule("LV")
    with pytest.raises(InvalidInput):
        statutory_rule("LV", trigger="invoice_issued")
    payroll = statutory_rule("LV", "payroll_absence_and_leave")
    assert payroll.trigger == "employment_end"


def test_france_l102_b_counts_from_the_document_date() -> None:
    # LPF art. L102 B (Légifrance [S202]): six years "à compter … de la date à laquelle les
    # documents ou pièces ont été établis": a dated delete rule, no alignment, no review.
    rule = statutory_rule("FR", "tax_documents")
    assert rule.action is RetentionAction.DELETE
    assert rule.trigger == "document_date"
    assert str(rule.alignment) == "none"
    issued = dt.datetime(2024, 3, 15, 9, tzinfo=dt.timezone.utc)
    # 15 Mar 2024 not counted; six years end with 15 Mar 2030; due at 16 Mar 2030 00:00.
    assert rule.due(issued) == dt.datetime(2030, 3, 16, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("row", [r for r in STATUTORY_RETENTION if r.years is not None])
def test_preset_citations_can_be_followed(row: StatutoryRetention) -> None:
    # Issue 15 item 9: the explanation printed to users names the law and each source with its
    # link (where the source has one), never the fact-sheet file.
    rule = statutory_rule(row)
    assert rule.citation is not None
    assert row.law in rule.citation
    assert "FACTS.md" not in rule.explain()
    for src in row.sources:
        assert f"[{src.ref}]" in rule.citation
        if src.url:
            assert src.url in rule.citation
