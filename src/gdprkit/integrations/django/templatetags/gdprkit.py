"""Template filters: ``{% load gdprkit %}`` then ``{% if request|cookie_consent:"statistics" %}``.

Example:
    >>> from django.template import engines  # doctest: +SKIP
    >>> engines["django"].from_string(
    ...     '{% load gdprkit %}{% if request|cookie_consent:"marketing" %}ads{% endif %}'
    ... ).render({"request": request})  # doctest: +SKIP
    ''
"""

# mypy: disable-error-code="import-untyped,untyped-decorator"
# mypy: allow-subclassing-any

from __future__ import annotations

from django import template  # noqa: TID251 - the django extra
from django.http import HttpRequest  # noqa: TID251 - the django extra

from gdprkit.integrations.django.decorators import has_cookie_consent

__all__ = ["cookie_consent", "register"]

#: The filter library Django loads for ``{% load gdprkit %}``.
register = template.Library()


@register.filter(name="cookie_consent")
def cookie_consent(request: HttpRequest, category: str) -> bool:
    """Whether the visitor consented to cookies of ``category`` (``False`` without a request).

    Raises:
        InvalidInput: ``category`` is not a cookie category.

    Example:
        >>> from django.test import RequestFactory
        >>> request = RequestFactory().get("/")
        >>> request.cookie_consent = None
        >>> cookie_consent(request, "statistics")
        False
    """
    if not isinstance(request, HttpRequest):
        return False
    return has_cookie_consent(request, category)
