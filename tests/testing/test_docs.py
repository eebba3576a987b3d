"""The code samples of docs/areas/testing.md run, as the conftest.py files they are shown as."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "areas" / "testing.md"


def _python_blocks() -> list[str]:
    if not PAGE.is_file():
        pytest.skip("docs/ is not part of this checkout")
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def _block(marker: str) -> str:
    (block,) = [b for b in _python_blocks() if marker in b]
    return block


def test_own_strategy_for_a_gdprkit_type(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_block("register_type_strategy"))
    pytester.makepyfile(
        """
        from hypothesis import given, settings, strategies as st
        from gdprkit.register import Register

        @settings(max_examples=20, database=None)
        @given(st.from_type(Register))
        def test_small(register):
            assert len(register) <= 3
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_overriding_the_ledger_fixture(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(_block("def gdprkit_ledger"))
    pytester.makepyfile(
        """
        import datetime as dt
        from gdprkit.consent import Consent, ConsentStatus, Evidence, notice_digest

        def test_refusal_stands_six_months(gdprkit_ledger, gdprkit_now):
            ev = Evidence(method="checkbox", notice_version="v1",
                          notice_sha256=notice_digest("offers"), locale="fr", channel="web",
                          collected_by="banner")
            refusal = Consent("direct_marketing", False, gdprkit_now, ev)
            gdprkit_ledger.record("c-1", refusal, now=gdprkit_now)
            state = lambda days: gdprkit_ledger.state(
                "c-1", gdprkit_now + dt.timedelta(days=days))["direct_marketing"].status
            assert state(150) is ConsentStatus.REFUSED
            assert state(200) is not ConsentStatus.REFUSED
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
