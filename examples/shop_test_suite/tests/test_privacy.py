"""The shop's GDPR integration, property-tested with gdprkit's strategies and pytest plugin.

Example-based tests take the plugin's fixtures (``gdprkit_register``, ``gdprkit_ledger``,
``gdprkit_keyring``, ``gdprkit_now``).  Property tests (``@given``) build a fresh ledger or key
ring per example instead: a function-scoped fixture would be shared by all examples of a test.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path

import pytest
import shop
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent import ConsentLedger
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Purpose, Register
from gdprkit.testing import strategies as gst
from gdprkit.testing.assertions import (
    assert_no_personal_data,
    assert_no_raw_ips,
    assert_package_valid,
    assert_register_clean,
)

START = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.timezone.utc)


# --- the register ------------------------------------------------------------------------------


def test_register_is_clean(gdprkit_register: Register) -> None:
    assert_register_clean(gdprkit_register, allow_warnings=False)


def test_newsletter_rests_on_consent(gdprkit_register: Register) -> None:
    assert gdprkit_register.purpose(shop.NEWSLETTER).is_consent_based


# --- consent -----------------------------------------------------------------------------------


def test_newsletter_goes_only_to_subscribers(
    gdprkit_ledger: ConsentLedger, gdprkit_now: dt.datetime
) -> None:
    shop.set_newsletter_choice(gdprkit_ledger, "c-1", subscribed=True, at=gdprkit_now)
    shop.set_newsletter_choice(gdprkit_ledger, "c-2", subscribed=False, at=gdprkit_now)
    customers = {"c-1": "ann@shop.example", "c-2": "bob@shop.example", "c-3": "cy@shop.example"}
    later = gdprkit_now + dt.timedelta(hours=1)
    assert shop.newsletter_recipients(gdprkit_ledger, customers, now=later) == ["ann@shop.example"]


def test_consent_is_asked_again_after_the_registers_max_age(
    gdprkit_ledger: ConsentLedger, gdprkit_now: dt.datetime
) -> None:
    # The register says direct_marketing consent is refreshed after 24 months.
    shop.set_newsletter_choice(gdprkit_ledger, "c-1", subscribed=True, at=gdprkit_now)
    customers = {"c-1": "ann@shop.example"}
    in_23_months = gdprkit_now + dt.timedelta(days=700)
    in_25_months = gdprkit_now + dt.timedelta(days=760)
    assert shop.newsletter_recipients(gdprkit_ledger, customers, now=in_23_months)
    assert not shop.newsletter_recipients(gdprkit_ledger, customers, now=in_25_months)


# Checkout choices and unsubscribe clicks of two customers, in any order.
_CLICKS = st.lists(
    st.tuples(st.sampled_from(["subscribe", "decline", "unsubscribe"]), st.sampled_from("AB")),
    max_size=20,
)


@given(clicks=_CLICKS)
def test_the_last_click_decides(gdprkit_register: Register, clicks: list[tuple[str, str]]) -> None:
    # gdprkit_register is session-scoped, so it may be shared by every example.
    ledger = ConsentLedger(key=KeyRing.generate(), register=gdprkit_register)
    expected = {"A": False, "B": False}
    at = START
    for action, customer in clicks:
        at += dt.timedelta(minutes=7)  # crosses midnight and the month end
        if action == "unsubscribe":
            shop.unsubscribe(ledger, customer, at=at)
        else:
            shop.set_newsletter_choice(ledger, customer, subscribed=action == "subscribe", at=at)
        expected[customer] = action == "subscribe"
    customers = {"A": "a@shop.example", "B": "b@shop.example"}
    got = shop.newsletter_recipients(ledger, customers, now=at + dt.timedelta(seconds=1))
    assert got == [customers[c] for c in "AB" if expected[c]]


# --- logs --------------------------------------------------------------------------------------


@given(client=gst.log_addresses())
def test_access_log_lines_hold_no_raw_address(client: str) -> None:
    # Every textual form: IPv4 (with port), IPv6 compressed, full, upper case, bracketed with a
    # port, IPv4-mapped.
    assert_no_raw_ips(shop.request_log_line(client, "/checkout", 200))


def test_logged_requests_hold_no_raw_address(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="shop")
    shop.log_request("198.51.100.23", "/cart", 200)
    shop.log_request("[2001:db8:85a3::8a2e:370:7334]:51234", "/cart", 200)
    assert_no_raw_ips(caplog.text)
    assert_no_personal_data(caplog.text, ["198.51.100.23", "2001:db8:85a3::8a2e:370:7334"])


@given(email=gst.email_addresses())
def test_sign_up_never_logs_the_address(email: str) -> None:
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    shop.log.addHandler(handler)
    shop.log.setLevel(logging.INFO)
    try:
        shop.sign_up(KeyRing.generate(), email)
    finally:
        shop.log.removeHandler(handler)
    assert records
    assert_no_personal_data("\n".join(r.getMessage() for r in records), [email])


def test_analytics_id_ignores_the_case_of_the_address(gdprkit_keyring: KeyRing) -> None:
    assert shop.analytics_id(gdprkit_keyring, "Ann@Shop.Example") == shop.analytics_id(
        gdprkit_keyring, "ann@shop.example"
    )


# --- export ------------------------------------------------------------------------------------

_ORDERS = st.lists(
    st.fixed_dictionaries(
        {
            "order": st.from_regex(r"A-[0-9]{1,6}", fullmatch=True),
            "items": st.lists(st.text(max_size=20), max_size=3),
            "note": st.none() | st.text(max_size=40),
            "total_cents": st.integers(min_value=0, max_value=10**9),
        }
    ),
    max_size=5,
)


@given(orders=_ORDERS)
def test_every_export_is_a_valid_package(
    gdprkit_register: Register, orders: list[dict[str, object]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.zip"
        shop.export_orders(path, gdprkit_register, "tok-1", orders, now=START)
        package = assert_package_valid(path, datasets=["orders"])
        assert list(package.records("orders")) == orders


# --- the privacy notice ------------------------------------------------------------------------


@given(purpose=st.from_type(Purpose))
def test_the_notice_can_render_any_purpose(purpose: Purpose) -> None:
    # st.from_type works without importing gdprkit.testing: gdprkit registers its strategies
    # through Hypothesis's entry point.
    line = shop.notice_line(purpose)
    assert line.endswith(f"({purpose.basis.article})")
