"""The Art. 15 report page reads like a letter to the customer (issue 16, found on a phone)."""

from __future__ import annotations

import datetime as dt
import re

from gdprkit.export import Dataset, build_access_report
from gdprkit.register import Controller, Purpose, Register

REGISTER = Register(
    Controller(name="Dyqani Online", contact="privacy-and-data-protection@dyqani-online.example"),
    [
        Purpose(id="order_fulfilment", description="Delivering your orders", basis="contract",
                provenance=["provided"]),
        Purpose(id="fraud_prevention", description="Preventing payment fraud",
                basis="legitimate_interests", legitimate_interest="Stop card fraud",
                provenance=["derived"], automated=False),
    ],
)  # fmt: skip
AT = dt.datetime(2025, 2, 12, 10, 0, 7, 123456, tzinfo=dt.timezone.utc)


def _page() -> str:
    datasets = [
        Dataset("orders", "order_fulfilment", [
            {"order": "DY-1", "placed": "2025-03-01T14:05:00.250000+01:00",
             "items": [{"sku": "TEA-01", "qty": 2}], "deliver_to": {"city": "Prishtinë"},
             "gift": False, "tags": ["tea", "gift"]},
        ]),
        Dataset("fraud_scores", "fraud_prevention", [{"score": 0.02}]),
    ]  # fmt: skip
    return build_access_report(REGISTER, "subject-7f3a", datasets, generated_at=AT).to_html()


def test_no_raw_json_microseconds_or_internal_ids() -> None:
    page = _page()
    body = page.split("<body>", 1)[1]
    assert "&quot;sku&quot;" not in body
    assert '{"sku"' not in body
    assert "<li>Sku: TEA-01</li>" in body
    assert "<li>City: Prishtinë</li>" in body
    assert "tea, gift" in body
    assert ".123456" not in body
    assert ".250000" not in body
    assert "1 March 2025, 14:05 UTC+01:00" in body
    assert "written on 12 February 2025" in body
    assert "order_fulfilment" not in re.sub(r'id="[^"]*"', "", body)  # ids only as anchors
    assert "Why we hold it: Delivering your orders" in body
    assert '<td data-label="Gift">no</td>' in body


def test_derived_data_are_not_said_to_come_from_the_customer() -> None:
    source = _page().split('id="source"', 1)[1].split("</section>", 1)[0]
    assert "All data in this report were collected from you" not in source
    assert "worked out ourselves" in source
    assert "Preventing payment fraud" in source


def test_words_are_never_broken_mid_word() -> None:
    page = _page()
    assert "overflow-wrap: anywhere" not in page
    assert "overflow-wrap: break-word" in page
    assert "@media (max-width: 36rem)" in page  # the controller list and records stack
