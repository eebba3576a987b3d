"""`diff_registers` and `gdprkit diff`: changes in the customer's terms and what they need."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings

from gdprkit.cli import main
from gdprkit.errors import InvalidType
from gdprkit.notice import ChangeAction, diff_registers
from gdprkit.register import Controller, Purpose, Register, load_register
from gdprkit.testing import strategies as gst

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "register.toml"
SHOP = Controller(name="Shop", contact="privacy@shop.example")


def _p(**fields: object) -> Purpose:
    base: dict[str, object] = {
        "id": "orders",
        "description": "Orders",
        "basis": "contract",
        "categories": ["identity"],
        "retention": {"description": "3 years", "period": "3 years", "trigger": "delivered"},
    }
    base.update(fields)
    return Purpose(**base)  # type: ignore[arg-type]


def _kinds(old: Purpose, new: Purpose) -> set[tuple[str, ChangeAction]]:
    return {
        (c.kind, c.action) for c in diff_registers(Register(SHOP, [old]), Register(SHOP, [new]))
    }


@settings(max_examples=30, deadline=None)
@given(gst.registers(max_purposes=4))
def test_a_register_has_no_changes_against_itself(register: Register) -> None:
    assert diff_registers(register, register) == ()
    assert diff_registers(register, Register.from_dict(register.to_dict())) == ()


@settings(max_examples=30, deadline=None)
@given(gst.registers(max_purposes=3), gst.purposes(ids=gst.st.just("zz_new")))
def test_a_new_purpose_needs_consent_exactly_when_it_rests_on_consent(
    register: Register, purpose: Purpose
) -> None:
    bigger = attrs.evolve(register, purposes=[*register.purposes, purpose])
    (change,) = [c for c in diff_registers(register, bigger) if c.purpose == "zz_new"]
    assert change.kind == "purpose-added"
    consent = purpose.is_consent_based or any(
        op.basis.value == "consent" for op in purpose.operations
    )
    assert (change.action is ChangeAction.FRESH_CONSENT) is consent
    assert change.action is not ChangeAction.NONE


# Worked examples: the list (new purpose, new recipient, longer retention, basis
# changed), on a contract purpose and on a consent purpose.
CONSENT = {"basis": "consent", "withdrawal": "Unsubscribe link"}


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (_p(), _p(recipients=[{"name": "Carrier"}]), ("recipient-added", ChangeAction.NOTIFY)),
        (
            _p(**CONSENT),
            _p(**CONSENT, recipients=[{"name": "Ad network"}]),
            ("recipient-added", ChangeAction.FRESH_CONSENT),
        ),
        (
            _p(),
            _p(retention={"description": "5 years", "period": "5 years", "trigger": "delivered"}),
            ("retention-longer", ChangeAction.NOTIFY),
        ),
        (
            _p(),
            _p(retention={"description": "1 year", "period": "1 year", "trigger": "delivered"}),
            ("retention-shorter", ChangeAction.NONE),
        ),
        (_p(), _p(**CONSENT), ("basis-changed", ChangeAction.FRESH_CONSENT)),
        (_p(**CONSENT), _p(), ("basis-changed", ChangeAction.NOTIFY)),
        (
            _p(**CONSENT),
            _p(**CONSENT, categories=["identity", "location"]),
            ("category-added", ChangeAction.FRESH_CONSENT),
        ),
        (_p(categories=["identity", "contact"]), _p(), ("category-removed", ChangeAction.NONE)),
        (
            _p(),
            _p(transfers=[{"country": "US", "recipient": "Cloud", "safeguard": "scc"}]),
            ("transfer-added", ChangeAction.NOTIFY),
        ),
        (
            _p(),
            _p(operations=[{"id": "news", "description": "News", "basis": "consent"}]),
            ("operation-added", ChangeAction.FRESH_CONSENT),
        ),
    ],
)
def test_worked_changes(old: Purpose, new: Purpose, expected: tuple[str, ChangeAction]) -> None:
    assert expected in _kinds(old, new)


def test_twelve_months_is_one_year_but_thirty_days_is_not_a_month() -> None:
    year = _p(retention={"description": "1 year", "period": "1 year", "trigger": "d"})
    months = _p(retention={"description": "1 year", "period": "12 months", "trigger": "d"})
    assert _kinds(year, months) == set()
    month = _p(retention={"description": "x", "period": "1 month", "trigger": "d"})
    days = _p(retention={"description": "x", "period": "30 days", "trigger": "d"})
    # From 31 January: one month ends 29 February 2024, 30 days on 1 March.
    assert ("retention-longer", ChangeAction.NOTIFY) in _kinds(month, days)


def test_controller_and_removed_purposes() -> None:
    old = Register(SHOP, [_p(), _p(id="ads", description="Ads")])
    new = Register(attrs.evolve(SHOP, contact="dpo@shop.example"), [_p()])
    kinds = {(c.kind, c.action) for c in diff_registers(old, new)}
    assert kinds == {
        ("controller-changed", ChangeAction.NOTIFY),
        ("purpose-removed", ChangeAction.NONE),
    }


def test_only_registers_compare() -> None:
    with pytest.raises(InvalidType):
        diff_registers(Register(SHOP, []), {})  # type: ignore[arg-type]


def _toml(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_gdprkit_diff_exit_codes_and_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert main(["diff", str(EXAMPLE), str(EXAMPLE)]) == 0
    assert "0 change(s)" in capsys.readouterr().out
    longer = _toml(tmp_path, "new.toml", text.replace('period = "100 days"', 'period = "200 days"'))
    assert main(["diff", str(EXAMPLE), str(longer)]) == 1
    out = capsys.readouterr().out
    assert "[customer_service_email]" in out
    assert "retention-longer" in out
    assert main(["diff", "--format", "json", str(EXAMPLE), str(longer)]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in payload["changes"]] == ["retention-longer"]
    assert payload["notify"] is True
    assert payload["fresh_consent"] == []


def test_gdprkit_diff_names_the_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = _toml(tmp_path, "bad.toml", "[controller\n")
    assert main(["diff", str(EXAMPLE), str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err
    assert "Traceback" not in err


def test_diff_of_two_seed_registers_is_in_customer_terms() -> None:
    old = load_register(REPO / "examples" / "registers" / "percenta.toml")
    marketing = old.purpose("direct_marketing")
    new_marketing = attrs.evolve(
        marketing, recipients=[*marketing.recipients, {"name": "Social media ad network"}]
    )
    new = attrs.evolve(
        old, purposes=[new_marketing if p.id == "direct_marketing" else p for p in old.purposes]
    )
    (change,) = diff_registers(old, new)
    assert change.action is ChangeAction.FRESH_CONSENT
    assert "Social media ad network" in change.message
