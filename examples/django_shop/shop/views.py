"""Two views: offers only with marketing-cookie consent, and the cookie banner's answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse  # noqa: TID251

from gdprkit._time import utc_now
from gdprkit.consent.cookies import CookieConsent
from gdprkit.integrations.django.decorators import consent_required
from gdprkit.integrations.django.middleware import set_consent_cookie


@consent_required("marketing")
def offers(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Personalised offers")


def accept_cookies(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("Thank you")
    choice = CookieConsent(
        granted=request.GET.getlist("category"),
        policy_version="2025-03",
        decided_at=utc_now().replace(microsecond=0),
    )
    set_consent_cookie(response, choice, secure=request.is_secure())
    return response
