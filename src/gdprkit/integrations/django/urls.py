"""The pages' URLs: ``path("gdpr/", include("gdprkit.integrations.django.urls"))``.

Namespace ``gdprkit``: ``gdprkit:preferences`` (GET ``cookies/``), ``gdprkit:cookie_choice``
(POST ``cookies/choice``), ``gdprkit:privacy`` (the notice, ``privacy/``) and ``gdprkit:asset``
(``assets/gdprkit.css``, ``assets/gdprkit.js``).

Example:
    >>> [p.name for p in urlpatterns]
    ['preferences', 'cookie_choice', 'privacy', 'asset']
"""

# mypy: disable-error-code="import-untyped"

from __future__ import annotations

from django.urls import path  # noqa: TID251 - the django extra

from . import pages

__all__ = ["app_name", "urlpatterns"]

app_name = "gdprkit"


urlpatterns = [
    path("cookies/", pages.preferences, name="preferences"),
    path("cookies/choice", pages.cookie_choice, name="cookie_choice"),
    path("privacy/", pages.privacy, name="privacy"),
    path("assets/<str:name>", pages.asset, name="asset"),
]
