"""RecordPolicy: each action, unknown fields, streaming, errors that name fields not values."""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import (
    InvalidInput,
    InvalidType,
    NaiveDatetimeError,
    UnknownField,
)
from gdprkit.pseudonymise import (
    KeyRing,
    MemorySubjectKeyStore,
    Pseudonymiser,
    ReversiblePseudonymiser,
    SubjectKeys,
    canonical,
)
from gdprkit.pseudonymise import records as r
from gdprkit.testing import strategies as gst

RING = KeyRing([("k1", bytes(range(32)))])
EMAILS = Pseudonymiser(RING, domain="email", canonicaliser=canonical.email_lower)


class Slash24:
    """A test masker: zero the last octet (what GA's IPv4 truncation does)."""

    def apply(self, address: str) -> str:
        net = ipaddress.ip_network(f"{address}/24", strict=False)
        return str(net.network_address)


def test_each_action() -> None:
    keys = SubjectKeys(RING, MemorySubjectKeyStore())
    reveal = ReversiblePseudonymiser(RING, domain="phone", canonicaliser=canonical.phone)
    policy = r.RecordPolicy(
        {
            "id": r.keep(),
            "name": r.drop(),
            "email": r.token(EMAILS),
            "phone": r.token(reveal),
            "address": r.seal(keys, subject_field="id"),
            "ip": r.mask(Slash24()),
            "mail_domain": r.email_domain(),
            "born": r.generalise_date(unit="month"),
            "age": r.age_band(width=5),
            "postcode": r.postcode_prefix(length=2),
        }
    )
    out = policy.apply(
        {
            "id": "c-1",
            "name": "Ann",
            "email": "Ann@Shop.example",
            "phone": "+49 30 123",
            "address": "1 Main St",
            "ip": "192.0.2.77",
            "mail_domain": "ann@Shop.Example",
            "born": dt.date(1990, 5, 17),
            "age": 34,
            "postcode": "10 115",
        }
    )
    assert "name" not in out
    assert out["id"] == "c-1"
    assert EMAILS.matches("ann@shop.example", str(out["email"]))
    assert reveal.reveal(str(out["phone"])) == "+4930123"
    assert keys.open("c-1", str(out["address"])) == "1 Main St"
    assert out["ip"] == "192.0.2.0"
    assert out["mail_domain"] == "shop.example"
    assert out["born"] == "1990-05"
    assert out["age"] == "30-34"
    assert out["postcode"] == "10"
    assert list(out) == [k for k in policy.fields if k != "name"], "field order kept"


def test_unknown_fields_fail_by_default_and_can_be_dropped_or_kept() -> None:
    record = {"id": 1, "new_column": "ann@shop.example"}
    with pytest.raises(UnknownField) as info:
        r.RecordPolicy({"id": r.keep()}).apply(record)
    assert info.value.field == "new_column"
    assert "ann@" not in str(info.value)
    assert r.RecordPolicy({"id": r.keep()}, unknown="drop").apply(record) == {"id": 1}
    kept = r.RecordPolicy({"id": r.keep()}, unknown=r.UnknownFields.KEEP).apply(record)
    assert kept == record
    with pytest.raises(InvalidInput):
        r.RecordPolicy({}, unknown="ignore")


def test_missing_fields_and_none_values_pass() -> None:
    policy = r.RecordPolicy({"email": r.token(EMAILS), "age": r.age_band()})
    assert policy.apply({"age": None}) == {"age": None}
    assert policy.apply({}) == {}


@pytest.mark.parametrize(
    ("action", "value", "error"),
    [
        (r.token(EMAILS), "not-an-address", InvalidInput),
        (r.token(EMAILS), 42, InvalidType),
        (r.email_domain(), "ann.example", InvalidInput),
        (r.generalise_date(unit="year"), "17/05/1990", InvalidInput),
        (r.generalise_date(unit="year"), dt.datetime(1990, 5, 17), NaiveDatetimeError),
        (r.generalise_date(unit="year"), 1990, InvalidType),
        (r.age_band(), -1, InvalidInput),
        (r.age_band(), "34", InvalidType),
        (r.age_band(), True, InvalidType),
        (r.mask(Slash24()), "999.1.1.1", InvalidInput),  # ipaddress's own message quotes it
        (r.postcode_prefix(length=2), 10115, InvalidType),
    ],
)
def test_refused_values_name_the_field_not_the_value(
    action: r.FieldAction, value: object, error: type[Exception]
) -> None:
    policy = r.RecordPolicy({"secret_field": action})
    with pytest.raises(error) as info:
        policy.apply({"secret_field": value})
    message = str(info.value)
    assert "'secret_field'" in message
    assert str(value) not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_seal_needs_the_subject_field() -> None:
    keys = SubjectKeys(RING, MemorySubjectKeyStore())
    policy = r.RecordPolicy({"address": r.seal(keys, subject_field="id"), "id": r.keep()})
    with pytest.raises(InvalidInput, match="'id'"):
        policy.apply({"address": "1 Main St"})


def test_action_constructors_check_their_options() -> None:
    with pytest.raises(InvalidInput):
        r.generalise_date(unit="day")
    with pytest.raises(InvalidInput):
        r.age_band(width=1)
    with pytest.raises(InvalidInput):
        r.age_band(width=10, top=85)
    with pytest.raises(InvalidInput):
        r.postcode_prefix(length=0)
    with pytest.raises(InvalidType):
        r.token("pseudonymiser")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        r.seal(object(), subject_field="id")  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        r.mask(object())  # type: ignore[arg-type]
    with pytest.raises(InvalidType):
        r.RecordPolicy({"a": "keep"})  # type: ignore[dict-item]


@given(gst.aware_datetimes())
def test_aware_datetimes_generalise_to_their_own_local_date(moment: dt.datetime) -> None:
    out = r.RecordPolicy({"t": r.generalise_date(unit="month")}).apply({"t": moment})
    assert out["t"] == f"{moment.year:04d}-{moment.month:02d}"
    year = r.RecordPolicy({"t": r.generalise_date(unit="year")}).apply({"t": moment.isoformat()})
    assert year["t"] == f"{moment.year:04d}"


@given(st.integers(min_value=0, max_value=130), st.integers(min_value=2, max_value=20))
def test_age_band_contains_the_age(age: int, width: int) -> None:
    band = r.RecordPolicy({"a": r.age_band(width=width)}).apply({"a": age})["a"]
    low, high = (int(x) for x in str(band).split("-"))
    assert low <= age <= high
    assert high - low + 1 == width
    assert low % width == 0


@given(st.integers(min_value=0, max_value=130))
def test_age_band_top(age: int) -> None:
    band = r.RecordPolicy({"a": r.age_band(width=10, top=90)}).apply({"a": age})["a"]
    assert (band == "90+") == (age >= 90)


@given(gst.email_addresses())
def test_email_domain_drops_the_local_part(address: str) -> None:
    out = r.RecordPolicy({"e": r.email_domain()}).apply({"e": address})["e"]
    assert out == address.rpartition("@")[2].lower()
    assert "@" not in str(out)


def test_apply_many_is_lazy() -> None:
    seen: list[int] = []

    def records() -> Iterator[dict[str, object]]:
        for i in range(3):
            seen.append(i)
            yield {"n": i, "x": "drop me"}

    out = r.RecordPolicy({"n": r.keep(), "x": r.drop()}).apply_many(records())
    assert seen == []
    assert next(out) == {"n": 0}
    assert seen == [0]
    assert list(out) == [{"n": 1}, {"n": 2}]


def test_repr_names_fields_and_actions_only() -> None:
    policy = r.RecordPolicy({"email": r.token(EMAILS), "n": r.keep()})
    text = repr(policy)
    assert "'email': token" in text
    assert "unknown='fail'" in text
    assert RING.derive("token:email").hex() not in text


def test_mask_with_the_real_ip_truncation_preset() -> None:
    from gdprkit.ip import IPMasker, TruncationMasker

    ga = TruncationMasker.preset("ga")
    assert isinstance(ga, r.Masker)
    assert isinstance(ga, IPMasker)
    policy = r.RecordPolicy({"ip": r.mask(ga)})
    assert policy.apply({"ip": "192.0.2.77"}) == {"ip": ga.apply("192.0.2.77")}
    assert policy.apply({"ip": "192.0.2.77"})["ip"] != "192.0.2.77"
    with pytest.raises(InvalidInput, match="'ip'") as info:
        policy.apply({"ip": "203.0.113.999"})
    assert "203.0.113" not in str(info.value)


def test_key_ring_serves_as_the_ip_key_source() -> None:
    from gdprkit.ip import KeySource

    assert isinstance(RING, KeySource)


def test_custom_actions_with_and_without_the_record() -> None:
    initial = r.FieldAction(kind="initial", transform=lambda v: str(v)[:1])
    country_of = r.FieldAction(
        kind="country-of", transform=lambda v, rec: f"{v}/{rec['country']}", needs_record=True
    )
    policy = r.RecordPolicy({"name": initial, "city": country_of, "country": r.keep()})
    out = policy.apply({"name": "Ann", "city": "Berlin", "country": "DE"})
    assert out == {"name": "A", "city": "Berlin/DE", "country": "DE"}
