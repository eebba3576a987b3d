"""Client addresses masked in the Flask app's logs."""

from __future__ import annotations

import logging
from typing import Any

import flask  # noqa: TID251 - the flask extra

from gdprkit.integrations.logging import IPMaskingFilter

__all__ = ["install_log_masking"]


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
