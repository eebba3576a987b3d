"""The pages' URLs: ``path("gdpr/", include("gdprkit.integrations.django.urls"))``.

Namespace ``gdprkit``: ``gdprkit:preferences`` (GET ``cookies/``), ``gdprkit:cookie_choice``
(POST ``cookies/choice``), ``gdprkit:privacy`` (the notice, ``privacy/``) and ``gdprkit:asset``
(``assets/gdprkit.css``, ``assets/gdprkit.js``); the request pages ``gdprkit:request_form``,
``gdprkit:request_confirm`` and ``gdprkit:request_status``
(:mod:`gdprkit.integrations.django.request_pages`).

Example:
    >>> [p.name for p in urlpatterns][:3]
    ['preferences', 'cookie_choice', 'privacy']
"""

# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from django.urls import path  # noqa: TID251 - the django extra

from . import pages, request_pages

__all__ = ["app_name", "urlpatterns"]

app_name = "gdprkit"


urlpatterns = [
    path("cookies/", pages.preferences, name="preferences"),
    path("cookies/choice", pages.cookie_choice, name="cookie_choice"),
    path("privacy/", pages.privacy, name="privacy"),
    path("requests/new", request_pages.request_form, name="request_form"),
    path("requests/confirm/<str:token>", request_pages.request_confirm, name="request_confirm"),
    path("requests/status/<str:token>", request_pages.request_status, name="request_status"),
    path("assets/<str:name>", pages.asset, name="asset"),
]
