"""Template tags and filters: ``{% load gdprkit %}``.

- ``{% gdprkit_head %}``: the stylesheet and the script that sets Google Consent Mode v2
  defaults (all denied) and the visitor's choice; in ``<head>`` before any tag;
- ``{% gdprkit_banner %}``: the cookie banner while the visitor has not decided;
- ``{% gdprkit_reopen %}``: the persistent "Cookie settings" link (Art. 7(3));
- ``{% gdprkit_script "https://stats.example/s.js" "statistics" %}``: the ``<script>`` only
  when the category is granted, else an inert ``type="text/plain"`` placeholder;
- ``{% if request|cookie_consent:"statistics" %}``: whether the category is granted.

They need the ``request`` in the context (the ``django.template.context_processors.request``
context processor) and the pages' URLs included.

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

from typing import Any

from django import template  # noqa: TID251 - the django extra
from django.http import HttpRequest  # noqa: TID251 - the django extra
from django.utils.safestring import SafeString, mark_safe  # noqa: TID251

from gdprkit.errors import ConfigurationError
from gdprkit.integrations._pages import script_tag
from gdprkit.integrations.django.decorators import has_cookie_consent
from gdprkit.integrations.django.middleware import cookie_consent as _choice

__all__ = [
    "cookie_consent",
    "gdprkit_banner",
    "gdprkit_head",
    "gdprkit_reopen",
    "gdprkit_script",
    "register",
]

#: The tag library Django loads for ``{% load gdprkit %}``.
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


def _request(context: Any) -> HttpRequest:
    request = context.get("request")
    if not isinstance(request, HttpRequest):
        raise ConfigurationError(
            "the gdprkit tags need the request in the context: add "
            "'django.template.context_processors.request' to the context processors"
        )
    return request


def _fragment(context: Any, name: str) -> SafeString:
    from gdprkit.integrations.django.pages import render_fragment  # noqa: PLC0415

    return render_fragment(_request(context), name)


@register.simple_tag(takes_context=True)
def gdprkit_head(context: Any) -> SafeString:
    """The stylesheet and the Consent Mode script, for ``<head>``."""
    return _fragment(context, "_head")


@register.simple_tag(takes_context=True)
def gdprkit_banner(context: Any) -> SafeString:
    """The cookie banner (empty once the visitor has decided)."""
    return _fragment(context, "_banner")


@register.simple_tag(takes_context=True)
def gdprkit_reopen(context: Any) -> SafeString:
    """The persistent link back to the cookie settings."""
    return _fragment(context, "_reopen")


@register.simple_tag(takes_context=True)
def gdprkit_script(context: Any, src: str, category: str) -> SafeString:
    """``<script src>`` when ``category`` is granted, else an inert placeholder."""
    html = script_tag(src, category=category, choice=_choice(_request(context)))
    return mark_safe(html)  # noqa: S308 - script_tag escapes the source
