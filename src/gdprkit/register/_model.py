"""The processing register (Art. 30 GDPR record) as frozen values."""

from __future__ import annotations

import datetime
import enum
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from gdprkit._time import parse_zone
from gdprkit.errors import InvalidInput, InvalidType, NotFound
from gdprkit.law import DataCategory, LegalBasis, SpecialCategoryCondition
from gdprkit.register._duration import Duration
from gdprkit.register._policy import (
    AutomatedDecision,
    Blocker,
    Cookie,
    CustomCategory,
    Operation,
    Promises,
    StatutoryReference,
)

if TYPE_CHECKING:
    from gdprkit.register._lint import Finding

__all__ = [
    "EEA_COUNTRIES",
    "Controller",
    "Provenance",
    "Purpose",
    "Recipient",
    "RecipientRole",
    "Register",
    "Retention",
    "RetentionAction",
    "Safeguard",
    "Transfer",
]

# EU Member States plus Iceland, Liechtenstein and Norway (EEA Agreement). Transfers to any
# other country are "transfers to third countries" under Chapter V GDPR (Arts. 44-49, [S1]).
EEA_COUNTRIES = frozenset(
    {
        *("AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE"),
        *("IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"),
        *("IS", "LI", "NO"),
    }
)

_ID = re.compile(r"[a-z][a-z0-9_\-]{0,63}")
_COUNTRY = re.compile(r"[A-Z]{2}")


def _nonempty_str(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")
    if not value.strip():
        raise InvalidInput(f"{attribute.name} must not be empty")


def _optional_str(_instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidType(f"{attribute.name} must be a string, got {type(value).__name__}")


def _identifier(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be a lower-case identifier (letters, digits, '_' or '-', "
            "starting with a letter, at most 64 characters)"
        )


def _country(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not _COUNTRY.fullmatch(value)):
        raise InvalidInput(f"{attribute.name} must be an ISO 3166-1 alpha-2 code like 'DE'")


def _tuple_of(converter: Any) -> Any:
    def convert(values: object) -> tuple[Any, ...]:
        if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
            raise InvalidType("expected a list")
        return tuple(converter(v) for v in values)

    return convert


def _str_tuple(values: object) -> tuple[str, ...]:
    result = _tuple_of(str)(values)
    return tuple(result)


class Provenance(str, enum.Enum):
    """Where the data of a purpose come from.

    ``provided`` and ``observed`` data are what Art. 20 portability covers (the EDPB reads
    "provided by" broadly to include observed data); ``derived`` data are not; data obtained from
    someone else trigger the Art. 14 information duty, including the source (Art. 14(2)(f)).
    """

    PROVIDED = "provided"
    OBSERVED = "observed"
    DERIVED = "derived"
    THIRD_PARTY = "third_party"


class RecipientRole(str, enum.Enum):
    """The role a recipient plays (Art. 4(7)-(9), Art. 26, Art. 28 GDPR)."""

    PROCESSOR = "processor"
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PUBLIC_AUTHORITY = "public_authority"


class Safeguard(str, enum.Enum):
    """The Chapter V ground for a transfer outside the EEA ([S1])."""

    ADEQUACY = "adequacy"  # Art. 45 adequacy decision
    STANDARD_CONTRACTUAL_CLAUSES = "scc"  # Art. 46(2)(c)
    BINDING_CORPORATE_RULES = "bcr"  # Art. 47
    CODE_OR_CERTIFICATION = "code_or_certification"  # Art. 46(2)(e), (f)
    DEROGATION = "derogation"  # Art. 49(1)
    # The EU-US Privacy Shield (Decision 2016/1250), invalidated by the CJEU in C-311/18
    # (Schrems II) on 16 July 2020: accepted so a register can say what its policy says, and
    # always a lint error.  Its successor, the EU-US Data Privacy Framework, is an adequacy
    # decision (Commission Implementing Decision (EU) 2023/1795 of 10 July 2023): ADEQUACY.
    PRIVACY_SHIELD = "privacy_shield"
    NONE = "none"


class RetentionAction(str, enum.Enum):
    """What happens when a retention period ends."""

    DELETE = "delete"
    ANONYMISE = "anonymise"
    REVIEW = "review"


def _time_zone(_instance: object, attribute: attrs.Attribute[str | None], value: object) -> None:
    if value is not None:
        parse_zone(value, attribute.name)


@attrs.frozen
class Controller:
    """The controller and its contacts (Art. 13(1)(a)-(b), Art. 30(1)(a)).

    Example:
        >>> Controller(name="Dyqani Shop sh.p.k.", contact="privacy@shop.example").name
        'Dyqani Shop sh.p.k.'
    """

    name: str = attrs.field(validator=_nonempty_str)
    contact: str = attrs.field(validator=_nonempty_str)
    dpo: str | None = attrs.field(default=None, validator=_optional_str)
    representative: str | None = attrs.field(default=None, validator=_optional_str)
    country: str | None = attrs.field(default=None, validator=_country)
    supervisory_authority: str | None = attrs.field(default=None, validator=_optional_str)
    # The controller's IANA time zone (TOML ``controller.time_zone``): the local day of every
    # period (Reg. 1182/71 Art. 3(1)).  No default zone: ``None`` keeps each datetime's own
    # zone, as before, since any fixed default would move some shops' deadlines later.
    time_zone: str | None = attrs.field(default=None, validator=_time_zone)

    @property
    def zone(self) -> datetime.tzinfo | None:
        """:attr:`time_zone` as a tzinfo (``None`` when the register declares none).

        Example:
            >>> Controller("Shop", "privacy@shop.example", time_zone="Europe/Sofia").zone
            zoneinfo.ZoneInfo(key='Europe/Sofia')
        """
        return None if self.time_zone is None else parse_zone(self.time_zone, "time_zone")


@attrs.frozen
class Recipient:
    """A recipient or category of recipients (Art. 13(1)(e), Art. 30(1)(d)).

    Example:
        >>> Recipient(name="Parcel carrier", role="processor", country="DE").role
        <RecipientRole.PROCESSOR: 'processor'>
    """

    name: str = attrs.field(validator=_nonempty_str)
    role: RecipientRole = attrs.field(default=RecipientRole.PROCESSOR, converter=RecipientRole)
    country: str | None = attrs.field(default=None, validator=_country)
    description: str | None = attrs.field(default=None, validator=_optional_str)


@attrs.frozen
class Transfer:
    """A transfer to a third country with its safeguard (Art. 13(1)(f), Art. 30(1)(e)).

    ``country`` may be left out where the policy names none ("a country outside the EU"):
    ``destination`` then says it in words, and the transfer counts as outside the EEA.

    Example:
        >>> Transfer(country="US", recipient="Newsletter service", safeguard="scc").outside_eea
        True
        >>> Transfer(recipient="Hosting", destination="a country outside the EU",
        ...          safeguard="scc").outside_eea
        True
    """

    country: str | None = attrs.field(default=None, validator=_country)
    recipient: str = attrs.field(default="", validator=_nonempty_str)
    safeguard: Safeguard = attrs.field(default=Safeguard.NONE, converter=Safeguard)
    reference: str | None = attrs.field(default=None, validator=_optional_str)
    destination: str | None = attrs.field(default=None, validator=_optional_str)

    def __attrs_post_init__(self) -> None:
        if self.country is None and not (self.destination and self.destination.strip()):
            raise InvalidInput("a transfer needs a country or, where none is named, a destination")

    @property
    def outside_eea(self) -> bool:
        """Whether the destination is outside the EEA (a Chapter V transfer)."""
        return self.country is None or self.country not in EEA_COUNTRIES


def _duration_or_none(value: object) -> Duration | None:
    return None if value is None else Duration.parse(value)


_ALIGNMENT = re.compile(r"(none|end_of_month|end_of_year|financial_year_end:(0?[1-9]|1[0-2]))")


def _alignment(_instance: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not isinstance(value, str) or not _ALIGNMENT.fullmatch(value):
        raise InvalidInput(
            f"{attribute.name} must be 'none', 'end_of_month', 'end_of_year' or "
            "'financial_year_end:<month 1-12>' (the month the financial year ends in)"
        )


# Phrases that state no period and no criterion a customer could check (Art. 13(2)(a): "the
# period ... or if that is not possible, the criteria used to determine that period").  The
# EDPB's transparency guidelines (WP260 rev.01 para. 67 and Annex) name "as long as necessary
# for legitimate business purposes" as insufficient.
VAGUE_RETENTION = re.compile(
    r"as long as (?:is |it is |we )?(?:necessary|needed|required|need)"
    r"|for (?:the time|as long as) (?:we|it is|is) (?:need|necessary|required)"
    r"|for the time (?:we|it) needs?"
    r"|as long as (?:we )?(?:deem|consider)",
    re.IGNORECASE,
)
PERMANENT_RETENTION = re.compile(r"\b(?:permanent(?:ly)?|indefinite(?:ly)?|forever)\b", re.I)


def _statutory(value: object) -> StatutoryReference | None:
    if value is None or isinstance(value, StatutoryReference):
        return value
    if isinstance(value, Mapping):
        return StatutoryReference(**value)
    raise InvalidType("statutory must be a StatutoryReference or a table")


@attrs.frozen
class Retention:
    """How long a purpose keeps its data (Art. 13(2)(a), Art. 30(1)(f)).

    A fixed ``period`` counted from a ``trigger`` event (optionally aligned, e.g. to the end of
    the calendar year as book-keeping statutes count); a ``trigger`` alone ("deleted when the
    account is closed"); a ``statutory`` reference to the law's period (resolved from
    :mod:`gdprkit.law.retention`); or a ``criterion`` in words when no fixed period exists.
    ``record`` names the kind of record a period is for ("call logs", "cases") and ``country``
    where it applies ("US"), so one purpose can keep several.  ``description`` is what the
    privacy notice says.  A period without a trigger is stated in the notice but gives no
    date: :class:`gdprkit.retention.RetentionSchedule` reports such a purpose unscheduled.

    Example:
        >>> r = Retention(
        ...     description="E-mail logs: 100 days", period="100 days", trigger="received"
        ... )
        >>> str(r.period), r.action.value, r.is_specific
        ('100 days', 'delete', True)
        >>> Retention(description="Kept", criterion="as long as necessary").is_specific
        False
    """

    description: str = attrs.field(validator=_nonempty_str)
    period: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    trigger: str | None = attrs.field(default=None, validator=_optional_str)
    criterion: str | None = attrs.field(default=None, validator=_optional_str)
    alignment: str = attrs.field(default="none", validator=_alignment)
    action: RetentionAction = attrs.field(default=RetentionAction.DELETE, converter=RetentionAction)
    citation: str | None = attrs.field(default=None, validator=_optional_str)
    record: str | None = attrs.field(default=None, validator=_optional_str, kw_only=True)
    country: str | None = attrs.field(default=None, validator=_country, kw_only=True)
    statutory: StatutoryReference | None = attrs.field(
        default=None, converter=_statutory, kw_only=True
    )

    @property
    def is_vague(self) -> bool:
        """Whether the words say only "as long as necessary" (or the like) and nothing checkable."""
        if self.period is not None or self.trigger is not None or self.statutory is not None:
            return False
        words = " ".join(t for t in (self.criterion, self.description) if t)
        return bool(VAGUE_RETENTION.search(words))

    @property
    def is_specific(self) -> bool:
        """Whether a customer can tell when the data go: a period, a trigger event, a statute,
        or a criterion that is not just "as long as necessary"."""
        if self.period is not None or self.trigger is not None or self.statutory is not None:
            return True
        return bool(self.criterion and self.criterion.strip()) and not self.is_vague


def _categories(values: object) -> tuple[DataCategory, ...]:
    result: tuple[DataCategory, ...] = _tuple_of(DataCategory.parse)(values)
    return result


def _provenance(values: object) -> tuple[Provenance, ...]:
    result: tuple[Provenance, ...] = _tuple_of(Provenance)(values)
    return result


def _recipients(values: object) -> tuple[Recipient, ...]:
    def one(value: object) -> Recipient:
        if isinstance(value, Recipient):
            return value
        if isinstance(value, Mapping):
            return Recipient(**value)
        raise InvalidType("each recipient must be a Recipient or a table")

    result: tuple[Recipient, ...] = _tuple_of(one)(values)
    return result


def _transfers(values: object) -> tuple[Transfer, ...]:
    def one(value: object) -> Transfer:
        if isinstance(value, Transfer):
            return value
        if isinstance(value, Mapping):
            return Transfer(**value)
        raise InvalidType("each transfer must be a Transfer or a table")

    result: tuple[Transfer, ...] = _tuple_of(one)(values)
    return result


def _nested(cls: Any, what: str) -> Any:
    def convert(values: object) -> tuple[Any, ...]:
        def one(value: object) -> Any:
            if isinstance(value, cls):
                return value
            if isinstance(value, Mapping):
                return cls(**value)
            raise InvalidType(f"each {what} must be a {cls.__name__} or a table")

        result: tuple[Any, ...] = _tuple_of(one)(values)
        return result

    return convert


def _single(cls: Any, what: str) -> Any:
    def convert(value: object) -> Any:
        if value is None or isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            return cls(**value)
        raise InvalidType(f"{what} must be a {cls.__name__} or a table")

    return convert


def _operations(values: object) -> tuple[Operation, ...]:
    result: tuple[Operation, ...] = _nested(Operation, "operation")(values)
    return result


def _retention_list(values: object) -> tuple[Retention, ...]:
    result: tuple[Retention, ...] = _nested(Retention, "retention")(values)
    return result


def _decision(value: object) -> AutomatedDecision | None:
    result: AutomatedDecision | None = _single(AutomatedDecision, "decision")(value)
    return result


def _custom_categories(values: object) -> tuple[CustomCategory, ...]:
    result: tuple[CustomCategory, ...] = _nested(CustomCategory, "custom category")(values)
    return result


def _blockers(values: object) -> tuple[Blocker, ...]:
    result: tuple[Blocker, ...] = _nested(Blocker, "blocker")(values)
    return result


def _promises(value: object) -> Promises:
    result: Promises | None = _single(Promises, "promises")(value)
    return Promises() if result is None else result


def _cookies(values: object) -> tuple[Cookie, ...]:
    result: tuple[Cookie, ...] = _nested(Cookie, "cookie")(values)
    return result


def _retention(value: object) -> Retention | None:
    if value is None or isinstance(value, Retention):
        return value
    if isinstance(value, Mapping):
        return Retention(**value)
    raise InvalidType("retention must be a Retention or a table")


def _basis(value: object) -> LegalBasis:
    return LegalBasis.parse(value)


def _special(value: object) -> SpecialCategoryCondition | None:
    return None if value is None else SpecialCategoryCondition.parse(value)


@attrs.frozen
class Purpose:
    """One processing purpose: the unit consent, retention and exports are keyed by.

    Fields follow Art. 30(1)(b)-(f) and the information items of Arts. 13 and 14 GDPR [S1].
    ``basis`` covers the purpose; ``operations`` split out parts on another basis (post vs
    e-mail marketing); ``retentions`` add periods per kind of record or country beside the main
    ``retention``; ``other_categories`` name shop categories declared in the register's
    ``custom_categories``; ``law`` names the law behind a legal obligation (Art. 6(3)) or
    authorising Art. 10 data; ``decision`` is an Art. 22 automated decision with its
    safeguards.

    Example:
        >>> p = Purpose(
        ...     id="marketing", description="Newsletter", basis="consent",
        ...     categories=["contact"], withdrawal="Unsubscribe link in every e-mail",
        ...     direct_marketing=True,
        ... )
        >>> p.basis.article, p.is_consent_based
        ('Art. 6(1)(a)', True)
    """

    id: str = attrs.field(validator=_identifier)
    description: str = attrs.field(validator=_nonempty_str)
    basis: LegalBasis = attrs.field(converter=_basis)
    categories: tuple[DataCategory, ...] = attrs.field(converter=_categories, factory=tuple)
    special_condition: SpecialCategoryCondition | None = attrs.field(
        default=None, converter=_special
    )
    subjects: tuple[str, ...] = attrs.field(converter=_str_tuple, factory=tuple)
    provenance: tuple[Provenance, ...] = attrs.field(
        converter=_provenance, default=(Provenance.PROVIDED,)
    )
    source: str | None = attrs.field(default=None, validator=_optional_str)
    recipients: tuple[Recipient, ...] = attrs.field(converter=_recipients, factory=tuple)
    transfers: tuple[Transfer, ...] = attrs.field(converter=_transfers, factory=tuple)
    retention: Retention | None = attrs.field(default=None, converter=_retention)
    legitimate_interest: str | None = attrs.field(default=None, validator=_optional_str)
    balancing_test: str | None = attrs.field(default=None, validator=_optional_str)
    withdrawal: str | None = attrs.field(default=None, validator=_optional_str)
    consent_max_age: Duration | None = attrs.field(default=None, converter=_duration_or_none)
    direct_marketing: bool = attrs.field(
        default=False, validator=attrs.validators.instance_of(bool)
    )
    automated: bool = attrs.field(default=True, validator=attrs.validators.instance_of(bool))
    automated_decisions: str | None = attrs.field(default=None, validator=_optional_str)
    requirement: str | None = attrs.field(default=None, validator=_optional_str)
    operations: tuple[Operation, ...] = attrs.field(
        factory=tuple, converter=_operations, kw_only=True
    )
    retentions: tuple[Retention, ...] = attrs.field(
        factory=tuple, converter=_retention_list, kw_only=True
    )
    other_categories: tuple[str, ...] = attrs.field(
        factory=tuple, converter=_str_tuple, kw_only=True
    )
    law: str | None = attrs.field(default=None, validator=_optional_str, kw_only=True)
    decision: AutomatedDecision | None = attrs.field(
        default=None, converter=_decision, kw_only=True
    )

    @property
    def all_retentions(self) -> tuple[Retention, ...]:
        """The main ``retention`` (if any) followed by the per-record ``retentions``."""
        main = () if self.retention is None else (self.retention,)
        return main + self.retentions

    @property
    def bases(self) -> tuple[LegalBasis, ...]:
        """Every basis the purpose rests on: its own, then its operations' (no repeats)."""
        return tuple(dict.fromkeys((self.basis, *(op.basis for op in self.operations))))

    def operation(self, operation_id: str) -> Operation:
        """The operation with this id.

        Raises:
            NotFound: no operation has that id (the message lists the known ids).
        """
        for op in self.operations:
            if op.id == operation_id:
                return op
        known = ", ".join(op.id for op in self.operations) or "none"
        raise NotFound(f"no operation {operation_id!r} in purpose {self.id!r} (known: {known})")

    @property
    def is_consent_based(self) -> bool:
        """Whether processing rests on consent: Art. 6(1)(a), or Art. 9(2)(a) for special data."""
        return (
            self.basis is LegalBasis.CONSENT
            or self.special_condition is SpecialCategoryCondition.EXPLICIT_CONSENT
        )

    @property
    def special_categories(self) -> tuple[DataCategory, ...]:
        """The Art. 9(1) categories among this purpose's categories."""
        return tuple(c for c in self.categories if c.special)


def _purpose_tuple(values: Iterable[Purpose]) -> tuple[Purpose, ...]:
    return tuple(values)


@attrs.frozen
class Register:
    """A shop's record of processing activities (Art. 30(1) GDPR): controller and purposes.

    ``categories`` optionally lists the categories the privacy notice names, so
    :meth:`lint` can report those no purpose uses.  Load one from TOML with
    :func:`gdprkit.register.load_register`.

    Example:
        >>> reg = Register(
        ...     controller=Controller(name="Shop", contact="privacy@shop.example"),
        ...     purposes=[Purpose(id="orders", description="Orders", basis="contract")],
        ... )
        >>> reg.purpose("orders").basis.value
        'contract'
    """

    controller: Controller = attrs.field(validator=attrs.validators.instance_of(Controller))
    purposes: tuple[Purpose, ...] = attrs.field(converter=_purpose_tuple)
    categories: tuple[DataCategory, ...] = attrs.field(converter=_categories, factory=tuple)
    notice_version: str | None = attrs.field(default=None, validator=_optional_str, kw_only=True)
    custom_categories: tuple[CustomCategory, ...] = attrs.field(
        factory=tuple, converter=_custom_categories, kw_only=True
    )
    blockers: tuple[Blocker, ...] = attrs.field(factory=tuple, converter=_blockers, kw_only=True)
    promises: Promises = attrs.field(factory=Promises, converter=_promises, kw_only=True)
    cookies: tuple[Cookie, ...] = attrs.field(factory=tuple, converter=_cookies, kw_only=True)

    @purposes.validator
    def _check_purposes(self, _attribute: object, value: tuple[Purpose, ...]) -> None:
        for item in value:
            if not isinstance(item, Purpose):
                raise InvalidType(f"purposes must be Purpose values, got {type(item).__name__}")

    def __attrs_post_init__(self) -> None:
        custom = {c.id for c in self.custom_categories}
        builtin = {c.value for c in DataCategory}
        clash = sorted(custom & builtin)
        if clash:
            raise InvalidInput(f"custom category {clash[0]!r} is already a built-in category")
        for p in self.purposes:
            for ident in p.other_categories:
                if ident not in custom:
                    raise InvalidInput(
                        f"purpose {p.id!r}: category {ident!r} is neither built in nor declared "
                        "in custom_categories"
                    )
        ids = {p.id for p in self.purposes}
        for cookie in self.cookies:
            if cookie.purpose is not None and cookie.purpose not in ids:
                raise InvalidInput(
                    f"cookie {cookie.name!r} names purpose {cookie.purpose!r}, which is not in "
                    "the register"
                )
        for blocker in self.blockers:
            for ident in blocker.purposes:
                if ident not in ids:
                    raise InvalidInput(
                        f"blocker {blocker.id!r} keeps purpose {ident!r}, which is not in the "
                        "register"
                    )
                purpose = self.purpose(ident)
                consent = purpose.is_consent_based or any(
                    op.basis is LegalBasis.CONSENT for op in purpose.operations
                )
                marketing = purpose.direct_marketing or any(
                    op.direct_marketing for op in purpose.operations
                )
                if consent or marketing:
                    why = "rests on consent" if consent else "is direct marketing"
                    raise InvalidInput(
                        f"blocker {blocker.id!r} would keep purpose {ident!r}, which {why}: "
                        "erasure after withdrawn consent or an objection to direct marketing "
                        "admits no such exception (Art. 17(1)(b), Art. 21(3) GDPR)"
                    )

    def custom_category(self, category_id: str) -> CustomCategory:
        """The shop category declared with this id.

        Raises:
            NotFound: none has that id.
        """
        for c in self.custom_categories:
            if c.id == category_id:
                return c
        raise NotFound(f"no custom category {category_id!r} in the register")

    def purpose(self, purpose_id: str) -> Purpose:
        """Return the purpose with this id.

        Raises:
            NotFound: no purpose has that id (the message lists the known ids).
        """
        for item in self.purposes:
            if item.id == purpose_id:
                return item
        known = ", ".join(p.id for p in self.purposes)
        raise NotFound(f"no purpose {purpose_id!r} in the register (known: {known})")

    def __contains__(self, purpose_id: object) -> bool:
        return any(p.id == purpose_id for p in self.purposes)

    def __iter__(self) -> Iterator[Purpose]:
        return iter(self.purposes)

    def __len__(self) -> int:
        return len(self.purposes)

    def purposes_for(self, category: DataCategory | str) -> tuple[Purpose, ...]:
        """The purposes that process ``category``."""
        wanted = DataCategory.parse(category)
        return tuple(p for p in self.purposes if wanted in p.categories)

    def categories_used(self) -> frozenset[DataCategory]:
        """Every category some purpose processes."""
        return frozenset(c for p in self.purposes for c in p.categories)

    def lint(self) -> list[Finding]:
        """Check the register; see :func:`gdprkit.register.lint_register` for the checks."""
        from gdprkit.register._lint import lint_register  # noqa: PLC0415 - lint imports this module

        return lint_register(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON/TOML-compatible form (with a format ``version``); see ``register_to_dict``."""
        from gdprkit.register._io import register_to_dict  # noqa: PLC0415

        return register_to_dict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str | None = None) -> Register:
        """Inverse of :meth:`to_dict`; errors name ``source``, purpose and key."""
        from gdprkit.register._io import register_from_dict  # noqa: PLC0415

        return register_from_dict(data, source=source)

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Register:
        """Load a register from a TOML file; see :func:`gdprkit.register.load_register`."""
        from gdprkit.register._io import load_register  # noqa: PLC0415

        return load_register(path)
