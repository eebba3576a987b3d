"""What a real policy needs: operations, per-record retention, statutes, blockers, cookies, lint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

from gdprkit.errors import InvalidInput, NotFound, RegisterError
from gdprkit.law import LegalBasis, statutory_retention
from gdprkit.register import (
    Blocker,
    Controller,
    Duration,
    Promises,
    Purpose,
    Register,
    Retention,
    StatutoryReference,
    Transfer,
    load_register,
    register_from_dict,
)
from gdprkit.register._lint import _later_than_a_month
from gdprkit.testing import strategies as gst

SHOP = Controller(name="Shop", contact="privacy@shop.example", supervisory_authority="AIP")
HEAD = 'version = 1\n[controller]\nname = "Shop"\ncontact = "c"\n'


def _p(**fields: object) -> Purpose:
    base: dict[str, object] = {
        "id": "orders",
        "description": "Orders",
        "basis": "contract",
        "categories": ["identity"],
        "requirement": "Needed for the contract",
        "retention": {"description": "3 years", "period": "3 years", "trigger": "delivered"},
    }
    base.update(fields)
    return Purpose(**base)  # type: ignore[arg-type]


def _codes(*purposes: Purpose, **register: object) -> set[str]:
    return {f.code for f in Register(SHOP, purposes, **register).lint()}  # type: ignore[arg-type]


# -- retention ------------------------------------------------------------------------------


def test_a_trigger_alone_is_specific() -> None:
    # seed 002, PERCENTA ACCOUNT: "After your account has been terminated your data will be deleted"
    closed = Retention(description="Deleted when the account is terminated", trigger="closed")
    assert closed.is_specific
    assert "retention-unspecific" not in _codes(_p(retention=closed))


@pytest.mark.parametrize(
    "words",
    [
        "as long as necessary",  # seed 000 §6
        "for the time we need to prevent fraud",  # seed 002, PREVENTION OF MISUSE AND CRIME
        "As long as is necessary to achieve the goals",  # seed 004 §7
    ],
)
def test_vague_words_are_findings(words: str) -> None:
    assert "retention-vague" in _codes(_p(retention=Retention(description=words)))
    assert "retention-vague" in _codes(_p(retention=Retention(description="x", criterion=words)))
    with_period = Retention(description=words, period="2 years", trigger="t")
    assert "retention-vague" not in _codes(_p(retention=with_period))


def test_permanent_needs_a_reason() -> None:
    forever = Retention(description="Kept permanently", criterion="never deleted, permanently")
    assert "retention-permanent-without-reason" in _codes(_p(retention=forever))
    cited = Retention(description="Kept permanently", criterion="permanent", citation="Law X")
    assert "retention-permanent-without-reason" not in _codes(_p(retention=cited))


def test_per_record_retentions_are_each_checked() -> None:
    p = _p(retentions=[{"record": "cases", "description": "as long as necessary"}])
    assert "retention-vague" in _codes(p)
    assert [r.record for r in p.all_retentions] == [None, "cases"]


def test_statutory_reference_resolves_from_the_law() -> None:
    ref = StatutoryReference(document="accounting_registers", countries=["BG"], after="5 years")
    (row,) = ref.resolve(controller_country=None)
    assert row == statutory_retention("BG", "accounting_registers")
    assert str(ref.after) == "5 years"
    own = StatutoryReference(document="books_and_records")
    assert own.resolve(controller_country="DE")[0].years == 10
    with pytest.raises(NotFound, match="names no country"):
        own.resolve(controller_country=None)
    unknown = Retention(description="x", statutory={"document": "nothing", "countries": ["LV"]})
    assert unknown.is_specific
    assert "statutory-unresolved" in _codes(_p(retention=unknown))


# -- bases and operations ---------------------------------------------------------------------


def test_an_operation_on_consent_needs_a_way_to_withdraw() -> None:
    op = {"id": "sms", "description": "Offers by SMS", "basis": "consent"}
    assert "consent-without-withdrawal" in _codes(_p(operations=[op]))
    assert "consent-without-withdrawal" not in _codes(
        _p(operations=[{**op, "withdrawal": "Reply STOP"}])
    )
    p = _p(operations=[op])
    assert p.bases == (LegalBasis.CONTRACT, LegalBasis.CONSENT)
    with pytest.raises(NotFound, match="known: sms"):
        p.operation("post")


def test_legal_obligation_names_its_law() -> None:
    assert "legal-obligation-without-law" in _codes(_p(basis="legal_obligation"))
    assert "legal-obligation-without-law" not in _codes(
        _p(basis="legal_obligation", law="Accounting Act, Art. 12")
    )


# -- transfers, categories, decisions, cookies, promises ----------------------------------------


def test_transfer_to_an_unnamed_country_and_privacy_shield() -> None:
    unnamed = Transfer(recipient="Hosting", destination="a country outside the EU")
    assert unnamed.outside_eea
    assert "transfer-without-safeguard" in _codes(_p(transfers=[unnamed]))
    with pytest.raises(InvalidInput, match="destination"):
        Transfer(recipient="Hosting")
    shield = Transfer(country="US", recipient="Mailer", safeguard="privacy_shield")
    assert "safeguard-invalid" in _codes(_p(transfers=[shield]))
    dpf = Transfer(country="US", recipient="Mailer", safeguard="adequacy", reference="EU-US DPF")
    assert not {"safeguard-invalid", "transfer-without-safeguard"} & _codes(_p(transfers=[dpf]))


def test_shop_categories_special_and_criminal() -> None:
    custom = [
        {"id": "offences", "description": "Suspected offences", "criminal": True},
        {"id": "sick_notes", "description": "Sick notes", "special": True},
    ]
    p = _p(other_categories=["offences", "sick_notes"])
    codes = _codes(p, custom_categories=custom)
    assert {"criminal-data-without-law", "special-without-condition"} <= codes
    with pytest.raises(InvalidInput, match="'nope'"):
        Register(SHOP, [_p(other_categories=["nope"])], custom_categories=custom)


def test_automated_decision_safeguards() -> None:
    bare = {"description": "Credit decision", "human_review": True}
    assert "automated-decision-without-safeguards" in _codes(_p(decision=bare))
    full = {**bare, "express_view": True, "contest": "Reply to the e-mail"}
    assert "automated-decision-without-safeguards" not in _codes(_p(decision=full))


def test_tracking_cookies_need_consent() -> None:
    # seed 004 §10: Microsoft Clarity session replay, "the web user cannot refuse"
    clarity = {"name": "_clck", "kind": "session_replay", "basis": "legitimate_interests"}
    assert "tracking-without-consent" in _codes(_p(), cookies=[clarity])
    assert "tracking-without-consent" not in _codes(_p(), cookies=[{**clarity, "basis": "consent"}])
    with pytest.raises(InvalidInput, match="not in the register"):
        Register(SHOP, [_p()], cookies=[{**clarity, "purpose": "ads"}])


def test_thirty_days_is_later_than_a_month_for_a_request_of_31_january() -> None:
    # The worked example: 31 January + 30 days = 2 March; + one month = 28 February.
    thirty = Duration.parse("30 days")
    assert thirty.after(dt.date(2025, 1, 31)) == dt.date(2025, 3, 2)
    assert Duration.parse("1 month").after(dt.date(2025, 1, 31)) == dt.date(2025, 2, 28)
    assert "promise-later-than-law" in _codes(_p(), promises=Promises(response_time="30 days"))
    assert "promise-later-than-law" not in _codes(_p(), promises={"response_time": "28 days"})
    assert "promise-later-than-law" not in _codes(_p(), promises={"response_time": "4 weeks"})


@settings(max_examples=50, deadline=None)
@given(gst.durations(max_amount=40))
def test_a_promise_is_flagged_exactly_when_it_ends_later_on_some_day(promise: Duration) -> None:
    start = dt.date(2024, 1, 1)
    later = any(
        promise.after(day) > Duration.parse("1 month").after(day)
        for day in (start + dt.timedelta(days=n) for n in range(366 * 4))
    )
    assert (_later_than_a_month(promise) is not None) is later


# -- blockers -----------------------------------------------------------------------------------


def test_a_blocker_never_keeps_consent_or_direct_marketing() -> None:
    news = _p(id="news", basis="consent", withdrawal="link")
    ads = _p(id="ads", basis="legitimate_interests", direct_marketing=True)
    for kept in (news, ads):
        with pytest.raises(InvalidInput, match=r"Art\. 17\(1\)\(b\), Art\. 21\(3\)"):
            Register(
                SHOP,
                [kept],
                blockers=[{"id": "b", "kind": "other", "purposes": [kept.id],
                           "description": "x", "while_open": True}],
            )  # fmt: skip


def test_a_blocker_needs_an_end_and_a_known_purpose() -> None:
    with pytest.raises(InvalidInput, match="period, a statutory reference or while_open"):
        Blocker(id="b", kind="open_order", purposes=["orders"], description="x")
    book = Blocker(
        id="book",
        kind="bookkeeping",
        purposes=["orders"],
        description="Invoices",
        statutory={"document": "accounting_registers", "countries": ["BG"]},
    )
    assert book.statutory is not None
    assert book.period is None
    with pytest.raises(InvalidInput, match="'missing'"):
        Register(SHOP, [_p()], blockers=[attrs.evolve(book, purposes=["missing"])])


# -- TOML errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "purpose", "key"),
    [
        (
            (
                '[[purposes]]\nid = "a"\ndescription = "d"\nbasis = "contract"\n'
                'operations = [{ id = "o", description = "d", basis = "maybe" }]\n'
            ),
            "a",
            "operations[0].basis",
        ),
        (
            (
                '[[purposes]]\nid = "a"\ndescription = "d"\nbasis = "contract"\n'
                '[[purposes.retentions]]\ndescription = "x"\nstatutory = { documnet = "x" }\n'
            ),
            "a",
            "retentions[0].statutory.documnet",
        ),
        (
            (
                '[[purposes]]\nid = "a"\ndescription = "d"\nbasis = "contract"\n'
                'decision = { description = "d", human_review = "yes" }\n'
            ),
            "a",
            "decision.human_review",
        ),
        (
            (
                '[[purposes]]\nid = "a"\ndescription = "d"\nbasis = "contract"\n'
                'categories = ["identity", "shoe_size"]\n'
            ),
            "a",
            "categories",
        ),
    ],
)
def test_nested_errors_name_file_purpose_and_key(
    tmp_path: Path, body: str, purpose: str, key: str
) -> None:
    path = tmp_path / "shop.toml"
    path.write_text(HEAD + body, encoding="utf-8")
    with pytest.raises(RegisterError) as info:
        load_register(path)
    message = str(info.value)
    assert str(path) in message
    assert f"purpose {purpose!r}" in message
    assert f"key {key!r}" in message
    if "shoe_size" in body:
        assert "'shoe_size'" in message


def test_blocker_and_cookie_errors_name_their_key() -> None:
    with pytest.raises(RegisterError, match=r"key 'blockers\[0\]\.kind'"):
        register_from_dict(
            {"controller": {"name": "a", "contact": "b"},
             "blockers": [{"id": "b", "kind": "whatever", "purposes": ["x"], "description": "d"}]},
            source="shop.toml",
        )  # fmt: skip
    with pytest.raises(RegisterError, match=r"key 'cookies\[0\]\.kind'"):
        register_from_dict(
            {"controller": {"name": "a", "contact": "b"},
             "cookies": [{"name": "c", "kind": "tasty", "basis": "consent"}]},
            source="shop.toml",
        )  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(gst.registers(max_purposes=4))
def test_every_register_round_trips_with_its_new_parts(register: Register) -> None:
    again = register_from_dict(register.to_dict())
    assert again == register
    assert again.blockers == register.blockers
    assert again.cookies == register.cookies
