"""Views of the test shop: one per consent gate."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse  # noqa: TID251
from django.shortcuts import render  # noqa: TID251

from gdprkit.integrations.django.decorators import consent_required


@consent_required("marketing")
def offers(request: HttpRequest) -> HttpResponse:
    return HttpResponse("offers")


@consent_required("marketing")
async def async_offers(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async offers")


@consent_required("statistics", fallback=lambda request: HttpResponse("please decide"))
def stats(request: HttpRequest) -> HttpResponse:
    return HttpResponse("stats")


def banner(request: HttpRequest) -> HttpResponse:
    return render(request, "banner.html")
