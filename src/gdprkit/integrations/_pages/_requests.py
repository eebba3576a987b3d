"""The data-subject request form, shared by Django and Flask: fields, links, status words.

A request made through the form is identified by e-mail: it is received at once (day 0 of the
one-month period, Art. 12(3)) and then waits for the identity check (Art. 12(6)), which
pauses the clock as :class:`~gdprkit.requests.SubjectRequest` models.  The customer confirms by
following a link: a signed, expiring token naming the request, usable once (after it the
request is no longer awaiting identity, so the link does nothing more).  A second token, for
the status page, lets only the holder of the e-mail see the request and its deadline.

Tokens: ``rq1.<key id>.<base64url payload>.<base64url HMAC-SHA-256>`` with an HKDF sub-key of the
shop's key ring per use (``verify`` or ``status``), decoded strictly (one value, one token).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from gdprkit.errors import InvalidInput
from gdprkit.pseudonymise import KeyRing
from gdprkit.requests import RequestState, SubjectRequest

__all__ = [
    "FORM_RIGHTS",
    "STATUS_TOKEN_DAYS",
    "VERIFY_TOKEN_HOURS",
    "RequestForm",
    "parse_request_form",
    "read_token",
    "sign_token",
    "status_context",
]

#: The rights the form offers, with the words a customer reads (Arts 15-18, 20, 21).
FORM_RIGHTS = (
    ("access", "See the personal data you hold about me (Art. 15)"),
    ("portability", "Send me my data in a machine-readable file (Art. 20)"),
    ("rectification", "Correct data about me (Art. 16)"),
    ("erasure", "Delete my data (Art. 17)"),
    ("restriction", "Stop using my data for now (Art. 18)"),
    ("object", "Object to how you use my data (Art. 21)"),
)
#: How long the confirmation link works.  No legal number: short, because it proves control of
#: the mailbox now; the customer can submit again.
VERIFY_TOKEN_HOURS = 24
#: How long the status link works: past any extended deadline (one month plus two, Art. 12(3)).
STATUS_TOKEN_DAYS = 120
_FORMAT = "rq1"
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
_MAX_MESSAGE = 2000
_B64 = re.compile(r"[A-Za-z0-9_-]+")
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_LABELS = dict(FORM_RIGHTS)
_STATE_WORDS = {
    RequestState.AWAITING_IDENTITY: "Waiting for you to confirm your e-mail address",
    RequestState.OPEN: "Received: we are working on it",
    RequestState.FULFILLED: "Answered",
    RequestState.REFUSED: "Refused (we have written to you with the reason)",
}


class RequestForm:
    """The checked fields of a submitted form (the e-mail is personal: not in the repr)."""

    __slots__ = ("email", "message", "right")

    def __init__(self, right: str, email: str, message: str) -> None:
        self.right, self.email, self.message = right, email, message

    def __repr__(self) -> str:
        return f"RequestForm(right={self.right!r})"


def parse_request_form(form: Mapping[str, str]) -> tuple[RequestForm | None, dict[str, str]]:
    """Check the form; return the fields, or ``None`` and an error per field in plain words.

    Example:
        >>> fields, errors = parse_request_form({"right": "access", "email": "a@b.example"})
        >>> fields.right, errors
        ('access', {})
        >>> parse_request_form({"right": "x", "email": "a@b.example\\nBcc: c@d.ex"})[1]["email"]
        'Enter an e-mail address, like name@example.com.'
    """
    errors: dict[str, str] = {}
    right = form.get("right", "")
    if right not in _LABELS:
        errors["right"] = "Choose what you would like us to do."
    email = form.get("email", "").strip()
    if len(email) > _MAX_EMAIL or not _EMAIL.fullmatch(email):
        errors["email"] = "Enter an e-mail address, like name@example.com."
    message = form.get("message", "")
    if len(message) > _MAX_MESSAGE:
        errors["message"] = f"Please keep the message under {_MAX_MESSAGE} characters."
    if errors:
        return None, errors
    return RequestForm(right, email, message), {}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64.fullmatch(text):
        raise InvalidInput("token is malformed")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("token is malformed") from None
    if _b64(raw) != text:  # non-canonical padding bits: one value has one spelling
        raise InvalidInput("token is malformed")
    return raw


def _tag(ring: KeyRing, key_id: str, use: str, signed: str) -> str:
    key = ring.derive(f"gdprkit.request-{use}", key_id=key_id)
    return _b64(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest())


def sign_token(ring: KeyRing, *, use: str, request_id: str, expires: dt.datetime) -> str:
    """A signed token for ``use`` (``"verify"`` or ``"status"``) of request ``request_id``.

    Example:
        >>> ring = KeyRing.generate()
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> token = sign_token(ring, use="verify", request_id="req-1", expires=t)
        >>> read_token(ring, token, use="verify", now=t - dt.timedelta(hours=1))
        'req-1'
    """
    seconds = int(expires.timestamp())
    payload = _b64(f"{request_id}|{seconds}".encode())
    signed = f"{_FORMAT}.{ring.active_id}.{payload}"
    return f"{signed}.{_tag(ring, ring.active_id, use, signed)}"


def read_token(ring: KeyRing, token: str, *, use: str, now: dt.datetime) -> str:
    """The request id of a valid, unexpired token for ``use``.

    Raises:
        InvalidInput: malformed, signed by a key not in the ring, tampered with, made for
            another use, or expired (the message says which, never the token).

    Example:
        >>> ring = KeyRing.generate()
        >>> t = dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc)
        >>> token = sign_token(ring, use="verify", request_id="req-1", expires=t)
        >>> read_token(ring, token, use="status", now=t)
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidInput: token signature does not match
    """
    if not token.isascii() or len(token) > 512:
        raise InvalidInput("token is malformed")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != _FORMAT or not _KEY_ID.fullmatch(parts[1]):
        raise InvalidInput("token is malformed")
    _, key_id, payload, tag = parts
    if key_id not in ring:
        raise InvalidInput("token was signed with a key this shop no longer has")
    expected = _tag(ring, key_id, use, f"{_FORMAT}.{key_id}.{payload}")
    if not hmac.compare_digest(expected.encode("ascii"), tag.encode("ascii")):
        raise InvalidInput("token signature does not match")
    try:
        request_id, seconds_text = _unb64(payload).decode("utf-8").rsplit("|", 1)
        expires = dt.datetime.fromtimestamp(int(seconds_text), tz=dt.timezone.utc)
    except (ValueError, OverflowError, OSError, UnicodeDecodeError):
        raise InvalidInput("token is malformed") from None
    if now >= expires:
        raise InvalidInput("token has expired")
    return request_id


def status_context(
    request: SubjectRequest, *, now: dt.datetime, holidays: Any = None
) -> dict[str, Any]:
    """What the status page shows: the right, the state in words, the dates.

    Example:
        >>> utc = dt.timezone.utc
        >>> r = SubjectRequest("req-1", "access", received=dt.datetime(2025, 2, 15, tzinfo=utc),
        ...                    channel="web_form")
        >>> status_context(r, now=dt.datetime(2025, 2, 16, tzinfo=utc))["deadline"]
        'Monday 17 March 2025'
    """
    deadline = request.deadline(holidays=holidays, now=now)
    awaiting = request.state is RequestState.AWAITING_IDENTITY
    return {
        "reference": request.id,
        "right_label": _LABELS.get(request.right.value, request.right.label),
        "state_words": _STATE_WORDS[request.state],
        "received": request.received.strftime("%A %d %B %Y").replace(" 0", " "),
        "deadline": deadline.strftime("%A %d %B %Y").replace(" 0", " "),
        "awaiting": awaiting,
        "closed": request.state.closed,
        "overdue": (not request.state.closed) and request.is_overdue(now, holidays=holidays),
    }
