"""Cookie consent: the signed cookie value, its validation, and recording it in the ledger."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent import ConsentLedger, ConsentStatus
from gdprkit.consent.cookies import (
    CookieCategory,
    CookieConsent,
    cookie_consent_or_none,
    encode_cookie,
    parse_cookie,
    record_cookie_consent,
)
from gdprkit.errors import (
    ConsentCookieError,
    ConsentCookieExpired,
    ConsentCookieTampered,
    ConsentCookieVersion,
    IntegrityError,
    InvalidInput,
    KeyMaterialError,
)
from gdprkit.pseudonymise import KeyRing
from gdprkit.testing import strategies as gst

from .consent_support import KEY, T0, evidence

KEYS = {"c1": KEY}
CHOICE = CookieConsent(granted={"statistics"}, policy_version="2025-03", decided_at=T0)


@given(gst.cookie_consents())
def test_encode_then_parse_round_trips(choice: CookieConsent) -> None:
    value = encode_cookie(choice, key=KEY, key_id="c1")
    assert parse_cookie(value, keys=KEYS, now=choice.decided_at) == choice
    assert len(value) < 200
    assert all(c.isalnum() or c in "-_." for c in value)  # RFC 6265 cookie-octets


@given(gst.cookie_consents(), st.data())
def test_any_changed_character_is_rejected(choice: CookieConsent, data: st.DataObject) -> None:
    value = encode_cookie(choice, key=KEY, key_id="c1")
    index = data.draw(st.integers(0, len(value) - 1))
    replacement = data.draw(st.sampled_from("AZaz09-_.").filter(lambda c: c != value[index]))
    tampered = value[:index] + replacement + value[index + 1 :]
    with pytest.raises(ConsentCookieError):
        parse_cookie(tampered, keys=KEYS, now=choice.decided_at)
    assert cookie_consent_or_none(tampered, keys=KEYS, now=choice.decided_at) is None


def test_errors_are_typed() -> None:
    value = encode_cookie(CHOICE, key=KEY, key_id="c1")
    _version, kid, payload, tag = value.split(".")
    with pytest.raises(ConsentCookieVersion, match="format"):
        parse_cookie(f"gdc9.{kid}.{payload}.{tag}", keys=KEYS, now=T0)
    with pytest.raises(ConsentCookieVersion, match="key id"):
        parse_cookie(value, keys={"c2": KEY}, now=T0)
    with pytest.raises(ConsentCookieTampered) as info:
        parse_cookie(value, keys={"c1": b"x" * 32}, now=T0)
    assert isinstance(info.value, IntegrityError)
    with pytest.raises(ConsentCookieError, match="malformed"):
        parse_cookie("hello", keys=KEYS, now=T0)
    with pytest.raises(ConsentCookieError, match="future"):
        parse_cookie(value, keys=KEYS, now=T0 - dt.timedelta(seconds=1))


def test_choices_lapse_after_six_months_by_default() -> None:
    # CNIL recommendation of 17 Sep 2020: keep the choice 6 months (FACTS.md §8d, 🟡).
    value = encode_cookie(CHOICE, key=KEY, key_id="c1")
    last_second = dt.datetime(2025, 9, 1, 8, 59, 59, tzinfo=dt.timezone.utc)
    assert parse_cookie(value, keys=KEYS, now=last_second) == CHOICE
    with pytest.raises(ConsentCookieExpired):
        parse_cookie(value, keys=KEYS, now=last_second + dt.timedelta(seconds=1))
    assert parse_cookie(value, keys=KEYS, now=T0.replace(year=2030), max_age=None) == CHOICE
    with pytest.raises(ConsentCookieExpired):
        parse_cookie(value, keys=KEYS, now=T0 + dt.timedelta(days=8), max_age="1 week")


def test_a_new_policy_version_means_asking_again() -> None:
    value = encode_cookie(CHOICE, key=KEY, key_id="c1")
    with pytest.raises(ConsentCookieExpired, match="policy"):
        parse_cookie(value, keys=KEYS, now=T0, policy_version="2025-09")
    assert cookie_consent_or_none(value, keys=KEYS, now=T0, policy_version="2025-09") is None
    assert cookie_consent_or_none(None, keys=KEYS) is None
    assert cookie_consent_or_none(value, keys=KEYS, now=T0) == CHOICE


def test_keys_rotate_by_key_id_and_key_rings_work() -> None:
    old = encode_cookie(CHOICE, key=KEY, key_id="c1")
    new = encode_cookie(CHOICE, key=b"n" * 32, key_id="c2")
    keys = {"c1": KEY, "c2": b"n" * 32}
    assert parse_cookie(old, keys=keys, now=T0) == parse_cookie(new, keys=keys, now=T0)
    ring = KeyRing.generate(key_id="k1")
    value = encode_cookie(CHOICE, key=ring, key_id="k1")
    assert parse_cookie(value, keys=ring, now=T0) == CHOICE
    with pytest.raises(ConsentCookieTampered):
        parse_cookie(value, keys=KeyRing.generate(key_id="k1"), now=T0)
    with pytest.raises(KeyMaterialError):
        encode_cookie(CHOICE, key=b"short", key_id="c1")


def test_strictly_necessary_is_always_allowed_and_needs_no_consent() -> None:
    nothing = CookieConsent.reject_all(policy_version="v1", decided_at=T0)
    assert nothing.allows(CookieCategory.STRICTLY_NECESSARY)
    assert not any(nothing.allows(c) for c in CookieCategory if c.value != "necessary")
    everything = CookieConsent.accept_all(policy_version="v1", decided_at=T0)
    assert all(everything.allows(c) for c in CookieCategory)
    assert CookieConsent.from_dict(CHOICE.to_dict()) == CHOICE
    with pytest.raises(InvalidInput, match="category"):
        CookieConsent(granted={"tracking"}, policy_version="v1", decided_at=T0)


def test_recording_a_cookie_choice_for_a_logged_in_user() -> None:
    ledger = ConsentLedger(key=KEY)
    ev = evidence(method="cookie_banner")
    later = T0 + dt.timedelta(days=1)
    record_cookie_consent(
        ledger, "alice", CHOICE, evidence=ev, now=later,
        purposes={CookieCategory.STATISTICS: "web_analytics", "marketing": "retargeting"},
    )  # fmt: skip
    state = ledger.state("alice", now=later)
    assert state["web_analytics"].status is ConsentStatus.GRANTED
    assert state["retargeting"].status is ConsentStatus.REFUSED
    with pytest.raises(InvalidInput, match="strictly necessary"):
        record_cookie_consent(ledger, "alice", CHOICE, evidence=ev, now=later,
                              purposes={"necessary": "session"})  # fmt: skip


@given(
    gst.cookie_consents(), st.sampled_from(["shop.example", "blog.example", "shop.example:8443"])
)
def test_a_cookie_is_accepted_only_by_its_audience(choice: CookieConsent, site: str) -> None:
    # Issue 19, item 8: two sites sharing one key ring must not accept each other's cookies.
    value = encode_cookie(choice, key=KEY, key_id="c1", audience=site)
    assert parse_cookie(value, keys=KEYS, now=choice.decided_at, audience=site) == choice
    for other in ("shop.example", "blog.example", "shop.example:8443", None):
        if other != site:
            with pytest.raises(ConsentCookieTampered):
                parse_cookie(value, keys=KEYS, now=choice.decided_at, audience=other)
            assert cookie_consent_or_none(
                value, keys=KEYS, now=choice.decided_at, audience=other
            ) is None  # fmt: skip


def test_old_format_cookies_mean_no_choice_yet() -> None:
    import base64
    import hmac

    # A gdc1 cookie as gdprkit wrote it before audiences: validly signed, but it names no site.
    payload = base64.urlsafe_b64encode(f"{int(T0.timestamp())}|5|2025-03".encode()).rstrip(b"=")
    signed = f"gdc1.c1.{payload.decode()}"
    tag = hmac.digest(KEY, signed.encode(), "sha256")[:16]
    old = f"{signed}.{base64.urlsafe_b64encode(tag).rstrip(b'=').decode()}"
    with pytest.raises(ConsentCookieVersion, match="no audience"):
        parse_cookie(old, keys=KEYS, now=T0)
    assert cookie_consent_or_none(old, keys=KEYS, now=T0) is None


@pytest.mark.parametrize("key_id", ["c1\n", "c1\r\n", "\nc1", "c1 "])
def test_a_key_id_with_a_trailing_newline_is_refused(key_id: str) -> None:
    # Issue 19, item 7: "$" matched before a final "\n", so "c1\n" reached the cookie value.
    with pytest.raises(InvalidInput, match="key_id"):
        encode_cookie(CHOICE, key=KEY, key_id=key_id)


@pytest.mark.parametrize("audience", ["", "shop.example\n", "shop example", "shöp.example"])
def test_a_malformed_audience_is_a_programming_error(audience: str) -> None:
    with pytest.raises(InvalidInput, match="audience"):
        encode_cookie(CHOICE, key=KEY, key_id="c1", audience=audience)
