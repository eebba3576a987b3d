"""Lawful bases (Art. 6(1)), special-category conditions (Art. 9(2)), rights and who has them.

Source for every value here: Regulation (EU) 2016/679 (GDPR), EUR-Lex CELEX 32016R0679,
https://eur-lex.europa.eu/eli/reg/2016/679/oj ([S1]; Arts. 6(1), 9(2), 7(3), 15-22, 77).  DPV
identifiers are those of the W3C Data Privacy Vocabulary
(``https://w3id.org/dpv/legal/eu/gdpr#``).  DPV's own legal-basis-to-rights table
misspells the vital-interests basis as ``A6-1-d-natual-person``; gdprkit uses the identifier
DPV defines, ``A6-1-d``, and its tests check that no misspelling slipped in.

Example:
    >>> from gdprkit.law import LegalBasis, Right, rights_for
    >>> LegalBasis.CONSENT.article
    'Art. 6(1)(a)'
    >>> Right.PORTABILITY in rights_for(LegalBasis.CONSENT)
    True
    >>> Right.PORTABILITY in rights_for(LegalBasis.LEGITIMATE_INTERESTS)
    False
"""

from __future__ import annotations

import enum

from typing_extensions import Self

from gdprkit.errors import InvalidInput, InvalidType

__all__ = [
    "DPV_GDPR_NAMESPACE",
    "LegalBasis",
    "Right",
    "SpecialCategoryCondition",
    "rights_for",
]

DPV_GDPR_NAMESPACE = "https://w3id.org/dpv/legal/eu/gdpr#"


class _LegalEnum(str, enum.Enum):
    """A ``str`` enum whose value is the stable storage code; metadata in class-level tables."""

    article: str
    label: str
    dpv_id: str

    def __new__(cls, value: str, article: str, label: str, dpv_id: str) -> _LegalEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.article = article
        obj.label = label
        obj.dpv_id = dpv_id
        return obj

    def __str__(self) -> str:
        return str.__str__(self)

    @property
    def dpv_iri(self) -> str:
        """The full W3C DPV IRI of this item."""
        return DPV_GDPR_NAMESPACE + self.dpv_id

    @classmethod
    def parse(cls, value: object) -> Self:
        """Return the member for a storage code (``"consent"``) or an article (``"6(1)(a)"``).

        Raises:
            InvalidInput: nothing matches; the message lists the accepted codes.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            text = value.strip()
            for member in cls:
                if text in (member.value, member.dpv_id, member.article) or (
                    text == member.article.removeprefix("Art. ")
                ):
                    return member
        accepted = ", ".join(repr(m.value) for m in cls)
        raise InvalidInput(f"unknown {cls.__name__}: expected one of {accepted}")


class LegalBasis(_LegalEnum):
    """The six lawful bases of Art. 6(1) GDPR [S1].

    The short names are common labels, not words of the Regulation.

    Example:
        >>> LegalBasis.parse("6(1)(b)") is LegalBasis.CONTRACT
        True
        >>> LegalBasis.CONTRACT.dpv_iri
        'https://w3id.org/dpv/legal/eu/gdpr#A6-1-b'
    """

    CONSENT = ("consent", "Art. 6(1)(a)", "Consent", "A6-1-a")
    CONTRACT = ("contract", "Art. 6(1)(b)", "Performance of a contract", "A6-1-b")
    LEGAL_OBLIGATION = ("legal_obligation", "Art. 6(1)(c)", "Legal obligation", "A6-1-c")
    VITAL_INTERESTS = ("vital_interests", "Art. 6(1)(d)", "Vital interests", "A6-1-d")
    PUBLIC_TASK = ("public_task", "Art. 6(1)(e)", "Public task", "A6-1-e")
    LEGITIMATE_INTERESTS = (
        "legitimate_interests",
        "Art. 6(1)(f)",
        "Legitimate interests",
        "A6-1-f",
    )


class SpecialCategoryCondition(_LegalEnum):
    """The ten conditions of Art. 9(2) GDPR that lift the ban on special categories [S1].

    Example:
        >>> SpecialCategoryCondition.EXPLICIT_CONSENT.article
        'Art. 9(2)(a)'
    """

    EXPLICIT_CONSENT = ("explicit_consent", "Art. 9(2)(a)", "Explicit consent", "A9-2-a")
    EMPLOYMENT_SOCIAL_SECURITY = (
        "employment_social_security",
        "Art. 9(2)(b)",
        "Employment, social security and social protection law",
        "A9-2-b",
    )
    VITAL_INTERESTS = ("vital_interests", "Art. 9(2)(c)", "Vital interests", "A9-2-c")
    NOT_FOR_PROFIT = ("not_for_profit", "Art. 9(2)(d)", "Not-for-profit bodies", "A9-2-d")
    MADE_PUBLIC = ("made_public", "Art. 9(2)(e)", "Manifestly made public", "A9-2-e")
    LEGAL_CLAIMS = ("legal_claims", "Art. 9(2)(f)", "Legal claims or courts", "A9-2-f")
    SUBSTANTIAL_PUBLIC_INTEREST = (
        "substantial_public_interest",
        "Art. 9(2)(g)",
        "Substantial public interest",
        "A9-2-g",
    )
    HEALTH_OR_SOCIAL_CARE = (
        "health_or_social_care",
        "Art. 9(2)(h)",
        "Health or social care",
        "A9-2-h",
    )
    PUBLIC_HEALTH = ("public_health", "Art. 9(2)(i)", "Public health", "A9-2-i")
    ARCHIVING_RESEARCH_STATISTICS = (
        "archiving_research_statistics",
        "Art. 9(2)(j)",
        "Archiving, research or statistics",
        "A9-2-j",
    )


class Right(_LegalEnum):
    """The data-subject rights whose availability a shop must state (Arts. 13(2)(b)-(d) [S1]).

    Example:
        >>> Right.WITHDRAW_CONSENT.article
        'Art. 7(3)'
    """

    WITHDRAW_CONSENT = ("withdraw_consent", "Art. 7(3)", "Withdraw consent", "A7-3")
    ACCESS = ("access", "Art. 15", "Access", "A15")
    RECTIFICATION = ("rectification", "Art. 16", "Rectification", "A16")
    ERASURE = ("erasure", "Art. 17", "Erasure", "A17")
    RESTRICTION = ("restriction", "Art. 18", "Restriction of processing", "A18")
    NOTIFICATION = (
        "notification",
        "Art. 19",
        "Notification of rectification, erasure or restriction to recipients",
        "A19",
    )
    PORTABILITY = ("portability", "Art. 20", "Data portability", "A20")
    OBJECT = ("object", "Art. 21(1)", "Object to processing", "A21-1")
    OBJECT_DIRECT_MARKETING = (
        "object_direct_marketing",
        "Art. 21(2)",
        "Object to direct marketing",
        "A21-2",
    )
    AUTOMATED_DECISIONS = (
        "automated_decisions",
        "Art. 22",
        "Not to be subject to solely automated decisions",
        "A22",
    )
    COMPLAIN = ("complain", "Art. 77", "Lodge a complaint with a supervisory authority", "A77")


# Rights that hold under every basis (Arts. 15, 16, 18, 19, 22, 77 GDPR [S1]).  Restriction
# applies only in the cases of Art. 18(1)(a)-(d) but under any basis; Art. 22 protects against
# solely automated decisions whatever the basis.
_ALWAYS = frozenset(
    {
        Right.ACCESS,
        Right.RECTIFICATION,
        Right.RESTRICTION,
        Right.NOTIFICATION,
        Right.AUTOMATED_DECISIONS,
        Right.COMPLAIN,
    }
)

# Art. 17(3)(b) GDPR [S1]: erasure (17(1) and (2)) "shall not apply to the extent that
# processing is necessary … for compliance with a legal obligation which requires processing by
# Union or Member State law … or for the performance of a task carried out in the public
# interest or in the exercise of official authority".  Processing on Art. 6(1)(c) or 6(1)(e) is
# by its basis necessary for exactly that, so no erasure right is offered for it.
_NO_ERASURE = frozenset({LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK})


def rights_for(
    basis: LegalBasis | str,
    *,
    automated: bool = True,
    direct_marketing: bool = False,
    research: bool = False,
) -> frozenset[Right]:
    """Return the rights a data subject has for processing on ``basis`` (GDPR [S1]).

    - withdrawal of consent (Art. 7(3)) only under consent;
    - erasure (Art. 17) under every basis except legal obligation and public task, where
      Art. 17(3)(b) excludes it (its grounds, 17(1)(a)-(f), still decide each request);
    - portability (Art. 20(1)(a)+(b)) only under consent or contract, and only when processing is
      carried out by automated means (``automated``); never for a public task (Art. 20(3));
    - general objection (Art. 21(1)) under public task or legitimate interests; and, for
      processing for scientific or historical research or statistics under Art. 89(1)
      (``research``), under every basis except public task (Art. 21(6));
    - objection to direct marketing (Art. 21(2)-(3)) under any basis when the processing is for
      direct marketing (``direct_marketing``).

    Raises:
        InvalidInput: ``basis`` is not a known legal basis.
        InvalidType: a flag is not a bool.

    Example:
        >>> sorted(r.value for r in rights_for("contract", automated=False))[:3]
        ['access', 'automated_decisions', 'complain']
        >>> Right.OBJECT_DIRECT_MARKETING in rights_for("contract", direct_marketing=True)
        True
        >>> Right.ERASURE in rights_for("legal_obligation")  # Art. 17(3)(b)
        False
    """
    basis = LegalBasis.parse(basis)
    for name, flag in (
        ("automated", automated),
        ("direct_marketing", direct_marketing),
        ("research", research),
    ):
        if not isinstance(flag, bool):
            raise InvalidType(f"{name} must be a bool")
    rights = set(_ALWAYS)
    if basis not in _NO_ERASURE:
        rights.add(Right.ERASURE)
    if basis is LegalBasis.CONSENT:
        rights.add(Right.WITHDRAW_CONSENT)
    if automated and basis in (LegalBasis.CONSENT, LegalBasis.CONTRACT):
        rights.add(Right.PORTABILITY)
    if basis in (LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS):
        rights.add(Right.OBJECT)
    if research and basis is not LegalBasis.PUBLIC_TASK:
        # Art. 21(6): "unless the processing is necessary for the performance of a task
        # carried out for reasons of public interest".
        rights.add(Right.OBJECT)
    if direct_marketing:
        rights.add(Right.OBJECT_DIRECT_MARKETING)
    return frozenset(rights)
