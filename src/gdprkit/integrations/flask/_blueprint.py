"""The blueprint: cookie banner and preferences pages, their JSON twins, subject requests.

The pages render the shared templates of :mod:`gdprkit.integrations._pages` (the app's own
``templates/gdprkit/*.html`` override them, Flask's usual precedence) and serve the shared
static assets under the blueprint's ``static`` endpoint.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
from collections.abc import Mapping
from typing import Any

import flask  # noqa: TID251 - the flask extra

from gdprkit.consent.cookies import CookieCategory, CookieConsent
from gdprkit.integrations._pages import STATIC_DIR, TEMPLATES_DIR
from gdprkit.integrations._ratelimit import client_network

from ._consent import G_COOKIE, cookie_consent, current_subject, sign_cookie_choice
from ._pages import (
    cookie_choice_post,
    csrf_failure,
    masked_client,
    preferences_page,
    privacy_page,
    set_choice_cookie,
)
from ._requests import confirm_page, request_form_page, status_page
from ._state import GdprKitState, gdprkit_state

__all__ = ["MAX_BODY_BYTES", "REQUESTABLE_RIGHTS", "create_blueprint"]

#: Largest JSON body the blueprint reads, in bytes.
MAX_BODY_BYTES = 8 * 1024
_MAX_MESSAGE = 2000
_MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")  # used with fullmatch
#: The rights a visitor can invoke through the blueprint (Arts 7(3), 15-18, 20-22).  Art. 19
#: is the controller's duty and Art. 77 a complaint to the authority, so neither is requested.
REQUESTABLE_RIGHTS = (
    "access",
    "automated_decisions",
    "erasure",
    "object",
    "object_direct_marketing",
    "portability",
    "rectification",
    "restriction",
    "withdraw_consent",
)
_CHOICE_FIELDS = frozenset({"granted", "accept_all", "reject_all"})
_REQUEST_FIELDS = frozenset({"right", "email", "message"})


class _Refusal(Exception):
    """A request the blueprint refuses, with its status and a JSON body."""

    def __init__(self, status: int, error: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"error": error, "message": message}
        if field is not None:
            self.body["field"] = field
        self.headers: dict[str, str] = {}


def _json_body(fields: frozenset[str]) -> dict[str, Any]:
    """The request's JSON object, checked for size, type and unknown fields."""
    request = flask.request
    if not request.is_json:
        raise _Refusal(415, "unsupported_media_type", "send the body as application/json")
    length = request.content_length
    if length is None:
        raise _Refusal(411, "length_required", "send a Content-Length header")
    if length > MAX_BODY_BYTES:
        raise _Refusal(413, "too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # thousands of "[": Python's parser gives up, the client is wrong
        data = None
    if data is None:
        raise _Refusal(400, "invalid_json", "the body is not valid JSON")
    if not isinstance(data, dict):
        raise _Refusal(400, "invalid_json", "the body must be a JSON object")
    unknown = set(data) - fields
    if unknown:
        # Never echo the unknown names: a client may put anything there.
        raise _Refusal(
            422, "unknown_field", f"unknown field(s); accepted: {', '.join(sorted(fields))}"
        )
    return data


def _rate_limit(state: GdprKitState) -> None:
    client = client_network(flask.request.remote_addr, ipv6_prefix=state.settings.rate_ipv6_prefix)
    wait = state.rate_limiter.hit(client)
    if wait is not None:
        refusal = _Refusal(429, "rate_limited", "too many requests: try again later")
        refusal.headers["Retry-After"] = str(max(1, math.ceil(wait)))
        raise refusal


def _choice_json(choice: CookieConsent | None) -> dict[str, Any]:
    categories = [c.value for c in CookieCategory]
    if choice is None:
        return {"decided": False, "granted": ["necessary"], "categories": categories}
    return {
        "decided": True,
        "granted": sorted(c.value for c in choice.granted),
        "categories": categories,
        "policy_version": choice.policy_version,
        "decided_at": choice.decided_at.isoformat(),
    }


def _parse_choice(data: Mapping[str, Any], state: GdprKitState) -> CookieConsent:
    decided_at = state.now().astimezone(dt.timezone.utc).replace(microsecond=0)
    given = [name for name in ("granted", "accept_all", "reject_all") if name in data]
    if len(given) != 1:
        raise _Refusal(422, "invalid_choice", "send exactly one of granted, accept_all, reject_all")
    name = given[0]
    value = data[name]
    if name != "granted":
        if value is not True:
            raise _Refusal(422, "invalid_choice", f"{name} must be true", field=name)
        make = CookieConsent.accept_all if name == "accept_all" else CookieConsent.reject_all
        return make(policy_version=state.policy_version, decided_at=decided_at)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Refusal(422, "invalid_choice", "granted must be a list of strings", field=name)
    known = {c.value for c in CookieCategory}
    if not set(value) <= known:
        raise _Refusal(
            422,
            "invalid_choice",
            f"granted: unknown cookie category; expected {', '.join(sorted(known))}",
            field=name,
        )
    return CookieConsent(value, state.policy_version, decided_at)


def _record_choice(state: GdprKitState, subject: str, choice: CookieConsent) -> None:
    from gdprkit.consent import Evidence, notice_digest, record_cookie_consent  # noqa: PLC0415

    user_agent = flask.request.user_agent.string[:512] or None
    evidence = Evidence(
        method="cookie_banner",
        notice_version=state.policy_version,
        notice_sha256=notice_digest(state.cookie_notice or ""),
        locale=state.locale,
        channel="web",
        collected_by="gdprkit.flask.cookie_banner",
        ip=masked_client(state),
        user_agent=user_agent,
    )
    record_cookie_consent(
        state.ledger,
        subject,
        choice,
        purposes=state.cookie_purposes,
        evidence=evidence,
        now=state.now(),
    )


def _cookie_choice_get() -> flask.Response:
    return flask.jsonify(_choice_json(cookie_consent()))


def _cookie_choice_post() -> flask.Response:
    state = gdprkit_state()
    _rate_limit(state)
    choice = _parse_choice(_json_body(_CHOICE_FIELDS), state)
    subject = current_subject()
    recorded = bool(subject is not None and state.cookie_purposes)
    if subject is not None and state.cookie_purposes:
        _record_choice(state, subject, choice)
    value = sign_cookie_choice(choice)
    setattr(flask.g, G_COOKIE, choice)
    body = _choice_json(choice)
    body["recorded"] = recorded
    response = flask.jsonify(body)
    set_choice_cookie(state, response, value, choice)  # the same cookie as the banner's forms
    return response


def _subject_request_post() -> tuple[flask.Response, int]:
    from gdprkit.requests import SubjectRequest  # noqa: PLC0415

    state = gdprkit_state()
    _rate_limit(state)
    handler = state.extension.request_callback
    if handler is None:
        raise _Refusal(
            503, "not_configured", "this shop does not take requests here yet: write to it"
        )
    data = _json_body(_REQUEST_FIELDS)
    right = data.get("right")
    if right not in REQUESTABLE_RIGHTS:
        raise _Refusal(
            422,
            "invalid_right",
            f"right must be one of {', '.join(REQUESTABLE_RIGHTS)}",
            field="right",
        )
    subject = current_subject()
    email = data.get("email")
    if email is None and subject is None:
        raise _Refusal(422, "missing_email", "email is required unless logged in", field="email")
    if email is not None and (
        not isinstance(email, str) or len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email)
    ):
        raise _Refusal(422, "invalid_email", "email must be an e-mail address", field="email")
    message = data.get("message", "")
    if not isinstance(message, str) or len(message) > _MAX_MESSAGE:
        raise _Refusal(
            422,
            "invalid_message",
            f"message must be text of at most {_MAX_MESSAGE} characters",
            field="message",
        )
    received = state.now().astimezone(state.timezone)
    subject_request = SubjectRequest(
        f"req-{secrets.token_hex(8)}",
        right,
        received=received,
        channel="web_form",
        subject_id=subject,
        zone=state.timezone,
    )
    handler(subject_request, email=email, message=message)
    body = {
        "id": subject_request.id,
        "right": subject_request.right.value,
        "state": subject_request.state.value,
        "received": subject_request.received.isoformat(),
        "deadline": subject_request.deadline().isoformat(),
    }
    return flask.jsonify(body), 202


def _refused(refusal: _Refusal) -> tuple[flask.Response, int, dict[str, str]]:
    return flask.jsonify(refusal.body), refusal.status, refusal.headers


def create_blueprint(name: str = "gdprkit") -> flask.Blueprint:
    r"""Return the blueprint of the cookie banner, preferences and data-subject requests.

    Register it with a prefix: ``app.register_blueprint(create_blueprint(),
    url_prefix="/gdpr")``.  Pages (HTML, work without JavaScript):

    - ``GET /cookies/``: the cookie preferences, per category with its description and cookie
      declaration (``GDPRKIT_COOKIES``), the current choice, Reject all / Accept all / Save;
    - ``POST /cookies/`` (a form: ``action`` = ``reject_all``, ``accept_all`` or ``save`` with
      ``category`` values, CSRF token, ``next``): sets the signed cookie, records the choice in
      the ledger (see :func:`gdprkit.integrations.flask.record_banner_choice`) and redirects to
      ``next`` (303), or answers JSON when the request ``Accept``\ s ``application/json``;
    - ``GET /privacy/``: the privacy notice (Art. 13/14) from the register, in the customer's
      language (``Accept-Language``), first layer with a link to the full notice
      (``?layer=full``); needs the ``notice`` extra;
    - ``GET/POST /requests/new``, ``/requests/confirm/<token>``, ``/requests/status/<token>``:
      the data-subject request form, the e-mailed confirmation and the status page (see
      :mod:`gdprkit.integrations.flask._requests`);
    - ``/static/gdprkit/gdprkit.css`` and ``gdprkit.js``: the shared assets.

    JSON routes:

    - ``GET /cookie-consent``: the visitor's current choice (``decided`` false: show the banner);
    - ``POST /cookie-consent`` with one of ``{"granted": ["statistics", ...]}``,
      ``{"accept_all": true}``, ``{"reject_all": true}``: sets the signed cookie, and for a
      logged-in subject records the choice in the ledger when ``GDPRKIT_COOKIE_PURPOSES`` is set;
    - ``POST /requests`` with ``{"right": "access", "email": "...", "message": "..."}``: creates
      a :class:`~gdprkit.requests.SubjectRequest` (day of receipt in ``GDPRKIT_TIME_ZONE``),
      passes it to the :meth:`GdprKit.request_handler` and answers 202 with its id and deadline.

    Bodies must be JSON objects of at most :data:`MAX_BODY_BYTES`; errors are JSON
    ``{"error": code, "message": text, "field": name}`` with 400, 411, 413, 415, 422, 429 (with
    ``Retry-After``) or 503 (no request handler); messages never repeat what was sent.  POSTs are
    rate-limited per client address (``GDPRKIT_RATE_*``), in process memory.

    Example:
        >>> bp = create_blueprint()
        >>> bp.name
        'gdprkit'
    """
    blueprint = flask.Blueprint(
        name,
        __name__,
        template_folder=str(TEMPLATES_DIR),
        static_folder=str(STATIC_DIR),
        static_url_path="/static",
    )
    blueprint.add_url_rule("/cookies/", "preferences", preferences_page)
    blueprint.add_url_rule("/privacy/", "privacy", privacy_page)
    blueprint.add_url_rule(
        "/requests/new", "request_form", request_form_page, methods=["GET", "POST"]
    )
    blueprint.add_url_rule(
        "/requests/confirm/<token>", "request_confirm", confirm_page, methods=["GET", "POST"]
    )
    blueprint.add_url_rule("/requests/status/<token>", "request_status", status_page)
    blueprint.add_url_rule("/cookies/", "cookie_choice", cookie_choice_post, methods=["POST"])
    blueprint.add_url_rule("/cookie-consent", "cookie_consent", _cookie_choice_get)
    blueprint.add_url_rule(
        "/cookie-consent", "cookie_consent_post", _cookie_choice_post, methods=["POST"]
    )
    blueprint.add_url_rule("/requests", "subject_request", _subject_request_post, methods=["POST"])
    blueprint.register_error_handler(_Refusal, _refused)
    blueprint.register_error_handler(csrf_failure.exception, csrf_failure.handler)

    def remember(setup: Any) -> None:
        setup.app.extensions["gdprkit"].pages_blueprint = name

    blueprint.record_once(remember)
    return blueprint
