"""The Flask extension: configuration, per-app state, stores, consent_required, cookie consent
on ``g`` and log masking, through Flask's test client."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import flask  # noqa: TID251 - the flask integration's tests
import pytest
from _flask_support import KEYS, REGISTER, T0, Clock, grant, make_app

from gdprkit.consent import CookieConsent, MemoryStore, SQLiteStore, encode_cookie
from gdprkit.errors import ConfigurationError, KeyMaterialError, NotFound
from gdprkit.integrations.flask import (
    GdprKit,
    GdprKitState,
    consent_required,
    cookie_allowed,
    cookie_consent,
    current_subject,
    gdprkit_state,
)
from gdprkit.integrations.logging import IPMaskingFilter
from gdprkit.pseudonymise import KeyRing

# -- configuration and per-app state ---------------------------------------------------------


def test_state_lives_in_app_extensions_never_on_the_extension(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path)
    assert isinstance(app.extensions["gdprkit"], GdprKitState)
    assert not hasattr(gdpr, "app")
    with app.app_context():
        assert gdpr.state is gdprkit_state() is app.extensions["gdprkit"]
        assert gdpr.ledger is flask.current_app.extensions["gdprkit"].ledger
        assert "direct_marketing" in gdpr.register
        assert "cctv" in gdpr.schedule.rules


def test_one_extension_serves_two_apps_with_separate_stores(tmp_path: Path) -> None:
    gdpr = GdprKit()
    apps = []
    for name in ("a", "b"):
        app = flask.Flask(name, instance_path=str(tmp_path / name))
        app.config.update(GDPRKIT_REGISTER=str(REGISTER), GDPRKIT_KEYRING=KEYS)
        gdpr.init_app(app)
        apps.append(app)
    with apps[0].app_context():
        gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
        assert gdpr.ledger.allows("c-1", "direct_marketing", now=T0)
    with apps[1].app_context():
        assert not gdpr.ledger.allows("c-1", "direct_marketing", now=T0)
    assert (tmp_path / "a" / "gdprkit-consent.sqlite3").is_file()
    assert (tmp_path / "b" / "gdprkit-consent.sqlite3").is_file()


def test_default_sqlite_store_persists_across_app_instances(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path)
    with app.app_context():
        assert isinstance(gdpr.ledger.store, SQLiteStore)
        gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
        gdpr.state.close()
    app2, gdpr2, _ = make_app(tmp_path)
    with app2.app_context():
        assert gdpr2.ledger.allows("c-1", "direct_marketing", now=T0)
        assert gdpr2.ledger.verify().events == 1
        gdpr2.state.close()


def test_store_urls(tmp_path: Path) -> None:
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    cases = {
        "memory://": MemoryStore,
        f"sqlite:///{tmp_path / 'file.sqlite3'}": SQLiteStore,
        f"sqlite+pysqlite:///{tmp_path / 'sa.sqlite3'}": SQLAlchemyStore,
    }
    for url, kind in cases.items():
        app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL=url)
        with app.app_context():
            assert isinstance(gdpr.ledger.store, kind)
            gdpr.state.close()


def test_postgresql_store_from_a_plain_postgresql_url(tmp_path: Path, pg_dsn: str) -> None:
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore

    prefix = f"flask_{abs(hash(str(tmp_path))) % 10**6}"
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL=pg_dsn, GDPRKIT_STORE_PREFIX=prefix)
    with app.app_context():
        store = gdpr.ledger.store
        assert isinstance(store, SQLAlchemyStore)
        try:
            gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
            assert gdpr.ledger.allows("c-1", "direct_marketing", now=T0)
            assert gdpr.ledger.verify().events == 1
        finally:
            store.drop()
            gdpr.state.close()


def test_missing_register_is_a_configuration_error(tmp_path: Path) -> None:
    app = flask.Flask("x", instance_path=str(tmp_path))
    with pytest.raises(ConfigurationError, match="GDPRKIT_REGISTER"):
        GdprKit(app)


@pytest.mark.parametrize(
    ("setting", "value", "match"),
    [
        ("GDPRKIT_RATE_LIMIT", 0, "GDPRKIT_RATE_LIMIT"),
        ("GDPRKIT_RATE_WINDOW", "soon", "GDPRKIT_RATE_WINDOW"),
        ("GDPRKIT_RATE_CLIENTS", True, "GDPRKIT_RATE_CLIENTS"),
        ("GDPRKIT_RATE_LIMIT", 0.5, "GDPRKIT_RATE_LIMIT"),
        ("GDPRKIT_COOKIE_MAX_AGE", "half a year", "GDPRKIT_COOKIE_MAX_AGE"),
        ("GDPRKIT_MASK_PRESET", "nope", "GDPRKIT_MASK_PRESET"),
        ("GDPRKIT_TIMEZONE", "Mars/Olympus", "GDPRKIT_TIMEZONE"),
        ("GDPRKIT_STORE_URL", 42, "GDPRKIT_STORE_URL"),
        ("GDPRKIT_COOKIE_PURPOSES", {"tasty": "web_analytics"}, "cookie categories"),
        ("GDPRKIT_COOKIE_PURPOSES", {"necessary": "account"}, "strictly necessary"),
        ("GDPRKIT_COOKIE_PURPOSES", {"statistics": "web_analytics"}, "GDPRKIT_COOKIE_NOTICE"),
    ],
)
def test_bad_settings_fail_at_init_app(
    tmp_path: Path, setting: str, value: object, match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        make_app(tmp_path, **{setting: value})


def test_key_ring_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ring = KeyRing.generate()
    monkeypatch.setenv("SHOP_KEYS", ring.to_secret_json())
    ring.write_file(tmp_path / "keys.json")
    for source in ("env:SHOP_KEYS", f"file:{tmp_path / 'keys.json'}"):
        app, gdpr, _ = make_app(tmp_path, GDPRKIT_KEYRING=source, GDPRKIT_STORE_URL="memory://")
        with app.app_context():
            assert gdpr.keyring.derive("x") == ring.derive("x")
    # A misspelt source fails at start-up, with the error Django gives for the same value.
    with pytest.raises(KeyMaterialError, match="GDPRKIT_KEYRING must be 'env:"):
        make_app(tmp_path, GDPRKIT_KEYRING="vault:shop", GDPRKIT_STORE_URL="memory://")
    monkeypatch.delenv("GDPRKIT_KEYRING", raising=False)
    app2 = flask.Flask("k", instance_path=str(tmp_path))
    app2.config.update(GDPRKIT_REGISTER=str(REGISTER), GDPRKIT_STORE_URL="memory://")
    GdprKit(app2)
    with app2.app_context(), pytest.raises(KeyMaterialError, match="GDPRKIT_KEYRING"):
        _ = gdprkit_state().keyring


def test_state_outside_an_initialised_app(tmp_path: Path) -> None:
    with flask.Flask("bare").app_context(), pytest.raises(ConfigurationError):
        gdprkit_state()


# -- consent_required -------------------------------------------------------------------------


def _shop(tmp_path: Path, **config: object) -> tuple[flask.Flask, GdprKit, Clock]:
    app, gdpr, clock = make_app(tmp_path, GDPRKIT_STORE_URL="memory://", **config)

    @app.post("/login/<user>")
    def login(user: str) -> str:
        flask.session["user_id"] = user
        return "ok"

    @app.get("/offers")
    @consent_required("direct_marketing")
    def offers() -> str:
        return f"offers for {current_subject()}"

    @app.get("/competition")
    @consent_required("competitions", on_refused=lambda: flask.redirect("/consent"))
    def competition() -> str:
        return "enter"

    @app.get("/unknown")
    @consent_required("no_such_purpose")
    def unknown() -> str:
        return "never"

    @app.get("/cookies")
    def cookies() -> dict[str, object]:
        choice = cookie_consent()
        return {
            "decided": choice is not None,
            "statistics": cookie_allowed("statistics"),
            "necessary": cookie_allowed("necessary"),
        }

    return app, gdpr, clock


def test_consent_required_follows_the_ledger(tmp_path: Path) -> None:
    app, gdpr, clock = _shop(tmp_path)
    client = app.test_client()
    assert client.get("/offers").status_code == 401
    client.post("/login/c-7")
    assert client.get("/offers").status_code == 403
    with app.app_context():
        gdpr.ledger.record("c-7", grant("direct_marketing"), now=T0)
    response = client.get("/offers")
    assert response.status_code == 200
    assert response.text == "offers for c-7"
    clock.advance(days=1)
    with app.app_context():
        gdpr.ledger.withdraw("c-7", at=clock.now(), now=clock.now())
    assert client.get("/offers").status_code == 403


def test_consent_required_respects_expiry_on_the_extension_clock(tmp_path: Path) -> None:
    app, gdpr, clock = _shop(tmp_path)
    client = app.test_client()
    client.post("/login/c-8")
    with app.app_context():
        gdpr.ledger.record("c-8", grant("direct_marketing"), now=T0)
    assert client.get("/offers").status_code == 200
    clock.advance(days=800)  # the register's consent_max_age for direct_marketing: 24 months
    assert client.get("/offers").status_code == 403


def test_consent_required_on_refused_and_custom_subject_loader(tmp_path: Path) -> None:
    app, gdpr, _ = _shop(tmp_path)

    @gdpr.subject_loader
    def from_header() -> str | None:
        return flask.request.headers.get("X-Customer")

    client = app.test_client()
    response = client.get("/competition", headers={"X-Customer": "c-9"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/consent"
    with app.app_context():
        gdpr.ledger.record("c-9", grant("competitions"), now=T0)
    assert client.get("/competition", headers={"X-Customer": "c-9"}).text == "enter"
    assert client.get("/competition", headers={"X-Customer": "c-10"}).status_code == 302


def test_consent_required_on_an_unknown_purpose_raises(tmp_path: Path) -> None:
    app, _, _ = _shop(tmp_path)
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = True
    client = app.test_client()
    client.post("/login/c-1")
    with pytest.raises(NotFound):
        client.get("/unknown")


# -- cookie consent on g ----------------------------------------------------------------------


def _cookie(choice: CookieConsent, key_id: str | None = None) -> str:
    # The test client's host: the default audience (GDPRKIT_COOKIE_AUDIENCE unset).
    return encode_cookie(choice, key=KEYS, key_id=key_id or KEYS.active_id, audience="localhost")


def test_valid_cookie_is_on_g(tmp_path: Path) -> None:
    app, _, _ = _shop(tmp_path)
    client = app.test_client()
    assert client.get("/cookies").json == {
        "decided": False,
        "statistics": False,
        "necessary": True,
    }
    choice = CookieConsent({"statistics"}, "1", T0)
    client.set_cookie("gdprkit_consent", _cookie(choice))
    assert client.get("/cookies").json == {"decided": True, "statistics": True, "necessary": True}


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "gdc1.k1.AAAA.BBBB",
        "gdc9.k1.AAAA.BBBB",
        "gdc1.nokey.AAAA.BBBB",
        "gdc1..." + "x" * 3000,
    ],
)
def test_malformed_cookie_means_no_consent_never_an_error(tmp_path: Path, value: str) -> None:
    app, _, _ = _shop(tmp_path)
    client = app.test_client()
    client.set_cookie("gdprkit_consent", value)
    response = client.get("/cookies")
    assert response.status_code == 200
    assert response.json == {"decided": False, "statistics": False, "necessary": True}


def test_tampered_expired_and_outdated_cookies_mean_no_consent(tmp_path: Path) -> None:
    app, _, clock = _shop(tmp_path)
    client = app.test_client()
    good = _cookie(CookieConsent.accept_all(policy_version="1", decided_at=T0))
    version, key_id, payload, tag = good.split(".")
    other_key = KeyRing.generate()
    signed_elsewhere = encode_cookie(
        CookieConsent.accept_all(policy_version="1", decided_at=T0),
        key=other_key,
        key_id=KEYS.active_id,
        audience="localhost",
    )
    outdated = _cookie(CookieConsent.accept_all(policy_version="0", decided_at=T0))
    tampered = f"{version}.{key_id}.{payload[:-1]}{'A' if payload[-1] != 'A' else 'B'}.{tag}"
    for value in (tampered, signed_elsewhere, outdated):
        client.set_cookie("gdprkit_consent", value)
        assert client.get("/cookies").json["decided"] is False
    client.set_cookie("gdprkit_consent", good)
    assert client.get("/cookies").json["decided"] is True
    clock.advance(days=185)  # past the default 6 months (CNIL, FACTS.md §8d)
    assert client.get("/cookies").json["decided"] is False


def test_cookie_max_age_none_keeps_choices(tmp_path: Path) -> None:
    app, _, clock = _shop(tmp_path, GDPRKIT_COOKIE_MAX_AGE=None)
    client = app.test_client()
    client.set_cookie(
        "gdprkit_consent", _cookie(CookieConsent.accept_all(policy_version="1", decided_at=T0))
    )
    clock.advance(days=1000)
    assert client.get("/cookies").json["decided"] is True


# -- log masking ------------------------------------------------------------------------------


def _capture(logger: logging.Logger) -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    return stream, handler


def test_werkzeug_and_app_logs_are_masked(tmp_path: Path) -> None:
    app, _, _ = _shop(tmp_path)
    werkzeug = logging.getLogger("werkzeug")
    stream, handler = _capture(werkzeug)
    app_stream, app_handler = _capture(app.logger)
    old = werkzeug.level, app.logger.level
    werkzeug.setLevel(logging.INFO)
    app.logger.setLevel(logging.INFO)
    try:
        werkzeug.info('%s - - "GET / HTTP/1.1" 200 -', "198.51.100.77")
        app.logger.info("order from %s", "2001:db8:5:6::1")
        app.logger.info("client", extra={"ip": "203.0.113.9"})
    finally:
        werkzeug.removeHandler(handler)
        app.logger.removeHandler(app_handler)
        werkzeug.setLevel(old[0])
        app.logger.setLevel(old[1])
    assert "198.51.100.0" in stream.getvalue()
    assert "198.51.100.77" not in stream.getvalue()
    assert "2001:db8:5::" in app_stream.getvalue()
    assert "2001:db8:5:6::1" not in app_stream.getvalue()


def test_log_masking_is_idempotent_and_can_be_turned_off(tmp_path: Path) -> None:
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    gdpr.init_app(app)
    count = sum(isinstance(f, IPMaskingFilter) for f in app.logger.filters)
    assert count == 1
    quiet = flask.Flask("quiet", instance_path=str(tmp_path))
    quiet.config.update(
        GDPRKIT_REGISTER=str(REGISTER), GDPRKIT_KEYRING=KEYS, GDPRKIT_MASK_LOGS=False
    )
    GdprKit(quiet)
    assert not any(isinstance(f, IPMaskingFilter) for f in quiet.logger.filters)


# -- key rotation and the missing extra -------------------------------------------------------


def test_rotating_the_key_ring_keeps_consents_and_cookies(tmp_path: Path) -> None:
    ring = KeyRing.generate()
    app, gdpr, _ = make_app(tmp_path, GDPRKIT_KEYRING=ring)
    with app.app_context():
        gdpr.ledger.record("c-1", grant("direct_marketing"), now=T0)
        gdpr.state.close()
    old_cookie = encode_cookie(
        CookieConsent({"statistics"}, "1", T0),
        key=ring,
        key_id=ring.active_id,
        audience="localhost",
    )
    rotated = ring.rotate()
    app2, gdpr2, _ = make_app(tmp_path, GDPRKIT_KEYRING=rotated)

    @app2.get("/stats")
    def stats() -> str:
        return "yes" if cookie_allowed("statistics") else "no"

    with app2.app_context():
        # The ledger stays keyed by the oldest key (GDPRKIT_LEDGER_KEY_ID's default).
        assert gdpr2.ledger.allows("c-1", "direct_marketing", now=T0)
        gdpr2.state.close()
    client = app2.test_client()
    client.set_cookie("gdprkit_consent", old_cookie)
    assert client.get("/stats").text == "yes"  # signed under k1, still in the ring
    app3, gdpr3, _ = make_app(
        tmp_path, GDPRKIT_KEYRING=rotated, GDPRKIT_LEDGER_KEY_ID="k9", GDPRKIT_STORE_URL="memory://"
    )
    with app3.app_context(), pytest.raises(ConfigurationError, match="GDPRKIT_LEDGER_KEY_ID"):
        _ = gdpr3.ledger


def test_missing_flask_names_the_extra() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['flask'] = None\n"
        "try:\n"
        "    import gdprkit.integrations.flask\n"
        "except ImportError as exc:\n"
        "    from gdprkit.errors import MissingDependency\n"
        "    assert isinstance(exc, MissingDependency), type(exc)\n"
        "    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert 'pip install "gdprkit[flask]"' in result.stdout


def test_cookie_allowed_takes_members_and_refuses_unknown_categories(tmp_path: Path) -> None:
    from gdprkit.consent import CookieCategory
    from gdprkit.errors import InvalidInput

    app, _, _ = _shop(tmp_path)
    client = app.test_client()
    client.set_cookie("gdprkit_consent", _cookie(CookieConsent({"marketing"}, "1", T0)))
    with client:
        client.get("/cookies")
        assert cookie_allowed(CookieCategory.MARKETING)
        assert not cookie_allowed(CookieCategory.STATISTICS)
        with pytest.raises(InvalidInput, match="category"):
            cookie_allowed("tasty")


def test_a_naive_clock_is_refused(tmp_path: Path) -> None:
    from gdprkit.errors import NaiveDatetimeError

    app, gdpr, _ = make_app(tmp_path, GDPRKIT_STORE_URL="memory://")
    gdpr.now = lambda: T0.replace(tzinfo=None)
    with app.app_context(), pytest.raises(NaiveDatetimeError):
        gdprkit_state().now()
