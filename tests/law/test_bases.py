"""Legal bases, Art. 9 conditions and the rights matrix of FACTS.md §1c (GDPR text, [S1])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import GdprkitError, InvalidInput
from gdprkit.law import LegalBasis, Right, SpecialCategoryCondition, rights_for
from gdprkit.testing import strategies as gst


def test_six_bases_with_letters_a_to_f() -> None:
    assert [b.article for b in LegalBasis] == [f"Art. 6(1)({c})" for c in "abcdef"]


def test_ten_special_conditions_with_letters_a_to_j() -> None:
    assert [c.article for c in SpecialCategoryCondition] == [
        f"Art. 9(2)({c})" for c in "abcdefghij"
    ]


def test_dpv_vital_interests_is_spelled_correctly() -> None:
    # DPV's own rights table misspells it "A6-1-d-natual-person"; we must not copy that.
    assert LegalBasis.VITAL_INTERESTS.dpv_id == "A6-1-d"
    assert all("natual" not in b.dpv_iri for b in LegalBasis)
    assert LegalBasis.VITAL_INTERESTS.dpv_iri == "https://w3id.org/dpv/legal/eu/gdpr#A6-1-d"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("consent", LegalBasis.CONSENT),
        ("6(1)(b)", LegalBasis.CONTRACT),
        ("Art. 6(1)(c)", LegalBasis.LEGAL_OBLIGATION),
        ("A6-1-f", LegalBasis.LEGITIMATE_INTERESTS),
        ("  public_task ", LegalBasis.PUBLIC_TASK),
    ],
)
def test_parse_accepts_codes_articles_and_dpv(text: str, expected: LegalBasis) -> None:
    assert LegalBasis.parse(text) is expected


@pytest.mark.parametrize("bad", ["consnet", "", "6(1)(g)", 3, None])
def test_parse_rejects_unknown_with_typed_error(bad: object) -> None:
    with pytest.raises(InvalidInput, match="expected one of") as info:
        LegalBasis.parse(bad)
    assert isinstance(info.value, GdprkitError)
    assert isinstance(info.value, ValueError)


def test_values_are_stable_storage_strings() -> None:
    assert str(LegalBasis.CONSENT) == "consent"
    assert LegalBasis("contract") is LegalBasis.CONTRACT
    assert SpecialCategoryCondition.parse("9(2)(a)") is SpecialCategoryCondition.EXPLICIT_CONSENT


@given(gst.legal_bases(), st.booleans(), st.booleans())
def test_rights_matrix_follows_facts_1c(
    basis: LegalBasis, automated: bool, marketing: bool
) -> None:
    rights = rights_for(basis, automated=automated, direct_marketing=marketing)
    # Every basis: access, rectification, erasure, restriction, notification, Art. 22, complaint.
    for always in (
        Right.ACCESS,
        Right.RECTIFICATION,
        Right.ERASURE,
        Right.RESTRICTION,
        Right.NOTIFICATION,
        Right.AUTOMATED_DECISIONS,
        Right.COMPLAIN,
    ):
        assert always in rights
    # Art. 7(3): withdrawal only under consent.
    assert (Right.WITHDRAW_CONSENT in rights) == (basis is LegalBasis.CONSENT)
    # Art. 20(1)(a)+(b): portability only under consent/contract and automated processing.
    assert (Right.PORTABILITY in rights) == (
        automated and basis in (LegalBasis.CONSENT, LegalBasis.CONTRACT)
    )
    # Art. 21(1): general objection only under public task or legitimate interests.
    assert (Right.OBJECT in rights) == (
        basis in (LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS)
    )
    # Art. 21(2): objection to direct marketing under any basis, when processing is marketing.
    assert (Right.OBJECT_DIRECT_MARKETING in rights) == marketing


def test_rights_for_accepts_storage_codes() -> None:
    assert rights_for("consent") == rights_for(LegalBasis.CONSENT)
    with pytest.raises(InvalidInput):
        rights_for("maybe")
