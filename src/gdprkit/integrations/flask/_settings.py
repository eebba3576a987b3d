"""The ``GDPRKIT_*`` configuration of a Flask app, parsed once into a frozen value.

:meth:`FlaskSettings.from_config` reads every key in one place when the extension is
initialised, so a bad value fails at start-up with a message naming the key, and nothing else
in the extension reads ``app.config``.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Mapping
from typing import Any

import attrs

from gdprkit.consent.cookies import CookieCategory
from gdprkit.errors import ConfigurationError, InvalidInput, InvalidType
from gdprkit.integrations._audience import check_audience_setting
from gdprkit.integrations._pages import CookieDeclaration, parse_declarations
from gdprkit.integrations._ratelimit import DEFAULT_IPV6_PREFIX
from gdprkit.integrations._sources import check_keyring_source
from gdprkit.ip import TruncationMasker
from gdprkit.pseudonymise import KeyRing
from gdprkit.register import Duration, Register

__all__ = ["FlaskSettings"]

_DEFAULT_BANNER = (
    "We use cookies that the shop needs to work. With your consent we also use the optional "
    "cookies listed in the cookie settings. You can change your choice at any time."
)


def _setting(config: Mapping[str, Any], name: str, default: Any) -> Any:
    return config.get(f"GDPRKIT_{name}", default)


def _positive(name: str, value: object, kinds: tuple[type, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, kinds) or value <= 0:  # type: ignore[operator]
        raise ConfigurationError(f"GDPRKIT_{name} must be a positive number")


@attrs.frozen(kw_only=True)
class FlaskSettings:
    """Every ``GDPRKIT_*`` setting of one app (see :mod:`gdprkit.integrations.flask`).

    Raises:
        ConfigurationError: from :meth:`from_config`, naming the unusable key.

    Example:
        >>> FlaskSettings.from_config({"GDPRKIT_REGISTER": "register.toml"}).cookie_name
        'gdprkit_consent'
    """

    register: str | os.PathLike[str] | Register
    keyring: str | KeyRing = attrs.field(repr=False)
    ledger_key_id: str | None
    store_url: str | None
    store_prefix: str
    cookie_name: str
    cookie_max_age: Duration | None
    cookie_secure: bool
    cookie_audience: str | None
    policy_version: str
    cookie_purposes: Mapping[CookieCategory | str, str]
    cookie_notice: str | None
    banner_text: str
    cookies: tuple[CookieDeclaration, ...]
    locale: str
    timezone: zoneinfo.ZoneInfo | None
    subject_session_key: str
    masker: TruncationMasker = attrs.field(repr=False)
    mask_logs: bool
    rate_limit: int
    rate_window: float
    rate_clients: int
    rate_ipv6_prefix: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> FlaskSettings:
        """Parse ``app.config``.

        Raises:
            ConfigurationError: a key is missing or unusable (the message names it).

        Example:
            >>> FlaskSettings.from_config({})
            Traceback (most recent call last):
            ...
            gdprkit.errors.ConfigurationError: GDPRKIT_REGISTER must name the register TOML file
        """
        register = _setting(config, "REGISTER", None)
        if register is None:
            raise ConfigurationError("GDPRKIT_REGISTER must name the register TOML file")
        if not isinstance(register, (str, os.PathLike, Register)):
            raise ConfigurationError(
                "GDPRKIT_REGISTER must be the path of a register TOML file or a Register"
            )
        keyring = check_keyring_source(
            _setting(config, "KEYRING", "env:GDPRKIT_KEYRING"), setting="GDPRKIT_KEYRING"
        )
        store_url = _setting(config, "STORE_URL", None)
        if store_url is not None and not isinstance(store_url, str):
            raise ConfigurationError("GDPRKIT_STORE_URL must be a URL string or None")
        max_age_text = _setting(config, "COOKIE_MAX_AGE", "6 months")
        max_age: Duration | None = None
        if max_age_text is not None:
            try:
                max_age = Duration.parse(max_age_text)
            except (InvalidInput, InvalidType) as exc:
                raise ConfigurationError(f"GDPRKIT_COOKIE_MAX_AGE: {exc}") from None
        purposes: dict[CookieCategory | str, str] = {}
        for category, purpose in dict(_setting(config, "COOKIE_PURPOSES", {}) or {}).items():
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
            purposes[chosen] = str(purpose)
        notice = _setting(config, "COOKIE_NOTICE", None)
        if purposes and not isinstance(notice, str):
            raise ConfigurationError(
                "GDPRKIT_COOKIE_NOTICE (the banner text) is required with GDPRKIT_COOKIE_PURPOSES"
            )
        # GDPRKIT_TIME_ZONE (GDPRKIT_TIMEZONE, its older spelling); None: the register's
        # controller.time_zone, else UTC (resolved when the register is loaded).
        timezone: zoneinfo.ZoneInfo | None = None
        for key in ("TIME_ZONE", "TIMEZONE"):
            zone = _setting(config, key, None)
            if zone is None:
                continue
            try:
                found = zoneinfo.ZoneInfo(str(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise ConfigurationError(f"GDPRKIT_{key} must be an IANA time zone name") from None
            if timezone is not None and found != timezone:
                raise ConfigurationError(
                    "GDPRKIT_TIME_ZONE and GDPRKIT_TIMEZONE name different zones: set one"
                )
            timezone = found
        try:
            masker = TruncationMasker.preset(str(_setting(config, "MASK_PRESET", "ga")))
        except InvalidInput as exc:
            raise ConfigurationError(f"GDPRKIT_MASK_PRESET: {exc}") from None
        limit = _setting(config, "RATE_LIMIT", 10)
        window = _setting(config, "RATE_WINDOW", 60)
        capacity = _setting(config, "RATE_CLIENTS", 10_000)
        prefix = _setting(config, "RATE_IPV6_PREFIX", DEFAULT_IPV6_PREFIX)
        _positive("RATE_LIMIT", limit, (int,))
        _positive("RATE_WINDOW", window, (int, float))
        _positive("RATE_CLIENTS", capacity, (int,))
        if isinstance(prefix, bool) or not isinstance(prefix, int) or not 1 <= prefix <= 128:
            raise ConfigurationError("GDPRKIT_RATE_IPV6_PREFIX must be a prefix length, 1 to 128")
        banner = _setting(config, "BANNER_TEXT", None)
        if banner is not None and (not isinstance(banner, str) or not banner.strip()):
            raise ConfigurationError("GDPRKIT_BANNER_TEXT must be non-empty text")
        return cls(
            register=register,
            keyring=keyring,
            ledger_key_id=_setting(config, "LEDGER_KEY_ID", None),
            store_url=store_url,
            store_prefix=str(_setting(config, "STORE_PREFIX", "gdprkit_consent")),
            cookie_name=str(_setting(config, "COOKIE_NAME", "gdprkit_consent")),
            cookie_max_age=max_age,
            cookie_secure=bool(_setting(config, "COOKIE_SECURE", True)),
            cookie_audience=check_audience_setting(
                _setting(config, "COOKIE_AUDIENCE", None), setting="GDPRKIT_COOKIE_AUDIENCE"
            ),
            policy_version=str(_setting(config, "POLICY_VERSION", "1")),
            cookie_purposes=purposes,
            cookie_notice=notice,
            banner_text=banner or notice or _DEFAULT_BANNER,
            cookies=parse_declarations(
                _setting(config, "COOKIES", None), setting="GDPRKIT_COOKIES"
            ),
            locale=str(_setting(config, "LOCALE", "en")),
            timezone=timezone,
            subject_session_key=str(_setting(config, "SUBJECT_SESSION_KEY", "user_id")),
            masker=masker,
            mask_logs=bool(_setting(config, "MASK_LOGS", True)),
            rate_limit=int(limit),
            rate_window=float(window),
            rate_clients=int(capacity),
            rate_ipv6_prefix=prefix,
        )
