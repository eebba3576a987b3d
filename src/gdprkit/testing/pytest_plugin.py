"""gdprkit's pytest plugin: fixtures and helpful assertions for a shop's own test suite.

Loaded automatically through the ``pytest11`` entry point once gdprkit is installed; it is inert
(no autouse fixtures, gdprkit imported inside the fixtures).  Disable it with ``-p no:gdprkit``.

Example (in a shop's test)::

    def test_deadline(gdprkit_now):
        assert gdprkit_now.tzinfo is not None
"""

from __future__ import annotations

import datetime as dt

import pytest

__all__ = ["gdprkit_now"]


@pytest.fixture
def gdprkit_now() -> dt.datetime:
    """A fixed, timezone-aware "now" (2025-03-05 10:00 UTC) to pass as ``now=`` in tests."""
    return dt.datetime(2025, 3, 5, 10, 0, tzinfo=dt.timezone.utc)
