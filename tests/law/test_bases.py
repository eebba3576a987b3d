"""Legal bases, Art. 9 conditions and the rights matrix (GDPR text on EUR-Lex, [S1])."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import GdprkitError, InvalidInput, InvalidType
from gdprkit.law import LegalBasis, Right, SpecialCategoryCondition, rights_for
from gdprkit.register import Purpose
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


@given(gst.legal_bases(), st.booleans(), st.booleans(), st.booleans())
def test_rights_matrix_follows_the_articles(
    basis: LegalBasis, automated: bool, marketing: bool, research: bool
) -> None:
    rights = rights_for(basis, automated=automated, direct_marketing=marketing, research=research)
    # Every basis: access (15), rectification (16), restriction (18), notification (19),
    # Art. 22, complaint (77).
    for always in (
        Right.ACCESS,
        Right.RECTIFICATION,
        Right.RESTRICTION,
        Right.NOTIFICATION,
        Right.AUTOMATED_DECISIONS,
        Right.COMPLAIN,
    ):
        assert always in rights
    # Art. 17(3)(b): no erasure for processing necessary for a legal obligation or a task in
    # the public interest; every other basis has it (on the grounds of 17(1)).
    assert (Right.ERASURE in rights) == (
        basis not in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
    )
    # Art. 7(3): withdrawal only under consent.
    assert (Right.WITHDRAW_CONSENT in rights) == (basis is LegalBasis.CONSENT)
    # Art. 20(1)(a)+(b): portability only under consent/contract and automated processing;
    # Art. 20(3): never for a public task.
    assert (Right.PORTABILITY in rights) == (
        automated and basis in (LegalBasis.CONSENT, LegalBasis.CONTRACT)
    )
    # Art. 21(1): general objection under public task or legitimate interests; Art. 21(6):
    # for research or statistics under Art. 89(1), under every basis but a public-interest task.
    assert (Right.OBJECT in rights) == (
        basis in (LegalBasis.PUBLIC_TASK, LegalBasis.LEGITIMATE_INTERESTS)
        or (research and basis is not LegalBasis.PUBLIC_TASK)
    )
    # Art. 21(2)-(3): objection to direct marketing under any basis, when processing is marketing.
    assert (Right.OBJECT_DIRECT_MARKETING in rights) == marketing


# Worked examples (issue 15 item 2; GDPR Arts. 7(3), 17(3)(b), 20, 21 on EUR-Lex [S1]).
@pytest.mark.parametrize(
    ("basis", "flags", "present", "absent"),
    [
        # Invoices kept under tax law: no erasure (17(3)(b)), no portability, no objection.
        ("legal_obligation", {}, {Right.ACCESS}, {Right.ERASURE, Right.PORTABILITY, Right.OBJECT}),
        # A public-task purpose: objection (21(1)) but no erasure (17(3)(b)) or portability
        # (20(3)).
        ("public_task", {}, {Right.OBJECT}, {Right.ERASURE, Right.PORTABILITY}),
        # A newsletter on consent: withdrawal, erasure (17(1)(b)), portability.
        (
            "consent",
            {"direct_marketing": True},
            {
                Right.WITHDRAW_CONSENT,
                Right.ERASURE,
                Right.PORTABILITY,
                Right.OBJECT_DIRECT_MARKETING,
            },
            {Right.OBJECT},
        ),
        # Orders: erasure (17(1)(a) once no longer necessary) and portability.
        (
            "contract",
            {},
            {Right.ERASURE, Right.PORTABILITY},
            {Right.OBJECT, Right.WITHDRAW_CONSENT},
        ),
        # Statistics under Art. 89(1) on a contract basis: Art. 21(6) objection.
        ("contract", {"research": True}, {Right.OBJECT}, set()),
        # Research as a public task: 21(6) excludes it, and 21(1) gives objection anyway.
        ("public_task", {"research": True}, {Right.OBJECT}, {Right.ERASURE}),
        ("vital_interests", {}, {Right.ERASURE}, {Right.PORTABILITY, Right.OBJECT}),
    ],
)
def test_rights_matrix_examples(
    basis: str, flags: dict[str, bool], present: set[Right], absent: set[Right]
) -> None:
    rights = rights_for(basis, **flags)
    assert present <= rights
    assert not (absent & rights)


def test_rights_for_refuses_non_bool_flags() -> None:
    with pytest.raises(InvalidType):
        rights_for("consent", research="yes")  # type: ignore[arg-type]


def test_rights_for_accepts_storage_codes() -> None:
    assert rights_for("consent") == rights_for(LegalBasis.CONSENT)
    with pytest.raises(InvalidInput):
        rights_for("maybe")


@given(gst.purposes())
def test_access_report_rights_follow_art_17_3_b(purpose: Purpose) -> None:
    # Issue 15 item 2: the access report (and a notice built from it) must not offer erasure
    # for processing on a legal obligation or a public task (Art. 17(3)(b)).
    from gdprkit.export._report import purpose_rights

    rights = purpose_rights(purpose)
    no_erasure = purpose.basis in (LegalBasis.LEGAL_OBLIGATION, LegalBasis.PUBLIC_TASK)
    assert (Right.ERASURE in rights) == (not no_erasure)
