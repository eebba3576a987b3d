"""Statutory presets: rows of :mod:`gdprkit.law.retention` as retention rules."""

from __future__ import annotations

from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law.retention import PeriodKind, StartEvent, StatutoryRetention, statutory_retention
from gdprkit.register import Duration, RetentionAction
from gdprkit.retention._rules import Alignment, AlignmentKind, RetentionRule

__all__ = ["statutory_rule"]

# Art. 17(3)(b) GDPR [S1]: erasure does not apply where processing is
# necessary "for compliance with a legal obligation" — the hook for book-keeping retention.
_GROUND = "Art. 17(3)(b)"

_DEFAULT_TRIGGER = {
    StartEvent.LAST_ENTRY: "last_entry",
    StartEvent.END_OF_EMPLOYMENT: "employment_end",
    StartEvent.END_OF_YEAR_OF_TAX_DUE_DATE: "tax_due",
    StartEvent.DOCUMENT_DATE: "document_date",
}


def _alignment(start: StartEvent | None, financial_year_end: int) -> Alignment:
    if start in (
        StartEvent.END_OF_CALENDAR_YEAR,
        StartEvent.END_OF_YEAR_OF_TAX_DUE_DATE,
    ):
        return Alignment(AlignmentKind.END_OF_YEAR)
    if start in (StartEvent.END_OF_FINANCIAL_YEAR, StartEvent.END_OF_REPORTING_PERIOD):
        # Bulgaria's "1 January of the year after the reporting period" is the day after the
        # period's end: the same anchor as the end of a (calendar) financial year.
        if financial_year_end == 12:
            return Alignment(AlignmentKind.END_OF_YEAR)
        return Alignment(AlignmentKind.FINANCIAL_YEAR_END, financial_year_end)
    return Alignment()


def statutory_rule(
    country: str | StatutoryRetention,
    document: str | None = None,
    *,
    trigger: str | None = None,
    financial_year_end: int = 12,
) -> RetentionRule:
    """A retention rule from a statutory book-keeping row, e.g. Austria's 7 years.

    The row's start becomes the rule's alignment (end of the calendar year, or of the financial
    year ending in month ``financial_year_end``), its law, status and sources the citation, and
    the rule gets the Art. 17(3)(b) ground so an erasure request keeps the data until it is due.
    ``trigger`` names the record's event the period counts from (default ``"document_date"``;
    ``"last_entry"``, ``"employment_end"`` or ``"tax_due"`` where the row says so).

    Rows whose period is fixed or a minimum give a ``delete`` rule.  Where the source is less
    definite — only an upper bound ("up to 10 years"), "until time-barred" (which can be
    suspended), or no stated start — the rule's action is ``review``: a person decides.  Rows
    with no number at all (permanent; while a tax assessment is open) cannot be a dated rule.

    Raises:
        NotFound: no row for the country, or no such document code.
        InvalidInput: ``document`` is not given (a country code alone names no document type),
            or the row states no number of years.
        InvalidType: ``financial_year_end`` is not an int.

    Example:
        >>> import datetime as dt
        >>> rule = statutory_rule("AT", "books_and_vouchers", trigger="invoice_issued")
        >>> rule.explain()  # doctest: +ELLIPSIS
        'delete 7 years after invoice_issued (counted from the end of the calendar year) [§132...'
        >>> rule.due(dt.datetime(2024, 3, 15, tzinfo=dt.timezone.utc)).date()
        datetime.date(2032, 1, 1)
    """
    if isinstance(financial_year_end, bool) or not isinstance(financial_year_end, int):
        raise InvalidType("financial_year_end must be a month number (int 1-12)")
    if isinstance(country, StatutoryRetention):
        row = country
    elif document is None:
        rows = statutory_retention(country)
        if not rows:
            raise NotFound(
                "country: gdprkit ships no statutory retention row for it (none sourced); "
                "state the period in the register instead"
            )
        # Every row is about one document type: even a country's only row is no default for
        # the others (Latvia's only row is a payroll rule; an invoice rule must not carry it).
        codes = ", ".join(r.document for r in rows)
        raise InvalidInput(f"document: name the document type, one of the country's rows ({codes})")
    else:
        row = statutory_retention(country, document)
    if row.years is None:
        raise InvalidInput(
            f"the statutory row {row.country}/{row.document} states no number of years "
            f"({row.kind.value}); it cannot be a dated rule"
        )
    definite = row.kind in (PeriodKind.FIXED, PeriodKind.AT_LEAST) and row.start is not None
    # Each source with its link, so the explanation printed to users can be followed.
    sources = "; ".join(f"[{s.ref}] {s.url or s.text}" for s in row.sources)
    citation = f"{row.law} ({row.country}, {row.status.symbol} {sources})"
    if row.kind is not PeriodKind.FIXED:
        citation += f"; period {row.kind.value.replace('_', ' ')}"
    if row.start is None:
        citation += "; start not stated by the sources"
    default = "document_date" if row.start is None else _DEFAULT_TRIGGER.get(row.start)
    return RetentionRule(
        trigger=trigger or default or "document_date",
        period=Duration(row.years, "years"),
        alignment=_alignment(row.start, financial_year_end),
        action=RetentionAction.DELETE if definite else RetentionAction.REVIEW,
        citation=citation,
        description=row.description,
        ground=_GROUND,
    )
