"""Answer an access request (Art. 15) and a portability request (Art. 20) for one customer.

Runs with no arguments and writes under ``examples/_out/export/``:

* ``access-report.html`` and ``access-report.json``: the customer's data with everything
  Art. 15(1)(a)-(h) and 15(2) require, drawn from the shop's register;
* ``portability.zip``: the Art. 20 package (only what Art. 20 covers; the rest is listed in the
  manifest with the reason), then verified with ``read_package``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from gdprkit.export import (
    Attachment,
    Dataset,
    build_access_report,
    read_package,
    write_package,
)
from gdprkit.register import load_register

HERE = Path(__file__).resolve().parent
OUT = HERE / "_out" / "export"
# The time the answer is produced; fixed here so the package's bytes are reproducible.
ANSWERED = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)
# The customer's pseudonym (in a real shop: a keyed token from gdprkit.pseudonymise).
SUBJECT = "cust-tok-5c1e9b"


def orders() -> Iterator[dict[str, Any]]:
    """The customer's orders, as a database cursor would yield them (read lazily, once)."""
    for number in range(1, 4):
        yield {
            "order": f"DY-2025-{number:04d}",
            "placed_at": dt.datetime(2025, 1, number * 7, 18, 5, tzinfo=dt.timezone.utc),
            "total": Decimal("24.90") * number,
            "currency": "EUR",
            "ship_to": {"name": "Arta Berisha", "city": "Prishtinë", "postcode": "10000"},
            "gift_message": {"to": "Drita K.", "text": "Happy birthday!"} if number == 2 else None,
            "items": [{"sku": "TEA-01", "qty": number}],
        }


def datasets() -> list[Dataset]:
    """Everything the shop holds about this customer, each dataset tied to its purpose."""
    return [
        Dataset(
            "account",
            "account",
            [{"email": "arta@example.com", "name": "Arta Berisha", "language": "sq"}],
            description="Your customer account",
        ),
        Dataset("orders", "order_fulfilment", orders(), description="Your orders"),
        Dataset(
            "newsletter",
            "direct_marketing",
            [{"subscribed_at": "2024-11-02T10:00:00+00:00", "topics": ["tea", "offers"]}],
            description="Your newsletter subscription",
        ),
        Dataset(
            "fraud_checks",
            "fraud_prevention",
            [{"order": "DY-2025-0001", "risk_score": 0.07, "decision": "accepted"}],
            provenance="derived",
            description="Fraud checks on your payments",
        ),
        Dataset(
            "visits",
            "web_analytics",
            [{"page": "/tea", "ip_prefix": "192.0.2.0/24"}],
            description="Visits to our shop (masked addresses)",
        ),
    ]


def without_third_parties(dataset: str, record: Mapping[str, Any]) -> Mapping[str, Any]:
    """Art. 20(4), 15(4): the gift recipient is someone else; keep only the message."""
    gift = record.get("gift_message")
    if dataset == "orders" and gift:
        return {**record, "gift_message": {"text": gift["text"]}}
    return record


def main() -> None:
    """Write both answers for the example customer and check the package."""
    register = load_register(HERE / "register.toml")
    OUT.mkdir(parents=True, exist_ok=True)
    receipt = Attachment("receipts/DY-2025-0001.txt", "order_fulfilment", b"Receipt DY-2025-0001")

    # Art. 15: the data and the supplementary information, for a person and for a machine.
    report = build_access_report(
        register,
        SUBJECT,
        datasets(),
        attachments=[receipt],
        purposes=["customer_service_email", "bookkeeping"],
        generated_at=ANSWERED,
        redact=without_third_parties,
    )
    (OUT / "access-report.html").write_text(report.to_html(), encoding="utf-8")
    (OUT / "access-report.json").write_text(report.to_json() + "\n", encoding="utf-8")
    print(f"access report: {len(report.purposes)} purposes, {len(report.datasets)} datasets")

    # Art. 20: only what the customer provided, on consent or contract, by automated means.
    package = write_package(
        OUT / "portability.zip",
        register,
        SUBJECT,
        datasets(),
        attachments=[receipt],
        generated_at=ANSWERED,
        redact=without_third_parties,
    )
    for entry in package.manifest["excluded"]:
        print(f"not portable: {entry['name']} ({entry['reason']}, {entry['article']})")
    checked = read_package(OUT / "portability.zip")
    print(f"portability package verified: {', '.join(checked.dataset_names())}")
    assert "Drita" not in (OUT / "access-report.html").read_text(encoding="utf-8")
    assert checked.load()["orders"][1]["gift_message"] == {"text": "Happy birthday!"}


if __name__ == "__main__":
    main()
