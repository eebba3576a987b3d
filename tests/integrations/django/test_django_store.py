"""The Django-ORM consent store passes the consent contract suite, on SQLite and PostgreSQL.

The contract tests are the ones of tests/consent (every test there that takes a store from the
``store_factory`` fixture); they are imported here and run against this module's factory.
"""

from __future__ import annotations

import inspect
import itertools
import threading
import uuid
from collections.abc import Callable

import pytest

from consent import test_ledger, test_properties
from consent.consent_support import KEY, T0, evidence, shop_register
from gdprkit.consent import Consent, ConsentLedger, ConsentStore
from gdprkit.errors import InvalidInput
from gdprkit.integrations.django.models import ConsentEventRow
from gdprkit.integrations.django.store import DjangoConsentStore
from gdprkit.register import Register

_run = uuid.uuid4().hex[:8]
_counter = itertools.count()


def _contract_tests() -> dict[str, Callable[..., None]]:
    found = {}
    for module in (test_ledger, test_properties):
        for name, function in vars(module).items():
            if not name.startswith("test_") or not callable(function):
                continue
            wanted = set(inspect.signature(function).parameters)
            if wanted & {"store_factory", "ledger"}:
                found[name] = function
    return found


# The contract: re-exported under their own names so pytest collects them in this module.
globals().update(_contract_tests())
ledger = test_ledger.ledger  # the fixture the contract tests take


@pytest.fixture
def register() -> Register:
    return shop_register()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store_factory(
    request: pytest.FixtureRequest, django_databases: None
) -> Callable[[], ConsentStore]:
    """Fresh, empty Django stores: each one a new ledger name in the shared tables."""
    using = "default"
    if request.param == "postgresql":
        request.getfixturevalue("pg_dsn")
        using = "pg"
    names: list[str] = []

    def make() -> ConsentStore:
        name = f"t{_run}-{next(_counter)}"
        names.append(name)
        return DjangoConsentStore(ledger=name, using=using)

    return make


@pytest.fixture(autouse=True)
def _threads_close_their_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker thread in a Django app closes its connections when it ends; so do the tests'."""
    from django.db import connections  # noqa: TID251

    run = threading.Thread.run

    def run_then_close(self: threading.Thread) -> None:
        try:
            run(self)
        finally:
            if self is not threading.main_thread():
                connections.close_all()

    monkeypatch.setattr(threading.Thread, "run", run_then_close)


def test_contract_tests_were_found() -> None:
    assert len(_contract_tests()) >= 15


def test_ledgers_in_the_same_tables_are_independent() -> None:
    one = ConsentLedger(DjangoConsentStore(ledger=f"a{_run}"), key=KEY)
    two = ConsentLedger(DjangoConsentStore(ledger=f"b{_run}"), key=KEY)
    one.record("alice", Consent("newsletter", True, T0, evidence()), now=T0)
    assert one.verify().events == 1
    assert two.verify().events == 0
    assert not two.allows("alice", "newsletter", now=T0)
    assert ConsentEventRow.objects.filter(ledger=f"a{_run}").count() == 1


@pytest.mark.parametrize("name", ["", "a b", "x" * 65, "-lead", 7])
def test_bad_ledger_names_are_refused(name: object) -> None:
    with pytest.raises(InvalidInput, match="ledger"):
        DjangoConsentStore(ledger=name)  # type: ignore[arg-type]


def test_the_store_satisfies_the_protocol() -> None:
    assert isinstance(DjangoConsentStore(), ConsentStore)


def test_an_outer_transaction_rolled_back_takes_its_events_along() -> None:
    from django.db import transaction  # noqa: TID251

    store = DjangoConsentStore(ledger=f"outer{_run}")
    ledger = ConsentLedger(store, key=KEY)
    ledger.record("alice", Consent("newsletter", True, T0, evidence()), now=T0)

    class Abort(Exception):
        pass

    heads = []

    def request_that_fails() -> None:
        with transaction.atomic():  # as with ATOMIC_REQUESTS
            ledger.record("bob", Consent("newsletter", True, T0, evidence()), now=T0)
            ledger.record("carol", Consent("newsletter", True, T0, evidence()), now=T0)
            heads.append(store.head()[0])
            raise Abort

    with pytest.raises(Abort):
        request_that_fails()
    assert heads == [3]
    assert ledger.verify().events == 1
    assert not ledger.allows("bob", "newsletter", now=T0)
    ledger.record("dave", Consent("newsletter", True, T0, evidence()), now=T0)
    assert [row.seq for row in store.events()] == [1, 2]
