"""``@consent_required("marketing")``: a view that runs only with the visitor's cookie consent.

The category is a cookie category of :class:`~gdprkit.consent.cookies.CookieCategory`
(``preferences``, ``statistics``, ``marketing``; ``necessary`` needs no consent, ePrivacy
Directive Art. 5(3) [S206]).  Without a valid choice granting it, the view is not called:
the decorator answers with ``fallback(request)`` if given, else ``403 Forbidden``.

Example:
    >>> from django.http import HttpResponse
    >>> @consent_required("statistics")
    ... def dashboard(request):
    ...     return HttpResponse("tracked")
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponseForbidden  # noqa: TID251 - the django extra

from gdprkit.consent.cookies import CookieCategory
from gdprkit.errors import InvalidInput

from .middleware import cookie_consent

__all__ = ["consent_required", "has_cookie_consent"]

_View = TypeVar("_View", bound=Callable[..., Any])


def has_cookie_consent(request: HttpRequest, category: CookieCategory | str) -> bool:
    """Whether the visitor's valid cookie choice grants ``category``.

    Strictly necessary cookies are always allowed.

    Raises:
        InvalidInput: ``category`` is not a cookie category.

    Example:
        >>> from django.test import RequestFactory
        >>> request = RequestFactory().get("/")
        >>> request.cookie_consent = None
        >>> has_cookie_consent(request, "necessary"), has_cookie_consent(request, "marketing")
        (True, False)
    """
    try:
        wanted = CookieCategory(category)
    except ValueError:
        raise InvalidInput(
            f"cookie category must be one of {', '.join(c.value for c in CookieCategory)}"
        ) from None
    if wanted is CookieCategory.STRICTLY_NECESSARY:
        return True
    choice = cookie_consent(request)
    return choice is not None and choice.allows(wanted)


def consent_required(
    category: CookieCategory | str,
    *,
    fallback: Callable[[HttpRequest], Any] | None = None,
) -> Callable[[_View], _View]:
    """Decorate a view so it runs only when the visitor consented to ``category``.

    Works on sync and async function views.

    Raises:
        InvalidInput: ``category`` is not a cookie category (when decorating).

    Example:
        >>> consent_required("adverts")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidInput: cookie category must be one of necessary, ...
    """
    try:
        wanted = CookieCategory(category)
    except ValueError:
        raise InvalidInput(
            f"cookie category must be one of {', '.join(c.value for c in CookieCategory)}"
        ) from None

    def refuse(request: HttpRequest) -> Any:
        if fallback is not None:
            return fallback(request)
        from django.urls import NoReverseMatch, reverse  # noqa: PLC0415, TID251

        try:
            reverse("gdprkit:preferences")
        except NoReverseMatch:  # the pages are not included: a plain answer
            return HttpResponseForbidden(f"this page needs consent to {wanted.value} cookies")
        from .pages import refused_page  # noqa: PLC0415

        return refused_page(request, wanted.value)

    def decorate(view: _View) -> _View:
        if asyncio.iscoroutinefunction(view):

            @functools.wraps(view)
            async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if not has_cookie_consent(request, wanted):
                    return refuse(request)
                return await view(request, *args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not has_cookie_consent(request, wanted):
                return refuse(request)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate
