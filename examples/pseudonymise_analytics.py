"""Pseudonymise a shop's orders for analytics, rotate the key, and erase one customer.

The shop's privacy policy promises: "analytics run on pseudonymised data; we keep invoices for
the statutory period but erase everything else when you close your account". This script:

1. loads (or creates) a key ring; in production it comes from ``GDPRKIT_KEYRING``;
2. turns order rows into analytics rows with a RecordPolicy (tokens, masking, generalising,
   a sealed delivery address), streaming;
3. counts repeat customers on tokens only;
4. rotates the key and re-issues the tokens;
5. forgets one customer: their sealed address in the analytics copy can no longer be opened.

It writes only under a temporary directory.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from gdprkit.errors import SubjectForgotten
from gdprkit.ip import TruncationMasker
from gdprkit.pseudonymise import (
    KeyRing,
    Pseudonymiser,
    SQLiteSubjectKeyStore,
    SubjectKeys,
    canonical,
)
from gdprkit.pseudonymise import records as r


def orders() -> Iterator[dict[str, object]]:
    """A small order table, as a shop database cursor would yield it."""
    people = [
        ("c-1", "Ann Example", "Ann@Shop.example", "+49 30 1234567", "10115", dt.date(1990, 5, 17)),
        ("c-2", "Bo Beispiel", "bo@mail.example", "030/7654321", "80331", dt.date(1978, 1, 2)),
        ("c-3", "Cy Exemple", "cy@post.example", "+33 1 23 45 67", "75001", dt.date(2001, 9, 30)),
    ]
    for number in range(9):
        cid, name, email, phone, postcode, born = people[number % 3 if number < 6 else 0]
        yield {
            "order_id": 1000 + number,
            "customer": cid,
            "name": name,
            "email": email if number % 2 else email.upper(),  # same person, other spelling
            "phone": phone,
            "address": f"{name}, {postcode} Somewhere",
            "ip": f"203.0.113.{10 + number}",
            "born": born,
            "postcode": postcode,
            "total": 19.99 + number,
        }


def main() -> int:
    """Run the walk-through; return 0 on success."""
    env = os.environ.get("GDPRKIT_KEYRING")
    ring = KeyRing.from_env() if env else KeyRing.generate()
    print(f"key ring: {ring}")  # ids only: the repr never shows key material

    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteSubjectKeyStore(Path(tmp) / "subject-keys.sqlite3")
        keys = SubjectKeys(ring, store)
        emails = Pseudonymiser(ring, domain="email", canonicaliser=canonical.email_lower)
        phones = Pseudonymiser(ring, domain="phone", canonicaliser=canonical.phone)
        policy = r.RecordPolicy(
            {
                "order_id": r.keep(),
                "customer": r.keep(),
                "name": r.drop(),
                "email": r.token(emails),
                "phone": r.token(phones),
                "address": r.seal(keys, subject_field="customer"),
                "ip": r.mask(TruncationMasker.preset("ga")),
                "born": r.generalise_date(unit="year"),
                "postcode": r.postcode_prefix(length=2),
                "total": r.keep(),
            }
        )
        rows = list(policy.apply_many(orders()))
        print(f"\nanalytics rows ({len(rows)}), first one:")
        for field, value in rows[0].items():
            print(f"  {field:<9} {value}")

        repeat = Counter(row["email"] for row in rows)
        print(f"\ndistinct customers by e-mail token: {len(repeat)}")
        print(f"orders of the most frequent customer: {max(repeat.values())}")

        # Rotation: a new active key; old tokens still verify, then are re-issued.
        rotated_ring = ring.rotate()
        rotated = Pseudonymiser(rotated_ring, domain="email", canonicaliser=canonical.email_lower)
        originals = [str(o["email"]) for o in orders()]
        pairs = list(zip(originals, (str(row["email"]) for row in rows), strict=True))
        new_tokens = list(rotated.rotate(pairs))
        print(f"\nrotated to {rotated_ring.active_id}: {new_tokens[0][:10]}…")
        if not all(rotated.matches(o, t) for o, t in zip(originals, new_tokens, strict=True)):
            return 1

        # Erasure (Art. 17): forget customer c-2; their sealed addresses are now unreadable.
        sealed = next(str(row["address"]) for row in rows if row["customer"] == "c-2")
        print(f"\nbefore forget: {keys.open('c-2', sealed)}")
        keys.forget("c-2")
        try:
            keys.open("c-2", sealed)
        except SubjectForgotten as exc:
            print(f"after forget:  {type(exc).__name__}: {exc}")
        else:
            return 1
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
