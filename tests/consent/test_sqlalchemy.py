"""The SQLAlchemy store beyond the contract suite: processes at once, schema, missing extra."""

from __future__ import annotations

import datetime as dt
import importlib
import multiprocessing
import sys
from pathlib import Path

import pytest

from gdprkit.consent import Consent, ConsentLedger
from gdprkit.consent.sqlalchemy import SCHEMA_VERSION, SQLAlchemyStore
from gdprkit.errors import InvalidInput, MissingDependency

from .consent_support import KEY, T0, evidence

NOW = T0 + dt.timedelta(days=1000)


def _writer(url: str, prefix: str, name: str) -> None:
    store = SQLAlchemyStore(url, prefix=prefix)
    ledger = ConsentLedger(store, key=KEY)
    for i in range(25):
        ledger.record(f"{name}-{i}", Consent("newsletter", True, T0, evidence()), now=NOW)
    store.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sa.sqlite3'}"
    dsn: str = request.getfixturevalue("pg_dsn")
    return dsn.replace("postgresql://", "postgresql+psycopg://", 1)


def test_parallel_processes_lose_and_duplicate_nothing(url: str) -> None:
    prefix = f"procs_{abs(hash(url)) % 10**6}"
    store = SQLAlchemyStore(url, prefix=prefix)
    try:
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=_writer, args=(url, prefix, f"p{n}")) for n in range(3)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=120)
            assert proc.exitcode == 0
        assert ConsentLedger(store, key=KEY).verify().events == 75
        assert [r.seq for r in store.events()] == list(range(1, 76))
        assert store.schema_version() == SCHEMA_VERSION
    finally:
        store.drop()
        store.close()


def test_prefix_must_be_an_identifier() -> None:
    with pytest.raises(InvalidInput, match="prefix"):
        SQLAlchemyStore("sqlite://", prefix="x; DROP TABLE")


def test_without_sqlalchemy_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    monkeypatch.delitem(sys.modules, "gdprkit.consent.sqlalchemy")
    with pytest.raises(MissingDependency, match=r"gdprkit\[sqlalchemy\]"):
        importlib.import_module("gdprkit.consent.sqlalchemy")
