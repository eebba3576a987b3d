"""Statutory retention of commercial records (FACTS.md §5): the table and its lookup."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given

from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law import Status
from gdprkit.law.retention import (
    STATUTORY_RETENTION,
    PeriodKind,
    StartEvent,
    StatutoryRetention,
    statutory_retention,
)
from gdprkit.law.sources import SOURCES
from gdprkit.testing import strategies as gst

K = PeriodKind
S = StartEvent
# FACTS.md §5, copied: (country, document code) → (years, kind, start, status symbol).
FACTS_5 = {
    ("BG", "payroll_sheets"): (50, K.FIXED, S.END_OF_REPORTING_PERIOD, "🟡"),
    ("BG", "accounting_registers"): (10, K.FIXED, S.END_OF_REPORTING_PERIOD, "🟡"),
    ("BG", "other_accounting_carriers"): (3, K.FIXED, S.END_OF_REPORTING_PERIOD, "🟡"),
    ("LV", "payroll_absence_and_leave"): (10, K.FIXED, S.END_OF_EMPLOYMENT, "🟡"),
    ("XK", "payroll"): (None, K.PERMANENT, None, "🟡"),
    ("XK", "financial_statements"): (10, K.UP_TO, None, "🟡"),
    ("XK", "supporting_evidence"): (6, K.AT_LEAST, None, "🟡"),
    ("AL", "accounting_records"): (10, K.AT_LEAST, S.END_OF_FINANCIAL_YEAR, "🟡"),
    ("AL", "fiscal_receipts"): (5, K.AT_LEAST, S.END_OF_CALENDAR_YEAR, "🟡"),
    ("DE", "books_and_records"): (10, K.FIXED, S.END_OF_CALENDAR_YEAR, "🟡"),
    ("DE", "accounting_vouchers"): (8, K.FIXED, S.END_OF_CALENDAR_YEAR, "🟡"),
    ("DE", "business_letters"): (6, K.FIXED, S.END_OF_CALENDAR_YEAR, "🟡"),
    ("DE", "open_tax_assessment"): (None, K.WHILE_ASSESSMENT_OPEN, None, "🟡"),
    ("FR", "accounting_books"): (10, K.FIXED, S.END_OF_FINANCIAL_YEAR, "🟡"),
    # FACTS.md §5 gives no start; LPF art. L102 B states it ("à compter de la date de la
    # dernière opération … ou de la date à laquelle les documents ou pièces ont été établis"),
    # issue 15 item 8, [S202].
    ("FR", "tax_documents"): (6, K.FIXED, S.DOCUMENT_DATE, "🟡"),
    ("AT", "books_and_vouchers"): (7, K.FIXED, S.END_OF_CALENDAR_YEAR, "✅"),
    ("AT", "real_estate_records"): (12, K.FIXED, None, "✅"),
    ("NL", "tax_records"): (7, K.FIXED, None, "🟡"),
    ("IT", "accounting_entries"): (10, K.FIXED, S.LAST_ENTRY, "✅"),
    ("IT", "invoices_and_correspondence"): (10, K.FIXED, None, "✅"),
    ("ES", "books_and_vouchers"): (6, K.FIXED, S.LAST_ENTRY, "✅"),
    ("ES", "tax_records"): (4, K.UNTIL_TIME_BARRED, None, "✅"),
    ("PL", "vat_records_and_invoices"): (None, K.UNTIL_TIME_BARRED, None, "🟡"),
    ("PL", "tax_time_bar"): (5, K.FIXED, S.END_OF_YEAR_OF_TAX_DUE_DATE, "🟡"),
    ("PL", "tax_books"): (None, K.UNTIL_TIME_BARRED, None, "🟡"),
}
SUPERSEDED = {"XK"}  # old Law 04/L-014, replaced by Law No. 06/L-032 (2018) [S49]


@pytest.mark.parametrize(("country", "document"), sorted(FACTS_5))
def test_table_matches_facts_5(country: str, document: str) -> None:
    years, kind, start, symbol = FACTS_5[country, document]
    entry = statutory_retention(country, document, include_superseded=True)
    assert (entry.years, entry.kind, entry.start, entry.status.symbol) == (
        years,
        kind,
        start,
        symbol,
    )
    assert entry.law
    assert (entry.superseded_by is not None) == (country in SUPERSEDED)


def test_table_has_exactly_the_shipped_rows() -> None:
    assert {(e.country, e.document) for e in STATUTORY_RETENTION} == set(FACTS_5)
    assert len(STATUTORY_RETENTION) == len(FACTS_5)


def test_row_count_agrees_with_facts_md_itself(shared_dir: Path) -> None:
    text = (shared_dir / "FACTS.md").read_text(encoding="utf-8")
    section = text.split("## 5. Statutory retention", 1)[1].split("\n## 6.", 1)[0]
    rows = [r for r in section.splitlines() if re.match(r"^\| (\*\*)?[A-Z]{2}", r)]
    shipped = [r for r in rows if r.split("|")[6].strip()[:1] != "❌"]
    assert len(rows) == 30  # the table as read when the data were copied
    assert len(shipped) == len(STATUTORY_RETENTION)
    assert sum("✅" in r.split("|")[6] for r in shipped) == sum(
        e.status is Status.CONFIRMED for e in STATUTORY_RETENTION
    )


@given(gst.statutory_retentions())
def test_every_row_is_well_formed_and_round_trips(entry: StatutoryRetention) -> None:
    assert entry.status is not Status.UNCONFIRMED  # ❌ rows are not shipped
    assert entry.sources
    assert all(SOURCES[s.ref] == s for s in entry.sources)
    if entry.kind.needs_years:
        assert entry.years is not None
        assert entry.years > 0
    if entry.kind in (PeriodKind.PERMANENT, PeriodKind.WHILE_ASSESSMENT_OPEN):
        assert entry.years is None
    assert StatutoryRetention.from_dict(entry.to_dict()) == entry


def test_document_codes_are_unique_per_country() -> None:
    keys = [(e.country, e.document) for e in STATUTORY_RETENTION]
    assert len(keys) == len(set(keys))


def test_lookup_by_country() -> None:
    assert [e.document for e in statutory_retention("de")] == [
        "books_and_records",
        "accounting_vouchers",
        "business_letters",
        "open_tax_assessment",
    ]
    assert statutory_retention("CH") == ()
    assert statutory_retention("XK") == ()  # only superseded rows are known
    assert len(statutory_retention("XK", include_superseded=True)) == 3
    assert statutory_retention("DE", " Accounting_Vouchers ").years == 8


def test_lookup_errors() -> None:
    with pytest.raises(NotFound, match="books_and_records"):
        statutory_retention("DE", "invoices")
    with pytest.raises(NotFound, match="known: none"):
        statutory_retention("CH", "invoices")
    with pytest.raises(NotFound):
        statutory_retention("XK", "payroll")  # superseded, not asked for
    with pytest.raises(InvalidInput, match="country"):
        statutory_retention("DEU")
    with pytest.raises(InvalidType, match="country"):
        statutory_retention(49)  # type: ignore[call-overload]
    with pytest.raises(InvalidType, match="document"):
        statutory_retention("DE", 8)  # type: ignore[call-overload]


def _row(**changes: object) -> dict[str, object]:
    data = statutory_retention("AT", "books_and_vouchers").to_dict()
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes",
    [
        {"years": None},  # a fixed period needs its number
        {"years": 0},
        {"years": True},
        {"kind": "permanent"},  # permanent with a number of years
        {"kind": "forever"},
        {"start": "invoice_date"},
        {"country": "at"},
        {"document": "Books"},
        {"law": ""},
        {"sources": []},
    ],
)
def test_entry_validation(changes: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        StatutoryRetention.from_dict(_row(**changes))


def test_entry_from_dict_errors_and_valid_shapes() -> None:
    with pytest.raises(InvalidType):
        StatutoryRetention.from_dict(["AT"])  # type: ignore[arg-type]
    data = _row()
    del data["law"]
    with pytest.raises(InvalidInput, match="law"):
        StatutoryRetention.from_dict(data)
    with pytest.raises(InvalidType, match="sources"):
        StatutoryRetention(
            country="AT",
            document="books",
            description="Books",
            years=7,
            kind=PeriodKind.FIXED,
            start=None,
            law="§132 BAO",
            status=Status.CONFIRMED,
            sources="S58",
        )
    permanent = StatutoryRetention.from_dict(_row(kind="permanent", years=None, start=None))
    assert permanent.years is None
    assert not permanent.kind.needs_years
    assert str(PeriodKind.UP_TO) == "up_to"
    assert str(StartEvent.LAST_ENTRY) == "last_entry"


def test_bulgarian_ten_year_row_covers_tax_control_documents() -> None:
    # Accountancy Act Art. 12(1) as read in issue 15 item 8 [S201]: the 10-year row covers
    # "documents for tax control, audit and subsequent financial inspections".
    ten = statutory_retention("BG", "accounting_registers")
    assert ten.years == 10
    assert "tax control, audit and subsequent financial inspections" in ten.description
    assert [s.ref for s in ten.sources] == ["S45", "S201"]
    three = statutory_retention("BG", "other_accounting_carriers")
    assert "10-year row" in three.note
    assert "not covered here" not in three.note


def test_no_row_cites_the_fact_sheet_file() -> None:
    # Issue 15 item 9: FACTS.md is neither in the package nor on the docs site.
    for row in STATUTORY_RETENTION:
        assert "FACTS.md" not in row.note + row.description + row.law, row.document
