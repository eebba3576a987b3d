"""A retention sweep and an erasure request for a small shop, end to end (no arguments needed).

The shop's privacy notice says: telephone and e-mail logs 100 days, case management 12 months,
in-store complaints 2 years; competition data 45 days after the competition ends; CCTV at most
30 days; a marketing contact who opens no e-mail for a year is deleted; account data until the
account is closed; book-keeping as long as the law says (Austria: 7 years from the end of the
year).  Erasure is refused while there is an open order or case, an unsettled debt, suspected
misuse within four years, a debt sold within three years (one for deceased customers), a credit
application rejected within three months, or a purchase kept for book-keeping.

This script encodes that notice as a register, sweeps a handful of records, previews next
week, plans an erasure request, and runs the ``gdprkit retention`` command on a CSV file.
It writes only under ``examples/_out/retention/``.  The tutorial
``docs/tutorials/retention-schedule.md`` walks through it.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from gdprkit.cli import main as gdprkit
from gdprkit.register import load_register
from gdprkit.retention import (
    ErasureBlocker,
    LegalHold,
    Record,
    RetentionSchedule,
    erasure_plan,
    statutory_rule,
)

OUT = Path(__file__).resolve().parent / "_out" / "retention"
UTC = dt.timezone.utc

# 1. The notice, sentence by sentence, as register purposes with retention tables.
POLICY = """
version = 1

[controller]
name = "Beispiel Shop GmbH"
contact = "privacy@shop.example"
country = "AT"
supervisory_authority = "Österreichische Datenschutzbehörde, Barichgasse 40-42, 1030 Wien"

[[purposes]]
id = "phone_email_logs"
description = "Telephone and e-mail logs of customer service"
basis = "legitimate_interests"
legitimate_interest = "Answering customers and keeping track of what was said"
balancing_test = "LIA-1"
categories = ["contact", "correspondence"]
requirement = "Voluntary: without your contact details we cannot answer you"
[purposes.retention]
description = "100 days"
period = "100 days"
trigger = "received"

[[purposes]]
id = "case_management"
description = "Case management for returns and complaints"
basis = "legitimate_interests"
legitimate_interest = "Handling cases consistently"
balancing_test = "LIA-1"
categories = ["identity", "correspondence", "order_history"]
requirement = "Voluntary, but without the order details we cannot handle a return or complaint"
[purposes.retention]
description = "12 months after the case is closed"
period = "12 months"
trigger = "case_closed"

[[purposes]]
id = "store_complaints"
description = "Complaints made in our stores"
basis = "legitimate_interests"
legitimate_interest = "Handling complaints"
balancing_test = "LIA-1"
categories = ["identity", "correspondence"]
requirement = "Voluntary, but without your name and contact we cannot answer a complaint"
[purposes.retention]
description = "2 years"
period = "2 years"
trigger = "complaint_received"

[[purposes]]
id = "competitions"
description = "Competitions"
basis = "consent"
withdrawal = "E-mail privacy@shop.example"
categories = ["identity", "contact"]
requirement = "Voluntary: without name and contact you cannot take part"
[purposes.retention]
description = "45 days after the competition ends"
period = "45 days"
trigger = "event_end"

[[purposes]]
id = "cctv"
description = "Video surveillance in the stores"
basis = "legitimate_interests"
legitimate_interest = "Security of staff and goods"
balancing_test = "LIA-2"
categories = ["video"]
provenance = ["observed"]  # recorded by the cameras, not provided by the customer
[purposes.retention]
description = "At most 30 days"
period = "30 days"
trigger = "recorded"

[[purposes]]
id = "marketing"
description = "Newsletter"
basis = "consent"
direct_marketing = true
withdrawal = "The unsubscribe link in every e-mail"
categories = ["contact", "preferences"]
requirement = "Voluntary: without your e-mail address you receive no newsletter"
[purposes.retention]
description = "Inactive after a year without opening an e-mail, then deleted"
period = "1 year"
trigger = "last_activity"

[[purposes]]
id = "account"
description = "Customer account"
basis = "contract"
categories = ["identity", "contact", "account"]
requirement = "Needed to open an account; without it you can still order as a guest"
[purposes.retention]
description = "Until the account is closed"
criterion = "until the account is closed"
trigger = "account_closed"

[[purposes]]
id = "bookkeeping"
description = "Invoices and accounting records the law requires"
basis = "legal_obligation"
categories = ["identity", "order_history", "payment"]
law = "§132(1) BAO; §212 UGB (Austria)"
requirement = "Required by law: we must issue and keep an invoice for every sale"
[purposes.retention]
description = "As long as the book-keeping law says"
criterion = "the statutory period of the country of sale"
"""


def at(*args: int) -> dt.datetime:
    """An aware UTC datetime (a real shop passes its database's aware timestamps)."""
    return dt.datetime(*args, tzinfo=UTC)


def main() -> None:
    """Run the walk-through and print what happens."""
    OUT.mkdir(parents=True, exist_ok=True)
    policy = OUT / "policy.toml"
    policy.write_text(POLICY, encoding="utf-8")
    register = load_register(policy)
    # The notice as a register passes every lint rule (Arts 13, 6(3), 77 included).
    findings = register.lint()
    assert findings == [], [f"{f.code} ({f.purpose})" for f in findings]

    # 2. Book-keeping "as long as the law of your country says": Austria's §132(1) BAO row.
    bookkeeping = statutory_rule("AT", "books_and_vouchers", trigger="invoice_issued")
    schedule = RetentionSchedule.from_register(register, rules={"bookkeeping": bookkeeping})
    for purpose, rule in schedule.rules.items():
        print(f"{purpose:>17}: {rule.explain()}")

    # 3. Records, as the shop's database would yield them.
    now = at(2025, 6, 2, 3, 0)
    records = [
        Record("phone_email_logs", "call-1", events={"received": at(2025, 2, 1, 9)}),
        Record("case_management", "case-7", events={"case_closed": at(2024, 5, 2)}),
        Record("store_complaints", "cmp-3", events={"complaint_received": at(2023, 5, 20)}),
        Record("competitions", "entry-9", events={"event_end": at(2025, 4, 15)}),
        Record("cctv", "cam1-0501", events={"recorded": at(2025, 5, 1, 18)}),
        Record("cctv", "cam1-0505", events={"recorded": at(2025, 5, 5, 18)}),
        Record("cctv", "cam1-0420", events={"recorded": at(2025, 4, 20, 18)}),
        Record("marketing", "nl-5", events={"last_activity": at(2024, 5, 30)}, subject_id="c-5"),
        Record("account", "acc-5", events={"account_closed": None}, subject_id="c-5"),
        Record("bookkeeping", "inv-5", events={"invoice_issued": at(2024, 3, 15)}),
        Record("competitions", "entry-10", events={}),  # the event end was never stored
    ]
    police = LegalHold("police request 2025/118", scope="record", target="cam1-0420")
    schedule = schedule.with_holds(police)
    print(f"\nDecisions as of {now:%Y-%m-%d}:")
    for decision in schedule.evaluate(records, now=now):
        flag = "DUE " if decision.due_now else "    "
        print(
            f"  {flag}{decision.action.value:<9} {decision.record_id:<10} "
            f"{' → '.join(decision.explanation[1:])}"
        )

    # 4. Dry run: what falls due next week?
    week = list(schedule.preview(records, now, now + dt.timedelta(days=7)))
    print(f"\nNext week: {[(d.record_id, f'{d.act_from:%a %d %b}') for d in week]}")
    assert [d.record_id for d in week] == ["cam1-0505"]

    # 5. Customer c-5 asks for erasure (Art. 17); the host application supplies the blockers.
    subject_records = [
        Record("marketing", "nl-5", events={"last_activity": at(2025, 5, 30)}, subject_id="c-5"),
        Record("account", "acc-5", events={}, subject_id="c-5"),
        Record(
            "bookkeeping", "inv-5", events={"invoice_issued": at(2024, 3, 15)}, subject_id="c-5"
        ),
        Record("case_management", "case-8", events={}, subject_id="c-5"),
    ]
    blockers = [
        ErasureBlocker("open_case", subject="c-5", purpose="case_management"),
        ErasureBlocker("credit_rejected", subject="c-5", at=at(2025, 4, 10), purpose="account"),
    ]
    plan = erasure_plan(
        subject_records, register, now, holds=blockers, rules={"bookkeeping": bookkeeping}
    )
    print("\nErasure request of c-5:")
    for item in plan.items:
        until = "" if item.until is None else f" until {item.until:%Y-%m-%d}"
        ground = f" ({item.ground})" if item.ground else ""
        print(f"  {item.outcome.value:<9} {item.record_id:<8}{ground}{until}")
    assert [i.record_id for i in plan.erase] == ["nl-5"]

    # 6. The same sweep from the command line, on a CSV export.
    rows = OUT / "records.csv"
    with rows.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["purpose", "record_id", "recorded", "received"])
        writer.writerow(["cctv", "cam2-0401", "2025-04-01T10:00:00+02:00", ""])
        writer.writerow(["phone_email_logs", "call-2", "", "2025-05-01T08:00:00Z"])
    status = gdprkit(
        [
            "retention",
            "--register",
            str(policy),
            str(rows),
            "--now",
            now.isoformat(),
            "-o",
            str(OUT / "decisions.csv"),
        ]
    )
    print(f"\ngdprkit retention exit status {status}; decisions in {OUT / 'decisions.csv'}")


if __name__ == "__main__":
    main()
