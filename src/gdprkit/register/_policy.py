"""What a real shop's policy says beyond one basis and one period per purpose.

Operations with their own basis inside a purpose, statutory retention by reference, shop
categories outside the built-in taxonomy, erasure blockers, the shop's own promises, structured
Art. 22 decisions and cookies.  All frozen values, loaded from the register's TOML.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from typing import Any

import attrs

from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law import LegalBasis, StatutoryRetention, statutory_retention
from gdprkit.register._duration import Duration

__all__ = [
    "AutomatedDecision",
    "Blocker",
    "BlockerReason",
    "Cookie",
    "CookieKind",
    "CustomCategory",
    "DecisionException",
    "Operation",
    "Promises",
    "StatutoryOf",
    "StatutoryReference",
]

_ID = re.compile(r"^[a-z][a-z0-9_\-]{0,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def _text(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInput(f"{attribute.name} must not be empty")


def _optional_text(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")


def _identifier(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise InvalidInput(
            f"{attribute.name} must be a lower-case identifier (letters, digits, '_' or '-', "
            "starting with a letter, at most 64 characters)"
        )


def _bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidType(f"{attribute.name} must be true or false")


def _optional_bool(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and not isinstance(value, bool):
        raise InvalidType(f"{attribute.name} must be true, false or absent")


def _duration_or_none(value: object) -> Duration | None:
    return None if value is None else Duration.parse(value)


def _countries(values: object) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType("countries must be a list of ISO 3166-1 alpha-2 codes")
    result = tuple(values)
    for code in result:
        if not isinstance(code, str) or not _COUNTRY.match(code):
            raise InvalidInput("countries must be ISO 3166-1 alpha-2 codes like 'DE'")
    return result


def _ids(values: object) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType("expected a list of purpose ids")
    result = tuple(values)
    for ident in result:
        if not isinstance(ident, str) or not _ID.match(ident):
            raise InvalidInput("expected purpose ids (lower-case identifiers)")
    return result


def _strings(values: object) -> tuple[str, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidType("expected a list of strings")
    return tuple(str(v) for v in values)


def _exception(value: object) -> DecisionException | None:
    return None if value is None else DecisionException(value)


def _statutory(value: object) -> StatutoryReference | None:
    if value is None or isinstance(value, StatutoryReference):
        return value
    if isinstance(value, dict):
        return StatutoryReference(**value)
    raise InvalidType("statutory must be a StatutoryReference or a table")


def _basis(value: object) -> LegalBasis:
    return LegalBasis.parse(value)


@attrs.frozen
class Operation:
    """A part of a purpose that rests on its own legal basis (Art. 6(1), Art. 13(1)(c)).

    A real purpose is often not one basis: direct marketing by e-mail on consent but by post on
    legitimate interests; an account on consent with recommendations on legitimate interests.
    The purpose's ``basis`` covers everything not split out; each operation names its part
    (``channels`` such as ``["post"]`` where the split is by channel) and its basis, so rights,
    consent checks and the notice follow the basis of each part.

    Example:
        >>> op = Operation(id="postal", description="Catalogues by post",
        ...                basis="legitimate_interests", channels=["post"],
        ...                legitimate_interest="Direct marketing (Recital 47)")
        >>> op.basis.article
        'Art. 6(1)(f)'
    """

    id: str = attrs.field(validator=_identifier)
    description: str = attrs.field(validator=_text)
    basis: LegalBasis = attrs.field(converter=_basis)
    channels: tuple[str, ...] = attrs.field(factory=tuple, converter=_strings)
    legitimate_interest: str | None = attrs.field(default=None, validator=_optional_text)
    balancing_test: str | None = attrs.field(default=None, validator=_optional_text)
    withdrawal: str | None = attrs.field(default=None, validator=_optional_text)
    law: str | None = attrs.field(default=None, validator=_optional_text)
    # None: as the purpose says.
    direct_marketing: bool | None = attrs.field(default=None, validator=_optional_bool)


class StatutoryOf(str, enum.Enum):
    """Whose country's statute a reference resolves in."""

    CONTROLLER = "controller"
    CUSTOMER = "customer"


@attrs.frozen
class StatutoryReference:
    """A retention period set by a statute, by reference to :mod:`gdprkit.law.retention` rows.

    "As book-keeping law in your country requires" is ``of="customer"`` with the ``countries``
    the shop sells to; "as our accounting law requires" is ``of="controller"`` (the
    controller's country when ``countries`` is empty).  ``after`` makes a composite period:
    "until 5 years after the tax limitation period ends" is the limitation row plus
    ``after="5 years"``.

    Example:
        >>> ref = StatutoryReference(document="accounting_registers", countries=["BG"])
        >>> [row.years for row in ref.resolve(controller_country=None)]
        [10]
    """

    document: str = attrs.field(validator=_identifier)
    countries: tuple[str, ...] = attrs.field(factory=tuple, converter=_countries)
    of: StatutoryOf = attrs.field(default=StatutoryOf.CONTROLLER, converter=StatutoryOf)
    after: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    law: str | None = attrs.field(default=None, validator=_optional_text)

    def resolve(self, *, controller_country: str | None) -> tuple[StatutoryRetention, ...]:
        """The statutory rows this reference names, one per country that has the document.

        Raises:
            NotFound: no country to resolve in, or none of them has a row with that code.
        """
        countries = self.countries or (() if controller_country is None else (controller_country,))
        if not countries:
            raise NotFound(
                f"statutory reference {self.document!r} names no country and the controller "
                "has none"
            )
        rows = []
        for country in countries:
            try:
                rows.append(statutory_retention(country, self.document))
            except NotFound:
                continue
        if not rows:
            raise NotFound(
                f"no statutory retention row {self.document!r} for {', '.join(countries)} in "
                "gdprkit.law (see gdprkit.law.STATUTORY_RETENTION, or the docs' Sources page)"
            )
        return tuple(rows)


@attrs.frozen
class CustomCategory:
    """A category of personal data the built-in taxonomy lacks (credentials, contest entries).

    ``special`` marks an Art. 9(1) category, ``criminal`` data relating to criminal
    convictions and offences (Art. 10), which only official authority or a Union or Member
    State law can authorise.

    Example:
        >>> CustomCategory(id="credentials", description="E-mail and password").special
        False
    """

    id: str = attrs.field(validator=_identifier)
    description: str = attrs.field(validator=_text)
    special: bool = attrs.field(default=False, validator=_bool)
    criminal: bool = attrs.field(default=False, validator=_bool)
    dpv: str | None = attrs.field(default=None, validator=_optional_text)


class BlockerReason(str, enum.Enum):
    """Why a declared blocker keeps data despite an erasure request (Art. 17(3))."""

    ONGOING_MATTER = "ongoing_matter"
    OPEN_ORDER = "open_order"
    UNSETTLED_DEBT = "unsettled_debt"
    SUSPECTED_MISUSE = "suspected_misuse"
    DEBT_SOLD = "debt_sold"
    CREDIT_REJECTED = "credit_rejected"
    BOOKKEEPING = "bookkeeping"
    LEGAL_CLAIMS = "legal_claims"
    OTHER = "other"


@attrs.frozen
class Blocker:
    """An erasure blocker the register declares: what keeps which purposes' data, for how long.

    The fields are a stable contract (``gdprkit.retention`` reads them): ``id``, ``kind``
    (:class:`BlockerReason`), ``purposes`` (the ids whose data it keeps), how long — a
    ``period`` (from ``since``, the event that starts it), a ``statutory`` reference (a
    book-keeping blocker takes its end from the statute, never an ``until``), or ``while_open``
    for a matter that ends by itself (an open order) — ``applies_to`` (e.g. "deceased
    customers"), ``description`` for the notice and ``citation`` (the Art. 17(3) ground or the
    law).  The register refuses a blocker that keeps a consent-based or direct-marketing
    purpose: erasure after withdrawn consent (Art. 17(1)(b)) and after an objection to direct
    marketing (Art. 21(3)) admits no such exception.

    Raises:
        InvalidInput: no purposes, or neither ``period``, ``statutory`` nor ``while_open``.

    Example:
        >>> b = Blocker(id="misuse", kind="suspected_misuse", purposes=["fraud_prevention"],
        ...             period="4 years", since="misuse_suspected",
        ...             description="Suspected misuse of our services within four years",
        ...             citation="Art. 17(3)(e) GDPR (legal claims)")
        >>> str(b.period), b.kind.value
        ('4 years', 'suspected_misuse')
    """

    id: str = attrs.field(validator=_identifier)
    kind: BlockerReason = attrs.field(converter=BlockerReason)
    purposes: tuple[str, ...] = attrs.field(converter=_ids)
    description: str = attrs.field(validator=_text)
    period: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    since: str | None = attrs.field(default=None, validator=_optional_text)
    statutory: StatutoryReference | None = attrs.field(default=None, converter=_statutory)
    while_open: bool = attrs.field(default=False, validator=_bool)
    applies_to: str | None = attrs.field(default=None, validator=_optional_text)
    citation: str | None = attrs.field(default=None, validator=_optional_text)

    def __attrs_post_init__(self) -> None:
        if not self.purposes:
            raise InvalidInput("purposes must name at least one purpose the blocker keeps")
        if self.period is None and self.statutory is None and not self.while_open:
            raise InvalidInput(
                "a blocker needs a period, a statutory reference or while_open = true"
            )


class DecisionException(str, enum.Enum):
    """The Art. 22(2) exception a solely automated decision rests on."""

    CONTRACT = "contract"  # Art. 22(2)(a)
    LAW = "law"  # Art. 22(2)(b)
    EXPLICIT_CONSENT = "explicit_consent"  # Art. 22(2)(c)


@attrs.frozen
class AutomatedDecision:
    """A solely automated decision with legal or similarly significant effect (Art. 22).

    Art. 13(2)(f) asks for "meaningful information about the logic involved, as well as the
    significance and the envisaged consequences"; Art. 22(3) for "at least the right to obtain
    human intervention …, to express his or her point of view and to contest the decision".

    Example:
        >>> d = AutomatedDecision(description="Credit decision on purchase by invoice",
        ...                       logic="Score from payment history and a credit agency",
        ...                       consequences="Invoice payment offered or not",
        ...                       exception="contract", human_review=True,
        ...                       express_view=True, contest="Reply to the decision e-mail")
        >>> d.has_safeguards
        True
    """

    description: str = attrs.field(validator=_text)
    logic: str | None = attrs.field(default=None, validator=_optional_text)
    consequences: str | None = attrs.field(default=None, validator=_optional_text)
    exception: DecisionException | None = attrs.field(default=None, converter=_exception)
    human_review: bool = attrs.field(default=False, validator=_bool)
    express_view: bool = attrs.field(default=False, validator=_bool)
    contest: str | None = attrs.field(default=None, validator=_optional_text)

    @property
    def has_safeguards(self) -> bool:
        """Whether the three Art. 22(3) safeguards are all declared."""
        return self.human_review and self.express_view and bool(self.contest)


@attrs.frozen
class Promises:
    """What the shop promises beyond the law, as its policy states it.

    ``response_time`` is the shop's deadline for answering a data-subject request ("we answer
    within 30 days"); lint compares it with the legal one month of Art. 12(3).

    Example:
        >>> str(Promises(response_time="30 days").response_time)
        '30 days'
    """

    response_time: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    policy_updates: str | None = attrs.field(default=None, validator=_optional_text)


class CookieKind(str, enum.Enum):
    """What a cookie (or similar storage) is for; ePrivacy Art. 5(3) needs consent beyond
    ``necessary`` (the codes match :class:`gdprkit.consent.cookies.CookieCategory`)."""

    NECESSARY = "necessary"
    PREFERENCES = "preferences"
    STATISTICS = "statistics"
    MARKETING = "marketing"
    SESSION_REPLAY = "session_replay"


@attrs.frozen
class Cookie:
    """A cookie or similar technology the site sets or reads (ePrivacy Art. 5(3)).

    Example:
        >>> Cookie(name="_clck", kind="session_replay", provider="Microsoft Clarity",
        ...        basis="consent", duration="1 year").kind.value
        'session_replay'
    """

    name: str = attrs.field(validator=_text)
    kind: CookieKind = attrs.field(converter=CookieKind)
    basis: LegalBasis = attrs.field(converter=_basis)
    provider: str | None = attrs.field(default=None, validator=_optional_text)
    purpose: str | None = attrs.field(default=None, validator=_optional_text)
    duration: str | None = attrs.field(default=None, validator=_optional_text)
    description: str | None = attrs.field(default=None, validator=_optional_text)
