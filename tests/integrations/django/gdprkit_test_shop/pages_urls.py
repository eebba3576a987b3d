"""URLs of the test shop with gdprkit's pages included (the pages tests use these)."""

from __future__ import annotations

from django.urls import include, path  # noqa: TID251

from . import views

urlpatterns = [
    path("offers/", views.offers),
    path("gdpr/", include("gdprkit.integrations.django.urls")),
]
