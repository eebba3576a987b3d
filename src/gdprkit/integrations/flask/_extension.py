"""The Flask extension object and its callbacks (Flask-Login style)."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import flask  # noqa: TID251 - the flask extra

from gdprkit._time import utc_now
from gdprkit.consent import ConsentLedger
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Register
from gdprkit.retention import RetentionSchedule

from ._cli import gdpr_cli
from ._consent import load_cookie_consent
from ._logging import install_log_masking
from ._pages import install_page_helpers
from ._state import EXTENSION, GdprKitState, gdprkit_state

if TYPE_CHECKING:
    from gdprkit.export import AccessReport, Dataset, PortabilityPackage
    from gdprkit.requests import SubjectRequest
    from gdprkit.retention import Decision, RecordLike

__all__ = ["GdprKit"]

SubjectLoader = Callable[[], "str | None"]
DatasetsLoader = Callable[[str], "Iterable[Dataset]"]
RecordsLoader = Callable[[], "Iterable[RecordLike]"]
RetentionHandler = Callable[["Decision"], None]
RequestHandler = Callable[..., None]
VerificationMailer = Callable[[str, str, "SubjectRequest"], None]
VerifiedHandler = Callable[["SubjectRequest"], None]


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
        self.mailer_callback: VerificationMailer | None = None
        self.verified_callback: VerifiedHandler | None = None
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
        app.extensions[EXTENSION] = state
        app.before_request(load_cookie_consent)
        install_page_helpers(app)
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

    def verification_mailer(self, callback: VerificationMailer) -> VerificationMailer:
        """Register ``callback(email, link, request)`` that e-mails the confirmation link.

        The request form needs it: a request is taken only once the customer follows the
        link (Art. 12(6): the controller may confirm identity; the clock pauses meanwhile).
        """
        self.mailer_callback = callback
        return callback

    def request_verified_handler(self, callback: VerifiedHandler) -> VerifiedHandler:
        """Register ``callback(request)``, called once when a customer confirms a request.

        The request is no longer awaiting identity: its deadline runs (``request.deadline()``).
        """
        self.verified_callback = callback
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
