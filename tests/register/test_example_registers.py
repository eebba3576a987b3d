"""The five seed policies as registers: `gdprkit check` reports exactly what each policy lacks.

Each expected finding is a true one, with the policy's words in the register's comment; a new
finding here is a false positive (the policy is specific there) or a regression.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gdprkit.cli import main
from gdprkit.notice import FORMATS, render_notice
from gdprkit.register import load_register

REGISTERS = Path(__file__).resolve().parents[2] / "examples" / "registers"

LI = "legitimate-interests-without-balancing-test"  # no policy references a balancing test
EXPECTED: dict[str, set[tuple[str, str | None]]] = {
    # seed 000, §6: "as long as necessary" for everything; §4 names no law; silent on the
    # authority and on Art. 13(2)(e).
    "perty.toml": {
        ("legal-obligation-without-law", "legal_obligations"),
        (LI, "improvement"),
        (LI, "security"),
        ("no-supervisory-authority", None),
        *{("requirement-missing", p) for p in ("customer_support", "legal_obligations")},
        *{("requirement-missing", p) for p in ("marketing", "orders")},
        *{
            ("retention-vague", p)
            for p in ("customer_support", "improvement", "legal_obligations", "marketing")
        },
        ("retention-vague", "orders"),
        ("retention-vague", "security"),
    },
    # seed 001: no retention anywhere; tracking cookies without an opt-in; no authority.
    "dyqani-al.toml": {
        (LI, "email_marketing"),
        ("no-supervisory-authority", None),
        *{("retention-missing", p) for p in ("contests", "email_marketing", "enquiries")},
        ("retention-missing", "orders"),
        ("tracking-without-consent", None),
    },
    # seed 002: "Shields" as a safeguard; a cookie wall for analytics and remarketing; "for the
    # time we need" for misuse data.  Everything else (per-record periods, the blockers, the
    # post/e-mail split) is specific and must not be flagged.
    "percenta.toml": {
        *{
            (LI, p)
            for p in ("account", "cctv", "customer_service", "development", "direct_marketing")
        },
        (LI, "misuse_prevention"),
        (LI, "web_analytics"),
        ("retention-vague", "misuse_prevention"),
        ("safeguard-invalid", "online_purchase"),
        ("statistics-cookie-without-consent", "web_analytics"),
        ("tracking-without-consent", "web_analytics"),
    },
    # seed 003: "as long as necessary" (§5); cookies "agreed" by further use (§6).
    "xiaomistore-ks.toml": {
        (LI, "fraud_prevention"),
        (LI, "service_improvement"),
        *{("retention-vague", p) for p in ("account", "fraud_prevention", "orders")},
        ("retention-vague", "service_improvement"),
        ("tracking-without-consent", None),
    },
    # seed 004: 30 days later than one month for a request of 31 January; Clarity session
    # replay and advertising without consent; §7 "as long as is necessary".
    "perfection-group.toml": {
        (LI, "clarity_and_advertising"),
        (LI, "video_surveillance"),
        ("no-supervisory-authority", None),
        ("promise-later-than-law", None),
        *{
            ("retention-vague", p)
            for p in ("clarity_and_advertising", "communication", "services_and_contracts")
        },
        ("retention-vague", "video_surveillance"),
        ("tracking-without-consent", "clarity_and_advertising"),
    },
}


def test_every_example_register_is_pinned() -> None:
    assert {p.name for p in REGISTERS.glob("*.toml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_check_reports_exactly_what_the_policy_lacks(name: str) -> None:
    register = load_register(REGISTERS / name)
    assert {(f.code, f.purpose) for f in register.lint()} == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_gdprkit_check_fails_on_each(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REGISTERS / name)]) == 1
    assert "error(s)" in capsys.readouterr().out


def test_percenta_holds_the_whole_policy() -> None:
    reg = load_register(REGISTERS / "percenta.toml")
    marketing = reg.purpose("direct_marketing")
    assert marketing.basis.value == "consent"
    assert marketing.operation("postal").basis.value == "legitimate_interests"
    service = reg.purpose("customer_service")
    assert [str(r.period) for r in service.all_retentions] == [
        "100 days",
        "12 months",
        "2 years",
        "5 years",
    ]
    assert [r.country for r in service.all_retentions] == [None, None, None, "US"]
    assert {b.id for b in reg.blockers} >= {"bookkeeping", "debt_sold_deceased", "open_order"}
    (row,) = reg.purpose("legal_obligations").retention.statutory.resolve(  # type: ignore[union-attr]
        controller_country="BG"
    )
    assert row.years == 10
    assert reg.custom_category("suspected_offences").criminal


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("language", ["en", "sq"])
def test_each_renders_with_its_gaps_visible(name: str, language: str) -> None:
    register = load_register(REGISTERS / name)
    for fmt in FORMATS:
        notice = render_notice(register, language=language, format=fmt)
        assert notice.has_gaps  # every seed policy misses something a notice must say
    html = render_notice(register, language=language).content
    assert [f'id="purpose-{p.id}"' in html for p in register] == [True] * len(register)
    document = json.loads(render_notice(register, language=language, format="json").content)
    assert [p["id"] for p in document["purposes"]] == [p.id for p in register]
