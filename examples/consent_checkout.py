"""Record marketing consent at checkout, honour withdrawal, prove it later (gdprkit.consent).

Runs with no arguments; writes only under a temporary directory.  The shop's register
(examples/register.toml) says which purposes rest on consent; the SQLite ledger keeps the proof.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

from gdprkit.consent import (
    Consent,
    ConsentLedger,
    Evidence,
    SQLiteStore,
    consent_receipt,
    notice_digest,
)
from gdprkit.consent.cookies import (
    CookieConsent,
    cookie_consent_or_none,
    encode_cookie,
    record_cookie_consent,
)
from gdprkit.errors import InvalidConsent
from gdprkit.register import load_register

HERE = Path(__file__).resolve().parent
# In production: 32+ random bytes from a secret store (or a gdprkit.pseudonymise.KeyRing).
SHOP_KEY = b"example only - use 32 random bytes from your secrets store"
NOTICE = "Yes, send me Dyqani's newsletter with offers (about twice a month)."


def main() -> None:
    """Walk through checkout, unsubscribe, a regulator's question and a cookie banner."""
    register = load_register(HERE / "register.toml")
    workdir = Path(tempfile.mkdtemp(prefix="gdprkit-consent-"))
    store = SQLiteStore(workdir / "consent.sqlite3")
    ledger = ConsentLedger(store, key=SHOP_KEY, register=register, country="AL")

    checkout = dt.datetime(2025, 3, 1, 14, 5, tzinfo=dt.timezone.utc)
    evidence = Evidence(
        method="checkbox",  # unticked by default; the customer ticked it
        notice_version="newsletter-2025-03",
        notice_sha256=notice_digest(NOTICE),
        locale="sq-AL",
        channel="web",
        collected_by="checkout-form",
        ip="203.0.113.0",  # already masked
    )
    ledger.record(
        "customer-1042", Consent("direct_marketing", True, checkout, evidence), now=checkout
    )
    print("marketing allowed after checkout:",
          ledger.allows("customer-1042", "direct_marketing", now=checkout))  # fmt: skip

    try:  # consent cannot be recorded for a purpose that rests on a contract
        ledger.record("customer-1042", Consent("order_fulfilment", True, checkout, evidence))
    except InvalidConsent as exc:
        print("refused:", exc)

    unsubscribe = checkout + dt.timedelta(days=40)
    ledger.withdraw("customer-1042", at=unsubscribe, now=unsubscribe)
    print("marketing allowed after unsubscribe:",
          ledger.allows("customer-1042", "direct_marketing", now=unsubscribe))  # fmt: skip
    print("... but it was allowed on the day of checkout:",
          ledger.allows("customer-1042", "direct_marketing", at=checkout))  # fmt: skip

    # A cookie banner: the signed cookie for every visitor, the ledger for logged-in ones.
    choice = CookieConsent(granted={"statistics"}, policy_version="2025-03",
                           decided_at=checkout.replace(microsecond=0))  # fmt: skip
    cookie = encode_cookie(choice, key=SHOP_KEY, key_id="c1")
    seen = cookie_consent_or_none(cookie, keys={"c1": SHOP_KEY}, now=checkout)
    print(
        "cookie value:",
        cookie,
        "-> statistics allowed:",
        seen is not None and seen.allows("statistics"),
    )
    banner = Evidence(method="cookie_banner", notice_version="cookies-2025-03",
                      notice_sha256=notice_digest("cookie banner text"), locale="sq-AL",
                      channel="web", collected_by="cookie-banner")  # fmt: skip
    record_cookie_consent(ledger, "customer-1042", choice, evidence=banner, now=checkout,
                          purposes={"statistics": "web_analytics"})  # fmt: skip

    # A regulator asks: prove the consent existed.  The chain verifies; the receipt shows it.
    report = ledger.verify()
    receipt = consent_receipt(ledger, "customer-1042", now=unsubscribe)
    out = workdir / "receipt.json"
    out.write_text(json.dumps(receipt, indent=2, ensure_ascii=False), encoding="utf-8")
    print(f"ledger verified: {report.events} events, head {report.head[:16]}...")
    print("receipt:", [(r["purpose"], r["event"]) for r in receipt["records"]], "->", out.name)
    store.close()


if __name__ == "__main__":
    main()
