"""The data-subject request pages in Django: form, e-mailed confirmation link, status page.

URLs (in :mod:`gdprkit.integrations.django.urls`): ``gdprkit:request_form`` (``requests/new``),
``gdprkit:request_confirm`` (``requests/confirm/<token>``: a button on GET, since mail scanners
follow links; the POST confirms once) and ``gdprkit:request_status``
(``requests/status/<token>``).  A request is stored as
:class:`gdprkit.integrations.django.models.SubjectRequest` (``subject_id`` is the e-mail
address, or the signed-in user's primary key), received now and awaiting the identity check
(Art. 12(6), the clock paused), and the link is sent with :func:`django.core.mail.send_mail`
(``EMAIL_BACKEND``).  Signals: :mod:`gdprkit.integrations.django.signals`.

Example:
    >>> from gdprkit.integrations.django.request_pages import request_form
    >>> request_form.__name__
    'request_form'
"""

# mypy: disable-error-code="import-untyped,untyped-decorator"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import math
import secrets
import time

from django.core.mail import send_mail  # noqa: TID251
from django.http import HttpRequest, HttpResponse  # noqa: TID251
from django.urls import reverse  # noqa: TID251
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie  # noqa: TID251
from django.views.decorators.http import require_http_methods  # noqa: TID251

from gdprkit._time import utc_now
from gdprkit.errors import InvalidInput
from gdprkit.integrations._pages import request_form_context
from gdprkit.integrations._pages._requests import (
    STATUS_TOKEN_DAYS,
    VERIFY_TOKEN_HOURS,
    parse_request_form,
    read_token,
    sign_token,
    status_context,
)
from gdprkit.integrations._ratelimit import RateLimiter, client_network
from gdprkit.requests import RequestState
from gdprkit.requests import SubjectRequest as RequestValue

from .conf import controller_zone, get_holidays, get_keyring
from .pages import render_page
from .signals import request_received, request_verified

__all__ = ["request_confirm", "request_form", "request_status"]

_MAX_FORM_BYTES = 8 * 1024
# Five requests per client network per ten minutes, in this process: enough for a person.
_LIMITER = RateLimiter(limit=5, window=600.0, capacity=10_000, clock=time.monotonic)


def _zone() -> dt.tzinfo:
    return controller_zone()


def _error(request: HttpRequest, status: int, heading: str, explanation: str) -> HttpResponse:
    return render_page(
        request,
        "gdprkit/error.html",
        {"title": heading, "heading": heading, "explanation": explanation, "back_url": "/"},
        status=status,
    )


def _bad_link(request: HttpRequest) -> HttpResponse:
    return _error(
        request,
        404,
        "This link does not work",
        "It may have expired or been copied incompletely. You can send the request again.",
    )


@ensure_csrf_cookie
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request: HttpRequest) -> HttpResponse:
    """``requests/new``: the form; a valid POST stores the request and mails the link."""
    from .models import SubjectRequest  # noqa: PLC0415 - needs the app registry

    action = reverse("gdprkit:request_form")
    if request.method != "POST":
        context = request_form_context({}, {}, action_url=action)
        return render_page(request, "gdprkit/request_form.html", context)
    if int(request.META.get("CONTENT_LENGTH") or 0) > _MAX_FORM_BYTES:
        return _error(request, 413, "Too much data", "That form was too large.")
    wait = _LIMITER.hit(client_network(request.META.get("REMOTE_ADDR")))
    if wait is not None:
        limited = _error(request, 429, "Too many requests", "Please wait, then try again.")
        limited["Retry-After"] = str(max(1, math.ceil(wait)))
        return limited
    values = {k: request.POST.get(k, "") for k in ("right", "email", "message")}
    fields, errors = parse_request_form(values)
    if fields is None:
        context = request_form_context(errors, values, action_url=action)
        return render_page(request, "gdprkit/request_form.html", context, status=422)
    now = utc_now()
    received = now.astimezone(_zone())
    value = RequestValue(
        f"req-{secrets.token_hex(8)}",
        fields.right,
        received=received,
        channel="web_form",
        subject_id=fields.email,
        zone=_zone(),
    ).request_identity(received, reason="confirm the e-mail address")
    row = SubjectRequest.from_value(value, now=now)
    row.save()
    token = sign_token(
        get_keyring(),
        use="verify",
        request_id=value.id,
        expires=now + dt.timedelta(hours=VERIFY_TOKEN_HOURS),
    )
    link = request.build_absolute_uri(reverse("gdprkit:request_confirm", args=[token]))
    request_received.send(SubjectRequest, request=row, email=fields.email, message=fields.message)
    send_mail(
        "Please confirm your request",
        f"Someone (we hope you) asked us about the personal data we hold about {fields.email}.\n"
        f"To confirm that it was you, open this link within {VERIFY_TOKEN_HOURS} hours:\n\n"
        f"{link}\n\nIf it was not you, ignore this e-mail: nothing happens.\n",
        None,
        [fields.email],
    )
    return render_page(
        request,
        "gdprkit/request_sent.html",
        {"title": "Check your e-mail", "hours": VERIFY_TOKEN_HOURS, "form_url": action},
        status=202,
    )


def _status_url(value: RequestValue, now: dt.datetime) -> str:
    token = sign_token(
        get_keyring(),
        use="status",
        request_id=value.id,
        expires=now + dt.timedelta(days=STATUS_TOKEN_DAYS),
    )
    return str(reverse("gdprkit:request_status", args=[token]))


@ensure_csrf_cookie
@csrf_protect
@require_http_methods(["GET", "HEAD", "POST"])
def request_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """``requests/confirm/<token>``: a button (GET), then the confirmation, once (POST)."""
    from .models import SubjectRequest  # noqa: PLC0415

    now = utc_now()
    try:
        reference = read_token(get_keyring(), token, use="verify", now=now)
    except InvalidInput:
        return _bad_link(request)
    row = SubjectRequest.objects.filter(reference=reference).first()
    if row is None:
        return _bad_link(request)
    value = row.value()
    holidays = get_holidays()
    waiting = value.state is RequestState.AWAITING_IDENTITY
    if request.method != "POST" and waiting:
        return render_page(
            request,
            "gdprkit/request_confirm.html",
            {
                "title": "Confirm your request",
                "right_label": status_context(value, now=now, holidays=holidays)["right_label"],
                "action_url": reverse("gdprkit:request_confirm", args=[token]),
            },
        )
    note = "This request was confirmed before."
    if request.method == "POST" and waiting:
        value = row.step(lambda r: r.identity_received(now.astimezone(_zone())), now=now)
        note = "Thank you: your request is confirmed, and we have started on it."
        request_verified.send(SubjectRequest, request=row)
    return render_page(
        request,
        "gdprkit/request_status.html",
        {
            "title": "Your request",
            "heading": "Your request",
            "note": note,
            "status": status_context(value, now=now, holidays=holidays),
            "status_url": _status_url(value, now),
        },
    )


@require_http_methods(["GET", "HEAD"])
def request_status(request: HttpRequest, token: str) -> HttpResponse:
    """``requests/status/<token>``: the state and deadline of the link holder's request."""
    from .models import SubjectRequest  # noqa: PLC0415

    now = utc_now()
    try:
        reference = read_token(get_keyring(), token, use="status", now=now)
    except InvalidInput:
        return _bad_link(request)
    row = SubjectRequest.objects.filter(reference=reference).first()
    if row is None:
        return _bad_link(request)
    return render_page(
        request,
        "gdprkit/request_status.html",
        {
            "title": "Your request",
            "heading": "Your request",
            "note": "",
            "status": status_context(row.value(), now=now, holidays=get_holidays()),
            "status_url": "",
        },
    )
