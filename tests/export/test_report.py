"""The Art. 15 access report: supplementary information, JSON schema, round trip, HTML."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.errors import InvalidInput, NotFound
from gdprkit.export import (
    AccessReport,
    Attachment,
    Dataset,
    ExclusionReason,
    PurposeInformation,
    build_access_report,
    render_html,
)
from gdprkit.law import Right
from gdprkit.register import Purpose, Register
from gdprkit.testing import strategies as gst

WHEN = dt.datetime(2025, 3, 14, 9, 30, tzinfo=dt.timezone.utc)


def _report(shop: Register, **kwargs: Any) -> AccessReport:
    datasets = kwargs.pop(
        "datasets",
        [
            Dataset(
                "orders",
                "order_fulfilment",
                [{"order": "A-1", "total": Decimal("19.90"), "ship_to": {"city": "Rīga"}}],
            ),
            Dataset("newsletter", "direct_marketing", [{"email": "ana@example.com"}]),
            Dataset("scores", "fraud_prevention", [{"score": 0.2}]),
        ],
    )
    return build_access_report(shop, "tok-7f3a", datasets, generated_at=WHEN, **kwargs)


def test_supplementary_information_comes_from_the_register(shop: Register) -> None:
    data = _report(shop, purposes=["cctv"]).to_dict()
    assert data["format"] == "gdprkit-access-report"
    assert data["version"] == 1
    assert data["processing"] is True
    by_id = {p["id"]: p for p in data["purposes"]}
    assert list(by_id) == ["order_fulfilment", "direct_marketing", "fraud_prevention", "cctv"]

    orders = by_id["order_fulfilment"]
    assert orders["basis"]["article"] == "Art. 6(1)(b)"  # 15(1)(a)
    assert [c["code"] for c in orders["categories"]] == [  # 15(1)(b)
        c.value for c in shop.purpose("order_fulfilment").categories
    ]
    assert {r["name"] for r in orders["recipients"]} == {  # 15(1)(c)
        r.name for r in shop.purpose("order_fulfilment").recipients
    }
    assert orders["retention"]["period"] == "3 years"  # 15(1)(d)
    rights = {r["code"] for r in orders["rights"]}  # 15(1)(e)
    assert {"access", "rectification", "erasure", "restriction", "portability"} <= rights
    assert "withdraw_consent" not in rights

    marketing = by_id["direct_marketing"]
    marketing_rights = {r["code"] for r in marketing["rights"]}
    assert {"withdraw_consent", "object_direct_marketing", "portability"} <= marketing_rights
    assert marketing["withdrawal"] == shop.purpose("direct_marketing").withdrawal
    (transfer,) = marketing["transfers"]  # 15(2)
    assert transfer == {
        "country": "US",
        "recipient": "E-mail delivery service",
        "safeguard": "scc",
        "reference": "EU SCC 2021/914, module 2",
        "outside_eea": True,
    }

    fraud_rights = {r["code"] for r in by_id["fraud_prevention"]["rights"]}
    assert "object" in fraud_rights
    assert "portability" not in fraud_rights
    assert "portability" not in {r["code"] for r in by_id["cctv"]["rights"]}  # not automated

    assert data["complaint"] == {  # 15(1)(f), Art. 77
        "right": "complain",
        "article": "Art. 77",
        "supervisory_authority": shop.controller.supervisory_authority,
    }


@given(purpose=gst.purposes())
def test_rights_listed_follow_the_law(purpose: Purpose) -> None:
    info = PurposeInformation.from_purpose(purpose)
    rights = set(info.rights)
    assert Right.ACCESS in rights
    assert Right.COMPLAIN in rights
    assert (Right.WITHDRAW_CONSENT in rights) == purpose.is_consent_based  # Art. 7(3)
    assert (Right.OBJECT_DIRECT_MARKETING in rights) == purpose.direct_marketing  # 21(2)
    assert (Right.OBJECT in rights) == (  # 21(1): only on 6(1)(e) or (f)
        purpose.basis.value in ("public_task", "legitimate_interests")
    )
    if Right.PORTABILITY in rights:  # Art. 20(1)(a)+(b)
        assert purpose.automated
        assert purpose.is_consent_based or purpose.basis.value == "contract"
    assert PurposeInformation.from_dict(json.loads(json.dumps(info.to_dict()))) == info


def test_source_where_not_collected_from_the_subject(shop: Register) -> None:
    register = Register(
        shop.controller,
        [
            Purpose(
                id="referrals",
                description="Referrals from partners",
                basis="legitimate_interests",
                provenance=["third_party"],
                source="Partner shop 'Ura' (referral programme)",
                automated_decisions="Credit limit set by a scoring model; you may ask for review",
            )
        ],
    )
    report = build_access_report(
        register, "tok", [Dataset("refs", "referrals", [{"x": 1}])], generated_at=WHEN
    )
    (info,) = report.to_dict()["purposes"]
    assert info["collected_from_subject"] is False  # 15(1)(g)
    assert info["source"] == "Partner shop 'Ura' (referral programme)"
    assert info["automated_decisions"].startswith("Credit limit")  # 15(1)(h)


def test_data_are_json_values_and_redaction_applies(shop: Register) -> None:
    def redact(dataset: str, record: Any) -> Any:
        return None if dataset == "scores" else record

    report = _report(shop, redact=redact)
    data = report.to_dict()
    orders, _newsletter, scores = data["datasets"]
    assert orders["records"] == [{"order": "A-1", "total": "19.90", "ship_to": {"city": "Rīga"}}]
    assert orders["count"] == 1
    assert scores["records"] == []


def test_json_round_trip_and_subject_not_in_repr(shop: Register) -> None:
    report = _report(shop, attachments=[Attachment("a.txt", "account", b"hi")])
    again = AccessReport.from_dict(json.loads(report.to_json()))
    assert again == report
    assert "tok-7f3a" not in repr(report)
    assert report.attachments[0].size == 2
    with pytest.raises(InvalidInput):
        AccessReport.from_dict({**report.to_dict(), "version": 99})


def test_unknown_purpose_is_refused(shop: Register) -> None:
    with pytest.raises(NotFound):
        build_access_report(shop, "tok", [], purposes=["nope"], generated_at=WHEN)


class _Sections(HTMLParser):
    """Collects section ids, headings' text, and anything that should never be in the page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.tags: set[str] = set()
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self.sections.append(str(values["id"]))
        for name in ("src", "href"):
            if values.get(name):
                self.external.append(str(values[name]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_has_every_article_15_section_and_is_self_contained(shop: Register) -> None:
    hostile = '<img src="https://tracker.example/x.gif"><script>alert(1)</script>'
    report = _report(
        shop,
        datasets=[Dataset("orders", "order_fulfilment", [{"note": hostile, "n": 1}])],
        purposes=["direct_marketing", "cctv"],
    )
    page = render_html(report)
    parser = _Sections()
    parser.feed(page)
    # The items of Art. 15(1)(a)-(h), 15(2) and the copy of 15(3) (FACTS.md §1c, §9 ✅ [S1]).
    required = [
        "purposes",  # (a)
        "categories",  # (b)
        "recipients",  # (c)
        "retention",  # (d)
        "rights",  # (e)
        "complaint",  # (f)
        "source",  # (g)
        "automated-decisions",  # (h)
        "transfers",  # 15(2)
        "data",  # 15(3)
    ]
    for section in required:
        assert section in parser.sections, section
    assert "script" not in parser.tags
    assert "img" not in parser.tags
    assert "link" not in parser.tags
    assert parser.external == []
    text = "".join(parser.text)
    assert hostile in text  # shown to the reader as text, not markup
    assert shop.controller.supervisory_authority in text
    assert "EU SCC 2021/914, module 2" in text
    assert "@media print" in page


def test_html_for_someone_we_hold_nothing_about(shop: Register) -> None:
    report = build_access_report(shop, "tok", [], generated_at=WHEN)
    assert report.processing is False
    page = report.to_html()
    assert "We do not process personal data about you" in page


@given(info=st.from_type(PurposeInformation), reason=st.from_type(ExclusionReason))
def test_strategies_are_registered_for_from_type(
    info: PurposeInformation, reason: ExclusionReason
) -> None:
    assert PurposeInformation.from_dict(info.to_dict()) == info
    assert reason.article.startswith("Art. 20")
