"""The shop's views: the home page (banner, gated analytics) and offers that need consent.

The cookie banner's forms post to gdprkit's own views (``include(...django.urls")``
in urls.py): a shop needs no view of its own to record a choice.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse  # noqa: TID251
from django.shortcuts import render  # noqa: TID251

from gdprkit.integrations.django.decorators import consent_required


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/index.html")


@consent_required("marketing")
def offers(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Personalised offers")
