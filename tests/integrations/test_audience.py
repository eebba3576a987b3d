"""The consent cookie's audience as the framework integrations choose it (issue 19 item 8)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent import CookieConsent, encode_cookie, parse_cookie
from gdprkit.errors import ConfigurationError, InvalidInput
from gdprkit.integrations._audience import check_audience_setting, host_audience
from gdprkit.pseudonymise import KeyRing

KEYS = KeyRing.generate()
T0 = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
CHOICE = CookieConsent.reject_all(policy_version="1", decided_at=T0)
LABEL = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True)
HOST = st.builds(
    lambda labels, port: ".".join(labels) + ("" if port is None else f":{port}"),
    st.lists(LABEL, min_size=1, max_size=4),
    st.none() | st.integers(1, 65535),
)


@given(HOST)
def test_every_host_name_is_an_audience_that_ignores_case(host: str) -> None:
    audience = host_audience(host)
    assert audience == host_audience(host.upper()) == host_audience(host.lower())
    value = encode_cookie(CHOICE, key=KEYS, key_id=KEYS.active_id, audience=audience)
    assert parse_cookie(value, keys=KEYS, now=T0, audience=host_audience(host.swapcase()))


@given(HOST, HOST)
def test_distinct_hosts_refuse_each_others_cookies(a: str, b: str) -> None:
    value = encode_cookie(CHOICE, key=KEYS, key_id=KEYS.active_id, audience=host_audience(a))
    if host_audience(a) != host_audience(b):
        with pytest.raises(ValueError, match="signature"):
            parse_cookie(value, keys=KEYS, now=T0, audience=host_audience(b))


@given(st.text(max_size=40))
def test_any_host_text_is_an_audience_or_a_typed_error(text: str) -> None:
    stripped = text.replace("[", "").replace("]", "")
    if re.fullmatch(r"[A-Za-z0-9._:-]{1,253}", stripped):
        audience = host_audience(text)
        encode_cookie(CHOICE, key=KEYS, key_id=KEYS.active_id, audience=audience)
    else:
        with pytest.raises(InvalidInput, match=r"^the request's host cannot name"):
            host_audience(text)


def test_ipv6_hosts_lose_their_brackets() -> None:
    assert host_audience("[2001:DB8::1]:8443") == "2001:db8::1:8443"


def test_a_non_ascii_host_never_lower_cases_into_an_ascii_audience() -> None:
    with pytest.raises(InvalidInput):
        host_audience("\u212aey.example")  # KELVIN SIGN lower-cases to "k"


def test_the_setting_is_checked_and_lower_cased() -> None:
    assert check_audience_setting(None, setting="X") is None
    assert check_audience_setting("Shop.Example", setting="X") == "shop.example"
    with pytest.raises(ConfigurationError, match=r"^X must"):
        check_audience_setting("shop/example", setting="X")
