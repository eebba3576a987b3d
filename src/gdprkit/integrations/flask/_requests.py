"""The data-subject request pages in Flask: form, e-mailed confirmation link, status page.

- ``GET/POST /requests/new``: the form (right, e-mail, message); a valid POST creates a
  :class:`~gdprkit.requests.SubjectRequest` received now (in ``GDPRKIT_TIME_ZONE``) and awaiting
  the identity check, keeps it in the request book, calls the
  :meth:`~gdprkit.integrations.flask.GdprKit.request_handler` and the
  :meth:`~gdprkit.integrations.flask.GdprKit.verification_mailer` with the confirmation link;
- ``GET /requests/confirm/<token>`` shows a button (mail scanners follow links, so the GET
  changes nothing); its ``POST`` confirms once and calls the
  :meth:`~gdprkit.integrations.flask.GdprKit.request_verified_handler`;
- ``GET /requests/status/<token>``: the request's state and deadline, for the link holder.

The request book is a SQLite file beside the consent store (``gdprkit-requests.sqlite3`` in
the folder of a ``sqlite:///`` store, else in the instance folder), or memory with
``GDPRKIT_STORE_URL = "memory://"``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the flask extra

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
from gdprkit.integrations._ratelimit import client_network
from gdprkit.requests import RequestState, SubjectRequest

from ._consent import current_subject
from ._pages import _check_csrf, _endpoint, _page
from ._state import GdprKitState, gdprkit_state

__all__ = ["RequestBook", "confirm_page", "request_form_page", "status_page"]

_MAX_FORM_BYTES = 8 * 1024


class RequestBook:
    """Subject requests made through the form, by id (a SQLite file, or memory).

    Example:
        >>> book = RequestBook(None)
        >>> book.get("req-1") is None
        True
    """

    def __init__(self, path: Path | None) -> None:
        self._lock = threading.Lock()
        self._memory: dict[str, str] = {}
        self._path = path
        if path is not None:
            with self._connect() as db:
                db.execute(
                    "CREATE TABLE IF NOT EXISTS gdprkit_request (id TEXT PRIMARY KEY, doc TEXT)"
                )

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self._path), timeout=10)

    def get(self, request_id: str) -> SubjectRequest | None:
        """The request ``request_id``, or ``None``."""
        if self._path is None:
            doc = self._memory.get(request_id)
        else:
            with self._connect() as db:
                row = db.execute(
                    "SELECT doc FROM gdprkit_request WHERE id = ?", (request_id,)
                ).fetchone()
            doc = None if row is None else str(row[0])
        return None if doc is None else SubjectRequest.from_dict(json.loads(doc))

    def put(self, request: SubjectRequest) -> None:
        """Store ``request`` (replacing an earlier state of it)."""
        doc = json.dumps(request.to_dict(), sort_keys=True)
        with self._lock:
            if self._path is None:
                self._memory[request.id] = doc
                return
            with self._connect() as db:
                db.execute(
                    "INSERT INTO gdprkit_request (id, doc) VALUES (?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
                    (request.id, doc),
                )


def _book_path(state: GdprKitState) -> Path | None:
    """Beside the consent store: its SQLite file's folder, else the instance folder."""
    url = state.settings.store_url
    if url == "memory://":
        return None
    if url is not None and url.startswith("sqlite:///"):
        folder = Path(url[len("sqlite:///") :]).parent
    else:
        folder = Path(state._instance_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "gdprkit-requests.sqlite3"


def _book(state: GdprKitState) -> RequestBook:
    book = state.__dict__.get("_request_book")
    if book is None:
        with state._lock:
            book = state.__dict__.get("_request_book")
            if book is None:
                book = RequestBook(_book_path(state))
                state.__dict__["_request_book"] = book
    return book


def _not_configured() -> tuple[str, int]:
    return _page(
        "gdprkit/error.html",
        503,
        title="Requests are not taken here yet",
        heading="Requests are not taken here yet",
        explanation="Please write to the shop's privacy contact instead.",
        back_url="/",
    )


def _bad_link() -> tuple[str, int]:
    return _page(
        "gdprkit/error.html",
        404,
        title="This link does not work",
        heading="This link does not work",
        explanation="It may have expired or been copied incompletely. You can send the "
        "request again from the form.",
        back_url="/",
    )


def request_form_page() -> Any:
    """``GET/POST /requests/new``: the form, and a submitted request."""
    state = gdprkit_state()
    ext = state.extension
    action = flask.url_for(_endpoint(state, "request_form"))
    if flask.request.method == "GET":
        return _page(
            "gdprkit/request_form.html", 200, **request_form_context({}, {}, action_url=action)
        )
    if (flask.request.content_length or 0) > _MAX_FORM_BYTES:
        return _page("gdprkit/error.html", 413, title="Too much data", heading="Too much data",
                     explanation="That form was too large.", back_url=action)  # fmt: skip
    _check_csrf()
    if ext.request_callback is None or ext.mailer_callback is None:
        return _not_configured()
    wait = state.rate_limiter.hit(
        client_network(flask.request.remote_addr, ipv6_prefix=state.settings.rate_ipv6_prefix)
    )
    if wait is not None:
        body, status = _page("gdprkit/error.html", 429, title="Too many requests",
                             heading="Too many requests",
                             explanation="Please wait a few minutes, then try again.",
                             back_url=action)  # fmt: skip
        return body, status, {"Retry-After": str(max(1, math.ceil(wait)))}
    values = {k: flask.request.form.get(k, "") for k in ("right", "email", "message")}
    fields, errors = parse_request_form(values)
    if fields is None:
        context = request_form_context(errors, values, action_url=action)
        return _page("gdprkit/request_form.html", 422, **context)
    now = state.now()
    received = now.astimezone(state.timezone)
    request = SubjectRequest(
        f"req-{secrets.token_hex(8)}",
        fields.right,
        received=received,
        channel="web_form",
        subject_id=current_subject(),
        zone=state.timezone,
    ).request_identity(received, reason="confirm the e-mail address")
    _book(state).put(request)
    ring = state.keyring
    token = sign_token(
        ring,
        use="verify",
        request_id=request.id,
        expires=now + dt.timedelta(hours=VERIFY_TOKEN_HOURS),
    )
    link = flask.url_for(_endpoint(state, "request_confirm"), token=token, _external=True)
    ext.request_callback(request, email=fields.email, message=fields.message)
    ext.mailer_callback(fields.email, link, request)
    return _page(
        "gdprkit/request_sent.html",
        202,
        title="Check your e-mail",
        hours=VERIFY_TOKEN_HOURS,
        form_url=action,
    )


def _status_url(state: GdprKitState, request: SubjectRequest, now: dt.datetime) -> str:
    token = sign_token(
        state.keyring,
        use="status",
        request_id=request.id,
        expires=now + dt.timedelta(days=STATUS_TOKEN_DAYS),
    )
    return flask.url_for(_endpoint(state, "request_status"), token=token)


def confirm_page(token: str) -> Any:
    """``GET/POST /requests/confirm/<token>``: a button, then the confirmation (once)."""
    state = gdprkit_state()
    now = state.now()
    try:
        request_id = read_token(state.keyring, token, use="verify", now=now)
    except InvalidInput:
        return _bad_link()
    book = _book(state)
    request = book.get(request_id)
    if request is None:
        return _bad_link()
    if flask.request.method == "GET":
        if request.state is not RequestState.AWAITING_IDENTITY:
            return _page("gdprkit/request_status.html", 200, title="Already confirmed",
                         heading="Already confirmed", note="This request was confirmed before.",
                         status=status_context(request, now=now),
                         status_url=_status_url(state, request, now))  # fmt: skip
        context = status_context(request, now=now)
        return _page(
            "gdprkit/request_confirm.html",
            200,
            title="Confirm your request",
            right_label=context["right_label"],
            action_url=flask.url_for(_endpoint(state, "request_confirm"), token=token),
        )
    _check_csrf()
    note = "This request was confirmed before."
    if request.state is RequestState.AWAITING_IDENTITY:
        request = request.identity_received(now.astimezone(state.timezone))
        book.put(request)
        note = "Thank you: your request is confirmed, and we have started on it."
        handler = state.extension.verified_callback
        if handler is not None:
            handler(request)
    return _page(
        "gdprkit/request_status.html",
        200,
        title="Request confirmed",
        heading="Your request",
        note=note,
        status=status_context(request, now=now),
        status_url=_status_url(state, request, now),
    )


def status_page(token: str) -> Any:
    """``GET /requests/status/<token>``: state and deadline of the link holder's request."""
    state = gdprkit_state()
    now = state.now()
    try:
        request_id = read_token(state.keyring, token, use="status", now=now)
    except InvalidInput:
        return _bad_link()
    request = _book(state).get(request_id)
    if request is None:
        return _bad_link()
    return _page(
        "gdprkit/request_status.html",
        200,
        title="Your request",
        heading="Your request",
        note="",
        status=status_context(request, now=now),
        status_url="",
    )
