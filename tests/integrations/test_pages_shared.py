"""The framework-free parts of the pages: tokens, rate-limit keys, redirects, form choices."""

from __future__ import annotations

import datetime as dt
import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent.cookies import CookieCategory
from gdprkit.errors import InvalidInput
from gdprkit.integrations._pages import (
    BannerText,
    choice_from_form,
    consent_mode,
    safe_next,
    script_tag,
)
from gdprkit.integrations._pages._requests import read_token, sign_token
from gdprkit.integrations._ratelimit import client_network
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Controller, Cookie, Register

RING = KeyRing.generate()
T = dt.datetime(2025, 3, 1, 12, tzinfo=dt.timezone.utc)
OFFERED = ["necessary", "preferences", "statistics", "marketing"]


@given(
    request_id=st.text(min_size=1, max_size=40).filter(lambda s: "|" not in s),
    hours=st.integers(1, 24 * 200),
)
def test_a_token_reads_back_until_it_expires(request_id: str, hours: int) -> None:
    expires = T + dt.timedelta(hours=hours)
    token = sign_token(RING, use="verify", request_id=request_id, expires=expires)
    assert read_token(RING, token, use="verify", now=expires - dt.timedelta(seconds=1)) == (
        request_id
    )
    with pytest.raises(InvalidInput, match="expired"):
        read_token(RING, token, use="verify", now=expires)
    with pytest.raises(InvalidInput):
        read_token(RING, token, use="status", now=T)  # made for the other use


@given(data=st.data())
def test_any_changed_character_is_refused(data: st.DataObject) -> None:
    token = sign_token(RING, use="status", request_id="req-1", expires=T + dt.timedelta(days=1))
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.characters().filter(lambda c: c != token[position]))
    changed = token[:position] + replacement + token[position + 1 :]
    with pytest.raises(InvalidInput):
        read_token(RING, changed, use="status", now=T)


def test_a_token_of_another_ring_is_refused() -> None:
    token = sign_token(KeyRing.generate(), use="verify", request_id="r", expires=T)
    with pytest.raises(InvalidInput):
        read_token(RING, token, use="verify", now=T - dt.timedelta(hours=1))


@given(sub=st.integers(0, 2**32 - 1), hosts=st.lists(st.integers(0, 2**64 - 1), min_size=2))
def test_every_address_of_one_slash_64_is_one_client(sub: int, hosts: list[int]) -> None:
    # RFC 6177: a customer's site gets a /64 at least; privacy addresses rotate inside it.
    addresses = [str(ipaddress.IPv6Address((0x2001_0DB8 << 96) | (sub << 64) | h)) for h in hosts]
    assert len({client_network(a) for a in addresses}) == 1


@given(a=st.integers(0, 2**32 - 1), b=st.integers(0, 2**32 - 1))
def test_two_slash_64s_are_two_clients(a: int, b: int) -> None:
    first = str(ipaddress.IPv6Address((0x2001_0DB8 << 96) | (a << 64) | 1))
    second = str(ipaddress.IPv6Address((0x2001_0DB8 << 96) | (b << 64) | 1))
    assert (client_network(first) == client_network(second)) is (a == b)


def test_ipv4_and_mapped_addresses_count_by_the_address() -> None:
    assert client_network("::ffff:203.0.113.9") == client_network("203.0.113.9") == "203.0.113.9"
    assert client_network("203.0.113.9") != client_network("203.0.113.10")
    assert client_network("garbage") == client_network(None) == "unknown"


@given(st.text(max_size=80))
def test_next_is_always_a_path_on_this_site(value: str) -> None:
    target = safe_next(value)
    assert target.startswith("/")
    assert not target.startswith("//")
    assert "\\" not in target
    assert all(ord(c) >= 32 for c in target)


@given(
    action=st.sampled_from(["accept_all", "reject_all", "save"]),
    offered=st.lists(st.sampled_from(OFFERED[1:]), unique=True).map(lambda x: ["necessary", *x]),
    ticked=st.lists(st.sampled_from(OFFERED[1:]), unique=True),
)
def test_a_choice_grants_only_what_was_offered_and_chosen(
    action: str, offered: list[str], ticked: list[str]
) -> None:
    form = {"action": [action], "category": ticked}
    if action == "save" and not set(ticked) <= set(offered):
        with pytest.raises(InvalidInput):
            choice_from_form(form, offered=offered, policy_version="1", now=T)
        return
    _, choice = choice_from_form(form, offered=offered, policy_version="1", now=T)
    granted = {c.value for c in choice.granted}
    expected = {"necessary"} | {"accept_all": set(offered), "reject_all": set(),
                                "save": set(ticked)}[action]  # fmt: skip
    assert granted == expected
    mode = consent_mode(choice)
    assert (mode["analytics_storage"] == "granted") is ("statistics" in granted)
    assert (mode["ad_user_data"] == "granted") is ("marketing" in granted)
    for category in OFFERED[1:]:
        tag = script_tag("/s.js", category=category, choice=choice)
        assert ('type="text/plain"' in tag) is (category not in granted)


def test_the_register_cookies_are_the_declaration() -> None:
    register = Register(
        Controller(name="Shop", contact="p@shop.example"),
        [],
        cookies=[
            Cookie(name="_clck", kind="session_replay", provider="Microsoft Clarity",
                   basis="consent", duration="1 year"),
            Cookie(name="sid", kind="necessary", basis="contract"),
        ],
    )  # fmt: skip
    text = BannerText.build(register, intro="Cookies", purposes={}, declarations=[])
    rows = {c["value"]: c["cookies"] for c in text.categories}
    assert [c["name"] for c in rows["statistics"]] == ["_clck"]
    assert rows["necessary"][0]["provider"] == "Shop"
    assert CookieCategory.MARKETING.value not in rows  # nothing declared: not offered
