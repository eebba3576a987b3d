"""PrivacyMeta mapping, system checks, and the gdpr_retention / gdpr_export commands."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import checks  # noqa: TID251
from django.core.management import call_command  # noqa: TID251
from django.core.management.base import CommandError  # noqa: TID251
from django.db import models  # noqa: TID251
from django.test import override_settings  # noqa: TID251
from django.test.utils import isolate_apps  # noqa: TID251
from gdprkit_test_shop.models import CallbackNote, Customer, NewsletterSignup, Order

from gdprkit.errors import ConfigurationError
from gdprkit.export import read_package
from gdprkit.integrations.django.checks import (
    check_keyring,
    check_logging,
    check_models,
    check_register,
)
from gdprkit.integrations.django.logging_config import ClientIPFilter
from gdprkit.integrations.django.models import RetentionRun
from gdprkit.integrations.django.privacy import mapped_models, privacy_of
from gdprkit.pseudonymise import KeyRing

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _empty() -> Iterator[None]:
    yield
    for model in (Order, Customer, NewsletterSignup, CallbackNote, RetentionRun):
        model.objects.all().delete()


@pytest.fixture
def shop() -> dict[str, object]:
    alice = Customer.objects.create(email="alice@example.org", name="Alice")
    gone = Customer.objects.create(
        email="gone@example.org", name="Gone", closed_at=NOW - dt.timedelta(days=40)
    )
    old = Order.objects.create(
        customer=alice,
        delivery_address="1 Old Road",
        delivered_at=NOW - dt.timedelta(days=4 * 365),
        total=Decimal("9.90"),
    )
    new = Order.objects.create(
        customer=alice,
        delivery_address="2 New Road",
        delivered_at=NOW - dt.timedelta(days=30),
        total=Decimal("19.90"),
    )
    NewsletterSignup.objects.create(email="alice@example.org", last_activity=dt.date(2024, 1, 5))
    NewsletterSignup.objects.create(email="bob@example.org", last_activity=dt.date(2026, 5, 1))
    return {"alice": alice, "gone": gone, "old": old, "new": new}  # fmt: skip


def test_privacy_meta_is_read_from_the_models() -> None:
    labels = {p.label: p for p in mapped_models()}
    assert set(labels) == {
        "gdprkit_test_shop.Customer",
        "gdprkit_test_shop.Order",
        "gdprkit_test_shop.NewsletterSignup",
    }
    order = labels["gdprkit_test_shop.Order"]
    assert order.retention == "order_fulfilment"  # the only purpose, with events: implied
    assert order.purposes["order_fulfilment"] == ("delivery_address", "delivered_at", "total")
    assert order.problems() == []


@isolate_apps("gdprkit_test_shop")
def test_malformed_mappings_are_reported() -> None:
    class Bad(models.Model):
        email = models.EmailField()

        class Meta:
            app_label = "gdprkit_test_shop"

        class PrivacyMeta:
            purposes = {"account": ["email", "mail"]}  # noqa: RUF012
            subject = "owner__email"
            retention = "payment"

    problems = " | ".join(privacy_of(Bad).problems())  # type: ignore[union-attr]
    assert "'mail'" in problems
    assert "owner__email" in problems
    assert "'payment' is not one of its purposes" in problems

    class NoSubject(models.Model):
        class Meta:
            app_label = "gdprkit_test_shop"

        class PrivacyMeta:
            purposes = {"account": "email"}  # noqa: RUF012 - a string, not a list of fields

    with pytest.raises(ConfigurationError, match="PrivacyMeta"):
        privacy_of(NoSubject)


def _ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [m.id for m in messages]


def test_check_flags_unmapped_personal_fields_only() -> None:
    found = check_models()
    assert _ids(found) == ["gdprkit.W003"]
    assert found[0].obj is CallbackNote
    assert "phone" in found[0].msg
    assert "note" not in found[0].msg.split(":")[-1]


def test_check_flags_purposes_missing_from_the_register(tmp_path: Path) -> None:
    register = tmp_path / "register.toml"
    text = (Path(__file__).resolve().parents[3] / "examples" / "register.toml").read_text()
    register.write_text(text.replace('id = "order_fulfilment"', 'id = "orders"'))
    with override_settings(GDPRKIT={"REGISTER": str(register)}):
        errors = [m for m in check_models() if m.id == "gdprkit.E003"]
    assert [m.obj for m in errors] == [Order]
    assert "order_fulfilment" in errors[0].msg


def test_register_checks(tmp_path: Path) -> None:
    assert _ids(check_register()) == []  # the example register is clean
    with override_settings(GDPRKIT={}):
        assert _ids(check_register()) == ["gdprkit.W001"]
    broken = tmp_path / "broken.toml"
    broken.write_text("[controller\n")
    with override_settings(GDPRKIT={"REGISTER": str(broken)}):
        assert _ids(check_register()) == ["gdprkit.E001"]
    lint = tmp_path / "lint.toml"
    lint.write_text(
        '[controller]\nname = "S"\ncontact = "p@s.example"\ncountry = "AT"\n'
        '[[purposes]]\nid = "news"\ndescription = "News"\nbasis = "consent"\n'
    )
    with override_settings(GDPRKIT={"REGISTER": str(lint)}):
        found = check_register()
    assert "gdprkit.E002" in _ids(found) or "gdprkit.W002" in _ids(found)
    assert any("consent-without-withdrawal" in m.msg for m in found)


def test_keyring_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _ids(check_keyring()) == []
    with override_settings(GDPRKIT={}):
        # The test settings install CookieConsentMiddleware, which needs the keys.
        assert _ids(check_keyring()) == ["gdprkit.E004"]
    with override_settings(GDPRKIT={}, MIDDLEWARE=[]):
        assert _ids(check_keyring()) == ["gdprkit.W004"]
    monkeypatch.setenv("SHOP_KEYS", '{"version": 1, "keys": {"k1": "c2hvcnQ="}}')
    with override_settings(GDPRKIT={"KEYRING": "env:SHOP_KEYS"}):
        found = check_keyring()
    assert _ids(found) == ["gdprkit.E004"]
    assert "c2hvcnQ" not in found[0].msg  # the key material never appears
    monkeypatch.setenv("SHOP_KEYS", KeyRing.generate().to_secret_json())
    with override_settings(GDPRKIT={"KEYRING": "env:SHOP_KEYS"}):
        assert _ids(check_keyring()) == []


def test_logging_check_finds_unmasked_handlers() -> None:
    logger = logging.getLogger("django.request")
    raw, masked = logging.StreamHandler(io.StringIO()), logging.StreamHandler(io.StringIO())
    masked.addFilter(ClientIPFilter())
    before = len(check_logging())
    logger.addHandler(masked)
    try:
        assert len(check_logging()) == before
        logger.addHandler(raw)
        found = check_logging()
        assert len(found) == before + 1
        assert {m.id for m in found} == {"gdprkit.W005"}
    finally:
        logger.removeHandler(raw)
        logger.removeHandler(masked)


def test_manage_py_check_runs_the_gdprkit_checks() -> None:
    out = io.StringIO()
    call_command("check", "--tag", "gdprkit", stdout=out, stderr=out)
    assert "gdprkit.W003" in out.getvalue()


def _retention(*args: str) -> str:
    out = io.StringIO()
    call_command("gdpr_retention", "--now", NOW.isoformat(), *args, stdout=out)
    return out.getvalue()


def test_retention_dry_run_changes_nothing_but_is_audited(shop: dict[str, object]) -> None:
    text = _retention("--dry-run")
    # Orders: three years after delivery (register); the four-year-old one is due.
    assert "gdprkit_test_shop.Order: delete 1, anonymise 0, review 0, keep 1" in text
    # Account: closed 40 days ago, deleted 30 days after closing; open accounts lack the
    # trigger event and go to review, never silently kept or deleted.
    assert "gdprkit_test_shop.Customer: delete 1, anonymise 0, review 1, keep 0" in text
    # Newsletter: one year after the last activity (register: "1 year" after last_activity).
    assert "gdprkit_test_shop.NewsletterSignup: delete 1, anonymise 0, review 0, keep 1" in text
    assert "dry run" in text
    assert Customer.objects.count() == 2
    assert NewsletterSignup.objects.count() == 2
    run = RetentionRun.objects.get()
    assert run.dry_run
    assert run.summary["gdprkit_test_shop.Customer"]["delete"] == 1


def test_retention_deletes_what_is_due(shop: dict[str, object]) -> None:
    _retention()
    assert list(Customer.objects.values_list("email", flat=True)) == ["alice@example.org"]
    assert list(NewsletterSignup.objects.values_list("email", flat=True)) == ["bob@example.org"]
    assert list(Order.objects.values_list("delivery_address", flat=True)) == ["2 New Road"]
    assert not RetentionRun.objects.get().dry_run


def test_retention_rejects_an_unknown_model() -> None:
    with pytest.raises(CommandError, match="--model"):
        _retention("--model", "shop.Nope")


def test_export_writes_the_subjects_rows_only(shop: dict[str, object], tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "alice.zip"
    report = tmp_path / "alice.json"
    call_command("gdpr_export", "alice@example.org", "-o", str(target),
                 "--report", str(report), "--now", NOW.isoformat(), stdout=out)  # fmt: skip
    package = read_package(target)
    names = {d["name"] for d in package.manifest["datasets"]}
    assert "gdprkit_test_shop-order-order_fulfilment" in names
    text = target.read_bytes()
    assert b"bob@example.org" not in text
    # 1 customer row, 2 orders, 1 newsletter row of alice; bob's row is not hers.
    assert "(4 records)" in out.getvalue()
    assert report.read_text().count("1 Old Road") == 1


def test_admin_action_downloads_the_subjects_package(
    shop: dict[str, object], tmp_path: Path
) -> None:
    from django.contrib.auth.models import User  # noqa: TID251
    from django.test import Client  # noqa: TID251

    from gdprkit.integrations.django.models import SubjectRequest
    from gdprkit.requests import SubjectRequest as RequestValue

    row = SubjectRequest.from_value(
        RequestValue("r-9", "portability", received=NOW, channel="email",
                     subject_id="alice@example.org")
    )  # fmt: skip
    row.save()
    User.objects.create_superuser("boss", "boss@shop.example", "pw-for-tests-only")
    client = Client()
    client.force_login(User.objects.get(username="boss"))
    try:
        response = client.post(
            "/admin/gdprkit/subjectrequest/",
            {"action": "export_data", "_selected_action": [row.pk]},
        )
        assert response["Content-Type"] == "application/zip"
        (tmp_path / "r-9.zip").write_bytes(response.content)
        manifest = read_package(tmp_path / "r-9.zip").manifest
        assert sum(d["records"] for d in manifest["datasets"]) == 4
    finally:
        SubjectRequest.objects.all().delete()
        User.objects.all().delete()


def _register_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (Path(__file__).resolve().parents[3] / "examples" / "register.toml").read_text()
    assert old in text
    path = tmp_path / "register.toml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_retention_anonymises_where_the_rule_says_so(
    shop: dict[str, object], tmp_path: Path
) -> None:
    register = _register_with(
        tmp_path, 'period = "3 years"\ntrigger = "order_delivered"',
        'period = "3 years"\ntrigger = "order_delivered"\naction = "anonymise"',
    )  # fmt: skip
    with override_settings(GDPRKIT={"REGISTER": str(register)}):
        text = _retention("--model", "gdprkit_test_shop.Order")
    assert "gdprkit_test_shop.Order: delete 0, anonymise 1, review 0, keep 1" in text
    addresses = dict(Order.objects.values_list("pk", "delivery_address"))
    assert addresses == {shop["old"].pk: "", shop["new"].pk: "2 New Road"}  # type: ignore[attr-defined]
    assert Order.objects.count() == 2


def test_anonymise_without_a_mapping_fails_and_changes_nothing(
    shop: dict[str, object], tmp_path: Path
) -> None:
    register = _register_with(
        tmp_path, 'period = "1 year"\ntrigger = "last_activity"',
        'period = "1 year"\ntrigger = "last_activity"\naction = "anonymise"',
    )  # fmt: skip
    with (
        override_settings(GDPRKIT={"REGISTER": str(register)}),
        pytest.raises(CommandError, match=r"PrivacyMeta\.anonymise is empty") as info,
    ):
        _retention()
    assert info.value.returncode == 1
    assert NewsletterSignup.objects.count() == 2
    assert Customer.objects.count() == 1  # the other models' due rows were still handled


def test_progress_goes_to_a_terminal_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    NewsletterSignup.objects.bulk_create(
        NewsletterSignup(email=f"n{i}@example.org", last_activity=dt.date(2026, 5, 1))
        for i in range(2000)
    )
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    _retention("--dry-run", "--model", "gdprkit_test_shop.NewsletterSignup")
    assert "2000 rows evaluated" in terminal.getvalue()
    monkeypatch.undo()
    _retention("--dry-run", "--model", "gdprkit_test_shop.NewsletterSignup")
    assert "rows evaluated" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "args", "message"),
    [
        ("gdpr_retention", ["--now", "2026-06-01T12:00:00"], "--now"),  # naive: no offset
        ("gdpr_retention", ["--now", "yesterday"], "isoformat|Invalid"),
        ("gdpr_export", ["", "-o", "{tmp}/x.zip"], "subject"),
        ("gdpr_export", ["a@example.org", "-o", "{tmp}/x.zip", "--now", "2026-06-01"], "--now"),
    ],
)
def test_commands_refuse_bad_input_with_exit_status_2(
    command: str, args: list[str], message: str, tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=message) as info:
        call_command(command, *[a.replace("{tmp}", str(tmp_path)) for a in args],
                     stdout=io.StringIO())  # fmt: skip
    assert info.value.returncode == 2
    assert not (tmp_path / "x.zip").exists()


def test_export_of_an_unknown_subject_says_so_and_writes_nothing(
    shop: dict[str, object], tmp_path: Path
) -> None:
    # Issue 19 #16: refuse (exit 1) unless an empty answer is meant.
    target = tmp_path / "nobody.zip"
    with pytest.raises(CommandError, match="no data found for this subject") as caught:
        call_command("gdpr_export", "nobody@example.org", "-o", str(target))
    assert caught.value.returncode == 1
    assert "nobody@example.org" not in str(caught.value)
    assert not target.exists()
    out = io.StringIO()
    call_command("gdpr_export", "nobody@example.org", "-o", str(target), "--allow-empty",
                 stdout=out)  # fmt: skip
    assert "(0 records)" in out.getvalue()
