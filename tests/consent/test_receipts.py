"""Consent receipts: the documented JSON form, and checking one against the ledger."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from gdprkit.consent import Consent, ConsentLedger
from gdprkit.consent.receipts import RECEIPT_FORMAT, check_receipt, consent_receipt
from gdprkit.errors import ChainBroken, InvalidInput
from gdprkit.register import Register

from .consent_support import KEY, T0, evidence

NOW = T0 + dt.timedelta(days=30)


@pytest.fixture
def ledger(register: Register) -> ConsentLedger:
    ledger = ConsentLedger(key=KEY, register=register)
    ev = evidence(ip="203.0.113.0", user_agent="Agent/1")
    ledger.record("alice", Consent("newsletter", True, T0, ev), now=NOW)
    ledger.record("bob", Consent("newsletter", True, T0, ev), now=NOW)
    ledger.withdraw("alice", at=T0 + dt.timedelta(days=2), now=NOW)
    return ledger


def test_receipt_holds_controller_purposes_and_every_event(ledger: ConsentLedger) -> None:
    receipt = consent_receipt(ledger, "alice", now=NOW)
    assert receipt["receipt_format"] == RECEIPT_FORMAT
    assert receipt["controller"]["name"] == "Shop"
    assert receipt["jurisdiction"] == "AT"
    newsletter = next(p for p in receipt["purposes"] if p["purpose"] == "newsletter")
    assert newsletter["status"] == "withdrawn"
    assert newsletter["legal_basis"]["article"] == "Art. 6(1)(a)"
    assert newsletter["withdrawal"] == "unsubscribe link"
    assert [(r["seq"], r["event"]) for r in receipt["records"]] == [(1, "given"), (3, "withdrawn")]
    assert receipt["records"][0]["notice_version"] == "2025-03"
    assert receipt["subject"]["pseudonym"] == ledger.pseudonym("alice")
    text = json.dumps(receipt)
    assert "alice" not in text
    assert "203.0.113.0" not in text  # personal evidence only on request
    assert "203.0.113.0" in json.dumps(
        consent_receipt(ledger, "alice", now=NOW, include_personal=True)
    )


def test_receipt_id_is_stable_and_changes_with_the_history(ledger: ConsentLedger) -> None:
    first = consent_receipt(ledger, "alice", now=NOW)
    assert (
        consent_receipt(ledger, "alice", now=NOW + dt.timedelta(days=1))["receipt_id"]
        == (first["receipt_id"])
    )
    ledger.record("alice", Consent("analytics", False, T0, evidence()), now=NOW)
    assert consent_receipt(ledger, "alice", now=NOW)["receipt_id"] != first["receipt_id"]


def test_check_receipt_accepts_the_real_one_and_rejects_edits(ledger: ConsentLedger) -> None:
    receipt = consent_receipt(ledger, "alice", now=NOW)
    assert check_receipt(ledger, json.loads(json.dumps(receipt))) == 2
    edited = copy.deepcopy(receipt)
    edited["records"][0]["at"] = (T0 - dt.timedelta(days=9)).isoformat()
    with pytest.raises(ChainBroken, match="differs") as info:
        check_receipt(ledger, edited)
    assert info.value.position == 1
    forged = copy.deepcopy(receipt)
    forged["records"][1]["digest"] = "0" * 64
    with pytest.raises(ChainBroken, match="not in ledger"):
        check_receipt(ledger, forged)
    with pytest.raises(InvalidInput, match="receipt_format"):
        check_receipt(ledger, {"receipt_format": "kantara"})
