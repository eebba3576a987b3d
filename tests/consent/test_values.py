"""Consent, Evidence and ConsentEvent: validation, refusal of non-acts, JSON round trips."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from gdprkit.consent import Consent, ConsentEvent, Evidence, Method, notice_digest
from gdprkit.errors import InvalidConsent, InvalidInput, InvalidType, NaiveDatetimeError
from gdprkit.testing import strategies as gst

from .consent_support import T0, evidence


@pytest.mark.parametrize(
    "method", ["pre_ticked_box", "pre-ticked", "silence", "inactivity", "scrolling", "swiping",
               "continued browsing", "cookie_wall"],
)  # fmt: skip
def test_non_acts_are_refused_with_their_citation(method: str) -> None:
    # Recital 32 GDPR and EDPB Guidelines 05/2020 para. 86 (FACTS.md §8a, §8b).
    with pytest.raises(InvalidConsent, match=r"Recital 32|05/2020"):
        evidence(method=method)


def test_unknown_method_is_invalid_input_listing_the_accepted_ones() -> None:
    with pytest.raises(InvalidInput, match="checkbox"):
        evidence(method="telepathy")
    assert Method.parse(" Double-Opt-In ") is Method.DOUBLE_OPT_IN


def test_double_opt_in_needs_its_confirmation_time() -> None:
    with pytest.raises(InvalidConsent, match="confirmed_at"):
        evidence(method="double_opt_in")
    ev = evidence(method="double_opt_in", confirmed_at=T0)
    assert ev.confirmed_at == T0


def test_notice_digest_is_sha256_of_utf8() -> None:
    # FIPS 180-2 appendix B.1 test vector ("abc").
    assert notice_digest("abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    with pytest.raises(InvalidInput, match="notice_sha256"):
        evidence(notice_sha256="ABC")


@pytest.mark.parametrize("ip", ["203.0.113.7", "2001:db8::1", "not an ip"])
def test_unmasked_or_bad_ip_is_refused_without_echoing_it(ip: str) -> None:
    with pytest.raises(InvalidInput) as info:
        evidence(ip=ip)
    assert ip not in str(info.value)


def test_personal_fields_stay_out_of_repr() -> None:
    ev = evidence(ip="203.0.113.0", user_agent="Mozilla/5.0 SecretBrowser")
    assert "203.0.113" not in repr(ev)
    assert "SecretBrowser" not in repr(ev)


def test_times_must_be_aware_and_expiry_after_grant() -> None:
    with pytest.raises(NaiveDatetimeError):
        Consent("newsletter", True, dt.datetime(2025, 1, 1), evidence())
    with pytest.raises(InvalidInput, match="expires_at"):
        Consent("newsletter", True, T0, evidence(), expires_at=T0)
    with pytest.raises(InvalidType):
        Consent("newsletter", "yes", T0, evidence())  # type: ignore[arg-type]


def test_decision_events_need_evidence() -> None:
    with pytest.raises(InvalidInput, match="evidence"):
        ConsentEvent(kind="given", purpose="newsletter", at=T0)


def test_unknown_versions_are_refused() -> None:
    data = ConsentEvent(kind="withdrawn", purpose="newsletter", at=T0).to_dict()
    data["v"] = 99
    with pytest.raises(InvalidInput, match="version"):
        ConsentEvent.from_dict(data)


@given(gst.evidences(child=None))
def test_evidence_round_trips(ev: Evidence) -> None:
    assert Evidence.from_dict(ev.to_dict()) == ev


@given(gst.consents())
def test_consent_round_trips(consent: Consent) -> None:
    assert Consent.from_dict(consent.to_dict()) == consent


@given(gst.consent_events())
def test_event_round_trips(event: ConsentEvent) -> None:
    assert ConsentEvent.from_dict(event.to_dict()) == event
