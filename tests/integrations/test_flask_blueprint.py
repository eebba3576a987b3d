"""The JSON blueprint: cookie-banner choices, data-subject requests, validation, rate limit."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the flask integration's tests
import pytest
from _flask_support import KEYS, T0, Clock, make_app
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent import parse_cookie
from gdprkit.integrations._ratelimit import RateLimiter
from gdprkit.integrations.flask import (
    MAX_BODY_BYTES,
    REQUESTABLE_RIGHTS,
    GdprKit,
    create_blueprint,
)
from gdprkit.law import Right
from gdprkit.requests import SubjectRequest

NOTICE = "We use statistics cookies to count visits."
SECRET = "jane.private@example.org"


def _app(
    tmp_path: Path, clock: Clock | None = None, **config: Any
) -> tuple[flask.Flask, GdprKit, Clock]:
    config.setdefault("GDPRKIT_STORE_URL", "memory://")
    app, gdpr, clock = make_app(tmp_path, clock, **config)
    app.register_blueprint(create_blueprint(), url_prefix="/gdpr")

    @app.post("/login/<user>")
    def login(user: str) -> str:
        flask.session["user_id"] = user
        return "ok"

    return app, gdpr, clock


# -- cookie choices -----------------------------------------------------------------------------


def test_choice_round_trip_sets_a_signed_cookie(tmp_path: Path) -> None:
    app, _, _ = _app(tmp_path)
    client = app.test_client()
    assert client.get("/gdpr/cookie-consent").json["decided"] is False
    response = client.post("/gdpr/cookie-consent", json={"granted": ["statistics"]})
    assert response.status_code == 200
    assert response.json["granted"] == ["necessary", "statistics"]
    assert response.json["recorded"] is False
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "Secure" in header
    assert "SameSite=Lax" in header
    cookie = client.get_cookie("gdprkit_consent")
    assert cookie is not None
    parsed = parse_cookie(cookie.value, keys=KEYS, now=T0, audience="localhost")
    assert parsed.allows("statistics")
    assert not parsed.allows("marketing")
    assert parsed.decided_at == T0
    # 6 months (CNIL, FACTS.md §8d): the cookie expires when the choice lapses.
    assert cookie.expires is not None
    assert cookie.expires.date() == dt.date(2025, 9, 3)
    again = client.get("/gdpr/cookie-consent").json
    assert again["decided"] is True
    assert again["granted"] == ["necessary", "statistics"]


@pytest.mark.parametrize(
    ("body", "granted"),
    [
        ({"accept_all": True}, ["marketing", "necessary", "preferences", "statistics"]),
        ({"reject_all": True}, ["necessary"]),
        ({"granted": []}, ["necessary"]),
    ],
)
def test_accept_and_reject_all(tmp_path: Path, body: dict[str, Any], granted: list[str]) -> None:
    app, _, _ = _app(tmp_path)
    client = app.test_client()
    assert client.post("/gdpr/cookie-consent", json=body).json["granted"] == granted
    assert client.get("/gdpr/cookie-consent").json["granted"] == granted


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"data": "granted=statistics"}, 415, "unsupported_media_type"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "invalid_json"),
        ({"json": ["statistics"]}, 400, "invalid_json"),
        ({"json": {"granted": ["statistics"], SECRET: 1}}, 422, "unknown_field"),
        ({"json": {}}, 422, "invalid_choice"),
        ({"json": {"accept_all": True, "reject_all": True}}, 422, "invalid_choice"),
        ({"json": {"accept_all": "yes"}}, 422, "invalid_choice"),
        ({"json": {"granted": "statistics"}}, 422, "invalid_choice"),
        ({"json": {"granted": [SECRET]}}, 422, "invalid_choice"),
        ({"json": {"granted": ["x" * (MAX_BODY_BYTES + 1)]}}, 413, "too_large"),
    ],
)
def test_bad_choices_get_clear_json_errors_without_echo(
    tmp_path: Path, kwargs: dict[str, Any], status: int, error: str
) -> None:
    app, _, _ = _app(tmp_path)
    client = app.test_client()
    response = client.post("/gdpr/cookie-consent", **kwargs)
    assert response.status_code == status
    assert response.json is not None
    assert response.json["error"] == error
    assert response.json["message"]
    assert SECRET not in response.text
    assert client.get_cookie("gdprkit_consent") is None


def test_logged_in_choice_is_recorded_in_the_ledger_with_masked_evidence(tmp_path: Path) -> None:
    app, gdpr, _ = _app(
        tmp_path,
        GDPRKIT_COOKIE_PURPOSES={"statistics": "web_analytics"},
        GDPRKIT_COOKIE_NOTICE=NOTICE,
        GDPRKIT_LOCALE="de-AT",
    )
    client = app.test_client()
    client.post("/login/c-5")
    response = client.post(
        "/gdpr/cookie-consent",
        json={"granted": ["statistics"]},
        environ_base={"REMOTE_ADDR": "198.51.100.77"},
        headers={"User-Agent": "test-browser/1"},
    )
    assert response.json["recorded"] is True
    with app.app_context():
        assert gdpr.ledger.allows("c-5", "web_analytics", now=T0)
        [entry] = gdpr.ledger.history("c-5")
    evidence = entry.event.evidence
    assert evidence is not None
    assert evidence.method.value == "cookie_banner"
    assert evidence.ip == "198.51.100.0"
    assert evidence.locale == "de-AT"
    assert evidence.user_agent == "test-browser/1"
    assert evidence.notice_sha256 != "0" * 64
    client.post("/gdpr/cookie-consent", json={"reject_all": True})
    with app.app_context():
        assert not gdpr.ledger.allows("c-5", "web_analytics", now=T0)


def test_anonymous_choice_stays_in_the_cookie(tmp_path: Path) -> None:
    app, gdpr, _ = _app(
        tmp_path,
        GDPRKIT_COOKIE_PURPOSES={"statistics": "web_analytics"},
        GDPRKIT_COOKIE_NOTICE=NOTICE,
    )
    response = app.test_client().post("/gdpr/cookie-consent", json={"accept_all": True})
    assert response.json["recorded"] is False
    with app.app_context():
        assert gdpr.ledger.verify().events == 0


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_recorded_choices_on_real_databases(tmp_path: Path, kind: str, request: Any) -> None:
    # sqlite: the default store, a SQLite file in the instance folder.
    url = None if kind == "sqlite" else request.getfixturevalue("pg_dsn")
    prefix = f"bp_{abs(hash(str(tmp_path))) % 10**6}"
    app, gdpr, _ = _app(
        tmp_path,
        GDPRKIT_STORE_URL=url,
        GDPRKIT_STORE_PREFIX=prefix,
        GDPRKIT_COOKIE_PURPOSES={"statistics": "web_analytics", "marketing": "direct_marketing"},
        GDPRKIT_COOKIE_NOTICE=NOTICE,
    )
    client = app.test_client()
    for user in ("a", "b", "c"):
        client.post(f"/login/{user}")
        client.post("/gdpr/cookie-consent", json={"granted": ["marketing"]})
    with app.app_context():
        try:
            assert gdpr.ledger.verify().events == 6
            assert gdpr.ledger.allows("b", "direct_marketing", now=T0)
            assert not gdpr.ledger.allows("b", "web_analytics", now=T0)
        finally:
            drop = getattr(gdpr.ledger.store, "drop", None)
            if kind == "postgresql" and drop is not None:
                drop()
            gdpr.state.close()


# -- rate limit ---------------------------------------------------------------------------------


def test_rate_limit_per_client_with_retry_after(tmp_path: Path) -> None:
    app, _, clock = _app(tmp_path, GDPRKIT_RATE_LIMIT=3, GDPRKIT_RATE_WINDOW=60)
    client = app.test_client()
    here = {"REMOTE_ADDR": "203.0.113.5"}
    there = {"REMOTE_ADDR": "203.0.113.6"}
    for _ in range(3):
        ok = client.post("/gdpr/cookie-consent", json={"reject_all": True}, environ_base=here)
        assert ok.status_code == 200
    clock.advance(seconds=20)
    refused = client.post("/gdpr/cookie-consent", json={"reject_all": True}, environ_base=here)
    assert refused.status_code == 429
    assert refused.json["error"] == "rate_limited"
    assert refused.headers["Retry-After"] == "40"
    other = client.post("/gdpr/cookie-consent", json={"reject_all": True}, environ_base=there)
    assert other.status_code == 200
    assert client.get("/gdpr/cookie-consent", environ_base=here).status_code == 200  # GETs free
    clock.advance(seconds=40)
    again = client.post("/gdpr/cookie-consent", json={"reject_all": True}, environ_base=here)
    assert again.status_code == 200


def test_rate_limit_memory_is_bounded(tmp_path: Path) -> None:
    app, gdpr, _ = _app(tmp_path, GDPRKIT_RATE_CLIENTS=5)
    client = app.test_client()
    for n in range(40):
        client.post(
            "/gdpr/cookie-consent",
            json={"reject_all": True},
            environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
        )
    with app.app_context():
        assert len(gdpr.state.rate_limiter) == 5


@given(
    hits=st.lists(
        st.tuples(st.sampled_from("abcdef"), st.floats(min_value=0, max_value=30)), max_size=200
    ),
    limit=st.integers(1, 5),
    capacity=st.integers(1, 6),
)
def test_rate_limiter_never_allows_more_than_limit_per_window(
    hits: list[tuple[str, float]], limit: int, capacity: int
) -> None:
    clock = [0.0]
    limiter = RateLimiter(limit=limit, window=10.0, capacity=capacity, clock=lambda: clock[0])
    allowed: dict[str, list[float]] = {}
    for client, step in hits:
        clock[0] += step
        if limiter.hit(client) is None:
            allowed.setdefault(client, []).append(clock[0])
        assert len(limiter) <= capacity
    if capacity >= 6:  # nobody is forgotten: the fixed window holds for every client
        for times in allowed.values():
            for i, start in enumerate(times):
                within = [t for t in times[i:] if t - start < 10.0]
                # A fixed window lets at most 2 * limit through in any 10 s span, and at most
                # `limit` in the window that starts at a client's first allowed hit.
                assert len(within) <= 2 * limit
            assert len([t for t in times if t - times[0] < 10.0]) <= limit


# -- subject requests ---------------------------------------------------------------------------


def _requests_app(tmp_path: Path, **config: Any) -> tuple[flask.Flask, list[Any], Clock]:
    app, gdpr, clock = _app(tmp_path, **config)
    received: list[Any] = []

    @gdpr.request_handler
    def keep(request: SubjectRequest, *, email: str | None, message: str) -> None:
        received.append((request, email, message))

    return app, received, clock


def test_subject_request_is_created_and_handed_over(tmp_path: Path) -> None:
    app, received, _ = _requests_app(tmp_path)
    response = app.test_client().post(
        "/gdpr/requests", json={"right": "access", "email": SECRET, "message": "all my data"}
    )
    assert response.status_code == 202
    [(request, email, message)] = received
    assert isinstance(request, SubjectRequest)
    assert request.right is Right.ACCESS
    assert request.channel == "web_form"
    assert request.received == T0
    assert request.subject_id is None
    assert (email, message) == (SECRET, "all my data")
    assert response.json == {
        "id": request.id,
        "right": "access",
        "state": "open",
        "received": T0.isoformat(),
        # One month from Mon 3 Mar 2025 (Art. 12(3); Reg. 1182/71 Art. 3(2)(c)): Thu 3 Apr.
        "deadline": "2025-04-03",
    }
    assert SECRET not in response.text


def test_request_ids_are_unique(tmp_path: Path) -> None:
    app, received, _ = _requests_app(tmp_path, GDPRKIT_RATE_LIMIT=100)
    client = app.test_client()
    for _ in range(20):
        client.post("/gdpr/requests", json={"right": "erasure", "email": SECRET})
    assert len({r.id for r, _, _ in received}) == 20


def test_day_of_receipt_is_counted_in_the_shop_time_zone(tmp_path: Path) -> None:
    # 23:30 UTC on Fri 31 Jan 2025 is already Sat 1 Feb in Vienna: one month later is Sat 1 Mar,
    # which rolls to Mon 3 Mar (Reg. 1182/71 Art. 3(4), FACTS.md §3d); in UTC it is Fri 28 Feb.
    late = dt.datetime(2025, 1, 31, 23, 30, tzinfo=dt.timezone.utc)
    for zone, deadline in (("Europe/Vienna", "2025-03-03"), ("UTC", "2025-02-28")):
        app, received, _ = _requests_app(
            tmp_path, clock=Clock(late), GDPRKIT_TIMEZONE=zone, GDPRKIT_RATE_LIMIT=100
        )
        response = app.test_client().post(
            "/gdpr/requests", json={"right": "access", "email": SECRET}
        )
        assert response.json["deadline"] == deadline
        assert received[0][0].received == late


def test_logged_in_subject_needs_no_email(tmp_path: Path) -> None:
    app, received, _ = _requests_app(tmp_path)
    client = app.test_client()
    client.post("/login/c-77")
    assert client.post("/gdpr/requests", json={"right": "portability"}).status_code == 202
    [(request, email, message)] = received
    assert request.subject_id == "c-77"
    assert email is None
    assert message == ""


@pytest.mark.parametrize(
    ("body", "error", "field"),
    [
        ({"right": "complain", "email": SECRET}, "invalid_right", "right"),
        ({"right": "notification", "email": SECRET}, "invalid_right", "right"),
        ({"right": SECRET, "email": SECRET}, "invalid_right", "right"),
        ({"email": SECRET}, "invalid_right", "right"),
        ({"right": "access"}, "missing_email", "email"),
        ({"right": "access", "email": "jane.private at example.org"}, "invalid_email", "email"),
        ({"right": "access", "email": ["a@b.example"]}, "invalid_email", "email"),
        ({"right": "access", "email": "a" * 250 + "@b.example"}, "invalid_email", "email"),
        ({"right": "access", "email": SECRET, "message": 5}, "invalid_message", "message"),
        ({"right": "access", "email": SECRET, "message": "x" * 2001}, "invalid_message", "message"),
    ],
)
def test_bad_requests_are_422_naming_the_field_not_the_value(
    tmp_path: Path, body: dict[str, Any], error: str, field: str
) -> None:
    app, received, _ = _requests_app(tmp_path)
    response = app.test_client().post("/gdpr/requests", json=body)
    assert response.status_code == 422
    assert response.json == {"error": error, "field": field, "message": response.json["message"]}
    assert "jane.private" not in response.text
    assert received == []


def test_every_requestable_right_is_accepted(tmp_path: Path) -> None:
    app, received, _ = _requests_app(tmp_path, GDPRKIT_RATE_LIMIT=100)
    client = app.test_client()
    for right in REQUESTABLE_RIGHTS:
        assert (
            client.post("/gdpr/requests", json={"right": right, "email": SECRET}).status_code == 202
        )
    assert [r.right.value for r, _, _ in received] == list(REQUESTABLE_RIGHTS)


def test_without_a_handler_requests_are_refused_not_lost(tmp_path: Path) -> None:
    app, _, _ = _app(tmp_path)
    response = app.test_client().post("/gdpr/requests", json={"right": "access", "email": SECRET})
    assert response.status_code == 503
    assert response.json["error"] == "not_configured"


def test_chunked_body_without_length_is_refused(tmp_path: Path) -> None:
    app, _, _ = _requests_app(tmp_path)
    body = json.dumps({"right": "access", "email": SECRET}).encode()

    response = app.test_client().post(
        "/gdpr/requests",
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
    )
    assert response.status_code == 411


@pytest.mark.parametrize(
    ("preset", "address", "kept"),
    [
        ("matomo1", "2001:db8:1:2::99", "2001:db8:1::"),  # /64 for logs, but evidence keeps /48
        ("matomo3", "198.51.100.77", "198.0.0.0"),  # a stronger preset stays stronger
    ],
)
def test_evidence_address_is_never_less_masked_than_a_48_or_24(
    tmp_path: Path, preset: str, address: str, kept: str
) -> None:
    app, gdpr, _ = _app(
        tmp_path,
        GDPRKIT_MASK_PRESET=preset,
        GDPRKIT_COOKIE_PURPOSES={"statistics": "web_analytics"},
        GDPRKIT_COOKIE_NOTICE=NOTICE,
    )
    client = app.test_client()
    client.post("/login/c-6")
    response = client.post(
        "/gdpr/cookie-consent", json={"accept_all": True}, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code == 200
    with app.app_context():
        [entry] = gdpr.ledger.history("c-6")
    assert entry.event.evidence is not None
    assert entry.event.evidence.ip == kept


# -- the consent cookie's audience (issue 19 item 8, in the framework) ----------------------------


def _decided(app: flask.Flask, value: str, host: str) -> bool:
    client = app.test_client()
    client.set_cookie("gdprkit_consent", value, domain=host)
    response = client.get("/gdpr/cookie-consent", base_url=f"http://{host}")
    assert response.status_code == 200
    return bool(response.json["decided"])


@pytest.mark.parametrize("configured", [True, False])
def test_a_cookie_for_site_a_is_no_choice_on_site_b_with_the_same_key_ring(
    tmp_path: Path, configured: bool
) -> None:
    # Same KEYS in both apps: only the audience tells the sites apart.
    def site(name: str) -> flask.Flask:
        extra = {"GDPRKIT_COOKIE_AUDIENCE": name} if configured else {}
        app, _, _ = _app(tmp_path / name, **extra)
        return app

    shop_a, shop_b = site("a.example"), site("b.example")
    response = shop_a.test_client().post(
        "/gdpr/cookie-consent", json={"granted": ["statistics"]}, base_url="http://a.example"
    )
    assert response.status_code == 200
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert parse_cookie(value, keys=KEYS, now=T0, audience="a.example").allows("statistics")
    assert _decided(shop_a, value, "a.example")
    assert not _decided(shop_b, value, "b.example")


def test_by_default_the_audience_is_the_request_host(tmp_path: Path) -> None:
    app, _, _ = _app(tmp_path)
    response = app.test_client().post(
        "/gdpr/cookie-consent", json={"granted": []}, base_url="http://Shop.Example:8080"
    )
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    # Host names compare case-insensitively; the port is part of the site.
    assert _decided(app, value, "shop.example:8080")
    assert not _decided(app, value, "shop.example")
    assert not _decided(app, value, "other.example:8080")


def test_a_configured_audience_overrides_the_host(tmp_path: Path) -> None:
    app, _, _ = _app(tmp_path, GDPRKIT_COOKIE_AUDIENCE="Shop.Example")
    response = app.test_client().post(
        "/gdpr/cookie-consent", json={"granted": []}, base_url="http://www.shop.example"
    )
    value = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    parse_cookie(value, keys=KEYS, now=T0, audience="shop.example")
    assert _decided(app, value, "shop.example")  # any host of this app: one audience
    assert _decided(app, value, "www.shop.example")


def test_trusted_hosts_guard_the_default_audience(tmp_path: Path) -> None:
    app, _, _ = _app(tmp_path, TRUSTED_HOSTS=["shop.example"])
    client = app.test_client()
    ok = client.post("/gdpr/cookie-consent", json={"granted": []}, base_url="http://shop.example")
    assert ok.status_code == 200
    spoofed = client.post(
        "/gdpr/cookie-consent", json={"granted": []}, base_url="http://evil.example"
    )
    assert spoofed.status_code == 400
    assert "Set-Cookie" not in spoofed.headers


@pytest.mark.parametrize("bad", ["shop example", "", 42, "ü.example"])
def test_a_bad_audience_setting_fails_at_start_up(tmp_path: Path, bad: object) -> None:
    from gdprkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="GDPRKIT_COOKIE_AUDIENCE"):
        _app(tmp_path, GDPRKIT_COOKIE_AUDIENCE=bad)


# -- the controller's time zone (issue 15, in the framework) -----------------------------------

# 00:30 UTC on Sat 1 Mar 2025 is 23:30 on Fri 28 Feb in the Azores (UTC-1 until 30 Mar): day 0
# is 28 Feb, one month later is Fri 28 Mar (Art. 12(3) GDPR, Reg. 1182/71 Art. 3(2)(c)); counted
# in UTC it would be Tue 1 Apr.
AZORES_MIDNIGHT = dt.datetime(2025, 3, 1, 0, 30, tzinfo=dt.timezone.utc)


def _azores_register(tmp_path: Path) -> Path:
    from _flask_support import REGISTER

    text = REGISTER.read_text(encoding="utf-8")
    path = tmp_path / "register-azores.toml"
    path.write_text(
        text.replace("[controller]\n", '[controller]\ntime_zone = "Atlantic/Azores"\n', 1),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("config", "deadline"),
    [
        ({}, "2025-03-28"),  # the register's controller.time_zone
        ({"GDPRKIT_TIME_ZONE": "Atlantic/Azores"}, "2025-03-28"),
        ({"GDPRKIT_TIME_ZONE": "UTC"}, "2025-04-01"),  # the setting overrides the register
    ],
)
def test_a_request_at_00_30_utc_on_1_march_is_due_28_march_in_the_azores(
    tmp_path: Path, config: dict[str, str], deadline: str
) -> None:
    app, received, _ = _requests_app(
        tmp_path,
        clock=Clock(AZORES_MIDNIGHT),
        GDPRKIT_REGISTER=str(_azores_register(tmp_path)),
        **config,
    )
    response = app.test_client().post("/gdpr/requests", json={"right": "access", "email": SECRET})
    assert response.status_code == 202
    assert response.json["deadline"] == deadline
    [(request, _, _)] = received
    assert request.received == AZORES_MIDNIGHT
    assert str(request.deadline()) == deadline


def test_the_retention_schedule_counts_in_the_controller_zone(tmp_path: Path) -> None:
    app, gdpr, _ = _app(tmp_path, GDPRKIT_REGISTER=str(_azores_register(tmp_path)))
    with app.app_context():
        assert str(gdpr.schedule.zone) == "Atlantic/Azores"
        assert str(gdpr.state.timezone) == "Atlantic/Azores"
        assert str(gdpr.ledger.zone) == "Atlantic/Azores"  # consent max ages count there too
    plain, gdpr_utc, _ = _app(tmp_path / "utc")
    with plain.app_context():
        assert gdpr_utc.state.timezone == dt.timezone.utc  # no zone anywhere: UTC


def test_two_spellings_of_the_zone_setting_must_agree(tmp_path: Path) -> None:
    from gdprkit.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="different zones"):
        _app(tmp_path, GDPRKIT_TIME_ZONE="Atlantic/Azores", GDPRKIT_TIMEZONE="UTC")
    with pytest.raises(ConfigurationError, match="GDPRKIT_TIME_ZONE must be an IANA"):
        _app(tmp_path, GDPRKIT_TIME_ZONE="Mars/Olympus")
