"""A :class:`logging.Filter` that masks IP addresses before a record is written anywhere.

Attach :class:`IPMaskingFilter` to the **handlers** that write records out (a filter on a logger
only sees records logged to that very logger, not those propagated from its children).  It masks,
with any :class:`gdprkit.ip.IPMasker`:

- the message template (``record.msg``) and every argument (``record.args``): strings are scanned
  with :func:`gdprkit.ip.mask_text`; other objects (an :class:`ipaddress.IPv4Address`, an object
  whose ``str()`` holds an address) are replaced by their masked text, numbers stay numbers;
- every extra field (``logger.info("...", extra={"client": ip})``), including strings inside
  dicts, lists and tuples;
- the text of an exception and of ``stack_info``, which are formatted and masked once.

A record is masked once even when several handlers carry the filter.  The filter never drops a
record.

Example:
    >>> import logging, io
    >>> from gdprkit.ip import TruncationMasker
    >>> stream = io.StringIO()
    >>> handler = logging.StreamHandler(stream)
    >>> handler.addFilter(IPMaskingFilter(TruncationMasker.preset("ga")))
    >>> log = logging.getLogger("shop.example")
    >>> log.addHandler(handler)
    >>> log.propagate = False
    >>> log.warning("login failed from %s", "203.0.113.42")
    >>> stream.getvalue()
    'login failed from 203.0.113.0\\n'
    >>> log.removeHandler(handler)
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from gdprkit.ip.text import mask_text

if TYPE_CHECKING:
    from gdprkit.ip.masking import IPMasker

__all__ = ["IPMaskingFilter"]

# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_STANDARD: Final = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_DONE: Final = "_gdprkit_ip_masked"
_MAX_DEPTH: Final = 4


def _mask_value(value: Any, masker: IPMasker, depth: int = 0) -> Any:
    """Mask the addresses in a log value: strings, address objects, simple containers.

    Numbers, booleans and ``None`` come back unchanged; other objects whose text holds an address
    come back as the masked text (never as the original object).
    """
    if isinstance(value, str):
        return mask_text(value, masker)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return masker.apply(str(value))
    if depth < _MAX_DEPTH:
        if isinstance(value, Mapping):
            return {k: _mask_value(v, masker, depth + 1) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            masked = [_mask_value(v, masker, depth + 1) for v in value]
            return masked if isinstance(value, list) else tuple(masked)
    if isinstance(value, bytes):
        return value  # bytes are not text; a handler that logs them shows a repr
    text = str(value)
    masked_text = mask_text(text, masker)
    return value if masked_text == text else masked_text


class IPMaskingFilter(logging.Filter):
    """Mask IP addresses in a record's message, arguments, extra fields and exception text.

    Raises:
        InvalidType: ``masker`` has no ``apply`` method.

    Example:
        >>> import logging
        >>> from gdprkit.ip import TruncationMasker
        >>> f = IPMaskingFilter(TruncationMasker.preset("ga"))
        >>> record = logging.makeLogRecord(
        ...     {"msg": "%s via %s", "args": ("2001:db8:1:2::7", "10.0.0.1"), "client": "10.9.8.7"}
        ... )
        >>> f.filter(record), record.getMessage(), record.client
        (True, '2001:db8:1:: via 10.0.0.0', '10.9.8.0')
    """

    def __init__(self, masker: IPMasker, *, name: str = "") -> None:
        """Create a filter masking with ``masker`` (``name`` as for :class:`logging.Filter`)."""
        if not callable(getattr(masker, "apply", None)):
            from gdprkit.errors import InvalidType  # noqa: PLC0415

            raise InvalidType("masker: expected an IPMasker (an object with an apply method)")
        super().__init__(name)
        self.masker = masker

    def filter(self, record: logging.LogRecord) -> bool:
        """Mask ``record`` in place (once) and keep it."""
        if not super().filter(record):
            return False
        if getattr(record, _DONE, False):
            return True
        masker = self.masker
        record.msg = _mask_value(record.msg, masker)
        if record.args:
            if isinstance(record.args, Mapping):
                record.args = {k: _mask_value(v, masker) for k, v in record.args.items()}
            else:
                record.args = tuple(_mask_value(v, masker) for v in record.args)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, _mask_value(value, masker))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text, masker)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info, masker)
        setattr(record, _DONE, True)
        return True
