"""System checks run by ``manage.py check`` (and before ``runserver`` and ``migrate``).

- ``gdprkit.W001``: ``GDPRKIT["REGISTER"]`` is not set;
- ``gdprkit.E001``: the register cannot be read or is invalid;
- ``gdprkit.E002`` / ``gdprkit.W002``: a register lint finding (error or warning, see
  :func:`gdprkit.register.lint_register`);
- ``gdprkit.E003``: a model's ``PrivacyMeta`` is malformed, or names a missing field or a
  purpose the register lacks;
- ``gdprkit.W003``: a model has personal-looking fields that no register purpose covers;
- ``gdprkit.W004``: ``GDPRKIT["KEYRING"]`` is not set (cookie consent and pseudonyms need keys);
- ``gdprkit.E004``: the key ring cannot be loaded, a key is shorter than 256 bits, or the
  cookie-consent middleware is installed without a key ring;
- ``gdprkit.W005``: a handler of ``django.request`` or ``django.server`` would write client
  addresses unmasked.

Example:
    >>> from django.core import checks
    >>> ids = {m.id for m in checks.run_checks(tags=["gdprkit"])}
    >>> "gdprkit.W004" in ids  # doctest: +SKIP
    True
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps  # noqa: TID251 - the django extra
from django.conf import settings  # noqa: TID251 - the django extra
from django.core import checks  # noqa: TID251 - the django extra

from gdprkit.errors import ConfigurationError, GdprkitError, MissingDependency
from gdprkit.integrations.logging import IPMaskingFilter
from gdprkit.register import Register, Severity

from .conf import gdprkit_settings, get_holidays, get_keyring, get_register
from .privacy import personal_fields, privacy_of

__all__ = [
    "TAG",
    "check_keyring",
    "check_logging",
    "check_models",
    "check_register",
    "register_checks",
]

#: The tag of gdprkit's checks: ``manage.py check --tag gdprkit``.
TAG = "gdprkit"

_MIDDLEWARE = "gdprkit.integrations.django.middleware.CookieConsentMiddleware"
# Apps whose models are Django's or ours: their fields are not the shop's processing.
_FRAMEWORK_APPS = ("django.", "gdprkit.")


def _register_or_none() -> tuple[Register | None, list[checks.CheckMessage]]:
    if gdprkit_settings().register is None:
        return None, [
            checks.Warning(
                "GDPRKIT['REGISTER'] is not set",
                hint="Point it at the shop's register TOML (the Art. 30 record).",
                id="gdprkit.W001",
            )
        ]
    try:
        return get_register(), []
    except (GdprkitError, OSError) as exc:
        return None, [checks.Error(f"the register cannot be loaded: {exc}", id="gdprkit.E001")]


def check_register(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report the register's lint findings (E002 errors, W002 warnings).

    Example:
        >>> [m.id for m in check_register()]  # doctest: +SKIP
        []
    """
    register, messages = _register_or_none()
    if register is None:
        return messages
    for finding in register.lint():
        where = f" (purpose {finding.purpose!r})" if finding.purpose else ""
        text = f"register: {finding.code}{where}: {finding.message}"
        if finding.severity is Severity.ERROR:
            messages.append(checks.Error(text, id="gdprkit.E002"))
        else:
            messages.append(checks.Warning(text, id="gdprkit.W002"))
    return messages


def check_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check every model's ``PrivacyMeta`` and flag personal fields no purpose covers.

    Example:
        >>> [m.id for m in check_models()]  # doctest: +SKIP
        []
    """
    configs = app_configs if app_configs is not None else apps.get_app_configs()
    register = None
    if gdprkit_settings().register is not None:
        register, _ = _register_or_none()
    messages: list[checks.CheckMessage] = []
    for config in configs:
        if config.name.startswith(_FRAMEWORK_APPS):
            continue
        for model in config.get_models():
            label = model._meta.label
            try:
                privacy = privacy_of(model)
            except ConfigurationError as exc:
                messages.append(checks.Error(str(exc), obj=model, id="gdprkit.E003"))
                continue
            mapped = set() if privacy is None else privacy.mapped_fields()
            if privacy is not None:
                problems = privacy.problems()
                if register is not None:
                    problems += [
                        f"{label}.PrivacyMeta names purpose {p!r}, which the register lacks"
                        for p in privacy.purposes
                        if p not in register
                    ]
                messages += [checks.Error(p, obj=model, id="gdprkit.E003") for p in problems]
            loose = [name for name in personal_fields(model) if name not in mapped]
            if loose:
                messages.append(
                    checks.Warning(
                        f"{label} has personal-data fields no register purpose covers: "
                        f"{', '.join(loose)}",
                        hint="Add them to PrivacyMeta.purposes (gdprkit.integrations.django"
                        ".privacy).",
                        obj=model,
                        id="gdprkit.W003",
                    )
                )
    return messages


def check_keyring(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that the key ring is configured, loads, and holds strong keys.

    Example:
        >>> [m.id for m in check_keyring()]  # doctest: +SKIP
        []
    """
    if gdprkit_settings().keyring is None:
        if _MIDDLEWARE in getattr(settings, "MIDDLEWARE", ()):
            return [
                checks.Error(
                    "CookieConsentMiddleware is installed but GDPRKIT['KEYRING'] is not set: "
                    "requests carrying a consent cookie would fail",
                    id="gdprkit.E004",
                )
            ]
        return [
            checks.Warning(
                "GDPRKIT['KEYRING'] is not set",
                hint="Set it to 'env:GDPRKIT_KEYRING' or 'file:/run/secrets/keys.json'; create "
                "one with gdprkit.pseudonymise.KeyRing.generate().",
                id="gdprkit.W004",
            )
        ]
    try:
        get_keyring()
    except GdprkitError as exc:
        return [checks.Error(f"the key ring cannot be loaded: {exc}", id="gdprkit.E004")]
    return []


def _unmasked_handlers(name: str) -> list[logging.Handler]:
    logger: logging.Logger | None = logging.getLogger(name)
    origin_masked = any(isinstance(f, IPMaskingFilter) for f in logging.getLogger(name).filters)
    found = []
    while logger is not None:
        for handler in logger.handlers:
            if origin_masked or any(isinstance(f, IPMaskingFilter) for f in handler.filters):
                continue
            found.append(handler)
        logger = logger.parent if logger.propagate else None
    return found


def check_logging(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Flag handlers that would write the client addresses of request and server logs raw.

    Example:
        >>> [m.id for m in check_logging()]  # doctest: +SKIP
        ['gdprkit.W005', 'gdprkit.W005']
    """
    messages = []
    for name in ("django.request", "django.server"):
        for handler in _unmasked_handlers(name):
            if isinstance(handler, logging.NullHandler):
                continue
            messages.append(
                checks.Warning(
                    f"log handler {type(handler).__name__} receives {name!r} records "
                    "without an IP-masking filter",
                    hint="LOGGING = gdprkit.integrations.django.logging_config.masked_logging()",
                    id="gdprkit.W005",
                )
            )
    return messages


def check_holidays(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check that ``GDPRKIT["HOLIDAY_COUNTRY"]`` has a calendar (the ``holidays`` extra).

    Request deadlines skip public holidays (Regulation 1182/71 Art. 3(4)); without the package
    the first deadline computed would fail in a view or command.

    Example:
        >>> [m.id for m in check_holidays()]
        []
    """
    import datetime as dt  # noqa: PLC0415

    try:
        calendar = get_holidays()
        if calendar is not None:
            _ = dt.date(2025, 1, 1) in calendar  # loads the package and the country's calendar
    except MissingDependency:
        return [
            checks.Error(
                "GDPRKIT['HOLIDAY_COUNTRY'] is set but the holidays package is not installed",
                hint='pip install "gdprkit[holidays]" (from a checkout: pip install ".[holidays]")',
                id="gdprkit.E006",
            )
        ]
    except GdprkitError as exc:
        return [checks.Error(f"GDPRKIT['HOLIDAY_COUNTRY']: {exc}", id="gdprkit.E006")]
    return []


def _pages_included() -> bool:
    from django.urls import NoReverseMatch, reverse  # noqa: PLC0415, TID251

    try:
        reverse("gdprkit:preferences")
    except NoReverseMatch:
        return False
    return True


def check_pages(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Check what the banner's pages need: the request context processor and CSRF.

    Example:
        >>> [m.id for m in check_pages()]  # doctest: +SKIP
        []
    """
    messages: list[checks.CheckMessage] = []
    processors = [
        p
        for backend in getattr(settings, "TEMPLATES", ())
        for p in backend.get("OPTIONS", {}).get("context_processors", ())
    ]
    if processors and "django.template.context_processors.request" not in processors:
        messages.append(
            checks.Warning(
                "the gdprkit template tags need the request in the template context",
                hint="add 'django.template.context_processors.request' to context_processors",
                id="gdprkit.W007",
            )
        )
    if _pages_included() and "django.middleware.csrf.CsrfViewMiddleware" not in getattr(
        settings, "MIDDLEWARE", ()
    ):
        # get_token() in the banner's tag marks the CSRF cookie for the response, but only the
        # middleware writes it: without it every banner choice would be refused.
        messages.append(
            checks.Error(
                "the cookie banner's forms need CsrfViewMiddleware in MIDDLEWARE",
                hint="add 'django.middleware.csrf.CsrfViewMiddleware' (Django's default)",
                id="gdprkit.E008",
            )
        )
    return messages


def register_checks() -> None:
    """Register the checks under the ``gdprkit`` tag (called by the app's ``ready``)."""
    for check in (
        check_register, check_models, check_keyring, check_logging, check_holidays, check_pages
    ):  # fmt: skip
        checks.register(check, TAG)
