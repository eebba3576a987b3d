"""Read the signed cookie-consent value onto each request.

Add ``"gdprkit.integrations.django.middleware.CookieConsentMiddleware"`` to ``MIDDLEWARE``.
Each request then carries ``request.cookie_consent``: the visitor's
:class:`~gdprkit.consent.cookies.CookieConsent`, or ``None`` when the cookie is missing, tampered
with, older than 6 months (the CNIL's recommendation, deliberation 2020-092 [S207]) or given under
another ``GDPRKIT["CONSENT_POLICY_VERSION"]`` -- all of which mean "ask again": only strictly
necessary cookies may be set (ePrivacy Directive Art. 5(3) [S206]).  The cookie is signed with a
sub-key of ``GDPRKIT["KEYRING"]``.

Example:
    >>> MIDDLEWARE = ["gdprkit.integrations.django.middleware.CookieConsentMiddleware"]
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase  # noqa: TID251 - the django extra

from gdprkit._time import utc_now
from gdprkit.consent._ledger import CNIL_CHOICE_MAX_AGE
from gdprkit.consent.cookies import CookieConsent, cookie_consent_or_none, encode_cookie
from gdprkit.errors import ConfigurationError
from gdprkit.pseudonymise import KeyRing

from .conf import cookie_audience, gdprkit_settings, get_keyring

__all__ = ["CookieConsentMiddleware", "cookie_consent", "set_consent_cookie"]

_ATTRIBUTE = "cookie_consent"


def cookie_consent(
    request: HttpRequest, *, keys: KeyRing | None = None, now: dt.datetime | None = None
) -> CookieConsent | None:
    """The visitor's valid cookie choice, or ``None`` (show the banner).

    Uses ``request.cookie_consent`` when the middleware ran; otherwise reads the cookie with
    ``keys`` (default: ``GDPRKIT["KEYRING"]``).

    Raises:
        ConfigurationError, KeyMaterialError: the middleware did not run and no key ring is
            configured or it cannot be loaded.

    Example:
        >>> from django.test import RequestFactory
        >>> cookie_consent(RequestFactory().get("/"), keys=KeyRing.generate()) is None
        True
    """
    if hasattr(request, _ATTRIBUTE):
        found: CookieConsent | None = getattr(request, _ATTRIBUTE)
        return found
    conf = gdprkit_settings()
    value = request.COOKIES.get(conf.consent_cookie)
    if not value:
        return None
    return cookie_consent_or_none(
        value,
        keys=get_keyring() if keys is None else keys,
        now=now,
        policy_version=conf.consent_policy_version,
        audience=cookie_audience(request),
    )


def set_consent_cookie(
    response: HttpResponseBase,
    choice: CookieConsent,
    *,
    keys: KeyRing | None = None,
    secure: bool = True,
    now: dt.datetime | None = None,
    request: HttpRequest | None = None,
    audience: str | None = None,
) -> str:
    """Sign ``choice`` and set it as the consent cookie on ``response``; return the value.

    The cookie lives 6 months (CNIL recommendation for keeping a choice, deliberation 2020-092
    [S207], good practice), is ``SameSite=Lax`` and ``HttpOnly``; signed under the ring's active key
    id for an audience: ``audience``, else ``GDPRKIT["COOKIE_AUDIENCE"]``, else ``request``'s host
    (:func:`~gdprkit.integrations.django.conf.cookie_audience`), so that the middleware of another
    site sharing the key ring refuses it.

    Raises:
        ConfigurationError: no usable key ring, or no audience (give ``request`` or
            ``audience``, or set ``GDPRKIT["COOKIE_AUDIENCE"]``).
        KeyMaterialError: the key ring cannot be loaded.
        InvalidInput: ``audience`` is not host-name-like.

    Example:
        >>> import datetime as dt
        >>> from django.http import HttpResponse
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> response = HttpResponse()
        >>> value = set_consent_cookie(response, CookieConsent.reject_all(
        ...     policy_version="v1", decided_at=t), keys=KeyRing.generate(), now=t,
        ...     audience="shop.example")
        >>> response.cookies["gdprkit_consent"].value == value
        True
    """
    site = audience if audience is not None else gdprkit_settings().cookie_audience
    if site is None:
        if request is None:
            raise ConfigurationError(
                "set_consent_cookie needs request= or audience= "
                "(or GDPRKIT['COOKIE_AUDIENCE']) to sign the cookie for this site"
            )
        site = cookie_audience(request)
    ring = get_keyring() if keys is None else keys
    value = encode_cookie(choice, key=ring, key_id=ring.active_id, audience=site)
    current = utc_now() if now is None else now
    expires: dt.datetime = current + CNIL_CHOICE_MAX_AGE.relativedelta()
    response.set_cookie(
        gdprkit_settings().consent_cookie,
        value,
        max_age=int((expires - current).total_seconds()),
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
    return value


class CookieConsentMiddleware:
    """Set ``request.cookie_consent`` from the signed consent cookie on every request.

    The key ring is loaded on the first request (not at start-up) and kept for the life of the
    worker: restart the workers after rotating keys (keep the old key id in the ring until the
    old cookies have expired, so they still verify).

    Raises:
        ConfigurationError, KeyMaterialError: on the first request carrying a consent cookie,
            when ``GDPRKIT["KEYRING"]`` is missing or invalid.

    Example:
        >>> from django.http import HttpResponse
        >>> from django.test import RequestFactory
        >>> middleware = CookieConsentMiddleware(lambda request: HttpResponse("ok"))
        >>> request = RequestFactory().get("/")
        >>> middleware(request).status_code, request.cookie_consent
        (200, None)
    """

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self._keys: KeyRing | None = None

    def __call__(self, request: HttpRequest) -> Any:
        """Attach the choice, then call the view."""
        conf = gdprkit_settings()
        value = request.COOKIES.get(conf.consent_cookie)
        choice = None
        if value:
            if self._keys is None:
                self._keys = get_keyring()
            choice = cookie_consent_or_none(
                value,
                keys=self._keys,
                policy_version=conf.consent_policy_version,
                audience=cookie_audience(request),
            )
        setattr(request, _ATTRIBUTE, choice)
        return self.get_response(request)
