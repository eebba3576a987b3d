"""The customer-facing pages in Flask: banner, preferences, script gating, refusal page.

Jinja globals installed by :class:`~gdprkit.integrations.flask.GdprKit` (in every template):

- ``{{ gdprkit_head() }}``: the stylesheet and the script that sets Google Consent Mode v2
  defaults (all denied) and the visitor's choice; put it in ``<head>`` before any tag;
- ``{{ gdprkit_banner() }}``: the cookie banner while the visitor has not decided (or the
  choice expired, or the policy version changed), plain POST forms;
- ``{{ gdprkit_reopen() }}``: the persistent "Cookie settings" link (Art. 7(3));
- ``{{ gdprkit_script(src, category="statistics") }}``: a ``<script>`` only when the category
  is granted, else an inert ``type="text/plain"`` placeholder the script activates on consent;
- ``gdprkit_allowed("marketing")``: whether the category is granted.

CSRF: with Flask-WTF's ``CSRFProtect`` on the app its token is used (and it checks the POSTs);
otherwise a random per-session token in Flask's signed session cookie, checked here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math
import secrets
from typing import Any

import flask  # noqa: TID251 - the flask extra
import markupsafe

from gdprkit.consent.cookies import CookieConsent, record_cookie_consent
from gdprkit.errors import ConfigurationError, InvalidInput
from gdprkit.integrations._pages import (
    banner_context,
    choice_evidence,
    choice_from_form,
    consent_mode,
    granted_values,
    safe_next,
    script_tag,
)
from gdprkit.integrations._ratelimit import client_network
from gdprkit.ip import TruncationMasker

from ._consent import G_COOKIE, cookie_allowed, cookie_consent, current_subject, sign_cookie_choice
from ._state import GdprKitState, gdprkit_state

__all__ = [
    "cookie_choice_post",
    "csrf_failure",
    "install_page_helpers",
    "preferences_page",
    "record_banner_choice",
]

_SESSION_TOKEN = "_gdprkit_csrf"  # noqa: S105 - a session key, not a secret
_FIELD = "csrf_token"
_EVIDENCE_MASKER = TruncationMasker.preset("ga")
_MAX_FORM_BYTES = 8 * 1024


class _CsrfFailure(Exception):
    """A page POST without a valid CSRF token."""


class _CsrfHandling:
    exception = _CsrfFailure

    @staticmethod
    def handler(_error: Exception) -> tuple[str, int]:
        return _page(
            "gdprkit/error.html",
            400,
            title="This form has expired",
            heading="This form has expired",
            explanation="Please go back, reload the page and try again.",
            back_url=flask.request.path,
        )


csrf_failure = _CsrfHandling()


def _uses_flask_wtf() -> bool:
    return "csrf" in flask.current_app.extensions


def _csrf_token() -> str:
    if _uses_flask_wtf():
        import importlib  # noqa: PLC0415 - Flask-WTF is the app's, untyped and optional

        return str(importlib.import_module("flask_wtf.csrf").generate_csrf())
    if not flask.current_app.secret_key:
        raise ConfigurationError("the cookie banner's CSRF token needs the app's SECRET_KEY")
    token = flask.session.get(_SESSION_TOKEN)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        flask.session[_SESSION_TOKEN] = token
    return token


def _check_csrf() -> None:
    if _uses_flask_wtf():
        return  # CSRFProtect has checked this POST before the view ran
    sent = flask.request.form.get(_FIELD, "")
    expected = flask.session.get(_SESSION_TOKEN)
    if not isinstance(expected, str) or not hmac.compare_digest(
        sent.encode("utf-8", "replace"), expected.encode("utf-8")
    ):
        raise _CsrfFailure


def _endpoint(state: GdprKitState, name: str) -> str:
    blueprint = state.pages_blueprint
    if blueprint is None:
        raise ConfigurationError(
            "the gdprkit pages need the blueprint: app.register_blueprint(create_blueprint())"
        )
    return f"{blueprint}.{name}"


def _context(choice: CookieConsent | None, *, next_url: str | None = None) -> dict[str, Any]:
    state = gdprkit_state()
    here = flask.request.full_path if flask.request.query_string else flask.request.path
    return banner_context(
        state.banner,
        choice,
        action_url=flask.url_for(_endpoint(state, "cookie_choice")),
        preferences_url=flask.url_for(_endpoint(state, "preferences"), next=here)
        if next_url is None
        else flask.url_for(_endpoint(state, "preferences"), next=next_url),
        next_url=safe_next(next_url if next_url is not None else here),
        csrf_name=_FIELD,
        csrf_token=_csrf_token(),
        css_url=flask.url_for(_endpoint(state, "static"), filename="gdprkit/gdprkit.css"),
        js_url=flask.url_for(_endpoint(state, "static"), filename="gdprkit/gdprkit.js"),
    )


def _page(template: str, code: int, /, **values: Any) -> tuple[str, int]:
    state = gdprkit_state()
    values.setdefault("lang", state.locale)
    values.setdefault("gdprkit", _context(cookie_consent()))
    return flask.render_template(template, **values), code


def _render(name: str) -> markupsafe.Markup:
    html = flask.render_template(f"gdprkit/{name}.html", gdprkit=_context(cookie_consent()))
    return markupsafe.Markup(html)  # noqa: S704 - rendered by Jinja with autoescaping


def _script(src: str, *, category: str) -> markupsafe.Markup:
    return markupsafe.Markup(script_tag(src, category=category, choice=cookie_consent()))  # noqa: S704


def install_page_helpers(app: flask.Flask) -> None:
    """Add the Jinja globals of the module docstring to ``app``.

    Example:
        >>> install_page_helpers  # doctest: +ELLIPSIS
        <function install_page_helpers at ...>
    """
    app.jinja_env.globals.update(
        gdprkit_head=lambda: _render("_head"),
        gdprkit_banner=lambda: _render("_banner"),
        gdprkit_reopen=lambda: _render("_reopen"),
        gdprkit_script=_script,
        gdprkit_allowed=cookie_allowed,
    )


def preferences_page() -> tuple[str, int]:
    """``GET /cookies/``: the visitor's choices per category, always reachable."""
    next_url = safe_next(flask.request.args.get("next"))
    state = gdprkit_state()
    return _page(
        "gdprkit/preferences.html",
        200,
        title="Cookie settings",
        gdprkit=_context(cookie_consent(), next_url=next_url),
        lang=state.locale,
    )


def masked_client(state: GdprKitState) -> str | None:
    """The client address as the evidence may keep it (at most /24 or /48), or ``None``."""
    address = flask.request.remote_addr
    if not address:
        return None
    try:
        # Evidence keeps at most a /24 or /48 (the Evidence validator insists): a shop's weaker
        # log preset is truncated further, a stronger one is kept.
        return str(_EVIDENCE_MASKER.apply(state.masker.apply(address)))
    except ValueError:  # a unix socket peer or garbage from a proxy: keep no address
        return None


def record_banner_choice(
    state: GdprKitState, choice: CookieConsent, *, action: str, cookie_value: str
) -> str | None:
    """Record a banner choice in the ledger; return the subject it was recorded under.

    A logged-in visitor's choice is recorded under their subject id; an anonymous visitor's
    under ``"cookie:"`` and the SHA-256 of the signed cookie value the choice produced, so the
    cookie in the browser points at its own record.  Needs ``GDPRKIT_COOKIE_PURPOSES`` (the
    register purposes of the categories); without it nothing is recorded (``None``).

    Example:
        >>> record_banner_choice  # doctest: +ELLIPSIS
        <function record_banner_choice at ...>
    """
    if not state.cookie_purposes:
        return None
    subject = current_subject()
    if subject is None:
        subject = "cookie:" + hashlib.sha256(cookie_value.encode("ascii")).hexdigest()[:32]
    evidence = choice_evidence(
        state.banner,
        action=action,
        notice_version=state.policy_version,
        locale=state.locale,
        ip=masked_client(state),
        user_agent=flask.request.user_agent.string or None,
        framework="flask",
    )
    record_cookie_consent(
        state.ledger,
        subject,
        choice,
        purposes=state.cookie_purposes,
        evidence=evidence,
        now=state.now(),
    )
    return subject


def set_choice_cookie(
    state: GdprKitState, response: Any, value: str, choice: CookieConsent
) -> None:
    """Set the signed consent cookie for ``choice`` on ``response`` (expires with the choice)."""
    expires: dt.datetime
    if state.cookie_max_age is not None:
        after = state.cookie_max_age.after(choice.decided_at)
        expires = after if isinstance(after, dt.datetime) else choice.decided_at
    else:
        expires = choice.decided_at + dt.timedelta(days=400)  # browsers cap cookies at 400 days
    response.set_cookie(
        state.cookie_name,
        value,
        expires=expires,
        secure=state.cookie_secure,
        httponly=True,
        samesite="Lax",
    )


def _wants_json() -> bool:
    accept = flask.request.accept_mimetypes
    return accept.best_match(["application/json", "text/html"]) == "application/json"


def cookie_choice_post() -> Any:
    """``POST /cookies/``: the banner's or preferences' form; 303 back, or JSON for the script."""
    state = gdprkit_state()
    if (flask.request.content_length or 0) > _MAX_FORM_BYTES:
        return _page("gdprkit/error.html", 413, title="Too much data",
                     heading="Too much data", explanation="That form was too large.",
                     back_url="/")  # fmt: skip
    _check_csrf()
    wait = state.rate_limiter.hit(
        client_network(flask.request.remote_addr, ipv6_prefix=state.settings.rate_ipv6_prefix)
    )
    if wait is not None:
        body, status = _page(
            "gdprkit/error.html",
            429,
            title="Too many requests",
            heading="Too many requests",
            explanation="Please wait a minute, then try again.",
            back_url="/",
        )
        return body, status, {"Retry-After": str(max(1, math.ceil(wait)))}
    offered = [c["value"] for c in state.banner.categories]
    try:
        action, choice = choice_from_form(
            flask.request.form.to_dict(flat=False),
            offered=offered,
            policy_version=state.policy_version,
            now=state.now(),
        )
    except InvalidInput:
        return _page(
            "gdprkit/error.html",
            422,
            title="Choose again",
            heading="We could not read your choice",
            explanation="Please choose again with one of the buttons.",
            back_url=flask.url_for(_endpoint(state, "preferences")),
        )
    value = sign_cookie_choice(choice)
    recorded = record_banner_choice(state, choice, action=action, cookie_value=value)
    setattr(flask.g, G_COOKIE, choice)
    response: Any
    if _wants_json():
        response = flask.jsonify(
            {
                "decided": True,
                "granted": granted_values(choice),
                "consent_mode": consent_mode(choice),
                "recorded": recorded is not None,
            }
        )
    else:
        response = flask.redirect(safe_next(flask.request.form.get("next")), code=303)
    set_choice_cookie(state, response, value, choice)
    return response


def refused_page(purpose: str, *, status: int) -> tuple[str, int]:
    """The page shown when a view needs consent the visitor has not given (401 or 403).

    Says which consent is missing and links to where to give it.
    """
    state = gdprkit_state()
    description = state.register.purpose(purpose).description if purpose in state.register else ""
    category = next((str(c.value) if hasattr(c, "value") else str(c)
                     for c, p in state.cookie_purposes.items() if p == purpose), None)  # fmt: skip
    if status == 401:
        heading = "Please sign in first"
        explanation = "This page is personal: sign in, and we can check the choices you made."
        choice_url, choice_label = "/", "Back to the shop"
    else:
        heading = "This page needs your consent"
        explanation = (
            "You have not agreed to this use of your data, or you withdrew your consent. "
            "That is your right, and the rest of the shop works without it."
        )
        if category is not None and state.pages_blueprint is not None:
            choice_url = flask.url_for(_endpoint(state, "preferences"), next=flask.request.path)
            choice_label = "Change your cookie settings"
        else:
            choice_url, choice_label = "/", "Back to the shop"
    if state.pages_blueprint is None:
        flask.abort(status)
    return _page(
        "gdprkit/consent_refused.html",
        status,
        title=heading,
        heading=heading,
        explanation=explanation,
        purpose_description=description,
        choice_url=choice_url,
        choice_label=choice_label,
    )


def privacy_page() -> tuple[str, int]:
    """``GET /privacy/``: the privacy notice, layered, in the customer's language.

    The language comes from ``Accept-Language`` among the notice's catalogs (English when
    none matches); ``?layer=full`` gives the full notice, otherwise the first layer.
    """
    from gdprkit.integrations._pages import notice_context  # noqa: PLC0415

    state = gdprkit_state()
    layer = "full" if flask.request.args.get("layer") == "full" else "short"
    other = flask.url_for(_endpoint(state, "privacy"), layer="short" if layer == "full" else "full")
    values = notice_context(
        state.register,
        accept_language=flask.request.headers.get("Accept-Language"),
        layer=layer,
        other_layer_url=other,
    )
    values["notice_html"] = markupsafe.Markup(values["notice_html"])  # noqa: S704 - escaped by the renderer
    return _page("gdprkit/privacy.html", 200, **values)
