"""The customer-facing pages in Django: cookie settings, the banner's POST, assets, refusal.

Include the URLs (``path("gdpr/", include("gdprkit.integrations.django.urls"))``, namespace
``gdprkit``) and use the template tags of :mod:`gdprkit.integrations.django.templatetags.gdprkit`
in the shop's layout.  The templates are the ones the Flask blueprint renders (shared, in the
common subset of Django and Jinja2 syntax); a shop overrides one by putting its own
``gdprkit/<name>.html`` in a template directory (``TEMPLATES[...]["DIRS"]`` or an app's
``templates/``), Django's usual precedence.

POSTs are protected by Django's CSRF machinery (``CsrfViewMiddleware``, which writes the CSRF
cookie the banner's token needs: the check ``gdprkit.E008`` insists on it; ``csrf_protect`` on
the view besides) and rate-limited per client network (an IPv6 /64 counts as one client).

Example:
    >>> from gdprkit.integrations.django.pages import page_engine
    >>> page_engine().get_template("gdprkit/preferences.html").origin.template_name
    'gdprkit/preferences.html'
"""

# mypy: disable-error-code="import-untyped,untyped-decorator"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import mimetypes
import time
from typing import Any

from django.conf import settings  # noqa: TID251 - the django extra
from django.http import (  # noqa: TID251
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.middleware.csrf import get_token  # noqa: TID251
from django.template import Context, Engine  # noqa: TID251
from django.urls import reverse  # noqa: TID251
from django.utils.safestring import SafeString, mark_safe  # noqa: TID251
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie  # noqa: TID251
from django.views.decorators.http import require_http_methods  # noqa: TID251

from gdprkit._time import utc_now
from gdprkit.consent import ConsentLedger
from gdprkit.consent.cookies import CookieConsent, encode_cookie, record_cookie_consent
from gdprkit.errors import InvalidInput
from gdprkit.integrations._pages import (
    STATIC_DIR,
    TEMPLATES_DIR,
    BannerText,
    banner_context,
    choice_evidence,
    choice_from_form,
    consent_mode,
    granted_values,
    safe_next,
)
from gdprkit.integrations._ratelimit import RateLimiter, client_network
from gdprkit.ip import TruncationMasker

from .conf import controller_zone, cookie_audience, gdprkit_settings, get_keyring, get_register
from .middleware import cookie_consent

__all__ = [
    "asset",
    "banner_context_for",
    "cookie_choice",
    "page_engine",
    "preferences",
    "privacy",
    "record_banner_choice",
    "render_page",
]

_ASSETS = {"gdprkit.css", "gdprkit.js"}
_MAX_FORM_BYTES = 8 * 1024
_EVIDENCE_MASKER = TruncationMasker.preset("ga")
# Ten choices per client network per minute, in this process: enough for a person.
_LIMITER = RateLimiter(limit=10, window=60.0, capacity=10_000, clock=time.monotonic)


@functools.lru_cache(maxsize=1)
def _engine(dirs: tuple[str, ...]) -> Engine:
    return Engine(dirs=[*dirs, str(TEMPLATES_DIR)], app_dirs=True, autoescape=True)


def page_engine() -> Engine:
    """The template engine of the pages: the project's template dirs, apps, then gdprkit's.

    Example:
        >>> isinstance(page_engine(), Engine)
        True
    """
    dirs: list[str] = []
    for backend in getattr(settings, "TEMPLATES", ()):
        if backend.get("BACKEND") == "django.template.backends.django.DjangoTemplates":
            dirs += [str(d) for d in backend.get("DIRS", ())]
    return _engine(tuple(dirs))


def render_page(
    request: HttpRequest, name: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """Render the shared template ``name`` (``"gdprkit/..."``) as a response."""
    conf = gdprkit_settings()
    values = {"lang": conf.locale, "gdprkit": banner_context_for(request), **context}
    html = page_engine().get_template(name).render(Context(values, autoescape=True))
    return HttpResponse(html, status=status, content_type="text/html; charset=utf-8")


@functools.lru_cache(maxsize=8)
def _banner_text(key: tuple[Any, ...]) -> BannerText:
    conf = gdprkit_settings()
    return BannerText.build(
        get_register(),
        intro=conf.banner_text,
        purposes=conf.cookie_purposes,
        declarations=conf.cookies,
    )


def banner_text() -> BannerText:
    """The banner's words for the current settings (cached per settings value)."""
    conf = gdprkit_settings()
    return _banner_text(
        (conf.register, conf.banner_text, tuple(sorted(conf.cookie_purposes.items())), conf.cookies)
    )


def banner_context_for(request: HttpRequest, *, next_url: str | None = None) -> dict[str, Any]:
    """The values the banner, head and reopen templates show for ``request``."""
    here = request.get_full_path()
    target = safe_next(next_url if next_url is not None else here)
    return banner_context(
        banner_text(),
        cookie_consent(request),
        action_url=reverse("gdprkit:cookie_choice"),
        preferences_url=f"{reverse('gdprkit:preferences')}?next={_quote(target)}",
        next_url=target,
        csrf_name="csrfmiddlewaretoken",
        csrf_token=get_token(request),
        css_url=reverse("gdprkit:asset", args=["gdprkit.css"]),
        js_url=reverse("gdprkit:asset", args=["gdprkit.js"]),
    )


def _quote(path: str) -> str:
    from urllib.parse import quote  # noqa: PLC0415

    return quote(path, safe="/")


def render_fragment(request: HttpRequest, name: str) -> SafeString:
    """One of the banner fragments (``_head``, ``_banner``, ``_reopen``), rendered."""
    template = page_engine().get_template(f"gdprkit/{name}.html")
    html = template.render(Context({"gdprkit": banner_context_for(request)}, autoescape=True))
    return mark_safe(html)  # noqa: S308 - rendered with autoescaping


@ensure_csrf_cookie
@require_http_methods(["GET", "HEAD"])
def preferences(request: HttpRequest) -> HttpResponse:
    """``GET cookies/``: the cookie settings page, always reachable (Art. 7(3))."""
    target = safe_next(request.GET.get("next"))
    return render_page(
        request,
        "gdprkit/preferences.html",
        {"title": "Cookie settings", "gdprkit": banner_context_for(request, next_url=target)},
    )


def _masked(request: HttpRequest) -> str | None:
    address = request.META.get("REMOTE_ADDR")
    if not address:
        return None
    try:
        return str(_EVIDENCE_MASKER.apply(address))
    except ValueError:
        return None


def _ledger() -> ConsentLedger:
    from .store import DjangoConsentStore  # noqa: PLC0415 - needs the app registry

    ring = get_keyring()
    conf = gdprkit_settings()
    return ConsentLedger(
        DjangoConsentStore(using=conf.consent_database),
        key=ring,
        key_id=ring.ids[0],
        register=get_register(),
        zone=controller_zone(),
    )


def record_banner_choice(
    request: HttpRequest, choice: CookieConsent, *, action: str, cookie_value: str
) -> str | None:
    """Record a banner choice in the consent ledger; return the subject, ``None`` if not.

    A signed-in user's choice is recorded under ``str(request.user.pk)``, anyone else's under
    ``"cookie:"`` and the SHA-256 of the signed cookie the choice set.  Needs
    ``GDPRKIT["COOKIE_PURPOSES"]``.
    """
    conf = gdprkit_settings()
    if not conf.cookie_purposes:
        return None
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_authenticated", False):
        subject = str(user.pk)
    else:
        subject = "cookie:" + hashlib.sha256(cookie_value.encode("ascii")).hexdigest()[:32]
    evidence = choice_evidence(
        banner_text(),
        action=action,
        notice_version=conf.consent_policy_version or "1",
        locale=conf.locale,
        ip=_masked(request),
        user_agent=request.META.get("HTTP_USER_AGENT") or None,
        framework="django",
    )
    record_cookie_consent(
        _ledger(), subject, choice, purposes=conf.cookie_purposes, evidence=evidence,
        now=choice.decided_at,
    )  # fmt: skip
    return subject


def _error(request: HttpRequest, status: int, heading: str, explanation: str) -> HttpResponse:
    return render_page(
        request,
        "gdprkit/error.html",
        {"title": heading, "heading": heading, "explanation": explanation, "back_url": "/"},
        status=status,
    )


@csrf_protect
@require_http_methods(["POST"])
def cookie_choice(request: HttpRequest) -> HttpResponse:
    """``POST cookies/``: the banner's or settings' form; 303 back, or JSON for the script."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > _MAX_FORM_BYTES:
        return _error(request, 413, "Too much data", "That form was too large.")
    wait = _LIMITER.hit(client_network(request.META.get("REMOTE_ADDR")))
    if wait is not None:
        limited = _error(request, 429, "Too many requests", "Please wait, then try again.")
        limited["Retry-After"] = str(max(1, math.ceil(wait)))
        return limited
    conf = gdprkit_settings()
    now = utc_now()
    try:
        action, choice = choice_from_form(
            {k: request.POST.getlist(k) for k in request.POST},
            offered=[c["value"] for c in banner_text().categories],
            policy_version=conf.consent_policy_version or "1",
            now=now,
        )
    except InvalidInput:
        return _error(
            request, 422, "We could not read your choice", "Please choose again with a button."
        )
    ring = get_keyring()
    value = encode_cookie(
        choice, key=ring, key_id=ring.active_id, audience=cookie_audience(request)
    )
    recorded = record_banner_choice(request, choice, action=action, cookie_value=value)
    request.cookie_consent = choice
    if "application/json" in request.META.get("HTTP_ACCEPT", ""):
        response = JsonResponse(
            {
                "decided": True,
                "granted": granted_values(choice),
                "consent_mode": consent_mode(choice),
                "recorded": recorded is not None,
            }
        )
    else:
        response = HttpResponseRedirect(safe_next(request.POST.get("next")))
        response.status_code = 303
    _set_cookie(response, value, request, now)
    return response


def _set_cookie(response: HttpResponse, value: str, request: HttpRequest, now: dt.datetime) -> None:
    from gdprkit.consent._ledger import CNIL_CHOICE_MAX_AGE  # noqa: PLC0415

    expires: dt.datetime = now + CNIL_CHOICE_MAX_AGE.relativedelta()
    response.set_cookie(
        gdprkit_settings().consent_cookie,
        value,
        max_age=int((expires - now).total_seconds()),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


def asset(request: HttpRequest, name: str) -> FileResponse:
    """The shared stylesheet and script (cached a day; any name but the two is 404)."""
    if name not in _ASSETS:
        raise Http404
    path = STATIC_DIR / "gdprkit" / name
    response = FileResponse(path.open("rb"), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = "public, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def refused_page(request: HttpRequest, category: str) -> HttpResponse:
    """The 403 page of ``@consent_required``: which consent is missing, and where to give it."""
    labels = {c["value"]: c["label"] for c in banner_text().categories}
    label = labels.get(category, category)
    return render_page(
        request,
        "gdprkit/consent_refused.html",
        {
            "title": "This page needs your consent",
            "heading": "This page needs your consent",
            "explanation": (
                f"This page uses {label.lower()} cookies, and you have not allowed them. That "
                "is your right, and the rest of the shop works without them."
            ),
            "purpose_description": "",
            "choice_url": f"{reverse('gdprkit:preferences')}?next={_quote(request.path)}",
            "choice_label": "Change your cookie settings",
        },
        status=403,
    )


@require_http_methods(["GET", "HEAD"])
def privacy(request: HttpRequest) -> HttpResponse:
    """``GET privacy/``: the privacy notice, layered, in the customer's language.

    The language comes from ``Accept-Language`` among the notice's catalogs (English when none
    matches); ``?layer=full`` gives the full notice, otherwise the first layer.
    """
    from gdprkit.integrations._pages import notice_context  # noqa: PLC0415

    layer = "full" if request.GET.get("layer") == "full" else "short"
    other = f"{reverse('gdprkit:privacy')}?layer={'short' if layer == 'full' else 'full'}"
    values = notice_context(
        get_register(),
        accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE"),
        layer=layer,
        other_layer_url=other,
    )
    values["notice_html"] = mark_safe(values["notice_html"])  # noqa: S308 - escaped by the renderer
    return render_page(request, "gdprkit/privacy.html", values)
