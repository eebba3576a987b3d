"""Properties of the Flask integration: whatever a client sends, it gets a JSON 2xx/4xx answer
that never repeats what it sent, and a cookie counts exactly when it is valid."""

from __future__ import annotations

import datetime as dt
import json
import string
from collections.abc import Iterator
from typing import Any

import flask  # noqa: TID251 - the flask integration's tests
import pytest
from _flask_support import KEYS, Clock, make_app
from hypothesis import given
from hypothesis import strategies as st

from gdprkit.consent import CNIL_CHOICE_MAX_AGE, encode_cookie
from gdprkit.integrations.flask import create_blueprint
from gdprkit.testing.strategies import cookie_consents, json_values

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.timezone.utc)
# Cookie values as a browser may send them (RFC 6265 cookie-octet), plus the dots of ours.
COOKIE_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "!#$%&'()*+-./:<=>?@[]^_`{|}~", max_size=120
)
# Long tokens: no accepted word or message of the blueprint contains one by chance.
MARKERS = st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=20)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Any:
    app, gdpr, _ = make_app(
        tmp_path_factory.mktemp("flask-props"),
        Clock(NOW),
        GDPRKIT_STORE_URL="memory://",
        GDPRKIT_RATE_LIMIT=10**9,
    )
    gdpr.request_handler(lambda request, **details: None)
    app.register_blueprint(create_blueprint(), url_prefix="/gdpr")

    @app.post("/login/<user>")
    def login(user: str) -> str:
        flask.session["user_id"] = user
        return "ok"

    return app.test_client()


@given(value=COOKIE_TEXT)
def test_any_cookie_text_is_no_consent_and_no_error(client: Any, value: str) -> None:
    client.set_cookie("gdprkit_consent", value)
    response = client.get("/gdpr/cookie-consent")
    assert response.status_code == 200
    assert response.json["decided"] is False


@given(choice=cookie_consents(policy_versions=st.sampled_from(["1", "0", "2025-03"])))
def test_a_signed_cookie_counts_exactly_while_valid(client: Any, choice: Any) -> None:
    client.set_cookie(
        "gdprkit_consent",
        encode_cookie(choice, key=KEYS, key_id=KEYS.active_id, audience="localhost"),
    )
    response = client.get("/gdpr/cookie-consent")
    # Valid: this policy version ("1", the app's), not decided in the future, and younger than
    # the CNIL's 6 months (FACTS.md §8d).
    valid = (
        choice.policy_version == "1"
        and choice.decided_at <= NOW
        and CNIL_CHOICE_MAX_AGE.after(choice.decided_at) > NOW
    )
    assert response.status_code == 200
    assert response.json["decided"] is valid
    if valid:
        assert response.json["granted"] == sorted(c.value for c in choice.granted)


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _leaves(item)


BODIES = st.one_of(
    json_values(),
    st.dictionaries(
        st.sampled_from(["granted", "accept_all", "reject_all", "right", "email", "message"])
        | MARKERS,
        json_values() | MARKERS | st.lists(MARKERS, max_size=3),
        max_size=4,
    ),
)


@pytest.mark.parametrize("path", ["/gdpr/cookie-consent", "/gdpr/requests"])
@given(body=BODIES, logged_in=st.booleans())
def test_any_json_body_gets_a_json_answer_that_never_echoes_it(
    client: Any, path: str, body: Any, logged_in: bool
) -> None:
    if logged_in:
        client.post("/login/c-1")
    else:
        client.delete_cookie("session")
    response = client.post(path, data=json.dumps(body), content_type="application/json")
    assert response.status_code in {200, 202, 400, 413, 422}
    assert response.is_json
    if response.status_code >= 400:
        assert set(response.json) <= {"error", "message", "field"}
        sent = [leaf for leaf in _leaves(body) if len(leaf) >= 12 and leaf.isalnum()]
        for leaf in sent:
            assert leaf not in response.text
