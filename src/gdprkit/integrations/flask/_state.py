"""Per-app state of the Flask extension: settings, register, key ring, store, ledger.

Opened lazily: creating the app (or running ``flask gdpr check``) needs no database.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import flask  # noqa: TID251 - the flask extra

from gdprkit._time import ensure_aware
from gdprkit.consent import ConsentLedger, ConsentStore, MemoryStore, SQLiteStore
from gdprkit.errors import ConfigurationError
from gdprkit.integrations._audience import host_audience
from gdprkit.integrations._pages import BannerText
from gdprkit.integrations._ratelimit import RateLimiter
from gdprkit.integrations._sources import load_keyring_source
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Register, load_register
from gdprkit.retention import RetentionSchedule

from ._settings import FlaskSettings

if TYPE_CHECKING:
    from gdprkit.export import AccessReport, Dataset, PortabilityPackage

    from ._extension import GdprKit

__all__ = ["GdprKitState", "gdprkit_state"]

EXTENSION = "gdprkit"
_DEFAULT_STORE_FILE = "gdprkit-consent.sqlite3"


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


class GdprKitState:
    """Per-app state of :class:`GdprKit`: configuration, register, key ring, ledger, schedule.

    Found in ``app.extensions["gdprkit"]`` (or with :func:`gdprkit_state`).  The key ring and the
    consent store are opened on first use, so creating the app (or running ``flask gdpr check``)
    needs no database.

    Raises:
        ConfigurationError: ``GDPRKIT_REGISTER`` is missing or a setting is unusable.

    Example:
        >>> GdprKitState  # doctest: +ELLIPSIS
        <class 'gdprkit.integrations.flask..._state.GdprKitState'>
    """

    def __init__(self, extension: GdprKit, app: flask.Flask) -> None:
        settings = FlaskSettings.from_config(app.config)
        self.extension = extension
        #: The parsed configuration (frozen).
        self.settings = settings
        self._instance_path = app.instance_path
        self.cookie_name = settings.cookie_name
        self.cookie_max_age = settings.cookie_max_age
        self.cookie_secure = settings.cookie_secure
        self.cookie_audience_setting = settings.cookie_audience
        self.policy_version = settings.policy_version
        self.cookie_purposes = settings.cookie_purposes
        self.cookie_notice = settings.cookie_notice
        self.locale = settings.locale
        self.subject_session_key = settings.subject_session_key
        self.masker = settings.masker
        self.mask_logs = settings.mask_logs
        self.rate_limiter = RateLimiter(
            limit=settings.rate_limit,
            window=settings.rate_window,
            capacity=settings.rate_clients,
            clock=extension.monotonic,
        )
        self._lock = threading.Lock()
        self._register: Register | None = None
        self._keyring: KeyRing | None = None
        self._store: ConsentStore | None = None
        self._ledger: ConsentLedger | None = None
        self._schedule: RetentionSchedule | None = None
        self._banner: BannerText | None = None
        #: The name the pages blueprint was registered under (``None``: not registered).
        self.pages_blueprint: str | None = None

    def __repr__(self) -> str:
        opened = "open" if self._store is not None else "not opened"
        return f"GdprKitState(store={opened})"

    # -- resources, opened on first use --------------------------------------------------------

    @property
    def timezone(self) -> dt.tzinfo:
        """The controller's time zone: ``GDPRKIT_TIME_ZONE``, else the register's, else UTC.

        Request deadlines (Art. 12(3)) and retention sweeps count their days from local dates
        in this zone (Reg. 1182/71 Art. 3).

        Raises:
            RegisterError: no zone is configured and the register cannot be loaded.
        """
        if self.settings.timezone is not None:
            return self.settings.timezone
        return self.register.controller.zone or dt.timezone.utc

    @property
    def register(self) -> Register:
        """The processing register (loaded on first use).

        Raises:
            RegisterError: the file is not a valid register.
        """
        if self._register is None:
            with self._lock:
                if self._register is None:
                    self._register = _load_register(self.settings.register)
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
                    self._keyring = load_keyring_source(
                        self.settings.keyring, setting="GDPRKIT_KEYRING"
                    )
        return self._keyring

    @property
    def store(self) -> ConsentStore:
        """The consent store (opened on first use)."""
        if self._store is None:
            with self._lock:
                if self._store is None:
                    self._store = _open_store(
                        self.settings.store_url,
                        instance_path=self._instance_path,
                        prefix=self.settings.store_prefix,
                    )
        return self._store

    @property
    def ledger(self) -> ConsentLedger:
        """The consent ledger on :attr:`store`, checked against :attr:`register`."""
        if self._ledger is None:
            ring = self.keyring
            key_id = self.settings.ledger_key_id or ring.ids[0]
            if key_id not in ring:
                raise ConfigurationError(
                    "GDPRKIT_LEDGER_KEY_ID names a key that is not in the ring"
                )
            ledger = ConsentLedger(
                self.store, key=ring, key_id=key_id, register=self.register, zone=self.timezone
            )
            with self._lock:
                if self._ledger is None:
                    self._ledger = ledger
        return self._ledger

    @property
    def banner(self) -> BannerText:
        """The banner's words from the register and settings, with their digest."""
        if self._banner is None:
            self._banner = BannerText.build(
                self.register,
                intro=self.settings.banner_text,
                purposes=self.settings.cookie_purposes,
                declarations=self.settings.cookies,
            )
        return self._banner

    @property
    def schedule(self) -> RetentionSchedule:
        """The retention schedule the register states."""
        if self._schedule is None:
            self._schedule = RetentionSchedule.from_register(self.register, zone=self.timezone)
        return self._schedule

    def close(self) -> None:
        """Close the consent store (it is opened again on next use)."""
        with self._lock:
            store, self._store, self._ledger = self._store, None, None
        if store is not None:
            store.close()

    def cookie_audience(self) -> str:
        """The consent cookie's audience for the current request.

        ``GDPRKIT_COOKIE_AUDIENCE`` when set, else the request's host as Flask validated it
        (against ``TRUSTED_HOSTS`` where set), lower-cased (see
        :mod:`gdprkit.integrations._audience`).

        Raises:
            InvalidInput: no audience is configured and the host cannot name one.
        """
        if self.cookie_audience_setting is not None:
            return self.cookie_audience_setting
        return host_audience(flask.request.host)

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
    state = target.extensions.get(EXTENSION)
    if not isinstance(state, GdprKitState):
        raise ConfigurationError("this app has no GdprKit: call GdprKit().init_app(app)")
    return state
