"""The Django pages customers see: settings, banner POST with CSRF, ledger, notice, refusal.

The same shared templates as the Flask blueprint (tests/integrations/test_flask_pages.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings  # noqa: TID251
from django.core import checks  # noqa: TID251
from django.template import engines  # noqa: TID251
from django.test import Client, override_settings  # noqa: TID251

from gdprkit.consent import ConsentLedger
from gdprkit.consent.cookies import parse_cookie
from gdprkit.integrations.django.store import DjangoConsentStore
from gdprkit.pseudonymise import KeyRing

KEYS: KeyRing = settings.GDPRKIT["KEYRING"]
GDPRKIT = {
    **settings.GDPRKIT,
    "COOKIE_PURPOSES": {"statistics": "web_analytics"},
    "COOKIES": [
        {"name": "_stats", "provider": "Shop", "purpose": "Counts visits",
         "duration": "13 months", "category": "statistics"},
    ],
}  # fmt: skip


@pytest.fixture(autouse=True)
def _pages() -> Iterator[None]:
    middleware = [*settings.MIDDLEWARE, "django.middleware.csrf.CsrfViewMiddleware"]
    with override_settings(
        ROOT_URLCONF="gdprkit_test_shop.pages_urls", GDPRKIT=GDPRKIT, MIDDLEWARE=middleware
    ):
        yield


def _token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def test_settings_page_from_the_register_and_nothing_ticked() -> None:
    response = Client().get("/gdpr/cookies/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Counting visits to improve the shop" in html
    assert "<td>_stats</td><td>Shop</td><td>Counts visits</td><td>13 months</td>" in html
    assert re.findall(r'name="category" value="(\w+)"', html) == ["statistics"]
    assert not re.search(r'value="statistics"[^>]* checked', html)
    assert '<html lang="en">' in html


def test_the_banner_post_needs_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/gdpr/cookies/")
    refused = client.post("/gdpr/cookies/choice", {"action": "accept_all"})
    assert refused.status_code == 403
    assert "gdprkit_consent" not in refused.cookies


@pytest.mark.parametrize(
    ("form", "kind"),
    [
        ({"action": "reject_all"}, "refused"),
        ({"action": "save", "category": "statistics"}, "given"),
    ],
)
def test_a_choice_sets_the_cookie_and_is_recorded_under_it(form: dict[str, str], kind: str) -> None:
    client = Client(enforce_csrf_checks=True)
    token = _token(client.get("/gdpr/cookies/").content.decode())
    response = client.post(
        "/gdpr/cookies/choice",
        {**form, "csrfmiddlewaretoken": token, "next": "/offers/"},
        REMOTE_ADDR="2001:db8:1:2::7",
    )
    assert response.status_code == 303
    assert response["Location"] == "/offers/"
    value = response.cookies["gdprkit_consent"].value
    choice = parse_cookie(value, keys=KEYS, audience="testserver")
    assert ("statistics" in {c.value for c in choice.granted}) is (kind == "given")
    ledger = ConsentLedger(DjangoConsentStore(), key=KEYS, key_id=KEYS.ids[0])
    subject = "cookie:" + hashlib.sha256(value.encode()).hexdigest()[:32]
    events = ledger.history(subject)
    assert [(e.event.purpose, e.event.kind.value) for e in events] == [("web_analytics", kind)]
    evidence = events[0].event.evidence
    assert evidence is not None
    assert evidence.collected_by == f"gdprkit.django.cookie_banner.{form['action']}"
    assert evidence.ip == "2001:db8:1::"  # masked to /48 before it is kept


def test_json_answer_for_the_script() -> None:
    client = Client()
    response = client.post(
        "/gdpr/cookies/choice", {"action": "accept_all"}, HTTP_ACCEPT="application/json"
    )
    assert response.json()["consent_mode"]["analytics_storage"] == "granted"


def test_template_tags_gate_scripts_and_show_the_banner() -> None:
    template = engines["django"].from_string(
        '{% load gdprkit %}{% gdprkit_head %}{% gdprkit_script "/s.js" "statistics" %}'
        "{% gdprkit_banner %}{% gdprkit_reopen %}"
    )
    from django.test import RequestFactory  # noqa: TID251

    request = RequestFactory().get("/")
    request.cookie_consent = None  # type: ignore[attr-defined]
    html = template.render({"request": request})
    assert 'type="text/plain" data-category="statistics" data-src="/s.js"' in html
    assert 'value="reject_all"' in html
    assert "data-gdprkit-consent" in html
    assert "Cookie settings" in html


def test_an_overridden_template_wins(tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "gdprkit"
    folder.mkdir(parents=True)
    (folder / "preferences.html").write_text("<p>our own settings page</p>", encoding="utf-8")
    templates = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    with override_settings(TEMPLATES=templates):
        assert Client().get("/gdpr/cookies/").content == b"<p>our own settings page</p>"


def test_refused_page_says_what_is_missing() -> None:
    response = Client().get("/offers/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "This page needs your consent" in html
    assert "marketing cookies" in html
    assert "/gdpr/cookies/?next=/offers/" in html


@pytest.mark.parametrize("value", ["gdc1.t1.\xe9.AAAA", "gdc1.t1.AAAA.\u0101", "\u2603"])
def test_a_non_ascii_consent_cookie_is_no_choice(value: str) -> None:
    # Issue 19 #5: a sibling subdomain can set such a cookie; it must not lock visitors out.
    # The bytes a browser sends, as WSGI hands them over (decoded as ISO-8859-1, PEP 3333).
    raw = f"gdprkit_consent={value}".encode().decode("iso-8859-1")
    response = Client().get("/gdpr/cookies/", HTTP_COOKIE=raw)
    assert response.status_code == 200
    assert "You have not made a choice yet" in response.content.decode()


def test_privacy_page_in_the_customers_language() -> None:
    client = Client()
    short = client.get("/gdpr/privacy/", HTTP_ACCEPT_LANGUAGE="sq-AL,sq;q=0.9")
    assert short.status_code == 200
    assert '<html lang="sq">' in short.content.decode()
    full = client.get("/gdpr/privacy/?layer=full", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="en">' in full.content.decode()
    assert "/gdpr/privacy/?layer=short" in full.content.decode()


def test_holiday_country_without_the_package_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # What `pip install ".[django]"` gives: no holidays package. `check` said "no issues" and
    # the first deadline crashed; now the check says so.
    import sys

    from gdprkit.integrations.django.checks import check_holidays
    from gdprkit.law import holidays as calendars

    with override_settings(GDPRKIT={**GDPRKIT, "HOLIDAY_COUNTRY": "AT"}):
        assert check_holidays() == []
        monkeypatch.setitem(sys.modules, "holidays", None)  # import holidays -> ImportError
        calendars._country_year.cache_clear()
        try:
            found = check_holidays()
        finally:
            calendars._country_year.cache_clear()
    assert [m.id for m in found] == ["gdprkit.E006"]
    assert found[0].level == checks.ERROR
    assert "gdprkit[holidays]" in (found[0].hint or "")


def test_the_check_insists_on_the_csrf_middleware() -> None:
    from gdprkit.integrations.django.checks import check_pages

    assert [m.id for m in check_pages()] == []
    without = [m for m in settings.MIDDLEWARE if "csrf" not in m]
    with override_settings(MIDDLEWARE=without):
        assert [m.id for m in check_pages()] == ["gdprkit.E008"]


# -- the data-subject request form -----------------------------------------------------------


def _submit(client: Client, **form: str) -> object:
    token = _token(client.get("/gdpr/requests/new").content.decode())
    return client.post("/gdpr/requests/new", {**form, "csrfmiddlewaretoken": token})


def test_a_request_is_confirmed_once_through_the_mailed_link_and_shown_in_the_admin() -> None:
    from django.contrib.auth.models import User  # noqa: TID251
    from django.core import mail  # noqa: TID251

    from gdprkit.integrations.django.models import SubjectRequest
    from gdprkit.integrations.django.signals import request_received, request_verified

    seen: list[str] = []

    def on_received(sender: object, request: SubjectRequest, **kwargs: object) -> None:
        seen.append(f"received {request.state}")

    def on_verified(sender: object, request: SubjectRequest, **kwargs: object) -> None:
        seen.append(f"verified {request.state}")

    request_received.connect(on_received)
    request_verified.connect(on_verified)
    try:
        client = Client(enforce_csrf_checks=True)
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            response = _submit(client, right="erasure", email="ana@example.org")
            assert response.status_code == 202  # type: ignore[attr-defined]
            assert mail.outbox[-1].to == ["ana@example.org"]
            link = re.search(r"http://testserver(/gdpr/requests/confirm/\S+)", mail.outbox[-1].body)
        assert link is not None
        row = SubjectRequest.objects.get(subject_id="ana@example.org")
        assert row.state == "awaiting_identity"
        page = client.get(link.group(1))
        assert "Confirm my request" in page.content.decode()
        assert SubjectRequest.objects.get(pk=row.pk).state == "awaiting_identity"  # GET: no change
        token = _token(page.content.decode())
        done = client.post(link.group(1), {"csrfmiddlewaretoken": token}).content.decode()
        assert "your request is confirmed" in done
        again = client.post(link.group(1), {"csrfmiddlewaretoken": token}).content.decode()
        assert "confirmed before" in again
        assert seen == ["received awaiting_identity", "verified open"]
        row.refresh_from_db()
        assert row.state == "open"
        status = re.search(r'href="(/gdpr/requests/status/[^"]+)"', done)
        assert status is not None
        assert (
            f"{row.deadline:%d %B %Y}".lstrip("0") in client.get(status.group(1)).content.decode()
        )
    finally:
        request_received.disconnect(on_received)
        request_verified.disconnect(on_verified)
    # The admin lists it with its deadline, in words.
    with override_settings(ROOT_URLCONF="gdprkit_test_shop.urls"):
        User.objects.create_superuser("staff", "staff@shop.example", "pw-staff-123")
        staff = Client()
        staff.login(username="staff", password="pw-staff-123")
        listing = staff.get("/admin/gdprkit/subjectrequest/").content.decode()
    assert row.reference in listing
    assert "due in " in listing
    assert "open: being answered" in listing


def test_request_form_errors_in_words() -> None:
    response = _submit(Client(), right="access", email="ana@example.org\nBcc: x@y.example")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Enter an e-mail address" in response.content.decode()  # type: ignore[attr-defined]


def test_a_forged_or_misused_token_is_a_404() -> None:
    client = Client()
    assert client.get("/gdpr/requests/confirm/rq1.t1.AAAA.BBBB").status_code == 404
    assert client.get("/gdpr/requests/status/garbage").status_code == 404


def test_no_tracking_assertion_with_the_django_client() -> None:
    from gdprkit.testing.assertions import assert_no_tracking_before_consent

    assert_no_tracking_before_consent(Client(), "/gdpr/cookies/")  # csrftoken only
    with pytest.raises(AssertionError, match="csrftoken") as caught:
        assert_no_tracking_before_consent(Client(), "/gdpr/cookies/", necessary=())
    assert "Set-Cookie" not in str(caught.value)


# -- the consent cookie's audience (issue 19 item 8, in the framework) ----------------------------

HOSTS = ["a.example", "b.example", "testserver"]


def _accept_all_on(host: str) -> str:
    """Accept every category through the banner form on ``host``; the cookie's value."""
    client = Client(enforce_csrf_checks=True)
    token = _token(client.get("/gdpr/cookies/", HTTP_HOST=host).content.decode())
    response = client.post(
        "/gdpr/cookies/choice",
        {"action": "accept_all", "csrfmiddlewaretoken": token, "next": "/offers/"},
        HTTP_HOST=host,
    )
    assert response.status_code == 303
    return str(response.cookies["gdprkit_consent"].value)


def _stats_on(host: str, value: str) -> bool:
    """Whether the settings page on ``host`` shows statistics as chosen (the cookie counts)."""
    client = Client()
    client.cookies["gdprkit_consent"] = value
    response = client.get("/gdpr/cookies/", HTTP_HOST=host)
    assert response.status_code == 200
    return re.search(r'value="statistics"[^>]* checked', response.content.decode()) is not None


@override_settings(ALLOWED_HOSTS=HOSTS)
def test_a_cookie_for_site_a_is_no_choice_on_site_b_with_the_same_key_ring() -> None:
    # One settings module, one KEYS: the two hosts are two shops sharing a key ring.
    value = _accept_all_on("a.example")
    assert parse_cookie(value, keys=KEYS, audience="a.example").allows("statistics")
    assert _stats_on("a.example", value)  # still works on site A
    assert _stats_on("A.Example", value)  # host names compare case-insensitively
    assert not _stats_on("b.example", value)  # "no choice yet" on site B
    assert not _stats_on("a.example:8443", value)  # another port is another site


@override_settings(ALLOWED_HOSTS=HOSTS)
def test_a_configured_audience_is_used_on_every_host() -> None:
    with override_settings(GDPRKIT={**settings.GDPRKIT, "COOKIE_AUDIENCE": "a.example"}):
        value = _accept_all_on("b.example")  # www/alias hosts of one shop share its audience
        assert _stats_on("a.example", value)
        assert _stats_on("b.example", value)
    # Signed for a.example: a shop configured as another audience refuses it on any host.
    for other in ("b.example", "testserver"):
        with override_settings(GDPRKIT={**settings.GDPRKIT, "COOKIE_AUDIENCE": other}):
            assert not _stats_on("a.example", value)
            assert not _stats_on("b.example", value)


def test_a_host_outside_allowed_hosts_gets_no_cookie() -> None:
    client = Client()
    token_page = client.get("/gdpr/cookies/")
    assert token_page.status_code == 200
    response = client.post(
        "/gdpr/cookies/choice", {"action": "accept_all"}, HTTP_HOST="evil.example"
    )
    assert response.status_code == 400
    assert "gdprkit_consent" not in response.cookies


# -- the controller's time zone (issue 15, in the framework) -----------------------------------

# 00:30 UTC on Sat 1 Mar 2025 is 23:30 on Fri 28 Feb in the Azores (UTC-1 until 30 Mar): day 0
# is 28 Feb, one month later is Fri 28 Mar (Art. 12(3) GDPR, Reg. 1182/71 Art. 3(2)(c)); counted
# in UTC it would be Tue 1 Apr.
AZORES_MIDNIGHT = dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.timezone.utc)
_CLIENTS = itertools.count(1)


@pytest.fixture
def azores_register(tmp_path: Path) -> str:
    text = Path(settings.GDPRKIT["REGISTER"]).read_text(encoding="utf-8")
    path = tmp_path / "register-azores.toml"
    path.write_text(
        text.replace("[controller]\n", '[controller]\ntime_zone = "Atlantic/Azores"\n', 1),
        encoding="utf-8",
    )
    return str(path)


@pytest.mark.parametrize(
    ("register_zone", "setting", "django_zone", "deadline"),
    [
        (True, None, "UTC", dt.date(2025, 3, 28)),  # the register's controller.time_zone
        (False, "Atlantic/Azores", "UTC", dt.date(2025, 3, 28)),  # GDPRKIT["TIME_ZONE"]
        (False, None, "Atlantic/Azores", dt.date(2025, 3, 28)),  # settings.TIME_ZONE
        (True, "UTC", "Atlantic/Azores", dt.date(2025, 4, 1)),  # GDPRKIT["TIME_ZONE"] first
        (False, None, "UTC", dt.date(2025, 4, 1)),
    ],
)
def test_a_request_at_00_30_utc_on_1_march_is_due_28_march_in_the_azores(  # noqa: PLR0917
    monkeypatch: pytest.MonkeyPatch,
    azores_register: str,
    register_zone: bool,
    setting: str | None,
    django_zone: str,
    deadline: dt.date,
) -> None:
    from gdprkit.integrations.django import request_pages
    from gdprkit.integrations.django.models import SubjectRequest

    monkeypatch.setattr(request_pages, "utc_now", lambda: AZORES_MIDNIGHT)
    conf = {**GDPRKIT, "REGISTER": azores_register if register_zone else GDPRKIT["REGISTER"]}
    if setting is not None:
        conf["TIME_ZONE"] = setting
    email = f"zone-{uuid.uuid4().hex[:8]}@example.org"
    with override_settings(
        GDPRKIT=conf,
        TIME_ZONE=django_zone,
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        client = Client(enforce_csrf_checks=True)
        token = _token(client.get("/gdpr/requests/new").content.decode())
        response = client.post(
            "/gdpr/requests/new",
            {"right": "access", "email": email, "csrfmiddlewaretoken": token},
            REMOTE_ADDR=f"198.51.100.{next(_CLIENTS)}",
        )  # a client of its own: the form's rate limit counts per address
        assert response.status_code == 202
    row = SubjectRequest.objects.get(subject_id=email)
    assert row.deadline == deadline
    assert row.value().received == AZORES_MIDNIGHT


def test_the_retention_command_counts_in_the_controller_zone(
    monkeypatch: pytest.MonkeyPatch, azores_register: str
) -> None:
    from django.core.management import call_command  # noqa: TID251

    from gdprkit.integrations.django.management.commands import gdpr_retention
    from gdprkit.retention import RetentionSchedule

    zones: list[object] = []
    real = RetentionSchedule.from_register

    def spy(register: object, **kwargs: object) -> RetentionSchedule:
        schedule = real(register, **kwargs)  # type: ignore[arg-type]
        zones.append(schedule.zone)
        return schedule

    monkeypatch.setattr(gdpr_retention.RetentionSchedule, "from_register", spy)
    with override_settings(GDPRKIT={**GDPRKIT, "REGISTER": azores_register}, TIME_ZONE="UTC"):
        call_command("gdpr_retention", "--dry-run", stdout=io.StringIO())
    assert [str(z) for z in zones] == ["Atlantic/Azores"]


def test_a_bad_time_zone_setting_is_refused() -> None:
    from gdprkit.errors import ConfigurationError
    from gdprkit.integrations.django.conf import GdprkitSettings

    with pytest.raises(ConfigurationError, match=r"GDPRKIT\['TIME_ZONE'\] must be an IANA"):
        GdprkitSettings.from_mapping({"TIME_ZONE": "Mars/Olympus"})


def test_the_pages_ledger_counts_consent_expiry_in_the_zone(azores_register: str) -> None:
    from gdprkit.integrations.django import pages

    with override_settings(GDPRKIT={**GDPRKIT, "REGISTER": azores_register}, TIME_ZONE="UTC"):
        assert str(pages._ledger().zone) == "Atlantic/Azores"
    with override_settings(GDPRKIT={**GDPRKIT, "TIME_ZONE": "Europe/Sofia"}):
        assert str(pages._ledger().zone) == "Europe/Sofia"
