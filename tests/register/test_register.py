"""The register: values, TOML loading with located errors, round trips, lint, `gdprkit check`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given

from gdprkit.cli import main
from gdprkit.errors import GdprkitError, InvalidInput, InvalidType, NotFound, RegisterError
from gdprkit.law import DataCategory, LegalBasis, SpecialCategoryCondition
from gdprkit.register import (
    Controller,
    Purpose,
    Register,
    Retention,
    Safeguard,
    Severity,
    Transfer,
    load_register,
    register_from_dict,
)
from gdprkit.testing import strategies as gst

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "register.toml"
SHOP = Controller(
    name="Shop",
    contact="privacy@shop.example",
    supervisory_authority="Information and Privacy Agency",
)


def _reg(*purposes: Purpose, categories: tuple[str, ...] = ()) -> Register:
    return Register(controller=SHOP, purposes=purposes, categories=categories)


def _purpose(**overrides: object) -> Purpose:
    fields: dict[str, object] = {
        "id": "orders",
        "description": "Orders",
        "basis": "contract",
        "categories": ["identity"],
        "retention": {"description": "3 years", "period": "3 years", "trigger": "order_delivered"},
        "requirement": "Needed to deliver the order",
    }
    fields.update(overrides)
    return Purpose(**fields)  # type: ignore[arg-type]


# -- the example shop ---------------------------------------------------------------------------


def test_example_register_loads_and_is_clean() -> None:
    register = load_register(EXAMPLE)
    assert register.lint() == []
    marketing = register.purpose("direct_marketing")
    assert marketing.is_consent_based
    assert marketing.direct_marketing
    assert any(
        t.outside_eea and t.safeguard is Safeguard.STANDARD_CONTRACTUAL_CLAUSES
        for t in marketing.transfers
    )
    # Every category the notice names is used by some purpose.
    assert set(register.categories) <= register.categories_used()
    assert register.purpose("customer_service_email").retention is not None


def test_lookup_and_membership() -> None:
    register = load_register(EXAMPLE)
    assert "cctv" in register
    assert "nope" not in register
    assert len(register) == len(list(register))
    assert register.purposes_for("video") == (register.purpose("cctv"),)
    with pytest.raises(NotFound, match="no purpose 'nope'"):
        register.purpose("nope")


# -- values -------------------------------------------------------------------------------------


def test_values_convert_and_validate() -> None:
    p = _purpose(basis="6(1)(f)", special_condition="9(2)(a)", categories=["health", "contact"])
    assert p.basis is LegalBasis.LEGITIMATE_INTERESTS
    assert p.special_condition is SpecialCategoryCondition.EXPLICIT_CONSENT
    assert p.special_categories == (DataCategory.HEALTH,)
    assert p.is_consent_based  # 9(2)(a) explicit consent counts as consent (Art. 7(3))


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"id": "Orders With Spaces"}, InvalidInput),
        ({"description": "   "}, InvalidInput),
        ({"description": 3}, InvalidType),
        ({"basis": "maybe"}, InvalidInput),
        ({"categories": "contact"}, InvalidType),
        ({"retention": {"description": "x", "period": "three years"}}, InvalidInput),
        ({"transfers": [{"country": "usa", "recipient": "x"}]}, InvalidInput),
        ({"direct_marketing": "yes"}, TypeError),
    ],
)
def test_bad_values_raise_typed_errors(overrides: dict[str, object], error: type) -> None:
    with pytest.raises(error):
        _purpose(**overrides)


def test_register_rejects_non_purposes() -> None:
    with pytest.raises(InvalidType):
        Register(controller=SHOP, purposes=["orders"])  # type: ignore[list-item]


@given(gst.registers())
def test_register_round_trips_through_dict_and_json(register: Register) -> None:
    data = register.to_dict()
    assert Register.from_dict(json.loads(json.dumps(data))) == register


# -- TOML errors name file, purpose and key -----------------------------------------------------


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "shop.toml"
    path.write_text(text, encoding="utf-8")
    return path


HEAD = 'version = 1\n[controller]\nname = "Shop"\ncontact = "privacy@shop.example"\n'


@pytest.mark.parametrize(
    ("body", "purpose", "key"),
    [
        ('[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consnet"\n', "ads", "basis"),
        (
            '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consent"\ncolour = 1\n',
            "ads",
            "colour",
        ),
        (
            (
                '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consent"\n'
                'categories = ["shoe"]\n'
            ),
            "ads",
            "categories",
        ),
        (
            (
                '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consent"\n'
                '[purposes.retention]\ndescription = "x"\nperiod = "ten days"\ntrigger = "t"\n'
            ),
            "ads",
            "retention.period",
        ),
        (
            (
                '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consent"\n'
                'transfers = [{ country = "US" }]\n'
            ),
            "ads",
            "transfers[0]",
        ),
        ('[[purposes]]\nid = "ads"\ndescription = "d"\n', "ads", "ads"),
        ('[[purposes]]\ndescription = "d"\nbasis = "consent"\n', "#1", "#1"),
    ],
)
def test_toml_errors_name_file_purpose_and_key(
    tmp_path: Path, body: str, purpose: str, key: str
) -> None:
    path = _write(tmp_path, HEAD + body)
    with pytest.raises(RegisterError) as info:
        load_register(path)
    message = str(info.value)
    assert str(path) in message
    assert f"purpose {purpose!r}" in message
    if key != purpose:
        assert f"key {key!r}" in message
    assert isinstance(info.value, ValueError)
    assert "\n" not in message


def test_invalid_toml_and_unknown_top_level_key(tmp_path: Path) -> None:
    with pytest.raises(RegisterError, match=r"invalid TOML.*line 2"):
        load_register(_write(tmp_path, "version = 1\n[controller\n"))
    with pytest.raises(RegisterError, match="key 'purpose'"):
        load_register(_write(tmp_path, HEAD + '[[purpose]]\nid = "x"\n'))
    with pytest.raises(RegisterError, match="missing required table 'controller'"):
        register_from_dict({"purposes": []})
    with pytest.raises(RegisterError, match="version"):
        register_from_dict({"version": 99, "controller": {"name": "a", "contact": "b"}})


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"version = 1\n# caf\xe9\n")
    with pytest.raises(RegisterError, match="not UTF-8"):
        load_register(path)


# -- lint ----------------------------------------------------------------------------------------


def _codes(register: Register) -> set[str]:
    return {f.code for f in register.lint()}


def test_lint_each_finding() -> None:
    assert _codes(_reg(_purpose())) == set()
    assert "consent-without-withdrawal" in _codes(_reg(_purpose(basis="consent")))
    assert "consent-without-withdrawal" not in _codes(
        _reg(_purpose(basis="consent", withdrawal="Unsubscribe link"))
    )
    assert "special-without-condition" in _codes(_reg(_purpose(categories=["health"])))
    li = _codes(_reg(_purpose(basis="legitimate_interests")))
    assert {
        "legitimate-interests-without-balancing-test",
        "legitimate-interests-without-interest",
    } <= li
    no_sg = _purpose(transfers=[Transfer(country="US", recipient="Mailer")])
    assert "transfer-without-safeguard" in _codes(_reg(no_sg))
    in_eea = _purpose(transfers=[Transfer(country="DE", recipient="Mailer")])
    assert "transfer-without-safeguard" not in _codes(_reg(in_eea))
    assert "recipient-outside-eea-without-transfer" in _codes(
        _reg(_purpose(recipients=[{"name": "Cloud", "country": "US"}]))
    )
    assert "retention-missing" in _codes(_reg(_purpose(retention=None)))
    vague = Retention(description="As long as necessary")
    assert "retention-vague" in _codes(_reg(_purpose(retention=vague)))
    assert "retention-unspecific" in _codes(_reg(_purpose(retention=Retention(description="x"))))
    criterion = Retention(description="x", criterion="until the account is closed")
    assert "retention-unspecific" not in _codes(_reg(_purpose(retention=criterion)))
    assert "category-unused" in _codes(_reg(_purpose(), categories=("video",)))
    assert "purpose-without-categories" in _codes(_reg(_purpose(categories=[])))
    assert "third-party-without-source" in _codes(_reg(_purpose(provenance=["third_party"])))
    assert "duplicate-id" in _codes(_reg(_purpose(), _purpose()))


@given(gst.registers(unique_ids=False))
def test_lint_orders_errors_first_and_names_known_purposes(register: Register) -> None:
    findings = register.lint()
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=lambda s: s is not Severity.ERROR)
    for finding in findings:
        assert finding.purpose is None or finding.purpose in register
        assert finding.code in str(finding)


@given(gst.registers())
def test_lint_flags_every_consent_purpose_without_withdrawal(register: Register) -> None:
    flagged = {f.purpose for f in register.lint() if f.code == "consent-without-withdrawal"}
    expected = {
        p.id
        for p in register
        if (p.is_consent_based and not (p.withdrawal or "").strip())
        or any(
            op.basis.value == "consent" and not (op.withdrawal or p.withdrawal)
            for op in p.operations
        )
    }
    assert flagged == expected


# -- gdprkit check -------------------------------------------------------------------------------


def test_check_clean_register(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(EXAMPLE)]) == 0
    assert "0 error(s)" in capsys.readouterr().out


def test_check_reports_errors_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path, HEAD + '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "consent"\n'
    )
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "consent-without-withdrawal" in out
    assert "[ads]" in out


def test_check_strict_fails_on_warnings(tmp_path: Path) -> None:
    body = (
        '[[purposes]]\nid = "ads"\ndescription = "d"\nbasis = "contract"\n'
        '[purposes.retention]\ndescription = "x"\ncriterion = "until closed"\n'
    )
    path = _write(tmp_path, HEAD + body)  # warns: no categories
    assert main(["check", str(path)]) == 0
    assert main(["check", "--strict", str(path)]) == 1


def test_check_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--format", "json", str(EXAMPLE)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["purposes"] == 11
    assert payload["findings"] == []


def test_check_bad_file_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(_write(tmp_path, "[controller\n"))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Traceback" not in err
    assert main(["check", str(tmp_path / "missing.toml")]) == 2


def test_errors_are_gdprkit_errors() -> None:
    with pytest.raises(GdprkitError):
        register_from_dict({"controller": {"name": "", "contact": "x"}})


CONTROLLER = {"name": "Shop", "contact": "privacy@shop.example"}


@pytest.mark.parametrize(
    ("document", "match"),
    [
        ({"controller": "Shop"}, "key 'controller': expected a table"),
        ({"controller": CONTROLLER, "purposes": ["orders"]}, "purpose '#1': each purpose"),
        ({"controller": CONTROLLER, "purposes": {"id": "x"}}, "key 'purposes'"),
        (
            {
                "controller": CONTROLLER,
                "purposes": [
                    {"id": "a", "description": "d", "basis": "contract", "recipients": "DHL"}
                ],
            },
            "key 'recipients': expected a list of tables",
        ),
        ({"controller": CONTROLLER, "categories": ["shoe"]}, "key 'categories'"),
        (
            {
                "controller": CONTROLLER,
                "purposes": [
                    {"id": "a", "description": "d", "basis": "contract", "automated": "yes"}
                ],
            },
            "key 'automated'",
        ),
        (
            {"controller": {**CONTROLLER, "name": ["not", "text"]}},
            "key 'controller.name'",
        ),
    ],
)
def test_malformed_documents_name_the_place(document: dict[str, object], match: str) -> None:
    with pytest.raises(RegisterError, match=re.escape(match)):
        register_from_dict(document, source="shop.toml")


def test_a_register_must_be_a_table() -> None:
    with pytest.raises(RegisterError, match="a register must be a table"):
        register_from_dict(["not", "a", "table"])  # type: ignore[arg-type]


def test_from_toml_and_nested_values_accept_their_own_types() -> None:
    register = Register.from_toml(EXAMPLE)
    assert register == load_register(EXAMPLE)
    marketing = register.purpose("direct_marketing")
    rebuilt = Purpose(
        id="copy",
        description="Copy",
        basis="consent",
        recipients=marketing.recipients,
        transfers=marketing.transfers,
        retention=marketing.retention,
    )
    assert rebuilt.transfers == marketing.transfers
    for field, bad in (("recipients", [3]), ("transfers", [3]), ("retention", 3)):
        with pytest.raises(InvalidType):
            _purpose(**{field: bad})
