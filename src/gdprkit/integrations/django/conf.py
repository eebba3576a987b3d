"""The ``GDPRKIT`` settings dict, read lazily, and the objects it names.

One dict in ``settings.py`` configures the app (keys are upper case; all are optional)::

    GDPRKIT = {
        "REGISTER": BASE_DIR / "register.toml",    # the shop's Art. 30 record (TOML)
        "KEYRING": "env:GDPRKIT_KEYRING",          # or "file:/run/secrets/keys.json"
        "HOLIDAY_COUNTRY": "AT",                   # public holidays for request deadlines
        "CONSENT_COOKIE": "gdprkit_consent",       # name of the signed cookie-consent cookie
        "CONSENT_POLICY_VERSION": "2025-03",       # choices under another version count as lapsed
        "CONSENT_DATABASE": "default",             # database alias of the consent ledger
        "COOKIE_PURPOSES": {"statistics": "web_analytics"},  # category -> register purpose
        "COOKIES": [{"name": "_ga", "provider": "Google", "purpose": "Counts visits",
                     "duration": "2 years", "category": "statistics"}],  # the declaration
        "BANNER_TEXT": "We use cookies ...",       # the banner's first paragraph
        "LOCALE": "en",                            # language tag kept in consent evidence
        "COOKIE_AUDIENCE": "shop.example",         # site the consent cookie is signed for
        "TIME_ZONE": "Europe/Vienna",              # the controller's zone (see controller_zone)
    }

``COOKIE_AUDIENCE`` defaults to ``None``: the request's host as ``request.get_host()`` returns
it (checked against ``ALLOWED_HOSTS``), lower-cased, so two sites sharing a key ring refuse each
other's consent cookies.

Nothing is read at import time: each call reads ``settings.GDPRKIT`` again, so
``override_settings`` in tests works.

Example:
    >>> gdprkit_settings().consent_cookie
    'gdprkit_consent'
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import datetime as dt
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from django.conf import settings  # noqa: TID251 - the django extra

from gdprkit.consent.cookies import CookieCategory
from gdprkit.errors import ConfigurationError
from gdprkit.integrations._audience import check_audience_setting, host_audience
from gdprkit.integrations._pages import CookieDeclaration, parse_declarations
from gdprkit.integrations._sources import check_keyring_source, load_keyring_source
from gdprkit.law.holidays import PublicHolidays
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Register, load_register

if TYPE_CHECKING:
    from django.http import HttpRequest  # noqa: TID251 - the django extra

__all__ = [
    "GdprkitSettings",
    "controller_zone",
    "cookie_audience",
    "gdprkit_settings",
    "get_holidays",
    "get_keyring",
    "get_register",
]

_KEYS = frozenset(
    {"REGISTER", "KEYRING", "HOLIDAY_COUNTRY", "CONSENT_COOKIE", "CONSENT_POLICY_VERSION",
     "CONSENT_DATABASE", "COOKIE_PURPOSES", "COOKIES", "BANNER_TEXT", "LOCALE",
     "COOKIE_AUDIENCE", "TIME_ZONE"}
)  # fmt: skip
_DEFAULT_BANNER = (
    "We use cookies that the shop needs to work. With your consent we also use the optional "
    "cookies listed in the cookie settings. You can change your choice at any time."
)


def _zone_name(value: object, setting: str) -> str | None:
    if value is None:
        return None
    try:
        zoneinfo.ZoneInfo(str(value))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"{setting} must be an IANA time zone name") from None
    return str(value)


def _optional_str(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigurationError(f"GDPRKIT[{attribute.name.upper()!r}] must be a non-empty str")


@attrs.frozen(kw_only=True)
class GdprkitSettings:
    """The parsed ``GDPRKIT`` settings dict (see the module docstring for the keys).

    Raises:
        ConfigurationError: a key is unknown or has the wrong type.

    Example:
        >>> GdprkitSettings.from_mapping({"HOLIDAY_COUNTRY": "AT"}).holiday_country
        'AT'
    """

    register: Path | None = None
    keyring: str | KeyRing | None = attrs.field(default=None, repr=False)
    holiday_country: str | None = attrs.field(default=None, validator=_optional_str)
    consent_cookie: str = attrs.field(default="gdprkit_consent", validator=_optional_str)
    consent_policy_version: str | None = attrs.field(default=None, validator=_optional_str)
    consent_database: str = attrs.field(default="default", validator=_optional_str)
    cookie_purposes: Mapping[str, str] = attrs.field(factory=dict)
    cookies: tuple[CookieDeclaration, ...] = ()
    banner_text: str = attrs.field(default=_DEFAULT_BANNER, validator=_optional_str)
    locale: str = attrs.field(default="en", validator=_optional_str)
    cookie_audience: str | None = None
    time_zone: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> GdprkitSettings:
        """Parse a ``GDPRKIT`` dict.

        Raises:
            ConfigurationError: an unknown key, or a value of the wrong type.

        Example:
            >>> GdprkitSettings.from_mapping({"COLOUR": 1})
            Traceback (most recent call last):
            ...
            gdprkit.errors.ConfigurationError: unknown GDPRKIT setting 'COLOUR'; expected one of ...
        """
        if not isinstance(data, Mapping):
            raise ConfigurationError("settings.GDPRKIT must be a dict")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise ConfigurationError(
                f"unknown GDPRKIT setting {unknown[0]!r}; "
                f"expected one of {', '.join(sorted(_KEYS))}"
            )
        register = data.get("REGISTER")
        if register is not None and not isinstance(register, (str, os.PathLike)):
            raise ConfigurationError("GDPRKIT['REGISTER'] must be a path")
        keyring = data.get("KEYRING")
        if keyring is not None:
            keyring = check_keyring_source(keyring, setting="GDPRKIT['KEYRING']")
        purposes = data.get("COOKIE_PURPOSES", {})
        if not isinstance(purposes, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in purposes.items()
        ):
            raise ConfigurationError("GDPRKIT['COOKIE_PURPOSES'] must map categories to purposes")
        for category in purposes:
            if category not in {c.value for c in CookieCategory} or category == "necessary":
                raise ConfigurationError(
                    "GDPRKIT['COOKIE_PURPOSES']: keys must be preferences, statistics or marketing"
                )
        return cls(
            register=None if register is None else Path(register),
            keyring=keyring,
            holiday_country=data.get("HOLIDAY_COUNTRY"),
            consent_cookie=data.get("CONSENT_COOKIE", "gdprkit_consent"),
            consent_policy_version=data.get("CONSENT_POLICY_VERSION"),
            consent_database=data.get("CONSENT_DATABASE", "default"),
            cookie_purposes=dict(purposes),
            cookies=parse_declarations(data.get("COOKIES"), setting="GDPRKIT['COOKIES']"),
            banner_text=data.get("BANNER_TEXT", _DEFAULT_BANNER),
            locale=data.get("LOCALE", "en"),
            cookie_audience=check_audience_setting(
                data.get("COOKIE_AUDIENCE"), setting="GDPRKIT['COOKIE_AUDIENCE']"
            ),
            time_zone=_zone_name(data.get("TIME_ZONE"), "GDPRKIT['TIME_ZONE']"),
        )


def gdprkit_settings() -> GdprkitSettings:
    """The current ``settings.GDPRKIT``, parsed (an empty dict when the setting is absent).

    Raises:
        ConfigurationError: the dict is invalid.

    Example:
        >>> gdprkit_settings().consent_database
        'default'
    """
    return GdprkitSettings.from_mapping(getattr(settings, "GDPRKIT", {}))


def cookie_audience(request: HttpRequest) -> str:
    """The audience ``request``'s consent cookie is signed for.

    ``GDPRKIT["COOKIE_AUDIENCE"]`` when set, else ``request.get_host()`` (which Django checks
    against ``ALLOWED_HOSTS``), lower-cased.

    Raises:
        DisallowedHost: the host is not in ``ALLOWED_HOSTS`` (Django answers 400).

    Example:
        >>> from django.test import RequestFactory
        >>> cookie_audience(RequestFactory().get("/"))
        'testserver'
    """
    configured = gdprkit_settings().cookie_audience
    if configured is not None:
        return configured
    # get_host() has matched Django's host pattern, so only IPv6 brackets need dropping.
    return host_audience(request.get_host())


def controller_zone() -> dt.tzinfo:
    """The controller's time zone, in which every legal deadline counts its days.

    ``GDPRKIT["TIME_ZONE"]`` when set, else the register's ``controller.time_zone`` (when a
    register is configured and declares one), else Django's ``settings.TIME_ZONE``, else UTC.
    Request deadlines (Art. 12(3)) and retention sweeps count from the local date of this zone
    (Reg. 1182/71 Art. 3), so a request received at 00:30 UTC on 1 March by a shop in the
    Azores (UTC-1) was received on 28 February.

    Raises:
        ConfigurationError: ``TIME_ZONE`` is not an IANA zone name.
        RegisterError, OSError: the configured register cannot be loaded.

    Example:
        >>> from django.conf import settings
        >>> str(controller_zone()) == settings.TIME_ZONE  # no TIME_ZONE key, none in the register
        True
    """
    conf = gdprkit_settings()
    if conf.time_zone is not None:
        return zoneinfo.ZoneInfo(conf.time_zone)
    if conf.register is not None:
        zone = load_register(conf.register).controller.zone
        if zone is not None:
            return zone
    name = getattr(settings, "TIME_ZONE", None) or "UTC"
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError("settings.TIME_ZONE must be an IANA time zone name") from None


def get_register() -> Register:
    """Load the register named by ``GDPRKIT["REGISTER"]``.

    Raises:
        ConfigurationError: no register is configured.
        RegisterError: the file is not a valid register.
        OSError: the file cannot be read.

    Example:
        >>> get_register()  # doctest: +SKIP
        Register(...)
    """
    path = gdprkit_settings().register
    if path is None:
        raise ConfigurationError("GDPRKIT['REGISTER'] is not set (path of the register TOML)")
    return load_register(path)


def get_keyring() -> KeyRing:
    """Load the key ring named by ``GDPRKIT["KEYRING"]`` (``env:NAME``, ``file:PATH``, a ring).

    Raises:
        ConfigurationError: no key ring is configured, or the source is not understood.
        KeyMaterialError: the variable or file is missing or holds an invalid or weak ring.

    Example:
        >>> get_keyring()  # doctest: +SKIP
        KeyRing(ids=('k1',), active='k1')
    """
    source = gdprkit_settings().keyring
    if source is None:
        raise ConfigurationError(
            "GDPRKIT['KEYRING'] is not set ('env:<VARIABLE>' or 'file:<path>')"
        )
    return load_keyring_source(source, setting="GDPRKIT['KEYRING']")


def get_holidays() -> PublicHolidays | None:
    """The public-holiday calendar of ``GDPRKIT["HOLIDAY_COUNTRY"]``, or ``None`` when unset.

    Raises:
        InvalidInput: the country code is not understood.

    Example:
        >>> get_holidays() is None
        True
    """
    country = gdprkit_settings().holiday_country
    return None if country is None else PublicHolidays(country=country)
