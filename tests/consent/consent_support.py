"""Shared helpers for the consent tests: evidence, times, a register from examples/."""

from __future__ import annotations

import datetime as dt

from gdprkit.consent import Evidence, notice_digest
from gdprkit.register import Controller, Purpose, Register

UTC = dt.timezone.utc
T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
KEY = b"0123456789abcdef0123456789abcdef"


def evidence(**changes: object) -> Evidence:
    """A valid checkbox evidence; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "method": "checkbox",
        "notice_version": "2025-03",
        "notice_sha256": notice_digest("Yes, send me the newsletter."),
        "locale": "en",
        "channel": "web",
        "collected_by": "checkout",
    }
    fields.update(changes)
    return Evidence(**fields)  # type: ignore[arg-type]


def shop_register() -> Register:
    """A small register: consent, direct-marketing-on-LI, LI, contract purposes."""
    return Register(
        controller=Controller(name="Shop", contact="privacy@shop.example", country="AT"),
        purposes=[
            Purpose(id="newsletter", description="Newsletter", basis="consent",
                    direct_marketing=True, withdrawal="unsubscribe link",
                    consent_max_age="24 months"),
            Purpose(id="analytics", description="Web analytics", basis="consent",
                    withdrawal="cookie settings"),
            Purpose(id="postal_ads", description="Catalogue by post",
                    basis="legitimate_interests", direct_marketing=True,
                    legitimate_interest="advertising to customers"),
            Purpose(id="fraud", description="Fraud prevention", basis="legitimate_interests",
                    legitimate_interest="preventing payment fraud"),
            Purpose(id="orders", description="Orders", basis="contract"),
        ],
    )  # fmt: skip
