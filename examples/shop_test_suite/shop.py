"""A tiny web shop's GDPR integration: the code under test in this example suite.

Everything the shop does with personal data goes through these functions: newsletter consent,
request logging, analytics ids, and the Art. 20 export.  The tests in ``tests/`` check them with
gdprkit's pytest plugin and Hypothesis strategies.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterable, Mapping
from typing import Any

from gdprkit.consent import Consent, ConsentLedger, Evidence, notice_digest
from gdprkit.export import Dataset, write_package
from gdprkit.ip import TruncationMasker, mask_text
from gdprkit.pseudonymise import KeyRing, Pseudonymiser, canonical
from gdprkit.register import Purpose, Register

NEWSLETTER = "direct_marketing"  # the purpose id in the shop's register
NEWSLETTER_NOTICE = "Send me offers by e-mail. Unsubscribe with the link in every e-mail."

log = logging.getLogger("shop")
_MASKER = TruncationMasker.preset("ga")  # /24 and /48, as the register promises


def set_newsletter_choice(
    ledger: ConsentLedger, customer_id: str, *, subscribed: bool, at: dt.datetime
) -> None:
    """Record the checkbox at checkout: a grant or a refusal, with its evidence."""
    evidence = Evidence(
        method="checkbox",
        notice_version="2025-03",
        notice_sha256=notice_digest(NEWSLETTER_NOTICE),
        locale="en",
        channel="web",
        collected_by="checkout",
    )
    ledger.record(customer_id, Consent(NEWSLETTER, subscribed, at, evidence), now=at)


def unsubscribe(ledger: ConsentLedger, customer_id: str, *, at: dt.datetime) -> None:
    """The unsubscribe link: withdraw consent to the newsletter (Art. 7(3))."""
    ledger.withdraw(customer_id, [NEWSLETTER], at=at, now=at)


def newsletter_recipients(
    ledger: ConsentLedger, customers: Mapping[str, str], *, now: dt.datetime
) -> list[str]:
    """The e-mail addresses the newsletter may go to now (customer id -> address)."""
    return [
        email
        for customer_id, email in customers.items()
        if ledger.allows(customer_id, NEWSLETTER, now=now)
    ]


def request_log_line(client: str, path: str, status: int) -> str:
    """One access-log line, with the client address masked before it is written."""
    return f"{mask_text(client, _MASKER)} {path} {status}"


def log_request(client: str, path: str, status: int) -> None:
    """Log one request (INFO)."""
    log.info("%s", request_log_line(client, path, status))


def analytics_id(keyring: KeyRing, email: str) -> str:
    """The pseudonymous id analytics sees instead of the e-mail address."""
    tokens = Pseudonymiser(keyring, domain="analytics", canonicaliser=canonical.email_lower)
    return tokens.token(email)


def sign_up(keyring: KeyRing, email: str) -> str:
    """Create a customer; log the event under the analytics id, never the address."""
    customer = analytics_id(keyring, email)
    log.info("new customer %s", customer)
    return customer


def export_orders(
    path: str | os.PathLike[str],
    register: Register,
    customer: str,
    orders: Iterable[Mapping[str, Any]],
    *,
    now: dt.datetime,
) -> None:
    """Write the customer's Art. 20 portability package with their orders."""
    write_package(
        path, register, customer, [Dataset("orders", "order_fulfilment", orders)], generated_at=now
    )


def notice_line(purpose: Purpose) -> str:
    """One line of the privacy notice for a purpose: what, on which basis (Art. 13(1)(c))."""
    return f"{purpose.description} ({purpose.basis.article})"
