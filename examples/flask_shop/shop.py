"""A tiny Flask shop with gdprkit: newsletter sign-up with consent, orders, cookie banner,
data-subject requests, retention and exports.

Run it with ``flask --app shop run`` after setting ``GDPRKIT_KEYRING`` (see the tutorial,
docs/tutorials/flask-shop.md); ``run.py`` drives it end to end with Flask's test client.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import flask  # noqa: TID251 - the example of the flask integration

from gdprkit.consent import Consent, Evidence, notice_digest
from gdprkit.export import Dataset
from gdprkit.integrations.flask import (
    GdprKit,
    consent_required,
    cookie_allowed,
    create_blueprint,
    current_subject,
    gdprkit_state,
)
from gdprkit.ip import TruncationMasker
from gdprkit.requests import SubjectRequest
from gdprkit.retention import Decision, Record

REGISTER = Path(__file__).resolve().parent.parent / "register.toml"
NEWSLETTER_NOTICE = "Yes, send me the Dyqani newsletter with offers. Unsubscribe at any time."
COOKIE_NOTICE = "We count visits with statistics cookies, only if you allow them."
COOKIES = [  # the cookie declaration shown in the banner's settings
    {"name": "session", "provider": "Dyqani", "purpose": "Keeps you signed in and protects "
     "forms", "duration": "Until you close the browser", "category": "necessary"},
    {"name": "gdprkit_consent", "provider": "Dyqani", "purpose": "Remembers your cookie choice",
     "duration": "6 months", "category": "necessary"},
    {"name": "_shop_stats", "provider": "Dyqani", "purpose": "Counts visits",
     "duration": "13 months", "category": "statistics"},
]  # fmt: skip

gdpr = GdprKit()


class ShopData:
    """The shop's own tables, in memory for the example (a real shop has a database)."""

    def __init__(self) -> None:
        self.customers: dict[str, str] = {}  # customer id -> e-mail
        self.orders: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[SubjectRequest, str | None, str]] = []
        self.outbox: list[tuple[str, str]] = []  # (address, confirmation link) e-mails sent
        self.ids = itertools.count(1)


def create_app(config: dict[str, Any] | None = None) -> flask.Flask:
    """The application factory."""
    app = flask.Flask(__name__)
    app.config.update(
        SECRET_KEY="change-me",  # noqa: S106 - an example; use a real secret
        SESSION_COOKIE_SAMESITE="Lax",
        GDPRKIT_REGISTER=str(REGISTER),
        GDPRKIT_POLICY_VERSION="2025-03",
        GDPRKIT_COOKIE_PURPOSES={"statistics": "web_analytics"},
        GDPRKIT_COOKIE_NOTICE=COOKIE_NOTICE,
        GDPRKIT_COOKIES=COOKIES,
        GDPRKIT_TIMEZONE="Europe/Tirane",
    )
    app.config.update(config or {})
    app.extensions["shop"] = ShopData()
    gdpr.init_app(app)
    app.register_blueprint(create_blueprint(), url_prefix="/gdpr")
    app.register_blueprint(views)
    return app


def data() -> ShopData:
    shop: ShopData = flask.current_app.extensions["shop"]
    return shop


# -- gdprkit callbacks -----------------------------------------------------------------------


@gdpr.subject_loader
def logged_in_customer() -> str | None:
    """The customer id kept in the session at sign-up (flask-login: current_user.get_id())."""
    return flask.session.get("customer")


@gdpr.request_handler
def keep_request(request: SubjectRequest, *, email: str | None, message: str) -> None:
    """Store a data-subject request; staff answer it by request.deadline()."""
    data().requests.append((request, email, message))


@gdpr.verification_mailer
def send_confirmation(email: str, link: str, request: SubjectRequest) -> None:
    """E-mail the link that confirms a request made through the form (here: the shop's outbox)."""
    data().outbox.append((email, link))


@gdpr.request_verified_handler
def request_confirmed(request: SubjectRequest) -> None:
    """The customer followed the link: the request's deadline runs now."""
    shop = data()
    shop.requests = [(request if r.id == request.id else r, e, m) for r, e, m in shop.requests]


@gdpr.datasets_loader
def customer_datasets(customer: str) -> list[Dataset]:
    """What the shop holds about one customer, by register purpose."""
    shop = data()
    account = [{"customer": customer, "email": shop.customers.get(customer)}]
    orders = [
        {k: v for k, v in order.items() if k != "delivered"} | {"id": order_id}
        for order_id, order in shop.orders.items()
        if order["customer"] == customer
    ]
    return [Dataset("account", "account", account), Dataset("orders", "order_fulfilment", orders)]


@gdpr.records_loader
def retention_records() -> list[Record]:
    """Every order as a retention record: the register keeps them after delivery."""
    return [
        Record(
            "order_fulfilment",
            order_id,
            events={"order_delivered": order["delivered"]},
            subject_id=order["customer"],
        )
        for order_id, order in data().orders.items()
    ]


@gdpr.retention_handler
def apply_retention(decision: Decision) -> None:
    """Delete what is due; anything to review is left for staff (logged)."""
    if decision.action.value == "delete":
        data().orders.pop(decision.record_id, None)
    else:
        flask.current_app.logger.warning("retention review: %s", decision.record_id)


# -- the shop's views --------------------------------------------------------------------------

views = flask.Blueprint("shop", __name__)


def _evidence() -> Evidence:
    address = flask.request.remote_addr or "0.0.0.0"  # noqa: S104 - an address, not a bind
    return Evidence(
        method="checkbox",
        notice_version="newsletter-2025-03",
        notice_sha256=notice_digest(NEWSLETTER_NOTICE),
        locale="en",
        channel="web",
        collected_by="shop.signup",
        ip=TruncationMasker.preset("ga").apply(address),
    )


def _now() -> dt.datetime:
    return gdprkit_state().now()


@views.get("/")
def home() -> str:
    # templates/index.html loads the analytics script only with consent (ePrivacy Art. 5(3)):
    # {{ gdprkit_script(url_for("static", filename="analytics.js"), category="statistics") }}  # noqa: ERA001
    return flask.render_template("index.html", analytics=cookie_allowed("statistics"))


@views.post("/signup")
def signup() -> tuple[dict[str, Any], int]:
    body = flask.request.get_json(silent=True) or {}
    email = body.get("email")
    if not isinstance(email, str) or "@" not in email:
        return {"error": "email is required"}, 422
    customer = f"c-{next(data().ids)}"
    data().customers[customer] = email
    flask.session["customer"] = customer
    if body.get("newsletter") is True:  # an unticked box the customer ticked, never pre-ticked
        now = _now()
        gdprkit_state().ledger.record(
            customer, Consent("direct_marketing", True, now, _evidence()), now=now
        )
    return {"customer": customer}, 201


@views.get("/offers")
@consent_required("direct_marketing")
def offers() -> dict[str, Any]:
    return {"offers": ["10% off tea"], "for": current_subject()}


@views.post("/unsubscribe")
def unsubscribe() -> dict[str, Any]:
    customer = current_subject()
    if customer is None:
        flask.abort(401)
    now = _now()
    gdprkit_state().ledger.withdraw(customer, ["direct_marketing"], at=now, now=now)
    return {"newsletter": False}


@views.post("/orders")
def order() -> tuple[dict[str, Any], int]:
    customer = current_subject()
    if customer is None:
        flask.abort(401)
    body = flask.request.get_json(silent=True) or {}
    order_id = f"o-{next(data().ids)}"
    data().orders[order_id] = {
        "customer": customer,
        "items": list(body.get("items", [])),
        "delivered": _now(),
    }
    flask.current_app.logger.info("order %s from %s", order_id, flask.request.remote_addr)
    return {"order": order_id}, 201
