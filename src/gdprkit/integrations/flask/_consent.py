"""The visitor's cookie choice on ``g``, the current subject, and ``@consent_required``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

import flask  # noqa: TID251 - the flask extra

from gdprkit.consent.cookies import (
    CookieCategory,
    CookieConsent,
    cookie_consent_or_none,
    encode_cookie,
)
from gdprkit.errors import InvalidInput

from ._state import gdprkit_state

__all__ = [
    "consent_required",
    "cookie_allowed",
    "cookie_consent",
    "current_subject",
    "load_cookie_consent",
    "sign_cookie_choice",
]

G_COOKIE = "gdprkit_cookie_consent"
_F = TypeVar("_F", bound=Callable[..., Any])


def current_subject() -> str | None:
    """The current request's data subject id, from the subject loader or the session.

    Example:
        >>> current_subject  # doctest: +ELLIPSIS
        <function current_subject at ...>
    """
    state = gdprkit_state()
    loader = state.extension.subject_callback
    value = loader() if loader is not None else flask.session.get(state.subject_session_key)
    if value is None or value == "":
        return None
    return str(value)


# -- cookie consent on g, consent_required ----------------------------------------------------


def load_cookie_consent() -> None:
    """``before_request``: parse the consent cookie once per request onto ``g``."""
    state = gdprkit_state()
    value = flask.request.cookies.get(state.cookie_name)
    choice = None
    if value:
        try:
            audience: str | None = state.cookie_audience()
        except InvalidInput:
            audience = None  # a host that names no audience: no cookie of ours can match
        # Any problem (tampered, expired, another policy, unknown key id, signed for another
        # site, garbage) means the visitor has not validly decided: only strictly necessary
        # cookies, never an error page.
        if audience is not None:
            choice = cookie_consent_or_none(
                value,
                keys=state.keyring,
                now=state.now(),
                max_age=state.cookie_max_age,
                policy_version=state.policy_version,
                audience=audience,
            )
    setattr(flask.g, G_COOKIE, choice)


def sign_cookie_choice(choice: CookieConsent) -> str:
    """The consent-cookie value of ``choice`` for this site, signed under the active key.

    Signed for :meth:`GdprKitState.cookie_audience` (``GDPRKIT_COOKIE_AUDIENCE`` or the
    request's host), so a sibling site sharing the key ring refuses it.  A request whose host
    names no audience is aborted with 400.

    Example:
        >>> sign_cookie_choice  # doctest: +ELLIPSIS
        <function sign_cookie_choice at ...>
    """
    state = gdprkit_state()
    try:
        audience = state.cookie_audience()
    except InvalidInput:
        flask.abort(400)
    ring = state.keyring
    return encode_cookie(choice, key=ring, key_id=ring.active_id, audience=audience)


def cookie_consent() -> CookieConsent | None:
    """The visitor's valid cookie choice for this request, or ``None`` (show the banner).

    Parsed from the signed cookie before the view runs and kept on ``g``.

    Example:
        >>> cookie_consent  # doctest: +ELLIPSIS
        <function cookie_consent at ...>
    """
    if not hasattr(flask.g, G_COOKIE):
        load_cookie_consent()
    return cast("CookieConsent | None", getattr(flask.g, G_COOKIE))


def cookie_allowed(category: CookieCategory | str) -> bool:
    """Whether this request's visitor allows cookies of ``category`` (necessary: always).

    Raises:
        InvalidInput: unknown category.

    Example:
        >>> cookie_allowed  # doctest: +ELLIPSIS
        <function cookie_allowed at ...>
    """
    try:
        chosen = CookieCategory(category)
    except ValueError:
        from gdprkit.errors import InvalidInput  # noqa: PLC0415

        raise InvalidInput("category: unknown cookie category") from None
    if chosen is CookieCategory.STRICTLY_NECESSARY:
        return True
    choice = cookie_consent()
    return choice is not None and choice.allows(chosen)


def consent_required(
    purpose: str, *, on_refused: Callable[[], Any] | None = None
) -> Callable[[_F], _F]:
    """Decorate a view so it runs only when the current subject's consent to ``purpose`` stands.

    The subject comes from :func:`current_subject`; the check is
    :meth:`~gdprkit.consent.ConsentLedger.allows` (granted, unexpired, not withdrawn, no
    objection: Arts 6(1)(a), 7(3), 21).  Otherwise ``on_refused()`` is returned (e.g. a redirect
    to the consent page), or the request is aborted with 401 (no subject) or 403 (no consent).

    Raises:
        NotFound: (when the view is called) ``purpose`` is not in the register.

    Example:
        >>> @consent_required("newsletter")
        ... def offers():
        ...     return "offers"
        >>> offers.__name__
        'offers'
    """

    def decorate(view: _F) -> _F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            state = gdprkit_state()
            subject = current_subject()
            allowed = subject is not None and state.ledger.allows(subject, purpose, now=state.now())
            if not allowed:
                if on_refused is not None:
                    return on_refused()
                from ._pages import refused_page  # noqa: PLC0415 - the pages import this module

                return refused_page(purpose, status=401 if subject is None else 403)
            return flask.current_app.ensure_sync(view)(*args, **kwargs)

        return cast("_F", wrapper)

    return decorate
