"""The age of digital consent (Art. 8 GDPR) per country, and whether a child needs a parent.

Art. 8(1) GDPR ✅ [S1]: where consent (Art. 6(1)(a)) is used "in relation to the offer of
information society services directly to a child", the child must be at least **16**; below
that age, consent must be "given or authorised by the holder of parental responsibility".
Member States may set a lower age, **not below 13**.  The controller must make "reasonable
efforts to verify" parental consent (8(2)); contract law is unaffected (8(3)).

Scope: Art. 8 matters only where the shop relies on **consent** and offers the service
**directly to a child**; sales themselves normally rest on Art. 6(1)(b), not on consent.

The table is the project's fact sheet on Art. 8, row by row, each entry with its national
provision, status and sources (:mod:`gdprkit.law.sources`).  The unconfirmed row (Albania's
old Law 9887/2008) is not shipped.  Where a country is not in
the table, gdprkit answers **16**, the GDPR default and the highest permitted value: the safe
side.  Every value can be overridden by the shop.

Example:
    >>> from gdprkit.law.ages import age_of_digital_consent
    >>> age_of_digital_consent("BG")
    14
    >>> age_of_digital_consent("US")
    16
    >>> age_of_digital_consent("BG", overrides={"BG": 16})
    16
"""

from __future__ import annotations

import datetime as dt
import re
import types
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from gdprkit._time import ensure_aware
from gdprkit.errors import InvalidInput, InvalidType
from gdprkit.law.sources import SOURCES, Source, Status

__all__ = [
    "DEFAULT_DIGITAL_CONSENT_AGE",
    "DIGITAL_CONSENT_AGES",
    "MINIMUM_DIGITAL_CONSENT_AGE",
    "DigitalConsentAge",
    "age_in_years",
    "age_of_digital_consent",
    "requires_parental_consent",
]

DEFAULT_DIGITAL_CONSENT_AGE = 16
"""Art. 8(1) first subparagraph GDPR ✅ [S1]: 16 unless a Member State sets a lower age."""

MINIMUM_DIGITAL_CONSENT_AGE = 13
"""Art. 8(1) second subparagraph GDPR ✅ [S1]: a Member State may not go below 13."""

_COUNTRY = re.compile(r"[A-Z]{2}")


def _country_code(value: object, name: str = "country") -> str:
    """Normalise an ISO 3166-1 alpha-2 code (``"bg"`` → ``"BG"``), or raise naming ``name``."""
    if not isinstance(value, str):
        raise InvalidType(f"{name} must be a two-letter country code string")
    code = value.strip().upper()
    if not _COUNTRY.fullmatch(code):
        raise InvalidInput(f"{name} must be a two-letter ISO 3166-1 code such as 'BG'")
    return code


def _check_age(value: object, name: str) -> int:
    # bool is an int subclass; True is not an age.
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidType(f"{name} must be an int")
    if not MINIMUM_DIGITAL_CONSENT_AGE <= value <= DEFAULT_DIGITAL_CONSENT_AGE:
        # Art. 8(1) GDPR: between 13 and 16 inclusive.
        raise InvalidInput(f"{name} must be between 13 and 16 (Art. 8(1) GDPR), got {value}")
    return value


def _validate_country(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if _country_code(value, attribute.name) != value:
        raise InvalidInput(f"{attribute.name} must be an upper-case two-letter code")


def _validate_age(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    _check_age(value, attribute.name)


def _validate_text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{attribute.name} must be a non-empty string")


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
class DigitalConsentAge:
    """One row of the Art. 8 table: a country's age of digital consent with provision and sources.

    Raises:
        InvalidInput: the age is outside 13–16 (Art. 8(1)), the country is not an upper-case
            two-letter code, or a text field is empty.

    Example:
        >>> entry = DIGITAL_CONSENT_AGES["CY"]
        >>> (entry.age, entry.status.symbol, entry.sources[0].ref)
        (14, '✅', 'S15')
    """

    country: str = attrs.field(validator=_validate_country)
    country_name: str = attrs.field(validator=_validate_text)
    age: int = attrs.field(validator=_validate_age)
    provision: str = attrs.field(validator=_validate_text)
    status: Status = attrs.field(converter=_to_status)
    sources: tuple[Source, ...] = attrs.field(converter=_to_sources)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-compatible dict; :meth:`from_dict` reads it back."""
        return {
            "country": self.country,
            "country_name": self.country_name,
            "age": self.age,
            "provision": self.provision,
            "status": self.status.value,
            "sources": [s.to_dict() for s in self.sources],
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DigitalConsentAge:
        """Build an entry from :meth:`to_dict` output.

        Raises:
            InvalidType: ``data`` is not a mapping.
            InvalidInput: a key is missing or a value is invalid.
        """
        if not isinstance(data, Mapping):
            raise InvalidType(f"digital consent age must be a mapping, got {type(data).__name__}")
        try:
            return cls(
                country=data["country"],
                country_name=data["country_name"],
                age=data["age"],
                provision=data["provision"],
                status=data["status"],
                sources=tuple(Source.from_dict(s) for s in data["sources"]),
                note=data.get("note", ""),
            )
        except KeyError as exc:
            raise InvalidInput(f"digital consent age is missing key {exc.args[0]!r}") from None


_OK = Status.CONFIRMED
_2ND = Status.SECONDARY


def _row(  # noqa: PLR0917 - a table row reads best positionally
    cc: str, name: str, age: int, provision: str, status: Status, refs: str, note: str = ""
) -> DigitalConsentAge:
    return DigitalConsentAge(
        country=cc,
        country_name=name,
        age=age,
        provision=provision,
        status=status,
        sources=tuple(SOURCES[r] for r in refs.split()),
        note=note,
    )


# The fact sheet's Art. 8 table, in its order.  Ages are the national derogations of
# Art. 8(1) GDPR [S1].
_TABLE = (
    _row("AT", "Austria", 14, "Datenschutzgesetz (DSG) §4(4)", _2ND, "S10 S11"),
    _row("BE", "Belgium", 13, "Law of 30 July 2018, Art. 7", _2ND, "S10 S11"),
    _row(
        "BG",
        "Bulgaria",
        14,
        "Personal Data Protection Act (ZZLD) Art. 25c",
        _2ND,
        "S12 S13",
        "GDPRhub [S12]; the English text of the Act is on cpdp.bg [S13], "
        "Art. 25c itself not retrieved",
    ),
    _row(
        "HR",
        "Croatia",
        16,
        "Act on the Implementation of the GDPR (NN 42/2018), Art. 19(1)",
        _2ND,
        "S14",
        "statute quoted verbatim by the source",
    ),
    _row(
        "CY",
        "Cyprus",
        14,
        "Law 125(I)/2018, s. 8(1)–(2)",
        _OK,
        "S15 S16",
        "a 2025 bill to raise it to 16 was reported [S16], status unconfirmed",
    ),
    _row("CZ", "Czechia", 15, "Act 110/2019, s. 7", _2ND, "S10"),
    _row(
        "DK",
        "Denmark",
        13,
        "Data Protection Act, §6",
        _2ND,
        "S10",
        'paragraph as given by the source: "§ 6(3)"',
    ),
    _row(
        "EE",
        "Estonia",
        13,
        "Personal Data Protection Act (IKS) §8(1)",
        _OK,
        "S17",
        "answer letter of the Estonian DPA, 12.03.2025",
    ),
    _row(
        "FI",
        "Finland",
        13,
        "Data Protection Act 1050/2018 (section number not retrieved)",
        _2ND,
        "S10",
    ),
    _row(
        "FR",
        "France",
        15,
        'Loi 78-17 "Informatique et Libertés", Art. 45 (numbered so since Ordonnance '
        "2018-1125 of 12 Dec 2018; Art. 7-1 before)",
        _2ND,
        "S10 S203",
        "under 15, consent given jointly by the child and the holder(s) of parental "
        "authority (Art. 45, second sentence)",
    ),
    _row("DE", "Germany", 16, "no derogation (GDPR default)", _2ND, "S10", 'source: "No"'),
    _row(
        "GR",
        "Greece",
        15,
        "Law 4624/2019, Art. 21",
        _2ND,
        "S18 S19",
        "final law from a secondary source [S18]; draft text on opengov.gr [S19]",
    ),
    _row("HU", "Hungary", 16, "no specific provision (GDPR default)", _2ND, "S10"),
    _row("IE", "Ireland", 16, "Data Protection Act 2018, s. 31", _2ND, "S10 S20"),
    _row("IT", "Italy", 14, "Codice privacy, art. 2-quinquies", _2ND, "S10"),
    _row(
        "LV",
        "Latvia",
        13,
        "Personal Data Processing Law (2018), Section 33 (section number: lead, not verified)",
        _2ND,
        "S21 S22",
        "weak: the source describes the draft; the official English text is on likumi.lv "
        "[S22] but the section was not retrieved",
    ),
    _row(
        "LT",
        "Lithuania",
        14,
        "Law on Legal Protection of Personal Data (ADTAĮ) (article number not verified)",
        _2ND,
        "S23",
    ),
    _row(
        "LU",
        "Luxembourg",
        16,
        "no lower age set in the Law of 1 August 2018 (GDPR default)",
        _2ND,
        "S24 S25",
    ),
    _row(
        "MT",
        "Malta",
        13,
        "Subsidiary Legislation 586.11 (Processing of Child's Personal Data in relation to the "
        "Offer of ISS Regulations), reg. 4",
        _2ND,
        "S26 S27",
    ),
    _row("NL", "Netherlands", 16, "UAVG (article not verified)", _2ND, "S10"),
    _row("PL", "Poland", 16, "no derogation (GDPR default)", _2ND, "S10", 'source: "n/a"'),
    _row(
        "PT",
        "Portugal",
        13,
        "Lei 58/2019 (article number not verified)",
        _2ND,
        "S28 S29",
        "a bill (Projeto de Lei 398/XVII) to make 16 the digital age of majority passed its "
        "first (generality) vote on 12 Feb 2026 [S29]; final status unconfirmed",
    ),
    _row(
        "RO",
        "Romania",
        16,
        "no derogation in Law 190/2018 (GDPR default)",
        _2ND,
        "S30 S31",
        "weak; a 'Digital Adulthood Law' (16) passed the Senate on 6 Oct 2025 and went to the "
        "Chamber of Deputies [S31]; final status unconfirmed",
    ),
    _row("SK", "Slovakia", 16, "Act 18/2018 (section not verified)", _2ND, "S10"),
    _row(
        "SI",
        "Slovenia",
        15,
        "ZVOP-2 (in force 26 Jan 2023; article not verified)",
        _2ND,
        "S32 S33",
    ),
    _row("ES", "Spain", 14, "LOPDGDD (Ley Orgánica 3/2018), art. 7", _2ND, "S10"),
    _row(
        "SE",
        "Sweden",
        13,
        "Data Protection Act (2018:218) (chapter/section not verified)",
        _2ND,
        "S10",
    ),
    _row(
        "IS",
        "Iceland (EEA)",
        13,
        "Act 90/2018 (article not verified)",
        _2ND,
        "S34",
        "weak: secondary source only, national text not read",
    ),
    _row(
        "LI",
        "Liechtenstein (EEA)",
        16,
        "no derogation found (GDPR default)",
        _2ND,
        "S35",
        "weak: a thesis on the law as of Jan 2018, national text not read",
    ),
    _row(
        "NO",
        "Norway (EEA)",
        13,
        "Personopplysningsloven (section not verified)",
        _OK,
        "S36 S37",
        "the ministry consulted on raising it to 15 in 2025 [S37]; outcome unconfirmed",
    ),
    _row(
        "XK",
        "Kosovo (not EU/EEA)",
        16,
        "Law No. 06/L-082 on Protection of Personal Data (article not verified)",
        _2ND,
        "S38 S39",
        'AIP Commissioner: raise TikTok\'s age "from 13 … to 16, as our national law provides"',
    ),
    _row(
        "AL",
        "Albania (not EU/EEA)",
        16,
        'Law No. 124/2024 "On personal data protection" (article not verified)',
        _2ND,
        "S40 S41 S42",
        "under 16, consent needs parent/guardian approval; law in force 1 Feb 2025 (some "
        "sources say 31 Jan 2025), some provisions apply from 17 Jan 2027 [S41][S42]",
    ),
    # Not shipped (unconfirmed): Albania's old Law 9887/2008, no ISS-specific age found.
)

DIGITAL_CONSENT_AGES: Mapping[str, DigitalConsentAge] = types.MappingProxyType(
    {entry.country: entry for entry in _TABLE}
)
"""The Art. 8 table by country code (✅ and 🟡 rows only; ❌ rows are not shipped)."""


def age_of_digital_consent(country: str, *, overrides: Mapping[str, int] | None = None) -> int:
    """Return the age below which a child's consent needs a parent (Art. 8(1) GDPR).

    The shop's ``overrides`` (country code → age) win over the table; a country in neither gets
    :data:`DEFAULT_DIGITAL_CONSENT_AGE` (16), the GDPR default and the safe side.  Codes are
    ISO 3166-1 alpha-2, any case (Kosovo is ``"XK"``).

    Raises:
        InvalidInput: ``country`` (or an override key) is not a two-letter code, or an override
            is outside 13–16 (Art. 8(1)).
        InvalidType: ``country`` is not a string, or an override is not an int.

    Example:
        >>> age_of_digital_consent("fr")
        15
        >>> age_of_digital_consent("FR", overrides={"fr": 16})
        16
    """
    code = _country_code(country)
    if overrides:
        for key, value in overrides.items():
            if _country_code(key, "overrides key") == code:
                return _check_age(value, f"overrides[{key!r}]")
    entry = DIGITAL_CONSENT_AGES.get(code)
    return DEFAULT_DIGITAL_CONSENT_AGE if entry is None else entry.age


def age_in_years(birth_date: dt.date, on: dt.date) -> int:
    """Return the age in completed years on the date ``on``.

    A person born on 29 February reaches each new age on **1 March** in common years: the later
    of the two readings, so a child is treated as a child one day longer (the safe side).

    Raises:
        InvalidType: an argument is not a plain ``date`` (datetimes are refused: convert them
            to the local date first).
        InvalidInput: ``birth_date`` is after ``on``.

    Example:
        >>> import datetime as dt
        >>> age_in_years(dt.date(2008, 2, 29), dt.date(2022, 2, 28))
        13
        >>> age_in_years(dt.date(2008, 2, 29), dt.date(2022, 3, 1))
        14
    """
    checks: tuple[tuple[str, object], ...] = (("birth_date", birth_date), ("on", on))
    for name, value in checks:
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise InvalidType(f"{name} must be a datetime.date (not a datetime)")
    if birth_date > on:
        # The message must not echo the date of birth (personal data).
        raise InvalidInput("birth_date must not be after the date the age is computed for")
    # Not yet had this year's birthday: (month, day) compares 2-29 after 2-28, so a 29 February
    # birthday counts as reached on 1 March of a common year.
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def requires_parental_consent(
    birth_date: dt.date,
    country: str,
    at: dt.datetime,
    *,
    overrides: Mapping[str, int] | None = None,
) -> bool:
    """Return whether consent must be given or authorised by a parent (Art. 8(1) GDPR).

    The child's age is taken on the local date of ``at`` in ``at``'s own time zone (pass it in
    the zone of the child's country), and compared with :func:`age_of_digital_consent`.  This
    only matters where consent is the legal basis and the service is offered directly to a
    child (Art. 8(1)); the shop must then make reasonable efforts to verify the parent's
    consent (Art. 8(2)).

    Raises:
        InvalidType: ``birth_date`` is not a plain date, or ``at`` is not a datetime.
        NaiveDatetimeError: ``at`` has no time zone.
        InvalidInput: ``birth_date`` is after ``at``'s date, or ``country``/``overrides`` are
            invalid (see :func:`age_of_digital_consent`).

    Example:
        >>> import datetime as dt
        >>> from zoneinfo import ZoneInfo
        >>> at = dt.datetime(2025, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Sofia"))
        >>> requires_parental_consent(dt.date(2011, 3, 1), "BG", at)  # 14 today
        False
        >>> requires_parental_consent(dt.date(2011, 3, 2), "BG", at)  # 14 tomorrow
        True
    """
    moment = ensure_aware(at, "at")
    threshold = age_of_digital_consent(country, overrides=overrides)
    return age_in_years(birth_date, moment.date()) < threshold
