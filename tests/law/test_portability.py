"""Art. 20 scope: which data a portability package covers (issue 15 item 3).

The rule is Art. 20(1) GDPR as read by the Article 29 Working Party's Guidelines on the right
to data portability, WP242 rev.01 (endorsed by the EDPB on 25 May 2018) [S204], section III:
data "provided by" the data subject include data observed from the subject's use of the service
(activity logs, search history); data inferred or derived by the controller do not.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidType
from gdprkit.export import ExclusionReason, portability_exclusion
from gdprkit.law import LegalBasis
from gdprkit.register import Provenance, Purpose
from gdprkit.testing import strategies as gst


def consent_purpose(*provenance: str) -> Purpose:
    return Purpose(
        id="clicks",
        description="Search history and clicks",
        basis="consent",
        provenance=list(provenance),
        withdrawal="Cookie settings",
    )


# Worked examples (WP242 rev.01 section III, [S204]).
@pytest.mark.parametrize(
    ("provenance", "in_scope"),
    [
        (("provided",), True),  # "actively and knowingly provided": an address form
        (("observed",), True),  # search history, activity logs: observed, so provided
        (("derived",), False),  # a recommendation score the shop computed
        (("third_party",), False),  # a credit agency's file: not provided by the subject
        (("observed", "derived"), True),  # the observed part is in scope
    ],
)
def test_wp242_examples(provenance: tuple[str, ...], in_scope: bool) -> None:
    reason = portability_exclusion(consent_purpose(*provenance))
    assert (reason is None) == in_scope
    if not in_scope:
        assert reason is ExclusionReason.PROVENANCE


def test_the_shop_can_still_read_provided_narrowly() -> None:
    purpose = consent_purpose("observed")
    assert portability_exclusion(purpose, include_observed=False) is ExclusionReason.PROVENANCE
    with pytest.raises(InvalidType):
        portability_exclusion(purpose, include_observed="no")  # type: ignore[arg-type]


@given(gst.purposes(), st.booleans())
def test_scope_is_exactly_art_20_1_as_read_by_wp242(purpose: Purpose, narrow: bool) -> None:
    in_basis = purpose.is_consent_based or purpose.basis is LegalBasis.CONTRACT
    provided = Provenance.PROVIDED in purpose.provenance or (
        not narrow and Provenance.OBSERVED in purpose.provenance
    )
    reason = (
        portability_exclusion(purpose, include_observed=False)
        if narrow
        else portability_exclusion(purpose)
    )
    assert (reason is None) == (in_basis and purpose.automated and provided)
    # The default reading never covers less than the narrow one.
    if portability_exclusion(purpose, include_observed=False) is None:
        assert portability_exclusion(purpose) is None
