"""A Flask extension: the register, the consent ledger and cookie consent in a Flask app.

:class:`GdprKit` follows the usual extension conventions (Flask-SQLAlchemy, Flask-Login): create
it once, call :meth:`GdprKit.init_app` per app (or pass the app to the constructor), configure it
from ``app.config["GDPRKIT_*"]``.  Per-app state (:class:`GdprKitState`) lives in
``app.extensions["gdprkit"]``; the extension never keeps a reference to an app, so one extension
serves any number of apps (application factories, tests).  Needs ``pip install "gdprkit[flask]"``.

Configuration keys (all optional but ``GDPRKIT_REGISTER``):

- ``GDPRKIT_REGISTER``: path of the register TOML file, or a :class:`~gdprkit.register.Register`.
- ``GDPRKIT_KEYRING``: key ring source, ``"env:NAME"`` (default ``"env:GDPRKIT_KEYRING"``),
  ``"file:/path/keys.json"`` or a :class:`~gdprkit.pseudonymise.KeyRing`.  It signs the consent
  cookie and keys the ledger's subject pseudonyms.
- ``GDPRKIT_STORE_URL``: the consent store.  ``None`` (default): the SQLite file
  ``<instance path>/gdprkit-consent.sqlite3``; ``"sqlite:///path"``: a SQLite file;
  ``"memory://"``: in-process (tests); any other SQLAlchemy URL (``"postgresql://..."``, read as
  ``postgresql+psycopg://``): the SQLAlchemy store.
- ``GDPRKIT_LEDGER_KEY_ID``: the ring's key that keys the ledger's subject pseudonyms (default:
  the oldest key in the ring).  Pseudonyms depend on it: keep that key in the ring when rotating.
- ``GDPRKIT_STORE_PREFIX``: table-name prefix of the SQLAlchemy store (``"gdprkit_consent"``).
- ``GDPRKIT_COOKIE_NAME``: name of the consent cookie (``"gdprkit_consent"``).
- ``GDPRKIT_COOKIE_MAX_AGE``: how long a cookie choice stands (``"6 months"``: CNIL
  deliberation 2020-092 [S207], not binding; ``None`` for no limit).
- ``GDPRKIT_COOKIE_SECURE``: the cookie's ``Secure`` flag (``True``).
- ``GDPRKIT_COOKIE_AUDIENCE``: the site the consent cookie is signed for (default ``None``: the
  request's host as Flask validated it, so set ``TRUSTED_HOSTS`` or this key in production);
  two apps sharing a key ring refuse each other's cookies.
- ``GDPRKIT_POLICY_VERSION``: cookie policy version written into choices (``"1"``); a choice
  made under another version counts as "not decided".
- ``GDPRKIT_COOKIE_PURPOSES``: cookie category → register purpose id, to record a logged-in
  visitor's cookie choice in the ledger too (default ``{}``: the cookie only).
- ``GDPRKIT_COOKIE_NOTICE``: the banner's text; its SHA-256 goes into the ledger evidence
  (required with ``GDPRKIT_COOKIE_PURPOSES``).
- ``GDPRKIT_LOCALE``: language tag recorded in the evidence of banner choices (``"en"``).
- ``GDPRKIT_TIME_ZONE`` (or its older spelling ``GDPRKIT_TIMEZONE``): the controller's IANA time
  zone; a subject request's day of receipt, and so its deadline, and the retention schedule's
  days are counted there (default: the register's ``controller.time_zone``, else UTC).
- ``GDPRKIT_SUBJECT_SESSION_KEY``: session key of the logged-in subject's id (``"user_id"``),
  used when no :meth:`GdprKit.subject_loader` is registered.
- ``GDPRKIT_MASK_LOGS``: mask client addresses in ``werkzeug`` and app logs (``True``).
- ``GDPRKIT_MASK_PRESET``: truncation preset for logs and evidence (``"ga"``: IPv4 /24, IPv6 /48).
- ``GDPRKIT_RATE_LIMIT``, ``GDPRKIT_RATE_WINDOW``, ``GDPRKIT_RATE_CLIENTS``: the blueprint's
  POSTs allowed per client per window (``10`` per ``60`` seconds), and how many clients the
  limiter remembers at most (``10000``).
- ``GDPRKIT_RATE_IPV6_PREFIX``: an IPv6 client is counted by its network of this prefix length
  (``64``: one customer's /64, RFC 6177); IPv4 clients by their address.
- ``GDPRKIT_BANNER_TEXT``: the banner's first paragraph (default: ``GDPRKIT_COOKIE_NOTICE``, or
  a neutral text).  Its digest, with the category descriptions, is the ledger evidence.
- ``GDPRKIT_COOKIES``: the cookie declaration shown per category, a list of dicts with
  ``name``, ``provider``, ``purpose``, ``duration`` and ``category``.  A category is offered in
  the banner when a cookie of it is declared or it maps to a register purpose.

The package has one module per concern: ``_settings`` (the keys above, parsed once into a
frozen :class:`FlaskSettings`), ``_state`` (per-app resources), ``_extension``
(:class:`GdprKit`), ``_consent`` (the choice on ``g``, ``@consent_required``), ``_pages`` (the
customer-facing pages and Jinja globals), ``_blueprint``, ``_cli`` and ``_logging``.

Example:
    >>> import flask  # noqa: TID251
    >>> from gdprkit.pseudonymise import KeyRing
    >>> from gdprkit.register import Controller, Purpose, Register
    >>> reg = Register(Controller(name="Shop", contact="privacy@shop.example"), [
    ...     Purpose(id="newsletter", description="News", basis="consent", withdrawal="link")])
    >>> app = flask.Flask("shop")
    >>> app.config.update(GDPRKIT_REGISTER=reg, GDPRKIT_KEYRING=KeyRing.generate(),
    ...                   GDPRKIT_STORE_URL="memory://")
    >>> gdpr = GdprKit(app)
    >>> with app.app_context():
    ...     gdpr.ledger.allows("customer-1", "newsletter")
    False
"""

from __future__ import annotations

from gdprkit.errors import MissingDependency

try:
    import click  # noqa: F401
    import flask  # noqa: TID251 - this package is the flask extra
    import flask.cli  # noqa: TID251, F401
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'gdprkit.integrations.flask needs Flask: pip install "gdprkit[flask]"'
    ) from exc

from ._blueprint import MAX_BODY_BYTES, REQUESTABLE_RIGHTS, create_blueprint
from ._cli import gdpr_cli
from ._consent import consent_required, cookie_allowed, cookie_consent, current_subject
from ._extension import GdprKit
from ._logging import install_log_masking
from ._pages import record_banner_choice
from ._settings import FlaskSettings
from ._state import GdprKitState, gdprkit_state

__all__ = [
    "MAX_BODY_BYTES",
    "REQUESTABLE_RIGHTS",
    "FlaskSettings",
    "GdprKit",
    "GdprKitState",
    "consent_required",
    "cookie_allowed",
    "cookie_consent",
    "create_blueprint",
    "current_subject",
    "gdpr_cli",
    "gdprkit_state",
    "install_log_masking",
    "record_banner_choice",
]
