"""A demo shop on gdprkit's embedded defaults: the README's first command runs this.

It walks "Dyqani Online", the example shop of ``examples/register.toml``, through what its
privacy policy promises, end to end and on a real SQLite file:

1. the register and its check (Art. 30);
2. marketing consent at checkout, proof in a hash-chained SQLite ledger, withdrawal (Art. 7);
3. an access request and its deadline (Art. 12(3), Reg. 1182/71 counting);
4. a retention sweep over the shop's records (Art. 5(1)(e), Art. 17);
5. the access report (Art. 15) and the portability package (Art. 20), verified;
6. IP addresses masked in a web-server log (``examples/sample-access.log``).

It writes only under a temporary directory, or under ``--out DIR`` to keep the artefacts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gdprkit.consent import Consent, ConsentLedger, Evidence, SQLiteStore, notice_digest
from gdprkit.export import Dataset, build_access_report, read_package, write_package
from gdprkit.ip import TruncationMasker, mask_file
from gdprkit.law import rights_for
from gdprkit.register import Register, load_register
from gdprkit.requests import SubjectRequest
from gdprkit.retention import Record, RetentionSchedule

HERE = Path(__file__).resolve().parent
UTC = dt.timezone.utc
# In production: 32+ random bytes from the shop's secret store (or a gdprkit KeyRing).
LEDGER_KEY = b"demo key only: use 32 random bytes from a secret store"
NOTICE = "Yes, send me Dyqani's newsletter with offers (about twice a month)."
CUSTOMER = "customer-1042"
# Public holidays of the shop's country the demo knows without the optional `holidays` extra
# (Kosovo: Independence Day 17 Feb, Constitution Day 9 Apr); install gdprkit[holidays] and
# pass PublicHolidays("XK") for the full calendar.
HOLIDAYS = {dt.date(2025, 2, 17), dt.date(2025, 4, 9)}


def at(*args: int) -> dt.datetime:
    """An aware UTC datetime."""
    return dt.datetime(*args, tzinfo=UTC)


def section(title: str) -> None:
    """Print a section heading."""
    print(f"\n== {title} ==")


def show_register(register: Register) -> None:
    """Print each purpose with its basis, retention and rights, then the lint findings."""
    section(f"1. Register of {register.controller.name} ({len(register)} purposes)")
    for purpose in register:
        rights = rights_for(
            purpose.basis, automated=purpose.automated, direct_marketing=purpose.direct_marketing
        )
        retention = purpose.retention.description if purpose.retention else "-"
        print(f"- {purpose.id:<23} {purpose.basis.article:<13} keeps: {retention}")
        print(f"  {'':<23} rights: {', '.join(sorted(r.value for r in rights))}")
    findings = register.lint()
    print(f"gdprkit check: {len(findings)} finding(s)")
    for finding in findings:
        print(f"  {finding}")


def consent(register: Register, out: Path) -> None:
    """Record consent at checkout in the SQLite ledger, withdraw it, verify the chain."""
    section("2. Marketing consent with proof (SQLite ledger)")
    store = SQLiteStore(out / "consent.sqlite3")
    ledger = ConsentLedger(store, key=LEDGER_KEY, register=register)
    checkout = at(2025, 3, 1, 14, 5)
    evidence = Evidence(
        method="checkbox",
        notice_version="newsletter-2025-03",
        notice_sha256=notice_digest(NOTICE),
        locale="sq-XK",
        channel="web",
        collected_by="checkout-form",
    )
    ledger.record(CUSTOMER, Consent("direct_marketing", True, checkout, evidence), now=checkout)
    allowed = ledger.allows(CUSTOMER, "direct_marketing", now=checkout)
    print(f"newsletter allowed after checkout: {allowed}")
    unsubscribe = at(2025, 4, 10, 8, 0)
    ledger.withdraw(CUSTOMER, at=unsubscribe, now=unsubscribe)
    after = ledger.allows(CUSTOMER, "direct_marketing", now=unsubscribe)
    before = ledger.allows(CUSTOMER, "direct_marketing", at=checkout)
    print(f"after the unsubscribe link: {after}; on the day of checkout it was: {before}")
    ledger.verify()
    print(f"ledger chain verified ({out / 'consent.sqlite3'})")
    store.close()


def access_request() -> None:
    """An access request received by e-mail: its deadline, paused by an identity check."""
    section("3. Access request (Art. 12(3) deadline)")
    request = SubjectRequest("req-7", "access", received=at(2025, 1, 17, 16, 30), channel="email")
    print(
        f"received Fri 17 Jan 2025 -> answer by {request.deadline(holidays=HOLIDAYS):%a %d %b %Y}"
    )
    request = request.request_identity(at(2025, 1, 20, 9))
    request = request.identity_received(at(2025, 1, 23, 9))
    print(
        f"identity check paused the clock {request.paused_days()} days -> answer by "
        f"{request.deadline(holidays=HOLIDAYS):%a %d %b %Y}"
    )


def retention(register: Register) -> None:
    """Sweep a handful of the shop's records against the register's retention rules."""
    section("4. Retention sweep")
    now = at(2025, 6, 2, 3, 0)
    records = [
        Record("customer_service_email", "mail-1", events={"received": at(2025, 2, 1, 9)}),
        Record("customer_service_email", "mail-2", events={"received": at(2025, 5, 20, 9)}),
        Record("cctv", "cam1-0420", events={"recorded": at(2025, 4, 20, 18)}),
        Record("competitions", "entry-9", events={"event_end": at(2025, 4, 15)}),
        Record("direct_marketing", "nl-5", events={"last_activity": at(2024, 5, 30)}),
        Record("bookkeeping", "inv-2019-7", events={"invoice_issued": at(2015, 3, 15)}),
        Record("competitions", "entry-10", events={}),  # the end date was never stored
    ]
    schedule = RetentionSchedule.from_register(register)
    print(f"as of {now:%a %d %b %Y %H:%M} UTC (DUE: the action is due on that day)")
    for decision in schedule.evaluate(records, now=now):
        flag = "DUE" if decision.due_now else "   "
        print(f"  {flag} {decision.action.value:<9} {decision.record_id:<11} "
              f"{' -> '.join(decision.explanation[1:])}")  # fmt: skip


def orders() -> Iterator[dict[str, Any]]:
    """The customer's orders, as the shop's database would stream them."""
    yield {"order": "DY-2025-0001", "placed": "2025-03-01T14:05:00+00:00", "total": "39.90",
           "items": [{"sku": "TEA-01", "qty": 2}], "deliver_to": {"city": "Prishtinë"}}  # fmt: skip
    yield {"order": "DY-2025-0107", "placed": "2025-05-12T09:40:00+00:00", "total": "12.50",
           "items": [{"sku": "CUP-03", "qty": 1}], "deliver_to": {"city": "Prizren"}}  # fmt: skip


def datasets() -> list[Dataset]:
    """The customer's data, one dataset per register purpose."""
    return [
        Dataset("account", "account", [{"name": "Arta Krasniqi", "email": "arta@example.org"}]),
        Dataset("orders", "order_fulfilment", orders()),
        Dataset("newsletter", "direct_marketing", [{"subscribed": True, "topics": ["tea"]}]),
        Dataset("fraud_scores", "fraud_prevention", [{"score": 0.02}]),
    ]


def exports(register: Register, out: Path) -> None:
    """Write the Art. 15 report (HTML + JSON) and the Art. 20 package, and verify the package."""
    section("5. Access report and portability package")
    answered = at(2025, 2, 12, 10, 0)
    report = build_access_report(register, "subject-7f3a", datasets(), generated_at=answered)
    (out / "access-report.html").write_text(report.to_html(), encoding="utf-8")
    (out / "access-report.json").write_text(report.to_json() + "\n", encoding="utf-8")
    print(f"access report: {len(report.purposes)} purposes -> {out / 'access-report.html'}")
    package = write_package(
        out / "portability.zip", register, "subject-7f3a", datasets(), generated_at=answered
    )
    for entry in package.manifest["excluded"]:
        print(f"  not portable: {entry['name']} ({entry['reason']}, {entry['article']})")
    checked = read_package(out / "portability.zip")
    print(f"portability package verified: {', '.join(checked.dataset_names())}")


def mask_log(out: Path) -> None:
    """Mask client addresses in the sample access log with the GA preset (/24, /48)."""
    section("6. IP addresses in the web-server log")
    masked = out / "sample-access.masked.log"
    summary = mask_file(HERE / "sample-access.log", masked, masker=TruncationMasker.preset("ga"))
    print(
        f"{summary.lines} lines: {summary.addresses_v4} IPv4 and {summary.addresses_v6} IPv6 "
        f"addresses masked, {summary.failed_total} field(s) failed closed -> {masked}"
    )
    print("  first line:", masked.read_text(encoding="utf-8").split("\n", 1)[0][:72], "...")


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--register", type=Path, default=HERE / "register.toml")
    parser.add_argument("--out", type=Path, default=None, help="keep the artefacts in this folder")
    args = parser.parse_args(argv)
    register = load_register(args.register)
    with tempfile.TemporaryDirectory(prefix="gdprkit-demo-") as tmp:
        out = (args.out or Path(tmp)).resolve()
        out.mkdir(parents=True, exist_ok=True)
        show_register(register)
        consent(register, out)
        access_request()
        retention(register)
        exports(register, out)
        mask_log(out)
    if args.out:
        print(f"\ndemo finished; the files are kept in {out}")
    else:
        print(
            f"\ndemo finished; the files above were in {out}, a temporary folder now removed: "
            "run it with --out DIR to keep them"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
