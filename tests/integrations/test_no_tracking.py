"""``assert_no_tracking_before_consent`` against real Flask and Django test clients."""

from __future__ import annotations

import sys
from pathlib import Path

import flask  # noqa: TID251 - a Flask app under test
import pytest
from _flask_support import REPO

from gdprkit.pseudonymise import KeyRing
from gdprkit.testing.assertions import assert_no_tracking_before_consent

pytest_plugins = ["pytester"]


def _tracking_app() -> flask.Flask:
    app = flask.Flask("tracker")

    @app.get("/")
    def home() -> flask.Response:
        response = flask.make_response("hello")
        response.set_cookie("session", "s")  # strictly necessary
        response.set_cookie("_ga", "GA1.1.123")  # analytics before any choice
        return response

    @app.get("/clean")
    def clean() -> str:
        return "clean"

    return app


def test_an_analytics_cookie_before_consent_fails_naming_it_not_its_value() -> None:
    client = _tracking_app().test_client()
    with pytest.raises(AssertionError, match=r"_ga") as caught:
        assert_no_tracking_before_consent(client, "/")
    assert "GA1.1.123" not in str(caught.value)
    assert_no_tracking_before_consent(_tracking_app().test_client(), "/clean")
    assert_no_tracking_before_consent(
        _tracking_app().test_client(), "/", necessary={"session", "_ga"}
    )


def test_the_example_flask_shop_sets_nothing_optional_before_a_choice(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "examples" / "flask_shop"))
    try:
        from shop import create_app
    finally:
        sys.path.pop(0)
    app = create_app(
        {
            "TESTING": True,
            "GDPRKIT_KEYRING": KeyRing.generate(),
            "GDPRKIT_STORE_URL": "memory://",
        }
    )
    for url in ("/", "/gdpr/cookies/"):
        assert_no_tracking_before_consent(app.test_client(), url)


def test_the_plugin_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import flask

        def test_shop(gdprkit_assert_no_tracking):
            app = flask.Flask("t")
            app.get("/")(lambda: "ok")
            gdprkit_assert_no_tracking(app.test_client(), "/")
        """
    )
    pytester.runpytest("-p", "gdprkit").assert_outcomes(passed=1)
