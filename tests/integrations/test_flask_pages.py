"""The Flask pages customers see: banner, settings, CSRF, ledger evidence, refusal page.

Also the hardening items of issue 19 that live in the blueprint: a consent cookie with any
malformed or non-ASCII value is "no choice yet" (#5), the rate limit counts an IPv6 /64 as one
client (#13), and deeply nested JSON is a 400 (#14).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the flask integration's tests
import pytest
from _flask_support import T0, make_app
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gdprkit.consent import parse_cookie
from gdprkit.integrations.flask import consent_required, create_blueprint

NOTICE = "We count visits with statistics cookies, only if you allow them."
COOKIES = [
    {"name": "_stats", "provider": "Shop", "purpose": "Counts visits", "duration": "13 months",
     "category": "statistics"},
]  # fmt: skip
PAGE = """<!doctype html><html lang="en"><head>{{ gdprkit_head() }}
{{ gdprkit_script("/s.js", category="statistics") }}</head>
<body>{{ gdprkit_banner() }}<main>home</main>{{ gdprkit_reopen() }}</body></html>"""


def _app(tmp_path: Path, **config: Any) -> tuple[flask.Flask, Any]:
    settings_ = {
        "GDPRKIT_STORE_URL": "memory://",
        "GDPRKIT_COOKIE_PURPOSES": {"statistics": "web_analytics"},
        "GDPRKIT_COOKIE_NOTICE": NOTICE,
        "GDPRKIT_COOKIES": COOKIES,
        "GDPRKIT_COOKIE_SECURE": False,
    }
    settings_.update(config)
    app, gdpr, _clock = make_app(tmp_path, **settings_)
    app.register_blueprint(create_blueprint(), url_prefix="/gdpr")

    @app.get("/")
    def home() -> str:
        return flask.render_template_string(PAGE)

    @app.get("/offers")
    @consent_required("direct_marketing")
    def offers() -> str:
        return "offers"

    return app, gdpr


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


def _cookie_names(response: Any) -> set[str]:
    return {h.split("=", 1)[0] for h in response.headers.getlist("Set-Cookie")}


def test_first_visit_shows_the_banner_and_sets_no_optional_cookie(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    response = client.get("/")
    html = response.get_data(as_text=True)
    # Reject all and Accept all: the same element, the same class, side by side.
    buttons = re.findall(r'<button class="([^"]+)" type="submit" name="action" value="(\w+)"', html)
    assert buttons == [("gk-button", "reject_all"), ("gk-button", "accept_all")]
    assert 'type="text/plain" data-category="statistics" data-src="/s.js"' in html
    assert '<script src="/s.js"' not in html
    assert "Cookie settings" in html  # the persistent reopen link
    assert _cookie_names(response) <= {"session"}  # only the CSRF session, strictly necessary


def test_settings_page_lists_categories_declarations_and_nothing_ticked(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    html = app.test_client().get("/gdpr/cookies/").get_data(as_text=True)
    assert "Counting visits to improve the shop" in html  # the register purpose's description
    assert "<td>_stats</td><td>Shop</td><td>Counts visits</td><td>13 months</td>" in html
    boxes = re.findall(r'<input type="checkbox" name="category" value="(\w+)"[^>]*>', html)
    assert boxes == ["statistics"]
    assert " checked" not in re.search(r'value="statistics"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert html.count('type="submit"') == 3


def test_a_post_without_the_csrf_token_changes_nothing(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    client.get("/")
    response = client.post("/gdpr/cookies/", data={"action": "accept_all", "csrf_token": "x"})
    assert response.status_code == 400
    assert "gdprkit_consent" not in _cookie_names(response)
    assert "This form has expired" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "granted", "kind"),
    [
        ({"action": "reject_all"}, {"necessary"}, "refused"),
        ({"action": "accept_all"}, {"necessary", "statistics"}, "given"),
        ({"action": "save", "category": "statistics"}, {"necessary", "statistics"}, "given"),
        ({"action": "save"}, {"necessary"}, "refused"),
    ],
)
def test_each_form_choice_sets_the_cookie_and_is_recorded(
    tmp_path: Path, form: dict[str, str], granted: set[str], kind: str
) -> None:
    app, gdpr = _app(tmp_path)
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    response = client.post(
        "/gdpr/cookies/",
        data={**form, "csrf_token": token, "next": "/basket?x=1"},
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/basket?x=1"
    cookie = client.get_cookie("gdprkit_consent")
    assert cookie is not None
    with app.app_context():
        choice = parse_cookie(cookie.value, keys=gdpr.keyring, now=T0, audience="localhost")
        assert {c.value for c in choice.granted} == granted
        # An anonymous visitor's choice is kept under the digest of the cookie it set.
        subject = "cookie:" + hashlib.sha256(cookie.value.encode()).hexdigest()[:32]
        events = gdpr.ledger.history(subject)
    assert [(e.event.purpose, e.event.kind.value) for e in events] == [("web_analytics", kind)]
    evidence = events[0].event.evidence
    assert evidence is not None
    assert evidence.collected_by == f"gdprkit.flask.cookie_banner.{form['action']}"
    assert evidence.ip == "203.0.113.0"
    with app.app_context():
        assert evidence.notice_sha256 == gdpr.state.banner.sha256
    html = client.get("/").get_data(as_text=True)
    assert 'value="accept_all"' not in html  # decided: no banner
    assert ('<script src="/s.js"' in html) is ("statistics" in granted)


def test_the_script_gets_json_with_consent_mode(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    response = client.post(
        "/gdpr/cookies/",
        data={"action": "accept_all", "csrf_token": token},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    assert response.json["consent_mode"]["analytics_storage"] == "granted"
    assert response.json["consent_mode"]["ad_storage"] == "denied"  # marketing is not offered
    assert response.json["recorded"] is True


def test_an_open_redirect_through_next_is_not_possible(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = client.post(
            "/gdpr/cookies/", data={"action": "reject_all", "csrf_token": token, "next": target}
        )
        assert response.headers["Location"] == "/"


def test_an_unknown_category_or_action_is_a_page_not_a_crash(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    token = _token(client.get("/").get_data(as_text=True))
    for form in ({"action": "save", "category": "marketing"}, {"action": "all"}, {}):
        response = client.post("/gdpr/cookies/", data={**form, "csrf_token": token})
        assert response.status_code == 422
        assert "We could not read your choice" in response.get_data(as_text=True)


def test_consent_refused_page_says_what_is_missing(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    with client.session_transaction() as session:
        session["user_id"] = "c-1"
    response = client.get("/offers")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "This page needs your consent" in html
    assert "Newsletter" in html or "newsletter" in html


# -- issue 19 #5: malformed consent cookies are "no choice yet" ---------------------------------


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.text(min_size=1, max_size=40), tag=st.text(max_size=40))
def test_any_cookie_value_is_no_choice_never_an_error(
    tmp_path: Path, payload: str, tag: str
) -> None:
    from gdprkit.consent.cookies import cookie_consent_or_none

    app, gdpr = _app(tmp_path)
    with app.app_context():
        ring = gdpr.keyring
    for value in (payload, f"gdc1.{ring.active_id}.{payload}.{tag}"):
        assert cookie_consent_or_none(value, keys=ring) is None


@pytest.mark.parametrize(
    "template", ["gdc1.{kid}.\xe9.AAAA", "gdc1.{kid}.AAAA.\xe9", "gdc1.{kid}.\u0101.x", "\u2603"]
)
def test_a_non_ascii_consent_cookie_shows_the_banner(tmp_path: Path, template: str) -> None:
    app, gdpr = _app(tmp_path)
    with app.app_context():
        value = template.format(kid=gdpr.keyring.active_id)
    client = app.test_client()
    client.set_cookie("gdprkit_consent", value)  # what a sibling subdomain can set
    response = client.get("/")
    assert response.status_code == 200
    assert 'value="accept_all"' in response.get_data(as_text=True)


# -- issue 19 #13: the rate limit counts an IPv6 /64 as one client -------------------------------


def test_rate_limit_counts_an_ipv6_slash_64_as_one_client(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, GDPRKIT_RATE_LIMIT=5)
    client = app.test_client()
    statuses = [
        client.post(
            "/gdpr/cookie-consent",
            json={"reject_all": True},
            environ_base={"REMOTE_ADDR": f"2001:db8:1:2:{i:x}::1"},
        ).status_code
        for i in range(1, 8)
    ]
    assert statuses == [200] * 5 + [429] * 2
    other = client.post(
        "/gdpr/cookie-consent",
        json={"reject_all": True},
        environ_base={"REMOTE_ADDR": "2001:db8:1:3::1"},
    )
    assert other.status_code == 200  # the next /64 is another customer


def test_rate_limit_prefix_is_configurable(tmp_path: Path) -> None:
    app, _ = _app(tmp_path, GDPRKIT_RATE_LIMIT=1, GDPRKIT_RATE_IPV6_PREFIX=128)
    client = app.test_client()
    for i in range(1, 4):
        response = client.post(
            "/gdpr/cookie-consent",
            json={"reject_all": True},
            environ_base={"REMOTE_ADDR": f"2001:db8::{i}"},
        )
        assert response.status_code == 200


# -- issue 19 #14: deeply nested JSON is 400 invalid_json ----------------------------------------


@pytest.mark.parametrize("depth", [100_000, 8 * 1024 - 2])
def test_deeply_nested_json_is_a_400(tmp_path: Path, depth: int) -> None:
    app, _ = _app(tmp_path)
    body = "[" * min(depth, 8 * 1024 - 2)
    response = app.test_client().post(
        "/gdpr/cookie-consent", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["error"] == "invalid_json"


# -- the privacy notice page -----------------------------------------------------------------


def test_privacy_page_is_layered_and_in_the_customers_language(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    client = app.test_client()
    short = client.get("/gdpr/privacy/", headers={"Accept-Language": "de-AT,de;q=0.9"})
    assert short.status_code == 200
    html = short.get_data(as_text=True)
    assert '<html lang="en">' in html  # no German catalog: English
    assert "/gdpr/privacy/?layer=full" in html
    full = client.get("/gdpr/privacy/?layer=full", headers={"Accept-Language": "sq-AL,sq"})
    text = full.get_data(as_text=True)
    assert '<html lang="sq">' in text
    assert len(text) > len(html)
    assert "&lt;" not in text.split("<article", 1)[1][:200]  # the fragment is not escaped twice


# -- the data-subject request form -----------------------------------------------------------


def _request_app(tmp_path: Path, **config: Any) -> tuple[flask.Flask, Any, list[Any], Any]:
    from _flask_support import Clock

    clock = Clock()
    app, gdpr, _ = make_app(
        tmp_path,
        clock,
        GDPRKIT_COOKIE_SECURE=False,
        GDPRKIT_TIMEZONE="Europe/Vienna",
        **config,
    )
    app.register_blueprint(create_blueprint(), url_prefix="/gdpr")
    seen: list[Any] = []

    @gdpr.request_handler
    def received(request: Any, *, email: str | None, message: str) -> None:
        seen.append(("received", request, email))

    @gdpr.verification_mailer
    def mail(email: str, link: str, request: Any) -> None:
        seen.append(("mail", email, link))

    @gdpr.request_verified_handler
    def verified(request: Any) -> None:
        seen.append(("verified", request))

    return app, gdpr, seen, clock


def _submit(client: Any, **form: str) -> Any:
    token = _token(client.get("/gdpr/requests/new").get_data(as_text=True))
    return client.post("/gdpr/requests/new", data={**form, "csrf_token": token})


def test_request_form_confirmed_once_through_the_link_with_its_deadline(tmp_path: Path) -> None:
    app, _, seen, clock = _request_app(tmp_path)
    client = app.test_client()
    form = client.get("/gdpr/requests/new").get_data(as_text=True)
    assert " checked" not in form  # no right preselected
    assert 'autocomplete="email"' in form
    response = _submit(client, right="access", email="ana@example.org", message="all of it")
    assert response.status_code == 202
    assert "Check your e-mail" in response.get_data(as_text=True)
    kind, request, email = seen[0]
    assert (kind, email, request.state.value) == (
        "received",
        "ana@example.org",
        "awaiting_identity",
    )
    assert seen[1][:2] == ("mail", "ana@example.org")
    link = seen[1][2].replace("http://localhost", "")
    clock.advance(hours=20)  # read next morning: the clock was paused for that day
    page = client.get(link)
    assert page.status_code == 200
    assert "Confirm my request" in page.get_data(as_text=True)
    assert [s[0] for s in seen] == ["received", "mail"]  # a GET (a mail scanner) changes nothing
    token = _token(page.get_data(as_text=True))
    confirmed = client.post(link, data={"csrf_token": token})
    html = confirmed.get_data(as_text=True)
    assert "your request is confirmed" in html
    verified = seen[2][1]
    assert verified.state.value == "open"
    # Received Mon 3 Mar 2025 10:00 Vienna, confirmed Tue 4 Mar: one month (Art. 12(3)) is
    # Thu 3 Apr, plus the one paused day (Art. 12(6)) is Fri 4 Apr 2025.
    assert verified.deadline().isoformat() == "2025-04-04"
    assert "Friday 4 April 2025" in html
    again = client.post(link, data={"csrf_token": token})
    assert "confirmed before" in again.get_data(as_text=True)
    assert len([s for s in seen if s[0] == "verified"]) == 1  # single use
    status = re.search(r'href="(/gdpr/requests/status/[^"]+)"', html)
    assert status is not None
    shown = client.get(status.group(1)).get_data(as_text=True)
    assert "Received: we are working on it" in shown
    assert "ana@example.org" not in shown


def test_a_confirmation_link_expires_and_cannot_be_forged(tmp_path: Path) -> None:
    app, _, seen, clock = _request_app(tmp_path)
    client = app.test_client()
    _submit(client, right="erasure", email="ana@example.org")
    link = seen[1][2].replace("http://localhost", "")
    prefix, _, token = link.rpartition("/")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"{prefix}/{forged}").status_code == 404
    status_as_verify = link.replace("/confirm/", "/status/")  # a verify token is no status token
    assert client.get(status_as_verify).status_code == 404
    clock.advance(hours=24)
    assert client.get(link).status_code == 404


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"right": "access", "email": "not-an-address"}, "e-mail address"),
        ({"right": "access", "email": "ana@example.org\nBcc: x@y.example"}, "e-mail address"),
        ({"right": "everything", "email": "ana@example.org"}, "Choose what you would like"),
        ({"email": "ana@example.org", "right": "access", "message": "x" * 2001}, "under 2000"),
    ],
)
def test_request_form_errors_are_words_on_the_form(
    tmp_path: Path, form: dict[str, str], field: str
) -> None:
    app, _, seen, _ = _request_app(tmp_path)
    response = _submit(app.test_client(), **form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert field in html
    assert 'role="alert"' in html
    assert seen == []


def test_request_form_without_a_mailer_is_not_taken(tmp_path: Path) -> None:
    app, gdpr, _, _ = _request_app(tmp_path)
    gdpr.mailer_callback = None
    response = _submit(app.test_client(), right="access", email="ana@example.org")
    assert response.status_code == 503


def test_an_app_template_overrides_the_shared_one(tmp_path: Path) -> None:
    app, _ = _app(tmp_path)
    folder = tmp_path / "templates" / "gdprkit"
    folder.mkdir(parents=True)
    (folder / "preferences.html").write_text("<p>our own settings page</p>", encoding="utf-8")
    app.template_folder = str(tmp_path / "templates")
    assert app.test_client().get("/gdpr/cookies/").get_data(as_text=True) == (
        "<p>our own settings page</p>"
    )


def test_with_flask_wtf_its_csrf_token_protects_the_banner(tmp_path: Path) -> None:
    flask_wtf = pytest.importorskip("flask_wtf.csrf")
    app, _ = _app(tmp_path)
    flask_wtf.CSRFProtect(app)
    client = app.test_client()
    html = client.get("/").get_data(as_text=True)
    token = _token(html)
    with client.session_transaction() as session:
        assert "_gdprkit_csrf" not in session  # Flask-WTF's token, not gdprkit's own
    refused = client.post("/gdpr/cookies/", data={"action": "accept_all", "csrf_token": "x"})
    assert refused.status_code == 400
    assert "gdprkit_consent" not in _cookie_names(refused)
    accepted = client.post("/gdpr/cookies/", data={"action": "accept_all", "csrf_token": token})
    assert accepted.status_code == 303
    assert "gdprkit_consent" in _cookie_names(accepted)


def test_the_banner_form_signs_the_cookie_for_this_site_only(tmp_path: Path) -> None:
    # Issue 19 item 8: two shops sharing a key ring; the form's cookie is for its own host.
    app, gdpr = _app(tmp_path)
    client = app.test_client()
    token = _token(client.get("/", base_url="http://a.example").get_data(as_text=True))
    response = client.post(
        "/gdpr/cookies/",
        data={"action": "accept_all", "csrf_token": token},
        base_url="http://a.example",
    )
    assert response.status_code == 303
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    with app.app_context():
        assert parse_cookie(value, keys=gdpr.keyring, now=T0, audience="a.example")
        with pytest.raises(ValueError, match="signature does not match"):
            parse_cookie(value, keys=gdpr.keyring, now=T0, audience="b.example")
    for host, decided in [("a.example", True), ("b.example", False)]:
        other = app.test_client()
        other.set_cookie("gdprkit_consent", value, domain=host)
        page = other.get("/", base_url=f"http://{host}").get_data(as_text=True)
        # The banner is shown exactly when the visitor has not decided on this site.
        assert ('value="accept_all"' in page) is not decided
