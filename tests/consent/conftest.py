"""Fixtures of the consent tests: a register, and one factory per store for the contract suite."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from gdprkit.consent import ConsentStore, MemoryStore
from gdprkit.register import Register

from .consent_support import shop_register

StoreFactory = Callable[[], ConsentStore]
_counter = itertools.count()


@pytest.fixture
def register() -> Register:
    return shop_register()


def _memory(_tmp: Path) -> Callable[[], ConsentStore]:
    return MemoryStore


def _sqlite(tmp: Path) -> Callable[[], ConsentStore]:
    from gdprkit.consent import SQLiteStore

    return lambda: SQLiteStore(tmp / f"ledger-{next(_counter)}.sqlite3")


def _sqlalchemy_sqlite(tmp: Path) -> Callable[[], ConsentStore]:
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    return lambda: SQLAlchemyStore(f"sqlite:///{tmp / f'sa-{next(_counter)}.sqlite3'}")


_KINDS = {"memory": _memory, "sqlite": _sqlite, "sqlalchemy-sqlite": _sqlalchemy_sqlite}


@pytest.fixture(scope="module", params=[*_KINDS, "sqlalchemy-postgresql"])
def store_factory(request: pytest.FixtureRequest) -> Iterator[StoreFactory]:
    """A factory of fresh, empty stores of one kind (module-scoped, so Hypothesis can use it)."""
    tmp = Path(tempfile.mkdtemp(prefix="gdprkit-consent-"))
    created: list[ConsentStore] = []
    if request.param == "sqlalchemy-postgresql":
        dsn = request.getfixturevalue("pg_dsn")
        from gdprkit.consent.sqlalchemy import SQLAlchemyStore

        def make() -> ConsentStore:
            store = SQLAlchemyStore(
                dsn.replace("postgresql://", "postgresql+psycopg://", 1),
                prefix=f"t{next(_counter)}_{id(created) % 100000}",
            )
            created.append(store)
            return store
    else:
        inner = _KINDS[request.param](tmp)

        def make() -> ConsentStore:
            store = inner()
            created.append(store)
            return store

    yield make
    for store in created:
        if request.param == "sqlalchemy-postgresql":
            store.drop()  # type: ignore[attr-defined]
        store.close()
    shutil.rmtree(tmp, ignore_errors=True)
