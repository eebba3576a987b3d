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
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

from gdprkit._time import ensure_aware, utc_now
from gdprkit.errors import ConfigurationError, MissingDependency

try:
    import flask  # noqa: TID251 - this module is the flask extra
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
    from gdprkit.export import Dataset
    from gdprkit.retention import Decision, RecordLike

__all__ = [
    "GdprKit",
    "GdprKitState",
    "consent_required",
    "cookie_allowed",
    "cookie_consent",
    "current_subject",
    "gdprkit_state",
    "install_log_masking",
]

_EXTENSION = "gdprkit"
_G_COOKIE = "gdprkit_cookie_consent"
_DEFAULT_STORE_FILE = "gdprkit-consent.sqlite3"

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
        self._store_url = _setting(config, "STORE_URL", None)
        self._store_prefix = str(_setting(config, "STORE_PREFIX", "gdprkit_consent"))
        self._instance_path = app.instance_path
        self.cookie_name = str(_setting(config, "COOKIE_NAME", "gdprkit_consent"))
        max_age = _setting(config, "COOKIE_MAX_AGE", "6 months")
        self.cookie_max_age: Duration | None = None if max_age is None else Duration.parse(max_age)
        self.cookie_secure = bool(_setting(config, "COOKIE_SECURE", True))
        self.policy_version = str(_setting(config, "POLICY_VERSION", "1"))
        purposes = dict(_setting(config, "COOKIE_PURPOSES", {}) or {})
        self.cookie_purposes: dict[CookieCategory, str] = {}
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
        self.subject_session_key = str(_setting(config, "SUBJECT_SESSION_KEY", "user_id"))
        self.masker = TruncationMasker.preset(str(_setting(config, "MASK_PRESET", "ga")))
        self.mask_logs = bool(_setting(config, "MASK_LOGS", True))
        limit = _setting(config, "RATE_LIMIT", 10)
        window = _setting(config, "RATE_WINDOW", 60)
        capacity = _setting(config, "RATE_CLIENTS", 10_000)
        for name, value in (
            ("RATE_LIMIT", limit),
            ("RATE_WINDOW", window),
            ("RATE_CLIENTS", capacity),
        ):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
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
            ledger = ConsentLedger(self.store, key=self.keyring, register=self.register)
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
    ) -> Any:
        """Write ``subject``'s Art. 20 portability package to ``path`` (atomically).

        The datasets come from the :meth:`GdprKit.datasets_loader`; the manifest names the
        subject by its ledger pseudonym, never by the id.

        Raises:
            ConfigurationError: no datasets loader is registered; otherwise as for
                :func:`gdprkit.export.write_package`.
        """
        from gdprkit.export import write_package  # noqa: PLC0415 - keeps app start-up light

        when = self.extension.now() if now is None else ensure_aware(now, "now")
        return write_package(
            path,
            self.register,
            self.ledger.pseudonym(subject),
            self._datasets(subject),
            generated_at=when,
        )

    def access_report(self, subject: str, *, now: dt.datetime | None = None) -> Any:
        """Build ``subject``'s Art. 15 access report from the registered datasets loader.

        Raises:
            ConfigurationError: no datasets loader is registered; otherwise as for
                :func:`gdprkit.export.build_access_report`.
        """
        from gdprkit.export import build_access_report  # noqa: PLC0415

        when = self.extension.now() if now is None else ensure_aware(now, "now")
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
    ) -> Any:
        """:meth:`GdprKitState.write_package` of the current app."""
        return self.state.write_package(subject, path, now=now)

    def access_report(self, subject: str, *, now: dt.datetime | None = None) -> Any:
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
            now=state.extension.now(),
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
    chosen = CookieCategory(category) if category in {c.value for c in CookieCategory} else None
    if chosen is None:
        from gdprkit.errors import InvalidInput  # noqa: PLC0415

        raise InvalidInput("category: unknown cookie category")
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
            allowed = subject is not None and state.ledger.allows(
                subject, purpose, now=state.extension.now()
            )
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
