"""Run the example Django shop end to end; exit 0 when every step did what it should.

1. migrate a fresh SQLite database in a temporary folder (gdprkit's app and the shop's);
2. create customers, orders and newsletter signups, some long past their retention period;
3. ``manage.py check --tag gdprkit``: the register lints clean and every personal field is
   mapped to a purpose;
4. a visitor without marketing-cookie consent gets 403 on /offers/, and 200 after accepting;
5. ``gdpr_retention --dry-run`` reports what is due and changes nothing; then the real run;
6. a subject request for one customer, and ``gdpr_export`` of her data, read back and verified.

Run it with ``python examples/django_shop/run.py``.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="gdprkit-django-shop-"))
    try:
        return _run(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(tmp: Path) -> int:
    os.environ["SHOP_DB"] = str(tmp / "shop.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings"
    from gdprkit.pseudonymise import KeyRing

    os.environ.setdefault("GDPRKIT_KEYRING", KeyRing.generate().to_secret_json())
    sys.path.insert(0, str(HERE))

    import django  # noqa: TID251

    django.setup()
    from django.core.management import call_command  # noqa: TID251
    from django.test import Client  # noqa: TID251
    from shop.models import Customer, NewsletterSignup, Order

    from gdprkit.export import read_package
    from gdprkit.integrations.django.models import RetentionRun, SubjectRequest
    from gdprkit.requests import SubjectRequest as RequestValue

    def manage(*args: str) -> str:
        out = io.StringIO()
        call_command(*args, stdout=out, stderr=out)
        return out.getvalue()

    # 1. Migrate.
    manage("migrate", "--verbosity", "0")

    # 2. Data: "now" is fixed so the run is the same every day.
    now = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)
    alice = Customer.objects.create(email="alice@example.org", name="Alice Example")
    Customer.objects.create(
        email="closed@example.org", name="Closed Account", closed_at=now - dt.timedelta(days=45)
    )
    Order.objects.create(
        customer=alice,
        delivery_address="Hauptstraße 1, Wien",
        delivered_at=now - dt.timedelta(days=4 * 365),
        total=Decimal("49.90"),
    )
    Order.objects.create(
        customer=alice,
        delivery_address="Hauptstraße 1, Wien",
        delivered_at=now - dt.timedelta(days=20),
        total=Decimal("12.50"),
    )
    NewsletterSignup.objects.create(
        email="alice@example.org",
        signed_up_at=now - dt.timedelta(days=900),
        last_activity=now - dt.timedelta(days=10),
    )
    NewsletterSignup.objects.create(email="quiet@example.org", signed_up_at=now - dt.timedelta(
        days=900), last_activity=now - dt.timedelta(days=500))  # fmt: skip

    # 3. System checks: clean.
    checked = manage("check", "--tag", "gdprkit")
    print("check:", checked.strip())
    if "no issues" not in checked:
        return 1

    # 4. Cookie consent gates the offers page.
    client = Client(enforce_csrf_checks=True)
    home = client.get("/").content.decode()
    if 'value="reject_all"' not in home or 'data-category="statistics"' not in home:
        return 1
    refused = client.get("/offers/").status_code
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', home)
    form = {"action": "save", "category": "marketing", "next": "/offers/"}
    answer = client.post("/gdpr/cookies/choice", {**form, "csrfmiddlewaretoken": token.group(1)})
    allowed = (
        client.get("/offers/").status_code if answer.status_code == 303 else answer.status_code
    )
    print(f"offers without consent: {refused}, after accepting marketing cookies: {allowed}")
    if (refused, allowed) != (403, 200):
        return 1

    # 5. Retention: dry run first, then for real.
    print(manage("gdpr_retention", "--dry-run", "--now", now.isoformat()).strip())
    if Customer.objects.count() != 2 or Order.objects.count() != 2:
        return 1
    print(manage("gdpr_retention", "--now", now.isoformat()).strip())
    left = (Customer.objects.count(), Order.objects.count(), NewsletterSignup.objects.count())
    print(f"left after retention (customers, orders, signups): {left}")
    if left != (1, 1, 1) or RetentionRun.objects.count() != 2:
        return 1

    # 6. Alice asks for her data (Art. 15/20): a tracked request and the package.
    request = SubjectRequest.from_value(
        RequestValue("REQ-1", "portability", received=now, channel="email",
                     subject_id="alice@example.org")
    )  # fmt: skip
    request.save()
    target = tmp / "alice.zip"
    print(manage("gdpr_export", "alice@example.org", "-o", str(target), "--now",
                 now.isoformat()).strip())  # fmt: skip
    package = read_package(target)
    records = sum(d["records"] for d in package.manifest["datasets"])
    request.step(lambda r: r.fulfil(now + dt.timedelta(hours=2)))
    print(f"request REQ-1: {request.state}, deadline {request.deadline}, {records} records sent")
    if records != 3 or request.state != "fulfilled":
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
