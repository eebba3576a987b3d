"""A structlog processor that masks IP addresses in every event before it is rendered.

Put :class:`MaskIPAddresses` in the processor chain **before the renderer** (and after processors
that add fields you want masked, such as ``format_exc_info``).  It masks every string value of the
event dict (the event message included), strings inside dicts, lists and tuples, and
:mod:`ipaddress` objects; ``keys=`` limits it to chosen keys.  Needs ``pip install
"gdprkit[structlog]"``.

Example:
    >>> import structlog
    >>> from gdprkit.ip import TruncationMasker
    >>> processor = MaskIPAddresses(TruncationMasker.preset("ga"))
    >>> processor(None, "info", {"event": "login from 198.51.100.23", "peer": "2001:db8:5:6::1"})
    {'event': 'login from 198.51.100.0', 'peer': '2001:db8:5::'}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from gdprkit.errors import MissingDependency

try:
    import structlog  # noqa: F401, TID251 - fail early, naming the extra to install
except ImportError as exc:  # pragma: no cover - exercised by the import-blocker test
    raise MissingDependency(
        'gdprkit.integrations.structlog needs structlog: pip install "gdprkit[structlog]"'
    ) from exc

from gdprkit.integrations.logging import _mask_value

if TYPE_CHECKING:
    from structlog.typing import EventDict, WrappedLogger  # noqa: TID251

    from gdprkit.ip.masking import IPMasker

__all__ = ["MaskIPAddresses"]


class MaskIPAddresses:
    """structlog processor: mask the IP addresses in an event dict's values.

    Raises:
        InvalidType: ``masker`` has no ``apply`` method.

    Example:
        >>> from gdprkit.ip import TruncationMasker
        >>> only_peer = MaskIPAddresses(TruncationMasker.preset("ga"), keys=["peer"])
        >>> only_peer(None, "info", {"event": "from 10.1.2.3", "peer": ["10.1.2.3", 8080]})
        {'event': 'from 10.1.2.3', 'peer': ['10.1.2.0', 8080]}
    """

    def __init__(self, masker: IPMasker, *, keys: Iterable[str] | None = None) -> None:
        """Mask with ``masker``; only the values of ``keys`` when given, else every value."""
        if not callable(getattr(masker, "apply", None)):
            from gdprkit.errors import InvalidType  # noqa: PLC0415

            raise InvalidType("masker: expected an IPMasker (an object with an apply method)")
        self.masker = masker
        self.keys = frozenset(keys) if keys is not None else None

    def __repr__(self) -> str:
        return f"MaskIPAddresses(masker={self.masker!r}, keys={self.keys!r})"

    def __call__(self, logger: WrappedLogger, method_name: str, event_dict: EventDict) -> EventDict:
        """Return ``event_dict`` with its values masked (the dict is updated in place)."""
        keys = self.keys
        masker = self.masker
        for key, value in event_dict.items():
            if keys is None or key in keys:
                event_dict[key] = _mask_value(value, masker)
        return event_dict
