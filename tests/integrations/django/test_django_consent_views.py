"""Cookie consent through Django's test client: middleware, decorator, template filter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings  # noqa: TID251
from django.http import HttpResponse  # noqa: TID251
from django.test import AsyncClient, Client, RequestFactory, override_settings  # noqa: TID251

from gdprkit.consent.cookies import CookieConsent, encode_cookie
from gdprkit.errors import ConfigurationError, InvalidInput
from gdprkit.integrations.django.decorators import consent_required, has_cookie_consent
from gdprkit.integrations.django.middleware import cookie_consent, set_consent_cookie
from gdprkit.pseudonymise import KeyRing

KEYS: KeyRing = settings.GDPRKIT["KEYRING"]
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) - dt.timedelta(minutes=1)


def _cookie(granted: set[str], *, policy: str = "2025-03", keys: KeyRing = KEYS,
            at: dt.datetime = NOW) -> str:  # fmt: skip
    choice = CookieConsent(granted=granted, policy_version=policy, decided_at=at)
    # The test client's host: Django's default audience (GDPRKIT['COOKIE_AUDIENCE'] unset).
    return encode_cookie(choice, key=keys, key_id=keys.active_id, audience="testserver")


def _client(value: str | None) -> Client:
    client = Client()
    if value is not None:
        client.cookies["gdprkit_consent"] = value
    return client


@pytest.mark.parametrize(
    ("value", "allowed"),
    [
        (None, False),
        ("garbage", False),
        (_cookie(set()), False),
        (_cookie({"statistics"}), False),
        (_cookie({"marketing"}), True),
        (_cookie({"marketing", "statistics"}), True),
        (_cookie({"marketing"}, policy="2024-01"), False),  # another policy version: ask again
        (_cookie({"marketing"}, keys=KeyRing.generate(key_id="t1")), False),  # forged
        (_cookie({"marketing"}, at=NOW - dt.timedelta(days=200)), False),  # older than 6 months
    ],
)
def test_marketing_view_runs_only_with_marketing_consent(value: str | None, allowed: bool) -> None:
    response = _client(value).get("/offers/")
    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert response.content == b"offers"


async def _get(path: str, value: str | None) -> int:
    client = AsyncClient()
    if value is not None:
        client.cookies["gdprkit_consent"] = value
    response = await client.get(path)
    return int(response.status_code)


@pytest.mark.parametrize(("value", "status"), [(None, 403), (_cookie({"marketing"}), 200)])
def test_async_views_are_gated_too(value: str | None, status: int) -> None:
    import asyncio

    assert asyncio.run(_get("/async-offers/", value)) == status


def test_fallback_answers_instead_of_403() -> None:
    assert _client(None).get("/stats/").content == b"please decide"
    assert _client(_cookie({"statistics"})).get("/stats/").content == b"stats"


@pytest.mark.parametrize(("granted", "text"), [(set(), b"no-stats"), ({"statistics"}, b"stats")])
def test_template_filter(granted: set[str], text: bytes) -> None:
    assert _client(_cookie(granted)).get("/banner/").content.strip() == text


def test_set_consent_cookie_round_trips_through_the_middleware() -> None:
    response = HttpResponse()
    choice = CookieConsent(granted={"marketing"}, policy_version="2025-03", decided_at=NOW)
    value = set_consent_cookie(response, choice, now=NOW, request=RequestFactory().get("/"))
    morsel = response.cookies["gdprkit_consent"]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"
    assert morsel["secure"]
    # Six calendar months (CNIL, FACTS.md §8d) are between 181 and 184 days.
    assert 181 * 86400 <= int(morsel["max-age"]) <= 184 * 86400
    assert _client(value).get("/offers/").status_code == 200


def test_without_the_middleware_the_helper_reads_the_cookie() -> None:
    request = RequestFactory().get("/", HTTP_COOKIE=f"gdprkit_consent={_cookie({'marketing'})}")
    choice = cookie_consent(request)
    assert choice is not None
    assert choice.allows("marketing")
    assert has_cookie_consent(request, "marketing")
    assert not has_cookie_consent(request, "statistics")


def test_unknown_category_is_refused_when_decorating() -> None:
    with pytest.raises(InvalidInput, match="cookie category"):
        consent_required("adverts")


def test_a_missing_key_ring_is_a_configuration_error() -> None:
    with override_settings(GDPRKIT={}), pytest.raises(ConfigurationError, match="KEYRING"):
        _client(_cookie({"marketing"})).get("/offers/")


def test_set_consent_cookie_signs_for_the_given_audience_or_refuses() -> None:
    choice = CookieConsent(granted={"marketing"}, policy_version="2025-03", decided_at=NOW)
    elsewhere = set_consent_cookie(HttpResponse(), choice, now=NOW, audience="b.example")
    assert _client(elsewhere).get("/offers/").status_code == 403  # signed for another site
    here = set_consent_cookie(HttpResponse(), choice, now=NOW, audience="testserver")
    assert _client(here).get("/offers/").status_code == 200
    with pytest.raises(ConfigurationError, match="audience"):
        set_consent_cookie(HttpResponse(), choice, now=NOW)  # no request, audience or setting


@pytest.mark.parametrize("bad", ["a b", "", 7, "шоп.example"])
def test_a_bad_cookie_audience_setting_is_refused(bad: object) -> None:
    from gdprkit.integrations.django.conf import GdprkitSettings

    with pytest.raises(ConfigurationError, match="COOKIE_AUDIENCE"):
        GdprkitSettings.from_mapping({"COOKIE_AUDIENCE": bad})
