"""URLs of the example shop."""

from __future__ import annotations

from django.contrib import admin  # noqa: TID251
from django.urls import include, path  # noqa: TID251

from . import views

urlpatterns = [
    path("", views.home),
    path("admin/", admin.site.urls),
    path("offers/", views.offers),
    path("gdpr/", include("gdprkit.integrations.django.urls")),
]
