"""Statutory retention of commercial records and invoices, per country.

Book-keeping law is the main reason a shop may refuse erasure: Art. 17(3)(b) GDPR [S1]
(processing "for compliance with a legal obligation").  Periods usually start at the **end** of
the calendar or financial year, not at the invoice date.

This module is pure data and a lookup: each :class:`StatutoryRetention` is one row of the
project's fact sheet on retention, with its period, the event the period runs from, the law,
the status and the sources (:mod:`gdprkit.law.sources`, published in the docs as the sources
table).
Periods are modelled as the sources state them — a fixed number of years, a minimum ("at least
10 years"), an upper bound ("up to 10 years"), "permanently", "until the tax liability is
time-barred", or "longer while the tax assessment is open" — see :class:`PeriodKind`.
Unconfirmed rows (BG: the Tax and Social Insurance Procedure Code Art. 38 and VAT Act Art. 121
periods; LV: the Accounting Law's periods for source documents and registers; XK under the
current law; NL real estate and BW 2:10; PL accounting vouchers) are **not** shipped.  Rows from
a superseded law (Kosovo's Law 04/L-014) are shipped marked ``superseded_by`` and left out of
lookups unless asked for.  Every row is 🟡 or ✅: check 🟡 rows with the national gazette
before relying on them; the shop's own retention rules (``gdprkit.retention``) always win.

Example:
    >>> from gdprkit.law.retention import statutory_retention
    >>> invoices = statutory_retention("DE", "accounting_vouchers")
    >>> (invoices.years, invoices.start.value, invoices.status.symbol)
    (8, 'end_of_calendar_year', '🟡')
    >>> [e.document for e in statutory_retention("IT")]
    ['accounting_entries', 'invoices_and_correspondence']
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from typing import Any, overload

import attrs

from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law.sources import SOURCES, Source, Status

__all__ = [
    "STATUTORY_RETENTION",
    "PeriodKind",
    "StartEvent",
    "StatutoryRetention",
    "statutory_retention",
]

_COUNTRY = re.compile(r"[A-Z]{2}")
_CODE = re.compile(r"[a-z][a-z0-9_]*")


class PeriodKind(str, enum.Enum):
    """How the source states the period.

    Example:
        >>> PeriodKind.AT_LEAST.needs_years
        True
        >>> PeriodKind.PERMANENT.needs_years
        False
    """

    FIXED = "fixed"
    """Exactly ``years`` years."""
    AT_LEAST = "at_least"
    """At least ``years`` years: the statute sets a minimum."""
    UP_TO = "up_to"
    """"Up to ``years`` years": the source gives only an upper bound."""
    PERMANENT = "permanent"
    """Kept permanently; ``years`` is ``None``."""
    UNTIL_TIME_BARRED = "until_time_barred"
    """Until the (tax) liability is time-barred; ``years`` is the base limitation period where
    the source gives one (it can be suspended or interrupted), else ``None``."""
    WHILE_ASSESSMENT_OPEN = "while_assessment_open"
    """Kept longer than the other periods while the tax assessment period is still open; an
    extension on top of the country's other rows, ``years`` is ``None``."""

    def __str__(self) -> str:
        return str.__str__(self)

    @property
    def needs_years(self) -> bool:
        """Whether entries of this kind must state a number of years."""
        return self in (PeriodKind.FIXED, PeriodKind.AT_LEAST, PeriodKind.UP_TO)


class StartEvent(str, enum.Enum):
    """The event a statutory period runs from.

    Example:
        >>> StartEvent("end_of_financial_year") is StartEvent.END_OF_FINANCIAL_YEAR
        True
    """

    END_OF_CALENDAR_YEAR = "end_of_calendar_year"
    """The end of the calendar year (of the document, or as the row's note says)."""
    END_OF_FINANCIAL_YEAR = "end_of_financial_year"
    """The close of the financial year."""
    END_OF_REPORTING_PERIOD = "end_of_reporting_period"
    """1 January of the year after the reporting period (Bulgaria)."""
    LAST_ENTRY = "last_entry"
    """The date of the last entry in the books."""
    END_OF_EMPLOYMENT = "end_of_employment"
    """The end of the employment relationship."""
    END_OF_YEAR_OF_TAX_DUE_DATE = "end_of_year_of_tax_due_date"
    """The end of the calendar year in which the tax payment deadline fell (Poland)."""
    DOCUMENT_DATE = "document_date"
    """The date the document was made, or of the last operation entered in a book (France,
    LPF art. L102 B: "à compter de la date de la dernière opération mentionnée sur les livres
    ou registres ou de la date à laquelle les documents ou pièces ont été établis")."""

    def __str__(self) -> str:
        return str.__str__(self)


def _text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{attribute.name} must be a non-empty string")


def _country(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _COUNTRY.fullmatch(value):
        raise InvalidInput(f"{attribute.name} must be an upper-case two-letter ISO 3166-1 code")


def _code(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        raise InvalidInput(f"{attribute.name} must be a lower-case identifier like 'invoices'")


def _to_kind(value: object) -> PeriodKind:
    try:
        return PeriodKind(value)
    except ValueError:
        accepted = ", ".join(repr(k.value) for k in PeriodKind)
        raise InvalidInput(f"kind must be one of {accepted}") from None


def _to_start(value: object) -> StartEvent | None:
    if value is None:
        return None
    try:
        return StartEvent(value)
    except ValueError:
        accepted = ", ".join(repr(k.value) for k in StartEvent)
        raise InvalidInput(f"start must be None or one of {accepted}") from None


def _to_status(value: object) -> Status:
    return Status.parse(value)


def _to_sources(value: Iterable[object]) -> tuple[Source, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidType("sources must be an iterable of Source")
    items = tuple(value)
    sources = tuple(s for s in items if isinstance(s, Source))
    if not sources or len(sources) != len(items):
        raise InvalidInput("sources must be a non-empty sequence of Source")
    return sources


@attrs.frozen
class StatutoryRetention:
    """One row of the statutory retention table: how long a country's law makes a business keep
    a document.

    ``document`` is a stable code unique within the country (``"accounting_vouchers"``),
    ``description`` the document type in the words of the law or its sources; ``years`` is
    ``None`` exactly when
    ``kind`` states no number (:attr:`PeriodKind.needs_years`); ``start`` is ``None`` where the
    sources do not say what the period runs from.

    Raises:
        InvalidInput: ``years`` is missing for a numeric kind, not positive, or given for a kind
            without a number; a code or text field is malformed.

    Example:
        >>> StatutoryRetention(
        ...     country="AT", document="books", description="Books", years=7,
        ...     kind="fixed", start="end_of_calendar_year", law="§132(1) BAO",
        ...     status="confirmed", sources=[SOURCES["S58"]],
        ... ).kind
        <PeriodKind.FIXED: 'fixed'>
    """

    country: str = attrs.field(validator=_country)
    document: str = attrs.field(validator=_code)
    description: str = attrs.field(validator=_text)
    years: int | None = attrs.field()
    kind: PeriodKind = attrs.field(converter=_to_kind)
    start: StartEvent | None = attrs.field(converter=_to_start)
    law: str = attrs.field(validator=_text)
    status: Status = attrs.field(converter=_to_status)
    sources: tuple[Source, ...] = attrs.field(converter=_to_sources)
    note: str = ""
    superseded_by: str | None = None

    @years.validator
    def _check_years(self, _attribute: attrs.Attribute[int | None], value: object) -> None:
        kind = _to_kind(self.kind)
        if value is None:
            if kind.needs_years:
                raise InvalidInput(f"years is required for a period of kind {kind.value!r}")
            return
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise InvalidInput("years must be a positive int or None")
        if kind in (PeriodKind.PERMANENT, PeriodKind.WHILE_ASSESSMENT_OPEN):
            raise InvalidInput(f"years must be None for a period of kind {kind.value!r}")

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict; :meth:`from_dict` reads it back."""
        return {
            "country": self.country,
            "document": self.document,
            "description": self.description,
            "years": self.years,
            "kind": self.kind.value,
            "start": None if self.start is None else self.start.value,
            "law": self.law,
            "status": self.status.value,
            "sources": [s.to_dict() for s in self.sources],
            "note": self.note,
            "superseded_by": self.superseded_by,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatutoryRetention:
        """Build an entry from :meth:`to_dict` output.

        Raises:
            InvalidType: ``data`` is not a mapping.
            InvalidInput: a key is missing or a value is invalid.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"statutory retention must be a mapping, got {type(data).__name__}")
        try:
            return cls(
                country=data["country"],
                document=data["document"],
                description=data["description"],
                years=data["years"],
                kind=data["kind"],
                start=data["start"],
                law=data["law"],
                status=data["status"],
                sources=tuple(Source.from_dict(s) for s in data["sources"]),
                note=data.get("note", ""),
                superseded_by=data.get("superseded_by"),
            )
        except KeyError as exc:
            raise InvalidInput(f"statutory retention is missing key {exc.args[0]!r}") from None


_OK = Status.CONFIRMED
_2ND = Status.SECONDARY
_FIXED = PeriodKind.FIXED
_CAL = StartEvent.END_OF_CALENDAR_YEAR
_XK_CURRENT = "Law No. 06/L-032 on Accounting, Financial Reporting and Auditing (2018)"


def _row(  # noqa: PLR0917 - a table row reads best positionally
    country: str,
    document: str,
    description: str,
    years: int | None,
    kind: PeriodKind,
    start: StartEvent | None,
    law: str,
    status: Status,
    refs: str,
    note: str = "",
    superseded_by: str | None = None,
) -> StatutoryRetention:
    return StatutoryRetention(
        country=country,
        document=document,
        description=description,
        years=years,
        kind=kind,
        start=start,
        law=law,
        status=status,
        sources=tuple(SOURCES[r] for r in refs.split()),
        note=note,
        superseded_by=superseded_by,
    )


_BG_ACT = "Accountancy Act (Закон за счетоводството, SG 95/2015, in force 1 Jan 2016), Art. 12"

# The project's fact sheet on retention (sources in gdprkit.law.sources), in its order;
# unconfirmed rows left out.
STATUTORY_RETENTION: tuple[StatutoryRetention, ...] = (
    _row(
        "BG",
        "payroll_sheets",
        "payroll sheets",
        50,
        _FIXED,
        StartEvent.END_OF_REPORTING_PERIOD,
        _BG_ACT,
        _2ND,
        "S45",
        "from 1 Jan of the year after the reporting period",
    ),
    _row(
        "BG",
        "accounting_registers",
        "accounting registers and financial statements, and documents for tax control, audit "
        "and subsequent financial inspections",
        10,
        _FIXED,
        StartEvent.END_OF_REPORTING_PERIOD,
        _BG_ACT,
        _2ND,
        "S45 S201",
        "from 1 Jan of the year after the reporting period; invoices kept for tax control "
        "belong here, not in the 3-year row",
    ),
    _row(
        "BG",
        "other_accounting_carriers",
        "all other carriers of accounting information",
        3,
        _FIXED,
        StartEvent.END_OF_REPORTING_PERIOD,
        _BG_ACT,
        _2ND,
        "S45 S201",
        "from 1 Jan of the year after the reporting period; documents for tax control, audit "
        "and financial inspections are in the 10-year row; the periods of the Tax and Social "
        "Insurance Procedure Code Art. 38 and the VAT Act Art. 121 are unconfirmed and not "
        "shipped",
    ),
    _row(
        "LV",
        "payroll_absence_and_leave",
        "payroll-related documents on compensation for forced absence and leave",
        10,
        _FIXED,
        StartEvent.END_OF_EMPLOYMENT,
        "Accounting Law (Grāmatvedības likums, 2022)",
        _2ND,
        "S47 S46",
        "10 years after the employment ends; the Accounting Law's periods for source "
        "documents, registers and annual statements are unconfirmed and not shipped: "
        "statutory_rule('LV') refuses to guess a document type",
    ),
    _row(
        "XK",
        "payroll",
        "payroll",
        None,
        PeriodKind.PERMANENT,
        None,
        "old Law 04/L-014 (2011)",
        _2ND,
        "S48 S49",
        "old law; the retention article of the current law was not retrieved",
        _XK_CURRENT,
    ),
    _row(
        "XK",
        "financial_statements",
        "financial statements and supporting documents",
        10,
        PeriodKind.UP_TO,
        None,
        "old Law 04/L-014 (2011)",
        _2ND,
        "S48 S49",
        '"up to 10 years"; old law, the retention article of the current law was not retrieved',
        _XK_CURRENT,
    ),
    _row(
        "XK",
        "supporting_evidence",
        "supporting accounting evidence",
        6,
        PeriodKind.AT_LEAST,
        None,
        "old Law 04/L-014 (2011)",
        _2ND,
        "S48 S49",
        "old law; the retention article of the current law was not retrieved",
        _XK_CURRENT,
    ),
    _row(
        "AL",
        "accounting_records",
        "accounting records and financial statements",
        10,
        PeriodKind.AT_LEAST,
        StartEvent.END_OF_FINANCIAL_YEAR,
        'Law 25/2018 "On accounting and financial statements" (article not verified)',
        _2ND,
        "S50 S51",
    ),
    _row(
        "AL",
        "fiscal_receipts",
        "fiscal receipt / fiscalisation transaction data",
        5,
        PeriodKind.AT_LEAST,
        _CAL,
        "fiscalisation rules (law not identified)",
        _2ND,
        "S52",
        "weak; after the year of issue",
    ),
    _row(
        "DE",
        "books_and_records",
        "books, records, inventories, annual financial statements, management reports, "
        "opening balance sheet, working instructions",
        10,
        _FIXED,
        _CAL,
        "§147(1),(3) AO; §257(1),(4) HGB",
        _2ND,
        "S53 S54",
        "start: §147(4) AO",
    ),
    _row(
        "DE",
        "accounting_vouchers",
        "accounting vouchers (Buchungsbelege), including invoices",
        8,
        _FIXED,
        _CAL,
        "§147(1) no. 4, (3) AO; §257(1) no. 4, (4) HGB; §14b(1) UStG, as amended by the "
        "Fourth Bureaucracy Relief Act (BEG IV)",
        _2ND,
        "S53 S54 S55",
        "was 10 years; applies to documents whose old period had not run out on the cut-off "
        "date (sources give 30 Oct 2024 [S55] or 1 Jan 2025 [S54]); BaFin-supervised firms "
        "one year later",
    ),
    _row(
        "DE",
        "business_letters",
        "commercial and business letters received/sent, other tax-relevant documents",
        6,
        _FIXED,
        _CAL,
        "§147(1),(3) AO; §257 HGB",
        _2ND,
        "S54",
    ),
    _row(
        "DE",
        "open_tax_assessment",
        "all documents above, while the tax assessment period is still open",
        None,
        PeriodKind.WHILE_ASSESSMENT_OPEN,
        None,
        "§147(3) AO",
        _2ND,
        "S54",
        "extends the other German periods",
    ),
    _row(
        "FR",
        "accounting_books",
        "accounting books and supporting documents (incl. customer and supplier invoices, "
        "order forms)",
        10,
        _FIXED,
        StartEvent.END_OF_FINANCIAL_YEAR,
        "Code de commerce art. L123-22",
        _2ND,
        "S56 S57",
    ),
    _row(
        "FR",
        "tax_documents",
        "books, registers, documents and vouchers open to the tax administration's rights of "
        "communication, inquiry and control",
        6,
        _FIXED,
        StartEvent.DOCUMENT_DATE,
        "Livre des procédures fiscales art. L102 B",
        _2ND,
        "S57 S202",
        "six years from the date of the last operation entered in the books or registers, or "
        "from the date the documents were drawn up (L102 B I, first paragraph); for a book, "
        "pass the date of its last operation as the trigger",
    ),
    _row(
        "AT",
        "books_and_vouchers",
        "books, records and their vouchers (incl. invoices), business papers",
        7,
        _FIXED,
        _CAL,
        "§132(1) BAO; §212 UGB",
        _OK,
        "S58 S59",
        "end of the calendar year, or of the calendar year in which a non-calendar financial "
        "year ends",
    ),
    _row(
        "AT",
        "real_estate_records",
        "records on certain real estate",
        12,
        _FIXED,
        None,
        "§18(10) UStG",
        _OK,
        "S58",
        "12 years; some 22 years",
    ),
    _row(
        "NL",
        "tax_records",
        "tax-relevant books, records and data carriers",
        7,
        _FIXED,
        None,
        "Algemene wet inzake rijksbelastingen (AWR) art. 52(4)",
        _2ND,
        "S60",
        "real-estate data (10 years) and the civil-law duty of BW 2:10 (7 years) are "
        "unconfirmed and not shipped",
    ),
    _row(
        "IT",
        "accounting_entries",
        "accounting entries (scritture)",
        10,
        _FIXED,
        StartEvent.LAST_ENTRY,
        "Codice civile art. 2220",
        _OK,
        "S61",
    ),
    _row(
        "IT",
        "invoices_and_correspondence",
        "invoices, letters, telegrams received, and copies of those sent",
        10,
        _FIXED,
        None,
        "Codice civile art. 2220(2)",
        _OK,
        "S61",
        "same 10 years as the accounting entries",
    ),
    _row(
        "ES",
        "books_and_vouchers",
        "books, correspondence, documentation and vouchers (incl. invoices)",
        6,
        _FIXED,
        StartEvent.LAST_ENTRY,
        "Código de Comercio art. 30",
        _OK,
        "S62",
    ),
    _row(
        "ES",
        "tax_records",
        "tax records",
        4,
        PeriodKind.UNTIL_TIME_BARRED,
        None,
        "Ley General Tributaria (Ley 58/2003)",
        _OK,
        "S62",
        "4-year limitation period for tax assessment (LGT); the tax office has 10 years to "
        "check loss carry-forwards and deductions (LGT art. 66 bis.2); checks may reach "
        "time-barred years whose facts affect open years (LGT art. 115)",
    ),
    _row(
        "PL",
        "vat_records_and_invoices",
        "VAT records and invoices",
        None,
        PeriodKind.UNTIL_TIME_BARRED,
        None,
        "VAT Act (ustawa o VAT) art. 112",
        _2ND,
        "S63",
        "until the tax liability becomes time-barred (see tax_time_bar)",
    ),
    _row(
        "PL",
        "tax_time_bar",
        "(time bar) the limitation period of tax liabilities",
        5,
        _FIXED,
        StartEvent.END_OF_YEAR_OF_TAX_DUE_DATE,
        "Ordynacja podatkowa art. 70 §1",
        _2ND,
        "S63 S64",
        "can be suspended or interrupted",
    ),
    _row(
        "PL",
        "tax_books",
        "tax books and related documents",
        None,
        PeriodKind.UNTIL_TIME_BARRED,
        None,
        "Ordynacja podatkowa art. 86 §1",
        _2ND,
        "S65",
        "until the limitation period expires (older text: 5 years from end of year); 1997 "
        "text read",
    ),
)
"""Every shipped statutory retention row (✅ and 🟡 only), in the fact sheet's order."""


def _normalise_country(country: object) -> str:
    if not isinstance(country, str):
        raise InvalidType("country must be a two-letter country code string")
    code = country.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise InvalidInput("country must be a two-letter ISO 3166-1 code such as 'DE'")
    return code


@overload
def statutory_retention(
    country: str, document: None = None, *, include_superseded: bool = False
) -> tuple[StatutoryRetention, ...]: ...


@overload
def statutory_retention(
    country: str, document: str, *, include_superseded: bool = False
) -> StatutoryRetention: ...


def statutory_retention(
    country: str, document: str | None = None, *, include_superseded: bool = False
) -> tuple[StatutoryRetention, ...] | StatutoryRetention:
    """Look up a country's statutory retention rows, or one row by its document code.

    Without ``document``: every shipped row of ``country`` (an empty tuple when gdprkit holds
    none — it then knows of no statutory period, which is not the same as "none exists").
    With ``document``: that row.  Rows of a superseded law (Kosovo's Law 04/L-014) are left out
    unless ``include_superseded``.

    Raises:
        InvalidInput: ``country`` is not a two-letter code.
        InvalidType: ``country`` or ``document`` is not a string.
        NotFound: ``document`` is not a code of that country; the message lists the codes.

    Example:
        >>> statutory_retention("ES", "books_and_vouchers").start
        <StartEvent.LAST_ENTRY: 'last_entry'>
        >>> statutory_retention("XK")
        ()
        >>> len(statutory_retention("XK", include_superseded=True))
        3
    """
    code = _normalise_country(country)
    rows = tuple(
        row
        for row in STATUTORY_RETENTION
        if row.country == code and (include_superseded or row.superseded_by is None)
    )
    if document is None:
        return rows
    if not isinstance(document, str):
        raise InvalidType("document must be a document code string")
    wanted = document.strip().lower()
    for row in rows:
        if row.document == wanted:
            return row
    known = ", ".join(repr(r.document) for r in rows) or "none"
    raise NotFound(f"document: no statutory retention row with that code; known: {known}")
