"""The data-category taxonomy: coverage of the shops' policies, Art. 9 flags, DPV mapping."""

from __future__ import annotations

import pytest
from hypothesis import given

from gdprkit.errors import InvalidInput
from gdprkit.law import DataCategory
from gdprkit.testing import strategies as gst

# Every category named in the policies gdprkit serves (issue #2).
POLICY_CATEGORIES = [
    "identity",
    "contact",
    "delivery",
    "order_history",
    "payment",
    "credit",
    "account",
    "ip_address",
    "device",
    "usage",
    "location",
    "correspondence",
    "video",
    "photograph",
    "birth_date",
    "gender",
    "preferences",
    "search_history",
]
# Art. 9(1) GDPR lists exactly these special categories ([S1]).
ART9 = {
    "racial_ethnic_origin",
    "political_opinions",
    "religious_beliefs",
    "trade_union",
    "genetic",
    "biometric",
    "health",
    "sex_life",
}


@pytest.mark.parametrize("code", POLICY_CATEGORIES)
def test_policy_category_exists_and_is_not_special(code: str) -> None:
    category = DataCategory.parse(code)
    assert not category.special
    assert category.label


def test_special_categories_are_exactly_art9() -> None:
    assert {c.value for c in DataCategory if c.special} == ART9


@given(gst.data_categories())
def test_dpv_iri_is_in_pd_namespace(category: DataCategory) -> None:
    iri = category.dpv_iri
    assert iri is None or iri.startswith("https://w3id.org/dpv/pd#")


@given(gst.data_categories(special=True))
def test_special_strategy_only_special(category: DataCategory) -> None:
    assert category.special


def test_unknown_category_is_a_typed_error() -> None:
    with pytest.raises(InvalidInput, match="unknown data category"):
        DataCategory.parse("shoe_size")


@given(gst.data_categories())
def test_parse_round_trips_members_and_their_storage_strings(category: DataCategory) -> None:
    assert DataCategory.parse(category) is category
    assert DataCategory.parse(str(category)) is category
    assert str(category) == category.value


@pytest.mark.parametrize("bad", [None, 3, ["contact"]])
def test_parse_rejects_non_strings(bad: object) -> None:
    with pytest.raises(InvalidInput, match="expected one of"):
        DataCategory.parse(bad)
