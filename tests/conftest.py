"""Shared test configuration: Hypothesis profiles, the network guard, shared corpora, PostgreSQL."""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=100)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parent.parent
# The reference corpora live beside the repository (../shared); their licences keep the logs out
# of the project, so tests that read them skip cleanly when the folder is absent.
SHARED = Path(os.environ.get("GDPRKIT_SHARED", REPO.parent / "shared"))

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    """Refuse any connection that leaves this machine: tests never touch the network."""
    if self.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host.split("%")[0]).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise OSError(f"tests must not touch the network (tried {host!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder with the reference corpora; skips the test when it is absent."""
    if not (SHARED / "corpora").is_dir():
        pytest.skip("../shared/corpora is not available")
    return SHARED


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    """DSN of the real PostgreSQL server started by .ci/run (``GDPRKIT_TEST_PG_DSN``).

    Skips locally when no server is configured; under CI a missing server is a failure, so a
    broken CI set-up can never pass by skipping the PostgreSQL tests.
    """
    dsn = os.environ.get("GDPRKIT_TEST_PG_DSN")
    if not dsn:
        if os.environ.get("CI"):
            pytest.fail("CI must provide GDPRKIT_TEST_PG_DSN (a real PostgreSQL server)")
        pytest.skip("GDPRKIT_TEST_PG_DSN is not set")
    return dsn
