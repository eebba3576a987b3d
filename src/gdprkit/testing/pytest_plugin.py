"""gdprkit's pytest plugin: fixtures for a shop's own test suite.

Loaded automatically through the ``pytest11`` entry point once gdprkit is installed.  It is
inert: no autouse fixtures, no hooks that change a run, and gdprkit itself is imported only
inside the fixtures, so pytest start-up stays fast.  Disable it with ``-p no:gdprkit``.

Fixtures:

- ``gdprkit_now``: a fixed, timezone-aware "now" to pass as ``now=``;
- ``gdprkit_register``: the shop's register, loaded from the ``gdprkit_register`` ini option
  (a path relative to the ini file), or gdprkit's built-in demo register when the option is
  not set;
- ``gdprkit_keyring``: a throwaway :class:`~gdprkit.pseudonymise.KeyRing` with one fresh
  random key, new for every test;
- ``gdprkit_ledger``: an empty in-memory :class:`~gdprkit.consent.ConsentLedger` over
  ``gdprkit_register`` (so it accepts consent only for the register's consent purposes), keyed
  with ``gdprkit_keyring``, new for every test.

The assertions live in :mod:`gdprkit.testing.assertions` (they work without pytest too).

Example (``pytest.ini`` or ``[tool.pytest.ini_options]`` of a shop)::

    [pytest]
    gdprkit_register = privacy/register.toml

and a test::

    def test_newsletter_is_consent_based(gdprkit_register):
        assert gdprkit_register.purpose("direct_marketing").is_consent_based
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from gdprkit.consent import ConsentLedger
    from gdprkit.pseudonymise import KeyRing
    from gdprkit.register import Register

__all__ = [
    "gdprkit_keyring",
    "gdprkit_ledger",
    "gdprkit_now",
    "gdprkit_register",
    "pytest_addoption",
]

_REGISTER_INI = "gdprkit_register"

# The built-in demo register: a compact version of ``examples/register.toml`` with the same
# purpose ids, so a shop can try the fixtures before it has written its own register.  It
# lints without errors or warnings (tests/testing/test_pytest_plugin.py checks that).
_DEMO_REGISTER: dict[str, Any] = {
    "version": 1,
    "controller": {
        "name": "Demo Shop Ltd",
        "contact": "privacy@shop.example",
        "country": "DE",
        "supervisory_authority": "The data protection authority of your Land",
    },
    "purposes": [
        {
            "id": "account",
            "description": "The customer account: log-in, addresses and order overview",
            "basis": "contract",
            "categories": ["identity", "contact", "account", "delivery"],
            "subjects": ["customers"],
            "requirement": "Needed to open an account; guests can order without one",
            "retention": {
                "description": "Until the account is closed, plus 30 days",
                "period": "30 days",
                "trigger": "account_closed",
            },
        },
        {
            "id": "order_fulfilment",
            "description": "Taking, packing and delivering orders",
            "basis": "contract",
            "categories": ["identity", "contact", "delivery", "order_history"],
            "subjects": ["customers"],
            "requirement": "Needed for the contract: without an address we cannot deliver",
            "recipients": [
                {"name": "Parcel carrier", "role": "controller", "country": "DE"},
            ],
            "retention": {
                "description": "Three years after delivery (warranty and complaints)",
                "period": "3 years",
                "trigger": "order_delivered",
            },
        },
        {
            "id": "direct_marketing",
            "description": "Newsletter and offers by e-mail",
            "basis": "consent",
            "direct_marketing": True,
            "withdrawal": "The unsubscribe link in every e-mail",
            "consent_max_age": "24 months",
            "categories": ["contact", "preferences"],
            "subjects": ["newsletter subscribers"],
            "requirement": "Voluntary: without an e-mail address there is no newsletter",
            "retention": {
                "description": "Until withdrawal; inactive contacts after one year",
                "period": "1 year",
                "trigger": "last_activity",
            },
        },
        {
            "id": "web_analytics",
            "description": "Counting visits, with IP addresses masked to /24 and /48",
            "basis": "consent",
            "withdrawal": "The cookie settings link in the page footer",
            "consent_max_age": "6 months",
            "categories": ["ip_address", "device", "usage"],
            "provenance": ["observed"],
            "subjects": ["website visitors"],
            "retention": {
                "description": "Statistics kept 25 months",
                "period": "25 months",
                "trigger": "collected",
            },
        },
        {
            "id": "bookkeeping",
            "description": "Invoices and accounting records the law requires",
            "basis": "legal_obligation",
            "categories": ["identity", "order_history", "payment"],
            "subjects": ["customers"],
            "requirement": "Required by law: every sale needs an invoice",
            "retention": {
                "description": "Books and records: 10 years from the end of the calendar year",
                "period": "10 years",
                "trigger": "invoice_issued",
                "alignment": "end_of_year",
                # Germany: books and records 10 years from the end of the calendar year,
                # §147(1),(3),(4) AO and §257(1),(4) HGB (gdprkit.law's row, [S53][S54]).
                "citation": "§147(1),(3) AO; §257(1),(4) HGB",
            },
        },
    ],
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """Declare the ``gdprkit_register`` ini option (pytest hook)."""
    parser.addini(
        _REGISTER_INI,
        help="path of the shop's register TOML file for the gdprkit_register fixture "
        "(relative to the ini file); unset: gdprkit's built-in demo register",
        type="string",
        default="",
    )


def _register_path(config: pytest.Config) -> Path | None:
    value = str(config.getini(_REGISTER_INI)).strip()
    if not value:
        return None
    base = config.inipath.parent if config.inipath is not None else config.rootpath
    return (base / value).resolve()


@pytest.fixture
def gdprkit_now() -> dt.datetime:
    """A fixed, timezone-aware "now" (2025-03-05 10:00 UTC) to pass as ``now=`` in tests."""
    return dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="session")
def gdprkit_register(pytestconfig: pytest.Config) -> Register:
    """The shop's :class:`~gdprkit.register.Register` (the ``gdprkit_register`` ini option).

    Without the option: gdprkit's built-in demo register (purposes ``account``,
    ``order_fulfilment``, ``direct_marketing`` and ``web_analytics`` (consent), ``bookkeeping``).
    A missing or invalid file fails the tests that use the fixture, naming the file and what
    is wrong in it.  The register is a frozen value, so one instance serves the whole session.
    """
    from gdprkit.errors import RegisterError  # noqa: PLC0415 - the plugin stays inert
    from gdprkit.register import load_register, register_from_dict  # noqa: PLC0415

    path = _register_path(pytestconfig)
    if path is None:
        return register_from_dict(_DEMO_REGISTER, source="<gdprkit demo register>")
    if not path.is_file():
        pytest.fail(
            f"{_REGISTER_INI} = {path}: no such file (the path is relative to the ini file)",
            pytrace=False,
        )
    try:
        return load_register(path)
    except RegisterError as exc:
        pytest.fail(f"{_REGISTER_INI}: {exc}", pytrace=False)


@pytest.fixture
def gdprkit_keyring() -> KeyRing:
    """A throwaway :class:`~gdprkit.pseudonymise.KeyRing`: one fresh random key (id ``test``).

    New for every test, so no test can depend on a key's value or on another test's tokens.
    """
    from gdprkit.pseudonymise import KeyRing  # noqa: PLC0415 - the plugin stays inert

    return KeyRing.generate(key_id="test")


@pytest.fixture
def gdprkit_ledger(gdprkit_register: Register, gdprkit_keyring: KeyRing) -> ConsentLedger:
    """An empty in-memory :class:`~gdprkit.consent.ConsentLedger` over ``gdprkit_register``.

    Subjects are pseudonymised with ``gdprkit_keyring``; consent is accepted only for the
    register's consent purposes (Art. 6(1)(a), 9(2)(a)) and expires after each purpose's
    ``consent_max_age``, exactly as a production ledger built from the same register.
    Override the fixture in a ``conftest.py`` for other options (a store, ``refusal_max_age``).
    """
    from gdprkit.consent import ConsentLedger, MemoryStore  # noqa: PLC0415 - plugin stays inert

    return ConsentLedger(MemoryStore(), key=gdprkit_keyring, register=gdprkit_register)


@pytest.fixture
def gdprkit_assert_no_tracking() -> Callable[..., None]:
    """:func:`gdprkit.testing.assertions.assert_no_tracking_before_consent`, as a fixture.

    ``gdprkit_assert_no_tracking(app.test_client(), "/")`` fails when the first visit sets a
    cookie outside the strictly necessary ones.
    """
    from gdprkit.testing.assertions import (  # noqa: PLC0415 - the plugin stays inert
        assert_no_tracking_before_consent,
    )

    return assert_no_tracking_before_consent
