"""The consent cookie's audience, chosen one way by every framework integration.

A ``gdc2`` consent cookie is signed for an *audience* (:func:`gdprkit.consent.encode_cookie`),
so two sites sharing one key ring refuse each other's cookies.  The audience is the configured
one (Django ``GDPRKIT["COOKIE_AUDIENCE"]``, Flask ``GDPRKIT_COOKIE_AUDIENCE``) or, when none is
configured, the request's host *as the framework validated it* (Django's
``request.get_host()``, checked against ``ALLOWED_HOSTS``; Flask's ``request.host``, checked
against ``TRUSTED_HOSTS`` where set), lower-cased, with the port kept and IPv6 brackets dropped.
"""

from __future__ import annotations

import re

from gdprkit.errors import ConfigurationError, InvalidInput

__all__ = ["check_audience_setting", "host_audience"]

# The audience alphabet of gdprkit.consent.cookies (a host name, optionally with a port).
_AUDIENCE = re.compile(r"[A-Za-z0-9._:-]{1,253}")


def check_audience_setting(value: object, *, setting: str) -> str | None:
    """Return a configured audience (or ``None``: use the request's host).

    Raises:
        ConfigurationError: not a host-name-like string (the message names ``setting``).

    Example:
        >>> check_audience_setting("shop.example", setting="GDPRKIT_COOKIE_AUDIENCE")
        'shop.example'
        >>> check_audience_setting("a b", setting="GDPRKIT_COOKIE_AUDIENCE")
        Traceback (most recent call last):
        ...
        gdprkit.errors.ConfigurationError: GDPRKIT_COOKIE_AUDIENCE must be the site's host \
name (1-253 letters, digits, '.', '_', ':' or '-') or None
    """
    if value is None:
        return None
    if not isinstance(value, str) or not _AUDIENCE.fullmatch(value):  # ASCII before lower()
        raise ConfigurationError(
            f"{setting} must be the site's host name "
            "(1-253 letters, digits, '.', '_', ':' or '-') or None"
        )
    return value.lower()


def host_audience(host: str) -> str:
    """The audience of a request whose (framework-validated) host is ``host``.

    Raises:
        InvalidInput: the host cannot name an audience (characters outside a host name).

    Example:
        >>> host_audience("Shop.Example:8000"), host_audience("[::1]:8000")
        ('shop.example:8000', '::1:8000')
        >>> host_audience("shop example")
        Traceback (most recent call last):
        ...
        gdprkit.errors.InvalidInput: the request's host cannot name a consent-cookie audience
    """
    audience = host.replace("[", "").replace("]", "")
    # Checked before lower-casing: str.lower() maps some non-ASCII letters to ASCII ones.
    if not _AUDIENCE.fullmatch(audience):
        raise InvalidInput("the request's host cannot name a consent-cookie audience")
    return audience.lower()
