"""Fixtures for the export tests: the example shop's register and a fixed generation time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from gdprkit.register import Register, load_register

REPO = Path(__file__).resolve().parents[2]
WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="session")
def when() -> dt.datetime:
    """A fixed, aware generation time (packages are deterministic only with one)."""
    return WHEN


@pytest.fixture(scope="session")
def shop() -> Register:
    """The example shop of examples/register.toml."""
    return load_register(REPO / "examples" / "register.toml")
