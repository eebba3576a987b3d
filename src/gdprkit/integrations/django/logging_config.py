"""A ready ``LOGGING`` set-up that masks client addresses in Django's request and server logs.

An IP address is personal data (CJEU C-582/14 *Breyer* [S210]).  Django logs failed requests
on ``django.request`` (with the request, whose ``META`` holds ``REMOTE_ADDR`` and forwarding
headers, and which ``AdminEmailHandler`` mails out) and the development server logs every
request on ``django.server``.  :class:`ClientIPFilter` masks addresses in a record's message,
arguments and extra fields (:class:`gdprkit.integrations.logging.IPMaskingFilter`) and hands
handlers a copy of the request whose ``META`` values are masked.

In ``settings.py``::

    from gdprkit.integrations.django.logging_config import masked_logging
    LOGGING = masked_logging()              # Django's defaults, every handler filtered

or add the filter to your own configuration::

    LOGGING["filters"]["client_ip"] = {"()": CLIENT_IP_FILTER, "preset": "ga"}
    LOGGING["handlers"]["console"]["filters"] = ["client_ip"]

Example:
    >>> config = masked_logging()
    >>> config["handlers"]["django.server"]["filters"]
    ['gdprkit_client_ip']
"""

# mypy: disable-error-code="import-untyped"
# mypy: allow-subclassing-any

from __future__ import annotations

import copy
import logging
from typing import Any, Final

from django.utils.log import DEFAULT_LOGGING  # noqa: TID251 - the django extra

from gdprkit.integrations.logging import IPMaskingFilter
from gdprkit.ip import TruncationMasker
from gdprkit.ip.text import find_addresses, mask_text

__all__ = ["CLIENT_IP_FILTER", "FILTER_NAME", "ClientIPFilter", "masked_logging"]

#: The dotted path to use as ``"()"`` in a ``LOGGING["filters"]`` entry.
CLIENT_IP_FILTER: Final = "gdprkit.integrations.django.logging_config.ClientIPFilter"
#: The filter's name in :func:`masked_logging`.
FILTER_NAME: Final = "gdprkit_client_ip"
_PATHS_DONE: Final = "_gdprkit_path_addresses_masked"


def _mask_path_segments(text: str, masker: Any) -> str:
    """Mask the addresses written as a path segment (``/lookup/192.0.2.1``) only.

    :func:`gdprkit.ip.mask_text` reads ``word/1.2.3.4`` as a product version (a user agent's
    ``Chrome/120.0.0.0``); in a request path it is an address.  The other addresses are left
    for the general pass, so none is masked twice.
    """
    usual = {(m.start, m.end) for m in find_addresses(text)}
    out, last = [], 0
    for match in find_addresses(text, skip_versions=False):
        if (match.start, match.end) in usual:
            continue
        out += [text[last : match.start], masker.apply(match.text)]
        last = match.end
    return text if last == 0 else "".join(out) + text[last:]


class ClientIPFilter(IPMaskingFilter):
    """Mask client addresses in Django's log records (and in the request they carry).

    ``preset`` names a truncation of :meth:`gdprkit.ip.TruncationMasker.preset` (default
    ``"ga"``: IPv4 to /24, IPv6 to /48); pass ``masker`` for any other
    :class:`~gdprkit.ip.IPMasker`.

    Raises:
        InvalidInput: unknown ``preset``.

    Example:
        >>> from django.test import RequestFactory
        >>> request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.42")
        >>> record = logging.makeLogRecord({"msg": "Not Found: /", "request": request})
        >>> ClientIPFilter().filter(record), record.request.META["REMOTE_ADDR"]
        (True, '203.0.113.0')
        >>> request.META["REMOTE_ADDR"]  # the live request is left alone
        '203.0.113.42'
    """

    def __init__(self, *, preset: str = "ga", masker: Any = None, name: str = "") -> None:
        """Create the filter (``masker`` wins over ``preset``)."""
        super().__init__(TruncationMasker.preset(preset) if masker is None else masker, name=name)

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask ``record`` in place, with a masked copy of its request; keep the record."""
        if not getattr(record, _PATHS_DONE, False):
            # Django logs request paths ("Not Found: %s"): addresses in them are addresses.
            if isinstance(record.msg, str):
                record.msg = _mask_path_segments(record.msg, self.masker)
            if isinstance(record.args, tuple):
                record.args = tuple(
                    _mask_path_segments(a, self.masker) if isinstance(a, str) else a
                    for a in record.args
                )
            setattr(record, _PATHS_DONE, True)
        request: Any = getattr(record, "request", None)
        meta = getattr(request, "META", None)
        if isinstance(meta, dict):
            shadow = copy.copy(request)
            # Only the user agent holds product versions (``Chrome/120.0.0.0``); elsewhere an
            # address after a slash (a path segment) is still an address.
            shadow.META = {
                key: mask_text(value, self.masker, skip_versions=key == "HTTP_USER_AGENT")
                if isinstance(value, str)
                else value
                for key, value in meta.items()
            }
            # The parent filter would turn an object whose text holds an address into text;
            # handlers need the request object, so it is set aside while the rest is masked.
            delattr(record, "request")
            kept = super().filter(record)
            record.request = shadow
            return kept
        return super().filter(record)


def _copy_structure(value: Any) -> Any:
    # Copies dicts and lists, keeps every other object (a stream, a handler class) as it is.
    if isinstance(value, dict):
        return {key: _copy_structure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_structure(item) for item in value]
    return value


def masked_logging(*, preset: str = "ga", base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``LOGGING`` dict: ``base`` (Django's defaults) with the address filter on each handler.

    Raises:
        InvalidInput: unknown ``preset`` (when Django applies the configuration).

    Example:
        >>> sorted(masked_logging()["filters"])
        ['gdprkit_client_ip', 'require_debug_false', 'require_debug_true']
    """
    config: dict[str, Any] = _copy_structure(DEFAULT_LOGGING if base is None else base)
    config.setdefault("filters", {})[FILTER_NAME] = {"()": CLIENT_IP_FILTER, "preset": preset}
    for handler in config.get("handlers", {}).values():
        filters = handler.setdefault("filters", [])
        if FILTER_NAME not in filters:
            filters.insert(0, FILTER_NAME)
    return config
