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
  recommendation, FACTS.md §8d, not binding; ``None`` for no limit).
- ``GDPRKIT_COOKIE_SECURE``: the cookie's ``Secure`` flag (``True``).
- ``GDPRKIT_POLICY_VERSION``: cookie policy version written into choices (``"1"``); a choice
  made under another version counts as "not decided".
- ``GDPRKIT_COOKIE_PURPOSES``: cookie category → register purpose id, to record a logged-in
  visitor's cookie choice in the ledger too (default ``{}``: the cookie only).
- ``GDPRKIT_COOKIE_NOTICE``: the banner's text; its SHA-256 goes into the ledger evidence
  (required with ``GDPRKIT_COOKIE_PURPOSES``).
- ``GDPRKIT_LOCALE``: language tag recorded in the evidence of banner choices (``"en"``).
- ``GDPRKIT_TIMEZONE``: the shop's IANA time zone; a subject request's day of receipt, and so its
  deadline, is counted there (``"UTC"``).
- ``GDPRKIT_SUBJECT_SESSION_KEY``: session key of the logged-in subject's id (``"user_id"``),
  used when no :meth:`GdprKit.subject_loader` is registered.
- ``GDPRKIT_MASK_LOGS``: mask client addresses in ``werkzeug`` and app logs (``True``).
- ``GDPRKIT_MASK_PRESET``: truncation preset for logs and evidence (``"ga"``: IPv4 /24, IPv6 /48).
- ``GDPRKIT_RATE_LIMIT``, ``GDPRKIT_RATE_WINDOW``, ``GDPRKIT_RATE_CLIENTS``: the blueprint's
  POSTs allowed per client per window (``10`` per ``60`` seconds), and how many clients the
  limiter remembers at most (``10000``).

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

import datetime as dt
import functools
import logging
import math
import os
import re
import secrets
import threading
import time
import zoneinfo
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

from gdprkit._files import atomic_output
from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import ConfigurationError, InvalidInput, InvalidType, MissingDependency

try:
    import click
    import flask  # noqa: TID251 - this module is the flask extra
    import flask.cli  # noqa: TID251
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'gdprkit.integrations.flask needs Flask: pip install "gdprkit[flask]"'
    ) from exc

from gdprkit.consent import ConsentLedger, ConsentStore, MemoryStore, SQLiteStore
from gdprkit.consent.cookies import CookieCategory, CookieConsent, cookie_consent_or_none
from gdprkit.integrations.logging import IPMaskingFilter
from gdprkit.ip import TruncationMasker
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Duration, Register, load_register
from gdprkit.retention import RetentionSchedule

if TYPE_CHECKING:
    from gdprkit.export import AccessReport, Dataset, PortabilityPackage
    from gdprkit.retention import Decision, RecordLike

__all__ = [
    "MAX_BODY_BYTES",
    "REQUESTABLE_RIGHTS",
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
]

_EXTENSION = "gdprkit"
_G_COOKIE = "gdprkit_cookie_consent"
_DEFAULT_STORE_FILE = "gdprkit-consent.sqlite3"
_EVIDENCE_MASKER = TruncationMasker.preset("ga")

_F = TypeVar("_F", bound=Callable[..., Any])
SubjectLoader = Callable[[], "str | None"]
DatasetsLoader = Callable[[str], "Iterable[Dataset]"]
RecordsLoader = Callable[[], "Iterable[RecordLike]"]
RetentionHandler = Callable[["Decision"], None]
RequestHandler = Callable[..., None]


def _setting(config: Mapping[str, Any], name: str, default: Any) -> Any:
    return config.get(f"GDPRKIT_{name}", default)


def _load_keyring(source: object) -> KeyRing:
    if isinstance(source, KeyRing):
        return source
    if not isinstance(source, str) or ":" not in source:
        raise ConfigurationError(
            "GDPRKIT_KEYRING must be 'env:NAME', 'file:/path/to/keys.json' or a KeyRing"
        )
    kind, _, where = source.partition(":")
    if kind == "env":
        return KeyRing.from_env(where)
    if kind == "file":
        return KeyRing.from_file(where)
    raise ConfigurationError("GDPRKIT_KEYRING must start with 'env:' or 'file:' (or be a KeyRing)")


def _load_register(source: object) -> Register:
    if isinstance(source, Register):
        return source
    if isinstance(source, (str, os.PathLike)):
        return load_register(source)
    raise ConfigurationError(
        "GDPRKIT_REGISTER must be the path of a register TOML file or a Register"
    )


def _open_store(url: object, *, instance_path: str, prefix: str) -> ConsentStore:
    if url is None:
        Path(instance_path).mkdir(parents=True, exist_ok=True)
        return SQLiteStore(Path(instance_path) / _DEFAULT_STORE_FILE)
    if not isinstance(url, str):
        raise ConfigurationError("GDPRKIT_STORE_URL must be a URL string or None")
    if url == "memory://":
        return MemoryStore()
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return SQLiteStore(url[len("sqlite:///") :])
    # The "postgresql" extra installs psycopg (version 3); SQLAlchemy's bare "postgresql://"
    # would pick psycopg2, which that extra does not install.
    for bare in ("postgresql://", "postgres://"):
        if url.startswith(bare):
            url = "postgresql+psycopg://" + url[len(bare) :]
    from gdprkit.consent.sqlalchemy import SQLAlchemyStore  # noqa: PLC0415 - optional extra

    return SQLAlchemyStore(url, prefix=prefix)


class _RateLimiter:
    """At most ``limit`` hits per client per ``window`` seconds, remembering ``capacity`` clients.

    A fixed window per client in an LRU map: memory is bounded by ``capacity`` entries; when
    full, the least recently seen client is forgotten (and starts afresh).  Per process only.
    """

    def __init__(
        self, *, limit: int, window: float, capacity: int, clock: Callable[[], float]
    ) -> None:
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self.clock = clock
        self._hits: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, client: str) -> float | None:
        """Count a hit; return ``None`` when allowed, else the seconds until the window ends."""
        now = self.clock()
        with self._lock:
            start, count = self._hits.pop(client, (now, 0))
            if now - start >= self.window:
                start, count = now, 0
            count += 1
            self._hits[client] = (start, count)
            while len(self._hits) > self.capacity:
                self._hits.popitem(last=False)
            if count > self.limit:
                return max(0.0, start + self.window - now)
            return None


class GdprKitState:
    """Per-app state of :class:`GdprKit`: configuration, register, key ring, ledger, schedule.

    Found in ``app.extensions["gdprkit"]`` (or with :func:`gdprkit_state`).  The key ring and the
    consent store are opened on first use, so creating the app (or running ``flask gdpr check``)
    needs no database.

    Raises:
        ConfigurationError: ``GDPRKIT_REGISTER`` is missing or a setting is unusable.

    Example:
        >>> GdprKitState  # doctest: +ELLIPSIS
        <class 'gdprkit.integrations.flask.GdprKitState'>
    """

    def __init__(self, extension: GdprKit, app: flask.Flask) -> None:
        config = app.config
        self.extension = extension
        source = _setting(config, "REGISTER", None)
        if source is None:
            raise ConfigurationError("GDPRKIT_REGISTER must name the register TOML file")
        self._register_source = source
        self._keyring_source = _setting(config, "KEYRING", "env:GDPRKIT_KEYRING")
        self._ledger_key_id = _setting(config, "LEDGER_KEY_ID", None)
        self._store_url = _setting(config, "STORE_URL", None)
        if self._store_url is not None and not isinstance(self._store_url, str):
            raise ConfigurationError("GDPRKIT_STORE_URL must be a URL string or None")
        self._store_prefix = str(_setting(config, "STORE_PREFIX", "gdprkit_consent"))
        self._instance_path = app.instance_path
        self.cookie_name = str(_setting(config, "COOKIE_NAME", "gdprkit_consent"))
        max_age = _setting(config, "COOKIE_MAX_AGE", "6 months")
        self.cookie_max_age: Duration | None = None
        if max_age is not None:
            try:
                self.cookie_max_age = Duration.parse(max_age)
            except (InvalidInput, InvalidType) as exc:
                raise ConfigurationError(f"GDPRKIT_COOKIE_MAX_AGE: {exc}") from None
        self.cookie_secure = bool(_setting(config, "COOKIE_SECURE", True))
        self.policy_version = str(_setting(config, "POLICY_VERSION", "1"))
        purposes = dict(_setting(config, "COOKIE_PURPOSES", {}) or {})
        self.cookie_purposes: dict[CookieCategory | str, str] = {}
        for category, purpose in purposes.items():
            try:
                chosen = CookieCategory(category)
            except ValueError:
                raise ConfigurationError(
                    "GDPRKIT_COOKIE_PURPOSES: keys must be cookie categories "
                    f"({', '.join(c.value for c in CookieCategory)})"
                ) from None
            if chosen is CookieCategory.STRICTLY_NECESSARY:
                raise ConfigurationError(
                    "GDPRKIT_COOKIE_PURPOSES: strictly necessary cookies need no consent"
                )
            self.cookie_purposes[chosen] = str(purpose)
        notice = _setting(config, "COOKIE_NOTICE", None)
        if self.cookie_purposes and not isinstance(notice, str):
            raise ConfigurationError(
                "GDPRKIT_COOKIE_NOTICE (the banner text) is required with GDPRKIT_COOKIE_PURPOSES"
            )
        self.cookie_notice: str | None = notice
        self.locale = str(_setting(config, "LOCALE", "en"))
        zone = _setting(config, "TIMEZONE", "UTC")
        try:
            self.timezone = zoneinfo.ZoneInfo(str(zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError("GDPRKIT_TIMEZONE must be an IANA time zone name") from None
        self.subject_session_key = str(_setting(config, "SUBJECT_SESSION_KEY", "user_id"))
        try:
            self.masker = TruncationMasker.preset(str(_setting(config, "MASK_PRESET", "ga")))
        except InvalidInput as exc:
            raise ConfigurationError(f"GDPRKIT_MASK_PRESET: {exc}") from None
        self.mask_logs = bool(_setting(config, "MASK_LOGS", True))
        limit = _setting(config, "RATE_LIMIT", 10)
        window = _setting(config, "RATE_WINDOW", 60)
        capacity = _setting(config, "RATE_CLIENTS", 10_000)
        for name, value, kinds in (
            ("RATE_LIMIT", limit, (int,)),
            ("RATE_WINDOW", window, (int, float)),
            ("RATE_CLIENTS", capacity, (int,)),
        ):
            if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:
                raise ConfigurationError(f"GDPRKIT_{name} must be a positive number")
        self.rate_limiter = _RateLimiter(
            limit=int(limit), window=float(window), capacity=int(capacity),
            clock=extension.monotonic,
        )  # fmt: skip
        self._lock = threading.Lock()
        self._register: Register | None = None
        self._keyring: KeyRing | None = None
        self._store: ConsentStore | None = None
        self._ledger: ConsentLedger | None = None
        self._schedule: RetentionSchedule | None = None

    def __repr__(self) -> str:
        opened = "open" if self._store is not None else "not opened"
        return f"GdprKitState(store={opened})"

    # -- resources, opened on first use --------------------------------------------------------

    @property
    def register(self) -> Register:
        """The processing register (loaded on first use).

        Raises:
            RegisterError: the file is not a valid register.
        """
        if self._register is None:
            with self._lock:
                if self._register is None:
                    self._register = _load_register(self._register_source)
        return self._register

    @property
    def keyring(self) -> KeyRing:
        """The shop's key ring: signs cookies and keys the ledger's subject pseudonyms.

        Raises:
            KeyMaterialError: the key ring cannot be loaded.
        """
        if self._keyring is None:
            with self._lock:
                if self._keyring is None:
                    self._keyring = _load_keyring(self._keyring_source)
        return self._keyring

    @property
    def store(self) -> ConsentStore:
        """The consent store (opened on first use)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = _open_store(
                        self._store_url,
                        instance_path=self._instance_path,
                        prefix=self._store_prefix,
                    )
        return self._store

    @property
    def ledger(self) -> ConsentLedger:
        """The consent ledger on :attr:`store`, checked against :attr:`register`."""
        if self._ledger is None:
            ring = self.keyring
            key_id = self._ledger_key_id or ring.ids[0]
            if key_id not in ring:
                raise ConfigurationError(
                    "GDPRKIT_LEDGER_KEY_ID names a key that is not in the ring"
                )
            ledger = ConsentLedger(self.store, key=ring, key_id=key_id, register=self.register)
            with self._lock:
                if self._ledger is None:
                    self._ledger = ledger
        return self._ledger

    @property
    def schedule(self) -> RetentionSchedule:
        """The retention schedule the register states."""
        if self._schedule is None:
            self._schedule = RetentionSchedule.from_register(self.register)
        return self._schedule

    def close(self) -> None:
        """Close the consent store (it is opened again on next use)."""
        with self._lock:
            store, self._store, self._ledger = self._store, None, None
        if store is not None:
            store.close()

    def now(self) -> dt.datetime:
        """The current time from the extension's clock.

        Raises:
            NaiveDatetimeError: the clock returned a naive datetime.
        """
        return ensure_aware(self.extension.now(), "now")

    # -- exporters -------------------------------------------------------------------------

    def _datasets(self, subject: str) -> list[Dataset]:
        loader = self.extension.datasets_callback
        if loader is None:
            raise ConfigurationError(
                "no datasets loader: decorate a function with @gdpr.datasets_loader"
            )
        return list(loader(subject))

    def write_package(
        self, subject: str, path: str | os.PathLike[str], *, now: dt.datetime | None = None
    ) -> PortabilityPackage:
        """Write ``subject``'s Art. 20 portability package to ``path`` (atomically).

        The datasets come from the :meth:`GdprKit.datasets_loader`; the manifest names the
        subject by its ledger pseudonym, never by the id.

        Raises:
            ConfigurationError: no datasets loader is registered; otherwise as for
                :func:`gdprkit.export.write_package`.
        """
        from gdprkit.export import write_package  # noqa: PLC0415 - keeps app start-up light

        when = self.now() if now is None else ensure_aware(now, "now")
        return write_package(
            path,
            self.register,
            self.ledger.pseudonym(subject),
            self._datasets(subject),
            generated_at=when,
        )

    def access_report(self, subject: str, *, now: dt.datetime | None = None) -> AccessReport:
        """Build ``subject``'s Art. 15 access report from the registered datasets loader.

        Raises:
            ConfigurationError: no datasets loader is registered; otherwise as for
                :func:`gdprkit.export.build_access_report`.
        """
        from gdprkit.export import build_access_report  # noqa: PLC0415

        when = self.now() if now is None else ensure_aware(now, "now")
        return build_access_report(
            self.register,
            self.ledger.pseudonym(subject),
            self._datasets(subject),
            generated_at=when,
        )


class GdprKit:
    """The Flask extension: ``GdprKit(app)`` or ``gdpr = GdprKit()`` then ``gdpr.init_app(app)``.

    ``now`` and ``monotonic`` are the clocks (the current UTC time, and seconds for the rate
    limit); tests pass their own instead of sleeping.  The attributes :attr:`ledger`,
    :attr:`schedule`, :attr:`register` and :attr:`keyring` and the exporters read the current
    app's state, so they work inside an app or request context.

    Raises:
        ConfigurationError: from :meth:`init_app`, when a setting is unusable.

    Example:
        >>> import flask  # noqa: TID251
        >>> from gdprkit.pseudonymise import KeyRing
        >>> from gdprkit.register import Controller, Purpose, Register
        >>> gdpr = GdprKit()
        >>> app = flask.Flask("shop")
        >>> app.config.update(GDPRKIT_KEYRING=KeyRing.generate(), GDPRKIT_STORE_URL="memory://",
        ...     GDPRKIT_REGISTER=Register(Controller(name="S", contact="p@s.example"), []))
        >>> gdpr.init_app(app)
        >>> "gdprkit" in app.extensions
        True
    """

    def __init__(
        self,
        app: flask.Flask | None = None,
        *,
        now: Callable[[], dt.datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.now = now
        self.monotonic = monotonic
        self.subject_callback: SubjectLoader | None = None
        self.datasets_callback: DatasetsLoader | None = None
        self.records_callback: RecordsLoader | None = None
        self.retention_callback: RetentionHandler | None = None
        self.request_callback: RequestHandler | None = None
        if app is not None:
            self.init_app(app)

    def __repr__(self) -> str:
        return "GdprKit()"

    def init_app(self, app: flask.Flask) -> None:
        """Configure ``app``: state, the per-request cookie consent, log masking, CLI commands.

        Raises:
            ConfigurationError: ``GDPRKIT_REGISTER`` is missing or a setting is unusable.
        """
        state = GdprKitState(self, app)
        app.extensions[_EXTENSION] = state
        app.before_request(_load_cookie_consent)
        if state.mask_logs:
            install_log_masking(app, state.masker)
        if "gdpr" not in app.cli.commands:
            app.cli.add_command(gdpr_cli)

    # -- callbacks (Flask-Login style) -----------------------------------------------------

    def subject_loader(self, callback: SubjectLoader) -> SubjectLoader:
        """Register the function that returns the current data subject's id (or ``None``).

        Called inside a request.  With flask-login::

            @gdpr.subject_loader
            def subject():
                return current_user.get_id() if current_user.is_authenticated else None

        Without one, the id is ``session[GDPRKIT_SUBJECT_SESSION_KEY]``.
        """
        self.subject_callback = callback
        return callback

    def datasets_loader(self, callback: DatasetsLoader) -> DatasetsLoader:
        """Register ``callback(subject_id) -> iterable of Dataset`` for exports."""
        self.datasets_callback = callback
        return callback

    def records_loader(self, callback: RecordsLoader) -> RecordsLoader:
        """Register ``callback() -> iterable of RecordLike`` for ``flask gdpr retention``."""
        self.records_callback = callback
        return callback

    def retention_handler(self, callback: RetentionHandler) -> RetentionHandler:
        """Register ``callback(decision)``, called for each decision due now (delete, ...)."""
        self.retention_callback = callback
        return callback

    def request_handler(self, callback: RequestHandler) -> RequestHandler:
        """Register ``callback(request, *, email, message)`` for received subject requests.

        ``request`` is a new :class:`~gdprkit.requests.SubjectRequest`; store it and answer by
        its deadline.  Without a handler the blueprint refuses requests (status 503) rather
        than lose them.
        """
        self.request_callback = callback
        return callback

    # -- the current app's state -------------------------------------------------------------

    @property
    def state(self) -> GdprKitState:
        """The current app's :class:`GdprKitState`.

        Raises:
            RuntimeError: outside an app context; ConfigurationError: not initialised.
        """
        return gdprkit_state()

    @property
    def register(self) -> Register:
        """The current app's register."""
        return self.state.register

    @property
    def keyring(self) -> KeyRing:
        """The current app's key ring."""
        return self.state.keyring

    @property
    def ledger(self) -> ConsentLedger:
        """The current app's consent ledger."""
        return self.state.ledger

    @property
    def schedule(self) -> RetentionSchedule:
        """The current app's retention schedule."""
        return self.state.schedule

    def write_package(
        self, subject: str, path: str | os.PathLike[str], *, now: dt.datetime | None = None
    ) -> PortabilityPackage:
        """:meth:`GdprKitState.write_package` of the current app."""
        return self.state.write_package(subject, path, now=now)

    def access_report(self, subject: str, *, now: dt.datetime | None = None) -> AccessReport:
        """:meth:`GdprKitState.access_report` of the current app."""
        return self.state.access_report(subject, now=now)


def gdprkit_state(app: flask.Flask | None = None) -> GdprKitState:
    """Return the :class:`GdprKitState` of ``app`` (default: ``current_app``).

    Raises:
        ConfigurationError: the app was not initialised with :class:`GdprKit`.
        RuntimeError: no app is given and there is no app context.

    Example:
        >>> import flask  # noqa: TID251
        >>> gdprkit_state(flask.Flask("bare"))
        Traceback (most recent call last):
        ...
        gdprkit.errors.ConfigurationError: this app has no GdprKit: call GdprKit().init_app(app)
    """
    target = flask.current_app if app is None else app
    state = target.extensions.get(_EXTENSION)
    if not isinstance(state, GdprKitState):
        raise ConfigurationError("this app has no GdprKit: call GdprKit().init_app(app)")
    return state


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


def _load_cookie_consent() -> None:
    """``before_request``: parse the consent cookie once per request onto ``g``."""
    state = gdprkit_state()
    value = flask.request.cookies.get(state.cookie_name)
    choice = None
    if value:
        # Any problem (tampered, expired, another policy, unknown key id, garbage) means the
        # visitor has not validly decided: only strictly necessary cookies, never an error page.
        choice = cookie_consent_or_none(
            value,
            keys=state.keyring,
            now=state.now(),
            max_age=state.cookie_max_age,
            policy_version=state.policy_version,
        )
    setattr(flask.g, _G_COOKIE, choice)


def cookie_consent() -> CookieConsent | None:
    """The visitor's valid cookie choice for this request, or ``None`` (show the banner).

    Parsed from the signed cookie before the view runs and kept on ``g``.

    Example:
        >>> cookie_consent  # doctest: +ELLIPSIS
        <function cookie_consent at ...>
    """
    if not hasattr(flask.g, _G_COOKIE):
        _load_cookie_consent()
    return cast("CookieConsent | None", getattr(flask.g, _G_COOKIE))


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
                flask.abort(401 if subject is None else 403)
            return flask.current_app.ensure_sync(view)(*args, **kwargs)

        return cast("_F", wrapper)

    return decorate


# -- logging ----------------------------------------------------------------------------------


def install_log_masking(app: flask.Flask, masker: Any) -> None:
    """Mask client addresses in the ``werkzeug`` access log and ``app.logger`` records.

    Adds an :class:`~gdprkit.integrations.logging.IPMaskingFilter` to both loggers (records
    logged to them directly) and to the handlers they have now (records their child loggers
    propagate).  Idempotent.  For other loggers, add the filter to your own handlers.

    Example:
        >>> import flask, logging  # noqa: TID251
        >>> from gdprkit.ip import TruncationMasker
        >>> app = flask.Flask("masked")
        >>> install_log_masking(app, TruncationMasker.preset("ga"))
        >>> any(isinstance(f, IPMaskingFilter) for f in logging.getLogger("werkzeug").filters)
        True
    """
    for logger in (logging.getLogger("werkzeug"), app.logger):
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, IPMaskingFilter) for f in target.filters):
                target.addFilter(IPMaskingFilter(masker))


# -- the JSON blueprint -----------------------------------------------------------------------

#: Largest JSON body the blueprint reads, in bytes.
MAX_BODY_BYTES = 8 * 1024
_MAX_MESSAGE = 2000
_MAX_EMAIL = 254  # RFC 5321 §4.5.3.1.3 path limit, less the angle brackets
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
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
    data = request.get_json(silent=True)
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
    client = flask.request.remote_addr or "unknown"
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


def _masked_client(state: GdprKitState) -> str | None:
    address = flask.request.remote_addr
    if not address:
        return None
    try:
        # Evidence keeps at most a /24 or /48 (the Evidence validator insists): a shop's weaker
        # log preset is truncated further, a stronger one is kept.
        return str(_EVIDENCE_MASKER.apply(state.masker.apply(address)))
    except ValueError:  # a unix socket peer or garbage from a proxy: keep no address
        return None


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
        ip=_masked_client(state),
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
    from gdprkit.consent import encode_cookie  # noqa: PLC0415

    state = gdprkit_state()
    _rate_limit(state)
    choice = _parse_choice(_json_body(_CHOICE_FIELDS), state)
    subject = current_subject()
    recorded = bool(subject is not None and state.cookie_purposes)
    if subject is not None and state.cookie_purposes:
        _record_choice(state, subject, choice)
    ring = state.keyring
    value = encode_cookie(choice, key=ring, key_id=ring.active_id)
    setattr(flask.g, _G_COOKIE, choice)
    body = _choice_json(choice)
    body["recorded"] = recorded
    response = flask.jsonify(body)
    if state.cookie_max_age is not None:
        expires = state.cookie_max_age.after(choice.decided_at)
        if not isinstance(expires, dt.datetime):  # pragma: no cover - after() keeps the type
            expires = choice.decided_at
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
    """Return a JSON blueprint for the cookie banner and data-subject requests.

    Register it with a prefix: ``app.register_blueprint(create_blueprint(),
    url_prefix="/gdpr")``.  Routes:

    - ``GET /cookie-consent``: the visitor's current choice (``decided`` false: show the banner);
    - ``POST /cookie-consent`` with one of ``{"granted": ["statistics", ...]}``,
      ``{"accept_all": true}``, ``{"reject_all": true}``: sets the signed cookie, and for a
      logged-in subject records the choice in the ledger when ``GDPRKIT_COOKIE_PURPOSES`` is set;
    - ``POST /requests`` with ``{"right": "access", "email": "...", "message": "..."}``: creates
      a :class:`~gdprkit.requests.SubjectRequest` (day of receipt in ``GDPRKIT_TIMEZONE``),
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
    blueprint = flask.Blueprint(name, __name__)
    blueprint.add_url_rule("/cookie-consent", "cookie_consent", _cookie_choice_get)
    blueprint.add_url_rule(
        "/cookie-consent", "cookie_consent_post", _cookie_choice_post, methods=["POST"]
    )
    blueprint.add_url_rule("/requests", "subject_request", _subject_request_post, methods=["POST"])
    blueprint.register_error_handler(_Refusal, _refused)
    return blueprint


# -- CLI: flask gdpr ... ------------------------------------------------------------------------

#: The ``flask gdpr`` command group, added to ``app.cli`` by :meth:`GdprKit.init_app`.
gdpr_cli = flask.cli.AppGroup("gdpr", help="GDPR tasks of this app (gdprkit).")

_EXIT_FINDINGS = 1
_EXIT_USAGE = 2


def _fail(command: str, message: str) -> NoReturn:
    click.echo(f"flask gdpr {command}: error: {message}", err=True)
    raise click.exceptions.Exit(_EXIT_USAGE)


def _moment(text: str, name: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter("expected an ISO 8601 date-time with offset") from None
    if value.tzinfo is None:
        raise click.BadParameter(f"{name} needs a UTC offset (e.g. +00:00)")
    return value


@gdpr_cli.command("check")
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any finding).")
def _check_command(*, strict: bool) -> None:
    """Lint the register, load the key ring, open the store and verify the consent ledger.

    Exit status: 0 fine, 1 findings (errors, or warnings with --strict, or a broken ledger),
    2 unusable configuration.
    """
    from gdprkit.errors import ChainBroken, GdprkitError  # noqa: PLC0415
    from gdprkit.register import Severity  # noqa: PLC0415

    try:
        state = gdprkit_state()
        register = state.register
        findings = register.lint()
        for purpose_id in state.cookie_purposes.values():
            if purpose_id not in register or not register.purpose(purpose_id).is_consent_based:
                _fail("check", f"GDPRKIT_COOKIE_PURPOSES: {purpose_id!r} is not a consent purpose")
        ring = state.keyring
        ledger = state.ledger
    except GdprkitError as exc:
        _fail("check", str(exc))
    for finding in findings:
        click.echo(f"register: {finding}")
    errors = sum(1 for f in findings if f.severity is Severity.ERROR)
    warnings = len(findings) - errors
    click.echo(f"register: {len(register)} purposes, {errors} error(s), {warnings} warning(s)")
    click.echo(f"key ring: {len(ring)} key(s), active {ring.active_id!r}")
    broken = False
    try:
        report = ledger.verify()
        click.echo(f"consent ledger: {report.events} events, chain verified, head {report.head}")
    except ChainBroken as exc:
        broken = True
        click.echo(f"consent ledger: {exc}")
    if errors or broken or (strict and warnings):
        raise click.exceptions.Exit(_EXIT_FINDINGS)


@gdpr_cli.command("retention")
@click.option("--dry-run", is_flag=True, help="Only list the decisions due now; act on nothing.")
@click.option("--now", "now_text", help="Decide as of this ISO 8601 time (default: now).")
def _retention_command(*, dry_run: bool, now_text: str | None) -> None:
    """Apply the register's retention rules to the app's records.

    Records come from the @gdpr.records_loader; each decision due now (delete, anonymise or
    review) is passed to the @gdpr.retention_handler, or with --dry-run printed as a JSON line
    and nothing else happens.  Exit status: 0 done, 2 unusable configuration.
    """
    import json  # noqa: PLC0415

    from gdprkit.errors import GdprkitError  # noqa: PLC0415

    state = gdprkit_state()
    ext = state.extension
    now = _moment(now_text, "--now") if now_text else state.now()
    if ext.records_callback is None:
        _fail("retention", "no records loader: decorate a function with @gdpr.records_loader")
    if not dry_run and ext.retention_callback is None:
        _fail(
            "retention",
            "no retention handler: decorate one with @gdpr.retention_handler, or use --dry-run",
        )
    counts: dict[str, int] = {}
    seen = held = 0
    try:
        for decision in state.schedule.evaluate(ext.records_callback(), now=now):
            seen += 1
            held += decision.held
            if not decision.due_now:
                continue
            counts[decision.action.value] = counts.get(decision.action.value, 0) + 1
            if dry_run:
                row = decision.to_dict()
                row.pop("rule", None)
                row.pop("subject_id", None)
                click.echo(json.dumps(row, ensure_ascii=False))
            elif ext.retention_callback is not None:
                ext.retention_callback(decision)
    except GdprkitError as exc:
        _fail("retention", str(exc))
    due = sum(counts.values())
    parts = ", ".join(f"{action} {n}" for action, n in sorted(counts.items()))
    verb = "would act on" if dry_run else "acted on"
    click.echo(
        f"flask gdpr retention: {seen} records; {verb} {due}"
        f"{' (' + parts + ')' if parts else ''}; held: {held}",
        err=True,
    )


@gdpr_cli.command("export")
@click.argument("subject")
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="The ZIP to write."
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False),
    help="Also write the Art. 15 access report (.html, else JSON).",
)
def _export_command(subject: str, output: str, report: str | None) -> None:
    """Write SUBJECT's Art. 20 portability package (and optionally the Art. 15 report).

    The data come from the @gdpr.datasets_loader.  Exit status: 0 written, 2 unusable
    configuration or data.
    """
    from gdprkit.errors import GdprkitError  # noqa: PLC0415

    state = gdprkit_state()
    try:
        package = state.write_package(subject, output)
        if report is not None:
            access = state.access_report(subject)
            text = access.to_html() if report.lower().endswith(".html") else access.to_json()
            _write_text(Path(report), text)
    except GdprkitError as exc:
        _fail("export", str(exc))
    except OSError as exc:
        _fail("export", f"{exc.strerror or exc}: {exc.filename or ''}")
    names = package.dataset_names()
    click.echo(f"wrote {output}: {len(names)} dataset(s) ({', '.join(names)})")
    if report is not None:
        click.echo(f"wrote {report}: access report")


def _write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed on success."""
    with atomic_output(path) as handle:
        handle.write(text.encode("utf-8"))
